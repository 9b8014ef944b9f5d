//! Monthly settlement of per-record claims (a canteen's meal records).
//!
//! Records are read one at a time ([`Settler::record`], or a whole CSV file
//! with [`settle_csv`]) and kept only as their decisions, so a month of a
//! million records settles in a few tens of megabytes. Each record is
//! decided on its own date by the program's rules in force that day. A
//! record is rejected, with every reason, when it falls outside the month,
//! has no rules in force on its date, or fails a condition (the condition's
//! `reject` code, such as `too_young`).
//!
//! Records with the same values in the program's `unique` columns are one
//! claim: of those that pass every test, one is accepted and the others are
//! rejected as `duplicate`. A record rejected for another reason never makes
//! a later one a duplicate. Which one is accepted does not depend on the
//! order of the rows: the largest amount, then the smallest person id, then
//! the earliest line. Totals are the same for any order of the rows.
//!
//! Malformed records are input errors, located by the line of the file, and
//! nothing is settled; so is one person given two different values of an
//! input the program declares `person_inputs` (a birth date), and, with
//! `strict`, a duplicate. Sums are exact and checked: an overflow is the
//! error `overflow`, never a wrapped or rounded total.

mod claims;
mod model;
mod output;
mod read;

pub use model::{PersonTotal, Reason, RecordDecision, Settlement};
use model::{Stored, NO_GROUP};
pub use read::{settle, settle_csv, Limits};

use crate::plan::{Plan, Text};
use crate::run::input::{self, printable, InputError};
use crate::run::runner::Runner;
use crate::value::Value;
use crate::{Date, Decimal, Error, EvalError, RuleSet};
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::limits::MAX_ERRORS;

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<(Date, Date)> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    Date::month_bounds(y.parse().ok()?, m.parse().ok()?)
}

/// What a column of the records holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Date,
    Person,
    Input(usize),
}

/// A person id of up to 31 bytes, inline, its length in the last byte;
/// hashed by the bytes it uses.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShortId([u8; 32]);

impl std::hash::Hash for ShortId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let len = usize::from(self.0[31]).min(31);
        state.write(self.0.get(..len).unwrap_or_default());
    }
}

/// A person seen: its index, the line of its first record and the first
/// of its `person_inputs` there.
#[derive(Clone, Copy)]
struct PersonEntry {
    index: u32,
    line: u64,
    first: Value,
}

/// Reason indices before the conditions'.
const OUTSIDE_MONTH: u16 = 0;
const NO_RULES: u16 = 1;
const DUPLICATE: u16 = 2;
const FIRST_CONDITION: u16 = 3;

/// Settles a month of records one record at a time.
///
/// ```
/// # use bangfu::{settle::Settler, RuleSet};
/// let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
/// let mut s = Settler::new(&rules, "meal_subsidy", "2023-09", false).unwrap();
/// s.columns(&["person_id", "meal_date", "birth_date", "meal_kind", "canteen_designated", "price"]).unwrap();
/// s.record(2, &["A", "2023-09-04", "1945-05-05", "lunch", "true", "12"]);
/// s.record(3, &["A", "2023-09-04", "1945-05-05", "lunch", "true", "12"]);
/// let settlement = s.finish().unwrap();
/// assert_eq!(settlement.total.to_string(), "6.00");
/// assert_eq!(settlement.rejected().next().unwrap().duplicate_of, Some(2));
/// ```
pub struct Settler<'r> {
    rules: &'r RuleSet,
    plan: &'r Plan,
    program: usize,
    entity: usize,
    month: String,
    first: Date,
    last: Date,
    strict: bool,
    names: [String; 1],
    columns: Vec<Role>,
    /// Per input of the entity: its column.
    input_columns: Vec<Option<usize>>,
    unique: Vec<Role>,
    person_inputs: Vec<usize>,
    frame: Vec<Value>,
    /// Runners for the days of the month, then for other days.
    month_runners: Vec<Option<Result<Runner<'r>, EvalError>>>,
    runners: HashMap<Date, Result<Runner<'r>, EvalError>>,
    catalogue: Vec<Reason>,
    combo_ids: HashMap<Box<[u16]>, u32>,
    combos: Vec<Box<[u16]>>,
    /// Person ids of up to 31 bytes kept inline (no pointer to follow on
    /// a look-up), longer ones as text.
    short_persons: HashMap<ShortId, PersonEntry>,
    persons: HashMap<Arc<str>, PersonEntry>,
    person_names: Vec<Arc<str>>,
    /// Per person: the line that first gave its `person_inputs`, and them.
    /// Per person: its `person_inputs` after the first, side by side.
    person_more: Vec<Value>,
    /// The key of each accepted record, with its index: short keys as one
    /// integer, longer ones as bytes. Sorted once at the end, equal keys
    /// lie together: one claim each (a sort reads memory in order, where a
    /// map of a million claims would miss the cache on every record).
    short_claims: Vec<(u128, u32)>,
    claims: Vec<(Box<[u8]>, u32)>,
    winners: Vec<u32>,
    records: Vec<Stored>,
    errors: Vec<InputError>,
    more_errors: usize,
    max_errors: usize,
    reasons: Vec<u16>,
    key: Vec<u8>,
}

impl<'r> Settler<'r> {
    /// Prepares to settle `month` (`YYYY-MM`) of `program`. With `strict`, a
    /// duplicate record is an input error rather than a rejected record.
    ///
    /// # Errors
    /// [`EvalError::UnknownProgram`]; an input error `no_settlement` for a
    /// program that is not settled per record, `invalid_date` for a month
    /// that is not `YYYY-MM`.
    pub fn new(
        rules: &'r RuleSet,
        program: &str,
        month: &str,
        strict: bool,
    ) -> Result<Settler<'r>, Error> {
        let plan = rules.plan();
        let pi = plan
            .program_index(program)
            .ok_or_else(|| EvalError::UnknownProgram {
                name: program.to_string(),
            })?;
        let p = &plan.programs[pi];
        if p.settlement.is_none() {
            return Err(Error::Input(vec![InputError {
                code: "no_settlement",
                loc: String::new(),
                msg: format!("program `{program}` is not settled per record"),
                input: None,
            }]));
        }
        let Some((first, last)) = parse_month(month) else {
            return Err(Error::Input(vec![InputError {
                code: "invalid_date",
                loc: "month".into(),
                msg: format!("`{}` is not a month (YYYY-MM)", printable(month)),
                input: Some(month.to_string()),
            }]));
        };
        let n_slots = plan.entities.get(p.entity).map_or(0, |e| e.n_slots);
        let mut catalogue = vec![
            Reason {
                code: "outside_month".into(),
                text: Text {
                    zh: format!("不在结算月份 {month} 内").into(),
                    en: format!("outside the month settled, {month}").into(),
                },
            },
            Reason {
                code: "no_rules_in_force".into(),
                text: Text {
                    zh: "该日没有有效的规则".into(),
                    en: "no rules in force on that day".into(),
                },
            },
            Reason {
                code: "duplicate".into(),
                text: Text {
                    zh: "与另一条已计入的记录重复".into(),
                    en: "repeats another record that is accepted".into(),
                },
            },
        ];
        catalogue.extend(p.conditions.iter().map(|c| Reason {
            code: c.reject.clone(),
            text: Text {
                zh: format!("未满足条件“{}”", c.label.zh).into(),
                en: format!("condition not met: {}", c.label.en).into(),
            },
        }));
        if let Some(s) = &p.settlement {
            let cols = s.unique.join("、");
            catalogue[usize::from(DUPLICATE)].text = Text {
                zh: format!("与另一条已计入的记录重复（{cols} 相同）").into(),
                en: format!(
                    "repeats another record that is accepted (same {})",
                    s.unique.join(", ")
                )
                .into(),
            };
        }
        let empty: Box<[u16]> = Box::new([]);
        Ok(Settler {
            rules,
            plan,
            program: pi,
            entity: p.entity,
            month: month.to_string(),
            first,
            last,
            strict,
            names: [program.to_string()],
            columns: Vec::new(),
            input_columns: Vec::new(),
            unique: Vec::new(),
            person_inputs: Vec::new(),
            frame: vec![Value::Missing; n_slots],
            month_runners: Vec::new(),
            runners: HashMap::new(),
            catalogue,
            combo_ids: HashMap::from([(empty.clone(), 0)]),
            combos: vec![empty],
            short_persons: HashMap::new(),
            persons: HashMap::new(),
            person_names: Vec::new(),
            person_more: Vec::new(),
            short_claims: Vec::new(),
            claims: Vec::new(),
            winners: Vec::new(),
            records: Vec::new(),
            errors: Vec::new(),
            more_errors: 0,
            max_errors: MAX_ERRORS,
            reasons: Vec::new(),
            key: Vec::new(),
        })
    }

    /// Keeps at most `n` error entries (at least one); the rest are counted.
    #[must_use]
    pub fn max_errors(mut self, n: usize) -> Settler<'r> {
        self.max_errors = n.max(1);
        self
    }

    /// The records read so far.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record has been read.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The columns of the records (a CSV header, line 1): each must be the
    /// settlement's date or person column or an input of the program's
    /// entity, none may repeat, and every input without a default must be
    /// there.
    ///
    /// # Errors
    /// Every problem with the columns, each at `line 1, NAME`.
    pub fn columns<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), Error> {
        let plan = self.plan;
        let p = &plan.programs[self.program];
        let Some(settlement) = &p.settlement else {
            return Ok(());
        };
        let inputs = plan
            .entities
            .get(self.entity)
            .map(|e| e.inputs.as_slice())
            .unwrap_or(&[]);
        let mut errors = Vec::new();
        let mut roles = Vec::with_capacity(names.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let name = name.as_ref().trim_ascii();
            let loc = format!("line 1, {}", printable(name));
            if let Some(first) = seen.insert(name, i) {
                errors.push(InputError {
                    code: "duplicate_column",
                    loc: loc.clone(),
                    msg: format!(
                        "columns {} and {} are both `{}`: each column may appear once",
                        first + 1,
                        i + 1,
                        printable(name)
                    ),
                    input: Some(name.to_string()),
                });
            }
            let role = if name == settlement.date {
                Some(Role::Date)
            } else if name == settlement.person {
                Some(Role::Person)
            } else {
                inputs.iter().position(|x| x.name == name).map(Role::Input)
            };
            match role {
                Some(r) => roles.push(r),
                None => {
                    let mut fields = vec![settlement.person.as_str(), settlement.date.as_str()];
                    fields.extend(inputs.iter().map(|x| x.name.as_str()));
                    errors.push(InputError {
                        code: "unknown_field",
                        loc,
                        msg: format!(
                            "column {} `{}` is not a field of the records; the fields are {}",
                            i + 1,
                            printable(name),
                            fields.join(", ")
                        ),
                        input: Some(name.to_string()),
                    });
                    roles.push(Role::Date);
                }
            }
        }
        let mut required: Vec<&str> = vec![settlement.person.as_str(), settlement.date.as_str()];
        required.extend(
            inputs
                .iter()
                .filter(|x| x.default.is_none())
                .map(|x| x.name.as_str()),
        );
        for name in required {
            if !seen.contains_key(name) {
                errors.push(InputError {
                    code: "missing",
                    loc: format!("line 1, {name}"),
                    msg: format!("the records have no column `{name}`, which is required"),
                    input: None,
                });
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        let role_of = |name: &str| {
            if name == settlement.date {
                Some(Role::Date)
            } else if name == settlement.person {
                Some(Role::Person)
            } else {
                inputs.iter().position(|x| x.name == name).map(Role::Input)
            }
        };
        self.unique = settlement
            .unique
            .iter()
            .filter_map(|u| role_of(u))
            .collect();
        self.person_inputs = settlement
            .person_inputs
            .iter()
            .filter_map(|u| inputs.iter().position(|x| x.name == *u))
            .collect();
        self.input_columns = (0..inputs.len())
            .map(|slot| roles.iter().position(|r| *r == Role::Input(slot)))
            .collect();
        self.columns = roles;
        Ok(())
    }

    fn error(&mut self, code: &'static str, loc: String, msg: String, input: Option<&str>) {
        if self.errors.len() < self.max_errors {
            self.errors.push(InputError {
                code,
                loc,
                msg,
                input: input.map(str::to_string),
            });
        } else {
            self.more_errors += 1;
        }
    }

    /// Reads one record: its line in the file and its cells, in the order
    /// of [`Settler::columns`]. Problems are kept and reported by
    /// [`Settler::finish`].
    pub fn record<S: AsRef<str>>(&mut self, line: u64, cells: &[S]) {
        if cells.len() != self.columns.len() {
            let msg = format!(
                "the record has {} fields, the header {}",
                cells.len(),
                self.columns.len()
            );
            self.error("wrong_field_count", format!("line {line}"), msg, None);
            return;
        }
        let plan = self.plan;
        let p = &plan.programs[self.program];
        let Some(settlement) = &p.settlement else {
            return;
        };
        let inputs = plan
            .entities
            .get(self.entity)
            .map(|e| e.inputs.as_slice())
            .unwrap_or(&[]);
        let before = self.errors.len() + self.more_errors;
        // The date and person first: inputs are checked as of the date.
        let mut date = None;
        let mut person_text = None;
        for (role, cell) in self.columns.iter().zip(cells) {
            let text = cell.as_ref().trim_ascii();
            match role {
                Role::Date => date = Some(text),
                Role::Person => person_text = Some(text),
                Role::Input(_) => {}
            }
        }
        let date = match date.map(|t| (t, Date::parse(t))) {
            Some((_, Some(d))) => Some(d),
            Some((t, None)) if !t.is_empty() => {
                let msg = format!("`{}` is not a date (YYYY-MM-DD)", printable(t));
                let loc = format!("line {line}, {}", settlement.date);
                self.error("invalid_date", loc, msg, Some(t));
                None
            }
            _ => {
                let loc = format!("line {line}, {}", settlement.date);
                self.error("missing", loc, "the record's date is required".into(), None);
                None
            }
        };
        let person = match person_text {
            Some(t) if !t.is_empty() => Some(t),
            _ => {
                let loc = format!("line {line}, {}", settlement.person);
                self.error("missing", loc, "the person id is required".into(), None);
                None
            }
        };
        let Some(date) = date else {
            return;
        };
        for (slot, input) in inputs.iter().enumerate() {
            let cell = self
                .input_columns
                .get(slot)
                .copied()
                .flatten()
                .and_then(|c| cells.get(c))
                .map(|c| c.as_ref().trim_ascii())
                .filter(|t| !t.is_empty());
            let value = match cell {
                None => match input.default {
                    Some(d) => Ok(d),
                    None => Err((
                        "missing",
                        format!("{} ({}) is required", input.name, input.label.en),
                    )),
                },
                Some(text) => input::value_from_text(plan, input, text)
                    .and_then(|v| input::check_value(input, v, date).map(|()| v)),
            };
            match value {
                Ok(v) => {
                    if let Some(c) = self.frame.get_mut(slot) {
                        *c = v;
                    }
                }
                Err((code, msg)) => {
                    let loc = format!("line {line}, {}", input.name);
                    self.error(code, loc, msg, cell);
                }
            }
        }
        let Some(person) = person else {
            return;
        };
        if self.errors.len() + self.more_errors > before {
            return;
        }
        let person = self.person(line, person);
        if self.errors.is_empty() && self.more_errors == 0 {
            self.decide(line, person, date);
        }
    }

    /// The person's index (a new one for an id not seen before); the
    /// record's `person_inputs` are checked against the person's first
    /// record. One look-up brings both.
    fn person(&mut self, line: u64, id: &str) -> u32 {
        let k = self.person_inputs.len();
        let value = |j: usize| {
            self.person_inputs
                .get(j)
                .and_then(|&s| self.frame.get(s))
                .copied()
                .unwrap_or_default()
        };
        let here = value(0);
        let short = (id.len() < 32).then(|| {
            let mut key = [0u8; 32];
            key[31] = id.len() as u8;
            for (k, b) in key.iter_mut().zip(id.as_bytes()) {
                *k = *b;
            }
            ShortId(key)
        });
        let found = match &short {
            Some(key) => self.short_persons.get(key),
            None => self.persons.get(id),
        };
        if let Some(&entry) = found {
            if k > 0 {
                self.same_person(line, entry, here);
            }
            return entry.index;
        }
        let index = u32::try_from(self.person_names.len()).unwrap_or(u32::MAX);
        let entry = PersonEntry {
            index,
            line,
            first: here,
        };
        let more: Vec<Value> = (1..k).map(value).collect();
        self.person_more.extend(more);
        let name: Arc<str> = id.into();
        match short {
            Some(key) => self.short_persons.insert(key, entry),
            None => self.persons.insert(name.clone(), entry),
        };
        self.person_names.push(name);
        index
    }

    /// Checks a record's `person_inputs` against the person's first record.
    fn same_person(&mut self, line: u64, entry: PersonEntry, here: Value) {
        let k = self.person_inputs.len();
        for j in 0..k {
            let slot = self.person_inputs.get(j).copied().unwrap_or(0);
            let (here, first) = if j == 0 {
                (here, entry.first)
            } else {
                let at = entry.index as usize * (k - 1) + j - 1;
                (
                    self.frame.get(slot).copied().unwrap_or_default(),
                    self.person_more.get(at).copied().unwrap_or_default(),
                )
            };
            if here == first {
                continue;
            }
            let first_line = entry.line;
            let person = entry.index;
            let plan = self.plan;
            let name = plan
                .entities
                .get(self.entity)
                .and_then(|e| e.inputs.get(slot))
                .map_or("", |x| x.name.as_str());
            let id = self
                .person_names
                .get(person as usize)
                .map_or(String::new(), |p| printable(p));
            let msg = format!(
                "person `{id}` has {name} {} here and {} on line {first_line}: one person, one {name}",
                show(plan, here),
                show(plan, first)
            );
            self.error(
                "inconsistent_person",
                format!("line {line}, {name}"),
                msg,
                None,
            );
        }
    }

    fn decide(&mut self, line: u64, person: u32, date: Date) {
        let plan = self.plan;
        let p = &plan.programs[self.program];
        self.reasons.clear();
        if date < self.first || date > self.last {
            self.reasons.push(OUTSIDE_MONTH);
        }
        let mut amount = Decimal::new(0, 2);
        if self.runners.len() > 4096 {
            self.runners.clear();
        }
        let (entity, names) = (self.entity, &self.names);
        let day = usize::try_from(date.days() - self.first.days())
            .ok()
            .filter(|&d| date <= self.last && d < 31);
        let runner = match day {
            Some(d) => {
                if self.month_runners.len() <= d {
                    self.month_runners.resize_with(d + 1, || None);
                }
                match self.month_runners.get_mut(d) {
                    Some(slot) => {
                        slot.get_or_insert_with(|| Runner::new(plan, entity, Some(names), date))
                    }
                    None => return,
                }
            }
            None => self
                .runners
                .entry(date)
                .or_insert_with(|| Runner::new(plan, entity, Some(names), date)),
        };
        let failed = match runner {
            Err(EvalError::NoRulesInForce { .. }) => {
                self.reasons.push(NO_RULES);
                None
            }
            Err(e) => Some(e.clone()),
            Ok(runner) => {
                let ent = plan.entities.get(self.entity);
                let mut members: Vec<(usize, &mut [Value])> = ent
                    .map(|e| e.collections.len())
                    .map_or_else(Vec::new, |n| (0..n).map(|_| (0, &mut [][..])).collect());
                match runner.run(&mut self.frame, &mut members) {
                    Err(e) => Some(e),
                    Ok(()) => {
                        let frame = &self.frame;
                        let slot = |c: usize| {
                            frame
                                .get(plan.computeds[c].slot)
                                .copied()
                                .unwrap_or_default()
                        };
                        for (i, cond) in p.conditions.iter().enumerate() {
                            if slot(cond.computed) != Value::Bool(true) {
                                let i = u16::try_from(i).unwrap_or(u16::MAX - FIRST_CONDITION);
                                self.reasons.push(FIRST_CONDITION.saturating_add(i));
                            }
                        }
                        if self.reasons.is_empty() {
                            amount = p
                                .amount
                                .and_then(|a| slot(a).as_num())
                                .unwrap_or(Decimal::ZERO);
                        }
                        None
                    }
                }
            }
        };
        if let Some(e) = failed {
            let msg = e.to_string();
            self.error(e.code(), format!("line {line}"), msg, None);
            return;
        }
        let reasons = self.combo();
        let index = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        if reasons == 0 {
            self.claim(person, date, index);
        }
        self.records.push(Stored {
            line,
            amount,
            person,
            date,
            reasons,
            group: NO_GROUP,
        });
    }

    /// The id of the current reason combination.
    fn combo(&mut self) -> u32 {
        if self.reasons.is_empty() {
            return 0;
        }
        if let Some(&id) = self.combo_ids.get(self.reasons.as_slice()) {
            return id;
        }
        let id = u32::try_from(self.combos.len()).unwrap_or(0);
        let key: Box<[u16]> = self.reasons.as_slice().into();
        self.combo_ids.insert(key.clone(), id);
        self.combos.push(key);
        id
    }
}

/// A value as a person reads it in a message.
fn show(plan: &Plan, v: Value) -> String {
    match v {
        Value::Enum(i) => plan
            .enums
            .iter()
            .flat_map(|e| e.variants.get(i as usize))
            .map(|(id, _)| id.clone())
            .next()
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}
