//! `bangfu diff OLD_DIR NEW_DIR` (two versions of a rule set, and a
//! population under both), the checker's warnings in `bangfu check`, and
//! money written as a bare JSON number in a case.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod common;

use common::{bangfu, repo};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Output;

const RULES: &str = "rules/cn-qingdao-chengyang";

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// A copy of the Chengyang rules with the 2023 dibao standard raised to
/// 1100 yuan and the meal subsidy's upper band starting at 75.
fn new_version(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join(RULES), &dir);
    let edit = |file: &str, from: &str, to: &str| {
        let p = dir.join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "parameters/dibao.toml",
        "value = \"1045\"",
        "value = \"1100\"",
    );
    edit(
        "tables/meal_rate_by_age.toml",
        "{ at_least = 60, at_most = 69,",
        "{ at_least = 60, at_most = 74,",
    );
    edit(
        "tables/meal_rate_by_age.toml",
        "{ at_least = 70, output",
        "{ at_least = 75, output",
    );
    dir
}

#[test]
fn diff_of_two_folders_lists_each_change_in_text_and_json() {
    let new = new_version("review-text");
    let new = new.to_str().unwrap();
    let o = bangfu(&["diff", RULES, new, "--lang", "en"], None);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    for needle in [
        "parameter dibao_standard: changed",
        "history[from=2023-01-01].value: 1045 -> 1100",
        "table meal_rate_by_age: changed",
        "rows[1].at_most: 69 -> 74",
        "rows[2].at_least: 70 -> 75",
        "2 items changed",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    let o = bangfu(&["diff", RULES, new], None);
    let zh = out(&o);
    assert!(
        zh.contains("参数 dibao_standard：修改") && zh.contains("共 2 项变更"),
        "{zh}"
    );
    assert!(!zh.contains("changed"), "{zh}");
    let o = bangfu(&["diff", RULES, new, "--format", "json"], None);
    let j: Json = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(j["changes"][0]["kind"], "parameter");
    assert_eq!(j["changes"][0]["details"][0]["from"], "1045");
    assert_eq!(j["changes"][0]["details"][0]["to"], "1100");
    assert!(j.get("population").is_none());
    // A folder against itself: nothing changed.
    let o = bangfu(&["diff", RULES, RULES, "--lang", "en"], None);
    assert!(out(&o).ends_with("0 items changed\n"), "{}", out(&o));
}

#[test]
fn diff_with_a_population_counts_who_gains_and_what_it_costs() {
    let new = new_version("review-population");
    let pop = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review-district");
    let o = bangfu(
        &[
            "synth",
            "--households",
            "500",
            "--out",
            pop.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let (h, m) = (pop.join("households.csv"), pop.join("members.csv"));
    let args = [
        "diff",
        RULES,
        new.to_str().unwrap(),
        "--population",
        h.to_str().unwrap(),
        m.to_str().unwrap(),
        "--on",
        "2023-09-06",
    ];
    let o = bangfu(&[&args[..], &["--format", "json"]].concat(), None);
    assert!(o.status.success(), "{}", err(&o));
    let j: Json = serde_json::from_str(&out(&o)).unwrap();
    let p = &j["population"];
    assert_eq!(
        (p["cases"].as_u64(), p["skipped"].as_u64()),
        (Some(500), Some(0))
    );
    let dibao = p["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["program"] == "dibao")
        .unwrap();
    // A raise of the standard: some gain eligibility, none lose it, none
    // are paid less, and the cost rises by exactly the increases.
    assert!(dibao["gain_eligibility"].as_u64().unwrap() > 0, "{dibao}");
    assert_eq!(dibao["lose_eligibility"], 0);
    assert_eq!(dibao["paid_less"], 0);
    let dec = |v: &Json| v.as_str().unwrap().parse::<bangfu::Decimal>().unwrap();
    let cost = &dibao["cost_per_month"];
    assert_eq!(dec(&cost["new"]) - dec(&cost["old"]), dec(&cost["change"]));
    assert_eq!(dec(&dibao["total_increase"]), dec(&cost["change"]));
    let o = bangfu(&[&args[..], &["--lang", "en"]].concat(), None);
    let text = out(&o);
    assert!(
        text.contains("population: 500 cases on 2023-09-06; 500 compared, 0 skipped"),
        "{text}"
    );
    assert!(text.contains("  dibao: eligible "), "{text}");
    let o = bangfu(&args, None);
    assert!(out(&o).contains("人口测算：500 个"), "{}", out(&o));
}

#[test]
fn diff_refuses_mixed_or_missing_arguments() {
    for (args, needle) in [
        (
            vec!["diff", RULES, RULES, "--from", "2023-01-01"],
            "--from/--to",
        ),
        (
            vec!["diff", RULES, RULES, "--population", "a.csv", "b.csv"],
            "--on",
        ),
        (vec!["diff", RULES, RULES, "--on", "2023-09-06"], "--on"),
        (vec!["diff", RULES], "--from and --to"),
        (
            vec![
                "diff",
                RULES,
                "--from",
                "2022-12-31",
                "--to",
                "2023-01-01",
                "--on",
                "2023-01-01",
            ],
            "two rule-set folders",
        ),
        (vec!["diff", RULES, RULES, "--lang", "fr"], "--lang"),
    ] {
        let o = bangfu(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
        assert!(o.stdout.is_empty());
    }
    // The two dates of one rule set work as before.
    let o = bangfu(
        &["diff", RULES, "--from", "2022-12-31", "--to", "2023-01-01"],
        None,
    );
    assert!(
        o.status.success() && out(&o).contains("dibao_standard"),
        "{}",
        err(&o)
    );
}

#[test]
fn check_shows_warnings_and_passes() {
    let dir = "tests/fixtures/warnings/shadowed-row";
    let o = bangfu(&["check", dir], None);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("no errors, 1 warning"), "{text}");
    assert!(text.contains("warning[W0024 shadowed-row]: row 2 of table `allowance_by_age` does not apply to keys 65 to 69"), "{text}");
    let o = bangfu(&["check", dir, "--format", "json"], None);
    let j: Json = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(j["ok"], true);
    assert_eq!(j["diagnostics"][0]["severity"], "warning");
    assert_eq!(j["diagnostics"][0]["code"], "W0024");
    // The stock rules have no warnings.
    let o = bangfu(&["check", RULES], None);
    assert!(out(&o).contains("no problems found"), "{}", out(&o));
}

/// Money in a JSON case: a string, or a bare number read from its digits
/// as written, never through a float; an exponent is refused.
#[test]
fn money_as_a_bare_json_number_is_read_from_its_digits() {
    let case = |assets: &str| {
        format!(
            r#"{{"registered_locally": true, "financial_assets": {assets},
                "members": [{{"birth_date": "1980-01-01", "monthly_income": {assets}}}]}}"#
        )
    };
    let args = [
        "eval",
        RULES,
        "--on",
        "2023-09-06",
        "--program",
        "dibao",
        "-",
    ];
    let as_text = bangfu(&args, Some(&case("\"300.10\"")));
    let as_number = bangfu(&args, Some(&case("300.10")));
    assert!(as_number.status.success(), "{}", err(&as_number));
    assert_eq!(out(&as_text), out(&as_number));
    assert!(
        out(&as_number).contains("\"amount\": \"744.90\""),
        "{}",
        out(&as_number)
    );
    // 0.1 + 0.2 in binary floating point is not 0.3; here it is.
    let tenths = bangfu(&args, Some(&case("0.30000000000000001")));
    assert_eq!(tenths.status.code(), Some(2));
    assert!(
        err(&tenths).contains("fractions of a fen"),
        "{}",
        err(&tenths)
    );
    for bad in ["1e3", "1045.505"] {
        let o = bangfu(&args, Some(&case(bad)));
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(err(&o).contains("[invalid_money]"), "{bad}: {}", err(&o));
    }
}
