//! HTTP client for the reception terminal. Every request is signed with the
//! kiosk's own key (docs/host-protocol.md §1). Evidence is sent once (its
//! nonce cannot be reused); consent and registration are retried on a
//! transport failure **with the same `request_id`**, so the terminal
//! records them exactly once however often the network drops an answer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::{info, warn};

use super::evidence::Evidence;
use super::identity::KioskIdentity;
use crate::flow::types::ConsentQuestion;

/// The label of every request signature: protocol name and version.
pub const REQUEST_LABEL: &[u8] = b"uketsuke request v2\0";

/// Shortest nonce the kiosk accepts from the terminal.
pub const MIN_NONCE_LEN: usize = 16;
/// Longest nonce the kiosk accepts: the context digest's length fields are
/// two bytes, and a nonce is 32 bytes in the protocol.
pub const MAX_NONCE_LEN: usize = 64;

/// Failures talking to the terminal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// Down, unreachable, or no answer in time after the retries.
    #[error("the reception terminal is unavailable")]
    Unavailable,
    /// The terminal refused, with its code and Japanese message.
    #[error("the reception terminal refused ({code})")]
    Refused {
        /// Protocol code (e.g. 006).
        code: String,
        /// Message for the patient.
        message: String,
    },
    /// The terminal answered something the protocol does not allow.
    #[error("unexpected answer from the reception terminal: {0}")]
    Protocol(String),
}

/// No answer came back (refused connection, timeout, broken connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no answer from the reception terminal")]
pub struct NoAnswer;

/// One HTTP exchange; the seam tests use to drop answers.
pub trait Transport {
    /// POSTs `body` to `path` and returns the status and JSON answer.
    fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), NoAnswer>;
}

/// The real transport: HTTPS/1.1 (TLS 1.3, the terminal's CA pinned, the
/// kiosk's own certificate presented) with a per-request timeout.
pub struct Http {
    base: String,
    agent: ureq::Agent,
}

impl Http {
    /// Talks to the terminal at `base` (`https://…`) over `tls`; with none,
    /// plain HTTP (a development setting).
    pub fn new(base: &str, timeout: Duration, tls: Option<Arc<rustls::ClientConfig>>) -> Self {
        let mut agent = ureq::AgentBuilder::new().timeout(timeout).https_only(tls.is_some());
        if let Some(tls) = tls {
            agent = agent.tls_config(tls);
        }
        Self { base: base.trim_end_matches('/').to_owned(), agent: agent.build() }
    }
}

impl Transport for Http {
    fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), NoAnswer> {
        match self.agent.post(&format!("{}{path}", self.base)).send_json(body.clone()) {
            Ok(r) => Ok((r.status(), r.into_json().unwrap_or(Value::Null))),
            Err(ureq::Error::Status(code, r)) => Ok((code, r.into_json().unwrap_or(Value::Null))),
            Err(ureq::Error::Transport(_)) => Err(NoAnswer),
        }
    }
}

/// A session opened on the terminal.
#[derive(Clone, PartialEq, Eq)]
pub struct HostSession {
    /// Session id.
    pub id: String,
    /// The nonce the card must sign.
    pub nonce: Vec<u8>,
    /// When the session was opened.
    pub opened: std::time::Instant,
    /// How long the terminal keeps the nonce (`expires_in`; 120 s when
    /// the terminal does not say).
    pub lifetime: std::time::Duration,
}

impl fmt::Debug for HostSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostSession").field("id", &self.id).finish_non_exhaustive()
    }
}

/// One consent answer.
#[derive(Serialize)]
struct AnswerBody {
    question: ConsentQuestion,
    agree: bool,
}

/// The consent answers.
#[derive(Serialize)]
struct ConsentBody {
    answers: Vec<AnswerBody>,
}

/// A registration carries nothing but its request id.
#[derive(Serialize)]
struct RegistrationBody {}

/// A body stored exactly once: the same `request_id` on every attempt.
#[derive(Serialize)]
struct Stored<B: Serialize> {
    #[serde(flatten)]
    body: B,
    request_id: String,
}

/// The terminal's answer to `POST /v1/sessions`.
#[derive(Deserialize)]
struct SessionOpened {
    session_id: String,
    nonce: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The terminal's answer to the evidence.
#[derive(Deserialize)]
struct EvidenceAnswer {
    eligible: bool,
    registered: bool,
}

/// The terminal's refusal.
#[derive(Deserialize)]
struct Refusal {
    error: RefusalDetail,
}

#[derive(Deserialize)]
struct RefusalDetail {
    code: String,
    message: String,
}

/// What the terminal said about the patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eligibility {
    /// Registered for health-insurance use.
    pub registered: bool,
}

/// The client.
pub struct HostClient<T: Transport> {
    transport: T,
    retries: u32,
    identity: Arc<KioskIdentity>,
}

/// A request as sent: the body's bytes, signed by the kiosk.
#[derive(Serialize)]
struct Signed<'a> {
    kiosk: &'a str,
    body: String,
    signature: String,
}

/// What the kiosk signs for a request to `path` with `body`:
/// [`REQUEST_LABEL`] ‖ path ‖ NUL ‖ body.
pub fn request_signing_input(path: &str, body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(REQUEST_LABEL.len() + path.len() + 1 + body.len());
    input.extend_from_slice(REQUEST_LABEL);
    input.extend_from_slice(path.as_bytes());
    input.push(0);
    input.extend_from_slice(body);
    input
}

/// Whether a session id from the terminal is safe to put in a request path
/// the kiosk signs: 1–128 ASCII letters, digits, `-` or `_`. Anything else
/// (`/`, `..`, `?`, `%`) would let the terminal choose which path, and so
/// which bytes, the kiosk's key signs.
fn is_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a non-success answer means. A 5xx is the terminal failing, not
/// refusing: the patient is told the terminal is unavailable, never shown
/// whatever message a failing server put in its body.
fn refused_or_protocol(status: u16, body: Value) -> HostError {
    if status >= 500 {
        return HostError::Unavailable;
    }
    match serde_json::from_value::<Refusal>(body) {
        Ok(Refusal { error: RefusalDetail { code, message } }) => HostError::Refused { code, message },
        Err(_) => HostError::Protocol(format!("status {status}")),
    }
}

impl<T: Transport> HostClient<T> {
    /// A client over `transport` signing as `identity`, retrying
    /// idempotent requests `retries` times.
    pub fn new(transport: T, retries: u32, identity: Arc<KioskIdentity>) -> Self {
        Self { transport, retries, identity }
    }

    /// The kiosk id every request names.
    pub fn kiosk_id(&self) -> &str {
        self.identity.id()
    }

    /// `body` signed by the kiosk for `path` (docs/host-protocol.md §1).
    fn signed(&self, path: &str, body: &impl Serialize) -> Result<Value, HostError> {
        let bytes = serde_json::to_vec(body).map_err(|e| HostError::Protocol(e.to_string()))?;
        let signature =
            self.identity.sign(&request_signing_input(path, &bytes)).map_err(|e| HostError::Protocol(e.to_string()))?;
        let signed = Signed { kiosk: self.identity.id(), body: B64.encode(&bytes), signature: B64.encode(signature) };
        serde_json::to_value(signed).map_err(|e| HostError::Protocol(e.to_string()))
    }

    /// The transport, borrowed.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Opens a session and returns its nonce.
    pub fn open_session(&self) -> Result<HostSession, HostError> {
        let body = self.signed("/v1/sessions", &Value::Object(serde_json::Map::new()))?;
        let (status, v) = self.transport.post("/v1/sessions", &body).map_err(|NoAnswer| HostError::Unavailable)?;
        if status != 201 {
            return Err(refused_or_protocol(status, v));
        }
        let opened: SessionOpened =
            serde_json::from_value(v).map_err(|_| HostError::Protocol("no session id or nonce".into()))?;
        if !is_session_id(&opened.session_id) {
            return Err(HostError::Protocol("a session id that is not 1-128 letters, digits, - or _".into()));
        }
        let nonce = hex::decode(&opened.nonce).ok().filter(|n| (MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&n.len()));
        let nonce = nonce.ok_or_else(|| HostError::Protocol("no usable nonce".into()))?;
        let lifetime = std::time::Duration::from_secs(opened.expires_in.unwrap_or(120).min(3600));
        Ok(HostSession { id: opened.session_id, nonce, opened: std::time::Instant::now(), lifetime })
    }

    /// Sends the evidence once (a nonce cannot be used twice).
    pub fn send_evidence(&self, session: &HostSession, evidence: &Evidence) -> Result<Eligibility, HostError> {
        let path = format!("/v1/sessions/{}/evidence", session.id);
        let body = self.signed(&path, &evidence.to_json())?;
        let (status, v) = self.transport.post(&path, &body).map_err(|NoAnswer| HostError::Unavailable)?;
        match serde_json::from_value::<EvidenceAnswer>(v.clone()) {
            Ok(EvidenceAnswer { eligible: true, registered }) if status == 200 => Ok(Eligibility { registered }),
            _ => Err(refused_or_protocol(status, v)),
        }
    }

    /// Sends the consent answers, exactly once.
    pub fn send_consent(&self, session: &HostSession, answers: &[(ConsentQuestion, bool)]) -> Result<(), HostError> {
        let answers: Vec<AnswerBody> =
            answers.iter().map(|&(question, agree)| AnswerBody { question, agree }).collect();
        self.once(&format!("/v1/sessions/{}/consent", session.id), ConsentBody { answers })
    }

    /// Registers the card for health-insurance use, exactly once.
    pub fn send_registration(&self, session: &HostSession) -> Result<(), HostError> {
        self.once(&format!("/v1/sessions/{}/registration", session.id), RegistrationBody {})
    }

    /// POSTs `fields` and a `request_id`, the same for every attempt.
    fn once(&self, path: &str, body: impl Serialize) -> Result<(), HostError> {
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        let stored = Stored { body, request_id: hex::encode(id) };
        let body = self.signed(path, &stored)?;
        for attempt in 0..=self.retries {
            match self.transport.post(path, &body) {
                Ok((200, _)) => {
                    info!(attempt, "stored on the reception terminal");
                    return Ok(());
                }
                Ok((status, v)) if status < 500 => return Err(refused_or_protocol(status, v)),
                Ok(_) | Err(NoAnswer) => {
                    warn!(attempt, "no answer from the reception terminal; retrying with the same request id")
                }
            }
        }
        Err(HostError::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// A terminal that answers the session request with `session_id`, and
    /// fails the test on any further request.
    struct Opens {
        session_id: &'static str,
        calls: RefCell<Vec<String>>,
    }

    impl Transport for Opens {
        fn post(&self, path: &str, _body: &Value) -> Result<(u16, Value), NoAnswer> {
            self.calls.borrow_mut().push(path.to_owned());
            assert_eq!(path, "/v1/sessions", "unexpected request");
            Ok((201, serde_json::json!({"session_id": self.session_id, "nonce": "ab".repeat(32)})))
        }
    }

    fn client(session_id: &'static str) -> HostClient<Opens> {
        let identity = KioskIdentity::generate().unwrap_or_else(|e| unreachable!("{e}"));
        HostClient::new(Opens { session_id, calls: RefCell::default() }, 0, Arc::new(identity))
    }

    #[test]
    fn a_session_id_that_would_change_the_signed_path_is_refused() {
        // Found by the host_response fuzz target: any string was accepted.
        for id in ["../../v1/sessions/other", "a?b", "a%2Fb", "a`b", "", "x/evidence"] {
            let result = client(id).open_session();
            assert!(matches!(result, Err(HostError::Protocol(_))), "{id:?} accepted: {result:?}");
        }
    }

    /// A terminal that answers every request with one fixed answer.
    struct Answers(u16, Value);

    impl Transport for Answers {
        fn post(&self, _path: &str, _body: &Value) -> Result<(u16, Value), NoAnswer> {
            Ok((self.0, self.1.clone()))
        }
    }

    #[test]
    fn a_server_error_is_the_terminal_unavailable_not_a_refusal_with_its_message() {
        let identity = Arc::new(KioskIdentity::generate().unwrap_or_else(|e| unreachable!("{e}")));
        let body = serde_json::json!({"error": {"code": "500", "message": "NullPointerException at db.Query"}});
        for status in [500, 502, 503] {
            let c = HostClient::new(Answers(status, body.clone()), 0, Arc::clone(&identity));
            assert_eq!(c.open_session().err(), Some(HostError::Unavailable), "{status}");
        }
        let refusal = serde_json::json!({"error": {"code": "006", "message": "有効期限切れ"}});
        let c = HostClient::new(Answers(403, refusal), 0, identity);
        assert!(matches!(c.open_session(), Err(HostError::Refused { code, .. }) if code == "006"));
    }

    #[test]
    fn an_ordinary_session_id_is_accepted() {
        let c = client("7f3a9c0e5b214d8e9a6b1c2d3e4f5061");
        let session = c.open_session().map(|s| s.id);
        assert_eq!(session.ok().as_deref(), Some("7f3a9c0e5b214d8e9a6b1c2d3e4f5061"));
        assert_eq!(c.transport().calls.borrow().len(), 1);
    }
}
