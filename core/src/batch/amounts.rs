//! A program's amounts over a batch, held as integers at one scale.
//!
//! An amount is a count of `10^-scale` in an `i64`: the scale of the
//! program's rounding unit when the rules round it (fen for money rounded to
//! the fen), else the scale its type is stored at (money 2, whole numbers 0,
//! other numbers 4). An amount that does not fit (finer than the scale, or
//! too large) is kept exactly beside the integers. Either way [`Amounts::get`]
//! gives the exact decimal, in one form whichever engine computed it: at the
//! rounding unit's scale (`0.00`, `735.00`), or normalized when the rules do
//! not round.

use super::columns::rescale;
use crate::Decimal;

/// No amount (the case was not evaluated).
const NONE: i64 = i64::MIN;
/// The amount is in `wide`.
const WIDE: i64 = i64::MIN + 1;

/// Amounts of one program, one per case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amounts {
    scale: u32,
    rounded: bool,
    units: Vec<i64>,
    /// Amounts that do not fit `units`, by row, rows in order.
    wide: Vec<(usize, Decimal)>,
}

/// The amounts of some cases as exact counts of `10^-scale`
/// ([`Amounts::fixed`]): read in order, at a place, or as their range,
/// each a loop over the integers as they lie.
#[derive(Debug, Clone, Copy)]
pub struct Units<'a>(&'a [i64]);

impl<'a> Units<'a> {
    /// How many cases.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether case `i` has an amount.
    #[inline]
    pub fn has(&self, i: usize) -> bool {
        self.0.get(i).is_some_and(|&u| u != NONE)
    }

    /// The amounts in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<i64>> + 'a {
        self.0.iter().map(|&u| (u != NONE).then_some(u))
    }

    /// The least and the greatest amount; `None` when no case has one.
    pub fn range(&self) -> Option<(i64, i64)> {
        // No amount is the least integer: the greatest ignores it, the
        // least sees it as the greatest. One pass.
        let (lo, hi) = self.0.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &u| {
            (lo.min(if u == NONE { i64::MAX } else { u }), hi.max(u))
        });
        (hi != NONE).then_some((lo, hi))
    }

    /// Each case's amount times `f` (0 where `keep` is false or there is
    /// no amount), when no product overflows.
    pub fn scaled(&self, f: i128, keep: &[bool]) -> Option<Vec<i128>> {
        if let Some((lo, hi)) = self.range() {
            i128::from(lo).checked_mul(f)?;
            i128::from(hi).checked_mul(f)?;
        }
        Some(
            self.0
                .iter()
                .zip(keep)
                .map(|(&u, &ok)| {
                    if ok && u != NONE {
                        i128::from(u) * f
                    } else {
                        0
                    }
                })
                .collect(),
        )
    }
}

impl Amounts {
    /// `rows` cases without amounts. With `rounded`, amounts are given at
    /// `scale` decimals; otherwise normalized. Scales above 28 (more than a
    /// decimal holds) are taken as 28.
    pub fn new(rows: usize, scale: u32, rounded: bool) -> Self {
        Amounts {
            scale: scale.min(28),
            rounded,
            units: vec![NONE; rows],
            wide: Vec::new(),
        }
    }

    /// Amounts of the values given, as [`Amounts::new`] describes.
    pub fn from_values(
        scale: u32,
        rounded: bool,
        values: impl IntoIterator<Item = Option<Decimal>>,
    ) -> Self {
        let mut a = Amounts::new(0, scale, rounded);
        for v in values {
            let row = a.units.len();
            a.units.push(NONE);
            a.set(row, v);
        }
        a
    }

    /// Number of cases.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Decimals of the integers (see [`Amounts::fixed`]).
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// The amount of case `row`: `None` when it has none (not evaluated) or
    /// `row` is out of range.
    pub fn get(&self, row: usize) -> Option<Decimal> {
        match *self.units.get(row)? {
            NONE => None,
            WIDE => self
                .wide
                .binary_search_by_key(&row, |w| w.0)
                .ok()
                .map(|k| self.wide[k].1),
            u => Some(self.decimal(u)),
        }
    }

    /// Every case's amount, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<Decimal>> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Whether amounts are given at [`Amounts::scale`] (the rules round
    /// them), rather than normalized.
    pub fn rounded(&self) -> bool {
        self.rounded
    }

    /// Whether every amount is held as an integer at [`Amounts::scale`]
    /// (none too wide for one).
    pub fn is_fixed(&self) -> bool {
        self.wide.is_empty()
    }

    /// The amounts of cases `rows` as exact counts of `10^-scale` (`None`
    /// for no amount), when none is too wide for the integers and `rows`
    /// is in range. Lets a caller copy the integers (into Arrow
    /// `decimal128`, for one) without a decimal per case.
    pub fn fixed(&self, rows: std::ops::Range<usize>) -> Option<Units<'_>> {
        let units = self.units.get(rows)?;
        self.is_fixed().then_some(Units(units))
    }

    /// The amount of case `row` as a count of `10^-scale`, when it is held
    /// so (not too wide; `None` too for no amount).
    pub fn units(&self, row: usize) -> Option<i64> {
        self.units.get(row).copied().filter(|&u| u > WIDE)
    }

    /// Sets the amount of case `row` (ignored out of range).
    pub fn set(&mut self, row: usize, value: Option<Decimal>) {
        let Some(cell) = self.units.get_mut(row) else {
            return;
        };
        let was_wide = *cell == WIDE;
        let (unit, wide) = match value {
            None => (NONE, None),
            Some(d) => encode(d, self.scale, self.rounded),
        };
        *cell = unit;
        match (self.wide.binary_search_by_key(&row, |w| w.0), wide) {
            (Ok(k), Some(d)) => self.wide[k].1 = d,
            (Ok(k), None) => {
                self.wide.remove(k);
            }
            (Err(k), Some(d)) => self.wide.insert(k, (row, d)),
            (Err(_), None) => debug_assert!(!was_wide),
        }
    }

    fn decimal(&self, u: i64) -> Decimal {
        let d = Decimal::new(u, self.scale);
        if self.rounded {
            d
        } else {
            d.normalize()
        }
    }

    /// Splits the integers into writers of `chunk` rows each, in order.
    pub(super) fn writers(&mut self, chunk: usize) -> Vec<Writer<'_>> {
        let starts: Vec<usize> = (0..self.units.len()).step_by(chunk.max(1)).collect();
        self.writers_at(&starts)
    }

    /// Splits the integers into one writer per part, part `k` starting at
    /// row `starts[k]` (increasing, the first 0) and ending where the next
    /// starts.
    pub(super) fn writers_at(&mut self, starts: &[usize]) -> Vec<Writer<'_>> {
        let (scale, rounded) = (self.scale, self.rounded);
        split_at_starts(&mut self.units, starts)
            .into_iter()
            .zip(starts)
            .map(|(units, &start)| Writer {
                start,
                scale,
                rounded,
                units,
                wide: Vec::new(),
            })
            .collect()
    }

    /// Takes back the wide amounts the writers of [`Amounts::writers`]
    /// kept, by row.
    pub(super) fn merge_wide(&mut self, wide: Vec<(usize, Decimal)>) {
        self.wide.extend(wide);
        self.wide.sort_by_key(|w| w.0);
        self.wide.dedup_by_key(|w| w.0);
    }
}

/// `rows` cut into parts: part `k` holds rows `starts[k]` up to the next
/// start (the last, to the end), `starts` increasing from the row the slice
/// begins at.
pub(super) fn split_at_starts<'a, T>(rows: &'a mut [T], starts: &[usize]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(starts.len());
    let mut rest = rows;
    for (k, &from) in starts.iter().enumerate() {
        let take = match starts.get(k + 1) {
            Some(&to) => to.saturating_sub(from).min(rest.len()),
            None => rest.len(),
        };
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(take);
        out.push(part);
        rest = tail;
    }
    out
}

/// The integer for `d` at `scale`, or [`WIDE`] and the decimal to keep.
fn encode(d: Decimal, scale: u32, rounded: bool) -> (i64, Option<Decimal>) {
    let d = if rounded { d } else { d.normalize() };
    match fit(d.mantissa(), d.scale(), scale) {
        Some(u) => (u, None),
        // Too large for the integers: at the unit's scale all the same when
        // it is a multiple of the unit; finer than the unit (a rounding to
        // a unit such as 0.05 leaves none), or not rounded, normalized.
        None if rounded && (d.scale() <= scale || d.round_dp(scale) == d) => {
            let mut at = d;
            at.rescale(scale);
            (WIDE, Some(at))
        }
        None => (WIDE, Some(d.normalize())),
    }
}

/// `m × 10^-from` at `to` decimals, when exact and not a mark.
fn fit(m: i128, from: u32, to: u32) -> Option<i64> {
    rescale(m, from, to).filter(|&u| u > WIDE)
}

/// `f(x)` into `cells` for each of `xs` where it is an amount; the places
/// of the other rows.
#[inline(always)]
fn rescaled(xs: &[i64], cells: &mut [i64], f: impl Fn(i64) -> Option<i64>) -> Vec<usize> {
    let mut missed = Vec::new();
    for (k, (cell, &x)) in cells.iter_mut().zip(xs).enumerate() {
        match f(x).filter(|&u| u > WIDE && x > WIDE) {
            Some(u) => *cell = u,
            None => missed.push(k),
        }
    }
    missed
}

/// `x / F` when exact.
#[inline(always)]
fn exact_div<const F: i64>(x: i64) -> Option<i64> {
    let q = x / F;
    (q * F == x).then_some(q)
}

/// One thread's rows of a program's amounts.
pub(super) struct Writer<'a> {
    start: usize,
    scale: u32,
    rounded: bool,
    units: &'a mut [i64],
    wide: Vec<(usize, Decimal)>,
}

impl Writer<'_> {
    /// Sets the amount at row `k` of this writer. A wide amount is noted
    /// beside the integers; one it replaces is dropped by
    /// [`Writer::into_wide`] (no search here, so writing stays linear).
    pub(super) fn set(&mut self, k: usize, value: Option<Decimal>) {
        let Some(cell) = self.units.get_mut(k) else {
            return;
        };
        *cell = match value {
            None => NONE,
            Some(d) => match encode(d, self.scale, self.rounded) {
                (u, None) => u,
                (u, Some(d)) => {
                    self.wide.push((self.start + k, d));
                    u
                }
            },
        };
    }

    /// Sets rows `from..` to the integers `xs` at `scale` decimals (a
    /// columnar register).
    pub(super) fn set_units(&mut self, from: usize, xs: &[i64], scale: u32) {
        let Some(cells) = self.units.get_mut(from..from + xs.len()) else {
            return;
        };
        if scale == self.scale && xs.iter().fold(true, |ok, &x| ok & (x > WIDE)) {
            cells.copy_from_slice(xs);
            return;
        }
        // Another number of decimals: each integer scaled by a power of ten
        // in 64 bits, by a constant (a division the compiler turns into a
        // multiplication); the rows that do not divide exactly, or
        // overflow, go the way of a decimal.
        let (up, down) = (self.scale.checked_sub(scale), scale.checked_sub(self.scale));
        let missed = match (up, down) {
            (Some(1), _) => Some(rescaled(xs, cells, |x| x.checked_mul(10))),
            (Some(2), _) => Some(rescaled(xs, cells, |x| x.checked_mul(100))),
            (Some(3), _) => Some(rescaled(xs, cells, |x| x.checked_mul(1_000))),
            (Some(4), _) => Some(rescaled(xs, cells, |x| x.checked_mul(10_000))),
            (_, Some(1)) => Some(rescaled(xs, cells, exact_div::<10>)),
            (_, Some(2)) => Some(rescaled(xs, cells, exact_div::<100>)),
            (_, Some(3)) => Some(rescaled(xs, cells, exact_div::<1_000>)),
            (_, Some(4)) => Some(rescaled(xs, cells, exact_div::<10_000>)),
            _ => None,
        };
        if let Some(missed) = missed {
            for k in missed {
                if let Some(&x) = xs.get(k) {
                    self.set(from + k, Some(Decimal::new(x, scale)));
                }
            }
            return;
        }
        for (k, &x) in xs.iter().enumerate() {
            match fit(i128::from(x), scale, self.scale) {
                Some(u) => self.units[from + k] = u,
                None => self.set(from + k, Some(Decimal::new(x, scale))),
            }
        }
    }

    /// The wide amounts kept, by row of the whole column: for each row the
    /// last noted, and only where the row still holds a wide amount.
    pub(super) fn into_wide(mut self) -> Vec<(usize, Decimal)> {
        // A stable sort keeps the notes of one row in the order written.
        self.wide.sort_by_key(|w| w.0);
        let mut out: Vec<(usize, Decimal)> = Vec::with_capacity(self.wide.len());
        for w in self.wide {
            match out.last_mut() {
                Some(last) if last.0 == w.0 => *last = w,
                _ => out.push(w),
            }
        }
        let (start, units) = (self.start, &*self.units);
        out.retain(|w| w.0.checked_sub(start).and_then(|k| units.get(k)) == Some(&WIDE));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounded_amounts_keep_the_unit_scale_and_wide_ones_their_value() {
        let huge = d("79228162514264337593543950335");
        let a = Amounts::from_values(
            2,
            true,
            [
                Some(d("735")),
                Some(d("0")),
                None,
                Some(huge),
                Some(d("0.005")),
            ],
        );
        let shown: Vec<String> = a
            .iter()
            .map(|v| v.map_or("-".into(), |v| v.to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                "735.00",
                "0.00",
                "-",
                "79228162514264337593543950335",
                "0.005"
            ]
        );
        assert!(a.fixed(0..a.len()).is_none());
        let a = Amounts::from_values(2, true, [Some(d("1.5")), None]);
        let fixed: Vec<_> = a.fixed(0..2).unwrap().iter().collect();
        assert!(a.fixed(1..3).is_none());
        assert_eq!(fixed, [Some(150), None]);
    }

    #[test]
    fn unrounded_amounts_are_normalized() {
        let a = Amounts::from_values(4, false, [Some(d("2.5000")), Some(d("0.333333333"))]);
        assert_eq!(a.get(0).unwrap().to_string(), "2.5");
        assert_eq!(a.get(1).unwrap().to_string(), "0.333333333");
        assert!(a.fixed(0..a.len()).is_none());
        let a = Amounts::from_values(2, false, [Some(d("1.50")), None]);
        assert_eq!(a.get(0).unwrap().to_string(), "1.5");
        assert_eq!(
            a.fixed(0..2).unwrap().iter().collect::<Vec<_>>(),
            [Some(150), None]
        );
    }

    #[test]
    fn setting_over_a_wide_amount_replaces_it() {
        let mut a = Amounts::from_values(2, true, [Some(d("0.001")), Some(d("1"))]);
        a.set(0, Some(d("2")));
        assert_eq!(
            a,
            Amounts::from_values(2, true, [Some(d("2")), Some(d("1"))])
        );
        a.set(1, None);
        assert_eq!(a.get(1), None);
        assert_eq!(a.get(9), None);
    }

    #[test]
    fn integers_at_another_scale_are_written_as_their_decimals() {
        let xs = [
            0,
            7,
            -7,
            120,
            1_673,
            -1_000,
            123_456_789,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
            i64::MAX / 10 + 1,
            i64::MIN / 100,
        ];
        for to in 0..=4 {
            for rounded in [true, false] {
                for from in 0..=8 {
                    let mut fast = Amounts::new(xs.len(), to, rounded);
                    let mut wide = Vec::new();
                    for mut w in fast.writers(xs.len()) {
                        w.set_units(0, &xs, from);
                        wide.extend(w.into_wide());
                    }
                    fast.merge_wide(wide);
                    let expect = Amounts::from_values(
                        to,
                        rounded,
                        xs.iter().map(|&x| Some(Decimal::new(x, from))),
                    );
                    assert_eq!(fast, expect, "{from} → {to} {rounded}");
                }
            }
        }
    }

    #[test]
    fn writers_fill_their_rows_and_give_back_wide_amounts() {
        let mut a = Amounts::new(4, 2, true);
        let mut wide = Vec::new();
        for mut w in a.writers(2) {
            w.set_units(0, &[i64::MIN, 7], 2);
            w.set(1, Some(d("0.125")));
            wide.extend(w.into_wide());
        }
        a.merge_wide(wide);
        let expect = Amounts::from_values(
            2,
            true,
            [
                Some(Decimal::new(i64::MIN, 2)),
                Some(d("0.125")),
                Some(Decimal::new(i64::MIN, 2)),
                Some(d("0.125")),
            ],
        );
        assert_eq!(a, expect);
    }

    #[test]
    fn a_wide_amount_overwritten_in_a_writer_is_dropped_and_the_last_kept() {
        let mut a = Amounts::new(6, 2, true);
        let mut wide = Vec::new();
        for mut w in a.writers(3) {
            w.set(0, Some(d("0.001")));
            w.set(1, Some(d("0.002")));
            w.set(2, Some(d("0.003")));
            w.set(0, Some(d("4")));
            w.set(1, Some(d("0.005")));
            w.set(2, None);
            wide.extend(w.into_wide());
        }
        a.merge_wide(wide);
        let one = [Some(d("4")), Some(d("0.005")), None];
        let expect = Amounts::from_values(2, true, one.iter().chain(&one).copied());
        assert_eq!(a, expect);
    }

    #[test]
    fn rounded_amounts_too_large_for_the_integers_keep_the_unit_scale() {
        let huge = d("100000000000000000000");
        let a = Amounts::from_values(2, true, [Some(huge)]);
        assert_eq!(
            a.get(0).map(|x| x.to_string()),
            Some("100000000000000000000.00".into())
        );
        let b = Amounts::from_values(2, false, [Some(huge)]);
        assert_eq!(
            b.get(0).map(|x| x.to_string()),
            Some("100000000000000000000".into())
        );
    }
}
