//! The answers the commands and the service share: one function for each
//! JSON shape, so that `bangfu eval` and `POST …/evaluate` (or `bangfu
//! params` and `GET …/parameters`) write the same bytes.
//!
//! Everything here converts what the core computed; nothing decides.

use bangfu::outcome::NamedParameter;
use bangfu::{Date, EntityInfo, EvalError, InputError, Outcome, ProgramInfo, RuleSet, Text};
use serde::Serialize;
use serde_json::{json, Value as Json};

/// Pretty JSON text with a final newline: what every JSON command prints.
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// One line of JSON with a final newline (a line of NDJSON).
pub fn line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut s = serde_json::to_string(value).unwrap_or_default();
    s.push('\n');
    s
}

/// What identifies the rules that answered: `{id, version, hash}`, and
/// `reform` (the reform's own hash) when one applies.
pub fn stamp(rules: &RuleSet) -> Json {
    serde_json::to_value(rules.stamp()).unwrap_or(Json::Null)
}

/// Input errors as the commands write them: what was read, what is wrong
/// with it and how many problems (`case: invalid input (2 problems)`),
/// then a line per problem (`  members[1].birth_date: … [date_after_as_of]`).
/// `note` goes inside the parentheses.
pub fn input_errors(
    what: &str,
    invalid: &str,
    n: usize,
    note: &str,
    errors: &[InputError],
) -> String {
    let mut text = format!(
        "{what}: {invalid} ({n} problem{}{note})\n",
        if n == 1 { "" } else { "s" }
    );
    for e in errors {
        text.push_str(&format!("  {e}\n"));
    }
    text
}

/// An outcome as `bangfu eval` prints it (pretty JSON).
pub fn outcome(outcome: &Outcome) -> String {
    pretty(outcome)
}

/// `{zh, en}`.
pub fn text(t: &Text) -> Json {
    json!({"zh": &*t.zh, "en": &*t.en})
}

/// The parameters in force on a day, as `bangfu params --format json`.
///
/// # Errors
/// [`EvalError::NoRulesInForce`] when no rules are in force that day.
pub fn parameters(rules: &RuleSet, day: Date) -> Result<Json, EvalError> {
    let params = rules.parameters_on(day)?;
    let rows: Vec<Json> = params
        .iter()
        .map(|p| serde_json::to_value(NamedParameter(p)).unwrap_or(Json::Null))
        .collect();
    Ok(json!({"ruleset": stamp(rules), "on": day.to_string(), "parameters": rows}))
}

/// What changed between two days, as `bangfu diff --format json`.
pub fn changes(rules: &RuleSet, from: Date, to: Date) -> Json {
    let changes: Vec<Json> = rules.diff(from, to).iter().map(|c| c.to_json()).collect();
    json!({"ruleset": stamp(rules), "from": from.to_string(), "to": to.to_string(), "changes": changes})
}

/// A program: name, entity, labels and what it pays.
pub fn program(p: &ProgramInfo) -> Json {
    json!({
        "name": &*p.name,
        "entity": p.entity,
        "label": text(&p.label),
        "description": text(&p.description),
        "pays_amount": p.pays_amount,
        "pays_money": p.pays_money,
        "settles_records": p.settles_records,
    })
}

/// An entity: name, label, inputs, member collections and programs.
pub fn entity(e: &EntityInfo) -> Json {
    json!({
        "name": e.name,
        "label": text(&e.label),
        "inputs": e.inputs,
        "collections": e.collections.iter().map(|(name, entity)| json!({"name": name, "entity": entity})).collect::<Vec<_>>(),
        "programs": e.programs.iter().map(|p| &**p).collect::<Vec<_>>(),
    })
}

/// A rule set described: id, version, hash, label, programs and entities.
pub fn ruleset(rules: &RuleSet) -> Json {
    json!({
        "id": rules.id(),
        "version": rules.version(),
        "hash": rules.hash(),
        "label": text(rules.label()),
        "programs": rules.programs().iter().map(program).collect::<Vec<_>>(),
        "entities": rules.entities().iter().map(entity).collect::<Vec<_>>(),
    })
}
