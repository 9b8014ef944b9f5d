//! Many cases as columns: a population evaluated in one pass.
//!
//! A [`Population`] is built once from typed columns (households, and members
//! linked to them by a key column), validated cell by cell with the same
//! rules as a single case, and stored as input frames. Evaluating it runs
//! the one-case code of [`Runner`] on every case, over both cores when the
//! batch is large, with one frame per thread and members read where they
//! lie when no member value has to be computed: results are identical to
//! evaluating the cases one by one. A population can be
//! evaluated against any rule set whose entity has the same inputs, so a
//! reform never rebuilds it.

use crate::date::Date;
use crate::eval::Members;
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

    /// The value of row `row` as a key, as text: how cases and members are
    /// matched (integers, text and decimals; `None` for null or other kinds).
    pub fn key(&self, row: usize) -> Option<String> {
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
///
/// Only inputs are stored (`stride` values per case, `stride` values per
/// member); the slots of computed values are added in a per-thread frame
/// when a case runs, so a population takes no more memory than its inputs.
#[derive(Debug, Clone)]
pub struct Population {
    entity_name: String,
    signature: Vec<(String, Type)>,
    /// Inputs per case.
    stride: usize,
    frames: Vec<Value>,
    collections: Vec<MemberFrames>,
    valid: Vec<bool>,
    as_of: Date,
}

#[derive(Debug, Clone)]
struct MemberFrames {
    /// Inputs per member.
    stride: usize,
    data: Vec<Value>,
    /// `offsets[h]..offsets[h + 1]` are household `h`'s members.
    offsets: Vec<usize>,
}

/// Key of a row, compared as the text `ColumnData::key` gives, without
/// building text when both key columns hold integers.
#[derive(Clone, Copy)]
enum KeyIndex<'a> {
    /// Integer keys of the cases, strictly increasing (so unique): found by
    /// a cursor that follows members stored in case order, else by binary
    /// search.
    Sorted(&'a [Option<i64>]),
    /// Any other integer keys (the last row of a duplicated key wins).
    Ints(&'a HashMap<i64, usize>),
    /// Keys as text.
    Text(&'a HashMap<String, usize>),
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
                    .ok_or_else(|| {
                        (
                            "invalid_date",
                            format!("day {days} is outside the years 1800–2200"),
                        )
                    })?;
                Some(Value::Date(d))
            }
        },
        (ColumnData::Text(v), ty) => match v.get(row).and_then(|s| s.as_deref()) {
            None => None,
            Some(s) => Some(match ty {
                Type::Enum(e) => choice(plan, *e, s).map_err(|m| ("unknown_choice", m))?,
                Type::Date => Value::Date(Date::parse(s.trim()).ok_or_else(|| {
                    ("invalid_date", format!("`{s}` is not a date (YYYY-MM-DD)"))
                })?),
                Type::Money | Type::Number(_) => {
                    Value::Num(money::parse_decimal(s).ok_or_else(|| {
                        ("invalid_money", format!("`{s}` is not a decimal number"))
                    })?)
                }
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

/// A cell's value, or the `missing` error when it is empty and the input
/// has no default.
fn required(
    input: &InputPlan,
    got: Result<Option<Value>, (&'static str, String)>,
) -> Result<Value, (&'static str, String)> {
    got?.ok_or_else(|| ("missing", format!("{} is required", input.name)))
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
        let stride = ent.inputs.len();
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
                match required(input, got) {
                    Ok(v) => frames[row * stride + slot] = v,
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
        if let Some(mt) = members {
            let mut known: Vec<&str> = vec![key];
            for coll in &ent.collections {
                if let Some(m) = plan.entities.get(coll.entity) {
                    known.extend(m.inputs.iter().map(|i| i.name.as_str()));
                }
            }
            for (name, _) in &mt.columns {
                if !known.contains(&name.as_str()) {
                    errors.push(RowError {
                        table: "members",
                        row: 0,
                        household: None,
                        loc: name.clone(),
                        code: "unknown_field",
                        msg: format!("column `{name}` is not an input of the members of {entity}"),
                    });
                }
            }
        }
        let mut collections = Vec::new();
        for coll in &ent.collections {
            let member = &plan.entities[coll.entity];
            let mstride = member.inputs.len();
            // The case of each member row, then the rows of each case in
            // table order (a counting sort).
            let mut case_of: Vec<Option<usize>> = Vec::new();
            if let Some(mt) = members {
                let (ints, text);
                let index = match (cases.column(key), mt.column(key)) {
                    (Some(ColumnData::Int(hk)), Some(ColumnData::Int(_)))
                        if hk
                            .windows(2)
                            .all(|w| matches!((w[0], w[1]), (Some(a), Some(b)) if a < b))
                            && hk.first().is_none_or(Option::is_some) =>
                    {
                        Some(KeyIndex::Sorted(hk))
                    }
                    (Some(ColumnData::Int(hk)), Some(ColumnData::Int(_))) => {
                        ints = (0..n)
                            .filter_map(|r| hk.get(r).copied().flatten().map(|k| (k, r)))
                            .collect::<HashMap<i64, usize>>();
                        Some(KeyIndex::Ints(&ints))
                    }
                    (Some(c), _) => {
                        text = (0..n)
                            .filter_map(|r| c.key(r).map(|k| (k, r)))
                            .collect::<HashMap<String, usize>>();
                        Some(KeyIndex::Text(&text))
                    }
                    (None, _) => {
                        errors.push(RowError {
                            table: "households",
                            row: 0,
                            household: None,
                            loc: key.to_string(),
                            code: "missing",
                            msg: format!("the key column `{key}` is missing"),
                        });
                        None
                    }
                };
                let mkey = mt.column(key);
                let mut cursor = 0usize;
                case_of.reserve(mt.rows());
                for row in 0..mt.rows() {
                    let found = match (index, mkey) {
                        (Some(KeyIndex::Sorted(hk)), Some(ColumnData::Int(mk))) => {
                            mk.get(row).copied().flatten().and_then(|k| {
                                let at = |h: usize| hk.get(h).copied().flatten() == Some(k);
                                if at(cursor) {
                                    Some(cursor)
                                } else if at(cursor + 1) {
                                    cursor += 1;
                                    Some(cursor)
                                } else {
                                    let h = hk.binary_search(&Some(k)).ok()?;
                                    cursor = h;
                                    Some(h)
                                }
                            })
                        }
                        (Some(KeyIndex::Ints(map)), Some(ColumnData::Int(mk))) => mk
                            .get(row)
                            .copied()
                            .flatten()
                            .and_then(|k| map.get(&k).copied()),
                        (Some(KeyIndex::Text(map)), Some(c)) => {
                            c.key(row).and_then(|k| map.get(&k).copied())
                        }
                        _ => None,
                    };
                    if found.is_none() {
                        errors.push(RowError {
                            table: "members",
                            row,
                            household: None,
                            loc: key.to_string(),
                            code: "unknown_household",
                            msg: format!(
                                "member row {row} names no household in the `{key}` column"
                            ),
                        });
                    }
                    case_of.push(found);
                }
            }
            let mut counts = vec![0usize; n + 1];
            for &h in case_of.iter().flatten() {
                counts[h + 1] += 1;
            }
            for h in 0..n {
                counts[h + 1] += counts[h];
            }
            let mut next = counts.clone();
            let mut order = vec![0usize; counts[n]];
            for (row, &h) in case_of.iter().enumerate() {
                if let Some(h) = h {
                    order[next[h]] = row;
                    next[h] += 1;
                }
            }
            drop(case_of);
            drop(next);
            let columns: Vec<Option<&ColumnData>> = member
                .inputs
                .iter()
                .map(|input| members.and_then(|m| m.column(&input.name)))
                .collect();
            let mut data = vec![Value::Missing; counts[n] * mstride];
            for h in 0..n {
                let rows = &order[counts[h]..counts[h + 1]];
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
                for (k, &row) in rows.iter().enumerate() {
                    let base = (counts[h] + k) * mstride;
                    for (slot, (input, col)) in member.inputs.iter().zip(&columns).enumerate() {
                        let got = match col {
                            Some(c) => cell(plan, input, c, row, as_of),
                            None => Ok(input.default),
                        };
                        let loc = || format!("{}[{row}].{}", coll.name, input.name);
                        match required(input, got) {
                            Ok(v) => data[base + slot] = v,
                            Err((code, msg)) => {
                                valid[h] = false;
                                errors.push(RowError {
                                    table: "members",
                                    row,
                                    household: Some(h),
                                    loc: loc(),
                                    code,
                                    msg,
                                });
                            }
                        }
                    }
                }
            }
            collections.push(MemberFrames {
                stride: mstride,
                data,
                offsets: counts,
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
        return Err(EvalError::PopulationMismatch {
            reason: format!("it was built for a rule set whose `{}` has other inputs; build it again for this one", population.entity_name),
        });
    }
    let runner = Runner::new(plan, e, programs, as_of)?;
    if as_of != population.as_of {
        // Dates were checked against the population's date (birth dates not
        // after it, ages within limits); another date needs another check.
        return Err(EvalError::PopulationMismatch {
            reason: format!(
                "it was validated for {}, not {as_of}; build it for {as_of}",
                population.as_of
            ),
        });
    }
    let n = population.len();
    let threads = if n >= PARALLEL_THRESHOLD {
        threads.clamp(1, 64)
    } else {
        1
    };
    let chunk = n.div_ceil(threads.max(1)).max(1);
    // Results are written in place: each thread fills its own rows.
    let mut result = BatchResult {
        programs: runner
            .programs()
            .iter()
            .map(|&p| ProgramColumn {
                program: plan.programs[p].name.clone(),
                eligible: vec![false; n],
                amount: plan.programs[p].amount.map(|_| vec![None; n]),
            })
            .collect(),
        evaluated: vec![false; n],
        errors: Vec::new(),
    };
    let mut parts: Vec<Rows<'_>> = result
        .evaluated
        .chunks_mut(chunk)
        .enumerate()
        .map(|(k, evaluated)| Rows {
            start: k * chunk,
            evaluated,
            eligible: Vec::new(),
            amount: Vec::new(),
        })
        .collect();
    for col in &mut result.programs {
        for (part, rows) in parts.iter_mut().zip(col.eligible.chunks_mut(chunk)) {
            part.eligible.push(rows);
        }
        match col.amount.as_mut() {
            Some(amounts) => {
                for (part, rows) in parts.iter_mut().zip(amounts.chunks_mut(chunk)) {
                    part.amount.push(Some(rows));
                }
            }
            None => parts.iter_mut().for_each(|part| part.amount.push(None)),
        }
    }
    let errors: Vec<Vec<(usize, EvalError)>> = if parts.len() <= 1 {
        parts
            .into_iter()
            .map(|part| run_rows(&runner, population, part))
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    scope.spawn({
                        let runner = &runner;
                        move || run_rows(runner, population, part)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().map_err(|_| EvalError::Internal {
                        reason: "a thread stopped before finishing its rows".into(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })?
    };
    result.errors = errors.into_iter().flatten().collect();
    Ok(result)
}

/// The rows of the result one thread fills: `start..start + evaluated.len()`.
struct Rows<'a> {
    start: usize,
    evaluated: &'a mut [bool],
    eligible: Vec<&'a mut [bool]>,
    amount: Vec<Option<&'a mut [Option<Decimal>]>>,
}

/// Evaluates the cases of `rows` into it, with one frame per thread. When no
/// member value has to be computed, members are read where they lie in the
/// population; otherwise they are copied into a scratch frame first.
fn run_rows(runner: &Runner<'_>, pop: &Population, rows: Rows<'_>) -> Vec<(usize, EvalError)> {
    let Rows {
        start,
        evaluated,
        mut eligible,
        mut amount,
    } = rows;
    let plan = runner.plan;
    let mut errors = Vec::new();
    // Where each program's eligibility and amount land in the frame.
    let outputs: Vec<(usize, Option<usize>)> = runner
        .programs()
        .iter()
        .map(|&p| {
            let program = &plan.programs[p];
            (
                plan.computeds[program.eligible].slot,
                program.amount.map(|a| plan.computeds[a].slot),
            )
        })
        .collect();
    let n_in = pop.stride;
    let n_slots = plan
        .entity_index(&pop.entity_name)
        .map_or(n_in, |e| plan.entities[e].n_slots.max(n_in));
    let member_slots: Vec<usize> = plan
        .entity_index(&pop.entity_name)
        .map(|e| {
            plan.entities[e]
                .collections
                .iter()
                .zip(&pop.collections)
                .map(|(c, m)| plan.entities[c.entity].n_slots.max(m.stride))
                .collect()
        })
        .unwrap_or_default();
    // Members can be viewed in place when nothing is computed for them and
    // each has at least one slot (so a member is never a frame of zero).
    let in_place = !runner.needs_member_values() && pop.collections.iter().all(|c| c.stride > 0);
    let mut frame: Vec<Value> = vec![Value::Missing; n_slots];
    let mut scratch: Vec<Vec<Value>> = pop.collections.iter().map(|_| Vec::new()).collect();
    let mut views: Vec<Members<'_>> = Vec::with_capacity(pop.collections.len());
    for (k, done) in evaluated.iter_mut().enumerate() {
        let i = start + k;
        if !pop.valid.get(i).copied().unwrap_or(false) {
            continue;
        }
        let inputs = pop.frames.get(i * n_in..(i + 1) * n_in).unwrap_or(&[]);
        frame[..inputs.len()].copy_from_slice(inputs);
        frame[inputs.len()..].fill(Value::Missing);
        let run = if in_place {
            views.clear();
            views.extend(pop.collections.iter().map(|coll| {
                let (a, b) = (
                    coll.offsets.get(i).copied().unwrap_or(0),
                    coll.offsets.get(i + 1).copied().unwrap_or(0),
                );
                Members {
                    stride: coll.stride,
                    data: coll
                        .data
                        .get(a * coll.stride..b * coll.stride)
                        .unwrap_or(&[]),
                }
            }));
            runner.run_case(&mut frame, &views)
        } else {
            for ((buf, coll), &slots) in scratch.iter_mut().zip(&pop.collections).zip(&member_slots)
            {
                buf.clear();
                let (a, b) = (
                    coll.offsets.get(i).copied().unwrap_or(0),
                    coll.offsets.get(i + 1).copied().unwrap_or(0),
                );
                for m in a..b {
                    let inputs = coll
                        .data
                        .get(m * coll.stride..(m + 1) * coll.stride)
                        .unwrap_or(&[]);
                    buf.extend_from_slice(inputs);
                    buf.resize(buf.len() + (slots - inputs.len()), Value::Missing);
                }
            }
            let mut members: Vec<(usize, &mut [Value])> = scratch
                .iter_mut()
                .zip(&member_slots)
                .map(|(b, &slots)| (slots, b.as_mut_slice()))
                .collect();
            runner.run(&mut frame, &mut members)
        };
        match run {
            Ok(()) => {
                *done = true;
                for (p, &(e_slot, a_slot)) in outputs.iter().enumerate() {
                    if let Some(cell) = eligible.get_mut(p).and_then(|c| c.get_mut(k)) {
                        *cell = frame
                            .get(e_slot)
                            .copied()
                            .unwrap_or_default()
                            .as_bool()
                            .unwrap_or(false);
                    }
                    if let Some(cell) = amount
                        .get_mut(p)
                        .and_then(Option::as_mut)
                        .and_then(|c| c.get_mut(k))
                    {
                        *cell =
                            a_slot.and_then(|s| frame.get(s).copied().unwrap_or_default().as_num());
                    }
                }
            }
            Err(e) => errors.push((i, e)),
        }
    }
    errors
}
