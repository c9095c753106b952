//! The virtual reception terminal over HTTP on 127.0.0.1: evidence made by
//! the driver from virtual cards is verified for real; consents and
//! registrations are recorded exactly once.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use uketsuke_driver::Card;
use uketsuke_driver::ap::digest_info_of;
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::JpkiAp;
use uketsuke_driver::reading::read_face_evidence;
use uketsuke_driver::secret::{CheckCodeB, Pin};
use uketsuke_hw_sim::faults::Faults;
use uketsuke_tests::direct::DirectCard;
use uketsuke_tests::terminal::TerminalServer;

struct Running(TerminalServer);

impl Running {
    fn start() -> Self {
        Self(TerminalServer::start().unwrap())
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        match ureq::post(&format!("{}{path}", self.0.base)).send_json(body.clone()) {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
            Err(e) => panic!("{e}"),
        }
    }

    fn open(&self) -> (String, Vec<u8>) {
        let (status, v) = self.post("/v1/sessions", &json!({}));
        assert_eq!(status, 201);
        (v["session_id"].as_str().unwrap().to_owned(), hex::decode(v["nonce"].as_str().unwrap()).unwrap())
    }

    fn records(&self) -> Value {
        self.0.records().unwrap()
    }
}

fn card(persona: &str) -> Card<DirectCard> {
    Card::new(DirectCard::new(persona, Faults::default()).unwrap())
}

/// The PIN path's evidence: certificate and JPKI signature over the nonce.
fn pin_evidence(card: &mut Card<DirectCard>, pin: &str, nonce: &[u8]) -> Value {
    let mut ap = JpkiAp::select(card).unwrap();
    let cert = ap.read_auth_cert().unwrap();
    ap.verify_auth_pin(&Pin::parse(pin).unwrap()).unwrap();
    let sig = ap.sign_with_auth_key(&digest_info_of(nonce)).unwrap();
    json!({"method": "pin", "auth_certificate": B64.encode(&cert.der), "signature": B64.encode(sig)})
}

/// The face path's evidence: certificate, card-face record, chip signature, match.
fn face_evidence(card: &mut Card<DirectCard>, nonce: &[u8], score: f64) -> Value {
    let code = CheckCodeB::parse(&card.transport().persona.check_code_b().unwrap()).unwrap();
    let (cert, record) = read_face_evidence(card, &code).unwrap();
    let chip = FaceAp::select(card).unwrap().chip_sign(&digest_info_of(nonce)).unwrap();
    json!({"method": "face", "auth_certificate": B64.encode(&cert.der),
           "card_face_record": B64.encode(record.raw.expose()), "chip_signature": B64.encode(chip),
           "match": {"score": score, "threshold": 0.4, "frames": 3}, "liveness": {"passed": true}})
}

#[test]
fn pin_evidence_gives_eligibility_and_a_nonce_works_once() {
    let t = Running::start();
    let (id, nonce) = t.open();
    let evidence = pin_evidence(&mut card("adult-registered"), "1234", &nonce);
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &evidence);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["eligible"], true);
    assert_eq!(v["registered"], true);
    assert_eq!(v["insurance"]["insurer_number"], "06139995");
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &evidence);
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("E-NONCE")), "a replayed nonce is refused");
}

#[test]
fn a_signature_over_another_nonce_is_refused() {
    let t = Running::start();
    let (id, _) = t.open();
    let evidence = pin_evidence(&mut card("adult-registered"), "1234", b"an old nonce");
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &evidence);
    assert_eq!((status, v["error"]["code"].as_str()), (403, Some("E-SIG")));
}

#[test]
fn an_expired_certificate_is_error_006_with_its_japanese_message() {
    let t = Running::start();
    let (id, nonce) = t.open();
    let evidence = pin_evidence(&mut card("expired-cert"), "3141", &nonce);
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &evidence);
    assert_eq!(status, 403);
    assert_eq!(v["error"]["code"], "006");
    assert!(v["error"]["message"].as_str().unwrap().contains("有効期限"));
}

#[test]
fn face_evidence_is_checked_record_chip_and_score() {
    let t = Running::start();
    let mut c = card("face-only");
    let (id, nonce) = t.open();
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &face_evidence(&mut c, &nonce, 0.7));
    assert_eq!(status, 200, "{v}");

    let (id, nonce) = t.open();
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &face_evidence(&mut c, &nonce, 0.3));
    assert_eq!((status, v["error"]["code"].as_str()), (403, Some("E-MATCH")));

    let (id, nonce) = t.open();
    let mut tampered = face_evidence(&mut c, &nonce, 0.7);
    let mut record = B64.decode(tampered["card_face_record"].as_str().unwrap()).unwrap();
    let last = record.len() - 1;
    record[last] ^= 1;
    tampered["card_face_record"] = json!(B64.encode(record));
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &tampered);
    assert_eq!((status, v["error"]["code"].as_str()), (403, Some("E-RECORD")));
}

#[test]
fn a_staff_confirmation_is_visual_evidence() {
    let t = Running::start();
    let (id, nonce) = t.open();
    let mut evidence = face_evidence(&mut card("face-only"), &nonce, 0.0);
    evidence["method"] = json!("visual");
    evidence["staff"] = json!({"operator": "reception-1", "decision": "confirmed"});
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &evidence);
    assert_eq!(status, 200, "{v}");
}

#[test]
fn consent_and_registration_are_recorded_exactly_once_per_request_id() {
    let t = Running::start();
    let (id, nonce) = t.open();
    let (early, _) = t.post(&format!("/v1/sessions/{id}/consent"), &json!({"request_id": "r0", "answers": []}));
    assert_eq!(early, 409, "no consent before the evidence");
    let (status, v) =
        t.post(&format!("/v1/sessions/{id}/evidence"), &pin_evidence(&mut card("unregistered"), "1122", &nonce));
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
    let (id, _) = t.open();
    let (status, v) = t.post(&format!("/v1/sessions/{id}/evidence"), &json!({"method": "pin"}));
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("E-REQUEST")));
    let (status, _) = t.post("/v1/sessions/unknown/evidence", &json!({"method": "pin"}));
    assert_eq!(status, 409);
}
