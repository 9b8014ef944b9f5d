//! The case reader: a case from any [`CaseSource`] (JSON, a binding's
//! values) validated into its entity's frame and its members' frames, with
//! every problem collected.
//!
//! Values are read as they are given (a whole number, a day, text) with no
//! text made on the way; a problem's place (`members[1].birth_date`) is
//! kept as a chain of borrowed steps and written out only for a problem.

use crate::date::Date;
use crate::plan::{InputPlan, Plan};
use crate::run::input::{parse_text, printable, Case, InputError, Required, MAX_MEMBERS};
use crate::run::source::{CaseSource, Given, Key, Refusal};
use crate::value::{Type, Value};
use rust_decimal::Decimal;

/// Where a value is in the case, written out only for a problem.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// The case itself.
    Root,
    /// A field of an object.
    Field(&'a Place<'a>, &'a str),
    /// An item of a list.
    Item(&'a Place<'a>, usize),
}

impl Place<'_> {
    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Place::Root => {}
            Place::Field(parent, name) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Place::Item(parent, i) => {
                parent.write(out);
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

/// The problems found so far, and what stays the same while reading.
struct Reader<'p> {
    plan: &'p Plan,
    as_of: Date,
    errors: Vec<InputError>,
}

impl Reader<'_> {
    fn push<S: CaseSource>(
        &mut self,
        code: &'static str,
        place: &Place<'_>,
        msg: String,
        input: Option<&S>,
    ) {
        self.errors.push(InputError {
            code,
            loc: place.text(),
            msg,
            input: input.map(CaseSource::shown),
        });
    }
}

/// Reads a case of `entity` from `source`, requiring only the inputs
/// `required` marks (every input without a default when `None`).
///
/// # Errors
/// Every problem found, each with its place.
pub(crate) fn read_case<S: CaseSource>(
    plan: &Plan,
    entity: usize,
    source: &S,
    as_of: Date,
    required: Option<&Required>,
) -> Result<Case, Vec<InputError>> {
    let mut reader = Reader {
        plan,
        as_of,
        errors: Vec::new(),
    };
    let n_slots = plan.entities.get(entity).map_or(0, |e| e.n_slots);
    let mut frame = vec![Value::Missing; n_slots];
    let collections = reader.entity(
        entity,
        source,
        &Place::Root,
        &mut frame,
        0,
        required.map(|r| (r.case.as_slice(), r.members.as_slice())),
    );
    match collections {
        Some(collections) if reader.errors.is_empty() => Ok(Case {
            entity,
            frame,
            collections,
        }),
        _ => Err(reader.errors),
    }
}

impl Reader<'_> {
    /// Reads the fields of one object of `entity` into `frame` (its slots),
    /// and returns its members' frames per collection (stride, data).
    fn entity<S: CaseSource>(
        &mut self,
        entity: usize,
        source: &S,
        place: &Place<'_>,
        frame: &mut [Value],
        depth: usize,
        required: Option<(&[bool], &[Vec<bool>])>,
    ) -> Option<Vec<(usize, Vec<Value>)>> {
        let plan = self.plan;
        let ent = plan.entities.get(entity)?;
        match source.given() {
            Given::Object => {}
            Given::Refused(r) => {
                self.push("wrong_type", place, r.message(), Some(source));
                return None;
            }
            _ => {
                self.push(
                    "wrong_type",
                    place,
                    format!("expected an object with the fields of {}", ent.name),
                    Some(source),
                );
                return None;
            }
        }
        let start = self.errors.len();
        // Fields present (holding a value or not): when they are all the
        // object has, no name needs checking.
        let mut found = 0usize;
        for (slot, input) in ent.inputs.iter().enumerate() {
            let field = source.field(Key {
                name: &input.name,
                entity,
                field: slot,
            });
            found += usize::from(field.is_some());
            let value = match field.as_ref().map(|f| (f, f.given())) {
                None | Some((_, Given::Absent)) => match input.default {
                    Some(d) => Some(d),
                    // No program being evaluated reads it: it stays unset.
                    None if required
                        .is_some_and(|(r, _)| !r.get(slot).copied().unwrap_or(true)) =>
                    {
                        None
                    }
                    None => {
                        let place = Place::Field(place, &input.name);
                        self.push::<S>(
                            "missing",
                            &place,
                            format!("{} ({}) is required", input.name, input.label.en),
                            None,
                        );
                        None
                    }
                },
                Some((f, given)) => {
                    let read = parse_given(plan, input, &given)
                        .and_then(|v| check_limits(input, v, Some(self.as_of)).map(|()| v));
                    match read {
                        Ok(v) => Some(v),
                        Err((code, msg)) => {
                            let place = Place::Field(place, &input.name);
                            self.push(code, &place, msg, Some(f));
                            None
                        }
                    }
                }
            };
            if let (Some(v), Some(cell)) = (value, frame.get_mut(slot)) {
                *cell = v;
            }
        }
        let mut collections = Vec::with_capacity(ent.collections.len());
        for (ci, coll) in ent.collections.iter().enumerate() {
            let member_required = required
                .and_then(|(_, m)| m.get(ci))
                .map(|r| (r.as_slice(), &[][..]));
            let here = Place::Field(place, &coll.name);
            let stride = plan.entities.get(coll.entity).map_or(0, |e| e.n_slots);
            let mut data = Vec::new();
            let field = source.field(Key {
                name: &coll.name,
                entity,
                field: ent.inputs.len().saturating_add(ci),
            });
            found += usize::from(field.is_some());
            let given = field.as_ref().map(|f| f.given());
            match (&field, given) {
                (None, _) | (_, Some(Given::Absent)) if coll.min > 0 => self.push::<S>(
                    "missing",
                    &here,
                    format!("{} needs at least {} item(s)", coll.name, coll.min),
                    None,
                ),
                (None, _) | (_, Some(Given::Absent)) => {}
                (Some(items), Some(Given::List)) => {
                    let n = items.len();
                    if n < coll.min as usize {
                        self.push::<S>(
                            "too_few_items",
                            &here,
                            format!(
                                "{} needs at least {} item(s), found {n}",
                                coll.name, coll.min
                            ),
                            None,
                        );
                    }
                    if n > coll.max as usize || n > MAX_MEMBERS {
                        self.push::<S>(
                            "too_many_items",
                            &here,
                            format!(
                                "{} may have at most {} items, found {n}",
                                coll.name, coll.max
                            ),
                            None,
                        );
                    } else if depth < 4 {
                        data.reserve(stride.saturating_mul(n));
                        for i in 0..n {
                            let Some(item) = items.item(i) else {
                                continue;
                            };
                            let at = data.len();
                            data.resize(at.saturating_add(stride), Value::Missing);
                            let member = data.get_mut(at..).unwrap_or_default();
                            let read = self.entity(
                                coll.entity,
                                &item,
                                &Place::Item(&here, i),
                                member,
                                depth + 1,
                                member_required,
                            );
                            if read.is_none() {
                                data.truncate(at);
                            }
                        }
                    }
                }
                (Some(f), Some(Given::Refused(r))) => {
                    self.push("wrong_type", &here, r.message(), Some(f));
                }
                (Some(f), _) => self.push(
                    "wrong_type",
                    &here,
                    format!("{} must be a list", coll.name),
                    Some(f),
                ),
            }
            collections.push((stride, data));
        }
        if found != source.len() {
            // Before the object's other problems, as they are found first.
            let others = self.errors.split_off(start);
            let unknown = self.unknown_fields(ent, source, place);
            self.errors.extend(unknown);
            self.errors.extend(others);
        }
        Some(collections)
    }

    /// The problems with the field names of an object that name no field of
    /// `ent`.
    fn unknown_fields<S: CaseSource>(
        &self,
        ent: &crate::plan::EntityPlan,
        source: &S,
        place: &Place<'_>,
    ) -> Vec<InputError> {
        let mut problems = Vec::new();
        source.each_key(&mut |key| match key {
            Ok(key) => {
                let known = ent.inputs.iter().any(|i| i.name == key)
                    || ent.collections.iter().any(|c| c.name == key);
                if !known {
                    let fields: Vec<&str> = ent
                        .inputs
                        .iter()
                        .map(|i| i.name.as_str())
                        .chain(ent.collections.iter().map(|c| c.name.as_str()))
                        .collect();
                    let name = printable(key);
                    problems.push(InputError {
                        code: "unknown_field",
                        loc: Place::Field(place, &name).text(),
                        msg: format!(
                            "`{name}` is not a field of {}; the fields are {}",
                            ent.name,
                            fields.join(", ")
                        ),
                        input: None,
                    });
                }
            }
            Err(shown) => problems.push(InputError {
                code: "wrong_type",
                loc: place.text(),
                msg: Refusal::KeyNotText.message(),
                input: Some(shown),
            }),
        });
        problems
    }
}

/// The typed value of an input as given, before its limits are checked.
pub(crate) fn parse_given(
    plan: &Plan,
    input: &InputPlan,
    given: &Given<'_>,
) -> Result<Value, (&'static str, String)> {
    match (&input.ty, given) {
        (_, Given::Refused(r)) => Err(("wrong_type", r.message())),
        (Type::Money | Type::Number(_), Given::Int(i)) => Ok(Value::Num(Decimal::from(*i))),
        (Type::Money | Type::Number(_), Given::Text(s) | Given::Number(s)) => {
            parse_text(plan, input, s)
        }
        (Type::Date, &Given::Day { year, month, day }) => Date::from_ymd(year, month, day)
            .map(Value::Date)
            .ok_or_else(|| {
                (
                    "invalid_date",
                    format!(
                        "`{year:04}-{month:02}-{day:02}` is not a date (YYYY-MM-DD, a day that exists, years 1800–2200)"
                    ),
                )
            }),
        // A day where no date is meant reads as its text.
        (_, &Given::Day { year, month, day }) => parse_given(
            plan,
            input,
            &Given::Text(format!("{year:04}-{month:02}-{day:02}").into()),
        ),
        (Type::Money, _) => Err((
            "wrong_type",
            "expected an amount of money such as \"1045.50\"".to_string(),
        )),
        (Type::Number(_), _) => Err(("wrong_type", "expected a number".to_string())),
        (Type::Bool, Given::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, _) => Err(("wrong_type", "expected true or false".to_string())),
        (Type::Date | Type::Enum(_), Given::Text(s)) => parse_text(plan, input, s),
        (Type::Date, _) => Err((
            "wrong_type",
            "expected a date written as \"YYYY-MM-DD\"".to_string(),
        )),
        (Type::Enum(_), _) => Err((
            "wrong_type",
            "expected one of the choices as a string".to_string(),
        )),
    }
}

use crate::run::input::check_limits;
