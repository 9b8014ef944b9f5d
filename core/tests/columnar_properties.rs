//! The columnar engine agrees with one-by-one evaluation on random rule
//! sets: programs whose values, conditions and amounts are random, well-typed
//! formulas (arithmetic with every scale of literal, quotients, rounding to
//! several units, aggregations over members with and without a body,
//! conditionals, minima and maxima) over random districts, some households
//! carrying extreme amounts (too wide for 64-bit integers, or large enough
//! to overflow them when multiplied). Eligibility, amounts (value and scale)
//! and errors must be identical.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::batch::{self, ColumnData, Engine, Population};
use bangfu::synthetic::{self, District, KEY};
use bangfu::{Date, Decimal};
use proptest::prelude::*;
use proptest::test_runner::Config;

mod common;
use common::chengyang;

fn one_of(items: &[&str]) -> BoxedStrategy<String> {
    let items: Vec<String> = items.iter().map(|s| (*s).to_string()).collect();
    proptest::sample::select(items).boxed()
}

/// A money literal with 0 to 2 decimals.
fn money_literal() -> BoxedStrategy<String> {
    (0i64..200_000, 0u32..3)
        .prop_map(|(m, s)| format!("{} CNY", Decimal::new(m, s)))
        .boxed()
}

/// A number literal with 0 to 3 decimals (positive: divisors).
fn positive_literal() -> BoxedStrategy<String> {
    (1i64..5_000, 0u32..4)
        .prop_map(|(m, s)| Decimal::new(m, s).to_string())
        .boxed()
}

fn divisor() -> BoxedStrategy<String> {
    prop_oneof![
        positive_literal(),
        Just("count(members)".to_string()),
        Just("12".to_string()),
        Just("3".to_string()),
    ]
    .boxed()
}

fn rounding() -> BoxedStrategy<String> {
    (
        one_of(&["round_up", "round_down", "round_half_up", "round_half_even"]),
        one_of(&["0.01", "1", "0.1", "10", "0.5", "0.001"]),
    )
        .prop_map(|(f, u)| format!("{f}({{}}, {u})"))
        .boxed()
}

fn money(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        one_of(&[
            "financial_assets",
            "emergency_need",
            "medical_expenses_12m",
            "sum(members, monthly_income)",
            "min(members, monthly_income)",
            "max(members, monthly_income)",
            "dibao_standard",
            "sum(members, if age >= 60 then monthly_income else 0 CNY)",
        ]),
        money_literal(),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let m = || money(depth - 1);
    prop_oneof![
        2 => leaf,
        1 => (m(), m()).prop_map(|(a, b)| format!("({a} + {b})")),
        1 => (m(), m()).prop_map(|(a, b)| format!("({a} - {b})")),
        1 => (m(), number(depth - 1)).prop_map(|(a, b)| format!("({a} * {b})")),
        1 => (m(), divisor()).prop_map(|(a, b)| format!("({a} / {b})")),
        // Guarded divisors, zero for some households and negative for
        // others: the columnar path computes both branches, so those rows
        // leave it for the one-by-one path.
        1 => (m(), one_of(&["count(members, age >= 60)", "(2 - count(members))"]))
            .prop_map(|(a, d)| format!("(if {d} != 0 then {a} / {d} else 0 CNY)")),
        1 => (boolean(depth - 1), m(), m()).prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
        1 => (m(), m()).prop_map(|(a, b)| format!("min({a}, {b})")),
        1 => (m(), m()).prop_map(|(a, b)| format!("max({a}, {b})")),
        1 => (rounding(), m()).prop_map(|(r, a)| r.replace("{}", &a)),
    ]
    .boxed()
}

fn number(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        one_of(&[
            "count(members)",
            "count(members, age >= 60)",
            "count(members, has_able_supporter)",
            "sum(members, disability_grade)",
            "max(members, age)",
            "max(members, month(birth_date))",
            "sum(members, day(birth_date))",
            "-2",
        ]),
        positive_literal(),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let n = || number(depth - 1);
    prop_oneof![
        2 => leaf,
        1 => (n(), n()).prop_map(|(a, b)| format!("({a} + {b})")),
        1 => (n(), n()).prop_map(|(a, b)| format!("({a} - {b})")),
        1 => (n(), n()).prop_map(|(a, b)| format!("({a} * {b})")),
        1 => (n(), divisor()).prop_map(|(a, b)| format!("({a} / {b})")),
        1 => (rounding(), n()).prop_map(|(r, a)| r.replace("{}", &a)),
    ]
    .boxed()
}

fn boolean(depth: u32) -> BoxedStrategy<String> {
    let leaf = one_of(&[
        "registered_locally",
        "emergency_hardship",
        "any(members, has_able_supporter)",
        "all(members, age >= 18)",
        "any(members, disability_kind in [\"physical\", \"visual\"])",
        "any(members, month(birth_date) == 2 and day(birth_date) == 29)",
        "all(members, year(birth_date) < 1990)",
    ]);
    if depth == 0 {
        return leaf.boxed();
    }
    let cmp = one_of(&["<", "<=", ">", ">=", "==", "!="]);
    prop_oneof![
        1 => leaf,
        2 => (money(depth - 1), cmp.clone(), money(depth - 1)).prop_map(|(a, c, b)| format!("({a} {c} {b})")),
        1 => (number(depth - 1), cmp, number(depth - 1)).prop_map(|(a, c, b)| format!("({a} {c} {b})")),
        1 => boolean(depth - 1).prop_map(|b| format!("(not {b})")),
        1 => (boolean(depth - 1), boolean(depth - 1)).prop_map(|(a, b)| format!("({a} and {b})")),
        1 => (boolean(depth - 1), boolean(depth - 1)).prop_map(|(a, b)| format!("({a} or {b})")),
    ]
    .boxed()
}

/// A program with one value, two conditions and an amount.
fn program() -> impl Strategy<Value = String> {
    (
        money(2),
        boolean(2),
        boolean(1),
        money(3),
        proptest::option::of(rounding()),
    )
        .prop_map(|(value, c1, c2, amount, round)| {
            let rounding = round
                .map(|r| {
                    let unit = r
                        .split(", ")
                        .nth(1)
                        .unwrap_or("0.01)")
                        .trim_end_matches(')');
                    format!("rounding = {{ mode = \"half_up\", unit = \"{unit}\" }}\n")
                })
                .unwrap_or_default();
            format!(
                r#"
[programs.random]
entity = "household"
label = {{ zh = "随机", en = "Random" }}
description = {{ zh = "测试", en = "Test" }}
source = {{ ref = "press_conference_2023_09_06", note = {{ zh = "测试用项目。", en = "A test program." }} }}

[programs.random.values.v]
formula = "{value}"
label = {{ zh = "值", en = "Value" }}

[[programs.random.conditions]]
id = "first"
test = "{c1} or v > 1000 CNY"
reject = "first"
label = {{ zh = "一", en = "First" }}
pass = {{ zh = "是", en = "Yes" }}
fail = {{ zh = "否", en = "No" }}

[[programs.random.conditions]]
id = "second"
test = "{c2}"
reject = "second"
label = {{ zh = "二", en = "Second" }}
pass = {{ zh = "是", en = "Yes" }}
fail = {{ zh = "否", en = "No" }}

[programs.random.amount]
formula = "{amount}"
label = {{ zh = "金额", en = "Amount" }}
{rounding}"#,
                value = value.replace('"', "\\\""),
                c1 = c1.replace('"', "\\\""),
                c2 = c2.replace('"', "\\\""),
                amount = amount.replace('"', "\\\""),
            )
        })
}

/// Extreme amounts for some households: too wide for 64-bit fen, or large
/// enough to overflow them in a product.
fn spice(district: &mut District, every: usize, offset: usize) {
    let extremes = [
        "792281625142643375935439503.35",
        "123456789012345678.99",
        "92233720368547758.07",
        "9000000000000.00",
        "0.01",
        "0",
    ];
    for name in ["financial_assets", "emergency_need"] {
        if let Some((_, ColumnData::Decimal(v))) = district
            .households
            .columns
            .iter_mut()
            .find(|(n, _)| n == name)
        {
            for (k, cell) in v.iter_mut().enumerate().skip(offset).step_by(every.max(1)) {
                *cell = extremes[k % extremes.len()].parse().ok();
            }
        }
    }
}

proptest! {
    #![proptest_config(Config { cases: 128, max_global_rejects: 4096, ..Config::default() })]

    #[test]
    fn columnar_equals_one_by_one_on_random_rules(
        overlay in program(),
        seed in any::<u64>(),
        households in 1usize..300,
        every in 3usize..40,
        offset in 0usize..5,
    ) {
        let loaded = chengyang().reform(&bangfu::Reform::new().overlay("random.toml", overlay.as_str()));
        let Ok(rules) = loaded else {
            // Not every random formula type-checks (a unit clash, say).
            return Err(TestCaseError::reject("formula refused by the checker"));
        };
        let on: Date = synthetic::reference_date().expect("reference date");
        let mut district = District::generate(households, seed, on);
        spice(&mut district, every, offset);
        let (population, _) = Population::build(
            &rules,
            "household",
            &district.households,
            Some(&district.members),
            KEY,
            on,
        )
        .expect("build");
        let only = ["random".to_string()];
        for programs in [Some(&only[..]), None] {
            let columnar = batch::evaluate(&rules, &population, on, programs, 1).expect("batch");
            let single = batch::evaluate_with(&rules, &population, on, programs, 1, Engine::OneByOne)
                .expect("batch, one by one");
            prop_assert_eq!(&columnar.evaluated, &single.evaluated, "{}", overlay);
            prop_assert_eq!(&columnar.errors, &single.errors, "{}", overlay);
            for (a, b) in columnar.programs.iter().zip(&single.programs) {
                prop_assert_eq!(&a.eligible, &b.eligible, "{} eligibility\n{}", a.program, overlay);
                let bits = |c: &batch::ProgramColumn| {
                    c.amount
                        .as_ref()
                        .map(|v| v.iter().map(|d| d.map(|d| d.serialize())).collect::<Vec<_>>())
                };
                prop_assert_eq!(bits(a), bits(b), "{} amounts\n{}", a.program, overlay);
            }
        }
    }
}
