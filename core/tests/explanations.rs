//! Explanations for people: what `Outcome::explain` and the condition
//! templates show, in Chinese and English.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, Lang, RuleSet};
use serde_json::json;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

fn household_800() -> serde_json::Value {
    json!({"registered_locally": true, "financial_assets": "10000", "members": [
        {"birth_date": "1980-01-01", "monthly_income": "800"},
        {"birth_date": "1982-05-01", "monthly_income": "800"},
        {"birth_date": "2010-03-01", "monthly_income": "800"}]})
}

#[test]
fn dibao_explained_in_both_languages() {
    let rules = RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang")).expect("loads");
    let outcome = rules
        .evaluate_json(
            "household",
            &household_800(),
            day("2023-09-06"),
            Some(&["dibao".into()]),
        )
        .expect("evaluates");
    let zh = outcome.explain(Lang::Zh);
    assert!(zh.contains("符合条件"), "{zh}");
    assert!(zh.contains("735"), "{zh}");
    assert!(
        zh.contains("✓ 家庭人均月收入 800 元低于低保标准 1045 元"),
        "{zh}"
    );
    assert!(zh.contains("所用参数"), "{zh}");
    assert!(zh.contains("1045"), "{zh}");
    assert!(zh.contains(rules.id()) && zh.contains(rules.hash()), "{zh}");
    assert!(zh.contains("2023-09-06"), "{zh}");
    let en = outcome.explain(Lang::En);
    assert!(en.contains("eligible, amount 735"), "{en}");
    assert!(
        en.contains(
            "✓ Per-capita monthly income 800 yuan is below the dibao standard of 1045 yuan"
        ),
        "{en}"
    );
    assert!(en.contains("Parameters used:"), "{en}");
    assert!(en.contains("published"), "{en}");
}

/// Every parameter the answer used is listed with its value, status, dates
/// and source; assumptions are flagged.
#[test]
fn parameters_carry_their_provenance() {
    let rules = RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang")).expect("loads");
    let person =
        json!({"birth_date": "1948-01-01", "monthly_income": "0", "has_able_supporter": false});
    let outcome = rules
        .evaluate_json(
            "person",
            &person,
            day("2023-09-06"),
            Some(&["tekun".into()]),
        )
        .expect("evaluates");
    let json = outcome.to_json();
    let tekun = &json["parameters"]["tekun_standard"];
    assert_eq!(tekun["value"], "1568");
    assert_eq!(tekun["status"], "derived");
    assert!(tekun["formula"]
        .as_str()
        .is_some_and(|f| f.contains("dibao_standard")));
    let dibao = &json["parameters"]["dibao_standard"];
    assert_eq!(dibao["value"], "1045");
    assert_eq!(dibao["status"], "published");
    assert_eq!(dibao["from"], "2023-01-01");
    assert_eq!(dibao["until"], "2023-12-31");
    assert!(dibao["source"]["document"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    let assumed: Vec<&str> = json["assumptions"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(assumed.contains(&"tekun_multiplier"), "{assumed:?}");
    for a in json["assumptions"].as_array().expect("a list") {
        assert!(a["note"].as_str().is_some_and(|n| !n.is_empty()), "{a}");
    }
    let en = outcome.explain(Lang::En);
    assert!(en.contains("This answer rests on assumptions"), "{en}");
    // Assumptions are named for people, by their label, never by their id.
    assert!(
        en.contains("  - Tekun standard as a multiple of the dibao standard: "),
        "{en}"
    );
    assert!(!en.contains("tekun_multiplier"), "{en}");
}

/// A template may name a value of another program of the same entity. The
/// explanation must show that value whether or not the other program was
/// asked for: explanations may not depend on which programs are evaluated.
#[test]
fn a_template_naming_another_programs_value_renders_it() {
    let dir = repo().join("tests/fixtures/valid/minimal");
    let mut files: Vec<(String, String)> = ["ruleset.toml", "parameters.toml", "programs.toml"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read_to_string(dir.join(f)).expect("fixture"),
            )
        })
        .collect();
    files.push((
        "report.toml".into(),
        r#"[programs.report]
entity = "household"
label = { zh = "报告", en = "Report" }
source = { ref = "notice", quote = "报告" }

[[programs.report.conditions]]
id = "always"
test = "rooms >= 0"
label = { zh = "总是", en = "Always" }
pass = { zh = "家庭人均 {aid.per_capita_income} 元", en = "Per capita {aid.per_capita_income} yuan" }
fail = { zh = "否", en = "No" }
"#
        .into(),
    ));
    let rules = RuleSet::from_files(files).unwrap_or_else(|e| panic!("{}", e.render()));
    let case = json!({"members": [{"birth_date": "1980-01-01", "monthly_income": "700"}]});
    let on = day("2023-06-01");
    let all = rules
        .evaluate_json("household", &case, on, None)
        .expect("evaluates");
    let alone = rules
        .evaluate_json("household", &case, on, Some(&["report".into()]))
        .expect("evaluates");
    let text = |o: &bangfu::Outcome| {
        o.program("report")
            .and_then(|p| p.conditions.first())
            .map(|c| c.explanation_in(bangfu::Lang::En))
            .unwrap_or_default()
    };
    assert_eq!(text(&all), "Per capita 700 yuan");
    assert_eq!(text(&alone), "Per capita 700 yuan");
}

/// The outcome's JSON has its documented shape, keys in a fixed order, and
/// the text `serde_json` writes straight from the outcome is the text of
/// `Outcome::to_json`.
#[test]
fn outcome_json_has_its_shape_in_order() {
    let rules = RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang")).expect("loads");
    let outcome = rules
        .evaluate_json("household", &household_800(), day("2023-09-06"), None)
        .expect("evaluates");
    let json = outcome.to_json();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("an object").keys().cloned().collect()
    };
    assert_eq!(
        keys(&json),
        [
            "ruleset",
            "as_of",
            "entity",
            "programs",
            "parameters",
            "assumptions",
            "not_in_force",
            "staleness"
        ]
    );
    assert_eq!(keys(&json["ruleset"]), ["id", "version", "hash"]);
    let dibao = &json["programs"]["dibao"];
    assert_eq!(
        keys(dibao),
        [
            "label",
            "eligible",
            "amount",
            "values",
            "conditions",
            "parameters",
            "assumptions",
            "amount_unit",
            "computation"
        ]
    );
    assert_eq!(dibao["amount"], "735.00");
    assert_eq!(keys(&dibao["computation"]), ["zh", "en"]);
    assert_eq!(dibao["values"]["member_count"], "3");
    let condition = &dibao["conditions"][1];
    assert_eq!(
        keys(condition),
        ["id", "passed", "reject", "label", "explanation", "compared"]
    );
    assert_eq!(condition["reject"], serde_json::Value::Null);
    assert_eq!(keys(&condition["explanation"]), ["zh", "en"]);
    let standard = &json["parameters"]["dibao_standard"];
    assert_eq!(
        keys(standard),
        [
            "label",
            "value",
            "unit",
            "unit_label",
            "status",
            "from",
            "until",
            "formula",
            "source",
            "formula_words",
            "date_status"
        ]
    );
    assert_eq!(
        keys(&standard["source"]),
        [
            "source",
            "document",
            "date",
            "quote",
            "note",
            "note_text",
            "published_source"
        ]
    );
    let assumption = &json["assumptions"][0];
    assert_eq!(
        keys(assumption),
        ["kind", "name", "note", "note_text", "label"]
    );
    assert_eq!(keys(&assumption["note_text"]), ["zh", "en"]);
    assert_eq!(keys(&assumption["label"]), ["zh", "en"]);
    let text = serde_json::to_string(&outcome).expect("serializes");
    assert_eq!(text, serde_json::to_string(&json).expect("serializes"));
}

/// The computation line of `program` in both languages.
fn computation(
    rules: &RuleSet,
    entity: &str,
    case: serde_json::Value,
    on: &str,
    program: &str,
) -> (String, String) {
    let outcome = rules
        .evaluate_json(entity, &case, day(on), None)
        .expect("evaluates");
    let p = outcome.program(program).expect("program");
    let c = p.computation.as_ref().expect("a computation");
    (c.zh.to_string(), c.en.to_string())
}

#[test]
fn amounts_say_how_they_are_made_up() {
    let rules = RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang")).expect("loads");
    let (zh, en) = computation(&rules, "household", household_800(), "2023-09-06", "dibao");
    assert_eq!(
        zh,
        "城乡低保标准 1045 元 × 家庭人口 3 − 家庭月收入 2400 元 = 735 元/月"
    );
    assert_eq!(
        en,
        "Dibao standard (urban and rural) 1045 yuan × Members 3 − Household monthly income 2400 yuan = 735 yuan a month"
    );
    // A derived parameter reads with its own formula, in words.
    let person =
        json!({"birth_date": "1950-05-01", "monthly_income": "0", "has_able_supporter": false});
    let (zh, _) = computation(&rules, "person", person, "2024-03-01", "tekun");
    assert_eq!(
        zh,
        "城乡特困人员基本生活标准 1673 元（城乡低保标准 1115 元 × 特困人员基本生活标准相对低保标准的倍数 1.5，向上取整到 1） = 1673 元/月"
    );
    // A value looked up in a table says which row applied.
    let meal = json!({"birth_date": "1951-03-01", "meal_kind": "lunch", "canteen_designated": true, "price": "12"});
    let (zh, en) = computation(&rules, "meal", meal, "2023-09-06", "meal_subsidy");
    assert_eq!(
        zh,
        "按年龄的补贴标准 6 元（70周岁以上档）、餐费 12 元中较小者 = 6 元/餐"
    );
    assert!(en.contains("(band age 70 and over)"), "{en}");
}

#[test]
fn computations_are_generic_over_rule_sets() {
    let rules = RuleSet::load_dir(repo().join("tests/fixtures/valid/minimal")).expect("loads");
    let case = json!({"rooms": 1, "members": [
        {"birth_date": "1980-01-01", "monthly_income": "300"},
        {"birth_date": "1980-01-01", "monthly_income": "200"}
    ]});
    let (zh, en) = computation(&rules, "household", case, "2023-09-06", "aid");
    assert_eq!(
        zh,
        "（保障标准 1000 元 × 家庭成员人数 2 − 家庭月收入 500 元）、（补差上限 500 元（保障标准 1000 元 × 0.5） × 家庭成员人数 2）中较小者 = 1000 元"
    );
    assert!(
        en.starts_with("the smaller of (Standard 1000 yuan × "),
        "{en}"
    );
}
