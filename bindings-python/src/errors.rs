//! Core errors as Python exceptions, and the panic guard.
//!
//! Each core error maps onto one class of `bangfu._errors` (defined in Python
//! so it has ordinary attributes and pickles): a rule set that does not load
//! is a `RuleSetError` with its diagnostics as dicts, bad input an
//! `InputError` with `{code, loc, msg, input}` dicts, a failed evaluation an
//! `EvaluationError` with the core's stable code. [`guard`] wraps every entry
//! point so that a Rust panic becomes a `BangfuError` with code
//! `internal_error` rather than a `PanicException`, which `except Exception`
//! would not catch.

use crate::to_py;
use bangfu::analysis::sweep::AnalysisError;
use bangfu::arrow::BuildError;
use bangfu::batch::RowError;
use bangfu::{EvalError, InputError, LoadError};
use pyo3::call::PyCallArgs;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The most errors listed in an exception's message (all are in its data).
const SHOWN: usize = 8;

/// An exception of class `class` of `bangfu._errors`, made from `args`.
/// Making it can itself fail (it should not); that failure is then the
/// error raised, which still is an ordinary exception.
fn exception<'py, A: PyCallArgs<'py>>(
    py: Python<'py>,
    class: &str,
    args: impl FnOnce() -> PyResult<A>,
) -> PyErr {
    let made = || py.import("bangfu._errors")?.getattr(class)?.call1(args()?);
    made().map_or_else(|e| e, PyErr::from_value)
}

/// A `BangfuError` with a code and message.
pub(crate) fn bangfu_error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    exception(py, "BangfuError", || Ok((message, code)))
}

/// An `ArgumentError` (a `ValueError`): `argument` has a value bangfu does
/// not accept.
pub(crate) fn argument_error(py: Python<'_>, argument: &str, message: &str) -> PyErr {
    exception(py, "ArgumentError", || Ok((message, argument)))
}

/// An `ArgumentTypeError` (a `TypeError`): `argument` has a type bangfu does
/// not accept.
pub(crate) fn argument_type_error(py: Python<'_>, argument: &str, message: &str) -> PyErr {
    exception(py, "ArgumentTypeError", || Ok((message, argument)))
}

/// An `UnknownNameError` (a `KeyError`) for `name`.
pub(crate) fn unknown_name(py: Python<'_>, name: &str, message: &str) -> PyErr {
    exception(py, "UnknownNameError", || Ok((message, name)))
}

/// A `RuleSetError` with every diagnostic.
pub(crate) fn load_error(py: Python<'_>, error: &LoadError) -> PyErr {
    exception(py, "RuleSetError", || {
        Ok((error.render(), to_py(py, &error.records())?))
    })
}

fn summary<T: std::fmt::Display>(what: &str, items: &[T]) -> String {
    let mut text = format!(
        "{} {what}{}",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    for item in items.iter().take(SHOWN) {
        text.push_str(&format!("\n  {item}"));
    }
    if items.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", items.len() - SHOWN));
    }
    text
}

/// An `InputError` listing every problem with a case.
pub(crate) fn input_errors(py: Python<'_>, errors: &[InputError]) -> PyErr {
    exception(py, "InputError", || {
        Ok((summary("input error", errors), to_py(py, errors)?))
    })
}

/// A `ReformError` (an `InputError` and a `RuleSetError`) with every
/// located problem of a reform.
pub(crate) fn reform_errors(py: Python<'_>, errors: &[bangfu::ReformError]) -> PyErr {
    let list: Vec<InputError> = errors.iter().map(|e| e.to_input_error()).collect();
    exception(py, "ReformError", || {
        Ok((summary("reform error", &list), to_py(py, &list)?))
    })
}

/// A row problem as text, for messages.
pub(crate) struct RowText<'a>(pub &'a RowError, pub Option<String>);

impl std::fmt::Display for RowText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = self.0;
        write!(f, "{} row {}", e.table, e.row)?;
        if let Some(h) = &self.1 {
            write!(f, " (household {h})")?;
        }
        write!(f, ": {}: {} [{}]", e.loc, e.msg, e.code)
    }
}

/// An `InputError` listing every problem with the rows of a table; `keys`
/// gives each error's household key, when known.
pub(crate) fn row_errors(py: Python<'_>, errors: &[RowError], keys: &[Option<String>]) -> PyErr {
    exception(py, "InputError", || {
        let list = PyList::empty(py);
        let mut shown = Vec::new();
        for (i, e) in errors.iter().enumerate() {
            let key = keys.get(i).cloned().flatten();
            let d = PyDict::new(py);
            d.set_item("code", e.code)?;
            d.set_item("loc", &e.loc)?;
            d.set_item("msg", &e.msg)?;
            d.set_item("input", py.None())?;
            d.set_item("table", e.table)?;
            d.set_item("row", e.row)?;
            d.set_item("household", &key)?;
            list.append(d)?;
            shown.push(RowText(e, key));
        }
        Ok((summary("row error", &shown), list))
    })
}

/// An `EvaluationError` with the core's code and fields.
pub(crate) fn eval_error(py: Python<'_>, error: &EvalError) -> PyErr {
    exception(py, "EvaluationError", || {
        let details = PyDict::new(py);
        match error {
            EvalError::NoRulesInForce {
                program,
                date,
                reason,
            } => {
                details.set_item("program", program)?;
                details.set_item("date", date.to_string())?;
                details.set_item("reason", reason)?;
            }
            EvalError::UnknownProgram { name } | EvalError::UnknownEntity { name } => {
                details.set_item("name", name)?;
            }
            EvalError::WrongEntity {
                program,
                expected,
                found,
            } => {
                details.set_item("program", program)?;
                details.set_item("expected", expected)?;
                details.set_item("found", found)?;
            }
            EvalError::Overflow { program, value } => {
                details.set_item("program", program)?;
                details.set_item("value", value)?;
            }
            _ => {}
        }
        Ok((error.to_string(), error.code(), details))
    })
}

/// Any core error.
pub(crate) fn core_error(py: Python<'_>, error: &bangfu::Error) -> PyErr {
    match error {
        bangfu::Error::Load(e) => load_error(py, e),
        bangfu::Error::Input(list) => input_errors(py, list),
        bangfu::Error::Eval(e) => eval_error(py, e),
        bangfu::Error::Reform(list) => reform_errors(py, list),
        other => bangfu_error(py, other.code(), &other.to_string()),
    }
}

/// Runs an entry point, turning a panic into `BangfuError("internal_error")`.
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch(f).unwrap_or_else(|what| Err(internal(py, &what)))
}

/// Runs work (possibly with the interpreter released), catching a panic.
///
/// # Errors
/// The panic's message.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

/// The error for a caught panic.
pub(crate) fn internal(py: Python<'_>, what: &str) -> PyErr {
    bangfu_error(
        py,
        "internal_error",
        &format!("internal error in bangfu (please report it): {what}"),
    )
}

/// A `BangfuError("arrow_error")` for a table that Arrow cannot read.
pub(crate) fn arrow_error(py: Python<'_>, e: impl std::fmt::Display) -> PyErr {
    bangfu_error(py, "arrow_error", &format!("the table cannot be read: {e}"))
}

/// The error for a population that cannot be built.
pub(crate) fn build_error(py: Python<'_>, error: BuildError) -> PyErr {
    match error {
        BuildError::Columns(errors) => input_errors(py, &errors),
        BuildError::Arrow(e) => arrow_error(py, e),
        BuildError::Eval(e) => eval_error(py, &e),
        BuildError::NoMembers(entity) => argument_error(
            py,
            "members",
            &format!("`{entity}` cases have no members; pass members=None"),
        ),
    }
}

/// The error that stopped a comparison or a sweep.
pub(crate) fn analysis_error(py: Python<'_>, error: AnalysisError) -> PyErr {
    match error {
        AnalysisError::Reform(e) => core_error(py, &e),
        AnalysisError::Eval(e) => eval_error(py, &e),
        e @ AnalysisError::Overflow(_) => arrow_error(py, e),
    }
}

/// Runs core work with the interpreter released: a panic becomes an
/// internal error, the work's error the exception `error` makes of it.
pub(crate) fn released<T: Send, E: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, E> + Send,
    error: impl FnOnce(Python<'_>, E) -> PyErr,
) -> PyResult<T> {
    match py.detach(|| catch(work)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(error(py, e)),
        Err(panic) => Err(internal(py, &panic)),
    }
}
