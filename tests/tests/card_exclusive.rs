//! The card is the kiosk's alone during a session (DESIGN.md §5): while the
//! kiosk's card-reader connection is held, with the PIN verified, a second
//! PC/SC client cannot reach the card at all, so it cannot sign with the
//! patient's key; and when the connection is released the card is reset,
//! so the verified PIN does not outlive the session. Real pcscd + vpcd.
//!
//! libpcsclite reads its socket from the environment once per process, so
//! the parent starts the private pcscd and the card, then re-runs this one
//! test as the PC/SC client with the sandbox's environment.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use uketsuke_driver::ap::digest_info_of;
use uketsuke_driver::card::PinStatus;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_driver::jpki::JpkiAp;
use uketsuke_driver::pcsc_reader::PcscReader;
use uketsuke_driver::secret::Pin;
use uketsuke_driver::{Card, Error, TransportError};
use uketsuke_tests::{SimCard, sandbox};

const CHILD: &str = "UKETSUKE_CARD_EXCLUSIVE_CHILD";
const TEST: &str = "a_second_client_cannot_reach_a_card_the_kiosk_holds_and_release_resets_it";

#[test]
fn a_second_client_cannot_reach_a_card_the_kiosk_holds_and_release_resets_it() {
    if std::env::var_os(CHILD).is_some() {
        return client();
    }
    let sb = sandbox();
    let _card = SimCard::start(&sb, "adult-registered", &[]).unwrap();
    let out = sb.run_test_as_client(CHILD, TEST).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the PC/SC client failed:\n{stdout}\n{}\n--- pcscd\n{}",
        String::from_utf8_lossy(&out.stderr),
        sb.log()
    );
}

/// The kiosk's side and an intruder's, in one process with two connections.
fn client() {
    let reader = PcscReader;
    let name = reader.readers().unwrap().into_iter().next().expect("the sandbox's vpcd reader");
    let pin = Pin::parse("1234").unwrap();

    let mut kiosk = Card::new(reader.connect(&name).unwrap());
    let mut session = JpkiAp::select(&mut kiosk).unwrap();
    session.verify_auth_pin(&pin).unwrap();
    assert_eq!(session.auth_pin_status().unwrap(), PinStatus::Verified);

    // While the session holds the card (PIN verified), another client is refused outright.
    let intruder = reader.connect(&name).err();
    assert_eq!(intruder, Some(TransportError::InUse), "a second client reached the card");
    // The session itself still can sign.
    assert!(session.sign_with_auth_key(&digest_info_of(b"a challenge")).is_ok());

    // Release: the card is reset, the verification is gone.
    drop(kiosk);
    let mut next = Card::new(reader.connect(&name).unwrap());
    let mut jpki = JpkiAp::select(&mut next).unwrap();
    assert_eq!(jpki.auth_pin_status().unwrap(), PinStatus::Tries(3), "still verified, or a try was spent");
    let signed = jpki.sign_with_auth_key(&digest_info_of(b"a challenge"));
    assert!(
        matches!(signed, Err(Error::SecurityStatusNotSatisfied)),
        "the JPKI key signed after the session ended: {signed:?}"
    );
}
