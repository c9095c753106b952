//! The devices the runtime drives besides the card reader, behind small
//! object-safe seams: a camera that can be opened for each capture, and the
//! card-surface scanner that reads 照合番号B. Vendors implement the HAL
//! traits (`FrameSource`, `CardSurface`); the blanket impls here adapt them.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use uketsuke_driver::hal::camera::{Frame, FrameSource};
use uketsuke_driver::hal::surface::CardSurface;
use uketsuke_driver::hal::{self, ErrorKind};
use uketsuke_driver::secret::CheckCodeB;
use uketsuke_hw_sim::camera::{Scene, VirtualCamera};
use uketsuke_hw_sim::persona::Persona;

use crate::face::models::data_dir;
use crate::face::v4l2::V4l2Camera;

/// A device failure, classified, with a message that carries no personal data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeviceError {
    /// The shared classification.
    pub kind: ErrorKind,
    /// What went wrong.
    pub message: String,
}

impl DeviceError {
    fn of<E: hal::Error>(e: &E) -> Self {
        Self { kind: e.kind(), message: e.to_string() }
    }

    /// A device that is not there.
    pub fn missing(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Disconnected, message: message.into() }
    }
}

/// An open camera.
pub trait LiveCamera: Send {
    /// Blocks until the next frame.
    fn next(&mut self) -> Result<Frame, DeviceError>;
}

impl<S: FrameSource + Send> LiveCamera for S {
    fn next(&mut self) -> Result<Frame, DeviceError> {
        self.next_frame().map_err(|e| DeviceError::of(&e))
    }
}

/// Opens the camera for one capture (or the staff console's live view).
pub trait Camera: Send + Sync {
    /// Opens it.
    fn open(&self) -> Result<Box<dyn LiveCamera>, DeviceError>;
}

/// Reads 照合番号B off the placed card.
pub trait Surface: Send + Sync {
    /// Scans the card face.
    fn check_code_b(&self) -> Result<CheckCodeB, DeviceError>;
}

impl<S: CardSurface + Send> Surface for Mutex<S> {
    fn check_code_b(&self) -> Result<CheckCodeB, DeviceError> {
        let mut s = self.lock().map_err(|_| DeviceError::missing("card-surface scanner state lost"))?;
        s.check_code_b().map_err(|e| DeviceError::of(&e))
    }
}

/// A V4L2 camera from the config.
pub struct V4l2 {
    /// Device path.
    pub device: String,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Camera for V4l2 {
    fn open(&self) -> Result<Box<dyn LiveCamera>, DeviceError> {
        let cam = V4l2Camera::open(&self.device, self.width, self.height).map_err(|e| DeviceError::of(&e))?;
        Ok(Box::new(cam))
    }
}

/// No card-surface scanner is configured: the card-face record (and so the
/// face path) cannot be read. Vendors plug their scanner in here.
pub struct NoSurface;

impl Surface for NoSurface {
    fn check_code_b(&self) -> Result<CheckCodeB, DeviceError> {
        Err(DeviceError::missing("no card-surface scanner is configured for 照合番号B"))
    }
}

/// What the simulator shows: whose card is placed, and who stands in front
/// of the camera.
#[derive(Debug, Default)]
pub struct SimStage {
    /// The placed card's persona.
    pub persona: Option<Persona>,
    /// The camera's scene.
    pub scene: Option<Scene>,
}

/// The simulator's camera and card surface, following a shared stage.
#[derive(Clone, Default)]
pub struct SimDevices {
    /// The stage the script changes.
    pub stage: Arc<Mutex<SimStage>>,
}

impl SimDevices {
    fn persona(&self) -> Result<(Persona, Scene), DeviceError> {
        let stage = self.stage.lock().map_err(|_| DeviceError::missing("simulator state lost"))?;
        let persona = stage.persona.clone().ok_or_else(|| DeviceError::missing("no virtual card is placed"))?;
        Ok((persona, stage.scene.unwrap_or(Scene::Genuine)))
    }
}

/// The virtual camera, delivering frames at its own rate in real time.
struct Paced {
    camera: VirtualCamera,
    started: Instant,
}

impl LiveCamera for Paced {
    fn next(&mut self) -> Result<Frame, DeviceError> {
        let due = self.started + self.camera.next_timestamp();
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        Ok(self.camera.render())
    }
}

impl Camera for SimDevices {
    fn open(&self) -> Result<Box<dyn LiveCamera>, DeviceError> {
        let (persona, scene) = self.persona()?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(7, |d| u64::from(d.subsec_nanos()));
        let camera = VirtualCamera::new(&persona, scene, &data_dir().join("faces"), seed)
            .map_err(|e| DeviceError { kind: ErrorKind::Other, message: e.to_string() })?;
        Ok(Box::new(Paced { camera, started: Instant::now() }))
    }
}

impl Surface for SimDevices {
    fn check_code_b(&self) -> Result<CheckCodeB, DeviceError> {
        let (persona, _) = self.persona()?;
        let code = persona.check_code_b().ok_or_else(|| DeviceError {
            kind: ErrorKind::BadData,
            message: "the card face's 照合番号B could not be read".into(),
        })?;
        CheckCodeB::parse(&code).map_err(|_| DeviceError {
            kind: ErrorKind::BadData,
            message: "the card face's 照合番号B could not be read".into(),
        })
    }
}
