//! Every link is TLS 1.3 (docs/threat-model.md): the staff console of the
//! real simulated kiosk binary and the simulator's reception terminal
//! (`uketsuke-sim terminal`), checked with a third-party client, OpenSSL's
//! `s_client`, and with a plain-HTTP request that must get nothing.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use uketsuke_firmware::host::identity::pem;
use uketsuke_tests::kiosk::{RunningKiosk, scenario, staff_agent, write_config};
use uketsuke_tests::terminal::test_identity;
use uketsuke_tests::{bin_path, sandbox};

/// `openssl s_client` against `addr` with `args`; its output.
fn s_client(addr: &str, args: &[&str]) -> String {
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", addr, "-brief", "-ign_eof"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl (scripts/setup installs it)");
    child.stdin.take().unwrap().write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let out = child.wait_with_output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// What a plain-HTTP request to `addr` gets back.
fn plain_http(addr: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /staff/v1/state HTTP/1.1\r\nHost: kiosk\r\nAuthorization: Bearer x\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    answer
}

#[test]
fn the_staff_console_speaks_only_tls_1_3_and_refuses_framing() {
    let sb = sandbox();
    let config = write_config(&sb, None, "").unwrap();
    let mut kiosk = RunningKiosk::start(&sb, &config, &scenario("idle-a-while.txt")).unwrap();
    let url = kiosk.staff_console().unwrap();
    let addr = url.trim_start_matches("https://").trim_end_matches("/staff/").to_owned();

    let answer = plain_http(&addr);
    assert!(!answer.starts_with(b"HTTP/"), "plain HTTP got an HTTP answer: {}", String::from_utf8_lossy(&answer));

    let tls13 = s_client(&addr, &["-tls1_3"]);
    assert!(tls13.contains("Protocol version: TLSv1.3"), "{tls13}");
    let tls12 = s_client(&addr, &["-tls1_2"]);
    assert!(!tls12.contains("Protocol version: TLSv1.2"), "TLS 1.2 was negotiated: {tls12}");

    let page = staff_agent(&sb).unwrap().get(&url).call().unwrap();
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    assert!(page.header("Content-Security-Policy").unwrap_or("").contains("frame-ancestors 'none'"));
    let _ = kiosk.child.kill();
    let _ = kiosk.finish();
}

#[test]
fn the_simulators_terminal_speaks_tls_1_3_and_wants_an_allowed_kiosks_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let key_pem = dir.path().join("kiosk.pub.pem");
    std::fs::write(&key_pem, test_identity().public_key_pem()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let ca = dir.path().join("terminal-ca.pem");
    let mut terminal = Command::new(bin_path("uketsuke-sim"))
        .args(["terminal", "--listen", &addr, "--allow-kiosk"])
        .arg(&key_pem)
        .arg("--ca-out")
        .arg(&ca)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while TcpStream::connect(&addr).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }

    // The kiosk's own certificate and key, as OpenSSL reads them.
    let cert = dir.path().join("kiosk-cert.pem");
    let key = dir.path().join("kiosk-key.pem");
    let identity = test_identity().tls_identity().unwrap();
    std::fs::write(&cert, pem("CERTIFICATE", identity.leaf())).unwrap();
    std::fs::write(&key, pem("PRIVATE KEY", test_identity().pkcs8_der())).unwrap();
    let (cert, key, ca) = (cert.display().to_string(), key.display().to_string(), ca.display().to_string());

    let kiosk = s_client(&addr, &["-tls1_3", "-CAfile", &ca, "-verify_return_error", "-cert", &cert, "-key", &key]);
    assert!(kiosk.contains("Protocol version: TLSv1.3"), "{kiosk}");
    assert!(kiosk.contains("Verification: OK"), "the terminal's certificate chains to its CA: {kiosk}");
    assert!(kiosk.contains("HTTP/1.1 404"), "an allowed kiosk gets answers: {kiosk}");
    let stranger = s_client(&addr, &["-tls1_3", "-CAfile", &ca]);
    assert!(!stranger.contains("HTTP/1.1"), "a client without an allowed certificate got an answer: {stranger}");
    assert!(!plain_http(&addr).starts_with(b"HTTP/"), "plain HTTP got an answer");
    let _ = terminal.kill();
    let _ = terminal.wait();
}
