//! The virtual reception terminal over HTTP on 127.0.0.1: evidence made by
//! the driver from virtual cards is verified for real (the card signs the
//! context digest, the request is signed by an allowed kiosk, the record
//! must be from the certificate's card, the terminal's own face policy);
//! consents and registrations are recorded exactly once.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use uketsuke_driver::Card;
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::JpkiAp;
use uketsuke_driver::ap::{digest_info_of, sha256_digest_info};
use uketsuke_driver::reading::read_face_evidence;
use uketsuke_driver::secret::{CheckCodeB, Pin};
use uketsuke_firmware::flow::types::Method;
use uketsuke_firmware::host::evidence::EvidenceContext;
use uketsuke_firmware::host::identity::KioskIdentity;
use uketsuke_hw_sim::faults::Faults;
use uketsuke_tests::direct::DirectCard;
use uketsuke_tests::terminal::{TerminalServer, signed, test_identity};

struct Running(TerminalServer);

/// A session opened on the terminal.
struct Opened {
    id: String,
    nonce: Vec<u8>,
}

impl Opened {
    fn evidence_path(&self) -> String {
        format!("/v1/sessions/{}/evidence", self.id)
    }

    /// The context digest for `method` with what was read.
    fn digest(&self, method: Method, certificate: &[u8], record: Option<&[u8]>) -> [u8; 32] {
        let kiosk_id = test_identity().id();
        EvidenceContext { nonce: &self.nonce, kiosk_id, session_id: &self.id, method, certificate, record }.digest()
    }
}

impl Running {
    fn start() -> Self {
        Self(TerminalServer::start().unwrap())
    }

    /// POSTs `body` signed by the test kiosk.
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_as(test_identity(), path, body)
    }

    /// POSTs `body` signed by `kiosk`, connected as `kiosk`.
    fn post_as(&self, kiosk: &KioskIdentity, path: &str, body: &Value) -> (u16, Value) {
        self.send(&self.0.agent_as(kiosk).unwrap(), path, &signed(kiosk, path, body).unwrap())
    }

    /// POSTs `body` as it is, connected as the test kiosk.
    fn post_raw(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(&self.0.agent().unwrap(), path, body)
    }

    fn send(&self, agent: &ureq::Agent, path: &str, body: &Value) -> (u16, Value) {
        match agent.post(&format!("{}{path}", self.0.base)).send_json(body.clone()) {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
            Err(e) => panic!("{e}"),
        }
    }

    fn open(&self) -> Opened {
        let (status, v) = self.post("/v1/sessions", &json!({}));
        assert_eq!(status, 201);
        Opened {
            id: v["session_id"].as_str().unwrap().to_owned(),
            nonce: hex::decode(v["nonce"].as_str().unwrap()).unwrap(),
        }
    }

    fn records(&self) -> Value {
        self.0.records().unwrap()
    }
}

fn card(persona: &str) -> Card<DirectCard> {
    Card::new(DirectCard::new(persona, Faults::default()).unwrap())
}

/// The PIN path's evidence: certificate and JPKI signature over the context digest.
fn pin_evidence(card: &mut Card<DirectCard>, pin: &str, session: &Opened) -> Value {
    let mut ap = JpkiAp::select(card).unwrap();
    let cert = ap.read_auth_cert().unwrap();
    ap.verify_auth_pin(&Pin::parse(pin).unwrap()).unwrap();
    let digest = session.digest(Method::Pin, &cert.der, None);
    let sig = ap.sign_with_auth_key(&sha256_digest_info(&digest)).unwrap();
    json!({"method": "pin", "auth_certificate": B64.encode(&cert.der), "signature": B64.encode(sig)})
}

/// A card's certificate and card-face record, as the kiosk reads them.
fn read(card: &mut Card<DirectCard>) -> (Vec<u8>, Vec<u8>) {
    let code = CheckCodeB::parse(&card.transport().persona.check_code_b().unwrap()).unwrap();
    let (cert, record) = read_face_evidence(card, &code).unwrap();
    (cert.der, record.raw.expose().to_vec())
}

/// The face or visual path's evidence: `certificate`, `card`'s record and
/// its chip's signature over the context digest for `method`; then the
/// match (face, with `score`) or a staff confirmation (visual).
fn chip_evidence(card: &mut Card<DirectCard>, certificate: &[u8], s: &Opened, method: Method, score: f64) -> Value {
    let (_, record) = read(card);
    let digest = s.digest(method, certificate, Some(&record));
    let chip = FaceAp::select(card).unwrap().chip_sign(&sha256_digest_info(&digest)).unwrap();
    let mut evidence = json!({"method": <&str>::from(method), "auth_certificate": B64.encode(certificate),
           "card_face_record": B64.encode(&record), "chip_signature": B64.encode(chip)});
    if method == Method::Face {
        evidence["match"] = json!({"score": score, "threshold": 0.4, "frames": 3});
        evidence["liveness"] = json!({"passed": true, "frames": 3, "colour_frames": 3});
    } else {
        evidence["staff"] = json!({"operator": "reception-1", "check_id": "c1", "decision": "confirmed"});
    }
    evidence
}

fn face_evidence(card: &mut Card<DirectCard>, session: &Opened, score: f64) -> Value {
    let (certificate, _) = read(card);
    chip_evidence(card, &certificate, session, Method::Face, score)
}

fn code(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["error"]["code"].as_str())
}

#[test]
fn pin_evidence_gives_eligibility_and_a_nonce_works_once() {
    let t = Running::start();
    let s = t.open();
    let evidence = pin_evidence(&mut card("adult-registered"), "1234", &s);
    let (status, v) = t.post(&s.evidence_path(), &evidence);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["eligible"], true);
    assert_eq!(v["registered"], true);
    assert_eq!(v["insurance"]["insurer_number"], "06139995");
    assert_eq!(code(&t.post(&s.evidence_path(), &evidence)), (409, Some("E-NONCE")), "a replayed nonce is refused");
}

#[test]
fn a_signature_over_another_sessions_context_is_refused() {
    let t = Running::start();
    let (old, s) = (t.open(), t.open());
    let evidence = pin_evidence(&mut card("adult-registered"), "1234", &old);
    assert_eq!(code(&t.post(&s.evidence_path(), &evidence)), (403, Some("E-SIG")));
}

#[test]
fn a_signature_over_the_bare_nonce_is_refused() {
    // What a man in the middle would like the card to sign: DigestInfo(SHA-256(nonce)).
    let t = Running::start();
    let s = t.open();
    let mut c = card("adult-registered");
    let mut ap = JpkiAp::select(&mut c).unwrap();
    let cert = ap.read_auth_cert().unwrap();
    ap.verify_auth_pin(&Pin::parse("1234").unwrap()).unwrap();
    let sig = ap.sign_with_auth_key(&digest_info_of(&s.nonce)).unwrap();
    let evidence = json!({"method": "pin", "auth_certificate": B64.encode(&cert.der), "signature": B64.encode(sig)});
    assert_eq!(code(&t.post(&s.evidence_path(), &evidence)), (403, Some("E-SIG")));
}

#[test]
fn requests_not_signed_by_an_allowed_kiosk_are_refused() {
    let t = Running::start();
    let (status, v) = t.post_raw("/v1/sessions", &json!({}));
    assert_eq!((status, v["error"]["code"].as_str()), (401, Some("E-KIOSK")), "an unsigned request");
    // A kiosk not on the allow-list does not get through the TLS handshake.
    let stranger = KioskIdentity::generate().unwrap();
    let refused = t.0.agent_as(&stranger).unwrap().post(&format!("{}/v1/sessions", t.0.base)).send_json(json!({}));
    assert!(matches!(refused, Err(ureq::Error::Transport(_))), "{refused:?}");
    // A genuine kiosk's session cannot be used by another kiosk.
    let s = t.open();
    t.0.terminal.kiosks.allow(stranger.public_key_der()).unwrap();
    let evidence = pin_evidence(&mut card("adult-registered"), "1234", &s);
    assert_eq!(code(&t.post_as(&stranger, &s.evidence_path(), &evidence)), (409, Some("E-NONCE")));
    // A request signed by one kiosk cannot come over another kiosk's connection.
    let by_test_kiosk = signed(test_identity(), "/v1/sessions", &json!({})).unwrap();
    let answer = t.send(&t.0.agent_as(&stranger).unwrap(), "/v1/sessions", &by_test_kiosk);
    assert_eq!(code(&answer), (401, Some("E-KIOSK")));
}

#[test]
fn an_expired_certificate_is_error_006_with_its_japanese_message() {
    let t = Running::start();
    let s = t.open();
    let evidence = pin_evidence(&mut card("expired-cert"), "3141", &s);
    let (status, v) = t.post(&s.evidence_path(), &evidence);
    assert_eq!(status, 403);
    assert_eq!(v["error"]["code"], "006");
    assert!(v["error"]["message"].as_str().unwrap().contains("有効期限"));
}

#[test]
fn face_evidence_is_checked_record_chip_and_score() {
    let t = Running::start();
    let mut c = card("face-only");
    let s = t.open();
    let (status, v) = t.post(&s.evidence_path(), &face_evidence(&mut c, &s, 0.7));
    assert_eq!(status, 200, "{v}");

    let s = t.open();
    assert_eq!(code(&t.post(&s.evidence_path(), &face_evidence(&mut c, &s, 0.3))), (403, Some("E-MATCH")));

    let s = t.open();
    let mut tampered = face_evidence(&mut c, &s, 0.7);
    let mut record = B64.decode(tampered["card_face_record"].as_str().unwrap()).unwrap();
    let last = record.len() - 1;
    record[last] ^= 1;
    tampered["card_face_record"] = json!(B64.encode(record));
    // The record no longer matches the signed digest's record hash either way:
    // the issuer signature or the chip signature fails.
    assert_eq!(code(&t.post(&s.evidence_path(), &tampered)).0, 403);
}

#[test]
fn the_victims_certificate_with_another_cards_record_is_refused() {
    // The attacker holds a genuine card (record and chip key of their own) and
    // the victim's certificate, which can be read without a PIN.
    let t = Running::start();
    let (victim_cert, _) = read(&mut card("adult-registered"));
    let s = t.open();
    let forged = chip_evidence(&mut card("face-only"), &victim_cert, &s, Method::Face, 0.9);
    assert_eq!(code(&t.post(&s.evidence_path(), &forged)), (403, Some("E-CARD")));
    let s = t.open();
    let visual = chip_evidence(&mut card("face-only"), &victim_cert, &s, Method::Visual, 0.0);
    assert_eq!(code(&t.post(&s.evidence_path(), &visual)), (403, Some("E-CARD")));
    assert_eq!(t.records()["authentications"].as_array().unwrap().len(), 0);
}

#[test]
fn a_self_asserted_low_threshold_is_refused_by_the_terminals_policy() {
    let t = Running::start();
    let mut c = card("face-only");
    for (score, threshold) in [(0.2, 0.1), (0.0, -1.0), (0.35, 0.3)] {
        let s = t.open();
        let mut evidence = face_evidence(&mut c, &s, score);
        evidence["match"]["threshold"] = json!(threshold);
        assert_eq!(code(&t.post(&s.evidence_path(), &evidence)), (403, Some("E-MATCH")), "{score} ≥ {threshold}");
    }
    let s = t.open();
    let mut evidence = face_evidence(&mut c, &s, 0.7);
    evidence["liveness"] = json!({"passed": true, "frames": 3, "colour_frames": 0});
    assert_eq!(code(&t.post(&s.evidence_path(), &evidence)), (403, Some("E-MATCH")), "greyscale frames");
}

#[test]
fn a_staff_confirmation_is_visual_evidence() {
    let t = Running::start();
    let s = t.open();
    let mut evidence = face_evidence(&mut card("face-only"), &s, 0.0);
    evidence["method"] = json!("visual");
    evidence["staff"] = json!({"operator": "reception-1", "check_id": "c1", "decision": "confirmed"});
    let answer = t.post(&s.evidence_path(), &evidence);
    assert_eq!(code(&answer), (403, Some("E-SIG")), "the chip signed the face context, not the visual one");
    let s = t.open();
    let mut c = card("face-only");
    let (certificate, _) = read(&mut c);
    let evidence = chip_evidence(&mut c, &certificate, &s, Method::Visual, 0.0);
    let (status, v) = t.post(&s.evidence_path(), &evidence);
    assert_eq!(status, 200, "{v}");
    assert_eq!(t.records()["authentications"][0]["operator"], "reception-1");
}

#[test]
fn consent_and_registration_are_recorded_exactly_once_per_request_id() {
    let t = Running::start();
    let s = t.open();
    let id = s.id.clone();
    let (early, _) = t.post(&format!("/v1/sessions/{id}/consent"), &json!({"request_id": "r0", "answers": []}));
    assert_eq!(early, 409, "no consent before the evidence");
    let (status, v) = t.post(&s.evidence_path(), &pin_evidence(&mut card("unregistered"), "1122", &s));
    assert_eq!(status, 200);
    assert_eq!(v["registered"], false);
    let consent = json!({"request_id": "r1", "answers": [{"question": "surgery", "agree": true}]});
    for _ in 0..3 {
        assert_eq!(t.post(&format!("/v1/sessions/{id}/consent"), &consent).0, 200);
    }
    for _ in 0..2 {
        assert_eq!(t.post(&format!("/v1/sessions/{id}/registration"), &json!({"request_id": "r2"})).0, 200);
    }
    let records = t.records();
    assert_eq!(records["consents"].as_array().unwrap().len(), 1, "retries must not duplicate: {records}");
    assert_eq!(records["consents"][0]["answers"][0]["question"], "surgery");
    assert_eq!(records["registrations"].as_array().unwrap().len(), 1);
    assert_eq!(records["registrations"][0]["card"], 1007);
}

#[test]
fn malformed_requests_are_clear_errors() {
    let t = Running::start();
    let s = t.open();
    let (status, v) = t.post(&s.evidence_path(), &json!({"method": "pin"}));
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("E-REQUEST")));
    let (status, _) = t.post("/v1/sessions/unknown/evidence", &json!({"method": "pin"}));
    assert_eq!(status, 409);
}
