//! A card slot for a whole simulated kiosk: place a persona's virtual card
//! on vpcd's reader, take it away, place another. Each persona's card is
//! built once and kept, so its PIN counters carry over between placements
//! exactly as a real card's would.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use crate::card::{ATR, CardSpec, VirtualCard, build_card_with};
use crate::faults::Faults;
use crate::persona::{self, CardImages, Persona, PersonaError};
use crate::vpcd::{self, BridgeError, Ended, Insertion};

/// How long a placement waits for vpcd to power the card.
const POWER_TIMEOUT: Duration = Duration::from_secs(10);
/// The id [`CardSlot::place_foreign`] places under.
pub const FOREIGN_CARD: &str = "foreign-card";
/// pcscd polls vpcd's slot: a card put back sooner than this after being
/// taken away is not seen as a new card.
const REPLACE_GAP: Duration = Duration::from_millis(1500);

/// Why a card could not be placed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SlotError {
    /// The persona is unknown or its images are missing.
    #[error(transparent)]
    Persona(#[from] PersonaError),
    /// The card could not be built.
    #[error("building the virtual card: {0}")]
    Build(String),
    /// vpcd is not reachable.
    #[error(transparent)]
    Bridge(#[from] BridgeError),
    /// vpcd accepted the card but the reader never powered it.
    #[error("the reader did not power the card within {0:?} (is pcscd running with vpcd?)")]
    NotPowered(Duration),
}

struct Placed {
    persona: String,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<VirtualCard>,
}

/// One vpcd reader slot, driven by the simulator.
pub struct CardSlot {
    vpcd: SocketAddr,
    cards: HashMap<String, VirtualCard>,
    placed: Option<Placed>,
    removed_at: Option<Instant>,
}

impl CardSlot {
    /// A slot on the vpcd reader at `vpcd` (its first slot is port 35963).
    pub fn new(vpcd: SocketAddr) -> Self {
        Self { vpcd, cards: HashMap::new(), placed: None, removed_at: None }
    }

    /// The persona whose card is on the reader, if any.
    pub fn placed(&self) -> Option<&str> {
        self.placed.as_ref().map(|p| p.persona.as_str())
    }

    /// Places `persona`'s card (taking away any card already there) and
    /// waits until the reader has powered it.
    pub fn place(&mut self, persona: &Persona, faults: Faults) -> Result<(), SlotError> {
        // A forged record is a card of its own: never cached under the persona.
        let id = match faults.record {
            None => persona.id.clone(),
            Some(fault) => format!("{} {fault:?}", persona.id),
        };
        let fault = faults.record;
        self.place_card(&id, faults, || {
            let images = CardImages::load(&persona::data_dir(), persona)?;
            build_card_with(&CardSpec { persona, images: &images }, fault).map_err(|e| SlotError::Build(e.to_string()))
        })
    }

    /// Places a contactless card that is not a My Number Card (no
    /// applications at all), as [`FOREIGN_CARD`].
    pub fn place_foreign(&mut self) -> Result<(), SlotError> {
        self.place_card(FOREIGN_CARD, Faults::default(), || Ok(VirtualCard::new(Vec::new())))
    }

    fn place_card(
        &mut self,
        id: &str,
        faults: Faults,
        build: impl FnOnce() -> Result<VirtualCard, SlotError>,
    ) -> Result<(), SlotError> {
        self.remove();
        if let Some(gap) = self.removed_at.map(|t| REPLACE_GAP.saturating_sub(t.elapsed())) {
            std::thread::sleep(gap);
        }
        let mut card = match self.cards.remove(id) {
            Some(card) => card,
            None => build()?,
        };
        let stream = match vpcd::connect(self.vpcd, POWER_TIMEOUT) {
            Ok(s) => s,
            Err(e) => {
                self.cards.insert(id.to_owned(), card);
                return Err(e.into());
            }
        };
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let (powered_tx, powered_rx) = mpsc::channel();
        let persona_id = id.to_owned();
        let thread = std::thread::spawn(move || {
            let mut on_powered = || {
                let _ = powered_tx.send(());
            };
            let mut insertion = Insertion {
                card: &mut card,
                atr: &ATR,
                faults: &faults,
                deadline: None,
                stop: &flag,
                on_powered: &mut on_powered,
            };
            match insertion.run(stream) {
                Ok((Ended::RemovedBeforeApdu(n), _)) => {
                    info!(persona = %persona_id, apdu = n, "fault: card taken away")
                }
                Ok((ended, apdus)) => info!(persona = %persona_id, ?ended, apdus, "card taken away"),
                Err(e) => warn!(persona = %persona_id, error = %e, "card connection failed"),
            }
            card
        });
        self.placed = Some(Placed { persona: id.to_owned(), stop, thread });
        info!(persona = %id, "card placed");
        match powered_rx.recv_timeout(POWER_TIMEOUT) {
            Ok(()) => Ok(()),
            Err(_) => {
                self.remove();
                Err(SlotError::NotPowered(POWER_TIMEOUT))
            }
        }
    }

    /// Takes the card away (nothing happens if none is placed).
    pub fn remove(&mut self) {
        if let Some(p) = self.placed.take() {
            p.stop.store(true, Ordering::Relaxed);
            self.removed_at = Some(Instant::now());
            match p.thread.join() {
                Ok(card) => {
                    self.cards.insert(p.persona, card);
                }
                Err(_) => warn!("the card thread failed; the card is rebuilt on its next placement"),
            }
        }
    }
}

impl Drop for CardSlot {
    fn drop(&mut self) {
        self.remove();
    }
}
