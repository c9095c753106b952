//! The camera: a source of frames. No OpenCV types: a frame is a plain
//! pixel buffer, and a biometric one (DESIGN.md §5): `Debug` is redacted
//! and the pixels are zeroized when the frame is dropped.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{DeviceError, Vendor};

/// Pixel layout of a [`Frame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PixelFormat {
    /// 8-bit blue, green, red, row-major, no padding.
    Bgr8,
    /// 8-bit luminance.
    Gray8,
}

impl PixelFormat {
    /// Bytes per pixel.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Bgr8 => 3,
            Self::Gray8 => 1,
        }
    }
}

/// One camera frame.
pub struct Frame {
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: Zeroizing<Vec<u8>>,
    /// Capture time since the source started.
    pub timestamp: Duration,
}

/// A buffer whose size does not match its dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("frame buffer of {got} bytes does not match {width}x{height} ({want} bytes)")]
pub struct FrameSizeError {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bytes expected.
    pub want: usize,
    /// Bytes given.
    pub got: usize,
}

impl Frame {
    /// A frame from a pixel buffer, checked against its dimensions.
    pub fn new(
        width: u32,
        height: u32,
        format: PixelFormat,
        pixels: Vec<u8>,
        timestamp: Duration,
    ) -> Result<Self, FrameSizeError> {
        let want = width as usize * height as usize * format.bytes_per_pixel();
        let pixels = Zeroizing::new(pixels);
        if pixels.len() != want {
            return Err(FrameSizeError { width, height, want, got: pixels.len() });
        }
        Ok(Self { width, height, format, pixels, timestamp })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Pixel layout.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// The pixels, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({}x{} {:?}, REDACTED)", self.width, self.height, self.format)
    }
}

/// An open camera, or anything that produces frames.
pub trait FrameSource: Send {
    /// The vendor's error.
    type Error: super::Error;

    /// Blocks until the next frame.
    fn next_frame(&mut self) -> Result<Frame, Self::Error>;
}

/// An open camera the kiosk can hold.
pub type DynFrameSource = dyn FrameSource<Error = DeviceError>;

impl<S: FrameSource> FrameSource for Vendor<S> {
    type Error = DeviceError;

    fn next_frame(&mut self) -> Result<Frame, DeviceError> {
        self.0.next_frame().map_err(|e| DeviceError::of(&e))
    }
}

/// A camera device: opened for each face check (and for the staff
/// console's live view), closed when the returned source is dropped, so
/// the camera is off between patients.
pub trait Camera: Send + Sync {
    /// Opens the camera.
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_must_be_exactly_as_large_as_its_dimensions() {
        assert!(Frame::new(2, 2, PixelFormat::Bgr8, vec![0; 12], Duration::ZERO).is_ok());
        let err = Frame::new(2, 2, PixelFormat::Bgr8, vec![0; 11], Duration::ZERO).err();
        assert_eq!(err.map(|e| e.want), Some(12));
    }

    #[test]
    fn debug_of_a_frame_never_shows_pixels() {
        let f = Frame::new(1, 1, PixelFormat::Gray8, vec![0x7B], Duration::ZERO);
        let s = format!("{:?}", f.ok());
        assert!(s.contains("REDACTED") && !s.contains("123"), "{s}");
    }
}
