//! Baseline against reform over one population, and parameter sweeps.
//!
//! Pure Rust over the core's [`BatchResult`]s, with exact decimal sums
//! (checked: an overflow is an error, never a wrap). Costs are the sums of
//! the programs' monthly amounts; a year is twelve months. Only cases
//! evaluated under both rule sets are compared; the rest are counted as
//! skipped. A program present under one rule set only (an overlay may add
//! one) counts as not eligible, paying nothing, under the other.
//!
//! [`crate::analysis::sweep`] evaluates the rule sets over a population for these
//! sums; with the `arrow` feature, `arrow::compare` writes them as tables.

use crate::batch::BatchResult;
use crate::Decimal;

/// The name of the line that totals every program.
pub const ALL: &str = "(all)";

/// A sum left the range of exact decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow(pub String);

fn add<M: Money>(total: &mut M, x: M, what: &str) -> Result<(), Overflow> {
    *total = total.plus(x).ok_or_else(|| Overflow(what.to_string()))?;
    Ok(())
}

/// Exact amounts as the comparison adds them: decimals, or, when every
/// amount of both results is held as an integer at a scale, those
/// integers in an `i128` (the same sums, without a decimal operation per
/// case).
trait Money: Copy + Default + Ord {
    fn plus(self, x: Self) -> Option<Self>;
    fn minus(self, x: Self) -> Option<Self>;
}

impl Money for Decimal {
    fn plus(self, x: Decimal) -> Option<Decimal> {
        self.checked_add(x)
    }
    fn minus(self, x: Decimal) -> Option<Decimal> {
        self.checked_sub(x)
    }
}

/// A count of `10^-scale` yuan, the scale the comparison's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Units(i128);

impl Money for Units {
    fn plus(self, x: Units) -> Option<Units> {
        self.0.checked_add(x.0).map(Units)
    }
    fn minus(self, x: Units) -> Option<Units> {
        self.0.checked_sub(x.0).map(Units)
    }
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

/// A [`Change`] being counted, its sums in `M`.
#[derive(Debug, Clone, Default)]
struct Tally<M> {
    program: String,
    size: Option<usize>,
    cases: usize,
    baseline_eligible: usize,
    reform_eligible: usize,
    newly_eligible: usize,
    no_longer_eligible: usize,
    gainers: usize,
    losers: usize,
    total_gain: M,
    total_loss: M,
    baseline_cost: M,
    reform_cost: M,
}

impl<M: Money> Tally<M> {
    fn new(program: &str, size: Option<usize>) -> Tally<M> {
        Tally {
            program: program.to_string(),
            size,
            cases: 0,
            baseline_eligible: 0,
            reform_eligible: 0,
            newly_eligible: 0,
            no_longer_eligible: 0,
            gainers: 0,
            losers: 0,
            total_gain: M::default(),
            total_loss: M::default(),
            baseline_cost: M::default(),
            reform_cost: M::default(),
        }
    }

    fn record(&mut self, before: (bool, M), after: (bool, M), what: &str) -> Result<(), Overflow> {
        self.cases += 1;
        self.baseline_eligible += usize::from(before.0);
        self.reform_eligible += usize::from(after.0);
        self.newly_eligible += usize::from(after.0 && !before.0);
        self.no_longer_eligible += usize::from(before.0 && !after.0);
        add(&mut self.baseline_cost, before.1, what)?;
        add(&mut self.reform_cost, after.1, what)?;
        match after.1.cmp(&before.1) {
            std::cmp::Ordering::Greater => {
                self.gainers += 1;
                let d = after.1.minus(before.1);
                add(
                    &mut self.total_gain,
                    d.ok_or_else(|| Overflow(what.to_string()))?,
                    what,
                )
            }
            std::cmp::Ordering::Less => {
                self.losers += 1;
                let d = before.1.minus(after.1);
                add(
                    &mut self.total_loss,
                    d.ok_or_else(|| Overflow(what.to_string()))?,
                    what,
                )
            }
            std::cmp::Ordering::Equal => Ok(()),
        }
    }

    fn change(self, money: impl Fn(M) -> Result<Decimal, Overflow>) -> Result<Change, Overflow> {
        Ok(Change {
            program: self.program,
            size: self.size,
            cases: self.cases,
            baseline_eligible: self.baseline_eligible,
            reform_eligible: self.reform_eligible,
            newly_eligible: self.newly_eligible,
            no_longer_eligible: self.no_longer_eligible,
            gainers: self.gainers,
            losers: self.losers,
            total_gain: money(self.total_gain)?,
            total_loss: money(self.total_loss)?,
            baseline_cost: money(self.baseline_cost)?,
            reform_cost: money(self.reform_cost)?,
        })
    }
}

impl Change {
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

/// The amounts of one result as the comparison reads them: eligibility and
/// amount (zero when the program pays no money or the rule set lacks it).
trait Reader<M> {
    fn read(&self, result: &BatchResult, p: Option<usize>, money: bool, i: usize) -> (bool, M);
}

/// Amounts as decimals.
struct Decimals;

impl Reader<Decimal> for Decimals {
    fn read(
        &self,
        result: &BatchResult,
        p: Option<usize>,
        money: bool,
        i: usize,
    ) -> (bool, Decimal) {
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
}

/// Amounts as integers at `scale`, read where they lie: usable when every
/// amount column of both results holds its amounts as integers at most at
/// `scale` decimals.
struct AtScale {
    scale: u32,
}

impl AtScale {
    /// The scale every money-paying amount column of `results` fits, if
    /// each holds its amounts as integers (none too wide) and the scale is
    /// at most 18.
    fn of(results: [&BatchResult; 2], money: &dyn Fn(&str) -> bool) -> Option<AtScale> {
        let mut scale = 0;
        for r in results {
            for p in r.programs.iter().filter(|p| money(&p.program)) {
                if let Some(a) = &p.amount {
                    if !a.is_fixed() {
                        return None;
                    }
                    scale = scale.max(a.scale());
                }
            }
        }
        (scale <= 18).then_some(AtScale { scale })
    }
}

impl Reader<Units> for AtScale {
    fn read(&self, result: &BatchResult, p: Option<usize>, money: bool, i: usize) -> (bool, Units) {
        let Some(col) = p.and_then(|p| result.programs.get(p)) else {
            return (false, Units(0));
        };
        let eligible = col.eligible.get(i).copied().unwrap_or(false);
        let amount = match (&col.amount, money) {
            (Some(a), true) => a.units(i).map_or(0, |u| {
                i128::from(u) * 10i128.pow(self.scale.saturating_sub(a.scale()))
            }),
            _ => 0,
        };
        (eligible, Units(amount))
    }
}

/// A sum as the comparison gives it: exact, with at least two decimals and
/// no trailing zeros beyond them (`735.00`, `0.00`, `1.125`), whichever way
/// it was added.
fn canonical(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// [`canonical`] of `u × 10^-scale`.
fn canonical_units(u: Units, scale: u32) -> Option<Decimal> {
    let (mut m, mut s) = (u.0, scale);
    while s > 2 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    if s < 2 {
        m = m.checked_mul(10i128.pow(2 - s))?;
        s = 2;
    }
    Decimal::try_from_i128_with_scale(m, s).ok()
}

fn index_of(result: &BatchResult, name: &str) -> Option<usize> {
    result.programs.iter().position(|p| p.program == name)
}

/// Compares `reform` with `baseline`, case by case. `money` says which
/// programs pay money (only they count in costs); `sizes` gives each case's
/// number of members (empty for cases without members). Sums are exact and
/// given with at least two decimals.
///
/// # Errors
/// [`Overflow`] when a sum leaves the range of exact decimals.
pub fn compare(
    baseline: &BatchResult,
    reform: &BatchResult,
    money: &dyn Fn(&str) -> bool,
    sizes: &[usize],
) -> Result<Comparison, Overflow> {
    match AtScale::of([baseline, reform], money) {
        Some(at) => {
            let scale = at.scale;
            compare_with(baseline, reform, money, sizes, &at, |u| {
                canonical_units(u, scale).ok_or_else(|| Overflow(ALL.to_string()))
            })
        }
        None => compare_with(baseline, reform, money, sizes, &Decimals, |d| {
            Ok(canonical(d))
        }),
    }
}

/// [`compare`], amounts read by `reader` and added as `M`, sums given by
/// `out`.
fn compare_with<M: Money>(
    baseline: &BatchResult,
    reform: &BatchResult,
    money: &dyn Fn(&str) -> bool,
    sizes: &[usize],
    reader: &dyn Reader<M>,
    out: impl Fn(M) -> Result<Decimal, Overflow>,
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
    let mut programs: Vec<Tally<M>> = names
        .iter()
        .map(|n| Tally::new(n, None))
        .chain([Tally::new(ALL, None)])
        .collect();
    let max_size = sizes.iter().copied().max().unwrap_or(0);
    let width = names.len() + 1;
    let mut by_size: Vec<Tally<M>> = if sizes.is_empty() {
        Vec::new()
    } else {
        (0..=max_size)
            .flat_map(|s| {
                names
                    .iter()
                    .map(String::as_str)
                    .chain([ALL])
                    .map(move |n| Tally::new(n, Some(s)))
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
        let (mut any_before, mut any_after) = (false, false);
        let (mut total_before, mut total_after) = (M::default(), M::default());
        let size_row = sizes.get(i).map(|s| s * width);
        for (j, name) in names.iter().enumerate() {
            let b = reader.read(baseline, in_base[j], is_money[j], i);
            let a = reader.read(reform, in_reform[j], is_money[j], i);
            programs[j].record(b, a, name)?;
            if let Some(row) = size_row {
                if let Some(c) = by_size.get_mut(row + j) {
                    c.record(b, a, name)?;
                }
            }
            any_before |= b.0;
            any_after |= a.0;
            add(&mut total_before, b.1, ALL)?;
            add(&mut total_after, a.1, ALL)?;
        }
        let b = (any_before, total_before);
        let a = (any_after, total_after);
        programs[width - 1].record(b, a, ALL)?;
        if let Some(row) = size_row {
            if let Some(c) = by_size.get_mut(row + width - 1) {
                c.record(b, a, ALL)?;
            }
        }
        cases.push(Some(CaseChange {
            baseline_eligible: any_before,
            reform_eligible: any_after,
            baseline: out(total_before)?,
            reform: out(total_after)?,
        }));
    }
    let longest = baseline.evaluated.len().max(reform.evaluated.len());
    skipped += longest - n;
    cases.resize(longest, None);
    by_size.retain(|c| c.cases > 0);
    let changes = |tallies: Vec<Tally<M>>| -> Result<Vec<Change>, Overflow> {
        tallies.into_iter().map(|t| t.change(&out)).collect()
    };
    Ok(Comparison {
        programs: changes(programs)?,
        by_size: changes(by_size)?,
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
        out.push((p.program.clone(), count, canonical(cost)));
    }
    out.push((
        ALL.to_string(),
        any.iter().filter(|&&x| x).count(),
        canonical(total),
    ));
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
            members: Vec::new(),
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

    /// Adds a program paying `amounts` (held at `scale`, rounded or not).
    fn with(
        mut r: BatchResult,
        name: &str,
        scale: u32,
        rounded: bool,
        amounts: &[&str],
    ) -> BatchResult {
        r.programs.push(ProgramColumn {
            program: name.into(),
            eligible: amounts.iter().map(|a| d(a) != Decimal::ZERO).collect(),
            amount: Some(crate::batch::Amounts::from_values(
                scale,
                rounded,
                amounts.iter().map(|a| Some(d(a))),
            )),
        });
        r
    }

    /// Sums of integers at a scale and sums of decimals give one
    /// comparison, in one form (at least two decimals), whatever the
    /// scales of the programs.
    #[test]
    fn integer_and_decimal_sums_agree() {
        let base = result(&[true, false, true, false], &["100.10", "0", "50", "0"]);
        let reform = result(&[true, true, false, false], &["155.20", "20.05", "0", "0"]);
        let base = with(base, "yuan", 0, true, &["3", "0", "7", "0"]);
        let reform = with(reform, "yuan", 0, true, &["4", "0", "0", "9"]);
        let base = with(base, "loose", 2, false, &["1.5", "0", "0", "2"]);
        let reform = with(reform, "loose", 2, false, &["1.5", "0.25", "0", "0"]);
        let money = |_: &str| true;
        let at = AtScale::of([&base, &reform], &money).expect("integers");
        assert_eq!(at.scale, 2);
        let sizes = [1, 2, 2, 3];
        let fast = compare_with(&base, &reform, &money, &sizes, &at, |u| {
            canonical_units(u, 2).ok_or_else(|| Overflow(ALL.into()))
        })
        .unwrap();
        let slow = compare_with(&base, &reform, &money, &sizes, &Decimals, |d| {
            Ok(canonical(d))
        })
        .unwrap();
        assert_eq!(fast, slow);
        let text = |c: &Comparison| -> Vec<String> {
            c.programs
                .iter()
                .chain(&c.by_size)
                .flat_map(|p| [p.total_gain, p.total_loss, p.baseline_cost, p.reform_cost])
                .chain(
                    c.cases
                        .iter()
                        .flatten()
                        .flat_map(|x| [x.baseline, x.reform]),
                )
                .map(|x| x.to_string())
                .collect()
        };
        assert_eq!(text(&fast), text(&slow));
        assert!(text(&fast)
            .iter()
            .all(|t| t.split('.').nth(1).is_some_and(|f| f.len() >= 2)));
        // An amount too wide for the integers sends the whole comparison
        // through decimals.
        let wide = with(result(&[true], &["1"]), "x", 2, true, &["0.001"]);
        assert!(AtScale::of([&wide, &wide], &money).is_none());
        assert_eq!(canonical(d("0")).to_string(), "0.00");
        assert_eq!(
            canonical_units(Units(1125), 3).map(|x| x.to_string()),
            Some("1.125".into())
        );
        assert_eq!(
            canonical_units(Units(150), 4).map(|x| x.to_string()),
            Some("0.015".into())
        );
        assert_eq!(
            canonical_units(Units(7), 0).map(|x| x.to_string()),
            Some("7.00".into())
        );
    }
}
