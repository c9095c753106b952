//! Every screen of the gallery, in Japanese and English at 1024×600 and
//! 1280×800 and in the six other languages at 1024×600, rendered with
//! Slint's software renderer, and large-text mode in Japanese and English
//! at 1024×600 and 800×480, compared pixel for pixel with the reference
//! PNGs in `ui/tests/reference/`. A changed
//! pixel fails the test and names the new image and a diff image.
//!
//! After an intended change: `UKETSUKE_UPDATE_SCREENSHOTS=1 cargo test -p uketsuke-ui --test screenshots`,
//! then look at the new references before committing them.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::{Path, PathBuf};

use slint::ComponentHandle;
use uketsuke_ui::Kiosk;
use uketsuke_ui::gallery::states;
use uketsuke_ui::render::{OffScreen, Picture};

/// (language, width, height, large text): Japanese and English at both
/// sizes, the other six languages at the kiosk's usual 1024×600, and
/// large-text mode in Japanese and English at 1024×600 and 800×480.
const CASES: [(&str, u32, u32, bool); 14] = [
    ("ja", 1024, 600, false),
    ("ja", 1280, 800, false),
    ("en", 1024, 600, false),
    ("en", 1280, 800, false),
    ("zh", 1024, 600, false),
    ("ko", 1024, 600, false),
    ("vi", 1024, 600, false),
    ("pt", 1024, 600, false),
    ("es", 1024, 600, false),
    ("tl", 1024, 600, false),
    ("ja", 1024, 600, true),
    ("ja", 800, 480, true),
    ("en", 1024, 600, true),
    ("en", 800, 480, true),
];

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("reference")
}

/// Saves a PNG, compressed as hard as the encoder can: the references live in git.
fn save(path: &Path, p: &Picture) {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    PngEncoder::new_with_quality(file, CompressionType::Best, FilterType::Adaptive)
        .write_image(&p.rgb, p.width, p.height, image::ExtendedColorType::Rgb8)
        .unwrap();
}

/// Pixels that differ, and a diff image: changed pixels red on a faded copy.
fn diff(actual: &Picture, reference: &image::RgbImage) -> (usize, image::RgbImage) {
    let mut out = image::RgbImage::new(actual.width, actual.height);
    let mut changed = 0;
    for (i, px) in out.pixels_mut().enumerate() {
        let a = &actual.rgb[i * 3..i * 3 + 3];
        let x = (i as u32) % actual.width;
        let y = (i as u32) / actual.width;
        let r = reference.get_pixel(x, y).0;
        if a == r {
            *px = image::Rgb([a[0] / 3 + 170, a[1] / 3 + 170, a[2] / 3 + 170]);
        } else {
            changed += 1;
            *px = image::Rgb([255, 0, 0]);
        }
    }
    (changed, out)
}

#[test]
fn every_screen_matches_its_reference_in_every_language() {
    let update = std::env::var_os("UKETSUKE_UPDATE_SCREENSHOTS").is_some();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let screen = OffScreen::new().unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (lang, w, h, large) in CASES {
        screen.set_language(lang).unwrap();
        {
            let dir = format!("{lang}-{}{w}x{h}", if large { "large-" } else { "" });
            for (name, shown) in states() {
                uketsuke_ui::gallery::show_state(&screen.app, name, &shown);
                screen.app.global::<Kiosk>().set_large_text(large);
                let picture = screen.render_current(w, h);
                let reference = reference_dir().join(&dir).join(format!("{name}.png"));
                if update {
                    save(&reference, &picture);
                    continue;
                }
                compared += 1;
                let actual_path = out.join(&dir).join(format!("{name}.png"));
                let Ok(expected) = image::open(&reference).map(|i| i.to_rgb8()) else {
                    save(&actual_path, &picture);
                    failures.push(format!("{dir}/{name}: no reference; new image at {}", actual_path.display()));
                    continue;
                };
                if expected.dimensions() != (w, h) {
                    failures.push(format!("{dir}/{name}: reference is {:?}, not {w}x{h}", expected.dimensions()));
                    continue;
                }
                let (changed, diff_image) = diff(&picture, &expected);
                if changed > 0 {
                    save(&actual_path, &picture);
                    let diff_path = out.join(&dir).join(format!("{name}.diff.png"));
                    diff_image.save(&diff_path).unwrap();
                    failures.push(format!(
                        "{dir}/{name}: {changed} pixels changed; new image {} diff {}",
                        actual_path.display(),
                        diff_path.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {compared} screens changed:\n{}", failures.len(), failures.join("\n"));
    assert!(update || compared == CASES.len() * states().len());
}
