//! Calendar dates and ages in completed years (周岁).
//!
//! A [`Date`] is a proleptic Gregorian day number, so comparison and
//! arithmetic are integer operations. Ages follow the Civil Code reading used
//! by the rule files: a person attains age *n* on the *n*-th anniversary of
//! their birth. A person born on 29 February attains each age on 1 March in
//! common years (on 28 February the year is not yet complete).

use std::fmt;

/// A calendar date (proleptic Gregorian), stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// The earliest and latest years a [`Date`] accepts.
pub const YEAR_RANGE: (i32, i32) = (1800, 2200);

impl Date {
    /// Builds a date from year, month and day, or `None` when it does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(YEAR_RANGE.0..=YEAR_RANGE.1).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &str| -> Option<u32> {
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let year = i32::try_from(num(text.get(0..4)?)?).ok()?;
        Date::from_ymd(year, num(text.get(5..7)?)?, num(text.get(8..10)?)?)
    }

    /// Year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    /// The date with this day number (days since 1970-01-01), if in range.
    pub fn from_days(days: i32) -> Option<Date> {
        Date(0).add_days(days)
    }

    /// The first and last day numbers in range: 1800-01-01 and 2200-12-31.
    pub(crate) fn day_range() -> (i32, i32) {
        (-62_091, 84_370)
    }

    /// The date of a day number within [`Date::day_range`] (checked by the
    /// caller, once for many).
    pub(crate) fn from_days_in_range(days: i32) -> Date {
        Date(days)
    }

    /// The date `n` days later (or earlier for negative `n`), if in range.
    pub fn add_days(self, n: i32) -> Option<Date> {
        let d = Date(self.0.checked_add(n)?);
        let (y, _, _) = d.ymd();
        (YEAR_RANGE.0..=YEAR_RANGE.1).contains(&y).then_some(d)
    }

    /// Completed years (周岁) from `self` (a birth date) to `on`; negative when
    /// `on` is before the birth date's first anniversary boundary.
    pub fn age_on(self, on: Date) -> i32 {
        self.age_on_ymd(on.ymd())
    }

    /// [`Date::age_on`] with the day's year, month and day already known
    /// (a batch computes them once for every row).
    pub(crate) fn age_on_ymd(self, (oy, om, od): (i32, u32, u32)) -> i32 {
        let (by, bm, bd) = self.ymd();
        let mut years = oy - by;
        // The anniversary in year `oy`: 29 February becomes 1 March in common years.
        let (am, ad) = if bm == 2 && bd == 29 && !is_leap(oy) {
            (3, 1)
        } else {
            (bm, bd)
        };
        if (om, od) < (am, ad) {
            years -= 1;
        }
        years
    }

    /// The first and last day of the month `year-month`.
    pub fn month_bounds(year: i32, month: u32) -> Option<(Date, Date)> {
        let first = Date::from_ymd(year, month, 1)?;
        let last = Date::from_ymd(year, month, days_in_month(year, month))?;
        Some((first, last))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_day_range_is_the_year_range() {
        let (first, last) = Date::day_range();
        assert_eq!(Date::from_ymd(YEAR_RANGE.0, 1, 1).unwrap().days(), first);
        assert_eq!(Date::from_ymd(YEAR_RANGE.1, 12, 31).unwrap().days(), last);
        assert!(Date::from_days(first - 1).is_none() && Date::from_days(last + 1).is_none());
        let on = d("2024-02-29");
        for days in [first, -1, 0, 19_000, on.days()] {
            let born = Date::from_days_in_range(days);
            assert_eq!(born.age_on_ymd(on.ymd()), born.age_on(on));
        }
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(d("2023-09-06").to_string(), "2023-09-06");
        assert_eq!(d("1970-01-01").days(), 0);
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "2023-9-6",
            "20230906",
            "2023-00-10",
            "abcd-ef-gh",
            "+023-01-01",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }

    #[test]
    fn age_is_completed_years() {
        let born = d("1963-09-06");
        assert_eq!(born.age_on(d("2023-09-05")), 59);
        assert_eq!(born.age_on(d("2023-09-06")), 60);
    }

    #[test]
    fn leap_day_birthdays_turn_on_first_of_march_in_common_years() {
        let born = d("1964-02-29");
        assert_eq!(born.age_on(d("2024-02-28")), 59);
        assert_eq!(born.age_on(d("2024-02-29")), 60);
        assert_eq!(born.age_on(d("2023-02-28")), 58);
        assert_eq!(born.age_on(d("2023-03-01")), 59);
    }

    proptest! {
        #[test]
        fn round_trips(days in -60_000i32..80_000) {
            let date = Date(days);
            prop_assert_eq!(Date::parse(&date.to_string()), Some(date));
        }

        #[test]
        fn age_never_decreases(b in -40_000i32..20_000, a in 0i32..40_000, step in 0i32..800) {
            let born = Date(b);
            let on = Date(b + a);
            prop_assert!(born.age_on(on) <= born.age_on(Date(b + a + step)));
            prop_assert!(born.age_on(on) >= 0);
        }
    }
}
