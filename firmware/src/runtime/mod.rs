//! The kiosk runtime (DESIGN.md §3): tokio wiring around the sans-IO flow.
//! The card monitor, the face worker, the staff API and the blocking card
//! and terminal calls all turn into flow inputs on one channel; the flow's
//! actions are carried out here; its screens go to the staff board and to
//! whoever watches the kiosk (the UI, or the headless transcript).
//!
//! Every session runs in a `session` span with a random id, and each stage
//! (card read, PIN, face check, authentication, consent) in a `stage` span.
//! Everything read from the card lives in [`session::Session`], dropped and
//! zeroized when the flow ends the session.

pub mod capture;
pub mod card;
pub mod clock;
pub mod devices;
pub mod face;
pub mod link;
pub mod script;
pub mod session;
pub mod sim;
pub mod touchscreen;
pub mod window;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rand_core::{OsRng, RngCore};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tracing::{info, info_span, warn};
use uketsuke_driver::monitor::{Monitor, MonitorEvent};

use crate::config::Config;
use crate::face::models::ModelPaths;
use crate::flow::Flow;
use crate::flow::screen::{Screen, View};
use crate::flow::types::{Action, HostAnswer, Input, Method};
use crate::host::client::{HostClient, Http};
use crate::host::staff::{StaffApi, StaffBoard, StaffToken};
use devices::{Camera, Surface};
use face::FaceWorker;
use session::{FaceResult, Session};

/// What the staff console shows when the reception terminal is down.
pub const HOST_DOWN_ALERT: &str =
    "資格確認端末に接続できません。患者さんには健康保険証または資格確認書などで資格を確認してください。";

/// Something a watcher of the kiosk (UI, transcript) should know.
#[derive(Clone, Debug, PartialEq)]
pub enum KioskEvent {
    /// The screen changed.
    Screen(Screen),
    /// A call to the reception terminal and how it ended (no personal data).
    Host(String),
    /// Staff were alerted (terminal down) or asked for a visual check.
    Staff(String),
}

/// Failures that stop the kiosk from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The staff API cannot listen.
    #[error("staff.listen: cannot listen on {addr}: {reason}")]
    StaffListen {
        /// Address.
        addr: std::net::SocketAddr,
        /// Why.
        reason: String,
    },
}

/// Everything the kiosk needs, chosen by the binary (real devices or the simulator).
pub struct Parts {
    /// The configuration.
    pub config: Config,
    /// The camera.
    pub camera: Arc<dyn Camera>,
    /// The card-surface scanner (照合番号B).
    pub surface: Arc<dyn Surface>,
    /// The reception terminal's base URL.
    pub host_url: String,
    /// The staff token.
    pub staff_token: StaffToken,
    /// The face models.
    pub models: ModelPaths,
    /// The touchscreen's live preview, if there is a screen.
    pub preview: Option<face::PreviewSink>,
}

/// A running kiosk: send it inputs (the touchscreen), watch its events.
pub struct Kiosk {
    /// Touchscreen and other inputs into the flow.
    pub inputs: UnboundedSender<Input>,
    /// Screens and notable calls.
    pub events: UnboundedReceiver<KioskEvent>,
    /// Where the staff API listens.
    pub staff_addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The session held between actions, tagged with the session epoch it
/// belongs to so that a read finishing after the card left is thrown away.
#[derive(Default)]
struct Held {
    epoch: u64,
    session: Option<Session>,
}

struct Runner {
    flow: Flow,
    epoch_start: Instant,
    inputs: UnboundedSender<Input>,
    events: UnboundedSender<KioskEvent>,
    board: Arc<Mutex<StaffBoard>>,
    held: Arc<Mutex<Held>>,
    session_epoch: Arc<AtomicU64>,
    reader: Arc<Mutex<Option<String>>>,
    face: FaceWorker,
    host: Arc<HostClient<Http>>,
    surface: Arc<dyn Surface>,
    threshold: f32,
    visual_live: bool,
    span: tracing::Span,
}

/// Starts the kiosk on the current tokio runtime.
pub fn start(parts: Parts) -> Result<Kiosk, RuntimeError> {
    let cfg = parts.config;
    let (inputs, rx) = unbounded_channel();
    let (events_tx, events) = unbounded_channel();
    let board = Arc::new(Mutex::new(StaffBoard::default()));
    let stop = Arc::new(AtomicBool::new(false));

    let addr = cfg.staff.listen;
    let server =
        tiny_http::Server::http(addr).map_err(|e| RuntimeError::StaffListen { addr, reason: e.to_string() })?;
    let staff_addr = server.server_addr().to_ip().unwrap_or(addr);
    let (staff_tx, staff_rx) = std::sync::mpsc::channel();
    let api = StaffApi::new(parts.staff_token, Arc::clone(&board), staff_tx);
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || api.serve_on(&server, &flag));
    let forward = inputs.clone();
    std::thread::spawn(move || {
        while let Ok(e) = staff_rx.recv() {
            if forward.send(Input::Staff(e)).is_err() {
                return;
            }
        }
    });
    info!(%staff_addr, "staff console at http://{staff_addr}/staff/");

    let reader = Arc::new(Mutex::new(None));
    tokio::spawn(watch_card_reader(cfg.reader.name.clone(), Arc::clone(&reader), inputs.clone(), Arc::clone(&stop)));

    let face = FaceWorker::start(
        &parts.models,
        cfg.face.clone(),
        parts.camera,
        inputs.clone(),
        Arc::clone(&board),
        parts.preview,
    );
    let host = Arc::new(HostClient::new(Http::new(&parts.host_url, cfg.host.timeout), cfg.host.retries));
    let runner = Runner {
        flow: Flow::new(cfg.flow.clone()),
        epoch_start: Instant::now(),
        inputs: inputs.clone(),
        events: events_tx,
        board,
        held: Arc::default(),
        session_epoch: Arc::default(),
        reader,
        face,
        host,
        surface: parts.surface,
        threshold: cfg.face.policy.threshold,
        visual_live: false,
        span: tracing::Span::none(),
    };
    tokio::spawn(runner.run(rx, Arc::clone(&stop)));
    Ok(Kiosk { inputs, events, staff_addr, stop })
}

/// Turns the PC/SC monitor's events into flow inputs.
async fn watch_card_reader(
    wanted: Option<String>,
    current: Arc<Mutex<Option<String>>>,
    inputs: UnboundedSender<Input>,
    stop: Arc<AtomicBool>,
) {
    let mut monitor = Monitor::start();
    let mut readers: Vec<String> = Vec::new();
    let ours = |r: &str| wanted.as_deref().is_none_or(|w| w == r);
    // With no reader at all after start-up, say so rather than wait silently.
    let grace = tokio::time::sleep(std::time::Duration::from_secs(2));
    tokio::pin!(grace);
    let mut graced = false;
    loop {
        let event = tokio::select! {
            e = monitor.next() => e,
            () = &mut grace, if !graced => {
                graced = true;
                if readers.is_empty() {
                    warn!("no card reader found");
                    let _ = inputs.send(Input::ReaderLost);
                }
                continue;
            }
        };
        let Some(event) = event else { return };
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let input = match event {
            MonitorEvent::ReaderAdded { reader } if ours(&reader) => {
                readers.push(reader);
                Some(Input::ReaderReady)
            }
            MonitorEvent::ReaderRemoved { reader } => {
                readers.retain(|r| *r != reader);
                readers.is_empty().then_some(Input::ReaderLost)
            }
            MonitorEvent::ServiceLost => {
                readers.clear();
                Some(Input::ReaderLost)
            }
            MonitorEvent::CardInserted { reader, .. } if ours(&reader) => {
                if let Ok(mut c) = current.lock() {
                    *c = Some(reader);
                }
                Some(Input::CardInserted)
            }
            MonitorEvent::CardRemoved { reader } if ours(&reader) => Some(Input::CardRemoved),
            _ => None,
        };
        if let Some(input) = input
            && inputs.send(input).is_err()
        {
            return;
        }
    }
}

impl Runner {
    async fn run(mut self, mut rx: UnboundedReceiver<Input>, stop: Arc<AtomicBool>) {
        loop {
            self.drain();
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let deadline = self.flow.poll_timeout().map(|t| tokio::time::Instant::from_std(self.epoch_start + t));
            let tick = tokio::time::sleep(std::time::Duration::from_millis(250));
            tokio::select! {
                input = rx.recv() => match input {
                    Some(input) => self.input(input),
                    None => break,
                },
                () = sleep_until_opt(deadline) => {
                    let now = self.epoch_start.elapsed();
                    self.flow.handle_timeout(now);
                }
                () = tick => {}
            }
        }
        self.end_session();
    }

    fn input(&mut self, input: Input) {
        if let Input::FaceDone(crate::face::decision::Outcome::Match { score, frames }) = &input
            && let Ok(mut held) = self.held.lock()
            && let Some(s) = held.session.as_mut()
        {
            s.face = Some(FaceResult { score: *score, frames: *frames });
        }
        let _guard = self.span.clone().entered();
        self.flow.handle_input(self.epoch_start.elapsed(), input);
    }

    fn drain(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(action) = self.flow.poll_action() {
                progressed = true;
                let span = self.span.clone();
                let _guard = span.enter();
                self.perform(action);
            }
            if let Some(screen) = self.flow.poll_screen() {
                progressed = true;
                self.show(screen);
            }
            if !progressed {
                return;
            }
        }
    }

    fn show(&mut self, screen: Screen) {
        {
            let _guard = self.span.enter();
            info!(view = view_name(&screen.view), warning = screen.timeout_warning, "screen");
        }
        if self.visual_live && screen.view != View::VisualCheck {
            self.end_visual_check();
        }
        if let Ok(mut b) = self.board.lock() {
            b.screen = Some(screen.view.clone());
        }
        let _ = self.events.send(KioskEvent::Screen(screen));
    }

    fn perform(&mut self, action: Action) {
        match action {
            Action::ReadCard => self.read_card(),
            Action::StartFaceCapture => {
                if let Some(photo) = self.with_session(|s| s.record.photo.clone()) {
                    self.face.start_check(photo);
                }
            }
            Action::StopFaceCapture => self.face.stop_check(),
            Action::VerifyPin(pin) => {
                let held = Arc::clone(&self.held);
                self.blocking(move || {
                    let mut held = held.lock().map_err(|_| ())?;
                    let session = held.session.as_mut().ok_or(())?;
                    Ok(Input::PinResult(card::verify_pin(session, &pin)))
                });
            }
            Action::RequestVisualCheck => {
                if let Some(photo) = self.with_session(|s| s.record.photo.clone()) {
                    self.face.start_visual_check(photo);
                    self.visual_live = true;
                }
                let _ = self.events.send(KioskEvent::Staff("visual check requested".into()));
            }
            Action::Authenticate(method) => self.authenticate(method),
            Action::SendConsent(answers) => {
                let (held, host, events) = (Arc::clone(&self.held), Arc::clone(&self.host), self.events.clone());
                self.blocking(move || {
                    let held = held.lock().map_err(|_| ())?;
                    let stored = link::consent(&host, held.session.as_ref().ok_or(())?, &answers).map_err(drop);
                    let list: Vec<String> =
                        answers.iter().map(|(q, yes)| format!("{}={}", question_name(*q), yes)).collect();
                    let _ =
                        events.send(KioskEvent::Host(format!("consent {} → {}", list.join(","), stored_text(stored))));
                    Ok(Input::HostStored(stored))
                });
            }
            Action::SendRegistration => {
                let (held, host, events) = (Arc::clone(&self.held), Arc::clone(&self.host), self.events.clone());
                self.blocking(move || {
                    let held = held.lock().map_err(|_| ())?;
                    let stored = link::register(&host, held.session.as_ref().ok_or(())?).map_err(drop);
                    let _ = events.send(KioskEvent::Host(format!("registration → {}", stored_text(stored))));
                    Ok(Input::HostStored(stored))
                });
            }
            Action::AlertStaffHostDown => {
                warn!("reception terminal unavailable: staff alerted to use the fallback");
                if let Ok(mut b) = self.board.lock() {
                    b.alert = Some(HOST_DOWN_ALERT.to_owned());
                }
                let _ = self.events.send(KioskEvent::Staff("alerted: reception terminal down".into()));
            }
            Action::EndSession => self.end_session(),
        }
    }

    fn with_session<R>(&self, f: impl FnOnce(&Session) -> R) -> Option<R> {
        self.held.lock().ok().and_then(|h| h.session.as_ref().map(f))
    }

    /// Runs a blocking card or terminal call; its input goes back to the flow.
    fn blocking(&self, f: impl FnOnce() -> Result<Input, ()> + Send + 'static) {
        let inputs = self.inputs.clone();
        let span = self.span.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = span.enter();
            match f() {
                Ok(input) => {
                    let _ = inputs.send(input);
                }
                Err(()) => info!("the session ended before the call could run"),
            }
        });
    }

    fn read_card(&mut self) {
        let mut id = [0u8; 4];
        OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        self.span = info_span!("session", id = %id);
        let _guard = self.span.clone().entered();
        info!("card placed: session starts");
        let (held, epochs, surface) =
            (Arc::clone(&self.held), Arc::clone(&self.session_epoch), Arc::clone(&self.surface));
        let epoch = epochs.load(Ordering::SeqCst);
        let reader = self.reader.lock().ok().and_then(|r| r.clone());
        let today = clock::today();
        self.blocking(move || {
            let read = card::read(reader.as_deref(), surface.as_ref(), today, id);
            let mut held = held.lock().map_err(|_| ())?;
            if epochs.load(Ordering::SeqCst) != epoch {
                return Err(());
            }
            Ok(Input::CardRead(read.map(|(facts, session)| {
                *held = Held { epoch, session: Some(session) };
                facts
            })))
        });
    }

    fn authenticate(&mut self, method: Method) {
        if method == Method::Visual && self.visual_live {
            self.end_visual_check();
        }
        let (held, host, events, board) =
            (Arc::clone(&self.held), Arc::clone(&self.host), self.events.clone(), Arc::clone(&self.board));
        let threshold = self.threshold;
        self.blocking(move || {
            let mut held = held.lock().map_err(|_| ())?;
            let session = held.session.as_mut().ok_or(())?;
            let answer = link::authenticate(&host, session, method, threshold);
            let text = match &answer {
                HostAnswer::Eligible { registered } => format!("eligible registered={registered}"),
                HostAnswer::Refused { code, .. } => format!("refused code={code}"),
                HostAnswer::Unavailable => "unavailable".to_owned(),
            };
            if matches!(answer, HostAnswer::Eligible { .. })
                && let Ok(mut b) = board.lock()
            {
                b.alert = None;
            }
            let _ = events.send(KioskEvent::Host(format!("authenticate {} → {text}", method_name(method))));
            Ok(Input::Host(answer))
        });
    }

    /// Takes the images off the staff console at once; the face worker
    /// stops the live view and wipes them again once it has.
    fn end_visual_check(&mut self) {
        self.visual_live = false;
        self.face.end_visual_check();
        if let Ok(mut b) = self.board.lock() {
            b.card_photo = None;
            b.live_image = None;
        }
    }

    /// Forgets the session: the card connection, the record and photo
    /// (zeroized on drop), the face check and the console's images.
    fn end_session(&mut self) {
        let epoch = self.session_epoch.fetch_add(1, Ordering::SeqCst) + 1;
        self.face.stop_check();
        if self.visual_live {
            self.end_visual_check();
        }
        let held = Arc::clone(&self.held);
        tokio::task::spawn_blocking(move || {
            if let Ok(mut h) = held.lock()
                && h.epoch < epoch
            {
                *h = Held { epoch, session: None };
            }
        });
        {
            let _guard = self.span.enter();
            info!("session ended; its data is wiped");
        }
        self.span = tracing::Span::none();
    }
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn stored_text(stored: Result<(), ()>) -> &'static str {
    if stored.is_ok() { "stored" } else { "not stored" }
}

/// The wire name of a method.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Face => "face",
        Method::Pin => "pin",
        Method::Visual => "visual",
    }
}

/// The wire name of a consent question.
pub fn question_name(q: crate::flow::types::ConsentQuestion) -> String {
    serde_json::to_value(q).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The view's name, as serialised (`method_select`).
pub fn view_name(v: &View) -> String {
    serde_json::to_value(v).ok().and_then(|j| j["view"].as_str().map(str::to_owned)).unwrap_or_default()
}
