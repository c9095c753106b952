//! The virtual card as an in-process [`Transmit`], with the simulator's
//! faults: for exhaustive sweeps (every removal index, every corrupted
//! response) that would take minutes through pcscd.

use anyhow::Result;
use uketsuke_driver::{Transmit, TransportError};
use uketsuke_hw_sim::card::{CardSpec, VirtualCard, build_card};
use uketsuke_hw_sim::faults::{Faults, Outcome};
use uketsuke_hw_sim::persona::{self, CardImages, Persona};

/// A persona's virtual card "in a reader", with faults.
pub struct DirectCard {
    card: VirtualCard,
    faults: Faults,
    sent: usize,
    removed: bool,
    /// The persona.
    pub persona: Persona,
}

impl DirectCard {
    /// The persona's card with these faults (images from `scripts/setup`).
    pub fn new(persona_id: &str, faults: Faults) -> Result<Self> {
        let persona = persona::by_id(persona_id)?;
        let images = CardImages::load(&persona::data_dir(), &persona)?;
        let card = build_card(&CardSpec { persona: &persona, images: &images })?;
        Ok(Self { card, faults, sent: 0, removed: false, persona })
    }

    /// Puts the card back: powered anew, no faults.
    pub fn reinsert(&mut self) {
        self.card.reset();
        self.faults = Faults::default();
        self.sent = 0;
        self.removed = false;
    }

    /// APDUs the card was sent since insertion.
    pub fn sent(&self) -> usize {
        self.sent
    }

    /// Tries left on a credential.
    pub fn tries_left(&self, aid: &[u8], fid: [u8; 2]) -> Option<u8> {
        self.card.tries_left(aid, fid)
    }
}

impl Transmit for DirectCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.removed {
            return Err(TransportError::NoCard);
        }
        self.sent += 1;
        match self.faults.exchange(self.sent, &mut self.card, command) {
            Outcome::Respond(r, _) => Ok(r),
            Outcome::Remove => {
                self.removed = true;
                Err(TransportError::CardRemoved)
            }
            Outcome::Mute => Err(TransportError::Unresponsive),
        }
    }
}
