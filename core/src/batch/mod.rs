//! Many cases as columns: a population evaluated in one pass.
//!
//! A [`Population`] is built once from typed columns (households, and members
//! linked to them by a key column), validated cell by cell with the same
//! rules as a single case, and stored as typed integer columns. Evaluating it
//! runs the rules compiled to operations over columns (`vector`), a chunk of
//! cases at a time, over both cores when the batch is large; a case the
//! columnar program cannot show exact is evaluated by [`Runner::run`], the
//! one-case code, and [`Engine::OneByOne`] runs that for every case. Results
//! are identical to evaluating the cases one by one. Amounts come back as
//! [`Amounts`], integers at the scale of the rounding unit. A population can
//! be evaluated against any rule set whose entity has the same inputs, so a
//! reform never rebuilds it.

use crate::date::Date;
use crate::plan::{InputPlan, Plan};
use crate::run::input::{check_value, choice};
use crate::run::runner::{EvalError, Runner};
use crate::value::{Type, Value};
use crate::{money, Decimal, RuleSet};
pub use amounts::Amounts;
use columns::Column;
pub use ints::Ints;
use std::collections::HashMap;

mod amounts;
mod columnar;
mod columns;
mod fill;
mod ints;

/// A column of values, as it arrives from a table (Arrow, pandas, polars).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Exact decimals (money, numbers); `None` is null.
    Decimal(Vec<Option<Decimal>>),
    /// Exact decimals as integers at a number of decimals (`Fixed(2, …)`
    /// holds fen): Arrow `decimal128` values that fit in 64 bits.
    Fixed(u32, Ints),
    /// Integers.
    Int(Ints),
    /// Booleans.
    Bool(Vec<Option<bool>>),
    /// Dates as days since 1970-01-01 (Arrow `date32`).
    Date(Vec<Option<i32>>),
    /// Text: enum choices, or dates and decimals written as text.
    Text(Vec<Option<String>>),
    /// Text stored once per distinct value: the values, and per row the
    /// index of its value (Arrow dictionaries, pandas and polars
    /// categoricals).
    Dict(Vec<String>, Vec<Option<u32>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Decimal(v) => v.len(),
            ColumnData::Fixed(_, v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Date(v) => v.len(),
            ColumnData::Text(v) => v.len(),
            ColumnData::Dict(_, k) => k.len(),
        }
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text at row `row` of a `Text` or `Dict` column.
    pub fn text(&self, row: usize) -> Option<&str> {
        match self {
            ColumnData::Text(v) => v.get(row).and_then(|s| s.as_deref()),
            ColumnData::Dict(values, keys) => keys
                .get(row)
                .copied()
                .flatten()
                .and_then(|k| values.get(k as usize))
                .map(String::as_str),
            _ => None,
        }
    }

    /// The number at row `row` of a `Decimal` or `Fixed` column.
    pub fn decimal(&self, row: usize) -> Option<Decimal> {
        match self {
            ColumnData::Decimal(v) => v.get(row).copied().flatten(),
            ColumnData::Fixed(s, v) => v.get(row).and_then(|x| fixed_decimal(x, *s)),
            _ => None,
        }
    }

    /// The value of row `row` as a key, as text: how cases and members are
    /// matched (integers, text and decimals; `None` for null or other kinds).
    pub fn key(&self, row: usize) -> Option<String> {
        match self {
            ColumnData::Int(v) => v.get(row).map(|i| i.to_string()),
            ColumnData::Text(_) | ColumnData::Dict(..) => self.text(row).map(str::to_string),
            ColumnData::Decimal(_) | ColumnData::Fixed(..) => {
                self.decimal(row).map(|d| d.normalize().to_string())
            }
            _ => None,
        }
    }
}

/// `x × 10^-scale` as a decimal, if the scale is one a decimal can have.
fn fixed_decimal(x: i64, scale: u32) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(i128::from(x), scale).ok()
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
/// Only inputs are stored, one typed column per input (numbers as integers
/// at a fixed number of decimals); computed values live in per-thread
/// scratch space while a batch runs, so a population takes no more memory
/// than its inputs.
#[derive(Debug, Clone)]
pub struct Population {
    entity_name: String,
    signature: Vec<(String, Type)>,
    /// One column per input of the entity.
    columns: Vec<Column>,
    collections: Vec<MemberColumns>,
    valid: Vec<bool>,
    /// Cases with a number too wide for its column (theirs or a member's):
    /// evaluated one by one.
    wide: Vec<bool>,
    as_of: Date,
}

#[derive(Debug, Clone)]
struct MemberColumns {
    /// One column per input of the member entity.
    columns: Vec<Column>,
    /// `offsets[h]..offsets[h + 1]` are household `h`'s members.
    offsets: Vec<usize>,
}

impl MemberColumns {
    /// Rows of case `i`'s members.
    fn rows(&self, i: usize) -> std::ops::Range<usize> {
        let a = self.offsets.get(i).copied().unwrap_or(0);
        let b = self.offsets.get(i + 1).copied().unwrap_or(a);
        a..b.max(a)
    }
}

/// Key of a row, compared as the text `ColumnData::key` gives, without
/// building text when both key columns hold integers.
#[derive(Clone, Copy)]
enum KeyIndex<'a> {
    /// Integer keys of the cases, strictly increasing (so unique): found by
    /// a cursor that follows members stored in case order, else by binary
    /// search.
    Sorted(&'a [i64]),
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
        (ColumnData::Fixed(s, v), Type::Money | Type::Number(_)) => match v.get(row) {
            None => None,
            Some(x) => Some(Value::Num(fixed_decimal(x, *s).ok_or_else(|| {
                (
                    "invalid_money",
                    format!("{x} with {s} decimals is not an exact decimal"),
                )
            })?)),
        },
        (ColumnData::Int(v), Type::Money | Type::Number(_)) => {
            v.get(row).map(|i| Value::Num(Decimal::from(i)))
        }
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
        (ColumnData::Text(_) | ColumnData::Dict(..), ty) => match col.text(row) {
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

/// An `unknown_field` error for each column of `table` not named in
/// `known` (`whose`: what the columns would be inputs of).
fn unknown_columns<'t>(
    table_name: &'static str,
    table: &'t Table,
    known: &'t [&str],
    whose: &'t str,
) -> impl Iterator<Item = RowError> + 't {
    table
        .columns
        .iter()
        .filter(|(name, _)| !known.contains(&name.as_str()))
        .map(move |(name, _)| RowError {
            table: table_name,
            row: 0,
            household: None,
            loc: name.clone(),
            code: "unknown_field",
            msg: format!("column `{name}` is not an input of {whose}"),
        })
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
        // Cells are checked on every core (up to 8).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let mut case_columns: Vec<Column> = Vec::with_capacity(ent.inputs.len());
        let mut valid = vec![true; n];
        let mut errors = Vec::new();
        let known: Vec<&str> = ent
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .chain([key])
            .collect();
        errors.extend(unknown_columns("households", cases, &known, entity));
        for input in &ent.inputs {
            let (column, errs) = fill::fill(
                plan,
                input,
                cases.column(&input.name),
                as_of,
                n,
                threads,
                fill::Source::Same,
            )?;
            for (row, code, msg) in errs {
                if let Some(v) = valid.get_mut(row) {
                    *v = false;
                }
                errors.push(RowError {
                    table: "households",
                    row,
                    household: Some(row),
                    loc: input.name.clone(),
                    code,
                    msg,
                });
            }
            case_columns.push(column);
        }
        if let Some(mt) = members {
            let mut known: Vec<&str> = vec![key];
            for coll in &ent.collections {
                if let Some(m) = plan.entities.get(coll.entity) {
                    known.extend(m.inputs.iter().map(|i| i.name.as_str()));
                }
            }
            let whose = format!("the members of {entity}");
            errors.extend(unknown_columns("members", mt, &known, &whose));
        }
        let mut collections = Vec::new();
        for coll in &ent.collections {
            let member = &plan.entities[coll.entity];
            // The case of each member row, then the rows of each case in
            // table order (a counting sort).
            // (`NONE` for a member that names no case.)
            const NONE: usize = usize::MAX;
            let mut case_of: Vec<usize> = Vec::new();
            if let Some(mt) = members {
                let (ints, text);
                let index = match (cases.column(key), mt.column(key)) {
                    (Some(ColumnData::Int(hk)), Some(ColumnData::Int(_)))
                        if hk.valid().is_none() && hk.values().windows(2).all(|w| w[0] < w[1]) =>
                    {
                        Some(KeyIndex::Sorted(hk.values()))
                    }
                    (Some(ColumnData::Int(hk)), Some(ColumnData::Int(_))) => {
                        ints = (0..n)
                            .filter_map(|r| hk.get(r).map(|k| (k, r)))
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
                            mk.get(row).and_then(|k| {
                                let at = |h: usize| hk.get(h) == Some(&k);
                                if at(cursor) {
                                    Some(cursor)
                                } else if at(cursor + 1) {
                                    cursor += 1;
                                    Some(cursor)
                                } else {
                                    let h = hk.binary_search(&k).ok()?;
                                    cursor = h;
                                    Some(h)
                                }
                            })
                        }
                        (Some(KeyIndex::Ints(map)), Some(ColumnData::Int(mk))) => {
                            mk.get(row).and_then(|k| map.get(&k).copied())
                        }
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
                    case_of.push(found.unwrap_or(NONE));
                }
            }
            let mut counts = vec![0usize; n + 1];
            for &h in case_of.iter().filter(|&&h| h != NONE) {
                if let Some(c) = counts.get_mut(h + 1) {
                    *c += 1;
                }
            }
            for h in 0..n {
                counts[h + 1] += counts[h];
            }
            // Members already in case order (as most tables are) are read
            // where they lie; otherwise a counting sort gives the order.
            let in_order = case_of.windows(2).all(|w| w[0] <= w[1])
                && case_of.last().is_none_or(|&h| h != NONE);
            let order: Option<Vec<usize>> = if in_order {
                None
            } else {
                let mut next = counts.clone();
                let mut order = vec![0usize; counts[n]];
                for (row, &h) in case_of.iter().enumerate() {
                    if let Some(at) = next.get_mut(h) {
                        if let Some(o) = order.get_mut(*at) {
                            *o = row;
                        }
                        *at += 1;
                    }
                }
                Some(order)
            };
            drop(case_of);
            // Problems of this collection, in the order one case at a
            // time would meet them: by household, its count first, then by
            // member and input.
            let mut found: Vec<((usize, usize, usize, usize), RowError)> = Vec::new();
            for h in 0..n {
                let count = counts[h + 1] - counts[h];
                if count < coll.min as usize || count > coll.max as usize {
                    let code = if count < coll.min as usize {
                        "too_few_items"
                    } else {
                        "too_many_items"
                    };
                    let msg = format!(
                        "{} has {count} members; {}–{} are accepted",
                        coll.name, coll.min, coll.max
                    );
                    found.push((
                        (h, 0, 0, 0),
                        RowError {
                            table: "households",
                            row: h,
                            household: Some(h),
                            loc: coll.name.clone(),
                            code,
                            msg,
                        },
                    ));
                }
            }
            let mut data: Vec<Column> = Vec::with_capacity(member.inputs.len());
            let src = match &order {
                None => fill::Source::Same,
                Some(o) => fill::Source::Order(o),
            };
            for (j, input) in member.inputs.iter().enumerate() {
                let col = members.and_then(|m| m.column(&input.name));
                let (column, errs) = fill::fill(plan, input, col, as_of, counts[n], threads, src)?;
                for (d, code, msg) in errs {
                    let h = counts.partition_point(|&c| c <= d).saturating_sub(1);
                    let row = src.row(d);
                    found.push((
                        (h, 1, d, j),
                        RowError {
                            table: "members",
                            row,
                            household: Some(h),
                            loc: format!("{}[{row}].{}", coll.name, input.name),
                            code,
                            msg,
                        },
                    ));
                }
                data.push(column);
            }
            found.sort_by_key(|(k, _)| *k);
            for ((h, ..), e) in found {
                if let Some(v) = valid.get_mut(h) {
                    *v = false;
                }
                errors.push(e);
            }
            collections.push(MemberColumns {
                columns: data,
                offsets: counts,
            });
        }
        let mut wide = vec![false; n];
        for c in &case_columns {
            for h in c.wide_rows() {
                if let Some(w) = wide.get_mut(h) {
                    *w = true;
                }
            }
        }
        for coll in &collections {
            for c in &coll.columns {
                for m in c.wide_rows() {
                    let h = coll.offsets.partition_point(|&o| o <= m).saturating_sub(1);
                    if let Some(w) = wide.get_mut(h) {
                        *w = true;
                    }
                }
            }
        }
        Ok((
            Population {
                entity_name: entity.to_string(),
                signature: signature(plan, e),
                columns: case_columns,
                collections,
                valid,
                wide,
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
        self.collections.first().map_or(0, |c| c.rows(i).len())
    }

    /// Bytes held by the population's columns (inputs, member offsets,
    /// validity).
    pub fn bytes(&self) -> usize {
        let cols: usize = self.columns.iter().map(Column::bytes).sum();
        let members: usize = self
            .collections
            .iter()
            .map(|c| {
                c.columns.iter().map(Column::bytes).sum::<usize>()
                    + c.offsets.len() * std::mem::size_of::<usize>()
            })
            .sum();
        cols + members + self.valid.len() * 2
    }
}

/// Results of one program over a population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramColumn {
    /// Program id.
    pub program: String,
    /// Eligibility per case (false for invalid cases).
    pub eligible: Vec<bool>,
    /// Amount per case, for programs that pay one (none for cases not
    /// evaluated).
    pub amount: Option<Amounts>,
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
    /// Cases evaluated one at a time rather than by the columnar program
    /// (numbers too wide for it, quotients it cannot show exact), for
    /// diagnosing speed.
    pub one_by_one: usize,
}

/// Batches at least this large are split over threads.
pub const PARALLEL_THRESHOLD: usize = 4096;

/// How a batch is evaluated. Both give the same results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The formulas compiled to operations over columns of integers, a
    /// chunk of cases at a time; cases it cannot show exact are evaluated
    /// one by one.
    #[default]
    Columnar,
    /// Every case through [`Runner::run`], one at a time (the reference).
    OneByOne,
}

/// Evaluates a population against a rule set as of a date, with the
/// columnar engine.
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
    evaluate_with(
        rules,
        population,
        as_of,
        programs,
        threads,
        Engine::Columnar,
    )
}

/// Evaluates a population with the engine given.
///
/// # Errors
/// As [`evaluate`].
pub fn evaluate_with(
    rules: &RuleSet,
    population: &Population,
    as_of: Date,
    programs: Option<&[String]>,
    threads: usize,
    engine: Engine,
) -> Result<BatchResult, EvalError> {
    let columnar = engine == Engine::Columnar;
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
    let chunk = chunk_rows(n, threads);
    // Results are written in place: each thread fills its own rows.
    let mut result = BatchResult {
        programs: runner
            .programs()
            .iter()
            .map(|&p| ProgramColumn {
                program: plan.programs[p].name.to_string(),
                eligible: vec![false; n],
                amount: plan.programs[p].amount.map(|a| {
                    let (scale, rounded) = amount_scale(&plan.computeds[a]);
                    Amounts::new(n, scale, rounded)
                }),
            })
            .collect(),
        evaluated: vec![false; n],
        errors: Vec::new(),
        one_by_one: 0,
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
                for (part, rows) in parts.iter_mut().zip(amounts.writers(chunk)) {
                    part.amount.push(Some(rows));
                }
            }
            None => parts.iter_mut().for_each(|part| part.amount.push(None)),
        }
    }
    let program = if columnar {
        columnar::Program::compile(&runner, population)
    } else {
        None
    };
    let (runner, program) = (&runner, program.as_ref());
    let reports = on_threads(parts, |part| run_rows(runner, program, population, part))?;
    let mut wide: Vec<Vec<(usize, Decimal)>> = result.programs.iter().map(|_| Vec::new()).collect();
    for (errors, slow, kept) in reports {
        result.errors.extend(errors);
        result.one_by_one += slow;
        for (w, k) in wide.iter_mut().zip(kept) {
            w.extend(k);
        }
    }
    for (col, w) in result.programs.iter_mut().zip(wide) {
        if let Some(a) = col.amount.as_mut() {
            a.merge_wide(w);
        }
    }
    Ok(result)
}

/// Rows per thread for `rows` rows on up to `threads` threads: all on one
/// below [`PARALLEL_THRESHOLD`].
fn chunk_rows(rows: usize, threads: usize) -> usize {
    let threads = if rows >= PARALLEL_THRESHOLD {
        threads.clamp(1, 64)
    } else {
        1
    };
    rows.div_ceil(threads).max(1)
}

/// Runs `work` on each part, each on its own scoped thread when there is
/// more than one, and returns the results in order.
///
/// # Errors
/// [`EvalError::Internal`] when a thread stopped before finishing (no
/// partial result is returned).
fn on_threads<P: Send, T: Send>(
    parts: Vec<P>,
    work: impl Fn(P) -> T + Sync,
) -> Result<Vec<T>, EvalError> {
    if parts.len() <= 1 {
        return Ok(parts.into_iter().map(work).collect());
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| EvalError::Internal {
                    reason: "a thread stopped before finishing its rows".into(),
                })
            })
            .collect()
    })
}

/// The rows of the result one thread fills: `start..start + evaluated.len()`.
struct Rows<'a> {
    start: usize,
    evaluated: &'a mut [bool],
    eligible: Vec<&'a mut [bool]>,
    amount: Vec<Option<amounts::Writer<'a>>>,
}

impl Rows<'_> {
    /// Per program, the amounts too wide for the integers.
    fn into_wide(self) -> Vec<Vec<(usize, Decimal)>> {
        self.amount
            .into_iter()
            .map(|w| w.map(amounts::Writer::into_wide).unwrap_or_default())
            .collect()
    }

    /// No result at row `k` (not evaluated).
    fn clear(&mut self, k: usize) {
        for c in &mut self.eligible {
            if let Some(cell) = c.get_mut(k) {
                *cell = false;
            }
        }
        for c in self.amount.iter_mut().flatten() {
            c.set(k, None);
        }
    }
}

/// The scale a program's amounts are held at in a batch result, and
/// whether they are given at it: the rounding unit's when the amount is
/// rounded (so `0.00` for a household that gets nothing, as for one that
/// gets `12.30`); else the scale its type is stored at, the amounts given
/// normalized.
fn amount_scale(amount: &crate::plan::Computed) -> (u32, bool) {
    match (&amount.rounding, &amount.ty) {
        (Some((_, unit)), _) => (unit.scale(), true),
        (None, Type::Money) => (2, false),
        (None, _) => (4, false),
    }
}

/// Evaluates cases one at a time from the population's columns, in frames
/// reused from case to case.
struct OneByOne<'a> {
    runner: &'a Runner<'a>,
    pop: &'a Population,
    /// Eligibility and amount slot of each program.
    outputs: Vec<(usize, Option<usize>)>,
    n_slots: usize,
    member_slots: Vec<usize>,
    frame: Vec<Value>,
    scratch: Vec<Vec<Value>>,
}

impl<'a> OneByOne<'a> {
    fn new(runner: &'a Runner<'a>, pop: &'a Population) -> Self {
        let plan = runner.plan;
        let outputs = runner
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
        let ent = plan
            .entity_index(&pop.entity_name)
            .map(|e| &plan.entities[e]);
        let n_slots = ent.map_or(0, |e| e.n_slots).max(pop.columns.len());
        let member_slots = ent
            .map(|e| {
                e.collections
                    .iter()
                    .zip(&pop.collections)
                    .map(|(c, m)| plan.entities[c.entity].n_slots.max(m.columns.len()))
                    .collect()
            })
            .unwrap_or_default();
        OneByOne {
            runner,
            pop,
            outputs,
            n_slots,
            member_slots,
            frame: vec![Value::Missing; n_slots],
            scratch: pop.collections.iter().map(|_| Vec::new()).collect(),
        }
    }

    /// Evaluates case `i` and writes its results at row `k` of `rows`.
    fn run(&mut self, i: usize, k: usize, rows: &mut Rows<'_>) -> Result<(), EvalError> {
        let pop = self.pop;
        self.frame.clear();
        self.frame.extend(pop.columns.iter().map(|c| c.get(i)));
        self.frame.resize(self.n_slots, Value::Missing);
        for ((buf, coll), &slots) in self
            .scratch
            .iter_mut()
            .zip(&pop.collections)
            .zip(&self.member_slots)
        {
            buf.clear();
            for m in coll.rows(i) {
                let start = buf.len();
                buf.extend(coll.columns.iter().map(|c| c.get(m)));
                buf.resize(start + slots, Value::Missing);
            }
        }
        let mut members: Vec<(usize, &mut [Value])> = self
            .scratch
            .iter_mut()
            .zip(&self.member_slots)
            .map(|(b, &slots)| (slots, b.as_mut_slice()))
            .collect();
        self.runner.run(&mut self.frame, &mut members)?;
        for (p, &(e_slot, a_slot)) in self.outputs.iter().enumerate() {
            if let Some(cell) = rows.eligible.get_mut(p).and_then(|c| c.get_mut(k)) {
                *cell = self
                    .frame
                    .get(e_slot)
                    .copied()
                    .unwrap_or_default()
                    .as_bool()
                    .unwrap_or(false);
            }
            if let Some(w) = rows.amount.get_mut(p).and_then(Option::as_mut) {
                let amount =
                    a_slot.and_then(|s| self.frame.get(s).copied().unwrap_or_default().as_num());
                w.set(k, amount);
            }
        }
        Ok(())
    }
}

/// What one thread reports: errors, and how many cases it evaluated one
/// by one.
/// What one thread reports: errors, how many cases it evaluated one by
/// one, and per program the amounts too wide for the integers.
type Report = (Vec<(usize, EvalError)>, usize, Vec<Vec<(usize, Decimal)>>);

/// Evaluates the cases of `rows` into it: chunk by chunk with the columnar
/// program when there is one, case by case for the rows it flags and for
/// every row otherwise.
fn run_rows(
    runner: &Runner<'_>,
    program: Option<&columnar::Program>,
    pop: &Population,
    mut rows: Rows<'_>,
) -> Report {
    let mut errors = Vec::new();
    let mut one = OneByOne::new(runner, pop);
    let mut slow = 0usize;
    let n = rows.evaluated.len();
    let start = rows.start;
    let mut single = |i: usize, k: usize, rows: &mut Rows<'_>, slow: &mut usize| {
        *slow += 1;
        match one.run(i, k, rows) {
            Ok(()) => {
                if let Some(done) = rows.evaluated.get_mut(k) {
                    *done = true;
                }
            }
            Err(e) => {
                rows.clear(k);
                errors.push((i, e));
            }
        }
    };
    let Some(program) = program else {
        for k in 0..n {
            let i = start + k;
            if pop.valid.get(i).copied().unwrap_or(false) {
                single(i, k, &mut rows, &mut slow);
            }
        }
        return (errors, slow, rows.into_wide());
    };
    let mut st = program.state(pop.collections.len());
    let mut lo = 0;
    while lo < n {
        let len = columnar::CHUNK.min(n - lo);
        let chunk = lo..lo + len;
        program.run_chunk(pop, &mut st, start + lo, len);
        for (p, &(e_reg, amount)) in program.outputs().iter().enumerate() {
            let e = program.reg(&st, e_reg);
            if let Some(cells) = rows
                .eligible
                .get_mut(p)
                .and_then(|c| c.get_mut(chunk.clone()))
            {
                for (cell, &x) in cells.iter_mut().zip(e) {
                    *cell = x != 0;
                }
            }
            let writer = rows.amount.get_mut(p).and_then(Option::as_mut);
            if let (Some(w), Some((a_reg, a_scale))) = (writer, amount) {
                let a = program.reg(&st, a_reg);
                w.set_units(lo, a.get(..len).unwrap_or(a), a_scale);
            }
        }
        let cases = start + lo..start + lo + len;
        // Folds rather than short-circuits: they run on vectors.
        let any = |v: &[bool]| v.iter().fold(false, |a, &x| a | x);
        let all = |v: &[bool]| v.iter().fold(true, |a, &x| a & x);
        let clean = !any(st.flag.get(..len).unwrap_or(&st.flag))
            && pop.valid.get(cases.clone()).is_some_and(all)
            && pop.wide.get(cases).is_some_and(|w| !any(w));
        if clean {
            // Every case valid and shown exact by the columnar program.
            if let Some(done) = rows.evaluated.get_mut(chunk) {
                done.fill(true);
            }
            lo += len;
            continue;
        }
        for k in chunk {
            let i = start + k;
            if !pop.valid.get(i).copied().unwrap_or(false) {
                rows.clear(k);
                continue;
            }
            if st.flag.get(k - lo).copied().unwrap_or(true)
                || pop.wide.get(i).copied().unwrap_or(true)
            {
                single(i, k, &mut rows, &mut slow);
            } else if let Some(done) = rows.evaluated.get_mut(k) {
                *done = true;
            }
        }
        lo += len;
    }
    (errors, slow, rows.into_wide())
}
