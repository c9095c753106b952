//! `uketsuke-face check` on recorded frames: a virtual scene is recorded
//! with the developer's frame dump, then checked offline as a vendor or an
//! auditor would check a recording from a real kiosk.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use uketsuke_firmware::face::models::data_dir;
use uketsuke_tests::bin_path;

fn face_tool(args: &[&str]) -> std::process::Output {
    Command::new(bin_path("uketsuke-face")).args(args).env("UKETSUKE_DATA_DIR", data_dir()).output().unwrap()
}

/// Records `scene` of `persona` into `dir` and checks it offline.
fn record_and_check(persona: &str, scene: &str, dir: &Path, extra: &[&str]) -> Value {
    let dir_s = dir.to_str().unwrap();
    let rec = face_tool(&[
        "scene",
        "--persona",
        persona,
        "--scene",
        scene,
        "--challenge",
        "none",
        "--dev-dump-frames",
        dir_s,
    ]);
    assert!(rec.status.success(), "{}", String::from_utf8_lossy(&rec.stderr));
    let card = data_dir().join("personas").join(persona).join("photo.jp2");
    let mut args = vec!["check", "--card", card.to_str().unwrap(), "--frames", dir_s, "--fps", "30", "--json"];
    args.extend_from_slice(extra);
    let out = face_tool(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_recording_of_the_card_holder_matches_and_one_in_a_mask_is_told_to_take_it_off() {
    let live = tempfile::tempdir().unwrap();
    let report = record_and_check("under-40", "genuine", live.path(), &[]);
    assert_eq!(report["outcome"], "match", "{report}");
    assert_eq!(report["challenge"], Value::Null);

    let masked = tempfile::tempdir().unwrap();
    let report = record_and_check("adult-registered", "mask", masked.path(), &[]);
    assert_eq!(report["outcome"], "inconclusive", "{report}");
    assert_eq!(report["guidance"], "mask", "{report}");
}

#[test]
fn a_recording_without_the_movement_asked_for_fails_the_challenge() {
    let still = tempfile::tempdir().unwrap();
    let report = record_and_check("under-40", "unresponsive", still.path(), &["--challenge", "turn_left"]);
    assert_eq!(report["outcome"], "no_match", "{report}");
    assert_eq!(report["reason"], "challenge_failed", "{report}");
}

#[test]
fn a_directory_without_frames_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    let card = data_dir().join("personas").join("under-40").join("photo.jp2");
    let out =
        face_tool(&["check", "--card", card.to_str().unwrap(), "--frames", empty.path().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no *.jpg"), "{}", String::from_utf8_lossy(&out.stderr));
}
