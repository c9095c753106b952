//! Frames and embeddings never outlive the session: a normal face check
//! writes nothing to disk and logs neither scores, embeddings nor frames;
//! the developer's frame dump is refused in kiosk mode.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use uketsuke_firmware::face::models::data_dir;
use uketsuke_tests::bin_path;

/// Every file under `dir` with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, Option<SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let meta = entry.path().symlink_metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.insert(entry.path(), (meta.len(), meta.modified().ok()));
            }
        }
    }
    out
}

fn face_tool(args: &[&str], cwd: &Path, tmp: &Path, kiosk: bool) -> Output {
    let mut cmd = Command::new(bin_path("uketsuke-face"));
    cmd.args(args)
        .current_dir(cwd)
        .env("TMPDIR", tmp)
        .env("HOME", cwd)
        .env("UKETSUKE_DATA_DIR", data_dir())
        .env("RUST_LOG", "trace");
    if kiosk {
        cmd.env("UKETSUKE_MODE", "kiosk");
    }
    cmd.output().unwrap()
}

/// Whether `text` holds a run of `n` or more comma-separated decimals, as a
/// dumped embedding or pixel row would.
fn has_number_run(text: &str, n: usize) -> bool {
    text.lines().any(|line| {
        let mut run = 0;
        for part in line.split(|c: char| c == ',' || c == '[' || c == ']' || c.is_whitespace()) {
            if part.parse::<f64>().is_ok() && part.contains('.') {
                run += 1;
                if run >= n {
                    return true;
                }
            } else if !part.is_empty() {
                run = 0;
            }
        }
        false
    })
}

#[test]
fn a_normal_face_check_writes_nothing_and_logs_no_score_or_embedding() {
    check_writes_and_logs_nothing(&["scene", "--persona", "under-40", "--scene", "genuine", "--json"]);
}

#[test]
fn a_face_check_with_the_liveness_challenge_logs_no_landmarks_crops_or_scores() {
    let args =
        ["scene", "--persona", "under-40", "--scene", "genuine", "--challenge", "turn_left", "--seed", "2", "--json"];
    let logs = check_writes_and_logs_nothing(&args);
    assert!(logs.contains("liveness challenge asked") && logs.contains("liveness challenge passed"), "{logs}");
}

/// Runs `uketsuke-face ARGS` at trace level in kiosk mode: a match, no file
/// anywhere, no score or number series in the logs, which it returns.
fn check_writes_and_logs_nothing(args: &[&str]) -> String {
    let cwd = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let before = snapshot(&data_dir());
    let out = face_tool(args, cwd.path(), tmp.path(), true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["outcome"], "match");

    assert_eq!(snapshot(cwd.path()).len(), 0, "files appeared in the working directory");
    assert_eq!(snapshot(tmp.path()).len(), 0, "files appeared in TMPDIR");
    assert_eq!(snapshot(&data_dir()), before, "the data directory changed");

    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("face_check") && logs.contains("outcome=\"match\""), "logs are not at trace level: {logs}");
    let score = outcome["score"].as_f64().unwrap();
    assert!(!logs.contains(&format!("{score:.4}")[..6]), "the score reached the logs");
    assert!(!has_number_run(&logs, 8), "an embedding, landmarks or a pixel row reached the logs");
    logs.into_owned()
}

#[test]
fn the_frame_dump_is_refused_in_kiosk_mode() {
    let cwd = tempfile::tempdir().unwrap();
    let dump = cwd.path().join("frames");
    std::fs::create_dir(&dump).unwrap();
    let args = ["scene", "--persona", "under-40", "--scene", "genuine", "--dev-dump-frames", dump.to_str().unwrap()];
    let refused = face_tool(&args, cwd.path(), cwd.path(), true);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refused in kiosk mode"));
    assert_eq!(snapshot(&dump).len(), 0);
    // Outside kiosk mode a developer gets the frames they asked for.
    let allowed = face_tool(&args, cwd.path(), cwd.path(), false);
    assert!(allowed.status.success(), "{}", String::from_utf8_lossy(&allowed.stderr));
    assert!(!snapshot(&dump).is_empty());
}

#[test]
fn number_runs_are_detected() {
    assert!(has_number_run("feature [0.1, -0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]", 8));
    assert!(!has_number_run("2026-11-22T04:50:01.123Z face_check outcome=\"match\"", 8));
}
