//! The Rust API's answers to a list of cases, for the differential test
//! across surfaces (`tests/differential/run.py`).
//!
//! `cargo run -p bangfu --example answers -- RULES_DIR CASES.json` reads
//! `[{"id", "as_of", "entity", "input"}, …]` and prints one JSON line per case:
//! `{"id", "outcome": <the outcome's JSON>}`, or `{"id", "errors": ["code@loc", …]}`
//! for invalid input, or `{"id", "error": "code"}` for a case that cannot be
//! evaluated.

use bangfu::{Date, Error, RuleSet};
use serde_json::{json, Value};
use std::process::ExitCode;

fn answer(rules: &RuleSet, case: &Value) -> Value {
    let id = case["id"].clone();
    let Some(as_of) = case["as_of"].as_str().and_then(Date::parse) else {
        return json!({"id": id, "error": "invalid_date"});
    };
    let entity = case["entity"].as_str().unwrap_or("household");
    match rules.evaluate_json(entity, &case["input"], as_of, None) {
        Ok(outcome) => match serde_json::to_value(&outcome) {
            Ok(outcome) => json!({"id": id, "outcome": outcome}),
            Err(e) => json!({"id": id, "error": format!("serialize: {e}")}),
        },
        Err(Error::Input(errors)) => {
            let mut found: Vec<String> = errors
                .iter()
                .map(|e| format!("{}@{}", e.code, e.loc))
                .collect();
            found.sort();
            json!({"id": id, "errors": found})
        }
        Err(e) => json!({"id": id, "error": e.code()}),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, cases] = args.as_slice() else {
        eprintln!("usage: answers RULES_DIR CASES.json");
        return ExitCode::from(2);
    };
    let rules = match RuleSet::load_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let text = match std::fs::read_to_string(cases) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{cases}: {e}");
            return ExitCode::from(1);
        }
    };
    let Ok(Value::Array(cases)) = serde_json::from_str::<Value>(&text) else {
        eprintln!("{cases}: not a JSON array of cases");
        return ExitCode::from(1);
    };
    for case in &cases {
        println!("{}", answer(&rules, case));
    }
    ExitCode::SUCCESS
}
