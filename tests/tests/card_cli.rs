//! `uketsuke-card` against virtual cards in a real pcscd through vpcd.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::process::Command;

use serde_json::Value;
use uketsuke_tests::{SimCard, info, run_card, sandbox};

#[test]
fn readers_lists_the_two_vpcd_slots() {
    let sb = sandbox();
    let out = run_card(&sb, &["readers", "--json"], "").unwrap_or_else(|e| panic!("{e:#}"));
    let readers: Vec<String> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(readers, vec!["Virtual PCD 00 00", "Virtual PCD 00 01"]);
}

#[test]
fn info_shows_each_personas_certificate_and_pin_state() {
    let sb = sandbox();
    let cases = [
        ("adult-registered", "00001001", false, serde_json::json!({"state": "tries", "tries": 3})),
        ("pin-one-try", "00001004", false, serde_json::json!({"state": "tries", "tries": 1})),
        ("pin-blocked", "00001005", false, serde_json::json!({"state": "blocked"})),
        ("expired-cert", "00001006", true, serde_json::json!({"state": "tries", "tries": 3})),
    ];
    for (persona, serial, expired, pin) in cases {
        let _sim = SimCard::start(&sb, persona, &[]).unwrap_or_else(|e| panic!("{e:#}"));
        let v = info(&sb);
        assert_eq!(v["card"], "my_number_card");
        assert!(v["auth_cert"]["subject"].as_str().is_some_and(|s| s.contains(serial)), "{persona}: {v}");
        assert!(v["auth_cert"]["issuer"].as_str().is_some_and(|s| s.contains("Test JPKI")), "{v}");
        assert_eq!(v["auth_cert"]["expired"], expired, "{persona}");
        assert_eq!(v["auth_pin"], pin, "{persona}");
        assert_eq!(v["face_auth_only"], false, "{persona}");
    }
}

#[test]
fn info_marks_the_face_auth_only_card_and_offers_no_pin() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "face-only", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    let v = info(&sb);
    assert_eq!(v["face_auth_only"], true);
    assert_eq!(v["signing_cert_present"], false);
    assert_eq!(v["auth_pin"]["state"], "not_set");
    assert_eq!(v["kind"]["reasons"], serde_json::json!(["no_signing_certificate", "no_usable_pin"]));
    let out = run_card(&sb, &["verify-pin"], "1234\n").unwrap_or_else(|e| panic!("{e:#}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no usable PIN"));
}

#[test]
fn photo_writes_a_jpeg2000_that_opj_decompress_decodes() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "under-40", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    let jp2 = sb.scratch().join("p.jp2");
    let png = sb.scratch().join("p.png");
    let code = uketsuke_hw_sim::persona::by_id("under-40").ok().and_then(|p| p.check_code_b()).unwrap_or_default();
    let out = run_card(&sb, &["photo", "--out", &jp2.to_string_lossy()], &format!("{code}\n"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = Command::new("opj_decompress")
        .args(["-i", &jp2.to_string_lossy(), "-o", &png.to_string_lossy()])
        .output()
        .unwrap_or_else(|e| panic!("opj_decompress (libopenjp2-tools): {e}"));
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let png_bytes = std::fs::read(&png).unwrap_or_default();
    assert!(png_bytes.starts_with(b"\x89PNG"), "decoded image is not a PNG");
    // Greyscale 180x225: the PNG header says colour type 0.
    assert_eq!(&png_bytes[16..24], &[0, 0, 0, 180, 0, 0, 0, 225]);
    assert_eq!(png_bytes[25], 0, "photo is not greyscale");
}

#[test]
fn a_wrong_check_code_b_gets_no_photo() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    let jp2 = sb.scratch().join("x.jp2");
    let out = run_card(&sb, &["photo", "--out", &jp2.to_string_lossy()], "00000000000000\n")
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(3));
    assert!(!jp2.exists());
    // The wrong entry cost exactly one of 照合番号B's ten tries, and `info` sees it.
    assert_eq!(info(&sb)["check_code_b"], serde_json::json!({"state": "tries", "tries": 9}));
}

#[test]
fn basic_info_shows_name_and_birth_date_only_after_the_correct_pin() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    let wrong = run_card(&sb, &["basic-info", "--json"], "9999\n").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(wrong.status.code(), Some(3));
    assert!(wrong.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(stderr.lines().count(), 1, "errors are one line: {stderr}");
    assert!(stderr.contains("2 tries left"), "{stderr}");

    let right = run_card(&sb, &["basic-info", "--json"], "1234\n").unwrap_or_else(|e| panic!("{e:#}"));
    assert!(right.status.success(), "{}", String::from_utf8_lossy(&right.stderr));
    let v: Value = serde_json::from_slice(&right.stdout).unwrap_or_default();
    assert_eq!(v["name"], "受付 太郎");
    assert_eq!(v["birth_date"], "19710512");
    assert_eq!(info(&sb)["text_pin"], serde_json::json!({"state": "tries", "tries": 3}));
}

#[test]
fn secrets_are_refused_as_arguments() {
    let sb = sandbox();
    let out = run_card(&sb, &["verify-pin", "1234"], "").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(2), "clap rejects the stray argument");
    let out = run_card(&sb, &["verify-pin", "--pin", "1234"], "").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_card_that_is_not_a_my_number_card_gets_a_clear_message() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &["--foreign-card"]).unwrap_or_else(|e| panic!("{e:#}"));
    let out = run_card(&sb, &["info"], "").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a My Number Card"));
}

#[test]
fn no_card_is_a_clear_error() {
    let sb = sandbox();
    let out = run_card(&sb, &["info"], "").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "uketsuke-card: error: no card in the reader");
}

#[test]
fn a_mute_card_is_a_clear_error_not_a_hang() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &["--mute-from-apdu", "3"]).unwrap_or_else(|e| panic!("{e:#}"));
    let out = run_card(&sb, &["info"], "").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "uketsuke-card: error: the card does not respond");
}

#[test]
fn a_corrupted_response_is_a_clear_error() {
    let sb = sandbox();
    // info: SELECT JPKI, SELECT 0001, SELECT 0018, retry query, SELECT 000A,
    // then APDU 6 is the first READ BINARY of the certificate.
    let _sim = SimCard::start(&sb, "adult-registered", &["--corrupt-apdu", "6"]).unwrap_or_else(|e| panic!("{e:#}"));
    let out = run_card(&sb, &["info"], "").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed card data"), "{out:?}");
}

#[test]
fn a_slow_contactless_link_still_reads_correctly() {
    let sb = sandbox();
    let _sim =
        SimCard::start(&sb, "under-40", &["--slow-link", "--link-kbps", "106"]).unwrap_or_else(|e| panic!("{e:#}"));
    let code = uketsuke_hw_sim::persona::by_id("under-40").ok().and_then(|p| p.check_code_b()).unwrap_or_default();
    let jp2 = sb.scratch().join("slow.jp2");
    let out = run_card(&sb, &["photo", "--out", &jp2.to_string_lossy()], &format!("{code}\n"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&jp2).unwrap_or_default().starts_with(&[0x00, 0x00, 0x00, 0x0C, b'j', b'P']));
}

#[test]
fn the_simulator_without_prepared_data_names_the_fix() {
    let out = Command::new(uketsuke_tests::bin_path("uketsuke-sim"))
        .args(["card", "--persona", "adult-registered", "--connect-timeout", "0"])
        .env("UKETSUKE_DATA_DIR", "/nonexistent/uketsuke-data")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run scripts/setup"), "{stderr}");
}

#[test]
fn an_unknown_persona_is_a_clear_error() {
    let out = Command::new(uketsuke_tests::bin_path("uketsuke-sim"))
        .args(["card", "--persona", "nobody"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no persona named \"nobody\""));
}
