//! The formula language end to end: precedence, associativity, rounding and
//! functions, each formula compiled into a rule set and evaluated.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::outcome::OutValue;
use bangfu::{Date, RuleSet};
use serde_json::json;
use std::path::Path;

/// `(formula, expected)`: a decimal, or `true` / `false`.
const CASES: &[(&str, &str)] = &[
    ("10 CNY - 3 CNY - 2 CNY", "5"),
    ("2 * 3 + 4", "10"),
    ("2 + 3 * 4", "14"),
    ("10 - 2 * 3 - 1", "3"),
    ("100 / 10 / 2", "5"),
    ("(1 + 2) * 3", "9"),
    ("-2 * 3", "-6"),
    ("2 * -3", "-6"),
    ("- - 3", "3"),
    ("10 / 4", "2.5"),
    // Division is exact to 28 digits, not symbolic: divide last.
    ("1 / 3 * 3", "0.9999999999999999999999999999"),
    ("if true then 1 else 2 + 5", "1"),
    ("if false then 1 else 2 + 5", "7"),
    ("not false and false", "false"),
    ("not (false and false)", "true"),
    ("false or true and false", "false"),
    ("1 < 2 and 3 > 4 or true", "true"),
    ("1 + 2 == 3", "true"),
    ("3 >= 3 and 3 <= 3 and 3 != 4", "true"),
    ("round_half_up(2.5, 1)", "3"),
    ("round_half_up(-2.5, 1)", "-3"),
    ("round_half_even(2.5, 1)", "2"),
    ("round_half_even(3.5, 1)", "4"),
    ("round_up(1567.5, 1)", "1568"),
    ("round_up(-2.1, 1)", "-2"),
    ("round_down(-2.5, 1)", "-3"),
    ("round_half_up(0.125, 0.01)", "0.13"),
    ("round_up(1001, 100)", "1100"),
    ("min(3, 1, 2)", "1"),
    ("max(1 CNY, 2 CNY)", "2"),
    ("sum(members, monthly_income)", "1300"),
    ("count(members)", "2"),
    ("count(members, monthly_income > 650 CNY)", "1"),
    ("min(members, monthly_income)", "600"),
    ("max(members, monthly_income)", "700"),
    ("any(members, monthly_income > 650 CNY)", "true"),
    ("all(members, monthly_income > 650 CNY)", "false"),
    ("household_income / count(members)", "650"),
    ("household_income / standard", "1.3"),
    (
        "if rooms > 0 then household_income / rooms else 0 CNY",
        "433.33333333333333333333333333",
    ),
    ("1.5 * standard", "1500"),
    ("round_up(standard * 1.5, 1)", "1500"),
    ("top_up", "500"),
];

#[test]
fn formulas_evaluate_as_written() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/valid/minimal");
    let mut files: Vec<(String, String)> = ["ruleset.toml", "parameters.toml", "programs.toml"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read_to_string(dir.join(f)).expect("fixture"),
            )
        })
        .collect();
    let mut probes = String::new();
    for (i, (formula, _)) in CASES.iter().enumerate() {
        probes.push_str(&format!(
            "[programs.aid.values.probe_{i}]\nformula = {}\nlabel = {{ zh = \"探针\", en = \"Probe\" }}\n\n",
            json!(formula)
        ));
    }
    let programs = files
        .iter_mut()
        .find(|(p, _)| p == "programs.toml")
        .expect("programs");
    programs.1 = programs.1.replacen(
        "[[programs.aid.conditions]]",
        &format!("{probes}[[programs.aid.conditions]]"),
        1,
    );
    let rules = RuleSet::from_files(files).unwrap_or_else(|e| panic!("{}", e.render()));
    let case = json!({"rooms": 3, "members": [
        {"birth_date": "1980-01-01", "monthly_income": "700"},
        {"birth_date": "1985-01-01", "monthly_income": "600"}]});
    let outcome = rules
        .evaluate_json(
            "household",
            &case,
            Date::parse("2023-06-01").expect("date"),
            None,
        )
        .expect("evaluates");
    let mut report = String::new();
    for (i, (formula, want)) in CASES.iter().enumerate() {
        let got = outcome.get(&format!("aid.probe_{i}"));
        let ok = match (&got, *want) {
            (Some(OutValue::Bool(b)), "true") => *b,
            (Some(OutValue::Bool(b)), "false") => !*b,
            (Some(v), w) => v.decimal().map(|d| d.normalize().to_string()).as_deref() == Some(w),
            (None, _) => false,
        };
        if !ok {
            report.push_str(&format!("{formula}: expected {want}, got {got:?}\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
}
