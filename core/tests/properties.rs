//! Property tests over the Chengyang rule set and the loader.
//!
//! - Loading never panics: on arbitrary bytes, on rule-like text, and on the
//!   real rule files after random mutations (byte flips, deleted,
//!   duplicated or swapped lines, truncation). Diagnostics of a failed load
//!   always render.
//! - Random formulas that load also evaluate: the checker's promise that a
//!   rule set that loads cannot fail at evaluation for a reason visible in
//!   the rules.
//! - Batch equals one by one: `batch::Population::build` + `batch::evaluate`
//!   give the same eligibility and amounts as `evaluate_json` per household,
//!   and invalid households are refused by both.
//! - Policy laws: more income never raises the dibao amount nor makes a
//!   household or person eligible; a higher dibao standard never shrinks the
//!   dibao or tekun eligible sets nor lowers an amount.
//! - Arbitrary JSON cases and meal records never panic, and outcomes are
//!   consistent (eligible exactly when every condition holds; nothing paid
//!   when not eligible; settlement totals add up).
//!
//! Case counts are kept small enough for the whole workspace test run to
//! stay within a couple of minutes on two cores; raise them locally with
//! `PROPTEST_CASES=…`.
//!
//! Rounding laws of money live beside the code, in `core/src/money.rs`.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::batch::{self, ColumnData, Population, Table};
use bangfu::{settle, Date, Decimal, Error, EvalError, Reform, RuleSet};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value as Json};
use std::sync::OnceLock;

mod common;
use common::{chengyang, repo};

/// The Chengyang rule files as `(path, text)`, in path order.
fn chengyang_files() -> &'static Vec<(String, String)> {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        chengyang()
            .sources()
            .files()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    })
}

fn minimal_files() -> Vec<(String, String)> {
    let dir = repo().join("tests/fixtures/valid/minimal");
    ["ruleset.toml", "parameters.toml", "programs.toml"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read_to_string(dir.join(f)).expect("fixture file"),
            )
        })
        .collect()
}

/// The Chengyang rule set with the dibao standard replaced, cached.
fn with_standards() -> &'static Vec<(Decimal, RuleSet)> {
    static SETS: OnceLock<Vec<(Decimal, RuleSet)>> = OnceLock::new();
    SETS.get_or_init(|| {
        ["500", "800", "1045", "1100", "1400", "2000"]
            .iter()
            .map(|s| {
                let rules = chengyang()
                    .reform(&Reform::new().set("dibao_standard", *s))
                    .unwrap_or_else(|e| panic!("reform {s}:\n{e}"));
                (s.parse().expect("a decimal"), rules)
            })
            .collect()
    })
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

// ---------------------------------------------------------------------------
// Households
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Member {
    birth: (i32, u32, u32),
    income_fen: i64,
}

#[derive(Debug, Clone)]
struct Household {
    registered: bool,
    assets_fen: i64,
    emergency: bool,
    need_fen: i64,
    medical_fen: i64,
    members: Vec<Member>,
}

impl Member {
    fn birth_date(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.birth.0, self.birth.1, self.birth.2
        )
    }
}

impl Household {
    fn to_json(&self) -> Json {
        json!({
            "registered_locally": self.registered,
            "financial_assets": yuan(self.assets_fen),
            "emergency_hardship": self.emergency,
            "emergency_need": yuan(self.need_fen),
            "medical_expenses_12m": yuan(self.medical_fen),
            "members": self.members.iter().map(|m| json!({
                "birth_date": m.birth_date(),
                "monthly_income": yuan(m.income_fen),
            })).collect::<Vec<_>>(),
        })
    }
}

fn member() -> impl Strategy<Value = Member> {
    (
        (1930i32..2016, 1u32..=12, 1u32..=28),
        prop_oneof![
            3 => 0i64..=150_000,
            1 => 0i64..=400_000,
            1 => Just(0i64),
        ],
    )
        .prop_map(|(birth, income_fen)| Member { birth, income_fen })
}

fn household() -> impl Strategy<Value = Household> {
    (
        any::<bool>(),
        prop_oneof![Just(0i64), 0i64..=20_000_000],
        any::<bool>(),
        0i64..=3_000_000,
        0i64..=6_000_000,
        prop::collection::vec(member(), 1..=5),
    )
        .prop_map(
            |(registered, assets_fen, emergency, need_fen, medical_fen, members)| Household {
                registered,
                assets_fen,
                emergency,
                need_fen,
                medical_fen,
                members,
            },
        )
}

fn as_of() -> impl Strategy<Value = Date> {
    prop::sample::select(vec![
        "2017-05-01",
        "2021-07-01",
        "2022-12-31",
        "2023-09-06",
        "2024-03-01",
    ])
    .prop_map(day)
}

/// Eligibility and amount of each program for one household, one by one.
fn one_by_one(
    rules: &RuleSet,
    h: &Json,
    on: Date,
    programs: Option<&[String]>,
) -> Result<Vec<(String, bool, Option<Decimal>)>, Error> {
    let outcome = rules.evaluate_json("household", h, on, programs)?;
    Ok(outcome
        .programs
        .iter()
        .map(|p| {
            (
                p.program.to_string(),
                p.eligible,
                p.amount.as_ref().and_then(|a| a.decimal()),
            )
        })
        .collect())
}

fn amount_of(rules: &RuleSet, h: &Household, on: Date, program: &str) -> (bool, Decimal) {
    let result = one_by_one(rules, &h.to_json(), on, Some(&[program.to_string()]))
        .unwrap_or_else(|e| panic!("{h:?} does not evaluate: {e}"));
    let (_, eligible, amount) = &result[0];
    (*eligible, amount.unwrap_or(Decimal::ZERO))
}

/// The households as columns. `as_dates` stores birth dates as Arrow-style
/// day numbers rather than text.
fn tables(households: &[Household], as_dates: bool) -> (Table, Table) {
    let dec = |fen: i64| Some(Decimal::new(fen, 2));
    let cases = Table {
        columns: vec![
            (
                "household_id".into(),
                ColumnData::Int((0..households.len() as i64).map(Some).collect()),
            ),
            (
                "registered_locally".into(),
                ColumnData::Bool(households.iter().map(|h| Some(h.registered)).collect()),
            ),
            (
                "financial_assets".into(),
                ColumnData::Decimal(households.iter().map(|h| dec(h.assets_fen)).collect()),
            ),
            (
                "emergency_hardship".into(),
                ColumnData::Bool(households.iter().map(|h| Some(h.emergency)).collect()),
            ),
            (
                "emergency_need".into(),
                ColumnData::Decimal(households.iter().map(|h| dec(h.need_fen)).collect()),
            ),
            (
                "medical_expenses_12m".into(),
                ColumnData::Decimal(households.iter().map(|h| dec(h.medical_fen)).collect()),
            ),
        ],
    };
    let rows: Vec<(i64, &Member)> = households
        .iter()
        .enumerate()
        .flat_map(|(i, h)| h.members.iter().map(move |m| (i as i64, m)))
        .collect();
    let births = if as_dates {
        ColumnData::Date(
            rows.iter()
                .map(|(_, m)| {
                    Date::from_ymd(m.birth.0, m.birth.1, m.birth.2).map(|d| {
                        d.days()
                            - Date::from_ymd(1970, 1, 1)
                                .map(|e| e.days())
                                .unwrap_or_default()
                    })
                })
                .collect(),
        )
    } else {
        ColumnData::Text(rows.iter().map(|(_, m)| Some(m.birth_date())).collect())
    };
    let members = Table {
        columns: vec![
            (
                "household_id".into(),
                ColumnData::Int(rows.iter().map(|(i, _)| Some(*i)).collect()),
            ),
            ("birth_date".into(), births),
            (
                "monthly_income".into(),
                ColumnData::Decimal(rows.iter().map(|(_, m)| dec(m.income_fen)).collect()),
            ),
        ],
    };
    (cases, members)
}

/// Compares batch results with one-by-one evaluation, household by household.
fn check_batch(
    rules: &RuleSet,
    households: &[Household],
    on: Date,
    as_dates: bool,
    threads: usize,
) -> Result<(), TestCaseError> {
    let (cases, members) = tables(households, as_dates);
    let (population, _row_errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .map_err(|e| TestCaseError::fail(format!("build: {e}")))?;
    let result = match batch::evaluate(rules, &population, on, None, threads) {
        Ok(r) => r,
        Err(_) => {
            // Then no household evaluates one by one either.
            for h in households {
                prop_assert!(one_by_one(rules, &h.to_json(), on, None).is_err());
            }
            return Ok(());
        }
    };
    prop_assert_eq!(result.evaluated.len(), households.len());
    for (i, h) in households.iter().enumerate() {
        match one_by_one(rules, &h.to_json(), on, None) {
            Err(e) => {
                prop_assert!(
                    !population.valid()[i] && !result.evaluated[i],
                    "household {} is refused one by one ({}) but evaluated in the batch",
                    i,
                    e
                );
            }
            Ok(programs) => {
                prop_assert!(
                    result.evaluated[i],
                    "household {} not evaluated in the batch",
                    i
                );
                prop_assert_eq!(programs.len(), result.programs.len());
                for ((name, eligible, amount), column) in programs.iter().zip(&result.programs) {
                    prop_assert_eq!(name, &column.program);
                    prop_assert_eq!(
                        *eligible,
                        column.eligible[i],
                        "{} eligible, household {}",
                        name,
                        i
                    );
                    let batch_amount = column.amount.as_ref().and_then(|a| a.get(i));
                    prop_assert_eq!(*amount, batch_amount, "{} amount, household {}", name, i);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 48, ..Config::default() })]

    #[test]
    fn batch_equals_one_by_one(
        households in prop::collection::vec(household(), 1..12),
        on in as_of(),
        as_dates in any::<bool>(),
    ) {
        check_batch(chengyang(), &households, on, as_dates, 1)?;
    }

    #[test]
    fn batch_equals_one_by_one_with_invalid_households(
        mut households in prop::collection::vec(household(), 1..8),
        broken in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u8..3), 1..3),
    ) {
        for (hi, mi, kind) in broken {
            let h = hi.get_mut(&mut households);
            let m = mi.get_mut(&mut h.members);
            match kind {
                0 => m.income_fen = -1,
                1 => m.birth = (2030, 1, 1),
                _ => h.assets_fen = -100,
            }
        }
        check_batch(chengyang(), &households, day("2023-09-06"), false, 1)?;
    }

    #[test]
    fn batch_with_a_reform_equals_one_by_one(
        households in prop::collection::vec(household(), 1..10),
        standard in prop::sample::select(vec![1usize, 3, 5]),
    ) {
        // A population is built once and evaluated against a reform.
        let rules = &with_standards()[standard].1;
        check_batch(rules, &households, day("2023-09-06"), false, 1)?;
    }

    #[test]
    fn more_income_never_raises_the_dibao_amount(
        h in household(),
        who in any::<prop::sample::Index>(),
        extra_fen in 0i64..=200_000,
        on in as_of(),
    ) {
        let mut richer = h.clone();
        who.get_mut(&mut richer.members).income_fen += extra_fen;
        let (e0, a0) = amount_of(chengyang(), &h, on, "dibao");
        let (e1, a1) = amount_of(chengyang(), &richer, on, "dibao");
        prop_assert!(a1 <= a0, "amount rose from {} to {} with {} fen more income", a0, a1, extra_fen);
        prop_assert!(!e1 || e0, "more income made the household eligible");
    }

    #[test]
    fn more_income_never_makes_a_person_tekun_eligible(
        m in member(),
        extra_fen in 0i64..=200_000,
        supporter in any::<bool>(),
        on in as_of(),
    ) {
        let person = |income: i64| json!({
            "birth_date": m.birth_date(),
            "monthly_income": yuan(income),
            "has_able_supporter": supporter,
        });
        let tekun = ["tekun".to_string()];
        let before = chengyang().evaluate_json("person", &person(m.income_fen), on, Some(&tekun));
        let after = chengyang().evaluate_json("person", &person(m.income_fen + extra_fen), on, Some(&tekun));
        let (Ok(before), Ok(after)) = (before, after) else {
            return Err(TestCaseError::fail("a valid person does not evaluate"));
        };
        let eligible = |o: &bangfu::Outcome| o.get("tekun.eligible") == Some(bangfu::outcome::OutValue::Bool(true));
        prop_assert!(!eligible(&after) || eligible(&before));
    }

    #[test]
    fn a_higher_dibao_standard_never_shrinks_the_eligible_set(
        households in prop::collection::vec(household(), 1..10),
    ) {
        let on = day("2023-09-06");
        for h in &households {
            let mut last: Option<(Decimal, bool, Decimal)> = None;
            for (standard, rules) in with_standards() {
                let (eligible, amount) = amount_of(rules, h, on, "dibao");
                if let Some((s0, e0, a0)) = last {
                    prop_assert!(!e0 || eligible, "eligible at {} but not at {}: {:?}", s0, standard, h);
                    prop_assert!(amount >= a0, "amount {} at {} but {} at {}", a0, s0, amount, standard);
                }
                last = Some((*standard, eligible, amount));
            }
        }
    }

    #[test]
    fn a_higher_dibao_standard_never_shrinks_the_tekun_eligible_set(
        members in prop::collection::vec((member(), any::<bool>(), 0u8..8, 0i64..=4), 1..10),
    ) {
        let kinds = ["none", "physical", "intellectual", "mental", "visual", "hearing", "speech", "multiple"];
        let on = day("2023-09-06");
        let tekun = ["tekun".to_string()];
        for (m, supporter, kind, grade) in &members {
            let person = json!({
                "birth_date": m.birth_date(),
                "monthly_income": yuan(m.income_fen),
                "has_able_supporter": supporter,
                "disability_kind": kinds[*kind as usize],
                "disability_grade": grade,
            });
            let mut last: Option<(bool, Decimal)> = None;
            for (_, rules) in with_standards() {
                let o = rules.evaluate_json("person", &person, on, Some(&tekun))
                    .map_err(|e| TestCaseError::fail(format!("{person}: {e}")))?;
                let p = o.program("tekun").ok_or_else(|| TestCaseError::fail("no tekun"))?;
                let amount = p.amount.as_ref().and_then(|a| a.decimal()).unwrap_or_default();
                if let Some((e0, a0)) = last {
                    prop_assert!(!e0 || p.eligible, "{}", person);
                    prop_assert!(amount >= a0, "{}", person);
                }
                last = Some((p.eligible, amount));
            }
        }
    }

    #[test]
    fn outcomes_are_consistent(h in household(), on in as_of()) {
        if let Ok(outcome) = chengyang().evaluate_json("household", &h.to_json(), on, None) {
            for p in &outcome.programs {
                prop_assert_eq!(p.eligible, p.conditions.iter().all(|c| c.passed), "{}", p.program);
                if !p.eligible {
                    if let Some(a) = p.amount.as_ref().and_then(|a| a.decimal()) {
                        prop_assert!(a.is_zero(), "{} pays {} while not eligible", p.program, a);
                    }
                }
                for c in &p.conditions {
                    prop_assert!(!c.explanation().zh.is_empty() && !c.explanation().en.is_empty());
                    let unrendered = c.explanation().zh.contains('{') || c.explanation().en.contains('{');
                    prop_assert!(!unrendered, "unrendered placeholder in {:?}", c.explanation());
                }
            }
            for lang in [bangfu::Lang::Zh, bangfu::Lang::En] {
                prop_assert!(!outcome.explain(lang).is_empty());
            }
            let _ = outcome.to_json();
        }
    }
}

// ---------------------------------------------------------------------------
// Loading never panics
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(prop::sample::Index, u8),
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    Truncate(prop::sample::Index),
    InsertText(prop::sample::Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippets = vec![
        "\"",
        "'",
        "[",
        "]]",
        "{",
        "}",
        "=",
        "\n",
        "1.5",
        "-1",
        "\"-0\"",
        "0",
        "99999999999999999999999999999999",
        "2023-02-30",
        "\u{FEFF}",
        "é",
        "中",
        "}}",
        "{{",
        " / 0",
        " * ",
        "(",
        ")",
        "if ",
        " then ",
        "CNY",
        "[parameters.x]\n",
        "[[examples]]\n",
        "formula = \"x\"\n",
        "\\u0000",
        "#",
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<prop::sample::Index>().prop_map(Mutation::DeleteLine),
        any::<prop::sample::Index>().prop_map(Mutation::DuplicateLine),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), prop::sample::select(snippets))
            .prop_map(|(i, s)| Mutation::InsertText(i, s)),
    ]
}

fn mutate(text: &str, m: &Mutation) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    match m {
        Mutation::FlipByte(i, b) => {
            if !bytes.is_empty() {
                let at = i.index(bytes.len());
                bytes[at] ^= b;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i.index(lines.len()));
            }
            lines.concat()
        }
        Mutation::DuplicateLine(i) => {
            if !lines.is_empty() {
                let at = i.index(lines.len());
                lines.insert(at, lines[at]);
            }
            lines.concat()
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                let (x, y) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(x, y);
            }
            lines.concat()
        }
        Mutation::Truncate(i) => {
            bytes.truncate(i.index(bytes.len() + 1));
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::InsertText(i, s) => {
            let mut at = i.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{s}{}", &text[..at], &text[at..])
        }
    }
}

/// Loads, and exercises whatever comes out: diagnostics render, a rule set
/// that loads runs its examples and a case.
fn load_and_use(files: Vec<(String, String)>) {
    match RuleSet::from_files(files) {
        Err(e) => {
            assert!(
                !e.diagnostics.is_empty(),
                "a failed load reports no diagnostic"
            );
            let _ = e.render();
            let _ = e.records();
        }
        Ok(rules) => {
            let _ = bangfu::examples::run_examples(&rules);
            let h = json!({"registered_locally": true, "financial_assets": "0",
                "members": [{"birth_date": "1950-01-01", "monthly_income": "500"}]});
            for on in ["2016-01-01", "2023-09-06", "2199-12-31"] {
                if let Ok(o) = rules.evaluate_json("household", &h, day(on), None) {
                    let _ = o.to_json();
                    let _ = o.explain(bangfu::Lang::Zh);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(Config { cases: 96, ..Config::default() })]

    #[test]
    fn loading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        load_and_use(vec![("ruleset.toml".into(), String::from_utf8_lossy(&bytes).into_owned())]);
    }

    #[test]
    fn loading_rule_like_text_never_panics(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "[ruleset]\n", "id = \"x\"\n", "version = \"1\"\n", "[parameters.p]\n", "type = \"money\"\n",
            "[[parameters.p.history]]\n", "from = 2023-01-01\n", "until = 2022-01-01\n", "value = \"1\"\n",
            "value = 1.5\n", "status = \"published\"\n", "status = \"derived\"\n", "formula = \"p * 2\"\n",
            "source = { document = \"d\", note = { zh = \"注\", en = \"n\" } }\n", "label = { zh = \"中\", en = \"e\" }\n",
            "[entities.e]\n", "[entities.e.inputs.i]\n", "type = \"integer\"\n", "min = 0\n",
            "[programs.q]\n", "entity = \"e\"\n", "[[programs.q.conditions]]\n", "id = \"c\"\n",
            "test = \"i / i > p\"\n", "test = \"if i > 0 then 1 / i > 0 else false\"\n",
            "[programs.q.amount]\n", "formula = \"p\"\n", "[tables.t]\n", "key = \"integer\"\n",
            "hit = \"unique\"\n", "rows = [{ at_least = 1, output = \"1\" }, { below = 2, output = \"2\" }]\n",
            "[[examples]]\n", "entity = \"e\"\n", "as_of = 2023-01-01\n", "input = { i = 1 }\n",
            "expect = { \"q.amount\" = \"1\" }\n", "\n", "#\n", "=", "\"", "{", "}", "[",
        ]), 0..80),
    ) {
        load_and_use(vec![("ruleset.toml".into(), tokens.concat())]);
    }

    #[test]
    fn loading_mutated_chengyang_files_never_panics(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut files = chengyang_files().clone();
        let at = file.index(files.len());
        for m in &mutations {
            files[at].1 = mutate(&files[at].1, m);
        }
        load_and_use(files);
    }

    #[test]
    fn loading_mutated_minimal_files_never_panics(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut files = minimal_files();
        let at = file.index(files.len());
        for m in &mutations {
            files[at].1 = mutate(&files[at].1, m);
        }
        load_and_use(files);
    }
}

// ---------------------------------------------------------------------------
// Random formulas: a rule set that loads evaluates
// ---------------------------------------------------------------------------

fn money_expr() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "household_income",
        "per_capita_income",
        "standard",
        "top_up",
        "100 CNY",
        "0 CNY",
        "sum(members, monthly_income)",
        "max(members, monthly_income)",
    ])
    .prop_map(str::to_string);
    leaf.prop_recursive(3, 12, 3, |inner| {
        let number = number_expr_shallow();
        prop_oneof![
            3 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            3 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            2 => (inner.clone(), prop::sample::select(vec!["2", "0.5", "3", "0"]))
                .prop_map(|(a, k)| format!("({a} * {k})")),
            1 => (inner.clone(), number.clone()).prop_map(|(a, n)| format!("({a} / {n})")),
            3 => (inner.clone(), number.clone(), inner.clone())
                .prop_map(|(a, n, b)| format!("(if {n} > 0 then {a} / {n} else {b})")),
            2 => (inner.clone(), number.clone(), inner.clone())
                .prop_map(|(a, n, b)| format!("(if {n} != 0 then {a} / {n} else {b})")),
            2 => (inner.clone(), number.clone(), inner.clone())
                .prop_map(|(a, n, b)| format!("(if 0 < {n} and {n} < 3 then {a} / {n} else {b})")),
            3 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("min({a}, {b})")),
            3 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("max({a}, {b})")),
            2 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("(if {c} > 500 CNY then {a} else {b})")),
            2 => inner.clone().prop_map(|a| format!("round_up({a}, 1)")),
            2 => inner.clone().prop_map(|a| format!("round_half_even({a}, 0.01)")),
            2 => inner.clone().prop_map(|a| format!("(-{a})")),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} / {b} * 100 CNY)")),
        ]
    })
}

fn number_expr_shallow() -> impl Strategy<Value = String> + Clone {
    prop::sample::select(vec![
        "rooms",
        "count(members)",
        "(rooms + 1)",
        "(rooms - 1)",
        "max(rooms, 1)",
        "min(rooms, 2)",
        "count(members, monthly_income > 0 CNY)",
        "(count(members) - 1)",
        "2",
        "0.5",
        "0",
        "(household_income / standard)",
        "round_up(rooms, 1)",
        "round_down(count(members), 2)",
        "max(count(members), rooms)",
    ])
    .prop_map(str::to_string)
}

fn bool_expr() -> impl Strategy<Value = String> {
    (
        money_expr(),
        money_expr(),
        number_expr_shallow(),
        money_expr(),
    )
        .prop_flat_map(|(a, b, n, c)| {
            prop_oneof![
                Just(format!("{a} < {b}")),
                Just(format!("{n} > 0 and {c} / {n} > {a}")),
                Just(format!("{n} >= 1 and {c} / {n} > {a}")),
                Just(format!("{n} > 0 or {c} / {n} > {a}")),
                Just(format!("not ({n} == 0) and {c} / {n} > {a}")),
                Just(format!("any(members, monthly_income > {a})")),
                Just(format!("all(members, monthly_income / {n} > {a})")),
            ]
        })
}

fn minimal_with(value_formula: &str, test: &str) -> Vec<(String, String)> {
    let mut files = minimal_files();
    for (path, text) in &mut files {
        if path == "programs.toml" {
            *text = text.replacen(
                "[[programs.aid.conditions]]",
                &format!(
                    "[programs.aid.values.fuzz]\nformula = {}\nlabel = {{ zh = \"模糊\", en = \"Fuzz\" }}\n\n\
                     [[programs.aid.conditions]]\nid = \"fuzz_test\"\ntest = {}\nlabel = {{ zh = \"模糊\", en = \"Fuzz\" }}\n\
                     pass = {{ zh = \"是 {{fuzz}}\", en = \"yes {{fuzz}}\" }}\nfail = {{ zh = \"否\", en = \"no\" }}\n\n\
                     [[programs.aid.conditions]]",
                    json!(value_formula),
                    json!(test)
                ),
                1,
            );
        }
    }
    files
}

proptest! {
    #![proptest_config(Config { cases: 160, ..Config::default() })]

    #[test]
    fn random_formulas_that_load_evaluate(
        formula in money_expr(),
        test in bool_expr(),
        rooms in 0i64..=3,
        incomes in prop::collection::vec(prop_oneof![Just(0i64), 1i64..=300_000], 1..=4),
        on in prop::sample::select(vec!["2023-06-01", "2024-06-01"]),
    ) {
        let files = minimal_with(&formula, &test);
        let Ok(rules) = RuleSet::from_files(files) else {
            // Refused at load time: nothing to evaluate.
            return Ok(());
        };
        let case = json!({
            "rooms": rooms,
            "members": incomes.iter().map(|f| json!({"birth_date": "1970-01-01", "monthly_income": yuan(*f)})).collect::<Vec<_>>(),
        });
        match rules.evaluate_json("household", &case, day(on), None) {
            Ok(outcome) => {
                let _ = outcome.explain(bangfu::Lang::En);
            }
            Err(Error::Eval(EvalError::Overflow { .. })) if formula.matches('/').count() >= 3 => {
                // Chains of divisions by small decimals can exceed 28 digits.
            }
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "the rule set loads, but `{formula}` / `{test}` fails at evaluation with {case}: {e}"
                )));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Arbitrary cases and records never panic
// ---------------------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        (-1000i64..100_000).prop_map(|i| json!(i)),
        prop::sample::select(vec![
            "",
            "0",
            "-0",
            "800",
            "800.5",
            "800.555",
            "1e3",
            "NaN",
            "1045.00",
            " 12 ",
            "12,5",
            "2023-09-06",
            "1950-02-29",
            "1952-02-29",
            "2024-13-01",
            "1800-01-01",
            "2200-12-31",
            "lunch",
            "breakfast",
            "true",
            "中文",
            "99999999999999999999999999999",
            "-99999999999999999999999999",
        ])
        .prop_map(|s| Json::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 40, 5, |inner| {
        let keys = prop::sample::select(vec![
            "registered_locally",
            "financial_assets",
            "members",
            "birth_date",
            "monthly_income",
            "emergency_hardship",
            "emergency_need",
            "medical_expenses_12m",
            "disability_kind",
            "disability_grade",
            "has_able_supporter",
            "unknown",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..25).prop_map(Json::Array),
            prop::collection::vec((keys, inner), 0..7).prop_map(|kv| Json::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn record() -> impl Strategy<Value = Map<String, Json>> {
    let cell = |choices: Vec<&'static str>| {
        prop::sample::select(choices).prop_map(|s| Json::String(s.to_string()))
    };
    (
        cell(vec!["p1", "p2", "p3", "", " p1 "]),
        cell(vec![
            "2023-09-01",
            "2023-09-30",
            "2023-10-01",
            "2022-12-31",
            "2023-02-29",
            "x",
            "2023-09-15",
        ]),
        cell(vec![
            "1950-01-01",
            "1963-09-15",
            "1970-01-01",
            "2024-01-01",
            "1800-01-01",
        ]),
        cell(vec!["lunch", "dinner", "breakfast", "brunch"]),
        cell(vec!["true", "false", "是", "否", "maybe", "1", "0"]),
        cell(vec!["12", "2.50", "0", "-1", "12.345", "abc", ""]),
        any::<bool>(),
    )
        .prop_map(|(person, date, birth, kind, designated, price, extra)| {
            let mut m = Map::new();
            m.insert("person_id".into(), person);
            m.insert("meal_date".into(), date);
            m.insert("birth_date".into(), birth);
            m.insert("meal_kind".into(), kind);
            m.insert("canteen_designated".into(), designated);
            m.insert("price".into(), price);
            if extra {
                m.insert("canteen".into(), Json::String("A".into()));
            }
            m
        })
}

proptest! {
    #![proptest_config(Config { cases: 128, ..Config::default() })]

    #[test]
    fn arbitrary_json_cases_never_panic(
        input in json_value(),
        entity in prop::sample::select(vec!["household", "person", "meal", "canteen", "operator", "community", "nobody"]),
        on in prop::sample::select(vec!["1800-01-01", "2017-03-31", "2023-09-06", "2200-12-31"]),
    ) {
        match chengyang().evaluate_json(entity, &input, day(on), None) {
            Ok(outcome) => {
                let _ = outcome.to_json();
                let _ = outcome.explain(bangfu::Lang::Zh);
            }
            Err(Error::Input(errors)) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(!e.code.is_empty() && !e.msg.is_empty());
                }
            }
            Err(e) => {
                prop_assert!(!e.code().is_empty());
            }
        }
    }

    #[test]
    fn settlements_add_up(records in prop::collection::vec(record(), 0..25), strict in any::<bool>()) {
        match settle::settle(chengyang(), "meal_subsidy", "2023-09", &records, strict) {
            Ok(s) => {
                prop_assert_eq!(s.len(), records.len());
                prop_assert_eq!(s.accepted().count() + s.rejected().count(), records.len());
                let per_person: Decimal = s.per_person.iter().map(|p| p.amount).sum();
                prop_assert_eq!(per_person, s.total);
                let accepted: Decimal = s.accepted().map(|r| r.amount).sum();
                prop_assert_eq!(accepted, s.total);
                for r in s.rejected() {
                    prop_assert!(r.amount.is_zero());
                }
                for r in s.accepted() {
                    prop_assert!(r.amount > Decimal::ZERO && r.amount <= Decimal::from(6));
                }
            }
            Err(Error::Input(errors)) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(e.loc.starts_with("line "), "{}", e.loc);
                }
            }
            Err(e) => return Err(TestCaseError::fail(format!("settlement fails: {e}"))),
        }
    }
}

// ---------------------------------------------------------------------------
// Large batches (the threaded path)
// ---------------------------------------------------------------------------

/// A batch above the parallel threshold gives the same answers on one and
/// on several threads, and the same as one-by-one evaluation on a sample.
#[test]
fn large_batch_equals_one_by_one_on_two_threads() {
    let n = batch::PARALLEL_THRESHOLD + 300;
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    let households: Vec<Household> = (0..n)
        .map(|_| Household {
            registered: next(10) > 0,
            assets_fen: next(10_000_000) as i64,
            emergency: next(4) == 0,
            need_fen: next(2_000_000) as i64,
            medical_fen: next(5_000_000) as i64,
            members: (0..1 + next(4))
                .map(|_| Member {
                    birth: (
                        1930 + next(85) as i32,
                        1 + next(12) as u32,
                        1 + next(28) as u32,
                    ),
                    income_fen: next(250_000) as i64,
                })
                .collect(),
        })
        .collect();
    let on = day("2023-09-06");
    let rules = chengyang();
    let (cases, members) = tables(&households, true);
    let (population, errors) = Population::build(
        rules,
        "household",
        &cases,
        Some(&members),
        "household_id",
        on,
    )
    .expect("the population builds");
    assert!(errors.is_empty(), "{errors:?}");
    let one = batch::evaluate(rules, &population, on, None, 1).expect("one thread");
    let two = batch::evaluate(rules, &population, on, None, 2).expect("two threads");
    assert_eq!(one, two);
    for i in (0..n).step_by(97) {
        let expected = one_by_one(rules, &households[i].to_json(), on, None).expect("evaluates");
        for ((name, eligible, amount), column) in expected.iter().zip(&two.programs) {
            assert_eq!(name, &column.program);
            assert_eq!(*eligible, column.eligible[i], "{name}, household {i}");
            assert_eq!(
                *amount,
                column.amount.as_ref().and_then(|a| a.get(i)),
                "{name}, household {i}"
            );
        }
    }
}
