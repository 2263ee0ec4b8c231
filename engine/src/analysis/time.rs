//! Time arithmetic on Unix seconds: whole days left and RFC 3339 UTC strings.
//!
//! Certificates carry their validity in UTC, and the caller hands the current
//! time in as a value, so everything here is plain integer arithmetic on
//! seconds since 1970-01-01T00:00:00Z. No clock is read and no time-zone
//! database is consulted.

use rustls_pki_types::UnixTime;

/// Seconds in one day (UTC has no leap seconds in Unix time).
pub const SECONDS_PER_DAY: i64 = 86_400;

/// Whole days from `now` until `deadline`, both in Unix seconds.
///
/// Rounding rule: the difference in seconds is divided by 86 400 and rounded
/// **down** (toward negative infinity). So
/// - `1` means at least one full day is left,
/// - `0` means the deadline is less than 24 hours away (or is exactly now:
///   a certificate is still valid at the instant of its notAfter),
/// - `-1` means the deadline passed less than 24 hours ago,
///
/// and the value turns negative the very first second after the deadline.
pub fn days_until(now: i64, deadline: i64) -> i64 {
    deadline.saturating_sub(now).div_euclid(SECONDS_PER_DAY)
}

/// Converts a [`UnixTime`] to signed Unix seconds (saturating far in the future).
pub fn unix_seconds(time: UnixTime) -> i64 {
    i64::try_from(time.as_secs()).unwrap_or(i64::MAX)
}

/// Formats Unix seconds as an RFC 3339 UTC timestamp, e.g. `2030-01-01T00:00:00Z`.
///
/// Works for every `i64`; years outside 0..=9999 are printed with more digits
/// or a sign rather than failing.
pub fn format_rfc3339_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        (second_of_day / 60) % 60,
        second_of_day % 60
    )
}

/// Proleptic Gregorian date (year, month 1-12, day 1-31) of a day number
/// counted from 1970-01-01, after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year.
    let z = days as i128 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let shifted_month = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    // All three fit in i64: |year| <= |days| / 365 + 1.
    (year as i64, month as i64, day as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const Y2030: i64 = 1_893_456_000; // 2030-01-01T00:00:00Z

    #[test]
    fn days_until_rounds_down_at_the_expiry_boundaries() {
        assert_eq!(days_until(Y2030 - 1, Y2030), 0, "one second before");
        assert_eq!(days_until(Y2030, Y2030), 0, "at notAfter still valid");
        assert_eq!(days_until(Y2030 + 1, Y2030), -1, "one second after");
        assert_eq!(days_until(Y2030 - SECONDS_PER_DAY, Y2030), 1);
        assert_eq!(days_until(Y2030 - SECONDS_PER_DAY + 1, Y2030), 0);
        assert_eq!(days_until(Y2030 - SECONDS_PER_DAY - 1, Y2030), 1);
        assert_eq!(days_until(Y2030 + SECONDS_PER_DAY, Y2030), -1);
        assert_eq!(days_until(Y2030 + SECONDS_PER_DAY + 1, Y2030), -2);
    }

    #[test]
    fn formats_known_dates() {
        assert_eq!(format_rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_utc(Y2030), "2030-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_utc(Y2030 - 1), "2029-12-31T23:59:59Z");
        assert_eq!(format_rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339_utc(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn converts_unix_time() {
        let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(42));
        assert_eq!(unix_seconds(t), 42);
    }

    proptest! {
        #[test]
        fn formatting_never_panics_for_any_second(s in any::<i64>()) {
            let text = format_rfc3339_utc(s);
            prop_assert!(text.ends_with('Z'));
        }

        #[test]
        fn days_until_never_panics_and_is_monotonic(now in any::<i64>(), deadline in any::<i64>()) {
            let d = days_until(now, deadline);
            prop_assert!(days_until(now.saturating_sub(SECONDS_PER_DAY), deadline) >= d);
        }

        #[test]
        fn day_numbers_round_trip_through_the_civil_date(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            // days_from_civil, the inverse, after Hinnant.
            let y2 = if m <= 2 { y - 1 } else { y };
            let era = y2.div_euclid(400);
            let yoe = y2.rem_euclid(400);
            let mp = if m > 2 { m - 3 } else { m + 9 };
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            prop_assert_eq!(era * 146_097 + doe - 719_468, days);
        }
    }
}
