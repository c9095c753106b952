//! The face check against the simulator: a persona's chip-photo reference
//! and a virtual-camera scene, whose live card holder follows the liveness
//! challenge as a cooperative patient does. Shared by `uketsuke-face
//! scene`, `pad-eval` and `bench`, the simulated kiosk and the tests.

use std::sync::{Arc, Mutex, OnceLock};

use image::RgbImage;
use opencv::core::{self, Mat};
use opencv::prelude::*;
use uketsuke_hw_sim::camera::{FPS, Landmarks, Locate, Movement, Scene, VirtualCamera};
use uketsuke_hw_sim::persona::{self, Persona};

use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::decision::{Decider, Outcome, PolicyConfig};
use uketsuke_firmware::face::detect::{Detector, to_grey_bgr};
use uketsuke_firmware::face::embed::Embedding;
use uketsuke_firmware::face::liveness::{Challenge, ChallengeConfig};
use uketsuke_firmware::face::models::{ModelPaths, data_dir};
use uketsuke_firmware::face::pipeline::{CheckError, Engine, wipe};
use uketsuke_firmware::face::quality::QualityConfig;

/// The persona and its reference embedding from its chip photo
/// (prepared by `scripts/setup`).
pub fn persona_reference(engine: &mut Engine, persona_id: &str) -> Result<(Persona, Embedding), FaceError> {
    let p = persona::by_id(persona_id).map_err(|e| FaceError::Setup(e.to_string()))?;
    let path = data_dir().join("personas").join(&p.id).join("photo.jp2");
    let photo = std::fs::read(&path)
        .map_err(|_| FaceError::Setup(format!("{} is missing: run scripts/setup", path.display())))?;
    let reference = engine.reference(&photo)?;
    Ok((p, reference))
}

/// The simulator's face locator: YuNet (the firmware's detector) on the
/// persona images, loaded once per process.
pub fn locator() -> Option<Locate> {
    static LOCATOR: OnceLock<Option<Locate>> = OnceLock::new();
    LOCATOR
        .get_or_init(|| {
            let models = ModelPaths::default_location();
            let detector = models.verify().and_then(|()| Detector::new(&models.yunet));
            let detector =
                detector.inspect_err(|e| tracing::warn!(error = %e, "no face locator for the camera")).ok()?;
            let detector = Mutex::new(detector);
            let locate: Locate = Arc::new(move |img: &RgbImage| {
                let mut guard = detector.lock().ok()?;
                landmarks(&mut guard, img).ok().flatten()
            });
            Some(locate)
        })
        .clone()
}

/// The strongest face's landmarks in an RGB image.
fn landmarks(detector: &mut Detector, img: &RgbImage) -> Result<Option<Landmarks>, FaceError> {
    let (w, h) = (img.width() as i32, img.height() as i32);
    let mut bgr = Mat::new_rows_cols_with_default(h, w, core::CV_8UC3, core::Scalar::all(0.0))?;
    let data = bgr.data_bytes_mut()?;
    for (dst, src) in data.chunks_exact_mut(3).zip(img.pixels()) {
        dst.copy_from_slice(&[src[2], src[1], src[0]]);
    }
    let mut grey = to_grey_bgr(&bgr)?;
    let found = detector.detect(&grey).map(|faces| faces.first().map(|f| f.landmarks));
    wipe(&mut bgr);
    wipe(&mut grey);
    found
}

/// A virtual camera playing `scene` for `persona`, its faces located.
pub fn camera(persona: &Persona, scene: Scene, seed: u64) -> Result<VirtualCamera, FaceError> {
    VirtualCamera::with_locator(persona, scene, &data_dir().join("faces"), seed, locator())
        .map_err(|e| FaceError::Setup(e.to_string()))
}

/// Frames a virtual camera delivers before `policy` must have decided
/// (the challenge adds its own time).
pub fn frame_budget(policy: &PolicyConfig, challenge: &ChallengeConfig) -> usize {
    let secs = policy.max_duration.as_secs() as usize + challenge.time_limit.as_secs() as usize + 3;
    secs * FPS as usize
}

/// The patient's movement for a challenge.
pub fn movement(challenge: Challenge) -> Movement {
    match challenge {
        Challenge::TurnLeft => Movement::TurnLeft,
        Challenge::TurnRight => Movement::TurnRight,
        Challenge::Blink => Movement::Blink,
    }
}

/// One whole face check on a virtual-camera scene, the way the kiosk runs
/// it: every other frame analysed (15 a second of the camera's 30), the
/// challenge (if `challenge` is given) shown to the patient, who follows it.
pub fn run_check(
    engine: &mut Engine,
    reference: &Embedding,
    camera: &mut VirtualCamera,
    policy: &PolicyConfig,
    challenge: Option<(ChallengeConfig, Challenge)>,
) -> Result<Outcome, FaceError> {
    let (cfg, asked) =
        challenge.unwrap_or((ChallengeConfig { enabled: false, ..ChallengeConfig::default() }, Challenge::Blink));
    let budget = frame_budget(policy, &cfg);
    let decider = Decider::with_challenge(policy.clone(), cfg, asked);
    let mut source = EveryOther(camera);
    let outcome = engine.check(&QualityConfig::default(), decider, reference, &mut source, budget / 2, |d, s| {
        s.0.follow(d.challenge().map(movement));
    });
    outcome.map_err(|e| match e {
        CheckError::Face(f) => f,
        CheckError::Camera(c) => FaceError::Setup(c.to_string()),
        _ => FaceError::NoDecision,
    })
}

/// Every other frame of the camera (the kiosk analyses 15 of its 30 a second).
pub struct EveryOther<'a>(pub &'a mut VirtualCamera);

impl uketsuke_driver::hal::camera::FrameSource for EveryOther<'_> {
    type Error = uketsuke_hw_sim::camera::CameraError;

    fn next_frame(&mut self) -> Result<uketsuke_driver::hal::camera::Frame, Self::Error> {
        let _between = self.0.render();
        Ok(self.0.render())
    }
}
