//! One face check: frames from any [`FrameSource`] through greyscale,
//! detection, the quality gate, the embedding and the decision policy.

use opencv::core::{self, Mat};
use opencv::prelude::*;
use uketsuke_driver::hal::camera::{Frame, FrameSource, PixelFormat};

use super::FaceError;
use super::decision::{Decider, FrameResult, Outcome};
use super::detect::{Detector, to_grey_bgr};
use super::embed::{Embedder, Embedding};
use super::liveness::Observation;
use super::models::ModelPaths;
use super::occlusion;
use super::quality::{Assessment, QualityConfig, assess_image, assess_placement, face_chroma};
use super::reference::reference_embedding;

/// What the decision needs from the next frame ([`Decider::wants_score`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// The full quality gate and a score against the card photo.
    Score,
    /// Only where the face is and how it moves (the liveness challenge):
    /// no embedding, and a turned head is fine.
    Track,
}

/// The loaded models.
pub struct Engine {
    /// Face detector.
    pub detector: Detector,
    /// Face recogniser.
    pub embedder: Embedder,
    /// The previous look's eyes and face, to see what changed (a blink).
    last_look: Option<occlusion::Patches>,
}

impl Engine {
    /// Verifies and loads both models.
    pub fn load(models: &ModelPaths) -> Result<Self, FaceError> {
        models.verify()?;
        Ok(Self { detector: Detector::new(&models.yunet)?, embedder: Embedder::new(&models.sface)?, last_look: None })
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
        self.analyse_frame(quality, reference, frame, Need::Score)
    }

    /// Looks at one frame for what the decision needs: placement, then
    /// what covers the face (a mask, sunglasses, a hat's shadow: never
    /// matched on), then for [`Need::Score`] the image's quality and the
    /// score, for [`Need::Track`] the landmarks and what changed since the last look only.
    pub fn analyse_frame(
        &mut self,
        quality: &QualityConfig,
        reference: &Embedding,
        frame: &Frame,
        need: Need,
    ) -> Result<FrameResult, FaceError> {
        let mut colour = frame_to_mat(frame)?;
        let mut grey = to_grey_bgr(&colour)?;
        let result = self.analyse(quality, reference, &colour, &grey, need);
        // Frames are biometric: clear our copies before OpenCV frees them.
        wipe(&mut colour);
        wipe(&mut grey);
        result
    }

    fn analyse(
        &mut self,
        quality: &QualityConfig,
        reference: &Embedding,
        colour: &Mat,
        grey: &Mat,
        need: Need,
    ) -> Result<FrameResult, FaceError> {
        let faces = self.detector.detect(grey)?;
        // Only consecutive looks at one face are compared.
        let last_look = self.last_look.take();
        let face = match assess_placement(quality, grey, &faces)? {
            Assessment::Usable(face) => face,
            Assessment::Unusable(g) => return Ok(FrameResult::Unusable(g)),
        };
        let (occluded, patches) = occlusion::measure(&mut self.embedder, colour, &face)?;
        if let Some(g) = occluded {
            return Ok(FrameResult::Unusable(g));
        }
        let (eye_change, rest_change) = last_look.map_or((0.0, 0.0), |before| patches.change_from(&before));
        self.last_look = Some(patches);
        let look = Observation { landmarks: face.landmarks, eye_change, rest_change };
        if need == Need::Track {
            return Ok(FrameResult::Tracked(look));
        }
        if let Assessment::Unusable(g) = assess_image(quality, grey, &face)? {
            return Ok(FrameResult::Unusable(g));
        }
        Ok(FrameResult::Scored {
            similarity: reference.cosine(&self.embedder.embed(grey, &face)?),
            chroma: face_chroma(colour, &face)?,
            look,
        })
    }

    /// Forgets the previous look (a new check, or the end of one: the
    /// patches are zeroized as they drop).
    pub fn forget_looks(&mut self) {
        self.last_look = None;
    }

    /// Runs a face check on `source` until the policy decides. Logs carry
    /// guidance and the outcome kind only: no scores, frames or embeddings.
    /// `max_frames` bounds a source whose clock never reaches the deadline.
    /// `decider` carries the policy and the challenge (if any);
    /// `on_look` is given the decider (what the screen would show: the
    /// movement asked for) and the source after each frame, for a
    /// simulated patient in front of the camera to follow.
    pub fn check<S: FrameSource>(
        &mut self,
        quality: &QualityConfig,
        mut decider: Decider,
        reference: &Embedding,
        source: &mut S,
        max_frames: usize,
        mut on_look: impl FnMut(&Decider, &mut S),
    ) -> Result<Outcome, CheckError<S::Error>> {
        let span = tracing::info_span!("face_check");
        let _guard = span.enter();
        self.forget_looks();
        let decided = self.decide(quality, &mut decider, reference, source, max_frames, &mut on_look);
        self.forget_looks();
        decided
    }

    fn decide<S: FrameSource>(
        &mut self,
        quality: &QualityConfig,
        decider: &mut Decider,
        reference: &Embedding,
        source: &mut S,
        max_frames: usize,
        on_look: &mut impl FnMut(&Decider, &mut S),
    ) -> Result<Outcome, CheckError<S::Error>> {
        for _ in 0..max_frames {
            let frame = source.next_frame().map_err(CheckError::Camera)?;
            let need = if decider.wants_score() { Need::Score } else { Need::Track };
            let result = self.analyse_frame(quality, reference, &frame, need).map_err(CheckError::Face)?;
            if let FrameResult::Unusable(g) = result {
                tracing::trace!(guidance = ?g, "frame unusable");
            }
            if let Some(outcome) = decider.push(frame.timestamp, result) {
                tracing::info!(outcome = outcome.kind(), "face check decided");
                return Ok(outcome);
            }
            on_look(decider, source);
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
