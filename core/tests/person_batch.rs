//! Person programs over a population of persons: the columnar engine (ages
//! from birth dates, choices in sets, decision tables) gives what the
//! reference evaluator gives one by one, on every person of a district and
//! on other dates (leap days, birthdays).

mod common;

use bangfu::batch::{self, ColumnData, Engine, Population, Table};
use bangfu::synthetic::District;
use bangfu::Date;
use common::chengyang;

fn persons(d: &District) -> Table {
    let mut columns: Vec<(String, ColumnData)> = d
        .members
        .columns
        .iter()
        .filter(|(name, _)| name != "household_id")
        .cloned()
        .collect();
    let ids: Vec<Option<i64>> = (1..=d.meals_per_month.len() as i64).map(Some).collect();
    columns.push(("person_id".into(), ColumnData::Int(ids.into())));
    Table { columns }
}

#[test]
fn tekun_batch_equals_one_by_one_on_every_person() {
    let rules = chengyang();
    let generated_on = Date::parse("2023-09-06").unwrap();
    let d = District::generate(6000, 17, generated_on);
    let table = persons(&d);
    for on in ["2023-09-06", "2024-02-29", "2025-03-01", "2021-06-30"] {
        let on = Date::parse(on).unwrap();
        let (pop, errors) =
            Population::build(rules, "person", &table, None, "person_id", on).unwrap();
        // Before the district's date some are not born yet: those rows only.
        assert!(errors.iter().all(|e| e.code == "date_after_as_of"), "{on}");
        assert_eq!(errors.is_empty(), on >= generated_on, "{on}");
        let programs = ["tekun".to_string()];
        let run =
            |engine| batch::evaluate_with(rules, &pop, on, Some(&programs), 2, engine).unwrap();
        let (columnar, reference) = (run(Engine::Columnar), run(Engine::OneByOne));
        assert_eq!(columnar.one_by_one, 0, "tekun runs columnar");
        assert_eq!(columnar.programs, reference.programs, "{on}");
        let eligible = columnar.programs[0].eligible.iter().filter(|&&e| e).count();
        assert!(eligible > 0, "{on}: some persons are eligible");
    }
}

#[test]
fn inputs_a_table_leaves_to_their_defaults_are_held_once_and_read_as_given() {
    let rules = chengyang();
    let on = Date::parse("2023-09-06").unwrap();
    let d = District::generate(3000, 5, on);
    let lacking = persons(&d);
    let n = lacking.rows();
    let mut given = lacking.clone();
    for name in ["tekun_excluded_income", "personal_financial_assets"] {
        given
            .columns
            .push((name.into(), ColumnData::Int(vec![Some(0); n].into())));
    }
    for name in ["supported_as_minor", "in_full_time_study"] {
        given
            .columns
            .push((name.into(), ColumnData::Bool(vec![Some(false); n])));
    }
    let build = |t: &Table| Population::build(rules, "person", t, None, "person_id", on).unwrap();
    let ((short, e1), (full, e2)) = (build(&lacking), build(&given));
    assert!(e1.is_empty() && e2.is_empty());
    // Four money and boolean columns of every row, against four values.
    assert!(
        full.bytes() - short.bytes() >= n * (8 + 8 + 1 + 1) - 4 * 8,
        "{} against {}",
        short.bytes(),
        full.bytes()
    );
    let programs = ["tekun".to_string()];
    let run = |pop: &Population, engine| {
        batch::evaluate_with(rules, pop, on, Some(&programs), 2, engine).unwrap()
    };
    let columnar = run(&short, Engine::Columnar);
    assert_eq!(columnar.one_by_one, 0);
    assert_eq!(columnar.programs, run(&full, Engine::Columnar).programs);
    assert_eq!(columnar.programs, run(&short, Engine::OneByOne).programs);
}
