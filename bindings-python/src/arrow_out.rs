//! A population's results as Arrow record batches, without Python.
//!
//! One row per case, in input order: the key column exactly as given (or a
//! `row` number when there is none), an `error` column (null when the case
//! was evaluated; `invalid_input` when its row had input errors; the core's
//! code when evaluation failed), then `<program>.eligible` (bool) and
//! `<program>.amount` (decimal128, exact) for every program. A case that was
//! not evaluated has nulls, never `false` or zero. Batches follow the input's
//! chunks, so the key column is passed through without a copy.

use arrow_array::builder::{BooleanBuilder, Decimal128Builder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, BooleanArray, Date32Array, DictionaryArray, Int64Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use bangfu::batch::{BatchResult, ColumnData, Table};
use bangfu::Decimal;
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
    let limit = 10_i128.pow(18);
    let wide = values
        .iter()
        .flatten()
        .any(|d| unscaled(*d, scale).is_none_or(|u| u.abs() >= limit));
    AmountType {
        precision: if wide { 38 } else { 18 },
        scale,
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
        let array: ArrayRef = match data {
            ColumnData::Int(v) => Arc::new(Int64Array::from(v.clone())),
            ColumnData::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
            ColumnData::Date(v) => Arc::new(Date32Array::from(v.clone())),
            ColumnData::Decimal(v) => decimal_array(v.iter().copied(), amount_type(v, true))?,
            ColumnData::Fixed(..) => {
                let v: Vec<Option<Decimal>> = (0..data.len()).map(|r| data.decimal(r)).collect();
                decimal_array(v.iter().copied(), amount_type(&v, true))?
            }
            ColumnData::Text(_) | ColumnData::Dict(..) => Arc::new(
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
        .map(|(p, &m)| p.amount.as_ref().map(|a| amount_type(a, m)))
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
        let mut err = StringBuilder::new();
        for c in &codes[start..end] {
            err.append_option(*c);
        }
        columns.push(Arc::new(err.finish()));
        let evaluated = &result.evaluated[start..end];
        for (p, t) in result.programs.iter().zip(&types) {
            let mut b = BooleanBuilder::with_capacity(end - start);
            for (e, ok) in p.eligible[start..end].iter().zip(evaluated) {
                b.append_option(ok.then_some(*e));
            }
            columns.push(Arc::new(b.finish()));
            if let (Some(t), Some(amounts)) = (t, &p.amount) {
                columns.push(decimal_array(
                    amounts[start..end]
                        .iter()
                        .zip(evaluated)
                        .map(|(a, ok)| a.filter(|_| *ok)),
                    *t,
                )?);
            }
        }
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok((schema, batches))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn money_is_exact_at_two_decimals_or_more() {
        let t = amount_type(&[Some(d("735.00")), Some(d("0")), None], true);
        assert_eq!(
            t,
            AmountType {
                precision: 18,
                scale: 2
            }
        );
        assert_eq!(unscaled(d("735"), 2), Some(73500));
        let t = amount_type(&[Some(d("1.125"))], true);
        assert_eq!(t.scale, 3);
        let t = amount_type(&[Some(d("2"))], false);
        assert_eq!(
            t,
            AmountType {
                precision: 18,
                scale: 0
            }
        );
        let t = amount_type(&[Some(d("79228162514264337593543950335"))], true);
        assert_eq!(t.precision, 38);
    }
}
