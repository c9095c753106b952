//! The virtual card in memory: a `CardReader` (the driver's HAL trait) that
//! holds the virtual card itself, without pcscd and vpcd. A placement is
//! seen at once (pcscd polls vpcd's slot, so a card put back there needs
//! about 1.5 s to count as new), which is what lets the soak run thousands
//! of patients (`uketsuke-sim-kiosk --reader memory`) and the fault matrix
//! inject a fault at any APDU. Every APDU is counted from the placement and
//! goes through the placement's [`Faults`], as vpcd's bridge does; the
//! commands of the current placement are kept so a test can check what
//! reached the card.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::Duration;

use uketsuke_driver::hal::reader::{CardReader, ChannelWatch, DynCard, ReaderEvent, ReaderWatch};
use uketsuke_driver::{Transmit, TransportError};
use uketsuke_hw_sim::card::VirtualCard;
use uketsuke_hw_sim::faults::{Faults, Outcome};

use crate::world::SimError;

/// The reader's name.
pub const READER: &str = "Uketsuke Memory Reader 00";
/// The ATR the reader reports for every card.
const ATR: &str = "3B8080018080";

/// The slot's state, shared by the reader, its connections and whoever
/// places the cards.
#[derive(Default)]
pub struct Slot {
    /// The card in the slot.
    pub card: Option<VirtualCard>,
    /// The card last taken out (its counters can be read back).
    pub taken: Option<VirtualCard>,
    /// Whether the reader is plugged in.
    pub reader_present: bool,
    /// The placement's faults.
    faults: Faults,
    /// The reader is unplugged before this APDU (1-based, from placement).
    reader_lost_before: Option<usize>,
    /// APDUs sent since the card was placed.
    pub sent: usize,
    /// Every command sent since the card was placed.
    pub commands: Vec<Vec<u8>>,
    /// Which placement this is: a connection to an earlier card fails, as
    /// a PC/SC handle does once its card has gone.
    placement: u64,
    events: Option<mpsc::Sender<ReaderEvent>>,
}

impl Slot {
    /// Places `card` with `faults`, and the reader unplugged before APDU
    /// `reader_lost_before` if given; the kiosk is told. A card still in
    /// the slot is taken out first.
    pub fn place(&mut self, card: VirtualCard, faults: Faults, reader_lost_before: Option<usize>) {
        self.clear();
        let (placement, events, taken) = (self.placement + 1, self.events.take(), self.taken.take());
        *self = Self {
            card: Some(card),
            taken,
            reader_present: true,
            faults,
            reader_lost_before,
            placement,
            events,
            ..Self::default()
        };
        self.send(ReaderEvent::CardInserted { reader: READER.into(), atr: ATR.into() });
    }

    /// Takes the card away (if it is still there) and plugs the reader
    /// back in (if it was lost), telling the kiosk what changed.
    pub fn clear(&mut self) {
        if !self.reader_present {
            self.reader_present = true;
            self.send(ReaderEvent::ReaderAdded { reader: READER.into() });
        }
        if let Some(card) = self.card.take() {
            self.taken = Some(card);
            self.send(ReaderEvent::CardRemoved { reader: READER.into() });
        }
    }

    fn send(&self, event: ReaderEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    /// One APDU through the faults; the answer and how long the link takes.
    fn transmit(&mut self, command: &[u8]) -> Result<(Vec<u8>, Duration), TransportError> {
        if !self.reader_present {
            return Err(TransportError::ReaderUnavailable);
        }
        if self.card.is_none() {
            return Err(TransportError::CardRemoved);
        }
        self.sent += 1;
        let n = self.sent;
        if self.reader_lost_before == Some(n) {
            self.reader_present = false;
            self.taken = self.card.take();
            self.send(ReaderEvent::ReaderRemoved { reader: READER.into() });
            return Err(TransportError::ReaderUnavailable);
        }
        let Some(card) = self.card.as_mut() else { return Err(TransportError::CardRemoved) };
        match self.faults.exchange(n, card, command) {
            Outcome::Respond(answer, delay) => {
                self.commands.push(command.to_vec());
                Ok((answer, delay))
            }
            Outcome::Remove => {
                self.taken = self.card.take();
                self.send(ReaderEvent::CardRemoved { reader: READER.into() });
                Err(TransportError::CardRemoved)
            }
            // A real reader gives up after its timeout; a short one here.
            Outcome::Mute => Err(TransportError::Unresponsive),
        }
    }
}

/// The reader the kiosk is given.
pub struct MemoryReader {
    slot: Arc<Mutex<Slot>>,
    events: Mutex<Option<mpsc::Receiver<ReaderEvent>>>,
}

/// Locks the slot, surviving a poisoned lock (a panicking thread).
pub fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MemoryReader {
    /// A reader (plugged in, empty) and the slot that cards are placed in.
    pub fn new() -> (Self, Arc<Mutex<Slot>>) {
        let (tx, rx) = mpsc::channel();
        let slot = Arc::new(Mutex::new(Slot { reader_present: true, events: Some(tx), ..Slot::default() }));
        let reader = Self { slot: Arc::clone(&slot), events: Mutex::new(Some(rx)) };
        lock(&slot).send(ReaderEvent::ReaderAdded { reader: READER.into() });
        (reader, slot)
    }
}

/// A connection to the card of one placement.
struct Link(Arc<Mutex<Slot>>, u64);

impl Transmit for Link {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = {
            let mut slot = lock(&self.0);
            if slot.placement != self.1 {
                return Err(TransportError::CardRemoved);
            }
            slot.transmit(command)
        };
        match answer {
            Ok((answer, delay)) => {
                std::thread::sleep(delay);
                Ok(answer)
            }
            Err(TransportError::Unresponsive) => {
                std::thread::sleep(Duration::from_millis(20));
                Err(TransportError::Unresponsive)
            }
            Err(e) => Err(e),
        }
    }
}

impl CardReader for MemoryReader {
    fn readers(&self) -> Result<Vec<String>, TransportError> {
        Ok(if lock(&self.slot).reader_present { vec![READER.to_owned()] } else { Vec::new() })
    }

    fn watch(&self) -> Box<dyn ReaderWatch> {
        let rx = self.events.lock().ok().and_then(|mut e| e.take());
        // A second watch gets a closed channel: the kiosk watches once.
        Box::new(ChannelWatch(rx.unwrap_or_else(|| mpsc::channel().1)))
    }

    fn connect(&self, reader: &str) -> Result<Box<DynCard>, TransportError> {
        let slot = lock(&self.slot);
        if reader != READER || !slot.reader_present {
            return Err(TransportError::ReaderUnavailable);
        }
        if slot.card.is_none() {
            return Err(TransportError::NoCard);
        }
        Ok(Box::new(Link(Arc::clone(&self.slot), slot.placement)))
    }
}

/// The in-memory reader, with the cards not in it (each persona's card
/// keeps its counters from one placement to the next, as on vpcd).
pub(crate) struct MemoryCards {
    pub(crate) reader: Arc<MemoryReader>,
    slot: Arc<Mutex<Slot>>,
    /// The card id placed now, and every other card by id.
    placed: Mutex<(Option<String>, HashMap<String, VirtualCard>)>,
}

impl MemoryCards {
    pub(crate) fn new() -> Self {
        let (reader, slot) = MemoryReader::new();
        Self { reader: Arc::new(reader), slot, placed: Mutex::new((None, HashMap::new())) }
    }

    pub(crate) fn remove(&self) -> Result<(), SimError> {
        let mut placed = self.placed.lock().map_err(|_| SimError::StateLost)?;
        let mut slot = lock(&self.slot);
        slot.clear();
        if let (Some(id), Some(card)) = (placed.0.take(), slot.taken.take()) {
            placed.1.insert(id, card);
        }
        Ok(())
    }

    pub(crate) fn place(
        &self,
        id: &str,
        faults: Faults,
        build: impl FnOnce() -> Result<VirtualCard, SimError>,
    ) -> Result<(), SimError> {
        self.remove()?;
        let mut placed = self.placed.lock().map_err(|_| SimError::StateLost)?;
        let card = match placed.1.remove(id) {
            Some(card) => card,
            None => build()?,
        };
        lock(&self.slot).place(card, faults, None);
        placed.0 = Some(id.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_placement_is_seen_at_once_and_a_connection_ends_with_its_card() {
        let (reader, slot) = MemoryReader::new();
        let mut watch = reader.watch();
        assert!(matches!(watch.next_event(Duration::from_secs(1)), Ok(Some(ReaderEvent::ReaderAdded { .. }))));
        assert!(matches!(reader.connect(READER).err(), Some(TransportError::NoCard)));
        lock(&slot).place(VirtualCard::new(Vec::new()), Faults::default(), None);
        assert!(matches!(watch.next_event(Duration::from_secs(1)), Ok(Some(ReaderEvent::CardInserted { .. }))));
        let mut card = reader.connect(READER).unwrap();
        assert!(card.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x01, 0xAA]).is_ok());
        lock(&slot).place(VirtualCard::new(Vec::new()), Faults::default(), None);
        assert!(matches!(card.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]), Err(TransportError::CardRemoved)));
        assert!(lock(&slot).taken.is_some(), "the first card was taken out");
    }

    #[test]
    fn the_placements_faults_apply_from_its_first_apdu() {
        let (reader, slot) = MemoryReader::new();
        let faults = Faults { remove_before_apdu: Some(2), ..Faults::default() };
        lock(&slot).place(VirtualCard::new(Vec::new()), faults, None);
        let mut card = reader.connect(READER).unwrap();
        assert!(card.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x01, 0xAA]).is_ok());
        assert!(matches!(card.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]), Err(TransportError::CardRemoved)));
        lock(&slot).place(VirtualCard::new(Vec::new()), Faults::default(), Some(1));
        let mut card = reader.connect(READER).unwrap();
        assert!(matches!(card.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]), Err(TransportError::ReaderUnavailable)));
        assert!(reader.readers().unwrap().is_empty(), "the reader is gone until the card is taken away");
        lock(&slot).clear();
        assert_eq!(reader.readers().unwrap(), vec![READER.to_owned()]);
    }
}
