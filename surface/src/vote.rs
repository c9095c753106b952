//! The votes on a card face's fields: what a line looks like it holds,
//! its readings by the different models, the value they agree on, and the
//! 「顔認証」 mark.

use uketsuke_driver::hal::surface::FaceAuthMark;

use crate::fields;
use crate::lines::Line;
use crate::ocr::{LineText, Model};

/// The lowest confidence a reading may have to count towards agreement.
pub(crate) const FLOOR: f32 = 0.2;

/// What a line looks like it holds, from its first reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Birth,
    Expiry,
    Code,
}

/// A line and its readings so far.
pub(crate) struct Reads {
    pub(crate) line: Line,
    pub(crate) reads: Vec<LineText>,
}

impl Reads {
    pub(crate) fn new(line: Line) -> Self {
        Self { line, reads: Vec::new() }
    }

    /// The field the first reading suggests, loosely (the readings that
    /// follow must match the strict pattern).
    pub(crate) fn kind(&self) -> Option<Kind> {
        let t = self.reads.first()?.text.as_str();
        let digits = t.chars().filter(char::is_ascii_digit).count();
        if ["大正", "昭和", "平成", "令和"].iter().any(|e| t.contains(e)) || (t.ends_with('生') && t.contains('年'))
        {
            Some(Kind::Birth)
        } else if t.contains("有効") || t.contains("まで") || t.contains("年") && digits >= 6 {
            Some(Kind::Expiry)
        } else if (4..=5).contains(&t.chars().count()) && digits >= 3 {
            Some(Kind::Code)
        } else {
            None
        }
    }

    /// The value the readings vote for: given by two different models,
    /// the better of them confident, and at least twice as strongly
    /// supported (summed confidence) as any other value read.
    pub(crate) fn confirmed<T: PartialEq + Clone>(
        &self,
        parse: impl Fn(&str) -> Option<T>,
        min: f32,
    ) -> Option<(T, f32)> {
        let mut votes: Vec<(T, f32, f32, Vec<Model>)> = Vec::new();
        for r in self.reads.iter().filter(|r| r.confidence >= FLOOR) {
            let Some(v) = parse(&r.text) else { continue };
            match votes.iter_mut().find(|(w, ..)| *w == v) {
                Some((_, sum, best, models)) => {
                    *sum += r.confidence;
                    *best = best.max(r.confidence);
                    models.push(r.model);
                }
                None => votes.push((v, r.confidence, r.confidence, vec![r.model])),
            }
        }
        votes.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (value, sum, best, models) = votes.first()?;
        let runner_up = votes.get(1).map_or(0.0, |v| v.1);
        let two_models = models.iter().any(|m| *m != models[0]);
        (two_models && *best >= min && *sum >= 2.0 * runner_up).then(|| (value.clone(), *best))
    }
}

/// The expiry year a reading gives: from the whole line in Japanese, or
/// from the digits model's reading of the line's first characters.
pub(crate) fn expiry_year_of(text: &str) -> Option<i16> {
    fields::find_expiry_year(text).or_else(|| fields::find_year_digits(text))
}

/// The one value the lines agree on; none if two lines disagree.
pub(crate) fn one_value<'a, T: PartialEq + Clone>(
    lines: impl Iterator<Item = &'a Reads>,
    get: impl Fn(&Reads) -> Option<(T, f32)>,
) -> Option<(T, f32)> {
    let found: Vec<(T, f32)> = lines.filter_map(get).collect();
    let (first, _) = found.first()?;
    if found.iter().any(|(v, _)| v != first) {
        return None;
    }
    let conf = found.iter().map(|(_, c)| *c).fold(0.0f32, f32::max);
    Some((first.clone(), conf))
}

/// The mark: a line reading 「顔認証」, struck through or not.
///
/// A struck-through word reads poorly, so a struck line about three
/// characters wide counts as the cancelled mark unless a reading shows it
/// is some other word. That leniency is safe: a cancelled mark and no mark
/// both mean a normal card; only an unstruck, clearly read 「顔認証」
/// withholds the PIN.
pub(crate) fn mark_of(lines: &[Reads]) -> FaceAuthMark {
    let mut mark = FaceAuthMark::Absent;
    for l in lines {
        if l.line.struck {
            let three_wide = (2.2..=4.8).contains(&l.line.aspect());
            let hint = l.reads.iter().any(|r| is_mark(&r.text) || r.text.contains(['顔', '認', '証']));
            let other_word = l.reads.iter().any(|r| r.confidence >= 0.8 && !r.text.contains(['顔', '認', '証']));
            if hint || three_wide && !other_word {
                return FaceAuthMark::Cancelled;
            }
        } else if l.reads.iter().any(|r| is_mark(&r.text)) {
            mark = FaceAuthMark::Present;
        }
    }
    mark
}

/// 「顔認証」 alone on its line, allowing one of its three characters to be misread.
fn is_mark(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    text.contains("顔認証")
        || chars.len() == 3 && chars.iter().zip(['顔', '認', '証']).filter(|(a, b)| **a == *b).count() >= 2
}
