//! Input schemas: what a program needs, for generating forms.
//!
//! The schema of a program lists the inputs it reads (directly or through
//! other values and programs), with types, ranges, defaults, labels and help
//! in Chinese and English, enum choices, and the member collections it reads
//! with their own fields. A self-check form is generated from it.
//!
//! Every field carries its validation rules as data and, under `messages`,
//! the message a form shows for each problem the field can have, keyed by
//! the case reader's input error codes and taken from the one catalogue in
//! [`crate::run::input::message`]. [`check_field`] checks one field as typed with
//! the case reader's own checks, so a form validates exactly as evaluation
//! does. The evaluation date is described as a field too, under `as_of`.

use crate::date::Date;
use crate::money;
use crate::plan::{InputPlan, Plan, Text};
use crate::run::input::{self, FieldProblem, InputError, Subject};
use crate::value::{Type, Value};
use serde_json::{json, Map, Value as Json};

/// The name under which a schema describes the evaluation date as a field.
pub const AS_OF: &str = "as_of";

fn text(t: &Text) -> Json {
    json!({"zh": t.zh, "en": t.en})
}

fn value_json(v: Option<Value>) -> Json {
    match v {
        Some(Value::Num(d)) => Json::String(money::exact(d)),
        Some(Value::Bool(b)) => Json::Bool(b),
        Some(Value::Date(d)) => Json::String(d.to_string()),
        Some(Value::Enum(i)) => Json::from(i),
        _ => Json::Null,
    }
}

/// How the unit of a number reads, or `None`. Money is in yuan, which
/// reads 元 unless the rule set labels it.
fn unit_text(plan: &Plan, ty: &Type, unit: Option<&str>) -> Option<Text> {
    let unit = match (unit, ty) {
        (Some(u), _) => u,
        (None, Type::Number(Some(u))) => u,
        (None, Type::Money) => "yuan",
        _ => return None,
    };
    match plan.units.iter().find(|(u, _)| u == unit) {
        Some((_, label)) => Some(label.clone()),
        None if unit == "yuan" => Some(Text {
            zh: "元".into(),
            en: unit.into(),
        }),
        None => Some(Text {
            zh: unit.into(),
            en: unit.into(),
        }),
    }
}

fn messages(codes: Vec<&'static str>, subject: Subject<'_>) -> Json {
    let mut map = Map::new();
    for code in codes {
        if let Some(m) = input::message(code, subject, None) {
            map.insert(code.into(), text(&m));
        }
    }
    Json::Object(map)
}

fn field(plan: &Plan, input: &InputPlan) -> Json {
    let (kind, choices) = match &input.ty {
        Type::Money => ("money", Json::Null),
        Type::Number(_) if input.integer => ("integer", Json::Null),
        Type::Number(_) => ("number", Json::Null),
        Type::Bool => ("bool", Json::Null),
        Type::Date => ("date", Json::Null),
        Type::Enum(e) => (
            "enum",
            Json::Array(plan.enums.get(*e).map_or_else(Vec::new, |en| {
                en.variants
                    .iter()
                    .map(|(id, l)| json!({"id": id, "label": text(l)}))
                    .collect()
            })),
        ),
    };
    let default = match (input.default, &input.ty) {
        (Some(Value::Enum(i)), Type::Enum(e)) => plan
            .enums
            .get(*e)
            .and_then(|en| en.variants.get(i as usize))
            .map_or(Json::Null, |(id, _)| Json::String(id.clone())),
        (d, _) => value_json(d),
    };
    json!({
        "name": input.name,
        "type": kind,
        "unit": input.unit,
        "required": input.default.is_none(),
        "default": default,
        "min": value_json(input.min),
        "max": value_json(input.max),
        "not_after_as_of": input.not_after_as_of,
        "max_age": input.max_age,
        "choices": choices,
        "label": text(&input.label),
        "help": text(&input.help),
        "integer": input.integer,
        "unit_label": unit_text(plan, &input.ty, input.unit.as_deref()).as_ref().map(text),
        "messages": messages(input::input_codes(input), Subject::Input(input)),
    })
}

/// The evaluation date as a form field: a required date, with no limits of
/// its own.
fn as_of_input() -> InputPlan {
    InputPlan {
        name: AS_OF.to_string(),
        ty: Type::Date,
        integer: false,
        unit: None,
        min: None,
        max: None,
        not_after_as_of: false,
        max_age: None,
        default: None,
        readings: Vec::new(),
        what_if: false,
        label: Text {
            zh: "测算日期".into(),
            en: "Date of the check".into(),
        },
        help: Text {
            zh: "按这一天有效的政策测算。".into(),
            en: "The rules in force on this day apply.".into(),
        },
    }
}

/// The field with whether the program reads it; a field it does not read
/// is never required.
fn with_used(mut field: Json, used: bool) -> Json {
    if let Json::Object(map) = &mut field {
        map.insert("used".into(), Json::Bool(used));
        if !used {
            map.insert("required".into(), Json::Bool(false));
            if let Some(Json::Object(messages)) = map.get_mut("messages") {
                messages.remove("missing");
            }
        }
    }
    field
}

/// The input schema of a program, as JSON.
pub fn program_schema(plan: &Plan, program: usize) -> Option<Json> {
    let p = plan.programs.get(program)?;
    let entity = plan.entities.get(p.entity)?;
    // Every input the program reads, and the entity's inputs without a
    // default that it does not read (`used: false`, never required: the
    // case reader asks only for what the program reads).
    let fields: Vec<Json> = entity
        .inputs
        .iter()
        .enumerate()
        .filter(|(i, input)| p.inputs.contains(i) || input.default.is_none())
        .map(|(i, input)| with_used(field(plan, input), p.inputs.contains(&i)))
        .collect();
    let collections: Vec<Json> = entity
        .collections
        .iter()
        .enumerate()
        .filter_map(|(c, coll)| {
            let read: &[usize] = p
                .member_inputs
                .iter()
                .find(|(mc, _)| *mc == c)
                .map_or(&[], |(_, slots)| slots.as_slice());
            if read.is_empty() && coll.min == 0 {
                return None;
            }
            let member = plan.entities.get(coll.entity)?;
            let fields: Vec<Json> = member
                .inputs
                .iter()
                .enumerate()
                .filter(|(i, input)| read.contains(i) || input.default.is_none())
                .map(|(i, input)| with_used(field(plan, input), read.contains(&i)))
                .collect();
            let subject = Subject::Collection {
                min: coll.min,
                max: coll.max,
            };
            Some(json!({
                "name": coll.name,
                "entity": member.name,
                "label": text(&coll.label),
                "min": coll.min,
                "max": coll.max,
                "fields": fields,
                "messages": messages(input::collection_codes(coll.min), subject),
            }))
        })
        .collect();
    Some(json!({
        "program": p.name,
        "label": text(&p.label),
        "description": text(&p.description),
        "entity": entity.name,
        "entity_label": text(&entity.label),
        "pays_amount": p.amount.is_some(),
        "fields": fields,
        "collections": collections,
        "as_of": with_used(field(plan, &as_of_input()), true),
        "amount_unit_label": p
            .amount
            .and_then(|a| plan.computeds.get(a))
            .and_then(|c| unit_text(plan, &c.ty, None))
            .as_ref()
            .map(text),
    }))
}

/// Checks one field of a program's form as typed, with the case reader's
/// own checks ([`input::check_text`]): `None` when the text is acceptable,
/// else the problem's code and the message to show. `field` names an input
/// of the program's entity or, with a `collection`, of its members; with no
/// collection, [`AS_OF`] names the evaluation date unless the entity has an
/// input of that name. Without `as_of`, the checks against the evaluation
/// date are left out.
///
/// # Errors
/// `unknown_field`, at the field's path, when the program, the collection
/// or the field does not exist.
pub fn check_field(
    plan: &Plan,
    program: usize,
    collection: Option<&str>,
    field: &str,
    raw: &str,
    as_of: Option<Date>,
) -> Result<Option<FieldProblem>, InputError> {
    let mut entity = plan
        .programs
        .get(program)
        .and_then(|p| plan.entities.get(p.entity));
    if let Some(c) = collection {
        entity = entity
            .and_then(|e| e.collections.iter().find(|coll| coll.name == c))
            .and_then(|coll| plan.entities.get(coll.entity));
    }
    let slot = entity.and_then(|e| e.inputs.iter().position(|i| i.name == field));
    let input = entity.zip(slot).and_then(|(e, i)| e.inputs.get(i));
    // Whether the program reads the field: one it does not read may be
    // left empty (the case reader asks only for what is read).
    let read = plan
        .programs
        .get(program)
        .is_some_and(|p| match collection {
            None => slot.is_some_and(|i| p.inputs.contains(&i)),
            Some(c) => {
                let coll = plan
                    .entities
                    .get(p.entity)
                    .and_then(|e| e.collections.iter().position(|k| k.name == c));
                p.member_inputs
                    .iter()
                    .any(|(k, slots)| Some(*k) == coll && slot.is_some_and(|i| slots.contains(&i)))
            }
        });
    match (input, collection) {
        (Some(_), _) if !read && raw.is_empty() => Ok(None),
        (Some(input), _) => Ok(input::check_text(plan, input, raw, as_of)),
        (None, None) if field == AS_OF => Ok(input::check_text(plan, &as_of_input(), raw, None)),
        _ => {
            let loc = collection.map_or_else(|| field.to_string(), |c| format!("{c}.{field}"));
            Err(InputError {
                code: "unknown_field",
                msg: format!("`{loc}` is not a field of this program's form"),
                loc,
                input: None,
            })
        }
    }
}

/// The message a form shows for an input error of a case of `entity`
/// (see [`crate::RuleSet::input_error_message`]): the field or collection at
/// the error's path, `field`, `collection` or `collection[i].field`, and the
/// catalogue's text for its code.
pub fn error_message(
    plan: &Plan,
    entity: usize,
    error: &InputError,
    as_of: Option<Date>,
) -> Option<Text> {
    let entity = plan.entities.get(entity)?;
    let (head, field) = match error.loc.split_once('.') {
        Some((head, field)) => (head, Some(field)),
        None => (error.loc.as_str(), None),
    };
    let name = head.split_once('[').map_or(head, |(name, _)| name);
    let collection = entity.collections.iter().find(|c| c.name == name);
    let subject = match (collection, field) {
        (Some(c), Some(field)) => Subject::Input(
            plan.entities
                .get(c.entity)?
                .inputs
                .iter()
                .find(|i| i.name == field)?,
        ),
        (Some(c), None) => Subject::Collection {
            min: c.min,
            max: c.max,
        },
        (None, None) => Subject::Input(entity.inputs.iter().find(|i| i.name == name)?),
        (None, Some(_)) => return None,
    };
    input::message(error.code, subject, as_of)
}

/// Every program with its entity and label, as JSON.
pub fn programs(plan: &Plan) -> Json {
    Json::Array(
        plan.programs
            .iter()
            .filter(|p| p.part_of.is_none())
            .map(|p| json!({"program": p.name, "entity": plan.entities.get(p.entity).map(|e| e.name.clone()), "label": text(&p.label), "pays_amount": p.amount.is_some()}))
            .collect(),
    )
}
