//! The byte-level transport seam: one method, like openpgp-card's.

/// Failures below the APDU layer: the reader, the card's presence, the
/// PC/SC service.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The card left the reader (or was reset) during the exchange.
    #[error("the card was removed from the reader")]
    CardRemoved,
    /// The reader holds no card.
    #[error("no card in the reader")]
    NoCard,
    /// The card does not answer.
    #[error("the card does not respond")]
    Unresponsive,
    /// Another program holds the card (the kiosk opens it exclusively).
    #[error("the card is in use by another program")]
    InUse,
    /// The reader disappeared.
    #[error("the card reader is no longer available")]
    ReaderUnavailable,
    /// pcscd is not running or stopped.
    #[error("the PC/SC service (pcscd) is not available")]
    NoService,
    /// Anything else the transport reports.
    #[error("transport error: {0}")]
    Other(String),
}

/// Sends one command APDU and returns the raw response (data and SW).
///
/// Implementations do no APDU-level recovery; [`crate::Card`] owns that.
pub trait Transmit {
    /// Exchanges one APDU.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transmit + ?Sized> Transmit for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: Transmit + ?Sized> Transmit for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}
