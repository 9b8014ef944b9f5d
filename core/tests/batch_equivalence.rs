//! The batch path gives what one-by-one evaluation gives, on the synthetic
//! district (`bangfu::synthetic`).
//!
//! Each household of a district of a few thousand is evaluated alone from
//! its JSON (`RuleSet::decide` and `RuleSet::evaluate`) and compared with
//! `batch::evaluate` over the whole population: eligibility, and amounts by
//! value (a batch gives rounded amounts at the scale of their rounding unit,
//! `0.00` for nothing). Both batch engines, columnar and one by one, are run
//! and must agree bit for bit (value and scale). Districts above
//! `batch::PARALLEL_THRESHOLD` run on two threads. Reforms run over the
//! population built once. A program reading a member value (`age`) makes
//! member values computed before the household's.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::batch::{self, BatchResult, ColumnData, Engine, Population, Table};
use bangfu::synthetic::{self, District, KEY};
use bangfu::{Date, Decimal, RuleSet};
use proptest::prelude::*;
use proptest::test_runner::Config;

mod common;
use common::chengyang;

fn reform(rules: &RuleSet, standard: &str) -> RuleSet {
    rules
        .reform(&bangfu::Reform::new().set("dibao_standard", standard))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Programs whose amounts are rounded to the fen.
const ROUNDED: [&str; 2] = ["dibao", "temporary_assistance"];

/// Evaluates with both engines, checks that they agree bit for bit, and
/// returns the columnar result.
fn evaluate(
    rules: &RuleSet,
    population: &Population,
    on: Date,
    programs: Option<&[String]>,
    threads: usize,
) -> BatchResult {
    let columnar = batch::evaluate(rules, population, on, programs, threads).expect("batch");
    let single = batch::evaluate_with(rules, population, on, programs, threads, Engine::OneByOne)
        .expect("batch, one by one");
    assert_eq!(
        single.one_by_one,
        single.evaluated.iter().filter(|&&e| e).count()
    );
    assert_eq!(single.evaluated, columnar.evaluated);
    assert_eq!(single.errors, columnar.errors);
    for (a, b) in single.programs.iter().zip(&columnar.programs) {
        assert_eq!(a.program, b.program);
        assert_eq!(a.eligible, b.eligible, "{} eligibility", a.program);
        let bits = |c: &batch::ProgramColumn| {
            c.amount.as_ref().map(|v| {
                v.iter()
                    .map(|d| d.map(|d| d.serialize()))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(bits(a), bits(b), "{} amounts", a.program);
    }
    columnar
}

fn build(rules: &RuleSet, district: &District, on: Date) -> Population {
    let (population, errors) = Population::build(
        rules,
        "household",
        &district.households,
        Some(&district.members),
        KEY,
        on,
    )
    .unwrap_or_else(|e| panic!("build: {e}"));
    assert!(
        errors.is_empty(),
        "row errors: {:?}",
        &errors[..errors.len().min(3)]
    );
    population
}

/// Compares `result` with one-by-one evaluation of every `step`-th
/// household (every household when `step` is 1). Returns how many
/// households were eligible for some program.
fn compare(
    rules: &RuleSet,
    district: &District,
    on: Date,
    programs: Option<&[String]>,
    result: &BatchResult,
    step: usize,
    with_trace: bool,
) -> usize {
    let n = district.households.rows();
    assert_eq!(result.evaluated.len(), n);
    assert!(result.errors.is_empty(), "{:?}", result.errors.first());
    let mut eligible = 0;
    for h in (0..n).step_by(step) {
        let json = district.household_json(h).expect("a household");
        let case = rules
            .parse_case("household", &json, on)
            .unwrap_or_else(|e| panic!("household {h}: {e}"));
        let decisions = rules
            .decide(&case, on, programs)
            .unwrap_or_else(|e| panic!("household {h}: {e}"));
        assert!(result.evaluated[h], "household {h} not evaluated");
        assert_eq!(decisions.len(), result.programs.len());
        let mut any = false;
        for (d, col) in decisions.iter().zip(&result.programs) {
            assert_eq!(&*d.program, col.program.as_str());
            assert_eq!(
                d.eligible, col.eligible[h],
                "{} eligible, household {h}",
                col.program
            );
            let amount = col.amount.as_ref().and_then(|a| a.get(h));
            assert_eq!(d.amount, amount, "{} amount, household {h}", col.program,);
            if let Some(a) = amount {
                if ROUNDED.contains(&col.program.as_str()) {
                    assert_eq!(a.scale(), 2, "{} amount {a}", col.program);
                } else {
                    assert_eq!(a.serialize(), a.normalize().serialize());
                }
            }
            any |= d.eligible;
        }
        if with_trace {
            let outcome = rules
                .evaluate(&case, on, programs)
                .unwrap_or_else(|e| panic!("household {h}: {e}"));
            for (p, col) in outcome.programs.iter().zip(&result.programs) {
                assert_eq!(&*p.program, col.program.as_str());
                assert_eq!(p.eligible, col.eligible[h]);
                let amount = p.amount.as_ref().and_then(|v| match v {
                    bangfu::outcome::OutValue::Money(d)
                    | bangfu::outcome::OutValue::Number(d, _) => Some(*d),
                    _ => None,
                });
                assert_eq!(amount, col.amount.as_ref().and_then(|a| a.get(h)));
            }
        }
        eligible += usize::from(any);
    }
    eligible
}

#[test]
fn district_batch_equals_one_by_one_on_two_threads() {
    let rules = chengyang();
    let on = synthetic::reference_date().expect("reference date");
    // Above the parallel threshold, so both threads run.
    let n = batch::PARALLEL_THRESHOLD + 904;
    let district = District::generate(n, 11, on);
    let population = build(rules, &district, on);
    let result = evaluate(rules, &population, on, None, 2);
    assert_eq!(result.programs.len(), 4, "the four household programs");
    // The columnar program evaluates nearly all of them itself.
    assert!(
        result.one_by_one * 100 < n,
        "{} of {n} households evaluated one by one",
        result.one_by_one
    );
    let eligible = compare(rules, &district, on, None, &result, 1, false);
    assert!(
        eligible > n / 20,
        "only {eligible} households eligible for anything"
    );
    // One thread and two give the same result.
    let single = evaluate(rules, &population, on, None, 1);
    assert_eq!(single, result);
    // The explanation path agrees too (every 7th household).
    compare(rules, &district, on, None, &result, 7, true);
}

#[test]
fn reforms_run_over_the_same_population() {
    let rules = chengyang();
    let on = synthetic::reference_date().expect("reference date");
    let district = District::generate(3_000, 12, on);
    let population = build(rules, &district, on);
    let baseline = evaluate(rules, &population, on, None, 2);
    for standard in ["1100", "900", "1045.50"] {
        let reformed = reform(rules, standard);
        let result = evaluate(&reformed, &population, on, None, 2);
        compare(&reformed, &district, on, None, &result, 1, false);
        if standard == "1100" {
            let count = |r: &BatchResult| r.programs[0].eligible.iter().filter(|&&e| e).count();
            assert!(
                count(&result) > count(&baseline),
                "a higher standard admits more households"
            );
        }
    }
    let dibao = ["dibao".to_string()];
    let result = evaluate(rules, &population, on, Some(&dibao), 2);
    compare(rules, &district, on, Some(&dibao), &result, 1, false);
}

#[test]
fn another_year_and_segment() {
    let rules = chengyang();
    let on = Date::parse("2024-03-01").expect("a date");
    let district = District::generate(2_000, 13, on);
    let population = build(rules, &district, on);
    let result = evaluate(rules, &population, on, None, 2);
    compare(rules, &district, on, None, &result, 1, true);
}

/// A household program that reads the members' `age`, so member values
/// are computed (into a scratch frame) before the household's.
#[test]
fn member_values_are_computed_when_read() {
    let overlay = r#"
[programs.elder_household]
entity = "household"
label = { zh = "老年家庭", en = "Elder household" }
description = { zh = "测试", en = "Test" }
source = { ref = "press_conference_2023_09_06", note = { zh = "测试用项目。", en = "A test program." } }

[programs.elder_household.values.elders]
formula = "count(members, age >= 60)"
label = { zh = "老人数", en = "Elders" }

[[programs.elder_household.conditions]]
id = "has_elder"
test = "elders >= 1"
reject = "no_elder"
label = { zh = "有老人", en = "Has an elder" }
pass = { zh = "有老人", en = "Has an elder" }
fail = { zh = "无老人", en = "No elder" }

[programs.elder_household.amount]
formula = "elders * 100 CNY + sum(members, monthly_income) / 1000"
label = { zh = "金额", en = "Amount" }
"#;
    let rules = chengyang()
        .reform(&bangfu::Reform::new().overlay("elder.toml", overlay))
        .unwrap_or_else(|e| panic!("{e}"));
    let on = synthetic::reference_date().expect("reference date");
    let district = District::generate(batch::PARALLEL_THRESHOLD + 100, 14, on);
    let population = build(&rules, &district, on);
    let result = evaluate(&rules, &population, on, None, 2);
    assert_eq!(result.programs.len(), 5);
    let eligible = compare(&rules, &district, on, None, &result, 1, false);
    assert!(eligible > 0);
    let only = ["elder_household".to_string()];
    let result = evaluate(&rules, &population, on, Some(&only), 2);
    compare(&rules, &district, on, Some(&only), &result, 1, false);
}

/// The rows `idx` of a column, in that order.
fn take(col: &ColumnData, idx: &[usize]) -> ColumnData {
    fn pick<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
        idx.iter().map(|&i| v[i].clone()).collect()
    }
    match col {
        ColumnData::Decimal(v) => ColumnData::Decimal(pick(v, idx)),
        ColumnData::Fixed(s, v) => ColumnData::Fixed(*s, idx.iter().map(|&i| v.get(i)).collect()),
        ColumnData::Int(v) => ColumnData::Int(idx.iter().map(|&i| v.get(i)).collect()),
        ColumnData::Bool(v) => ColumnData::Bool(pick(v, idx)),
        ColumnData::Date(v) => ColumnData::Date(pick(v, idx)),
        ColumnData::Text(v) => ColumnData::Text(pick(v, idx)),
        ColumnData::Dict(d, k) => ColumnData::Dict(d.clone(), pick(k, idx)),
        ColumnData::Lent(l) => take(&l.to_owned_column(), idx),
    }
}

fn reorder(t: &Table, idx: &[usize]) -> Table {
    Table {
        columns: t
            .columns
            .iter()
            .map(|(n, c)| (n.clone(), take(c, idx)))
            .collect(),
    }
}

/// The key column as text, as a CSV or a pandas object column gives it.
fn keys_as_text(t: &Table) -> Table {
    let mut t = t.clone();
    for (name, col) in &mut t.columns {
        if name == KEY {
            if let ColumnData::Int(v) = col {
                *col = ColumnData::Text(v.iter().map(|k| k.map(|k| k.to_string())).collect());
            }
        }
    }
    t
}

/// Integer keys are matched without text (a cursor over sorted keys, or a
/// map of integers); the result, row errors included, is the one text keys
/// give, whatever the order of the rows, with duplicated, missing and
/// unknown keys.
#[test]
fn integer_keys_link_members_as_text_keys_do() {
    let rules = chengyang();
    let on = synthetic::reference_date().expect("reference date");
    let district = District::generate(600, 15, on);
    let n = district.households.rows();
    let m = district.members.rows();
    // Households sorted (the cursor and binary search), reversed or
    // interleaved (a map); members as generated, reversed, or every third
    // first. The last pairing also has defective keys.
    let sorted: Vec<usize> = (0..n).collect();
    let orders: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (sorted.clone(), (0..m).collect()),
        (sorted.clone(), (0..m).rev().collect()),
        ((0..n).rev().collect(), (0..m).collect()),
        (
            (0..n).step_by(2).chain((1..n).step_by(2)).collect(),
            (0..m)
                .step_by(3)
                .chain((0..m).filter(|i| i % 3 != 0))
                .collect(),
        ),
    ];
    for (k, (ho, mo)) in orders.iter().enumerate() {
        let defects = k == orders.len() - 1;
        let mut households = reorder(&district.households, ho);
        let mut members = reorder(&district.members, mo);
        if defects {
            // A duplicated key (the later row wins), a missing key, and a
            // member naming no household.
            if let Some((_, ColumnData::Int(v))) =
                households.columns.iter_mut().find(|(c, _)| c == KEY)
            {
                let mut keys: Vec<Option<i64>> = v.iter().collect();
                keys[5] = keys[4];
                keys[9] = None;
                *v = keys.into();
            }
            if let Some((_, ColumnData::Int(v))) =
                members.columns.iter_mut().find(|(c, _)| c == KEY)
            {
                let mut keys: Vec<Option<i64>> = v.iter().collect();
                keys[7] = Some(999_999);
                keys[8] = None;
                *v = keys.into();
            }
        }
        let run = |h: &Table, m: &Table| {
            let (population, errors) =
                Population::build(rules, "household", h, Some(m), KEY, on).expect("build");
            let result = evaluate(rules, &population, on, None, 2);
            (errors, result, population.valid().to_vec())
        };
        let ints = run(&households, &members);
        let text = run(&keys_as_text(&households), &keys_as_text(&members));
        assert_eq!(ints.0, text.0, "row errors, order {k}");
        assert_eq!(ints.2, text.2, "valid households, order {k}");
        assert_eq!(ints.1, text.1, "results, order {k}");
        if defects {
            assert!(!ints.0.is_empty());
        } else {
            assert!(ints.0.is_empty(), "{:?}", ints.0.first());
        }
    }
}

proptest! {
    #![proptest_config(Config { cases: 12, ..Config::default() })]

    /// Random districts, dates and standards: batch equals one by one.
    #[test]
    fn random_districts_and_reforms(
        seed in any::<u64>(),
        households in 1usize..400,
        day in 0i32..900,
        standard in 600i64..2_000,
        fen in 0i64..100,
    ) {
        let on = Date::parse("2023-01-01").and_then(|d| d.add_days(day)).expect("a date");
        let district = District::generate(households, seed, on);
        let population = build(chengyang(), &district, on);
        let reformed = reform(chengyang(), &Decimal::new(standard * 100 + fen, 2).to_string());
        for rules in [chengyang(), &reformed] {
            let result = evaluate(rules, &population, on, None, 2);
            compare(rules, &district, on, None, &result, 1, false);
        }
    }
}
