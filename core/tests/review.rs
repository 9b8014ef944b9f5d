//! Two versions of a rule set compared: every item as written, and a
//! population under both, checked against evaluating its cases one by one.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::analysis::compare::ALL;
use bangfu::analysis::versions::{compare_versions, table_from_csv};
use bangfu::synthetic::{to_csv, District};
use bangfu::{Date, Decimal, Edit, Review, RuleSet};
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn minimal_files() -> Vec<(String, String)> {
    let base = repo().join("tests/fixtures/valid/minimal");
    [
        "ruleset.toml",
        "parameters.toml",
        "programs.toml",
        "examples.toml",
    ]
    .iter()
    .map(|f| {
        (
            f.to_string(),
            std::fs::read_to_string(base.join(f)).unwrap(),
        )
    })
    .collect()
}

fn edited(edits: &[(&str, &str, &str)]) -> RuleSet {
    let mut files = minimal_files();
    for (file, from, to) in edits {
        let f = files.iter_mut().find(|(p, _)| p == file).unwrap();
        assert!(f.1.contains(from), "{file} has no {from}");
        f.1 = f.1.replacen(from, to, 1);
    }
    RuleSet::from_files(files).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn every_kind_of_change_is_listed_with_its_place() {
    let old = edited(&[]);
    let new = edited(&[
        // A value, a label, a new version of a parameter.
        ("parameters.toml", "value = \"1000\"", "value = \"1050\""),
        ("parameters.toml", "label = { zh = \"补差上限\", en = \"Top-up cap\" }", "label = { zh = \"补差上限\", en = \"Cap on the top-up\" }"),
        ("parameters.toml", "[parameters.elder_age]", "[[parameters.standard.history]]\nfrom = 2025-01-01\nvalue = \"1200\"\nstatus = \"published\"\nsource = { ref = \"notice\", quote = \"1200\" }\n\n[parameters.elder_age]"),
        // A table row, a condition's test and template, an input, a program.
        ("parameters.toml", "{ at_least = 70, output = \"60 CNY\"", "{ at_least = 70, output = \"65 CNY\""),
        ("programs.toml", "test = \"per_capita_income < standard\"", "test = \"per_capita_income <= standard\""),
        ("programs.toml", "元低于标准 {standard} 元\"", "元不高于标准 {standard} 元\""),
        ("ruleset.toml", "[entities.household.inputs.rooms]", "[entities.household.inputs.car]\ntype = \"bool\"\ndefault = false\nlabel = { zh = \"有车\", en = \"Owns a car\" }\n\n[entities.household.inputs.rooms]"),
    ]);
    let review = Review::between(&old, &new);
    let lines: Vec<String> = review
        .changes
        .iter()
        .flat_map(|c| {
            let head = format!("{} {} {}", c.kind, c.name, c.edit.name());
            std::iter::once(head).chain(
                c.details
                    .iter()
                    .map(|d| format!("  {} {}", d.path, d.edit.name())),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            "entity household changed",
            "  inputs.car added",
            "parameter standard changed",
            "  history[from=2023-01-01].value changed",
            "  history[from=2025-01-01] added",
            "parameter top_up changed",
            "  label.en changed",
            "table allowance_by_age changed",
            "  rows[2].output changed",
            "program aid changed",
            "  conditions[id=income_below_standard].test changed",
            "  conditions[id=income_below_standard].pass.zh changed",
        ],
        "{}",
        review.to_text(bangfu::Lang::En)
    );
    let value = &review.changes[1].details[0];
    assert_eq!(
        (value.from.as_ref(), value.to.as_ref()),
        (Some(&"1000".into()), Some(&"1050".into()))
    );
    // Both languages; nothing changed is nothing listed.
    let zh = review.to_text(bangfu::Lang::Zh);
    assert!(
        zh.contains("参数 standard：修改") && zh.contains("共 5 项变更"),
        "{zh}"
    );
    assert!(Review::between(&old, &old).changes.is_empty());
    // An item only in one version is added or removed, with what it holds.
    let back = Review::between(&new, &old);
    assert!(back.changes.iter().all(|c| c.edit == Edit::Changed));
    let without = edited(&[("parameters.toml", "[tables.allowance_by_age]", "[tables.unused]\nkey = \"integer\"\nhit = \"unique\"\nrows = [{ output = \"1 CNY\" }]\n\n[tables.allowance_by_age]")]);
    let r = Review::between(&old, &without);
    assert_eq!(r.changes.len(), 1);
    assert_eq!(
        (r.changes[0].kind, r.changes[0].edit),
        ("table", Edit::Added)
    );
    assert_eq!(
        r.to_json()["changes"][0]["to"]["rows"][0]["output"],
        "1 CNY"
    );
}

/// The population part counts exactly what evaluating each household
/// under both versions gives.
#[test]
fn a_population_under_two_versions_matches_case_by_case() {
    let dir = repo().join("rules/cn-qingdao-chengyang");
    let old = RuleSet::load_dir(&dir).unwrap();
    let mut files: Vec<(String, String)> = old
        .sources()
        .files()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let dibao = files
        .iter_mut()
        .find(|(p, _)| p.ends_with("parameters/dibao.toml"))
        .unwrap();
    assert!(dibao.1.contains("value = \"1045\""));
    dibao.1 = dibao.1.replacen("value = \"1045\"", "value = \"1100\"", 1);
    let new = RuleSet::from_files(files).unwrap_or_else(|e| panic!("{}", e.render()));
    let day = Date::parse("2023-09-06").unwrap();
    let district = District::generate(300, 7, day);
    // Through CSV text, as `bangfu synth --out` writes it.
    let cases = table_from_csv(&to_csv(&district.households)).unwrap();
    let members = table_from_csv(&to_csv(&district.members)).unwrap();
    let got = compare_versions(
        &old,
        &new,
        "household",
        (&cases, Some(&members), "household_id"),
        day,
        2,
    )
    .unwrap();
    assert_eq!((got.cases, got.comparison.skipped), (300, 0));
    let dibao = got
        .comparison
        .programs
        .iter()
        .find(|c| c.program == "dibao")
        .unwrap();
    let (mut gain, mut lose, mut up, mut down) = (0, 0, 0, 0);
    let (mut before, mut after) = (Decimal::ZERO, Decimal::ZERO);
    for h in 0..300 {
        let case = district.household_json(h).unwrap();
        let decide = |r: &RuleSet| {
            let c = r.parse_case("household", &case, day).unwrap();
            let d = r.decide(&c, day, Some(&["dibao".to_string()])).unwrap();
            (d[0].eligible, d[0].amount.unwrap_or_default())
        };
        let (a, b) = (decide(&old), decide(&new));
        gain += usize::from(b.0 && !a.0);
        lose += usize::from(a.0 && !b.0);
        up += usize::from(b.1 > a.1);
        down += usize::from(b.1 < a.1);
        before += a.1;
        after += b.1;
    }
    assert!(gain > 0, "the raise makes someone eligible");
    assert_eq!(
        (
            dibao.newly_eligible,
            dibao.no_longer_eligible,
            dibao.gainers,
            dibao.losers
        ),
        (gain, lose, up, down)
    );
    assert_eq!((dibao.baseline_cost, dibao.reform_cost), (before, after));
    assert!(got.comparison.programs.iter().any(|c| c.program == ALL));
}
