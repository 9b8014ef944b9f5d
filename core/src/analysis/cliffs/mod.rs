//! Benefit cliffs: one case, one numeric input varied over a range, and
//! the exact points where each program's answer changes.
//!
//! The case is replicated into a population with the input set to every
//! point of its grid in the range (the fen for money, 1 for integers) and
//! evaluated by the batch engine ([`crate::batch::evaluate`]), a chunk of
//! points at a time. Scanning the answers in order cuts each program's into
//! runs: points with the same eligibility over which the amount changes by
//! the same difference from one point to the next. Where two runs meet is
//! a breakpoint — eligibility gained or lost, an amount that jumps, or one
//! whose slope changes — given with the answers on both sides, to the fen.
//! Nothing is re-derived from formulas: every figure is the engine's at
//! that point, so the answer is exact over the grid.
//!
//! [`what_would_change`] uses the same scan to say at which value of an
//! input a program's answer changes, in Chinese and English, where
//! eligibility is monotone along that input.

mod change;
mod scan;
mod text;
mod vary;

pub use change::{
    what_would_change, ChangeQuery, Finding, WhatWouldChange, BROWSER_SPAN, DEFAULT_SPAN,
};
pub use text::{number, section};

use crate::outcome::RuleSetStamp;
use crate::plan::Text;
use crate::run::runner::EvalError;
use crate::{Date, Decimal, Error, InputError, Lang, RuleSet};
use scan::{Run, Track};
use serde_json::{json, Value as Json};
use vary::{decimal, Varied};

/// The most grid points one search evaluates.
pub const MAX_POINTS: i64 = 20_000_000;
/// Grid points evaluated at a time.
const CHUNK: i64 = 1 << 20;
/// The most runs one program may have over a range.
pub const MAX_RUNS: usize = 100_000;

/// Why a search could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CliffError {
    /// The case itself has input errors.
    #[error("case: invalid input ({} problem(s))", .0.len())]
    Input(Vec<InputError>),
    /// The input to vary or its range is not usable.
    #[error("{en} [{code}]")]
    Vary {
        /// Stable code: `unknown_field`, `no_such_member`, `not_numeric`,
        /// `off_grid`, `inverted_range`, `too_small`, `too_large`,
        /// `too_many_points`, `too_many_breakpoints`, `no_what_if`,
        /// `unsupported` (an entity with two collections of members).
        code: &'static str,
        /// The field: the path given (`members[0].monthly_income`).
        loc: String,
        /// What is wrong, in English.
        en: String,
        /// What is wrong, in Chinese.
        zh: String,
    },
    /// The case cannot be evaluated (no rules in force, an unknown
    /// program, an amount too large to compute).
    #[error(transparent)]
    Eval(#[from] EvalError),
}

impl CliffError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CliffError::Input(e) => e.first().map_or("invalid_input", |e| e.code),
            CliffError::Vary { code, .. } => code,
            CliffError::Eval(e) => e.code(),
        }
    }

    /// The field the problem is at (empty when none).
    pub fn loc(&self) -> &str {
        match self {
            CliffError::Input(e) => e.first().map_or("", |e| e.loc.as_str()),
            CliffError::Vary { loc, .. } => loc,
            CliffError::Eval(_) => "",
        }
    }

    /// The message in `lang` (input and evaluation errors in English, as
    /// the engine gives them).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (CliffError::Vary { zh, .. }, Lang::Zh) => zh.clone(),
            (CliffError::Vary { en, .. }, Lang::En) => en.clone(),
            (CliffError::Input(errors), _) => errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            (e, _) => e.to_string(),
        }
    }

    /// The same problem as the crate's [`Error`], for surfaces that report
    /// those: input errors as they are, the rest as one input error at
    /// the field.
    pub fn into_error(self) -> Error {
        match self {
            CliffError::Input(e) => Error::Input(e),
            CliffError::Eval(e) => Error::Eval(e),
            CliffError::Vary { code, loc, en, .. } => Error::Input(vec![InputError {
                code,
                loc,
                msg: en,
                input: None,
            }]),
        }
    }
}

pub(crate) fn vary_error(code: &'static str, loc: &str, en: String, zh: String) -> CliffError {
    CliffError::Vary {
        code,
        loc: loc.to_string(),
        en,
        zh,
    }
}

/// What to search.
#[derive(Debug, Clone)]
pub struct CliffQuery<'a> {
    /// The case's entity (`household`).
    pub entity: &'a str,
    /// The input to vary: `financial_assets`, `members[0].monthly_income`.
    pub path: &'a str,
    /// Lowest value, on the input's grid.
    pub low: Decimal,
    /// Highest value, on the input's grid.
    pub high: Decimal,
    /// The evaluation date.
    pub as_of: Date,
    /// Programs to search (every program of the entity in force when `None`).
    pub programs: Option<&'a [String]>,
    /// Threads for the batch engine.
    pub threads: usize,
}

/// How the answer changes at a breakpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// Eligibility is gained or lost.
    Eligibility,
    /// The amount jumps: it changes by more or less than its slope.
    Jump,
    /// The amount's slope changes (no jump).
    Slope,
}

impl BreakKind {
    /// `eligibility`, `jump` or `slope`.
    pub fn name(self) -> &'static str {
        match self {
            BreakKind::Eligibility => "eligibility",
            BreakKind::Jump => "jump",
            BreakKind::Slope => "slope",
        }
    }
}

/// Where one program's answer changes: between `before` and `at`, two
/// neighbouring grid points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    /// The program.
    pub program: String,
    /// How it changes.
    pub kind: BreakKind,
    /// The last grid point before the change.
    pub before: Decimal,
    /// The first grid point after it.
    pub at: Decimal,
    /// Eligibility at `before`.
    pub eligible_before: bool,
    /// Eligibility at `at`.
    pub eligible_after: bool,
    /// Amount at `before` (programs that pay one).
    pub amount_before: Option<Decimal>,
    /// Amount at `at`.
    pub amount_after: Option<Decimal>,
    /// Slope before (amount per unit of the input; `None` over one point).
    pub slope_before: Option<Decimal>,
    /// Slope after.
    pub slope_after: Option<Decimal>,
    /// The part of the change from `before` to `at` that the slope before
    /// does not explain: the cliff's height (negative: a loss).
    pub jump: Option<Decimal>,
}

/// One program's answer over a segment (its amount a straight line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentAnswer {
    /// Eligible over the whole segment.
    pub eligible: bool,
    /// Amount at the segment's first point.
    pub amount_from: Option<Decimal>,
    /// Amount at its last point.
    pub amount_to: Option<Decimal>,
    /// Amount per unit of the input (`None` over one point).
    pub slope: Option<Decimal>,
}

/// Grid points between breakpoints of any program: every program's answer
/// is one eligibility and one straight line over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// First point.
    pub from: Decimal,
    /// Last point (included).
    pub to: Decimal,
    /// Per program, in the order of [`Cliffs::programs`].
    pub answers: Vec<SegmentAnswer>,
}

/// A program searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramCliffs {
    /// Program id.
    pub program: String,
    /// Its label.
    pub label: Text,
    /// Whether it pays money (a status has no amount).
    pub pays: bool,
    /// How its amount reads with its period (`元/月`), when it has one.
    pub amount_unit: Option<Text>,
    /// Its breakpoints, in order.
    pub breakpoints: Vec<Breakpoint>,
    runs: Vec<Run>,
}

/// The answer of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cliffs {
    /// The input varied, as given.
    pub path: String,
    /// Its label.
    pub label: Text,
    /// The grid step (0.01 for money, 1 for integers).
    pub step: Decimal,
    /// Whether the input is money.
    pub money: bool,
    /// The range searched.
    pub low: Decimal,
    /// The range searched.
    pub high: Decimal,
    /// The case's own value.
    pub current: Decimal,
    /// For a member's input: the other members' values of it, summed.
    pub others: Option<Decimal>,
    /// The evaluation date.
    pub as_of: Date,
    /// The rules that decided.
    pub rules: RuleSetStamp,
    /// The programs.
    pub programs: Vec<ProgramCliffs>,
    /// The segments.
    pub segments: Vec<Segment>,
}

/// Searches one input of one case over a range (see the module's
/// description).
///
/// # Errors
/// [`CliffError::Input`] for a case with input errors;
/// [`CliffError::Vary`] for a path that names no money or integer input
/// of the case, a range that is inverted, off the grid, outside the
/// input's `min`/`max` or wider than [`MAX_POINTS`], or a program with
/// more than [`MAX_RUNS`] runs; [`CliffError::Eval`] when the case cannot
/// be evaluated at a point.
pub fn cliffs(rules: &RuleSet, case: &Json, q: &CliffQuery<'_>) -> Result<Cliffs, CliffError> {
    let e = rules.entity(q.entity)?;
    let parsed = rules
        .parse_case(q.entity, case, q.as_of)
        .map_err(|err| match err {
            Error::Input(v) => CliffError::Input(v),
            Error::Eval(v) => CliffError::Eval(v),
            other => vary_error("invalid_input", "", other.to_string(), other.to_string()),
        })?;
    let plan = rules.plan();
    let varied = Varied::resolve(plan, e, &parsed, q.path)?;
    let (lo, hi) = varied.range(q.path, q.low, q.high)?;
    let points = hi
        .checked_sub(lo)
        .and_then(|d| d.checked_add(1))
        .unwrap_or(i64::MAX);
    if points > MAX_POINTS {
        return Err(vary_error(
            "too_many_points",
            q.path,
            format!(
                "`{}`: the range {} to {} has {points} grid points; at most {MAX_POINTS} are searched: narrow the range",
                q.path, q.low, q.high
            ),
            format!(
                "`{}`：范围 {} 至 {} 共 {points} 个取值，最多搜索 {MAX_POINTS} 个，请缩小范围",
                q.path, q.low, q.high
            ),
        ));
    }
    let mut tracks: Vec<(String, Track)> = Vec::new();
    let mut start = lo;
    while start <= hi {
        let n = (hi - start + 1).min(CHUNK);
        let columns = chunk(rules, &parsed, &varied, start, n as usize, q)?;
        if tracks.is_empty() {
            tracks = columns
                .iter()
                .map(|c| (c.program.clone(), Track::default()))
                .collect();
        }
        for (col, (_, track)) in columns.iter().zip(tracks.iter_mut()) {
            for k in 0..n as usize {
                let eligible = col.eligible.get(k).copied().unwrap_or(false);
                let amount = col.amounts.get(k).copied().unwrap_or(Decimal::ZERO);
                track.push(start + k as i64, eligible, amount);
            }
            if track.len() > MAX_RUNS {
                return Err(vary_error(
                    "too_many_breakpoints",
                    q.path,
                    format!(
                        "`{}`: `{}` changes more than {MAX_RUNS} times over the range: narrow it",
                        q.path, col.program
                    ),
                    format!(
                        "`{}`：`{}` 在该范围内变化超过 {MAX_RUNS} 次，请缩小范围",
                        q.path, col.program
                    ),
                ));
            }
        }
        start += n;
    }
    let scale = varied.scale;
    let programs: Vec<ProgramCliffs> = tracks
        .into_iter()
        .map(|(name, track)| {
            let runs = track.finish();
            let p = plan.program_index(&name).map(|i| &plan.programs[i]);
            let pays = rules.pays_money(&name);
            ProgramCliffs {
                breakpoints: breakpoints(&name, &runs, scale, pays),
                label: p.map(|p| p.label.clone()).unwrap_or_default(),
                amount_unit: p
                    .and_then(|p| p.amount_unit.as_deref())
                    .filter(|_| pays)
                    .map(|u| Text {
                        zh: plan.unit_label(u, Lang::Zh).into(),
                        en: plan.unit_label(u, Lang::En).into(),
                    }),
                program: name,
                pays,
                runs,
            }
        })
        .collect();
    let segments = segments(&programs, lo, hi, scale);
    Ok(Cliffs {
        path: q.path.to_string(),
        label: varied.input.label.clone(),
        step: varied.step(),
        money: scale == 2,
        low: decimal(lo, scale),
        high: decimal(hi, scale),
        current: decimal(varied.current, scale),
        others: varied.others.map(|o| decimal(o, scale)),
        as_of: q.as_of,
        rules: rules.stamp(),
        programs,
        segments,
    })
}

/// Amount per unit of the input, from the change per grid step.
/// One program's answers at `n` consecutive grid points.
struct Column {
    program: String,
    eligible: Vec<bool>,
    amounts: Vec<Decimal>,
}

/// The answers at grid points `start .. start + n`: the case replicated
/// into a population and evaluated by the batch engine.
#[cfg(feature = "batch-search")]
fn chunk(
    rules: &RuleSet,
    parsed: &crate::Case,
    varied: &vary::Varied<'_>,
    start: i64,
    n: usize,
    q: &CliffQuery<'_>,
) -> Result<Vec<Column>, CliffError> {
    let population = vary::population(rules, parsed, varied, start, n, q.as_of)?;
    let result =
        crate::analysis::sweep::evaluate_all(rules, &population, q.as_of, q.programs, q.threads)?;
    if let Some((_, error)) = result.errors.into_iter().next() {
        return Err(CliffError::Eval(error));
    }
    Ok(result
        .programs
        .iter()
        .map(|p| Column {
            program: p.program.clone(),
            eligible: (0..n)
                .map(|k| p.eligible.get(k).copied().unwrap_or(false))
                .collect(),
            amounts: (0..n)
                .map(|k| {
                    p.amount
                        .as_ref()
                        .and_then(|a| a.get(k))
                        .unwrap_or(Decimal::ZERO)
                })
                .collect(),
        })
        .collect())
}

/// The answers at grid points `start .. start + n`, one case at a time by
/// the reference evaluator (builds without the batch engine, such as the
/// browser's lean runtime: the same answers, more slowly).
#[cfg(not(feature = "batch-search"))]
fn chunk(
    rules: &RuleSet,
    parsed: &crate::Case,
    varied: &vary::Varied<'_>,
    start: i64,
    n: usize,
    q: &CliffQuery<'_>,
) -> Result<Vec<Column>, CliffError> {
    let mut case = parsed.clone();
    let mut columns: Vec<Column> = Vec::new();
    for k in 0..n as i64 {
        vary::set(&mut case, varied, start.saturating_add(k));
        let decisions = rules
            .decide(&case, q.as_of, q.programs)
            .map_err(CliffError::Eval)?;
        if columns.is_empty() {
            columns = decisions
                .iter()
                .map(|d| Column {
                    program: d.program.to_string(),
                    eligible: Vec::with_capacity(n),
                    amounts: Vec::with_capacity(n),
                })
                .collect();
        }
        for (c, d) in columns.iter_mut().zip(&decisions) {
            c.eligible.push(d.eligible);
            c.amounts.push(d.amount.unwrap_or(Decimal::ZERO));
        }
    }
    Ok(columns)
}

fn slope(step: Option<Decimal>, scale: u32) -> Option<Decimal> {
    step?
        .checked_mul(Decimal::from(10i64.checked_pow(scale)?))
        .map(|d| d.normalize())
}

fn breakpoints(program: &str, runs: &[Run], scale: u32, pays: bool) -> Vec<Breakpoint> {
    runs.windows(2)
        .filter_map(|w| {
            let (a, b) = (w.first()?, w.get(1)?);
            let d = b.amount_from.checked_sub(a.amount_to);
            let kind = if a.eligible != b.eligible {
                BreakKind::Eligibility
            } else if d.is_some() && (d == a.step || d == b.step) {
                BreakKind::Slope
            } else {
                BreakKind::Jump
            };
            let expected = a.step.or(b.step).unwrap_or(Decimal::ZERO);
            let amount = |x: Decimal| pays.then_some(x);
            Some(Breakpoint {
                program: program.to_string(),
                kind,
                before: decimal(a.to, scale),
                at: decimal(b.from, scale),
                eligible_before: a.eligible,
                eligible_after: b.eligible,
                amount_before: amount(a.amount_to),
                amount_after: amount(b.amount_from),
                slope_before: if pays { slope(a.step, scale) } else { None },
                slope_after: if pays { slope(b.step, scale) } else { None },
                jump: if pays {
                    d.and_then(|d| d.checked_sub(expected))
                } else {
                    None
                },
            })
        })
        .collect()
}

fn segments(programs: &[ProgramCliffs], lo: i64, hi: i64, scale: u32) -> Vec<Segment> {
    let mut starts: Vec<i64> = programs
        .iter()
        .flat_map(|p| p.runs.iter().map(|r| r.from))
        .collect();
    starts.push(lo);
    starts.sort_unstable();
    starts.dedup();
    let mut cursors = vec![0usize; programs.len()];
    let mut out = Vec::with_capacity(starts.len());
    for (i, &from) in starts.iter().enumerate() {
        let to = starts.get(i + 1).map_or(hi, |n| n - 1);
        let answers = programs
            .iter()
            .zip(cursors.iter_mut())
            .map(|(p, c)| {
                while p.runs.get(*c).is_some_and(|r| r.to < from) {
                    *c += 1;
                }
                let run = p.runs.get(*c);
                SegmentAnswer {
                    eligible: run.is_some_and(|r| r.eligible),
                    amount_from: run.and_then(|r| r.amount_at(from)).filter(|_| p.pays),
                    amount_to: run.and_then(|r| r.amount_at(to)).filter(|_| p.pays),
                    slope: run.and_then(|r| slope(r.step, scale)).filter(|_| p.pays),
                }
            })
            .collect();
        out.push(Segment {
            from: decimal(from, scale),
            to: decimal(to, scale),
            answers,
        });
    }
    out
}

fn money(d: Option<Decimal>) -> Json {
    d.map_or(Json::Null, |d| Json::String(d.to_string()))
}

impl Cliffs {
    /// The answer as JSON: numbers as strings, exact.
    pub fn to_json(&self) -> Json {
        let text = |t: &Text| json!({"zh": &*t.zh, "en": &*t.en});
        json!({
            "rules": {"id": &*self.rules.id, "version": &*self.rules.version, "hash": &*self.rules.hash,
                      "reform": self.rules.reform.as_deref()},
            "as_of": self.as_of.to_string(),
            "vary": {
                "path": self.path, "label": text(&self.label), "step": self.step.to_string(),
                "money": self.money, "low": self.low.to_string(), "high": self.high.to_string(),
                "current": self.current.to_string(), "others": money(self.others),
            },
            "programs": self.programs.iter().map(|p| json!({
                "program": p.program, "label": text(&p.label), "pays": p.pays,
                "amount_unit": p.amount_unit.as_ref().map(text),
                "breakpoints": p.breakpoints.iter().map(|b| json!({
                    "kind": b.kind.name(), "before": b.before.to_string(), "at": b.at.to_string(),
                    "eligible_before": b.eligible_before, "eligible_after": b.eligible_after,
                    "amount_before": money(b.amount_before), "amount_after": money(b.amount_after),
                    "slope_before": money(b.slope_before), "slope_after": money(b.slope_after),
                    "jump": money(b.jump),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "segments": self.segments.iter().map(|s| json!({
                "from": s.from.to_string(), "to": s.to.to_string(),
                "programs": self.programs.iter().zip(&s.answers).map(|(p, a)| json!({
                    "program": p.program, "eligible": a.eligible,
                    "amount_from": money(a.amount_from), "amount_to": money(a.amount_to),
                    "slope": money(a.slope),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    /// The breakpoints of every program, in order of the input's value.
    pub fn breakpoints(&self) -> Vec<&Breakpoint> {
        let mut all: Vec<&Breakpoint> = self.programs.iter().flat_map(|p| &p.breakpoints).collect();
        all.sort_by_key(|b| b.at);
        all
    }
}

#[cfg(test)]
mod tests;
