//! Where the digit groups of a date line are, from its ink alone.
//!
//! Tesseract's Japanese models read the date lines' kanji well but drop or
//! change half-width digits (a narrow "1" lost beside another, "0" read as
//! "9"), and their character boxes are too loose to crop by. The date
//! lines have a fixed shape, though: `昭和50年 1月 2日生`, `2034年 3月 4日まで有効`.
//! So the line's ink is cut into cells at its blank columns, and the
//! pattern is aligned to the cells by width (a kanji is about one em wide
//! and may be cut into parts, 昭 = 日 + 召; a digit is a narrow cell), by
//! dynamic programming. Each digit group found is then read alone by the
//! digits-only model: an independent reading of exactly the characters
//! 照合番号B is made of.

use opencv::core::{Mat, Rect};
use opencv::imgproc;
use opencv::prelude::*;

use crate::Error;

mod align;

use align::{Aligned, align};

/// One part of a date line's pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A kanji (or kana): one em wide, in one to three cells.
    Kanji,
    /// `min` to `max` digits, each a narrow cell.
    Digits { min: usize, max: usize },
    /// The era's year: one or two digits, or, in a pattern for the first
    /// year of an era, 元 (a kanji standing for a number).
    Year,
}

/// A date line's shape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pattern {
    tokens: &'static [Token],
    /// The pattern begins the line (otherwise it may follow other text
    /// after a wide gap).
    starts_line: bool,
    /// More text may follow on the line right after the pattern.
    more_follows: bool,
    /// Two digits may touch and make one cell (a run of digits with
    /// nothing else to be mistaken for: the expiry's year).
    touching_digits: bool,
    /// The line's ink height in ems: 0.9 with kanji on it, 0.75 for
    /// digits alone.
    ink_height: f32,
    /// The era's year is 元.
    gan: bool,
}

/// The birth date: era, year, 年, month, 月, day, 日, 生.
pub(crate) const BIRTH: Pattern = Pattern {
    tokens: BIRTH_TOKENS,
    starts_line: false,
    more_follows: false,
    touching_digits: false,
    ink_height: 0.9,
    gan: false,
};

/// A birth date in the first year of its era: era, 元, 年, month, 月, day, 日, 生.
/// (Two digits can look like one kanji, so 元 is looked for only when the
/// readings say 元年.)
pub(crate) const BIRTH_GAN: Pattern = Pattern { gan: true, ..BIRTH };

const BIRTH_TOKENS: &[Token] = &[
    Token::Kanji,
    Token::Kanji,
    Token::Year,
    Token::Kanji,
    Token::Digits { min: 1, max: 2 },
    Token::Kanji,
    Token::Digits { min: 1, max: 2 },
    Token::Kanji,
    Token::Kanji,
];

/// The expiry's beginning: the year and 年 (the rest is not needed).
pub(crate) const EXPIRY_YEAR: Pattern = Pattern {
    tokens: &[Token::Digits { min: 4, max: 4 }, Token::Kanji],
    starts_line: true,
    more_follows: true,
    touching_digits: true,
    ink_height: 0.9,
    gan: false,
};

/// The security code: four digits, alone on their line.
pub(crate) const CODE: Pattern = Pattern {
    tokens: &[Token::Digits { min: 4, max: 4 }],
    starts_line: true,
    more_follows: false,
    touching_digits: true,
    ink_height: DIGIT_INK,
    gan: false,
};

/// What a pattern's variable token turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    /// Digits in this part of the page, in these cells (a digit may touch
    /// its neighbour, so there are at least as many digits as cells).
    Digits { rect: Rect, cells: Vec<Rect> },
    /// 元 (year 1).
    Gan,
}

impl Group {
    /// The digit cells of the group (none for 元).
    pub(crate) fn cells(&self) -> &[Rect] {
        match self {
            Group::Digits { cells, .. } => cells,
            Group::Gan => &[],
        }
    }
}

/// A run of inked columns (x, line coordinates) and the rows its ink
/// spans (y).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    x0: i32,
    x1: i32,
    top: i32,
    bottom: i32,
}

/// Where a date line's parts are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// The digit groups (and 元), in pattern order.
    pub(crate) groups: Vec<Group>,
    /// The kanji the pattern begins with, before its first group (a birth
    /// date's era), as a part of the page.
    pub(crate) lead: Option<Rect>,
}

/// The digit groups of the line at `rect` of the clean page, in pattern
/// order, and the kanji before them; `None` when the ink does not fit the
/// pattern unambiguously.
pub(crate) fn digit_groups(page: &Mat, rect: Rect, pattern: Pattern) -> Result<Option<Found>, Error> {
    let rect = rect & Rect::new(0, 0, page.cols(), page.rows());
    if rect.width < 4 || rect.height < 4 {
        return Ok(None);
    }
    let roi = Mat::roi(page, rect)?;
    let mut ink = Mat::default();
    imgproc::threshold(&roi, &mut ink, 0.0, 255.0, imgproc::THRESH_BINARY_INV | imgproc::THRESH_OTSU)?;
    let (cols, rows) = profiles(&ink)?;
    // Rows with a little ink only are noise or a neighbour's edge: the
    // line's height is where its glyphs' strokes are.
    let busiest = rows.iter().copied().max().unwrap_or(0);
    let Some((top, bottom)) = extent(&rows, (busiest / 10).max(2)) else { return Ok(None) };
    let em = (bottom - top + 1) as f32 / pattern.ink_height;
    let mut cells = cells_of(&cols, em);
    for c in &mut cells {
        (c.top, c.bottom) = rows_of(&ink, c.x0, c.x1)?.unwrap_or((top, bottom));
    }
    let Some((start, groups)) = align(&cells, em, pattern) else { return Ok(None) };
    // A cell, or a run of cells, as a part of the page the line's height
    // tall, with the soft edges of its strokes: a margin of up to a tenth
    // of an em, never more than half the way to the next cell.
    let margin = (em * 0.1).round() as i32;
    let part = |a: usize, b: usize| {
        let left = if a == 0 { margin } else { margin.min((cells[a].x0 - cells[a - 1].x1 - 1) / 2) };
        let right = cells.get(b + 1).map_or(margin, |n| margin.min((n.x0 - cells[b].x1 - 1) / 2));
        let x0 = cells[a].x0 - left.max(0);
        let x1 = cells[b].x1 + right.max(0);
        Rect::new(rect.x + x0, rect.y + top, x1 - x0 + 1, bottom - top + 1)
    };
    let first = groups.first().map(|g| match g {
        Aligned::Digits(a, _) | Aligned::Gan(a) => *a,
    });
    let lead = first.filter(|f| *f > start).map(|f| part(start, f - 1));
    let groups = groups
        .into_iter()
        .map(|g| match g {
            Aligned::Digits(a, b) => Group::Digits { rect: part(a, b), cells: (a..=b).map(|i| part(i, i)).collect() },
            Aligned::Gan(_) => Group::Gan,
        })
        .collect();
    Ok(Some(Found { groups, lead }))
}

/// Ink pixels per column and per row of a binary image.
fn profiles(ink: &Mat) -> Result<(Vec<i32>, Vec<i32>), Error> {
    let (w, h) = (ink.cols(), ink.rows());
    let (mut cols, mut rows) = (vec![0i32; w as usize], vec![0i32; h as usize]);
    for y in 0..h {
        let row = ink.at_row::<u8>(y)?;
        for (x, v) in row.iter().enumerate() {
            if *v > 0 {
                cols[x] += 1;
                rows[y as usize] += 1;
            }
        }
    }
    Ok((cols, rows))
}

/// The first and last row with ink between columns `x0` and `x1`.
fn rows_of(ink: &Mat, x0: i32, x1: i32) -> Result<Option<(i32, i32)>, Error> {
    let mut rows = Vec::with_capacity(ink.rows() as usize);
    for y in 0..ink.rows() {
        let row = ink.at_row::<u8>(y)?;
        let part = row.get(x0.max(0) as usize..=(x1.max(0) as usize)).unwrap_or(&[]);
        rows.push(part.iter().filter(|v| **v > 0).count() as i32);
    }
    Ok(extent(&rows, 1))
}

/// The first and last index holding at least `min` ink.
fn extent(profile: &[i32], min: i32) -> Option<(i32, i32)> {
    let first = profile.iter().position(|v| *v >= min)?;
    let last = profile.iter().rposition(|v| *v >= min)?;
    Some((first as i32, last as i32))
}

/// Runs of inked columns, without specks (less than a twentieth of an em
/// wide and nearly empty).
fn cells_of(cols: &[i32], em: f32) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut start = None;
    for (x, v) in cols.iter().chain(std::iter::once(&0)).enumerate() {
        match (start, *v > 0) {
            (None, true) => start = Some(x),
            (Some(s), false) => {
                let ink: i32 = cols[s..x].iter().sum();
                let width = (x - s) as f32;
                if width >= em * 0.05 || ink as f32 >= em * em * 0.02 {
                    cells.push(Cell { x0: s as i32, x1: x as i32 - 1, top: 0, bottom: 0 });
                }
                start = None;
            }
            _ => {}
        }
    }
    cells
}

/// A half-width digit's ink height, in ems.
const DIGIT_INK: f32 = 0.75;
