//! Many cases as columns: a population evaluated in one pass.
//!
//! A [`Population`] is built once from typed columns (households, and members
//! linked to them by a key column), validated cell by cell with the same
//! rules as a single case, and stored as frames ready to run. Evaluating it
//! runs [`Runner::run`] (the one-case code) on every case, over both cores
//! when the batch is large, reusing one scratch buffer per thread: results
//! are identical to evaluating the cases one by one. A population can be
//! evaluated against any rule set whose entity has the same inputs, so a
//! reform never rebuilds it.

use crate::date::Date;
use crate::evaluate::{EvalError, Runner};
use crate::input::{check_value, choice};
use crate::plan::{InputPlan, Plan};
use crate::value::{Type, Value};
use crate::{money, Decimal, RuleSet};
use std::collections::HashMap;

/// A column of values, as it arrives from a table (Arrow, pandas, polars).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Exact decimals (money, numbers); `None` is null.
    Decimal(Vec<Option<Decimal>>),
    /// Integers.
    Int(Vec<Option<i64>>),
    /// Booleans.
    Bool(Vec<Option<bool>>),
    /// Dates as days since 1970-01-01 (Arrow `date32`).
    Date(Vec<Option<i32>>),
    /// Text: enum choices, or dates and decimals written as text.
    Text(Vec<Option<String>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Decimal(v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Date(v) => v.len(),
            ColumnData::Text(v) => v.len(),
        }
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn key(&self, row: usize) -> Option<String> {
        match self {
            ColumnData::Int(v) => v.get(row).copied().flatten().map(|i| i.to_string()),
            ColumnData::Text(v) => v.get(row).cloned().flatten(),
            ColumnData::Decimal(v) => v
                .get(row)
                .copied()
                .flatten()
                .map(|d| d.normalize().to_string()),
            _ => None,
        }
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<(String, ColumnData)>,
}

impl Table {
    /// Number of rows (of the first column).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnData> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

/// A problem with one row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Table: `households` or `members`.
    pub table: &'static str,
    /// Row in that table (0-based).
    pub row: usize,
    /// Household row the problem makes invalid.
    pub household: Option<usize>,
    /// Field path: `birth_date`, `household_id`.
    pub loc: String,
    /// Stable code (as for single cases).
    pub code: &'static str,
    /// Message.
    pub msg: String,
}

/// Households (or other cases) ready to evaluate.
#[derive(Debug, Clone)]
pub struct Population {
    entity_name: String,
    signature: Vec<(String, Type)>,
    stride: usize,
    frames: Vec<Value>,
    collections: Vec<MemberFrames>,
    valid: Vec<bool>,
    as_of: Date,
}

#[derive(Debug, Clone)]
struct MemberFrames {
    stride: usize,
    data: Vec<Value>,
    /// `offsets[h]..offsets[h + 1]` are household `h`'s members.
    offsets: Vec<usize>,
}

fn signature(plan: &Plan, entity: usize) -> Vec<(String, Type)> {
    let mut sig = Vec::new();
    if let Some(e) = plan.entities.get(entity) {
        sig.extend(e.inputs.iter().map(|i| (i.name.clone(), i.ty.clone())));
        sig.push((String::new(), Type::Bool));
        sig.push((e.n_slots.to_string(), Type::Bool));
        for c in &e.collections {
            sig.push((format!("{}:", c.name), Type::Bool));
            if let Some(m) = plan.entities.get(c.entity) {
                sig.extend(m.inputs.iter().map(|i| (i.name.clone(), i.ty.clone())));
                sig.push((m.n_slots.to_string(), Type::Bool));
            }
        }
    }
    sig
}

fn cell(
    plan: &Plan,
    input: &InputPlan,
    col: &ColumnData,
    row: usize,
    as_of: Date,
) -> Result<Option<Value>, (&'static str, String)> {
    let v = match (col, &input.ty) {
        (ColumnData::Decimal(v), Type::Money | Type::Number(_)) => {
            v.get(row).copied().flatten().map(Value::Num)
        }
        (ColumnData::Int(v), Type::Money | Type::Number(_)) => v
            .get(row)
            .copied()
            .flatten()
            .map(|i| Value::Num(Decimal::from(i))),
        (ColumnData::Bool(v), Type::Bool) => v.get(row).copied().flatten().map(Value::Bool),
        (ColumnData::Date(v), Type::Date) => match v.get(row).copied().flatten() {
            None => None,
            Some(days) => {
                let d = Date::from_ymd(1970, 1, 1)
                    .and_then(|e| e.add_days(days))
                    .ok_or((
                        "invalid_date",
                        format!("day {days} is outside the years 1800–2200"),
                    ))?;
                Some(Value::Date(d))
            }
        },
        (ColumnData::Text(v), ty) => match v.get(row).and_then(|s| s.as_deref()) {
            None => None,
            Some(s) => Some(match ty {
                Type::Enum(e) => choice(plan, *e, s).map_err(|m| ("unknown_choice", m))?,
                Type::Date => Value::Date(
                    Date::parse(s.trim())
                        .ok_or(("invalid_date", format!("`{s}` is not a date (YYYY-MM-DD)")))?,
                ),
                Type::Money | Type::Number(_) => Value::Num(
                    money::parse_decimal(s)
                        .ok_or(("invalid_money", format!("`{s}` is not a decimal number")))?,
                ),
                Type::Bool => match s.trim() {
                    "true" | "1" => Value::Bool(true),
                    "false" | "0" => Value::Bool(false),
                    _ => return Err(("wrong_type", format!("`{s}` is not true or false"))),
                },
            }),
        },
        _ => {
            return Err((
                "wrong_type",
                format!("a column of this kind cannot hold {}", input.name),
            ))
        }
    };
    let v = match v {
        Some(v) => v,
        None => match input.default {
            Some(d) => d,
            None => return Ok(None),
        },
    };
    check_value(input, v, as_of)?;
    Ok(Some(v))
}

impl Population {
    /// Builds a population of `entity` from a table of cases and, for
    /// entities with members, a table of members whose `key` column links
    /// each member to the case with the same value in the cases' `key`
    /// column. Members keep their table order within a case.
    ///
    /// Rows with a problem are reported and marked invalid; their cases are
    /// skipped at evaluation (never counted as zero).
    ///
    /// # Errors
    /// [`EvalError::UnknownEntity`] for an unknown entity.
    pub fn build(
        rules: &RuleSet,
        entity: &str,
        cases: &Table,
        members: Option<&Table>,
        key: &str,
        as_of: Date,
    ) -> Result<(Population, Vec<RowError>), EvalError> {
        let plan = rules.plan();
        let e = rules.entity(entity)?;
        let ent = &plan.entities[e];
        let n = cases.rows();
        let stride = ent.n_slots;
        let mut frames = vec![Value::Missing; n * stride];
        let mut valid = vec![true; n];
        let mut errors = Vec::new();
        let known: Vec<&str> = ent
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .chain([key])
            .collect();
        for (name, _) in &cases.columns {
            if !known.contains(&name.as_str()) {
                errors.push(RowError {
                    table: "households",
                    row: 0,
                    household: None,
                    loc: name.clone(),
                    code: "unknown_field",
                    msg: format!("column `{name}` is not an input of {entity}"),
                });
            }
        }
        for (slot, input) in ent.inputs.iter().enumerate() {
            let col = cases.column(&input.name);
            for row in 0..n {
                let got = match col {
                    Some(c) => cell(plan, input, c, row, as_of),
                    None => Ok(input.default),
                };
                match got {
                    Ok(Some(v)) => frames[row * stride + slot] = v,
                    Ok(None) => {
                        valid[row] = false;
                        errors.push(RowError {
                            table: "households",
                            row,
                            household: Some(row),
                            loc: input.name.clone(),
                            code: "missing",
                            msg: format!("{} is required", input.name),
                        });
                    }
                    Err((code, msg)) => {
                        valid[row] = false;
                        errors.push(RowError {
                            table: "households",
                            row,
                            household: Some(row),
                            loc: input.name.clone(),
                            code,
                            msg,
                        });
                    }
                }
            }
        }
        let mut collections = Vec::new();
        for coll in &ent.collections {
            let member = &plan.entities[coll.entity];
            let mstride = member.n_slots;
            let mut per_case: Vec<Vec<usize>> = vec![Vec::new(); n];
            if let Some(mt) = members {
                let index: HashMap<String, usize> = match cases.column(key) {
                    Some(c) => (0..n).filter_map(|r| c.key(r).map(|k| (k, r))).collect(),
                    None => {
                        errors.push(RowError {
                            table: "households",
                            row: 0,
                            household: None,
                            loc: key.to_string(),
                            code: "missing",
                            msg: format!("the key column `{key}` is missing"),
                        });
                        HashMap::new()
                    }
                };
                let mkey = mt.column(key);
                for row in 0..mt.rows() {
                    match mkey
                        .and_then(|c| c.key(row))
                        .and_then(|k| index.get(&k).copied())
                    {
                        Some(h) => per_case[h].push(row),
                        None => errors.push(RowError {
                            table: "members",
                            row,
                            household: None,
                            loc: key.to_string(),
                            code: "unknown_household",
                            msg: format!(
                                "member row {row} names no household in the `{key}` column"
                            ),
                        }),
                    }
                }
            }
            let mut data = Vec::new();
            let mut offsets = Vec::with_capacity(n + 1);
            offsets.push(0);
            for (h, rows) in per_case.iter().enumerate() {
                if rows.len() < coll.min as usize || rows.len() > coll.max as usize {
                    valid[h] = false;
                    let code = if rows.len() < coll.min as usize {
                        "too_few_items"
                    } else {
                        "too_many_items"
                    };
                    errors.push(RowError {
                        table: "households",
                        row: h,
                        household: Some(h),
                        loc: coll.name.clone(),
                        code,
                        msg: format!(
                            "{} has {} members; {}–{} are accepted",
                            coll.name,
                            rows.len(),
                            coll.min,
                            coll.max
                        ),
                    });
                }
                for &row in rows {
                    let base = data.len();
                    data.resize(base + mstride, Value::Missing);
                    for (slot, input) in member.inputs.iter().enumerate() {
                        let got = match members.and_then(|m| m.column(&input.name)) {
                            Some(c) => cell(plan, input, c, row, as_of),
                            None => Ok(input.default),
                        };
                        let loc = format!("{}[{row}].{}", coll.name, input.name);
                        match got {
                            Ok(Some(v)) => data[base + slot] = v,
                            Ok(None) => {
                                valid[h] = false;
                                errors.push(RowError {
                                    table: "members",
                                    row,
                                    household: Some(h),
                                    loc,
                                    code: "missing",
                                    msg: format!("{} is required", input.name),
                                });
                            }
                            Err((code, msg)) => {
                                valid[h] = false;
                                errors.push(RowError {
                                    table: "members",
                                    row,
                                    household: Some(h),
                                    loc,
                                    code,
                                    msg,
                                });
                            }
                        }
                    }
                }
                offsets.push(data.len() / mstride.max(1));
            }
            collections.push(MemberFrames {
                stride: mstride,
                data,
                offsets,
            });
        }
        Ok((
            Population {
                entity_name: entity.to_string(),
                signature: signature(plan, e),
                stride,
                frames,
                collections,
                valid,
                as_of,
            },
            errors,
        ))
    }

    /// Number of cases.
    pub fn len(&self) -> usize {
        self.valid.len()
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }

    /// Whether each case is valid (invalid cases are not evaluated).
    pub fn valid(&self) -> &[bool] {
        &self.valid
    }

    /// The date the population was validated for.
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Number of members of case `i` in each collection.
    pub fn member_count(&self, i: usize) -> usize {
        self.collections.first().map_or(0, |c| {
            c.offsets.get(i + 1).copied().unwrap_or(0) - c.offsets.get(i).copied().unwrap_or(0)
        })
    }
}

/// Results of one program over a population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramColumn {
    /// Program id.
    pub program: String,
    /// Eligibility per case (false for invalid cases).
    pub eligible: Vec<bool>,
    /// Amount per case, for programs that pay one (`None` for invalid cases).
    pub amount: Option<Vec<Option<Decimal>>>,
}

/// Results over a population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchResult {
    /// Per program.
    pub programs: Vec<ProgramColumn>,
    /// Whether each case was evaluated.
    pub evaluated: Vec<bool>,
    /// Cases that failed to evaluate (overflow), with the error.
    pub errors: Vec<(usize, EvalError)>,
}

/// Batches at least this large are split over threads.
pub const PARALLEL_THRESHOLD: usize = 4096;

/// Evaluates a population against a rule set as of a date.
///
/// # Errors
/// [`EvalError`] when the programs are not in force or the rule set's entity
/// does not have the inputs the population was built for.
pub fn evaluate(
    rules: &RuleSet,
    population: &Population,
    as_of: Date,
    programs: Option<&[String]>,
    threads: usize,
) -> Result<BatchResult, EvalError> {
    let plan = rules.plan();
    let e = rules.entity(&population.entity_name)?;
    if signature(plan, e) != population.signature {
        return Err(EvalError::WrongEntity {
            program: "(population)".into(),
            expected: "the inputs the population was built with".into(),
            found: format!(
                "a rule set whose `{}` has other inputs",
                population.entity_name
            ),
        });
    }
    let runner = Runner::new(plan, e, programs, as_of)?;
    let n = population.len();
    let threads = if n >= PARALLEL_THRESHOLD {
        threads.clamp(1, 64)
    } else {
        1
    };
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let ranges: Vec<(usize, usize)> = (0..n)
        .step_by(chunk)
        .map(|s| (s, (s + chunk).min(n)))
        .collect();
    let parts: Vec<Part> = if ranges.len() <= 1 {
        vec![run_range(&runner, population, 0, n)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .iter()
                .map(|&(s, t)| {
                    scope.spawn({
                        let runner = &runner;
                        move || run_range(runner, population, s, t)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Part::failed()))
                .collect()
        })
    };
    let mut result = BatchResult {
        programs: runner
            .programs()
            .iter()
            .map(|&p| ProgramColumn {
                program: plan.programs[p].name.clone(),
                eligible: Vec::with_capacity(n),
                amount: plan.programs[p].amount.map(|_| Vec::with_capacity(n)),
            })
            .collect(),
        evaluated: Vec::with_capacity(n),
        errors: Vec::new(),
    };
    for part in parts {
        for (col, (elig, amt)) in result.programs.iter_mut().zip(part.columns) {
            col.eligible.extend(elig);
            if let Some(a) = col.amount.as_mut() {
                a.extend(amt);
            }
        }
        result.evaluated.extend(part.evaluated);
        result.errors.extend(part.errors);
    }
    Ok(result)
}

struct Part {
    columns: Vec<(Vec<bool>, Vec<Option<Decimal>>)>,
    evaluated: Vec<bool>,
    errors: Vec<(usize, EvalError)>,
}

impl Part {
    fn failed() -> Part {
        Part {
            columns: Vec::new(),
            evaluated: Vec::new(),
            errors: Vec::new(),
        }
    }
}

fn run_range(runner: &Runner<'_>, pop: &Population, start: usize, end: usize) -> Part {
    let plan = runner.plan;
    let programs = runner.programs();
    let len = end - start;
    let mut columns: Vec<(Vec<bool>, Vec<Option<Decimal>>)> = programs
        .iter()
        .map(|_| (Vec::with_capacity(len), Vec::with_capacity(len)))
        .collect();
    let mut evaluated = Vec::with_capacity(len);
    let mut errors = Vec::new();
    let mut frame: Vec<Value> = Vec::with_capacity(pop.stride);
    let mut scratch: Vec<Vec<Value>> = pop.collections.iter().map(|_| Vec::new()).collect();
    for i in start..end {
        let ok = pop.valid.get(i).copied().unwrap_or(false) && {
            frame.clear();
            frame.extend_from_slice(
                pop.frames
                    .get(i * pop.stride..(i + 1) * pop.stride)
                    .unwrap_or(&[]),
            );
            for (buf, coll) in scratch.iter_mut().zip(&pop.collections) {
                buf.clear();
                let (a, b) = (
                    coll.offsets.get(i).copied().unwrap_or(0),
                    coll.offsets.get(i + 1).copied().unwrap_or(0),
                );
                buf.extend_from_slice(
                    coll.data
                        .get(a * coll.stride..b * coll.stride)
                        .unwrap_or(&[]),
                );
            }
            let mut members: Vec<(usize, &mut [Value])> = scratch
                .iter_mut()
                .zip(&pop.collections)
                .map(|(b, c)| (c.stride, b.as_mut_slice()))
                .collect();
            match runner.run(&mut frame, &mut members) {
                Ok(()) => true,
                Err(e) => {
                    errors.push((i, e));
                    false
                }
            }
        };
        evaluated.push(ok);
        for (col, &p) in columns.iter_mut().zip(programs) {
            if ok {
                let d = crate::Decision::read(plan, p, &frame);
                col.0.push(d.eligible);
                col.1.push(d.amount);
            } else {
                col.0.push(false);
                col.1.push(None);
            }
        }
    }
    Part {
        columns,
        evaluated,
        errors,
    }
}
