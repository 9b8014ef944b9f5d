//! Reading a case: the errors it reports, each value checked, and the
//! messages a form shows (the reader itself is `read.rs`).
//!
//! Input errors are data, in the manner of pydantic: a stable snake-case
//! code, a location path into the input (`members[1].birth_date`), a message
//! and the offending input. Money is read from strings (or from JSON numbers,
//! whose text is kept exactly), must be whole fen, and is never converted
//! through binary floating point.
//!
//! Each code also has the message a form shows beside the field, in Chinese
//! and English, with the field's limits filled in ([`message`]); `msg` is the
//! English detail for logs and developers, naming the value given. A form
//! checks one field as typed with [`check_text`], which reads the text
//! exactly as the case reader reads the same text in a case.

use crate::date::Date;
use crate::money;
use crate::plan::{InputPlan, Plan, Text};
use crate::run::read::parse_given;
use crate::run::source::Given;
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
    parse_case_for(plan, entity, json, as_of, None)
}

/// Which inputs the programs being evaluated read: per input of the case's
/// entity, and per collection per input of its members. An input no
/// program reads may be left out even without a default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Required {
    /// Inputs of the case's entity.
    pub case: Vec<bool>,
    /// Per collection, inputs of its members.
    pub members: Vec<Vec<bool>>,
}

/// Reads a case, requiring only the inputs `required` marks (every input
/// without a default when `None`).
///
/// # Errors
/// Every problem found, each with its path.
pub fn parse_case_for(
    plan: &Plan,
    entity: usize,
    json: &Json,
    as_of: Date,
    required: Option<&Required>,
) -> Result<Case, Vec<InputError>> {
    crate::run::read::read_case(plan, entity, &json, as_of, required)
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
pub(crate) fn parse_text(
    plan: &Plan,
    input: &InputPlan,
    text: &str,
) -> Result<Value, (&'static str, String)> {
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
    check_limits(input, value, Some(as_of))
}

/// [`check_value`], with the checks against the evaluation date left out
/// when it is not known.
pub(crate) fn check_limits(
    input: &InputPlan,
    value: Value,
    as_of: Option<Date>,
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
            let Some(as_of) = as_of else {
                return Ok(());
            };
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

/// A problem with one field's value, as a form shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The input error code the case reader gives for the same value.
    pub code: &'static str,
    /// What to enter instead, in Chinese and English.
    pub message: Text,
}

/// Checks one field's text as a person typed it into a form, as the case
/// reader would check that text in a case: empty text is a field left out
/// (its default applies, or it is `missing`); a yes/no field reads `true`
/// and `false`; any other field reads the text as a JSON string. Without an
/// evaluation date, the checks against it are left out.
pub fn check_text(
    plan: &Plan,
    input: &InputPlan,
    raw: &str,
    as_of: Option<Date>,
) -> Option<FieldProblem> {
    let code = if raw.is_empty() {
        input.default.is_none().then_some("missing")?
    } else {
        let given = match (&input.ty, raw) {
            (Type::Bool, "true") => Given::Bool(true),
            (Type::Bool, "false") => Given::Bool(false),
            _ => Given::Text(raw.into()),
        };
        let value = parse_given(plan, input, &given);
        value.and_then(|v| check_limits(input, v, as_of)).err()?.0
    };
    let message = message(code, Subject::Input(input), as_of)?;
    Some(FieldProblem { code, message })
}

/// What a form's message is about: an input with its rules, or a
/// collection of members with its bounds.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// An input of an entity.
    Input(&'a InputPlan),
    /// A collection holding from `min` to `max` members.
    Collection {
        /// Fewest members.
        min: u32,
        /// Most members.
        max: u32,
    },
}

/// The codes of the problems a value of `input` can have: those the case
/// reader can report at the input's path.
pub fn input_codes(input: &InputPlan) -> Vec<&'static str> {
    let mut codes = Vec::with_capacity(6);
    if input.default.is_none() {
        codes.push("missing");
    }
    codes.push("wrong_type");
    match input.ty {
        Type::Money => codes.push("invalid_money"),
        Type::Number(_) => {
            codes.push("invalid_number");
            if input.integer {
                codes.push("not_integer");
            }
        }
        Type::Date => {
            codes.push("invalid_date");
            if input.not_after_as_of {
                codes.push("date_after_as_of");
            }
            if input.max_age.is_some() {
                codes.push("age_out_of_range");
            }
        }
        Type::Enum(_) => codes.push("unknown_choice"),
        Type::Bool => {}
    }
    if input.min.is_some() {
        codes.push("too_small");
    }
    if input.max.is_some() {
        codes.push("too_large");
    }
    codes
}

/// The codes of the problems a collection can have (below `min` only when
/// it has one).
pub fn collection_codes(min: u32) -> Vec<&'static str> {
    match min {
        0 => vec!["too_many_items"],
        _ => vec!["missing", "too_few_items", "too_many_items"],
    }
}

/// The catalogue of the messages a form shows, one per input error code
/// (and per kind of field where the advice differs): Chinese, English; `{}`
/// stands for the limit filled in.
const MESSAGES: [(&str, &str, &str); 16] = [
    ("missing", "请填写此项。", "This field is required."),
    ("missing/bool", "请选择“是”或“否”。", "Choose yes or no."),
    ("missing/enum", "请选择一项。", "Choose one."),
    (
        "invalid_money",
        "请输入金额，如 1045 或 1045.50（最多两位小数）。",
        "Enter an amount such as 1045 or 1045.50 (at most two decimals).",
    ),
    (
        "invalid_number",
        "请输入数字，如 3 或 2.5。",
        "Enter a number such as 3 or 2.5.",
    ),
    (
        "invalid_number/integer",
        "请输入整数，如 3。",
        "Enter a whole number such as 3.",
    ),
    ("not_integer", "请输入整数。", "Enter a whole number."),
    ("too_small", "不能小于 {}。", "Must be at least {}."),
    ("too_large", "不能大于 {}。", "Must be at most {}."),
    (
        "invalid_date",
        "请输入完整、有效的日期（年-月-日）。",
        "Enter a complete, valid date (year-month-day).",
    ),
    (
        "date_after_as_of",
        "不能晚于测算日期。",
        "Cannot be after the date of the check.",
    ),
    (
        "date_after_as_of/on",
        "不能晚于测算日期 {}。",
        "Cannot be after the date of the check, {}.",
    ),
    (
        "age_out_of_range",
        "按此日期，年龄超过 {} 岁，请检查。",
        "This date means an age over {}; please check it.",
    ),
    (
        "unknown_choice",
        "请从列表中选择。",
        "Choose from the list.",
    ),
    ("too_few_items", "至少需要 {} 项。", "At least {} needed."),
    ("too_many_items", "最多 {} 项。", "At most {}."),
];

/// The message a form shows for the problem `code` with `subject`, from the
/// catalogue: what to enter, in Chinese and English, with the subject's
/// limit (and the evaluation date, when known) filled in. `None` for a code
/// that is not about a single field or collection (`unknown_field`,
/// `duplicate_record`).
pub fn message(code: &str, subject: Subject<'_>, as_of: Option<Date>) -> Option<Text> {
    let mut fill = String::new();
    let key = match subject {
        Subject::Collection { min, max } => match code {
            "missing" | "too_few_items" => {
                fill = format!("{min}");
                "too_few_items"
            }
            "too_many_items" => {
                fill = format!("{max}");
                code
            }
            _ => return None,
        },
        Subject::Input(input) => {
            // A value of the wrong JSON type reads as one the field cannot parse.
            let code = match (code, &input.ty) {
                ("wrong_type", Type::Money) => "invalid_money",
                ("wrong_type", Type::Number(_)) => "invalid_number",
                ("wrong_type", Type::Date) => "invalid_date",
                ("wrong_type", Type::Enum(_)) => "unknown_choice",
                ("wrong_type", Type::Bool) => "missing",
                _ => code,
            };
            let limit = match code {
                "too_small" => input.min,
                "too_large" => input.max,
                _ => None,
            };
            if let Some(Value::Num(d)) = limit {
                fill = money::display(d);
            }
            match (code, &input.ty, as_of, input.max_age) {
                ("missing", Type::Bool, ..) => "missing/bool",
                ("missing", Type::Enum(_), ..) => "missing/enum",
                ("invalid_number", ..) if input.integer => "invalid_number/integer",
                ("date_after_as_of", _, Some(d), _) => {
                    fill = format!("{d}");
                    "date_after_as_of/on"
                }
                ("age_out_of_range", _, _, Some(age)) => {
                    fill = format!("{age}");
                    code
                }
                _ => code,
            }
        }
    };
    let (_, zh, en) = MESSAGES.iter().find(|(k, _, _)| *k == key)?;
    Some(Text {
        zh: zh.replace("{}", &fill).into(),
        en: en.replace("{}", &fill).into(),
    })
}
