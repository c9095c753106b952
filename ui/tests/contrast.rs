//! WCAG 2.2 contrast (success criterion 1.4.3, AA): every pair of text
//! colour and the background it is drawn on, as the screens use them, is at
//! least 4.5:1, and at least 3:1 for large text (≥ 24 px, or ≥ 18.66 px
//! bold). The colours are read from `ui/theme.slint` itself, and every
//! text colour a screen uses must appear in a pair below, so a new colour
//! cannot escape the check.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::BTreeMap;
use std::path::Path;

/// (text colour, background, where, large text?).
const PAIRS: &[(&str, &str, &str, bool)] = &[
    ("text", "background", "messages, the PIN's dots", false),
    ("muted", "background", "notes", false),
    ("on-primary", "primary", "the header, primary buttons", false),
    ("on-primary", "primary-pressed", "pressed primary and header buttons", false),
    ("text", "secondary", "secondary buttons", false),
    ("text", "secondary-pressed", "pressed secondary buttons", false),
    ("warning", "warning-bg", "warnings", false),
    ("primary", "background", "the card picture's label, the ⬆ of take-card", false),
    ("text", "panel", "the timeout banner", false),
    ("muted", "panel", "notes on a panel", false),
    ("primary", "secondary", "the idle screen's card", false),
    ("primary", "on-primary", "a header button focused by the keypad", false),
];

fn theme() -> BTreeMap<String, [u8; 3]> {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/theme.slint")).unwrap();
    let mut colours = BTreeMap::new();
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix("out property <color> ") else { continue };
        let (name, value) = rest.split_once(':').unwrap();
        let value = value.split(';').next().unwrap_or_default().trim();
        let hex = value.trim_start_matches('#');
        assert_eq!(hex.len(), 6, "{name}: only opaque #rrggbb colours are checked, got {value:?}");
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        colours.insert(name.trim().to_owned(), [byte(0), byte(2), byte(4)]);
    }
    colours
}

/// WCAG 2.2 relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn the_ratio_matches_wcag_s_own_examples() {
    assert!((ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    assert!((ratio([0x77, 0x77, 0x77], [255, 255, 255]) - 4.48).abs() < 0.01);
}

#[test]
fn every_text_and_background_pair_meets_wcag_aa() {
    let colours = theme();
    let mut failures = Vec::new();
    for (fg, bg, place, large) in PAIRS {
        let (Some(f), Some(b)) = (colours.get(*fg), colours.get(*bg)) else {
            panic!("{fg} on {bg}: not a theme colour");
        };
        let r = ratio(*f, *b);
        let needed = if *large { 3.0 } else { 4.5 };
        if r < needed {
            failures.push(format!("{fg} on {bg} ({place}): {r:.2}:1 < {needed}:1"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_text_colour_the_screens_use_is_checked() {
    let checked: Vec<&str> = PAIRS.iter().map(|p| p.0).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = vec![dir.join("components.slint"), dir.join("app.slint")];
    for e in std::fs::read_dir(dir.join("screens")).unwrap() {
        files.push(e.unwrap().path());
    }
    let mut unchecked = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for line in source.lines() {
            let line = line.trim();
            let Some(value) = line.strip_prefix("color:") else { continue };
            for word in value.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.' || c == '#')) {
                if let Some(name) = word.strip_prefix("Theme.") {
                    // `Theme.ink(c)` draws the colour c.
                    if name != "ink" && !checked.contains(&name) {
                        unchecked.push(format!("{}: {line}", file.display()));
                    }
                } else if word.starts_with('#') {
                    unchecked.push(format!("{}: a literal text colour: {line}", file.display()));
                }
            }
        }
    }
    assert!(unchecked.is_empty(), "text colours with no contrast pair: {unchecked:#?}");
}
