//! A population's inputs as typed columns.
//!
//! Numbers are stored as integers at a fixed number of decimals per column
//! (money: two, whole numbers: none, other numbers: four), so that the
//! columnar evaluator reads them as they lie. A value that does not fit
//! (more decimals, or too large for an `i64`) is kept exactly beside the
//! column and its row is marked, so it is evaluated one case at a time.
//! Booleans, dates (day numbers) and enum choices take one integer each.

use crate::date::Date;
use crate::plan::InputPlan;
use crate::value::{Type, Value};
use crate::Decimal;

/// Marks a row whose number is kept in `wide`.
pub(super) const WIDE: i64 = i64::MIN;

/// Decimals stored for inputs of this kind.
pub(crate) fn scale_for(input: &InputPlan) -> u32 {
    match input.ty {
        Type::Money => 2,
        _ if input.integer => 0,
        _ => 4,
    }
}

/// `d` as an integer count of `10^-scale`, if exact and in range.
pub(crate) fn to_fixed(d: Decimal, scale: u32) -> Option<i64> {
    rescale(d.mantissa(), d.scale(), scale)
}

/// `m × 10^-from` as an integer count of `10^-to`, if exact and in range
/// (never the `WIDE` mark).
pub(crate) fn rescale(m: i128, from: u32, to: u32) -> Option<i64> {
    let m = if from == to {
        m
    } else if from < to {
        m.checked_mul(10i128.checked_pow(to - from)?)?
    } else {
        let f = 10i128.checked_pow(from - to)?;
        if m % f != 0 {
            return None;
        }
        m / f
    };
    i64::try_from(m).ok().filter(|&v| v != WIDE)
}

/// One input over every row.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    /// Numbers as multiples of `10^-scale`; `WIDE` rows are in `wide`.
    Num {
        /// Decimals.
        scale: u32,
        /// Values.
        fixed: Vec<i64>,
        /// Values that do not fit, by row (rows increasing).
        wide: Vec<(usize, Decimal)>,
    },
    /// Booleans as 0 and 1, dates as day numbers, choices as indices: each
    /// an integer, with the kind kept to give the value back.
    Int {
        /// What the integers are.
        kind: IntKind,
        /// Values.
        values: Vec<i64>,
    },
}

/// What an integer column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntKind {
    /// 0 or 1.
    Bool,
    /// Days since 1970-01-01.
    Date,
    /// Variant index.
    Enum,
}

impl Column {
    /// The value at `row`.
    pub(crate) fn get(&self, row: usize) -> Value {
        match self {
            Column::Num {
                scale, fixed, wide, ..
            } => match fixed.get(row).copied() {
                Some(WIDE) => wide
                    .binary_search_by_key(&row, |(r, _)| *r)
                    .ok()
                    .and_then(|i| wide.get(i))
                    .map_or(Value::Missing, |(_, d)| Value::Num(*d)),
                Some(x) => Value::Num(Decimal::new(x, *scale)),
                None => Value::Missing,
            },
            Column::Int { kind, values } => match values.get(row).copied() {
                None => Value::Missing,
                Some(x) => match kind {
                    IntKind::Bool => Value::Bool(x != 0),
                    IntKind::Date => i32::try_from(x)
                        .ok()
                        .and_then(Date::from_days)
                        .map_or(Value::Missing, Value::Date),
                    IntKind::Enum => u32::try_from(x).map_or(Value::Missing, Value::Enum),
                },
            },
        }
    }

    /// Rows holding a number kept beside the column.
    pub(crate) fn wide_rows(&self) -> impl Iterator<Item = usize> + '_ {
        let wide = match self {
            Column::Num { wide, .. } => wide.as_slice(),
            Column::Int { .. } => &[],
        };
        wide.iter().map(|(r, _)| *r)
    }

    /// The stored integers, and the decimals of numbers (`None` for other
    /// kinds).
    pub(crate) fn raw(&self) -> (&[i64], Option<u32>) {
        match self {
            Column::Num { scale, fixed, .. } => (fixed, Some(*scale)),
            Column::Int { values, .. } => (values, None),
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        match self {
            Column::Num { fixed, wide, .. } => {
                fixed.len() * 8 + wide.len() * std::mem::size_of::<(usize, Decimal)>()
            }
            Column::Int { values, .. } => values.len() * 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_values_round_trip_and_wide_ones_are_kept() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(to_fixed(d("1045"), 2), Some(104_500));
        assert_eq!(to_fixed(d("12.30"), 2), Some(1230));
        assert_eq!(to_fixed(d("12.300"), 2), Some(1230));
        assert_eq!(to_fixed(d("12.305"), 2), None);
        assert_eq!(to_fixed(d("-0.01"), 2), Some(-1));
        assert_eq!(to_fixed(d("100000000000000000"), 2), None);
        let col = Column::Num {
            scale: 4,
            fixed: vec![15_000, WIDE, -70_000],
            wide: vec![(1, d("1.234567"))],
        };
        assert_eq!(col.get(0), Value::Num(d("1.5")));
        assert_eq!(col.get(1), Value::Num(d("1.234567")));
        assert_eq!(col.get(2), Value::Num(d("-7")));
        assert_eq!(col.get(3), Value::Missing);
        assert_eq!(col.wide_rows().collect::<Vec<_>>(), vec![1]);
    }
}
