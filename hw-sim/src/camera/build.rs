//! The layers each scene is made of: the card holder placed live (their
//! landmarks found, to move and wear things), someone else, nobody, or a
//! picture of the card holder held up.

use std::path::Path;
use std::time::Duration;

use image::RgbImage;
use image::imageops::{self, FilterType};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::attack::{PhoneVideo, colour_print, phone_screen_photo, printed_card_photo};
use super::{CameraError, HEIGHT, IMPOSTORS, Landmarks, Layer, LayerMotion, Locate, Scene, WIDTH, wear};
use crate::persona::Persona;

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
    Layer { x: cx - i64::from(width) / 2, y: top, img, face: None, motion: LayerMotion::Still }
}

/// A picture held up in front of the camera, centred where a face would be.
fn held_up(img: RgbImage, motion: LayerMotion) -> Layer {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    Layer { x: i64::from(WIDTH) / 2 - w / 2, y: (i64::from(HEIGHT) - h) / 2, img, face: None, motion }
}

/// The face in `img` scaled so that its eyes are `eye_distance` apart, cut
/// to a portrait around it (as a photo printed or shown at the size of a
/// real face in front of the camera).
fn face_portrait(
    img: &RgbImage,
    locate: &(dyn Fn(&RgbImage) -> Option<Landmarks> + Send + Sync),
    name: &str,
    eye_distance: f32,
) -> Result<RgbImage, CameraError> {
    let l = locate(img).ok_or_else(|| CameraError::NoLandmarks(name.to_owned()))?;
    let ed = (l[1][0] - l[0][0]).hypot(l[1][1] - l[0][1]).max(1.0);
    let scale = eye_distance / ed;
    let (cx, cy) = ((l[0][0] + l[1][0]) / 2.0, (l[0][1] + l[1][1]) / 2.0);
    // 3.2 eye distances wide, 4 high, the eyes 40 % down.
    let (w, h) = (3.2 * ed, 4.0 * ed);
    let x0 = (cx - w / 2.0).clamp(0.0, img.width() as f32 - 1.0) as u32;
    let y0 = (cy - 0.4 * h).clamp(0.0, img.height() as f32 - 1.0) as u32;
    let cw = (w as u32).min(img.width() - x0).max(1);
    let ch = (h as u32).min(img.height() - y0).max(1);
    let cut = imageops::crop_imm(img, x0, y0, cw, ch).to_image();
    let (nw, nh) = ((cw as f32 * scale) as u32, (ch as f32 * scale) as u32);
    Ok(imageops::resize(&cut, nw.max(1), nh.max(1), FilterType::Triangle))
}

/// `img` turned by `angle` radians about its centre (nearest pixel; the
/// corners uncovered are filled with the image's mean colour).
pub(super) fn rotated(img: &RgbImage, angle: f32) -> RgbImage {
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

pub(super) fn background(seed: u64) -> RgbImage {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut bg = RgbImage::new(WIDTH, HEIGHT);
    let tint = (rng.next_u32() % 20) as f32;
    for (x, y, p) in bg.enumerate_pixels_mut() {
        let v = 150.0 + 40.0 * (x as f32 / WIDTH as f32) - 30.0 * (y as f32 / HEIGHT as f32);
        *p = image::Rgb([(v - tint) as u8, v as u8, (v + tint / 2.0) as u8]);
    }
    bg
}

/// A live layer: the card holder's photo placed, with their landmarks
/// found (when a locator is given) so that they can move and wear things.
fn live_layer(img: &RgbImage, height: u32, cx: i64, top: i64, locate: Option<&Locate>) -> Layer {
    let mut layer = place(img, height, cx, top);
    layer.face = locate.and_then(|f| f(&layer.img));
    layer
}

/// The card holder's images, the card's first (`persona.photo`).
fn own_images(persona: &Persona) -> Vec<&str> {
    std::iter::once(persona.photo.card.as_str()).chain(persona.photo.camera.iter().map(String::as_str)).collect()
}

/// The eye distance of the live card holder as the camera sees them (the
/// size an attacker holds a picture at).
const LIVE_EYE_DISTANCE: f32 = 95.0;

/// The layers of `scene`, and the light's gain.
pub(super) fn build(
    persona: &Persona,
    scene: Scene,
    faces: &Path,
    locate: Option<&Locate>,
) -> Result<(Vec<Layer>, f32), CameraError> {
    let own = own_images(persona);
    let live_rel = own.get(1).copied().unwrap_or(own[0]);
    let live = load(faces, live_rel)?;
    let other_rel = IMPOSTORS.iter().find(|i| !own.contains(i)).copied().unwrap_or(IMPOSTORS[0]);
    let cx = i64::from(WIDTH / 2);
    let need = |what: &str| CameraError::NoLandmarks(format!("{what} (the scene needs a face locator)"));
    let mut gain = 1.0;
    let layers = match scene {
        Scene::Genuine | Scene::ArrivesLate | Scene::Unresponsive => vec![live_layer(&live, 470, cx, 10, locate)],
        Scene::Mask | Scene::Sunglasses | Scene::ClearGlasses => {
            let mut layer = live_layer(&live, 470, cx, 10, locate);
            let l = layer.face.ok_or_else(|| need(live_rel))?;
            match scene {
                Scene::Mask => wear::mask(&mut layer.img, &l, [214.0, 228.0, 240.0]),
                Scene::Sunglasses => wear::sunglasses(&mut layer.img, &l),
                _ => wear::clear_glasses(&mut layer.img, &l),
            }
            vec![layer]
        }
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
            vec![Layer { x: cx - w / 2, y: 0, img, face: None, motion: LayerMotion::Still }]
        }
        Scene::ColourPrint | Scene::ColourPrintTilted | Scene::ColourPrintMoved => {
            // Another photo of the card holder than the one the camera sees
            // live (from social media, say); with only one, that one.
            let rel = own.iter().rev().find(|r| **r != live_rel).copied().unwrap_or(live_rel);
            let locate = locate.ok_or_else(|| need(rel))?;
            let portrait = face_portrait(&load(faces, rel)?, locate.as_ref(), rel, LIVE_EYE_DISTANCE)?;
            let motion = match scene {
                Scene::ColourPrint => LayerMotion::Still,
                Scene::ColourPrintTilted => LayerMotion::Swung,
                _ => LayerMotion::Moved,
            };
            vec![held_up(colour_print(&portrait), motion)]
        }
        Scene::PhoneVideo => {
            let locate = locate.ok_or_else(|| need("the card holder's photos"))?;
            // A phone shows a face a little smaller than life.
            let mut photos = Vec::new();
            for rel in &own {
                let portrait = face_portrait(&load(faces, rel)?, locate.as_ref(), rel, 0.9 * LIVE_EYE_DISTANCE)?;
                photos.push(imageops::resize(&portrait, 280, 350, FilterType::Triangle));
            }
            let video = PhoneVideo::new(photos, Duration::from_millis(1200));
            let first = video.at(Duration::ZERO).unwrap_or_default();
            vec![held_up(first, LayerMotion::Video(video))]
        }
    };
    Ok((layers, gain))
}
