//! Dates as DMS exports write them: `2026-11-03`, `2026/11/3`, `2026.11.03`, `2026年11月3日`,
//! `20261103`, an Excel serial day (`46329`), optionally followed by a time. Kept as a
//! [`Day`] (days since 1970-01-01), the unit the callback rules count in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar day, as days since 1970-01-01 (negative before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Day(pub i32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("no date")]
    Empty,
    #[error("{0:?} is not a date (e.g. 2026-11-03, 2026/11/3, 2026年11月3日)")]
    Unreadable(String),
    #[error("{0:?} is not a day of the calendar")]
    NoSuchDay(String),
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Day {
    /// The day of a civil date, if it exists.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Day> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Days from civil (H. Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = m as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Day(era * 146_097 + doe - 719_468))
    }

    /// The civil date (year, month, day).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    pub fn plus(self, days: i32) -> Day {
        Day(self.0 + days)
    }

    /// The day of a Unix time in milliseconds, in a time zone `offset_minutes` east of UTC
    /// (China: +480).
    pub fn of_ms(ms: i64, offset_minutes: i32) -> Day {
        let local = ms + i64::from(offset_minutes) * 60_000;
        Day(local.div_euclid(86_400_000) as i32)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Excel's day 1 is 1900-01-01, and it counts a 29 February 1900 that never was.
const EXCEL_EPOCH: i32 = -25_569; // Day of 1899-12-30

/// Reads a date cell.
pub fn parse(raw: &str) -> Result<Day, DateError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let unreadable = || DateError::Unreadable(text.to_owned());
    // Drop a time of day: "2026-11-03 14:20:00", "2026/11/3 9:05".
    let date = text.split([' ', 'T']).next().unwrap_or(text);
    let digits_only = date.chars().all(|c| c.is_ascii_digit());
    if digits_only {
        return match date.len() {
            8 => {
                let n: i32 = date.parse().map_err(|_| unreadable())?;
                Day::from_ymd(n / 10_000, (n / 100 % 100) as u32, (n % 100) as u32)
                    .ok_or_else(|| DateError::NoSuchDay(text.to_owned()))
            }
            // An Excel serial day from 1955 to 2173.
            5 => {
                let n: i32 = date.parse().map_err(|_| unreadable())?;
                Ok(Day(EXCEL_EPOCH + n))
            }
            _ => Err(unreadable()),
        };
    }
    let parts: Vec<&str> = date
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(unreadable());
    };
    let (y, m, d): (i32, u32, u32) = (
        y.parse().map_err(|_| unreadable())?,
        m.parse().map_err(|_| unreadable())?,
        d.parse().map_err(|_| unreadable())?,
    );
    if !(1900..=2200).contains(&y) {
        return Err(unreadable());
    }
    Day::from_ymd(y, m, d).ok_or_else(|| DateError::NoSuchDay(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_exports_write_dates_in() {
        let day = Day::from_ymd(2026, 11, 3).expect("a day");
        for raw in [
            "2026-11-03",
            "2026/11/3",
            "2026.11.03",
            "2026年11月3日",
            "20261103",
            " 2026-11-03 14:20:00 ",
            "2026-11-03T09:00:00",
            "46329",
        ] {
            assert_eq!(parse(raw), Ok(day), "{raw:?}");
        }
        assert_eq!(day.to_string(), "2026-11-03");
    }

    #[test]
    fn what_is_not_a_date_says_why() {
        assert_eq!(parse(""), Err(DateError::Empty));
        assert!(matches!(parse("2026-02-30"), Err(DateError::NoSuchDay(_))));
        assert!(matches!(parse("下周一"), Err(DateError::Unreadable(_))));
        assert!(matches!(parse("11/3"), Err(DateError::Unreadable(_))));
        assert!(matches!(parse("0001-01-01"), Err(DateError::Unreadable(_))));
    }

    #[test]
    fn days_round_trip_through_the_calendar() {
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(
            Day::from_ymd(2000, 2, 29).map(Day::ymd),
            Some((2000, 2, 29))
        );
        for n in (-800_000..800_000).step_by(997) {
            let (y, m, d) = Day(n).ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)));
        }
        // 2026-11-30 00:30 in Beijing is still 29 November in UTC.
        let ms = 1_764_433_800_000; // 2025-11-29T16:30:00Z
        assert_eq!(Day::of_ms(ms, 480).ymd(), (2025, 11, 30));
        assert_eq!(Day::of_ms(ms, 0).ymd(), (2025, 11, 29));
    }
}
