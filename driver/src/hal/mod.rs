//! Hardware abstraction traits vendors implement (DESIGN.md §3), in the
//! style of embedded-hal: one capability per trait, and a vendor error type
//! mapped to a shared [`ErrorKind`].

pub mod camera;
pub mod surface;

/// What kind of failure a device reported, whatever the vendor's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The device is gone (unplugged, powered off).
    Disconnected,
    /// The device did not deliver in time.
    Timeout,
    /// The device delivered data that cannot be used.
    BadData,
    /// Anything else.
    Other,
}

/// A vendor's error, classified for the kiosk.
pub trait Error: std::error::Error + Send + Sync + 'static {
    /// The shared classification.
    fn kind(&self) -> ErrorKind;
}
