//! The staff API (DESIGN.md §5, docs/host-protocol.md §7): reception staff
//! sign in with their name and the staff token, then start, confirm or
//! reject a visual check (目視) from the reception PC, over HTTPS.
//!
//! - Sign-in gives a short-lived session ([`sessions`]); failed sign-ins
//!   are throttled per client address (429).
//! - Start names the patient session it is for, confirm and reject the
//!   visual check they answer: a stale or replayed request is refused (409).
//! - Every request is audited with its action, outcome, operator and
//!   client address (never a token, never personal data).

pub mod sessions;
pub mod token;

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::info;
use uketsuke_net::http::{self, Server};
use zeroize::Zeroizing;

use crate::flow::types::StaffEvent;
use sessions::{SESSION_IDLE, SignIn, StaffSessions};
pub use token::{StaffToken, TokenError};
use uketsuke_screen::View;

/// What the staff see of the kiosk, kept up to date by the runtime. The
/// images exist only while a visual check is under way and are wiped after.
#[derive(Default)]
pub struct StaffBoard {
    /// The kiosk's current screen.
    pub screen: Option<View>,
    /// A message staff must act on (the reception terminal is down: the fallback).
    pub alert: Option<String>,
    /// The patient session at the kiosk (its random id), while a card is placed.
    pub patient: Option<String>,
    /// The chip photo as PNG, during a visual check.
    pub card_photo: Option<Zeroizing<Vec<u8>>>,
    /// The name as the card face shows it (the card-face record's DF25
    /// image) as PNG, during a visual check: it shows every 旧字 of the
    /// name as printed on the card, where text in the console's fonts
    /// could not.
    pub card_name: Option<Zeroizing<Vec<u8>>>,
    /// The latest camera image as JPEG, during a visual check.
    pub live_image: Option<Zeroizing<Vec<u8>>>,
    /// The visual check under way, if any.
    pub visual_check: Option<VisualCheck>,
}

impl fmt::Debug for StaffBoard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffBoard").field("screen", &self.screen).finish_non_exhaustive()
    }
}

/// One visual check: its id, made when the kiosk asks staff to check, and
/// who confirmed it. The evidence names both (docs/host-protocol.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisualCheck {
    /// Random id of this check.
    pub id: String,
    /// The signed-in staff member who confirmed the patient is the card holder.
    pub confirmed_by: Option<String>,
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

/// One request to the staff API.
#[derive(Clone, Copy)]
pub struct StaffRequest<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The body (JSON for sign-in and the visual-check actions).
    pub body: &'a [u8],
    /// Where it came from.
    pub client: IpAddr,
}

impl fmt::Debug for StaffRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffRequest")
            .field("method", &self.method)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// The staff console: one self-contained page; it holds no data until
/// staff sign in, and then fetches everything with their session.
pub const CONSOLE_HTML: &str = include_str!("console.html");

/// What the staff API serves and where its events go.
pub struct StaffApi {
    token: StaffToken,
    sessions: Mutex<StaffSessions>,
    /// What staff see, kept up to date by the runtime.
    pub board: Arc<Mutex<StaffBoard>>,
    events: mpsc::Sender<StaffEvent>,
}

/// A staff request, named in the audit log as `sign_in`, `visual_check_confirm`, ….
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum Action {
    SignIn,
    SignOut,
    State,
    ViewCardPhoto,
    ViewCardName,
    ViewLiveImage,
    VisualCheckStart,
    VisualCheckConfirm,
    VisualCheckReject,
}

/// `POST /staff/v1/sign-in`; wiped when dropped.
#[derive(Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
struct SignInBody {
    name: String,
    token: String,
}

#[derive(Serialize)]
struct SignedIn<'a> {
    session: &'a str,
    operator: &'a str,
    expires_in: u64,
}

/// `POST …/start`: the patient session staff saw.
#[derive(Deserialize)]
struct StartBody {
    session: String,
}

/// `POST …/confirm` and `…/reject`: the check staff answer.
#[derive(Deserialize)]
struct AnswerBody {
    check_id: String,
}

/// `GET /staff/v1/state`.
#[derive(Serialize)]
struct StateReply<'a> {
    screen: &'a View,
    alert: Option<&'a str>,
    patient: Option<&'a str>,
    visual_check: Option<CheckReply<'a>>,
    operator: &'a str,
}

#[derive(Serialize)]
struct CheckReply<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct ErrorReply {
    error: &'static str,
}

#[derive(Serialize)]
struct Accepted {
    accepted: &'static str,
}

fn audit(action: Action, outcome: &str, operator: Option<&str>, client: IpAddr) {
    let action: &'static str = action.into();
    let operator = operator.unwrap_or("-");
    info!(target: "audit", action, outcome, operator, %client, "staff action");
}

/// The route of a path, without its query; and the query's `check` value.
fn route(path: &str) -> (&str, Option<&str>) {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    (route, query.split('&').find_map(|kv| kv.strip_prefix("check=")))
}

impl StaffApi {
    /// An API checking `token`, showing `board` and sending staff actions to `events`.
    pub fn new(token: StaffToken, board: Arc<Mutex<StaffBoard>>, events: mpsc::Sender<StaffEvent>) -> Self {
        Self { token, sessions: Mutex::default(), board, events }
    }

    /// Answers one request at `now`.
    pub fn handle(&self, req: &StaffRequest<'_>, now: Instant) -> Reply {
        let (path, check) = route(req.path);
        let action = match (req.method, path) {
            ("GET", "/" | "/staff" | "/staff/") => {
                let body = Zeroizing::new(CONSOLE_HTML.as_bytes().to_vec());
                return Reply { status: 200, content_type: "text/html; charset=utf-8", body };
            }
            ("POST", "/staff/v1/sign-in") => return self.sign_in(req, now),
            ("POST", "/staff/v1/sign-out") => Action::SignOut,
            ("GET", "/staff/v1/state") => Action::State,
            ("GET", "/staff/v1/visual-check/card-photo.png") => Action::ViewCardPhoto,
            ("GET", "/staff/v1/visual-check/card-name.png") => Action::ViewCardName,
            ("GET", "/staff/v1/visual-check/live.jpg") => Action::ViewLiveImage,
            ("POST", "/staff/v1/visual-check/start") => Action::VisualCheckStart,
            ("POST", "/staff/v1/visual-check/confirm") => Action::VisualCheckConfirm,
            ("POST", "/staff/v1/visual-check/reject") => Action::VisualCheckReject,
            _ => return Reply::error(404, "not found"),
        };
        let session = req.authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
        let operator = self.sessions.lock().ok().and_then(|mut s| s.operator(session, now));
        let Some(operator) = operator else {
            audit(action, "unauthorized", None, req.client);
            return Reply::error(401, "sign in first");
        };
        let reply = self.act(action, &operator, session, req.body, check);
        let outcome = match reply.status {
            200 => "ok",
            202 => "accepted",
            404 => "no_visual_check",
            409 => "stale",
            503 => "kiosk_not_running",
            _ => "refused",
        };
        audit(action, outcome, Some(&operator), req.client);
        reply
    }

    fn sign_in(&self, req: &StaffRequest<'_>, now: Instant) -> Reply {
        let Ok(body) = serde_json::from_slice::<SignInBody>(req.body) else {
            audit(Action::SignIn, "malformed", None, req.client);
            return Reply::error(400, "send {\"name\": …, \"token\": …}");
        };
        let result = match self.sessions.lock() {
            Ok(mut s) => s.sign_in(&self.token, &body.name, &body.token, req.client, now),
            Err(_) => return Reply::error(503, "the kiosk is not running"),
        };
        let operator = sessions::operator_name(&body.name);
        match result {
            SignIn::Accepted(session) => {
                let operator = operator.unwrap_or_default();
                audit(Action::SignIn, "ok", Some(&operator), req.client);
                let expires_in = SESSION_IDLE.as_secs();
                Reply::json(200, &SignedIn { session: &session, operator: &operator, expires_in })
            }
            SignIn::Refused => {
                audit(Action::SignIn, "wrong_token", operator.as_deref(), req.client);
                Reply::error(401, "wrong staff token")
            }
            SignIn::BadName => {
                audit(Action::SignIn, "no_name", None, req.client);
                Reply::error(400, "your name is required (up to 40 characters)")
            }
            SignIn::Throttled(_) => {
                audit(Action::SignIn, "throttled", operator.as_deref(), req.client);
                Reply::error(429, "too many failed sign-ins: wait a minute")
            }
        }
    }

    /// Carries out an authorised action.
    fn act(&self, action: Action, operator: &str, session: &str, body: &[u8], check: Option<&str>) -> Reply {
        let Ok(mut board) = self.board.lock() else { return Reply::error(503, "the kiosk is not running") };
        let event = match action {
            Action::SignIn => return Reply::error(404, "not found"),
            Action::SignOut => {
                drop(board);
                if let Ok(mut s) = self.sessions.lock() {
                    s.sign_out(session);
                }
                return Reply::json(200, &Accepted { accepted: "sign_out" });
            }
            Action::State => {
                let visual_check = board.visual_check.as_ref().map(|c| CheckReply { id: &c.id });
                let screen = board.screen.as_ref().unwrap_or(&View::Idle);
                let (alert, patient) = (board.alert.as_deref(), board.patient.as_deref());
                return Reply::json(200, &StateReply { screen, alert, patient, visual_check, operator });
            }
            Action::ViewCardPhoto | Action::ViewCardName | Action::ViewLiveImage => {
                return image(&board, action, check);
            }
            Action::VisualCheckStart => {
                let Ok(StartBody { session }) = serde_json::from_slice(body) else {
                    return Reply::error(400, "send {\"session\": …} from the state");
                };
                if board.patient.as_deref() != Some(session.as_str()) {
                    return Reply::error(409, "that patient is no longer at the kiosk");
                }
                StaffEvent::StartVisualCheck
            }
            Action::VisualCheckConfirm | Action::VisualCheckReject => {
                let Ok(AnswerBody { check_id }) = serde_json::from_slice(body) else {
                    return Reply::error(400, "send {\"check_id\": …} from the state");
                };
                let Some(current) = board.visual_check.as_mut().filter(|c| c.id == check_id) else {
                    return Reply::error(409, "that visual check is over");
                };
                if action == Action::VisualCheckConfirm {
                    current.confirmed_by = Some(operator.to_owned());
                    StaffEvent::Confirm
                } else {
                    StaffEvent::Reject
                }
            }
        };
        drop(board);
        if self.events.send(event).is_err() {
            return Reply::error(503, "the kiosk is not running");
        }
        Reply::json(202, &Accepted { accepted: action.into() })
    }

    /// Serves the API on `server` (TLS, or plain HTTP as a development
    /// setting) until `stop` is raised.
    pub fn serve_on(&self, server: Server, stop: &AtomicBool) {
        server.serve(stop, &|request: &http::Request| {
            let req = StaffRequest {
                method: &request.method,
                path: &request.path,
                authorization: request.header("Authorization"),
                body: &request.body,
                client: request.peer.ip(),
            };
            let reply = self.handle(&req, Instant::now());
            let mut response = http::Response::new(reply.status, reply.content_type, reply.body.to_vec());
            for (k, v) in SECURITY_HEADERS {
                response = response.with_header(k, v);
            }
            if reply.status == 429 {
                response = response.with_header("Retry-After", "60");
            }
            response
        });
    }
}

/// The image `action` asks for, if the visual check `check` is the one under way.
fn image(board: &StaffBoard, action: Action, check: Option<&str>) -> Reply {
    if board.visual_check.as_ref().map(|c| c.id.as_str()) != check || check.is_none() {
        return Reply::error(404, "no such visual check is under way");
    }
    let image = match action {
        Action::ViewCardPhoto => board.card_photo.as_ref().map(|p| ("image/png", p.clone())),
        Action::ViewCardName => board.card_name.as_ref().map(|p| ("image/png", p.clone())),
        _ => board.live_image.as_ref().map(|p| ("image/jpeg", p.clone())),
    };
    match image {
        Some((content_type, body)) => Reply { status: 200, content_type, body },
        None => Reply::error(404, "no such visual check is under way"),
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
mod tests;
