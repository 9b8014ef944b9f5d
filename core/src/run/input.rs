//! Reading a case from JSON, with every error collected.
//!
//! Input errors are data, in the manner of pydantic: a stable snake-case
//! code, a location path into the input (`members[1].birth_date`), a message
//! and the offending input. Money is read from strings (or from JSON numbers,
//! whose text is kept exactly), must be whole fen, and is never converted
//! through binary floating point.

use crate::date::Date;
use crate::money;
use crate::plan::{EntityPlan, InputPlan, Plan};
use crate::value::{Type, Value};
use serde::Serialize;
use serde_json::Value as Json;
use std::fmt;

/// The most items a JSON array of members may hold before it is refused.
pub const MAX_MEMBERS: usize = 1000;

/// One problem with a case's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// Stable code: `missing`, `unknown_field`, `wrong_type`, `invalid_money`,
    /// `invalid_number`, `not_integer`, `invalid_date`, `too_small`,
    /// `too_large`, `date_after_as_of`, `age_out_of_range`, `unknown_choice`,
    /// `too_few_items`, `too_many_items`, `duplicate_record`.
    pub code: &'static str,
    /// Path to the field: `members[1].birth_date`.
    pub loc: String,
    /// What is wrong and what is expected.
    pub msg: String,
    /// The input as given, when there is one.
    pub input: Option<String>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.loc.is_empty() {
            write!(f, "{} [{}]", self.msg, self.code)
        } else {
            write!(f, "{}: {} [{}]", self.loc, self.msg, self.code)
        }
    }
}

/// A case ready to evaluate: the entity's frame with its inputs filled, and
/// the frames of its members.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub(crate) entity: usize,
    pub(crate) frame: Vec<Value>,
    pub(crate) collections: Vec<(usize, Vec<Value>)>,
}

impl Case {
    /// Index of the case's entity in the plan.
    pub fn entity(&self) -> usize {
        self.entity
    }

    /// Number of members in each collection.
    pub fn member_counts(&self) -> Vec<usize> {
        self.collections
            .iter()
            .map(|(stride, data)| data.len().checked_div(*stride).unwrap_or(0))
            .collect()
    }
}

fn push(
    errors: &mut Vec<InputError>,
    code: &'static str,
    loc: &str,
    msg: impl Into<String>,
    input: Option<&Json>,
) {
    errors.push(InputError {
        code,
        loc: loc.to_string(),
        msg: msg.into(),
        input: input.map(|j| match j {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        }),
    });
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Reads a case of `entity` from a JSON object.
///
/// # Errors
/// Every problem found, each with its path.
pub fn parse_case(
    plan: &Plan,
    entity: usize,
    json: &Json,
    as_of: Date,
) -> Result<Case, Vec<InputError>> {
    let mut errors = Vec::new();
    let case = read_entity(plan, entity, json, "", as_of, &mut errors, 0);
    match case {
        Some(c) if errors.is_empty() => Ok(c),
        _ => Err(errors),
    }
}

fn read_entity(
    plan: &Plan,
    entity: usize,
    json: &Json,
    prefix: &str,
    as_of: Date,
    errors: &mut Vec<InputError>,
    depth: usize,
) -> Option<Case> {
    let ent: &EntityPlan = plan.entities.get(entity)?;
    let Json::Object(map) = json else {
        push(
            errors,
            "wrong_type",
            prefix,
            format!("expected an object with the fields of {}", ent.name),
            Some(json),
        );
        return None;
    };
    let mut frame = vec![Value::Missing; ent.n_slots];
    for key in map.keys() {
        let known = ent.inputs.iter().any(|i| i.name == *key)
            || ent.collections.iter().any(|c| c.name == *key);
        if !known {
            let fields: Vec<&str> = ent
                .inputs
                .iter()
                .map(|i| i.name.as_str())
                .chain(ent.collections.iter().map(|c| c.name.as_str()))
                .collect();
            push(
                errors,
                "unknown_field",
                &join(prefix, &printable(key)),
                format!(
                    "`{}` is not a field of {}; the fields are {}",
                    printable(key),
                    ent.name,
                    fields.join(", ")
                ),
                None,
            );
        }
    }
    for (slot, input) in ent.inputs.iter().enumerate() {
        let loc = join(prefix, &input.name);
        let value = match map.get(&input.name) {
            None | Some(Json::Null) => match input.default {
                Some(d) => Some(d),
                None => {
                    push(
                        errors,
                        "missing",
                        &loc,
                        format!("{} ({}) is required", input.name, input.label.en),
                        None,
                    );
                    None
                }
            },
            Some(j) => read_value(plan, input, j, &loc, as_of, errors),
        };
        if let (Some(v), Some(cell)) = (value, frame.get_mut(slot)) {
            *cell = v;
        }
    }
    let mut collections = Vec::new();
    for coll in &ent.collections {
        let loc = join(prefix, &coll.name);
        let stride = plan.entities.get(coll.entity).map_or(0, |e| e.n_slots);
        let mut data = Vec::new();
        match map.get(&coll.name) {
            None | Some(Json::Null) if coll.min > 0 => push(
                errors,
                "missing",
                &loc,
                format!("{} needs at least {} item(s)", coll.name, coll.min),
                None,
            ),
            None | Some(Json::Null) => {}
            Some(Json::Array(items)) => {
                if items.len() < coll.min as usize {
                    push(
                        errors,
                        "too_few_items",
                        &loc,
                        format!(
                            "{} needs at least {} item(s), found {}",
                            coll.name,
                            coll.min,
                            items.len()
                        ),
                        None,
                    );
                }
                if items.len() > coll.max as usize || items.len() > MAX_MEMBERS {
                    push(
                        errors,
                        "too_many_items",
                        &loc,
                        format!(
                            "{} may have at most {} items, found {}",
                            coll.name,
                            coll.max,
                            items.len()
                        ),
                        None,
                    );
                } else if depth < 4 {
                    for (i, item) in items.iter().enumerate() {
                        let member_loc = format!("{loc}[{i}]");
                        if let Some(m) = read_entity(
                            plan,
                            coll.entity,
                            item,
                            &member_loc,
                            as_of,
                            errors,
                            depth + 1,
                        ) {
                            data.extend(m.frame);
                        }
                    }
                }
            }
            Some(other) => push(
                errors,
                "wrong_type",
                &loc,
                format!("{} must be a list", coll.name),
                Some(other),
            ),
        }
        collections.push((stride, data));
    }
    Some(Case {
        entity,
        frame,
        collections,
    })
}

/// Reads one input value, checking its type and range.
pub fn read_value(
    plan: &Plan,
    input: &InputPlan,
    j: &Json,
    loc: &str,
    as_of: Date,
    errors: &mut Vec<InputError>,
) -> Option<Value> {
    let parsed = match (&input.ty, j) {
        (Type::Money | Type::Number(_), Json::String(s)) => parse_text(plan, input, s),
        (Type::Money | Type::Number(_), Json::Number(n)) => parse_text(plan, input, &n.to_string()),
        (Type::Money, _) => Err((
            "wrong_type",
            "expected an amount of money such as \"1045.50\"".to_string(),
        )),
        (Type::Number(_), _) => Err(("wrong_type", "expected a number".to_string())),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, _) => Err(("wrong_type", "expected true or false".to_string())),
        (Type::Date, Json::String(s)) => parse_text(plan, input, s),
        (Type::Date, _) => Err((
            "wrong_type",
            "expected a date written as \"YYYY-MM-DD\"".to_string(),
        )),
        (Type::Enum(_), Json::String(s)) => parse_text(plan, input, s),
        (Type::Enum(_), _) => Err((
            "wrong_type",
            "expected one of the choices as a string".to_string(),
        )),
    };
    match parsed.and_then(|value| check_value(input, value, as_of).map(|()| value)) {
        Ok(value) => Some(value),
        Err((code, msg)) => {
            push(errors, code, loc, msg, Some(j));
            None
        }
    }
}

/// Reads one input value from text, as a CSV cell holds it: numbers, money,
/// dates and choices as in JSON strings; booleans also as `true`/`false`,
/// `1`/`0`, `yes`/`no`, `y`/`n` (any case) or `是`/`否`. Leading and
/// trailing ASCII spaces are ignored; other spaces are refused. The value's
/// range is not checked ([`check_value`] does).
///
/// # Errors
/// The error code and message.
pub fn value_from_text(
    plan: &Plan,
    input: &InputPlan,
    text: &str,
) -> Result<Value, (&'static str, String)> {
    if input.ty == Type::Bool {
        let t = text.trim_ascii();
        let yes = ["true", "1", "yes", "y", "是"];
        let no = ["false", "0", "no", "n", "否"];
        return if yes.iter().any(|w| t.eq_ignore_ascii_case(w)) {
            Ok(Value::Bool(true))
        } else if no.iter().any(|w| t.eq_ignore_ascii_case(w)) {
            Ok(Value::Bool(false))
        } else {
            Err((
                "wrong_type",
                format!("`{}` is not true or false", printable(t)),
            ))
        };
    }
    parse_text(plan, input, text)
}

/// Text shown back in a message: control characters (a NUL, an escape)
/// written as `\u{…}` so that nothing invisible reaches a terminal.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().take(200) {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Reads a number, money, a date or a choice written as text.
fn parse_text(plan: &Plan, input: &InputPlan, text: &str) -> Result<Value, (&'static str, String)> {
    match &input.ty {
        Type::Money | Type::Number(_) => {
            let t = text.trim_ascii();
            money::parse_decimal(t).map(Value::Num).ok_or_else(|| {
                let code = if input.ty == Type::Money {
                    "invalid_money"
                } else {
                    "invalid_number"
                };
                (code, format!("`{}` is not an exact decimal (digits with one optional point, no exponent, at most 28 significant digits)", printable(t)))
            })
        }
        Type::Date => Date::parse(text).map(Value::Date).ok_or_else(|| {
            (
                "invalid_date",
                format!(
                    "`{}` is not a date (YYYY-MM-DD, a day that exists, years 1800–2200)",
                    printable(text)
                ),
            )
        }),
        Type::Enum(e) => choice(plan, *e, text).map_err(|msg| ("unknown_choice", msg)),
        Type::Bool => Err(("wrong_type", "expected true or false".to_string())),
    }
}

/// The enum choice named `s`, or a message listing the choices.
///
/// # Errors
/// A message when `s` is not a choice.
pub fn choice(plan: &Plan, enumeration: usize, s: &str) -> Result<Value, String> {
    let variants = plan
        .enums
        .get(enumeration)
        .map(|e| e.variants.as_slice())
        .unwrap_or(&[]);
    match variants.iter().position(|(id, _)| id == s) {
        Some(i) => Ok(Value::Enum(i as u32)),
        None => {
            let choices: Vec<&str> = variants.iter().map(|(id, _)| id.as_str()).collect();
            Err(format!(
                "`{}` is not one of {}",
                printable(s),
                choices.join(", ")
            ))
        }
    }
}

/// Checks a typed value against an input's rules: whole fen for money,
/// whole numbers for integers, range, dates not after the evaluation date,
/// implied age.
///
/// # Errors
/// The error code and message.
pub fn check_value(
    input: &InputPlan,
    value: Value,
    as_of: Date,
) -> Result<(), (&'static str, String)> {
    match value {
        Value::Num(d) => {
            if input.ty == Type::Money && d.normalize().scale() > 2 {
                return Err((
                    "invalid_money",
                    format!("`{d}` has fractions of a fen; money has at most two decimals"),
                ));
            }
            if input.integer && !d.fract().is_zero() {
                return Err(("not_integer", format!("`{d}` must be a whole number")));
            }
            if let Some(Value::Num(m)) = input.min {
                if d < m {
                    return Err((
                        "too_small",
                        format!(
                            "{} must be at least {}",
                            money::display(d),
                            money::display(m)
                        ),
                    ));
                }
            }
            if let Some(Value::Num(m)) = input.max {
                if d > m {
                    return Err((
                        "too_large",
                        format!(
                            "{} must be at most {}",
                            money::display(d),
                            money::display(m)
                        ),
                    ));
                }
            }
        }
        Value::Date(d) => {
            if input.not_after_as_of && d > as_of {
                return Err((
                    "date_after_as_of",
                    format!("{d} is after the evaluation date {as_of}"),
                ));
            }
            if let Some(max_age) = input.max_age {
                if d.age_on(as_of) > max_age {
                    return Err((
                        "age_out_of_range",
                        format!(
                            "{d} means an age of {} on {as_of}, above the limit of {max_age}",
                            d.age_on(as_of)
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}
