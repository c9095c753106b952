//! The birth date's vote: the era the readings agree on, and the ink's
//! digit cells, which settle what the models' agreement cannot.

use crate::fields::{self, Era, EraDate};
use crate::ocr::View;
use crate::shapes::{self, Holes};

use super::{FLOOR, Reads};

impl Reads {
    /// The era every reading of the whole line or of the era alone that
    /// names one names, when at least two readings do (the era's kanji are
    /// not among the digit groups, so a reading of the groups takes it
    /// from here).
    pub(crate) fn agreed_era(&self) -> Option<Era> {
        let eras: Vec<Era> = self
            .reads
            .iter()
            .filter(|r| matches!(r.view, View::Line | View::Era))
            .filter_map(|r| fields::find_era(&r.text))
            .collect();
        let first = *eras.first()?;
        (eras.len() >= 2 && eras.iter().all(|e| *e == first)).then_some(first)
    }

    /// The birth date the readings vote for ([`Reads::confirmed`]). Once
    /// the era is agreed, a reading with the era garbled (昌和) still
    /// votes for its digits and a reading naming another era does not
    /// vote. Once the ink's digit cells are known, a reading with fewer
    /// digits in a group than the group has cells does not vote, ever:
    /// both Japanese models drop the same narrow digit (`1月` for `11月`),
    /// so their agreement does not outweigh the ink's count. Without the
    /// cells, a value is not confirmed while any reading gives one of its
    /// numbers with a digit more (`30日` against `3日`): a digit may have
    /// been dropped by every model that agreed.
    pub(crate) fn birth(&self, min: f32) -> Option<(EraDate, f32)> {
        let era = self.agreed_era();
        let parse = |text: &str| {
            let date = fields::find_birth(text).or_else(|| fields::find_birth(&with_era(text, era?)?))?;
            era.is_none_or(|e| e == date.era).then_some(date)
        };
        let Some(shapes) = self.shapes.as_ref() else {
            let (date, confidence) = self.confirmed(parse, min)?;
            let longer = self
                .reads
                .iter()
                .filter(|r| r.confidence >= FLOOR)
                .filter_map(|r| parse(&r.text))
                .any(|other| has_a_digit_more(&other, &date));
            return (!longer).then_some((date, confidence));
        };
        let counted = |text: &str| parse(text).filter(|d| enough_digits(d, shapes));
        self.confirmed_with_ink(counted, |d| holes_allow(d, shapes), min)
    }
}

/// The text with whatever stands before its first digit (or 元) replaced
/// by `era`.
fn with_era(text: &str, era: Era) -> Option<String> {
    let first = text.find(|c: char| c.is_ascii_digit() || c == '元')?;
    Some(format!("{}{}", era.name(), text.get(first..)?))
}

/// The date's numbers, each as its digits.
fn numbers(date: &EraDate) -> [String; 3] {
    [date.year, date.month, date.day].map(|n| n.to_string())
}

/// Whether each of the date's numbers has at least as many digits as its
/// group has cells in the ink (元 has no cells).
fn enough_digits(date: &EraDate, groups: &[Vec<Holes>]) -> bool {
    groups.len() == 3 && numbers(date).iter().zip(groups).all(|(n, holes)| n.len() >= holes.len())
}

/// Whether the cells' holes allow each of the date's digits.
fn holes_allow(date: &EraDate, groups: &[Vec<Holes>]) -> bool {
    groups.len() == 3 && numbers(date).iter().zip(groups).all(|(n, holes)| shapes::allow_all(n, holes))
}

/// Whether `other` is `date` with a digit or more added to its numbers
/// (each of `date`'s numbers found in order among `other`'s digits).
fn has_a_digit_more(other: &EraDate, date: &EraDate) -> bool {
    let within = |short: &str, long: &str| {
        let mut long = long.chars();
        short.chars().all(|c| long.any(|l| l == c))
    };
    let (o, d) = (numbers(other), numbers(date));
    other.era == date.era
        && o.iter().zip(&d).all(|(o, d)| within(d, o))
        && o.iter().map(String::len).sum::<usize>() > d.iter().map(String::len).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{D, GROUPS, J, LINE, S, line};
    use super::*;

    #[test]
    fn a_reading_with_fewer_digits_than_the_ink_has_cells_does_not_vote() {
        let mut l = line(&[
            ("昭和19年1月18日生", 0.93, S, LINE),
            ("昭和19年10月18日生", 0.79, S, GROUPS),
            ("昭和19年10月18日生", 0.96, D, GROUPS),
        ]);
        assert!(l.birth(0.6).is_none(), "without the cells the dropped zero weighs too much");
        l.shapes = Some(vec![vec![Holes::None; 2]; 3]);
        let (date, _) = l.birth(0.6).expect("confirmed");
        assert_eq!((date.year, date.month, date.day), (19, 10, 18));
    }

    #[test]
    fn two_models_dropping_the_same_digit_do_not_outweigh_the_cells() {
        // 令和2年11月3日: both Japanese models read 1月, the ink has two
        // cells for the month. Nothing is sure enough to spend a try on.
        let mut l = line(&[("令和2年1月3日生", 0.60, S, LINE), ("令和2年1月3日生", 0.63, J, LINE)]);
        assert!(l.birth(0.6).is_some(), "without the cells the two models agree");
        l.shapes = Some(vec![vec![Holes::None], vec![Holes::None; 2], vec![Holes::None]]);
        assert!(l.birth(0.6).is_none());
    }

    #[test]
    fn holes_that_allow_no_reading_at_all_say_nothing() {
        // Every reading says 10月; the month's second cell shows a hole
        // only in its upper part (a 0 blurred shut at the bottom): the
        // holes are wrong, not the readings.
        let mut l = line(&[("昭和17年10月1日生", 0.93, S, LINE), ("昭和17年10月1日生", 0.93, J, LINE)]);
        let upper = Holes::Span { top: 0.1, bottom: 0.5 };
        l.shapes = Some(vec![vec![Holes::None; 2], vec![Holes::None, upper], vec![Holes::None]]);
        let (date, _) = l.birth(0.6).expect("confirmed");
        assert_eq!((date.month, date.day), (10, 1));
    }

    #[test]
    fn without_the_cells_a_reading_with_a_digit_more_leaves_the_date_unconfirmed() {
        // 昭和48年8月30日: two models read 3日 (a slashed zero dropped), one 30日.
        let l = line(&[
            ("昭和48年8月3日生", 0.93, S, LINE),
            ("昭和48年8月30日生", 0.77, J, LINE),
            ("昭和48年8月3日生", 0.91, J, LINE),
        ]);
        assert!(l.birth(0.6).is_none());
        let agreed = line(&[("昭和48年8月30日生", 0.93, S, LINE), ("昭和48年8月30日生", 0.91, J, LINE)]);
        assert_eq!(agreed.birth(0.6).map(|(d, _)| d.day), Some(30));
    }

    #[test]
    fn once_the_era_is_agreed_a_garbled_era_still_votes_for_its_digits() {
        let l = line(&[
            ("昭和57年7月13日生", 0.92, S, LINE),
            ("昌和57年7月13日生", 0.77, J, LINE),
            ("昭和57年7月13日生", 0.92, S, LINE),
        ]);
        let (date, _) = l.birth(0.6).expect("confirmed");
        assert_eq!((date.era, date.year), (Era::Showa, 57));
        let alone = line(&[("昭和57年7月13日生", 0.92, S, LINE), ("昌和57年7月13日生", 0.77, J, LINE)]);
        assert!(alone.birth(0.6).is_none(), "one reading of the era is not agreement");
    }

    #[test]
    fn the_era_read_alone_by_two_models_settles_a_garbled_era() {
        const ERA: View = View::Era;
        let garbled = line(&[("昌和57年7月13日生", 0.77, J, LINE), ("和57年7月13日生", 0.90, S, LINE)]);
        assert_eq!(garbled.agreed_era(), None);
        let settled = line(&[
            ("昌和57年7月13日生", 0.77, J, LINE),
            ("和57年7月13日生", 0.90, S, LINE),
            ("昭和", 0.91, S, ERA),
            ("昭和", 0.88, J, ERA),
        ]);
        assert_eq!(settled.agreed_era(), Some(Era::Showa));
        let torn = line(&[("昭和", 0.91, S, ERA), ("令和", 0.88, J, ERA)]);
        assert_eq!(torn.agreed_era(), None, "the era read two ways is not agreed");
    }

    #[test]
    fn a_reading_naming_another_era_than_the_agreed_one_does_not_vote() {
        let l = line(&[
            ("平成5年7月13日生", 0.95, J, LINE),
            ("昭和5年7月13日生", 0.92, S, LINE),
            ("昭和5年7月13日生", 0.90, S, LINE),
        ]);
        assert!(l.birth(0.6).is_none(), "the eras disagree: nothing is agreed");
    }
}
