//! One face check: frames from any [`FrameSource`] through greyscale,
//! detection, the quality gate, the embedding and the decision policy.

use opencv::core::{self, Mat};
use opencv::prelude::*;
use uketsuke_driver::hal::camera::{Frame, FrameSource, PixelFormat};

use super::FaceError;
use super::decision::{Decider, FrameResult, Outcome, PolicyConfig};
use super::detect::{Detector, to_grey_bgr};
use super::embed::{Embedder, Embedding};
use super::models::ModelPaths;
use super::quality::{Assessment, QualityConfig, assess, face_chroma};
use super::reference::reference_embedding;

/// The loaded models.
pub struct Engine {
    /// Face detector.
    pub detector: Detector,
    /// Face recogniser.
    pub embedder: Embedder,
}

impl Engine {
    /// Verifies and loads both models.
    pub fn load(models: &ModelPaths) -> Result<Self, FaceError> {
        models.verify()?;
        Ok(Self { detector: Detector::new(&models.yunet)?, embedder: Embedder::new(&models.sface)? })
    }

    /// The reference embedding from the chip's photo.
    pub fn reference(&mut self, card_photo: &[u8]) -> Result<Embedding, FaceError> {
        reference_embedding(&mut self.detector, &mut self.embedder, card_photo)
    }

    /// Scores one frame against the reference, or says why it is unusable.
    pub fn assess_frame(
        &mut self,
        quality: &QualityConfig,
        reference: &Embedding,
        frame: &Frame,
    ) -> Result<FrameResult, FaceError> {
        let mut colour = frame_to_mat(frame)?;
        let mut grey = to_grey_bgr(&colour)?;
        let result = self.score_frame(quality, reference, &colour, &grey);
        // Frames are biometric: clear our copies before OpenCV frees them.
        wipe(&mut colour);
        wipe(&mut grey);
        result
    }

    fn score_frame(
        &mut self,
        quality: &QualityConfig,
        reference: &Embedding,
        colour: &Mat,
        grey: &Mat,
    ) -> Result<FrameResult, FaceError> {
        let faces = self.detector.detect(grey)?;
        Ok(match assess(quality, grey, &faces)? {
            Assessment::Usable(face) => FrameResult::Scored {
                similarity: reference.cosine(&self.embedder.embed(grey, &face)?),
                chroma: face_chroma(colour, &face)?,
            },
            Assessment::Unusable(g) => FrameResult::Unusable(g),
        })
    }

    /// Runs a face check on `source` until the policy decides. Logs carry
    /// guidance and the outcome kind only: no scores, frames or embeddings.
    /// `max_frames` bounds a source whose clock never reaches the deadline.
    pub fn check<S: FrameSource>(
        &mut self,
        quality: &QualityConfig,
        policy: &PolicyConfig,
        reference: &Embedding,
        source: &mut S,
        max_frames: usize,
    ) -> Result<Outcome, CheckError<S::Error>> {
        let span = tracing::info_span!("face_check");
        let _guard = span.enter();
        let mut decider = Decider::new(policy.clone());
        for _ in 0..max_frames {
            let frame = source.next_frame().map_err(CheckError::Camera)?;
            let result = self.assess_frame(quality, reference, &frame).map_err(CheckError::Face)?;
            if let FrameResult::Unusable(g) = result {
                tracing::trace!(guidance = ?g, "frame unusable");
            }
            if let Some(outcome) = decider.push(frame.timestamp, result) {
                tracing::info!(outcome = outcome.kind(), "face check decided");
                return Ok(outcome);
            }
        }
        Err(CheckError::Face(FaceError::NoDecision))
    }
}

/// A face check failed before it could decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError<C: std::error::Error> {
    /// The camera failed.
    #[error("camera: {0}")]
    Camera(C),
    /// The pipeline failed.
    #[error(transparent)]
    Face(#[from] FaceError),
}

/// Overwrites a `Mat`'s pixels with zeros.
pub fn wipe(mat: &mut Mat) {
    if !mat.empty() {
        let _ = mat.set_to(&core::Scalar::all(0.0), &core::no_array());
    }
}

/// Copies a HAL frame into a BGR `Mat`.
pub fn frame_to_mat(frame: &Frame) -> Result<Mat, FaceError> {
    let (rows, cols) = (frame.height() as i32, frame.width() as i32);
    let typ = match frame.format() {
        PixelFormat::Bgr8 => core::CV_8UC3,
        PixelFormat::Gray8 => core::CV_8UC1,
        _ => return Err(FaceError::BadImage("unsupported pixel format")),
    };
    let mut mat = Mat::new_rows_cols_with_default(rows, cols, typ, core::Scalar::all(0.0))?;
    mat.data_bytes_mut()?.copy_from_slice(frame.pixels());
    if frame.format() == PixelFormat::Gray8 {
        let mut bgr = Mat::default();
        opencv::imgproc::cvt_color(&mat, &mut bgr, opencv::imgproc::COLOR_GRAY2BGR, 0)?;
        return Ok(bgr);
    }
    Ok(mat)
}
