//! Input schemas, from which self-check forms are generated.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, Error};
use serde_json::{json, Map, Value as Json};

mod common;
use common::chengyang;

/// A plausible value for a schema field: what a person filling in the form
/// might enter.
fn sample(field: &Json) -> Json {
    match field["type"].as_str() {
        Some("money") => json!("500"),
        Some("integer") | Some("number") => match &field["min"] {
            Json::String(m) => json!(m),
            _ => json!(0),
        },
        Some("bool") => json!(true),
        Some("date") => json!("1950-06-01"),
        Some("enum") => field["choices"][0]["id"].clone(),
        _ => Json::Null,
    }
}

fn fill(fields: &Json) -> Map<String, Json> {
    fields
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["name"].as_str().unwrap_or("").to_string(), sample(f)))
        .collect()
}

#[test]
fn every_program_has_a_schema_with_labels() {
    let rules = chengyang();
    for p in rules.programs() {
        let schema = rules
            .schema(&p.name)
            .unwrap_or_else(|_| panic!("no schema for {}", p.name));
        assert_eq!(schema["program"], &*p.name);
        assert_eq!(schema["entity"], p.entity.as_str());
        let fields = schema["fields"].as_array().expect("fields");
        for f in fields.iter().chain(
            schema["collections"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["fields"].as_array().into_iter().flatten()),
        ) {
            for lang in ["zh", "en"] {
                assert!(
                    f["label"][lang].as_str().is_some_and(|l| !l.is_empty()),
                    "{}: field {} has no {lang} label",
                    p.name,
                    f["name"]
                );
            }
            assert!(
                ["money", "integer", "number", "bool", "date", "enum"]
                    .contains(&f["type"].as_str().unwrap_or("")),
                "{}: {f}",
                p.name
            );
        }
    }
}

/// A form generated from a program's schema, filled in with its required
/// fields (and one member for each collection), gives a case that
/// evaluates: the schema lists everything `evaluate_json` requires.
#[test]
fn a_form_filled_from_the_schema_evaluates() {
    let rules = chengyang();
    let on = Date::parse("2023-09-06").expect("a date");
    let mut report = String::new();
    for p in rules.programs() {
        let schema = rules.schema(&p.name).expect("a schema");
        let mut case = fill(&schema["fields"]);
        for c in schema["collections"].as_array().into_iter().flatten() {
            let member = Json::Object(fill(&c["fields"]));
            case.insert(
                c["name"].as_str().unwrap_or("").to_string(),
                json!([member]),
            );
        }
        let entity = p.entity.clone();
        match rules.evaluate_json(
            &entity,
            &Json::Object(case.clone()),
            on,
            Some(&[p.name.to_string()]),
        ) {
            Ok(_) => {}
            Err(Error::Input(errors)) => {
                report.push_str(&format!("{} (case {}):\n", p.name, Json::Object(case)));
                for e in errors {
                    report.push_str(&format!("  {e}\n"));
                }
            }
            Err(e) => report.push_str(&format!("{}: {e}\n", p.name)),
        }
    }
    assert!(
        report.is_empty(),
        "cases filled from the schema are refused:\n{report}"
    );
}
