//! What a settlement holds: every record's decision, compactly, and the
//! totals.

use crate::plan::Text;
use crate::value::Value;
use crate::{Date, Decimal};
use std::sync::Arc;

/// Why a record was rejected: a stable code and a sentence in Chinese and
/// English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable code: a condition's `reject` code, `duplicate`,
    /// `outside_month` or `no_rules_in_force`.
    pub code: Arc<str>,
    /// What it means, for people.
    pub text: Text,
}

/// One record's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordDecision<'a> {
    /// The record's line in its file (the header is line 1).
    pub line: u64,
    /// Person id.
    pub person: &'a str,
    /// Date of the record.
    pub date: Date,
    /// Amount (zero when rejected).
    pub amount: Decimal,
    /// Why it was rejected; empty when accepted.
    pub reasons: &'a [Reason],
    /// For a duplicate: the line of the record accepted in its place.
    pub duplicate_of: Option<u64>,
}

impl RecordDecision<'_> {
    /// Whether the record was accepted.
    pub fn accepted(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Accepted records and their total for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonTotal {
    /// Person id.
    pub person: Arc<str>,
    /// Accepted records.
    pub records: usize,
    /// Their total.
    pub amount: Decimal,
}

/// A month's settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Program settled.
    pub program: String,
    /// The program's name for people.
    pub label: Text,
    /// Month, `YYYY-MM`.
    pub month: String,
    /// Per person (in order of person id): accepted records and total.
    pub per_person: Vec<PersonTotal>,
    /// Total of accepted records.
    pub total: Decimal,
    /// The rules that decided: id, version, hash, and the reform's hash
    /// when the rules were reformed (as outcomes carry them).
    pub ruleset: crate::outcome::RuleSetStamp,
    pub(super) records: Vec<Stored>,
    pub(super) persons: Vec<Arc<str>>,
    pub(super) combos: Vec<Box<[Reason]>>,
    pub(super) winners: Vec<u32>,
}

impl Settlement {
    /// Every record, in input order.
    pub fn records(&self) -> impl Iterator<Item = RecordDecision<'_>> {
        self.records.iter().map(|r| self.view(r))
    }

    /// Accepted records.
    pub fn accepted(&self) -> impl Iterator<Item = RecordDecision<'_>> {
        self.records().filter(RecordDecision::accepted)
    }

    /// Rejected records.
    pub fn rejected(&self) -> impl Iterator<Item = RecordDecision<'_>> {
        self.records().filter(|r| !r.accepted())
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there were no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The number of accepted records.
    pub fn accepted_count(&self) -> usize {
        self.records.iter().filter(|r| r.reasons == 0).count()
    }

    fn view(&self, r: &Stored) -> RecordDecision<'_> {
        let duplicate_of = (r.group != NO_GROUP && r.reasons != 0)
            .then(|| self.winners.get(r.group as usize))
            .flatten()
            .and_then(|&w| self.records.get(w as usize))
            .map(|w| w.line);
        RecordDecision {
            line: r.line,
            person: self.persons.get(r.person as usize).map_or("", |p| p),
            date: r.date,
            amount: r.amount,
            reasons: self.combos.get(r.reasons as usize).map_or(&[], |c| c),
            duplicate_of,
        }
    }
}

/// A record as kept: its decision, in a few dozen bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stored {
    pub(super) line: u64,
    pub(super) amount: Decimal,
    pub(super) person: u32,
    pub(super) date: Date,
    /// Index into the reason combinations (0: accepted).
    pub(super) reasons: u32,
    /// The claim it belongs to, when it passed every test.
    pub(super) group: u32,
}

pub(super) const NO_GROUP: u32 = u32::MAX;

/// Appends a value's bytes to a claim key: equal values, equal bytes.
pub(super) fn encode(v: Value, key: &mut Vec<u8>) {
    match v {
        Value::Num(d) => {
            key.push(0);
            key.extend_from_slice(&d.normalize().serialize());
        }
        Value::Bool(b) => key.extend_from_slice(&[1, u8::from(b)]),
        Value::Date(d) => {
            key.push(2);
            key.extend_from_slice(&d.days().to_le_bytes());
        }
        Value::Enum(i) => {
            key.push(3);
            key.extend_from_slice(&i.to_le_bytes());
        }
        Value::Missing => key.push(4),
    }
}
