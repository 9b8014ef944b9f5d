//! The binding's calls in plain Rust: JSON in, JSON out, [`Failure`] on error.
//!
//! The `#[wasm_bindgen]` layer in `lib.rs` only moves values across the
//! boundary; everything it calls lives here, so it runs and is tested on the
//! host as well. Each call converts its arguments (dates, languages, the
//! entity-or-program target), calls core, and converts the result. Money
//! stays in core's exact decimal strings throughout.

use crate::failure::Failure;
#[cfg(feature = "authoring")]
use bangfu::Reform;
use bangfu::{Date, Lang, Outcome, RuleSet};
use serde::Serialize;
use serde_json::{json, Value as Json};

#[cfg(feature = "authoring")]
/// Loads a rule set from `(path, text)` pairs.
///
/// # Errors
/// `rule_set_invalid` with every diagnostic.
pub fn load(files: Vec<(String, String)>) -> Result<RuleSet, Failure> {
    Ok(RuleSet::from_files(files)?)
}

/// Every program with its entity, label and whether it pays an amount.
pub fn programs(rules: &RuleSet) -> Json {
    rules.schemas()
}

/// The input schema of a program, for generating a form.
///
/// # Errors
/// `unknown_program`.
pub fn program_schema(rules: &RuleSet, program: &str) -> Result<Json, Failure> {
    rules
        .schema(program)
        .map_err(|_| unknown_program(rules, program))
}

/// Checks one field of a program's form as typed, with core's own checks
/// (`RuleSet::check_field`): `null`, or `{code, message}` with the message a
/// form shows, in `lang`. Without `as_of`, the checks against the
/// evaluation date are left out.
///
/// # Errors
/// `unknown_program`; `unknown_field` at the field's path.
pub fn check_field(
    rules: &RuleSet,
    program: &str,
    collection: Option<&str>,
    field: &str,
    raw: &str,
    as_of: Option<Date>,
    lang: Lang,
) -> Result<Json, Failure> {
    let problem = rules
        .check_field(program, collection, field, raw, as_of)
        .map_err(|e| match e.code {
            "unknown_program" => unknown_program(rules, program),
            _ => Failure::at(e.code, &e.loc, e.msg),
        })?;
    Ok(problem.map_or(
        Json::Null,
        |p| json!({"code": p.code, "message": p.message.get(lang)}),
    ))
}

/// Reads an evaluation date, `YYYY-MM-DD`.
///
/// # Errors
/// `invalid_date` at `date`.
pub fn date(text: &str) -> Result<Date, Failure> {
    Date::parse(text.trim()).ok_or_else(|| {
        Failure::at(
            "invalid_date",
            "date",
            format!("`{text}` is not a date (YYYY-MM-DD)"),
        )
    })
}

/// Reads a language, `zh` or `en`.
///
/// # Errors
/// `invalid_lang` at `lang`.
pub fn lang(text: &str) -> Result<Lang, Failure> {
    Lang::parse(text.trim()).ok_or_else(|| {
        Failure::at(
            "invalid_lang",
            "lang",
            format!("`{text}` is not a language: use \"zh\" or \"en\""),
        )
    })
}

/// What to evaluate: the case's entity and the programs (all of the
/// entity's programs in force when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The entity of the case.
    pub entity: String,
    /// The programs to evaluate.
    pub programs: Option<Vec<String>>,
}

/// The target a name stands for: a program alone, or an entity with all of
/// its programs.
///
/// # Errors
/// `unknown_program` when the name is neither.
pub fn target_named(rules: &RuleSet, name: &str) -> Result<Target, Failure> {
    match rules.entity_of(name) {
        Ok(entity) => Ok(Target {
            entity: entity.to_string(),
            programs: Some(vec![name.to_string()]),
        }),
        Err(_) if rules.entity_names().contains(&name) => Ok(Target {
            entity: name.to_string(),
            programs: None,
        }),
        Err(_) => Err(unknown_program(rules, name)),
    }
}

/// The target given as `{"entity": "household", "programs": ["dibao"]}`
/// (`programs` optional). Names are checked when evaluating.
///
/// # Errors
/// `wrong_type` at `target` when the object does not have that shape.
pub fn target_of(json: &Json) -> Result<Target, Failure> {
    let shape = || {
        Failure::at(
            "wrong_type",
            "target",
            "expected a program or entity name, or {entity: string, programs?: string[]}",
        )
    };
    let entity = json
        .get("entity")
        .and_then(Json::as_str)
        .ok_or_else(shape)?;
    let programs = match json.get("programs") {
        None | Some(Json::Null) => None,
        Some(Json::Array(list)) => Some(
            list.iter()
                .map(|p| p.as_str().map(str::to_string).ok_or_else(shape))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(shape()),
    };
    Ok(Target {
        entity: entity.to_string(),
        programs,
    })
}

/// Evaluates `input` for `target` as of `on`.
///
/// # Errors
/// Every input error, or an evaluation error.
pub fn evaluate(
    rules: &RuleSet,
    target: &Target,
    input: &Json,
    on: Date,
) -> Result<Outcome, Failure> {
    Ok(rules.evaluate_json(&target.entity, input, on, target.programs.as_deref())?)
}

/// Decides `input` for `target` as of `on` without the explanation:
/// `[{program, eligible, amount}]` in the programs' order, the amount an
/// exact decimal string (or null when the program pays none) — the same
/// eligibility and amount as [`evaluate`]'s outcome, from the same
/// evaluator, for a form's instant answer.
///
/// # Errors
/// As [`evaluate`].
pub fn decide(rules: &RuleSet, target: &Target, input: &Json, on: Date) -> Result<Json, Failure> {
    let case = rules.parse_case(&target.entity, input, on)?;
    let decisions = rules.decide(&case, on, target.programs.as_deref())?;
    Ok(Json::Array(
        decisions
            .iter()
            .map(|d| {
                json!({
                    "program": &*d.program,
                    "eligible": d.eligible,
                    "amount": d.amount.map(bangfu::money::exact),
                })
            })
            .collect(),
    ))
}

/// What would change each program's answer for `input`, along every input
/// the rule set marks `what_if`: the core's findings as JSON, each with its
/// sentence in Chinese and English.
///
/// # Errors
/// Every input error, an evaluation error, or the search's own (a code
/// and the field).
pub fn what_would_change(
    rules: &RuleSet,
    target: &Target,
    input: &Json,
    on: Date,
) -> Result<Json, Failure> {
    use bangfu::analysis::cliffs::{self, ChangeQuery, CliffError};
    let q = ChangeQuery {
        entity: &target.entity,
        programs: target.programs.as_deref(),
        path: None,
        low: None,
        high: None,
        as_of: on,
        threads: 1,
        span: cliffs::BROWSER_SPAN,
    };
    match cliffs::what_would_change(rules, input, &q) {
        Ok(found) => Ok(Json::Array(found.iter().map(|w| w.to_json()).collect())),
        Err(CliffError::Vary {
            code: "no_what_if", ..
        }) => Ok(Json::Array(Vec::new())),
        Err(CliffError::Input(errors)) => Err(errors.into()),
        Err(CliffError::Eval(e)) => Err(e.into()),
        Err(e) => Err(Failure::at(e.code(), e.loc(), e.message(Lang::En))),
    }
}

/// The outcome as JSON text, written straight from it (no tree of
/// values); with a language, also its explanation as text under
/// `explanation`.
///
/// # Errors
/// `internal_error` if it cannot be written (not expected).
pub fn outcome_text(outcome: &Outcome, lang: Option<Lang>) -> Result<String, Failure> {
    let explained = Explained {
        outcome,
        explanation: lang.map(|l| outcome.explain(l)),
    };
    serde_json::to_string(&explained)
        .map_err(|e| Failure::at("internal_error", "outcome", e.to_string()))
}

/// An outcome and, with a language, its explanation as text under
/// `explanation`, as written to JSON.
#[derive(Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    outcome: &'a Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<String>,
}

#[cfg(feature = "authoring")]
/// The rule set with a reform given as JSON, read by the core's one reform
/// reader: `{"dibao_standard": "1100"}` or
/// `{"dibao_standard": {"value": "1100", "from": "2024-01-01"}}`.
///
/// # Errors
/// `invalid_reform` at `overrides.NAME` for each override that is not a
/// value, names no parameter or does not fit it; `rule_set_invalid` when
/// the reformed rule set does not check.
pub fn with_overrides(rules: &RuleSet, overrides: &Json) -> Result<RuleSet, Failure> {
    let reform = Reform::from_json(overrides).map_err(bangfu::Error::Reform)?;
    Ok(rules.reform(&reform)?)
}

fn unknown_program(rules: &RuleSet, name: &str) -> Failure {
    let programs = rules.program_names(None).unwrap_or_default();
    let entities = rules.entity_names();
    Failure::at(
        "unknown_program",
        "program",
        format!(
            "`{name}` is not a program or entity of {}; the programs are {}; the entities are {}",
            rules.id(),
            programs.join(", "),
            entities.join(", ")
        ),
    )
}

#[cfg(test)]
#[cfg(feature = "authoring")]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> RuleSet {
        RuleSet::load_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/cn-qingdao-chengyang"
        ))
        .unwrap()
    }

    #[test]
    fn a_program_name_selects_its_entity() {
        let rules = rules();
        let case = json!({"registered_locally": true, "financial_assets": "10000",
            "members": [
                {"birth_date": "1980-01-01", "monthly_income": "800"},
                {"birth_date": "1982-05-01", "monthly_income": "800"},
                {"birth_date": "2010-03-01", "monthly_income": "800"}]});
        let on = date("2023-09-06").unwrap();
        let dibao = target_named(&rules, "dibao").unwrap();
        assert_eq!(dibao.entity, "household");
        let outcome = evaluate(&rules, &dibao, &case, on).unwrap();
        let json: Json =
            serde_json::from_str(&outcome_text(&outcome, Some(Lang::En)).unwrap()).unwrap();
        assert_eq!(
            json.as_object()
                .and_then(|m| m.keys().next_back())
                .map(String::as_str),
            Some("explanation")
        );
        assert_eq!(json["ruleset"], outcome.to_json()["ruleset"]);
        assert_eq!(json["programs"]["dibao"]["amount"], "735.00");
        assert!(json["explanation"].as_str().unwrap().contains("eligible"));
        assert!(json["programs"].get("low_income_edge").is_none());
        let household = target_named(&rules, "household").unwrap();
        let all = evaluate(&rules, &household, &case, on).unwrap();
        assert!(all.programs.len() > 1);
        let explicit =
            target_of(&json!({"entity": "household", "programs": ["canteen_setup_grant"]}))
                .unwrap();
        let err = evaluate(&rules, &explicit, &case, on).unwrap_err();
        assert_eq!((err.code, err.loc.as_str()), ("wrong_entity", "program"));
    }

    #[test]
    fn what_would_change_gives_the_core_sentences_and_errors() {
        let rules = rules();
        let on = date("2023-09-06").unwrap();
        let dibao = target_named(&rules, "dibao").unwrap();
        let case = json!({"registered_locally": true, "financial_assets": "10000",
            "members": [{"birth_date": "1980-01-01", "monthly_income": "1500"}]});
        let found = what_would_change(&rules, &dibao, &case, on).unwrap();
        let income = found
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "members[0].monthly_income")
            .unwrap();
        assert_eq!(income["finding"], "qualify_at_most");
        assert_eq!(income["threshold"], "1044.99");
        assert!(income["sentence"]["zh"]
            .as_str()
            .unwrap()
            .contains("不超过 1,044.99 元"));
        let bad = json!({"registered_locally": true, "financial_assets": "-1",
            "members": [{"birth_date": "1980-01-01", "monthly_income": "5000"}]});
        let err = what_would_change(&rules, &dibao, &bad, on).unwrap_err();
        assert_eq!(
            (err.code, err.loc.as_str()),
            ("too_small", "financial_assets")
        );
    }

    #[test]
    fn a_schema_lists_what_the_input_check_demands() {
        let rules = rules();
        let schema = program_schema(&rules, "dibao").unwrap();
        let members = &schema["collections"][0]["fields"];
        let birth = members
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "birth_date")
            .unwrap();
        // dibao reads no birth date: a dibao case need not carry one.
        assert_eq!(
            (&birth["required"], &birth["used"]),
            (&json!(false), &json!(false))
        );
        assert_eq!(
            program_schema(&rules, "nope").unwrap_err().code,
            "unknown_program"
        );
    }

    #[test]
    fn bad_arguments_name_the_argument() {
        let rules = rules();
        assert_eq!(date("2023-02-30").unwrap_err().loc, "date");
        assert_eq!(lang("fr").unwrap_err().code, "invalid_lang");
        let on = date("2023-09-06").unwrap();
        let err = target_named(&rules, "nope").unwrap_err();
        assert_eq!((err.code, err.loc.as_str()), ("unknown_program", "program"));
        assert_eq!(
            target_of(&json!({"programs": []})).unwrap_err().loc,
            "target"
        );
        let tekun = target_named(&rules, "tekun").unwrap();
        let err = evaluate(&rules, &tekun, &json!({"monthly_income": "1.001"}), on).unwrap_err();
        assert!(err.errors.len() >= 2, "{err:?}");
    }

    #[test]
    fn a_field_is_checked_as_typed_with_its_message() {
        let rules = rules();
        let on = date("2023-09-06").ok();
        let check = |c, f, raw, lang| check_field(&rules, "dibao", c, f, raw, on, lang);
        assert_eq!(
            check(None, "financial_assets", "1000", Lang::Zh).unwrap(),
            Json::Null
        );
        assert_eq!(
            check(Some("members"), "monthly_income", "-1", Lang::Zh).unwrap(),
            json!({"code": "too_small", "message": "不能小于 0。"})
        );
        assert_eq!(
            check(None, "as_of", "2023-02-30", Lang::En).unwrap()["code"],
            "invalid_date"
        );
        let err = check(Some("members"), "pension", "1", Lang::En).unwrap_err();
        assert_eq!(
            (err.code, err.loc.as_str()),
            ("unknown_field", "members.pension")
        );
        let err = check_field(&rules, "nope", None, "x", "", on, Lang::En).unwrap_err();
        assert_eq!(err.code, "unknown_program");
    }

    #[test]
    fn overrides_are_a_reform() {
        let rules = rules();
        let reform = with_overrides(&rules, &json!({"dibao_standard": "1100"})).unwrap();
        assert_ne!(reform.hash(), rules.hash());
        let err = with_overrides(&rules, &json!({"no_such": "1"})).unwrap_err();
        assert_eq!(
            (err.code, err.loc.as_str()),
            ("invalid_reform", "overrides.no_such")
        );
        let err = with_overrides(&rules, &json!({"dibao_standard": [1]})).unwrap_err();
        assert_eq!(
            (err.code, err.loc.as_str()),
            ("invalid_reform", "overrides.dibao_standard")
        );
    }
}
