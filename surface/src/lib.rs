//! Reading the My Number Card's face (DESIGN.md §2 "Card face"): 照合番号B
//! (the era birth date, the expiry year, the security code) and the
//! 「顔認証」 mark of the 追記欄, from a camera image of the card.
//!
//! The pipeline: [`locate`] finds the card and straightens it (OpenCV);
//! [`lines`] finds the text lines from the ink; [`ocr`] reads them with
//! Tesseract (Debian `tesseract-ocr-jpn`, DESIGN.md §8); [`fields`] finds the
//! fields by what they say and checks them; [`reader`] puts it together and
//! refuses anything it is not sure of. [`camera::CameraSurface`] is the
//! kiosk's [`CardSurface`](uketsuke_driver::hal::surface::CardSurface) over
//! any camera that looks at the card slot. docs/card-surface.md explains
//! the rules and the figures.

pub mod camera;
mod digit_groups;
pub mod fields;
mod glyphs;
mod guidance;
pub mod lines;
pub mod locate;
pub mod ocr;
mod pool;
pub mod reader;
mod shapes;
mod spaced;
mod vote;

pub use camera::CameraSurface;
pub use reader::{ReaderConfig, Reading, SurfaceReader};

/// Failures of the reader itself (not of the card face: an unreadable face
/// is a [`Reading`] with guidance).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Tesseract or its `jpn`/`eng` models could not be loaded.
    #[error("the OCR models (tesseract-ocr-jpn, tesseract-ocr-eng) could not be loaded: run scripts/setup")]
    Models,
    /// Tesseract failed on a line.
    #[error("the OCR failed on a line of the card face")]
    Ocr,
    /// OpenCV failed.
    #[error("image processing failed: {0}")]
    OpenCv(#[from] opencv::Error),
    /// The image is not a picture of anything.
    #[error("the image cannot be decoded")]
    BadImage,
}

/// Today in Japan (UTC+9), for the plausibility checks.
pub fn today_in_japan() -> jiff::civil::Date {
    let offset = jiff::tz::Offset::constant(9);
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(offset)).date()
}

/// Decodes an image file's bytes (JPEG, PNG, …) to BGR.
pub fn decode(bytes: &[u8]) -> Result<opencv::core::Mat, Error> {
    use opencv::prelude::*;
    let buf = opencv::core::Vector::<u8>::from_slice(bytes);
    let mat = opencv::imgcodecs::imdecode(&buf, opencv::imgcodecs::IMREAD_COLOR).map_err(|_| Error::BadImage)?;
    if mat.empty() { Err(Error::BadImage) } else { Ok(mat) }
}

/// Makes Tesseract's OpenMP run one thread per process, so the reader's
/// own workers use the cores (DESIGN.md §6: 200 ms instead of 730 ms per
/// card on two cores). libgomp reads `OMP_THREAD_LIMIT` when the process
/// starts, so a binary calls this first thing in `main`: when the variable
/// is not set, the binary runs itself again with it set (same arguments;
/// no secret is ever on the command line) and this call does not return.
/// If that fails the kiosk still works, with one OCR worker.
pub fn single_threaded_ocr() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_THREAD_LIMIT", "1").exec();
    tracing::warn!(error = %err, "could not restart with OMP_THREAD_LIMIT=1; the card-face OCR runs one worker");
}
