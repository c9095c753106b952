//! Finding the card in the camera's frame and straightening it (OpenCV):
//! the card is the largest bright quadrilateral on the darker slot. Skin
//! (a thumb) is cut out of the card's outline first, so a thumb over a
//! corner does not bend it; when the outline is not a clean four-cornered
//! shape, its minimum-area rectangle stands in.

use opencv::core::{self, Mat, Point, Point2f, Scalar, Size, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use crate::Error;

/// Width of the straightened card (ID-1 proportions, about 12 px/mm).
pub const CARD_WIDTH: i32 = 1024;
/// Height of the straightened card.
pub const CARD_HEIGHT: i32 = 646;

/// Frames are searched at this width (for speed), then warped at full size.
const SEARCH_WIDTH: f64 = 640.0;

/// The card, straightened.
pub struct Located {
    /// The card in colour (BGR), [`CARD_WIDTH`] × [`CARD_HEIGHT`].
    pub colour: Mat,
    /// The same in grey.
    pub grey: Mat,
}

impl Drop for Located {
    /// The card's face is personal data: its images are overwritten.
    fn drop(&mut self) {
        crate::camera::wipe(&mut self.colour);
        crate::camera::wipe(&mut self.grey);
    }
}

/// Finds the card in a BGR frame; `None` when no card-sized shape is there.
pub fn locate(bgr: &Mat) -> Result<Option<Located>, Error> {
    let scale = SEARCH_WIDTH / f64::from(bgr.cols().max(1));
    let mut small = Mat::default();
    imgproc::resize(bgr, &mut small, Size::default(), scale, scale, imgproc::INTER_AREA)?;
    let mut grey = Mat::default();
    imgproc::cvt_color(&small, &mut grey, imgproc::COLOR_BGR2GRAY, 0)?;
    let mut blurred = Mat::default();
    imgproc::gaussian_blur(&grey, &mut blurred, Size::new(5, 5), 0.0, 0.0, core::BORDER_DEFAULT)?;
    let mut bright = Mat::default();
    imgproc::threshold(&blurred, &mut bright, 0.0, 255.0, imgproc::THRESH_BINARY | imgproc::THRESH_OTSU)?;
    let skin = skin_mask(&small)?;
    let mut not_skin = Mat::default();
    core::bitwise_not(&skin, &mut not_skin, &core::no_array())?;
    let mut card_mask = Mat::default();
    core::bitwise_and(&bright, &not_skin, &mut card_mask, &core::no_array())?;
    let kernel = imgproc::get_structuring_element(imgproc::MORPH_RECT, Size::new(5, 5), Point::new(-1, -1))?;
    let mut closed = Mat::default();
    imgproc::morphology_ex(
        &card_mask,
        &mut closed,
        imgproc::MORPH_CLOSE,
        &kernel,
        Point::new(-1, -1),
        2,
        core::BORDER_CONSTANT,
        imgproc::morphology_default_border_value()?,
    )?;
    let mut contours = Vector::<Vector<Point>>::new();
    imgproc::find_contours(
        &closed,
        &mut contours,
        imgproc::RETR_EXTERNAL,
        imgproc::CHAIN_APPROX_SIMPLE,
        Point::new(0, 0),
    )?;
    let mut best: Option<(f64, Vector<Point>)> = None;
    for c in contours {
        let area = imgproc::contour_area(&c, false)?;
        if best.as_ref().is_none_or(|(a, _)| area > *a) {
            best = Some((area, c));
        }
    }
    let frame_area = f64::from(small.cols()) * f64::from(small.rows());
    let Some((area, contour)) = best.filter(|(a, _)| *a > 0.12 * frame_area) else { return Ok(None) };
    let corners = corners_of(&contour, area)?;
    let full: Vec<Point2f> = corners.iter().map(|p| Point2f::new(p.x / scale as f32, p.y / scale as f32)).collect();
    let Some(ordered) = order(&full) else { return Ok(None) };
    let target = [
        Point2f::new(0.0, 0.0),
        Point2f::new(CARD_WIDTH as f32, 0.0),
        Point2f::new(CARD_WIDTH as f32, CARD_HEIGHT as f32),
        Point2f::new(0.0, CARD_HEIGHT as f32),
    ];
    let m = imgproc::get_perspective_transform(
        &Vector::<Point2f>::from_slice(&ordered),
        &Vector::<Point2f>::from_slice(&target),
        core::DECOMP_LU,
    )?;
    let mut colour = Mat::default();
    imgproc::warp_perspective(
        bgr,
        &mut colour,
        &m,
        Size::new(CARD_WIDTH, CARD_HEIGHT),
        imgproc::INTER_LINEAR,
        core::BORDER_REPLICATE,
        Scalar::all(0.0),
    )?;
    let mut grey = Mat::default();
    imgproc::cvt_color(&colour, &mut grey, imgproc::COLOR_BGR2GRAY, 0)?;
    Ok(Some(Located { colour, grey }))
}

/// Skin-coloured pixels (YCrCb box), 255 where skin.
pub fn skin_mask(bgr: &Mat) -> Result<Mat, Error> {
    let mut ycrcb = Mat::default();
    imgproc::cvt_color(bgr, &mut ycrcb, imgproc::COLOR_BGR2YCrCb, 0)?;
    let mut mask = Mat::default();
    core::in_range(&ycrcb, &Scalar::new(60.0, 138.0, 77.0, 0.0), &Scalar::new(255.0, 178.0, 122.0, 0.0), &mut mask)?;
    Ok(mask)
}

/// Four corners: the outline's own if it simplifies to a convex
/// quadrilateral of about the same area, else its minimum-area rectangle.
fn corners_of(contour: &Vector<Point>, area: f64) -> Result<[Point2f; 4], Error> {
    let perimeter = imgproc::arc_length(contour, true)?;
    let mut approx = Vector::<Point>::new();
    imgproc::approx_poly_dp(contour, &mut approx, 0.02 * perimeter, true)?;
    if approx.len() == 4 && imgproc::is_contour_convex(&approx)? {
        let quad_area = imgproc::contour_area(&approx, false)?;
        if (quad_area / area - 1.0).abs() < 0.08 {
            let p: Vec<Point2f> = approx.iter().map(|p| Point2f::new(p.x as f32, p.y as f32)).collect();
            return Ok([p[0], p[1], p[2], p[3]]);
        }
    }
    let rect = imgproc::min_area_rect(contour)?;
    let mut pts = [Point2f::default(); 4];
    rect.points(&mut pts)?;
    Ok(pts)
}

/// Orders corners top-left, top-right, bottom-right, bottom-left with the
/// card's long side across (a card lying landscape).
fn order(points: &[Point2f]) -> Option<[Point2f; 4]> {
    if points.len() != 4 {
        return None;
    }
    let cx = points.iter().map(|p| p.x).sum::<f32>() / 4.0;
    let cy = points.iter().map(|p| p.y).sum::<f32>() / 4.0;
    let mut p: Vec<Point2f> = points.to_vec();
    // Clockwise on screen (y down), starting from the top-left quadrant.
    p.sort_by(|a, b| (a.y - cy).atan2(a.x - cx).total_cmp(&(b.y - cy).atan2(b.x - cx)));
    let start = (0..4).min_by(|&i, &j| (p[i].x + p[i].y).total_cmp(&(p[j].x + p[j].y)))?;
    p.rotate_left(start);
    let len = |a: Point2f, b: Point2f| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
    if len(p[0], p[1]) < len(p[1], p[2]) {
        // Standing on its short side: turn so the long side is the top.
        p.rotate_left(1);
    }
    Some([p[0], p[1], p[2], p[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_are_ordered_from_the_top_left_clockwise() {
        let pts = [
            Point2f::new(900.0, 600.0),
            Point2f::new(100.0, 90.0),
            Point2f::new(110.0, 620.0),
            Point2f::new(910.0, 80.0),
        ];
        let o = order(&pts).unwrap_or_else(|| unreachable!());
        assert_eq!(o[0], Point2f::new(100.0, 90.0));
        assert_eq!(o[1], Point2f::new(910.0, 80.0));
        assert_eq!(o[2], Point2f::new(900.0, 600.0));
        assert_eq!(o[3], Point2f::new(110.0, 620.0));
    }

    #[test]
    fn a_card_standing_on_its_short_side_is_turned_landscape() {
        let pts =
            [Point2f::new(0.0, 0.0), Point2f::new(300.0, 0.0), Point2f::new(300.0, 500.0), Point2f::new(0.0, 500.0)];
        let o = order(&pts).unwrap_or_else(|| unreachable!());
        assert_eq!(o[0], Point2f::new(300.0, 0.0));
        assert_eq!(o[1], Point2f::new(300.0, 500.0));
    }
}
