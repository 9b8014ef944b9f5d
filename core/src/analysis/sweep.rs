//! Reforms over a population: a baseline against a reform, and a parameter
//! swept over values, each rule set evaluated over the same cases.
//!
//! Evaluation is the batch's ([`batch::evaluate`]); counting and summing
//! are [`compare`](crate::analysis::compare)'s, exact. A case that fails to evaluate
//! (an amount too large to compute) stops the analysis with its error
//! rather than leaving a hole in the sums. A year is twelve monthly
//! payments.

#[cfg(feature = "compiler")]
use crate::analysis::compare::caseload;
use crate::analysis::compare::{compare, Comparison, Overflow};
use crate::batch::{self, BatchResult, Population};
#[cfg(feature = "compiler")]
use crate::Reform;
use crate::{Date, Decimal, EvalError, RuleSet};

const MONTHS: Decimal = Decimal::from_parts(12, 0, 0, false, 0);

/// Why an analysis stopped.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A swept value does not make a rule set (a value that does not fit
    /// the parameter, say).
    #[error("{0}")]
    Reform(Box<crate::Error>),
    /// The population cannot be evaluated, or one of its cases failed to.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A sum leaves the range of exact decimals.
    #[error("a sum of `{}` overflows", .0.0)]
    Overflow(Overflow),
}

impl From<Overflow> for AnalysisError {
    fn from(o: Overflow) -> AnalysisError {
        AnalysisError::Overflow(o)
    }
}

/// The cost of twelve months at `monthly` a month.
///
/// # Errors
/// [`Overflow`] naming `what` when the product leaves the exact decimals.
pub fn yearly(monthly: Decimal, what: &str) -> Result<Decimal, Overflow> {
    monthly
        .checked_mul(MONTHS)
        .ok_or_else(|| Overflow(what.to_string()))
}

/// Evaluates a population with [`batch::evaluate`], checking that the
/// result has one row per case in every column (a short column would pass
/// for fewer cases).
///
/// # Errors
/// As [`batch::evaluate`]; [`EvalError::Internal`] for a result short of
/// rows.
pub fn evaluate_all(
    rules: &RuleSet,
    population: &Population,
    as_of: Date,
    programs: Option<&[String]>,
    threads: usize,
) -> Result<BatchResult, EvalError> {
    let r = batch::evaluate(rules, population, as_of, programs, threads)?;
    let n = population.len();
    let whole = r.evaluated.len() == n
        && r.programs
            .iter()
            .all(|p| p.eligible.len() == n && p.amount.as_ref().is_none_or(|a| a.len() == n));
    if whole {
        Ok(r)
    } else {
        Err(EvalError::Internal {
            reason: "the batch result does not have one row per case".into(),
        })
    }
}

/// [`evaluate_all`], the first case that failed to evaluate an error.
fn decided(
    rules: &RuleSet,
    population: &Population,
    as_of: Date,
    programs: Option<&[String]>,
    threads: usize,
) -> Result<BatchResult, EvalError> {
    let mut r = evaluate_all(rules, population, as_of, programs, threads)?;
    if r.errors.is_empty() {
        Ok(r)
    } else {
        Err(r.errors.swap_remove(0).1)
    }
}

/// Compares `reform` with `baseline` over one population as of a date
/// (see [`compare`]): a program counts in costs when it pays money under
/// either rule set; `sizes` gives each case's number of members (empty for
/// cases without members).
///
/// # Errors
/// An evaluation error of either rule set (the first failed case's among
/// them), or an [`Overflow`].
pub fn compare_rule_sets(
    baseline: &RuleSet,
    reform: &RuleSet,
    population: &Population,
    sizes: &[usize],
    as_of: Date,
    programs: Option<&[String]>,
    threads: usize,
) -> Result<Comparison, AnalysisError> {
    let before = decided(baseline, population, as_of, programs, threads)?;
    let after = decided(reform, population, as_of, programs, threads)?;
    let money = |p: &str| baseline.pays_money(p) || reform.pays_money(p);
    Ok(compare(&before, &after, &money, sizes)?)
}

/// Caseload and cost of one program (or all) under one swept value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepLine {
    /// The parameter's value, as given.
    pub value: String,
    /// Program, or [`ALL`](crate::analysis::compare::ALL).
    pub program: String,
    /// Cases evaluated.
    pub cases: usize,
    /// Cases eligible (for any program, on the `ALL` line).
    pub eligible: usize,
    /// Sum of the monthly amounts of the money-paying programs.
    pub cost_per_month: Decimal,
    /// Twelve times the monthly cost.
    pub cost_per_year: Decimal,
}

#[cfg(feature = "compiler")]
/// Caseload and cost for each of `values` of `parameter`, each applied
/// alone to `rules` as a reform, over one population (not rebuilt): one
/// line per program and one for all, per value, in order.
///
/// # Errors
/// A value that does not load, an evaluation error (the first failed
/// case's among them), or an [`Overflow`].
pub fn sweep(
    rules: &RuleSet,
    population: &Population,
    parameter: &str,
    values: &[String],
    as_of: Date,
    programs: Option<&[String]>,
    threads: usize,
) -> Result<Vec<SweepLine>, AnalysisError> {
    let mut lines = Vec::new();
    for value in values {
        let reformed = rules
            .reform(&Reform::new().set(parameter, value.clone()))
            .map_err(|e| AnalysisError::Reform(Box::new(e)))?;
        let result = decided(&reformed, population, as_of, programs, threads)?;
        let cases = result.evaluated.iter().filter(|&&e| e).count();
        for (program, eligible, cost) in caseload(&result, &|p| reformed.pays_money(p))? {
            lines.push(SweepLine {
                value: value.clone(),
                cost_per_year: yearly(cost, &program)?,
                program,
                cases,
                eligible,
                cost_per_month: cost,
            });
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::ALL;
    use crate::batch::Population;
    use crate::synthetic::District;

    fn setup() -> (RuleSet, Population, Vec<usize>, Date) {
        let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
        let as_of = Date::parse("2023-09-06").unwrap();
        let d = District::generate(300, 4, as_of);
        let (population, errors) = Population::build(
            &rules,
            "household",
            &d.households,
            Some(&d.members),
            "household_id",
            as_of,
        )
        .unwrap();
        assert!(errors.is_empty());
        let sizes = (0..population.len())
            .map(|i| population.member_count(i))
            .collect();
        (rules, population, sizes, as_of)
    }

    #[test]
    fn a_sweep_line_is_the_comparison_of_that_reform() {
        let (rules, pop, sizes, as_of) = setup();
        let lines = sweep(
            &rules,
            &pop,
            "dibao_standard",
            &["1045".into(), "1200".into()],
            as_of,
            None,
            2,
        )
        .unwrap();
        let all: Vec<&SweepLine> = lines.iter().filter(|l| l.program == ALL).collect();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|l| l.cases == 300));
        assert!(lines
            .iter()
            .all(|l| Some(l.cost_per_year) == l.cost_per_month.checked_mul(MONTHS)));
        let reform = rules
            .reform(&Reform::new().set("dibao_standard", "1200"))
            .unwrap();
        let c = compare_rule_sets(&rules, &reform, &pop, &sizes, as_of, None, 2).unwrap();
        let total = c.programs.last().unwrap();
        assert_eq!(total.program, ALL);
        assert_eq!(total.baseline_cost, all[0].cost_per_month);
        assert_eq!(total.reform_cost, all[1].cost_per_month);
        assert_eq!(total.reform_eligible, all[1].eligible);
        assert!(all[1].eligible > all[0].eligible);
    }

    #[test]
    fn stops_at_a_value_that_does_not_load_or_a_date_without_rules() {
        let (rules, pop, _, as_of) = setup();
        let e = sweep(
            &rules,
            &pop,
            "no_such_parameter",
            &["1".into()],
            as_of,
            None,
            1,
        )
        .unwrap_err();
        assert!(matches!(e, AnalysisError::Reform(_)));
        let early = Date::parse("2010-01-01").unwrap();
        let e = compare_rule_sets(&rules, &rules, &pop, &[], early, None, 1).unwrap_err();
        assert!(matches!(e, AnalysisError::Eval(_)), "{e}");
        assert_eq!(yearly(Decimal::MAX, "x"), Err(Overflow("x".into())));
    }
}
