//! The card-surface text parser (surface/src/fields.rs): what the OCR read
//! becomes a birth date, an expiry and a security code, or nothing. The
//! same source file, compiled without OpenCV and Tesseract. Oracles: every
//! field found is well formed (a real date inside its era, six YYMMDD
//! digits, a four-digit code), and the checks never panic on any dates.
#![no_main]

#[allow(dead_code, clippy::all)]
#[path = "../../surface/src/fields.rs"]
mod fields;

use jiff::civil::Date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let text = fields::normalize(raw);
    assert!(!text.chars().any(char::is_whitespace));
    if let Some(birth) = fields::find_birth(&text) {
        let date = birth.gregorian();
        assert!(date.is_some(), "a birth date outside its era was found");
        let yymmdd = birth.yymmdd();
        assert!(yymmdd.len() == 6 && yymmdd.bytes().all(|b| b.is_ascii_digit()), "YYMMDD {yymmdd:?}");
        let today = Date::new(2026, 12, 2).unwrap_or_default();
        if let (Some(date), Some(year)) = (date, fields::find_expiry_year(&text)) {
            let _ = std::hint::black_box(fields::check_plausible(date, year, today));
        }
    }
    if let Some(code) = fields::find_code(&text) {
        assert!(code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()), "code {code:?}");
    }
    let _ =
        std::hint::black_box((fields::find_expiry(&text), fields::find_era(&text), fields::find_year_digits(&text)));
});
