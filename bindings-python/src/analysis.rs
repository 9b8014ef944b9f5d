//! `compare`, `sweep` and the synthetic district, for Python.
//!
//! Evaluation and aggregation ([`crate::analysis::compare`]) run with the interpreter
//! released; the results come back as pyarrow tables with exact decimals.

use crate::arrow_out::{amount_type, decimal_array, first_field, spans, AmountType};
use crate::convert::{date_arg, py_date};
use crate::errors::{arrow_error, catch, eval_error, guard, input_errors, internal, load_error};
use crate::population::{money_programs, to_pyarrow, PyPopulation};
use crate::rules::{one_override, PyRuleSet};
use crate::synthetic;
use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use bangfu::analysis::compare::{caseload, compare as compare_results, Change, Comparison};
use bangfu::batch::BatchResult;
use bangfu::{Date, Decimal, RuleSet};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

const MONTHS: Decimal = Decimal::from_parts(12, 0, 0, false, 0);

fn year(d: Decimal) -> Result<Decimal, ArrowError> {
    d.checked_mul(MONTHS)
        .ok_or_else(|| ArrowError::ComputeError(format!("{d} × 12 overflows")))
}

fn money_col(values: &[Decimal]) -> Result<ArrayRef, ArrowError> {
    let opts: Vec<Option<Decimal>> = values.iter().copied().map(Some).collect();
    decimal_array(opts.iter().copied(), amount_type(&opts, true))
}

fn int_col(values: impl Iterator<Item = usize>) -> ArrayRef {
    Arc::new(arrow_array::Int64Array::from_iter_values(
        values.map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
    ))
}

fn changes_batch(rows: &[Change], with_size: bool) -> Result<RecordBatch, ArrowError> {
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    if with_size {
        columns.push(("members", int_col(rows.iter().map(|c| c.size.unwrap_or(0)))));
    }
    let mut program = StringBuilder::new();
    for c in rows {
        program.append_value(&c.program);
    }
    columns.push(("program", Arc::new(program.finish())));
    columns.push(("cases", int_col(rows.iter().map(|c| c.cases))));
    columns.push((
        "baseline_eligible",
        int_col(rows.iter().map(|c| c.baseline_eligible)),
    ));
    columns.push((
        "reform_eligible",
        int_col(rows.iter().map(|c| c.reform_eligible)),
    ));
    columns.push((
        "newly_eligible",
        int_col(rows.iter().map(|c| c.newly_eligible)),
    ));
    columns.push((
        "no_longer_eligible",
        int_col(rows.iter().map(|c| c.no_longer_eligible)),
    ));
    columns.push(("gainers", int_col(rows.iter().map(|c| c.gainers))));
    columns.push(("losers", int_col(rows.iter().map(|c| c.losers))));
    let pick = |f: fn(&Change) -> Decimal| rows.iter().map(f).collect::<Vec<_>>();
    columns.push(("total_gain", money_col(&pick(|c| c.total_gain))?));
    columns.push(("total_loss", money_col(&pick(|c| c.total_loss))?));
    columns.push((
        "baseline_cost_per_month",
        money_col(&pick(|c| c.baseline_cost))?,
    ));
    columns.push((
        "reform_cost_per_month",
        money_col(&pick(|c| c.reform_cost))?,
    ));
    let change: Vec<Decimal> = rows
        .iter()
        .map(|c| {
            c.cost_change()
                .ok_or_else(|| ArrowError::ComputeError("cost change overflows".into()))
        })
        .collect::<Result<_, _>>()?;
    let yearly: Vec<Decimal> = change.iter().map(|&d| year(d)).collect::<Result<_, _>>()?;
    columns.push(("cost_per_month", money_col(&change)?));
    columns.push(("cost_per_year", money_col(&yearly)?));
    RecordBatch::try_from_iter(columns)
}

fn households_batches(
    c: &Comparison,
    pop: &PyPopulation,
) -> Result<(Arc<Schema>, Vec<RecordBatch>), ArrowError> {
    let key = pop.key();
    let n = c.cases.len();
    let pick = |f: fn(&bangfu::analysis::compare::CaseChange) -> Decimal| -> Vec<Option<Decimal>> {
        c.cases.iter().map(|x| x.as_ref().map(f)).collect()
    };
    let base = pick(|x| x.baseline);
    let reform = pick(|x| x.reform);
    let change: Vec<Option<Decimal>> = c
        .cases
        .iter()
        .map(|x| x.as_ref().and_then(|x| x.reform.checked_sub(x.baseline)))
        .collect();
    let types: Vec<AmountType> = [&base, &reform, &change]
        .iter()
        .map(|v| amount_type(v, true))
        .collect();
    let mut fields = vec![first_field(key)];
    let with_size = !pop.sizes.is_empty();
    if with_size {
        fields.push(Field::new("members", DataType::Int64, false));
    }
    fields.push(Field::new("baseline_eligible", DataType::Boolean, true));
    fields.push(Field::new("reform_eligible", DataType::Boolean, true));
    for (name, t) in ["baseline", "reform", "change"].iter().zip(&types) {
        fields.push(Field::new(
            *name,
            DataType::Decimal128(t.precision, t.scale),
            true,
        ));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut batches = Vec::new();
    for (start, end, first) in spans(key, n) {
        let mut columns: Vec<ArrayRef> = vec![first];
        if with_size {
            columns.push(int_col(
                (start..end).map(|i| pop.sizes.get(i).copied().unwrap_or(0)),
            ));
        }
        for which in [true, false] {
            let mut b = BooleanBuilder::new();
            for x in &c.cases[start..end] {
                b.append_option(x.as_ref().map(|x| {
                    if which {
                        x.baseline_eligible
                    } else {
                        x.reform_eligible
                    }
                }));
            }
            columns.push(Arc::new(b.finish()));
        }
        for (values, t) in [&base, &reform, &change].iter().zip(&types) {
            columns.push(decimal_array(values[start..end].iter().copied(), *t)?);
        }
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok((schema, batches))
}

fn stamp<'py>(py: Python<'py>, rules: &RuleSet) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", rules.id())?;
    d.set_item("version", rules.version())?;
    d.set_item("hash", rules.hash())?;
    Ok(d)
}

fn no_row_errors(py: Python<'_>, result: &BatchResult) -> PyResult<()> {
    match result.errors.first() {
        Some((_, e)) => Err(eval_error(py, e)),
        None => Ok(()),
    }
}

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
    programs: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    guard(py, || {
        let as_of = match date {
            Some(d) => date_arg(d)?,
            None => population.inner.as_of(),
        };
        let programs = programs.as_deref();
        let before = population.run(py, &baseline.inner, as_of, programs)?;
        no_row_errors(py, &before)?;
        let after = population.run(py, &reform.inner, as_of, programs)?;
        no_row_errors(py, &after)?;
        let (base_rules, reform_rules) = (&baseline.inner, &reform.inner);
        let work = || -> Result<_, String> {
            let base_money = money_programs(base_rules);
            let reform_money = money_programs(reform_rules);
            let money = |p: &str| base_money(p) || reform_money(p);
            let c = compare_results(&before, &after, &money, &population.sizes)
                .map_err(|o| format!("a sum of `{}` overflows", o.0))?;
            let by_program = changes_batch(&c.programs, false).map_err(|e| e.to_string())?;
            let by_size = changes_batch(&c.by_size, true).map_err(|e| e.to_string())?;
            let households = households_batches(&c, population).map_err(|e| e.to_string())?;
            Ok((c.skipped, by_program, by_size, households))
        };
        let (skipped, by_program, by_size, (schema, households)) = py
            .detach(|| catch(work))
            .map_err(|p| internal(py, &p))?
            .map_err(|e| arrow_error(py, e))?;
        let d = PyDict::new(py);
        d.set_item(
            "programs",
            to_pyarrow(py, by_program.schema(), vec![by_program])?,
        )?;
        d.set_item("by_size", to_pyarrow(py, by_size.schema(), vec![by_size])?)?;
        d.set_item("households", to_pyarrow(py, schema, households)?)?;
        d.set_item("skipped", skipped)?;
        d.set_item("date", py_date(py, as_of)?)?;
        d.set_item("baseline", stamp(py, &baseline.inner)?)?;
        d.set_item("reform", stamp(py, &reform.inner)?)?;
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
    parameter: &str,
    values: &Bound<'py, PyAny>,
    date: Option<&Bound<'py, PyAny>>,
    programs: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let as_of = match date {
            Some(d) => date_arg(d)?,
            None => population.inner.as_of(),
        };
        let mut overrides = Vec::new();
        let mut refused = Vec::new();
        for v in values.try_iter()? {
            match one_override(&v?, parameter)? {
                Ok(o) => overrides.push(o),
                Err(e) => refused.push(e),
            }
        }
        if !refused.is_empty() {
            return Err(input_errors(py, &refused));
        }
        let mut value_col = StringBuilder::new();
        let mut program_col = StringBuilder::new();
        let mut cases = Int64Builder::new();
        let mut eligible = Int64Builder::new();
        let mut monthly = Vec::new();
        for o in overrides {
            let base = rules.inner.clone();
            let text = o.value.clone();
            let reformed = py
                .detach(|| catch(|| base.with_overrides(&[o])))
                .map_err(|p| internal(py, &p))?
                .map_err(|e| load_error(py, &e))?;
            let reformed = Arc::new(reformed);
            let result = population.run(py, &reformed, as_of, programs.as_deref())?;
            no_row_errors(py, &result)?;
            let evaluated = result.evaluated.iter().filter(|&&e| e).count();
            let money = money_programs(&reformed);
            let lines = caseload(&result, &money)
                .map_err(|o| arrow_error(py, format!("a sum of `{}` overflows", o.0)))?;
            for (program, count, cost) in lines {
                value_col.append_value(&text);
                program_col.append_value(&program);
                cases.append_value(i64::try_from(evaluated).unwrap_or(i64::MAX));
                eligible.append_value(i64::try_from(count).unwrap_or(i64::MAX));
                monthly.push(cost);
            }
        }
        let yearly: Vec<Decimal> = monthly
            .iter()
            .map(|&d| year(d))
            .collect::<Result<_, _>>()
            .map_err(|e| arrow_error(py, e))?;
        let batch = RecordBatch::try_from_iter([
            ("value", Arc::new(value_col.finish()) as ArrayRef),
            ("program", Arc::new(program_col.finish())),
            ("cases", Arc::new(cases.finish())),
            ("eligible", Arc::new(eligible.finish())),
            (
                "cost_per_month",
                money_col(&monthly).map_err(|e| arrow_error(py, e))?,
            ),
            (
                "cost_per_year",
                money_col(&yearly).map_err(|e| arrow_error(py, e))?,
            ),
        ])
        .map_err(|e| arrow_error(py, e))?;
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
        let d = py
            .detach(|| catch(|| synthetic::district(n_households, seed, as_of)))
            .map_err(|p| internal(py, &p))?
            .map_err(|e| arrow_error(py, e))?;
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
        let b = py
            .detach(|| catch(|| synthetic::meals(n_meals, seed, as_of)))
            .map_err(|p| internal(py, &p))?
            .map_err(|e| arrow_error(py, e))?;
        to_pyarrow(py, b.schema(), vec![b])
    })
}

fn synthetic_date(as_of: Option<&Bound<'_, PyAny>>) -> PyResult<Date> {
    match as_of {
        Some(d) => date_arg(d),
        None => Date::from_ymd(2023, 9, 6)
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("bad default date")),
    }
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
    programs: Option<Vec<String>>,
) -> PyResult<usize> {
    guard(py, || {
        let as_of = match date {
            Some(d) => date_arg(d)?,
            None => population.inner.as_of(),
        };
        let r = population.run(py, &rules.inner, as_of, programs.as_deref())?;
        Ok(r.evaluated.iter().filter(|&&e| e).count())
    })
}
