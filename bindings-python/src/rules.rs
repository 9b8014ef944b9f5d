//! `bangfu.RuleSet`: loading, one-case evaluation, reforms.
//!
//! Each method converts its arguments, calls one core function and converts
//! the answer or the error back. Loading and reforms run with the
//! interpreter released; a case is microseconds of work and keeps it.

use crate::convert::{date_arg, override_text, to_json};
use crate::errors::{build_error, catch, core_error, eval_error, guard, input_errors, internal};
use crate::errors::{load_error, released, row_errors};
use crate::outcome::PyOutcome;
use crate::population::{raise_arg, stream, PyPopulation};
use crate::to_py;
use bangfu::arrow::Population;
use bangfu::{Error, InputError, Override, RuleSet};
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};
use std::path::PathBuf;
use std::sync::Arc;

/// A loaded, checked rule set. Immutable: a reform is a new `RuleSet`.
#[pyclass(frozen, module = "bangfu._bangfu", name = "RuleSet")]
pub struct PyRuleSet {
    pub(crate) inner: Arc<RuleSet>,
}

fn files_arg(files: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    files.cast::<PyMapping>()?.items()?.extract()
}

fn loaded(
    py: Python<'_>,
    result: Result<Result<RuleSet, Box<bangfu::LoadError>>, String>,
) -> PyResult<PyRuleSet> {
    match result {
        Ok(Ok(rules)) => Ok(PyRuleSet {
            inner: Arc::new(rules),
        }),
        Ok(Err(e)) => Err(load_error(py, &e)),
        Err(panic) => Err(internal(py, &panic)),
    }
}

#[pymethods]
impl PyRuleSet {
    /// Loads the rule set in a folder (every `.toml` file under it).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyRuleSet> {
        guard(py, || {
            let result = py.detach(|| catch(|| RuleSet::load_dir(&path)));
            loaded(py, result)
        })
    }

    /// Loads a rule set from in-memory files: `{path: text}`.
    #[staticmethod]
    fn from_files(py: Python<'_>, files: &Bound<'_, PyAny>) -> PyResult<PyRuleSet> {
        guard(py, || {
            let files = files_arg(files)?;
            let result = py.detach(|| catch(|| RuleSet::from_files(files)));
            loaded(py, result)
        })
    }

    /// The rule set's id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The rule set's version (`+reform` when overrides were applied).
    #[getter]
    fn version(&self) -> &str {
        self.inner.version()
    }

    /// SHA-256 of the rule files and overrides, `sha256:…`.
    #[getter]
    fn hash(&self) -> &str {
        self.inner.hash()
    }

    /// The parameter overrides applied, in order: `{name: value}`.
    #[getter]
    fn overrides<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for o in self.inner.overrides() {
            d.set_item(&o.name, &o.value)?;
        }
        Ok(d)
    }

    /// The entities cases can be of (`household`, `person`, `meal`…).
    #[getter]
    fn entities(&self) -> Vec<&str> {
        self.inner.entity_names()
    }

    /// The programs, optionally only those of one entity.
    #[pyo3(signature = (entity = None))]
    fn programs(&self, py: Python<'_>, entity: Option<&str>) -> PyResult<Vec<&str>> {
        guard(py, || {
            (self.inner.program_names(entity)).map_err(|e| eval_error(py, &e))
        })
    }

    /// The value of a parameter in force on `date` (`None` when no version
    /// is in force).
    fn parameter<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        date: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let as_of = date_arg(date)?;
            if !self.inner.is_parameter(name) {
                return Err(PyKeyError::new_err(format!("`{name}` is not a parameter")));
            }
            to_py(py, &self.inner.parameter_in_force(name, as_of))
        })
    }

    /// Evaluates one case of `entity` as of `date`. `case` is a dict (or a
    /// dataclass, or a pydantic model) of the entity's inputs, with money as
    /// `str`, `int` or `decimal.Decimal`, dates as `datetime.date` or text.
    /// `programs` limits the programs evaluated.
    #[pyo3(signature = (entity, case, date, programs = None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        entity: &str,
        case: &Bound<'_, PyAny>,
        date: &Bound<'_, PyAny>,
        programs: Option<Vec<String>>,
    ) -> PyResult<PyOutcome> {
        guard(py, || {
            let as_of = date_arg(date)?;
            let mut refused: Vec<InputError> = Vec::new();
            let json = to_json(case, "", &mut refused, 0)?;
            let parsed = self.inner.parse_case(entity, &json, as_of);
            let case = match parsed {
                Ok(c) if refused.is_empty() => c,
                Ok(_) => return Err(input_errors(py, &refused)),
                Err(Error::Input(mut errors)) => {
                    // A refused value was read as absent: its `missing` error
                    // is replaced by the binding's own.
                    errors.retain(|e| !refused.iter().any(|r| r.loc == e.loc));
                    refused.extend(errors);
                    return Err(input_errors(py, &refused));
                }
                Err(e) => return Err(core_error(py, &e)),
            };
            let outcome = self
                .inner
                .evaluate(&case, as_of, programs.as_deref())
                .map_err(|e| eval_error(py, &e))?;
            Ok(PyOutcome { inner: outcome })
        })
    }

    /// A reform: this rule set with parameter overrides (`{"dibao_standard":
    /// "1100"}`), checked again. Values are `str`, `int`, `Decimal`, `bool`
    /// or `date`, never `float`. With `from_date`, each value applies from
    /// that day; without, it replaces the parameter's whole history.
    #[pyo3(signature = (overrides, *, from_date = None))]
    fn reform(
        &self,
        py: Python<'_>,
        overrides: &Bound<'_, PyAny>,
        from_date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRuleSet> {
        guard(py, || {
            let from = from_date.map(date_arg).transpose()?;
            let list = overrides_arg(overrides, from)?;
            let rules = self.inner.clone();
            let result = py.detach(|| catch(|| rules.with_overrides(&list)));
            loaded(py, result)
        })
    }

    /// A reform: this rule set with overlay files (`{path: text}`) whose
    /// items replace items of the same kind and name, checked again.
    fn with_overlay(&self, py: Python<'_>, files: &Bound<'_, PyAny>) -> PyResult<PyRuleSet> {
        guard(py, || {
            let files = files_arg(files)?;
            let rules = self.inner.clone();
            let result = py.detach(|| catch(|| rules.with_overlay(files)));
            loaded(py, result)
        })
    }

    /// Builds a population of `entity` from Arrow-compatible tables (pyarrow,
    /// pandas, polars: anything with `__arrow_c_stream__`): `cases`, and for
    /// households `members`, linked by the `key` column. Rows are checked as
    /// of `date`. With `errors="raise"` any bad row raises `InputError`;
    /// with `"collect"` bad rows are listed in `Population.errors` and are
    /// not evaluated.
    #[pyo3(signature = (cases, members = None, *, date, key = "household_id", entity = "household", errors = "raise"))]
    #[allow(clippy::too_many_arguments)]
    fn population(
        &self,
        py: Python<'_>,
        cases: &Bound<'_, PyAny>,
        members: Option<&Bound<'_, PyAny>>,
        date: &Bound<'_, PyAny>,
        key: &str,
        entity: &str,
        errors: &str,
    ) -> PyResult<PyPopulation> {
        guard(py, || {
            let raise = raise_arg(errors)?;
            let as_of = date_arg(date)?;
            let (cases, members) = (stream(cases)?, members.map(stream).transpose()?);
            let rules = &*self.inner;
            let read = || Population::read(rules, entity, cases, members, key, as_of);
            let inner = released(py, read, build_error)?;
            if raise && !inner.errors.is_empty() {
                return Err(row_errors(py, &inner.errors, &inner.error_keys));
            }
            Ok(PyPopulation { inner })
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<RuleSet {} {} ({})>",
            self.inner.id(),
            self.inner.version(),
            self.inner.hash()
        )
    }
}

fn overrides_arg(
    overrides: &Bound<'_, PyAny>,
    from: Option<bangfu::Date>,
) -> PyResult<Vec<Override>> {
    let py = overrides.py();
    let mapping = overrides.cast::<PyMapping>()?;
    let mut list = Vec::new();
    let mut refused = Vec::new();
    for item in mapping.items()?.iter() {
        let (name, value): (String, Bound<'_, PyAny>) = item.extract()?;
        match override_text(&value, &name)? {
            Ok(text) => list.push(Override {
                name,
                value: text,
                from,
            }),
            Err(e) => refused.push(e),
        }
    }
    if !refused.is_empty() {
        return Err(input_errors(py, &refused));
    }
    Ok(list)
}

/// One override, for sweeps.
pub(crate) fn one_override(
    value: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<Result<Override, InputError>> {
    Ok(override_text(value, name)?.map(|text| Override {
        name: name.to_string(),
        value: text,
        from: None,
    }))
}
