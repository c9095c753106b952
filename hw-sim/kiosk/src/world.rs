//! The simulated world around a kiosk: the virtual card placed on vpcd's
//! reader in a real pcscd (the kiosk reads it through the driver's PC/SC
//! reader, as it would a real card), the virtual camera and card surface,
//! and (unless a terminal URL is configured) the virtual reception terminal
//! on a loopback port.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use uketsuke_firmware::runtime::card_face::CodeBPolicy;
use uketsuke_hw_sim::camera::{CameraFault, Scene};
use uketsuke_hw_sim::card::{CardSpec, VirtualCard, build_card_with};
use uketsuke_hw_sim::faults::Faults;
use uketsuke_hw_sim::persona::CardImages;
use uketsuke_hw_sim::slot::{CardSlot, FOREIGN_CARD, SlotError};
use uketsuke_hw_sim::terminal::faults::{FaultTarget, HostFault};
use uketsuke_hw_sim::terminal::policy::TerminalPolicy;
use uketsuke_hw_sim::terminal::tls::TerminalTls;
use uketsuke_hw_sim::terminal::{Terminal, TerminalError};
use uketsuke_hw_sim::{persona, pki};
use uketsuke_surface::{CameraSurface, ReaderConfig};

use uketsuke_driver::ap::issuer::IssuerKey;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_driver::pcsc_reader::PcscReader;
use uketsuke_firmware::config::Config;
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::host::identity::{IdentityError, KioskIdentity};
use uketsuke_firmware::host::staff::StaffToken;
use uketsuke_firmware::host::staff_tls::StaffTls;
use uketsuke_firmware::runtime::Parts;
use uketsuke_firmware::runtime::face::PreviewSink;

use crate::devices::SimDevices;
use crate::memory_reader::MemoryCards;
use crate::status_panel::PatientEyes;

/// The simulator could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The card could not be placed.
    #[error(transparent)]
    Slot(#[from] SlotError),
    /// The persona is unknown.
    #[error(transparent)]
    Persona(#[from] persona::PersonaError),
    /// The virtual terminal failed.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// No virtual terminal runs here (a real one is configured).
    #[error("the reception terminal is not the simulator's")]
    NotOurTerminal,
    /// A simulator thread failed while holding its state.
    #[error("the simulator's state was lost")]
    StateLost,
    /// The kiosk's identity could not be read or made.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The configured terminal CA could not be read.
    #[error("host.ca_file cannot be read")]
    HostCa,
    /// The card-face issuer's key could not be read.
    #[error("card.face_issuer_key is not a readable RSA public key")]
    IssuerKey,
    /// A loopback port could not be found.
    #[error("no free loopback port: {0}")]
    Port(std::io::Error),
}

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The virtual reception terminal, stoppable and restartable on one port,
/// serving TLS with its own CA.
pub struct SimTerminal {
    terminal: Arc<Terminal>,
    tls: Arc<TerminalTls>,
    addr: SocketAddr,
    running: Option<Running>,
}

impl SimTerminal {
    /// Starts a terminal on a free loopback port.
    pub fn start() -> Result<Self, SimError> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).map_err(SimError::Port)?;
        let terminal = Terminal::new(TerminalPolicy::default())?;
        let tls = TerminalTls::generate().map_err(|e| SimError::Terminal(TerminalError::Setup(e.to_string())))?;
        let mut t = Self { terminal: Arc::new(terminal), tls: Arc::new(tls), addr: port, running: None };
        t.up();
        Ok(t)
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The terminal's CA certificate (PEM), which the kiosk pins.
    pub fn ca_pem(&self) -> String {
        self.tls.ca_pem()
    }

    /// Starts serving (again).
    pub fn up(&mut self) {
        if self.running.is_some() {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, terminal, tls, addr) =
            (Arc::clone(&stop), Arc::clone(&self.terminal), Arc::clone(&self.tls), self.addr);
        let thread = std::thread::spawn(move || {
            if let Err(e) = terminal.serve(addr, Some(&tls), &flag) {
                tracing::warn!(error = %e, "virtual terminal stopped");
            }
        });
        for _ in 0..100 {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.running = Some(Running { stop, thread });
    }

    /// Stops serving: the terminal is down.
    pub fn down(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop.store(true, Ordering::Relaxed);
            let _ = r.thread.join();
        }
    }

    /// Lets the kiosk with this public key (SPKI DER or PEM) in.
    pub fn allow_kiosk(&self, public_key: &[u8]) -> Result<String, SimError> {
        self.terminal.kiosks.allow(public_key).map_err(|e| SimError::Terminal(TerminalError::Setup(e.to_string())))
    }

    /// What the terminal recorded (consents, registrations).
    pub fn records(&self) -> serde_json::Value {
        let now = std::time::Instant::now();
        self.terminal.handle("GET", "/v1/records", b"", now, 0).1
    }
}

impl Drop for SimTerminal {
    fn drop(&mut self) {
        self.down();
    }
}

/// The test PKI's card-face issuer, which signs the virtual cards' records.
pub fn test_issuer() -> Option<IssuerKey> {
    use rsa::pkcs1::EncodeRsaPublicKey;
    let key = pki::derived_key(pki::CARD_FACE_ISSUER_LABEL).ok()?.to_public_key();
    IssuerKey::parse(key.to_pkcs1_der().ok()?.as_bytes()).ok()
}

/// Where the virtual card is placed.
#[derive(Clone, Copy, Debug)]
pub enum CardsAt {
    /// On vpcd's reader at this address, in a real pcscd (as the kiosk reads a real card).
    Vpcd(SocketAddr),
    /// In a reader held in memory ([`crate::memory_reader`]): no pcscd, a
    /// placement seen at once. For long runs (the soak).
    Memory,
}

/// The card slot of either kind.
enum Cards {
    Vpcd(Mutex<CardSlot>),
    Memory(MemoryCards),
}

/// The whole simulated world around the kiosk.
pub struct SimWorld {
    cards: Cards,
    /// The virtual camera and card surface.
    pub devices: SimDevices,
    /// The virtual terminal, unless a real one is configured.
    pub terminal: Option<Mutex<SimTerminal>>,
    /// The virtual status panel the kiosk draws on.
    pub status_panel: crate::status_panel::SimStatusPanel,
}

impl SimWorld {
    /// A world whose card goes where `cards` says, with its own terminal if `own_terminal`.
    pub fn new(cards: CardsAt, own_terminal: bool) -> Result<Self, SimError> {
        let terminal = if own_terminal { Some(Mutex::new(SimTerminal::start()?)) } else { None };
        let cards = match cards {
            CardsAt::Vpcd(vpcd) => Cards::Vpcd(Mutex::new(CardSlot::new(vpcd))),
            CardsAt::Memory => Cards::Memory(MemoryCards::new()),
        };
        Ok(Self {
            cards,
            devices: SimDevices::default(),
            terminal,
            status_panel: crate::status_panel::SimStatusPanel::default(),
        })
    }

    /// Places `persona_id`'s card on the reader, with `faults`.
    /// `foreign-card` is a contactless card that is not a My Number Card.
    pub fn place(&self, persona_id: &str, faults: Faults) -> Result<(), SimError> {
        if persona_id == FOREIGN_CARD {
            return match &self.cards {
                Cards::Vpcd(slot) => Ok(slot.lock().map_err(|_| SimError::StateLost)?.place_foreign()?),
                Cards::Memory(m) => m.place(FOREIGN_CARD, faults, || Ok(VirtualCard::new(Vec::new()))),
            };
        }
        let persona = persona::by_id(persona_id)?;
        if let Ok(mut stage) = self.devices.stage.lock() {
            stage.persona = Some(persona.clone());
            stage.look = faults.card_face.clone();
            stage.scans = 0;
        }
        match &self.cards {
            Cards::Vpcd(slot) => Ok(slot.lock().map_err(|_| SimError::StateLost)?.place(&persona, faults)?),
            Cards::Memory(m) => {
                // A forged record is a card of its own, as on vpcd.
                let record = faults.record;
                let id = record.map_or_else(|| persona.id.clone(), |f| format!("{} {f:?}", persona.id));
                m.place(&id, faults, || {
                    let images = CardImages::load(&persona::data_dir(), &persona).map_err(SlotError::from)?;
                    build_card_with(&CardSpec { persona: &persona, images: &images }, record)
                        .map_err(|e| SimError::Slot(SlotError::Build(e.to_string())))
                })
            }
        }
    }

    /// Takes the card away.
    pub fn remove(&self) {
        match &self.cards {
            Cards::Vpcd(slot) => {
                if let Ok(mut slot) = slot.lock() {
                    slot.remove();
                }
            }
            Cards::Memory(m) => {
                let _ = m.remove();
            }
        }
        if let Ok(mut stage) = self.devices.stage.lock() {
            stage.persona = None;
        }
    }

    /// Who the camera sees, with the camera working again.
    pub fn set_scene(&self, scene: Scene) {
        if let Ok(mut stage) = self.devices.stage.lock() {
            stage.scene = Some(scene);
            stage.camera_fault = None;
        }
    }

    /// The face camera fails as `fault` says (until the next scene).
    pub fn break_camera(&self, fault: CameraFault) {
        if let Ok(mut stage) = self.devices.stage.lock() {
            stage.camera_fault = Some(fault);
        }
    }

    /// Arms a fault on the virtual terminal (`None` disarms them all).
    pub fn terminal_fault(&self, fault: Option<(HostFault, FaultTarget, u32)>) -> Result<(), SimError> {
        let t = self.terminal.as_ref().ok_or(SimError::NotOurTerminal)?;
        let t = t.lock().map_err(|_| SimError::StateLost)?;
        match fault {
            Some((fault, target, times)) => t.terminal.faults.arm(fault, target, times),
            None => t.terminal.faults.clear(),
        }
        Ok(())
    }

    /// The kiosk's parts on this world: the virtual camera and card surface,
    /// the kiosk's identity (provisioned in `identity.state_dir`, else a key
    /// made for this run) and the configured terminal (or else the virtual
    /// one, which lets this kiosk's key in).
    pub fn parts(
        &self,
        config: Config,
        staff_token: StaffToken,
        preview: Option<PreviewSink>,
    ) -> Result<Parts, SimError> {
        let card_face_issuer = match &config.card.face_issuer_key {
            Some(path) => std::fs::read(path).ok().and_then(|k| IssuerKey::parse(&k).ok()),
            None => test_issuer(),
        };
        let card_face_issuer = card_face_issuer.ok_or(SimError::IssuerKey)?;
        let identity = match &config.identity.state_dir {
            Some(dir) => KioskIdentity::load(dir)?,
            None => KioskIdentity::generate()?,
        };
        let (host_url, host_trust) = match &config.host.url {
            Some(url) => {
                let trust = match &config.host.ca_file {
                    Some(path) => Some(std::fs::read_to_string(path).map_err(|_| SimError::HostCa)?),
                    None => None,
                };
                (url.clone(), trust)
            }
            None => {
                let t = self.terminal.as_ref().ok_or(SimError::NotOurTerminal)?;
                let t = t.lock().map_err(|_| SimError::StateLost)?;
                t.allow_kiosk(identity.public_key_der())?;
                (t.base_url(), Some(t.ca_pem()))
            }
        };
        let names = StaffTls::names(config.staff.listen, &config.staff.tls_names);
        let staff_tls = match (&config.identity.state_dir, config.staff.plain_http) {
            (_, true) => None,
            (Some(dir), false) => Some(StaffTls::provision(dir, &names)?.0),
            (None, false) => Some(StaffTls::generate(&names)?),
        };
        let surface = Box::new(CameraSurface::loading(
            Box::new(self.devices.slot_camera()),
            ReaderConfig {
                tessdata: config.surface.tessdata.clone(),
                min_confidence: config.surface.min_confidence,
                ..ReaderConfig::default()
            },
        ));
        let code_b_policy = CodeBPolicy {
            min_confidence: config.surface.min_confidence,
            reserve: config.surface.reserve_tries,
            ..CodeBPolicy::default()
        };
        Ok(Parts {
            config,
            reader: match &self.cards {
                Cards::Vpcd(_) => Arc::new(PcscReader),
                Cards::Memory(m) => Arc::clone(&m.reader) as Arc<dyn CardReader>,
            },
            camera: Arc::new(self.devices.clone()),
            surface,
            code_b_policy,
            card_face_issuer,
            host_url,
            host_trust,
            identity: Arc::new(identity),
            staff_tls,
            staff_token,
            models: ModelPaths::default_location(),
            preview,
            status_panel: Some(Box::new(PatientEyes {
                panel: self.status_panel.clone(),
                stage: Arc::clone(&self.devices.stage),
            })),
        })
    }

    /// Brings the virtual terminal down or up.
    pub fn terminal_up(&self, up: bool) -> Result<(), SimError> {
        let t = self.terminal.as_ref().ok_or(SimError::NotOurTerminal)?;
        let mut t = t.lock().map_err(|_| SimError::StateLost)?;
        if up {
            t.up()
        } else {
            t.down()
        }
        Ok(())
    }
}
