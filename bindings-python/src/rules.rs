//! `bangfu.RuleSet`: loading, one-case evaluation, reforms.
//!
//! Each method converts its arguments, calls one core function and converts
//! the answer or the error back. Loading and reforms run with the
//! interpreter released; a case is microseconds of work and keeps it.

use crate::convert::{case_arg, date_arg, optional_text_arg, programs_arg, text_arg, to_json};
use crate::errors::{argument_type_error, load_error, reform_errors, unknown_name};
use crate::errors::{catch, core_error, eval_error, guard, input_errors, internal};
use crate::outcome::PyOutcome;
use crate::to_py;
use bangfu::{Error, Reform, RuleSet};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};
use std::path::PathBuf;
use std::sync::Arc;

/// A loaded, checked rule set. Immutable: a reform is a new `RuleSet`.
#[pyclass(frozen, module = "bangfu._bangfu", name = "RuleSet")]
pub struct PyRuleSet {
    pub(crate) inner: Arc<RuleSet>,
    /// The field names as Python strings, made once.
    pub(crate) keys: crate::case::Keys,
}

fn files_arg(files: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let bad = || {
        let got = files.repr().map_or_else(|_| "?".into(), |r| r.to_string());
        let message = format!("files: expected a mapping of file path to text, got {got}");
        argument_type_error(files.py(), "files", &message)
    };
    let mapping = files.cast::<PyMapping>().map_err(|_| bad())?;
    mapping.items()?.extract().map_err(|_| bad())
}

fn loaded(
    py: Python<'_>,
    result: Result<Result<RuleSet, Box<bangfu::LoadError>>, String>,
) -> PyResult<PyRuleSet> {
    match result {
        Ok(Ok(rules)) => Ok(PyRuleSet {
            inner: Arc::new(rules),
            keys: Default::default(),
        }),
        Ok(Err(e)) => Err(load_error(py, &e)),
        Err(panic) => Err(internal(py, &panic)),
    }
}

impl PyRuleSet {
    /// This rule set with `reform` applied, with the interpreter released.
    fn reformed(&self, py: Python<'_>, reform: Reform) -> PyResult<PyRuleSet> {
        let rules = self.inner.clone();
        match py.detach(|| catch(|| rules.reform(&reform))) {
            Ok(Ok(rules)) => Ok(PyRuleSet {
                inner: Arc::new(rules),
                keys: Default::default(),
            }),
            Ok(Err(Error::Reform(e))) => Err(reform_errors(py, &e)),
            Ok(Err(e)) => Err(core_error(py, &e)),
            Err(panic) => Err(internal(py, &panic)),
        }
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

    /// The content hash of the reform applied (`None` for the rules as
    /// published); the rule set's `hash` combines it with the rule files'.
    #[getter]
    fn reform_hash(&self) -> Option<String> {
        let reform = self.inner.applied_reform();
        (!reform.is_empty()).then(|| reform.hash())
    }

    /// The parameter overrides applied, in order: `{name: value}`.
    #[getter]
    fn overrides<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for o in self.inner.applied_reform().overrides() {
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
    fn programs(&self, py: Python<'_>, entity: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<&str>> {
        guard(py, || {
            let entity = optional_text_arg(entity, "entity")?;
            (self.inner.program_names(entity.as_deref())).map_err(|e| eval_error(py, &e))
        })
    }

    /// The value of a parameter in force on `date` (`None` when no version
    /// is in force).
    fn parameter<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        date: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let name = text_arg(name, "name")?;
            let as_of = date_arg(date)?;
            if !self.inner.is_parameter(&name) {
                let message = format!("`{name}` is not a parameter");
                return Err(unknown_name(py, &name, &message));
            }
            to_py(py, &self.inner.parameter_in_force(&name, as_of))
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
        entity: &Bound<'_, PyAny>,
        case: &Bound<'_, PyAny>,
        date: &Bound<'_, PyAny>,
        programs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        guard(py, || {
            let entity = text_arg(entity, "entity")?;
            let entity = entity.as_str();
            let programs = programs_arg(programs)?;
            let as_of = date_arg(date)?;
            let case = case_arg(py, self, entity, case, as_of, programs.as_deref())?;
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
            let mut errors = Vec::new();
            let mut json = to_json(overrides, "", &mut errors, 0)?;
            if !errors.is_empty() {
                return Err(input_errors(py, &errors));
            }
            if let (Some(from), Some(map)) = (from, json.as_object_mut()) {
                for v in map.values_mut() {
                    *v = serde_json::json!({"value": v.take(), "from": from.to_string()});
                }
            }
            let reform = Reform::from_json(&json).map_err(|e| reform_errors(py, &e))?;
            self.reformed(py, reform)
        })
    }

    /// A reform: this rule set with overlay files (`{path: text}`) whose
    /// items replace items of the same kind and name, checked again.
    fn with_overlay(&self, py: Python<'_>, files: &Bound<'_, PyAny>) -> PyResult<PyRuleSet> {
        guard(py, || {
            let reform = files_arg(files)?
                .into_iter()
                .fold(Reform::new(), |r, (path, text)| r.overlay(path, text));
            self.reformed(py, reform)
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
