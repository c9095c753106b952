//! Personal data stays out of every log line at every level (DESIGN.md §5):
//! the simulator and the card tool run at `trace`, through a full session
//! of reads, and their logs are searched for each persona secret.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use uketsuke_tests::{PcscSandbox, SimCard, card_cmd, run_card};

/// Whether `needle` (a run of digits) occurs in `haystack` as a whole
/// number, not inside a longer one (timestamps hold many digits).
fn contains_number(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[test]
fn no_name_birth_date_my_number_pin_or_check_code_reaches_any_log() {
    let sb = PcscSandbox::start().unwrap_or_else(|e| panic!("{e:#}"));
    let persona = uketsuke_hw_sim::persona::by_id("adult-registered").unwrap_or_else(|e| panic!("{e}"));
    let pin = persona.pin.clone().unwrap_or_default();
    let code_b = persona.check_code_b().unwrap_or_default();
    let sim = SimCard::start(&sb, &persona.id, &[]).unwrap_or_else(|e| panic!("{e:#}"));

    let mut card_logs = String::new();
    let photo = sb.scratch().join("photo.jp2");
    let digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    let runs: [(&[&str], String); 6] = [
        (&["info", "--json"], String::new()),
        (&["verify-pin"], format!("{pin}\n")),
        (&["verify-pin"], "0000\n".into()),
        (&["basic-info", "--json"], format!("{pin}\n")),
        (&["photo", "--out", &photo.to_string_lossy()], format!("{code_b}\n")),
        (&["sign", "--digest", digest], format!("{pin}\n")),
    ];
    for (args, stdin) in runs {
        let out = {
            // RUST_LOG=trace for the card tool: every level is searched.
            let mut c = card_cmd(&sb, args);
            c.env("RUST_LOG", "trace");
            let mut child = c
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"));
            if let Some(mut i) = child.stdin.take() {
                use std::io::Write;
                i.write_all(stdin.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            }
            child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
        };
        card_logs.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    // The test is only meaningful if the logs really are at trace level.
    assert!(card_logs.contains("apdu"), "card tool logged no APDU trace");
    let sim_logs = sim.logs();
    assert!(sim_logs.contains("virtual card"), "simulator logged no APDU trace");
    assert!(run_card(&sb, &["info"], "").is_ok_and(|o| o.status.success()));

    let logs = format!("{card_logs}\n{sim_logs}");
    let hex = |s: &str| hex::encode_upper(s.as_bytes());
    let birth = persona.birth_date_compact();
    for (what, text) in [("name", persona.name.as_str()), ("address", persona.address.as_str())] {
        assert!(!logs.contains(text), "the {what} reached a log");
        assert!(!logs.to_uppercase().contains(&hex(text)), "the {what} reached a log as hex");
    }
    for (what, number) in [
        ("birth date", birth.as_str()),
        ("My Number", persona.my_number.as_str()),
        ("PIN", pin.as_str()),
        ("照合番号B", code_b.as_str()),
    ] {
        assert!(!contains_number(&logs, number), "the {what} reached a log");
        assert!(!logs.to_uppercase().contains(&hex(number)), "the {what} reached a log as hex");
    }
    let dashed = persona.birth_date.to_string();
    assert!(!logs.contains(&dashed), "the birth date reached a log");
}

#[test]
fn whole_number_matching_ignores_digits_inside_timestamps() {
    assert!(!contains_number("2026-11-22T03:56:12.123456Z", "1234"));
    assert!(contains_number("pin=1234 ok", "1234"));
}
