//! What to tell the patient when the card face could not be read, from
//! what the image shows: a thumb, glare, blur, or else place it flat.

use opencv::core::{self, Mat, Point, Vector};
use opencv::imgproc;
use opencv::prelude::*;
use uketsuke_driver::hal::surface::SurfaceGuidance;

use crate::Error;
use crate::locate::{self, Located};
use crate::reader::Reading;

/// Why the face could not be read, from what the image shows.
pub(crate) fn guidance(card: &Located, reading: &Reading) -> Result<SurfaceGuidance, Error> {
    if thumb_on_card(&card.colour)? {
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

/// A skin-coloured blob reaching the card's edge: a thumb or finger.
fn thumb_on_card(colour: &Mat) -> Result<bool, Error> {
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
    for c in contours {
        let r = imgproc::bounding_rect(&c)?;
        let touches = r.x <= 3 || r.y <= 3 || r.x + r.width >= w - 3 || r.y + r.height >= h - 3;
        if touches && imgproc::contour_area(&c, false)? > 0.01 * f64::from(w) * f64::from(h) {
            return Ok(true);
        }
    }
    Ok(false)
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
