//! `cliffs` and `what_would_change` for Python: the core's search
//! (`bangfu::analysis::cliffs`) with the interpreter released, its JSON
//! answer handed over as dicts (numbers as exact text, which
//! `bangfu._cliffs` turns into `decimal.Decimal` tables).

use crate::convert::{date_arg, to_json};
use crate::errors::{bangfu_error, core_error, eval_error, guard, input_errors, released};
use crate::population::threads;
use crate::rules::PyRuleSet;
use bangfu::analysis::cliffs::{self as core, ChangeQuery, CliffError, CliffQuery};
use bangfu::{Decimal, InputError};
use pyo3::prelude::*;
use serde_json::Value as Json;

fn cliff_error(py: Python<'_>, e: CliffError) -> PyErr {
    match e {
        CliffError::Input(errors) => input_errors(py, &errors),
        CliffError::Eval(e) => eval_error(py, &e),
        e => bangfu_error(
            py,
            e.code(),
            &format!(
                "{}: {} / {}",
                e.loc(),
                e.message(bangfu::Lang::En),
                e.message(bangfu::Lang::Zh)
            ),
        ),
    }
}

/// The case as JSON and its entity (the one given, else the only one its
/// fields fit).
fn case_and_entity(
    py: Python<'_>,
    rules: &PyRuleSet,
    case: &Bound<'_, PyAny>,
    entity: Option<&str>,
    program: Option<&str>,
) -> PyResult<(Json, String)> {
    let mut refused: Vec<InputError> = Vec::new();
    let json = to_json(case, "", &mut refused, 0)?;
    if !refused.is_empty() {
        return Err(input_errors(py, &refused));
    }
    let entity = rules
        .inner
        .entity_for_case(entity, program, &json)
        .map_err(|e| core_error(py, &e))?;
    Ok((json, entity))
}

fn number(py: Python<'_>, v: &Bound<'_, PyAny>, what: &str) -> PyResult<Decimal> {
    let mut refused = Vec::new();
    let json = to_json(v, what, &mut refused, 0)?;
    let text = match &json {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        _ => String::new(),
    };
    match bangfu::money::parse_decimal(&text) {
        Some(d) if refused.is_empty() => Ok(d),
        _ => Err(bangfu_error(
            py,
            "invalid_number",
            &format!("{what}: expected a decimal.Decimal, an int or a str such as \"1045.50\""),
        )),
    }
}

/// The breakpoints and segments of every program as `vary` goes from
/// `low` to `high` (both on the input's grid): JSON text, numbers as text.
#[pyfunction]
#[pyo3(signature = (rules, case, vary, low, high, date, entity = None, programs = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn cliffs<'py>(
    py: Python<'py>,
    rules: &PyRuleSet,
    case: &Bound<'py, PyAny>,
    vary: &str,
    low: &Bound<'py, PyAny>,
    high: &Bound<'py, PyAny>,
    date: &Bound<'py, PyAny>,
    entity: Option<&str>,
    programs: Option<Vec<String>>,
) -> PyResult<String> {
    guard(py, || {
        let as_of = date_arg(date)?;
        let (low, high) = (number(py, low, "low")?, number(py, high, "high")?);
        let first = programs
            .as_ref()
            .and_then(|p| p.first())
            .map(String::as_str);
        let (json, entity) = case_and_entity(py, rules, case, entity, first)?;
        let r = &*rules.inner;
        let work = || {
            let q = CliffQuery {
                entity: &entity,
                path: vary,
                low,
                high,
                as_of,
                programs: programs.as_deref(),
                threads: threads(),
            };
            core::cliffs(r, &json, &q).map(|c| c.to_json().to_string())
        };
        released(py, work, cliff_error)
    })
}

/// What would change each program's answer, along `vary` or each input
/// marked `what_if`: JSON text, a list of findings with the sentence in
/// zh and en.
#[pyfunction]
#[pyo3(signature = (rules, case, date, programs = None, vary = None, low = None, high = None, entity = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn what_would_change<'py>(
    py: Python<'py>,
    rules: &PyRuleSet,
    case: &Bound<'py, PyAny>,
    date: &Bound<'py, PyAny>,
    programs: Option<Vec<String>>,
    vary: Option<&str>,
    low: Option<&Bound<'py, PyAny>>,
    high: Option<&Bound<'py, PyAny>>,
    entity: Option<&str>,
) -> PyResult<String> {
    guard(py, || {
        let as_of = date_arg(date)?;
        let low = low.map(|v| number(py, v, "low")).transpose()?;
        let high = high.map(|v| number(py, v, "high")).transpose()?;
        let first = programs
            .as_ref()
            .and_then(|p| p.first())
            .map(String::as_str);
        let (json, entity) = case_and_entity(py, rules, case, entity, first)?;
        let r = &*rules.inner;
        let work = || {
            let q = ChangeQuery {
                entity: &entity,
                programs: programs.as_deref(),
                path: vary,
                low,
                high,
                as_of,
                threads: threads(),
                span: core::DEFAULT_SPAN,
            };
            core::what_would_change(r, &json, &q).map(|found| {
                serde_json::Value::Array(found.iter().map(|w| w.to_json()).collect()).to_string()
            })
        };
        released(py, work, cliff_error)
    })
}
