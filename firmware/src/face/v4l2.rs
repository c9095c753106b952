//! A real camera through OpenCV's V4L2 back end: [`V4l2Camera`] is the
//! HAL's [`Camera`], opening a [`V4l2Stream`] ([`FrameSource`]) for each capture.

use std::time::Instant;

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};
use uketsuke_driver::hal::camera::{Camera, DynFrameSource, Frame, FrameSource, PixelFormat};
use uketsuke_driver::hal::{self, DeviceError, ErrorKind, Vendor};

/// Camera failures, classified for the kiosk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CameraError {
    /// The device cannot be opened or has gone away.
    #[error("camera {0} is not available (unplugged, or in use)")]
    Unavailable(String),
    /// The device delivered something that is not a BGR frame.
    #[error("camera {0} delivered an unusable frame")]
    BadFrame(String),
    /// OpenCV reported an error.
    #[error("camera {device}: {message}")]
    OpenCv {
        /// The device.
        device: String,
        /// OpenCV's message.
        message: String,
    },
}

impl hal::Error for CameraError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable(_) => ErrorKind::Disconnected,
            Self::BadFrame(_) => ErrorKind::BadData,
            Self::OpenCv { .. } => ErrorKind::Other,
        }
    }
}

/// An open V4L2 camera such as `/dev/video0`, delivering frames.
pub struct V4l2Stream {
    device: String,
    cap: VideoCapture,
    started: Instant,
}

impl V4l2Stream {
    /// Opens `device` and asks for `width`×`height`.
    pub fn open(device: &str, width: u32, height: u32) -> Result<Self, CameraError> {
        let cv = |e: opencv::Error| CameraError::OpenCv { device: device.to_owned(), message: e.message };
        let cap = VideoCapture::from_file(device, videoio::CAP_V4L2).map_err(cv)?;
        if !cap.is_opened().map_err(cv)? {
            return Err(CameraError::Unavailable(device.to_owned()));
        }
        let mut cam = Self { device: device.to_owned(), cap, started: Instant::now() };
        cam.cap.set(videoio::CAP_PROP_FRAME_WIDTH, f64::from(width)).map_err(cv)?;
        cam.cap.set(videoio::CAP_PROP_FRAME_HEIGHT, f64::from(height)).map_err(cv)?;
        Ok(cam)
    }
}

impl FrameSource for V4l2Stream {
    type Error = CameraError;

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let mut mat = Mat::default();
        let ok = self
            .cap
            .read(&mut mat)
            .map_err(|e| CameraError::OpenCv { device: self.device.clone(), message: e.message })?;
        if !ok || mat.empty() {
            return Err(CameraError::Unavailable(self.device.clone()));
        }
        if mat.typ() != opencv::core::CV_8UC3 {
            return Err(CameraError::BadFrame(self.device.clone()));
        }
        let pixels = mat.data_bytes().map_err(|_| CameraError::BadFrame(self.device.clone()))?.to_vec();
        // The Mat's copy of the pixels is cleared before it is released.
        let _ = mat.set_to(&opencv::core::Scalar::all(0.0), &opencv::core::no_array());
        Frame::new(mat.cols() as u32, mat.rows() as u32, PixelFormat::Bgr8, pixels, self.started.elapsed())
            .map_err(|_| CameraError::BadFrame(self.device.clone()))
    }
}

/// The configured V4L2 camera, opened for each capture.
#[derive(Clone, Debug)]
pub struct V4l2Camera {
    /// Device path (`/dev/video0`).
    pub device: String,
    /// Width asked for.
    pub width: u32,
    /// Height asked for.
    pub height: u32,
}

impl Camera for V4l2Camera {
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError> {
        let cam = V4l2Stream::open(&self.device, self.width, self.height).map_err(|e| DeviceError::of(&e))?;
        Ok(Box::new(Vendor(cam)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_device_is_unavailable_not_a_crash() {
        let err = V4l2Stream::open("/dev/video-uketsuke-none", 640, 480).err();
        let kind = err.as_ref().map(hal::Error::kind);
        assert!(matches!(kind, Some(ErrorKind::Disconnected | ErrorKind::Other)), "{err:?}");
    }
}
