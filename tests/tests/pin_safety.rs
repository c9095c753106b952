//! PIN safety through the real pcscd + vpcd: counters, blocking, the
//! non-consuming query, and removal before every APDU up to the VERIFY, each
//! with a wrong secret so a spent try shows on the card's own counter.

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

/// Runs `args` with a **wrong** secret on `stdin` and the card pulled
/// before APDU n = 1, 2, …, until the VERIFY reaches the card.
///
/// While the card is pulled before the VERIFY, the tool must report the
/// removal, and once the card is back `key`'s counter (read by `info`) must
/// still be `full`. The first run in which the VERIFY reached the card must
/// report the wrong secret with exactly `full - 1` tries left. A wrong
/// secret is what makes this a test: a correct VERIFY never lowers the
/// counter, so it could not show a try spent by a removal or a resend.
///
/// Then, with the right secret, the card is pulled before each APDU after
/// the VERIFY too, until the whole operation succeeds: each pull is the
/// typed removal error, never a panic.
fn removal_sweep(persona: &str, args: &[&str], (wrong_stdin, right_stdin): (&str, &str), key: &str, full: u8) {
    let sb = sandbox();
    let mut n = 1;
    loop {
        let n_text = n.to_string();
        let mut sim = SimCard::start(&sb, persona, &["--remove-before-apdu", &n_text, "--reinsert-after", "1.5"])
            .unwrap_or_else(|e| panic!("{e:#}"));
        let out = run_card(&sb, args, wrong_stdin).unwrap_or_else(|e| panic!("{e:#}"));
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!stderr.contains("panicked"), "index {n}: {stderr}");
        if out.status.code() == Some(3) {
            // The VERIFY was answered: one try, and only one, is gone.
            assert!(n > 3, "the read should take several APDUs before the VERIFY");
            assert!(stderr.contains(&format!("{} tries left", full - 1)), "index {n}: {stderr}");
            break;
        }
        assert_eq!(out.status.code(), Some(5), "index {n}: {stderr}");
        assert!(stderr.contains("removed") || stderr.contains("no card"), "index {n}: {stderr}");
        sim.wait_event("removed", Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e:#}"));
        sim.wait_event("powered", Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e:#}"));
        wait_for_card(&sb).unwrap_or_else(|e| panic!("{e:#}"));
        let left = info(&sb)[key].clone();
        assert_eq!(left, json!({"state": "tries", "tries": full}), "removal before APDU {n} spent a {key} try");
        n += 1;
        assert!(n < 60, "the VERIFY never reached the card");
    }
    loop {
        n += 1;
        let n_text = n.to_string();
        let _sim = SimCard::start(&sb, persona, &["--remove-before-apdu", &n_text]).unwrap_or_else(|e| panic!("{e:#}"));
        let out = run_card(&sb, args, right_stdin).unwrap_or_else(|e| panic!("{e:#}"));
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.success() {
            break;
        }
        assert_eq!(out.status.code(), Some(5), "index {n}, after the VERIFY: {stderr}");
        assert!(n < 200, "the operation never finished");
    }
}

#[test]
fn pulling_the_card_before_any_apdu_of_pin_and_signature_spends_no_try() {
    let digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    removal_sweep("adult-registered", &["sign", "--digest", digest], ("0000\n", "1234\n"), "auth_pin", 3);
}

#[test]
fn pulling_the_card_before_any_apdu_of_the_basic_info_read_spends_no_try() {
    removal_sweep("adult-registered", &["basic-info"], ("0000\n", "1234\n"), "text_pin", 3);
}

#[test]
fn pulling_the_card_before_any_apdu_of_the_photo_read_spends_no_check_code_b_try() {
    // A well-formed 照合番号B that is not this card's: the sweep watches its own counter.
    let code = uketsuke_hw_sim::persona::by_id("adult-registered").ok().and_then(|p| p.check_code_b());
    let right = format!("{}\n", code.unwrap_or_default());
    let out = std::env::temp_dir().join(format!("uketsuke-photo-{}.jp2", std::process::id()));
    let args = ["photo", "--out", &out.to_string_lossy()];
    removal_sweep("adult-registered", &args, ("00000000000000\n", &right), "check_code_b", 10);
    assert!(out.exists(), "the photo was not written once the card stayed");
    let _ = std::fs::remove_file(out);
}
