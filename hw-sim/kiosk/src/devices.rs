//! The simulator's cameras, behind the driver's HAL traits exactly as a
//! vendor's devices are: the face camera and the card-slot camera (whose
//! frames of the rendered card face the kiosk's own OCR reads, as on a real
//! kiosk: the simulator does not hand 照合番号B over). They follow a shared
//! stage (whose card is placed and how it lies, who stands in front of the
//! camera).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use uketsuke_driver::hal::camera::{Camera, DynFrameSource, Frame, FrameSource};
use uketsuke_driver::hal::{DeviceError, ErrorKind};
use uketsuke_firmware::face::models::data_dir;
use uketsuke_hw_sim::camera::{CameraFault, Movement, Scene, VirtualCamera};
use uketsuke_hw_sim::card_face::draw::Fonts;
use uketsuke_hw_sim::card_face::slot::CardSlotCamera;
use uketsuke_hw_sim::card_face::{CardFace, persona_seed};
use uketsuke_hw_sim::faults::CardFaceLook;
use uketsuke_hw_sim::persona::Persona;

/// What the simulator shows: whose card is placed, and who stands in front
/// of the camera.
#[derive(Debug, Default)]
pub struct SimStage {
    /// The placed card's persona.
    pub persona: Option<Persona>,
    /// The camera's scene.
    pub scene: Option<Scene>,
    /// The card-surface scanner panics on its next scan (fault injection).
    pub surface_panics: bool,
    /// How the placed card's face looks to the card-slot camera.
    pub look: CardFaceLook,
    /// Scans of the card face since the card was placed.
    pub scans: usize,
    /// A fault of the face camera itself (none: it works).
    pub camera_fault: Option<CameraFault>,
    /// The movement the kiosk's screen asks the patient for (the liveness
    /// challenge), as the patient reads it.
    pub movement: Option<Movement>,
}

/// The simulator's camera and card surface, following a shared stage.
#[derive(Clone, Default)]
pub struct SimDevices {
    /// The stage the script changes.
    pub stage: Arc<Mutex<SimStage>>,
}

fn lost() -> DeviceError {
    DeviceError::new(ErrorKind::Other, "simulator state lost")
}

impl SimDevices {
    fn persona(&self) -> Result<(Persona, Scene), DeviceError> {
        let stage = self.stage.lock().map_err(|_| lost())?;
        if stage.camera_fault == Some(CameraFault::Unplugged) {
            return Err(unplugged());
        }
        let persona = stage
            .persona
            .clone()
            .ok_or_else(|| DeviceError::new(ErrorKind::Disconnected, "no virtual card is placed"))?;
        Ok((persona, stage.scene.unwrap_or(Scene::Genuine)))
    }
}

fn unplugged() -> DeviceError {
    DeviceError::new(ErrorKind::Disconnected, "the camera was unplugged")
}

/// The virtual camera, delivering frames at its own rate in real time, or
/// failing as the stage's [`CameraFault`] says.
struct Paced {
    camera: VirtualCamera,
    /// The scene the camera plays (the stage's may change: a mask taken off).
    scene: Scene,
    started: Instant,
    stage: Arc<Mutex<SimStage>>,
    /// The last frame delivered (what a frozen camera delivers again).
    last: Option<Frame>,
}

fn copy(frame: &Frame, pixels: Vec<u8>) -> Result<Frame, DeviceError> {
    Frame::new(frame.width(), frame.height(), frame.format(), pixels, frame.timestamp)
        .map_err(|e| DeviceError::new(ErrorKind::Other, e.to_string()))
}

impl FrameSource for Paced {
    type Error = DeviceError;

    fn next_frame(&mut self) -> Result<Frame, DeviceError> {
        let due = self.started + self.camera.next_timestamp();
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let (fault, scene, movement) = {
            let stage = self.stage.lock().map_err(|_| lost())?;
            (stage.camera_fault, stage.scene.unwrap_or(Scene::Genuine), stage.movement)
        };
        if scene != self.scene {
            self.camera.set_scene(scene).map_err(|e| DeviceError::of(&e))?;
            self.scene = scene;
        }
        self.camera.follow(movement);
        let frame = match (fault, &self.last) {
            (Some(CameraFault::Unplugged), _) => return Err(unplugged()),
            (Some(CameraFault::Frozen), Some(last)) => copy(last, last.pixels().to_vec())?,
            (Some(CameraFault::Black), _) => {
                // Black, with a live sensor's faint noise (values 0–3).
                let frame = self.camera.render();
                let mut state = frame.timestamp.as_nanos() as u64 | 1;
                let noise = frame.pixels().iter().map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state & 3) as u8
                });
                copy(&frame, noise.collect())?
            }
            _ => self.camera.render(),
        };
        self.last = Some(copy(&frame, frame.pixels().to_vec())?);
        Ok(frame)
    }
}

impl Camera for SimDevices {
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError> {
        let (persona, scene) = self.persona()?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(7, |d| u64::from(d.subsec_nanos()));
        let camera =
            VirtualCamera::with_locator(&persona, scene, &data_dir().join("faces"), seed, crate::face_sim::locator())
                .map_err(|e| DeviceError::of(&e))?;
        Ok(Box::new(Paced { camera, scene, started: Instant::now(), stage: Arc::clone(&self.stage), last: None }))
    }
}

/// The card-slot camera: frames of the placed card's face.
#[derive(Clone, Default)]
pub struct SlotCamera {
    /// The stage the script changes.
    pub stage: Arc<Mutex<SimStage>>,
    fonts: Arc<std::sync::OnceLock<Option<Arc<Fonts>>>>,
}

impl SimDevices {
    /// The card-slot camera on the same stage.
    pub fn slot_camera(&self) -> SlotCamera {
        SlotCamera { stage: Arc::clone(&self.stage), fonts: Arc::default() }
    }
}

impl Camera for SlotCamera {
    // A deliberate panic: the injected fault of a vendor driver with a bug.
    #[allow(clippy::panic)]
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError> {
        let (persona, look, scan) = {
            let mut stage = self.stage.lock().map_err(|_| lost())?;
            if stage.surface_panics {
                panic!("simulated fault: the card-surface scanner's driver panicked");
            }
            stage.scans += 1;
            let persona = stage
                .persona
                .clone()
                .ok_or_else(|| DeviceError::new(ErrorKind::Disconnected, "no card in the slot"))?;
            (persona, stage.look.clone(), stage.scans)
        };
        let fonts = self.fonts.get_or_init(|| Fonts::load().ok().map(Arc::new)).clone().ok_or_else(|| {
            DeviceError::new(ErrorKind::Other, "the card face's fonts are missing: run scripts/setup")
        })?;
        let unusable = |e: &dyn std::fmt::Display| DeviceError::new(ErrorKind::Other, e.to_string());
        let mut face = CardFace::of_persona(&persona, &data_dir().join("faces")).map_err(|e| unusable(&e))?;
        if let Some(mark) = look.mark {
            face.mark = mark;
        }
        if let Some((code, scans)) = &look.wrong_code
            && scans.is_none_or(|n| scan <= n)
        {
            face.security_code.clone_from(code);
        }
        // The layout is the card's own; the placement varies with each scan.
        let layout = persona_seed(&persona);
        let shot = layout.wrapping_add(scan as u64 * 104_729);
        let camera = CardSlotCamera::new(&face, &fonts, (layout, shot), look.placement).map_err(|e| unusable(&e))?;
        Ok(Box::new(camera))
    }
}
