//! Uketsuke's hardware-facing layer (DESIGN.md §3): APDUs with no IO, the
//! one-method [`Transmit`] trait, [`Card`] with status-word mapping and
//! response recovery, the My Number Card applications, face-auth-only
//! detection, secret types, the HAL traits vendors implement (`hal`), and
//! PC/SC as one card reader (transport, monitor, `pcsc_reader`).

pub mod ap;
pub mod apdu;
pub mod card;
pub mod cert;
pub mod error;
pub mod hal;
pub mod kind;
#[cfg(feature = "logging")]
pub mod logging;
#[cfg(test)]
mod mock;
pub mod monitor;
pub mod paths;
pub mod pcsc_reader;
pub mod pcsc_transport;
pub mod reading;
pub mod secret;
pub mod tlv;
pub mod transmit;

pub use ap::{face, jpki, text};
pub use card::{Card, PinStatus};
pub use error::{Error, Result};
pub use transmit::{Transmit, TransportError};
