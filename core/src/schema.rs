//! Input schemas: what a program needs, for generating forms.
//!
//! The schema of a program lists the inputs it reads (directly or through
//! other values and programs), with types, ranges, defaults, labels and help
//! in Chinese and English, enum choices, and the member collections it reads
//! with their own fields. A self-check form is generated from it.

use crate::money;
use crate::plan::{InputPlan, Plan, Text};
use crate::value::{Type, Value};
use serde_json::{json, Value as Json};

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
    })
}

fn with_used(mut field: Json, used: bool) -> Json {
    if let Json::Object(map) = &mut field {
        map.insert("used".into(), Json::Bool(used));
    }
    field
}

/// The input schema of a program, as JSON.
pub fn program_schema(plan: &Plan, program: usize) -> Option<Json> {
    let p = plan.programs.get(program)?;
    let entity = plan.entities.get(p.entity)?;
    // A form must produce a case the input reader accepts: every input the
    // program reads, and every required input of the entity even when this
    // program does not read it (`used` tells them apart).
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
            Some(json!({
                "name": coll.name,
                "entity": member.name,
                "label": text(&coll.label),
                "min": coll.min,
                "max": coll.max,
                "fields": fields,
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
    }))
}

/// Every program with its entity and label, as JSON.
pub fn programs(plan: &Plan) -> Json {
    Json::Array(
        plan.programs
            .iter()
            .map(|p| json!({"program": p.name, "entity": plan.entities.get(p.entity).map(|e| e.name.clone()), "label": text(&p.label), "pays_amount": p.amount.is_some()}))
            .collect(),
    )
}
