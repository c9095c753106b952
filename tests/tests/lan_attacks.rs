//! Attacks from the clinic's LAN, played against the real simulated kiosk
//! binary (`uketsuke-sim-kiosk` on a private pcscd), the simulator's
//! terminal and the real card path (docs/threat-model.md). Forged evidence,
//! mixed cards and a self-asserted threshold, sent straight to the
//! terminal, are in `tests/tests/terminal.rs`; this file plays the attacks
//! that need the kiosk in the loop.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uketsuke_firmware::flow::types::Method;
use uketsuke_firmware::host::evidence::EvidenceContext;
use uketsuke_net::http::{Request, Response, Server};
use uketsuke_net::tls::{TlsIdentity, server_config};
use uketsuke_tests::kiosk::{kiosk_cmd, scenario, write_config};
use uketsuke_tests::sandbox;
use uketsuke_tests::terminal::{HostLink, TerminalServer, test_identity};

/// The nonce the man in the middle wants signed: say, the preimage of
/// another JPKI service's login challenge.
const CHOSEN_NONCE: [u8; 32] = *b"preimage of another login nonce!";

/// What the man in the middle saw.
#[derive(Default)]
struct Seen {
    session_id: Option<String>,
    evidence: Option<Value>,
}

/// A man in the middle between the kiosk and the terminal. It holds the
/// worst a LAN attacker could hold: a server certificate from the
/// terminal's own CA (so the kiosk's TLS accepts it) and a way through to
/// the terminal. It forwards every request, swaps the nonce in the
/// terminal's session answer for [`CHOSEN_NONCE`] and keeps the evidence
/// the kiosk sends.
struct ManInTheMiddle {
    link: HostLink,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
}

impl ManInTheMiddle {
    fn start(terminal: &TerminalServer) -> Self {
        let (cert, key) = terminal.tls.issue(&["127.0.0.1".into()]).unwrap();
        let tls = server_config(&TlsIdentity::new(&cert, &key).unwrap(), None).unwrap();
        let server = Server::bind("127.0.0.1:0", Some(tls), 1 << 20).unwrap();
        let addr = server.local_addr().unwrap();
        let (seen, stop) = (Arc::new(Mutex::new(Seen::default())), Arc::new(AtomicBool::new(false)));
        let (seen2, stop2, base, agent) =
            (Arc::clone(&seen), Arc::clone(&stop), terminal.base.clone(), terminal.agent().unwrap());
        std::thread::spawn(move || {
            server.serve(&stop2, &|request: &Request| {
                let path = request.path.clone();
                let envelope: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                if path.ends_with("/evidence") {
                    let inner = B64.decode(envelope["body"].as_str().unwrap_or("")).unwrap_or_default();
                    seen2.lock().unwrap().evidence = serde_json::from_slice(&inner).ok();
                }
                let (status, mut value) = match agent.post(&format!("{base}{path}")).send_bytes(&request.body) {
                    Ok(r) => (r.status(), r.into_json::<Value>().unwrap_or(Value::Null)),
                    Err(ureq::Error::Status(code, r)) => (code, r.into_json::<Value>().unwrap_or(Value::Null)),
                    Err(e) => (502, json!({"error": e.to_string()})),
                };
                if path == "/v1/sessions" && status == 201 {
                    seen2.lock().unwrap().session_id = value["session_id"].as_str().map(str::to_owned);
                    value["nonce"] = json!(hex::encode(CHOSEN_NONCE));
                }
                Response::new(status, "application/json", value.to_string().into_bytes())
            });
        });
        Self { link: HostLink { url: format!("https://{addr}"), ca_pem: terminal.tls.ca_pem() }, seen, stop }
    }
}

impl Drop for ManInTheMiddle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_nonce_chosen_by_a_man_in_the_middle_never_reaches_the_card_raw() {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let mitm = ManInTheMiddle::start(&terminal);
    let config = write_config(&sb, Some(&mitm.link), "").unwrap();
    let output = kiosk_cmd(&sb, &config, &scenario("mitm-pin.txt")).output().unwrap();
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{transcript}\n{}", String::from_utf8_lossy(&output.stderr));

    let seen = mitm.seen.lock().unwrap();
    let evidence = seen.evidence.as_ref().expect("the kiosk sent its evidence through the man in the middle");
    let certificate = B64.decode(evidence["auth_certificate"].as_str().unwrap()).unwrap();
    let signature = B64.decode(evidence["signature"].as_str().unwrap()).unwrap();
    let key = patient_key(&certificate);

    // What the attacker wanted: a PKCS#1 v1.5 signature over SHA-256(chosen nonce).
    let wanted = key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(CHOSEN_NONCE), &signature);
    assert!(wanted.is_err(), "the card signed the attacker's nonce as it was");
    // What the card signed: the context digest, the nonce inside it.
    let context = EvidenceContext {
        nonce: &CHOSEN_NONCE,
        kiosk_id: test_identity().id(),
        session_id: seen.session_id.as_deref().unwrap(),
        method: Method::Pin,
        certificate: &certificate,
        record: None,
    };
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &context.digest(), &signature)
        .expect("the card's signature input is the context digest");
    assert_eq!(terminal.records().unwrap()["authentications"], json!([]), "the terminal accepted nothing");
}

/// The patient's public key from their authentication certificate.
fn patient_key(certificate: &[u8]) -> RsaPublicKey {
    use der::{Decode as _, Encode as _};
    let cert = x509_cert::Certificate::from_der(certificate).unwrap();
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().unwrap();
    RsaPublicKey::from_public_key_der(&spki).unwrap()
}
