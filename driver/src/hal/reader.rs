//! The card reader: which readers there are, cards placed and taken away,
//! and a connection to the placed card as a [`Transmit`]. PC/SC is one
//! implementation ([`crate::pcsc_reader::PcscReader`]); a vendor whose
//! reader speaks something else implements [`CardReader`] and passes it to
//! the kiosk, with no change to the firmware.

use std::time::Duration;

use crate::transmit::{Transmit, TransportError};

/// What a reader watch saw.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReaderEvent {
    /// A reader appeared.
    ReaderAdded {
        /// Reader name.
        reader: String,
    },
    /// A reader went away (unplugged, or its service stopped).
    ReaderRemoved {
        /// Reader name.
        reader: String,
    },
    /// A card was placed on a reader.
    CardInserted {
        /// Reader name.
        reader: String,
        /// The ATR, upper-case hex. Informational only: cards are detected by SELECT.
        atr: String,
    },
    /// The card left the reader.
    CardRemoved {
        /// Reader name.
        reader: String,
    },
    /// The reader service cannot be reached; the watch keeps trying.
    ServiceLost,
    /// The reader service is reachable (again).
    ServiceAvailable,
}

/// The watch has stopped for good (its device or thread is gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the card reader watch has stopped")]
pub struct WatchEnded;

/// A running watch over readers and cards.
///
/// It reports every reader already present (`ReaderAdded`, and
/// `CardInserted` for a card already placed) before any change.
pub trait ReaderWatch: Send {
    /// The next event, waiting at most `timeout`; `Ok(None)` when nothing
    /// happened in that time.
    fn next_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, WatchEnded>;
}

/// A [`ReaderWatch`] fed by a channel: for a reader whose own thread (or
/// SDK callback) sends the events. The watch ends when the sender is dropped.
pub struct ChannelWatch(pub std::sync::mpsc::Receiver<ReaderEvent>);

impl ReaderWatch for ChannelWatch {
    fn next_event(&mut self, timeout: Duration) -> Result<Option<ReaderEvent>, WatchEnded> {
        match self.0.recv_timeout(timeout) {
            Ok(e) => Ok(Some(e)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Ok(None),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(WatchEnded),
        }
    }
}

/// A connection to the placed card, held for one session.
pub type DynCard = dyn Transmit + Send;

/// The card-reader capability.
pub trait CardReader: Send + Sync {
    /// The readers there are now.
    fn readers(&self) -> Result<Vec<String>, TransportError>;

    /// Starts watching readers and cards.
    fn watch(&self) -> Box<dyn ReaderWatch>;

    /// Connects to the card on `reader`. The kiosk holds the connection for
    /// one session and drops it when the session ends.
    fn connect(&self, reader: &str) -> Result<Box<DynCard>, TransportError>;
}
