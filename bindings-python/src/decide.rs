//! `RuleSet.decide`: one case's eligibility and amounts, without the
//! explanation, for loops over many cases from Python.
//!
//! The case is read as by `RuleSet.evaluate` (the same reader, the same
//! errors); the core decides it without building the explanation
//! ([`bangfu::RuleSet::decide`]), and the answer is a dict of
//! `(eligible, amount)` per program: no outcome object, no text.

use crate::convert::{case_arg, date_arg, decimal_type, programs_arg, text_arg};
use crate::errors::{eval_error, guard};
use crate::rules::PyRuleSet;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

// `RuleSet.decide` lives beside the other fast path, so that the rule set's
// module keeps the explained one.
#[pymethods]
impl PyRuleSet {
    /// Decides one case of `entity` as of `date` without the explanation:
    /// `{program: (eligible, amount)}` with the amount a `decimal.Decimal`
    /// (zero when not eligible) or `None` for a program that pays none.
    /// `case` and `programs` are read as by `evaluate`, with the same
    /// errors.
    #[pyo3(signature = (entity, case, date, programs = None))]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        entity: &Bound<'py, PyAny>,
        case: &Bound<'py, PyAny>,
        date: &Bound<'py, PyAny>,
        programs: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let entity = text_arg(entity, "entity")?;
            let programs = programs_arg(programs)?;
            let as_of = date_arg(date)?;
            let case = case_arg(py, self, &entity, case, as_of, programs.as_deref())?;
            let decisions = self
                .inner
                .decide(&case, as_of, programs.as_deref())
                .map_err(|e| eval_error(py, &e))?;
            let out = PyDict::new(py);
            let decimal = decimal_type(py)?;
            for d in decisions {
                let amount = match d.amount {
                    Some(a) => decimal.call1((a.to_string(),))?,
                    None => py.None().into_bound(py),
                };
                let pair = PyTuple::new(
                    py,
                    [d.eligible.into_pyobject(py)?.to_owned().into_any(), amount],
                )?;
                out.set_item(&*d.program, pair)?;
            }
            Ok(out)
        })
    }
}
