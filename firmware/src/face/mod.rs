//! The face pipeline on OpenCV 4.6 (DESIGN.md §4): YuNet detection with our
//! own decoding, SFace embeddings, and the reference built from the card
//! photo.

pub mod decision;
#[cfg(feature = "kiosk")]
pub mod detect;
#[cfg(feature = "kiosk")]
pub mod embed;
#[cfg(feature = "kiosk")]
pub mod eval;
mod geometry;
pub mod liveness;
#[cfg(feature = "kiosk")]
pub mod models;
#[cfg(feature = "kiosk")]
pub mod occlusion;
#[cfg(feature = "kiosk")]
pub mod offline;
#[cfg(feature = "kiosk")]
pub mod overlap;
#[cfg(feature = "kiosk")]
pub mod pipeline;
#[cfg(feature = "kiosk")]
pub mod quality;
#[cfg(feature = "kiosk")]
pub mod reference;
#[cfg(feature = "kiosk")]
pub mod search;
pub mod thresholds;
#[cfg(feature = "kiosk")]
pub mod track;
#[cfg(feature = "kiosk")]
pub mod v4l2;

/// A face check looks at no more than one camera frame in this time (15 a
/// second, enough for a decision in three usable frames). The camera's other
/// frames only go to the live preview, and the CPU left over draws it.
pub const ANALYSIS_PERIOD: std::time::Duration = std::time::Duration::from_millis(66);

use std::path::PathBuf;

/// Face pipeline errors. None carries image data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// A model file is not where `scripts/setup` puts it.
    #[error("face model {0} is missing: run scripts/setup")]
    ModelMissing(PathBuf),
    /// A model file does not match its pinned sha256.
    #[error("face model {0} is corrupt (sha256 mismatch): run scripts/setup")]
    ModelCorrupt(PathBuf),
    /// An image could not be decoded.
    #[error("image could not be decoded: {0}")]
    BadImage(&'static str),
    /// No face where one was needed (e.g. in the card photo).
    #[error("no face found in the {0}")]
    NoFace(&'static str),
    /// Prepared data or the simulator is missing or wrong.
    #[error("{0}")]
    Setup(String),
    /// The policy did not decide within the frames given.
    #[error("no face decision within the frame limit")]
    NoDecision,
    /// The operation is not allowed here.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// OpenCV reported an error.
    #[error("OpenCV: {0}")]
    OpenCv(String),
}

#[cfg(feature = "kiosk")]
impl From<opencv::Error> for FaceError {
    fn from(e: opencv::Error) -> Self {
        Self::OpenCv(e.message)
    }
}
