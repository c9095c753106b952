//! The face check against the simulator: a persona's chip-photo reference
//! and a virtual-camera scene. Shared by `uketsuke-face scene`, `bench` and
//! the tests.

use uketsuke_hw_sim::camera::{FPS, Scene, VirtualCamera};
use uketsuke_hw_sim::persona::{self, Persona};

use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::decision::PolicyConfig;
use uketsuke_firmware::face::embed::Embedding;
use uketsuke_firmware::face::models::data_dir;
use uketsuke_firmware::face::pipeline::Engine;

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

/// A virtual camera playing `scene` for `persona`.
pub fn camera(persona: &Persona, scene: Scene, seed: u64) -> Result<VirtualCamera, FaceError> {
    VirtualCamera::new(persona, scene, &data_dir().join("faces"), seed).map_err(|e| FaceError::Setup(e.to_string()))
}

/// Frames a virtual camera delivers before `policy` must have decided.
pub fn frame_budget(policy: &PolicyConfig) -> usize {
    (policy.max_duration.as_secs() as usize + 1) * FPS as usize
}
