//! The My Number check digit (行政手続における特定の個人を識別するための
//! 番号の利用等に関する法律施行令 第8条).

/// The check digit for the first 11 digits, or `None` if they are not 11 digits.
pub fn check_digit(first11: &str) -> Option<u8> {
    if first11.len() != 11 || !first11.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first11
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(b - b'0') * q
        })
        .sum();
    let r = sum % 11;
    Some(if r <= 1 { 0 } else { (11 - r) as u8 })
}

/// Whether a 12-digit My Number has a valid check digit.
pub fn is_valid(number: &str) -> bool {
    number.len() == 12
        && number.bytes().last().is_some_and(|last| check_digit(&number[..11]) == Some(last.wrapping_sub(b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_sample_number_is_valid() {
        // Worked example: weights 6,5,4,3,2,7,6,5,4,3,2 give 212, 212 mod 11 = 3, 11 - 3 = 8.
        assert!(is_valid("123456789018"));
        assert!(!is_valid("123456789012"));
    }

    #[test]
    fn non_digits_have_no_check_digit() {
        assert_eq!(check_digit("1234567890a"), None);
        assert!(!is_valid("12345678901"));
    }
}
