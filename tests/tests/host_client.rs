//! The kiosk's host client against the virtual terminal: eligibility,
//! refusals, a terminal that is down, and retries that never duplicate.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde_json::Value;
use std::sync::Arc;
use uketsuke_driver::Card;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use uketsuke_driver::ap::jpki::JpkiAp;
use uketsuke_driver::ap::sha256_digest_info;
use uketsuke_driver::secret::Pin;
use uketsuke_firmware::flow::types::{ConsentQuestion, Method};
use uketsuke_firmware::host::client::{HostClient, HostError, HostSession, Http, NoAnswer, Transport};
use uketsuke_firmware::host::evidence::{Evidence, EvidenceContext};
use uketsuke_firmware::host::identity::KioskIdentity;
use uketsuke_hw_sim::faults::Faults;
use uketsuke_hw_sim::terminal::Terminal;
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;
use uketsuke_net::tls::{certificates, client_config};
use uketsuke_tests::direct::DirectCard;
use uketsuke_tests::terminal::{TerminalServer, test_identity};

fn pin_evidence(persona: &str, pin: &str, session: &HostSession) -> Evidence {
    let mut card = Card::new(DirectCard::new(persona, Faults::default()).unwrap());
    let mut ap = JpkiAp::select(&mut card).unwrap();
    let certificate = ap.read_auth_cert().unwrap().der;
    ap.verify_auth_pin(&Pin::parse(pin).unwrap()).unwrap();
    let context = EvidenceContext {
        nonce: &session.nonce,
        kiosk_id: test_identity().id(),
        session_id: &session.id,
        method: Method::Pin,
        certificate: &certificate,
        record: None,
    };
    let signature = ap.sign_with_auth_key(&sha256_digest_info(&context.digest())).unwrap();
    Evidence::Pin { certificate, signature }
}

/// The test kiosks' identity, as the kiosk holds it.
fn identity() -> Arc<KioskIdentity> {
    Arc::new(KioskIdentity::from_pkcs8(test_identity().pkcs8_der()).unwrap())
}

/// The kiosk's TLS client for `server` as `kiosk`.
fn tls(server: &TerminalServer, kiosk: &KioskIdentity) -> Option<Arc<rustls::ClientConfig>> {
    let trusted = certificates(&server.tls.ca_pem(), "terminal CA").unwrap();
    Some(client_config(&trusted, Some(&kiosk.tls_identity().unwrap())).unwrap())
}

fn http(server: &TerminalServer) -> HostClient<Http> {
    HostClient::new(Http::new(&server.base, Duration::from_secs(5), tls(server, test_identity())), 2, identity())
}

#[test]
fn pin_evidence_over_http_gives_eligibility_and_consent_is_stored() {
    let server = TerminalServer::start().unwrap();
    let client = http(&server);
    let session = client.open_session().unwrap();
    let eligibility = client.send_evidence(&session, &pin_evidence("adult-registered", "1234", &session)).unwrap();
    assert!(eligibility.registered);
    client
        .send_consent(&session, &[(ConsentQuestion::Surgery, true), (ConsentQuestion::HealthCheckups, false)])
        .unwrap();
    let records = server.records().unwrap();
    assert_eq!(records["consents"][0]["answers"][1]["question"], "health_checkups");
    assert_eq!(records["consents"][0]["answers"][1]["agree"], false);
}

#[test]
fn an_expired_certificate_comes_back_as_refusal_006() {
    let server = TerminalServer::start().unwrap();
    let client = http(&server);
    let session = client.open_session().unwrap();
    let err = client.send_evidence(&session, &pin_evidence("expired-cert", "3141", &session)).err();
    assert!(matches!(&err, Some(HostError::Refused { code, .. }) if code == "006"), "{err:?}");
}

#[test]
fn a_terminal_that_is_down_is_unavailable_not_a_hang() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let client = HostClient::new(Http::new(&url, Duration::from_secs(2), None), 2, identity());
    let start = Instant::now();
    assert_eq!(client.open_session().err(), Some(HostError::Unavailable));
    let session =
        HostSession { id: "x".into(), nonce: vec![0; 32], opened: Instant::now(), lifetime: Duration::from_secs(120) };
    assert_eq!(client.send_consent(&session, &[]).err(), Some(HostError::Unavailable));
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// The terminal itself, in process, behind a network that loses answers:
/// each request reaches the terminal, but the first `lose` answers never
/// come back.
struct LossyNetwork<'t> {
    terminal: &'t Terminal,
    lose: Cell<u32>,
    request_ids: std::cell::RefCell<Vec<String>>,
}

impl Transport for LossyNetwork<'_> {
    fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), NoAnswer> {
        let unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let answer = self.terminal.handle("POST", path, body.to_string().as_bytes(), Instant::now(), unix);
        let inner: Value = serde_json::from_slice(&B64.decode(body["body"].as_str().unwrap()).unwrap()).unwrap();
        if let Some(id) = inner["request_id"].as_str() {
            self.request_ids.borrow_mut().push(id.to_owned());
        }
        if self.lose.get() > 0 {
            self.lose.set(self.lose.get() - 1);
            return Err(NoAnswer);
        }
        Ok(answer)
    }
}

#[test]
fn lost_answers_are_retried_with_the_same_request_id_and_recorded_once() {
    let terminal = Terminal::new(TerminalPolicy::default()).unwrap();
    terminal.kiosks.allow(test_identity().public_key_der()).unwrap();
    let net = LossyNetwork { terminal: &terminal, lose: Cell::new(0), request_ids: Default::default() };
    let client = HostClient::new(net, 3, identity());
    let session = client.open_session().unwrap();
    let eligibility = client.send_evidence(&session, &pin_evidence("unregistered", "1122", &session)).unwrap();
    assert!(!eligibility.registered);

    // Two answers lost: the third attempt succeeds.
    client_net(&client).lose.set(2);
    client.send_registration(&session).unwrap();
    client_net(&client).lose.set(2);
    client.send_consent(&session, &[(ConsentQuestion::Surgery, true)]).unwrap();

    let (_, records) = terminal.handle("GET", "/v1/records", b"", Instant::now(), 0);
    assert_eq!(records["registrations"].as_array().unwrap().len(), 1, "{records}");
    assert_eq!(records["consents"].as_array().unwrap().len(), 1, "{records}");
    let ids = client_net(&client).request_ids.borrow().clone();
    assert_eq!(ids.len(), 6);
    assert!(ids[..3].iter().all(|i| *i == ids[0]) && ids[3..].iter().all(|i| *i == ids[3]) && ids[0] != ids[3]);

    // Answers lost every time: unavailable, and still recorded only once.
    client_net(&client).lose.set(10);
    assert_eq!(client.send_registration(&session).err(), Some(HostError::Unavailable));
    let (_, records) = terminal.handle("GET", "/v1/records", b"", Instant::now(), 0);
    assert_eq!(records["registrations"].as_array().unwrap().len(), 2, "a new registration request is new");
}

fn client_net<'a, 't>(client: &'a HostClient<LossyNetwork<'t>>) -> &'a LossyNetwork<'t> {
    client.transport()
}

#[test]
fn a_kiosk_the_terminal_does_not_know_cannot_even_connect() {
    let server = TerminalServer::start().unwrap();
    let stranger = Arc::new(KioskIdentity::generate().unwrap());
    let transport = Http::new(&server.base, Duration::from_secs(5), tls(&server, &stranger));
    let client = HostClient::new(transport, 0, stranger);
    assert_eq!(client.open_session().err(), Some(HostError::Unavailable), "the TLS handshake is refused");
}

#[test]
fn a_terminal_with_another_ca_is_not_trusted() {
    let server = TerminalServer::start().unwrap();
    let impostor = uketsuke_hw_sim::terminal::tls::TerminalTls::generate().unwrap();
    let trusted = certificates(&impostor.ca_pem(), "another CA").unwrap();
    let config = client_config(&trusted, Some(&test_identity().tls_identity().unwrap())).unwrap();
    let client = HostClient::new(Http::new(&server.base, Duration::from_secs(5), Some(config)), 0, identity());
    assert_eq!(client.open_session().err(), Some(HostError::Unavailable));
}

/// A terminal (or a man in the middle) that answers every session with `nonce`.
struct NonceOf(Vec<u8>);

impl Transport for NonceOf {
    fn post(&self, _path: &str, _body: &Value) -> Result<(u16, Value), NoAnswer> {
        Ok((201, serde_json::json!({"session_id": "s", "nonce": hex::encode(&self.0), "expires_in": 120})))
    }
}

#[test]
fn a_nonce_too_short_or_too_long_for_the_context_digest_is_refused() {
    for len in [8, 65, 70_000] {
        let client = HostClient::new(NonceOf(vec![7; len]), 0, identity());
        assert!(matches!(client.open_session(), Err(HostError::Protocol(_))), "a {len}-byte nonce was taken");
    }
    assert!(HostClient::new(NonceOf(vec![7; 32]), 0, identity()).open_session().is_ok());
}
