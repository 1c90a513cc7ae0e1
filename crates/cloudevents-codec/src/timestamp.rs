//! RFC 3339 timestamps (`date-time` in RFC 3339 section 5.6).

/// A point in time, as seconds and nanoseconds since the Unix epoch.
///
/// Two timestamps that name the same instant compare equal, whatever their
/// offsets or precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

/// Parses an RFC 3339 `date-time`, such as `2018-04-05T17:31:00.5+01:00`.
pub fn parse(text: &str) -> Result<Instant, String> {
    let mut cursor = Cursor(text.as_bytes());
    let date_time = (|| {
        let year = cursor.digits(4)?;
        cursor.expect(b'-')?;
        let month = cursor.digits(2)?;
        cursor.expect(b'-')?;
        let day = cursor.digits(2)?;
        cursor.expect_any(b"Tt")?;
        let hour = cursor.digits(2)?;
        cursor.expect(b':')?;
        let minute = cursor.digits(2)?;
        cursor.expect(b':')?;
        let second = cursor.digits(2)?;
        let nanos = cursor.fraction()?;
        let offset = cursor.offset()?;
        cursor.0.is_empty().then_some(())?;
        Some((year, month, day, hour, minute, second, nanos, offset))
    })();
    let Some((year, month, day, hour, minute, second, nanos, offset)) = date_time else {
        return Err(format!(
            "`{text}` is not an RFC 3339 timestamp (like 2018-04-05T17:31:00Z)"
        ));
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(format!("`{text}` names a date that does not exist"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!("`{text}` names a time of day that does not exist"));
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    Ok(Instant { seconds, nanos })
}

/// Formats `instant` as an RFC 3339 `date-time` in UTC, with as many
/// fractional digits as its nanoseconds need: `2018-04-05T17:31:00Z`,
/// `2018-04-05T17:31:00.25Z`. Years outside 0000 to 9999 are clamped to
/// them.
pub fn format(instant: Instant) -> String {
    let days = instant.seconds.div_euclid(86_400);
    let second_of_day = instant.seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
    let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if instant.nanos > 0 {
        let fraction = format!("{:09}", instant.nanos);
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn digits(&mut self, count: usize) -> Option<u32> {
        let digits = self.0.get(..count)?;
        let mut value = 0;
        for &digit in digits {
            value = value * 10 + u32::from(digit.is_ascii_digit().then(|| digit - b'0')?);
        }
        self.0 = &self.0[count..];
        Some(value)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.expect_any(&[byte])
    }

    fn expect_any(&mut self, bytes: &[u8]) -> Option<()> {
        let (first, rest) = self.0.split_first()?;
        bytes.contains(first).then(|| self.0 = rest)
    }

    /// `time-secfrac`, as nanoseconds (digits past the ninth are ignored).
    fn fraction(&mut self) -> Option<u32> {
        if self.expect(b'.').is_none() {
            return Some(0);
        }
        let count = self
            .0
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if count == 0 {
            return None;
        }
        let mut nanos = 0;
        for place in 0..9 {
            let digit = self
                .0
                .get(place)
                .filter(|_| place < count)
                .map_or(0, |d| d - b'0');
            nanos = nanos * 10 + u32::from(digit);
        }
        self.0 = &self.0[count..];
        Some(nanos)
    }

    /// `time-offset`, as seconds east of UTC.
    fn offset(&mut self) -> Option<i64> {
        if self.expect_any(b"Zz").is_some() {
            return Some(0);
        }
        let sign = match self.0.first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.0 = &self.0[1..];
        let hours = self.digits(2)?;
        self.expect(b':')?;
        let minutes = self.digits(2)?;
        (hours <= 23 && minutes <= 59).then(|| sign * i64::from(hours * 3600 + minutes * 60))
    }
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01, the inverse of
/// [`days_from_civil`], with the year clamped to 0 to 9999.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year.clamp(0, 9999), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_parses_back_to_the_same_instant() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2018-04-05T17:31:00Z",
            "2000-02-29T23:59:59.5Z",
            "1969-12-31T23:59:59.000000001Z",
            "2400-12-31T12:00:00.123Z",
        ] {
            let instant = parse(text).unwrap();
            assert_eq!(format(instant), text);
            assert_eq!(parse(&format(instant)).unwrap(), instant);
        }
    }

    #[test]
    fn offsets_and_precision_name_the_same_instant() {
        let utc = parse("2018-04-05T17:31:00Z").unwrap();
        assert_eq!(utc.seconds, 1_522_949_460);
        assert_eq!(parse("2018-04-05T18:31:00+01:00").unwrap(), utc);
        assert_eq!(parse("2018-04-05T16:31:00-01:00").unwrap(), utc);
        assert_eq!(parse("2018-04-05t17:31:00.000000000z").unwrap(), utc);
        assert_eq!(parse("2018-04-05T17:31:00.25Z").unwrap().nanos, 250_000_000);
    }

    #[test]
    fn rejects_what_rfc3339_does_not_allow() {
        for bad in [
            "lunchtime",
            "2018-04-05T18:31Z",
            "2018-04-05T18:31:00X",
            "2018-04-05T18:31:00+25:00",
            "2018-04-05T18:31:00+xx:00",
            "2018-04-05T18:31:00+05",
            "2018-02-30T00:00:00Z",
            "2018-04-05T24:00:00Z",
            "2018-04-05T17:31:00.Z",
            "2018-04-05 17:31:00Z",
            "2018-04-05T17:31:00Z ",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(parse("2020-02-29T00:00:00Z").is_ok());
    }
}
