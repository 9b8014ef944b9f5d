//! Formulas that change at a date, as parameters do: each date is decided
//! by the formula in force that day, an earlier answer never changes when a
//! later formula is added, and a date with no formula in force has no rules.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, RuleSet};
use serde_json::json;

const RULES: &str = r#"
[ruleset]
id = "dated"
version = "1"
label = { zh = "测试", en = "test" }

[sources.notice]
title = "A notice"

[entities.person]
label = { zh = "个人", en = "Person" }
[entities.person.inputs.monthly_income]
type = "money"
min = "0"
label = { zh = "月收入", en = "Monthly income" }

[parameters.standard]
type = "money"
label = { zh = "标准", en = "Standard" }
[[parameters.standard.history]]
from = 2023-01-01
value = "1000"
status = "published"
source = { ref = "notice", quote = "1000" }

[programs.allowance]
entity = "person"
label = { zh = "补助", en = "Allowance" }

[[programs.allowance.conditions]]
id = "low_income"
test = "monthly_income < standard"
label = { zh = "低收入", en = "Low income" }
pass = { zh = "是", en = "yes" }
fail = { zh = "否", en = "no" }

[programs.allowance.amount]
label = { zh = "金额", en = "Amount" }
rounding = { mode = "half_up", unit = "0.01" }

[[programs.allowance.amount.versions]]
from = 2023-01-01
until = 2023-12-31
formula = "standard - monthly_income"

[[programs.allowance.amount.versions]]
from = 2024-01-01
formula = "(standard - monthly_income) * 1.5"
"#;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn amount(rules: &RuleSet, on: &str) -> Result<String, String> {
    rules
        .evaluate_json("person", &json!({"monthly_income": "400"}), day(on), None)
        .map(|o| {
            o.get("allowance.amount")
                .unwrap()
                .decimal()
                .unwrap()
                .to_string()
        })
        .map_err(|e| e.code().to_string())
}

#[test]
fn each_date_uses_the_formula_in_force() {
    let rules = RuleSet::from_files([("rules.toml", RULES)]).unwrap();
    assert_eq!(amount(&rules, "2023-12-31").unwrap(), "600.00");
    assert_eq!(amount(&rules, "2024-01-01").unwrap(), "900.00");
    assert_eq!(
        amount(&rules, "2022-12-31").unwrap_err(),
        "no_rules_in_force"
    );
}

#[test]
fn a_later_formula_leaves_earlier_answers_alone() {
    let before = RuleSet::from_files([("rules.toml", RULES.replace(
        "\n[[programs.allowance.amount.versions]]\nfrom = 2024-01-01\nformula = \"(standard - monthly_income) * 1.5\"\n",
        "",
    ))])
    .unwrap();
    let after = RuleSet::from_files([("rules.toml", RULES)]).unwrap();
    assert_eq!(
        amount(&before, "2023-09-06").unwrap(),
        amount(&after, "2023-09-06").unwrap()
    );
    // Without the 2024 formula the amount has no rule in 2024.
    assert_eq!(
        amount(&before, "2024-03-01").unwrap_err(),
        "no_rules_in_force"
    );
    assert_ne!(before.hash(), after.hash());
}
