//! The last reading of a date line or the code that no two models agree
//! on: its digit cells alone, set apart evenly on white paper, read as one
//! line of digits by each model. Some fonts set their digits so close that
//! even a group read alone is misread (a serifed `11` taken for `U`, `55`
//! for `59`); apart, each digit is its own shape, and the line still gives
//! the models the context of several digits, which one digit alone lacks
//! (the models often return nothing for a lone digit).

use opencv::core::{self, Mat, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use zeroize::Zeroizing;

use crate::Error;
use crate::camera::Wiped;
use crate::digit_groups::{MODELS, compose};
use crate::glyphs::Group;
use crate::lines::{Line, Page};
use crate::ocr::View;
use crate::reader::{Job, SurfaceReader};
use crate::vote::{GroupRead, Reads};

/// The space between two digits of a group, in the band's heights.
const DIGIT_GAP: f32 = 0.5;
/// The space between two groups, in the band's heights.
const GROUP_GAP: f32 = 2.0;

impl SurfaceReader {
    /// Adds to each line `unsure` picks whose digit groups were found one
    /// reading per model of its digits set apart (see the module's text).
    pub(crate) fn spaced_pass(
        &self,
        page: &Page,
        lines: &mut [Reads],
        unsure: impl Fn(&Reads) -> bool,
    ) -> Result<(), Error> {
        let picked: Vec<(usize, Vec<Group>)> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| unsure(l))
            .filter_map(|(i, l)| Some((i, l.groups.clone()?)))
            .filter(|(_, groups)| groups.iter().any(|g| !g.cells().is_empty()))
            .collect();
        if picked.is_empty() {
            return Ok(());
        }
        let (sheet, bands) = spaced_sheet(&page.clean, picked.iter().map(|(_, g)| g.as_slice()))?;
        let sheet = Wiped(sheet);
        let mut jobs: Vec<(Line, Job)> = Vec::new();
        for ((i, _), band) in picked.iter().zip(&bands) {
            for model in MODELS {
                jobs.push((lines[*i].line, Job::alone(model, *band)));
            }
        }
        let mut texts = self.run_on(&sheet, &sheet, &jobs)?.into_iter();
        for (i, groups) in picked {
            let Some(l) = lines.get_mut(i) else { continue };
            let Some(kind) = l.kind() else { continue };
            for model in MODELS {
                let Some(read) = texts.next().flatten() else { continue };
                let digits: String = read.text.chars().filter(char::is_ascii_digit).collect();
                let digits = Zeroizing::new(digits);
                if digits.chars().count() != read.text.chars().filter(|c| !c.is_whitespace()).count() {
                    continue;
                }
                if let Some(parts) = split(&digits, &groups, kind.group_digits()) {
                    l.pending.push(GroupRead { model, view: View::Spaced, parts, confidence: read.confidence });
                }
            }
        }
        compose(lines);
        Ok(())
    }
}

/// The digits of a spaced reading shared out among the groups: a group
/// alone takes from as many digits as it has cells up to `max` (two may
/// touch in one cell); several groups must have one digit per cell.
fn split(digits: &str, groups: &[Group], max: usize) -> Option<Vec<Zeroizing<String>>> {
    let n = digits.chars().count();
    let cells: usize = groups.iter().map(|g| g.cells().len()).sum();
    let digit_groups = groups.iter().filter(|g| !g.cells().is_empty()).count();
    let fits = if digit_groups == 1 { (cells..=max).contains(&n) } else { n == cells };
    if !fits {
        return None;
    }
    let mut rest = digits;
    let mut parts = Vec::new();
    for g in groups {
        match g {
            Group::Gan => parts.push(Zeroizing::new("元".to_owned())),
            Group::Digits { cells, .. } => {
                let take = if digit_groups == 1 { n } else { cells.len() };
                let (part, after) = rest.split_at_checked(take)?;
                parts.push(Zeroizing::new(part.to_owned()));
                rest = after;
            }
        }
    }
    Some(parts)
}

/// A white sheet with one band per line: the line's digit cells copied
/// from `page`, set [`DIGIT_GAP`] apart within a group and [`GROUP_GAP`]
/// between groups. Returns the sheet and each band's rectangle.
fn spaced_sheet<'a>(page: &Mat, lines: impl Iterator<Item = &'a [Group]>) -> Result<(Mat, Vec<Rect>), Error> {
    let bounds = Rect::new(0, 0, page.cols(), page.rows());
    let lines: Vec<Vec<Vec<Rect>>> = lines
        .map(|groups| {
            groups
                .iter()
                .filter(|g| !g.cells().is_empty())
                .map(|g| g.cells().iter().map(|c| *c & bounds).filter(|c| c.width > 0 && c.height > 0).collect())
                .collect()
        })
        .collect();
    let gap = |h: i32, k: f32| (h as f32 * k).round() as i32;
    // Where each cell goes: (from the page, to this x and y of the sheet).
    let mut placed: Vec<(Rect, i32, i32)> = Vec::new();
    let mut bands = Vec::new();
    let (mut width, mut y) = (1, 0);
    for groups in &lines {
        let h = groups.iter().flatten().map(|c| c.height).max().unwrap_or(1);
        let mut x = 0;
        for (gi, cells) in groups.iter().enumerate() {
            for (ci, c) in cells.iter().enumerate() {
                x += match (gi, ci) {
                    (0, 0) => 0,
                    (_, 0) => gap(h, GROUP_GAP),
                    _ => gap(h, DIGIT_GAP),
                };
                placed.push((*c, x, y));
                x += c.width;
            }
        }
        bands.push(Rect::new(0, y, x.max(1), h));
        width = width.max(x);
        y += h * 2;
    }
    let mut sheet = Mat::new_rows_cols_with_default(y.max(1), width, core::CV_8UC1, Scalar::all(255.0))?;
    for (from, x, y) in placed {
        let mut to = Mat::roi_mut(&mut sheet, Rect::new(x, y, from.width, from.height))?;
        Mat::roi(page, from)?.copy_to(&mut to)?;
    }
    // In black and white, softened by a pixel: the models read clean print
    // better than the camera's grey (measured on the bench: fewer digits
    // dropped than from the grey).
    let mut ink = Mat::default();
    imgproc::threshold(&sheet, &mut ink, 0.0, 255.0, imgproc::THRESH_BINARY | imgproc::THRESH_OTSU)?;
    imgproc::gaussian_blur(&ink, &mut sheet, Size::new(3, 3), 0.0, 0.0, core::BORDER_DEFAULT)?;
    Ok((sheet, bands))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(cells: usize) -> Group {
        Group::Digits { rect: Rect::new(0, 0, 10, 10), cells: vec![Rect::new(0, 0, 5, 10); cells] }
    }

    fn texts(parts: Option<Vec<Zeroizing<String>>>) -> Option<Vec<String>> {
        parts.map(|p| p.iter().map(|s| s.as_str().to_owned()).collect())
    }

    #[test]
    fn several_groups_take_one_digit_per_cell_in_order() {
        let groups = [digits(2), digits(1), digits(2)];
        assert_eq!(texts(split("11824", &groups, 2)), Some(vec!["11".into(), "8".into(), "24".into()]));
        assert_eq!(texts(split("1824", &groups, 2)), None, "a digit lost");
        assert_eq!(texts(split("118244", &groups, 2)), None, "a digit too many");
    }

    #[test]
    fn the_sheet_holds_each_lines_digits_in_order_with_white_between() {
        // A page with three "digits" (solid blocks of different greys).
        let mut page = Mat::new_rows_cols_with_default(40, 200, core::CV_8UC1, Scalar::all(255.0)).unwrap_or_default();
        let cells = [Rect::new(10, 10, 8, 20), Rect::new(19, 10, 8, 20), Rect::new(100, 10, 8, 20)];
        for (c, grey) in cells.iter().zip([0.0, 40.0, 80.0]) {
            let _ = Mat::roi_mut(&mut page, *c).and_then(|mut m| m.set_to(&Scalar::all(grey), &core::no_array()));
        }
        let groups = [
            Group::Digits { rect: Rect::new(10, 10, 17, 20), cells: cells[..2].to_vec() },
            Group::Digits { rect: cells[2], cells: cells[2..].to_vec() },
        ];
        let (sheet, bands) = spaced_sheet(&page, [groups.as_slice()].into_iter()).expect("sheet");
        // 8 + 10 (half of 20) + 8 + 40 (twice 20) + 8.
        assert_eq!(bands, vec![Rect::new(0, 0, 74, 20)]);
        let at = |x: i32| sheet.at_2d::<u8>(10, x).copied().unwrap_or(0);
        assert!(at(4) < 128 && at(13) > 200 && at(22) < 128 && at(40) > 200 && at(70) < 128, "ink, gap, ink, gap, ink");
    }

    #[test]
    fn the_first_year_keeps_its_gan() {
        let groups = [Group::Gan, digits(1), digits(2)];
        assert_eq!(texts(split("830", &groups, 2)), Some(vec!["元".into(), "8".into(), "30".into()]));
    }

    #[test]
    fn one_group_may_hold_touching_digits_up_to_its_length() {
        assert_eq!(texts(split("2034", &[digits(3)], 4)), Some(vec!["2034".into()]));
        assert_eq!(texts(split("203", &[digits(4)], 4)), None);
        assert_eq!(texts(split("20345", &[digits(4)], 4)), None);
    }
}
