//! The whole face check on recorded frames (`uketsuke-face check`): the
//! quality gate, occlusion, the liveness challenge, the presentation-attack
//! signals and the decision, exactly as the kiosk runs them, on
//! `DIR/*.jpg` (or `.jpeg`, `.png`) in name order at a given frame rate.
//! For vendors and auditors replaying a recording; nothing is written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use opencv::core::Vector;
use opencv::imgcodecs;
use opencv::prelude::*;
use serde::Serialize;
use uketsuke_driver::hal::camera::{Frame, PixelFormat};

use super::FaceError;
use super::decision::{Decider, InconclusiveReason, NoMatchReason, Outcome, PolicyConfig};
use super::liveness::{Challenge, ChallengeConfig};
use super::models::ModelPaths;
use super::pipeline::{Engine, Need, wipe};
use super::quality::QualityConfig;

/// What `uketsuke-face check --json` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// `match`, `no_match` or `inconclusive`.
    pub outcome: &'static str,
    /// Why not a match: `different_person`, `presentation_attack`,
    /// `challenge_failed`, `no_frames`, `time_out`.
    pub reason: Option<&'static str>,
    /// The commonest guidance given on unusable frames, if any.
    pub guidance: Option<&'static str>,
    /// The challenge checked (`None`: none).
    pub challenge: Option<Challenge>,
    /// Frames read.
    pub frames: usize,
}

/// The frame files of `dir`, in name order.
pub fn frame_files(dir: &Path) -> Result<Vec<PathBuf>, FaceError> {
    let entries = std::fs::read_dir(dir).map_err(|_| FaceError::Setup(format!("cannot read {}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn read_frame(path: &Path, timestamp: Duration) -> Result<Frame, FaceError> {
    let bytes = std::fs::read(path).map_err(|_| FaceError::BadImage("cannot read a frame file"))?;
    let mut mat = imgcodecs::imdecode(&Vector::<u8>::from_slice(&bytes), imgcodecs::IMREAD_COLOR)
        .map_err(|_| FaceError::BadImage("a frame does not decode"))?;
    if mat.empty() || mat.channels() != 3 {
        return Err(FaceError::BadImage("a frame does not decode"));
    }
    let (w, h) = (mat.cols() as u32, mat.rows() as u32);
    let pixels = mat.data_bytes()?.to_vec();
    wipe(&mut mat);
    Frame::new(w, h, PixelFormat::Bgr8, pixels, timestamp).map_err(|_| FaceError::BadImage("a frame has a bad size"))
}

/// Runs the check on the chip photo `card` and the frames in `dir`.
pub fn check(card: &Path, dir: &Path, challenge: Option<Challenge>, fps: u32) -> Result<Report, FaceError> {
    let photo = std::fs::read(card).map_err(|_| FaceError::BadImage("cannot read the card photo"))?;
    let files = frame_files(dir)?;
    if files.is_empty() {
        return Err(FaceError::Setup(format!("no *.jpg, *.jpeg or *.png frames in {}", dir.display())));
    }
    let mut engine = Engine::load(&ModelPaths::default_location())?;
    let reference = engine.reference(&photo)?;
    let cfg = ChallengeConfig { enabled: challenge.is_some(), ..ChallengeConfig::default() };
    let policy = PolicyConfig::default();
    let mut decider = Decider::with_challenge(policy, cfg, challenge.unwrap_or(Challenge::Blink));
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let mut guidance = std::collections::HashMap::<&'static str, usize>::new();
    let mut outcome = None;
    let mut last = Duration::ZERO;
    for (i, path) in files.iter().enumerate() {
        last = period * i as u32;
        let frame = read_frame(path, last)?;
        let need = if decider.wants_score() { Need::Score } else { Need::Track };
        let result = engine.analyse_frame(&QualityConfig::default(), &reference, &frame, need)?;
        if let super::decision::FrameResult::Unusable(g) = result {
            *guidance.entry(g.into()).or_default() += 1;
        }
        outcome = decider.push(last, result);
        if outcome.is_some() {
            break;
        }
    }
    engine.forget_looks();
    // The recording ended first: as if the time ran out after its last frame.
    let outcome = outcome.or_else(|| decider.handle_timeout(last + Duration::from_secs(3600)));
    let commonest = guidance.into_iter().max_by_key(|(g, n)| (*n, *g)).map(|(g, _)| g);
    Ok(report(outcome, commonest, challenge, files.len()))
}

fn report(
    outcome: Option<Outcome>,
    guidance: Option<&'static str>,
    challenge: Option<Challenge>,
    frames: usize,
) -> Report {
    let (outcome, reason) = match outcome {
        Some(Outcome::Match { .. }) => ("match", None),
        Some(Outcome::NoMatch { reason, .. }) => (
            "no_match",
            Some(match reason {
                NoMatchReason::DifferentPerson => "different_person",
                NoMatchReason::PresentationAttack => "presentation_attack",
                NoMatchReason::ChallengeFailed => "challenge_failed",
            }),
        ),
        Some(Outcome::Inconclusive(InconclusiveReason::NoFrames)) | None => ("inconclusive", Some("no_frames")),
        Some(Outcome::Inconclusive(InconclusiveReason::Guidance(_))) => ("inconclusive", Some("time_out")),
    };
    Report { outcome, reason, guidance, challenge, frames }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_failure_reports_no_match_with_its_reason() {
        let out = Outcome::NoMatch { score: 0.7, frames: 2, reason: NoMatchReason::ChallengeFailed };
        let r = report(Some(out), None, Some(Challenge::Blink), 40);
        assert_eq!((r.outcome, r.reason), ("no_match", Some("challenge_failed")));
        let json = serde_json::to_value(&r).unwrap_or_default();
        assert_eq!(json["challenge"], "blink");
    }

    #[test]
    fn only_image_files_are_frames_and_they_come_in_name_order() {
        let dir = std::env::temp_dir().join(format!("uketsuke-offline-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        for name in ["b.jpg", "a.png", "notes.txt", "c.JPEG"] {
            let _ = std::fs::write(dir.join(name), b"x");
        }
        let names: Vec<String> = frame_files(&dir)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(names, ["a.png", "b.jpg", "c.JPEG"]);
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let err = check(Path::new("/nonexistent.jp2"), Path::new("/nonexistent"), None, 15).err();
        assert!(err.is_some());
    }
}
