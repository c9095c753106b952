//! Aligning a date line's pattern to its ink cells, by width and height,
//! by dynamic programming over the few ways the cells can be covered.

use super::{Cell, Pattern, Token};

/// A token's cells, as the alignment found them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Aligned {
    Digits(usize, usize),
    /// 元, at this cell.
    Gan(usize),
}

/// The least height of a kanji and the most of a digit, in ems (the em
/// is the line's kanji height over 0.9; half-width digits are about 0.75
/// tall).
const KANJI_HEIGHT: f32 = 0.78;
const DIGIT_HEIGHT: f32 = 0.84;

/// Highest total cost (in ems of misfit) of an alignment that is used.
const MAX_COST: f32 = 0.6;
/// How much better than any other alignment of the digit groups the best
/// must be.
const MARGIN: f32 = 0.25;

/// Aligns `pattern` to the cells: the pattern starts at the first cell
/// (or after a wide gap, if other text may come first), and ends at the
/// last cell or before a wide gap (or anywhere, if more of its line
/// follows). Returns the cell the cheapest alignment starts at and its
/// digit groups, when it fits well and no alignment with other digit
/// groups comes close.
pub(super) fn align(cells: &[Cell], em: f32, pattern: Pattern) -> Option<(usize, Vec<Aligned>)> {
    let wide_gap = |i: usize| i == 0 || i == cells.len() || (cells[i].x0 - cells[i - 1].x1) as f32 >= em * 0.5;
    let fit = Fit { cells, em, touching_digits: pattern.touching_digits, gan: pattern.gan };
    let mut all: Vec<(f32, usize, Vec<Aligned>)> = Vec::new();
    let starts = if pattern.starts_line { 0..cells.len().min(1) } else { 0..cells.len() };
    for start in starts.filter(|i| wide_gap(*i)) {
        fit.walk(pattern.tokens, start, 0.0, &mut Vec::new(), &mut |end, cost, groups| {
            if pattern.more_follows || wide_gap(end) {
                all.push((cost, start, groups.to_vec()));
            }
        });
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (best_cost, start, best) = all.first()?;
    let rival = all.iter().find(|(_, _, g)| g != best).map_or(f32::INFINITY, |(c, _, _)| *c);
    (*best_cost <= MAX_COST && rival - best_cost >= MARGIN).then(|| (*start, best.clone()))
}

/// The cells of one line and how they are measured.
struct Fit<'a> {
    cells: &'a [Cell],
    em: f32,
    touching_digits: bool,
    /// The pattern's year is 元.
    gan: bool,
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
        // The era's year: 元 as a kanji, or one or two digits.
        let token = match *token {
            Token::Year if self.gan => None,
            Token::Year => Some(Token::Digits { min: 1, max: 2 }),
            t => Some(t),
        };
        match token {
            None | Some(Token::Kanji) => {
                for k in 1..=3 {
                    let Some(c) = self.kanji(at, k) else { continue };
                    let gan = token.is_none();
                    if gan {
                        groups.push(Aligned::Gan(at));
                    }
                    self.walk(rest, at + k, cost + c, groups, found);
                    if gan {
                        groups.pop();
                    }
                }
            }
            Some(Token::Digits { min, max }) => {
                for k in 1..=max {
                    let Some((c, n)) = self.digits(at, k) else { continue };
                    if (min..=max).contains(&n) {
                        groups.push(Aligned::Digits(at, at + k - 1));
                        self.walk(rest, at + k, cost + c, groups, found);
                        groups.pop();
                    }
                }
            }
            Some(Token::Year) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BIRTH, BIRTH_GAN, EXPIRY_YEAR, Pattern};
    use super::*;

    /// The digit groups `align` finds, at 30 pixels per em.
    fn groups(line: &[Cell], pattern: Pattern) -> Option<Vec<Aligned>> {
        align(line, 30.0, pattern).map(|(_, groups)| groups)
    }

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
        assert_eq!(
            groups(&line, BIRTH),
            Some(vec![Aligned::Digits(2, 3), Aligned::Digits(5, 5), Aligned::Digits(7, 8)])
        );
    }

    #[test]
    fn an_expiry_year_with_two_digits_touching_is_still_four_digits() {
        // 20 (touching) 2 6 年 ␣ 8 月 …
        let line = cells(&[(0.99, 0.09), (0.47, 0.04), (0.47, 0.13), (0.94, 0.6), (0.47, 0.17), (0.73, 0.4)]);
        assert_eq!(groups(&line, EXPIRY_YEAR), Some(vec![Aligned::Digits(0, 2)]));
    }

    #[test]
    fn the_expiry_year_is_looked_for_only_at_the_start_of_its_line() {
        // ␣033年 (the 2 lost): no four digits begin the line.
        let line = cells(&[(0.47, 0.04), (0.51, 0.04), (0.47, 0.09), (0.94, 0.6), (0.47, 0.17), (0.73, 0.21)]);
        assert_eq!(groups(&line, EXPIRY_YEAR), None);
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
            groups(&line, BIRTH),
            Some(vec![Aligned::Digits(2, 3), Aligned::Digits(5, 6), Aligned::Digits(8, 9)])
        );
    }

    #[test]
    fn the_first_year_of_an_era_is_one_kanji_when_the_readings_say_gan() {
        // 令 和 元 年 5 月 1 日 生
        let line = cells(&[
            (0.9, 0.12),
            (0.9, 0.12),
            (0.85, 0.12),
            (0.9, 0.5),
            (0.42, 0.15),
            (0.75, 0.5),
            (0.25, 0.2),
            (0.7, 0.15),
            (0.9, 0.0),
        ]);
        assert_eq!(groups(&line, BIRTH_GAN), Some(vec![Aligned::Gan(2), Aligned::Digits(4, 4), Aligned::Digits(6, 6)]));
        assert_eq!(groups(&line, BIRTH), None, "元 is not a digit");
    }
}
