//! The status panel's golden images: every state, in both reference
//! layouts and both languages, compared pixel for pixel with
//! `tests/reference/`. After an intended change:
//! `UKETSUKE_UPDATE_SCREENSHOTS=1 cargo test -p uketsuke-panel --features sim --test golden`.

use std::path::{Path, PathBuf};

use uketsuke_panel::sim::{Rendered, file_name, load_png, render, save_png};
use uketsuke_panel::{Lang, Layout, PanelState};

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("panel")
}

/// The pixels that differ, and an image that shows them in red.
fn diff(a: &Rendered, b: &Rendered) -> (usize, Rendered) {
    let mut image = a.clone();
    let mut count = 0;
    for (i, (pa, pb)) in a.rgb.chunks_exact(3).zip(b.rgb.chunks_exact(3)).enumerate() {
        if pa != pb {
            count += 1;
            image.rgb[i * 3..i * 3 + 3].copy_from_slice(&[255, 0, 0]);
        }
    }
    (count, image)
}

#[test]
fn every_state_in_both_layouts_and_languages_matches_its_golden_image() {
    let update = std::env::var_os("UKETSUKE_UPDATE_SCREENSHOTS").is_some();
    let mut failures = Vec::new();
    let mut compared = 0;
    for layout in [Layout::Oled128x64, Layout::Tft320x240] {
        for lang in [Lang::Ja, Lang::En] {
            for state in PanelState::every() {
                let name = file_name(layout, &state, lang);
                let actual = render(layout, &state, lang);
                let golden = reference_dir().join(&name);
                if update {
                    std::fs::create_dir_all(golden.parent().unwrap_or(Path::new(".")))
                        .unwrap_or_else(|e| panic!("{e}"));
                    save_png(&actual, &golden).unwrap_or_else(|e| panic!("{e}"));
                    continue;
                }
                compared += 1;
                let expected = match load_png(&golden) {
                    Ok(e) => e,
                    Err(e) => {
                        failures.push(format!("{}: {e}", name.display()));
                        continue;
                    }
                };
                let size_ok = (expected.width, expected.height) == (actual.width, actual.height);
                let (count, image) = if size_ok { diff(&actual, &expected) } else { (usize::MAX, actual.clone()) };
                if count > 0 {
                    let new = out_dir().join("new").join(&name);
                    let marked = out_dir().join("diff").join(&name);
                    for (path, img) in [(&new, &actual), (&marked, &image)] {
                        let _ = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")));
                        let _ = save_png(img, path);
                    }
                    failures.push(format!(
                        "{}: {count} pixels differ; new image {}, diff {}",
                        name.display(),
                        new.display(),
                        marked.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(update || compared == 48, "{compared} images compared");
}

#[test]
fn the_oled_lights_its_whole_background_when_staff_are_needed() {
    let lit = |s: &PanelState| {
        let r = render(Layout::Oled128x64, s, Lang::Ja);
        r.rgb.chunks_exact(3).filter(|p| p[0] > 128).count() as f64 / f64::from(r.width * r.height)
    };
    for state in PanelState::every() {
        let alarm = state.code().is_some();
        assert_eq!(lit(&state) > 0.5, alarm, "{state:?}: {:.2} lit", lit(&state));
    }
}

#[test]
fn no_two_states_look_the_same() {
    for layout in [Layout::Oled128x64, Layout::Tft320x240] {
        let images: Vec<_> = PanelState::every().iter().map(|s| render(layout, s, Lang::Ja)).collect();
        for (i, a) in images.iter().enumerate() {
            for b in &images[i + 1..] {
                assert!(diff(a, b).0 > 100, "{layout:?}: two states differ by fewer than 100 pixels");
            }
        }
    }
}
