//! The card face's fields, found by what they say (DESIGN.md §2 "Card
//! face"), not by where they are:
//!
//! - the birth date in 和暦 ending in 生: `昭和50年 1月 2日生` (元年 for year 1);
//! - the expiry in 西暦 ending in まで有効: `2034年 3月 4日まで有効`;
//! - the security code: an engraved number of exactly 4 digits (the card
//!   serial beside it has 16).
//!
//! Then the checks that keep a misread from spending one of 照合番号B's
//! finite tries: a real calendar date inside its era, a plausible age, an
//! expiry after the birth date and not far in the future.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

/// A Japanese era, with the day it began (DESIGN.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 大正, from 1912-07-30.
    Taisho,
    /// 昭和, from 1926-12-25.
    Showa,
    /// 平成, from 1989-01-08.
    Heisei,
    /// 令和, from 2019-05-01.
    Reiwa,
}

impl Era {
    const ALL: [Era; 4] = [Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era's name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Self::Taisho => "大正",
            Self::Showa => "昭和",
            Self::Heisei => "平成",
            Self::Reiwa => "令和",
        }
    }

    fn start(self) -> (i16, i8, i8) {
        match self {
            Self::Taisho => (1912, 7, 30),
            Self::Showa => (1926, 12, 25),
            Self::Heisei => (1989, 1, 8),
            Self::Reiwa => (2019, 5, 1),
        }
    }

    fn next(self) -> Option<Era> {
        let i = Self::ALL.iter().position(|e| *e == self)?;
        Self::ALL.get(i + 1).copied()
    }
}

/// A birth date as printed: era, era year, month, day.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EraDate {
    /// The era.
    pub era: Era,
    /// The year of the era (1 for 元年).
    pub year: u8,
    /// Month.
    pub month: u8,
    /// Day.
    pub day: u8,
}

impl std::fmt::Debug for EraDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EraDate(REDACTED)")
    }
}

impl EraDate {
    /// The Gregorian date, if it is a real date inside its era.
    pub fn gregorian(&self) -> Option<Date> {
        let (y0, ..) = self.era.start();
        let year = y0.checked_add(i16::from(self.year) - 1)?;
        let date = Date::new(year, i8::try_from(self.month).ok()?, i8::try_from(self.day).ok()?).ok()?;
        let start = Date::new(y0, self.era.start().1, self.era.start().2).ok()?;
        let before_next = self
            .era
            .next()
            .is_none_or(|n| Date::new(n.start().0, n.start().1, n.start().2).is_ok_and(|next| date < next));
        (date >= start && before_next).then_some(date)
    }

    /// The first six digits of 照合番号B: era year, month, day (YYMMDD).
    pub fn yymmdd(&self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }
}

/// Text as the OCR gave it, made comparable: full-width digits to ASCII,
/// all white space removed.
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            c => c,
        })
        .collect()
}

static BIRTH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(大正|昭和|平成|令和)(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})([^0-9]|$)").ok());
static EXPIRY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^0-9])([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})[^0-9]{0,2}?(まで|有効)").ok());

/// The birth date in a line of text (normalised), if the line holds one.
/// The era, 年 and 月 anchor it; 日 and the closing 生 may be misread
/// (there is no other era date on the card face), but no digit may follow
/// the day.
pub fn find_birth(text: &str) -> Option<EraDate> {
    let caps = BIRTH.as_ref()?.captures(text)?;
    let era = Era::ALL.into_iter().find(|e| e.name() == &caps[1])?;
    let year = if &caps[2] == "元" { 1 } else { caps[2].parse().ok()? };
    let date = EraDate { era, year, month: caps[3].parse().ok()?, day: caps[4].parse().ok()? };
    (year >= 1 && date.gregorian().is_some()).then_some(date)
}

/// The era a line of text (normalised) names, if any.
pub fn find_era(text: &str) -> Option<Era> {
    Era::ALL.into_iter().find(|e| text.contains(e.name()))
}

/// The expiry date in a line of text (normalised), if the line holds one:
/// a four-digit year with 年 and 月, then まで or 有効 (日 is often misread).
pub fn find_expiry(text: &str) -> Option<Date> {
    let caps = EXPIRY.as_ref()?.captures(text)?;
    Date::new(caps[2].parse().ok()?, caps[3].parse().ok()?, caps[4].parse().ok()?).ok()
}

static EXPIRY_YEAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^0-9])([0-9]{4})年[0-9]{1,2}月[0-9]{1,2}[^0-9]{0,2}?(まで|有効)").ok());

/// The expiry's year alone (all 照合番号B uses of it): the expiry pattern
/// with any month and day, so a misread day does not lose the year.
pub fn find_expiry_year(text: &str) -> Option<i16> {
    EXPIRY_YEAR.as_ref()?.captures(text)?[2].parse().ok()
}

/// The leading year of an expiry line read by the digits-only model from
/// the line's first characters: exactly four digits.
pub fn find_year_digits(text: &str) -> Option<i16> {
    let t = text.trim_matches(|c: char| c.is_ascii_punctuation());
    (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
}

/// The security code: a line (normalised) of exactly four digits, once
/// stray punctuation the OCR saw at the line's ends (`|`, `]`, `.`) is
/// dropped.
pub fn find_code(text: &str) -> Option<String> {
    let t = text.trim_matches(|c: char| c.is_ascii_punctuation() || "｜」「』『".contains(c));
    (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.to_owned())
}

/// Why a reading is refused although every field was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implausible {
    /// Born in the future or more than 125 years ago.
    Age,
    /// The expiry is not after the birth date, or too far ahead.
    Expiry,
}

/// Checks the birth date and the expiry year against each other and
/// against `today`.
pub fn check_plausible(birth: Date, expiry_year: i16, today: Date) -> Result<(), Implausible> {
    let age_years = i32::from(today.year()) - i32::from(birth.year());
    if birth > today || age_years > 125 {
        return Err(Implausible::Age);
    }
    // A card is valid for at most ten years after its tenth birthday
    // renewal; expiry years far ahead of today are misreads.
    let ahead = i32::from(expiry_year) - i32::from(today.year());
    if expiry_year <= birth.year() || !(-15..=11).contains(&ahead) {
        return Err(Implausible::Expiry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i16, m: i8, d: i8) -> Date {
        Date::new(y, m, d).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn an_era_birth_line_is_found_inside_other_text() {
        let b = find_birth(&normalize("昭和46年 5月12日生  性別 男")).unwrap_or_else(|| unreachable!());
        assert_eq!(b.gregorian(), Some(date(1971, 5, 12)));
        assert_eq!(b.yymmdd(), "460512");
    }

    #[test]
    fn gannen_is_year_one_and_full_width_digits_count() {
        let b = find_birth(&normalize("平成元年 １月 ８日生")).unwrap_or_else(|| unreachable!());
        assert_eq!(b.gregorian(), Some(date(1989, 1, 8)));
        assert_eq!(b.yymmdd(), "010108");
    }

    #[test]
    fn a_date_outside_its_era_is_not_a_birth_date() {
        assert!(find_birth("平成元年1月7日生").is_none(), "Heisei began on 8 January 1989");
        assert!(find_birth("昭和65年1月1日生").is_none());
        assert!(find_birth("令和元年4月30日生").is_none());
        assert!(find_birth("昭和46年2月30日生").is_none(), "no 30 February");
        assert!(find_birth("昭和0年5月1日生").is_none());
    }

    #[test]
    fn a_birth_line_may_lose_its_sei_but_not_a_digit() {
        assert!(find_birth("昭和46年5月12日").is_some(), "生 misread or cut off");
        assert!(find_birth("昭和46年5月124").is_none(), "a stray digit after the day is not a date");
        assert!(find_birth("昭和46年5月12旦生").is_some(), "日 misread");
    }

    #[test]
    fn the_expiry_needs_a_western_year_and_made_de_yuko() {
        assert_eq!(find_expiry(&normalize("2034年 3月 4日まで有効")), Some(date(2034, 3, 4)));
        assert_eq!(find_expiry("2034年3月4日"), None);
        assert_eq!(find_expiry("2034年3月4昌まで有効"), Some(date(2034, 3, 4)), "日 misread");
        assert_eq!(find_expiry("12034年3月4日まで有効"), None);
        assert_eq!(find_expiry("46年3月4日まで有効"), None);
        assert_eq!(find_expiry("2034年2月30日まで有効"), None);
    }

    #[test]
    fn the_expiry_year_survives_a_misread_day() {
        assert_eq!(find_expiry_year("2032年4月39日まで有効"), Some(2032));
        assert_eq!(find_expiry_year("033年6月14日まで有効"), None);
        assert_eq!(find_year_digits("2033"), Some(2033));
        assert_eq!(find_year_digits("20334"), None);
    }

    #[test]
    fn only_exactly_four_digits_make_a_security_code() {
        assert_eq!(find_code("4821").as_deref(), Some("4821"));
        assert_eq!(find_code("482"), None);
        assert_eq!(find_code("1234567890123456"), None);
        assert_eq!(find_code("48a1"), None);
        assert_eq!(find_code("4821]").as_deref(), Some("4821"), "an edge of the crop read as a bracket");
        assert_eq!(find_code("48]21"), None);
    }

    #[test]
    fn implausible_dates_are_refused() {
        let today = date(2026, 12, 1);
        assert_eq!(check_plausible(date(1971, 5, 12), 2031, today), Ok(()));
        assert_eq!(check_plausible(date(2027, 1, 1), 2031, today), Err(Implausible::Age));
        assert_eq!(check_plausible(date(1890, 1, 1), 2031, today), Err(Implausible::Age));
        assert_eq!(check_plausible(date(1971, 5, 12), 2061, today), Err(Implausible::Expiry));
        assert_eq!(check_plausible(date(2020, 5, 12), 2019, today), Err(Implausible::Expiry));
    }
}
