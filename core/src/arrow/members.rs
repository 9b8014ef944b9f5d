//! Member results as an Arrow record batch, beside the cases' table.
//!
//! One row per member of one collection, in the order of the members table
//! (grouped by case): the case's key (the key column's name and values,
//! repeated for each member; `row`, the case's row number, when the key is
//! absent or of a type other than integers or text), `member` (the
//! member's place in its case, from 0), then `<program>.eligible` and
//! `<program>.amount` for every member program evaluated (programs of the
//! members named on the case, parts paid per member, programs reading the
//! household). Members of a case not evaluated have nulls.

use super::export::{amounts_array, amounts_type};
use crate::batch::BatchResult;
use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, BooleanArray, Int32Array, Int64Array, LargeStringArray};
use arrow_array::{RecordBatch, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// The member results of collection `collection` as one record batch.
/// `offsets` are the collection's member offsets per case (one more than
/// cases), `money` says which member programs pay money, `key` is the
/// cases' key column.
///
/// # Errors
/// An Arrow error, which only a result of another population causes.
pub fn member_result_batch(
    result: &BatchResult,
    collection: &str,
    offsets: &[usize],
    money: &dyn Fn(&str) -> bool,
    key: Option<(&Field, &[ArrayRef])>,
) -> Result<(SchemaRef, RecordBatch), ArrowError> {
    let cases = offsets.len().saturating_sub(1);
    let rows = offsets.last().copied().unwrap_or(0);
    if result.evaluated.len() != cases {
        return Err(ArrowError::InvalidArgumentError(format!(
            "the batch result does not have one row per case ({cases})"
        )));
    }
    let columns: Vec<_> = result
        .members
        .iter()
        .filter(|m| m.collection == collection)
        .collect();
    if columns
        .iter()
        .any(|c| c.eligible.len() != rows || c.amount.as_ref().is_some_and(|a| a.len() != rows))
    {
        return Err(ArrowError::InvalidArgumentError(format!(
            "the member results do not have one row per member ({rows})"
        )));
    }
    // Each member's place in its case, and whether its case was evaluated:
    // runs over the offsets, no per-member look-up.
    let mut place: Vec<i32> = Vec::with_capacity(rows);
    let mut evaluated: Vec<bool> = Vec::with_capacity(rows);
    for (i, w) in offsets.windows(2).enumerate() {
        let count = w[1].saturating_sub(w[0]);
        place.extend((0..count).map(|j| i32::try_from(j).unwrap_or(i32::MAX)));
        let done = result.evaluated.get(i).copied().unwrap_or(false);
        evaluated.extend(std::iter::repeat_n(done, count));
    }
    let (key_field, key_column) = repeated_key(key, offsets);
    let mut fields = vec![key_field, Field::new("member", DataType::Int32, false)];
    let mut arrays: Vec<ArrayRef> = vec![key_column, Arc::new(Int32Array::from(place))];
    let valid = NullBuffer::from(evaluated.as_slice());
    for c in &columns {
        fields.push(Field::new(
            format!("{}.eligible", c.program),
            DataType::Boolean,
            true,
        ));
        let bits = BooleanBuffer::from(c.eligible.as_slice());
        arrays.push(Arc::new(BooleanArray::new(bits, Some(valid.clone()))));
        if let Some(a) = &c.amount {
            let t = amounts_type(a, money(&c.program));
            fields.push(Field::new(
                format!("{}.amount", c.program),
                DataType::Decimal128(t.precision, t.scale),
                true,
            ));
            arrays.push(amounts_array(a, 0, &evaluated, t)?);
        }
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    Ok((schema, batch))
}

/// The cases' key repeated for each member (`offsets`: where each case's
/// members start), under the key's name: integers and text as they are,
/// any other key (or none) as `row`, the case's row number.
fn repeated_key(key: Option<(&Field, &[ArrayRef])>, offsets: &[usize]) -> (Field, ArrayRef) {
    let rows = offsets.last().copied().unwrap_or(0);
    let count = |i: usize| {
        offsets
            .get(i + 1)
            .zip(offsets.get(i))
            .map_or(0, |(b, a)| b.saturating_sub(*a))
    };
    let by_row = || {
        let mut v: Vec<i64> = Vec::with_capacity(rows);
        for i in 0..offsets.len().saturating_sub(1) {
            v.extend(std::iter::repeat_n(
                i64::try_from(i).unwrap_or(i64::MAX),
                count(i),
            ));
        }
        (
            Field::new("row", DataType::Int64, false),
            Arc::new(Int64Array::from(v)) as ArrayRef,
        )
    };
    let Some((field, chunks)) = key else {
        return by_row();
    };
    let name = field.name().clone();
    match field.data_type() {
        DataType::Int64 => {
            let mut values: Vec<i64> = Vec::with_capacity(rows);
            let mut valid: Vec<bool> = Vec::with_capacity(rows);
            let mut i = 0;
            for c in chunks {
                let Some(a) = c.as_any().downcast_ref::<Int64Array>() else {
                    return by_row();
                };
                for r in 0..a.len() {
                    let n = count(i);
                    values.extend(std::iter::repeat_n(a.value(r), n));
                    valid.extend(std::iter::repeat_n(a.is_valid(r), n));
                    i += 1;
                }
            }
            let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid));
            (
                Field::new(name, DataType::Int64, true),
                Arc::new(Int64Array::new(values.into(), nulls)),
            )
        }
        DataType::Utf8 | DataType::LargeUtf8 => {
            let mut b = StringBuilder::new();
            let mut i = 0;
            for c in chunks {
                for r in 0..c.len() {
                    let v = if let Some(a) = c.as_any().downcast_ref::<StringArray>() {
                        a.is_valid(r).then(|| a.value(r))
                    } else if let Some(a) = c.as_any().downcast_ref::<LargeStringArray>() {
                        a.is_valid(r).then(|| a.value(r))
                    } else {
                        return by_row();
                    };
                    for _ in 0..count(i) {
                        b.append_option(v);
                    }
                    i += 1;
                }
            }
            (Field::new(name, DataType::Utf8, true), Arc::new(b.finish()))
        }
        _ => by_row(),
    }
}
