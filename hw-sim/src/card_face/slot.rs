//! The card slot's camera in the simulator: frames of the placed card's
//! face, photographed anew for each frame (the noise changes; the
//! placement stays), delivered as BGR frames through the driver's HAL,
//! exactly as a V4L2 card-slot camera delivers them.

use std::sync::Arc;
use std::time::Duration;

use image::RgbImage;
use uketsuke_driver::hal::camera::{Frame, FrameSource, PixelFormat};
use uketsuke_driver::hal::{DeviceError, ErrorKind};

use super::draw::Fonts;
use super::layout::{self, Style};
use super::shot::{HEIGHT, Shot, WIDTH};
use super::{CardFace, CardFaceError};

/// How the card lies in the slot, for scripts and scenarios.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Placement {
    /// As patients leave it: a random readable placement.
    #[default]
    Normal,
    /// A thumb over the engraved numbers.
    ThumbOverCode,
    /// A strong reflection over the card.
    Glare,
}

/// The card-slot camera looking at one placed card.
pub struct CardSlotCamera {
    flat: RgbImage,
    shot: Shot,
    frame: u64,
}

impl CardSlotCamera {
    /// Photographs `face`, laid out with the style of `layout_seed` (the
    /// card's own design), placed as `shot_seed` and `placement` say.
    pub fn new(
        face: &CardFace,
        fonts: &Arc<Fonts>,
        (layout_seed, shot_seed): (u64, u64),
        placement: Placement,
    ) -> Result<Self, CardFaceError> {
        let flat = layout::render(face, fonts, &Style::from_seed(layout_seed))?;
        let mut shot = Shot::random(shot_seed);
        match placement {
            Placement::Normal => {}
            Placement::ThumbOverCode => shot.thumb = Some(super::shot::Thumb::OverCode),
            Placement::Glare => shot = shot.with_glare(),
        }
        Ok(Self { flat, shot, frame: 0 })
    }
}

impl Drop for CardSlotCamera {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        let raw: &mut [u8] = &mut self.flat;
        raw.zeroize();
    }
}

impl FrameSource for CardSlotCamera {
    type Error = DeviceError;

    fn next_frame(&mut self) -> Result<Frame, DeviceError> {
        self.frame += 1;
        let shot = Shot { seed: self.shot.seed.wrapping_add(self.frame * 7919), ..self.shot.clone() };
        let jpeg = zeroize::Zeroizing::new(shot.photograph(&self.flat));
        let rgb = image::load_from_memory(&jpeg)
            .map_err(|_| DeviceError::new(ErrorKind::BadData, "the card-slot frame did not decode"))?
            .to_rgb8();
        let mut bgr = rgb.into_raw();
        for px in bgr.chunks_exact_mut(3) {
            px.swap(0, 2);
        }
        Frame::new(WIDTH, HEIGHT, PixelFormat::Bgr8, bgr, Duration::from_millis(self.frame * 33))
            .map_err(|e| DeviceError::new(ErrorKind::BadData, e.to_string()))
    }
}
