//! Voice guidance (issue 15): every screen is spoken, as a screen reader
//! would read it. The words come from the screen itself (its texts, warnings
//! and buttons in the order they are laid out, read off the accessibility
//! tree in the language shown), so that what is spoken is always what is
//! shown. Only screen wording is spoken: a PIN is spoken as the count of
//! digits entered (the keypad's accessible label), never as digits, and the
//! screens show no name, date or number of the patient's.
//!
//! [`engine`] runs the voices (Open JTalk with the Mei voice for Japanese,
//! espeak-ng for the others), [`cache`] keeps each distinct text's WAV in
//! the data directory, [`player`] plays them off the UI thread through ALSA.

pub mod cache;
pub mod engine;
pub mod guide;
pub mod player;
pub mod wav;

use std::ops::ControlFlow;
use std::path::PathBuf;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::ComponentHandle;

use crate::{App, Kiosk, Language};

/// Speech could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpeechError {
    /// No voice speaks this language.
    #[error("no voice speaks {0:?}")]
    NoVoice(String),
    /// The HTS voice file is missing (`scripts/setup` fetches it).
    #[error("the Japanese voice {0} is missing: run scripts/setup")]
    VoiceMissing(PathBuf),
    /// A voice program could not be run or failed.
    #[error("{program}: {reason}")]
    Program {
        /// The program.
        program: String,
        /// What went wrong.
        reason: String,
    },
    /// The speech cache could not be read or written.
    #[error("speech cache: {0}")]
    Cache(String),
}

/// The screen's words as a screen reader reads them: every visible text,
/// warning and button label, in layout order, each once. Left out: the
/// header's own buttons (repeat, language: they are named when the keypad
/// focuses them) and the on-screen keypad's digits. When something covers
/// the screen (the language chooser, the inactivity warning), only its words.
pub fn screen_words(app: &App) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut unsaid: Vec<String> = Vec::new();
    // A header button's own text follows it in the tree (its label may differ).
    let mut in_header_button = false;
    let mut take = |e: &ElementHandle| {
        let kind = e.type_name();
        if kind.as_deref().is_some_and(covers_the_screen) {
            // It covers the screen: only its words count.
            words.clear();
        }
        let role = e.accessible_role();
        if !matches!(role, Some(AccessibleRole::Text | AccessibleRole::Button)) {
            return;
        }
        let Some(label) = e.accessible_label() else { return };
        let label = label.trim().to_owned();
        if std::mem::take(&mut in_header_button) && role == Some(AccessibleRole::Text) {
            return;
        }
        let keypad_digit = role == Some(AccessibleRole::Button) && label.chars().all(|c| c.is_ascii_digit());
        if kind.as_deref() == Some("HeaderButton") || keypad_digit {
            in_header_button = kind.as_deref() == Some("HeaderButton");
            unsaid.push(label);
            return;
        }
        // A symbol alone (the ⚠ of a warning, ● of the PIN) is not spoken:
        // its element's label says it.
        if label.chars().any(char::is_alphanumeric) && !words.contains(&label) && !unsaid.contains(&label) {
            words.push(label);
        }
    };
    let root = app.root_element();
    take(&root);
    root.visit_descendants(|e| {
        take(&e);
        ControlFlow::<()>::Continue(())
    });
    words
}

/// Whether an element of this type covers the whole screen while it is up
/// (it is there only then): the language chooser, the about panel and the
/// inactivity warning.
pub fn covers_the_screen(type_name: &str) -> bool {
    matches!(type_name, "TimeoutBanner" | "LanguageChooser" | "AboutPanel")
}

/// The screen language's code, for the voice.
pub fn language_code(app: &App) -> &'static str {
    app.global::<Kiosk>().get_language().code()
}

/// What of `word` a voice for `lang` can read: Japanese script (the
/// terminal's own messages stay Japanese on every screen) is left to the
/// Japanese voice, and kanji to the Japanese and Chinese ones; the rest of
/// the word (an error code before the message) is kept. The text stays on
/// the screen for staff to read out.
fn speakable(lang: &str, word: &str) -> Option<String> {
    let kana = |c: char| matches!(c, '\u{3040}'..='\u{30ff}');
    let kanji = |c: char| matches!(c, '\u{4e00}'..='\u{9fff}');
    let readable = |part: &&str| match lang {
        "ja" => true,
        "zh" => !part.chars().any(kana),
        _ => !part.chars().any(|c| kana(c) || kanji(c)),
    };
    let parts: Vec<&str> = word.split_whitespace().filter(readable).collect();
    let kept = parts.join(" ");
    kept.chars().any(char::is_alphanumeric).then_some(kept)
}

/// Words joined into one text to speak, each ending as a sentence so that
/// the voice pauses between them; what the language's voice cannot read is
/// left out.
pub fn as_text(lang: &str, words: &[String]) -> String {
    let stop = if matches!(lang, "ja" | "zh") { "。" } else { "." };
    let mut text = String::new();
    for w in words.iter().filter_map(|w| speakable(lang, w)) {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&w);
        if !w.ends_with(['。', '．', '.', '!', '?', '！', '？']) {
            text.push_str(stop);
        }
    }
    text
}

/// Decides what to say as screens follow each other: a new screen is
/// spoken whole; on the same screen only what changed (a new guidance, the
/// count of digits entered), so the patient is not told the whole screen
/// again for every key.
#[derive(Debug, Default)]
pub struct Announcer {
    shown: Option<(String, Language)>,
    words: Vec<String>,
    silent_change: bool,
}

impl Announcer {
    /// The text to say now that `screen` (a name for which screen is up)
    /// shows `words` in `language`; `None` if nothing new is shown.
    pub fn next(&mut self, screen: &str, language: Language, words: Vec<String>) -> Option<String> {
        let same = self.shown.as_ref().is_some_and(|(s, l)| s == screen && *l == language);
        let new: Vec<String> =
            if same { words.iter().filter(|w| !self.words.contains(w)).cloned().collect() } else { words.clone() };
        // A screen that changed to say less (a guidance gone) stops the voice.
        self.silent_change = same && new.is_empty() && words != self.words;
        self.shown = Some((screen.to_owned(), language));
        self.words = words;
        Some(as_text(language.code(), &new)).filter(|t| !t.is_empty())
    }

    /// Whether the last [`Announcer::next`] showed a change with nothing new
    /// to say (a guidance withdrawn): what was being said no longer holds.
    pub fn is_silent_change(&self) -> bool {
        self.silent_change
    }

    /// The whole current screen again (the repeat button).
    pub fn repeat(&self) -> Option<String> {
        let (_, language) = self.shown.as_ref()?;
        Some(as_text(language.code(), &self.words)).filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_new_screen_is_spoken_whole_and_a_change_on_it_alone() {
        let mut a = Announcer::default();
        let pin = w(&["②本人認証（暗証番号）", "暗証番号を入力してください。", "0桁入力済み"]);
        assert_eq!(
            a.next("pin-entry", Language::Ja, pin).as_deref(),
            Some("②本人認証（暗証番号）。 暗証番号を入力してください。 0桁入力済み。")
        );
        let one = w(&["②本人認証（暗証番号）", "暗証番号を入力してください。", "1桁入力済み"]);
        assert_eq!(a.next("pin-entry", Language::Ja, one.clone()).as_deref(), Some("1桁入力済み。"));
        assert_eq!(a.next("pin-entry", Language::Ja, one).as_deref(), None);
        assert_eq!(a.repeat().as_deref(), Some("②本人認証（暗証番号）。 暗証番号を入力してください。 1桁入力済み。"));
    }

    #[test]
    fn a_language_change_speaks_the_screen_again() {
        let mut a = Announcer::default();
        let _ = a.next("idle", Language::Ja, w(&["カードを置いてください"]));
        assert_eq!(a.next("idle", Language::En, w(&["Place your card"])).as_deref(), Some("Place your card."));
    }

    #[test]
    fn the_terminal_s_japanese_message_is_not_read_by_the_english_voice() {
        let words = w(&["Error (006) 利用者証明用電子証明書の有効期限が切れています。", "Please ask at reception."]);
        assert_eq!(as_text("en", &words), "Error (006). Please ask at reception.");
        assert!(as_text("ja", &words).contains("有効期限"));
    }

    #[test]
    fn nothing_shown_is_nothing_to_repeat() {
        assert_eq!(Announcer::default().repeat(), None);
    }
}
