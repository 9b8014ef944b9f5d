//! Members held in the cases table, as a `list<struct<…>>` column (how
//! Spark, polars and DuckDB hold a household with its members).
//!
//! The column named after the entity's collection (`members`) is taken
//! out of each record batch: the cases become a table without it, the
//! structs of its lists a members table, each row of both carrying the
//! case's row number in a link column ([`LINK`]). A null list is a case
//! without members; a null struct is a member whose every field is
//! missing. The two tables then go through the same import and checks as
//! a households table and a members table joined by key, and
//! [`locate`] puts each member problem back at its case's row and the
//! member's index in the list (`members[1].birth_date`).

use super::population::BuildError;
use crate::batch::RowError;
use crate::InputError;
use arrow_array::cast::AsArray;
use arrow_array::{make_array, Array, ArrayRef, Int64Array, RecordBatch, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// The column linking members to their case's row (not a name a table
/// may use: it starts with a control character).
pub const LINK: &str = "\u{1}case_row";

/// A cases table with its members taken out into a second table.
#[derive(Debug)]
pub struct Split {
    /// The cases: every column but the members list, then [`LINK`].
    pub cases: (Vec<Field>, Vec<RecordBatch>),
    /// The members: the struct's fields (but `key`), then [`LINK`].
    pub members: (Vec<Field>, Vec<RecordBatch>),
    /// Where each case's members start in the members table (one more
    /// entry than cases; the last is the number of members).
    pub starts: Vec<usize>,
}

fn wrong_type(column: &str, dt: &DataType) -> BuildError {
    BuildError::Columns(vec![InputError {
        code: "wrong_type",
        loc: format!("households.{column}"),
        msg: format!(
            "column `{column}` is {dt}; it must be a list of structs (one struct per member), \
             or give the members as a second table"
        ),
        input: Some(dt.to_string()),
    }])
}

/// The struct fields of a `list<struct>` or `large_list<struct>` type.
fn member_fields(dt: &DataType) -> Option<Vec<Field>> {
    match dt {
        DataType::List(f) | DataType::LargeList(f) => match f.data_type() {
            DataType::Struct(fields) => Some(fields.iter().map(|f| f.as_ref().clone()).collect()),
            _ => None,
        },
        _ => None,
    }
}

fn link_field() -> Field {
    Field::new(LINK, DataType::Int64, false)
}

/// The list's offsets and validity, whatever the offset width.
fn list_parts(array: &dyn Array) -> Option<(Vec<usize>, StructArray)> {
    let (offsets, values): (Vec<usize>, &ArrayRef) = if let Some(l) = array.as_list_opt::<i32>() {
        (
            l.value_offsets()
                .iter()
                .map(|&o| usize::try_from(o).unwrap_or(0))
                .collect(),
            l.values(),
        )
    } else if let Some(l) = array.as_list_opt::<i64>() {
        (
            l.value_offsets()
                .iter()
                .map(|&o| usize::try_from(o).unwrap_or(0))
                .collect(),
            l.values(),
        )
    } else {
        return None;
    };
    Some((offsets, values.as_struct_opt()?.clone()))
}

/// The struct's children, each with the struct's own nulls added (a null
/// member has every field missing).
fn children(structs: &StructArray) -> Result<Vec<ArrayRef>, ArrowError> {
    let Some(parent) = structs.nulls() else {
        return Ok(structs.columns().to_vec());
    };
    structs
        .columns()
        .iter()
        .map(|c| {
            let nulls = NullBuffer::union(Some(parent), c.logical_nulls().as_ref());
            let data = c.to_data().into_builder().nulls(nulls).build()?;
            Ok(make_array(data))
        })
        .collect()
}

/// Takes the members list column `column` out of every batch of `batches`.
/// A struct field named `key` is dropped (the case's key may be repeated in
/// its members).
///
/// # Errors
/// A `wrong_type` column problem when `column` is missing or not a list of
/// structs; a failing stream.
pub fn split(
    fields: &[Field],
    batches: impl Iterator<Item = Result<RecordBatch, ArrowError>>,
    column: &str,
    key: &str,
) -> Result<Split, BuildError> {
    let Some(at) = fields.iter().position(|f| f.name() == column) else {
        return Err(BuildError::Columns(vec![InputError {
            code: "missing",
            loc: format!("households.{column}"),
            msg: format!(
                "the cases table has no `{column}` column: give the members as a list of \
                 structs in that column, or as a second table"
            ),
            input: None,
        }]));
    };
    let list_type = fields[at].data_type();
    let Some(struct_fields) = member_fields(list_type) else {
        return Err(wrong_type(column, list_type));
    };
    let kept: Vec<usize> = (0..struct_fields.len())
        .filter(|&i| struct_fields[i].name() != key)
        .collect();
    let mut case_fields: Vec<Field> = fields
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .map(|(_, f)| f.clone())
        .collect();
    case_fields.push(link_field());
    let mut m_fields: Vec<Field> = kept
        .iter()
        .map(|&i| struct_fields[i].clone().with_nullable(true))
        .collect();
    m_fields.push(link_field());
    let case_schema: SchemaRef = Arc::new(Schema::new(case_fields.clone()));
    let member_schema: SchemaRef = Arc::new(Schema::new(m_fields.clone()));

    let mut split = Split {
        cases: (case_fields, Vec::new()),
        members: (m_fields, Vec::new()),
        starts: vec![0],
    };
    let arrow = |e: ArrowError| BuildError::Arrow(e);
    for batch in batches {
        let batch = batch.map_err(arrow)?;
        let first = split.starts.len() - 1;
        let n = batch.num_rows();
        let link = |from: usize, len: usize| -> ArrayRef {
            Arc::new(Int64Array::from_iter_values(
                (from..from + len).map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
            ))
        };
        let mut columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != at)
            .map(|(_, c)| c.clone())
            .collect();
        columns.push(link(first, n));
        split
            .cases
            .1
            .push(RecordBatch::try_new(case_schema.clone(), columns).map_err(arrow)?);

        let list = batch.column(at);
        let Some((offsets, structs)) = list_parts(list.as_ref()) else {
            return Err(wrong_type(column, list.data_type()));
        };
        let values = children(&structs).map_err(arrow)?;
        // Runs of cases whose members lie one after another in the values
        // (a null list with values under it breaks a run) become one
        // members batch each, sliced without a copy.
        let mut run: Option<(usize, usize)> = None; // (values start, values end)
        let mut owners: Vec<i64> = Vec::new();
        let mut flush =
            |run: &mut Option<(usize, usize)>, owners: &mut Vec<i64>| -> Result<(), BuildError> {
                if let Some((start, end)) = run.take() {
                    if end > start {
                        let mut cols: Vec<ArrayRef> = kept
                            .iter()
                            .filter_map(|&i| values.get(i))
                            .map(|c| c.slice(start, end - start))
                            .collect();
                        cols.push(Arc::new(Int64Array::from(std::mem::take(owners))));
                        split.members.1.push(
                            RecordBatch::try_new(member_schema.clone(), cols).map_err(arrow)?,
                        );
                    }
                }
                owners.clear();
                Ok(())
            };
        for row in 0..n {
            let (start, end) = (offsets[row], offsets[row + 1].max(offsets[row]));
            let count = if list.is_null(row) { 0 } else { end - start };
            let total = split.starts.last().copied().unwrap_or(0);
            split.starts.push(total + count);
            if count == 0 {
                if end > start {
                    flush(&mut run, &mut owners)?;
                }
                continue;
            }
            match run {
                Some((s, e)) if e == start => run = Some((s, end)),
                _ => {
                    flush(&mut run, &mut owners)?;
                    run = Some((start, end));
                }
            }
            let owner = i64::try_from(first + row).unwrap_or(i64::MAX);
            owners.extend(std::iter::repeat_n(owner, count));
        }
        flush(&mut run, &mut owners)?;
    }
    Ok(split)
}

/// Puts a problem of the members table back in the cases table: the case's
/// row, and `members[i].field` with `i` the member's index in its list.
pub fn locate(mut e: RowError, column: &str, starts: &[usize]) -> RowError {
    if e.table != "members" {
        return e;
    }
    let Some(h) = e.household else {
        // A column of the struct, not a member: `members.<field>`.
        e.loc = format!("{column}.{}", e.loc);
        e.table = "households";
        return e;
    };
    let index = e.row.saturating_sub(starts.get(h).copied().unwrap_or(0));
    let field = e.loc.split_once("].").map_or("", |(_, f)| f);
    e.loc = format!("{column}[{index}].{field}");
    e.table = "households";
    e.row = h;
    e
}

#[cfg(test)]
#[path = "nested_tests.rs"]
mod tests;
