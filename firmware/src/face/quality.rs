//! Per-frame quality and the guidance the patient sees (DESIGN.md §1, face
//! step: closer, farther, centre, light, one face only). Thresholds live in
//! [`QualityConfig`], loaded from the kiosk's config.

use opencv::core::{self, Mat, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::FaceError;
use super::detect::Face;

pub use super::thresholds::QualityConfig;
pub use uketsuke_screen::Guidance;

/// What one frame is worth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Assessment {
    /// Usable: this face.
    Usable(Face),
    /// Not usable, and what to tell the patient.
    Unusable(Guidance),
}

/// Assesses a frame (BGR, 3-channel) given the faces the detector found:
/// [`assess_placement`], then [`assess_image`].
pub fn assess(cfg: &QualityConfig, frame: &Mat, faces: &[Face]) -> Result<Assessment, FaceError> {
    match assess_placement(cfg, frame, faces)? {
        Assessment::Usable(face) => assess_image(cfg, frame, &face),
        unusable => Ok(unusable),
    }
}

/// Where the face is: one face, its size, its height and its centre.
/// Enough to follow a face that turns during the liveness challenge.
pub fn assess_placement(cfg: &QualityConfig, frame: &Mat, faces: &[Face]) -> Result<Assessment, FaceError> {
    let Some(face) = faces.first() else {
        // No face found in a frame this dark is the darkness's doing (a dark
        // room, a covered lens, a dead sensor): say so, not "no face".
        let whole = core::mean(frame, &core::no_array())?;
        let level = (whole[0] + whole[1] + whole[2]) / 3.0;
        let guidance = if level < cfg.min_brightness / 2.0 { Guidance::TooDark } else { Guidance::NoFace };
        return Ok(Assessment::Unusable(guidance));
    };
    let (fw, fh) = (frame.cols() as f32, frame.rows() as f32);
    if faces[1..].iter().any(|f| f.bbox[2] >= cfg.second_face_ratio * face.bbox[2]) {
        return Ok(Assessment::Unusable(Guidance::MultipleFaces));
    }
    let width = face.bbox[2] / fw;
    if width < cfg.min_face_width {
        return Ok(Assessment::Unusable(Guidance::TooFar));
    }
    if width > cfg.max_face_width {
        return Ok(Assessment::Unusable(Guidance::TooClose));
    }
    let (cx, cy) = ((face.bbox[0] + face.bbox[2] / 2.0) / fw, (face.bbox[1] + face.bbox[3] / 2.0) / fh);
    // Height first: a patient too low or too high is told how to fix that
    // (the screen, the staff), not merely to centre.
    let (top, bottom) = (face.bbox[1] / fh, (face.bbox[1] + face.bbox[3]) / fh);
    let [band_top, band_bottom] = cfg.height_band;
    if cy > band_bottom || bottom > EDGE_BOTTOM {
        return Ok(Assessment::Unusable(Guidance::TooLow));
    }
    if cy < band_top || top < EDGE_TOP {
        return Ok(Assessment::Unusable(Guidance::TooHigh));
    }
    let [gx, gy, gw, gh] = cfg.guide_box;
    if cx < gx || cx > gx + gw || cy < gy || cy > gy + gh {
        return Ok(Assessment::Unusable(Guidance::OffCentre));
    }
    Ok(Assessment::Usable(*face))
}

/// Whether a well-placed face is fit to match on: its light, its
/// sharpness, and a head upright and facing the camera.
pub fn assess_image(cfg: &QualityConfig, frame: &Mat, face: &Face) -> Result<Assessment, FaceError> {
    let roi = face_roi(frame, face)?;
    let brightness = core::mean(&roi, &core::no_array())?[0];
    if brightness < cfg.min_brightness {
        return Ok(Assessment::Unusable(Guidance::TooDark));
    }
    if brightness > cfg.max_brightness {
        return Ok(Assessment::Unusable(Guidance::TooBright));
    }
    if sharpness(&roi)? < cfg.min_sharpness {
        return Ok(Assessment::Unusable(Guidance::Blurred));
    }
    if roll(face).abs() > cfg.max_roll {
        return Ok(Assessment::Unusable(Guidance::Tilted));
    }
    if yaw(face) > cfg.max_yaw {
        return Ok(Assessment::Unusable(Guidance::HeadTurned));
    }
    Ok(Assessment::Usable(*face))
}

/// A face box reaching past these fractions of the frame height is cut
/// off by the frame's edge.
const EDGE_TOP: f32 = 0.01;
const EDGE_BOTTOM: f32 = 0.99;

/// The eyes' line from level, in radians (positive: the image-right eye lower).
fn roll(face: &Face) -> f32 {
    let [e1, e2, _, _, _] = face.landmarks;
    (e2[1] - e1[1]).atan2(e2[0] - e1[0])
}

/// The face box, clipped to the frame, as a greyscale image.
fn face_roi(frame: &Mat, face: &Face) -> Result<Mat, FaceError> {
    let x0 = face.bbox[0].max(0.0) as i32;
    let y0 = face.bbox[1].max(0.0) as i32;
    let x1 = ((face.bbox[0] + face.bbox[2]) as i32).min(frame.cols());
    let y1 = ((face.bbox[1] + face.bbox[3]) as i32).min(frame.rows());
    if x1 - x0 < 8 || y1 - y0 < 8 {
        return Err(FaceError::BadImage("face box outside the frame"));
    }
    let roi = Mat::roi(frame, Rect::new(x0, y0, x1 - x0, y1 - y0))?;
    let mut grey = Mat::default();
    imgproc::cvt_color(&roi, &mut grey, imgproc::COLOR_BGR2GRAY, 0)?;
    Ok(grey)
}

/// How skin-coloured the middle of the face is: the mean (Cr, Cb) offset
/// from neutral grey projected on the skin direction (Cr up, Cb down), as a
/// percentage of the mean luma so that it does not depend on the light.
/// Averaging first makes it immune to zero-mean sensor noise. A live face is
/// clearly positive; a greyscale print of the chip photo is about zero, and
/// the same photo on a screen with a cool white point is negative.
pub fn face_chroma(colour_frame: &Mat, face: &Face) -> Result<f64, FaceError> {
    let [x, y, w, h] = face.bbox;
    let (x0, y0) = ((x + 0.2 * w).max(0.0) as i32, (y + 0.25 * h).max(0.0) as i32);
    let x1 = ((x + 0.8 * w) as i32).min(colour_frame.cols());
    let y1 = ((y + 0.85 * h) as i32).min(colour_frame.rows());
    if x1 - x0 < 4 || y1 - y0 < 4 {
        return Err(FaceError::BadImage("face box outside the frame"));
    }
    let roi = Mat::roi(colour_frame, Rect::new(x0, y0, x1 - x0, y1 - y0))?;
    let mut ycrcb = Mat::default();
    imgproc::cvt_color(&roi, &mut ycrcb, imgproc::COLOR_BGR2YCrCb, 0)?;
    Ok(skin_chroma(&core::mean(&ycrcb, &core::no_array())?))
}

/// The skin chroma of a mean (Y, Cr, Cb): the (Cr, Cb) offset from neutral
/// grey on the skin direction (Cr up, Cb down), as a % of the luma.
pub fn skin_chroma(mean: &Scalar) -> f64 {
    let skin = ((mean[1] - 128.0) - (mean[2] - 128.0)) / std::f64::consts::SQRT_2;
    100.0 * skin / mean[0].max(1.0)
}

/// Variance of the Laplacian of the face scaled to 112 px wide.
fn sharpness(grey_face: &Mat) -> Result<f64, FaceError> {
    let scale = 112.0 / f64::from(grey_face.cols());
    let mut small = Mat::default();
    imgproc::resize(grey_face, &mut small, Size::default(), scale, scale, imgproc::INTER_AREA)?;
    let mut lap = Mat::default();
    imgproc::laplacian(&small, &mut lap, core::CV_64F, 1, 1.0, 0.0, core::BORDER_DEFAULT)?;
    let mut mean = Scalar::default();
    let mut stddev = Scalar::default();
    core::mean_std_dev(&lap, &mut mean, &mut stddev, &core::no_array())?;
    Ok(stddev[0] * stddev[0])
}

/// How far the nose sits from the eyes' midpoint, over the eye distance.
fn yaw(face: &Face) -> f32 {
    let [e1, e2, nose, _, _] = face.landmarks;
    let eye_dist = ((e2[0] - e1[0]).powi(2) + (e2[1] - e1[1]).powi(2)).sqrt();
    if eye_dist < 1.0 {
        return f32::INFINITY;
    }
    (nose[0] - (e1[0] + e2[0]) / 2.0).abs() / eye_dist
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, y: f32, w: f32) -> Face {
        let lm = |dx: f32, dy: f32| [x + dx * w, y + dy * w];
        Face {
            bbox: [x, y, w, w * 1.25],
            landmarks: [lm(0.3, 0.45), lm(0.7, 0.45), lm(0.5, 0.65), lm(0.35, 0.85), lm(0.65, 0.85)],
            score: 0.9,
        }
    }

    fn frame(level: f64) -> Mat {
        Mat::new_rows_cols_with_default(480, 640, core::CV_8UC3, Scalar::all(level)).unwrap_or_default()
    }

    fn guidance(frame: &Mat, faces: &[Face]) -> Option<Guidance> {
        match assess(&QualityConfig::default(), frame, faces) {
            Ok(Assessment::Unusable(g)) => Some(g),
            _ => None,
        }
    }

    #[test]
    fn the_geometric_checks_give_their_guidance() {
        let f = frame(128.0);
        assert_eq!(guidance(&f, &[]), Some(Guidance::NoFace));
        assert_eq!(guidance(&f, &[face(250.0, 100.0, 160.0), face(20.0, 20.0, 120.0)]), Some(Guidance::MultipleFaces));
        assert_eq!(guidance(&f, &[face(300.0, 200.0, 60.0)]), Some(Guidance::TooFar));
        assert_eq!(guidance(&f, &[face(100.0, 10.0, 400.0)]), Some(Guidance::TooClose));
        assert_eq!(guidance(&f, &[face(5.0, 100.0, 150.0)]), Some(Guidance::OffCentre));
    }

    #[test]
    fn a_face_low_in_the_view_or_cut_off_at_the_bottom_is_too_low_and_at_the_top_too_high() {
        let f = frame(128.0);
        // A wheelchair user: the face centre at 80 % of the height.
        assert_eq!(guidance(&f, &[face(250.0, 330.0, 110.0)]), Some(Guidance::TooLow));
        // Cut off by the bottom edge, even with its centre in the band.
        assert_eq!(guidance(&f, &[face(250.0, 280.0, 160.0)]), Some(Guidance::TooLow));
        assert_eq!(guidance(&f, &[face(250.0, 0.0, 110.0)]), Some(Guidance::TooHigh));
        // Cut off by the top edge, even with its centre in the band.
        assert_eq!(guidance(&f, &[face(250.0, 3.0, 120.0)]), Some(Guidance::TooHigh));
        // Well placed: past the height check (to the blur check on flat grey).
        assert_eq!(guidance(&f, &[face(250.0, 100.0, 160.0)]), Some(Guidance::Blurred));
    }

    #[test]
    fn a_head_tilted_sideways_is_measured_from_the_eyes_line() {
        let mut f = face(250.0, 100.0, 160.0);
        assert!(roll(&f).abs() < 0.01);
        // The image-right eye 40 px lower over 64 px: about 32°.
        f.landmarks[1][1] += 40.0;
        assert!(roll(&f) > 0.5);
        f.landmarks[1][1] -= 80.0;
        assert!(roll(&f) < -0.5);
    }

    #[test]
    fn a_small_face_in_the_background_is_not_a_second_person() {
        let f = frame(128.0);
        // Flat grey is blurred, but it must get past the face count first.
        assert_eq!(guidance(&f, &[face(250.0, 100.0, 160.0), face(20.0, 20.0, 40.0)]), Some(Guidance::Blurred));
    }

    #[test]
    fn a_black_frame_with_no_face_is_too_dark_rather_than_empty() {
        assert_eq!(guidance(&frame(3.0), &[]), Some(Guidance::TooDark));
        assert_eq!(guidance(&frame(24.0), &[]), Some(Guidance::TooDark));
        assert_eq!(guidance(&frame(60.0), &[]), Some(Guidance::NoFace));
    }

    #[test]
    fn light_is_judged_on_the_face_region() {
        assert_eq!(guidance(&frame(20.0), &[face(250.0, 100.0, 160.0)]), Some(Guidance::TooDark));
        assert_eq!(guidance(&frame(245.0), &[face(250.0, 100.0, 160.0)]), Some(Guidance::TooBright));
    }

    #[test]
    fn a_turned_head_is_measured_from_the_landmarks() {
        let mut f = face(250.0, 100.0, 160.0);
        assert!(yaw(&f) < 0.01);
        f.landmarks[2][0] += 80.0;
        assert!(yaw(&f) > 0.35);
    }
}
