//! Reading a point in time from the command line (`--at`).

use starttls_engine::UnixTime;

/// Parses Unix seconds or an RFC 3339 UTC time (`2030-01-31T12:00:00Z`,
/// also with a space instead of `T` or without seconds' fraction).
pub fn parse(text: &str) -> Result<UnixTime, String> {
    let bad =
        || format!("\"{text}\" is neither Unix seconds nor a UTC time like 2030-01-31T12:00:00Z");
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            secs,
        )));
    }
    let t = text.trim_end_matches('Z');
    let (date, time) = t.split_once(['T', ' ']).unwrap_or((t, "00:00:00"));
    let nums = |s: &str, sep: char| -> Option<Vec<i64>> {
        s.split(sep).map(|p| p.parse::<i64>().ok()).collect()
    };
    let d = nums(date, '-').filter(|d| d.len() == 3).ok_or_else(bad)?;
    let time = time.split('.').next().unwrap_or(time);
    let tm = nums(time, ':').filter(|t| t.len() == 3).ok_or_else(bad)?;
    let (y, m, day) = (d[0], d[1], d[2]);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    if !(0..24).contains(&tm[0]) || !(0..60).contains(&tm[1]) || !(0..61).contains(&tm[2]) {
        return Err(bad());
    }
    let secs = days_from_civil(y, m, day) * 86_400 + tm[0] * 3600 + tm[1] * 60 + tm[2];
    let secs = u64::try_from(secs).map_err(|_| bad())?;
    Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        secs,
    )))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        assert_eq!(parse("0").unwrap().as_secs(), 0);
        assert_eq!(
            parse("2030-01-31T12:00:00Z").unwrap().as_secs(),
            1_896_091_200
        );
        assert_eq!(parse("2000-03-01 00:00:00").unwrap().as_secs(), 951_868_800);
        assert_eq!(parse("2024-02-29").unwrap().as_secs(), 1_709_164_800);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "yesterday", "2030-13-01", "2030-01-01T25:00:00Z", "-5"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
