//! The card face is personal data (DESIGN.md §5): a kiosk run that reads it
//! several times (a refused reading, then a good one), at trace level,
//! leaves none of what it read in the transcript, the logs or on disk.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use uketsuke_hw_sim::card_face::{CardFace, birth_line, expiry_line};
use uketsuke_hw_sim::persona;
use uketsuke_tests::kiosk::{kiosk_cmd, scenario, write_config};
use uketsuke_tests::sandbox;
use uketsuke_tests::terminal::TerminalServer;

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
        }
    }
    out
}

#[test]
fn nothing_read_off_the_card_face_reaches_logs_transcript_or_disk_even_at_trace() {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let config = write_config(&sb, Some(&terminal.link()), "").unwrap();
    let workdir = tempfile::tempdir().unwrap();
    let output = kiosk_cmd(&sb, &config, &scenario("code-b-misread-once.txt"))
        .env("RUST_LOG", "trace")
        .env("TMPDIR", workdir.path())
        .current_dir(workdir.path())
        .output()
        .unwrap();
    let (text, logs) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}\n--- logs ---\n{logs}");
    assert!(logs.contains("stage{name=\"read_card_face\"}"), "the card face was not read through the OCR");

    let p = persona::by_id("adult-registered").unwrap();
    let face = CardFace::of_persona(&p, &persona::data_dir().join("faces")).unwrap();
    let birth = birth_line(p.birth_date).unwrap();
    let expiry = expiry_line(p.card_expiry);
    let secrets = [
        ("照合番号B", p.check_code_b().unwrap()),
        ("the misread 照合番号B", format!("{}1111", &p.check_code_b().unwrap()[..10])),
        ("birth date as printed", birth.clone()),
        ("birth date as read", birth.replace(' ', "")),
        ("expiry as printed", expiry.clone()),
        ("expiry as read", expiry.replace(' ', "")),
        ("card serial", face.serial.clone()),
        ("name", p.name.clone()),
        ("address", p.address.clone()),
    ];
    for (what, secret) in secrets {
        assert!(!text.contains(&secret), "the {what} reached the transcript");
        assert!(!logs.contains(&secret), "the {what} reached the logs");
    }
    let written = files_under(workdir.path());
    assert!(written.is_empty(), "the kiosk wrote files while reading the card face: {written:?}");
}
