//! Reading cases: input errors are data (`code`, `loc`, `msg`, `input`),
//! all of them collected, and money is read exactly or refused.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, Error, RuleSet};
use serde_json::{json, Value as Json};

mod common;
use common::chengyang;

fn on() -> Date {
    Date::parse("2023-09-06").expect("a date")
}

fn errors(rules: &RuleSet, entity: &str, case: &Json) -> Vec<(String, String, Option<String>)> {
    match rules.evaluate_json(entity, case, on(), None) {
        Err(Error::Input(errors)) => errors
            .into_iter()
            .map(|e| {
                assert!(!e.msg.is_empty());
                (e.code.to_string(), e.loc, e.input)
            })
            .collect(),
        Err(e) => panic!("not an input error: {e}"),
        Ok(_) => panic!("{case} is accepted"),
    }
}

#[test]
fn every_input_error_is_collected_with_its_path() {
    let rules = chengyang();
    let case = json!({
        "registered_locally": "yes",
        "financial_assets": "-5",
        "hukou": true,
        "members": [
            {"birth_date": "2024-01-01", "monthly_income": "800"},
            {"birth_date": "1980-02-30", "monthly_income": "12.345"},
            {"monthly_income": "1e3", "pension": "1"},
            "not a member"
        ]
    });
    let mut got = errors(rules, "household", &case);
    got.sort();
    let want = [
        (
            "date_after_as_of",
            "members[0].birth_date",
            Some("2024-01-01"),
        ),
        ("invalid_date", "members[1].birth_date", Some("1980-02-30")),
        ("invalid_money", "members[1].monthly_income", Some("12.345")),
        ("invalid_money", "members[2].monthly_income", Some("1e3")),
        // `members[2]` has no birth date: no household program reads one,
        // so none is required (a date given is still checked).
        ("too_small", "financial_assets", Some("-5")),
        ("unknown_field", "hukou", None),
        ("unknown_field", "members[2].pension", None),
        ("wrong_type", "members[3]", Some("not a member")),
        ("wrong_type", "registered_locally", Some("yes")),
    ];
    let mut want: Vec<(String, String, Option<String>)> = want
        .iter()
        .map(|(c, l, i)| (c.to_string(), l.to_string(), i.map(str::to_string)))
        .collect();
    want.sort();
    assert_eq!(got, want);
}

/// JSON numbers are read from their text, never through a float.
#[test]
fn money_written_as_a_json_number_is_read_exactly() {
    let rules = chengyang();
    let case: Json = serde_json::from_str(
        r#"{"registered_locally": true, "financial_assets": 0,
            "members": [{"birth_date": "1980-01-01", "monthly_income": 1044.99}]}"#,
    )
    .expect("JSON");
    let outcome = rules
        .evaluate_json("household", &case, on(), Some(&["dibao".into()]))
        .expect("evaluates");
    let amount = outcome
        .get("dibao.amount")
        .and_then(|v| v.decimal())
        .expect("an amount");
    assert_eq!(amount.normalize().to_string(), "0.01");
}

/// Money with more digits than an exact decimal holds (28) is refused, not
/// rounded: `1234567890123456789012345678.91` would otherwise become
/// `1234567890123456789012345678.9`, and `9999999999999999999999999999.99`
/// would become `10000000000000000000000000000`.
#[test]
fn money_that_cannot_be_held_exactly_is_refused() {
    let rules = chengyang();
    for assets in [
        "1234567890123456789012345678.91",
        "9999999999999999999999999999.99",
    ] {
        let case = json!({"registered_locally": true, "financial_assets": assets,
            "members": [{"birth_date": "1980-01-01", "monthly_income": "1"}]});
        let got = match rules.evaluate_json("household", &case, on(), Some(&["dibao".into()])) {
            Err(Error::Input(errors)) => errors.iter().map(|e| e.loc.clone()).collect::<Vec<_>>(),
            Ok(o) => panic!(
                "{assets} is accepted and read as {}",
                o.to_json()["programs"]["dibao"]["values"]["per_capita_assets"]
            ),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(got, vec!["financial_assets".to_string()]);
    }
}
