//! Types for secrets and personal data (DESIGN.md §5): `Debug` prints
//! `REDACTED`, there is no `Display`, and the contents are zeroized on drop.

use std::fmt;

use jiff::civil::Date;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident($inner:ty)) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name($inner);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(REDACTED)"))
            }
        }
    };
}

secret_type!(
    /// The 4-digit PIN of the JPKI authentication key and the text AP
    /// (利用者証明用電子証明書の暗証番号).
    Pin(String)
);
secret_type!(
    /// The 6–16 character signing password (署名用電子証明書の暗証番号).
    SignPassword(String)
);
secret_type!(
    /// 照合番号B: era birth date YYMMDD, expiry year, security code (14 digits).
    CheckCodeB(String)
);
secret_type!(
    /// The 12-digit individual number (マイナンバー).
    MyNumber(String)
);
secret_type!(
    /// Free text from the card: a name or an address.
    PersonalText(String)
);
secret_type!(
    /// A birth date as `YYYYMMDD`.
    BirthDate(String)
);
secret_type!(
    /// Bytes of personal data: the photo, images of the name or address.
    PersonalBytes(Vec<u8>)
);

/// Whole years from `birth` to `on`: a year counts from the birthday itself
/// (the rule for consent question (3)); 0 when `on` is before `birth`.
pub fn whole_years(birth: Date, on: Date) -> u32 {
    let had_birthday = (on.month(), on.day()) >= (birth.month(), birth.day());
    let years = i32::from(on.year()) - i32::from(birth.year()) - i32::from(!had_birthday);
    u32::try_from(years).unwrap_or(0)
}

/// Reads a secret typed by the patient: strips one trailing line ending only.
fn strip_line(input: &str) -> &str {
    input.strip_suffix("\r\n").or_else(|| input.strip_suffix('\n')).unwrap_or(input)
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

impl Pin {
    /// Accepts exactly four ASCII digits.
    pub fn parse(input: &str) -> Result<Self> {
        let s = strip_line(input);
        if all_digits(s, 4) { Ok(Self(s.to_owned())) } else { Err(Error::InvalidInput("the PIN must be 4 digits")) }
    }

    /// The PIN bytes to send in VERIFY.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl SignPassword {
    /// Accepts 6–16 ASCII upper-case letters and digits.
    pub fn parse(input: &str) -> Result<Self> {
        let s = strip_line(input);
        let ok = (6..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::InvalidInput("the signing password must be 6-16 upper-case letters and digits"))
        }
    }

    /// The password bytes to send in VERIFY.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl CheckCodeB {
    /// Accepts exactly fourteen ASCII digits.
    pub fn parse(input: &str) -> Result<Self> {
        let s = strip_line(input);
        if all_digits(s, 14) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::InvalidInput("照合番号B must be 14 digits"))
        }
    }

    /// The digits to send in VERIFY.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl MyNumber {
    /// Wraps 12 digits read from the card.
    pub fn from_card(bytes: &[u8]) -> Result<Self> {
        let s = std::str::from_utf8(bytes).map_err(|_| Error::Malformed("My Number is not text"))?;
        if all_digits(s, 12) { Ok(Self(s.to_owned())) } else { Err(Error::Malformed("My Number is not 12 digits")) }
    }

    /// The 12 digits.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PersonalText {
    /// Wraps UTF-8 text read from the card.
    pub fn from_card(bytes: &[u8]) -> Result<Self> {
        std::str::from_utf8(bytes).map(|s| Self(s.to_owned())).map_err(|_| Error::Malformed("text field is not UTF-8"))
    }

    /// The text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl BirthDate {
    /// Accepts `YYYYMMDD` with a plausible month and day.
    pub fn from_card(bytes: &[u8]) -> Result<Self> {
        let s = std::str::from_utf8(bytes).map_err(|_| Error::Malformed("birth date is not text"))?;
        let date = Self(s.to_owned());
        if !all_digits(s, 8) {
            return Err(Error::Malformed("birth date is not YYYYMMDD"));
        }
        date.date()?;
        Ok(date)
    }

    /// The date (a real calendar day: no 30 February).
    pub fn date(&self) -> Result<Date> {
        let part = |range: std::ops::Range<usize>| self.0.get(range).and_then(|s| s.parse::<i16>().ok());
        let malformed = Error::Malformed("birth date is not YYYYMMDD");
        let (Some(y), Some(m), Some(d)) = (part(0..4), part(4..6), part(6..8)) else { return Err(malformed) };
        let (Ok(m), Ok(d)) = (i8::try_from(m), i8::try_from(d)) else { return Err(malformed) };
        Date::new(y, m, d).map_err(|_| malformed)
    }

    /// Age in whole years on `on` (see [`whole_years`]).
    pub fn age_on(&self, on: Date) -> Result<u32> {
        Ok(whole_years(self.date()?, on))
    }

    /// `YYYYMMDD`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PersonalBytes {
    /// Wraps bytes read from the card.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_every_secret_prints_redacted_only() {
        let printed = [
            format!("{:?}", Pin::parse("1234").ok()),
            format!("{:?}", SignPassword::parse("ABC123").ok()),
            format!("{:?}", CheckCodeB::parse("59010120301234").ok()),
            format!("{:?}", MyNumber::from_card(b"123456789018").ok()),
            format!("{:?}", PersonalText::from_card("山田 太郎".as_bytes()).ok()),
            format!("{:?}", BirthDate::from_card(b"19840101").ok()),
            format!("{:?}", PersonalBytes::new(vec![0x42; 4])),
        ];
        for p in printed {
            assert!(p.contains("REDACTED"), "{p}");
            for leak in ["1234", "ABC", "5901", "1234567", "山田", "1984", "66"] {
                assert!(!p.contains(leak), "{p} leaks {leak}");
            }
        }
    }

    #[test]
    fn pins_must_be_exactly_four_digits() {
        assert!(Pin::parse("1234\n").is_ok());
        for bad in ["123", "12345", "12a4", "", " 1234"] {
            assert!(Pin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn input_errors_never_echo_the_input() {
        let e = Pin::parse("98x").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!e.contains("98x"));
    }

    #[test]
    fn age_counts_whole_years_from_the_birthday() {
        let d = BirthDate::from_card(b"19860415").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(d.age_on(jiff::civil::date(2026, 4, 14)).ok(), Some(39));
        assert_eq!(d.age_on(jiff::civil::date(2026, 4, 15)).ok(), Some(40));
    }

    #[test]
    fn impossible_birth_dates_are_malformed() {
        assert!(BirthDate::from_card(b"19861341").is_err());
        assert!(BirthDate::from_card(b"1986041").is_err());
        assert!(BirthDate::from_card(b"19860230").is_err(), "there is no 30 February");
    }

    #[test]
    fn zeroize_clears_the_pin() {
        let mut p = Pin::parse("4321").unwrap_or_else(|e| unreachable!("{e}"));
        p.zeroize();
        assert!(p.expose().is_empty());
    }
}
