//! The simulator's camera and card-surface scanner, behind the driver's
//! HAL traits exactly as a vendor's devices are: they follow a shared
//! stage (whose card is placed, who stands in front of the camera).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use uketsuke_driver::hal::camera::{Camera, DynFrameSource, Frame, FrameSource};
use uketsuke_driver::hal::surface::CardSurface;
use uketsuke_driver::hal::{DeviceError, ErrorKind};
use uketsuke_driver::secret::CheckCodeB;
use uketsuke_firmware::face::models::data_dir;
use uketsuke_hw_sim::camera::{Scene, VirtualCamera};
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
        let persona = stage
            .persona
            .clone()
            .ok_or_else(|| DeviceError::new(ErrorKind::Disconnected, "no virtual card is placed"))?;
        Ok((persona, stage.scene.unwrap_or(Scene::Genuine)))
    }
}

/// The virtual camera, delivering frames at its own rate in real time.
struct Paced {
    camera: VirtualCamera,
    started: Instant,
}

impl FrameSource for Paced {
    type Error = DeviceError;

    fn next_frame(&mut self) -> Result<Frame, DeviceError> {
        let due = self.started + self.camera.next_timestamp();
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        Ok(self.camera.render())
    }
}

impl Camera for SimDevices {
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError> {
        let (persona, scene) = self.persona()?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(7, |d| u64::from(d.subsec_nanos()));
        let camera =
            VirtualCamera::new(&persona, scene, &data_dir().join("faces"), seed).map_err(|e| DeviceError::of(&e))?;
        Ok(Box::new(Paced { camera, started: Instant::now() }))
    }
}

impl CardSurface for SimDevices {
    type Error = DeviceError;

    // A deliberate panic: the injected fault of a vendor driver with a bug.
    #[allow(clippy::panic)]
    fn check_code_b(&mut self) -> Result<CheckCodeB, DeviceError> {
        if self.stage.lock().is_ok_and(|s| s.surface_panics) {
            panic!("simulated fault: the card-surface scanner's driver panicked");
        }
        let unreadable = || DeviceError::new(ErrorKind::BadData, "the card face's 照合番号B could not be read");
        let (persona, _) = self.persona()?;
        let code = persona.check_code_b().ok_or_else(unreadable)?;
        CheckCodeB::parse(&code).map_err(|_| unreadable())
    }
}
