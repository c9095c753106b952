//! The staff API (DESIGN.md §5): reception staff start, confirm or reject
//! a visual check (目視) from the reception PC. Every request needs the
//! staff token, compared in constant time; every action is audited with
//! its outcome only (no token, no personal data).

use std::fmt;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, mpsc};

use serde::Serialize;
use serde_json::Value;
use tracing::info;
use uketsuke_net::http::{self, Server};
use zeroize::Zeroizing;

use crate::flow::types::StaffEvent;
use uketsuke_screen::View;

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

    /// Compares with a presented token in time independent of where they
    /// differ (`subtle`; only the lengths' equality shows).
    pub fn matches(&self, presented: &str) -> bool {
        bool::from(subtle::ConstantTimeEq::ct_eq(self.0.as_bytes(), presented.as_bytes()))
    }
}

/// What the staff see of the kiosk, kept up to date by the runtime. The
/// images exist only while a visual check is under way and are wiped after.
#[derive(Default)]
pub struct StaffBoard {
    /// The kiosk's current screen.
    pub screen: Option<View>,
    /// A message staff must act on (the reception terminal is down: the fallback).
    pub alert: Option<String>,
    /// The chip photo as PNG, during a visual check.
    pub card_photo: Option<Zeroizing<Vec<u8>>>,
    /// The latest camera image as JPEG, during a visual check.
    pub live_image: Option<Zeroizing<Vec<u8>>>,
    /// The visual check under way, if any.
    pub visual_check: Option<VisualCheck>,
}

/// One visual check: its id, made when the kiosk asks staff to check, and
/// who confirmed it. The evidence names both (docs/host-protocol.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisualCheck {
    /// Random id of this check.
    pub id: String,
    /// The staff member who confirmed the patient is the card holder.
    pub confirmed_by: Option<String>,
}

/// The staff member named in the evidence until staff sign in by name.
pub const VISUAL_CHECK_OPERATOR: &str = "reception-staff";

impl fmt::Debug for StaffBoard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffBoard").field("screen", &self.screen).finish_non_exhaustive()
    }
}

/// One answer of the staff API.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// MIME type.
    pub content_type: &'static str,
    /// Body.
    pub body: Zeroizing<Vec<u8>>,
}

impl Reply {
    fn json(status: u16, v: &impl Serialize) -> Self {
        let body = serde_json::to_vec(v).unwrap_or_default();
        Self { status, content_type: "application/json", body: Zeroizing::new(body) }
    }

    fn error(status: u16, error: &'static str) -> Self {
        Self::json(status, &ErrorReply { error })
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// The staff console: one self-contained page; it holds no data until
/// staff enter the token, and then fetches everything with it.
pub const CONSOLE_HTML: &str = include_str!("console.html");

/// What the staff API serves and where its events go.
pub struct StaffApi {
    token: StaffToken,
    /// What staff see, kept up to date by the runtime.
    pub board: Arc<Mutex<StaffBoard>>,
    events: mpsc::Sender<StaffEvent>,
}

/// A staff request, named in the audit log as `state`, `visual_check_confirm`, ….
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum Request {
    State,
    ViewCardPhoto,
    ViewLiveImage,
    VisualCheckStart,
    VisualCheckConfirm,
    VisualCheckReject,
}

/// `GET /staff/v1/state`.
#[derive(Serialize)]
struct StateReply<'a> {
    screen: &'a View,
    alert: Option<&'a str>,
    visual_check: bool,
}

#[derive(Serialize)]
struct ErrorReply {
    error: &'static str,
}

#[derive(Serialize)]
struct Accepted {
    accepted: &'static str,
}

fn audit(request: Request, outcome: &str) {
    let action: &'static str = request.into();
    info!(target: "audit", action, outcome, "staff action");
}

impl StaffApi {
    /// An API checking `token`, showing `board` and sending staff actions to `events`.
    pub fn new(token: StaffToken, board: Arc<Mutex<StaffBoard>>, events: mpsc::Sender<StaffEvent>) -> Self {
        Self { token, board, events }
    }

    /// Answers one request. `authorization` is the `Authorization` header.
    pub fn handle(&self, method: &str, path: &str, authorization: Option<&str>) -> Reply {
        let action = match (method, path) {
            ("GET", "/" | "/staff" | "/staff/") => {
                return Reply {
                    status: 200,
                    content_type: "text/html; charset=utf-8",
                    body: Zeroizing::new(CONSOLE_HTML.as_bytes().to_vec()),
                };
            }
            ("GET", "/staff/v1/state") => Request::State,
            ("GET", "/staff/v1/visual-check/card-photo.png") => Request::ViewCardPhoto,
            ("GET", "/staff/v1/visual-check/live.jpg") => Request::ViewLiveImage,
            ("POST", "/staff/v1/visual-check/start") => Request::VisualCheckStart,
            ("POST", "/staff/v1/visual-check/confirm") => Request::VisualCheckConfirm,
            ("POST", "/staff/v1/visual-check/reject") => Request::VisualCheckReject,
            _ => return Reply::error(404, "not found"),
        };
        let presented = authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
        if !self.token.matches(presented) {
            audit(action, "unauthorized");
            return Reply::error(401, "staff token required");
        }
        let event = match action {
            Request::State => {
                let reply = match self.board.lock() {
                    Ok(b) => Reply::json(
                        200,
                        &StateReply {
                            screen: b.screen.as_ref().unwrap_or(&View::Idle),
                            alert: b.alert.as_deref(),
                            visual_check: b.card_photo.is_some(),
                        },
                    ),
                    Err(_) => Reply::json(200, &StateReply { screen: &View::Idle, alert: None, visual_check: false }),
                };
                audit(action, "ok");
                return reply;
            }
            Request::ViewCardPhoto | Request::ViewLiveImage => return self.image(action),
            Request::VisualCheckStart => StaffEvent::StartVisualCheck,
            Request::VisualCheckConfirm => {
                let confirmed = self.board.lock().ok().and_then(|mut b| {
                    let check = b.visual_check.as_mut()?;
                    check.confirmed_by = Some(VISUAL_CHECK_OPERATOR.to_owned());
                    Some(())
                });
                if confirmed.is_none() {
                    audit(action, "no_visual_check");
                    return Reply::error(409, "no visual check is under way");
                }
                StaffEvent::Confirm
            }
            Request::VisualCheckReject => StaffEvent::Reject,
        };
        if self.events.send(event).is_err() {
            audit(action, "kiosk_not_running");
            return Reply::error(503, "the kiosk is not running");
        }
        audit(action, "accepted");
        Reply::json(202, &Accepted { accepted: action.into() })
    }

    fn image(&self, action: Request) -> Reply {
        let image = self.board.lock().ok().and_then(|b| {
            if action == Request::ViewCardPhoto {
                b.card_photo.as_ref().map(|p| ("image/png", p.clone()))
            } else {
                b.live_image.as_ref().map(|p| ("image/jpeg", p.clone()))
            }
        });
        match image {
            Some((content_type, body)) => {
                audit(action, "ok");
                Reply { status: 200, content_type, body }
            }
            None => {
                audit(action, "no_visual_check");
                Reply::error(404, "no visual check is under way")
            }
        }
    }

    /// Serves the API on `server` (TLS, or plain HTTP as a development
    /// setting) until `stop` is raised.
    pub fn serve_on(&self, server: Server, stop: &AtomicBool) {
        server.serve(stop, &|request: &http::Request| {
            let reply = self.handle(&request.method, &request.path, request.header("Authorization"));
            let mut response = http::Response::new(reply.status, reply.content_type, reply.body.to_vec());
            for (k, v) in SECURITY_HEADERS {
                response = response.with_header(k, v);
            }
            response
        });
    }
}

/// Sent with every staff answer: nothing is cached, nothing is sniffed, the
/// console never runs inside another site's frame, and browsers keep to HTTPS.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'",
    ),
    ("Strict-Transport-Security", "max-age=31536000"),
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const TOKEN: &str = "correct horse battery staple";

    fn api() -> (StaffApi, mpsc::Receiver<StaffEvent>) {
        let (tx, rx) = mpsc::channel();
        let token = StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"));
        let board = StaffBoard { screen: Some(View::VisualCheck), ..StaffBoard::default() };
        (StaffApi::new(token, Arc::new(Mutex::new(board)), tx), rx)
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
            assert_eq!(api.handle("POST", "/staff/v1/visual-check/confirm", auth).status, 401);
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn with_the_token_staff_actions_become_flow_inputs() {
        let (api, rx) = api();
        let auth = format!("Bearer {TOKEN}");
        let state = api.handle("GET", "/staff/v1/state", Some(&auth));
        assert_eq!(state.status, 200);
        assert_eq!(
            state.json_body(),
            json!({"screen": {"view": "visual_check"}, "alert": null, "visual_check": false})
        );
        assert_eq!(api.handle("POST", "/staff/v1/visual-check/confirm", Some(&auth)).status, 409, "no check yet");
        assert!(rx.try_recv().is_err());
        api.board.lock().unwrap().visual_check = Some(VisualCheck { id: "c1".into(), confirmed_by: None });
        for (path, event) in [
            ("/staff/v1/visual-check/start", StaffEvent::StartVisualCheck),
            ("/staff/v1/visual-check/confirm", StaffEvent::Confirm),
            ("/staff/v1/visual-check/reject", StaffEvent::Reject),
        ] {
            assert_eq!(api.handle("POST", path, Some(&auth)).status, 202);
            assert_eq!(rx.try_recv().ok(), Some(event));
        }
        let confirmed_by = api.board.lock().unwrap().visual_check.as_ref().and_then(|c| c.confirmed_by.clone());
        assert_eq!(confirmed_by.as_deref(), Some(VISUAL_CHECK_OPERATOR));
        drop(rx);
        assert_eq!(api.handle("POST", "/staff/v1/visual-check/start", Some(&auth)).status, 503);
    }

    #[test]
    fn the_images_are_served_only_with_the_token_and_only_during_a_visual_check() {
        let (api, _rx) = api();
        let auth = format!("Bearer {TOKEN}");
        let photo = "/staff/v1/visual-check/card-photo.png";
        assert_eq!(api.handle("GET", photo, Some(&auth)).status, 404);
        if let Ok(mut b) = api.board.lock() {
            b.card_photo = Some(Zeroizing::new(vec![0x89, b'P', b'N', b'G']));
        }
        assert_eq!(api.handle("GET", photo, None).status, 401);
        let reply = api.handle("GET", photo, Some(&auth));
        assert_eq!((reply.status, reply.content_type), (200, "image/png"));
        assert_eq!(reply.body.as_slice(), &[0x89, b'P', b'N', b'G']);
    }

    #[test]
    fn the_console_page_is_served_without_a_token_and_carries_no_data() {
        let (api, _rx) = api();
        let reply = api.handle("GET", "/staff/", None);
        assert_eq!((reply.status, reply.content_type), (200, "text/html; charset=utf-8"));
        let page = String::from_utf8_lossy(&reply.body).into_owned();
        assert!(page.contains("/staff/v1/state") && page.contains("Authorization"));
    }
}
