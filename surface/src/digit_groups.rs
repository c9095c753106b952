//! The date lines' digits read group by group: each digit group found in
//! the ink ([`glyphs`]) is cut out on a white margin and read alone,
//! limited to digits, by each of the three models. The groups a model
//! read make that model's reading of the line (with the era the line's
//! other readings agree on), which then votes like any other. Alone, a
//! group reads far better than inside its line: `11` stays two ones and
//! `0` stays a zero.

use opencv::core::Rect;
use zeroize::Zeroizing;

use crate::Error;
use crate::glyphs::{self, Group};
use crate::lines::{Line, Page};
use crate::ocr::{LineText, Model, View};
use crate::reader::{Job, SurfaceReader};
use crate::shapes;
use crate::vote::{GroupRead, Kind, Reads};

/// The models that read each group.
pub(crate) const MODELS: [Model; 3] = [Model::Japanese, Model::Script, Model::Digits];

impl SurfaceReader {
    /// Adds to each date line whose digit groups were found one reading
    /// per model made of its groups read alone.
    pub(crate) fn group_pass(&self, page: &Page, lines: &mut [Reads]) -> Result<(), Error> {
        let mut plan: Vec<(usize, Kind, Vec<Group>)> = Vec::new();
        let mut era_ink: Vec<(usize, Option<Rect>)> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let (kind, pattern) = match l.kind() {
                Some(Kind::Birth) if says_gan(l) => (Kind::Birth, glyphs::BIRTH_GAN),
                Some(Kind::Birth) => (Kind::Birth, glyphs::BIRTH),
                Some(Kind::Expiry) => (Kind::Expiry, glyphs::EXPIRY_YEAR),
                Some(Kind::Code) => (Kind::Code, glyphs::CODE),
                _ => continue,
            };
            if let Some(found) = glyphs::digit_groups(&page.clean, l.line.rect, pattern)? {
                plan.push((i, kind, found.groups));
                era_ink.push((i, found.lead));
            }
        }
        for (i, lead) in era_ink {
            if let Some(l) = lines.get_mut(i).filter(|l| l.kind() == Some(Kind::Birth)) {
                l.era_ink = lead;
            }
        }
        // The ink of each digit cell, to check the readings against.
        for (i, _, groups) in &plan {
            let mut shapes = Vec::new();
            for g in groups {
                let cells = if let Group::Digits { cells, .. } = g { cells.as_slice() } else { &[] };
                shapes.push(cells.iter().map(|c| shapes::holes(&page.clean, *c)).collect::<Result<Vec<_>, _>>()?);
            }
            if let Some(l) = lines.get_mut(*i) {
                l.shapes = Some(shapes);
                l.groups = Some(groups.clone());
            }
        }
        // The code is read alone later, only if still unsure.
        plan.retain(|(_, kind, _)| *kind != Kind::Code);
        let mut jobs: Vec<(Line, Job)> = Vec::new();
        for (i, _, groups) in &plan {
            for model in MODELS {
                for g in groups {
                    if let Group::Digits { rect, .. } = g {
                        let job = Job::alone(model, *rect);
                        jobs.push((lines[*i].line, job));
                    }
                }
            }
        }
        let mut texts = self.run(page, &jobs)?.into_iter();
        for (i, kind, groups) in plan {
            for model in MODELS {
                let mut parts: Vec<Option<Zeroizing<String>>> = Vec::new();
                let mut confidence = 1.0f32;
                for g in &groups {
                    match g {
                        Group::Gan => parts.push(Some(Zeroizing::new("元".to_owned()))),
                        Group::Digits { cells, .. } => {
                            let read = texts.next().flatten();
                            confidence = confidence.min(read.as_ref().map_or(0.0, |t| t.confidence));
                            parts.push(read.and_then(|t| digits_of(&t.text, cells.len(), kind.group_digits())));
                        }
                    }
                }
                if let (Some(parts), Some(l)) = (parts.into_iter().collect::<Option<Vec<_>>>(), lines.get_mut(i)) {
                    l.pending.push(GroupRead { model, view: View::Groups, parts, confidence });
                }
            }
        }
        compose(lines);
        Ok(())
    }
}

/// Turns the lines' pending group readings into readings of their lines:
/// the expiry's year at once, a birth date once the era is agreed on (it
/// is not among the groups: see [`Reads::agreed_era`]).
pub(crate) fn compose(lines: &mut [Reads]) {
    for l in lines.iter_mut().filter(|l| !l.pending.is_empty()) {
        let kind = l.kind();
        let era = l.agreed_era();
        if kind == Some(Kind::Birth) && era.is_none() {
            continue;
        }
        for g in std::mem::take(&mut l.pending) {
            let text = match (kind, g.parts.as_slice(), era) {
                (Some(Kind::Birth), [y, m, d], Some(era)) => {
                    Zeroizing::new(format!("{}{}年{}月{}日生", era.name(), y.as_str(), m.as_str(), d.as_str()))
                }
                // The year alone, as `vote::expiry_year_of` takes it.
                (Some(Kind::Expiry), [y], _) => y.clone(),
                (Some(Kind::Code), [c], _) => c.clone(),
                _ => continue,
            };
            l.reads.push(LineText { text, confidence: g.confidence, model: g.model, view: g.view });
        }
    }
}

impl Kind {
    /// The most digits one group of the field's line holds.
    pub(crate) fn group_digits(self) -> usize {
        match self {
            Kind::Expiry | Kind::Code => 4,
            Kind::Birth => 2,
        }
    }
}

/// The digits of a group's reading, if there are as many as it has cells
/// (or more, as touching digits share a cell) and no more than `max`.
fn digits_of(text: &str, cells: usize, max: usize) -> Option<Zeroizing<String>> {
    let digits = Zeroizing::new(text.chars().filter(char::is_ascii_digit).collect::<String>());
    let n = digits.chars().count();
    (n >= cells && n <= max && n == text.chars().filter(|c| !c.is_whitespace()).count()).then_some(digits)
}

/// Whether most readings of the line say 元年 (year 1 of the era).
fn says_gan(line: &Reads) -> bool {
    2 * line.reads.iter().filter(|r| r.text.contains("元年")).count() > line.reads.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_reading_counts_only_with_at_least_as_many_digits_as_cells() {
        assert_eq!(digits_of("11", 2, 2).as_deref().map(String::as_str), Some("11"));
        assert_eq!(digits_of("1", 2, 2), None, "a one dropped");
        assert_eq!(digits_of("10", 1, 2).as_deref().map(String::as_str), Some("10"), "touching digits");
        assert_eq!(digits_of("101", 2, 2), None, "more than the field holds");
        assert_eq!(digits_of("1a", 2, 2), None, "not only digits");
        assert_eq!(digits_of("", 1, 2), None);
    }
}
