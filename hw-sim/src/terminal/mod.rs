//! The virtual reception terminal (資格確認端末): the protocol of
//! `docs/host-protocol.md` over HTTP, verifying the kiosk's evidence for
//! real and answering eligibility from the personas. It records consents
//! and registrations, once per `request_id`, so tests can check them.

pub mod verify;

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand_core::{OsRng, RngCore};
use rsa::RsaPublicKey;
use serde_json::{Value, json};
use tracing::{info, warn};

use crate::persona::{self, Persona};
use crate::pki;
use verify::{Refusal, check_card_face, check_certificate, check_nonce_signature};

/// How long a nonce stays usable.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(120);
/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

struct Session {
    nonce: [u8; 32],
    opened: Instant,
    used: bool,
    card: Option<u64>,
}

#[derive(Default)]
struct Records {
    consents: Vec<Value>,
    registrations: Vec<Value>,
    /// request_id → the first answer given.
    answered: HashMap<String, Value>,
}

/// Terminal failures at start-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalError {
    /// The personas or the test PKI could not be loaded.
    #[error("terminal set-up: {0}")]
    Setup(String),
    /// The address cannot be listened on.
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, String),
}

/// The terminal's state.
pub struct Terminal {
    personas: Vec<Persona>,
    ca: RsaPublicKey,
    issuer: RsaPublicKey,
    sessions: Mutex<HashMap<String, Session>>,
    records: Mutex<Records>,
}

fn refusal(r: &Refusal) -> (u16, Value) {
    (r.status, json!({"error": {"code": r.code, "message": r.message}}))
}

fn b64(v: &Value, field: &str) -> Result<Vec<u8>, Refusal> {
    v.get(field).and_then(Value::as_str).and_then(|s| B64.decode(s).ok()).ok_or(Refusal::REQUEST)
}

impl Terminal {
    /// A terminal answering for the built-in personas.
    pub fn new() -> Result<Self, TerminalError> {
        let setup = |e: &dyn std::fmt::Display| TerminalError::Setup(e.to_string());
        Ok(Self {
            personas: persona::all().map_err(|e| setup(&e))?,
            ca: pki::derived_key(pki::JPKI_CA_LABEL).map_err(|e| setup(&e))?.to_public_key(),
            issuer: pki::derived_key(pki::CARD_FACE_ISSUER_LABEL).map_err(|e| setup(&e))?.to_public_key(),
            sessions: Mutex::new(HashMap::new()),
            records: Mutex::new(Records::default()),
        })
    }

    /// Answers one request (`now` for nonce expiry, `unix` for certificates).
    pub fn handle(&self, method: &str, path: &str, body: &[u8], now: Instant, unix: u64) -> (u16, Value) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let body: Value = if body.is_empty() {
            json!({})
        } else {
            match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(_) => return refusal(&Refusal::REQUEST),
            }
        };
        let result = match (method, parts.as_slice()) {
            ("POST", ["v1", "sessions"]) => Ok(self.open_session(now)),
            ("POST", ["v1", "sessions", id, "evidence"]) => self.evidence(id, &body, now, unix),
            ("POST", ["v1", "sessions", id, "consent"]) => self.once(id, &body, "consent"),
            ("POST", ["v1", "sessions", id, "registration"]) => self.once(id, &body, "registration"),
            ("GET", ["v1", "records"]) => Ok(self.records()),
            _ => Err(Refusal { status: 404, code: "E-REQUEST", message: "not found" }),
        };
        result.unwrap_or_else(|r| refusal(&r))
    }

    fn open_session(&self, now: Instant) -> (u16, Value) {
        let mut nonce = [0u8; 32];
        OsRng.fill_bytes(&mut nonce);
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        if let Ok(mut s) = self.sessions.lock() {
            s.retain(|_, v| now.duration_since(v.opened) < NONCE_LIFETIME * 10);
            s.insert(id.clone(), Session { nonce, opened: now, used: false, card: None });
        }
        (201, json!({"session_id": id, "nonce": hex::encode(nonce), "expires_in": NONCE_LIFETIME.as_secs()}))
    }

    fn evidence(&self, id: &str, body: &Value, now: Instant, unix: u64) -> Result<(u16, Value), Refusal> {
        // Take the nonce: one piece of evidence per session, fresh only.
        let nonce = {
            let mut sessions = self.sessions.lock().map_err(|_| Refusal::NONCE)?;
            let s = sessions.get_mut(id).ok_or(Refusal::NONCE)?;
            if s.used || now.duration_since(s.opened) > NONCE_LIFETIME {
                return Err(Refusal::NONCE);
            }
            s.used = true;
            s.nonce
        };
        let revoked: Vec<u64> =
            self.personas.iter().filter(|p| p.certificate.revoked).map(|p| p.certificate.serial).collect();
        let cert = check_certificate(&b64(body, "auth_certificate")?, &self.ca, unix, &revoked)?;
        match body.get("method").and_then(Value::as_str) {
            Some("pin") => check_nonce_signature(&cert.key, &nonce, &b64(body, "signature")?)?,
            Some(m @ ("face" | "visual")) => {
                check_card_face(&b64(body, "card_face_record")?, &self.issuer, &nonce, &b64(body, "chip_signature")?)?;
                if m == "face" {
                    let score = body["match"]["score"].as_f64().ok_or(Refusal::REQUEST)?;
                    let threshold = body["match"]["threshold"].as_f64().ok_or(Refusal::REQUEST)?;
                    let frames = body["match"]["frames"].as_u64().unwrap_or(0);
                    if score < threshold || frames == 0 || body["liveness"]["passed"] != json!(true) {
                        return Err(Refusal::MATCH);
                    }
                } else if body["staff"]["decision"] != json!("confirmed") {
                    return Err(Refusal::REQUEST);
                }
            }
            _ => return Err(Refusal::REQUEST),
        }
        let p = self.personas.iter().find(|p| p.certificate.serial == cert.serial).ok_or(Refusal::UNKNOWN)?;
        if let Ok(mut s) = self.sessions.lock()
            && let Some(s) = s.get_mut(id)
        {
            s.card = Some(cert.serial);
        }
        info!(method = body["method"].as_str().unwrap_or(""), "evidence accepted");
        let i = &p.insurance;
        Ok((
            200,
            json!({"eligible": true, "registered": i.registered, "insurance": {
                "insurer_number": i.insurer_number, "symbol": i.symbol, "number": i.number,
                "branch": i.branch, "kind": i.kind, "copay_percent": i.copay_percent}}),
        ))
    }

    /// Consent or registration, recorded once per `request_id`.
    fn once(&self, id: &str, body: &Value, what: &str) -> Result<(u16, Value), Refusal> {
        let request_id =
            body.get("request_id").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or(Refusal::REQUEST)?;
        let card = self.sessions.lock().ok().and_then(|s| s.get(id).and_then(|s| s.card)).ok_or(Refusal::NONCE)?;
        let mut records = self.records.lock().map_err(|_| Refusal::REQUEST)?;
        if let Some(first) = records.answered.get(request_id) {
            return Ok((200, first.clone()));
        }
        let entry = json!({"session": id, "card": card, "request_id": request_id});
        let answer = if what == "consent" {
            let answers = body.get("answers").filter(|a| a.is_array()).ok_or(Refusal::REQUEST)?;
            let mut e = entry;
            e["answers"] = answers.clone();
            records.consents.push(e);
            json!({"recorded": true})
        } else {
            records.registrations.push(entry);
            json!({"registered": true})
        };
        records.answered.insert(request_id.to_owned(), answer.clone());
        Ok((200, answer))
    }

    fn records(&self) -> (u16, Value) {
        match self.records.lock() {
            Ok(r) => (200, json!({"consents": r.consents, "registrations": r.registrations})),
            Err(_) => (500, json!({})),
        }
    }

    /// Serves HTTP on `addr` until `stop` is raised.
    pub fn serve(&self, addr: SocketAddr, stop: &AtomicBool) -> Result<(), TerminalError> {
        let server = tiny_http::Server::http(addr).map_err(|e| TerminalError::Listen(addr, e.to_string()))?;
        info!(%addr, "reception terminal listening");
        while !stop.load(Ordering::Relaxed) {
            let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(100)) else { continue };
            let mut body = Vec::new();
            let read = request.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut body);
            let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let (status, value) = if read.is_err() || body.len() > MAX_BODY {
                refusal(&Refusal::REQUEST)
            } else {
                self.handle(request.method().as_str(), request.url(), &body, Instant::now(), unix)
            };
            let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]);
            let mut response = tiny_http::Response::from_string(value.to_string()).with_status_code(status);
            if let Ok(h) = header {
                response = response.with_header(h);
            }
            if let Err(e) = request.respond(response) {
                warn!(error = %e, "could not answer");
            }
        }
        Ok(())
    }
}
