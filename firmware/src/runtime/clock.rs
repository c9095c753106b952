//! The calendar date for the session (question (3) depends on the
//! patient's age on the day). Japan has no daylight saving: JST is UTC+9.

use jiff::Timestamp;
use jiff::tz::{TimeZone, offset};

use crate::flow::types::Date;

/// Today's date in Japan.
pub fn today() -> Date {
    date_in_japan(Timestamp::now())
}

/// The calendar day in Japan at `at` (JST, UTC+9 all year).
pub fn date_in_japan(at: Timestamp) -> Date {
    at.to_zoned(TimeZone::fixed(offset(9))).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn known_instants_fall_on_their_calendar_days() {
        assert_eq!(date_in_japan(at(0)), jiff::civil::date(1970, 1, 1));
        // 2024-02-29 12:00 UTC, a leap day.
        assert_eq!(date_in_japan(at(1_709_208_000)), jiff::civil::date(2024, 2, 29));
        // 2026-11-22 00:00 UTC.
        assert_eq!(date_in_japan(at(1_795_305_600)), jiff::civil::date(2026, 11, 22));
    }

    #[test]
    fn the_day_turns_at_midnight_in_japan() {
        // 2026-11-21 15:00 UTC is 2026-11-22 00:00 JST.
        assert_eq!(date_in_japan(at(1_795_273_200)), jiff::civil::date(2026, 11, 22));
        assert_eq!(date_in_japan(at(1_795_273_199)), jiff::civil::date(2026, 11, 21));
    }
}
