//! No text is clipped (issue 15, done-when 3): every screen of the gallery,
//! in all eight languages, at 1024×600 and at 800×480 (the smallest panel
//! the kiosk supports), with the software renderer.
//!
//! How it is measured, with the test switch `Theme.ghost-text` on:
//! - every text element reports, in its accessible description, whether its
//!   lines need more height (or, on one line, more width) than its box has
//!   (`Theme.fit`, `Theme.fit-line`: Slint's own measure of the text at the
//!   box's width); a text without that probe fails too, so a new text
//!   cannot escape the check;
//! - every text box must lie inside the window;
//! - the screen is rendered with texts drawn and with texts transparent: the
//!   pixels that differ are the texts' ink, and every ink pixel must fall
//!   inside some text box.
//!
//! A message wrapping past its box, a button label of three lines in a
//! two-line button, a header title elided, a column pushed off the bottom:
//! each fails, named with its language, size, state and words.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::ops::ControlFlow;

use i_slint_backend_testing::ElementRoot;
use slint::ComponentHandle;
use uketsuke_screen::{ResultView, Screen, View};
use uketsuke_ui::gallery::states;
use uketsuke_ui::render::{OffScreen, Picture};
use uketsuke_ui::{Kiosk, Language, Theme};

const SIZES: [(u32, u32); 2] = [(1024, 600), (800, 480)];

/// A text element's box, in window pixels, its words, and what its fit
/// probe says (`None`: it has none).
struct TextBox {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    words: String,
    probe: Option<String>,
}

fn text_boxes(screen: &OffScreen) -> Vec<TextBox> {
    let mut boxes = Vec::new();
    screen.app.root_element().visit_descendants(|e| {
        let is_text =
            e.type_name().as_deref() == Some("Text") || e.bases().is_some_and(|mut b| b.any(|base| base == "Text"));
        if is_text {
            let words = e.accessible_label().map(|l| l.to_string()).unwrap_or_default();
            let probe = e.accessible_description().map(|d| d.to_string());
            let (p, s) = (e.absolute_position(), e.size());
            boxes.push(TextBox { x0: p.x, y0: p.y, x1: p.x + s.width, y1: p.y + s.height, words, probe });
        }
        ControlFlow::<()>::Continue(())
    });
    boxes
}

fn ink(plain: &Picture, ghost: &Picture) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for y in 0..plain.height {
        for x in 0..plain.width {
            let i = ((y * plain.width + x) * 3) as usize;
            if plain.rgb[i..i + 3] != ghost.rgb[i..i + 3] {
                out.push((x, y));
            }
        }
    }
    out
}

/// What does not fit on the screen shown now.
fn misfits(screen: &OffScreen, width: u32, height: u32) -> Vec<String> {
    let plain = screen.render_current(width, height);
    screen.app.global::<Theme>().set_ghost_text(true);
    let ghost = screen.render_current(width, height);
    let boxes = text_boxes(screen);
    screen.app.global::<Theme>().set_ghost_text(false);
    let mut found = Vec::new();
    for b in &boxes {
        let words = if b.words.is_empty() { "(a text with no words)" } else { b.words.as_str() };
        match b.probe.as_deref() {
            None => found.push(format!("a text with no fit probe (Theme.fit): {words}")),
            Some("") => {}
            Some(misfit) => found.push(format!("{misfit}: {words}")),
        }
        let empty = b.x1 - b.x0 < 0.5 || b.y1 - b.y0 < 0.5;
        if !empty && (b.x0 < -0.5 || b.y0 < -0.5 || b.x1 > width as f32 + 0.5 || b.y1 > height as f32 + 0.5) {
            found.push(format!("off the window ({:.0},{:.0})–({:.0},{:.0}): {words}", b.x0, b.y0, b.x1, b.y1));
        }
    }
    // Anti-aliasing may reach a pixel past a glyph's box.
    const SLACK: f32 = 2.0;
    let outside: Vec<(u32, u32)> = ink(&plain, &ghost)
        .into_iter()
        .filter(|&(x, y)| {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            !boxes.iter().any(|b| fx >= b.x0 - SLACK && fx <= b.x1 + SLACK && fy >= b.y0 - SLACK && fy <= b.y1 + SLACK)
        })
        .collect();
    if outside.len() > 3 {
        let (x, y) = outside[0];
        found.push(format!("{} pixels of text outside every text box, the first at ({x},{y})", outside.len()));
    }
    found
}

/// The check itself can fail: a terminal message far too long for the
/// result screen, and a header title too long for the header, are found.
fn the_check_finds_text_that_does_not_fit(screen: &OffScreen) {
    let plain = screen.render_state("x", &Screen::new(View::Idle), 1024, 600);
    screen.app.global::<Theme>().set_ghost_text(true);
    let ghost = screen.render_current(1024, 600);
    screen.app.global::<Theme>().set_ghost_text(false);
    assert!(ink(&plain, &ghost).len() > 2000, "the ghost render did not hide the text");
    let long = "利用者証明用電子証明書の有効期限が切れているか、失効しています。".repeat(12);
    let refused = Screen::new(View::Result(ResultView::Refused { code: "006".into(), message: long }));
    uketsuke_ui::gallery::show_state(&screen.app, "x", &refused);
    let found = misfits(screen, 800, 480);
    assert!(!found.is_empty(), "a message of {} characters fitted on 800x480", 12 * 33);
}

#[test]
fn no_text_is_clipped_on_any_screen_in_any_language_at_1024x600_or_800x480_in_either_text_size() {
    let screen = OffScreen::new().unwrap();
    the_check_finds_text_that_does_not_fit(&screen);
    let mut failures = Vec::new();
    let mut checked = 0;
    for large in [false, true] {
        let mode = if large { " large text" } else { "" };
        for language in Language::ALL {
            screen.set_language(language.code()).unwrap();
            for (w, h) in SIZES {
                for (name, shown) in states() {
                    uketsuke_ui::gallery::show_state(&screen.app, name, &shown);
                    screen.app.global::<Kiosk>().set_large_text(large);
                    for m in misfits(&screen, w, h) {
                        failures.push(format!("{} {w}x{h}{mode} {name}: {m}", language.code()));
                    }
                    checked += 1;
                }
            }
        }
    }
    screen.app.global::<Kiosk>().set_large_text(false);
    assert_eq!(checked, 2 * 8 * 2 * states().len());
    // The header's buttons are measured too.
    uketsuke_ui::gallery::show_state(&screen.app, "x", &Screen::new(View::Idle));
    screen.app.global::<Theme>().set_ghost_text(true);
    let boxes = text_boxes(&screen);
    screen.app.global::<Theme>().set_ghost_text(false);
    assert!(
        boxes.iter().any(|b| b.words == "Language" && b.probe.is_some()),
        "the header buttons' texts are not measured"
    );
    assert!(failures.is_empty(), "{} misfits:\n{}", failures.len(), failures.join("\n"));
}
