//! `compare`, `sweep` and the synthetic district, for Python.
//!
//! The core evaluates, compares and sums ([`bangfu::sweep`]) and writes the
//! tables ([`bangfu::arrow`]) with the interpreter released; this converts
//! arguments and hands the tables to pyarrow.

use crate::convert::override_text;
use crate::convert::{date_arg, programs_arg, py_date, text_arg};
use crate::errors::{analysis_error, arrow_error, eval_error, guard, input_errors, released};
use crate::population::{threads, to_pyarrow, PyPopulation};
use crate::rules::PyRuleSet;
use crate::to_py;
use bangfu::analysis::sweep::{compare_rule_sets, sweep as sweep_values};
use bangfu::arrow::compare::sweep_batch;
use bangfu::arrow::synthetic;
use bangfu::synthetic::reference_date;
use bangfu::Date;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Compares two rule sets over one population as of `date` (the
/// population's date by default). Returns a dict: `programs` (a
/// `pyarrow.Table` per program and `(all)`), `by_size` (the same per
/// household size), `households` (per case: totals before and after),
/// `skipped`, `date`, `baseline` and `reform` (rule-set stamps).
#[pyfunction]
#[pyo3(signature = (baseline, reform, population, date = None, programs = None))]
pub(crate) fn compare<'py>(
    py: Python<'py>,
    baseline: &PyRuleSet,
    reform: &PyRuleSet,
    population: &PyPopulation,
    date: Option<&Bound<'py, PyAny>>,
    programs: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let programs = programs_arg(programs)?;
        let as_of = population.date_or_default(date)?;
        let (pop, base, after) = (&population.inner, &*baseline.inner, &*reform.inner);
        let work = || {
            let p = programs.as_deref();
            compare_rule_sets(base, after, &pop.cases, &pop.sizes, as_of, p, threads())
        };
        let c = released(py, work, analysis_error)?;
        let t = released(py, || pop.comparison(&c), arrow_error)?;
        let d = PyDict::new(py);
        d.set_item(
            "programs",
            to_pyarrow(py, t.programs.schema(), vec![t.programs])?,
        )?;
        d.set_item(
            "by_size",
            to_pyarrow(py, t.by_size.schema(), vec![t.by_size])?,
        )?;
        d.set_item("households", to_pyarrow(py, t.cases.0, t.cases.1)?)?;
        d.set_item("skipped", c.skipped)?;
        d.set_item("date", py_date(py, as_of)?)?;
        d.set_item("baseline", to_py(py, &base.stamp())?)?;
        d.set_item("reform", to_py(py, &after.stamp())?)?;
        Ok(d)
    })
}

/// Caseload and cost for each value of one parameter: a `pyarrow.Table` with
/// `value`, `program` (and `(all)`), `cases` (evaluated), `eligible`,
/// `cost_per_month` and `cost_per_year`. The population is not rebuilt.
#[pyfunction]
#[pyo3(signature = (rules, population, parameter, values, date = None, programs = None))]
pub(crate) fn sweep<'py>(
    py: Python<'py>,
    rules: &PyRuleSet,
    population: &PyPopulation,
    parameter: &Bound<'py, PyAny>,
    values: &Bound<'py, PyAny>,
    date: Option<&Bound<'py, PyAny>>,
    programs: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let programs = programs_arg(programs)?;
        let parameter = text_arg(parameter, "parameter")?;
        let parameter = parameter.as_str();
        let as_of = population.date_or_default(date)?;
        let mut texts = Vec::new();
        let mut refused = Vec::new();
        for v in values.try_iter()? {
            match override_text(&v?, parameter)? {
                Ok(text) => texts.push(text),
                Err(e) => refused.push(e),
            }
        }
        if !refused.is_empty() {
            return Err(input_errors(py, &refused));
        }
        let (rules, cases) = (&*rules.inner, &population.inner.cases);
        let work = || {
            let p = programs.as_deref();
            sweep_values(rules, cases, parameter, &texts, as_of, p, threads())
        };
        let lines = released(py, work, analysis_error)?;
        let batch = released(py, || sweep_batch(&lines), arrow_error)?;
        to_pyarrow(py, batch.schema(), vec![batch])
    })
}

/// A deterministic synthetic district: `(households, members)` as pyarrow
/// tables with exact decimal money.
#[pyfunction]
#[pyo3(signature = (n_households, seed = 0, as_of = None))]
pub(crate) fn synthetic_district<'py>(
    py: Python<'py>,
    n_households: usize,
    seed: u64,
    as_of: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    guard(py, || {
        let as_of = synthetic_date(as_of)?;
        let work = || synthetic::district(n_households, seed, as_of);
        let d = released(py, work, arrow_error)?;
        Ok((
            to_pyarrow(py, d.households.schema(), vec![d.households])?,
            to_pyarrow(py, d.members.schema(), vec![d.members])?,
        ))
    })
}

/// Deterministic synthetic meal records as a pyarrow table.
#[pyfunction]
#[pyo3(signature = (n_meals, seed = 0, as_of = None))]
pub(crate) fn synthetic_meals<'py>(
    py: Python<'py>,
    n_meals: usize,
    seed: u64,
    as_of: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let as_of = synthetic_date(as_of)?;
        let b = released(py, || synthetic::meals(n_meals, seed, as_of), arrow_error)?;
        to_pyarrow(py, b.schema(), vec![b])
    })
}

/// The date given, or the synthetic data's reference date.
fn synthetic_date(as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Date> {
    let bad = || {
        PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(
            "the synthetic data's reference date is not a date",
        )
    };
    as_of
        .map(date_arg)
        .transpose()?
        .or_else(reference_date)
        .ok_or_else(bad)
}

/// Evaluates a population and returns only the batch result (for
/// benchmarks: no table is built). Returns the number of cases evaluated.
#[pyfunction]
#[pyo3(signature = (rules, population, date = None, programs = None))]
#[pyo3(name = "_evaluate_count")]
pub(crate) fn evaluate_count(
    py: Python<'_>,
    rules: &PyRuleSet,
    population: &PyPopulation,
    date: Option<&Bound<'_, PyAny>>,
    programs: Option<&Bound<'_, PyAny>>,
) -> PyResult<usize> {
    guard(py, || {
        let programs = programs_arg(programs)?;
        let as_of = population.date_or_default(date)?;
        let (pop, rules) = (&population.inner, &*rules.inner);
        let run = || pop.evaluate(rules, as_of, programs.as_deref(), threads());
        let r = released(py, run, |py, e| eval_error(py, &e))?;
        Ok(r.evaluated.iter().filter(|&&e| e).count())
    })
}
