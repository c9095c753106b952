//! Every `@tr()` string of the screens has a translation in each of the
//! seven other languages, `lang/<code>/LC_MESSAGES/uketsuke-ui.po`, under
//! the context Slint gives it (the component it stands in), keeping its
//! `{}` placeholders. `python3 ui/tr.py` regenerates the files from
//! `translations/<code>.tsv`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::HashMap;
use std::path::Path;

fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// (context, msgid) of every `@tr("…")`.
fn tr_strings() -> Vec<(String, String)> {
    let mut files = Vec::new();
    slint_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let mut context = String::new();
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            if let Some(rest) = line.split("component ").nth(1).filter(|_| !line.trim_start().starts_with("//")) {
                context = rest.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).next().unwrap().into();
            }
            for part in line.split("@tr(\"").skip(1) {
                found.push((context.clone(), part.split('"').next().unwrap().to_owned()));
            }
        }
    }
    found
}

const LANGUAGES: [&str; 7] = ["en", "zh", "ko", "vi", "pt", "es", "tl"];

/// (context, msgid) → msgstr of a language's `.po` file.
fn po(code: &str) -> HashMap<(String, String), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("lang/{code}/LC_MESSAGES/uketsuke-ui.po"));
    let po = std::fs::read_to_string(path).unwrap();
    let mut translated = HashMap::new();
    let mut context = String::new();
    let mut msgid = String::new();
    for line in po.lines() {
        if let Some(c) = line.strip_prefix("msgctxt \"") {
            context = c.trim_end_matches('"').to_owned();
        } else if let Some(m) = line.strip_prefix("msgid \"") {
            msgid = m.trim_end_matches('"').to_owned();
        } else if let Some(s) = line.strip_prefix("msgstr \"")
            && !s.trim_end_matches('"').is_empty()
        {
            translated.insert((context.clone(), msgid.clone()), s.trim_end_matches('"').to_owned());
        }
    }
    translated
}

#[test]
fn every_string_on_the_screens_has_all_seven_translations_with_their_placeholders() {
    let strings = tr_strings();
    assert!(strings.len() > 90, "the screens' strings were not found");
    let mut missing = Vec::new();
    for code in LANGUAGES {
        let translated = po(code);
        for (context, msgid) in &strings {
            match translated.get(&(context.clone(), msgid.clone())) {
                None => missing.push(format!("{code}: {context}: {msgid}")),
                Some(text) if text.matches("{}").count() != msgid.matches("{}").count() => {
                    missing.push(format!("{code}: {context}: {msgid}: placeholders differ in {text}"));
                }
                Some(_) => {}
            }
        }
    }
    assert!(missing.is_empty(), "untranslated (run python3 ui/tr.py):\n{}", missing.join("\n"));
}
