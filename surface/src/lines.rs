//! Text lines on the straightened card, found from the ink itself (no
//! fixed positions): the light is flattened, long straight rules (frames,
//! and the strike through a cancelled 「顔認証」) are taken out and
//! remembered, and what is left is merged into line-shaped blobs.

use opencv::core::{self, Mat, Point, Rect, Scalar, Size, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use crate::Error;

/// Text height range on the straightened card, pixels.
const MIN_HEIGHT: i32 = 11;
const MAX_HEIGHT: i32 = 70;

/// The band along the straightened card's edges where ink is not text
/// (pixels; 1024 pixels span the card's 85.6 mm).
const EDGE: i32 = 6;

/// The ink, flattened and cleaned, with the lines found in it.
pub struct Page {
    /// The grey card with the light flattened and frames painted out:
    /// dark text on white, what the OCR reads.
    pub clean: Mat,
    /// The clean card with word-length rules (a strike through a word)
    /// painted out too: the second view of a struck-through line.
    pub unstruck: Mat,
    /// 255 where a word-length horizontal rule was found.
    pub rules: Mat,
    /// The text lines.
    pub lines: Vec<Line>,
    /// Share of the card's pixels blown out by glare.
    pub glare: f64,
}

impl Drop for Page {
    /// The card's text is personal data: its images are overwritten.
    fn drop(&mut self) {
        for image in [&mut self.clean, &mut self.unstruck, &mut self.rules] {
            crate::camera::wipe(image);
        }
    }
}

/// One line of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Where it is on the straightened card.
    pub rect: Rect,
    /// Whether a long rule runs through its middle (struck through).
    pub struck: bool,
}

impl Line {
    /// Width over height: roughly the number of full-width characters.
    pub fn aspect(&self) -> f32 {
        self.rect.width as f32 / self.rect.height.max(1) as f32
    }
}

fn morph(src: &Mat, op: i32, w: i32, h: i32) -> Result<Mat, Error> {
    let kernel = imgproc::get_structuring_element(imgproc::MORPH_RECT, Size::new(w, h), Point::new(-1, -1))?;
    let mut out = Mat::default();
    imgproc::morphology_ex(
        src,
        &mut out,
        op,
        &kernel,
        Point::new(-1, -1),
        1,
        core::BORDER_REPLICATE,
        imgproc::morphology_default_border_value()?,
    )?;
    Ok(out)
}

/// Finds the text lines on a straightened grey card.
pub fn find(grey: &Mat) -> Result<Page, Error> {
    // The paper without its ink: a closing wider than any stroke.
    let background = morph(grey, imgproc::MORPH_CLOSE, 31, 31)?;
    let mut flat = Mat::default();
    core::divide2(grey, &background, &mut flat, 255.0, -1)?;
    let mut ink = Mat::default();
    imgproc::threshold(&flat, &mut ink, 200.0, 255.0, imgproc::THRESH_BINARY_INV)?;

    // Frames: long horizontal and vertical rules, longer than any word.
    let long = morph(&ink, imgproc::MORPH_OPEN, 201, 1)?;
    let vertical = morph(&ink, imgproc::MORPH_OPEN, 1, 51)?;
    let mut frames = Mat::default();
    core::bitwise_or(&long, &vertical, &mut frames, &core::no_array())?;
    let frames = morph(&frames, imgproc::MORPH_DILATE, 3, 3)?;
    let mut text = Mat::default();
    core::subtract(&ink, &frames, &mut text, &core::no_array(), -1)?;
    off_the_card(grey, &background, &mut text)?;
    // Word-length rules left in the text: strikes through a word.
    let rules = morph(&text, imgproc::MORPH_OPEN, 71, 1)?;
    let mut clean = flat.clone();
    clean.set_to(&Scalar::all(255.0), &frames)?;
    // Painted out, then healed: inside the strike's band, vertical strokes
    // that cross it are joined again (a vertical opening of the grey).
    let band = morph(&rules, imgproc::MORPH_DILATE, 1, 5)?;
    let mut unstruck = clean.clone();
    unstruck.set_to(&Scalar::all(255.0), &band)?;
    let healed = morph(&unstruck, imgproc::MORPH_OPEN, 1, 17)?;
    healed.copy_to_masked(&mut unstruck, &band)?;

    remove_edges(&mut text)?;
    let merged = morph(&text, imgproc::MORPH_DILATE, 21, 5)?;
    let mut contours = Vector::<Vector<Point>>::new();
    imgproc::find_contours(
        &merged,
        &mut contours,
        imgproc::RETR_EXTERNAL,
        imgproc::CHAIN_APPROX_SIMPLE,
        Point::new(0, 0),
    )?;
    let mut boxes = Vec::new();
    for c in contours {
        let r = imgproc::bounding_rect(&c)?;
        let rect = ink_box(&text, r)?;
        if rect.height < MIN_HEIGHT || rect.height > MAX_HEIGHT {
            continue;
        }
        boxes.push(rect);
    }
    let mut lines = Vec::new();
    for rect in merge_rows(boxes) {
        if rect.width < 12 || rect.height > MAX_HEIGHT {
            continue;
        }
        let density = core::count_non_zero(&Mat::roi(&text, rect)?)? as f64 / rect.area() as f64;
        if !(0.06..=0.85).contains(&density) {
            continue;
        }
        let struck = struck_through(&rules, rect)?;
        lines.push(Line { rect, struck });
    }
    lines.sort_by_key(|l| (l.rect.y, l.rect.x));

    let mut blown = Mat::default();
    imgproc::threshold(grey, &mut blown, 250.0, 255.0, imgproc::THRESH_BINARY)?;
    let glare = core::count_non_zero(&blown)? as f64 / (f64::from(grey.cols()) * f64::from(grey.rows())).max(1.0);
    Ok(Page { clean, unstruck, rules, lines, glare })
}

/// The box of a line's ink from its box in the dilated mask: the dilation
/// grew it by half the kernel each way, except where the page's edge cut
/// the growth short; there the ink's own extent is the edge (a digit
/// printed close to the card's edge is not cut off).
fn ink_box(text: &Mat, r: Rect) -> Result<Rect, Error> {
    let (mut x0, mut y0) = (r.x + 10, r.y + 2);
    let (mut x1, mut y1) = (r.x + r.width - 10, r.y + r.height - 2);
    if r.x == 0 || r.y == 0 || r.x + r.width >= text.cols() || r.y + r.height >= text.rows() {
        let ink = imgproc::bounding_rect(&Mat::roi(text, r)?)?;
        if r.x == 0 {
            x0 = ink.x;
        }
        if r.y == 0 {
            y0 = ink.y;
        }
        if r.x + r.width >= text.cols() {
            x1 = r.x + ink.x + ink.width;
        }
        if r.y + r.height >= text.rows() {
            y1 = r.y + ink.y + ink.height;
        }
    }
    Ok(Rect::new(x0, y0, (x1 - x0).max(1), (y1 - y0).max(1)))
}

/// Takes out of the text mask what lies off the card's paper: the table
/// beyond a card that sits askew in its outline, and the photo's dark
/// areas. Paper is where the grey, closed just enough to fill in strokes,
/// is at least 60 % as bright as the card's paper in general.
fn off_the_card(grey: &Mat, background: &Mat, text: &mut Mat) -> Result<(), Error> {
    let mut sorted = Mat::default();
    background.reshape(1, 1)?.copy_to(&mut sorted)?;
    let values = sorted.data_bytes()?;
    let mut histogram = [0usize; 256];
    for v in values {
        histogram[usize::from(*v)] += 1;
    }
    // The paper's brightness: the median of the light-flattening closing.
    let half = values.len() / 2;
    let mut seen = 0;
    let paper = histogram
        .iter()
        .position(|n| {
            seen += n;
            seen > half
        })
        .unwrap_or(255);
    let filled = morph(grey, imgproc::MORPH_CLOSE, 9, 9)?;
    let mut on_paper = Mat::default();
    imgproc::threshold(&filled, &mut on_paper, paper as f64 * 0.6, 255.0, imgproc::THRESH_BINARY)?;
    let on_paper = morph(&on_paper, imgproc::MORPH_ERODE, 5, 5)?;
    let mut kept = Mat::default();
    core::bitwise_and(text, &on_paper, &mut kept, &core::no_array())?;
    *text = kept;
    Ok(())
}

/// Takes thin rules that are not quite straight out of the text mask: a
/// sliver of the card's edge or of the table beyond it, left by a slightly
/// loose outline, would join every line beside it into one tall blob.
fn remove_edges(text: &mut Mat) -> Result<(), Error> {
    // Nothing is printed within half a millimetre of the card's edge.
    let (w, h) = (text.cols(), text.rows());
    for band in [
        Rect::new(0, 0, w, EDGE),
        Rect::new(0, h - EDGE, w, EDGE),
        Rect::new(0, 0, EDGE, h),
        Rect::new(w - EDGE, 0, EDGE, h),
    ] {
        let band = band & Rect::new(0, 0, w, h);
        if band.area() > 0 {
            Mat::roi_mut(text, band)?.set_to(&Scalar::all(0.0), &core::no_array())?;
        }
    }
    let (mut labels, mut stats, mut centroids) = (Mat::default(), Mat::default(), Mat::default());
    let n = imgproc::connected_components_with_stats(text, &mut labels, &mut stats, &mut centroids, 8, core::CV_32S)?;
    for label in 1..n {
        let w = *stats.at_2d::<i32>(label, imgproc::CC_STAT_WIDTH)?;
        let h = *stats.at_2d::<i32>(label, imgproc::CC_STAT_HEIGHT)?;
        let thin_upright = h > MAX_HEIGHT && w * 8 < h;
        let thin_across = w > MAX_HEIGHT * 4 && h * 16 < w;
        if thin_upright || thin_across {
            let mut mask = Mat::default();
            core::compare(&labels, &Scalar::all(f64::from(label)), &mut mask, core::CMP_EQ)?;
            text.set_to(&Scalar::all(0.0), &mask)?;
        }
    }
    Ok(())
}

/// Joins boxes that sit on one row with a gap of at most one and a half
/// line heights: words of one line (`平成 2年 6月15日生` prints with wide
/// spaces) become one line.
fn merge_rows(mut boxes: Vec<Rect>) -> Vec<Rect> {
    boxes.sort_by_key(|r| r.x);
    let mut merged: Vec<Rect> = Vec::new();
    for b in boxes {
        let joined = merged.iter_mut().rev().find(|m| {
            let overlap = (m.y + m.height).min(b.y + b.height) - m.y.max(b.y);
            let gap = b.x - (m.x + m.width);
            let h = m.height.max(b.height);
            overlap * 10 >= m.height.min(b.height) * 6 && gap <= h * 3 / 2 && (m.height - b.height).abs() * 2 <= h
        });
        match joined {
            Some(m) => {
                let (x0, y0) = (m.x.min(b.x), m.y.min(b.y));
                let (x1, y1) = ((m.x + m.width).max(b.x + b.width), (m.y + m.height).max(b.y + b.height));
                *m = Rect::new(x0, y0, x1 - x0, y1 - y0);
            }
            None => merged.push(b),
        }
    }
    merged
}

/// Whether a horizontal rule crosses the middle of `rect` over most of its width.
fn struck_through(rules: &Mat, rect: Rect) -> Result<bool, Error> {
    let top = rect.y + rect.height / 4;
    let bottom = rect.y + rect.height * 3 / 4;
    for y in top..bottom.max(top + 1) {
        let row = Mat::roi(rules, Rect::new(rect.x, y, rect.width, 1))?;
        if core::count_non_zero(&row)? * 10 >= rect.width * 7 {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_on_one_row_become_one_line() {
        let words = vec![Rect::new(200, 100, 100, 25), Rect::new(90, 102, 90, 24), Rect::new(400, 101, 60, 25)];
        assert_eq!(merge_rows(words), vec![Rect::new(90, 100, 210, 26), Rect::new(400, 101, 60, 25)]);
    }

    #[test]
    fn lines_of_different_rows_or_sizes_stay_apart() {
        let boxes = vec![Rect::new(90, 100, 100, 25), Rect::new(90, 140, 100, 25), Rect::new(195, 90, 60, 60)];
        assert_eq!(merge_rows(boxes).len(), 3);
    }

    #[test]
    fn marks_on_the_table_beside_a_card_askew_are_not_lines() {
        // Paper (220) on the right, the dark table (70) on the left; a row
        // of "glyphs" on each.
        let mut grey = Mat::new_rows_cols_with_default(200, 600, core::CV_8UC1, Scalar::all(220.0)).unwrap_or_default();
        let table = Rect::new(0, 0, 150, 200);
        let _ = Mat::roi_mut(&mut grey, table).and_then(|mut m| m.set_to(&Scalar::all(70.0), &core::no_array()));
        for i in 0..8 {
            let paper_glyph = Rect::new(200 + i * 30, 80, 20, 24);
            let _ = imgproc::rectangle(&mut grey, paper_glyph, Scalar::all(30.0), 3, imgproc::LINE_8, 0);
        }
        for i in 0..4 {
            let table_mark = Rect::new(10 + i * 30, 80, 20, 24);
            let _ = imgproc::rectangle(&mut grey, table_mark, Scalar::all(20.0), 3, imgproc::LINE_8, 0);
        }
        let page = find(&grey).expect("found");
        assert_eq!(page.lines.len(), 1, "{:?}", page.lines);
        assert!(page.lines[0].rect.x >= 190, "{:?}", page.lines[0].rect);
    }

    #[test]
    fn a_line_printed_close_to_the_card_edge_keeps_its_first_glyph() {
        let mut grey = Mat::new_rows_cols_with_default(200, 600, core::CV_8UC1, Scalar::all(220.0)).unwrap_or_default();
        for i in 0..8 {
            let glyph = Rect::new(8 + i * 30, 80, 20, 24);
            let _ = imgproc::rectangle(&mut grey, glyph, Scalar::all(30.0), 3, imgproc::LINE_8, 0);
        }
        let page = find(&grey).expect("found");
        assert_eq!(page.lines.len(), 1, "{:?}", page.lines);
        assert!(page.lines[0].rect.x <= 9, "the first glyph cut: {:?}", page.lines[0].rect);
        assert!(page.lines[0].rect.x + page.lines[0].rect.width >= 8 + 7 * 30 + 19, "{:?}", page.lines[0].rect);
    }
}
