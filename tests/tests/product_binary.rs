//! The product binary, `uketsuke`, holds no simulator and never falls back
//! to one (DESIGN.md §3): its bytes carry none of the personas or the test
//! PKI's labels, and with no configuration or no hardware configured it
//! refuses to start with one line that says how to run the simulated kiosk.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;
use std::process::{Command, Output, Stdio};

use uketsuke_hw_sim::{persona, pki};
use uketsuke_tests::bin_path;

/// What would betray the simulator inside a binary.
fn simulator_markers() -> Vec<String> {
    let mut markers = vec![
        pki::JPKI_CA_LABEL.to_owned(),
        pki::CARD_FACE_ISSUER_LABEL.to_owned(),
        pki::JPKI_CA_SUBJECT.to_owned(),
        "uketsuke-sim key v1".to_owned(),
        "uketsuke_hw_sim".to_owned(),
        "uketsuke_sim_kiosk".to_owned(),
        "SimControl".to_owned(),
    ];
    for p in persona::all().unwrap() {
        // An id that is a plain word ("unregistered") is in other crates too (mio has
        // `new_unregistered`); the slugs, names, addresses and My Numbers are not.
        if p.id.contains('-') {
            markers.push(p.id.clone());
        }
        markers.push(p.name.clone());
        markers.push(p.address.clone());
        markers.push(p.my_number.clone());
    }
    markers
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(haystack, needle).is_some()
}

fn assert_holds_no_simulator(binary: &Path) {
    let bytes =
        std::fs::read(binary).unwrap_or_else(|e| panic!("{}: {e} (cargo build --bins first)", binary.display()));
    let found: Vec<String> = simulator_markers().into_iter().filter(|m| find(&bytes, m.as_bytes())).collect();
    assert!(found.is_empty(), "{} carries the simulator: {found:?}", binary.display());
}

#[test]
fn the_kiosk_binary_holds_no_persona_and_no_test_pki_label() {
    // The debug build the tests run: unoptimised, so everything linked in is there.
    assert_holds_no_simulator(&bin_path("uketsuke"));
    // The release build, when it has been built (cargo build --release -p uketsuke-firmware --bin uketsuke).
    let release = bin_path("uketsuke").parent().and_then(Path::parent).map(|t| t.join("release").join("uketsuke"));
    if let Some(release) = release.filter(|r| r.exists()) {
        assert_holds_no_simulator(&release);
    }
}

#[test]
fn the_check_would_catch_the_simulator_where_it_is() {
    // The simulated kiosk does carry the personas: the markers are real.
    let bytes = std::fs::read(bin_path("uketsuke-sim-kiosk")).unwrap();
    assert!(simulator_markers().iter().any(|m| find(&bytes, m.as_bytes())));
}

fn run_kiosk(args: &[&str], config_dir: &Path) -> Output {
    Command::new(bin_path("uketsuke"))
        .args(args)
        .env("UKETSUKE_CONFIG_DIR", config_dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The one line on stderr, which must say how to run the simulator.
fn one_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("uketsuke: error: ") && stderr.contains("scripts/kiosk"), "{stderr}");
    stderr
}

#[test]
fn with_an_empty_config_directory_the_kiosk_refuses_to_start_and_names_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let line = one_line(&run_kiosk(&[], dir.path()));
    assert!(line.contains("no kiosk configuration") && line.contains("kiosk.toml"), "{line}");
}

#[test]
fn a_config_without_hardware_names_each_missing_key_and_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kiosk.toml"), "language = \"ja\"\n").unwrap();
    let line = one_line(&run_kiosk(&[], dir.path()));
    for key in ["camera.device", "surface.device", "host.url", "staff.token_file", "card.face_issuer_key"] {
        assert!(line.contains(key), "{key} is not named: {line}");
    }
}

#[test]
fn asking_the_kiosk_for_the_simulator_points_to_the_simulated_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let line = one_line(&run_kiosk(&["--sim"], dir.path()));
    assert!(line.contains("not part of the kiosk binary"), "{line}");
}

#[test]
fn provisioning_makes_an_owner_only_key_once_and_an_unprovisioned_kiosk_does_not_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let token = dir.path().join("staff-token");
    std::fs::write(&token, "a-staff-token-long-enough-for-the-kiosk").unwrap();
    let issuer = uketsuke_tests::kiosk::write_test_issuer(dir.path()).unwrap();
    let config = format!(
        "[camera]\ndevice = \"/dev/null\"\n[surface]\ndevice = \"/dev/null\"\n[host]\nurl = \"https://127.0.0.1:9\"\nca_file = \"/dev/null\"\n\
         [staff]\ntoken_file = \"{}\"\n[identity]\nstate_dir = \"{}\"\n[card]\nface_issuer_key = \"{}\"\n",
        token.display(),
        state.display(),
        issuer.display()
    );
    std::fs::write(dir.path().join("kiosk.toml"), config).unwrap();

    let out = run_kiosk(&[], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("uketsuke provision"), "says how to provision: {stderr}");

    let id_of = |out: &Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = stdout.lines().find(|l| l.starts_with("kiosk id")).unwrap_or_default().to_owned();
        line.trim_start_matches("kiosk id").trim().to_owned()
    };
    let first = id_of(&run_kiosk(&["provision"], dir.path()));
    assert_eq!(first.len(), 64, "the id is a SHA-256 in hex: {first}");
    let mode = std::fs::metadata(state.join("kiosk-key.p8")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(state.join("kiosk-key.pub.pem")).unwrap().contains("BEGIN PUBLIC KEY"));
    assert_eq!(id_of(&run_kiosk(&["provision"], dir.path())), first, "a second provisioning keeps the key");
}
