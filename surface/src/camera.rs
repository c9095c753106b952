//! The kiosk's card-surface scanner: a camera looking at the card slot
//! (a V4L2 device on a kiosk, the simulator's rendered card face in
//! development) and the OCR reader, behind the driver's `CardSurface` HAL
//! trait. Frames and readings live only in memory and are zeroized.

use std::sync::{Arc, OnceLock};

use opencv::core::{self, Mat};
use opencv::prelude::*;
use uketsuke_driver::hal::camera::{Camera, Frame, PixelFormat};
use uketsuke_driver::hal::surface::{CardSurface, SurfaceScan};
use uketsuke_driver::hal::{DeviceError, ErrorKind};

use crate::reader::{ReaderConfig, SurfaceReader};

/// How many frames one scan looks at before it gives up: a later frame may
/// be free of a passing reflection or motion blur.
pub const FRAMES_PER_SCAN: usize = 2;

/// The reader once loaded, or why it could not be.
type Loaded = Arc<OnceLock<Result<Arc<SurfaceReader>, String>>>;

/// A camera and the reader, as one card-surface scanner.
pub struct CameraSurface {
    camera: Box<dyn Camera>,
    reader: Loaded,
    config: ReaderConfig,
}

impl CameraSurface {
    /// A scanner reading `camera`'s frames with `reader`.
    pub fn new(camera: Box<dyn Camera>, reader: Arc<SurfaceReader>) -> Self {
        Self { camera, reader: Arc::new(OnceLock::from(Ok(reader))), config: ReaderConfig::default() }
    }

    /// A scanner whose OCR models load on a background thread from now on,
    /// so the kiosk reaches its idle screen without waiting for them; the
    /// first scan waits if they are not loaded yet.
    pub fn loading(camera: Box<dyn Camera>, config: ReaderConfig) -> Self {
        let reader: Loaded = Arc::default();
        let (cell, cfg) = (Arc::clone(&reader), config.clone());
        std::thread::spawn(move || {
            cell.get_or_init(|| load(&cfg));
        });
        Self { camera, reader, config }
    }

    fn reader(&self) -> Result<Arc<SurfaceReader>, DeviceError> {
        self.reader.get_or_init(|| load(&self.config)).clone().map_err(|e| DeviceError::new(ErrorKind::Other, e))
    }
}

fn load(config: &ReaderConfig) -> Result<Arc<SurfaceReader>, String> {
    let loaded = SurfaceReader::new(config).map(Arc::new).map_err(|e| e.to_string());
    if let Err(e) = &loaded {
        tracing::error!(error = %e, "the card-face reader could not load its models");
    }
    loaded
}

/// A frame as an OpenCV BGR image; the copy is wiped by the caller.
pub fn frame_to_bgr(frame: &Frame) -> Result<Mat, crate::Error> {
    let (rows, cols) = (i32::try_from(frame.height()), i32::try_from(frame.width()));
    let (Ok(rows), Ok(cols)) = (rows, cols) else { return Err(crate::Error::BadImage) };
    let typ = match frame.format() {
        PixelFormat::Bgr8 => core::CV_8UC3,
        PixelFormat::Gray8 => core::CV_8UC1,
        _ => return Err(crate::Error::BadImage),
    };
    let mut mat = Mat::new_rows_cols_with_default(rows, cols, typ, core::Scalar::all(0.0))?;
    mat.data_bytes_mut()?.copy_from_slice(frame.pixels());
    if typ == core::CV_8UC1 {
        let mut bgr = Mat::default();
        opencv::imgproc::cvt_color(&mat, &mut bgr, opencv::imgproc::COLOR_GRAY2BGR, 0)?;
        wipe(&mut mat);
        return Ok(bgr);
    }
    Ok(mat)
}

/// Overwrites an image's pixels (frames are biometric data, DESIGN.md §5).
pub fn wipe(mat: &mut Mat) {
    let _ = mat.set_to(&core::Scalar::all(0.0), &core::no_array());
}

/// An image of the card that is wiped when dropped (a crop being read).
pub(crate) struct Wiped(pub(crate) Mat);

impl std::ops::Deref for Wiped {
    type Target = Mat;

    fn deref(&self) -> &Mat {
        &self.0
    }
}

impl Drop for Wiped {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl CardSurface for CameraSurface {
    type Error = DeviceError;

    fn scan(&mut self) -> Result<SurfaceScan, DeviceError> {
        let reader = self.reader()?;
        let mut source = self.camera.open()?;
        let today = crate::today_in_japan();
        let mut last = None;
        for _ in 0..FRAMES_PER_SCAN {
            let frame = source.next_frame()?;
            let mut bgr = frame_to_bgr(&frame).map_err(|e| DeviceError::new(ErrorKind::BadData, e.to_string()))?;
            drop(frame);
            let reading = reader.read(&bgr, today);
            wipe(&mut bgr);
            let scan = reading.map_err(|e| DeviceError::new(ErrorKind::Other, e.to_string()))?.to_scan();
            if scan.code_b.is_some() {
                return Ok(scan);
            }
            last = Some(scan);
        }
        last.ok_or_else(|| DeviceError::new(ErrorKind::Other, "the card-slot camera gave no frame"))
    }
}
