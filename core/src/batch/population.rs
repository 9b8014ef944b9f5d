//! Building a population: columns validated cell by cell into typed columns,
//! members linked to their households.

use super::*;
use crate::date::Date;
use crate::plan::{InputPlan, Plan};
use crate::run::input::{check_value, choice, printable};
use crate::run::runner::EvalError;
use crate::value::{Type, Value};
use crate::{money, Decimal, RuleSet};
use columns::Column;
use std::collections::HashMap;

/// Households (or other cases) ready to evaluate.
///
/// Only inputs are stored, one typed column per input (numbers as integers
/// at a fixed number of decimals); computed values live in per-thread
/// scratch space while a batch runs, so a population takes no more memory
/// than its inputs.
#[derive(Debug, Clone)]
pub struct Population {
    pub(super) entity_name: String,
    pub(super) signature: Vec<(String, Type)>,
    /// One column per input of the entity.
    pub(super) columns: Vec<Column>,
    pub(super) collections: Vec<MemberColumns>,
    pub(super) valid: Vec<bool>,
    /// Cases with a number too wide for its column (theirs or a member's):
    /// evaluated one by one.
    pub(super) wide: Vec<bool>,
    pub(super) as_of: Date,
    /// Per input of the entity: whether every row gives it (or its
    /// default). An input the programs the population was built for do not
    /// read may be left out; a later evaluation that reads it is refused.
    pub(super) present: Vec<bool>,
}

#[derive(Debug, Clone)]
pub(super) struct MemberColumns {
    /// One column per input of the member entity.
    pub(super) columns: Vec<Column>,
    /// `offsets[h]..offsets[h + 1]` are household `h`'s members.
    pub(super) offsets: Vec<usize>,
    /// Per input of the member entity: whether every member gives it.
    pub(super) present: Vec<bool>,
    /// Whether the members are stored in the order of the members table,
    /// every row of it linked to a case.
    pub(super) in_table_order: bool,
}

impl MemberColumns {
    /// Rows of case `i`'s members.
    pub(super) fn rows(&self, i: usize) -> std::ops::Range<usize> {
        let a = self.offsets.get(i).copied().unwrap_or(0);
        let b = self.offsets.get(i + 1).copied().unwrap_or(a);
        a..b.max(a)
    }
}

/// Key of a row, compared as the text `ColumnData::key` gives, without
/// building text when both key columns hold integers.
#[derive(Clone, Copy)]
pub(super) enum KeyIndex<'a> {
    /// Integer keys of the cases, strictly increasing (so unique): found by
    /// a cursor that follows members stored in case order, else by binary
    /// search.
    Sorted(&'a [i64]),
    /// Any other integer keys (a key on two rows is refused).
    Ints(&'a HashMap<i64, usize>),
    /// Keys as text.
    Text(&'a HashMap<String, usize>),
}

pub(super) fn signature(plan: &Plan, entity: usize) -> Vec<(String, Type)> {
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

pub(super) fn cell(
    plan: &Plan,
    input: &InputPlan,
    col: &ColumnData,
    row: usize,
    as_of: Date,
) -> Result<Option<Value>, (&'static str, String)> {
    // The same codes as one case read from JSON.
    let not_decimal = if input.ty == Type::Money {
        "invalid_money"
    } else {
        "invalid_number"
    };
    let v = match (col, &input.ty) {
        (ColumnData::Decimal(v), Type::Money | Type::Number(_)) => {
            v.get(row).copied().flatten().map(Value::Num)
        }
        (ColumnData::Fixed(s, v), Type::Money | Type::Number(_)) => match v.get(row) {
            None => None,
            Some(x) => Some(Value::Num(fixed_decimal(x, *s).ok_or_else(|| {
                (
                    not_decimal,
                    format!("{x} with {s} decimals is not an exact decimal"),
                )
            })?)),
        },
        (ColumnData::Int(v), Type::Money | Type::Number(_)) => {
            v.get(row).map(|i| Value::Num(Decimal::from(i)))
        }
        (ColumnData::Bool(v), Type::Bool) => v.get(row).copied().flatten().map(Value::Bool),
        (ColumnData::Date(v), Type::Date) => v.get(row).copied().flatten().map(day).transpose()?,
        (ColumnData::Lent(l), ty) => match (l.kind(), ty, l.at(row)) {
            (_, _, None) => None,
            (LentKind::Int | LentKind::Decimal(_), Type::Money | Type::Number(_), Some(x)) => {
                Some(Value::Num(l.decimal(row).ok_or_else(|| {
                    (not_decimal, format!("{x} is not an exact decimal"))
                })?))
            }
            (LentKind::Bool, Type::Bool, Some(x)) => Some(Value::Bool(x != 0)),
            (LentKind::Date, Type::Date, Some(x)) => {
                Some(day(i32::try_from(x).unwrap_or(i32::MAX))?)
            }
            _ => {
                return Err((
                    "wrong_type",
                    format!("a column of this kind cannot hold {}", input.name),
                ))
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
                        (
                            not_decimal,
                            format!("`{}` is not a decimal number", printable(s)),
                        )
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

/// A day number as a date, or why it is not one.
fn day(days: i32) -> Result<Value, (&'static str, String)> {
    Date::from_days(days).map(Value::Date).ok_or_else(|| {
        (
            "invalid_date",
            format!("day {days} is outside the years 1800–2200"),
        )
    })
}

/// An `unknown_field` error for each column of `table` not named in
/// `known` (`whose`: what the columns would be inputs of).
pub(super) fn unknown_columns<'t>(
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

/// A key found on a second row: the key, that row, the first row.
type Repeat = (String, usize, usize);

/// Keys to rows, and the rows whose key an earlier row has.
fn unique_keys<K: std::hash::Hash + Eq + std::fmt::Display>(
    keys: impl Iterator<Item = (K, usize)>,
) -> (HashMap<K, usize>, Vec<Repeat>) {
    let mut map = HashMap::new();
    let mut twice = Vec::new();
    for (k, row) in keys {
        match map.get(&k) {
            Some(&first) => twice.push((k.to_string(), row, first)),
            None => {
                map.insert(k, row);
            }
        }
    }
    (map, twice)
}

/// A household key on two rows cannot say whose the members are: both rows
/// are refused, each error naming the other.
fn repeated_keys(twice: &[Repeat], key: &str, valid: &mut [bool], errors: &mut Vec<RowError>) {
    for (k, row, first) in twice {
        for (at, other) in [(*first, *row), (*row, *first)] {
            if let Some(v) = valid.get_mut(at) {
                *v = false;
            }
            errors.push(RowError {
                table: "households",
                row: at,
                household: Some(at),
                loc: key.to_string(),
                code: "duplicate_key",
                msg: format!(
                    "`{key}` {} is on rows {} and {}: each household once, or its members cannot be told apart",
                    printable(k),
                    at.min(other),
                    at.max(other)
                ),
            });
        }
    }
}

/// A cell's value, or the `missing` error when it is empty and the input
/// has no default.
pub(super) fn required(
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
    /// Every input the entity's programs read (and its members' evaluated
    /// with it) is required, as [`Population::build_for`] with no program
    /// named.
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
        Self::build_for(rules, entity, cases, members, key, as_of, None)
    }

    /// Builds a population as [`Population::build`] for evaluating
    /// `programs` (all of the entity's without): an input they do not read
    /// may be left out (no column, or empty cells) as one case may leave it
    /// out. Evaluating programs that read such an input is refused
    /// ([`EvalError::PopulationMismatch`]), never read as zero.
    ///
    /// # Errors
    /// [`EvalError::UnknownEntity`], and the errors of naming programs
    /// ([`EvalError::UnknownProgram`], [`EvalError::WrongEntity`], …).
    pub fn build_for(
        rules: &RuleSet,
        entity: &str,
        cases: &Table,
        members: Option<&Table>,
        key: &str,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<(Population, Vec<RowError>), EvalError> {
        let plan = rules.plan();
        let e = rules.entity(entity)?;
        let ent = &plan.entities[e];
        // What the programs read; without a program in force on the date,
        // every input.
        let needed = match crate::run::runner::Runner::new(plan, e, programs, as_of) {
            Ok(r) => Some(r.required().clone()),
            Err(err) if programs.is_some() => return Err(err),
            Err(_) => None,
        };
        let needs_case = |i: usize| {
            needed
                .as_ref()
                .is_none_or(|n| n.case.get(i) != Some(&false))
        };
        let needs_member = |c: usize, i: usize| {
            needed
                .as_ref()
                .is_none_or(|n| n.members.get(c).and_then(|m| m.get(i)) != Some(&false))
        };
        let mut present = Vec::with_capacity(ent.inputs.len());
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
        for (i, input) in ent.inputs.iter().enumerate() {
            let (column, errs, absent) = fill::fill(
                plan,
                input,
                cases.column(&input.name),
                as_of,
                n,
                threads,
                fill::Source::Same,
                needs_case(i),
            )?;
            present.push(!absent);
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
        for (ci, coll) in ent.collections.iter().enumerate() {
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
                        let (map, twice) =
                            unique_keys((0..n).filter_map(|r| hk.get(r).map(|k| (k, r))));
                        ints = map;
                        if ci == 0 {
                            repeated_keys(&twice, key, &mut valid, &mut errors);
                        }
                        Some(KeyIndex::Ints(&ints))
                    }
                    (Some(c), _) => {
                        let (map, twice) =
                            unique_keys((0..n).filter_map(|r| c.key(r).map(|k| (k, r))));
                        text = map;
                        if ci == 0 {
                            repeated_keys(&twice, key, &mut valid, &mut errors);
                        }
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
            // A household with too few or too many members is refused for
            // that alone, as one case at a time is: its members' fields are
            // not reported one by one.
            let mut miscounted = vec![false; n];
            for h in 0..n {
                let count = counts[h + 1] - counts[h];
                if count < coll.min as usize || count > coll.max as usize {
                    miscounted[h] = true;
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
            let mut member_present = Vec::with_capacity(member.inputs.len());
            let src = match &order {
                None => fill::Source::Same,
                Some(o) => fill::Source::Order(o),
            };
            for (j, input) in member.inputs.iter().enumerate() {
                let col = members.and_then(|m| m.column(&input.name));
                let needs = needs_member(ci, j);
                let (column, errs, absent) =
                    fill::fill(plan, input, col, as_of, counts[n], threads, src, needs)?;
                member_present.push(!absent);
                for (d, code, msg) in errs {
                    let h = counts.partition_point(|&c| c <= d).saturating_sub(1);
                    if miscounted.get(h).copied().unwrap_or(false) {
                        continue;
                    }
                    let row = src.row(d);
                    // The place within the case, as one case at a time
                    // names it (`members[0].birth_date`); `row` is the table's.
                    let index = d.saturating_sub(counts.get(h).copied().unwrap_or(0));
                    found.push((
                        (h, 1, d, j),
                        RowError {
                            table: "members",
                            row,
                            household: Some(h),
                            loc: format!("{}[{index}].{}", coll.name, input.name),
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
                present: member_present,
                in_table_order: members.is_some() && order.is_none(),
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
                present,
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

    /// Refuses the cases whose key (`keys`, a column of the cases as
    /// given) an earlier case has: both rows invalid, each error naming the
    /// other, as for two tables joined by key. For populations whose members
    /// came linked another way (a nested list column).
    #[cfg(feature = "arrow")]
    pub(crate) fn refuse_repeated_keys(
        &mut self,
        keys: &super::ColumnData,
        key: &str,
        errors: &mut Vec<RowError>,
    ) {
        let n = self.valid.len();
        let (_, twice) = unique_keys((0..n).filter_map(|r| keys.key(r).map(|k| (k, r))));
        repeated_keys(&twice, key, &mut self.valid, errors);
    }

    /// Whether each case is valid (invalid cases are not evaluated).
    pub fn valid(&self) -> &[bool] {
        &self.valid
    }

    /// The date the population was validated for.
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Why the population cannot be evaluated for programs that read
    /// `need`: an input they read that some rows left out (the population
    /// was built for other programs). `None` when it can.
    pub(crate) fn lacks(&self, plan: &Plan, need: &crate::run::input::Required) -> Option<String> {
        let ent = plan
            .entity_index(&self.entity_name)
            .map(|e| &plan.entities[e])?;
        let mut missing: Vec<String> = Vec::new();
        for (i, &n) in need.case.iter().enumerate() {
            if n && self.present.get(i) == Some(&false) {
                missing.push(format!("`{}`", ent.inputs.get(i).map_or("?", |x| &x.name)));
            }
        }
        for (c, coll) in ent.collections.iter().enumerate() {
            let (Some(wants), Some(have)) = (need.members.get(c), self.collections.get(c)) else {
                continue;
            };
            let member = plan.entities.get(coll.entity);
            for (i, &n) in wants.iter().enumerate() {
                if n && have.present.get(i) == Some(&false) {
                    let name = member
                        .and_then(|m| m.inputs.get(i))
                        .map_or("?", |x| &x.name);
                    missing.push(format!("`{}[].{name}`", coll.name));
                }
            }
        }
        (!missing.is_empty()).then(|| {
            format!(
                "the programs evaluated read {}, which some rows leave out (the population was built for other programs): give it in every row, or build the population for these programs",
                missing.join(", ")
            )
        })
    }

    /// Where each case's members start in the member rows of collection
    /// `coll`, with the end after the last case's (one more than cases).
    pub fn member_offsets(&self, coll: usize) -> Option<&[usize]> {
        self.collections.get(coll).map(|c| c.offsets.as_slice())
    }

    /// Whether the members of collection `coll` are stored in the order of
    /// the members table (each row of it a member of a case): their
    /// results are then row for row beside that table.
    pub fn members_in_table_order(&self, coll: usize) -> bool {
        self.collections.get(coll).is_some_and(|c| c.in_table_order)
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
