//! Members as a nested list column: the same cases, results and located
//! problems as two tables joined by key.

use super::super::synthetic::district;
use super::super::Population;
use super::*;
use crate::{Date, RuleSet};
use arrow_array::builder::Decimal128Builder;
use arrow_array::{Int64Array, ListArray, RecordBatchIterator};
use arrow_buffer::OffsetBuffer;
use arrow_schema::Fields;

type Stream = RecordBatchIterator<std::vec::IntoIter<Result<RecordBatch, ArrowError>>>;

fn stream(batches: Vec<RecordBatch>) -> Stream {
    let schema = batches[0].schema();
    RecordBatchIterator::new(
        batches.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
        schema,
    )
}

fn rules() -> RuleSet {
    RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap()
}

fn as_of() -> Date {
    Date::parse("2023-09-06").unwrap()
}

/// The households batch with its members (rows in case order, linked by
/// `household_id`) as a `members` list column; `nulls` marks null lists.
fn nest(households: &RecordBatch, members: &RecordBatch, nulls: Option<Vec<bool>>) -> RecordBatch {
    let keys = households
        .column(0)
        .as_primitive::<arrow_array::types::Int64Type>();
    let owner = members
        .column(0)
        .as_primitive::<arrow_array::types::Int64Type>();
    let mut offsets = vec![0i32];
    let mut m = 0usize;
    for k in keys.values() {
        while m < owner.len() && owner.value(m) == *k {
            m += 1;
        }
        offsets.push(i32::try_from(m).unwrap());
    }
    let fields: Fields = members.schema().fields()[1..].iter().cloned().collect();
    let structs = StructArray::new(fields.clone(), members.columns()[1..].to_vec(), None);
    let item = Arc::new(Field::new("item", DataType::Struct(fields), true));
    let list = ListArray::new(
        item,
        OffsetBuffer::new(offsets.into()),
        Arc::new(structs),
        nulls.map(NullBuffer::from),
    );
    let mut columns = households.columns().to_vec();
    columns.push(Arc::new(list));
    let mut schema_fields: Vec<Field> = households
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    schema_fields.push(Field::new(
        "members",
        columns[columns.len() - 1].data_type().clone(),
        true,
    ));
    RecordBatch::try_new(Arc::new(Schema::new(schema_fields)), columns).unwrap()
}

#[test]
fn nested_members_give_the_results_of_two_tables() {
    let (rules, as_of) = (rules(), as_of());
    let d = district(300, 5, as_of).unwrap();
    assert_eq!(d.members.schema().field(0).name(), "household_id");
    let nested = nest(&d.households, &d.members, None);
    // Two batches, the second a slice, so offsets do not start at zero.
    let batches = vec![nested.slice(0, 120), nested.slice(120, 180)];
    let a = Population::read_nested(&rules, "household", stream(batches), "household_id", as_of)
        .unwrap();
    let b = Population::read(
        &rules,
        "household",
        stream(vec![d.households.clone()]),
        Some(stream(vec![d.members.clone()])),
        "household_id",
        as_of,
    )
    .unwrap();
    assert!(a.errors.is_empty(), "{:?}", a.errors.first());
    assert_eq!(a.sizes, b.sizes);
    let (ra, rb) = (
        a.evaluate(&rules, as_of, None, 2).unwrap(),
        b.evaluate(&rules, as_of, None, 2).unwrap(),
    );
    let (sa, ba) = a.results(&rules, &ra).unwrap();
    let (sb, bb) = b.results(&rules, &rb).unwrap();
    assert_eq!(sa, sb);
    // Compared cell by cell, whatever the batch boundaries.
    let cells = |bs: &[RecordBatch]| -> Vec<ArrayRef> {
        bs.iter()
            .flat_map(|b| {
                (0..b.num_rows()).flat_map(move |r| b.columns().iter().map(move |c| c.slice(r, 1)))
            })
            .collect()
    };
    let (ca, cb) = (cells(&ba), cells(&bb));
    assert_eq!(ca.len(), 300 * sa.fields().len());
    assert!(ca.iter().zip(&cb).all(|(x, y)| x.as_ref() == y.as_ref()));
}

#[test]
fn a_member_problem_is_located_at_its_case_and_index() {
    let (rules, as_of) = (rules(), as_of());
    let d = district(4, 2, as_of).unwrap();
    // The second member of the third household earns -1.
    let owner = d
        .members
        .column(0)
        .as_primitive::<arrow_array::types::Int64Type>();
    let third = d
        .households
        .column(0)
        .as_primitive::<arrow_array::types::Int64Type>()
        .value(2);
    let row = (0..owner.len())
        .filter(|&m| owner.value(m) == third)
        .nth(1)
        .unwrap();
    let at = d.members.schema().index_of("monthly_income").unwrap();
    let old = d
        .members
        .column(at)
        .as_primitive::<arrow_array::types::Decimal128Type>();
    let mut b = Decimal128Builder::new();
    for m in 0..old.len() {
        b.append_value(if m == row { -100 } else { old.value(m) });
    }
    let income = b.finish().with_precision_and_scale(18, 2).unwrap();
    let mut columns = d.members.columns().to_vec();
    columns[at] = Arc::new(income);
    let members = RecordBatch::try_new(d.members.schema(), columns).unwrap();
    // The fourth household's list is null: no members.
    let nested = nest(&d.households, &members, Some(vec![true, true, true, false]));
    let pop = Population::read_nested(
        &rules,
        "household",
        stream(vec![nested]),
        "household_id",
        as_of,
    )
    .unwrap();
    let found: Vec<(&str, usize, &str, &str)> = pop
        .errors
        .iter()
        .map(|e| (e.table, e.row, e.loc.as_str(), e.code))
        .collect();
    assert_eq!(
        found,
        vec![
            ("households", 2, "members[1].monthly_income", "too_small"),
            ("households", 3, "members", "too_few_items"),
        ]
    );
    assert_eq!(pop.error_keys[0], Some(third.to_string()));
    assert_eq!(pop.cases.valid(), &[true, true, false, false]);
}

#[test]
fn a_members_column_that_is_not_a_list_of_structs_is_refused() {
    let (rules, as_of) = (rules(), as_of());
    let d = district(2, 2, as_of).unwrap();
    let e = Population::read_nested(
        &rules,
        "household",
        stream(vec![d.households.clone()]),
        "household_id",
        as_of,
    )
    .unwrap_err();
    let BuildError::Columns(errors) = e else {
        panic!("{e}")
    };
    assert_eq!(
        (errors[0].loc.as_str(), errors[0].code),
        ("households.members", "missing")
    );
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    let b = RecordBatch::try_from_iter([("household_id", ids.clone()), ("members", ids)]).unwrap();
    let e = Population::read_nested(&rules, "household", stream(vec![b]), "household_id", as_of)
        .unwrap_err();
    let BuildError::Columns(errors) = e else {
        panic!("{e}")
    };
    assert_eq!(
        (errors[0].loc.as_str(), errors[0].code),
        ("households.members", "wrong_type")
    );
}

#[test]
fn a_household_key_on_two_rows_is_refused_on_both() {
    let (rules, as_of) = (rules(), as_of());
    let d = district(3, 2, as_of).unwrap();
    let nested = nest(&d.households, &d.members, None);
    // The third household again, under the first one's key.
    let mut columns = nested.columns().to_vec();
    let ids = nested
        .column(0)
        .as_primitive::<arrow_array::types::Int64Type>()
        .values()
        .to_vec();
    let again: Vec<i64> = vec![ids[0], ids[1], ids[0]];
    columns[0] = Arc::new(Int64Array::from(again));
    let b = RecordBatch::try_new(nested.schema(), columns).unwrap();
    let pop = Population::read_nested(&rules, "household", stream(vec![b]), "household_id", as_of)
        .unwrap();
    let found: Vec<(usize, &str, &str)> = pop
        .errors
        .iter()
        .map(|e| (e.row, e.loc.as_str(), e.code))
        .collect();
    assert_eq!(
        found,
        vec![
            (0, "household_id", "duplicate_key"),
            (2, "household_id", "duplicate_key")
        ]
    );
    assert_eq!(pop.cases.valid(), &[false, true, false]);
}
