//! The vendor guide's worked examples (`tests/examples/vendor_*.rs`) are
//! compiled by the test command and run here: each adds one kind of device
//! through its HAL trait and checks what it did. Each stays under 100
//! lines, and the guide shows each one.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;
use std::process::Command;

use uketsuke_tests::bin_path;

const EXAMPLES: [&str; 4] = ["vendor_reader", "vendor_camera", "vendor_surface", "vendor_panel"];

fn run_example(name: &str) -> String {
    let exe = bin_path(&format!("examples/{name}"));
    let out = Command::new(&exe)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo test builds the examples)", exe.display()));
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "example {name} failed:\n{said}");
    said
}

#[test]
fn the_card_reader_example_reads_a_card_through_a_reader_that_is_not_pcsc() {
    let said = run_example("vendor_reader");
    assert!(said.contains("kind Standard, PIN Tries(3)") && said.contains("fails cleanly"), "{said}");
}

#[test]
fn the_camera_example_turns_an_upside_down_camera_so_the_card_holder_matches() {
    let said = run_example("vendor_camera");
    assert!(said.contains("after the driver turns the frames"), "{said}");
}

#[test]
fn the_scanner_example_reads_the_code_never_prints_it_and_refuses_a_garbled_line() {
    let said = run_example("vendor_surface");
    assert!(said.contains("REDACTED") && !said.contains("46051220314821") && said.contains("Err(Protocol)"), "{said}");
}

#[test]
fn the_panel_example_lights_the_right_lamp_and_draws_the_reference_layout() {
    let said = run_example("vendor_panel");
    assert!(said.contains("pin_blocked: [\"red\"] lit"), "{said}");
}

#[test]
fn each_example_is_under_100_lines_and_shown_in_the_guide() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("../docs/vendor-guide.md")).unwrap();
    for name in EXAMPLES {
        let source = std::fs::read_to_string(root.join(format!("examples/{name}.rs"))).unwrap();
        assert!(source.lines().count() < 100, "{name} has {} lines", source.lines().count());
        assert!(guide.contains(&format!("tests/examples/{name}.rs")), "docs/vendor-guide.md does not show {name}");
    }
}
