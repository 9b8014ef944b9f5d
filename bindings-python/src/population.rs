//! `bangfu.Population`: many cases from Arrow tables, built once and
//! evaluated against any number of rule sets.
//!
//! Tables come in through the Arrow PyCapsule interface; reading the stream,
//! converting the columns ([`crate::arrow_in`]), building the core's
//! `Population` and every evaluation run with the interpreter released and
//! no per-row Python work. A population keeps the key column as given, so
//! results come back beside it without a copy.

use crate::arrow_in::{import, ImportError, Imported, Want};
use crate::arrow_out::result_batches;
use crate::convert::{date_arg, py_date};
use crate::errors::{arrow_error, catch, eval_error, guard, internal, row_errors};
use crate::rules::PyRuleSet;
use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table as PyArrowTable};
use arrow_schema::{ArrowError, Field, SchemaRef};
use bangfu::batch::{self, BatchResult, Population, RowError};
use bangfu::{Date, EvalError, InputError, RuleSet};
use pyo3::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// Cases ready to evaluate, validated once as of a date.
#[pyclass(frozen, module = "bangfu._bangfu", name = "Population")]
pub struct PyPopulation {
    pub(crate) inner: Population,
    pub(crate) entity: String,
    pub(crate) key_field: Option<Field>,
    pub(crate) key_chunks: Vec<ArrayRef>,
    pub(crate) errors: Vec<RowError>,
    pub(crate) error_keys: Vec<Option<String>>,
    /// Members per case (empty for entities without members).
    pub(crate) sizes: Vec<usize>,
    /// Nanoseconds: Arrow conversion, core build.
    pub(crate) timings: (u128, u128),
}

/// The number of threads batch evaluation uses.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn stream(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    let py = obj.py();
    if obj.hasattr("__arrow_c_stream__")? {
        return RecordBatchStreamReader::from_pyarrow_bound(obj);
    }
    // A dict of columns, a list of records…: whatever pyarrow can make a
    // table of.
    let table = py.import("pyarrow")?.getattr("table")?.call1((obj,))?;
    RecordBatchStreamReader::from_pyarrow_bound(&table)
}

/// Problems that stop a population from being built.
enum BuildError {
    Columns(&'static str, Vec<crate::arrow_in::ColumnProblem>),
    Arrow(ArrowError),
    Eval(EvalError),
}

struct Built {
    population: Population,
    /// Nanoseconds spent reading and converting the Arrow columns, and
    /// building the core's population.
    timings: (u128, u128),
    key_field: Option<Field>,
    key_chunks: Vec<ArrayRef>,
    errors: Vec<RowError>,
    error_keys: Vec<Option<String>>,
    sizes: Vec<usize>,
}

fn read(
    reader: RecordBatchStreamReader,
    table: &'static str,
    want: &dyn Fn(&str) -> Option<Want>,
    key: &str,
) -> Result<Imported, BuildError> {
    let fields: Vec<Field> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    import(&fields, reader, want, key).map_err(|e| match e {
        ImportError::Columns(p) => BuildError::Columns(table, p),
        ImportError::Arrow(e) => BuildError::Arrow(e),
    })
}

fn build(
    rules: &RuleSet,
    entity: &str,
    cases: RecordBatchStreamReader,
    members: Option<RecordBatchStreamReader>,
    key: &str,
    as_of: Date,
) -> Result<Built, BuildError> {
    let plan = rules.compiled_plan();
    let e = rules.entity(entity).map_err(BuildError::Eval)?;
    let ent = &plan.entities[e];
    let case_want = |name: &str| {
        ent.inputs
            .iter()
            .find(|i| i.name == name)
            .map(|i| Want::of(&i.ty))
    };
    let member_want = |name: &str| {
        ent.collections
            .iter()
            .filter_map(|c| plan.entities.get(c.entity))
            .flat_map(|m| m.inputs.iter())
            .find(|i| i.name == name)
            .map(|i| Want::of(&i.ty))
    };
    let start = Instant::now();
    let cases = read(cases, "households", &case_want, key)?;
    let members = members
        .map(|m| read(m, "members", &member_want, key))
        .transpose()?;
    let converted = Instant::now();
    let (population, errors) = Population::build(
        rules,
        entity,
        &cases.table,
        members.as_ref().map(|m| &m.table),
        key,
        as_of,
    )
    .map_err(BuildError::Eval)?;
    let timings = (
        converted.duration_since(start).as_nanos(),
        converted.elapsed().as_nanos(),
    );
    let case_keys = cases.table.column(key);
    let member_keys = members.as_ref().and_then(|m| m.table.column(key));
    let error_keys = errors
        .iter()
        .map(|err| match (err.household, err.table) {
            (Some(h), _) => case_keys.and_then(|c| c.key(h)),
            (None, "members") => member_keys.and_then(|c| c.key(err.row)),
            _ => None,
        })
        .collect();
    let sizes = if ent.collections.is_empty() {
        Vec::new()
    } else {
        (0..population.len())
            .map(|i| population.member_count(i))
            .collect()
    };
    Ok(Built {
        population,
        timings,
        key_field: cases.key_field,
        key_chunks: cases.key_chunks,
        errors,
        error_keys,
        sizes,
    })
}

fn column_errors(
    py: Python<'_>,
    table: &str,
    problems: &[crate::arrow_in::ColumnProblem],
) -> PyErr {
    let errors: Vec<InputError> = problems
        .iter()
        .map(|p| InputError {
            code: p.code,
            loc: format!("{table}.{}", p.column),
            msg: p.msg.clone(),
            input: p.input.clone(),
        })
        .collect();
    crate::errors::input_errors(py, &errors)
}

/// Builds a population (see `RuleSet.population`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_population(
    py: Python<'_>,
    rules: &Arc<RuleSet>,
    entity: &str,
    cases: &Bound<'_, PyAny>,
    members: Option<&Bound<'_, PyAny>>,
    key: &str,
    as_of: Date,
    raise: bool,
) -> PyResult<PyPopulation> {
    if members.is_some() {
        let e = rules.entity(entity).map_err(|e| eval_error(py, &e))?;
        if rules.compiled_plan().entities[e].collections.is_empty() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "`{entity}` cases have no members; pass members=None"
            )));
        }
    }
    let cases = stream(cases)?;
    let members = members.map(stream).transpose()?;
    let rules = rules.clone();
    let result = py.detach(|| catch(|| build(&rules, entity, cases, members, key, as_of)));
    let built = match result {
        Err(panic) => return Err(internal(py, &panic)),
        Ok(Err(BuildError::Columns(table, p))) => return Err(column_errors(py, table, &p)),
        Ok(Err(BuildError::Arrow(e))) => return Err(arrow_error(py, e)),
        Ok(Err(BuildError::Eval(e))) => return Err(eval_error(py, &e)),
        Ok(Ok(built)) => built,
    };
    if raise && !built.errors.is_empty() {
        return Err(row_errors(py, &built.errors, &built.error_keys));
    }
    Ok(PyPopulation {
        inner: built.population,
        entity: entity.to_string(),
        key_field: built.key_field,
        key_chunks: built.key_chunks,
        errors: built.errors,
        error_keys: built.error_keys,
        sizes: built.sizes,
        timings: built.timings,
    })
}

/// Which programs of a rule set pay money.
pub(crate) fn money_programs(rules: &RuleSet) -> impl Fn(&str) -> bool + '_ {
    move |name: &str| {
        let plan = rules.compiled_plan();
        plan.program_index(name)
            .and_then(|p| plan.programs[p].amount)
            .and_then(|c| plan.computeds.get(c))
            .is_some_and(|c| c.ty == bangfu::value::Type::Money)
    }
}

impl PyPopulation {
    /// Evaluates with the interpreter released.
    pub(crate) fn run(
        &self,
        py: Python<'_>,
        rules: &Arc<RuleSet>,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> PyResult<BatchResult> {
        let result =
            py.detach(|| catch(|| batch::evaluate(rules, &self.inner, as_of, programs, threads())));
        match result {
            Ok(Ok(r)) => {
                // One row per case in every column, or a worker thread failed:
                // never let a short column pass as fewer cases.
                let n = self.inner.len();
                let whole = r.evaluated.len() == n
                    && r.programs.iter().all(|p| {
                        p.eligible.len() == n && p.amount.as_ref().is_none_or(|a| a.len() == n)
                    });
                if whole {
                    Ok(r)
                } else {
                    Err(internal(
                        py,
                        "the batch result does not have one row per case",
                    ))
                }
            }
            Ok(Err(e)) => Err(eval_error(py, &e)),
            Err(panic) => Err(internal(py, &panic)),
        }
    }

    fn date_or_default(&self, date: Option<&Bound<'_, PyAny>>) -> PyResult<Date> {
        date.map(date_arg)
            .transpose()
            .map(|d| d.unwrap_or(self.inner.as_of()))
    }

    pub(crate) fn key(&self) -> Option<(&Field, &[ArrayRef])> {
        self.key_field
            .as_ref()
            .map(|f| (f, self.key_chunks.as_slice()))
    }
}

/// A pyarrow table from record batches.
pub(crate) fn to_pyarrow<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> PyResult<Bound<'py, PyAny>> {
    PyArrowTable::try_new(batches, schema)
        .map_err(|e| arrow_error(py, e))?
        .into_pyarrow(py)
}

#[pymethods]
impl PyPopulation {
    /// Evaluates every valid case against `rules` as of `date` (the
    /// population's date by default), returning a `pyarrow.Table`: the key
    /// column (or `row`), `error`, and `<program>.eligible` and
    /// `<program>.amount` (exact decimals) per program. Cases not evaluated
    /// have nulls and an error code. With `errors="raise"` (the default) a
    /// case that fails to evaluate raises `EvaluationError`.
    #[pyo3(signature = (rules, date = None, programs = None, errors = "raise"))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        rules: &PyRuleSet,
        date: Option<&Bound<'py, PyAny>>,
        programs: Option<Vec<String>>,
        errors: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let raise = match errors {
                "raise" => true,
                "collect" => false,
                other => {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "errors must be \"raise\" or \"collect\", not {other:?}"
                    )))
                }
            };
            let as_of = self.date_or_default(date)?;
            let result = self.run(py, &rules.inner, as_of, programs.as_deref())?;
            if raise {
                if let Some((_, e)) = result.errors.first() {
                    return Err(eval_error(py, e));
                }
            }
            let money = money_programs(&rules.inner);
            let flags: Vec<bool> = result.programs.iter().map(|p| money(&p.program)).collect();
            let (schema, batches) = py
                .detach(|| {
                    catch(|| result_batches(&result, self.inner.valid(), &flags, self.key()))
                })
                .map_err(|p| internal(py, &p))?
                .map_err(|e| arrow_error(py, e))?;
            to_pyarrow(py, schema, batches)
        })
    }

    /// The problems found in the rows, as a `pyarrow.Table` with columns
    /// `table` (`households` or `members`), `row`, `household` (its key),
    /// `loc` (field path), `code` and `message`. Empty when every row is
    /// valid.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let mut table = StringBuilder::new();
            let mut row = Int64Builder::new();
            let mut household = StringBuilder::new();
            let mut loc = StringBuilder::new();
            let mut code = StringBuilder::new();
            let mut message = StringBuilder::new();
            for (e, k) in self.errors.iter().zip(&self.error_keys) {
                table.append_value(e.table);
                row.append_value(i64::try_from(e.row).unwrap_or(i64::MAX));
                household.append_option(k.as_deref());
                loc.append_value(&e.loc);
                code.append_value(e.code);
                message.append_value(&e.msg);
            }
            let batch = RecordBatch::try_from_iter([
                ("table", Arc::new(table.finish()) as ArrayRef),
                ("row", Arc::new(row.finish())),
                ("household", Arc::new(household.finish())),
                ("loc", Arc::new(loc.finish())),
                ("code", Arc::new(code.finish())),
                ("message", Arc::new(message.finish())),
            ])
            .map_err(|e| arrow_error(py, e))?;
            to_pyarrow(py, batch.schema(), vec![batch])
        })
    }

    /// The entity of the cases.
    #[getter]
    fn entity(&self) -> &str {
        &self.entity
    }

    /// The date the rows were checked for.
    #[getter]
    fn date<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_date(py, self.inner.as_of())
    }

    /// Where building took its time, in seconds: `convert` (reading the
    /// Arrow stream into columns) and `build` (checking every cell and
    /// laying out the cases), for benchmarks.
    #[getter]
    fn timings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let d = pyo3::types::PyDict::new(py);
        let seconds = |ns: u128| {
            std::time::Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX)).as_secs_f64()
        };
        d.set_item("convert", seconds(self.timings.0))?;
        d.set_item("build", seconds(self.timings.1))?;
        Ok(d)
    }

    /// Number of cases that passed input validation.
    #[getter]
    fn valid_count(&self) -> usize {
        self.inner.valid().iter().filter(|&&v| v).count()
    }

    /// Number of cases with input errors (not evaluated).
    #[getter]
    fn invalid_count(&self) -> usize {
        self.inner.valid().iter().filter(|&&v| !v).count()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            Ok(format!(
                "<Population of {} {} cases as of {} ({} invalid)>",
                self.inner.len(),
                self.entity,
                self.inner.as_of(),
                self.invalid_count()
            ))
        })
    }
}
