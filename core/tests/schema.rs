//! Input schemas, from which self-check forms are generated.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Date, Error, FieldProblem, RuleSet, AS_OF};
use proptest::prelude::*;
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

/// Every field of every program's form: (collection, field), the field's
/// schema included; the evaluation date first.
fn form_fields(schema: &Json) -> Vec<(Option<String>, Json)> {
    let mut out = vec![(None, schema["as_of"].clone())];
    for f in schema["fields"].as_array().into_iter().flatten() {
        out.push((None, f.clone()));
    }
    for c in schema["collections"].as_array().into_iter().flatten() {
        for f in c["fields"].as_array().into_iter().flatten() {
            out.push((c["name"].as_str().map(str::to_string), f.clone()));
        }
    }
    out
}

/// The problems a field's schema says it can have, from its rules alone.
fn expected_codes(f: &Json) -> Vec<&'static str> {
    let mut codes = vec!["wrong_type"];
    if f["required"] == true {
        codes.push("missing");
    }
    match f["type"].as_str() {
        Some("money") => codes.push("invalid_money"),
        Some("integer") => codes.extend(["invalid_number", "not_integer"]),
        Some("number") => codes.push("invalid_number"),
        Some("date") => codes.push("invalid_date"),
        Some("enum") => codes.push("unknown_choice"),
        _ => {}
    }
    if f["not_after_as_of"] == true {
        codes.push("date_after_as_of");
    }
    if !f["max_age"].is_null() {
        codes.push("age_out_of_range");
    }
    if !f["min"].is_null() {
        codes.push("too_small");
    }
    if !f["max"].is_null() {
        codes.push("too_large");
    }
    codes.sort_unstable();
    codes
}

#[test]
fn every_field_has_its_messages_in_chinese_and_english() {
    let rules = chengyang();
    for p in rules.programs() {
        let schema = rules.schema(&p.name).expect("a schema");
        let program = &schema["program"];
        for (collection, f) in form_fields(&schema) {
            let name = format!("{program}: {collection:?}.{}", f["name"]);
            let messages = f["messages"].as_object().expect("messages");
            let mut codes: Vec<&str> = messages.keys().map(String::as_str).collect();
            codes.sort_unstable();
            assert_eq!(codes, expected_codes(&f), "{name}");
            for (code, text) in messages {
                for lang in ["zh", "en"] {
                    let m = text[lang].as_str().unwrap_or("");
                    assert!(!m.is_empty(), "{name}: {code} has no {lang} message");
                }
            }
            // Limits are filled in, as a person reads them.
            if let Some(min) = f["min"].as_str() {
                assert_eq!(
                    messages["too_small"]["zh"],
                    format!("不能小于 {min}。"),
                    "{name}"
                );
                assert_eq!(
                    messages["too_small"]["en"],
                    format!("Must be at least {min}."),
                    "{name}"
                );
            }
            if let Some(age) = f["max_age"].as_i64() {
                assert!(messages["age_out_of_range"]["zh"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{age} 岁")));
            }
            for lang in ["zh", "en"] {
                assert!(
                    f["label"][lang].as_str().is_some_and(|l| !l.is_empty()),
                    "{name}"
                );
                if f["type"] == "money" {
                    assert!(
                        f["unit_label"][lang]
                            .as_str()
                            .is_some_and(|u| !u.is_empty()),
                        "{name}"
                    );
                }
            }
        }
        for c in schema["collections"].as_array().into_iter().flatten() {
            let messages = c["messages"].as_object().expect("collection messages");
            assert!(
                messages.contains_key("too_many_items"),
                "{program}: {}",
                c["name"]
            );
            for text in messages.values() {
                assert!(text["zh"].as_str().is_some_and(|m| !m.is_empty()));
                assert!(text["en"].as_str().is_some_and(|m| !m.is_empty()));
            }
        }
        if schema["pays_amount"] == true {
            assert!(schema["amount_unit_label"]["zh"].is_string(), "{program}");
        }
    }
    let dibao = rules.schema("dibao").unwrap();
    assert_eq!(
        dibao["amount_unit_label"],
        json!({"zh": "元", "en": "yuan"})
    );
    let canteen = rules.schema("canteen_operating_grant").unwrap();
    let months = canteen["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "months_operated_in_year")
        .unwrap();
    assert_eq!(months["unit_label"], json!({"zh": "个月", "en": "months"}));
    assert_eq!(months["integer"], true);
    assert_eq!(months["messages"]["too_large"]["zh"], "不能大于 12。");
}

/// How a form sends a field's text in a case: left out when empty, yes/no
/// as true and false, anything else as the string typed.
fn form_value(raw: &str, f: &Json) -> Option<Json> {
    match (raw, f["type"].as_str()) {
        ("", _) => None,
        ("true", Some("bool")) => Some(json!(true)),
        ("false", Some("bool")) => Some(json!(false)),
        _ => Some(json!(raw)),
    }
}

/// The code the case reader gives for `raw` in field `f` of a case filled
/// in from the schema, or `None` when the field reads without a problem.
fn reader_code(
    rules: &RuleSet,
    schema: &Json,
    collection: Option<&str>,
    f: &Json,
    raw: &str,
    on: Date,
) -> Option<String> {
    let name = f["name"].as_str().unwrap();
    if collection.is_none() && name == AS_OF {
        return Date::parse(raw).is_none().then(|| {
            if raw.is_empty() {
                "missing"
            } else {
                "invalid_date"
            }
            .into()
        });
    }
    let mut case = fill(&schema["fields"]);
    for c in schema["collections"].as_array().into_iter().flatten() {
        let mut member = fill(&c["fields"]);
        if Some(c["name"].as_str().unwrap()) == collection {
            member.remove(name);
            if let Some(v) = form_value(raw, f) {
                member.insert(name.into(), v);
            }
        }
        case.insert(c["name"].as_str().unwrap().into(), json!([member]));
    }
    if collection.is_none() {
        case.remove(name);
        if let Some(v) = form_value(raw, f) {
            case.insert(name.into(), v);
        }
    }
    let loc = match collection {
        Some(c) => format!("{c}[0].{name}"),
        None => name.to_string(),
    };
    let entity = schema["entity"].as_str().unwrap();
    // Read as for evaluating the form's program: what it does not read may be left out.
    let program = [schema["program"].as_str().unwrap().to_string()];
    match rules.parse_case_for(entity, &Json::Object(case), on, Some(&program)) {
        Ok(_) => None,
        Err(Error::Input(errors)) => errors
            .into_iter()
            .find(|e| e.loc == loc)
            .map(|e| e.code.to_string()),
        Err(e) => panic!("{e}"),
    }
}

/// Checks that `check_field` and the case reader agree on `raw` in every
/// field of every program; returns how many values were refused.
fn agree(raws: &[String]) -> usize {
    let rules = chengyang();
    let on = Date::parse("2023-09-06").unwrap();
    let mut refused = 0;
    for p in rules.programs() {
        let schema = rules.schema(&p.name).unwrap();
        for (collection, f) in form_fields(&schema) {
            let name = f["name"].as_str().unwrap();
            let mut raws = raws.to_vec();
            raws.extend(
                f["choices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| c["id"].as_str().unwrap().to_string()),
            );
            for raw in &raws {
                let checked = rules
                    .check_field(&p.name, collection.as_deref(), name, raw, Some(on))
                    .unwrap_or_else(|e| panic!("{e}"));
                let read = reader_code(rules, &schema, collection.as_deref(), &f, raw, on);
                assert_eq!(
                    checked.as_ref().map(|p| p.code),
                    read.as_deref(),
                    "{}: {collection:?}.{name} = {raw:?}",
                    schema["program"]
                );
                if let Some(FieldProblem { code, message }) = checked {
                    refused += 1;
                    assert!(!message.zh.is_empty() && !message.en.is_empty());
                    // The message is the schema's, with the date filled in.
                    if code != "date_after_as_of" {
                        assert_eq!(f["messages"][code]["zh"], &*message.zh, "{name} {code}");
                        assert_eq!(f["messages"][code]["en"], &*message.en, "{name} {code}");
                    } else {
                        assert!(message.zh.contains("2023-09-06"));
                    }
                }
            }
        }
    }
    refused
}

#[test]
fn check_field_agrees_with_the_case_reader() {
    let raws: Vec<String> = [
        "",
        " ",
        "0",
        "500",
        "1045.50",
        "-1",
        "0.001",
        "1.5",
        "12.345",
        "1,000",
        "1e3",
        "abc",
        " 7 ",
        "3",
        "5",
        "13",
        "21",
        "１０００",
        "99999999999999999999999999999",
        "2030-01-01",
        "1850-01-01",
        "1873-09-07",
        "1950-06-01",
        "2023-09-06",
        "2023-09-07",
        "2023-02-29",
        "1980-1-1",
        "true",
        "false",
        "yes",
        "nope",
        "none",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["1".repeat(45)])
    .collect();
    assert!(agree(&raws) > 100, "the values include many refusals");
}

#[test]
fn check_field_names_what_it_cannot_find() {
    let rules = chengyang();
    let dibao = "dibao";
    let on = Date::parse("2023-09-06");
    let e = rules
        .check_field(dibao, None, "hukou", "x", on)
        .unwrap_err();
    assert_eq!((e.code, e.loc.as_str()), ("unknown_field", "hukou"));
    let e = rules
        .check_field(dibao, Some("pets"), "name", "x", on)
        .unwrap_err();
    assert_eq!((e.code, e.loc.as_str()), ("unknown_field", "pets.name"));
    let e = rules
        .check_field(dibao, Some("members"), AS_OF, "2023-09-06", on)
        .unwrap_err();
    assert_eq!(e.loc, "members.as_of");
    assert_eq!(
        rules
            .check_field("housing", None, "x", "", on)
            .unwrap_err()
            .code,
        "unknown_program"
    );
    // The evaluation date itself, and dates checked without it.
    assert_eq!(
        rules
            .check_field(dibao, None, AS_OF, "", None)
            .unwrap()
            .unwrap()
            .code,
        "missing"
    );
    assert_eq!(
        rules
            .check_field(dibao, None, AS_OF, "2023-02-29", None)
            .unwrap()
            .unwrap()
            .code,
        "invalid_date"
    );
    assert_eq!(
        rules
            .check_field(dibao, None, AS_OF, "2023-09-06", None)
            .unwrap(),
        None
    );
    assert_eq!(
        rules
            .check_field(dibao, Some("members"), "birth_date", "2100-01-01", None)
            .unwrap(),
        None
    );
    let p = rules
        .check_field(dibao, Some("members"), "birth_date", "2100-01-01", on)
        .unwrap()
        .unwrap();
    assert_eq!(&*p.message.zh, "不能晚于测算日期 2023-09-06。");
    assert_eq!(
        &*p.message.en,
        "Cannot be after the date of the check, 2023-09-06."
    );
    let p = rules
        .check_field(dibao, Some("members"), "monthly_income", "-1", on)
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.code, &*p.message.zh, &*p.message.en),
        ("too_small", "不能小于 0。", "Must be at least 0.")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any text, in any field: the same verdict as the case reader, and no panic.
    #[test]
    fn check_field_agrees_on_any_text(raw in "[-0-9.,eE :a-z０-９]{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}") {
        agree(&[raw]);
    }
}

#[test]
fn a_case_reader_error_has_the_forms_message_in_both_languages() {
    let rules = chengyang();
    let on = Date::parse("2023-09-06").unwrap();
    let case = json!({"registered_locally": true,
        "members": [{"birth_date": "2030-01-01", "monthly_income": "-5"}], "nonsense": 1});
    let Err(Error::Input(errors)) = rules.evaluate_json("household", &case, on, None) else {
        panic!("expected input errors")
    };
    let message = |code: &str| {
        let e = errors.iter().find(|e| e.code == code).unwrap();
        rules.input_error_message("household", e, Some(on))
    };
    let birth = message("date_after_as_of").unwrap();
    assert_eq!(&*birth.zh, "不能晚于测算日期 2023-09-06。");
    assert_eq!(
        &*birth.en,
        "Cannot be after the date of the check, 2023-09-06."
    );
    let income = message("too_small").unwrap();
    assert_eq!(&*income.en, "Must be at least 0.");
    assert!(message("missing").is_some(), "financial_assets is missing");
    assert_eq!(message("unknown_field"), None);
    let none = json!({"registered_locally": true, "financial_assets": "1", "members": []});
    let Err(Error::Input(errors)) = rules.evaluate_json("household", &none, on, None) else {
        panic!("expected input errors")
    };
    let members = rules
        .input_error_message("household", &errors[0], Some(on))
        .unwrap();
    assert_eq!(errors[0].loc, "members");
    assert!(
        members.zh.contains('1') && members.en.contains('1'),
        "{members:?}"
    );
}
