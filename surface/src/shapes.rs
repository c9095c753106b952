//! What a digit's ink allows it to be, from where its holes are.
//!
//! Both Japanese models read a zero as 9 in some fonts (a slashed zero
//! above all), and they make that mistake together, so a vote between
//! models cannot settle it. The ink can: a 0 encloses paper from near its
//! top to near its bottom (one hole, or two beside a slash), a 9 only in
//! its upper part, a 6 only in its lower part. When a digit cell shows a
//! hole, a reading that puts a 0, 9 or 6 there against it does not vote.
//! A cell with no hole (blurred shut, or broken open) says nothing.

use opencv::core::{Mat, Point, Rect, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use crate::Error;

/// The paper a digit's strokes enclose, as a share of its height (0 at
/// the top of its ink, 1 at the bottom).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Holes {
    /// No enclosed paper seen.
    None,
    /// Enclosed paper from `top` to `bottom`, all holes together.
    Span { top: f32, bottom: f32 },
}

impl Holes {
    /// Whether a digit with this ink can be `digit`.
    pub(crate) fn allows(self, digit: char) -> bool {
        let Holes::Span { top, bottom } = self else { return true };
        match digit {
            '0' => top <= 0.3 && bottom >= 0.7,
            '9' => bottom <= 0.7,
            '6' => top >= 0.3,
            _ => true,
        }
    }
}

/// The holes of the digit in `cell` of the clean page (dark on white).
pub(crate) fn holes(page: &Mat, cell: Rect) -> Result<Holes, Error> {
    let cell = cell & Rect::new(0, 0, page.cols(), page.rows());
    if cell.width < 3 || cell.height < 5 {
        return Ok(Holes::None);
    }
    let roi = Mat::roi(page, cell)?;
    let mut ink = Mat::default();
    imgproc::threshold(&roi, &mut ink, 0.0, 255.0, imgproc::THRESH_BINARY_INV | imgproc::THRESH_OTSU)?;
    let mut contours = Vector::<Vector<Point>>::new();
    let mut hierarchy = Mat::default();
    imgproc::find_contours_with_hierarchy(
        &ink,
        &mut contours,
        &mut hierarchy,
        imgproc::RETR_CCOMP,
        imgproc::CHAIN_APPROX_SIMPLE,
        Point::new(0, 0),
    )?;
    // The glyph: the outer contours' extent.
    let (mut glyph_top, mut glyph_bottom) = (i32::MAX, i32::MIN);
    let mut inner = Vec::new();
    for (i, c) in contours.iter().enumerate() {
        let r = imgproc::bounding_rect(&c)?;
        // RETR_CCOMP: a contour with a parent (field 3) is a hole.
        let parent = hierarchy.at_2d::<opencv::core::Vec4i>(0, i as i32).map(|h| h[3]).unwrap_or(-1);
        if parent < 0 {
            glyph_top = glyph_top.min(r.y);
            glyph_bottom = glyph_bottom.max(r.y + r.height);
        } else {
            inner.push((r, imgproc::contour_area(&c, false)?));
        }
    }
    // No outer contour at all leaves the extremes in place: no glyph.
    let height = glyph_bottom.saturating_sub(glyph_top);
    if glyph_top > glyph_bottom || height < 5 {
        return Ok(Holes::None);
    }
    // Specks of paper between noisy strokes are not holes.
    let min_area = (f64::from(height).powi(2) * 0.01).max(3.0);
    let (mut top, mut bottom) = (i32::MAX, i32::MIN);
    for (r, area) in inner {
        if area >= min_area {
            top = top.min(r.y);
            bottom = bottom.max(r.y + r.height);
        }
    }
    if top > bottom {
        return Ok(Holes::None);
    }
    let share = |y: i32| (y - glyph_top) as f32 / height as f32;
    Ok(Holes::Span { top: share(top), bottom: share(bottom) })
}

/// Whether every digit of `digits` is allowed by the holes of its cell
/// (one cell per digit; anything else says nothing).
pub(crate) fn allow_all(digits: &str, holes: &[Holes]) -> bool {
    digits.chars().count() != holes.len() || digits.chars().zip(holes).all(|(d, h)| h.allows(d))
}

#[cfg(test)]
mod tests {
    use opencv::core::{CV_8UC1, Scalar};

    use super::*;

    /// A digit drawn as strokes: a ring for 0, a ring on top with a tail for 9.
    fn draw(digit: char) -> Mat {
        let mut m = Mat::new_rows_cols_with_default(60, 40, CV_8UC1, Scalar::all(255.0)).unwrap_or_default();
        let black = Scalar::all(0.0);
        let ellipse = |m: &mut Mat, center: Point, axes: opencv::core::Size| {
            let _ = imgproc::ellipse(m, center, axes, 0.0, 0.0, 360.0, black, 4, imgproc::LINE_8, 0);
        };
        match digit {
            '0' => ellipse(&mut m, Point::new(20, 30), opencv::core::Size::new(13, 24)),
            '9' => {
                ellipse(&mut m, Point::new(20, 18), opencv::core::Size::new(13, 12));
                let _ = imgproc::line(&mut m, Point::new(32, 18), Point::new(22, 54), black, 4, imgproc::LINE_8, 0);
            }
            _ => {}
        }
        m
    }

    #[test]
    fn a_ring_is_a_zero_and_not_a_nine() {
        let h = holes(&draw('0'), Rect::new(0, 0, 40, 60)).unwrap_or(Holes::None);
        assert!(matches!(h, Holes::Span { .. }), "{h:?}");
        assert!(h.allows('0'));
        assert!(!h.allows('9'));
        assert!(!h.allows('6'));
    }

    #[test]
    fn a_loop_on_top_with_a_tail_is_a_nine_and_not_a_zero() {
        let h = holes(&draw('9'), Rect::new(0, 0, 40, 60)).unwrap_or(Holes::None);
        assert!(matches!(h, Holes::Span { .. }), "{h:?}");
        assert!(h.allows('9'));
        assert!(!h.allows('0'));
    }

    #[test]
    fn a_cell_without_a_hole_allows_anything() {
        let blank = Mat::new_rows_cols_with_default(60, 40, CV_8UC1, Scalar::all(255.0)).unwrap_or_default();
        let h = holes(&blank, Rect::new(0, 0, 40, 60)).unwrap_or(Holes::Span { top: 0.5, bottom: 0.5 });
        assert_eq!(h, Holes::None);
        assert!(allow_all("09", &[Holes::None, Holes::None]));
        assert!(allow_all("090", &[Holes::None]), "cells and digits do not pair up: nothing is said");
    }
}
