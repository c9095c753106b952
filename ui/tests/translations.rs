//! Every `@tr()` string of the screens has an English translation in
//! `lang/en/LC_MESSAGES/uketsuke-ui.po`, under the context Slint gives it
//! (the component it stands in). `python3 ui/tr.py` regenerates the file.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::HashSet;
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

#[test]
fn every_string_on_the_screens_has_english() {
    let po = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("lang/en/LC_MESSAGES/uketsuke-ui.po"))
        .unwrap();
    let mut translated = HashSet::new();
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
            translated.insert((context.clone(), msgid.clone()));
        }
    }
    let strings = tr_strings();
    assert!(strings.len() > 90, "the screens' strings were not found");
    let missing: Vec<String> =
        strings.iter().filter(|s| !translated.contains(*s)).map(|(c, m)| format!("{c}: {m}")).collect();
    assert!(missing.is_empty(), "no English (run python3 ui/tr.py):\n{}", missing.join("\n"));
}
