//! What the voice says for a screen, read off the accessibility tree of the
//! real screens (Slint's software renderer, no display, no sound).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use uketsuke_screen::{Guidance, Screen, View};
use uketsuke_ui::Language;
use uketsuke_ui::gallery::spoken_states;
use uketsuke_ui::render::OffScreen;
use uketsuke_ui::speech::{Announcer, screen_words};

fn words_of(screen: &OffScreen, name: &str) -> Vec<String> {
    let (_, shown) = spoken_states().into_iter().find(|(n, _)| n == name).unwrap();
    uketsuke_ui::gallery::show_state(&screen.app, name, &shown);
    screen_words(&screen.app)
}

// One test: Slint's platform is set once per process.
#[test]
fn each_screen_is_spoken_as_shown_in_the_language_shown() {
    let screen = OffScreen::new().unwrap();

    // Title, question, the buttons in layout order, the note; not the
    // header's repeat and language buttons.
    let method = words_of(&screen, "05-method-select");
    assert_eq!(
        method,
        [
            "①本人確認の方法の選択",
            "本人確認の方法を選んでください。",
            "顔認証を行う",
            "暗証番号を入力",
            "職員に確認してもらう",
            "終了する",
            "本人確認の情報は、他の目的には使用しません。"
        ]
    );

    // The PIN: the count entered, never a digit, and not the keypad's keys.
    let pin = words_of(&screen, "12-pin-two-digits");
    assert!(pin.contains(&"2桁入力済み".to_owned()), "{pin:?}");
    assert!(!pin.iter().any(|w| w.chars().all(|c| c.is_ascii_digit())), "{pin:?}");

    // The inactivity warning covers the screen: only its words.
    let warning = words_of(&screen, "34-timeout-warning");
    assert_eq!(warning[0], "まもなく最初の画面に戻ります。続ける場合は画面に触れてください。", "{warning:?}");
    assert!(!warning.iter().any(|w| w.contains("本人確認の方法")), "{warning:?}");

    // A guidance appearing on the face screen is all that is said again.
    let mut announcer = Announcer::default();
    screen.show(&Screen::new(View::FaceCapture { guidance: None, challenge: None }));
    assert!(announcer.next("face", Language::Ja, screen_words(&screen.app)).unwrap().contains("顔を枠内に"));
    screen.show(&Screen::new(View::FaceCapture { guidance: Some(Guidance::TooFar), challenge: None }));
    assert_eq!(
        announcer.next("face", Language::Ja, screen_words(&screen.app)).as_deref(),
        Some("もう少し近づいてください。")
    );

    // A panel over the screen is read whole (the about panel's credits).
    let about = words_of(&screen, "40-about");
    assert_eq!(about.first().map(String::as_str), Some("このキオスクについて"), "{about:?}");
    assert!(about.iter().any(|w| w.contains("Nagoya Institute of Technology")), "{about:?}");

    // The same screen in English is spoken in English.
    screen.set_language("en").unwrap();
    let method_en = words_of(&screen, "05-method-select");
    assert_eq!(method_en.len(), method.len(), "{method_en:?}");
    let japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}');
    assert!(!method_en.iter().any(|w| w.chars().any(japanese)), "{method_en:?}");
}
