//! The faulty reader: an in-memory `CardReader` (the driver's HAL trait)
//! holding the virtual card, which counts every APDU from the card's
//! placement and injects one fault at one index: the card taken away, the
//! card falling silent, an answer corrupted in transit, the reader itself
//! gone. Every command is kept, so the matrix can check what reached the card.

use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::Duration;

use uketsuke_driver::hal::reader::{CardReader, ChannelWatch, DynCard, ReaderEvent, ReaderWatch};
use uketsuke_driver::{Transmit, TransportError};
use uketsuke_hw_sim::card::VirtualCard;
use uketsuke_hw_sim::faults::{Faults, Outcome};

/// The reader's name.
pub const READER: &str = "Fault Matrix Reader 00";

/// One fault, injected at one APDU index (1-based, from placement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The card leaves the field before APDU n.
    Removed,
    /// From APDU n on, the card never answers (PC/SC: unresponsive).
    Mute,
    /// APDU n's answer is corrupted in transit (data flipped, or the status
    /// word replaced by 6F00).
    Corrupted,
    /// The reader is unplugged before APDU n.
    ReaderLost,
}

impl Fault {
    /// Every fault, in the matrix's column order.
    pub const ALL: [Fault; 4] = [Fault::Removed, Fault::Mute, Fault::Corrupted, Fault::ReaderLost];

    /// The column heading.
    pub fn name(self) -> &'static str {
        match self {
            Self::Removed => "card removed",
            Self::Mute => "card mute",
            Self::Corrupted => "answer corrupted",
            Self::ReaderLost => "reader lost",
        }
    }
}

/// The slot's state, shared by the reader, its connections and the test.
#[derive(Default)]
pub struct Slot {
    /// The card in the slot.
    pub card: Option<VirtualCard>,
    /// The card last taken out (its counters are read back after a cell).
    pub taken: Option<VirtualCard>,
    /// Whether the reader is plugged in.
    pub reader_present: bool,
    /// The fault of this cell.
    pub fault: Option<(Fault, usize)>,
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
    /// Places `card` with `fault` armed; the kiosk is told.
    pub fn place(&mut self, card: VirtualCard, fault: Option<(Fault, usize)>) {
        let placement = self.placement + 1;
        let events = self.events.take();
        *self = Self { card: Some(card), reader_present: true, fault, placement, events, ..Self::default() };
        self.send(ReaderEvent::CardInserted { reader: READER.into(), atr: "3B8080018080".into() });
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

    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.reader_present {
            return Err(TransportError::ReaderUnavailable);
        }
        if self.card.is_none() {
            return Err(TransportError::CardRemoved);
        }
        self.sent += 1;
        let n = self.sent;
        if self.fault == Some((Fault::ReaderLost, n)) {
            self.reader_present = false;
            self.taken = self.card.take();
            self.send(ReaderEvent::ReaderRemoved { reader: READER.into() });
            return Err(TransportError::ReaderUnavailable);
        }
        let faults = match self.fault {
            Some((Fault::Removed, at)) => Faults { remove_before_apdu: Some(at), ..Faults::default() },
            Some((Fault::Mute, at)) => Faults { mute_from_apdu: Some(at), ..Faults::default() },
            Some((Fault::Corrupted, at)) => Faults { corrupt_apdu: Some(at), ..Faults::default() },
            _ => Faults::default(),
        };
        let Some(card) = self.card.as_mut() else { return Err(TransportError::CardRemoved) };
        match faults.exchange(n, card, command) {
            Outcome::Respond(answer, _) => {
                self.commands.push(command.to_vec());
                Ok(answer)
            }
            Outcome::Remove => {
                self.taken = self.card.take();
                self.send(ReaderEvent::CardRemoved { reader: READER.into() });
                Err(TransportError::CardRemoved)
            }
            Outcome::Mute => {
                // A real reader gives up after its timeout; a short one here.
                std::thread::sleep(Duration::from_millis(20));
                Err(TransportError::Unresponsive)
            }
        }
    }
}

/// The reader the kiosk is given.
pub struct FaultyReader {
    slot: Arc<Mutex<Slot>>,
    events: Mutex<Option<mpsc::Receiver<ReaderEvent>>>,
}

/// Locks the slot, surviving a poisoned lock (a panicking test thread).
pub fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FaultyReader {
    /// A reader (plugged in, empty) and the slot the test drives.
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
        let mut slot = lock(&self.0);
        if slot.placement != self.1 {
            return Err(TransportError::CardRemoved);
        }
        slot.transmit(command)
    }
}

impl CardReader for FaultyReader {
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
