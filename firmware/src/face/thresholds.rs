//! The face check's per-frame quality thresholds, loaded from the kiosk's
//! config. Plain data, apart from OpenCV, so the configuration parser builds
//! (and is fuzzed) without the face pipeline.

use serde::{Deserialize, Serialize};

/// Quality thresholds. Fractions are of the frame's width or height.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityConfig {
    /// Face width below this fraction of the frame width: too far.
    pub min_face_width: f32,
    /// Face width above this fraction: too close.
    pub max_face_width: f32,
    /// The on-screen frame `[x, y, w, h]` as fractions; the face centre must be inside.
    pub guide_box: [f32; 4],
    /// A second face at least this fraction of the largest face's width counts.
    pub second_face_ratio: f32,
    /// Mean grey level of the face below this: too dark.
    pub min_brightness: f64,
    /// Mean grey level of the face above this: too bright.
    pub max_brightness: f64,
    /// Variance of the Laplacian of the face (scaled to 112 px wide) below this: blurred.
    pub min_sharpness: f64,
    /// Nose offset from the eyes' midpoint, over the eye distance, above this: turned.
    pub max_yaw: f32,
    /// The band `[top, bottom]` (fractions of the frame height) the face
    /// centre must be in; below it, or a face cut off by the frame's bottom
    /// edge, is too low (a wheelchair user), above it or cut off at the
    /// top, too high.
    pub height_band: [f32; 2],
    /// The eyes' line tilted more than this (radians) from level: the head
    /// is tilted sideways. Measured from YuNet's eye landmarks, which read a
    /// tilted head as less tilted than it is: 0.25 is about 30° of real
    /// tilt; upright faces measure under 0.1.
    pub max_roll: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            min_face_width: 0.16,
            max_face_width: 0.55,
            guide_box: [0.2, 0.05, 0.6, 0.9],
            second_face_ratio: 0.5,
            min_brightness: 50.0,
            max_brightness: 215.0,
            min_sharpness: 40.0,
            max_yaw: 0.35,
            height_band: [0.15, 0.75],
            max_roll: 0.25,
        }
    }
}

/// While the liveness challenge follows a face already scored, a turned
/// head's box is this much narrower than the face's: a patient standing
/// near [`QualityConfig::min_face_width`] would otherwise read as too far
/// in the middle of the turn asked for, and the turn go unseen.
pub const TURNED_WIDTH: f32 = 0.8;

impl QualityConfig {
    /// The placement thresholds while the challenge follows the face:
    /// the same, but a face down to [`TURNED_WIDTH`] of the minimum width
    /// is near enough.
    #[must_use]
    pub fn while_turning(&self) -> Self {
        Self { min_face_width: self.min_face_width * TURNED_WIDTH, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn while_turning_only_the_minimum_width_is_relaxed() {
        let q = QualityConfig::default();
        let turning = q.while_turning();
        assert!(turning.min_face_width < q.min_face_width);
        assert_eq!(QualityConfig { min_face_width: q.min_face_width, ..turning }, q);
    }
}
