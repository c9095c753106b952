//! PIN safety through the real pcscd + vpcd: counters, blocking, the
//! non-consuming query, and removal before every APDU of a full read.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use serde_json::json;
use uketsuke_tests::{SimCard, info, run_card, sandbox, wait_for_card};

#[test]
fn wrong_pins_count_down_block_on_the_third_and_the_query_spends_nothing() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &[]).unwrap_or_else(|e| panic!("{e:#}"));
    for _ in 0..5 {
        assert_eq!(info(&sb)["auth_pin"], json!({"state": "tries", "tries": 3}), "the query spent a try");
    }
    for (left, code) in [(2, 3), (1, 3)] {
        let out = run_card(&sb, &["verify-pin"], "0000\n").unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(out.status.code(), Some(code));
        assert_eq!(info(&sb)["auth_pin"], json!({"state": "tries", "tries": left}));
    }
    let third = run_card(&sb, &["verify-pin"], "0000\n").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(third.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&third.stderr).contains("municipality"));
    assert_eq!(info(&sb)["auth_pin"], json!({"state": "blocked"}));
    let right = run_card(&sb, &["verify-pin"], "1234\n").unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(right.status.code(), Some(4), "a blocked PIN stays blocked");
}

/// Runs `args` with the card pulled before APDU `n`; then checks the error
/// and, after the card is put back, the PIN counters.
fn removal_sweep(persona: &str, args: &[&str], stdin: &str, pin_key: &str) {
    let sb = sandbox();
    let mut n = 1;
    loop {
        let n_text = n.to_string();
        let mut sim = SimCard::start(&sb, persona, &["--remove-before-apdu", &n_text, "--reinsert-after", "1.5"])
            .unwrap_or_else(|e| panic!("{e:#}"));
        let out = run_card(&sb, args, stdin).unwrap_or_else(|e| panic!("{e:#}"));
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!stderr.contains("panicked"), "index {n}: {stderr}");
        if out.status.success() {
            // The whole read took fewer than n APDUs: every index was covered.
            assert!(n > 3, "the read should take several APDUs");
            break;
        }
        assert_eq!(out.status.code(), Some(5), "index {n}: {stderr}");
        assert!(stderr.contains("removed") || stderr.contains("no card"), "index {n}: {stderr}");
        sim.wait_event("removed", Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e:#}"));
        sim.wait_event("powered", Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e:#}"));
        wait_for_card(&sb).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(info(&sb)[pin_key], json!({"state": "tries", "tries": 3}), "removal before APDU {n} spent a try");
        n += 1;
    }
}

#[test]
fn pulling_the_card_before_any_apdu_of_pin_and_signature_spends_no_try() {
    let digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    removal_sweep("adult-registered", &["sign", "--digest", digest], "1234\n", "auth_pin");
}

#[test]
fn pulling_the_card_before_any_apdu_of_the_basic_info_read_spends_no_try() {
    removal_sweep("adult-registered", &["basic-info"], "1234\n", "text_pin");
}

#[test]
fn pulling_the_card_before_any_apdu_of_the_photo_read_is_a_typed_error() {
    let code = uketsuke_hw_sim::persona::by_id("adult-registered").ok().and_then(|p| p.check_code_b());
    let stdin = format!("{}\n", code.unwrap_or_default());
    let out = std::env::temp_dir().join(format!("uketsuke-photo-{}.jp2", std::process::id()));
    removal_sweep("adult-registered", &["photo", "--out", &out.to_string_lossy()], &stdin, "auth_pin");
    let _ = std::fs::remove_file(out);
}
