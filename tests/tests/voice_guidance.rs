//! Voice guidance (issue 15, done-when 1): `uketsuke-ui speak` speaks every
//! screen and every guidance in Japanese (Open JTalk, the Mei voice) and in
//! English (espeak-ng). Each WAV must be speech — loud enough, mostly
//! voiced, as long as its text plausibly takes to say — and no spoken text
//! may hold anything personal of any persona: name, address, birth date,
//! My Number, PIN, security code.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::{Path, PathBuf};
use std::process::Command;

use uketsuke_hw_sim::era::era_of;
use uketsuke_hw_sim::persona;
use uketsuke_tests::bins::bin_path;
use uketsuke_ui::speech::wav::Pcm;

/// Speaks every screen in `lang` and returns (file, text) pairs.
fn speak(lang: &str) -> (PathBuf, Vec<(String, String)>) {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("speech-{lang}"));
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(bin_path("uketsuke-ui"))
        .args(["speak", "--lang", lang, "--out"])
        .arg(&out)
        .output()
        .expect("uketsuke-ui (cargo build --bins)");
    assert!(run.status.success(), "uketsuke-ui speak --lang {lang}: {}", String::from_utf8_lossy(&run.stderr));
    let index = std::fs::read_to_string(out.join("texts.tsv")).unwrap();
    let pairs = index
        .lines()
        .map(|l| {
            let (file, text) = l.split_once('\t').unwrap();
            (file.to_owned(), text.to_owned())
        })
        .collect();
    (out, pairs)
}

/// How long saying `text` plausibly takes, in seconds: Japanese at 4–12
/// characters a second, English at 6–25 letters a second, plus pauses.
fn plausible(lang: &str, text: &str) -> (f64, f64) {
    let chars = text.chars().filter(|c| c.is_alphanumeric()).count() as f64;
    let sentences = text.matches(['。', '.']).count().max(1) as f64;
    match lang {
        "ja" => (chars / 12.0, chars / 4.0 + sentences * 1.0 + 1.0),
        _ => (chars / 25.0, chars / 6.0 + sentences * 1.0 + 1.0),
    }
}

fn check_speech(lang: &str, dir: &Path, spoken: &[(String, String)]) -> Vec<String> {
    let mut faults = Vec::new();
    for (file, text) in spoken {
        let pcm = Pcm::parse(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        let seconds = pcm.duration().as_secs_f64();
        let (low, high) = plausible(lang, text);
        if !(low..=high).contains(&seconds) {
            faults
                .push(format!("{file}: {seconds:.1} s for {} characters (expected {low:.1}–{high:.1} s)", text.len()));
        }
        let voiced = pcm.voiced_share();
        if voiced < 0.4 {
            faults.push(format!("{file}: only {:.0} % of it is voiced: not speech", voiced * 100.0));
        }
    }
    faults
}

/// Every way a persona's personal data could be written in a spoken text.
fn personal_data() -> Vec<(String, String)> {
    let mut needles = Vec::new();
    for p in persona::all().unwrap() {
        let mut add = |what: &str, s: String| {
            if s.chars().count() >= 2 {
                needles.push((format!("{} of {}", what, p.id), s));
            }
        };
        add("name", p.name.clone());
        add("name", p.name.replace([' ', '　'], ""));
        add("address", p.address.clone());
        add("My Number", p.my_number.clone());
        add("security code", p.security_code.clone());
        if let Some(pin) = &p.pin {
            add("PIN", pin.clone());
            let spaced: Vec<String> = pin.chars().map(String::from).collect();
            add("PIN spaced", spaced.join(" "));
        }
        let (y, m, d) = (p.birth_date.year(), p.birth_date.month(), p.birth_date.day());
        add("birth date", format!("{y:04}-{m:02}-{d:02}"));
        add("birth date", format!("{y}年{m}月{d}日"));
        add("birth date", format!("{y:04}{m:02}{d:02}"));
        if let Some((era, n)) = era_of(y as u32, m as u32, d as u32) {
            add("birth date", format!("{era}{n}年{m}月{d}日"));
        }
    }
    needles
}

#[test]
fn every_screen_and_guidance_is_spoken_in_japanese_and_english_and_nothing_personal_is_said() {
    let needles = personal_data();
    assert!(needles.len() > 40, "the personas' data was not found");
    let mut faults = Vec::new();
    for lang in ["ja", "en"] {
        let (dir, spoken) = speak(lang);
        assert!(spoken.len() >= 45, "{lang}: only {} texts spoken", spoken.len());
        faults.extend(check_speech(lang, &dir, &spoken).into_iter().map(|f| format!("{lang}: {f}")));
        for (file, text) in &spoken {
            for (what, needle) in &needles {
                if text.contains(needle.as_str()) {
                    faults.push(format!("{lang}: {file} speaks the {what}"));
                }
            }
            // No run of four digits at all: nothing like a PIN or a date is
            // said (but the about panel's credits, years of the voice's
            // copyright, fixed text).
            let longest = text.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
            if longest >= 4 && file != "40-about.wav" {
                faults.push(format!("{lang}: {file} speaks a number of {longest} digits: {text}"));
            }
        }
        // The PIN screen says how many digits are in, never which.
        let pin = &spoken.iter().find(|(f, _)| f == "12-pin-two-digits.wav").unwrap().1;
        let count = if lang == "ja" { "2桁" } else { "2 digits" };
        assert!(pin.contains(count), "{lang}: the PIN screen does not say the count: {pin}");
        // The inactivity warning is spoken alone, over the screen it covers.
        let warning = &spoken.iter().find(|(f, _)| f == "34-timeout-warning.wav").unwrap().1;
        assert!(!warning.contains(if lang == "ja" { "本人確認の方法" } else { "identity" }), "{lang}: {warning}");
    }
    assert!(faults.is_empty(), "{faults:#?}");
}
