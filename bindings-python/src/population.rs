//! `bangfu.Population`: many cases from Arrow tables, built once and
//! evaluated against any number of rule sets.
//!
//! Tables come in through the Arrow PyCapsule interface as record batch
//! streams, which the core reads ([`bangfu::arrow::Population`]): converting
//! the columns, building the population and every evaluation run with the
//! interpreter released and no per-row Python work. Results come back as
//! the core's record batches, beside the key column as given.

use crate::convert::{date_arg, optional_text_arg, programs_arg, py_date, text_arg};
use crate::errors::row_errors;
use crate::errors::{argument_error, arrow_error, build_error, eval_error, guard, released};
use crate::rules::PyRuleSet;
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table as PyArrowTable};
use arrow_schema::SchemaRef;
use bangfu::arrow::{MoneyFromFloat, Options, Population};
use bangfu::batch::BatchResult;
use bangfu::Date;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Cases ready to evaluate, validated once as of a date.
#[pyclass(frozen, module = "bangfu._bangfu", name = "Population")]
pub struct PyPopulation {
    pub(crate) inner: Population,
}

/// The number of threads batch evaluation uses.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `"raise"` or `"collect"`, as `errors=` takes them.
pub(crate) fn raise_arg(py: Python<'_>, errors: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    match optional_text_arg(errors, "errors")?.as_deref() {
        None | Some("raise") => Ok(true),
        Some("collect") => Ok(false),
        Some(other) => Err(argument_error(
            py,
            "errors",
            &format!("errors must be \"raise\" or \"collect\", not {other:?}"),
        )),
    }
}

/// A record batch stream of a table (anything with `__arrow_c_stream__`,
/// or what `pyarrow.table` takes).
pub(crate) fn stream(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    if obj.hasattr("__arrow_c_stream__")? {
        return RecordBatchStreamReader::from_pyarrow_bound(obj);
    }
    // A dict of columns, a list of records…: whatever pyarrow can make a
    // table of.
    let table = obj
        .py()
        .import("pyarrow")?
        .getattr("table")?
        .call1((obj,))?;
    RecordBatchStreamReader::from_pyarrow_bound(&table)
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

impl PyPopulation {
    /// Evaluates the population (the GIL released); the first error raised
    /// when asked.
    fn evaluated(
        &self,
        py: Python<'_>,
        rules: &PyRuleSet,
        date: Option<&Bound<'_, PyAny>>,
        programs: Option<&Bound<'_, PyAny>>,
        errors: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<BatchResult> {
        let raise = raise_arg(py, errors)?;
        let programs = programs_arg(programs)?;
        let as_of = self.date_or_default(date)?;
        let (pop, rules) = (&self.inner, &*rules.inner);
        let run = || pop.evaluate(rules, as_of, programs.as_deref(), threads());
        let result = released(py, run, |py, e| eval_error(py, &e))?;
        if let Some((_, e)) = result.errors.first().filter(|_| raise) {
            return Err(eval_error(py, e));
        }
        Ok(result)
    }

    /// The date given, or the population's.
    pub(crate) fn date_or_default(&self, date: Option<&Bound<'_, PyAny>>) -> PyResult<Date> {
        date.map(date_arg)
            .transpose()
            .map(|d| d.unwrap_or(self.inner.cases.as_of()))
    }
}

#[pymethods]
impl PyPopulation {
    /// Evaluates every valid case against `rules` as of `date` (the
    /// population's date by default), returning a `pyarrow.Table`: the key
    /// column (or `row`), `error`, and `<program>.eligible` and
    /// `<program>.amount` (exact decimals) per program. Cases not evaluated
    /// have nulls and an error code. With `errors="raise"` (the default) a
    /// case that fails to evaluate raises `EvaluationError`.
    #[pyo3(signature = (rules, date = None, programs = None, errors = None))]
    #[pyo3(text_signature = "(self, rules, date=None, programs=None, errors='raise')")]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        rules: &PyRuleSet,
        date: Option<&Bound<'py, PyAny>>,
        programs: Option<&Bound<'py, PyAny>>,
        errors: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let result = self.evaluated(py, rules, date, programs, errors)?;
            let (pop, rules) = (&self.inner, &*rules.inner);
            let (schema, batches) = released(py, || pop.results(rules, &result), arrow_error)?;
            to_pyarrow(py, schema, batches)
        })
    }

    /// Evaluates every valid case as `evaluate` does, with the programs of
    /// its members too (a person program named in `programs`, the parts
    /// of a program paid per member, member programs reading their
    /// household), in one pass over one build. Returns two
    /// `pyarrow.Table`s: the cases' (as `evaluate`), and the members' of
    /// `collection`, one row per member: the case's key, `member` (its
    /// place in the case, from 0), and `<program>.eligible` and
    /// `<program>.amount` per member program; members of a case not
    /// evaluated have nulls.
    #[pyo3(signature = (rules, date = None, programs = None, errors = None, collection = None))]
    #[pyo3(
        text_signature = "(self, rules, date=None, programs=None, errors='raise', collection='members')"
    )]
    fn evaluate_with_members<'py>(
        &self,
        py: Python<'py>,
        rules: &PyRuleSet,
        date: Option<&Bound<'py, PyAny>>,
        programs: Option<&Bound<'py, PyAny>>,
        errors: Option<&Bound<'py, PyAny>>,
        collection: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        guard(py, || {
            let collection = match collection {
                Some(c) => text_arg(c, "collection")?,
                None => "members".to_string(),
            };
            let result = self.evaluated(py, rules, date, programs, errors)?;
            let (pop, rules) = (&self.inner, &*rules.inner);
            let ((cs, cases), (ms, members)) = released(
                py,
                || pop.results_with_members(rules, &result, &collection),
                arrow_error,
            )?;
            Ok((to_pyarrow(py, cs, cases)?, to_pyarrow(py, ms, members)?))
        })
    }

    /// The problems found in the rows, as a `pyarrow.Table` with columns
    /// `table` (`households` or `members`), `row`, `household` (its key),
    /// `loc` (field path), `code` and `message`. Empty when every row is
    /// valid.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let batch = self.inner.errors_batch().map_err(|e| arrow_error(py, e))?;
            to_pyarrow(py, batch.schema(), vec![batch])
        })
    }

    /// The entity of the cases.
    #[getter]
    fn entity(&self) -> &str {
        &self.inner.entity
    }

    /// The date the rows were checked for.
    #[getter]
    fn date<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_date(py, self.inner.cases.as_of())
    }

    /// Where building took its time, in seconds: `convert` (reading the
    /// Arrow stream into columns) and `build` (checking every cell and
    /// laying out the cases), for benchmarks.
    #[getter]
    fn timings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("convert", self.inner.timings.convert.as_secs_f64())?;
        d.set_item("build", self.inner.timings.build.as_secs_f64())?;
        Ok(d)
    }

    /// Number of cases that passed input validation.
    #[getter]
    fn valid_count(&self) -> usize {
        self.inner.cases.valid().iter().filter(|&&v| v).count()
    }

    /// Number of cases with input errors (not evaluated).
    #[getter]
    fn invalid_count(&self) -> usize {
        self.inner.cases.valid().iter().filter(|&&v| !v).count()
    }

    fn __len__(&self) -> usize {
        self.inner.cases.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Population of {} {} cases as of {} ({} invalid)>",
            self.inner.cases.len(),
            self.inner.entity,
            self.inner.cases.as_of(),
            self.invalid_count()
        )
    }
}

// `RuleSet.population` lives beside the population it builds, so that the
// rule set's module does not depend on this one.
#[pymethods]
impl PyRuleSet {
    /// Builds a population of `entity` from Arrow-compatible tables (pyarrow,
    /// pandas, polars, DuckDB: anything with `__arrow_c_stream__`): `cases`,
    /// and for households `members`, linked by the `key` column, or, without
    /// `members`, a `members` column of the cases table holding each
    /// household's members as a list of structs. Rows are checked as
    /// of `date`. With `errors="raise"` any bad row raises `InputError`;
    /// with `"collect"` bad rows are listed in `Population.errors` and are
    /// not evaluated. Money columns of floats are refused unless
    /// `money_from_float="round_to_fen"`: then each float is read as the
    /// nearest fen when its shortest decimal text is within 0.000001 yuan
    /// of one, and other rows are row errors. With `programs`, the
    /// population is for those programs: an input they do not read may be
    /// left out (no column, or empty cells), and evaluating programs that
    /// read one left out raises `EvaluationError` (`population_mismatch`).
    #[pyo3(signature = (cases, members = None, *, date, key = None, entity = None, errors = None, money_from_float = None, programs = None))]
    #[pyo3(
        text_signature = "(self, cases, members=None, *, date, key='household_id', entity='household', errors='raise', money_from_float=None, programs=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn population(
        &self,
        py: Python<'_>,
        cases: &Bound<'_, PyAny>,
        members: Option<&Bound<'_, PyAny>>,
        date: &Bound<'_, PyAny>,
        key: Option<&Bound<'_, PyAny>>,
        entity: Option<&Bound<'_, PyAny>>,
        errors: Option<&Bound<'_, PyAny>>,
        money_from_float: Option<&Bound<'_, PyAny>>,
        programs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPopulation> {
        guard(py, || {
            let raise = raise_arg(py, errors)?;
            let programs = programs_arg(programs)?;
            let options = Options {
                programs: programs.as_deref(),
                money_from_float: match optional_text_arg(money_from_float, "money_from_float")?
                    .as_deref()
                {
                    None => MoneyFromFloat::Refuse,
                    Some("round_to_fen") => MoneyFromFloat::RoundToFen,
                    Some(other) => {
                        return Err(argument_error(
                            py,
                            "money_from_float",
                            &format!(
                                "money_from_float must be None or \"round_to_fen\", not {other:?}"
                            ),
                        ))
                    }
                },
            };
            let key = optional_text_arg(key, "key")?.unwrap_or_else(|| "household_id".into());
            let entity = optional_text_arg(entity, "entity")?.unwrap_or_else(|| "household".into());
            let (key, entity) = (key.as_str(), entity.as_str());
            let as_of = date_arg(date)?;
            let (cases, members) = (stream(cases)?, members.map(stream).transpose()?);
            let rules = &*self.inner;
            // Without a members table, the members of a household are the
            // `list<struct>` column of the cases table.
            let nested = members.is_none() && rules.has_members(entity).unwrap_or(false);
            let read = || match nested {
                true => Population::read_nested_with(rules, entity, cases, key, as_of, options),
                false => Population::read_with(rules, entity, cases, members, key, as_of, options),
            };
            let inner = released(py, read, build_error)?;
            if raise && !inner.errors.is_empty() {
                return Err(row_errors(py, &inner.errors, &inner.error_keys));
            }
            Ok(PyPopulation { inner })
        })
    }
}
