//! "What would change the answer": for a case and its programs, the value
//! of an input at which eligibility changes, found by the same scan as
//! [`cliffs`](super::cliffs) and stated only where eligibility is monotone
//! along the input over the range searched.
//!
//! Without a path, every input the rule set marks `what_if` is searched. A
//! case's own input is varied as it is; for an input of the members, one
//! member's value is varied — the member with the largest value (the first
//! of equals), the others kept — and the sentence says so, with the total
//! over the members beside it.

use super::{cliffs, text, vary_error, CliffError, CliffQuery, ProgramCliffs};
use crate::plan::Text;
use crate::value::Value;
use crate::{Date, Decimal, RuleSet};
use serde_json::{json, Value as Json};

/// Grid points searched on either side of the case's value when no range
/// is given (5,000 yuan for money): the command line's and Python's.
pub const DEFAULT_SPAN: i64 = 500_000;

/// The same for a browser on a phone, where a search holds the page
/// (2,000 yuan for money).
pub const BROWSER_SPAN: i64 = 200_000;

/// What to search.
#[derive(Debug, Clone)]
pub struct ChangeQuery<'a> {
    /// The case's entity.
    pub entity: &'a str,
    /// Programs (every program of the entity in force when `None`).
    pub programs: Option<&'a [String]>,
    /// The input to vary; `None`: each input marked `what_if`.
    pub path: Option<&'a str>,
    /// Lowest value searched (default: the case's value less `span` grid
    /// points, not below the input's `min`).
    pub low: Option<Decimal>,
    /// Highest value searched (default: the case's value plus `span` grid
    /// points, not above the input's `max`).
    pub high: Option<Decimal>,
    /// The evaluation date.
    pub as_of: Date,
    /// Threads for the batch engine.
    pub threads: usize,
    /// Grid points searched on either side of the case's value when no
    /// range is given ([`DEFAULT_SPAN`] or [`BROWSER_SPAN`]).
    pub span: i64,
}

/// What the search found for one program and one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Not eligible now; eligible at every value from the range's low end
    /// up to this one, and at none above it.
    QualifyAtMost(Decimal),
    /// Not eligible now; eligible at every value from this one up to the
    /// range's high end, and at none below it.
    QualifyAtLeast(Decimal),
    /// Eligible now; not eligible from `at` up (`by` above the case's value).
    LoseAbove {
        /// First value at which eligibility is lost.
        at: Decimal,
        /// How far it is from the case's value.
        by: Decimal,
    },
    /// Eligible now; not eligible from `at` down.
    LoseBelow {
        /// First value (going down) at which eligibility is lost.
        at: Decimal,
        /// How far it is from the case's value.
        by: Decimal,
    },
    /// Eligibility is the same over the whole range.
    Unchanged,
    /// Eligibility changes more than once over the range: the intervals
    /// (first and last value) where the program is eligible.
    NotMonotone(Vec<(Decimal, Decimal)>),
}

impl Finding {
    /// `qualify_at_most`, `qualify_at_least`, `lose_above`, `lose_below`,
    /// `unchanged` or `not_monotone`.
    pub fn name(&self) -> &'static str {
        match self {
            Finding::QualifyAtMost(_) => "qualify_at_most",
            Finding::QualifyAtLeast(_) => "qualify_at_least",
            Finding::LoseAbove { .. } => "lose_above",
            Finding::LoseBelow { .. } => "lose_below",
            Finding::Unchanged => "unchanged",
            Finding::NotMonotone(_) => "not_monotone",
        }
    }
}

/// One program's answer to "what would change it" along one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatWouldChange {
    /// The program.
    pub program: String,
    /// Its label.
    pub program_label: Text,
    /// Whether the case is eligible now.
    pub eligible: bool,
    /// The input varied (`members[1].monthly_income`).
    pub path: String,
    /// The input's label.
    pub label: Text,
    /// The member varied (0-based), for an input of the members.
    pub member: Option<usize>,
    /// Whether the input is money.
    pub money: bool,
    /// The case's value.
    pub current: Decimal,
    /// For a member's input: the other members' values, summed.
    pub others: Option<Decimal>,
    /// The range searched.
    pub low: Decimal,
    /// The range searched.
    pub high: Decimal,
    /// Whether `low` is the input's smallest value (nothing lies below).
    pub low_is_min: bool,
    /// Whether `high` is the input's largest value.
    pub high_is_max: bool,
    /// What was found.
    pub finding: Finding,
    /// The finding as a sentence, in Chinese and English.
    pub sentence: Text,
}

impl WhatWouldChange {
    /// Whether the input changes the program's answer over the range
    /// searched (what an explanation shows).
    pub fn changes(&self) -> bool {
        self.finding != Finding::Unchanged
    }

    /// As JSON: numbers as strings.
    pub fn to_json(&self) -> Json {
        let s = |d: Decimal| d.to_string();
        let (threshold, by, intervals) = match &self.finding {
            Finding::QualifyAtMost(t) | Finding::QualifyAtLeast(t) => (Some(s(*t)), None, vec![]),
            Finding::LoseAbove { at, by } | Finding::LoseBelow { at, by } => {
                (Some(s(*at)), Some(s(*by)), vec![])
            }
            Finding::Unchanged => (None, None, vec![]),
            Finding::NotMonotone(v) => (
                None,
                None,
                v.iter().map(|(a, b)| json!([s(*a), s(*b)])).collect(),
            ),
        };
        json!({
            "program": self.program,
            "program_label": {"zh": &*self.program_label.zh, "en": &*self.program_label.en},
            "eligible": self.eligible,
            "path": self.path,
            "label": {"zh": &*self.label.zh, "en": &*self.label.en},
            "member": self.member,
            "current": s(self.current),
            "others": self.others.map(s),
            "low": s(self.low),
            "high": s(self.high),
            "finding": self.finding.name(),
            "changes": self.changes(),
            "threshold": threshold,
            "by": by,
            "eligible_intervals": intervals,
            "sentence": {"zh": &*self.sentence.zh, "en": &*self.sentence.en},
        })
    }
}

/// The inputs to search: the path given, or each input marked `what_if`
/// (for members, the member with the largest value).
fn paths(
    rules: &RuleSet,
    entity: &str,
    case: &Json,
    as_of: Date,
) -> Result<Vec<String>, CliffError> {
    let plan = rules.plan();
    let e = rules.entity(entity)?;
    let parsed = rules
        .parse_case(entity, case, as_of)
        .map_err(|err| match err {
            crate::Error::Input(v) => CliffError::Input(v),
            other => vary_error("invalid_input", "", other.to_string(), other.to_string()),
        })?;
    let ent = &plan.entities[e];
    let mut out: Vec<String> = ent
        .inputs
        .iter()
        .filter(|i| i.what_if)
        .map(|i| i.name.clone())
        .collect();
    for (c, coll) in ent.collections.iter().enumerate() {
        let Some(ment) = plan.entities.get(coll.entity) else {
            continue;
        };
        let Some((stride, data)) = parsed.collections.get(c) else {
            continue;
        };
        let count = data.len().checked_div(*stride).unwrap_or(0);
        for (i, input) in ment.inputs.iter().enumerate().filter(|(_, i)| i.what_if) {
            let value = |m: usize| data.get(m * stride + i).copied().and_then(Value::as_num);
            let best = (0..count).max_by(|&a, &b| value(a).cmp(&value(b)).then(b.cmp(&a)));
            if let Some(m) = best {
                out.push(format!("{}[{m}].{}", coll.name, input.name));
            }
        }
    }
    if out.is_empty() {
        return Err(vary_error(
            "no_what_if",
            "",
            format!("no input of `{entity}` is marked `what_if`: name the input to vary"),
            format!("`{entity}` 没有标记 `what_if` 的输入项，请指明要变化的输入项"),
        ));
    }
    Ok(out)
}

/// For each program and each input searched, what would change the
/// answer (see the module's description).
///
/// # Errors
/// As [`cliffs`]; `no_what_if` when no path is given and no input is
/// marked `what_if`.
pub fn what_would_change(
    rules: &RuleSet,
    case: &Json,
    q: &ChangeQuery<'_>,
) -> Result<Vec<WhatWouldChange>, CliffError> {
    let paths = match q.path {
        Some(p) => vec![p.to_string()],
        None => paths(rules, q.entity, case, q.as_of)?,
    };
    let parsed = rules.parse_case(q.entity, case, q.as_of).map_err(|e| {
        CliffError::Input(match e {
            crate::Error::Input(v) => v,
            _ => Vec::new(),
        })
    })?;
    let decisions = rules.decide(&parsed, q.as_of, q.programs)?;
    let mut out = Vec::new();
    for path in &paths {
        let e = rules.entity(q.entity)?;
        let varied = super::vary::Varied::resolve(rules.plan(), e, &parsed, path)?;
        let span = |sign: i64| {
            varied
                .current
                .checked_add(sign.saturating_mul(q.span))
                .map(|u| super::vary::decimal(u, varied.scale))
        };
        let min = varied.input.min.and_then(Value::as_num);
        let max = varied.input.max.and_then(Value::as_num);
        let low = q
            .low
            .or_else(|| span(-1).map(|l| min.map_or(l, |m| l.max(m))));
        let high = q
            .high
            .or_else(|| span(1).map(|h| max.map_or(h, |m| h.min(m))));
        let (Some(low), Some(high)) = (low, high) else {
            return Err(vary_error(
                "too_large",
                path,
                format!("`{path}`: the value is too large to search around"),
                format!("`{path}`：数值过大，无法搜索"),
            ));
        };
        let found = cliffs(
            rules,
            case,
            &CliffQuery {
                entity: q.entity,
                path,
                low,
                high,
                as_of: q.as_of,
                programs: q.programs,
                threads: q.threads,
            },
        )?;
        let member = match varied.place {
            super::vary::Place::Member { member, .. } => Some(member),
            super::vary::Place::Case(_) => None,
        };
        for p in &found.programs {
            let Some(decision) = decisions.iter().find(|d| *d.program == *p.program) else {
                continue;
            };
            let finding = finding(p, decision.eligible, found.current, (found.low, found.high));
            let mut w = WhatWouldChange {
                program: p.program.clone(),
                program_label: p.label.clone(),
                eligible: decision.eligible,
                path: path.clone(),
                label: found.label.clone(),
                member,
                money: found.money,
                current: found.current,
                others: found.others,
                low: found.low,
                high: found.high,
                low_is_min: min == Some(found.low),
                high_is_max: max == Some(found.high),
                finding,
                sentence: Text::default(),
            };
            w.sentence = text::sentence(&w);
            out.push(w);
        }
    }
    Ok(out)
}

/// Reads the finding off one program's runs.
fn finding(
    p: &ProgramCliffs,
    eligible_now: bool,
    current: Decimal,
    (low, high): (Decimal, Decimal),
) -> Finding {
    // Eligibility intervals: runs of equal eligibility merged.
    let mut spans: Vec<(Decimal, Decimal, bool)> = Vec::new();
    let step = |b: &super::Breakpoint| (b.before, b.at);
    let mut from = None;
    for b in &p.breakpoints {
        if b.kind != super::BreakKind::Eligibility {
            continue;
        }
        let (before, at) = step(b);
        spans.push((from.unwrap_or(low), before, b.eligible_before));
        from = Some(at);
    }
    let last = p
        .breakpoints
        .iter()
        .rev()
        .find(|b| b.kind == super::BreakKind::Eligibility);
    match (spans.as_slice(), last) {
        ([], _) | (_, None) => Finding::Unchanged,
        ([(_, before, eligible_below)], Some(b)) => {
            let at = b.at;
            match (eligible_now, *eligible_below) {
                (false, true) => Finding::QualifyAtMost(*before),
                (false, false) => Finding::QualifyAtLeast(at),
                (true, true) if current <= *before => Finding::LoseAbove {
                    at,
                    by: at - current,
                },
                (true, false) if current >= at => Finding::LoseBelow {
                    at: *before,
                    by: current - *before,
                },
                // The case's value lies outside the range searched.
                (true, true) => Finding::QualifyAtMost(*before),
                (true, false) => Finding::QualifyAtLeast(at),
            }
        }
        (many, Some(b)) => {
            let mut eligible: Vec<(Decimal, Decimal)> = many
                .iter()
                .filter(|s| s.2)
                .map(|&(a, z, _)| (a, z))
                .collect();
            if b.eligible_after {
                eligible.push((b.at, high));
            }
            Finding::NotMonotone(eligible)
        }
    }
}
