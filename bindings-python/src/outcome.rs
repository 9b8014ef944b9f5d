//! `bangfu.Outcome`: one case's answer, read through the core's `Outcome`.
//!
//! Every dict and value comes from the core's serializer ([`to_py`]): the
//! same keys and order as the JSON the CLI prints, with money as `Decimal`
//! and dates as `datetime.date`. The rendering of explanations and the key
//! look-up are the core's.

use crate::convert::{optional_text_arg, py_date, text_arg};
use crate::errors::{argument_error, bangfu_error, guard, unknown_name};
use crate::to_py;
use bangfu::outcome::ProgramOutcome;
use bangfu::Lang;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The outcome of one case on one date: eligibility, amounts, the values and
/// conditions behind them, the parameters and assumptions used, and the rule
/// set that decided.
#[pyclass(frozen, module = "bangfu._bangfu", name = "Outcome")]
pub struct PyOutcome {
    pub(crate) inner: bangfu::Outcome,
}

impl PyOutcome {
    fn program(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<&ProgramOutcome> {
        let name = text_arg(name, "program")?;
        self.inner.program(&name).ok_or_else(|| {
            let evaluated: Vec<&str> = self.inner.programs.iter().map(|p| &*p.program).collect();
            unknown_name(
                py,
                &name,
                &format!(
                    "`{name}` was not evaluated; the outcome has {}",
                    evaluated.join(", ")
                ),
            )
        })
    }

    /// `{program: <field> of its dict}`.
    fn per_program<'py>(&self, py: Python<'py>, field: &str) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let d = PyDict::new(py);
            for p in &self.inner.programs {
                d.set_item(&*p.program, to_py(py, p)?.get_item(field)?)?;
            }
            Ok(d)
        })
    }
}

#[pymethods]
impl PyOutcome {
    /// Whether every condition of `program` holds.
    fn eligible(&self, py: Python<'_>, program: &Bound<'_, PyAny>) -> PyResult<bool> {
        guard(py, || Ok(self.program(py, program)?.eligible))
    }

    /// The amount of `program` as a `Decimal` (zero when not eligible), or
    /// `None` for a program that pays no amount.
    fn amount<'py>(
        &self,
        py: Python<'py>,
        program: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || to_py(py, &self.program(py, program)?.amount))
    }

    /// The value under a key as in the conformance files: `dibao.eligible`,
    /// `dibao.amount`, `dibao.per_capita_income`,
    /// `dibao.conditions.income_below_standard`.
    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let key = text_arg(key, "key")?;
            match self.inner.get(&key) {
                Some(v) => to_py(py, &v),
                None => Err(unknown_name(
                    py,
                    &key,
                    &format!("`{key}` is not a key of this outcome"),
                )),
            }
        })
    }

    /// Whether `key` is a key of the outcome (`False` for anything but text).
    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        guard(py, || {
            Ok(key
                .extract::<String>()
                .is_ok_and(|k| self.inner.get(&k).is_some()))
        })
    }

    /// The programs evaluated, in order.
    #[getter]
    fn programs(&self) -> Vec<&str> {
        self.inner.programs.iter().map(|p| &*p.program).collect()
    }

    /// The case's entity (`household`, `person`, `meal`…).
    #[getter]
    fn entity(&self) -> &str {
        &self.inner.entity
    }

    /// The evaluation date.
    #[getter]
    fn as_of<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_date(py, self.inner.as_of)
    }

    /// The rule set that decided: `{"id", "version", "hash"}`.
    #[getter]
    fn ruleset<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || to_py(py, &self.inner.ruleset))
    }

    /// Intermediate values per program: `{"dibao": {"per_capita_income":
    /// Decimal("800"), …}}`.
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.per_program(py, "values")
    }

    /// Conditions per program, each a dict with `id`, `passed`, `reject`,
    /// `label`, `explanation` (`{"zh", "en"}`) and `compared` values.
    #[getter]
    fn conditions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.per_program(py, "conditions")
    }

    /// Every parameter used, by name: value, unit, status (`published`,
    /// `derived`, `assumption`), dates in force, formula and source.
    #[getter]
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let d = PyDict::new(py);
            for u in &self.inner.parameters {
                d.set_item(&*u.name, to_py(py, &**u)?)?;
            }
            Ok(d)
        })
    }

    /// Every assumption the answer rests on: `{"kind", "name", "note"}`.
    #[getter]
    fn assumptions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || to_py(py, &self.inner.assumptions))
    }

    /// The explanation for people, in Chinese (`"zh"`) or English (`"en"`).
    #[pyo3(signature = (lang = None), text_signature = "(self, lang='zh')")]
    fn explain(&self, py: Python<'_>, lang: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        guard(py, || {
            let lang = optional_text_arg(lang, "lang")?.unwrap_or_else(|| "zh".into());
            let lang = Lang::parse(&lang).ok_or_else(|| {
                argument_error(
                    py,
                    "lang",
                    &format!("lang must be \"zh\" or \"en\", not {lang:?}"),
                )
            })?;
            Ok(self.inner.explain(lang))
        })
    }

    /// The whole outcome as nested dicts, with `Decimal` and `date` values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || to_py(py, &self.inner))
    }

    /// The outcome as JSON text (money as exact decimal strings), as the CLI
    /// prints it.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            serde_json::to_string_pretty(&self.inner)
                .map_err(|e| bangfu_error(py, "internal_error", &e.to_string()))
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            let parts: Vec<String> = self
                .inner
                .programs
                .iter()
                .map(|p| match (&p.amount, p.eligible) {
                    (Some(a), true) => format!(
                        "{} eligible {}",
                        p.program,
                        a.to_json().as_str().unwrap_or_default()
                    ),
                    (_, true) => format!("{} eligible", p.program),
                    _ => format!("{} not eligible", p.program),
                })
                .collect();
            Ok(format!(
                "<Outcome {} {}: {}>",
                self.inner.entity,
                self.inner.as_of,
                parts.join("; ")
            ))
        })
    }
}
