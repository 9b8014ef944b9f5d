//! Monthly settlement of per-record claims (a canteen's meal records).
//!
//! Each record is decided on its own date by the program's rules in force
//! that day. A record is rejected, with every reason, when it falls outside
//! the month, repeats an earlier record (same values in the program's
//! `unique` columns), has no rules in force on its date, or fails a condition
//! (the condition's `reject` code, such as `too_young`). Accepted records are
//! totalled per person and in all. Malformed records are input errors, all of
//! them reported, and nothing is settled.

use crate::plan::Plan;
use crate::run::input::{self, InputError};
use crate::run::runner::Runner;
use crate::value::{Type, Value};
use crate::{Date, Decimal, Error, EvalError, RuleSet};
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, HashMap};

/// One record's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDecision {
    /// Index of the record in the input (0-based).
    pub record: usize,
    /// Person id.
    pub person: String,
    /// Date of the record.
    pub date: Date,
    /// Amount (zero when rejected).
    pub amount: Decimal,
    /// Why it was rejected; empty when accepted.
    pub reasons: Vec<String>,
}

/// A month's settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Program settled.
    pub program: String,
    /// Month, `YYYY-MM`.
    pub month: String,
    /// Every record, in input order.
    pub records: Vec<RecordDecision>,
    /// Per person: accepted records and total.
    pub per_person: Vec<(String, usize, Decimal)>,
    /// Total of accepted records.
    pub total: Decimal,
    /// Rule set id, version, hash.
    pub ruleset: (String, String, String),
}

impl Settlement {
    /// Accepted records.
    pub fn accepted(&self) -> impl Iterator<Item = &RecordDecision> {
        self.records.iter().filter(|r| r.reasons.is_empty())
    }

    /// Rejected records.
    pub fn rejected(&self) -> impl Iterator<Item = &RecordDecision> {
        self.records.iter().filter(|r| !r.reasons.is_empty())
    }

    /// The settlement as JSON.
    pub fn to_json(&self) -> Json {
        let record = |r: &RecordDecision| json!({"record": r.record, "person": r.person, "date": r.date.to_string(), "amount": r.amount.to_string(), "reasons": r.reasons});
        json!({
            "ruleset": {"id": self.ruleset.0, "version": self.ruleset.1, "hash": self.ruleset.2},
            "program": self.program,
            "month": self.month,
            "total": self.total.to_string(),
            "accepted_count": self.accepted().count(),
            "rejected_count": self.rejected().count(),
            "per_person": self.per_person.iter().map(|(p, n, a)| json!({"person": p, "records": n, "amount": a.to_string()})).collect::<Vec<_>>(),
            "accepted": self.accepted().map(record).collect::<Vec<_>>(),
            "rejected": self.rejected().map(record).collect::<Vec<_>>(),
        })
    }
}

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<(Date, Date)> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    Date::month_bounds(y.parse().ok()?, m.parse().ok()?)
}

/// Turns text cells (from CSV) into JSON of the entity's input types:
/// booleans from `true`/`false`/`1`/`0`/`yes`/`no`/`是`/`否`; everything else
/// stays text, which the input reader parses exactly.
fn cells_to_json(plan: &Plan, entity: usize, cells: &Map<String, Json>, skip: &[&str]) -> Json {
    let mut out = Map::new();
    let inputs = plan
        .entities
        .get(entity)
        .map(|e| e.inputs.as_slice())
        .unwrap_or(&[]);
    for (k, v) in cells {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let is_bool = inputs.iter().any(|i| i.name == *k && i.ty == Type::Bool);
        let v = match (v, is_bool) {
            (Json::String(s), true) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" | "是" => Json::Bool(true),
                "false" | "0" | "no" | "n" | "否" => Json::Bool(false),
                _ => v.clone(),
            },
            (Json::String(s), false) if s.trim().is_empty() => Json::Null,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Json::Object(out)
}

/// Settles a month of records for a program with a `settlement` section.
///
/// With `strict`, a duplicate record is an input error rather than a
/// rejected record.
///
/// # Errors
/// [`Error::Input`] with every malformed record (paths `records[i].field`);
/// [`EvalError`] when the program is unknown or has no settlement.
pub fn settle(
    rules: &RuleSet,
    program: &str,
    month: &str,
    records: &[Map<String, Json>],
    strict: bool,
) -> Result<Settlement, Error> {
    let plan = rules.plan();
    let pi = plan
        .program_index(program)
        .ok_or_else(|| EvalError::UnknownProgram {
            name: program.to_string(),
        })?;
    let p = &plan.programs[pi];
    let Some(settlement) = &p.settlement else {
        return Err(Error::Input(vec![InputError {
            code: "no_settlement",
            loc: String::new(),
            msg: format!("program `{program}` is not settled per record"),
            input: None,
        }]));
    };
    let Some((first, last)) = parse_month(month) else {
        return Err(Error::Input(vec![InputError {
            code: "invalid_date",
            loc: "month".into(),
            msg: format!("`{month}` is not a month (YYYY-MM)"),
            input: Some(month.to_string()),
        }]));
    };
    let skip = [settlement.date.as_str(), settlement.person.as_str()];
    let mut errors = Vec::new();
    let mut parsed = Vec::with_capacity(records.len());
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    for (i, rec) in records.iter().enumerate() {
        let loc = |f: &str| format!("records[{i}].{f}");
        let date = match rec.get(&settlement.date) {
            Some(Json::String(s)) => match Date::parse(s.trim()) {
                Some(d) => Some(d),
                None => {
                    errors.push(InputError {
                        code: "invalid_date",
                        loc: loc(&settlement.date),
                        msg: format!("`{s}` is not a date (YYYY-MM-DD)"),
                        input: Some(s.clone()),
                    });
                    None
                }
            },
            _ => {
                errors.push(InputError {
                    code: "missing",
                    loc: loc(&settlement.date),
                    msg: "the record's date is required".into(),
                    input: None,
                });
                None
            }
        };
        let person = match rec.get(&settlement.person) {
            Some(Json::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Json::Number(n)) => n.to_string(),
            _ => {
                errors.push(InputError {
                    code: "missing",
                    loc: loc(&settlement.person),
                    msg: "the person id is required".into(),
                    input: None,
                });
                String::new()
            }
        };
        let key: Vec<String> = settlement
            .unique
            .iter()
            .map(|c| {
                rec.get(c)
                    .map(|v| {
                        v.as_str()
                            .map_or_else(|| v.to_string(), |s| s.trim().to_string())
                    })
                    .unwrap_or_default()
            })
            .collect();
        let duplicate_of = seen.get(&key).copied();
        if duplicate_of.is_none() {
            seen.insert(key, i);
        }
        if let (Some(first_row), true) = (duplicate_of, strict) {
            errors.push(InputError {
                code: "duplicate_record",
                loc: format!("records[{i}]"),
                msg: format!(
                    "repeats records[{first_row}] ({})",
                    settlement.unique.join(", ")
                ),
                input: None,
            });
        }
        let Some(date) = date else {
            parsed.push(None);
            continue;
        };
        let json = cells_to_json(plan, p.entity, rec, &skip);
        match input::parse_case(plan, p.entity, &json, date) {
            Ok(case) => parsed.push(Some((date, person, case, duplicate_of))),
            Err(errs) => {
                errors.extend(errs.into_iter().map(|mut e| {
                    e.loc = if e.loc.is_empty() {
                        format!("records[{i}]")
                    } else {
                        format!("records[{i}].{}", e.loc)
                    };
                    e
                }));
                parsed.push(None);
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    let mut runners: HashMap<Date, Result<Runner<'_>, EvalError>> = HashMap::new();
    let names = [program.to_string()];
    let mut out = Vec::with_capacity(parsed.len());
    for (i, item) in parsed.into_iter().enumerate() {
        let Some((date, person, case, duplicate_of)) = item else {
            continue;
        };
        let mut reasons = Vec::new();
        if date < first || date > last {
            reasons.push("outside_month".to_string());
        }
        if duplicate_of.is_some() {
            reasons.push("duplicate".to_string());
        }
        // Zero to the fen, like the amounts of accepted records.
        let mut amount = Decimal::new(0, 2);
        let runner = runners
            .entry(date)
            .or_insert_with(|| Runner::new(plan, p.entity, Some(&names), date));
        match runner {
            Err(EvalError::NoRulesInForce { .. }) => reasons.push("no_rules_in_force".to_string()),
            Err(e) => return Err(Error::Eval(e.clone())),
            Ok(runner) => {
                let frame = runner.evaluate_case(&case)?;
                let slot = |c: usize| {
                    frame
                        .get(plan.computeds[c].slot)
                        .copied()
                        .unwrap_or_default()
                };
                for cond in &p.conditions {
                    if slot(cond.computed) != Value::Bool(true) {
                        reasons.push(cond.reject.to_string());
                    }
                }
                if reasons.is_empty() {
                    amount = p
                        .amount
                        .and_then(|a| slot(a).as_num())
                        .unwrap_or(Decimal::ZERO);
                }
            }
        }
        out.push(RecordDecision {
            record: i,
            person,
            date,
            amount,
            reasons,
        });
    }
    let mut per: BTreeMap<String, (usize, Decimal)> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    for r in out.iter().filter(|r| r.reasons.is_empty()) {
        let e = per.entry(r.person.clone()).or_insert((0, Decimal::ZERO));
        e.0 += 1;
        e.1 += r.amount;
        total += r.amount;
    }
    Ok(Settlement {
        program: program.to_string(),
        month: month.to_string(),
        records: out,
        per_person: per.into_iter().map(|(k, (n, a))| (k, n, a)).collect(),
        total,
        ruleset: (
            rules.id().to_string(),
            rules.version().to_string(),
            rules.hash().to_string(),
        ),
    })
}
