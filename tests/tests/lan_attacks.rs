//! Attacks from the clinic's LAN, played against the real simulated kiosk
//! binary (`uketsuke-sim-kiosk` on a private pcscd), the simulator's
//! terminal and the real card path (docs/threat-model.md). Forged evidence,
//! mixed cards and a self-asserted threshold, sent straight to the
//! terminal, are in `tests/tests/terminal.rs`; this file plays the attacks
//! that need the kiosk in the loop.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uketsuke_firmware::flow::types::Method;
use uketsuke_firmware::host::evidence::EvidenceContext;
use uketsuke_tests::kiosk::{kiosk_cmd, scenario, write_config};
use uketsuke_tests::sandbox;
use uketsuke_tests::terminal::{TerminalServer, test_identity};

/// The nonce the man in the middle wants signed: say, the preimage of
/// another JPKI service's login challenge.
const CHOSEN_NONCE: [u8; 32] = *b"preimage of another login nonce!";

/// What the man in the middle saw.
#[derive(Default)]
struct Seen {
    session_id: Option<String>,
    evidence: Option<Value>,
}

/// A man in the middle between the kiosk and the terminal: it forwards
/// every request, swaps the nonce in the terminal's session answer for
/// [`CHOSEN_NONCE`] and keeps the evidence the kiosk sends.
struct ManInTheMiddle {
    base: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
}

impl ManInTheMiddle {
    fn start(terminal: &str) -> Self {
        let addr = SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(),
        ));
        let server = tiny_http::Server::http(addr).unwrap();
        let (seen, stop) = (Arc::new(Mutex::new(Seen::default())), Arc::new(AtomicBool::new(false)));
        let (seen2, stop2, terminal) = (Arc::clone(&seen), Arc::clone(&stop), terminal.to_owned());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(50)) else { continue };
                let mut body = Vec::new();
                request.as_reader().read_to_end(&mut body).unwrap();
                let path = request.url().to_owned();
                let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if path.ends_with("/evidence") {
                    let inner = B64.decode(envelope["body"].as_str().unwrap_or("")).unwrap_or_default();
                    seen2.lock().unwrap().evidence = serde_json::from_slice(&inner).ok();
                }
                let answer = match ureq::post(&format!("{terminal}{path}")).send_bytes(&body) {
                    Ok(r) => (r.status(), r.into_json::<Value>().unwrap_or(Value::Null)),
                    Err(ureq::Error::Status(code, r)) => (code, r.into_json::<Value>().unwrap_or(Value::Null)),
                    Err(e) => panic!("terminal: {e}"),
                };
                let (status, mut value) = answer;
                if path == "/v1/sessions" && status == 201 {
                    seen2.lock().unwrap().session_id = value["session_id"].as_str().map(str::to_owned);
                    value["nonce"] = json!(hex::encode(CHOSEN_NONCE));
                }
                let _ = request.respond(tiny_http::Response::from_string(value.to_string()).with_status_code(status));
            }
        });
        Self { base: format!("http://{addr}"), seen, stop }
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
    let mitm = ManInTheMiddle::start(&terminal.base);
    let config = write_config(&sb, Some(&mitm.base), "").unwrap();
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
