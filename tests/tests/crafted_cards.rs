//! Crafted cards against the real simulated kiosk binary on a private
//! pcscd (docs/threat-model.md): untrusted chip data never reaches the C
//! decoders unchecked. A card-face record whose issuer signature (DF28)
//! fails is refused before its photo is decoded; a photo whose JPEG 2000
//! header declares 60000×60000 pixels is refused from the header, without
//! the allocation a decoder would make.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use uketsuke_tests::kiosk::{RunningKiosk, kiosk_cmd, scenario, write_config};
use uketsuke_tests::sandbox;

/// The marker the kiosk logs (at debug) each time it decodes a chip photo.
const DECODED: &str = "card photo decoded";

/// Runs `script` with debug logs, sampling the kiosk's peak memory (VmHWM,
/// in kB) while it runs. Returns the transcript, the logs and the peak.
fn run(script: &str) -> (String, String, u64) {
    let sb = sandbox();
    let config = write_config(&sb, None, "").unwrap();
    let mut cmd = kiosk_cmd(&sb, &config, &scenario(script));
    cmd.env("RUST_LOG", "debug");
    let mut kiosk = RunningKiosk::spawn(cmd).unwrap();
    let status = format!("/proc/{}/status", kiosk.child.id());
    let mut peak_kb = 0;
    while kiosk.child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak_kb = peak_kb.max(kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (exit, transcript, logs) = kiosk.finish().unwrap();
    assert!(exit.success(), "{transcript}\n{logs}");
    (transcript, logs, peak_kb)
}

#[test]
fn a_record_with_a_bad_issuer_signature_never_reaches_the_jpeg_2000_decoder() {
    let (transcript, logs, _) = run("forged-card-face-record.txt");
    assert!(transcript.contains("reason=card_face_not_usable"), "{transcript}");
    assert!(logs.contains("issuer signature (DF28) does not verify"), "the reason is logged: {logs}");
    assert!(!logs.contains(DECODED), "the forged record's photo was decoded: {logs}");
}

#[test]
fn a_photo_declaring_60000_by_60000_is_refused_without_a_large_allocation() {
    let (transcript, logs, peak_kb) = run("huge-card-photo.txt");
    assert!(transcript.contains("reason=card_face_not_usable"), "{transcript}");
    assert!(logs.contains("far larger than a card photo"), "the reason is logged: {logs}");
    assert!(!logs.contains(DECODED), "the photo was decoded: {logs}");
    // A decoder would need 60000 × 60000 samples (3.6 GB at one byte each).
    assert!(peak_kb > 0 && peak_kb < 1_500_000, "peak memory {peak_kb} kB");
}

#[test]
fn a_genuine_card_photo_is_decoded_so_the_probe_above_can_see_a_decode() {
    let (_, logs, _) = run("face-match.txt");
    assert!(logs.contains(DECODED), "the decode marker is missing, so the tests above prove nothing: {logs}");
}
