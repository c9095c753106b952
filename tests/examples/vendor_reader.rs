//! Adding a card reader whose SDK is not PC/SC (docs/vendor-guide.md §1).
//!
//! The vendor's SDK is stood in for by the virtual My Number Card in
//! memory: `connect` returns anything that sends APDU bytes and returns the
//! answer (`Transmit`); `watch` reports readers and cards. The kiosk takes
//! the reader as `Parts { reader: Arc::new(SdkReader { .. }), .. }`.
//! Run: `cargo run -p uketsuke-tests --example vendor_reader`.
#![allow(clippy::print_stdout)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use uketsuke_driver::card::{Card, PinStatus};
use uketsuke_driver::hal::reader::{CardReader, DynCard, ReaderEvent, ReaderWatch, WatchEnded};
use uketsuke_driver::reading::summarize;
use uketsuke_driver::{Transmit, TransportError};
use uketsuke_hw_sim::card::{CardSpec, VirtualCard, build_card};
use uketsuke_hw_sim::persona::{self, CardImages};

const NAME: &str = "Vendor SDK Reader 0";

/// The reader: one slot, which the vendor's SDK fills when a card is placed.
struct SdkReader {
    slot: Arc<Mutex<Option<VirtualCard>>>,
}

/// Reports the reader, then the card in it, then waits.
struct SdkWatch {
    pending: Vec<ReaderEvent>,
}

impl ReaderWatch for SdkWatch {
    fn next_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, WatchEnded> {
        match self.pending.pop() {
            Some(event) => Ok(Some(event)),
            None => {
                std::thread::sleep(timeout);
                Ok(None)
            }
        }
    }
}

/// A session's connection: each APDU goes through the SDK to the card.
struct SdkCard(Arc<Mutex<Option<VirtualCard>>>);

impl Transmit for SdkCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut slot = self.0.lock().map_err(|_| TransportError::Other("SDK state lost".into()))?;
        // A card taken away mid-session is `CardRemoved`, never a panic.
        slot.as_mut().map(|card| card.process(apdu)).ok_or(TransportError::CardRemoved)
    }
}

impl CardReader for SdkReader {
    fn readers(&self) -> Result<Vec<String>, TransportError> {
        Ok(vec![NAME.into()])
    }

    fn watch(&self) -> Box<dyn ReaderWatch> {
        let mut pending = vec![ReaderEvent::ReaderAdded { reader: NAME.into() }];
        if self.slot.lock().is_ok_and(|s| s.is_some()) {
            pending.insert(0, ReaderEvent::CardInserted { reader: NAME.into(), atr: "3BE000FF8131FE4514".into() });
        }
        Box::new(SdkWatch { pending })
    }

    fn connect(&self, reader: &str) -> Result<Box<DynCard>, TransportError> {
        if reader != NAME {
            return Err(TransportError::ReaderUnavailable);
        }
        Ok(Box::new(SdkCard(Arc::clone(&self.slot))))
    }
}

fn main() -> Result<()> {
    let persona = persona::by_id("adult-registered")?;
    let images = CardImages::load(&persona::data_dir(), &persona).context("run scripts/setup first")?;
    let card = build_card(&CardSpec { persona: &persona, images: &images })?;
    let reader = SdkReader { slot: Arc::new(Mutex::new(Some(card))) };

    // What the kiosk does: watch, connect to the reader the card is on, read.
    let mut watch = reader.watch();
    while let Some(event) = watch.next_event(Duration::from_millis(10)).map_err(anyhow::Error::from)? {
        println!("event: {event:?}");
    }
    let mut card = Card::new(reader.connect(NAME)?);
    let summary = summarize(&mut card)?;
    println!("kind {:?}, PIN {:?}, {} APDUs", summary.kind, summary.auth_pin, card.apdu_count());
    ensure!(summary.kind.offers_pin() && summary.auth_pin == PinStatus::Tries(3), "unexpected card state");
    *reader.slot.lock().map_err(|_| anyhow::anyhow!("slot lost"))? = None;
    ensure!(summarize(&mut card).is_err(), "a card taken away must be an error");
    println!("card taken away: the next read fails cleanly");
    Ok(())
}
