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
use crate::batch::{BatchResult, MemberProgramColumn};
use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, BooleanArray, Int32Array, Int64Array, LargeStringArray};
use arrow_array::{RecordBatch, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// The member results of collection `collection` as record batches.
/// `offsets` are the collection's member offsets per case (one more than
/// cases), `money` says which member programs pay money, `key` is the
/// cases' key column. `given` is the members table's own key column when
/// the members are in its order: where its type is the cases' key's, it
/// is the key column as it is (a batch per chunk of it); otherwise the
/// cases' key is repeated for each member in one batch.
///
/// # Errors
/// An Arrow error, which only a result of another population causes.
pub fn member_result_batches(
    result: &BatchResult,
    collection: &str,
    offsets: &[usize],
    money: &dyn Fn(&str) -> bool,
    key: Option<(&Field, &[ArrayRef])>,
    given: Option<&[ArrayRef]>,
) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
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
    let every = !result.evaluated.contains(&false);
    let mut place: Vec<i32> = vec![0; rows];
    let mut evaluated: Vec<bool> = vec![every; rows];
    for (i, w) in offsets.windows(2).enumerate() {
        if let Some(run) = place.get_mut(w[0]..w[1]) {
            for (j, p) in run.iter_mut().enumerate() {
                *p = i32::try_from(j).unwrap_or(i32::MAX);
            }
        }
        if !every {
            if let Some(run) = evaluated.get_mut(w[0]..w[1]) {
                run.fill(result.evaluated.get(i).copied().unwrap_or(false));
            }
        }
    }
    // Members of cases not evaluated are null; none when every case was.
    let valid =
        (!every).then(|| NullBuffer::new(BooleanBuffer::collect_bool(rows, |i| evaluated[i])));
    // The members table's key, as it is, where it holds the cases' keys.
    let given = given.zip(key).filter(|(chunks, (field, _))| {
        let ty = field.data_type();
        matches!(ty, DataType::Int64 | DataType::Utf8 | DataType::LargeUtf8)
            && chunks
                .iter()
                .all(|c| c.data_type() == ty && c.null_count() == 0)
            && chunks.iter().map(|c| c.len()).sum::<usize>() == rows
    });
    let (key_field, key_chunks, programs) = match given {
        Some((chunks, (field, _))) => {
            let field = Field::new(field.name(), field.data_type().clone(), true);
            let programs = program_arrays(&columns, &evaluated, valid, money)?;
            (field, chunks.to_vec(), programs)
        }
        // The key column on a second thread while the others are written.
        None => std::thread::scope(|s| {
            let keys = s.spawn(|| repeated_key(key, offsets));
            let programs = program_arrays(&columns, &evaluated, valid, money)?;
            let (field, column) = keys.join().map_err(|_| {
                ArrowError::ComputeError("the members' key column could not be written".into())
            })?;
            Ok::<_, ArrowError>((field, vec![column], programs))
        })?,
    };
    let mut fields = vec![key_field, Field::new("member", DataType::Int32, false)];
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(Int32Array::from(place))];
    for (field, array) in programs {
        fields.push(field);
        arrays.push(array);
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    // A batch per chunk of the key column, the other columns cut to match.
    let mut batches = Vec::with_capacity(key_chunks.len());
    let mut at = 0;
    for chunk in key_chunks {
        let len = chunk.len();
        let mut columns = vec![chunk];
        columns.extend(arrays.iter().map(|a| a.slice(at, len)));
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
        at += len;
    }
    Ok((schema, batches))
}

/// The eligibility and amount columns of the member programs `columns`
/// (`evaluated`: per member, whether its case was; `valid`: the same as
/// validity, none when every case was).
fn program_arrays(
    columns: &[&MemberProgramColumn],
    evaluated: &[bool],
    valid: Option<NullBuffer>,
    money: &dyn Fn(&str) -> bool,
) -> Result<Vec<(Field, ArrayRef)>, ArrowError> {
    let rows = evaluated.len();
    let mut out: Vec<(Field, ArrayRef)> = Vec::new();
    for c in columns {
        let bits = BooleanBuffer::collect_bool(rows, |i| c.eligible[i]);
        out.push((
            Field::new(format!("{}.eligible", c.program), DataType::Boolean, true),
            Arc::new(BooleanArray::new(bits, valid.clone())),
        ));
        if let Some(a) = &c.amount {
            let t = amounts_type(a, money(&c.program));
            out.push((
                Field::new(
                    format!("{}.amount", c.program),
                    DataType::Decimal128(t.precision, t.scale),
                    true,
                ),
                amounts_array(a, 0, evaluated, t)?,
            ));
        }
    }
    Ok(out)
}

/// The case's row number for each member, as `row`.
fn by_row(offsets: &[usize]) -> (Field, ArrayRef) {
    let rows = offsets.last().copied().unwrap_or(0);
    let mut v: Vec<i64> = vec![0; rows];
    for (i, w) in offsets.windows(2).enumerate() {
        if let Some(run) = v.get_mut(w[0]..w[1]) {
            run.fill(i64::try_from(i).unwrap_or(i64::MAX));
        }
    }
    (
        Field::new("row", DataType::Int64, false),
        Arc::new(Int64Array::from(v)) as ArrayRef,
    )
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
    let by_row = || by_row(offsets);
    let Some((field, chunks)) = key else {
        return by_row();
    };
    let name = field.name().clone();
    match field.data_type() {
        DataType::Int64 => {
            let mut values: Vec<i64> = vec![0; rows];
            // Validity per member, kept only when a key is null.
            let mut valid: Option<Vec<bool>> = None;
            let mut i = 0;
            for c in chunks {
                let Some(a) = c.as_any().downcast_ref::<Int64Array>() else {
                    return by_row();
                };
                if a.null_count() > 0 && valid.is_none() {
                    valid = Some(vec![true; rows]);
                }
                for (r, &v) in a.values().iter().enumerate() {
                    let members = offsets.get(i).copied().unwrap_or(rows)
                        ..offsets.get(i + 1).copied().unwrap_or(rows);
                    if let Some(run) = values.get_mut(members.clone()) {
                        run.fill(v);
                    }
                    if let Some(run) = valid.as_mut().and_then(|v| v.get_mut(members)) {
                        run.fill(a.is_valid(r));
                    }
                    i += 1;
                }
            }
            let nulls = valid.map(NullBuffer::from);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Amounts;
    use crate::Decimal;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Decimal128Type, Int32Type, Int64Type};

    /// Three cases of 2, 0 and 3 members; the second not evaluated.
    fn result() -> (BatchResult, Vec<usize>) {
        let amount = |s: &str| Some(s.parse::<Decimal>().unwrap());
        let result = BatchResult {
            programs: Vec::new(),
            members: vec![MemberProgramColumn {
                program: "tekun".into(),
                collection: "members".into(),
                eligible: vec![true, false, false, true, true],
                amount: Some(Amounts::from_values(
                    2,
                    false,
                    [
                        amount("1673"),
                        amount("0"),
                        None,
                        amount("0.5"),
                        amount("12.25"),
                    ],
                )),
            }],
            evaluated: vec![true, false, true],
            errors: Vec::new(),
            one_by_one: 0,
        };
        (result, vec![0, 2, 2, 5])
    }

    /// The members' table of `result`, every program paying money.
    fn members_table(
        result: &BatchResult,
        offsets: &[usize],
        key: Option<(&Field, &[ArrayRef])>,
    ) -> (SchemaRef, RecordBatch) {
        let (schema, batches) =
            member_result_batches(result, "members", offsets, &|_| true, key, None).unwrap();
        assert_eq!(batches.len(), 1);
        (schema, batches.into_iter().next().unwrap())
    }

    #[test]
    fn the_members_own_key_column_is_returned_as_it_is() {
        let (result, offsets) = result();
        let field = Field::new("household_id", DataType::Int64, false);
        let cases: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![10, 20, 30]))];
        let given: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![10, 10, 30])),
            Arc::new(Int64Array::from(vec![30, 30])),
        ];
        let table = |given: &[ArrayRef]| {
            let key = Some((&field, cases.as_slice()));
            member_result_batches(&result, "members", &offsets, &|_| true, key, Some(given))
                .unwrap()
        };
        let (schema, batches) = table(&given);
        assert_eq!(batches.len(), 2);
        assert!(schema.field(0).is_nullable());
        assert!(Arc::ptr_eq(batches[1].column(0), &given[1]));
        let (_, repeated) = members_table(&result, &offsets, Some((&field, &cases)));
        assert_eq!(batches[0], repeated.slice(0, 3));
        assert_eq!(batches[1], repeated.slice(3, 2));
        // A key of another type, or too short, is written from the cases'.
        let other: Vec<ArrayRef> = vec![Arc::new(Int32Array::from(vec![10, 10, 30, 30, 30]))];
        assert_eq!(table(&other).1, vec![repeated.clone()]);
        assert_eq!(table(&given[..1]).1, vec![repeated]);
    }

    #[test]
    fn members_carry_their_cases_key_place_and_results() {
        let (mut result, offsets) = result();
        result.evaluated = vec![true, true, false];
        // The key in two chunks, the last case's key null.
        let field = Field::new("household_id", DataType::Int64, true);
        let chunks: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![10, 20])),
            Arc::new(Int64Array::from(vec![None])),
        ];
        let (schema, batch) = members_table(&result, &offsets, Some((&field, &chunks)));
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            ["household_id", "member", "tekun.eligible", "tekun.amount"]
        );
        let key = batch.column(0).as_primitive::<Int64Type>();
        assert_eq!(
            key.iter().collect::<Vec<_>>(),
            [Some(10), Some(10), None, None, None]
        );
        let place = batch.column(1).as_primitive::<Int32Type>();
        assert_eq!(place.values().to_vec(), [0, 1, 0, 1, 2]);
        let eligible = batch.column(2).as_boolean();
        assert_eq!(
            eligible.iter().collect::<Vec<_>>(),
            [Some(true), Some(false), None, None, None]
        );
        let amount = batch.column(3).as_primitive::<Decimal128Type>();
        assert_eq!(amount.scale(), 2);
        assert_eq!(
            amount.iter().collect::<Vec<_>>(),
            [Some(167_300), Some(0), None, None, None]
        );
    }

    #[test]
    fn every_case_evaluated_leaves_only_missing_amounts_null() {
        let (mut result, offsets) = result();
        result.evaluated = vec![true; 3];
        let field = Field::new("id", DataType::Utf8, true);
        let chunks: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec!["a", "b", "c"]))];
        let (_, batch) = members_table(&result, &offsets, Some((&field, &chunks)));
        let key = batch.column(0).as_string::<i32>();
        assert_eq!(
            key.iter().collect::<Vec<_>>(),
            [Some("a"), Some("a"), Some("c"), Some("c"), Some("c")]
        );
        assert_eq!(batch.column(2).null_count(), 0);
        let amount = batch.column(3).as_primitive::<Decimal128Type>();
        assert_eq!(
            amount.iter().collect::<Vec<_>>(),
            [Some(167_300), Some(0), None, Some(50), Some(1_225)]
        );
        // No key: the case's row number.
        let (schema, batch) = members_table(&result, &offsets, None);
        assert_eq!(schema.field(0).name(), "row");
        let row = batch.column(0).as_primitive::<Int64Type>();
        assert_eq!(row.values().to_vec(), [0, 0, 2, 2, 2]);
    }
}
