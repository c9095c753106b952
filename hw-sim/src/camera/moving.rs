//! The scene over time: the live card holder making the movement asked
//! for, a print swung or moved in the hand, a phone's video playing.

use std::time::Duration;

use image::RgbImage;
use image::imageops::{self, FilterType};

use super::build::rotated;
use super::{Following, Layer, LayerMotion, Movement, motion, wear};

/// How far into its movement the patient is at `t`: 0 (rest) to 1 (made),
/// with 0.3 s to get there and 0.3 s back.
fn movement_amount(f: &Following, t: Duration) -> f32 {
    const RAMP: f32 = 0.3;
    let s = t.as_secs_f32() - f.start.as_secs_f32();
    let hold = f.hold.as_secs_f32();
    if f.movement == Movement::Blink {
        return if (0.0..hold).contains(&s) { 1.0 } else { 0.0 };
    }
    if s <= 0.0 {
        0.0
    } else if s < RAMP {
        s / RAMP
    } else if s < RAMP + hold {
        1.0
    } else {
        (1.0 - (s - RAMP - hold) / RAMP).max(0.0)
    }
}

/// A layer as it looks at `t` when it changes with time, and the offset to
/// draw it at; `None` when it is as placed.
pub(super) fn layer_at(layer: &Layer, t: Duration, following: Option<Following>) -> Option<(RgbImage, i64, i64)> {
    let secs = t.as_secs_f32();
    match &layer.motion {
        LayerMotion::Still => {
            let (f, l) = (following?, layer.face?);
            let amount = movement_amount(&f, t);
            if amount <= 0.0 {
                return None;
            }
            let img = match f.movement {
                // The patient's left is the image's right.
                Movement::TurnLeft => motion::turn_head(&layer.img, &l, amount).0,
                Movement::TurnRight => motion::turn_head(&layer.img, &l, -amount).0,
                Movement::Blink => {
                    let mut img = layer.img.clone();
                    wear::closed_eyes(&mut img, &l);
                    img
                }
            };
            Some((img, 0, 0))
        }
        LayerMotion::Swung => {
            // Swung to and fro about the vertical axis (±30°) and nodded (±12°).
            let yaw = 0.52 * (secs * 2.4).sin();
            let pitch = 0.2 * (secs * 1.7).sin();
            Some((motion::swing_plane(&layer.img, yaw, pitch, 550.0, 450.0, image::Rgb([90, 90, 90])), 0, 0))
        }
        LayerMotion::Moved => {
            // Shifted (±40 px), turned in the plane (±12°), nearer and farther (±10 %).
            let angle = 0.21 * (secs * 1.3).sin();
            let scale = 1.0 + 0.1 * (secs * 0.9).sin();
            let (w, h) = (layer.img.width(), layer.img.height());
            let scaled = imageops::resize(
                &layer.img,
                (w as f32 * scale) as u32,
                (h as f32 * scale) as u32,
                FilterType::Triangle,
            );
            let turned = rotated(&scaled, angle);
            let (ox, oy) = ((40.0 * (secs * 1.1).sin()) as i64, (20.0 * (secs * 0.7).cos()) as i64);
            let centre = (i64::from(w) - i64::from(turned.width())) / 2;
            let middle = (i64::from(h) - i64::from(turned.height())) / 2;
            Some((turned, ox + centre, oy + middle))
        }
        LayerMotion::Video(video) => video.at(t).map(|img| (img, 0, 0)),
    }
}
