//! The reader conformance kit against the virtual card on vpcd, in a
//! private pcscd: every applicable check passes on a sound link, and each
//! simulator fault (mute, corrupt, removal, slow contactless link) fails
//! exactly the checks it should. The reports are written under the test
//! target; `UKETSUKE_UPDATE_CONFORMANCE=1` also writes them to
//! `docs/conformance/`, where the vendor guide shows them.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use uketsuke_tests::{PcscSandbox, SimCard, bin_path, sandbox, wait_for_card};

struct Run {
    outcomes: BTreeMap<String, String>,
    markdown: String,
    status: Option<i32>,
}

/// Runs the kit on the sandbox's reader with the card `sim` holds.
fn conformance(sb: &PcscSandbox, persona: &str, extra: &[&str], name: &str) -> Run {
    let code = uketsuke_hw_sim::persona::by_id(persona).ok().and_then(|p| p.check_code_b()).unwrap();
    let kit = |format: &str| {
        let mut cmd = Command::new(bin_path("uketsuke-conformance"));
        cmd.args(["--reader", sb.reader_name(), format, "--code-b-stdin"]).args(extra);
        sb.env(&mut cmd);
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(format!("{code}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = kit("--json");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let outcomes = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["outcome"].as_str().unwrap().to_owned()))
        .collect();
    // The Markdown of this same run (a second run would measure anew).
    let markdown = markdown_of(&report);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.md")), &markdown).unwrap();
    if std::env::var_os("UKETSUKE_UPDATE_CONFORMANCE").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(format!("{name}.md")), &markdown).unwrap();
    }
    Run { outcomes, markdown, status: out.status.code() }
}

fn markdown_of(report: &serde_json::Value) -> String {
    let r: uketsuke_conformance::Report = serde_json::from_value(report.clone()).unwrap();
    r.to_markdown()
}

fn expect(run: &Run, fails: &[&str], not_applicable: &[&str]) {
    for (id, outcome) in &run.outcomes {
        let want = if fails.contains(&id.as_str()) {
            "fail"
        } else if not_applicable.contains(&id.as_str()) {
            "not_applicable"
        } else {
            "pass"
        };
        assert_eq!(outcome, want, "check {id}\n{}", run.markdown);
    }
    assert_eq!(run.status, Some(if fails.is_empty() { 0 } else { 1 }), "{}", run.markdown);
}

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance")
}

#[test]
fn the_virtual_card_on_vpcd_passes_every_applicable_check_including_the_removal() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &["--remove-after", "6"]).unwrap();
    wait_for_card(&sb).unwrap();
    let run = conformance(&sb, "adult-registered", &["--removal"], "virtual-card");
    // The virtual card answers every command in one response (T=1): no 61xx.
    expect(&run, &[], &["get_response"]);
    assert!(docs_dir().join("virtual-card.md").exists(), "docs/conformance/virtual-card.md is committed");
}

/// The kit's APDUs from power-on: SELECT ×3 (`select_aids`), SELECT ×2 and
/// four short reads of the 929-byte certificate (`read_short`, APDUs 4–9),
/// SELECT ×2 and one extended read (`read_extended`, APDUs 10–12).
const EXTENDED_READ_APDU: &str = "12";
const FIRST_SHORT_READ_APDU: &str = "6";

/// Checks after a card stops answering are not run.
const AFTER_EXTENDED: [&str; 7] = ["get_response", "wrong_le", "reset", "exclusive", "summary", "card_read", "removal"];

#[test]
fn a_mute_card_fails_the_check_it_stops_in_and_ends_the_run() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &["--mute-from-apdu", EXTENDED_READ_APDU]).unwrap();
    wait_for_card(&sb).unwrap();
    let run = conformance(&sb, "adult-registered", &[], "fault-mute");
    expect(&run, &["read_extended"], &AFTER_EXTENDED);
}

#[test]
fn a_corrupted_response_fails_the_read_that_compares_bytes() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &["--corrupt-apdu", EXTENDED_READ_APDU]).unwrap();
    wait_for_card(&sb).unwrap();
    let run = conformance(&sb, "adult-registered", &[], "fault-corrupt");
    assert!(run.markdown.contains("corrupted on the way"), "{}", run.markdown);
    // The simulator counts APDUs from each power-on: after `reset`, APDU
    // 12 falls in the card read, which the corruption fails too (6F00).
    expect(&run, &["read_extended", "card_read"], &["get_response", "removal"]);
}

#[test]
fn a_card_taken_away_mid_read_fails_that_read_and_ends_the_run() {
    let sb = sandbox();
    let _sim = SimCard::start(&sb, "adult-registered", &["--remove-before-apdu", FIRST_SHORT_READ_APDU]).unwrap();
    wait_for_card(&sb).unwrap();
    let run = conformance(&sb, "adult-registered", &[], "fault-removal");
    let mut after = vec!["read_extended"];
    after.extend(AFTER_EXTENDED);
    expect(&run, &["read_short"], &after);
}

#[test]
fn a_slow_contactless_link_fails_throughput_and_the_card_read_budget() {
    let sb = sandbox();
    // 106 kbit/s: ISO/IEC 14443's base rate, what a poor antenna falls back to.
    let _sim = SimCard::start(&sb, "adult-registered", &["--slow-link", "--link-kbps", "106"]).unwrap();
    wait_for_card(&sb).unwrap();
    let run = conformance(&sb, "adult-registered", &[], "fault-slow-link-106k");
    expect(&run, &["read_short", "read_extended", "card_read"], &["get_response", "removal"]);
    // The Markdown a vendor attaches, straight from the tool (`--md`).
    let mut cmd = Command::new(bin_path("uketsuke-conformance"));
    cmd.args(["--reader", sb.reader_name(), "--md"]);
    sb.env(&mut cmd);
    let out = cmd.output().unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{md}");
    assert!(md.starts_with("# Reader conformance: ") && md.contains("**not qualified**"), "{md}");
    assert!(md.contains("| Card read of DESIGN.md §6 (`card_read`) | n/a |"), "no 照合番号B given: {md}");
}
