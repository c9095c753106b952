//! The card reader's watch, on its own thread: the HAL's reader events
//! become flow inputs. The kiosk follows the configured reader, or every
//! reader when none is named; the reader a card was placed on is the one
//! the session connects to.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tracing::warn;
use uketsuke_driver::hal::reader::{CardReader, ReaderEvent};

use crate::flow::types::Input;

/// With no reader at all this long after start-up, the kiosk says so
/// rather than wait silently.
const NO_READER_GRACE: Duration = Duration::from_secs(2);
/// How often the watch looks at the stop flag.
const POLL: Duration = Duration::from_millis(250);

/// Starts watching `reader`'s devices. `current` gets the name of the
/// reader the last card was placed on.
pub fn spawn(
    reader: Arc<dyn CardReader>,
    wanted: Option<String>,
    current: Arc<Mutex<Option<String>>>,
    inputs: UnboundedSender<Input>,
    stop: Arc<AtomicBool>,
) {
    let spawned = std::thread::Builder::new()
        .name("reader-watch".into())
        .spawn(move || watch(reader.as_ref(), wanted.as_deref(), &current, &inputs, &stop));
    if let Err(e) = spawned {
        warn!(error = %e, "cannot start the card reader watch");
    }
}

fn watch(
    reader: &dyn CardReader,
    wanted: Option<&str>,
    current: &Mutex<Option<String>>,
    inputs: &UnboundedSender<Input>,
    stop: &AtomicBool,
) {
    let mut events = reader.watch();
    let mut readers = Readers { wanted, present: Vec::new() };
    let grace = Instant::now() + NO_READER_GRACE;
    let mut graced = false;
    while !stop.load(Ordering::Relaxed) {
        let event = match events.next_event(POLL) {
            Ok(e) => e,
            Err(e) => {
                warn!(error = %e, "card reader watch ended");
                let _ = inputs.send(Input::ReaderLost);
                return;
            }
        };
        if !graced && Instant::now() >= grace {
            graced = true;
            if readers.present.is_empty() {
                warn!("no card reader found");
                if inputs.send(Input::ReaderLost).is_err() {
                    return;
                }
            }
        }
        let Some(input) = event.and_then(|e| readers.input(e, current)) else { continue };
        if inputs.send(input).is_err() {
            return;
        }
    }
}

/// The readers the kiosk follows.
struct Readers<'a> {
    wanted: Option<&'a str>,
    present: Vec<String>,
}

impl Readers<'_> {
    fn ours(&self, reader: &str) -> bool {
        self.wanted.is_none_or(|w| w == reader)
    }

    /// The flow input for `event`, if the flow cares.
    fn input(&mut self, event: ReaderEvent, current: &Mutex<Option<String>>) -> Option<Input> {
        match event {
            ReaderEvent::ReaderAdded { reader } if self.ours(&reader) => {
                self.present.push(reader);
                Some(Input::ReaderReady)
            }
            ReaderEvent::ReaderRemoved { reader } => {
                let before = self.present.len();
                self.present.retain(|r| *r != reader);
                (before > 0 && self.present.is_empty()).then_some(Input::ReaderLost)
            }
            ReaderEvent::ServiceLost => {
                self.present.clear();
                Some(Input::ReaderLost)
            }
            ReaderEvent::CardInserted { reader, .. } if self.ours(&reader) => {
                if let Ok(mut c) = current.lock() {
                    *c = Some(reader);
                }
                Some(Input::CardInserted)
            }
            ReaderEvent::CardRemoved { reader } if self.ours(&reader) => Some(Input::CardRemoved),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(r: &str) -> ReaderEvent {
        ReaderEvent::ReaderAdded { reader: r.into() }
    }

    #[test]
    fn a_card_on_another_reader_than_the_configured_one_is_ignored() {
        let current = Mutex::new(None);
        let mut r = Readers { wanted: Some("A"), present: Vec::new() };
        assert!(r.input(added("B"), &current).is_none());
        assert!(matches!(r.input(added("A"), &current), Some(Input::ReaderReady)));
        let on_b = ReaderEvent::CardInserted { reader: "B".into(), atr: String::new() };
        assert!(r.input(on_b, &current).is_none());
        let on_a = ReaderEvent::CardInserted { reader: "A".into(), atr: String::new() };
        assert!(matches!(r.input(on_a, &current), Some(Input::CardInserted)));
        assert_eq!(current.lock().ok().and_then(|c| c.clone()).as_deref(), Some("A"));
    }

    #[test]
    fn the_reader_is_lost_only_when_the_last_one_goes() {
        let current = Mutex::new(None);
        let mut r = Readers { wanted: None, present: Vec::new() };
        r.input(added("A"), &current);
        r.input(added("B"), &current);
        assert!(r.input(ReaderEvent::ReaderRemoved { reader: "A".into() }, &current).is_none());
        let last = r.input(ReaderEvent::ReaderRemoved { reader: "B".into() }, &current);
        assert!(matches!(last, Some(Input::ReaderLost)));
    }
}
