//! One face check: frames from any [`FrameSource`] through greyscale,
//! detection, the quality gate, the embedding and the decision policy.

use opencv::core::{self, Mat};
use opencv::prelude::*;
use uketsuke_driver::hal::camera::{Frame, FrameSource, PixelFormat};

use super::FaceError;
use super::decision::{Decider, FrameResult, Outcome};
use super::detect::{Detector, Face, to_grey_bgr};
use super::embed::{Embedder, Embedding};
use super::liveness::Observation;
use super::models::ModelPaths;
use super::occlusion;
use super::overlap::{self, Feed, Stopped};
use super::quality::{Assessment, QualityConfig, assess_image, assess_placement, face_chroma};
use super::reference::reference_embedding;
use super::search::DETECTION_WIDTH;
use super::track::PointTracker;
use std::ops::ControlFlow;

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
    pub(super) last_look: Option<occlusion::Patches>,
    /// The challenge's first look's patches, followed through its frames.
    pub(super) points: PointTracker,
    /// Frames wider than this are searched on a copy this wide, and the
    /// face then in a window of the full frame, followed from frame to
    /// frame ([`Detector::follow`], [`DETECTION_WIDTH`] by default); 0
    /// searches every whole frame as OpenCV's own path does.
    pub detection_width: i32,
}

impl Engine {
    /// Verifies and loads both models.
    pub fn load(models: &ModelPaths) -> Result<Self, FaceError> {
        models.verify()?;
        Ok(Self {
            detector: Detector::new(&models.yunet)?,
            embedder: Embedder::new(&models.sface)?,
            last_look: None,
            points: PointTracker::default(),
            detection_width: DETECTION_WIDTH,
        })
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
        let located = locate(&mut self.detector, frame, self.detection_width)?;
        finish(&mut self.embedder, (&mut self.last_look, &mut self.points), quality, reference, &located, need)
    }

    /// Forgets the previous look and the followed face (a new check, or
    /// the end of one: the patches are zeroized as they drop).
    pub fn forget_looks(&mut self) {
        self.detector.forget();
        self.last_look = None;
        self.points.forget();
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
        let mut feed = CheckFeed { decider: &mut decider, source, on_look: &mut on_look, left: max_frames };
        let decided = overlap::run(self, quality, reference, &mut feed);
        self.forget_looks();
        match decided {
            Ok(Some(outcome)) => Ok(outcome),
            Ok(None) => Err(CheckError::Face(FaceError::NoDecision)),
            Err(Stopped::Source(e)) => Err(CheckError::Camera(e)),
            Err(Stopped::Face(e)) => Err(CheckError::Face(e)),
        }
    }
}

/// [`Engine::check`]'s frames and decisions.
struct CheckFeed<'a, S, L> {
    decider: &'a mut Decider,
    source: &'a mut S,
    on_look: &'a mut L,
    left: usize,
}

impl<S: FrameSource, L: FnMut(&Decider, &mut S)> Feed for CheckFeed<'_, S, L> {
    type Error = S::Error;
    type Done = Outcome;

    fn next_frame(&mut self) -> Option<Result<Frame, S::Error>> {
        self.left = self.left.checked_sub(1)?;
        Some(self.source.next_frame())
    }

    fn need(&self) -> Need {
        if self.decider.wants_score() { Need::Score } else { Need::Track }
    }

    fn take(&mut self, at: std::time::Duration, result: FrameResult) -> ControlFlow<Outcome> {
        if let FrameResult::Unusable(g) = result {
            tracing::trace!(guidance = ?g, "frame unusable");
        }
        if let Some(outcome) = self.decider.push(at, result) {
            tracing::info!(outcome = outcome.kind(), "face check decided");
            return ControlFlow::Break(outcome);
        }
        (self.on_look)(self.decider, self.source);
        ControlFlow::Continue(())
    }
}

/// A frame after detection (the first stage): its colour and greyscale
/// copies and the faces found, strongest first. The copies are wiped when
/// it drops.
pub struct Located {
    colour: Mat,
    grey: Mat,
    faces: Vec<Face>,
}

impl Drop for Located {
    fn drop(&mut self) {
        // Frames are biometric: clear our copies before OpenCV frees them.
        wipe(&mut self.colour);
        wipe(&mut self.grey);
    }
}

/// The first stage: the frame in greyscale, searched for faces (the face
/// followed from the last frame, on a copy `detection_width` wide if that
/// is narrower, see [`Engine::detection_width`]; the positions are the
/// full frame's).
pub fn locate(detector: &mut Detector, frame: &Frame, detection_width: i32) -> Result<Located, FaceError> {
    let colour = frame_to_mat(frame)?;
    let mut located = Located { grey: Mat::default(), colour, faces: Vec::new() };
    located.grey = to_grey_bgr(&located.colour)?;
    located.faces = if detection_width > 0 {
        detector.follow(&located.grey, detection_width)?
    } else {
        detector.detect(&located.grey)?
    };
    Ok(located)
}

/// The second stage, on the full frame: placement, occlusion, then the
/// movement since the previous look (`looks.0`, replaced by this one) and
/// for [`Need::Track`] the challenge's patches followed (`looks.1`, kept
/// from the first tracked look on), for [`Need::Score`] the image's
/// quality and the score. Only a frame the gates accept is embedded.
pub fn finish(
    embedder: &mut Embedder,
    (last_look, points): (&mut Option<occlusion::Patches>, &mut PointTracker),
    quality: &QualityConfig,
    reference: &Embedding,
    located: &Located,
    need: Need,
) -> Result<FrameResult, FaceError> {
    let Located { colour, grey, faces } = located;
    // Only consecutive looks at one face are compared.
    let before = last_look.take();
    // A head turning for the challenge looks narrower than it is.
    let placement = if need == Need::Track { &quality.while_turning() } else { quality };
    let face = match assess_placement(placement, grey, faces)? {
        Assessment::Usable(face) => face,
        Assessment::Unusable(g) => return Ok(FrameResult::Unusable(g)),
    };
    let (occluded, patches) = occlusion::measure(embedder, colour, &face)?;
    if let Some(g) = occluded {
        return Ok(FrameResult::Unusable(g));
    }
    let (eye_change, rest_change) = before.map_or((0.0, 0.0), |b| patches.change_from(&b));
    *last_look = Some(patches);
    let mut look = Observation { landmarks: face.landmarks, eye_change, rest_change, tracked: None };
    if need == Need::Track {
        look.tracked = if points.started() {
            points.follow(grey, &face.landmarks)?
        } else {
            points.start(grey, &face.landmarks)?.then_some(face.landmarks)
        };
        return Ok(FrameResult::Tracked(look));
    }
    if let Assessment::Unusable(g) = assess_image(quality, grey, &face)? {
        return Ok(FrameResult::Unusable(g));
    }
    Ok(FrameResult::Scored {
        similarity: reference.cosine(&embedder.embed(grey, &face)?),
        chroma: face_chroma(colour, &face)?,
        look,
    })
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
