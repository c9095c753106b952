//! Attacks from a local process on the kiosk (docs/threat-model.md),
//! played against the real simulated kiosk binary on a private pcscd: while
//! a patient's PIN session is open, another PC/SC client cannot reach the
//! card, so it cannot sign with the patient's JPKI key.
//!
//! libpcsclite reads its socket from the environment once per process, so
//! the intruder runs as this test re-run with the sandbox's environment.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use uketsuke_tests::kiosk::{RunningKiosk, scenario, write_config};
use uketsuke_tests::sandbox;

const INTRUDER: &str = "UKETSUKE_LOCAL_ATTACK_INTRUDER";
const TEST: &str = "another_pcsc_client_cannot_sign_while_a_pin_session_is_open";

#[test]
fn another_pcsc_client_cannot_sign_while_a_pin_session_is_open() {
    if std::env::var_os(INTRUDER).is_some() {
        return intruder();
    }
    let sb = sandbox();
    let config = write_config(&sb, None, "").unwrap();
    let mut kiosk = RunningKiosk::start(&sb, &config, &scenario("pin-session-hold.txt")).unwrap();
    // The PIN is verified and the session waits for the patient's consent.
    kiosk.wait_line("screen   consent", Duration::from_secs(60)).unwrap();
    let out = sb.run_test_as_client(INTRUDER, TEST).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the intruder:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, transcript, logs) = kiosk.finish().unwrap();
    assert!(status.success(), "{transcript}\n{logs}");
    assert!(transcript.contains("outcome  result=done method=pin"), "the patient's session went on: {transcript}");
}

/// A local process with PC/SC access: it asks for the card in shared mode
/// (what an ordinary PC/SC program does) and, if it got it, tries to sign
/// with the JPKI authentication key, which the patient's PIN unlocked.
fn intruder() {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let readers: Vec<std::ffi::CString> = ctx.list_readers_owned().unwrap();
    let reader = readers.first().expect("the sandbox's vpcd reader");
    match ctx.connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
        Err(pcsc::Error::SharingViolation) => {}
        Err(e) => panic!("refused, but not because the kiosk holds the card: {e}"),
        Ok(card) => {
            // It got in: show what it could do with the verified PIN.
            let mut buf = [0u8; 300];
            let select_jpki =
                [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
            let select_key = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17];
            let _ = card.transmit(&select_jpki, &mut buf);
            let _ = card.transmit(&select_key, &mut buf);
            let mut sign = vec![0x80, 0x2A, 0x00, 0x80, 0x33];
            sign.extend_from_slice(&uketsuke_driver::ap::digest_info_of(b"attacker's challenge"));
            sign.push(0x00);
            let answer = card.transmit(&sign, &mut buf).map(<[u8]>::to_vec);
            panic!("a second client reached the card during the PIN session; its signature attempt: {answer:?}");
        }
    }
}
