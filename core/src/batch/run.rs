//! Evaluating a population: the columnar program a chunk at a time over the
//! threads, rows it cannot show exact one by one, results as columns.

use super::population::*;
use super::*;
use crate::date::Date;
use crate::run::runner::{EvalError, Runner};
use crate::value::{Type, Value};
use crate::{Decimal, RuleSet};
pub use amounts::Amounts;

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

/// Results of one member program (or of the part of a program paid per
/// member) over the members of a population, one row per member row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProgramColumn {
    /// Program id.
    pub program: String,
    /// The collection (`members`).
    pub collection: String,
    /// Eligibility per member row (false for members of invalid cases).
    pub eligible: Vec<bool>,
    /// Amount per member row, for programs that pay one.
    pub amount: Option<Amounts>,
}

/// Results over a population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchResult {
    /// Per program.
    pub programs: Vec<ProgramColumn>,
    /// Per member program evaluated (programs of the members that read
    /// their household, parts paid per member), over the member rows.
    pub members: Vec<MemberProgramColumn>,
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
    /// Every case through the reference evaluator (`Runner::run`), one at a time (the reference).
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
    if let Some(reason) = population.lacks(plan, runner.required()) {
        return Err(EvalError::PopulationMismatch { reason });
    }
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
        members: member_columns(&runner, population),
        evaluated: vec![false; n],
        errors: Vec::new(),
        one_by_one: 0,
    };
    // Each member column's collection, and where each part's members start.
    let member_colls: Vec<usize> = runner
        .member_programs()
        .iter()
        .flat_map(|(c, ps)| ps.iter().map(move |_| *c))
        .collect();
    let case_starts: Vec<usize> = (0..n).step_by(chunk).collect();
    let member_starts = |coll: usize| -> Vec<usize> {
        let offsets = population.collections.get(coll).map(|c| &c.offsets[..]);
        case_starts
            .iter()
            .map(|&i| offsets.and_then(|o| o.get(i)).copied().unwrap_or(0))
            .collect()
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
            member_start: Vec::new(),
            member_eligible: Vec::new(),
            member_amount: Vec::new(),
        })
        .collect();
    for (col, &coll) in result.members.iter_mut().zip(&member_colls) {
        let starts = member_starts(coll);
        let eligible = amounts::split_at_starts(&mut col.eligible, &starts);
        for ((part, rows), &s) in parts.iter_mut().zip(eligible).zip(&starts) {
            part.member_start.push(s);
            part.member_eligible.push(rows);
        }
        match col.amount.as_mut() {
            Some(amounts) => {
                for (part, w) in parts.iter_mut().zip(amounts.writers_at(&starts)) {
                    part.member_amount.push(Some(w));
                }
            }
            None => parts.iter_mut().for_each(|p| p.member_amount.push(None)),
        }
    }
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
    let reports = on_threads(parts, |part| {
        run_rows(runner, program, population, &member_colls, part)
    })?;
    let mut wide: Vec<Vec<(usize, Decimal)>> = result.programs.iter().map(|_| Vec::new()).collect();
    let mut member_wide: Vec<Vec<(usize, Decimal)>> =
        result.members.iter().map(|_| Vec::new()).collect();
    for (errors, slow, (kept, member_kept)) in reports {
        result.errors.extend(errors);
        result.one_by_one += slow;
        for (w, k) in wide.iter_mut().zip(kept) {
            w.extend(k);
        }
        for (w, k) in member_wide.iter_mut().zip(member_kept) {
            w.extend(k);
        }
    }
    for (col, w) in result.programs.iter_mut().zip(wide) {
        if let Some(a) = col.amount.as_mut() {
            a.merge_wide(w);
        }
    }
    for (col, w) in result.members.iter_mut().zip(member_wide) {
        if let Some(a) = col.amount.as_mut() {
            a.merge_wide(w);
        }
    }
    Ok(result)
}

/// The member programs of `runner`, one empty column each, in the order
/// of `Runner::member_programs`.
fn member_columns(runner: &Runner<'_>, pop: &Population) -> Vec<MemberProgramColumn> {
    let plan = runner.plan;
    let ent = plan
        .entity_index(&pop.entity_name)
        .map(|e| &plan.entities[e]);
    let mut out = Vec::new();
    for (coll, progs) in runner.member_programs() {
        let rows = pop
            .collections
            .get(*coll)
            .and_then(|c| c.offsets.last().copied())
            .unwrap_or(0);
        let name = ent
            .and_then(|e| e.collections.get(*coll))
            .map_or_else(String::new, |c| c.name.clone());
        for &p in progs {
            out.push(MemberProgramColumn {
                program: plan.programs[p].name.to_string(),
                collection: name.clone(),
                eligible: vec![false; rows],
                amount: plan.programs[p].amount.map(|a| {
                    let (scale, rounded) = amount_scale(&plan.computeds[a]);
                    Amounts::new(rows, scale, rounded)
                }),
            });
        }
    }
    out
}

/// Rows per thread for `rows` rows on up to `threads` threads: all on one
/// below [`PARALLEL_THRESHOLD`].
pub(super) fn chunk_rows(rows: usize, threads: usize) -> usize {
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
pub(super) fn on_threads<P: Send, T: Send>(
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

/// The rows of the result one thread fills: `start..start + evaluated.len()`,
/// and the rows of their members in each member column.
struct Rows<'a> {
    start: usize,
    evaluated: &'a mut [bool],
    eligible: Vec<&'a mut [bool]>,
    amount: Vec<Option<amounts::Writer<'a>>>,
    /// Per member column: the first member row of these cases.
    member_start: Vec<usize>,
    member_eligible: Vec<&'a mut [bool]>,
    member_amount: Vec<Option<amounts::Writer<'a>>>,
}

/// Per program and per member program, the amounts too wide for the
/// integers.
type Wide = (Vec<Vec<(usize, Decimal)>>, Vec<Vec<(usize, Decimal)>>);

impl Rows<'_> {
    /// Per program and per member program, the amounts too wide for the
    /// integers.
    fn into_wide(self) -> Wide {
        let take = |ws: Vec<Option<amounts::Writer<'_>>>| {
            ws.into_iter()
                .map(|w| w.map(amounts::Writer::into_wide).unwrap_or_default())
                .collect()
        };
        (take(self.amount), take(self.member_amount))
    }

    /// No result at row `k` (not evaluated), nor for its members (member
    /// rows `members(col)` of each member column).
    fn clear(&mut self, k: usize, members: impl Fn(usize) -> std::ops::Range<usize>) {
        for c in &mut self.eligible {
            if let Some(cell) = c.get_mut(k) {
                *cell = false;
            }
        }
        for c in self.amount.iter_mut().flatten() {
            c.set(k, None);
        }
        for col in 0..self.member_eligible.len() {
            self.set_member_rows(col, members(col), &[], None);
        }
    }

    /// Member rows `rows` (of the whole column) of member column `col`:
    /// eligibility from `eligible` (false past its end), amounts from the
    /// integers `units` at `scale` (none without).
    fn set_member_rows(
        &mut self,
        col: usize,
        rows: std::ops::Range<usize>,
        eligible: &[i64],
        units: Option<(&[i64], u32)>,
    ) {
        let Some(&start) = self.member_start.get(col) else {
            return;
        };
        let local = rows.start.saturating_sub(start)..rows.end.saturating_sub(start);
        if let Some(cells) = self
            .member_eligible
            .get_mut(col)
            .and_then(|c| c.get_mut(local.clone()))
        {
            for (k, cell) in cells.iter_mut().enumerate() {
                *cell = eligible.get(k).is_some_and(|&x| x != 0);
            }
        }
        if let Some(w) = self.member_amount.get_mut(col).and_then(Option::as_mut) {
            match units {
                Some((xs, scale)) => w.set_units(local.start, xs, scale),
                None => local.for_each(|k| w.set(k, None)),
            }
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
    /// Member programs: collection, result column, eligibility and amount
    /// slot of the member frame.
    member_outputs: Vec<(usize, usize, usize, Option<usize>)>,
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
        let mut member_outputs = Vec::new();
        for (coll, progs) in runner.member_programs() {
            for &p in progs {
                let program = &plan.programs[p];
                member_outputs.push((
                    *coll,
                    member_outputs.len(),
                    plan.computeds[program.eligible].slot,
                    program.amount.map(|a| plan.computeds[a].slot),
                ));
            }
        }
        OneByOne {
            runner,
            pop,
            outputs,
            member_outputs,
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
        for &(coll, col, e_slot, a_slot) in &self.member_outputs {
            let (Some(buf), Some(&stride), Some(mc)) = (
                self.scratch.get(coll),
                self.member_slots.get(coll),
                pop.collections.get(coll),
            ) else {
                continue;
            };
            let Some(&first) = rows.member_start.get(col) else {
                continue;
            };
            let base = mc.rows(i).start.saturating_sub(first);
            for (j, member) in buf.chunks(stride.max(1)).enumerate() {
                let eligible = member
                    .get(e_slot)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if let Some(cell) = rows
                    .member_eligible
                    .get_mut(col)
                    .and_then(|c| c.get_mut(base + j))
                {
                    *cell = eligible;
                }
                if let Some(w) = rows.member_amount.get_mut(col).and_then(Option::as_mut) {
                    let amount = a_slot.and_then(|s| member.get(s).and_then(|v| v.as_num()));
                    w.set(base + j, amount);
                }
            }
        }
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

/// What one thread reports: errors, how many cases it evaluated one by
/// one, and per program and member program the amounts too wide for the
/// integers.
type Report = (Vec<(usize, EvalError)>, usize, Wide);

/// Evaluates the cases of `rows` into it: chunk by chunk with the columnar
/// program when there is one, case by case for the rows it flags and for
/// every row otherwise.
fn run_rows(
    runner: &Runner<'_>,
    program: Option<&columnar::Program>,
    pop: &Population,
    member_colls: &[usize],
    mut rows: Rows<'_>,
) -> Report {
    let mut errors = Vec::new();
    let mut one = OneByOne::new(runner, pop);
    let mut slow = 0usize;
    let n = rows.evaluated.len();
    let start = rows.start;
    // The member rows of case `i` in member column `col`.
    let members = |i: usize| {
        move |col: usize| {
            member_colls
                .get(col)
                .and_then(|&c| pop.collections.get(c))
                .map_or(0..0, |m| m.rows(i))
        }
    };
    let mut single = |i: usize, k: usize, rows: &mut Rows<'_>, slow: &mut usize| {
        *slow += 1;
        match one.run(i, k, rows) {
            Ok(()) => {
                if let Some(done) = rows.evaluated.get_mut(k) {
                    *done = true;
                }
            }
            Err(e) => {
                rows.clear(k, members(i));
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
        for (col, &(coll, e_reg, amount)) in program.member_outputs().iter().enumerate() {
            let Some(m) = pop.collections.get(coll) else {
                continue;
            };
            let from = m.offsets.get(start + lo).copied().unwrap_or(0);
            let to = m.offsets.get(start + lo + len).copied().unwrap_or(from);
            let cut = |r: usize| {
                let x = program.reg(&st, r);
                x.get(..to.saturating_sub(from)).unwrap_or(x)
            };
            let e = cut(e_reg);
            let units = amount.map(|(r, s)| (cut(r), s));
            rows.set_member_rows(col, from..to, e, units);
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
                rows.clear(k, members(i));
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
