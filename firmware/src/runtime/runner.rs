//! The event loop: every input (touches, card and reader events, face
//! results, terminal answers, staff actions) goes into the sans-IO flow on
//! one channel; the flow's actions go to [`super::actions`], its screens to
//! the staff board and to whoever watches the kiosk.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tracing::info;
use uketsuke_driver::hal::camera::Camera;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_screen::{Screen, View};

use super::KioskEvent;
use super::card::SharedSurface;
use super::card_face::{CodeBPolicy, RefusedCodes};
use super::face::{FaceWorker, PreviewSink};
use super::session::{FaceResult, Session};
use super::status_panel::PanelFeed;
use crate::config::Config;
use crate::face::decision::Outcome;
use crate::face::models::ModelPaths;
use crate::flow::Flow;
use crate::flow::types::Input;
use crate::host::client::{HostClient, Http};
use crate::host::identity::KioskIdentity;
use crate::host::staff::StaffBoard;
use uketsuke_driver::ap::issuer::IssuerKey;

/// The devices and links the runner drives, all behind HAL traits.
pub struct Devices {
    /// The card reader.
    pub reader: Arc<dyn CardReader>,
    /// The reader the last card was placed on (kept by the reader watch).
    pub current_reader: Arc<Mutex<Option<String>>>,
    /// The camera.
    pub camera: Arc<dyn Camera>,
    /// The card-surface scanner.
    pub surface: Arc<SharedSurface>,
    /// How 照合番号B tries are spent.
    pub code_b_policy: CodeBPolicy,
    /// The card-face issuer's key.
    pub card_face_issuer: Arc<IssuerKey>,
    /// The reception terminal's base URL.
    pub host_url: String,
    /// The TLS client for the terminal (none: plain HTTP, development only).
    pub host_tls: Option<Arc<rustls::ClientConfig>>,
    /// The kiosk's own key, signing every request to the terminal.
    pub identity: Arc<KioskIdentity>,
    /// The face models.
    pub models: ModelPaths,
    /// The touchscreen's live preview.
    pub preview: Option<PreviewSink>,
    /// The status panel's thread.
    pub status_panel: Option<PanelFeed>,
}

/// The session held between actions, tagged with the session epoch it
/// belongs to so that a read finishing after the card left is thrown away.
#[derive(Default)]
pub(super) struct Held {
    pub(super) epoch: u64,
    pub(super) session: Option<Session>,
}

/// The kiosk's event loop and the state its actions share.
pub struct Runner {
    pub(super) flow: Flow,
    epoch_start: Instant,
    pub(super) inputs: UnboundedSender<Input>,
    pub(super) events: UnboundedSender<KioskEvent>,
    pub(super) board: Arc<Mutex<StaffBoard>>,
    pub(super) held: Arc<Mutex<Held>>,
    pub(super) session_epoch: Arc<AtomicU64>,
    pub(super) reader: Arc<dyn CardReader>,
    pub(super) current_reader: Arc<Mutex<Option<String>>>,
    pub(super) surface: Arc<SharedSurface>,
    pub(super) code_b_policy: CodeBPolicy,
    pub(super) refused_codes: Arc<Mutex<RefusedCodes>>,
    pub(super) card_face_issuer: Arc<IssuerKey>,
    pub(super) face: FaceWorker,
    pub(super) host: Arc<HostClient<Http>>,
    pub(super) threshold: f32,
    pub(super) visual_live: bool,
    pub(super) status_panel: Option<PanelFeed>,
    /// Beaten on every turn of the loop (at least every 250 ms).
    pub(super) heartbeat: Option<Arc<super::watchdog::Heartbeat>>,
    pub(super) span: tracing::Span,
}

impl Runner {
    /// A runner for `config` on `devices`, answering on `inputs`.
    pub fn new(
        config: Config,
        devices: Devices,
        inputs: UnboundedSender<Input>,
        events: UnboundedSender<KioskEvent>,
        board: Arc<Mutex<StaffBoard>>,
    ) -> Self {
        let face = FaceWorker::start(
            &devices.models,
            config.face.clone(),
            devices.camera,
            inputs.clone(),
            Arc::clone(&board),
            devices.preview,
        );
        let host = HostClient::new(
            Http::new(&devices.host_url, config.host.timeout, devices.host_tls.clone()),
            config.host.retries,
            Arc::clone(&devices.identity),
        );
        Self {
            flow: Flow::new(config.flow.clone()),
            epoch_start: Instant::now(),
            inputs,
            events,
            board,
            held: Arc::default(),
            session_epoch: Arc::default(),
            reader: devices.reader,
            current_reader: devices.current_reader,
            surface: devices.surface,
            code_b_policy: devices.code_b_policy,
            refused_codes: Arc::default(),
            card_face_issuer: devices.card_face_issuer,
            face,
            host: Arc::new(host),
            threshold: config.face.policy.threshold,
            visual_live: false,
            status_panel: devices.status_panel,
            heartbeat: None,
            span: tracing::Span::none(),
        }
    }

    /// Runs until the inputs close or `stop` is set.
    pub async fn run(mut self, mut rx: UnboundedReceiver<Input>, stop: Arc<AtomicBool>) {
        loop {
            if let Some(beat) = &self.heartbeat {
                beat.beat();
            }
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
        if let Input::FaceDone(Outcome::Match { score, frames, colour_frames, challenge }) = input
            && let Ok(mut held) = self.held.lock()
            && let Some(s) = held.session.as_mut()
        {
            s.face = Some(FaceResult { score, frames, colour_frames, challenge });
        }
        let _guard = self.span.clone().entered();
        self.flow.handle_input(self.epoch_start.elapsed(), input);
    }

    /// Carries out every pending action and shows every pending screen.
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
            info!(view = screen.view.name(), warning = screen.timeout_warning, "screen");
        }
        if self.visual_live && screen.view != View::VisualCheck {
            self.end_visual_check();
        }
        if let Ok(mut b) = self.board.lock() {
            b.screen = Some(screen.view.clone());
        }
        if let Some(panel) = &self.status_panel {
            panel.show(&screen);
        }
        let _ = self.events.send(KioskEvent::Screen(screen));
    }
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
