//! The shared conformance suite, run through the Rust API.
//!
//! Every `tests/conformance/*.json` file holds cases as data (see
//! `tests/conformance/README.md`). Each case is loaded with
//! [`RuleSet::load_dir`], reformed with [`RuleSet::with_overrides`] when it
//! has a `reform`, and evaluated with [`RuleSet::evaluate_json`]. Expected
//! outputs are read with [`Outcome::get`]; explanations and assumptions from
//! [`Outcome::to_json`], the form the Python and WASM bindings expose.
//! Money and numbers are compared as exact decimals (`"735"` equals
//! `"735.00"`, and `"734.99"` does not).
//!
//! Every failing case is reported, not only the first.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::outcome::OutValue;
use bangfu::{money, Date, Decimal, Error, Outcome, Reform, RuleSet};
use serde_json::Value as Json;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One case with the file it came from and its rule set.
struct Case {
    file: String,
    ruleset: String,
    json: Json,
}

impl Case {
    fn id(&self) -> &str {
        self.json["id"].as_str().unwrap_or("(no id)")
    }
}

fn load_cases() -> Vec<Case> {
    let dir = repo_root().join("tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read a conformance file");
        let doc: Json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
        let ruleset = doc["ruleset"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: `ruleset` is missing", path.display()))
            .to_string();
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        for case in doc["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: `cases` is not a list", path.display()))
        {
            cases.push(Case {
                file: file.clone(),
                ruleset: ruleset.clone(),
                json: case.clone(),
            });
        }
    }
    cases
}

/// Whether an expected JSON value equals an output value: booleans exactly,
/// money and numbers as exact decimals, choices by id, dates by day.
fn matches(want: &Json, got: &OutValue) -> bool {
    match (want, got) {
        (Json::Bool(b), OutValue::Bool(g)) => b == g,
        (Json::String(s), OutValue::Money(_) | OutValue::Number(..)) => {
            money::parse_decimal(s).is_some_and(|d| got.decimal() == Some(d))
        }
        (Json::Number(n), OutValue::Money(_) | OutValue::Number(..)) => {
            money::parse_decimal(&n.to_string()).is_some_and(|d| got.decimal() == Some(d))
        }
        (Json::String(s), OutValue::Choice(id, _)) => s == id,
        (Json::String(s), OutValue::Date(d)) => Date::parse(s) == Some(*d),
        (Json::Null, OutValue::Missing) => true,
        _ => false,
    }
}

/// The rule sets of the suite, loaded once each.
#[derive(Default)]
struct RuleSets {
    base: HashMap<String, RuleSet>,
}

impl RuleSets {
    fn get(&mut self, path: &str) -> Result<&RuleSet, String> {
        if !self.base.contains_key(path) {
            let rules = RuleSet::load_dir(repo_root().join(path))
                .map_err(|e| format!("rule set `{path}` does not load:\n{}", e.render()))?;
            self.base.insert(path.to_string(), rules);
        }
        self.base
            .get(path)
            .ok_or_else(|| format!("rule set `{path}` is not loaded"))
    }
}

/// Runs one case; returns what went wrong (empty when it passed).
fn run_case(sets: &mut RuleSets, case: &Case) -> Vec<String> {
    let mut failures = Vec::new();
    let c = &case.json;
    let base = match sets.get(&case.ruleset) {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    let reformed;
    let rules = match c.get("reform") {
        Some(reform) => match Reform::from_json(reform)
            .map_err(Error::Reform)
            .and_then(|r| base.reform(&r))
        {
            Ok(r) => {
                reformed = r;
                &reformed
            }
            Err(e) => return vec![format!("the reform does not load:\n{e}")],
        },
        None => base,
    };
    let Some(as_of) = c["as_of"].as_str().and_then(Date::parse) else {
        return vec!["`as_of` is not a date".into()];
    };
    let Some(entity) = c["entity"].as_str() else {
        return vec!["`entity` is missing".into()];
    };
    let programs: Option<Vec<String>> = c.get("programs").and_then(Json::as_array).map(|a| {
        a.iter()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect()
    });
    let result = rules.evaluate_json(entity, &c["input"], as_of, programs.as_deref());
    match (c.get("expect_error"), result) {
        (Some(want), Err(err)) => {
            let code = want["code"].as_str().unwrap_or("");
            let loc = want.get("loc").and_then(Json::as_str);
            let found = match &err {
                Error::Input(errors) => errors
                    .iter()
                    .any(|e| e.code == code && loc.is_none_or(|l| e.loc == l)),
                other => other.code() == code && loc.is_none_or(str::is_empty),
            };
            if !found {
                failures.push(format!(
                    "expected error `{code}`{}, got `{}`: {err}",
                    loc.map(|l| format!(" at `{l}`")).unwrap_or_default(),
                    err.code()
                ));
            }
        }
        (Some(want), Ok(_)) => failures.push(format!(
            "expected error `{}`, but the case evaluated",
            want["code"].as_str().unwrap_or("")
        )),
        (None, Err(err)) => failures.push(format!("evaluation failed [{}]: {err}", err.code())),
        (None, Ok(outcome)) => {
            check_outcome(c, &outcome, &mut failures);
            check_decide(
                rules,
                entity,
                c,
                as_of,
                programs.as_deref(),
                &outcome,
                &mut failures,
            );
        }
    }
    failures
}

fn check_outcome(c: &Json, outcome: &Outcome, failures: &mut Vec<String>) {
    let expect = c.get("expect").and_then(Json::as_object);
    if expect.is_none_or(|e| e.is_empty()) && c.get("explanation").is_none() {
        failures.push("the case expects nothing: add `expect` or `expect_error`".into());
    }
    for (key, want) in expect.into_iter().flatten() {
        match outcome.get(key) {
            None => failures.push(format!("`{key}` is not an output of this case")),
            Some(got) if !matches(want, &got) => {
                failures.push(format!("`{key}`: expected {want}, got {}", got.to_json()))
            }
            Some(_) => {}
        }
    }
    let json = outcome.to_json();
    if let Some(explanations) = c.get("explanation").and_then(Json::as_object) {
        for (key, want) in explanations {
            let Some((program, condition)) = key.split_once(".conditions.") else {
                failures.push(format!(
                    "explanation key `{key}` is not `program.conditions.<id>`"
                ));
                continue;
            };
            let got = json["programs"][program]["conditions"]
                .as_array()
                .and_then(|cs| cs.iter().find(|x| x["id"] == condition))
                .map(|x| x["explanation"].clone());
            match got {
                None => failures.push(format!("`{key}` is not a condition of this case")),
                Some(got) => {
                    for lang in ["zh", "en"] {
                        if got[lang] != want[lang] {
                            failures.push(format!(
                                "`{key}` ({lang}): expected {}, got {}",
                                want[lang], got[lang]
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(names) = c.get("assumptions").and_then(Json::as_array) {
        let have: BTreeSet<&str> = json["assumptions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["name"].as_str())
            .collect();
        for name in names.iter().filter_map(Json::as_str) {
            if !have.contains(name) {
                failures.push(format!(
                    "assumption `{name}` is not listed; the outcome lists {have:?}"
                ));
            }
        }
    }
    if let Some(names) = c.get("not_assumptions").and_then(Json::as_array) {
        let listed = |n: &str| {
            json["assumptions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["name"].as_str() == Some(n))
        };
        for name in names.iter().filter_map(Json::as_str) {
            if listed(name) {
                failures.push(format!("assumption `{name}` is listed, but does not apply"));
            }
        }
    }
}

/// The explanation-free path ([`RuleSet::decide`]) must agree with the
/// outcome on eligibility and amount.
fn check_decide(
    rules: &RuleSet,
    entity: &str,
    c: &Json,
    as_of: Date,
    programs: Option<&[String]>,
    outcome: &Outcome,
    failures: &mut Vec<String>,
) {
    let case = match rules.parse_case(entity, &c["input"], as_of) {
        Ok(case) => case,
        Err(e) => {
            return failures.push(format!("parse_case fails where evaluate_json did not: {e}"))
        }
    };
    let decisions = match rules.decide(&case, as_of, programs) {
        Ok(d) => d,
        Err(e) => return failures.push(format!("decide fails where evaluate did not: {e}")),
    };
    for d in decisions {
        let name = &d.program;
        let Some(p) = outcome.program(name) else {
            failures.push(format!(
                "decide evaluated `{name}`, the outcome has no such program"
            ));
            continue;
        };
        let amount: Option<Decimal> = p.amount.as_ref().and_then(OutValue::decimal);
        if p.eligible != d.eligible || amount != d.amount {
            failures.push(format!(
                "`{name}`: evaluate gives ({}, {amount:?}), decide gives ({}, {:?})",
                p.eligible, d.eligible, d.amount
            ));
        }
    }
}

#[test]
fn conformance_suite_passes_through_the_rust_api() {
    let cases = load_cases();
    let mut sets = RuleSets::default();
    let mut report = String::new();
    let mut failed = 0;
    for case in &cases {
        let failures = run_case(&mut sets, case);
        if !failures.is_empty() {
            failed += 1;
            report.push_str(&format!("{} / {}:\n", case.file, case.id()));
            for f in failures {
                report.push_str(&format!("  {f}\n"));
            }
        }
    }
    assert!(
        failed == 0,
        "{failed} of {} conformance cases failed:\n{report}",
        cases.len()
    );
}

#[test]
fn conformance_suite_is_well_formed() {
    let cases = load_cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let allowed: BTreeSet<&str> = [
        "id",
        "description",
        "as_of",
        "entity",
        "programs",
        "reform",
        "input",
        "expect",
        "explanation",
        "assumptions",
        "not_assumptions",
        "expect_error",
    ]
    .into_iter()
    .collect();
    let mut ids = BTreeSet::new();
    for case in &cases {
        let id = case.id().to_string();
        assert!(ids.insert(id.clone()), "case id `{id}` is used twice");
        let obj = case.json.as_object().expect("a case is an object");
        for key in obj.keys() {
            assert!(allowed.contains(key.as_str()), "{id}: unknown key `{key}`");
        }
        for key in ["id", "description", "as_of", "entity", "input"] {
            assert!(obj.contains_key(key), "{id}: `{key}` is missing");
        }
        assert!(
            obj.contains_key("expect_error")
                != (obj.contains_key("expect") || obj.contains_key("explanation")),
            "{id}: give either expected outputs or an expected error"
        );
        for (key, want) in obj
            .get("expect")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
        {
            // Money and numbers are written as strings, never JSON floats.
            assert!(
                !(want.is_f64() || want.is_u64() && !want.is_i64()),
                "{id}: `{key}` is a JSON float; write it as a string"
            );
        }
    }
}

#[test]
fn conformance_suite_covers_every_program() {
    let cases = load_cases();
    let mut sets = RuleSets::default();
    let mut by_ruleset: HashMap<String, BTreeSet<String>> = HashMap::new();
    for case in &cases {
        let covered = by_ruleset.entry(case.ruleset.clone()).or_default();
        for key in case.json["expect"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            // A member's result (`members[1].dibao.amount`) covers its program.
            let key = match key.split_once("].") {
                Some((_, rest)) => rest,
                None => key,
            };
            if let Some((program, _)) = key.split_once('.') {
                covered.insert(program.to_string());
            }
        }
    }
    for (ruleset, covered) in &by_ruleset {
        let rules = sets.get(ruleset).expect("the rule set loads");
        for p in rules.programs() {
            assert!(
                covered.contains(&*p.name),
                "no conformance case expects an output of `{}` ({ruleset})",
                p.name
            );
            let eligible = format!("{}.eligible", p.name);
            let with_both =
                cases
                    .iter()
                    .filter(|c| c.ruleset == *ruleset)
                    .fold((false, false), |(t, f), c| {
                        let expect = c.json["expect"].as_object().into_iter().flatten();
                        // The program's own key, or a member's (`members[0].…`).
                        expect
                            .filter(|(k, _)| {
                                **k == eligible || k.ends_with(&format!("].{eligible}"))
                            })
                            .fold((t, f), |(t, f), (_, v)| match v {
                                Json::Bool(true) => (true, f),
                                Json::Bool(false) => (t, true),
                                _ => (t, f),
                            })
                    });
            assert!(
                with_both == (true, true),
                "`{}` needs a case where it is eligible and one where it is not",
                p.name
            );
        }
    }
}

/// Every case evaluated from the rule set's bundle (`RuleSet::to_bundle`,
/// read back with `RuleSet::from_bundle`; a reformed rule set is bundled
/// as reformed) gives the same JSON, the same explanations in both
/// languages and the same errors as from its rule files.
#[test]
fn conformance_suite_gives_identical_answers_from_a_bundle() {
    let cases = load_cases();
    let mut sets = RuleSets::default();
    let mut bundled: HashMap<String, RuleSet> = HashMap::new();
    let mut compared = 0;
    for case in &cases {
        let c = &case.json;
        let base = sets.get(&case.ruleset).unwrap().clone();
        let rules = match c.get("reform") {
            Some(reform) => match Reform::from_json(reform)
                .map_err(Error::Reform)
                .and_then(|r| base.reform(&r))
            {
                Ok(r) => r,
                Err(_) => continue,
            },
            None => base,
        };
        let from_bundle = bundled
            .entry(rules.hash().to_string())
            .or_insert_with(|| RuleSet::from_bundle(&rules.to_bundle()).unwrap());
        assert_eq!(from_bundle.schemas(), rules.schemas(), "{}", case.id());
        let as_of = Date::parse(c["as_of"].as_str().unwrap()).unwrap();
        let entity = c["entity"].as_str().unwrap();
        let programs: Option<Vec<String>> = c.get("programs").and_then(Json::as_array).map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        });
        let answer =
            |r: &RuleSet| match r.evaluate_json(entity, &c["input"], as_of, programs.as_deref()) {
                Ok(o) => (
                    o.to_json(),
                    o.explain(bangfu::Lang::Zh),
                    o.explain(bangfu::Lang::En),
                ),
                Err(e) => (Json::String(e.code().into()), e.to_string(), String::new()),
            };
        let (want, got) = (answer(&rules), answer(from_bundle));
        assert_eq!(want.0, got.0, "{} / {}: JSON differs", case.file, case.id());
        assert_eq!(
            want.1,
            got.1,
            "{} / {}: explanation differs",
            case.file,
            case.id()
        );
        assert_eq!(want.2, got.2, "{} / {}", case.file, case.id());
        compared += 1;
    }
    assert!(compared >= 40, "only {compared} cases compared");
}
