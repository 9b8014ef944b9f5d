//! Reforms: parameter overrides (from code, or from a date) and overlays of
//! rule files give new rule sets, checked like any other and stamped.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, Error, Reform, RuleSet};
use serde_json::json;
fn day(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

mod common;
use common::chengyang;

fn household_800() -> serde_json::Value {
    json!({"registered_locally": true, "financial_assets": "10000", "members": [
        {"birth_date": "1980-01-01", "monthly_income": "800"},
        {"birth_date": "1982-05-01", "monthly_income": "800"},
        {"birth_date": "2010-03-01", "monthly_income": "800"}]})
}

fn meal(birth: &str) -> serde_json::Value {
    json!({"birth_date": birth, "meal_kind": "lunch", "canteen_designated": true, "price": "12"})
}

/// A reform is stamped: the version says so and the hash differs.
#[test]
fn a_reform_is_stamped() {
    let rules = chengyang();
    let reform = rules
        .reform(&Reform::new().set("dibao_standard", "1100"))
        .expect("the reform loads");
    assert_ne!(reform.hash(), rules.hash());
    assert!(reform.version().contains("reform"), "{}", reform.version());
    let again = rules
        .reform(&Reform::new().set("dibao_standard", "1100"))
        .expect("the reform loads");
    assert_eq!(
        again.hash(),
        reform.hash(),
        "the same reform has the same hash"
    );
    let other = rules
        .reform(&Reform::new().set("dibao_standard", "1200"))
        .expect("the reform loads");
    assert_ne!(other.hash(), reform.hash());
}

/// A reform from a date keeps the history before it.
#[test]
fn a_dated_reform_keeps_the_past() {
    let rules = chengyang();
    let reform = rules
        .reform(&Reform::new().set_from("dibao_standard", "1200", day("2023-07-01")))
        .expect("the reform loads");
    let amount = |r: &RuleSet, on: &str| {
        r.evaluate_json(
            "household",
            &household_800(),
            day(on),
            Some(&["dibao".into()]),
        )
        .expect("evaluates")
        .get("dibao.amount")
        .and_then(|v| v.decimal())
        .map(|d| d.normalize().to_string())
    };
    assert_eq!(amount(&reform, "2023-06-30").as_deref(), Some("735"));
    assert_eq!(amount(&reform, "2023-07-01").as_deref(), Some("1200"));
    assert_eq!(amount(&reform, "2022-06-30").as_deref(), Some("585"));
    assert_eq!(amount(rules, "2023-07-01").as_deref(), Some("735"));
}

/// Overrides that do not fit are refused with diagnostics, not panics.
#[test]
fn overrides_that_do_not_fit_are_refused() {
    let rules = chengyang();
    for (name, value) in [
        ("no_such_parameter", "1"),
        ("dibao_standard", "abc"),
        ("dibao_standard", "1e3"),
        ("chain_min_canteens", "2.5"),
    ] {
        let err = rules
            .reform(&Reform::new().set(name, value))
            .expect_err("refused");
        match err {
            Error::Reform(errors) => {
                assert_eq!(errors.len(), 1, "{name}={value}");
                assert_eq!(errors[0].loc, format!("overrides.{name}"));
                assert!(errors[0].to_string().contains(name), "{}", errors[0]);
            }
            Error::Load(e) => assert!(!e.diagnostics.is_empty(), "{name}={value}"),
            other => panic!("{name}={value}: {other}"),
        }
    }
}

/// "Move the upper band to start at 75", an analyst's scenario: an overlay
/// replaces the age table; 72-year-olds then get the lower rate.
#[test]
fn an_overlay_replaces_the_age_bands() {
    let rules = chengyang();
    let overlay = r#"[tables.meal_rate_by_age]
label = { zh = "按年龄的就餐补贴标准", en = "Meal subsidy by age" }
key = "integer"
key_unit = "years"
hit = "unique"
default = "0 CNY"
rows = [
  { at_least = 60, at_most = 74, output = "meal_subsidy_60_69", label = { zh = "60-74周岁", en = "age 60 to 74" } },
  { at_least = 75, output = "meal_subsidy_70_plus", label = { zh = "75周岁以上", en = "age 75 and over" } },
]
"#;
    let reform = rules
        .reform(&Reform::new().overlay("band75.toml", overlay))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(reform.hash(), rules.hash());
    let on = day("2023-09-06");
    let amount = |r: &RuleSet, birth: &str| {
        r.evaluate_json("meal", &meal(birth), on, Some(&["meal_subsidy".into()]))
            .expect("evaluates")
            .get("meal_subsidy.amount")
            .and_then(|v| v.decimal())
            .map(|d| d.normalize().to_string())
    };
    assert_eq!(
        amount(rules, "1951-01-01").as_deref(),
        Some("6"),
        "72 before the reform"
    );
    assert_eq!(
        amount(&reform, "1951-01-01").as_deref(),
        Some("3"),
        "72 after the reform"
    );
    assert_eq!(
        amount(&reform, "1948-01-01").as_deref(),
        Some("6"),
        "75 after the reform"
    );
    assert_eq!(
        amount(&reform, "1963-01-01").as_deref(),
        Some("3"),
        "60 after the reform"
    );
    // An overlay is checked like any rule file: a gap is refused.
    let gapped = overlay.replace("at_most = 74", "at_most = 73");
    let Err(Error::Load(err)) = rules.reform(&Reform::new().overlay("band75.toml", gapped)) else {
        panic!("a gap is refused");
    };
    assert!(
        err.diagnostics
            .iter()
            .any(|d| d.code == bangfu::Code::TableGap),
        "{}",
        err.render()
    );
}

/// "Raise the 70+ meal subsidy from 6 to 8": the override and the
/// baseline answer differently only for diners of 70 and over.
#[test]
fn raising_the_70_plus_subsidy() {
    let rules = chengyang();
    let reform = rules
        .reform(&Reform::new().set("meal_subsidy_70_plus", "8"))
        .expect("loads");
    let on = day("2023-09-06");
    let amount = |r: &RuleSet, birth: &str| {
        r.evaluate_json("meal", &meal(birth), on, None)
            .expect("evaluates")
            .get("meal_subsidy.amount")
            .and_then(|v| v.decimal())
            .map(|d| d.normalize().to_string())
    };
    assert_eq!(amount(&reform, "1950-01-01").as_deref(), Some("8"));
    assert_eq!(amount(&reform, "1960-01-01").as_deref(), Some("3"));
    assert_eq!(amount(rules, "1950-01-01").as_deref(), Some("6"));
}

/// A reform's hash is its own; the reformed rule set's hash combines it with
/// the rule files', and every outcome carries both.
#[test]
fn outcomes_of_a_reform_carry_its_hash() {
    let rules = chengyang();
    let r = Reform::from_toml("dibao_standard = { value = \"1100\", from = 2023-01-01 }")
        .expect("a reform file");
    let reformed = rules.reform(&r).expect("loads");
    assert_eq!(reformed.base_hash(), rules.hash());
    assert_ne!(reformed.hash(), rules.hash());
    assert_eq!(reformed.applied_reform(), &r);
    let outcome = reformed
        .evaluate_json("household", &household_800(), day("2023-09-06"), None)
        .expect("evaluates")
        .to_json();
    assert_eq!(outcome["ruleset"]["reform"], json!(r.hash()));
    assert_eq!(outcome["ruleset"]["hash"], json!(reformed.hash()));
    let base = rules
        .evaluate_json("household", &household_800(), day("2023-09-06"), None)
        .expect("evaluates")
        .to_json();
    assert!(base["ruleset"].get("reform").is_none());
    // Reforms accumulate, the later winning.
    let twice = reformed
        .reform(&Reform::new().set("dibao_standard", "1200"))
        .expect("loads");
    let amount = twice
        .evaluate_json(
            "household",
            &household_800(),
            day("2023-09-06"),
            Some(&["dibao".into()]),
        )
        .expect("evaluates")
        .get("dibao.amount")
        .and_then(|v| v.decimal())
        .map(|d| d.normalize().to_string());
    assert_eq!(amount.as_deref(), Some("1200"));
    assert_eq!(twice.base_hash(), rules.hash());
}

/// Overrides obey the parameter's type, range and unit: negative money,
/// fractions of a fen and a multiplier below its declared `min` are refused
/// where they are given.
#[test]
fn overrides_obey_ranges_and_units() {
    let rules = chengyang();
    for (name, value, needle) in [
        ("dibao_standard", "-1", "below the smallest value"),
        ("dibao_standard", "1100.005", "fraction of a fen"),
        ("tekun_multiplier", "-1.5", "below the smallest value"),
        ("chain_min_canteens", "-3", "below the smallest value"),
    ] {
        match rules.reform(&Reform::new().set(name, value)) {
            Err(Error::Reform(errors)) => {
                assert_eq!(errors.len(), 1, "{name}={value}: {errors:?}");
                assert_eq!(errors[0].loc, format!("overrides.{name}"));
                assert!(errors[0].message.contains(needle), "{}", errors[0]);
            }
            Err(other) => panic!("{name}={value}: {other}"),
            Ok(_) => panic!("{name}={value} was accepted"),
        }
    }
    assert!(rules
        .reform(&Reform::new().set("dibao_standard", "1100.50"))
        .is_ok());
}

/// One reform sets a name once: a second value is an error, not a silent
/// last-wins.
#[test]
fn a_name_set_twice_in_one_reform_is_refused() {
    let rules = chengyang();
    let r = Reform::new()
        .set("dibao_standard", "1100")
        .set("dibao_standard", "1200");
    let Err(Error::Reform(errors)) = rules.reform(&r) else {
        panic!("accepted");
    };
    assert_eq!(errors[0].loc, "overrides.dibao_standard");
    let Err(errors) = Reform::from_pairs(["dibao_standard=1100", "dibao_standard=1200"]) else {
        panic!("accepted");
    };
    assert_eq!(errors[0].loc, "set[1]");
}

/// An overlay cannot relabel the answer as another rule set's; with the
/// same id and version it is a reform like any other.
#[test]
fn an_overlay_keeps_the_rule_sets_identity() {
    let rules = chengyang();
    let header = "[ruleset]\nid = \"another\"\nversion = \"9\"\nlabel = { zh = \"别的\", en = \"Another\" }\n";
    let Err(Error::Load(e)) = rules.reform(&Reform::new().overlay("x.toml", header)) else {
        panic!("an overlay renamed the rule set");
    };
    assert!(
        e.render()
            .contains("may not change the rule set's id or version"),
        "{}",
        e.render()
    );
    let same = format!(
        "[ruleset]\nid = \"{}\"\nversion = \"{}\"\nlabel = {{ zh = \"别的\", en = \"Another\" }}\n",
        rules.id(),
        rules.version()
    );
    let r = rules
        .reform(&Reform::new().overlay("x.toml", same))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.id(), rules.id());
    assert_eq!(r.version(), format!("{}+reform", rules.version()));
}

/// Every answer under a reform or an overlay says so, first among its
/// assumptions, in Chinese and English, with the reform's hash.
#[test]
fn answers_under_a_reform_say_so() {
    let rules = chengyang();
    let overlay = rules
        .sources()
        .text("tables/meal_rate_by_age.toml")
        .unwrap()
        .to_string();
    for reform in [
        Reform::new().set("dibao_standard", "1100"),
        Reform::new().overlay("tables/meal_rate_by_age.toml", overlay),
    ] {
        let reformed = rules.reform(&reform).unwrap_or_else(|e| panic!("{e}"));
        let outcome = reformed
            .evaluate_json("household", &household_800(), day("2023-09-06"), None)
            .expect("evaluates");
        let j = outcome.to_json();
        let first = &j["assumptions"][0];
        assert_eq!(first["kind"], "reform", "{j}");
        assert!(first["note_text"]["zh"].as_str().unwrap().contains("改革"));
        assert!(first["note_text"]["en"]
            .as_str()
            .unwrap()
            .contains(&reform.hash()));
        assert_eq!(j["programs"]["dibao"]["assumptions"][0]["kind"], "reform");
        assert!(outcome.explain(bangfu::Lang::Zh).contains("按改革方案计算"));
        assert!(outcome
            .explain(bangfu::Lang::En)
            .contains("computed under a reform"));
    }
    let plain = rules
        .evaluate_json("household", &household_800(), day("2023-09-06"), None)
        .expect("evaluates")
        .to_json();
    assert!(plain["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["kind"] != "reform"));
}
