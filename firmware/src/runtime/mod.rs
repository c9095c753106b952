//! The kiosk runtime (DESIGN.md §3): tokio wiring around the sans-IO flow.
//!
//! | module | job |
//! |---|---|
//! | [`reader_watch`] | the card reader's events (HAL `CardReader`) → flow inputs |
//! | [`runner`] | the event loop: inputs into the flow, its screens out |
//! | [`actions`] | carries out the flow's actions (card, face, terminal, staff) |
//! | [`staff_server`] | the staff API over HTTPS → flow inputs |
//! | [`card`], [`link`], [`face`], [`capture`] | the card, terminal and face work the actions run |
//! | [`window`], [`touchscreen`] | the Slint touchscreen and its live preview |
//! | [`status_panel`] | the status panel (HAL `StatusPanel`), fed on its own thread |
//! | [`watchdog`] | systemd's `READY=1` and `WATCHDOG=1`, only while the loops run |
//! | [`failure`] | a panic ends the process so its supervisor restarts it |
//!
//! Every device is reached through the driver's HAL traits, passed in as
//! [`Parts`]: a vendor's reader, camera or card-surface scanner needs no
//! change here. Every session runs in a `session` span with a random id,
//! and each stage (card read, PIN, face check, authentication, consent) in
//! a `stage` span. Everything read from the card lives in
//! [`session::Session`], dropped and zeroized when the flow ends the session.

pub mod actions;
pub mod capture;
pub mod card;
pub mod card_face;
pub mod clock;
pub mod face;
pub mod failure;
pub mod link;
pub mod reader_watch;
pub mod runner;
pub mod session;
pub mod staff_server;
pub mod status_panel;
pub mod touchscreen;
pub mod watchdog;
pub mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use uketsuke_driver::ap::issuer::IssuerKey;
use uketsuke_driver::hal::camera::Camera;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_driver::hal::surface::DynCardSurface;
use uketsuke_screen::Screen;

use crate::config::Config;
use crate::face::models::ModelPaths;
use crate::flow::types::Input;
use crate::host::identity::KioskIdentity;
use crate::host::staff::{StaffBoard, StaffToken};
use crate::host::staff_tls::StaffTls;

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
    /// A background card step ended: the card face read and the record
    /// opened or not (no personal data).
    Card(String),
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
    /// A link cannot be secured as configured.
    #[error("{key}: {reason}")]
    Tls {
        /// The config key at fault.
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// A thread the kiosk needs could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Everything the kiosk needs, chosen by whoever starts it: the product
/// binary from the configured hardware, the simulated kiosk from its
/// virtual devices, a vendor's own binary from theirs.
pub struct Parts {
    /// The configuration.
    pub config: Config,
    /// The card reader.
    pub reader: Arc<dyn CardReader>,
    /// The camera.
    pub camera: Arc<dyn Camera>,
    /// The card-surface scanner (照合番号B and the 「顔認証」 mark).
    pub surface: Box<DynCardSurface>,
    /// How the kiosk spends 照合番号B tries.
    pub code_b_policy: card_face::CodeBPolicy,
    /// The card-face issuer's key: a record whose DF28 it does not verify
    /// is refused before its photo is decoded.
    pub card_face_issuer: IssuerKey,
    /// The reception terminal's base URL (`https://`; `http://` only as a
    /// development setting, `host.allow_plain_http`).
    pub host_url: String,
    /// The terminal's CA certificate (PEM), the only one trusted for it.
    pub host_trust: Option<String>,
    /// The kiosk's own key (provisioned; see `host::identity`).
    pub identity: Arc<KioskIdentity>,
    /// The staff console's certificate (provisioned; see
    /// `host::staff_tls`); none serves plain HTTP, a development setting
    /// allowed only with `staff.plain_http`.
    pub staff_tls: Option<StaffTls>,
    /// The staff token.
    pub staff_token: StaffToken,
    /// The face models.
    pub models: ModelPaths,
    /// The touchscreen's live preview, if there is a screen.
    pub preview: Option<face::PreviewSink>,
    /// The status panel for the staff, if the kiosk has one
    /// (`uketsuke_panel::Panel` over any embedded-graphics display).
    pub status_panel: Option<Box<dyn uketsuke_panel::StatusPanel>>,
}

/// A running kiosk: send it inputs (the touchscreen), watch its events.
pub struct Kiosk {
    /// Touchscreen and other inputs into the flow.
    pub inputs: UnboundedSender<Input>,
    /// Screens and notable calls.
    pub events: UnboundedReceiver<KioskEvent>,
    /// Where the staff API listens.
    pub staff_addr: std::net::SocketAddr,
    /// The staff console's address (`https://…/staff/`).
    pub staff_url: String,
    /// The staff console's certificate (PEM), for clients that pin it.
    pub staff_certificate_pem: Option<String>,
    /// The session event loop's proof of life, for the watchdog.
    pub heartbeat: Arc<watchdog::Heartbeat>,
    stop: Arc<AtomicBool>,
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the kiosk on the current tokio runtime.
pub fn start(parts: Parts) -> Result<Kiosk, RuntimeError> {
    let (inputs, rx) = unbounded_channel();
    let (events_tx, events) = unbounded_channel();
    let board = Arc::new(Mutex::new(StaffBoard::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let cfg = &parts.config;
    if parts.staff_tls.is_none() && !cfg.staff.plain_http {
        return Err(RuntimeError::Tls { key: "staff", reason: "no TLS certificate (run uketsuke provision)".into() });
    }
    let host_tls = link::client_tls(&parts.host_url, parts.host_trust.as_deref(), &parts.identity, &cfg.host)?;
    let staff_addr = staff_server::start(
        cfg.staff.listen,
        parts.staff_tls.as_ref(),
        parts.staff_token,
        Arc::clone(&board),
        inputs.clone(),
        Arc::clone(&stop),
    )?;
    let current_reader = Arc::new(Mutex::new(None));
    reader_watch::spawn(
        Arc::clone(&parts.reader),
        cfg.reader.name.clone(),
        Arc::clone(&current_reader),
        inputs.clone(),
        Arc::clone(&stop),
    );
    let devices = runner::Devices {
        reader: parts.reader,
        current_reader,
        camera: parts.camera,
        surface: Arc::new(Mutex::new(parts.surface)),
        code_b_policy: parts.code_b_policy,
        card_face_issuer: Arc::new(parts.card_face_issuer),
        host_url: parts.host_url,
        host_tls,
        identity: parts.identity,
        models: parts.models,
        preview: parts.preview,
        status_panel: parts
            .status_panel
            .map(status_panel::PanelFeed::start)
            .transpose()
            .map_err(RuntimeError::Thread)?,
    };
    let heartbeat = Arc::new(watchdog::Heartbeat::default());
    let mut runner = runner::Runner::new(parts.config, devices, inputs.clone(), events_tx, board);
    runner.heartbeat = Some(Arc::clone(&heartbeat));
    let stopped = Arc::clone(&stop);
    tokio::spawn(async move {
        runner.run(rx, Arc::clone(&stopped)).await;
        if !stopped.load(Ordering::Relaxed) {
            // Nothing serves the patient any more: let the supervisor restart the kiosk.
            tracing::error!("the kiosk's event loop ended unexpectedly; exiting so that its supervisor restarts it");
            std::process::exit(failure::EXIT_PANIC);
        }
    });
    let scheme = if parts.staff_tls.is_some() { "https" } else { "http" };
    Ok(Kiosk {
        inputs,
        events,
        staff_addr,
        staff_url: format!("{scheme}://{staff_addr}/staff/"),
        staff_certificate_pem: parts.staff_tls.map(|t| t.certificate_pem),
        heartbeat,
        stop,
    })
}
