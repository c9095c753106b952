//! What covers the face, and how open the eyes are, measured on the face
//! aligned the way SFace sees it (`FaceRecognizerSF::alignCrop`: 112×112,
//! the eyes, nose and mouth always at the same places), so the regions
//! below are fixed boxes whatever the face's size or tilt.
//!
//! - **Mask**: the mouth and chin do not look like the forehead's skin: a
//!   light mask (white, pale blue, pink) has far less skin colour than the
//!   forehead and is as bright; a dark one is much darker and smooth (a
//!   beard is dark too, but textured).
//! - **Sunglasses**: the eyes are much darker than the nose and cheeks.
//! - **A hat's shadow**: the forehead and eyes are much darker than the
//!   mouth and chin.
//!
//! Colour measures are relative to luma (as `quality::face_chroma`), so the
//! light level does not move them; a colourless image (a greyscale print)
//! never reads as masked, and the presentation-attack check deals with it.

use opencv::core::{self, Mat, Rect, Scalar};
use opencv::imgproc;
use opencv::prelude::*;

use super::FaceError;
use super::detect::Face;
use super::embed::Embedder;
use super::quality::skin_chroma;
use uketsuke_screen::Guidance;

/// Boxes `[x, y, w, h]` in the 112×112 aligned face.
const LEFT_EYE: [i32; 4] = [29, 47, 18, 10];
const RIGHT_EYE: [i32; 4] = [65, 47, 18, 10];
const FOREHEAD: [i32; 4] = [36, 14, 40, 18];
const CHEEKS: [i32; 4] = [30, 62, 52, 14];
const MOUTH_CHIN: [i32; 4] = [38, 84, 36, 22];
const NOSE: [i32; 4] = [46, 56, 20, 6];

/// Thresholds for [`Regions::occlusion`].
mod limits {
    /// Forehead skin chroma over the mouth's by more than this (points of
    /// luma %) with the mouth as bright as the forehead: a light mask.
    pub const MASK_CHROMA_GAP: f64 = 7.0;
    /// A light mask is at least this bright relative to the forehead.
    pub const MASK_BRIGHT: f64 = 0.85;
    /// A dark mask: mouth and chin under this fraction of the forehead's
    /// luma, with a coefficient of variation under [`MASK_SMOOTH`].
    pub const MASK_DARK: f64 = 0.45;
    pub const MASK_SMOOTH: f64 = 0.12;
    /// Eyes under this fraction of the cheeks' luma: sunglasses (live
    /// eyes, iris and lashes included, measure 0.4–0.6 on the personas).
    pub const SUNGLASSES: f64 = 0.33;
    /// Eyes under this fraction and smooth (coefficient of variation under
    /// [`LENS_SMOOTH`]; an open eye's is over 0.38): sunglasses too.
    pub const SUNGLASSES_SMOOTH: f64 = 0.45;
    pub const LENS_SMOOTH: f64 = 0.3;
    /// Forehead under this fraction of the mouth and chin's luma (and the
    /// eyes under [`HAT_EYES`]): a hat's shadow.
    pub const HAT_FOREHEAD: f64 = 0.5;
    pub const HAT_EYES: f64 = 0.6;
}

/// One box's mean luma, its coefficient of variation and its skin chroma.
#[derive(Clone, Copy, Debug)]
struct Patch {
    luma: f64,
    variation: f64,
    chroma: f64,
}

fn patch(ycrcb: &Mat, b: [i32; 4]) -> Result<Patch, FaceError> {
    let roi = Mat::roi(ycrcb, Rect::new(b[0], b[1], b[2], b[3]))?;
    let mut mean = Scalar::default();
    let mut sd = Scalar::default();
    core::mean_std_dev(&roi, &mut mean, &mut sd, &core::no_array())?;
    let luma = mean[0].max(1.0);
    Ok(Patch { luma, variation: sd[0] / luma, chroma: skin_chroma(&mean) })
}

/// Measures `face` in the colour frame it was found in (BGR): what covers
/// it (as the guidance to give), and its patches for comparing with the
/// next look.
pub fn measure(embedder: &mut Embedder, colour: &Mat, face: &Face) -> Result<(Option<Guidance>, Patches), FaceError> {
    let mut aligned = embedder.align(colour, face)?;
    if aligned.rows() < 112 || aligned.cols() < 112 {
        return Err(FaceError::BadImage("aligned face has an unexpected size"));
    }
    let mut ycrcb = Mat::default();
    let converted = imgproc::cvt_color(&aligned, &mut ycrcb, imgproc::COLOR_BGR2YCrCb, 0);
    super::pipeline::wipe(&mut aligned);
    converted?;
    let measured = (|| -> Result<(Option<Guidance>, Patches), FaceError> {
        let eyes = [patch(&ycrcb, LEFT_EYE)?, patch(&ycrcb, RIGHT_EYE)?];
        let (forehead, cheeks, mouth) = (patch(&ycrcb, FOREHEAD)?, patch(&ycrcb, CHEEKS)?, patch(&ycrcb, MOUTH_CHIN)?);
        let patches =
            Patches { eyes: luma_of(&ycrcb, &[LEFT_EYE, RIGHT_EYE])?, rest: luma_of(&ycrcb, &[CHEEKS, NOSE])? };
        Ok((judge(eyes, forehead, cheeks, mouth), patches))
    })();
    super::pipeline::wipe(&mut ycrcb);
    measured
}

/// The luma of the eye boxes and of the cheeks-and-nose box of one face,
/// for comparing one look with the next (a blink changes the eyes alone).
/// Biometric: zeroized on drop, never printed.
#[derive(Clone, Default)]
pub struct Patches {
    eyes: zeroize::Zeroizing<Vec<f32>>,
    rest: zeroize::Zeroizing<Vec<f32>>,
}

impl std::fmt::Debug for Patches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Patches(REDACTED)")
    }
}

impl Patches {
    /// How much the eyes and the rest changed from `before` to `self`:
    /// 1 − the normalised cross-correlation of each (0: the same, 1: unrelated).
    pub fn change_from(&self, before: &Patches) -> (f32, f32) {
        (1.0 - ncc(&self.eyes, &before.eyes), 1.0 - ncc(&self.rest, &before.rest))
    }
}

/// Normalised cross-correlation of two equal-length series (0 when either is flat).
fn ncc(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let n = a.len() as f32;
    let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
    let (mut ab, mut aa, mut bb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        ab += dx * dy;
        aa += dx * dx;
        bb += dy * dy;
    }
    if aa <= f32::EPSILON || bb <= f32::EPSILON { 0.0 } else { ab / (aa * bb).sqrt() }
}

fn luma_of(ycrcb: &Mat, boxes: &[[i32; 4]]) -> Result<zeroize::Zeroizing<Vec<f32>>, FaceError> {
    let mut out = zeroize::Zeroizing::new(Vec::new());
    for b in boxes {
        for r in b[1]..b[1] + b[3] {
            for c in b[0]..b[0] + b[2] {
                out.push(f32::from(ycrcb.at_2d::<core::Vec3b>(r, c)?[0]));
            }
        }
    }
    Ok(out)
}

/// The rules, on the boxes' measures: what covers the face, if anything.
fn judge(eyes: [Patch; 2], forehead: Patch, cheeks: Patch, mouth: Patch) -> Option<Guidance> {
    use limits::*;
    let eye_luma = (eyes[0].luma + eyes[1].luma) / 2.0;
    let light_mask = forehead.chroma - mouth.chroma > MASK_CHROMA_GAP && mouth.luma >= MASK_BRIGHT * forehead.luma;
    let dark_mask = mouth.luma < MASK_DARK * forehead.luma && mouth.variation < MASK_SMOOTH;
    if light_mask || dark_mask {
        Some(Guidance::Mask)
    } else if forehead.luma < HAT_FOREHEAD * mouth.luma && eye_luma < HAT_EYES * mouth.luma {
        Some(Guidance::HatShadow)
    } else if eye_luma < SUNGLASSES * cheeks.luma
        || (eye_luma < SUNGLASSES_SMOOTH * cheeks.luma && (eyes[0].variation + eyes[1].variation) / 2.0 < LENS_SMOOTH)
    {
        Some(Guidance::Sunglasses)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skin(luma: f64) -> Patch {
        Patch { luma, variation: 0.08, chroma: 18.0 }
    }

    fn open_eye() -> Patch {
        Patch { luma: 75.0, variation: 0.45, chroma: 8.0 }
    }

    #[test]
    fn a_bare_face_is_not_occluded_and_its_open_eyes_are_contrasted() {
        assert_eq!(judge([open_eye(); 2], skin(150.0), skin(150.0), skin(140.0)), None);
        // Deep-set eyes in shade: dark, but an iris against white.
        let shaded = Patch { luma: 55.0, variation: 0.5, chroma: 6.0 };
        assert_eq!(judge([shaded; 2], skin(150.0), skin(150.0), skin(140.0)), None);
    }

    #[test]
    fn a_pale_mask_has_no_skin_colour_below_the_nose() {
        let mask = Patch { luma: 200.0, variation: 0.05, chroma: 1.0 };
        assert_eq!(judge([open_eye(); 2], skin(150.0), mask, mask), Some(Guidance::Mask));
    }

    #[test]
    fn a_black_mask_is_dark_and_smooth_but_a_beard_is_textured() {
        let black = Patch { luma: 40.0, variation: 0.06, chroma: 0.5 };
        assert_eq!(judge([open_eye(); 2], skin(150.0), skin(140.0), black), Some(Guidance::Mask));
        let beard = Patch { luma: 55.0, variation: 0.3, chroma: 6.0 };
        assert_eq!(judge([open_eye(); 2], skin(150.0), skin(140.0), beard), None);
    }

    #[test]
    fn dark_lenses_are_sunglasses_and_a_shaded_brow_is_a_hat() {
        let lens = Patch { luma: 35.0, variation: 0.1, chroma: 0.0 };
        assert_eq!(judge([lens; 2], skin(150.0), skin(150.0), skin(140.0)), Some(Guidance::Sunglasses));
        let glinting = Patch { luma: 60.0, variation: 0.2, chroma: 0.0 };
        assert_eq!(judge([glinting; 2], skin(150.0), skin(150.0), skin(140.0)), Some(Guidance::Sunglasses));
        let shaded_eye = Patch { luma: 50.0, variation: 0.3, chroma: 8.0 };
        assert_eq!(judge([shaded_eye; 2], skin(55.0), skin(120.0), skin(140.0)), Some(Guidance::HatShadow));
    }

    #[test]
    fn a_colourless_face_is_never_read_as_masked() {
        let grey = |luma| Patch { luma, variation: 0.08, chroma: 0.0 };
        assert_eq!(judge([open_eye(); 2], grey(150.0), grey(150.0), grey(150.0)), None);
    }

    #[test]
    fn a_change_of_the_eyes_alone_shows_in_the_eyes_only() {
        let eyes: Vec<f32> = (0..360).map(|i| (i % 17) as f32 * 9.0).collect();
        let rest: Vec<f32> = (0..432).map(|i| (i % 23) as f32 * 5.0).collect();
        let open = Patches { eyes: eyes.clone().into(), rest: rest.clone().into() };
        let closed = Patches {
            eyes: eyes.iter().map(|v| 150.0 + v / 20.0 * ((v * 7.0) % 3.0)).collect::<Vec<_>>().into(),
            rest: rest.clone().into(),
        };
        let (e, r) = closed.change_from(&open);
        assert!(e > 0.5 && r < 1e-5, "{e} {r}");
        let (e, r) = open.change_from(&open.clone());
        assert!(e < 1e-5 && r < 1e-5);
        assert_eq!(format!("{open:?}"), "Patches(REDACTED)");
    }
}
