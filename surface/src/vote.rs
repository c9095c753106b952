//! The votes on a card face's fields: what a line looks like it holds,
//! its readings by the different models, the value they agree on, and the
//! 「顔認証」 mark.

use opencv::core::Rect;
use uketsuke_driver::hal::surface::FaceAuthMark;

use crate::fields;
use crate::glyphs::Group;
use crate::lines::Line;
use crate::ocr::{LineText, Model, View};
use crate::shapes::{self, Holes};
use zeroize::Zeroizing;

mod birth;

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
    /// Readings of the digit groups waiting for the era to be known.
    pub(crate) pending: Vec<GroupRead>,
    /// For a line whose digit groups were found in the ink: the holes of
    /// each group's digit cells (none for 元). A reading with fewer digits
    /// in a group than the ink has cells lost one; a reading whose 0, 9 or
    /// 6 the holes forbid misread it.
    pub(crate) shapes: Option<Vec<Vec<Holes>>>,
    /// What the line's place on the card suggests it holds, when its first
    /// reading says nothing.
    pub(crate) hint: Option<Kind>,
    /// The line's digit groups, when they were found in the ink.
    pub(crate) groups: Option<Vec<Group>>,
    /// For a birth date whose digit groups were found: the era's ink.
    pub(crate) era_ink: Option<Rect>,
}

/// Who read a value: a model, on a view, with its best confidence.
type Source = (Model, View, f32);

/// One model's reading of a line's digit groups: each group read alone
/// ([`View::Groups`]), or all the digits set apart ([`View::Spaced`]).
pub(crate) struct GroupRead {
    pub(crate) model: Model,
    /// How the groups were read.
    pub(crate) view: View,
    /// The groups' digits (or 元), in order.
    pub(crate) parts: Vec<Zeroizing<String>>,
    /// The lowest of the groups' confidences.
    pub(crate) confidence: f32,
}

impl Reads {
    pub(crate) fn new(line: Line) -> Self {
        Self { line, reads: Vec::new(), pending: Vec::new(), shapes: None, hint: None, groups: None, era_ink: None }
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
        } else if looks_like_code(t, digits) {
            Some(Kind::Code)
        } else {
            self.hint
        }
    }

    /// The expiry year the readings vote for; a reading the ink of the
    /// year's digits forbids does not vote.
    pub(crate) fn expiry_year(&self, min: f32) -> Option<(i16, f32)> {
        self.confirmed_with_ink(expiry_year_of, |y| self.ink_allows(&format!("{y:04}")), min)
    }

    /// The security code the readings vote for; a reading the ink of the
    /// code's digits forbids does not vote.
    pub(crate) fn code(&self, min: f32) -> Option<(String, f32)> {
        self.confirmed_with_ink(fields::find_code, |c| self.ink_allows(c), min)
    }

    /// [`Reads::confirmed`] without the readings the ink forbids, if the
    /// ink allows any reading at all: when it allows none, the cells were
    /// cut wrong (a kanji broken apart, a digit lost in glare) and the ink
    /// says nothing. The ink only settles disagreements between readings.
    fn confirmed_with_ink<T: PartialEq + Clone>(
        &self,
        parse: impl Fn(&str) -> Option<T>,
        ink: impl Fn(&T) -> bool,
        min: f32,
    ) -> Option<(T, f32)> {
        let any_allowed = self.reads.iter().filter_map(|r| parse(&r.text)).any(|v| ink(&v));
        if any_allowed {
            self.confirmed(|text| parse(text).filter(|v| ink(v)), min)
        } else {
            self.confirmed(parse, min)
        }
    }

    /// Whether the ink of a one-group line's digit cells allows `digits`.
    fn ink_allows(&self, digits: &str) -> bool {
        match self.shapes.as_deref() {
            Some([holes]) => shapes::allow_all(digits, holes),
            _ => true,
        }
    }

    /// The value the readings vote for: given by two different models,
    /// the better of them confident, and at least twice as strongly
    /// supported as any other value read (not merely by more models: the
    /// two Japanese models share mistakes). A value's support is the sum,
    /// over the sources that read it (a model on the whole line, or a
    /// model on the digit groups alone), of each source's best confidence:
    /// one model reading the same view again at another size repeats its
    /// mistakes, so it does not add up.
    pub(crate) fn confirmed<T: PartialEq + Clone>(
        &self,
        parse: impl Fn(&str) -> Option<T>,
        min: f32,
    ) -> Option<(T, f32)> {
        let mut votes: Vec<(T, Vec<Source>)> = Vec::new();
        for r in self.reads.iter().filter(|r| r.confidence >= FLOOR) {
            let Some(v) = parse(&r.text) else { continue };
            let i = match votes.iter().position(|(w, _)| *w == v) {
                Some(i) => i,
                None => {
                    votes.push((v, Vec::new()));
                    votes.len() - 1
                }
            };
            let Some((_, sources)) = votes.get_mut(i) else { continue };
            match sources.iter_mut().find(|(m, view, _)| *m == r.model && *view == r.view) {
                Some((.., best)) => *best = best.max(r.confidence),
                None => sources.push((r.model, r.view, r.confidence)),
            }
        }
        let support = |sources: &[Source]| sources.iter().map(|s| s.2).sum::<f32>();
        votes.sort_by(|a, b| support(&b.1).total_cmp(&support(&a.1)));
        let (value, sources) = votes.first()?;
        let sum = support(sources);
        let best = sources.iter().map(|s| s.2).fold(0.0f32, f32::max);
        let runner_up = votes.get(1).map_or(0.0, |v| support(&v.1));
        let two_models = sources.iter().any(|s| s.0 != sources[0].0);
        (two_models && best >= min && sum >= 2.0 * runner_up).then(|| (value.clone(), best))
    }
}

/// Marks the short lines right above or below the card's 16-digit serial
/// as perhaps the security code (the two engraved numbers sit together
/// under the photo; DESIGN.md §2), for when the code's first reading is
/// garbled. Only a reading of exactly four digits confirmed by two models
/// makes it the code.
pub(crate) fn hint_codes_beside_serial(lines: &mut [Reads]) {
    let serials: Vec<Line> = lines
        .iter()
        .filter(|l| {
            l.reads.first().is_some_and(|r| (14..=18).contains(&r.text.chars().filter(char::is_ascii_digit).count()))
        })
        .map(|l| l.line)
        .collect();
    for l in lines.iter_mut().filter(|l| l.kind().is_none()) {
        let r = l.line.rect;
        let beside = serials.iter().any(|s| {
            let s = s.rect;
            let dy = ((r.y + r.height / 2) - (s.y + s.height / 2)).abs();
            let overlap = (r.x + r.width).min(s.x + s.width) - r.x.max(s.x);
            let similar_height = r.height * 10 >= s.height * 7 && r.height * 10 <= s.height * 15;
            dy <= s.height * 3 && overlap > 0 && similar_height && l.line.aspect() <= 5.5
        });
        if beside {
            l.hint = Some(Kind::Code);
        }
    }
}

/// A short reading that is mostly digits: perhaps the security code, with
/// a digit or two lost in the first reading (the next readings must give
/// exactly four).
fn looks_like_code(text: &str, digits: usize) -> bool {
    let chars = text.chars().count();
    (2..=6).contains(&chars) && digits >= 2 && digits * 3 >= chars * 2
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

#[cfg(test)]
pub(super) mod tests {
    use opencv::core::Rect;

    use super::*;

    pub(super) fn line(reads: &[(&str, f32, Model, View)]) -> Reads {
        let mut l = Reads::new(Line { rect: Rect::new(0, 0, 300, 30), struck: false });
        for (text, confidence, model, view) in reads {
            l.reads.push(LineText {
                text: Zeroizing::new((*text).to_owned()),
                confidence: *confidence,
                model: *model,
                view: *view,
            });
        }
        l
    }

    pub(super) const S: Model = Model::Script;
    pub(super) const J: Model = Model::Japanese;
    pub(super) const D: Model = Model::Digits;
    pub(super) const LINE: View = View::Line;
    pub(super) const GROUPS: View = View::Groups;

    #[test]
    fn one_model_reading_the_same_view_again_does_not_outvote_two_models() {
        // The Script model drops a narrow "1" three times; two models read
        // the groups alone and keep it.
        let l = line(&[
            ("昭和19年1月2日生", 0.92, S, LINE),
            ("昭和19年1月2日生", 0.93, S, LINE),
            ("昭和19年1月2日生", 0.93, S, LINE),
            ("昭和19年11月2日生", 0.85, S, GROUPS),
            ("昭和19年11月2日生", 0.85, J, GROUPS),
            ("昭和19年11月2日生", 0.96, D, GROUPS),
        ]);
        let (date, _) = l.confirmed(fields::find_birth, 0.6).expect("confirmed");
        assert_eq!(date.month, 11);
    }

    #[test]
    fn two_models_sharing_a_mistake_against_a_third_leave_the_value_unconfirmed() {
        // Both Japanese models read a slashed zero as 9; the digits model
        // reads 0. Nothing is sure enough to spend a try on.
        let l = line(&[("8279", 0.78, S, LINE), ("8279", 0.90, J, GROUPS), ("8270", 0.96, D, LINE)]);
        assert!(l.confirmed(fields::find_code, 0.6).is_none());
    }

    #[test]
    fn a_value_read_by_one_model_only_is_not_confirmed() {
        let l = line(&[("2455", 0.93, S, LINE), ("2455", 0.95, S, GROUPS)]);
        assert!(l.confirmed(fields::find_code, 0.6).is_none());
    }

    #[test]
    fn a_short_mostly_digit_reading_is_taken_for_the_code() {
        assert!(looks_like_code("724", 3));
        assert!(looks_like_code("98", 2));
        assert!(looks_like_code("B17", 2), "an 8 read as B: the next readings decide");
        assert!(!looks_like_code("AT", 0));
        assert!(!looks_like_code("性別女", 0));
        assert!(!looks_like_code("6625479468167792", 16));
    }
}
