//! Baseline against reform over one population, and parameter sweeps.
//!
//! Pure Rust over the core's [`BatchResult`]s, with exact decimal sums
//! (checked: an overflow is an error, never a wrap). Costs are the sums of
//! the programs' monthly amounts; a year is twelve months. Only cases
//! evaluated under both rule sets are compared; the rest are counted as
//! skipped. A program present under one rule set only (an overlay may add
//! one) counts as not eligible, paying nothing, under the other.
//!
//! The Python package builds its comparison tables from these results.

use crate::batch::BatchResult;
use crate::Decimal;

/// The name of the line that totals every program.
pub const ALL: &str = "(all)";

/// A sum left the range of exact decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow(pub String);

fn add(total: &mut Decimal, x: Decimal, what: &str) -> Result<(), Overflow> {
    *total = total
        .checked_add(x)
        .ok_or_else(|| Overflow(what.to_string()))?;
    Ok(())
}

/// How one program (or all together) changes for a set of cases.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    /// Program, or [`ALL`].
    pub program: String,
    /// Household size (members), when broken down by size.
    pub size: Option<usize>,
    /// Cases compared.
    pub cases: usize,
    /// Eligible under the baseline.
    pub baseline_eligible: usize,
    /// Eligible under the reform.
    pub reform_eligible: usize,
    /// Eligible under the reform only.
    pub newly_eligible: usize,
    /// Eligible under the baseline only.
    pub no_longer_eligible: usize,
    /// Cases paid more under the reform.
    pub gainers: usize,
    /// Cases paid less under the reform.
    pub losers: usize,
    /// Sum of the increases.
    pub total_gain: Decimal,
    /// Sum of the decreases (a positive number).
    pub total_loss: Decimal,
    /// Monthly cost under the baseline.
    pub baseline_cost: Decimal,
    /// Monthly cost under the reform.
    pub reform_cost: Decimal,
}

impl Change {
    fn new(program: &str, size: Option<usize>) -> Change {
        Change {
            program: program.to_string(),
            size,
            ..Change::default()
        }
    }

    fn record(
        &mut self,
        before: (bool, Decimal),
        after: (bool, Decimal),
        what: &str,
    ) -> Result<(), Overflow> {
        self.cases += 1;
        self.baseline_eligible += usize::from(before.0);
        self.reform_eligible += usize::from(after.0);
        self.newly_eligible += usize::from(after.0 && !before.0);
        self.no_longer_eligible += usize::from(before.0 && !after.0);
        add(&mut self.baseline_cost, before.1, what)?;
        add(&mut self.reform_cost, after.1, what)?;
        match after.1.checked_sub(before.1) {
            Some(d) if d > Decimal::ZERO => {
                self.gainers += 1;
                add(&mut self.total_gain, d, what)
            }
            Some(d) if d < Decimal::ZERO => {
                self.losers += 1;
                add(&mut self.total_loss, -d, what)
            }
            Some(_) => Ok(()),
            None => Err(Overflow(what.to_string())),
        }
    }

    /// Reform cost minus baseline cost, per month.
    pub fn cost_change(&self) -> Option<Decimal> {
        self.reform_cost.checked_sub(self.baseline_cost)
    }
}

/// Per-case totals over the money-paying programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseChange {
    /// Eligible for any program under the baseline.
    pub baseline_eligible: bool,
    /// Eligible for any program under the reform.
    pub reform_eligible: bool,
    /// Total monthly amount under the baseline.
    pub baseline: Decimal,
    /// Total monthly amount under the reform.
    pub reform: Decimal,
}

/// The comparison of two results over the same population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Per program, then [`ALL`].
    pub programs: Vec<Change>,
    /// Per household size, then per program and [`ALL`] (empty when the
    /// cases have no members).
    pub by_size: Vec<Change>,
    /// Every case, in order; `None` when it was skipped.
    pub cases: Vec<Option<CaseChange>>,
    /// Cases not evaluated under one of the rule sets (invalid input,
    /// overflow).
    pub skipped: usize,
}

/// Eligibility and amount of program `p` (an index into `result.programs`,
/// `None` when the rule set lacks it) for case `i`.
fn read(result: &BatchResult, p: Option<usize>, money: bool, i: usize) -> (bool, Decimal) {
    let Some(col) = p.and_then(|p| result.programs.get(p)) else {
        return (false, Decimal::ZERO);
    };
    let eligible = col.eligible.get(i).copied().unwrap_or(false);
    let amount = if money {
        col.amount
            .as_ref()
            .and_then(|a| a.get(i))
            .unwrap_or(Decimal::ZERO)
    } else {
        Decimal::ZERO
    };
    (eligible, amount)
}

fn index_of(result: &BatchResult, name: &str) -> Option<usize> {
    result.programs.iter().position(|p| p.program == name)
}

/// Compares `reform` with `baseline`, case by case. `money` says which
/// programs pay money (only they count in costs); `sizes` gives each case's
/// number of members (empty for cases without members).
///
/// # Errors
/// [`Overflow`] when a sum leaves the range of exact decimals.
pub fn compare(
    baseline: &BatchResult,
    reform: &BatchResult,
    money: &dyn Fn(&str) -> bool,
    sizes: &[usize],
) -> Result<Comparison, Overflow> {
    let mut names: Vec<String> = baseline
        .programs
        .iter()
        .map(|p| p.program.clone())
        .collect();
    for p in &reform.programs {
        if !names.contains(&p.program) {
            names.push(p.program.clone());
        }
    }
    let in_base: Vec<Option<usize>> = names.iter().map(|n| index_of(baseline, n)).collect();
    let in_reform: Vec<Option<usize>> = names.iter().map(|n| index_of(reform, n)).collect();
    let is_money: Vec<bool> = names.iter().map(|n| money(n)).collect();
    let mut programs: Vec<Change> = names
        .iter()
        .map(|n| Change::new(n, None))
        .chain([Change::new(ALL, None)])
        .collect();
    let max_size = sizes.iter().copied().max().unwrap_or(0);
    let width = names.len() + 1;
    let mut by_size: Vec<Change> = if sizes.is_empty() {
        Vec::new()
    } else {
        (0..=max_size)
            .flat_map(|s| {
                names
                    .iter()
                    .map(String::as_str)
                    .chain([ALL])
                    .map(move |n| Change::new(n, Some(s)))
            })
            .collect()
    };
    let mut cases = Vec::with_capacity(baseline.evaluated.len());
    let mut skipped = 0;
    let n = baseline.evaluated.len().min(reform.evaluated.len());
    for i in 0..n {
        if !(baseline.evaluated[i] && reform.evaluated[i]) {
            skipped += 1;
            cases.push(None);
            continue;
        }
        let mut total = CaseChange {
            baseline_eligible: false,
            reform_eligible: false,
            baseline: Decimal::ZERO,
            reform: Decimal::ZERO,
        };
        let size_row = sizes.get(i).map(|s| s * width);
        for (j, name) in names.iter().enumerate() {
            let b = read(baseline, in_base[j], is_money[j], i);
            let a = read(reform, in_reform[j], is_money[j], i);
            programs[j].record(b, a, name)?;
            if let Some(row) = size_row {
                if let Some(c) = by_size.get_mut(row + j) {
                    c.record(b, a, name)?;
                }
            }
            total.baseline_eligible |= b.0;
            total.reform_eligible |= a.0;
            add(&mut total.baseline, b.1, ALL)?;
            add(&mut total.reform, a.1, ALL)?;
        }
        let b = (total.baseline_eligible, total.baseline);
        let a = (total.reform_eligible, total.reform);
        programs[width - 1].record(b, a, ALL)?;
        if let Some(row) = size_row {
            if let Some(c) = by_size.get_mut(row + width - 1) {
                c.record(b, a, ALL)?;
            }
        }
        cases.push(Some(total));
    }
    let longest = baseline.evaluated.len().max(reform.evaluated.len());
    skipped += longest - n;
    cases.resize(longest, None);
    by_size.retain(|c| c.cases > 0);
    Ok(Comparison {
        programs,
        by_size,
        cases,
        skipped,
    })
}

/// Caseload and monthly cost of each program in one result, then [`ALL`]
/// (cases eligible for any program; the cost of all).
///
/// # Errors
/// [`Overflow`] when a sum leaves the range of exact decimals.
pub fn caseload(
    result: &BatchResult,
    money: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, usize, Decimal)>, Overflow> {
    let mut out: Vec<(String, usize, Decimal)> = Vec::new();
    let n = result.evaluated.len();
    let mut any = vec![false; n];
    let mut total = Decimal::ZERO;
    for p in &result.programs {
        let mut count = 0;
        let mut cost = Decimal::ZERO;
        for (i, seen) in any.iter_mut().enumerate() {
            if !result.evaluated[i] || !p.eligible.get(i).copied().unwrap_or(false) {
                continue;
            }
            count += 1;
            *seen = true;
            if money(&p.program) {
                if let Some(a) = p.amount.as_ref().and_then(|a| a.get(i)) {
                    add(&mut cost, a, &p.program)?;
                }
            }
        }
        add(&mut total, cost, ALL)?;
        out.push((p.program.clone(), count, cost));
    }
    out.push((ALL.to_string(), any.iter().filter(|&&x| x).count(), total));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::ProgramColumn;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn result(eligible: &[bool], amounts: &[&str]) -> BatchResult {
        BatchResult {
            programs: vec![ProgramColumn {
                program: "dibao".into(),
                eligible: eligible.to_vec(),
                amount: Some(crate::batch::Amounts::from_values(
                    2,
                    true,
                    amounts.iter().map(|a| Some(d(a))),
                )),
            }],
            evaluated: vec![true; eligible.len()],
            errors: Vec::new(),
            one_by_one: 0,
        }
    }

    #[test]
    fn counts_gainers_losers_and_costs_exactly() {
        let base = result(&[true, false, true, false], &["100.10", "0", "50", "0"]);
        let reform = result(&[true, true, false, false], &["155.20", "20.05", "0", "0"]);
        let c = compare(&base, &reform, &|_| true, &[1, 2, 2, 3]).unwrap();
        let p = &c.programs[0];
        assert_eq!((p.baseline_eligible, p.reform_eligible), (2, 2));
        assert_eq!((p.newly_eligible, p.no_longer_eligible), (1, 1));
        assert_eq!((p.gainers, p.losers), (2, 1));
        assert_eq!(p.total_gain, d("75.15"));
        assert_eq!(p.total_loss, d("50"));
        assert_eq!(p.baseline_cost, d("150.10"));
        assert_eq!(p.reform_cost, d("175.25"));
        assert_eq!(p.cost_change(), Some(d("25.15")));
        assert_eq!(c.programs[1].program, ALL);
        let size2: Vec<&Change> = c.by_size.iter().filter(|x| x.size == Some(2)).collect();
        assert_eq!(size2[0].cases, 2);
        assert_eq!(size2[0].reform_cost, d("20.05"));
        assert_eq!(c.cases.len(), 4);
    }

    #[test]
    fn skips_cases_not_evaluated_under_both() {
        let base = result(&[true, true], &["1", "1"]);
        let mut reform = result(&[true, true], &["2", "2"]);
        reform.evaluated[1] = false;
        let c = compare(&base, &reform, &|_| true, &[]).unwrap();
        assert_eq!(c.skipped, 1);
        assert_eq!(c.programs[0].cases, 1);
        assert!(c.by_size.is_empty());
    }

    #[test]
    fn caseload_sums_each_program_and_all() {
        let r = result(&[true, false, true], &["1.50", "0", "2.25"]);
        let c = caseload(&r, &|_| true).unwrap();
        assert_eq!(c[0], ("dibao".to_string(), 2, d("3.75")));
        assert_eq!(c[1], (ALL.to_string(), 2, d("3.75")));
    }
}
