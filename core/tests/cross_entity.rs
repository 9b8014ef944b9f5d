//! Programs across a household and its members (`rules/example-city`):
//! members reading their household, parts paid per member, the results per
//! member in outcomes, explanations and batches, and the errors and
//! diagnostics of names across entities.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::batch::{self, ColumnData, Engine, Population, Table};
use bangfu::outcome::OutValue;
use bangfu::{Date, Decimal, Error, Lang, RuleSet};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Value as Json};
use std::sync::OnceLock;

mod common;

fn city() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::load_dir(common::repo().join("rules/example-city"))
            .unwrap_or_else(|e| panic!("example-city does not load:\n{}", e.render()))
    })
}

fn on() -> Date {
    Date::parse("2025-06-01").unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn family() -> Json {
    json!({"registered_locally": true, "members": [
        {"birth_date": "1950-03-01", "monthly_income": "600"},
        {"birth_date": "1980-05-01", "monthly_income": "900", "disability": "severe"},
        {"birth_date": "2015-01-01"}
    ]})
}

#[test]
fn a_household_case_gives_each_members_results() {
    let o = city()
        .evaluate_json("household", &family(), on(), None)
        .unwrap();
    assert_eq!(o.get("dibao.amount"), Some(OutValue::Money(d("1800"))));
    assert_eq!(
        o.get("members[1].dibao.amount"),
        Some(OutValue::Money(d("200")))
    );
    assert_eq!(
        o.get("members[1].disability_subsidy.amount"),
        Some(OutValue::Money(d("150")))
    );
    assert_eq!(
        o.get("members[2].dibao.eligible"),
        Some(OutValue::Bool(false))
    );
    // The JSON: a `members` list, each with its programs as the household's.
    let j = o.to_json();
    let members = j["members"].as_array().expect("members");
    assert_eq!(members.len(), 3);
    assert_eq!(members[0]["collection"], "members");
    assert_eq!(members[0]["index"], 0);
    assert_eq!(members[0]["label"]["zh"], "家庭成员 1");
    assert_eq!(members[0]["programs"]["dibao"]["amount"], "100.00");
    assert_eq!(
        members[0]["programs"]["dibao"]["conditions"][0]["id"],
        "household_eligible"
    );
    assert_eq!(
        members[1]["programs"]["disability_subsidy"]["computation"]["zh"],
        "残疾人生活补贴标准 150 元 = 150 元/月"
    );
    // The household's computation names the members' sum.
    let computation = j["programs"]["dibao"]["computation"]["zh"]
        .as_str()
        .unwrap();
    assert!(
        computation.contains("家庭成员的成员加发金额合计 300 元"),
        "{computation}"
    );
    // The explanation prints one block per member, in both languages.
    let zh = o.explain(Lang::Zh);
    assert!(
        zh.contains("家庭成员 2：\n  残疾人生活补贴 — 符合条件，金额 150 元/月"),
        "{zh}"
    );
    assert!(zh.contains("    ✓ 所在家庭享受低保"), "{zh}");
    let en = o.explain(Lang::En);
    assert!(
        en.contains("Household members, no. 1:\n  Disability living subsidy — not eligible"),
        "{en}"
    );
}

#[test]
fn outcomes_without_member_programs_keep_their_shape() {
    let rules = common::chengyang();
    let case = json!({"registered_locally": true, "financial_assets": "0",
        "members": [{"birth_date": "1975-01-01", "monthly_income": "800"}]});
    let o = rules
        .evaluate_json("household", &case, Date::parse("2023-09-06").unwrap(), None)
        .unwrap();
    assert!(o.members.is_empty());
    assert!(o.to_json().get("members").is_none());
}

#[test]
fn a_member_program_reading_its_household_is_refused_on_a_person_alone() {
    let person = json!({"birth_date": "1980-05-01", "disability": "severe"});
    let named = ["disability_subsidy".to_string()];
    let err = city()
        .evaluate_json("person", &person, on(), Some(&named))
        .unwrap_err();
    let Error::Eval(e) = err else {
        panic!("expected an evaluation error, got {err}")
    };
    assert_eq!(e.code(), "owner_required");
    let text = e.text().expect("a message for people");
    assert!(text.zh.contains("需要所在家庭的信息"), "{}", text.zh);
    assert!(text.en.contains("household.dibao.eligible"), "{}", text.en);
    // Without naming programs, a person case gets the programs that need
    // nothing of a household.
    let o = city().evaluate_json("person", &person, on(), None).unwrap();
    let names: Vec<&str> = o.programs.iter().map(|p| &*p.program).collect();
    assert_eq!(names, ["old_age_allowance"]);
}

#[test]
fn a_member_program_named_on_a_household_is_evaluated_for_every_member() {
    let named = ["old_age_allowance".to_string(), "dibao".to_string()];
    let o = city()
        .evaluate_json("household", &family(), on(), Some(&named))
        .unwrap();
    let names: Vec<&str> = o.programs.iter().map(|p| &*p.program).collect();
    assert_eq!(names, ["dibao"]);
    let people = family()["members"].as_array().unwrap().len();
    assert_eq!(o.members.len(), people);
    for m in &o.members {
        let alone = city()
            .evaluate_json(
                "person",
                &family()["members"][m.index],
                on(),
                Some(&named[..1]),
            )
            .unwrap();
        let (a, b) = (
            m.program("old_age_allowance").unwrap(),
            alone.program("old_age_allowance").unwrap(),
        );
        assert_eq!((a.eligible, &a.amount), (b.eligible, &b.amount));
        assert_eq!(a.conditions, b.conditions);
    }
    // A program of an entity that is neither the case's nor its members'.
    let rules = common::chengyang();
    let err = rules
        .evaluate_json(
            "household",
            &json!({"registered_locally": true, "financial_assets": "0", "members": [{"birth_date": "1950-01-01", "monthly_income": "0"}]}),
            on(),
            Some(&["canteen_setup_grant".to_string()]),
        )
        .unwrap_err();
    assert_eq!(err.code(), "wrong_entity");
}

#[test]
fn a_case_needs_only_the_inputs_its_programs_read() {
    // The old-age allowance reads the date of birth only.
    let named = ["old_age_allowance".to_string()];
    let o = city()
        .evaluate_json(
            "person",
            &json!({"birth_date": "1940-01-01"}),
            on(),
            Some(&named),
        )
        .unwrap();
    assert_eq!(
        o.get("old_age_allowance.amount"),
        Some(OutValue::Money(d("100")))
    );
    // Dibao reads the household's registration: without it, a clear error.
    let named = ["dibao".to_string()];
    let err = city()
        .evaluate_json(
            "household",
            &json!({"members": [{"birth_date": "1940-01-01"}]}),
            on(),
            Some(&named),
        )
        .unwrap_err();
    let Error::Input(errors) = err else {
        panic!("{err}")
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].code, errors[0].loc.as_str()),
        ("missing", "registered_locally")
    );
    // A field the program does not read is never required in its schema.
    let schema = city().schema("old_age_allowance").unwrap();
    let fields: Vec<(&str, bool, bool)> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let flag = |k: &str| f[k].as_bool().unwrap();
            (f["name"].as_str().unwrap(), flag("used"), flag("required"))
        })
        .collect();
    assert_eq!(fields, [("birth_date", true, true)]);
    let schema = city().schema("disability_subsidy").unwrap();
    let birth = &schema["fields"].as_array().unwrap()[0];
    assert_eq!(birth["name"], "birth_date");
    assert_eq!(
        (birth["used"].as_bool(), birth["required"].as_bool()),
        (Some(false), Some(false))
    );
    // Dibao's members: what its household part and its part per member read.
    let schema = city().schema("dibao").unwrap();
    let members: Vec<&str> = schema["collections"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["birth_date", "monthly_income", "disability"]);
}

#[test]
fn a_table_row_that_applied_is_named_with_its_source() {
    let o = city()
        .evaluate_json("person", &json!({"birth_date": "1925-01-01"}), on(), None)
        .unwrap();
    let j = o.to_json();
    let rows = &j["programs"]["old_age_allowance"]["table_rows"];
    assert_eq!(rows[0]["table"], "old_age_allowance_by_age");
    assert_eq!(rows[0]["row"]["zh"], "100周岁以上");
    assert_eq!(
        rows[0]["source"]["source"],
        "example_city_centenarian_notice"
    );
    let zh = o.explain(Lang::Zh);
    assert!(
        zh.contains("依据：按年龄的高龄津贴标准，100周岁以上档（示例市百岁老人长寿补贴通知（虚构，仅作示例））"),
        "{zh}"
    );
    assert!(
        zh.contains("100周岁以上档，依据示例市百岁老人长寿补贴通知"),
        "{zh}"
    );
    let o = city()
        .evaluate_json("person", &json!({"birth_date": "1940-01-01"}), on(), None)
        .unwrap();
    let en = o.explain(Lang::En);
    assert!(
        en.contains("Under: Old-age allowance by age, band age 80 to 89 (示例市高龄津贴发放通知（虚构，仅作示例）)"),
        "{en}"
    );
    // A source the rule set does not have is a diagnostic.
    let out = load_with(
        "[tables.extra]\nkey = \"integer\"\nhit = \"unique\"\ndefault = \"0 CNY\"\nsource = { ref = \"no_such_notice\" }\nrows = [{ at_least = 1, output = \"1 CNY\", label = { zh = \"1\", en = \"1\" } }]\n",
    );
    assert!(
        out.contains("source `no_such_notice` is not in [sources]"),
        "{out}"
    );
}

/// A rule set with a defect in `programs`, appended to example-city's files.
fn load_with(extra: &str) -> String {
    let dir = common::repo().join("rules/example-city");
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in walk(&dir) {
        let rel = entry
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .to_string();
        files.push((rel, std::fs::read_to_string(&entry).unwrap()));
    }
    files.push(("programs/extra.toml".into(), extra.into()));
    match RuleSet::from_files(files) {
        Ok(_) => String::new(),
        Err(e) => e.render(),
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    out
}

const PROGRAM: &str = r#"
[programs.extra]
entity = "person"
label = { zh = "附加", en = "Extra" }
[[programs.extra.conditions]]
id = "c"
test = "TEST"
label = { zh = "条件", en = "Condition" }
pass = { zh = "是", en = "yes" }
fail = { zh = "否", en = "no" }
"#;

#[test]
fn names_across_entities_get_suggestions() {
    let out = load_with(&PROGRAM.replace("TEST", "household.registerd_locally"));
    assert!(out.contains("E0010"), "{out}");
    assert!(
        out.contains("did you mean `household.registered_locally`?"),
        "{out}"
    );
    let out = load_with(&PROGRAM.replace("TEST", "household.dibao.eligble"));
    assert!(out.contains("did you mean `dibao.eligible`?"), "{out}");
    let out = load_with(&PROGRAM.replace("TEST", "household.dibao_standard > 0 CNY"));
    assert!(
        out.contains("`dibao_standard` is a parameter: write it without `household.`"),
        "{out}"
    );
    // Without the prefix, the household's program is another entity's.
    let out = load_with(&PROGRAM.replace("TEST", "dibao.eligible"));
    assert!(out.contains("write `household.dibao.eligible`"), "{out}");
    let out = load_with(&PROGRAM.replace("TEST", "househld.dibao.eligible"));
    assert!(out.contains("did you mean `household`?"), "{out}");
}

#[test]
fn a_loop_across_entities_is_a_dependency_cycle() {
    // The member part of dibao reading the household's amount, which adds
    // up the members' parts.
    let dir = common::repo().join("rules/example-city");
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in walk(&dir) {
        let rel = entry
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let mut text = std::fs::read_to_string(&entry).unwrap();
        if rel.ends_with("dibao.toml") {
            text = text.replace(
                "formula = \"dibao_standard * supplement_rate\"",
                "formula = \"household.dibao.amount * supplement_rate\"",
            );
        }
        files.push((rel, text));
    }
    let out = match RuleSet::from_files(files) {
        Ok(_) => String::new(),
        Err(e) => e.render(),
    };
    assert!(out.contains("E0017"), "{out}");
}

/// A district of `n` households built from `seed`, as tables.
/// The city's households with their members, built for `programs` (all
/// when none) on [`on`]: the population and the rows refused.
fn households_with_members(
    households: &Table,
    members: &Table,
    programs: Option<&[String]>,
) -> (Population, Vec<batch::RowError>) {
    Population::build_for(
        city(),
        "household",
        households,
        Some(members),
        "household_id",
        on(),
        programs,
    )
    .unwrap()
}

fn district(n: usize, seed: u64) -> (Table, Table) {
    let mut rng = bangfu::synthetic::SplitMix64::new(seed);
    let (mut ids, mut registered) = (Vec::new(), Vec::new());
    let (mut m_ids, mut births, mut incomes, mut disability) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for h in 0..n {
        ids.push(Some(h as i64));
        registered.push(Some(rng.chance(850)));
        for _ in 0..1 + rng.below(4) {
            m_ids.push(Some(h as i64));
            let year = 1920 + rng.below(100);
            births.push(Some(format!(
                "{year}-0{}-1{}",
                1 + rng.below(9),
                rng.below(9)
            )));
            incomes.push(Some(Decimal::new(rng.range(0, 150_000), 2)));
            let kinds = ["none", "mild", "severe"];
            disability.push(Some(kinds[rng.weighted(&[6, 2, 2])].to_string()));
        }
    }
    let households = Table {
        columns: vec![
            (
                "household_id".into(),
                ColumnData::Int(ids.into_iter().collect()),
            ),
            ("registered_locally".into(), ColumnData::Bool(registered)),
        ],
    };
    let members = Table {
        columns: vec![
            (
                "household_id".into(),
                ColumnData::Int(m_ids.into_iter().collect()),
            ),
            ("birth_date".into(), ColumnData::Text(births)),
            ("monthly_income".into(), ColumnData::Decimal(incomes)),
            ("disability".into(), ColumnData::Text(disability)),
        ],
    };
    (households, members)
}

/// The batch (both engines) gives, household by household and member by
/// member, what `RuleSet::evaluate` gives; the columnar engine runs member
/// programs itself (no row is sent to the reference evaluator).
fn batch_equals_one_by_one(n: usize, seed: u64, threads: usize) {
    let rules = city();
    let (households, members) = district(n, seed);
    let (population, errors) = households_with_members(&households, &members, None);
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
    let columnar = batch::evaluate(rules, &population, on(), None, threads).unwrap();
    let single =
        batch::evaluate_with(rules, &population, on(), None, threads, Engine::OneByOne).unwrap();
    assert_eq!(columnar.programs, single.programs);
    assert_eq!(columnar.members, single.members);
    assert_eq!(columnar.evaluated, single.evaluated);
    assert_eq!(columnar.errors, single.errors);
    let evaluated = columnar.evaluated.iter().filter(|&&e| e).count();
    assert_eq!(evaluated, n);
    assert_eq!(single.one_by_one, n);
    // Member programs, members reading their household and households
    // adding up their members' parts all run in the columnar program.
    assert_eq!(columnar.one_by_one, 0, "no row is sent to Runner::run");
    let names: Vec<(&str, &str)> = columnar
        .members
        .iter()
        .map(|c| (c.collection.as_str(), c.program.as_str()))
        .collect();
    assert_eq!(
        names,
        [("members", "disability_subsidy"), ("members", "dibao")]
    );
    // Household by household through the single-case API.
    let ids = match &households.columns[0].1 {
        ColumnData::Int(v) => v.iter().collect::<Vec<_>>(),
        _ => unreachable!(),
    };
    let mut row = 0;
    for (h, _) in ids.iter().enumerate() {
        let mut case = serde_json::Map::new();
        case.insert(
            "registered_locally".into(),
            json!(match &households.columns[1].1 {
                ColumnData::Bool(v) => v[h],
                _ => unreachable!(),
            }),
        );
        let mut people = Vec::new();
        let m_ids = &members.columns[0].1;
        while m_ids.key(row + people.len()).as_deref() == Some(&h.to_string()) {
            let r = row + people.len();
            people.push(json!({
                "birth_date": members.columns[1].1.text(r),
                "monthly_income": members.columns[2].1.decimal(r).map(|x| x.to_string()),
                "disability": members.columns[3].1.text(r),
            }));
        }
        case.insert("members".into(), Json::Array(people.clone()));
        let o = rules
            .evaluate_json("household", &Json::Object(case), on(), None)
            .unwrap();
        for p in &columnar.programs {
            let want = o.program(&p.program).unwrap();
            assert_eq!(p.eligible[h], want.eligible, "{} of {h}", p.program);
            let got = p.amount.as_ref().and_then(|a| a.get(h));
            assert_eq!(got, want.amount.as_ref().and_then(OutValue::decimal));
        }
        for c in &columnar.members {
            for (j, _) in people.iter().enumerate() {
                let want = o
                    .members
                    .iter()
                    .find(|m| m.index == j)
                    .and_then(|m| m.program(&c.program))
                    .unwrap();
                assert_eq!(
                    c.eligible[row + j],
                    want.eligible,
                    "{} of {h}.{j}",
                    c.program
                );
                let got = c.amount.as_ref().and_then(|a| a.get(row + j));
                assert_eq!(
                    got,
                    want.amount.as_ref().and_then(OutValue::decimal),
                    "{} of {h}.{j}",
                    c.program
                );
            }
        }
        row += people.len();
    }
}

#[test]
fn a_district_with_member_programs_gives_what_one_by_one_gives_on_two_threads() {
    batch_equals_one_by_one(batch::PARALLEL_THRESHOLD + 300, 7, 2);
}

proptest! {
    #![proptest_config(Config { cases: 16, ..Config::default() })]

    #[test]
    fn batch_with_member_programs_equals_one_by_one(seed in any::<u64>(), n in 1usize..60) {
        batch_equals_one_by_one(n, seed, 1);
    }
}

/// Households refused by the population (a member's birth date that is
/// not a date) get no result, nor do their members, in both engines; the
/// others are evaluated as before, on two threads.
#[test]
fn refused_households_leave_their_members_without_results() {
    let rules = city();
    let n = batch::PARALLEL_THRESHOLD + 100;
    let (households, mut members) = district(n, 11);
    let mut spoiled = 0;
    if let ColumnData::Text(births) = &mut members.columns[1].1 {
        for (r, b) in births.iter_mut().enumerate() {
            if r % 97 == 5 {
                *b = Some("not a date".into());
                spoiled += 1;
            }
        }
    }
    let (population, errors) = households_with_members(&households, &members, None);
    assert_eq!(errors.len(), spoiled);
    let columnar = batch::evaluate(rules, &population, on(), None, 2).unwrap();
    let single = batch::evaluate_with(rules, &population, on(), None, 2, Engine::OneByOne).unwrap();
    assert_eq!(columnar.programs, single.programs);
    assert_eq!(columnar.members, single.members);
    assert_eq!(columnar.evaluated, single.evaluated);
    let refused = columnar.evaluated.iter().filter(|&&e| !e).count();
    assert!(refused > 0 && refused <= spoiled, "{refused}");
    // A refused household's members: not eligible, no amount.
    for c in &columnar.members {
        for (r, _) in c.eligible.iter().enumerate().filter(|(r, _)| r % 97 == 5) {
            assert!(!c.eligible[r], "{} member row {r}", c.program);
            assert_eq!(c.amount.as_ref().and_then(|a| a.get(r)), None);
        }
    }
}

/// A population built for some programs needs only what they read: the
/// old-age allowance, named on households, does not read whether the
/// household is registered locally, so a households table without
/// `registered_locally` builds without a problem and evaluates as one by
/// one; evaluating dibao on it, which reads it, is refused rather than
/// read as false.
#[test]
fn a_population_for_some_programs_needs_only_what_they_read() {
    let rules = city();
    let (mut households, members) = district(200, 5);
    households
        .columns
        .retain(|(name, _)| name != "registered_locally");
    let named = ["old_age_allowance".to_string()];
    let (population, errors) = households_with_members(&households, &members, Some(&named));
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
    let columnar = batch::evaluate(rules, &population, on(), Some(&named), 1).unwrap();
    let single =
        batch::evaluate_with(rules, &population, on(), Some(&named), 1, Engine::OneByOne).unwrap();
    assert_eq!(columnar.members, single.members);
    assert!(columnar.members[0].eligible.iter().any(|&e| e));
    let err = batch::evaluate(rules, &population, on(), None, 1).unwrap_err();
    assert_eq!(err.code(), "population_mismatch");
    assert!(err.to_string().contains("`registered_locally`"), "{err}");
    // Built for every program, the same tables are refused row by row.
    let (_, errors) = households_with_members(&households, &members, None);
    assert!(!errors.is_empty() && errors.iter().all(|e| e.code == "missing"));
}
