//! The virtual reception terminal (資格確認端末): the protocol of
//! `docs/host-protocol.md` over HTTP, verifying the kiosk's evidence for
//! real and answering eligibility from the personas. It answers only
//! kiosks on its allow-list ([`kiosks`]), applies its own policy
//! ([`policy`]) whatever the kiosk states, and records authentications,
//! consents and registrations (once per `request_id`) so tests can check them.

pub mod faults;
pub mod kiosks;
pub mod policy;
pub mod tls;
pub mod verify;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand_core::{OsRng, RngCore};
use rsa::RsaPublicKey;
use serde_json::{Value, json};
use sha2::Digest as _;
use tracing::{info, warn};
use uketsuke_net::http::{Request, Server};
use uketsuke_net::tls::{PinnedClientKeys, server_config};

use crate::card::card_face_public_key;
use crate::persona::{self, Persona};
use crate::pki;
use faults::FaultPlan;
use kiosks::{AllowList, Verified};
use policy::TerminalPolicy;
use tls::TerminalTls;
use verify::{Context, Refusal, check_card_face, check_certificate, check_context_signature};

/// How long a nonce stays usable.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(120);
/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

struct Session {
    nonce: [u8; 32],
    opened: Instant,
    used: bool,
    card: Option<u64>,
    /// The kiosk that opened the session: only it may use the session.
    kiosk: String,
}

#[derive(Default)]
struct Records {
    authentications: Vec<Value>,
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
    /// The kiosks this terminal answers.
    pub kiosks: Arc<AllowList>,
    /// The faults it plays when armed (none unless a test or script arms one).
    pub faults: FaultPlan,
    policy: TerminalPolicy,
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
    /// A terminal answering for the built-in personas, with `policy`, and
    /// (until [`AllowList::allow`] adds one) no kiosk.
    pub fn new(policy: TerminalPolicy) -> Result<Self, TerminalError> {
        let setup = |e: &dyn std::fmt::Display| TerminalError::Setup(e.to_string());
        Ok(Self {
            personas: persona::all().map_err(|e| setup(&e))?,
            ca: pki::derived_key(pki::JPKI_CA_LABEL).map_err(|e| setup(&e))?.to_public_key(),
            issuer: pki::derived_key(pki::CARD_FACE_ISSUER_LABEL).map_err(|e| setup(&e))?.to_public_key(),
            kiosks: Arc::default(),
            faults: FaultPlan::default(),
            policy,
            sessions: Mutex::new(HashMap::new()),
            records: Mutex::new(Records::default()),
        })
    }

    /// Answers one request (`now` for nonce expiry, `unix` for certificates).
    /// Every POST must be signed by an allowed kiosk.
    pub fn handle(&self, method: &str, path: &str, body: &[u8], now: Instant, unix: u64) -> (u16, Value) {
        self.handle_from(None, method, path, body, now, unix)
    }

    /// [`Terminal::handle`] for a request that came over mutual TLS from the
    /// kiosk whose key is `client_key` (SPKI DER): the signed request must
    /// name that same kiosk.
    pub fn handle_from(
        &self,
        client_key: Option<&[u8]>,
        method: &str,
        path: &str,
        body: &[u8],
        now: Instant,
        unix: u64,
    ) -> (u16, Value) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let ("GET", ["v1", "records"]) = (method, parts.as_slice()) {
            return self.records();
        }
        if method != "POST" {
            return refusal(&Refusal { status: 404, code: "E-REQUEST", message: "not found" });
        }
        let request = match self.kiosks.verify(path, body) {
            Ok(r) if client_key.is_some_and(|k| hex::encode(sha2::Sha256::digest(k)) != r.kiosk) => {
                warn!(path, "request refused: signed by another kiosk than the one connected");
                return refusal(&Refusal::KIOSK);
            }
            Ok(r) => r,
            Err(r) => {
                warn!(path, code = r.code, "request refused: not signed by an allowed kiosk");
                return refusal(&r);
            }
        };
        let result = match parts.as_slice() {
            ["v1", "sessions"] => Ok(self.open_session(now, &request.kiosk)),
            ["v1", "sessions", id, "evidence"] => self.evidence(id, &request, now, unix),
            ["v1", "sessions", id, "consent"] => self.once(id, &request, "consent"),
            ["v1", "sessions", id, "registration"] => self.once(id, &request, "registration"),
            _ => Err(Refusal { status: 404, code: "E-REQUEST", message: "not found" }),
        };
        result.unwrap_or_else(|r| refusal(&r))
    }

    fn open_session(&self, now: Instant, kiosk: &str) -> (u16, Value) {
        let mut nonce = [0u8; 32];
        OsRng.fill_bytes(&mut nonce);
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        if let Ok(mut s) = self.sessions.lock() {
            s.retain(|_, v| now.duration_since(v.opened) < NONCE_LIFETIME * 10);
            let session = Session { nonce, opened: now, used: false, card: None, kiosk: kiosk.to_owned() };
            s.insert(id.clone(), session);
        }
        (201, json!({"session_id": id, "nonce": hex::encode(nonce), "expires_in": NONCE_LIFETIME.as_secs()}))
    }

    fn evidence(&self, id: &str, request: &Verified, now: Instant, unix: u64) -> Result<(u16, Value), Refusal> {
        let body = &request.body;
        // Take the nonce: one piece of evidence per session, fresh only,
        // from the kiosk that opened the session.
        let nonce = {
            let mut sessions = self.sessions.lock().map_err(|_| Refusal::NONCE)?;
            let s = sessions.get_mut(id).filter(|s| s.kiosk == request.kiosk).ok_or(Refusal::NONCE)?;
            if s.used || now.duration_since(s.opened) > NONCE_LIFETIME {
                return Err(Refusal::NONCE);
            }
            s.used = true;
            s.nonce
        };
        let revoked: Vec<u64> =
            self.personas.iter().filter(|p| p.certificate.revoked).map(|p| p.certificate.serial).collect();
        let certificate = b64(body, "auth_certificate")?;
        let cert = check_certificate(&certificate, &self.ca, unix, &revoked)?;
        let method = body.get("method").and_then(Value::as_str).ok_or(Refusal::REQUEST)?;
        let record = match method {
            "pin" => None,
            "face" | "visual" => Some(b64(body, "card_face_record")?),
            _ => return Err(Refusal::REQUEST),
        };
        let context = Context {
            nonce: &nonce,
            kiosk: &request.kiosk,
            session: id,
            method,
            certificate: &certificate,
            record: record.as_deref(),
        };
        let digest = context.digest();
        let persona = self.personas.iter().find(|p| p.certificate.serial == cert.serial);
        let mut entry = json!({"session": id, "card": cert.serial, "method": method, "kiosk": request.kiosk});
        match record {
            None => check_context_signature(&cert.key, &digest, &b64(body, "signature")?)?,
            Some(record) => {
                let df24 = check_card_face(&record, &self.issuer, &digest, &b64(body, "chip_signature")?)?;
                // The record must be from the card the certificate was issued to.
                let registered = persona.map(card_face_public_key).transpose().map_err(|_| Refusal::UNKNOWN)?;
                if registered.is_some_and(|k| k != df24) {
                    return Err(Refusal::CARD);
                }
                if method == "face" {
                    self.policy.check_face(body)?;
                    // What the kiosk says it checked (kept for the audit).
                    entry["liveness"] = body.get("liveness").cloned().unwrap_or(Value::Null);
                } else {
                    entry["operator"] = json!(policy::check_staff(body)?);
                }
            }
        }
        let p = persona.ok_or(Refusal::UNKNOWN)?;
        if let Ok(mut s) = self.sessions.lock()
            && let Some(s) = s.get_mut(id)
        {
            s.card = Some(cert.serial);
        }
        if let Ok(mut r) = self.records.lock() {
            r.authentications.push(entry);
        }
        info!(method, "evidence accepted");
        let i = &p.insurance;
        Ok((
            200,
            json!({"eligible": true, "registered": i.registered, "insurance": {
                "insurer_number": i.insurer_number, "symbol": i.symbol, "number": i.number,
                "branch": i.branch, "kind": i.kind, "copay_percent": i.copay_percent}}),
        ))
    }

    /// Consent or registration, recorded once per `request_id`.
    fn once(&self, id: &str, request: &Verified, what: &str) -> Result<(u16, Value), Refusal> {
        let body = &request.body;
        let request_id =
            body.get("request_id").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or(Refusal::REQUEST)?;
        let card =
            self.sessions.lock().ok().and_then(|s| s.get(id).filter(|s| s.kiosk == request.kiosk).and_then(|s| s.card));
        let card = card.ok_or(Refusal::NONCE)?;
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
            Ok(r) => (
                200,
                json!({"authentications": r.authentications, "consents": r.consents, "registrations": r.registrations}),
            ),
            Err(_) => (500, json!({})),
        }
    }

    /// Serves the protocol on `addr` until `stop` is raised: over TLS with
    /// `tls` (mutual: only allowed kiosks' keys connect), or, with none, over
    /// plain HTTP (a development setting, loudly logged).
    pub fn serve(&self, addr: SocketAddr, tls: Option<&TerminalTls>, stop: &AtomicBool) -> Result<(), TerminalError> {
        let listen = |e: &dyn std::fmt::Display| TerminalError::Listen(addr, e.to_string());
        let config = match tls {
            Some(tls) => {
                let kiosks = Arc::clone(&self.kiosks);
                let clients = PinnedClientKeys::new(move |key| kiosks.allows_key(key));
                Some(server_config(&tls.identity, Some(clients)).map_err(|e| listen(&e))?)
            }
            None => {
                warn!(%addr, "DEVELOPMENT SETTING: the reception terminal serves plain HTTP, unencrypted and unauthenticated");
                None
            }
        };
        let server = Server::bind(addr, config, MAX_BODY).map_err(|e| listen(&e))?;
        info!(%addr, tls = tls.is_some(), "reception terminal listening");
        let handler = |request: &Request| {
            let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let (method, path, body, key) =
                (&request.method, &request.path, &request.body, request.client_key.as_deref());
            let fault = self.faults.take(method, path);
            if let Some(fault) = fault {
                warn!(?fault, path, "virtual terminal playing an armed fault");
            }
            faults::answer(fault, || self.handle_from(key, method, path, body, Instant::now(), unix))
        };
        server.serve(stop, &handler);
        Ok(())
    }
}
