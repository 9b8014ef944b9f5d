//! `bangfu.Outcome`: one case's answer, read through the core's `Outcome`.
//!
//! Every accessor converts core data to Python (money as `Decimal`, dates as
//! `datetime.date`); the rendering of explanations and the key look-up are
//! the core's.

use crate::convert::{out_value, py_date};
use crate::errors::guard;
use bangfu::outcome::{Assumption, ConditionOutcome, NamedValue, ParameterUse, ProgramOutcome};
use bangfu::plan::Text;
use bangfu::Lang;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The outcome of one case on one date: eligibility, amounts, the values and
/// conditions behind them, the parameters and assumptions used, and the rule
/// set that decided.
#[pyclass(frozen, module = "bangfu._bangfu", name = "Outcome")]
pub struct PyOutcome {
    pub(crate) inner: bangfu::Outcome,
}

fn text<'py>(py: Python<'py>, t: &Text) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("zh", &*t.zh)?;
    d.set_item("en", &*t.en)?;
    Ok(d)
}

fn named<'py>(py: Python<'py>, values: &[NamedValue]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for v in values {
        d.set_item(&*v.name, out_value(py, &v.value)?)?;
    }
    Ok(d)
}

fn condition<'py>(py: Python<'py>, c: &ConditionOutcome) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", &*c.id)?;
    d.set_item("passed", c.passed)?;
    d.set_item("reject", (!c.passed).then_some(&*c.reject))?;
    d.set_item("label", text(py, &c.label)?)?;
    d.set_item("explanation", text(py, &c.explanation())?)?;
    d.set_item("compared", named(py, &c.compared)?)?;
    Ok(d)
}

fn assumptions<'py>(py: Python<'py>, list: &[Assumption]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for a in list {
        let d = PyDict::new(py);
        d.set_item("kind", a.kind)?;
        d.set_item("name", &*a.name)?;
        d.set_item("note", &*a.note)?;
        out.append(d)?;
    }
    Ok(out)
}

fn parameter<'py>(py: Python<'py>, u: &ParameterUse) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("label", text(py, &u.label)?)?;
    d.set_item("value", out_value(py, &u.value)?)?;
    d.set_item("unit", u.unit.as_deref())?;
    d.set_item("status", u.status.name())?;
    d.set_item("from", py_date(py, u.from)?)?;
    d.set_item("until", u.until.map(|x| py_date(py, x)).transpose()?)?;
    d.set_item("formula", u.formula.as_deref())?;
    let c = &u.citation;
    let source = PyDict::new(py);
    source.set_item("source", c.source_id.as_deref())?;
    source.set_item("document", &*c.document)?;
    source.set_item("date", c.date.map(|x| py_date(py, x)).transpose()?)?;
    source.set_item("quote", c.quote.as_deref())?;
    source.set_item("note", c.note.as_deref())?;
    d.set_item("source", source)?;
    Ok(d)
}

fn program<'py>(py: Python<'py>, p: &ProgramOutcome) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("label", text(py, &p.label)?)?;
    d.set_item("eligible", p.eligible)?;
    d.set_item(
        "amount",
        p.amount.as_ref().map(|a| out_value(py, a)).transpose()?,
    )?;
    d.set_item("values", named(py, &p.values)?)?;
    let conditions = PyList::empty(py);
    for c in &p.conditions {
        conditions.append(condition(py, c)?)?;
    }
    d.set_item("conditions", conditions)?;
    d.set_item(
        "parameters",
        PyList::new(py, p.parameters.iter().map(|s| &**s))?,
    )?;
    d.set_item("assumptions", assumptions(py, &p.assumptions)?)?;
    Ok(d)
}

impl PyOutcome {
    fn program(&self, name: &str) -> PyResult<&ProgramOutcome> {
        self.inner.program(name).ok_or_else(|| {
            let evaluated: Vec<&str> = self.inner.programs.iter().map(|p| &*p.program).collect();
            PyKeyError::new_err(format!(
                "`{name}` was not evaluated; the outcome has {}",
                evaluated.join(", ")
            ))
        })
    }
}

#[pymethods]
impl PyOutcome {
    /// Whether every condition of `program` holds.
    fn eligible(&self, py: Python<'_>, program: &str) -> PyResult<bool> {
        guard(py, || Ok(self.program(program)?.eligible))
    }

    /// The amount of `program` as a `Decimal` (zero when not eligible), or
    /// `None` for a program that pays no amount.
    fn amount<'py>(&self, py: Python<'py>, program: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            self.program(program)?
                .amount
                .as_ref()
                .map(|a| out_value(py, a))
                .transpose()
        })
    }

    /// The value under a key as in the conformance files: `dibao.eligible`,
    /// `dibao.amount`, `dibao.per_capita_income`,
    /// `dibao.conditions.income_below_standard`.
    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || match self.inner.get(key) {
            Some(v) => out_value(py, &v),
            None => Err(PyKeyError::new_err(key.to_string())),
        })
    }

    fn __contains__(&self, py: Python<'_>, key: &str) -> PyResult<bool> {
        guard(py, || Ok(self.inner.get(key).is_some()))
    }

    /// The programs evaluated, in order.
    #[getter]
    fn programs(&self) -> Vec<String> {
        self.inner
            .programs
            .iter()
            .map(|p| p.program.to_string())
            .collect()
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
    fn ruleset<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", &*self.inner.ruleset.id)?;
        d.set_item("version", &*self.inner.ruleset.version)?;
        d.set_item("hash", &*self.inner.ruleset.hash)?;
        Ok(d)
    }

    /// Intermediate values per program: `{"dibao": {"per_capita_income":
    /// Decimal("800"), …}}`.
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let d = PyDict::new(py);
            for p in &self.inner.programs {
                d.set_item(&*p.program, named(py, &p.values)?)?;
            }
            Ok(d)
        })
    }

    /// Conditions per program, each a dict with `id`, `passed`, `reject`,
    /// `label`, `explanation` (`{"zh", "en"}`) and `compared` values.
    #[getter]
    fn conditions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let d = PyDict::new(py);
            for p in &self.inner.programs {
                let list = PyList::empty(py);
                for c in &p.conditions {
                    list.append(condition(py, c)?)?;
                }
                d.set_item(&*p.program, list)?;
            }
            Ok(d)
        })
    }

    /// Every parameter used, by name: value, unit, status (`published`,
    /// `derived`, `assumption`), dates in force, formula and source.
    #[getter]
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let d = PyDict::new(py);
            for u in &self.inner.parameters {
                d.set_item(&*u.name, parameter(py, u)?)?;
            }
            Ok(d)
        })
    }

    /// Every assumption the answer rests on: `{"kind", "name", "note"}`.
    #[getter]
    fn assumptions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(py, || assumptions(py, &self.inner.assumptions))
    }

    /// The explanation for people, in Chinese (`"zh"`) or English (`"en"`).
    #[pyo3(signature = (lang = "zh"))]
    fn explain(&self, py: Python<'_>, lang: &str) -> PyResult<String> {
        guard(py, || {
            let lang = Lang::parse(lang).ok_or_else(|| {
                PyValueError::new_err(format!("lang must be \"zh\" or \"en\", not {lang:?}"))
            })?;
            Ok(self.inner.explain(lang))
        })
    }

    /// The whole outcome as nested dicts, with `Decimal` and `date` values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let o = &self.inner;
            let d = PyDict::new(py);
            d.set_item("ruleset", self.ruleset(py)?)?;
            d.set_item("as_of", py_date(py, o.as_of)?)?;
            d.set_item("entity", &o.entity)?;
            let programs = PyDict::new(py);
            for p in &o.programs {
                programs.set_item(&*p.program, program(py, p)?)?;
            }
            d.set_item("programs", programs)?;
            d.set_item("parameters", self.parameters(py)?)?;
            d.set_item("assumptions", assumptions(py, &o.assumptions)?)?;
            Ok(d)
        })
    }

    /// The outcome as JSON text (money as exact decimal strings), as the CLI
    /// prints it.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            serde_json::to_string_pretty(&self.inner)
                .map_err(|e| PyValueError::new_err(e.to_string()))
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(self.repr()))
    }
}

impl PyOutcome {
    fn repr(&self) -> String {
        let parts: Vec<String> = self
            .inner
            .programs
            .iter()
            .map(|p| {
                let verdict = if p.eligible {
                    "eligible"
                } else {
                    "not eligible"
                };
                match (&p.amount, p.eligible) {
                    (Some(a), true) => format!(
                        "{} {verdict} {}",
                        p.program,
                        a.to_json().as_str().unwrap_or_default()
                    ),
                    _ => format!("{} {verdict}", p.program),
                }
            })
            .collect();
        format!(
            "<Outcome {} {}: {}>",
            self.inner.entity,
            self.inner.as_of,
            parts.join("; ")
        )
    }
}
