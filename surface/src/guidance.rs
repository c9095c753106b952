//! What to tell the patient when the card face could not be read, from
//! what the image shows: a thumb, glare, blur, or else place it flat.

use opencv::core::{self, Mat, Point, Rect, Vector};
use opencv::imgproc;
use opencv::prelude::*;
use uketsuke_driver::hal::surface::SurfaceGuidance;

use crate::Error;
use crate::locate::{self, Located};
use crate::reader::Reading;

/// Why the face could not be read, from what the image shows (`thumb`:
/// whether [`thumb`] found one).
pub(crate) fn guidance(card: &Located, thumb: bool, reading: &Reading) -> Result<SurfaceGuidance, Error> {
    if thumb {
        return Ok(SurfaceGuidance::MoveThumb);
    }
    let page_glare = {
        let mut blown = Mat::default();
        imgproc::threshold(&card.grey, &mut blown, 248.0, 255.0, imgproc::THRESH_BINARY)?;
        core::count_non_zero(&blown)? as f64 / (f64::from(card.grey.cols()) * f64::from(card.grey.rows()))
    };
    if page_glare > 0.02 {
        return Ok(SurfaceGuidance::Glare);
    }
    if sharpness(&card.grey)? < 60.0 {
        return Ok(SurfaceGuidance::HoldStill);
    }
    let _ = reading;
    Ok(SurfaceGuidance::PlaceFlat)
}

/// The skin-coloured blobs reaching the card's edge (a thumb or finger),
/// 255 where they are; `None` when there is none.
pub(crate) fn thumb(colour: &Mat) -> Result<Option<Mat>, Error> {
    let skin = locate::skin_mask(colour)?;
    let mut contours = Vector::<Vector<Point>>::new();
    imgproc::find_contours(
        &skin,
        &mut contours,
        imgproc::RETR_EXTERNAL,
        imgproc::CHAIN_APPROX_SIMPLE,
        Point::new(0, 0),
    )?;
    let (w, h) = (colour.cols(), colour.rows());
    let mut thumbs = Vector::<Vector<Point>>::new();
    for c in contours {
        let r = imgproc::bounding_rect(&c)?;
        let touches = r.x <= 3 || r.y <= 3 || r.x + r.width >= w - 3 || r.y + r.height >= h - 3;
        if touches && imgproc::contour_area(&c, false)? > 0.01 * f64::from(w) * f64::from(h) {
            thumbs.push(c);
        }
    }
    if thumbs.is_empty() {
        return Ok(None);
    }
    let mut mask = Mat::new_rows_cols_with_default(h, w, core::CV_8UC1, core::Scalar::all(0.0))?;
    let white = core::Scalar::all(255.0);
    imgproc::draw_contours(
        &mut mask,
        &thumbs,
        -1,
        white,
        imgproc::FILLED,
        imgproc::LINE_8,
        &core::no_array(),
        i32::MAX,
        Point::new(0, 0),
    )?;
    Ok(Some(mask))
}

/// Whether a thumb lies beside or over the line at `rect` (within a line
/// height to its left or right): the line may go on under it. The last
/// four digits of the serial, the rest of it under a thumb, look just
/// like the security code.
pub(crate) fn beside_thumb(thumb: Option<&Mat>, rect: Rect) -> Result<bool, Error> {
    let Some(thumb) = thumb else { return Ok(false) };
    let around =
        Rect::new(rect.x - rect.height, rect.y - rect.height / 4, rect.width + 2 * rect.height, rect.height * 3 / 2)
            & Rect::new(0, 0, thumb.cols(), thumb.rows());
    if around.area() == 0 {
        return Ok(false);
    }
    Ok(core::count_non_zero(&Mat::roi(thumb, around)?)? * 20 >= around.area())
}

/// Variance of the Laplacian: low when blurred.
fn sharpness(grey: &Mat) -> Result<f64, Error> {
    let mut lap = Mat::default();
    imgproc::laplacian(grey, &mut lap, core::CV_64F, 3, 1.0, 0.0, core::BORDER_DEFAULT)?;
    let (mut mean, mut dev) = (Mat::default(), Mat::default());
    core::mean_std_dev(&lap, &mut mean, &mut dev, &core::no_array())?;
    let d = *dev.at::<f64>(0)?;
    Ok(d * d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_ending_at_a_thumb_is_beside_it_and_one_far_from_it_is_not() {
        // A thumb over the right edge of a 400×200 card.
        let mut thumb = Mat::new_rows_cols_with_default(200, 400, core::CV_8UC1, core::Scalar::all(0.0)).expect("mat");
        let _ = Mat::roi_mut(&mut thumb, Rect::new(300, 80, 100, 120))
            .and_then(|mut m| m.set_to(&core::Scalar::all(255.0), &core::no_array()));
        let cut_short = Rect::new(250, 100, 44, 20);
        let far = Rect::new(20, 100, 44, 20);
        assert!(beside_thumb(Some(&thumb), cut_short).expect("checked"));
        assert!(!beside_thumb(Some(&thumb), far).expect("checked"));
        assert!(!beside_thumb(None, cut_short).expect("checked"), "no thumb at all");
    }
}
