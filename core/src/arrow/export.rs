//! A population's results as Arrow record batches.
//!
//! One row per case, in input order: the key column exactly as given (or a
//! `row` number when there is none), an `error` column (null when the case
//! was evaluated; `invalid_input` when its row had input errors; the core's
//! code when evaluation failed), then `<program>.eligible` (bool) and
//! `<program>.amount` (decimal128, exact) for every program. A case that was
//! not evaluated has nulls, never `false` or zero. Batches follow the input's
//! chunks, so the key column is passed through without a copy.
//!
//! Also here: the core's columns as a record batch ([`table_batch`]) and a
//! population's row problems ([`row_errors_batch`]).

use crate::batch::{Amounts, BatchResult, ColumnData, RowError, Table};
use crate::Decimal;
use arrow_array::builder::{Decimal128Builder, Int64Builder, StringBuilder};
use arrow_array::new_null_array;
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Int64Array, RecordBatch,
};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// How a program's amount column is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountType {
    /// Precision (18, or 38 when a value needs more digits).
    pub precision: u8,
    /// Scale: at least 2 for money, and the largest scale of any value.
    pub scale: i8,
}

/// The unscaled integer of `d` at `scale`, if it fits.
pub fn unscaled(d: Decimal, scale: i8) -> Option<i128> {
    let up = u32::try_from(scale).ok()?.checked_sub(d.scale())?;
    if up == 0 {
        return Some(d.mantissa());
    }
    d.mantissa().checked_mul(10_i128.checked_pow(up)?)
}

/// The decimal type that holds every value of a column exactly.
pub fn amount_type(values: &[Option<Decimal>], money: bool) -> AmountType {
    let base: u32 = if money { 2 } else { 0 };
    let scale = values
        .iter()
        .flatten()
        // Trailing zeros do not count; a scale within the base needs no look.
        .map(|d| {
            if d.scale() <= base {
                d.scale()
            } else {
                d.normalize().scale()
            }
        })
        .max()
        .unwrap_or(0)
        .max(base);
    let scale = i8::try_from(scale).unwrap_or(28);
    let wide = values
        .iter()
        .flatten()
        .any(|d| unscaled(*d, scale).is_none_or(|u| u.abs() >= DECIMAL18));
    AmountType {
        precision: if wide { 38 } else { 18 },
        scale,
    }
}

/// Unscaled values from here need `decimal128(38, _)`.
const DECIMAL18: i128 = 1_000_000_000_000_000_000;

/// The decimal type of a program's amounts: the scale of the rounding unit
/// (at least 2 for money) when the rules round them, so the type does not
/// depend on the values; else as [`amount_type`] (which for unrounded money
/// held in fen is two decimals too).
pub fn amounts_type(amounts: &Amounts, money: bool) -> AmountType {
    let base: u32 = if money { 2 } else { 0 };
    let units = amounts
        .fixed(0..amounts.len())
        .filter(|_| amounts.rounded() || amounts.scale() <= base);
    let Some(units) = units else {
        return amount_type(&amounts.iter().collect::<Vec<_>>(), money);
    };
    let scale = amounts.scale().max(base);
    let f = 10_i128.pow(scale - amounts.scale());
    // The largest magnitude is the least or the greatest amount's.
    let wide = units.range().is_some_and(|(lo, hi)| {
        [lo, hi].into_iter().any(|u| {
            i128::from(u)
                .checked_mul(f)
                .is_none_or(|u| u.abs() >= DECIMAL18)
        })
    });
    AmountType {
        precision: if wide { 38 } else { 18 },
        scale: i8::try_from(scale).unwrap_or(28),
    }
}

/// A decimal128 array of `values` typed `t` (a value that does not fit is
/// an error, never a null).
///
/// # Errors
/// When a value does not fit `t`.
pub fn decimal_array(
    values: impl Iterator<Item = Option<Decimal>>,
    t: AmountType,
) -> Result<ArrayRef, ArrowError> {
    let mut b = Decimal128Builder::new();
    for v in values {
        match v {
            None => b.append_null(),
            Some(d) => b.append_value(unscaled(d, t.scale).ok_or_else(|| {
                ArrowError::InvalidArgumentError(format!("{d} does not fit {t:?}"))
            })?),
        }
    }
    Ok(Arc::new(
        b.finish().with_precision_and_scale(t.precision, t.scale)?,
    ))
}

/// A decimal128 array typed `t` of the amounts of cases `start..` (one per
/// element of `evaluated`), null where a case was not evaluated: the
/// integers copied as they lie when [`Amounts::fixed`] gives them.
///
/// # Errors
/// When a value does not fit `t`.
pub fn amounts_array(
    amounts: &Amounts,
    start: usize,
    evaluated: &[bool],
    t: AmountType,
) -> Result<ArrayRef, ArrowError> {
    let rows = start..start + evaluated.len();
    let up = u32::try_from(t.scale)
        .ok()
        .and_then(|s| s.checked_sub(amounts.scale()))
        .and_then(|up| 10_i128.checked_pow(up));
    // The integers copied as they lie, scaled; otherwise (amounts too wide,
    // or a product that overflows) one decimal per case.
    let copied = amounts
        .fixed(rows.clone())
        .zip(up)
        .and_then(|(units, f)| Some((units, units.scaled(f, evaluated)?)));
    let Some((units, values)) = copied else {
        let values = rows
            .zip(evaluated)
            .map(|(row, &ok)| amounts.get(row).filter(|_| ok));
        return decimal_array(values, t);
    };
    let valid = BooleanBuffer::collect_bool(values.len(), |i| evaluated[i] && units.has(i));
    let array = Decimal128Array::new(values.into(), Some(NullBuffer::new(valid)));
    Ok(Arc::new(
        array.with_precision_and_scale(t.precision, t.scale)?,
    ))
}

/// The row spans of the output batches: the key column's chunks, or one
/// span with a `row` column of numbers.
pub fn spans(key: Option<(&Field, &[ArrayRef])>, n: usize) -> Vec<(usize, usize, ArrayRef)> {
    match key {
        Some((_, chunks)) => {
            let mut start = 0;
            chunks
                .iter()
                .map(|c| {
                    let end = (start + c.len()).min(n);
                    let span = (start.min(end), end, c.clone());
                    start += c.len();
                    span
                })
                .collect()
        }
        None => vec![(
            0,
            n,
            Arc::new(Int64Array::from_iter_values(
                (0..n).map(|i| i64::try_from(i).unwrap_or(i64::MAX)),
            )) as ArrayRef,
        )],
    }
}

/// The field of the first column: the key's, or `row`.
pub fn first_field(key: Option<(&Field, &[ArrayRef])>) -> Field {
    key.map_or_else(
        || Field::new("row", DataType::Int64, false),
        |(f, _)| f.clone(),
    )
}

/// The core's columns as an Arrow record batch: integers as int64,
/// booleans, dates as date32, decimals as decimal128 (at least two places),
/// text as dictionary-encoded strings.
///
/// # Errors
/// When columns differ in length.
pub fn table_batch(table: &Table) -> Result<RecordBatch, ArrowError> {
    let mut columns: Vec<(String, ArrayRef)> = Vec::new();
    for (name, data) in &table.columns {
        let owned;
        let data = match data {
            ColumnData::Lent(l) => {
                owned = l.to_owned_column();
                &owned
            }
            other => other,
        };
        let array: ArrayRef = match data {
            ColumnData::Int(v) => Arc::new(v.iter().collect::<Int64Array>()),
            ColumnData::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
            ColumnData::Date(v) => Arc::new(Date32Array::from(v.clone())),
            ColumnData::Decimal(v) => decimal_array(v.iter().copied(), amount_type(v, true))?,
            ColumnData::Fixed(..) => {
                let v: Vec<Option<Decimal>> = (0..data.len()).map(|r| data.decimal(r)).collect();
                decimal_array(v.iter().copied(), amount_type(&v, true))?
            }
            ColumnData::Text(_) | ColumnData::Dict(..) | ColumnData::Lent(_) => Arc::new(
                (0..data.len())
                    .map(|r| data.text(r))
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
        };
        columns.push((name.clone(), array));
    }
    RecordBatch::try_from_iter(columns)
}

/// Builds the result batches. `valid` says which cases passed input
/// validation; `money` which programs pay money; `key` is the key column's
/// field and chunks, whose lengths set the batch sizes.
///
/// # Errors
/// An Arrow error, which only a broken invariant (columns of different
/// lengths) can cause.
pub fn result_batches(
    result: &BatchResult,
    valid: &[bool],
    money: &[bool],
    key: Option<(&Field, &[ArrayRef])>,
) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
    let n = valid.len();
    let broken = result.evaluated.len() != n
        || result
            .programs
            .iter()
            .any(|p| p.eligible.len() != n || p.amount.as_ref().is_some_and(|a| a.len() != n));
    if broken {
        return Err(ArrowError::InvalidArgumentError(format!(
            "the batch result does not have one row per case ({n})"
        )));
    }
    let mut codes: Vec<Option<&str>> = (0..n)
        .map(|i| (!valid[i]).then_some("invalid_input"))
        .collect();
    for (i, e) in &result.errors {
        if let Some(c) = codes.get_mut(*i) {
            *c = Some(e.code());
        }
    }
    let types: Vec<Option<AmountType>> = result
        .programs
        .iter()
        .zip(money.iter().chain(std::iter::repeat(&true)))
        .map(|(p, &m)| p.amount.as_ref().map(|a| amounts_type(a, m)))
        .collect();

    let mut fields = vec![first_field(key)];
    fields.push(Field::new("error", DataType::Utf8, true));
    for (p, t) in result.programs.iter().zip(&types) {
        fields.push(Field::new(
            format!("{}.eligible", p.program),
            DataType::Boolean,
            true,
        ));
        if let Some(t) = t {
            fields.push(Field::new(
                format!("{}.amount", p.program),
                DataType::Decimal128(t.precision, t.scale),
                true,
            ));
        }
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));

    let mut batches = Vec::new();
    for (start, end, first) in spans(key, n) {
        let mut columns: Vec<ArrayRef> = vec![first];
        let codes = &codes[start..end];
        if codes.iter().all(Option::is_none) {
            columns.push(new_null_array(&DataType::Utf8, end - start));
        } else {
            let mut err = StringBuilder::new();
            for c in codes {
                err.append_option(*c);
            }
            columns.push(Arc::new(err.finish()));
        }
        let evaluated = &result.evaluated[start..end];
        // Evaluated cases are valid (no validity when all are): bits packed
        // 64 at a time from the slices as they lie.
        let valid = evaluated
            .contains(&false)
            .then(|| NullBuffer::new(BooleanBuffer::collect_bool(end - start, |i| evaluated[i])));
        for (p, t) in result.programs.iter().zip(&types) {
            let eligible = &p.eligible[start..end];
            let bits = BooleanBuffer::collect_bool(end - start, |i| eligible[i]);
            columns.push(Arc::new(BooleanArray::new(bits, valid.clone())));
            if let (Some(t), Some(amounts)) = (t, &p.amount) {
                columns.push(amounts_array(amounts, start, evaluated, *t)?);
            }
        }
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok((schema, batches))
}

/// Row problems as a record batch: `table` (`households` or `members`),
/// `row`, `household` (the case's key, from `keys`), `loc` (field path),
/// `code` and `message`.
///
/// # Errors
/// An Arrow error, which the fixed schema does not cause.
pub fn row_errors_batch(
    errors: &[RowError],
    keys: &[Option<String>],
) -> Result<RecordBatch, ArrowError> {
    let mut table = StringBuilder::new();
    let mut row = Int64Builder::new();
    let mut household = StringBuilder::new();
    let mut loc = StringBuilder::new();
    let mut code = StringBuilder::new();
    let mut message = StringBuilder::new();
    for (i, e) in errors.iter().enumerate() {
        table.append_value(e.table);
        row.append_value(i64::try_from(e.row).unwrap_or(i64::MAX));
        household.append_option(keys.get(i).cloned().flatten());
        loc.append_value(&e.loc);
        code.append_value(e.code);
        message.append_value(&e.msg);
    }
    RecordBatch::try_from_iter([
        ("table", Arc::new(table.finish()) as ArrayRef),
        ("row", Arc::new(row.finish())),
        ("household", Arc::new(household.finish())),
        ("loc", Arc::new(loc.finish())),
        ("code", Arc::new(code.finish())),
        ("message", Arc::new(message.finish())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn money_is_exact_at_two_decimals_or_more() {
        let a = |rounded: bool, v: &[Option<&str>]| {
            Amounts::from_values(2, rounded, v.iter().map(|x| x.map(d)))
        };
        let t = amounts_type(&a(true, &[Some("735.00"), Some("0"), None]), true);
        assert_eq!(
            t,
            AmountType {
                precision: 18,
                scale: 2
            }
        );
        assert_eq!(unscaled(d("735"), 2), Some(73500));
        let t = amounts_type(&a(false, &[Some("1.125")]), true);
        assert_eq!(t.scale, 3);
        let unrounded = a(false, &[Some("1.5"), Some("2")]);
        let t = amounts_type(&unrounded, true);
        assert_eq!(t.scale, 2);
        let array = amounts_array(&unrounded, 0, &[true, true], t).unwrap();
        let array = array.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!((array.value(0), array.value(1)), (150, 200));
        let t = amounts_type(&Amounts::from_values(0, false, [Some(d("2"))]), false);
        assert_eq!(
            t,
            AmountType {
                precision: 18,
                scale: 0
            }
        );
        let t = amounts_type(&a(true, &[Some("79228162514264337593543950335")]), true);
        assert_eq!(t.precision, 38);
        // Fen that need 19 digits fit an i64 but not decimal128(18, 2).
        let t = amounts_type(&a(true, &[Some("12345678901234567.89")]), true);
        assert_eq!(t.precision, 38);
    }

    #[test]
    fn rounded_amounts_are_typed_by_their_unit_and_copied_as_integers() {
        let yuan = Amounts::from_values(0, true, [Some(d("12")), None, Some(d("3"))]);
        let t = amounts_type(&yuan, true);
        assert_eq!(
            t,
            AmountType {
                precision: 18,
                scale: 2
            }
        );
        let array = amounts_array(&yuan, 0, &[true, true, false], t).unwrap();
        let array = array.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!(array.value(0), 1200);
        assert!(array.is_null(1) && array.is_null(2));
        let wide = Amounts::from_values(2, true, [Some(d("0.001")), Some(d("4"))]);
        let t = amounts_type(&wide, true);
        assert_eq!(t.scale, 3);
        let array = amounts_array(&wide, 1, &[true], t).unwrap();
        let array = array.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!((array.len(), array.value(0)), (1, 4000));
    }
}
