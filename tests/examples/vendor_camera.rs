//! Adding a camera (docs/vendor-guide.md §2): a kiosk whose camera is
//! mounted upside down, corrected in the driver so the face models see an
//! upright face. `Camera::open` is called for each face check and the
//! source dropped after it (the camera is off between patients); a frame is
//! biometric, so the copy made here is zeroized when dropped (`Frame`).
//! The stand-in hardware is the simulator's virtual camera turned over.
//! Run: `cargo run -p uketsuke-tests --example vendor_camera`.
#![allow(clippy::print_stdout)]

use anyhow::{Result, ensure};
use uketsuke_driver::hal::camera::{Camera, DynFrameSource, Frame, FrameSource};
use uketsuke_driver::hal::{DeviceError, ErrorKind, Vendor};
use uketsuke_firmware::face::decision::FrameResult;
use uketsuke_firmware::face::embed::Embedding;
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::face::pipeline::Engine;
use uketsuke_firmware::face::quality::QualityConfig;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::persona::{self, CardImages};
use uketsuke_sim_kiosk::devices::SimDevices;

/// Turns a frame half round (a camera mounted upside down).
fn turned(frame: &Frame) -> Result<Frame, DeviceError> {
    let bpp = frame.format().bytes_per_pixel();
    let pixels: Vec<u8> = frame.pixels().chunks_exact(bpp).rev().flatten().copied().collect();
    Frame::new(frame.width(), frame.height(), frame.format(), pixels, frame.timestamp)
        .map_err(|e| DeviceError::new(ErrorKind::BadData, e.to_string()))
}

/// The vendor's driver: any camera, its frames turned upright.
struct UpsideDown<C: Camera>(C);

/// One capture from it.
struct Upright(Box<DynFrameSource>);

impl FrameSource for Upright {
    type Error = DeviceError;

    fn next_frame(&mut self) -> Result<Frame, DeviceError> {
        turned(&self.0.next_frame()?)
    }
}

impl<C: Camera> Camera for UpsideDown<C> {
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError> {
        Ok(Box::new(Vendor(Upright(self.0.open()?))))
    }
}

/// The stand-in hardware: the virtual camera, mounted upside down.
struct MountedWrong(SimDevices);

impl Camera for MountedWrong {
    fn open(&self) -> Result<Box<DynFrameSource>, DeviceError> {
        Ok(Box::new(Vendor(Upright(self.0.open()?))))
    }
}

/// The best match against the card photo over a few frames (none: no
/// usable face), as the kiosk's face check scores them.
fn best_match(engine: &mut Engine, photo: &Embedding, source: &mut DynFrameSource) -> Result<Option<f32>> {
    let mut best = None;
    for _ in 0..5 {
        let frame = source.next_frame()?;
        if let FrameResult::Scored { similarity, .. } = engine.assess_frame(&QualityConfig::default(), photo, &frame)? {
            best = Some(best.map_or(similarity, |b: f32| b.max(similarity)));
        }
    }
    Ok(best)
}

fn main() -> Result<()> {
    let persona = persona::by_id("adult-registered")?;
    let images = CardImages::load(&persona::data_dir(), &persona)?;
    let devices = SimDevices::default();
    if let Ok(mut stage) = devices.stage.lock() {
        stage.persona = Some(persona);
        stage.scene = Some(Scene::Genuine);
    }
    let mut engine = Engine::load(&ModelPaths::default_location())?;
    let photo = engine.reference(&images.photo)?;

    let raw = best_match(&mut engine, &photo, &mut *MountedWrong(devices.clone()).open()?)?;
    let fixed = best_match(&mut engine, &photo, &mut *UpsideDown(MountedWrong(devices)).open()?)?;
    println!("match with the card photo: {raw:.2?} as mounted, {fixed:.2?} after the driver turns the frames");
    ensure!(raw.is_none_or(|s| s < 0.40), "an upside-down face must not match");
    ensure!(fixed.is_some_and(|s| s >= 0.40), "the corrected camera must match the card holder");
    Ok(())
}
