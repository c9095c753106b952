//! Faults around the kiosk, end to end: a bad config, a reception terminal
//! that is down, and a card reader that goes away. Each shows a clear error
//! and ends in a safe state: idle, or not started at all.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use uketsuke_tests::kiosk::{RunningKiosk, kiosk_cmd, run_scenario, scenario, write_config};
use uketsuke_tests::sandbox;
use uketsuke_tests::terminal::{HostLink, TerminalServer};

#[test]
fn a_bad_config_names_the_key_and_the_kiosk_does_not_start() {
    let sb = sandbox();
    for (extra, key) in [
        ("\n[face.policy]\nthreshold = 7\n", "face.policy.threshold"),
        ("\n[flow]\ninactivity_timeout = -3\n", "(syntax)"),
        ("\n[camera]\nwidht = 640\n", "camera"),
    ] {
        let config = write_config(&sb, None, extra).unwrap();
        let out = kiosk_cmd(&sb, &config, &scenario("face-match.txt")).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra}: {stderr}");
        assert!(stderr.contains("uketsuke-sim-kiosk: error: config") && stderr.contains(key), "{extra}: {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("screen"), "a kiosk with a bad config ran a session");
        // The product kiosk reads the same file the same way.
        let out = std::process::Command::new(uketsuke_tests::bin_path("uketsuke"))
            .arg("--config")
            .arg(&config)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra}: {stderr}");
        assert!(stderr.contains("uketsuke: error: config") && stderr.contains(key), "{extra}: {stderr}");
    }
    // A staff token file that cannot be read is named too.
    let config = write_config(&sb, None, "").unwrap();
    let text = std::fs::read_to_string(&config).unwrap().replace("staff-token", "missing-token");
    std::fs::write(&config, text).unwrap();
    let out = kiosk_cmd(&sb, &config, &scenario("face-match.txt")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("staff.token_file") && stderr.contains("missing-token"), "{stderr}");
}

#[test]
fn a_terminal_that_goes_down_alerts_staff_and_the_next_patient_gets_through() {
    let sb = sandbox();
    let t = run_scenario(&sb, None, "terminal-down.txt").unwrap();
    assert!(t.output.status.success(), "{}\n--- logs ---\n{}", t.text, t.logs);
    assert!(t.has("host", "authenticate face → unavailable"), "{}", t.text);
    assert!(t.has("staff", "alerted: reception terminal down"), "{}", t.text);
    assert!(t.has("screen", "host_unavailable"));
    // After it came back: one consent recorded, by the kiosk's own virtual terminal.
    let records = t.text.lines().find_map(|l| l.strip_prefix("records")).unwrap();
    let records: serde_json::Value = serde_json::from_str(records.trim()).unwrap();
    assert_eq!(records["consents"].as_array().unwrap().len(), 1);
    assert_eq!(t.outcome(), "result=done method=face");
}

#[test]
fn a_configured_terminal_that_never_answers_is_unavailable_and_the_kiosk_returns_to_idle() {
    let sb = sandbox();
    let dead = TerminalServer::start().unwrap();
    let link = dead.link();
    drop(dead);
    let t = run_scenario(&sb, Some(&link), "terminal-unreachable.txt").unwrap();
    assert!(t.output.status.success(), "{}\n--- logs ---\n{}", t.text, t.logs);
    assert!(t.has("host", "authenticate pin → unavailable"), "{}", t.text);
    assert!(t.logs.contains("reception terminal unavailable"), "{}", t.logs);
    assert_eq!(t.outcome(), "host_unavailable");
}

#[test]
fn a_reader_that_goes_away_shows_out_of_service_then_idle_when_it_returns() {
    let mut sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let config = write_config(&sb, Some(&terminal.link()), "").unwrap();
    let mut kiosk = RunningKiosk::start(&sb, &config, &scenario("reader-unplugged.txt")).unwrap();
    kiosk.wait_line("screen   method_select", Duration::from_secs(60)).unwrap();
    sb.stop();
    kiosk.wait_line("screen   reader_unavailable", Duration::from_secs(30)).unwrap();
    sb.restart().unwrap();
    kiosk.wait_line("screen   idle", Duration::from_secs(30)).unwrap();
    let (status, transcript, logs) = kiosk.finish().unwrap();
    assert!(status.success(), "{transcript}\n--- logs ---\n{logs}");
    assert!(transcript.contains("outcome  result=ended"), "{transcript}");
    assert!(!transcript.contains("host "), "nothing reached the terminal");
}

#[test]
fn a_real_kiosk_on_linuxkms_with_no_display_device_says_so_and_does_not_start() {
    // The binary carries Slint's linuxkms backend (no X11 or Wayland). This
    // machine has no DRM or framebuffer device, so the touchscreen cannot
    // open: the kiosk must name the backend's reasons and exit 2.
    if std::path::Path::new("/dev/dri").exists() || std::path::Path::new("/dev/fb0").exists() {
        eprintln!("skipped: this machine has a display device");
        return;
    }
    let sb = sandbox();
    let ca_pem = uketsuke_hw_sim::terminal::tls::TerminalTls::generate().unwrap().ca_pem();
    let config = write_config(
        &sb,
        Some(&HostLink { url: "https://127.0.0.1:9/".into(), ca_pem }),
        "\n[reader]\nname = \"Any reader\"\n\n[camera]\ndevice = \"/dev/video0\"\n[surface]\ndevice = \"/dev/video2\"\n\
         [panel]\ndriver = \"ssd1306\"\ndevice = \"/nonexistent/i2c-9\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(uketsuke_tests::bin_path("uketsuke"))
        .arg("--config")
        .arg(&config)
        .env("SLINT_BACKEND", "linuxkms")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("uketsuke: error:") && stderr.contains("LinuxKMS"), "{stderr}");
    assert!(stderr.contains("DRM") && stderr.contains("/dev/fb0"), "the reasons are named: {stderr}");
    // A status panel that cannot be opened is reported, and never what
    // stops the kiosk: it went on to open the touchscreen.
    assert!(
        stderr.contains("the status panel cannot be used") && stderr.contains("/nonexistent/i2c-9"),
        "the panel's failure is named: {stderr}"
    );
}

#[test]
fn a_panic_in_the_runtime_ends_the_kiosk_with_a_failure_code_instead_of_a_stuck_kiosk() {
    let sb = sandbox();
    let config = write_config(&sb, None, "").unwrap();
    let out = kiosk_cmd(&sb, &config, &scenario("driver-panic.txt")).output().unwrap();
    let (transcript, logs) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(70), "{transcript}\n{logs}");
    assert!(!transcript.contains("outcome"), "the script did not run to its end: {transcript}");
    assert!(logs.contains("exiting so that its supervisor restarts it"), "{logs}");
    assert!(!logs.contains("simulated fault"), "a panic's message never reaches the log (it could carry card data)");
}
