//! Japanese era dates and 照合番号B (DESIGN.md §2): birth date as era
//! YYMMDD, then the card's expiry year (Western, 4 digits), then the
//! 4-digit security code.

/// Era start dates (year, month, day), newest first.
const ERAS: [(&str, (u32, u32, u32)); 5] = [
    ("令和", (2019, 5, 1)),
    ("平成", (1989, 1, 8)),
    ("昭和", (1926, 12, 25)),
    ("大正", (1912, 7, 30)),
    ("明治", (1868, 10, 23)),
];

/// The era name and era year of a Gregorian date, or `None` before Meiji.
pub fn era_of(year: u32, month: u32, day: u32) -> Option<(&'static str, u32)> {
    ERAS.iter().find(|(_, start)| (year, month, day) >= *start).map(|(name, (y0, _, _))| (*name, year - y0 + 1))
}

/// 照合番号B for a birth date, card expiry year and security code.
/// `None` if the date is before Meiji or the code is not 4 digits.
pub fn check_code_b(birth: (u32, u32, u32), expiry_year: u32, security_code: &str) -> Option<String> {
    let (_, era_year) = era_of(birth.0, birth.1, birth.2)?;
    let code_ok = security_code.len() == 4 && security_code.bytes().all(|b| b.is_ascii_digit());
    code_ok.then(|| format!("{:02}{:02}{:02}{:04}{}", era_year % 100, birth.1, birth.2, expiry_year, security_code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn era_boundaries_fall_on_the_accession_days() {
        assert_eq!(era_of(1989, 1, 7), Some(("昭和", 64)));
        assert_eq!(era_of(1989, 1, 8), Some(("平成", 1)));
        assert_eq!(era_of(2019, 4, 30), Some(("平成", 31)));
        assert_eq!(era_of(2019, 5, 1), Some(("令和", 1)));
    }

    #[test]
    fn check_code_b_is_fourteen_digits_in_the_documented_order() {
        assert_eq!(check_code_b((1971, 5, 12), 2031, "4821").as_deref(), Some("46051220314821"));
        assert_eq!(check_code_b((1971, 5, 12), 2031, "48a1"), None);
    }
}
