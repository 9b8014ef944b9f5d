use super::*;
use crate::analysis::cliffs::change::Finding;
use serde_json::json;

fn rules() -> RuleSet {
    RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn household(first: &str, second: &str, assets: &str) -> Json {
    json!({
        "registered_locally": true, "financial_assets": assets, "medical_expenses_12m": "30000",
        "members": [
            {"birth_date": "1975-04-12", "monthly_income": first},
            {"birth_date": "1978-08-20", "monthly_income": second},
            {"birth_date": "2010-02-01", "monthly_income": "0"},
        ]
    })
}

fn query<'a>(path: &'a str, low: &str, high: &str) -> CliffQuery<'a> {
    CliffQuery {
        entity: "household",
        path,
        low: low.parse().unwrap(),
        high: high.parse().unwrap(),
        as_of: day("2023-09-06"),
        programs: None,
        threads: 2,
    }
}

/// The case with the input at `path` set to `v`.
fn with(case: &Json, path: &str, v: Decimal) -> Json {
    let mut c = case.clone();
    match path.split_once('.') {
        None => c[path] = json!(v.to_string()),
        Some((head, name)) => {
            let i: usize = head
                .trim_start_matches("members[")
                .trim_end_matches(']')
                .parse()
                .unwrap();
            c["members"][i][name] = json!(v.to_string());
        }
    }
    c
}

/// Checks a search against the case evaluated one point at a time: every
/// point's answer is the one its segment gives, every change of
/// eligibility is a breakpoint, and every breakpoint is a real change.
fn matches_one_by_one(r: &RuleSet, case: &Json, q: &CliffQuery<'_>) -> Cliffs {
    let found = cliffs(r, case, q).unwrap();
    let step = found.step;
    let mut x = found.low;
    let mut reference: Vec<(Decimal, Vec<crate::Decision>)> = Vec::new();
    while x <= found.high {
        let c = r
            .parse_case("household", &with(case, q.path, x), q.as_of)
            .unwrap();
        reference.push((x, r.decide(&c, q.as_of, q.programs).unwrap()));
        x += step;
    }
    // Every point as its segment says.
    for (x, decisions) in &reference {
        let seg = found
            .segments
            .iter()
            .find(|s| s.from <= *x && *x <= s.to)
            .unwrap();
        for (p, ans) in found.programs.iter().zip(&seg.answers) {
            let d = decisions.iter().find(|d| *d.program == *p.program).unwrap();
            assert_eq!(ans.eligible, d.eligible, "{} at {x}", p.program);
            if p.pays {
                let k = (*x - seg.from) / step;
                let on_line = match ans.slope {
                    Some(s) => ans.amount_from.unwrap() + s * step * k,
                    None => ans.amount_from.unwrap(),
                };
                assert_eq!(on_line, d.amount.unwrap(), "{} amount at {x}", p.program);
            }
        }
    }
    // Every change of eligibility is a breakpoint, and no other point is
    // one unless the amount leaves its line there.
    for p in &found.programs {
        for w in reference.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let da = a.1.iter().find(|d| *d.program == *p.program).unwrap();
            let db = b.1.iter().find(|d| *d.program == *p.program).unwrap();
            let bp = p.breakpoints.iter().find(|bp| bp.at == b.0);
            if da.eligible != db.eligible {
                let bp = bp.expect("a change of eligibility is a breakpoint");
                assert_eq!(bp.kind, BreakKind::Eligibility);
                assert_eq!(
                    (bp.before, bp.eligible_before, bp.eligible_after),
                    (a.0, da.eligible, db.eligible)
                );
                assert_eq!(bp.amount_before, da.amount.filter(|_| p.pays));
                assert_eq!(bp.amount_after, db.amount.filter(|_| p.pays));
            } else if let Some(bp) = bp {
                assert_ne!(bp.kind, BreakKind::Eligibility);
                assert_ne!(bp.slope_before, bp.slope_after, "{} at {}", p.program, b.0);
            }
        }
    }
    found
}

#[test]
fn breakpoints_of_the_household_programs_equal_one_by_one_evaluation() {
    let r = rules();
    let case = household("1400", "900", "10000");
    // Around the dibao line (3 × 1045 = 3135 in all: 2235 for the first member).
    let dibao = matches_one_by_one(
        &r,
        &case,
        &query("members[0].monthly_income", "2225", "2245"),
    );
    let b = &dibao
        .programs
        .iter()
        .find(|p| p.program == "dibao")
        .unwrap()
        .breakpoints;
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0].before.to_string(), b[0].at.to_string()),
        ("2234.99".into(), "2235.00".into())
    );
    assert_eq!(
        (b[0].amount_before, b[0].amount_after),
        (Some(Decimal::new(1, 2)), Some(Decimal::ZERO))
    );
    assert_eq!(b[0].slope_before, Some(Decimal::from(-1)));
    let edge = &dibao
        .programs
        .iter()
        .find(|p| p.program == "low_income_edge")
        .unwrap()
        .breakpoints;
    assert_eq!(edge[0].at.to_string(), "2235.00");
    assert!(edge[0].eligible_after);
    // Around the edge line (1.5 × 3135 = 4702.5: 3802.50 for the first member).
    matches_one_by_one(
        &r,
        &case,
        &query("members[0].monthly_income", "3795", "3810"),
    );
    // Around the asset limit (48 × 1045 × 3 = 150480).
    let assets = matches_one_by_one(&r, &case, &query("financial_assets", "150470", "150490"));
    let b = &assets
        .programs
        .iter()
        .find(|p| p.program == "dibao")
        .unwrap()
        .breakpoints;
    assert_eq!(b[0].at.to_string(), "150480.01");
    // The temporary assistance's amount has a kink: its cap.
    let mut urgent = case.clone();
    urgent["emergency_hardship"] = json!(true);
    let t = matches_one_by_one(&r, &urgent, &query("emergency_need", "9400", "9410"));
    let b = &t
        .programs
        .iter()
        .find(|p| p.program == "temporary_assistance")
        .unwrap()
        .breakpoints;
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0].kind, b[0].at.to_string()),
        (BreakKind::Slope, "9405.01".into())
    );
    assert_eq!(
        (b[0].slope_before, b[0].slope_after),
        (Some(Decimal::ONE), Some(Decimal::ZERO))
    );
}

#[test]
fn a_million_points_across_every_line() {
    let r = rules();
    let found = cliffs(
        &r,
        &household("0", "900", "10000"),
        &query("members[0].monthly_income", "0", "9999.99"),
    )
    .unwrap();
    let at = |p: &str| -> Vec<String> {
        found
            .programs
            .iter()
            .find(|x| x.program == p)
            .unwrap()
            .breakpoints
            .iter()
            .map(|b| b.at.to_string())
            .collect()
    };
    assert_eq!(at("dibao"), ["2235.00"]);
    assert_eq!(at("low_income_edge"), ["2235.00", "3802.50"]);
    assert_eq!(found.segments.first().unwrap().from, Decimal::ZERO);
    assert_eq!(found.segments.last().unwrap().to.to_string(), "9999.99");
    assert_eq!(found.others, Some(Decimal::from(900)));
    let json = found.to_json();
    assert_eq!(json["vary"]["path"], "members[0].monthly_income");
    assert!(found.text(Lang::Zh).contains("2,234.99 → 2,235.00"));
    assert!(found.text(Lang::En).contains("no longer eligible"));
}

#[test]
fn bad_paths_and_ranges_name_the_field() {
    let r = rules();
    let case = household("1400", "900", "10000");
    let code = |path: &str, low: &str, high: &str| {
        let e = cliffs(&r, &case, &query(path, low, high)).unwrap_err();
        assert!(!e.message(Lang::Zh).is_empty() && !e.message(Lang::En).is_empty());
        (e.code(), e.loc().to_string())
    };
    assert_eq!(code("income", "0", "1").0, "unknown_field");
    assert_eq!(
        code("members[0]monthly_income", "0", "1").0,
        "unknown_field"
    );
    assert_eq!(
        code("members[7].monthly_income", "0", "1"),
        ("no_such_member", "members[7].monthly_income".into())
    );
    assert_eq!(code("registered_locally", "0", "1").0, "not_numeric");
    assert_eq!(code("members[0].birth_date", "0", "1").0, "not_numeric");
    assert_eq!(code("financial_assets", "10", "5").0, "inverted_range");
    assert_eq!(code("financial_assets", "-1", "5").0, "too_small");
    assert_eq!(code("financial_assets", "0.001", "5").0, "off_grid");
    assert_eq!(
        code("financial_assets", "0", "1000000").0,
        "too_many_points"
    );
    let mut bad = case.clone();
    bad["members"][0]["birth_date"] = json!("2030-01-01");
    let e = cliffs(&r, &bad, &query("financial_assets", "0", "1")).unwrap_err();
    assert_eq!(
        (e.code(), e.loc()),
        ("date_after_as_of", "members[0].birth_date")
    );
    let mut adults = case.clone();
    adults["members"].as_array_mut().unwrap().pop();
    let early = CliffQuery {
        as_of: day("2001-01-01"),
        ..query("financial_assets", "0", "1")
    };
    assert_eq!(
        cliffs(&r, &adults, &early).unwrap_err().code(),
        "no_rules_in_force"
    );
}

fn change(r: &RuleSet, case: &Json, program: &str, on: &str) -> Vec<WhatWouldChange> {
    let programs = [program.to_string()];
    what_would_change(
        r,
        case,
        &ChangeQuery {
            entity: "household",
            programs: Some(&programs),
            path: None,
            low: None,
            high: None,
            as_of: day(on),
            threads: 2,
            span: DEFAULT_SPAN,
        },
    )
    .unwrap()
}

#[test]
fn what_would_change_the_answer() {
    let r = rules();
    // Two members with 2400 in all under the 2024 standard of 1115: dibao
    // needs less than 2230 in all.
    let case = json!({"registered_locally": true, "financial_assets": "10000", "members": [
        {"birth_date": "1980-01-01", "monthly_income": "800"},
        {"birth_date": "1982-01-01", "monthly_income": "1600"}]});
    let found = change(&r, &case, "dibao", "2024-03-01");
    let income = found
        .iter()
        .find(|w| w.path == "members[1].monthly_income")
        .unwrap();
    assert!(!income.eligible);
    assert_eq!(
        income.finding,
        Finding::QualifyAtMost("1429.99".parse().unwrap())
    );
    assert!(income.sentence.zh.contains("如果第2位成员的“月收入”不超过 1,429.99 元（其他成员不变，全体成员合计 2,229.99 元），可能符合“"), "{}", income.sentence.zh);
    assert!(income.sentence.en.contains("if member 2's “Monthly income” is at most 1,429.99 yuan (2,229.99 yuan for all members together"), "{}", income.sentence.en);
    let assets = found.iter().find(|w| w.path == "financial_assets").unwrap();
    assert_eq!(assets.finding, Finding::Unchanged);
    // Eligible: how far from losing it.
    let poorer = json!({"registered_locally": true, "financial_assets": "10000", "members": [
        {"birth_date": "1980-01-01", "monthly_income": "800"},
        {"birth_date": "1982-01-01", "monthly_income": "1000"}]});
    let found = change(&r, &poorer, "dibao", "2024-03-01");
    let income = found
        .iter()
        .find(|w| w.path == "members[1].monthly_income")
        .unwrap();
    assert_eq!(
        income.finding,
        Finding::LoseAbove {
            at: "1430.00".parse().unwrap(),
            by: "430.00".parse().unwrap()
        }
    );
    assert!(
        income
            .sentence
            .en
            .contains("rose by 430.00 yuan, to 1,430.00 yuan"),
        "{}",
        income.sentence.en
    );
    // The edge status is not monotone along income: said so, with where it holds.
    let found = change(&r, &case, "low_income_edge", "2024-03-01");
    let income = found
        .iter()
        .find(|w| w.path == "members[1].monthly_income")
        .unwrap();
    assert!(income.eligible);
    assert!(
        matches!(income.finding, Finding::NotMonotone(_)),
        "{:?}",
        income.finding
    );
    assert!(income.sentence.zh.contains("非单调"));
    assert!(income.sentence.en.contains("not monotone"));
    assert_eq!(income.to_json()["finding"], "not_monotone");
}

#[test]
fn numbers_read_with_separators() {
    assert_eq!(text::number("2229.99".parse().unwrap(), true), "2,229.99");
    assert_eq!(text::number("150480".parse().unwrap(), true), "150,480.00");
    assert_eq!(
        text::number("-1234567".parse().unwrap(), false),
        "-1,234,567"
    );
    assert_eq!(text::number("12".parse().unwrap(), false), "12");
}
