//! Completed years on one day for a column of birth days, without a
//! calendar conversion per row: the last birth day of each age is found
//! once (ages fall as birth days rise), and a row's age is its place among
//! them, guessed from the days between and corrected by a step or two.

use crate::date::Date;

/// Ages on one day, by the last birth day of each age.
#[derive(Debug)]
pub(crate) struct Ages {
    on: Date,
    /// The first and last day a date may be.
    range: (i64, i64),
    /// `last[k]`: the latest birth day whose age on `on` is at least `k`
    /// (decreasing; `last[0]` is `on` itself).
    last: Vec<i64>,
}

/// Days in 400 years of the Gregorian calendar.
const DAYS_400_YEARS: i64 = 146_097;

impl Ages {
    /// The table for ages on `on`.
    pub(crate) fn new(on: Date) -> Ages {
        let (first, end) = Date::day_range();
        let (first, end) = (i64::from(first), i64::from(end));
        let age = |b: i64| {
            i32::try_from(b)
                .ok()
                .map(|b| Date::from_days_in_range(b).age_on(on))
        };
        let mut last = Vec::new();
        let mut hi = i64::from(on.days()).min(end);
        for k in 0.. {
            // The latest day in first..=hi whose age is at least k.
            if age(first).is_none_or(|a| a < k) {
                break;
            }
            let mut lo = first;
            while lo < hi {
                let mid = lo + (hi - lo + 1) / 2;
                if age(mid).is_some_and(|a| a >= k) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            last.push(lo);
        }
        Ages {
            on,
            range: (first, end),
            last,
        }
    }

    /// The age on the day of someone born on day `x`, or `None` for a day
    /// no date has.
    #[inline]
    pub(crate) fn age(&self, x: i64) -> Option<i64> {
        if x < self.range.0 || x > self.range.1 {
            return None;
        }
        let top = self.last.first().copied().unwrap_or(i64::MIN);
        if x > top || self.last.is_empty() {
            // Born after the day: rare, computed on the calendar.
            let born = Date::from_days_in_range(i32::try_from(x).ok()?);
            return Some(i64::from(born.age_on(self.on)));
        }
        let n = self.last.len();
        let guess = usize::try_from((top - x) * 400 / DAYS_400_YEARS).unwrap_or(0);
        let mut k = guess.min(n - 1);
        while k + 1 < n && self.last.get(k + 1).is_some_and(|&d| x <= d) {
            k += 1;
        }
        while k > 0 && self.last.get(k).is_some_and(|&d| x > d) {
            k -= 1;
        }
        i64::try_from(k).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_birth_day_gets_the_calendar_age() {
        for on in [
            "2023-09-06",
            "2024-02-29",
            "2023-02-28",
            "2023-03-01",
            "1900-03-01",
        ] {
            let on = Date::parse(on).unwrap();
            let ages = Ages::new(on);
            let (first, end) = Date::day_range();
            // Every day of 1870–2100 and the range's ends.
            let from = Date::parse("1870-01-01").unwrap().days();
            let to = Date::parse("2100-12-31").unwrap().days();
            for b in (from..=to).chain([first, end]) {
                let want = Date::from_days_in_range(b).age_on(on);
                assert_eq!(ages.age(i64::from(b)), Some(i64::from(want)), "{on} {b}");
            }
            assert_eq!(ages.age(i64::from(first) - 1), None);
            assert_eq!(ages.age(i64::from(end) + 1), None);
        }
    }
}
