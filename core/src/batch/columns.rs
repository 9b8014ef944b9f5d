//! A population's inputs as typed columns.
//!
//! Numbers are stored as integers at a fixed number of decimals per column
//! (money: two, whole numbers: none, other numbers: four), so that the
//! columnar evaluator reads them as they lie. A value that does not fit
//! (more decimals, or too large for an `i64`) is kept exactly beside the
//! column and its row is marked, so it is evaluated one case at a time.
//! Booleans and enum choices take a byte each, dates four (day numbers);
//! an input every row gives the same value (a column the table does not
//! have, filled with its default) is held once, not per row.

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

/// The integers of a column, each row as narrow as its kind allows.
#[derive(Debug, Clone)]
pub(crate) enum Values {
    /// Every row alike: the value, and the number of rows.
    Same(i64, usize),
    /// A byte a row: booleans, enum choices.
    I8(Vec<i8>),
    /// Four bytes a row: day numbers.
    I32(Vec<i32>),
    /// Eight bytes a row: numbers.
    I64(Vec<i64>),
}

/// Rows of a column as they are stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slice<'a> {
    /// Every row alike: the value, and the number of rows.
    Same(i64, usize),
    /// Bytes.
    I8(&'a [i8]),
    /// 32-bit integers.
    I32(&'a [i32]),
    /// 64-bit integers: read where they lie.
    I64(&'a [i64]),
}

impl Slice<'_> {
    /// Every row as a 64-bit integer, into `out` (cleared first).
    pub(crate) fn widen_into(self, out: &mut Vec<i64>) {
        out.clear();
        match self {
            Slice::Same(x, n) => out.resize(n, x),
            Slice::I8(v) => out.extend(v.iter().map(|&x| i64::from(x))),
            Slice::I32(v) => out.extend(v.iter().map(|&x| i64::from(x))),
            Slice::I64(v) => out.extend_from_slice(v),
        }
    }
}

impl Values {
    /// The integer at `row`.
    pub(crate) fn get(&self, row: usize) -> Option<i64> {
        match self {
            Values::Same(x, n) => (row < *n).then_some(*x),
            Values::I8(v) => v.get(row).map(|&x| i64::from(x)),
            Values::I32(v) => v.get(row).map(|&x| i64::from(x)),
            Values::I64(v) => v.get(row).copied(),
        }
    }

    /// Rows `rows`, as stored.
    pub(crate) fn slice(&self, rows: std::ops::Range<usize>) -> Option<Slice<'_>> {
        Some(match self {
            Values::Same(x, n) => {
                (rows.start <= rows.end && rows.end <= *n).then_some(())?;
                Slice::Same(*x, rows.len())
            }
            Values::I8(v) => Slice::I8(v.get(rows)?),
            Values::I32(v) => Slice::I32(v.get(rows)?),
            Values::I64(v) => Slice::I64(v.get(rows)?),
        })
    }

    /// The value of every row, when the column holds one.
    pub(crate) fn same(&self) -> Option<i64> {
        match self {
            Values::Same(x, _) => Some(*x),
            _ => None,
        }
    }

    /// Bytes held.
    fn bytes(&self) -> usize {
        match self {
            Values::Same(..) => 8,
            Values::I8(v) => v.len(),
            Values::I32(v) => v.len() * 4,
            Values::I64(v) => v.len() * 8,
        }
    }
}

/// How wide a row of an input's column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    /// A byte.
    I8,
    /// Four bytes.
    I32,
    /// Eight bytes.
    I64,
}

/// The width of `input`'s column: booleans and enums of up to 128
/// choices in a byte, dates in four, numbers in eight.
pub(crate) fn width_for(input: &InputPlan, choices: usize) -> Width {
    match input.ty {
        Type::Bool => Width::I8,
        Type::Enum(_) if choices <= 128 => Width::I8,
        Type::Date => Width::I32,
        Type::Enum(_) | Type::Money | Type::Number(_) => Width::I64,
    }
}

/// One input over every row.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    /// Numbers as multiples of `10^-scale`; `WIDE` rows are in `wide`.
    Num {
        /// Decimals.
        scale: u32,
        /// Values.
        fixed: Values,
        /// Values that do not fit, by row (rows increasing).
        wide: Vec<(usize, Decimal)>,
    },
    /// Booleans as 0 and 1, dates as day numbers, choices as indices: each
    /// an integer, with the kind kept to give the value back.
    Int {
        /// What the integers are.
        kind: IntKind,
        /// Values.
        values: Values,
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
            } => match fixed.get(row) {
                Some(WIDE) => wide
                    .binary_search_by_key(&row, |(r, _)| *r)
                    .ok()
                    .and_then(|i| wide.get(i))
                    .map_or(Value::Missing, |(_, d)| Value::Num(*d)),
                Some(x) => Value::Num(Decimal::new(x, *scale)),
                None => Value::Missing,
            },
            Column::Int { kind, values } => match values.get(row) {
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

    /// The stored integers.
    pub(crate) fn values(&self) -> &Values {
        match self {
            Column::Num { fixed, .. } => fixed,
            Column::Int { values, .. } => values,
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        match self {
            Column::Num { fixed, wide, .. } => {
                fixed.bytes() + wide.len() * std::mem::size_of::<(usize, Decimal)>()
            }
            Column::Int { values, .. } => values.bytes(),
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
            fixed: Values::I64(vec![15_000, WIDE, -70_000]),
            wide: vec![(1, d("1.234567"))],
        };
        assert_eq!(col.get(0), Value::Num(d("1.5")));
        assert_eq!(col.get(1), Value::Num(d("1.234567")));
        assert_eq!(col.get(2), Value::Num(d("-7")));
        assert_eq!(col.get(3), Value::Missing);
        assert_eq!(col.wide_rows().collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn narrow_and_repeated_values_read_as_their_integers() {
        let same = Values::Same(-3, 4);
        assert_eq!(same.get(3), Some(-3));
        assert_eq!(same.get(4), None);
        assert!(same.slice(2..5).is_none());
        let mut out = vec![9];
        if let Some(s) = same.slice(1..4) {
            s.widen_into(&mut out);
        }
        assert_eq!(out, vec![-3, -3, -3]);
        let bytes = Values::I8(vec![0, 1, -1]);
        if let Some(s) = bytes.slice(1..3) {
            s.widen_into(&mut out);
        }
        assert_eq!(out, vec![1, -1]);
        let days = Column::Int {
            kind: IntKind::Date,
            values: Values::I32(vec![19_606, -1]),
        };
        assert_eq!(Some(days.get(0)), Date::from_days(19_606).map(Value::Date));
        assert_eq!(Some(days.get(1)), Date::from_days(-1).map(Value::Date));
        assert_eq!(days.get(2), Value::Missing);
        assert_eq!(days.bytes(), 8);
        let flags = Column::Int {
            kind: IntKind::Bool,
            values: Values::Same(1, 1_000_000),
        };
        assert_eq!(flags.get(999_999), Value::Bool(true));
        assert_eq!(flags.bytes(), 8);
    }
}
