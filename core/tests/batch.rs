//! Many households as columns: validation of the tables and agreement with
//! one-by-one evaluation on hand-picked cases (random cases are in
//! `properties.rs`).

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::batch::{self, ColumnData, Population, RowError, Table};
use bangfu::{Date, Decimal};
use serde_json::json;

mod common;
use common::chengyang;

fn day(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

fn dec(s: &str) -> Option<Decimal> {
    Some(s.parse().expect("a decimal"))
}

/// Two households: one of three members earning 800 each (dibao 735), one
/// of a single member earning 1045 (not eligible).
fn tables() -> (Table, Table) {
    let cases = Table {
        columns: vec![
            (
                "household_id".into(),
                ColumnData::Text(vec![Some("a".into()), Some("b".into())]),
            ),
            (
                "registered_locally".into(),
                ColumnData::Bool(vec![Some(true), Some(true)]),
            ),
            (
                "financial_assets".into(),
                ColumnData::Decimal(vec![dec("10000"), dec("0")]),
            ),
        ],
    };
    let members = Table {
        columns: vec![
            (
                "household_id".into(),
                ColumnData::Text(vec![
                    Some("a".into()),
                    Some("b".into()),
                    Some("a".into()),
                    Some("a".into()),
                ]),
            ),
            (
                "birth_date".into(),
                ColumnData::Text(vec![
                    Some("1980-01-01".into()),
                    Some("1960-01-01".into()),
                    Some("1982-05-01".into()),
                    Some("2010-03-01".into()),
                ]),
            ),
            (
                "monthly_income".into(),
                ColumnData::Decimal(vec![dec("800"), dec("1045"), dec("800"), dec("800")]),
            ),
        ],
    };
    (cases, members)
}

fn column<'a>(result: &'a batch::BatchResult, program: &str) -> &'a batch::ProgramColumn {
    result
        .programs
        .iter()
        .find(|c| c.program == program)
        .unwrap_or_else(|| panic!("no column for {program}"))
}

#[test]
fn members_are_linked_by_key_and_evaluated() {
    let rules = chengyang();
    let on = day("2023-09-06");
    let (cases, members) = tables();
    let (population, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .expect("builds");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(population.len(), 2);
    assert_eq!(population.member_count(0), 3);
    assert_eq!(population.member_count(1), 1);
    let result =
        batch::evaluate(rules, &population, on, Some(&["dibao".into()]), 1).expect("evaluates");
    let dibao = column(&result, "dibao");
    assert_eq!(dibao.eligible, vec![true, false]);
    let amounts = dibao.amount.as_ref().expect("dibao pays an amount");
    assert_eq!(amounts.get(0), dec("735"));
    assert_eq!(amounts.get(1), Some(Decimal::ZERO));
}

#[test]
fn invalid_cells_invalidate_their_household_only() {
    let rules = chengyang();
    let on = day("2023-09-06");
    let (cases, mut members) = tables();
    members.columns[2].1 = ColumnData::Decimal(vec![dec("800"), dec("-1"), dec("800"), dec("800")]);
    let (population, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .expect("builds");
    assert_eq!(population.valid(), &[true, false]);
    let e: &RowError = errors.first().expect("an error");
    assert_eq!(
        (e.table, e.row, e.household, e.code),
        ("members", 1, Some(1), "too_small")
    );
    // The place within the case (household b's first member), as one case
    // at a time names it; `row` is the members table's row.
    assert_eq!(e.loc, "members[0].monthly_income");
    let result = batch::evaluate(rules, &population, on, None, 1).expect("evaluates");
    assert_eq!(result.evaluated, vec![true, false]);
    assert_eq!(
        column(&result, "dibao")
            .amount
            .as_ref()
            .expect("amount")
            .get(1),
        None
    );
}

#[test]
fn a_household_without_members_is_invalid() {
    let rules = chengyang();
    let on = day("2023-09-06");
    let (mut cases, members) = tables();
    cases.columns[0].1 = ColumnData::Text(vec![Some("a".into()), Some("c".into())]);
    let (population, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .expect("builds");
    assert_eq!(population.valid(), &[true, false]);
    assert!(
        errors
            .iter()
            .any(|e| e.code == "too_few_items" && e.household == Some(1)),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.code == "unknown_household" && e.table == "members"),
        "{errors:?}"
    );
}

#[test]
fn unknown_household_columns_are_reported() {
    let rules = chengyang();
    let on = day("2023-09-06");
    let (mut cases, members) = tables();
    cases.columns.push((
        "household_size".into(),
        ColumnData::Int(vec![Some(3), Some(1)].into()),
    ));
    let (_, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .expect("builds");
    assert!(
        errors
            .iter()
            .any(|e| e.code == "unknown_field" && e.loc == "household_size"),
        "{errors:?}"
    );
}

/// A column of members the rules do not know (a misspelt `monthly_incme`,
/// say) is reported like an unknown household column, as `evaluate_json`
/// reports `members[i].monthly_incme`.
#[test]
fn unknown_member_columns_are_reported() {
    let rules = chengyang();
    let on = day("2023-09-06");
    let (cases, mut members) = tables();
    members.columns.push((
        "pension".into(),
        ColumnData::Decimal(vec![dec("1"), dec("1"), dec("1"), dec("1")]),
    ));
    let (_, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .expect("builds");
    assert!(
        errors
            .iter()
            .any(|e| e.code == "unknown_field" && e.table == "members"),
        "no error for the unknown member column `pension`: {errors:?}"
    );
}

/// Batch equals one by one, also when the evaluation date differs from the
/// date the population was validated for: a member born after the
/// evaluation date is refused one by one (`date_after_as_of`), so the batch
/// must not evaluate that household either (or must refuse the date).
#[test]
fn a_population_evaluated_on_another_date_agrees_with_one_by_one() {
    let rules = chengyang();
    let built = day("2023-09-06");
    let on = day("2017-06-01");
    let (cases, members) = tables(); // household a has a member born 2010-03-01
    let one = rules.evaluate_json(
        "household",
        &json!({"registered_locally": true, "financial_assets": "10000", "members": [
            {"birth_date": "1980-01-01", "monthly_income": "800"},
            {"birth_date": "1982-05-01", "monthly_income": "800"},
            {"birth_date": "2010-03-01", "monthly_income": "800"}]}),
        on,
        None,
    );
    assert!(one.is_ok(), "born 2010, valid on 2017-06-01");
    let late = rules.evaluate_json(
        "household",
        &json!({"registered_locally": true, "financial_assets": "0", "members": [
            {"birth_date": "2020-01-01", "monthly_income": "0"}]}),
        on,
        None,
    );
    assert!(late.is_err(), "born 2020 is refused on 2017-06-01");
    let mut members = members;
    members.columns[1].1 = ColumnData::Text(vec![
        Some("1980-01-01".into()),
        Some("2020-01-01".into()),
        Some("1982-05-01".into()),
        Some("2010-03-01".into()),
    ]);
    let (population, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        built,
    )
    .expect("builds");
    assert!(errors.is_empty(), "valid on {built}: {errors:?}");
    match batch::evaluate(rules, &population, on, None, 1) {
        Err(_) => {} // refusing the other date is fine
        Ok(result) => assert!(
            !result.evaluated[1],
            "household b (a member born 2020-01-01) is evaluated as of {on}"
        ),
    }
}

/// A household key on two rows is refused on both, each error naming the
/// other row: the members cannot be given to either. Text and integer keys
/// alike.
#[test]
fn a_household_key_on_two_rows_is_refused() {
    let (mut cases, members) = tables();
    cases.columns[0].1 = ColumnData::Text(vec![Some("a".into()), Some("a".into())]);
    let on = day("2023-09-06");
    let (pop, errors) = Population::build(
        chengyang(),
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .unwrap();
    let dup: Vec<&RowError> = errors
        .iter()
        .filter(|e| e.code == "duplicate_key")
        .collect();
    assert_eq!(dup.len(), 2, "{errors:?}");
    assert_eq!((dup[0].row, dup[1].row), (0, 1));
    assert!(dup
        .iter()
        .all(|e| e.msg.contains("rows 0 and 1") && e.loc == "household_id"));
    let result = batch::evaluate(chengyang(), &pop, on, None, 1).unwrap();
    assert_eq!(result.evaluated, vec![false, false]);

    let ints = |v: Vec<i64>| ColumnData::Int(v.into_iter().map(Some).collect::<Vec<_>>().into());
    let (mut cases, mut members) = tables();
    cases.columns[0].1 = ints(vec![7, 7]);
    members.columns[0].1 = ints(vec![7, 7, 7, 7]);
    let (_, errors) = Population::build(
        chengyang(),
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .unwrap();
    assert_eq!(
        errors.iter().filter(|e| e.code == "duplicate_key").count(),
        2,
        "{errors:?}"
    );
}

/// A number that is not a decimal is `invalid_number`, money
/// `invalid_money`: the same codes as one case read from JSON.
#[test]
fn bad_numbers_have_the_codes_of_one_case() {
    let (cases, mut members) = tables();
    members.columns.push((
        "disability_grade".into(),
        ColumnData::Text(vec![Some("x".into()), None, None, None]),
    ));
    members.columns[2].1 = ColumnData::Text(vec![None, Some("8OO".into()), None, None]);
    let (_, errors) = Population::build(
        chengyang(),
        "household",
        &cases,
        Some(&members),
        "household_id",
        day("2023-09-06"),
    )
    .unwrap();
    let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.loc.as_str(), e.code)).collect();
    assert!(
        codes.contains(&("members[0].disability_grade", "invalid_number")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("members[0].monthly_income", "invalid_money")),
        "{codes:?}"
    );
}
