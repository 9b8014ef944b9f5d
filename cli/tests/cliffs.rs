//! `bangfu cliffs` and `bangfu eval --explain --what-if`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::bangfu;
use serde_json::Value as Json;

const R: &str = "rules/cn-qingdao-chengyang";
const CASE: &str = "rules/cn-qingdao-chengyang/cases/household-dibao.json";

fn out(args: &[&str]) -> (i32, String, String) {
    let o = bangfu(args, None);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn cliffs_as_json_and_text() {
    let (code, stdout, stderr) = out(&[
        "cliffs",
        R,
        CASE,
        "--vary",
        "members[0].monthly_income",
        "--from",
        "2000",
        "--to",
        "4000",
        "--on",
        "2023-09-06",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let j: Json = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["vary"]["current"], "1500.00");
    let dibao = j["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == "dibao")
        .unwrap();
    let b = &dibao["breakpoints"][0];
    assert_eq!(
        (b["kind"].as_str(), b["before"].as_str(), b["at"].as_str()),
        (Some("eligibility"), Some("2234.99"), Some("2235.00"))
    );
    assert_eq!(
        (b["amount_before"].as_str(), b["amount_after"].as_str()),
        (Some("0.01"), Some("0.00"))
    );
    assert_eq!(j["segments"].as_array().unwrap().len(), 3);
    let (code, zh, _) = out(&[
        "cliffs",
        R,
        CASE,
        "--vary",
        "financial_assets",
        "--from",
        "150470",
        "--to",
        "150490",
        "--on",
        "2023-09-06",
        "--format",
        "text",
    ]);
    assert_eq!(code, 0);
    assert!(
        zh.contains("150,480.00 → 150,480.01: 不再符合条件; 金额 735.00 → 0.00"),
        "{zh}"
    );
    let (_, en, _) = out(&[
        "cliffs",
        R,
        CASE,
        "--vary",
        "financial_assets",
        "--from",
        "150470",
        "--to",
        "150490",
        "--on",
        "2023-09-06",
        "--format",
        "text",
        "--lang",
        "en",
    ]);
    assert!(
        en.contains("150,480.00 → 150,480.01: no longer eligible; amount 735.00 → 0.00"),
        "{en}"
    );
}

#[test]
fn cliffs_errors_name_the_field_in_both_languages() {
    for (vary, from, to, code) in [
        ("members[0].birth_date", "0", "1", "not_numeric"),
        ("members[9].monthly_income", "0", "1", "no_such_member"),
        ("income", "0", "1", "unknown_field"),
        ("financial_assets", "10", "5", "inverted_range"),
        ("financial_assets", "-5", "5", "too_small"),
        ("financial_assets", "0.005", "5", "off_grid"),
        ("financial_assets", "0", "900000", "too_many_points"),
    ] {
        let (status, stdout, stderr) = out(&[
            "cliffs",
            R,
            CASE,
            "--vary",
            vary,
            "--from",
            from,
            "--to",
            to,
            "--on",
            "2023-09-06",
        ]);
        assert_eq!(status, 2, "{vary}");
        assert!(stdout.is_empty());
        assert!(stderr.contains(&format!("[{code}]")), "{vary}: {stderr}");
        assert!(stderr.contains(vary), "{stderr}");
        assert!(
            stderr
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{stderr}"
        );
    }
    let (status, _, stderr) = out(&[
        "cliffs",
        R,
        CASE,
        "--vary",
        "financial_assets",
        "--from",
        "x",
        "--to",
        "1",
        "--on",
        "2023-09-06",
    ]);
    assert_eq!(status, 2);
    assert!(stderr.contains("--from"), "{stderr}");
}

#[test]
fn eval_explain_what_if_says_what_would_change() {
    let case = "rules/cn-qingdao-chengyang/cases/household-edge.json";
    for (lang, line) in [
        ("zh", "如果第1位成员的“月收入”不超过 1,489.99 元（其他成员不变，全体成员合计 2,089.99 元），可能符合“城乡最低生活保障”的条件。"),
        ("en", "You may qualify for Minimum living guarantee (dibao) if member 1's “Monthly income” is at most 1,489.99 yuan (2,089.99 yuan for all members together, the others unchanged)."),
    ] {
        let (code, stdout, stderr) = out(&[
            "eval", R, "--on", "2023-09-06", "--program", "dibao", "--explain", "--what-if", "--lang", lang, case,
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains(line), "{stdout}");
    }
    let (_, plain, _) = out(&[
        "eval",
        R,
        "--on",
        "2023-09-06",
        "--program",
        "dibao",
        "--explain",
        case,
    ]);
    assert!(!plain.contains("1,489.99"));
    let (code, _, _) = out(&["eval", R, "--on", "2023-09-06", "--what-if", case]);
    assert_eq!(code, 2, "--what-if needs --explain");
}
