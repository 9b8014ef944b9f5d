//! Claims: records with the same values in the unique columns are one claim;
//! of those that pass every test, one is accepted (the largest amount, then
//! the smallest person id, then the earliest line), the others are
//! duplicates. Then the totals, exact and checked.

use super::model::{encode, NO_GROUP};
use super::*;
use crate::money;
use crate::run::input::InputError;
use crate::{Date, Decimal, Error};

impl Settler<'_> {
    /// Notes an accepted record's claim key (the values of the `unique`
    /// columns); claims are formed by [`Settler::finish`].
    pub(super) fn claim(&mut self, person: u32, date: Date, index: u32) {
        self.key.clear();
        for role in &self.unique {
            match role {
                Role::Person => self.key.extend_from_slice(&person.to_le_bytes()),
                Role::Date => self.key.extend_from_slice(&date.days().to_le_bytes()),
                Role::Input(slot) => {
                    let v = self.frame.get(*slot).copied().unwrap_or_default();
                    encode(v, &mut self.key);
                }
            }
        }
        // Up to 15 bytes, the key and its length make one integer.
        if self.key.len() < 16 {
            let mut b = [0u8; 16];
            b[15] = self.key.len() as u8;
            for (d, s) in b.iter_mut().zip(&self.key) {
                *d = *s;
            }
            self.short_claims.push((u128::from_le_bytes(b), index));
        } else {
            self.claims.push((self.key.as_slice().into(), index));
        }
    }

    /// Forms the claims: records with equal keys are one claim, won by the
    /// largest amount, then the smallest person id, then the earliest
    /// line, whatever the order of the rows.
    pub(super) fn form_claims(&mut self) {
        let mut short = std::mem::take(&mut self.short_claims);
        short.sort_unstable();
        let mut long = std::mem::take(&mut self.claims);
        long.sort_unstable();
        let mut winners = Vec::new();
        for run in short.chunk_by(|a, b| a.0 == b.0) {
            self.one_claim(run.iter().map(|c| c.1), &mut winners);
        }
        for run in long.chunk_by(|a, b| a.0 == b.0) {
            self.one_claim(run.iter().map(|c| c.1), &mut winners);
        }
        self.winners = winners;
    }

    /// The records `run` (indices) are one claim: the winner joins
    /// `winners`, every record notes the claim.
    pub(super) fn one_claim(
        &mut self,
        run: impl Iterator<Item = u32> + Clone,
        winners: &mut Vec<u32>,
    ) {
        let rank = |i: u32| {
            self.records.get(i as usize).map(|r| {
                let name = self.person_names.get(r.person as usize).map(|s| &**s);
                (r.amount, std::cmp::Reverse(name), std::cmp::Reverse(r.line))
            })
        };
        let Some(best) = run.clone().max_by(|&a, &b| rank(a).cmp(&rank(b))) else {
            return;
        };
        let g = u32::try_from(winners.len()).unwrap_or(NO_GROUP);
        winners.push(best);
        for i in run {
            if let Some(r) = self.records.get_mut(i as usize) {
                r.group = g;
            }
        }
    }

    /// The settlement of every record read.
    ///
    /// # Errors
    /// [`Error::Input`] with the problems of the records (at most the
    /// limit set, then `more_errors` with the count of the rest), and with
    /// `strict` every duplicate (`duplicate_record`, naming both lines);
    /// an input error `overflow` when a total is too large to hold exactly.
    pub fn finish(mut self) -> Result<Settlement, Error> {
        let plan = self.plan;
        let p = &plan.programs[self.program];
        self.form_claims();
        if self.strict {
            let cols = p
                .settlement
                .as_ref()
                .map(|s| s.unique.join(", "))
                .unwrap_or_default();
            let mut dups = Vec::new();
            for (i, r) in self.records.iter().enumerate() {
                if r.group == NO_GROUP {
                    continue;
                }
                let w = self.winners.get(r.group as usize).copied().unwrap_or(0);
                if w as usize != i {
                    let first = self.records.get(w as usize).map_or(0, |w| w.line);
                    dups.push((r.line, first));
                }
            }
            for (line, first) in dups {
                let msg = format!("repeats line {first} (the same {cols})");
                self.error("duplicate_record", format!("line {line}"), msg, None);
            }
        }
        if !self.errors.is_empty() || self.more_errors > 0 {
            let mut errors = std::mem::take(&mut self.errors);
            if self.more_errors > 0 {
                errors.push(crate::limits::more_errors(self.more_errors));
            }
            return Err(Error::Input(errors));
        }
        let duplicate = {
            self.reasons.clear();
            self.reasons.push(DUPLICATE);
            self.combo()
        };
        let mut per: Vec<(usize, Decimal)> = vec![(0, Decimal::ZERO); self.person_names.len()];
        let mut total = Decimal::ZERO;
        let overflow = || {
            Error::Input(vec![InputError {
                code: "overflow",
                loc: String::new(),
                msg: format!("the total of `{}` is too large to compute exactly", p.name),
                input: None,
            }])
        };
        for (i, r) in self.records.iter_mut().enumerate() {
            if r.group != NO_GROUP
                && self.winners.get(r.group as usize).copied() != u32::try_from(i).ok()
            {
                r.reasons = duplicate;
                r.amount = Decimal::new(0, 2);
            }
            if r.reasons != 0 {
                continue;
            }
            let e = per.get_mut(r.person as usize).ok_or_else(overflow)?;
            e.0 += 1;
            e.1 = money::add_exact(e.1, r.amount).ok_or_else(overflow)?;
            total = money::add_exact(total, r.amount).ok_or_else(overflow)?;
        }
        let mut per_person: Vec<PersonTotal> = per
            .into_iter()
            .zip(&self.person_names)
            .filter(|((n, _), _)| *n > 0)
            .map(|((records, amount), person)| PersonTotal {
                person: person.clone(),
                records,
                amount,
            })
            .collect();
        per_person.sort_by(|a, b| a.person.cmp(&b.person));
        let combos = self
            .combos
            .iter()
            .map(|c| {
                c.iter()
                    .filter_map(|&i| self.catalogue.get(usize::from(i)).cloned())
                    .collect()
            })
            .collect();
        let rules = self.rules;
        Ok(Settlement {
            program: p.name.to_string(),
            label: p.label.clone(),
            month: self.month,
            per_person,
            total,
            ruleset: rules.stamp(),
            records: self.records,
            persons: self.person_names,
            combos,
            winners: self.winners,
        })
    }
}
