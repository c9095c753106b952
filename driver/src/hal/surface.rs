//! The card-surface scanner: the reader's camera or scanner that reads
//! 照合番号B (birth date, expiry year, security code) off the card face, so
//! the card-face application can be opened without any PIN (DESIGN.md §2).
//! A vendor implements OCR behind this; the simulator knows the placed
//! persona's code.

use super::{DeviceError, Vendor};
use crate::secret::CheckCodeB;

/// Reads 照合番号B from the card lying on the reader.
pub trait CardSurface: Send {
    /// The vendor's error.
    type Error: super::Error;

    /// Scans the card face and returns its 照合番号B. The code is a secret:
    /// implementations must not log it or keep it.
    fn check_code_b(&mut self) -> Result<CheckCodeB, Self::Error>;
}

/// A card-surface scanner the kiosk can hold.
pub type DynCardSurface = dyn CardSurface<Error = DeviceError>;

impl<S: CardSurface> CardSurface for Vendor<S> {
    type Error = DeviceError;

    fn check_code_b(&mut self) -> Result<CheckCodeB, DeviceError> {
        self.0.check_code_b().map_err(|e| DeviceError::of(&e))
    }
}
