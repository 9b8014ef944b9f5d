//! Reforms: parameter overrides (from code, or from a date) and overlays of
//! rule files give new rule sets, checked like any other and stamped.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, Override, RuleSet};
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
        .with_overrides(&[Override {
            name: "dibao_standard".into(),
            value: "1100".into(),
            from: None,
        }])
        .expect("the reform loads");
    assert_ne!(reform.hash(), rules.hash());
    assert!(reform.version().contains("reform"), "{}", reform.version());
    let again = rules
        .with_overrides(&[Override {
            name: "dibao_standard".into(),
            value: "1100".into(),
            from: None,
        }])
        .expect("the reform loads");
    assert_eq!(
        again.hash(),
        reform.hash(),
        "the same reform has the same hash"
    );
    let other = rules
        .with_overrides(&[Override {
            name: "dibao_standard".into(),
            value: "1200".into(),
            from: None,
        }])
        .expect("the reform loads");
    assert_ne!(other.hash(), reform.hash());
}

/// A reform from a date keeps the history before it.
#[test]
fn a_dated_reform_keeps_the_past() {
    let rules = chengyang();
    let reform = rules
        .with_overrides(&[Override {
            name: "dibao_standard".into(),
            value: "1200".into(),
            from: Some(day("2023-07-01")),
        }])
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
            .with_overrides(&[Override {
                name: name.into(),
                value: value.into(),
                from: None,
            }])
            .expect_err("refused");
        assert!(!err.diagnostics.is_empty(), "{name}={value}");
        let _ = err.render();
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
        .with_overlay([("band75.toml", overlay)])
        .unwrap_or_else(|e| panic!("{}", e.render()));
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
    let err = rules
        .with_overlay([("band75.toml", gapped)])
        .expect_err("a gap");
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
        .with_overrides(&[Override {
            name: "meal_subsidy_70_plus".into(),
            value: "8".into(),
            from: None,
        }])
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
