//! The staff API (DESIGN.md §5): reception staff start, confirm or reject
//! a visual check (目視) from the reception PC. Every request needs the
//! staff token, compared in constant time; every action is audited with
//! its outcome only (no token, no personal data).

use std::fmt;
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};
use tracing::{info, warn};
use zeroize::Zeroizing;

use crate::flow::screen::View;
use crate::flow::types::StaffEvent;

/// Tokens shorter than this are refused: they would be guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// The staff token. `Debug` is redacted; zeroized on drop.
pub struct StaffToken(Zeroizing<String>);

impl fmt::Debug for StaffToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaffToken(REDACTED)")
    }
}

/// A token that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token file cannot be read.
    #[error("cannot read the staff token file {0}")]
    Unreadable(String),
    /// The token is too short.
    #[error("the staff token must be at least {MIN_TOKEN_LEN} characters")]
    TooShort,
}

impl StaffToken {
    /// A token from text (surrounding white space ignored).
    pub fn new(text: &str) -> Result<Self, TokenError> {
        let t = text.trim();
        if t.len() < MIN_TOKEN_LEN {
            return Err(TokenError::TooShort);
        }
        Ok(Self(Zeroizing::new(t.to_owned())))
    }

    /// Reads the token from a file (never from the command line).
    pub fn from_file(path: &Path) -> Result<Self, TokenError> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|_| TokenError::Unreadable(path.display().to_string()))?,
        );
        Self::new(&text)
    }

    /// Compares with a presented token in time independent of where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        let mut diff = u8::from(a.len() != b.len());
        for i in 0..a.len().max(b.len()) {
            diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xFF);
        }
        diff == 0
    }
}

/// What the staff API serves and where its events go.
pub struct StaffApi {
    token: StaffToken,
    /// The kiosk's current screen, kept up to date by the runtime.
    pub screen: Arc<Mutex<View>>,
    events: mpsc::Sender<StaffEvent>,
}

fn audit(action: &str, outcome: &str) {
    info!(target: "audit", action, outcome, "staff action");
}

impl StaffApi {
    /// An API checking `token`, reporting the screen from `screen` and
    /// sending staff actions to `events`.
    pub fn new(token: StaffToken, screen: Arc<Mutex<View>>, events: mpsc::Sender<StaffEvent>) -> Self {
        Self { token, screen, events }
    }

    /// Answers one request. `authorization` is the `Authorization` header.
    pub fn handle(&self, method: &str, path: &str, authorization: Option<&str>) -> (u16, Value) {
        let action = match (method, path) {
            ("GET", "/staff/v1/state") => "state",
            ("POST", "/staff/v1/visual-check/start") => "visual_check_start",
            ("POST", "/staff/v1/visual-check/confirm") => "visual_check_confirm",
            ("POST", "/staff/v1/visual-check/reject") => "visual_check_reject",
            _ => return (404, json!({"error": "not found"})),
        };
        let presented = authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
        if !self.token.matches(presented) {
            audit(action, "unauthorized");
            return (401, json!({"error": "staff token required"}));
        }
        let event = match action {
            "state" => {
                let screen = self.screen.lock().map(|s| s.clone()).unwrap_or(View::Idle);
                audit(action, "ok");
                return (200, json!({"screen": screen}));
            }
            "visual_check_start" => StaffEvent::StartVisualCheck,
            "visual_check_confirm" => StaffEvent::Confirm,
            _ => StaffEvent::Reject,
        };
        if self.events.send(event).is_err() {
            audit(action, "kiosk_not_running");
            return (503, json!({"error": "the kiosk is not running"}));
        }
        audit(action, "accepted");
        (202, json!({"accepted": action}))
    }

    /// Serves HTTP on `addr` until `stop` is raised.
    pub fn serve(&self, addr: SocketAddr, stop: &AtomicBool) -> Result<(), String> {
        let server = tiny_http::Server::http(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        info!(%addr, "staff API listening");
        while !stop.load(Ordering::Relaxed) {
            let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(100)) else { continue };
            let mut sink = Vec::new();
            let _ = request.as_reader().take(4096).read_to_end(&mut sink);
            let auth =
                request.headers().iter().find(|h| h.field.equiv("Authorization")).map(|h| h.value.as_str().to_owned());
            let (status, body) = self.handle(request.method().as_str(), request.url(), auth.as_deref());
            let mut response = tiny_http::Response::from_string(body.to_string()).with_status_code(status);
            if let Ok(h) = tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]) {
                response = response.with_header(h);
            }
            if let Err(e) = request.respond(response) {
                warn!(error = %e, "could not answer staff request");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "correct horse battery staple";

    fn api() -> (StaffApi, mpsc::Receiver<StaffEvent>) {
        let (tx, rx) = mpsc::channel();
        let token = StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"));
        (StaffApi::new(token, Arc::new(Mutex::new(View::VisualCheck)), tx), rx)
    }

    #[test]
    fn the_token_must_match_exactly() {
        let t = StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(t.matches(TOKEN));
        for wrong in
            ["", "correct horse battery stapl", "correct horse battery staplee", "Correct horse battery staple"]
        {
            assert!(!t.matches(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn short_tokens_are_refused_and_debug_is_redacted() {
        assert!(matches!(StaffToken::new("1234"), Err(TokenError::TooShort)));
        let t = StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(format!("{t:?}"), "StaffToken(REDACTED)");
    }

    #[test]
    fn without_the_token_nothing_reaches_the_kiosk() {
        let (api, rx) = api();
        for auth in [None, Some("Bearer nope nope nope nope"), Some(TOKEN)] {
            assert_eq!(api.handle("POST", "/staff/v1/visual-check/confirm", auth).0, 401);
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn with_the_token_staff_actions_become_flow_inputs() {
        let (api, rx) = api();
        let auth = format!("Bearer {TOKEN}");
        assert_eq!(
            api.handle("GET", "/staff/v1/state", Some(&auth)),
            (200, json!({"screen": {"view": "visual_check"}}))
        );
        for (path, event) in [
            ("/staff/v1/visual-check/start", StaffEvent::StartVisualCheck),
            ("/staff/v1/visual-check/confirm", StaffEvent::Confirm),
            ("/staff/v1/visual-check/reject", StaffEvent::Reject),
        ] {
            assert_eq!(api.handle("POST", path, Some(&auth)).0, 202);
            assert_eq!(rx.try_recv().ok(), Some(event));
        }
        drop(rx);
        assert_eq!(api.handle("POST", "/staff/v1/visual-check/start", Some(&auth)).0, 503);
    }
}
