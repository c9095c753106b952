//! The driver against the virtual card in-process: exhaustive fault sweeps,
//! face-auth-only detection and the evidence a reception terminal checks.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use der::{Decode, Encode};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::{self, JpkiAp};
use uketsuke_driver::ap::{digest_info_of, text};
use uketsuke_driver::kind::{CardKind, FaceOnlyReason, KindSignals};
use uketsuke_driver::reading::read_face_evidence;
use uketsuke_driver::secret::{CheckCodeB, Pin};
use uketsuke_driver::{Card, Error, PinStatus};
use uketsuke_hw_sim::faults::Faults;
use uketsuke_hw_sim::pki;
use uketsuke_tests::direct::DirectCard;

fn direct(persona: &str, faults: Faults) -> Card<DirectCard> {
    Card::new(DirectCard::new(persona, faults).unwrap_or_else(|e| panic!("{e:#} (run scripts/setup)")))
}

fn code_b(card: &Card<DirectCard>) -> CheckCodeB {
    let p = &card.transport().persona;
    CheckCodeB::parse(&p.check_code_b().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"))
}

fn pin_and_sign(card: &mut Card<DirectCard>, pin: &str) -> Result<Vec<u8>, Error> {
    let pin = Pin::parse(pin)?;
    let mut ap = JpkiAp::select(card)?;
    ap.verify_auth_pin(&pin)?;
    ap.sign_with_auth_key(&digest_info_of(b"nonce"))
}

#[test]
fn the_full_face_read_fails_with_a_typed_error_at_every_removal_index() {
    let mut clean = direct("adult-registered", Faults::default());
    let code = code_b(&clean);
    assert!(read_face_evidence(&mut clean, &code).is_ok());
    let total = clean.apdu_count();
    assert!(total >= 6, "a full read takes several APDUs, got {total}");
    for n in 1..=total {
        let mut card = direct("adult-registered", Faults { remove_before_apdu: Some(n), ..Faults::default() });
        let err = read_face_evidence(&mut card, &code).err();
        assert!(err.as_ref().is_some_and(Error::is_card_removed), "index {n}: {err:?}");
        let face_aid = uketsuke_driver::face::AID;
        assert_eq!(card.transport().tries_left(&face_aid, [0x00, 0x12]), Some(10), "index {n} spent a 照合番号B try");
    }
}

#[test]
fn pin_and_signature_spend_no_try_at_any_removal_index() {
    let mut clean = direct("adult-registered", Faults::default());
    assert!(pin_and_sign(&mut clean, "1234").is_ok());
    let total = clean.apdu_count();
    for wrong in [false, true] {
        let pin = if wrong { "0000" } else { "1234" };
        for n in 1..=total {
            let mut card = direct("adult-registered", Faults { remove_before_apdu: Some(n), ..Faults::default() });
            let err = pin_and_sign(&mut card, pin).err();
            // APDUs 1-4 are SELECT DF, SELECT EF, the retry query and VERIFY.
            let verify_reached = n > 4;
            let tries = card.transport().tries_left(&jpki::AID, jpki::ef::AUTH_PIN);
            if wrong && verify_reached {
                assert_eq!(err, Some(Error::PinIncorrect { retries: 2 }), "index {n}");
                assert_eq!(tries, Some(2), "the patient's own wrong try is spent once, never twice");
            } else {
                assert!(err.as_ref().is_some_and(Error::is_card_removed), "index {n}: {err:?}");
                assert_eq!(tries, Some(3), "removal before APDU {n} spent a try (wrong={wrong})");
            }
        }
    }
}

#[test]
fn every_corrupted_response_of_the_face_read_is_an_error_not_a_panic() {
    let mut clean = direct("adult-registered", Faults::default());
    let code = code_b(&clean);
    assert!(read_face_evidence(&mut clean, &code).is_ok());
    for n in 1..=clean.apdu_count() {
        let mut card = direct("adult-registered", Faults { corrupt_apdu: Some(n), ..Faults::default() });
        let result = read_face_evidence(&mut card, &code);
        assert!(result.is_err(), "corruption of APDU {n} went unnoticed");
    }
}

#[test]
fn a_mute_card_is_a_typed_error() {
    let mut card = direct("adult-registered", Faults { mute_from_apdu: Some(2), ..Faults::default() });
    let err = JpkiAp::select(&mut card).and_then(|mut ap| ap.read_auth_cert()).err();
    assert_eq!(err, Some(Error::Transport(uketsuke_driver::TransportError::Unresponsive)));
}

#[test]
fn wrong_pins_count_down_and_the_third_blocks_for_good() {
    let mut card = direct("adult-registered", Faults::default());
    let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    let wrong = Pin::parse("0000").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ap.verify_auth_pin(&wrong), Err(Error::PinIncorrect { retries: 2 }));
    assert_eq!(ap.auth_pin_status(), Ok(PinStatus::Tries(2)));
    assert_eq!(ap.verify_auth_pin(&wrong), Err(Error::PinIncorrect { retries: 1 }));
    assert_eq!(ap.verify_auth_pin(&wrong), Err(Error::PinBlocked));
    assert_eq!(ap.auth_pin_status(), Ok(PinStatus::Blocked));
    let right = Pin::parse("1234").unwrap_or_else(|e| panic!("{e}"));
    let before = card.apdu_count();
    let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ap.verify_auth_pin(&right), Err(Error::PinBlocked), "a blocked PIN stays blocked");
    // SELECT DF, SELECT EF, query: the correct PIN was never sent to a blocked card.
    assert_eq!(card.apdu_count() - before, 3);
}

#[test]
fn the_retry_query_never_spends_a_try() {
    let mut card = direct("pin-one-try", Faults::default());
    let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..10 {
        assert_eq!(ap.auth_pin_status(), Ok(PinStatus::Tries(1)));
    }
    let mut text_ap = text::TextAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text_ap.pin_status(), Ok(PinStatus::Tries(1)));
}

#[test]
fn the_face_auth_only_card_is_detected_and_offers_no_pin() {
    let mut card = direct("face-only", Faults::default());
    let kind = KindSignals::probe(&mut card).map(|s| s.decide());
    assert_eq!(
        kind,
        Ok(CardKind::FaceAuthOnly(vec![FaceOnlyReason::NoSigningCertificate, FaceOnlyReason::NoUsablePin]))
    );
    let pin = Pin::parse("1234").unwrap_or_else(|e| panic!("{e}"));
    let mut ap = JpkiAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(ap.verify_auth_pin(&pin), Err(Error::NotAvailable(_))));
    // But its certificate and card face are there, for the face path.
    assert!(ap.read_auth_cert().is_ok());
    let code = code_b(&card);
    assert!(read_face_evidence(&mut card, &code).is_ok());
}

#[test]
fn standard_cards_are_detected_as_standard() {
    for persona in ["adult-registered", "under-40", "pin-blocked", "pin-one-try", "expired-cert", "unregistered"] {
        let mut card = direct(persona, Faults::default());
        assert_eq!(KindSignals::probe(&mut card).map(|s| s.decide()), Ok(CardKind::Standard), "{persona}");
    }
}

#[test]
fn the_evidence_verifies_against_the_test_pki() {
    let mut card = direct("adult-registered", Faults::default());
    let code = code_b(&card);
    let (cert, record) = read_face_evidence(&mut card, &code).unwrap_or_else(|e| panic!("{e}"));

    // The card-face record is signed by the test issuer.
    let issuer = pki::derived_key(pki::CARD_FACE_ISSUER_LABEL).unwrap_or_else(|e| panic!("{e}")).to_public_key();
    let fields = hw_fields(record.raw.expose());
    let signed = uketsuke_hw_sim::card::card_face_signed_bytes(&fields);
    assert!(pki::verify_sha256(&issuer, &signed, &record.signature));

    // The chip signature over a nonce verifies with the record's DF24 key.
    let chip_key = RsaPublicKey::from_pkcs1_der(&record.public_key).unwrap_or_else(|e| panic!("{e}"));
    let nonce = b"terminal nonce 42";
    let sig = FaceAp::select(&mut card).and_then(|mut f| f.chip_sign(&digest_info_of(nonce))).unwrap_or_default();
    let digest = Sha256::digest(nonce);
    assert!(chip_key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &sig).is_ok());

    // The JPKI signature verifies with the authentication certificate's key,
    // which chains to the test JPKI CA.
    let jpki_sig = pin_and_sign(&mut card, "1234").unwrap_or_default();
    let x509 = x509_cert::Certificate::from_der(&cert.der).unwrap_or_else(|e| panic!("{e}"));
    let spki_der = x509.tbs_certificate.subject_public_key_info.to_der().unwrap_or_default();
    let auth_key =
        <RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki_der).unwrap_or_else(|e| panic!("{e}"));
    assert!(auth_key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(b"nonce"), &jpki_sig).is_ok());
    let ca = pki::derived_key(pki::JPKI_CA_LABEL).unwrap_or_else(|e| panic!("{e}")).to_public_key();
    let tbs = x509.tbs_certificate.to_der().unwrap_or_default();
    let ca_sig = x509.signature.raw_bytes();
    assert!(ca.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&tbs), ca_sig).is_ok());
}

/// The record's fields, parsed here with the driver's TLV reader.
fn hw_fields(raw: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let r = uketsuke_driver::tlv::Record::parse(raw, 0xFF20).unwrap_or_else(|e| panic!("{e}"));
    (0xDF21..=0xDF2A).filter_map(|t| r.get(t).map(|v| (t, v.to_vec()))).collect()
}

#[test]
fn the_text_application_gives_my_number_and_basic_info_only_after_the_pin() {
    let mut card = direct("under-40", Faults::default());
    let persona = card.transport().persona.clone();
    let mut ap = text::TextAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ap.read_my_number().err(), Some(Error::SecurityStatusNotSatisfied));
    assert_eq!(ap.read_basic_info().err(), Some(Error::SecurityStatusNotSatisfied));
    let pin = Pin::parse(persona.pin.as_deref().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    ap.verify_pin(&pin).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ap.read_my_number().map(|n| n.expose().to_owned()), Ok(persona.my_number.clone()));
    let info = ap.read_basic_info().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.name.expose(), persona.name);
    assert_eq!(info.address.expose(), persona.address);
    assert_eq!(info.birth_date.expose(), persona.birth_date_compact());
    assert_eq!(info.birth_date.age_on(jiff::civil::date(2026, 11, 22)).ok(), Some(31));
}

#[test]
fn selecting_another_application_forgets_the_verified_pin() {
    let mut card = direct("adult-registered", Faults::default());
    let pin = Pin::parse("1234").unwrap_or_else(|e| panic!("{e}"));
    text::TextAp::select(&mut card).and_then(|mut ap| ap.verify_pin(&pin)).unwrap_or_else(|e| panic!("{e}"));
    JpkiAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    let mut ap = text::TextAp::select(&mut card).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ap.read_basic_info().err(), Some(Error::SecurityStatusNotSatisfied));
}

/// xorshift64*: deterministic, so a failure reproduces.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn mutated_and_truncated_card_data_never_panics_the_parsers() {
    let mut card = direct("adult-registered", Faults::default());
    let code = code_b(&card);
    let (cert, record) = read_face_evidence(&mut card, &code).unwrap_or_else(|e| panic!("{e}"));
    let samples = [cert.der.clone(), record.raw.expose().to_vec()];
    let mut seed = 0xD1B5_4A32_D192_ED03;
    for sample in &samples {
        for round in 0..3000 {
            let mut bytes = sample.clone();
            let flips = 1 + next(&mut seed) % 8;
            for _ in 0..flips {
                let i = (next(&mut seed) as usize) % bytes.len();
                bytes[i] ^= (next(&mut seed) as u8) | 1;
            }
            if round % 3 == 0 {
                bytes.truncate((next(&mut seed) as usize) % bytes.len());
            }
            let _ = uketsuke_driver::cert::CertificateInfo::parse(&bytes);
            let _ = uketsuke_driver::face::CardFaceRecord::parse(&bytes);
            let _ = text::BasicInfo::parse(&bytes);
            let _ = uketsuke_driver::tlv::Header::parse(&bytes);
        }
    }
}
