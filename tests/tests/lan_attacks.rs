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
use std::time::Duration;
use uketsuke_firmware::flow::types::Method;
use uketsuke_firmware::host::evidence::EvidenceContext;
use uketsuke_net::http::{Request, Response, Server};
use uketsuke_net::tls::{TlsIdentity, server_config};

use uketsuke_tests::kiosk::{RunningKiosk, STAFF_TOKEN, kiosk_cmd, scenario, staff_agent, staff_sign_in, write_config};
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

fn status(r: Result<ureq::Response, ureq::Error>) -> u16 {
    match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn the_thirtieth_wrong_sign_in_within_a_minute_is_answered_429_and_audited_with_the_address() {
    let sb = sandbox();
    let config = write_config(&sb, None, "").unwrap();
    let mut kiosk = RunningKiosk::start(&sb, &config, &scenario("idle-a-while.txt")).unwrap();
    let console = kiosk.staff_console().unwrap();
    let agent = staff_agent(&sb).unwrap();
    let codes: Vec<u16> = (0..30)
        .map(|i| {
            let guess = json!({"name": "guesser", "token": format!("guess-number-{i}")});
            status(agent.post(&format!("{console}v1/sign-in")).send_json(guess))
        })
        .collect();
    assert_eq!(codes[0], 401);
    assert_eq!(codes[29], 429, "{codes:?}");
    let right = json!({"name": "佐藤", "token": STAFF_TOKEN});
    assert_eq!(status(agent.post(&format!("{console}v1/sign-in")).send_json(right)), 429, "even the right token waits");
    let _ = kiosk.child.kill();
    let (_, _, logs) = kiosk.finish().unwrap();
    let throttled: Vec<&str> =
        logs.lines().filter(|l| l.contains("audit") && l.contains("outcome=\"throttled\"")).collect();
    assert!(!throttled.is_empty(), "{logs}");
    assert!(throttled.iter().all(|l| l.contains("client=127.0.0.1")), "the address is in the audit: {throttled:?}");
    assert!(!logs.contains("guess-number-") && !logs.contains(STAFF_TOKEN), "a token reached the logs");
}

#[test]
fn a_replayed_confirm_for_an_earlier_visual_check_is_refused() {
    let sb = sandbox();
    let terminal = TerminalServer::start().unwrap();
    let config = write_config(&sb, Some(&terminal.link()), "").unwrap();
    let mut kiosk = RunningKiosk::start(&sb, &config, &scenario("staff-replay.txt")).unwrap();
    let console = kiosk.staff_console().unwrap();
    let agent = staff_agent(&sb).unwrap();
    let auth = staff_sign_in(&agent, &console, "佐藤 花子").unwrap();
    let check_id = |agent: &ureq::Agent| -> Value {
        let state: Value =
            agent.get(&format!("{console}v1/state")).set("Authorization", &auth).call().unwrap().into_json().unwrap();
        state["visual_check"]["id"].clone()
    };
    let answer = |action: &str, check: &Value| {
        let url = format!("{console}v1/visual-check/{action}");
        status(agent.post(&url).set("Authorization", &auth).send_json(json!({"check_id": check})))
    };

    kiosk.wait_line("screen   visual_check", Duration::from_secs(90)).unwrap();
    let first = check_id(&agent);
    assert!(first.is_string(), "a check id: {first}");
    assert_eq!(answer("reject", &first), 202);
    kiosk.wait_line("screen   visual_check", Duration::from_secs(90)).unwrap();
    let second = check_id(&agent);
    assert_ne!(first, second, "each check has its own id");
    assert_eq!(answer("confirm", &first), 409, "the replayed confirm for the first check is refused");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!kiosk.seen.iter().any(|l| l.contains("screen   consent")), "the replay moved the kiosk on");
    assert_eq!(answer("confirm", &second), 202);

    let (exit, transcript, logs) = kiosk.finish().unwrap();
    assert!(exit.success(), "{transcript}\n{logs}");
    assert!(transcript.contains("outcome  result=done method=visual"), "{transcript}");
    let records = terminal.records().unwrap();
    assert_eq!(records["authentications"][0]["operator"], "佐藤 花子", "the operator's name is in the evidence");
    let stale: Vec<&str> = logs.lines().filter(|l| l.contains("outcome=\"stale\"")).collect();
    assert_eq!(stale.len(), 1, "{logs}");
    assert!(stale[0].contains("operator=\"佐藤 花子\"") && stale[0].contains("client=127.0.0.1"), "{stale:?}");
}
