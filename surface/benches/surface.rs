//! The card-face OCR bench (DESIGN.md §6: ≤ 300 ms median per 1280×720
//! image, exact 照合番号B ≥ 99 %, confident-but-wrong 0).
//!
//! ```text
//! cargo bench -p uketsuke-surface --bench surface -- [--cards 1000] [--seed 1]
//! ```
//!
//! Renders random synthetic cards (names, addresses, dates across the
//! eras, codes, marks, fonts and layouts) photographed with random
//! placement, light, glare, blur, noise, JPEG and thumbs over harmless
//! corners (`uketsuke_hw_sim::card_face`), reads each with the kiosk's
//! reader, and prints the rates and the time per image (reading only).
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

use std::time::Instant;

use uketsuke_hw_sim::card_face::{self, CardFace, draw::Fonts, layout, shot::Shot};
use uketsuke_surface::{ReaderConfig, SurfaceReader, decode};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let cards = arg("--cards", 1000);
    let seed = arg("--seed", 1);
    let only: Option<u64> =
        std::env::args().position(|a| a == "--only").and_then(|i| std::env::args().nth(i + 1)?.parse().ok());
    let verbose = std::env::args().any(|a| a == "--verbose");
    let fonts = match Fonts::load() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("surface bench: {e}");
            std::process::exit(2);
        }
    };
    let reader = match SurfaceReader::new(&ReaderConfig::default()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("surface bench: {e}");
            std::process::exit(2);
        }
    };
    let photos = card_face::sample_portraits();
    let today = jiff::civil::Date::constant(2026, 12, 1);
    let (mut exact, mut wrong, mut unreadable, mut mark_right) = (0u64, 0u64, 0u64, 0u64);
    let mut wrong_seeds = Vec::new();
    let mut confusions = std::collections::BTreeMap::new();
    let mut ms = Vec::new();
    for i in 0..cards {
        let s = only.unwrap_or_else(|| seed.wrapping_mul(1_000_003).wrapping_add(i));
        let face = CardFace::random(s, &photos);
        let Ok(flat) = layout::render(&face, &fonts, &layout::Style::from_seed(s)) else { continue };
        let jpeg = Shot::random(s).photograph(&flat);
        let started = Instant::now();
        let Ok(bgr) = decode(&jpeg) else { continue };
        let reading = reader.read(&bgr, today);
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let Ok(reading) = reading else {
            unreadable += 1;
            continue;
        };
        let truth = card_face::check_code_b(&face);
        let scan = reading.to_scan();
        match (&scan.code_b, truth) {
            (Some(got), Some(want)) if got.expose() == want.as_bytes() => exact += 1,
            (Some(got), truth) => {
                wrong += 1;
                wrong_seeds.push(s);
                if only.is_some() {
                    println!("  read {:?} truth {truth:?}", String::from_utf8_lossy(got.expose()));
                }
            }
            (None, _) => {
                unreadable += 1;
                if verbose {
                    let shot = Shot::random(s);
                    println!(
                        "  unreadable card {s}: font {} scale {:.2} blur {:.2} noise {:.1} q {} glare {} | birth {} expiry {} code {} guidance {:?}",
                        layout::Style::from_seed(s).font_index(),
                        shot.scale,
                        shot.blur,
                        shot.noise,
                        shot.jpeg_quality,
                        shot.glare.is_some(),
                        reading.birth.is_some(),
                        reading.expiry_year.is_some(),
                        reading.code.is_some(),
                        reading.guidance
                    );
                }
            }
        }
        if scan.mark == face.mark {
            mark_right += 1;
        } else {
            *confusions.entry(format!("{:?}→{:?}", face.mark, scan.mark)).or_insert(0u64) += 1;
            if verbose {
                println!("  mark wrong on card {s}: {:?} read as {:?}", face.mark, scan.mark);
            }
        }
        if (i + 1) % 100 == 0 {
            eprintln!("surface bench: {} cards…", i + 1);
        }
    }
    ms.sort_by(f64::total_cmp);
    let n = ms.len().max(1) as f64;
    let pct = |k: u64| 100.0 * k as f64 / n;
    let at = |q: f64| ms.get(((ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
    println!("card-face OCR over {} rendered 1280x720 cards (seed {seed})", ms.len());
    println!("  exact 照合番号B:          {:6.2} %  ({exact})", pct(exact));
    println!("  confident but wrong:     {:6.2} %  ({wrong})", pct(wrong));
    println!("  unreadable (guidance):   {:6.2} %  ({unreadable})", pct(unreadable));
    println!("  「顔認証」 mark right:      {:6.2} %  ({mark_right})", pct(mark_right));
    println!("  time per image:          median {:.1} ms, p95 {:.1} ms", at(0.5), at(0.95));
    if !confusions.is_empty() {
        println!("  mark confusions (printed→read): {confusions:?}");
    }
    if !wrong_seeds.is_empty() {
        println!("  wrong at card seeds: {wrong_seeds:?}");
    }
}
