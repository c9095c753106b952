//! The calendar date for the session (question (3) depends on the
//! patient's age on the day). Japan has no daylight saving: JST is UTC+9.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::flow::types::Date;

/// JST's offset from UTC, in seconds.
const JST_OFFSET: i64 = 9 * 3600;

/// Today's date in Japan.
pub fn today() -> Date {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    date_of_unix(i64::try_from(secs).unwrap_or(i64::MAX) + JST_OFFSET)
}

/// The civil date of a count of seconds since 1970-01-01 (proleptic Gregorian).
pub fn date_of_unix(secs: i64) -> Date {
    // Howard Hinnant's days-to-civil algorithm.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date {
        year: u32::try_from(year).unwrap_or(0),
        month: u32::try_from(month).unwrap_or(1),
        day: u32::try_from(day).unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_fall_on_their_calendar_days() {
        assert_eq!(date_of_unix(0), Date { year: 1970, month: 1, day: 1 });
        // 2024-02-29 12:00 UTC, a leap day.
        assert_eq!(date_of_unix(1_709_208_000), Date { year: 2024, month: 2, day: 29 });
        // 2026-11-22 00:00 UTC.
        assert_eq!(date_of_unix(1_795_305_600), Date { year: 2026, month: 11, day: 22 });
    }

    #[test]
    fn the_day_turns_at_midnight_in_japan() {
        // 2026-11-21 15:00 UTC is 2026-11-22 00:00 JST.
        assert_eq!(date_of_unix(1_795_273_200 + JST_OFFSET), Date { year: 2026, month: 11, day: 22 });
        assert_eq!(date_of_unix(1_795_273_199 + JST_OFFSET), Date { year: 2026, month: 11, day: 21 });
    }
}
