//! Hardware abstraction traits vendors implement (DESIGN.md §3), in the
//! style of embedded-hal: one capability per trait, and a vendor error type
//! mapped to a shared [`ErrorKind`].
//!
//! | trait | capability | implementations here |
//! |---|---|---|
//! | [`reader::CardReader`] | list and watch readers, connect to a card | [`crate::pcsc_reader::PcscReader`] |
//! | [`camera::Camera`] / [`camera::FrameSource`] | open a camera, read its frames | the V4L2 camera (firmware), the virtual camera (hw-sim) |
//! | [`surface::CardSurface`] | read 照合番号B off the card face | the simulator's |
//!
//! The kiosk holds each device as a trait object; [`Vendor`] turns a
//! vendor's own error type into the shared [`DeviceError`] in one place.

pub mod camera;
pub mod reader;
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

/// A device failure as the kiosk handles it: the shared classification and
/// a message. Messages carry no personal data (DESIGN.md §5).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeviceError {
    /// The shared classification.
    pub kind: ErrorKind,
    /// What went wrong.
    pub message: String,
}

impl DeviceError {
    /// A failure of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// A vendor's error, classified.
    pub fn of<E: Error>(e: &E) -> Self {
        Self { kind: e.kind(), message: e.to_string() }
    }
}

impl Error for DeviceError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// A vendor's device with its errors turned into [`DeviceError`]: how a
/// device with its own error type becomes one the kiosk can hold as a
/// trait object (`Box::new(Vendor(my_camera))`).
#[derive(Debug)]
pub struct Vendor<D>(pub D);
