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

/// One part of a date line's pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A kanji (or kana): one em wide, in one to three cells.
    Kanji,
    /// `min` to `max` digits, each a narrow cell.
    Digits { min: usize, max: usize },
    /// 元, the first year of an era: a kanji standing for a number.
    Gan,
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
}

/// The birth date: era, year, 年, month, 月, day, 日, 生.
pub(crate) const BIRTH: Pattern =
    Pattern { tokens: BIRTH_TOKENS, starts_line: false, more_follows: false, touching_digits: false, ink_height: 0.9 };
const BIRTH_TOKENS: &[Token] = &[
    Token::Kanji,
    Token::Kanji,
    Token::Digits { min: 1, max: 2 },
    Token::Kanji,
    Token::Digits { min: 1, max: 2 },
    Token::Kanji,
    Token::Digits { min: 1, max: 2 },
    Token::Kanji,
    Token::Kanji,
];

/// A birth date in the first year of its era: era, 元, 年, month, 月, day, 日, 生.
/// (Two digits can look like one kanji, so 元 is looked for only when the
/// readings say 元年.)
pub(crate) const BIRTH_GAN: Pattern = Pattern {
    tokens: BIRTH_GAN_TOKENS,
    starts_line: false,
    more_follows: false,
    touching_digits: false,
    ink_height: 0.9,
};
const BIRTH_GAN_TOKENS: &[Token] = &[
    Token::Kanji,
    Token::Kanji,
    Token::Gan,
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
};

/// The security code: four digits, alone on their line.
pub(crate) const CODE: Pattern = Pattern {
    tokens: &[Token::Digits { min: 4, max: 4 }],
    starts_line: true,
    more_follows: false,
    touching_digits: true,
    ink_height: DIGIT_INK,
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

/// A run of inked columns (x, line coordinates) and the rows its ink
/// spans (y).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    x0: i32,
    x1: i32,
    top: i32,
    bottom: i32,
}

/// The digit groups of the line at `rect` of the clean page, in pattern
/// order; `None` when the ink does not fit the pattern unambiguously.
pub(crate) fn digit_groups(page: &Mat, rect: Rect, pattern: Pattern) -> Result<Option<Vec<Group>>, Error> {
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
    let Some(groups) = align(&cells, em, pattern) else { return Ok(None) };
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
    Ok(Some(
        groups
            .into_iter()
            .map(|g| match g {
                Aligned::Digits(a, b) => {
                    Group::Digits { rect: part(a, b), cells: (a..=b).map(|i| part(i, i)).collect() }
                }
                Aligned::Gan => Group::Gan,
            })
            .collect(),
    ))
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

/// A token's cells, as the alignment found them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aligned {
    Digits(usize, usize),
    Gan,
}

/// The least height of a kanji and the most of a digit, in ems (the em
/// is the line's kanji height over 0.9; half-width digits are about 0.75
/// tall).
const KANJI_HEIGHT: f32 = 0.78;
const DIGIT_HEIGHT: f32 = 0.84;
/// A half-width digit's ink height, in ems.
const DIGIT_INK: f32 = 0.75;

/// Highest total cost (in ems of misfit) of an alignment that is used.
const MAX_COST: f32 = 0.6;
/// How much better than any other alignment of the digit groups the best
/// must be.
const MARGIN: f32 = 0.25;

/// Aligns `pattern` to the cells: the pattern starts at the first cell
/// (or after a wide gap, if other text may come first), and ends at the
/// last cell or before a wide gap (or anywhere, if more of its line
/// follows). Returns the digit groups of the cheapest alignment, when it
/// fits well and no alignment with other digit groups comes close.
fn align(cells: &[Cell], em: f32, pattern: Pattern) -> Option<Vec<Aligned>> {
    let wide_gap = |i: usize| i == 0 || i == cells.len() || (cells[i].x0 - cells[i - 1].x1) as f32 >= em * 0.5;
    let fit = Fit { cells, em, touching_digits: pattern.touching_digits };
    let mut all: Vec<(f32, Vec<Aligned>)> = Vec::new();
    let starts = if pattern.starts_line { 0..cells.len().min(1) } else { 0..cells.len() };
    for start in starts.filter(|i| wide_gap(*i)) {
        fit.walk(pattern.tokens, start, 0.0, &mut Vec::new(), &mut |end, cost, groups| {
            if pattern.more_follows || wide_gap(end) {
                all.push((cost, groups.to_vec()));
            }
        });
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (best_cost, best) = all.first()?;
    let rival = all.iter().find(|(_, g)| g != best).map_or(f32::INFINITY, |(c, _)| *c);
    (*best_cost <= MAX_COST && rival - best_cost >= MARGIN).then(|| best.clone())
}

/// The cells of one line and how they are measured.
struct Fit<'a> {
    cells: &'a [Cell],
    em: f32,
    touching_digits: bool,
}

impl Fit<'_> {
    /// Width of cells `a..=b`, in ems.
    fn span(&self, a: usize, b: usize) -> f32 {
        (self.cells[b].x1 - self.cells[a].x0 + 1) as f32 / self.em
    }

    /// The height the ink of cells `a..=b` spans, in ems.
    fn height(&self, a: usize, b: usize) -> f32 {
        let cells = self.cells.get(a..=b).unwrap_or(&[]);
        let top = cells.iter().map(|c| c.top).min().unwrap_or(0);
        let bottom = cells.iter().map(|c| c.bottom).max().unwrap_or(0);
        (bottom - top + 1) as f32 / self.em
    }

    /// The blank between cell `i` and the next, in ems.
    fn gap(&self, i: usize) -> f32 {
        (self.cells[i + 1].x0 - self.cells[i].x1 - 1) as f32 / self.em
    }

    /// The misfit of cells `at..at + k` as one kanji.
    fn kanji(&self, at: usize, k: usize) -> Option<f32> {
        let b = at + k - 1;
        if b >= self.cells.len() || (at..b).any(|i| self.gap(i) > 0.4) {
            return None;
        }
        let w = self.span(at, b);
        // A kanji's parts nearly touch, a digit beside a kanji does not;
        // but two parts both taller than a digit (日 with its middle bars
        // too faint to count) may stand further apart.
        let gaps: f32 = (at..b)
            .map(|i| {
                let tall = self.height(i, i) > DIGIT_HEIGHT && self.height(i + 1, i + 1) > DIGIT_HEIGHT;
                (self.gap(i) - 0.12).max(0.0) * if tall { 1.0 } else { 2.0 }
            })
            .sum();
        // A kanji is as tall as the line; digits are shorter.
        let short = (KANJI_HEIGHT - self.height(at, b)).max(0.0) * 5.0;
        Some((0.6 - w).max(0.0) + (w - 1.1).max(0.0) * 3.0 + 0.05 * (k - 1) as f32 + gaps + short)
    }

    /// The misfit of cells `at..at + k` as digits, and how many digits.
    fn digits(&self, at: usize, k: usize) -> Option<(f32, usize)> {
        let b = at + k - 1;
        if b >= self.cells.len() || (at..b).any(|i| self.gap(i) > 0.4) {
            return None;
        }
        let (mut cost, mut count) = (0.0, 0);
        for i in at..=b {
            let w = self.span(i, i);
            cost += (self.height(i, i) - DIGIT_HEIGHT).max(0.0) * 5.0;
            if self.touching_digits && w > 0.75 {
                // Two digits in one cell.
                cost += 0.1 + (w - 1.1).max(0.0) * 5.0;
                count += 2;
            } else {
                cost += (w - 0.58).max(0.0) * 5.0;
                count += 1;
            }
        }
        Some((cost, count))
    }

    /// Every way of covering cells from `at` with `pattern`, depth first
    /// (the patterns are short: at most a few hundred ways).
    fn walk(
        &self,
        pattern: &[Token],
        at: usize,
        cost: f32,
        groups: &mut Vec<Aligned>,
        found: &mut dyn FnMut(usize, f32, &[Aligned]),
    ) {
        let Some((token, rest)) = pattern.split_first() else {
            found(at, cost, groups);
            return;
        };
        if cost > MAX_COST + MARGIN {
            return;
        }
        match *token {
            Token::Kanji | Token::Gan => {
                for k in 1..=3 {
                    let Some(c) = self.kanji(at, k) else { continue };
                    let gan = *token == Token::Gan;
                    if gan {
                        groups.push(Aligned::Gan);
                    }
                    self.walk(rest, at + k, cost + c, groups, found);
                    if gan {
                        groups.pop();
                    }
                }
            }
            Token::Digits { min, max } => {
                for k in 1..=max {
                    let Some((c, n)) = self.digits(at, k) else { continue };
                    if (min..=max).contains(&n) {
                        groups.push(Aligned::Digits(at, at + k - 1));
                        self.walk(rest, at + k, cost + c, groups, found);
                        groups.pop();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells from widths and gaps in ems, at 30 pixels per em (the wide
    /// ones as tall as kanji, the narrow ones as tall as digits).
    fn cells(widths_and_gaps: &[(f32, f32)]) -> Vec<Cell> {
        let mut x = 0.0f32;
        widths_and_gaps
            .iter()
            .map(|(w, gap)| {
                // Kanji 0.9 em tall, digits 0.73 em.
                let top = if *w >= 0.6 { 0 } else { 5 };
                let cell =
                    Cell { x0: (x * 30.0).round() as i32, x1: ((x + w) * 30.0).round() as i32 - 1, top, bottom: 26 };
                x += w + gap;
                cell
            })
            .collect()
    }

    #[test]
    fn a_birth_line_with_two_narrow_ones_gives_the_day_both_of_them() {
        // 大 正 1 5 年 ␣ 2 月 1 1 日 生
        let line = cells(&[
            (0.90, 0.13),
            (0.93, 0.13),
            (0.29, 0.16),
            (0.42, 0.13),
            (0.90, 0.58),
            (0.45, 0.16),
            (0.74, 0.29),
            (0.29, 0.22),
            (0.26, 0.29),
            (0.71, 0.26),
            (0.90, 0.0),
        ]);
        let groups = align(&line, 30.0, BIRTH);
        assert_eq!(groups, Some(vec![Aligned::Digits(2, 3), Aligned::Digits(5, 5), Aligned::Digits(7, 8)]));
    }

    #[test]
    fn an_expiry_year_with_two_digits_touching_is_still_four_digits() {
        // 20 (touching) 2 6 年 ␣ 8 月 …
        let line = cells(&[(0.99, 0.09), (0.47, 0.04), (0.47, 0.13), (0.94, 0.6), (0.47, 0.17), (0.73, 0.4)]);
        assert_eq!(align(&line, 30.0, EXPIRY_YEAR), Some(vec![Aligned::Digits(0, 2)]));
    }

    #[test]
    fn the_expiry_year_is_looked_for_only_at_the_start_of_its_line() {
        // ␣033年 (the 2 lost): no four digits begin the line.
        let line = cells(&[(0.47, 0.04), (0.51, 0.04), (0.47, 0.09), (0.94, 0.6), (0.47, 0.17), (0.73, 0.21)]);
        assert_eq!(align(&line, 30.0, EXPIRY_YEAR), None);
    }

    #[test]
    fn two_digits_close_together_are_not_taken_for_a_kanji() {
        // 平 成 1 0 年 1 0 月 2 3 日 生, with 10 close enough to be one kanji's width.
        let line = cells(&[
            (0.93, 0.07),
            (0.93, 0.13),
            (0.27, 0.05),
            (0.5, 0.13),
            (0.93, 0.13),
            (0.23, 0.2),
            (0.47, 0.13),
            (0.73, 0.2),
            (0.47, 0.03),
            (0.47, 0.17),
            (0.7, 0.2),
            (0.9, 0.0),
        ]);
        assert_eq!(
            align(&line, 30.0, BIRTH),
            Some(vec![Aligned::Digits(2, 3), Aligned::Digits(5, 6), Aligned::Digits(8, 9)])
        );
    }
}
