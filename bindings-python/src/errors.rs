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

use bangfu::batch::RowError;
use bangfu::{EvalError, InputError, LoadError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The most errors listed in an exception's message (all are in its data).
const SHOWN: usize = 8;

fn class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "bangfu._errors", name)
}

fn raise<'py>(cls: &Bound<'py, PyType>, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    // Building the exception can itself fail (it should not); that failure is
    // then the error raised, which still is an ordinary exception.
    match cls.call1(args) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// A `BangfuError` with a code and message.
pub(crate) fn bangfu_error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    match class(py, &CELL, "BangfuError") {
        Ok(cls) => raise(cls, (message, code)),
        Err(e) => e,
    }
}

/// A `RuleSetError` with every diagnostic.
pub(crate) fn load_error(py: Python<'_>, error: &LoadError) -> PyErr {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let build = || -> PyResult<PyErr> {
        let cls = class(py, &CELL, "RuleSetError")?;
        let list = PyList::empty(py);
        for r in error.records() {
            let d = PyDict::new(py);
            d.set_item("code", r.code)?;
            d.set_item("name", r.name)?;
            d.set_item("message", &r.message)?;
            d.set_item("file", &r.file)?;
            d.set_item("line", r.line)?;
            d.set_item("column", r.column)?;
            d.set_item("source_line", &r.source_line)?;
            d.set_item("help", &r.help)?;
            list.append(d)?;
        }
        Ok(raise(cls, (error.render(), list)))
    };
    build().unwrap_or_else(|e| e)
}

/// One input error as the dict `InputError.errors` holds.
pub(crate) fn input_error_dict<'py>(
    py: Python<'py>,
    e: &InputError,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", e.code)?;
    d.set_item("loc", &e.loc)?;
    d.set_item("msg", &e.msg)?;
    d.set_item("input", &e.input)?;
    Ok(d)
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
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let build = || -> PyResult<PyErr> {
        let cls = class(py, &CELL, "InputError")?;
        let list = PyList::empty(py);
        for e in errors {
            list.append(input_error_dict(py, e)?)?;
        }
        Ok(raise(cls, (summary("input error", errors), list)))
    };
    build().unwrap_or_else(|e| e)
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
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let build = || -> PyResult<PyErr> {
        let cls = class(py, &CELL, "InputError")?;
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
            if shown.len() < SHOWN {
                shown.push(RowText(e, key).to_string());
            }
        }
        let mut message = format!(
            "{} row error{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
        for line in &shown {
            message.push_str(&format!("\n  {line}"));
        }
        if errors.len() > SHOWN {
            message.push_str(&format!("\n  … and {} more", errors.len() - SHOWN));
        }
        Ok(raise(cls, (message, list)))
    };
    build().unwrap_or_else(|e| e)
}

/// An `EvaluationError` with the core's code and fields.
pub(crate) fn eval_error(py: Python<'_>, error: &EvalError) -> PyErr {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let build = || -> PyResult<PyErr> {
        let cls = class(py, &CELL, "EvaluationError")?;
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
        Ok(raise(cls, (error.to_string(), error.code(), details)))
    };
    build().unwrap_or_else(|e| e)
}

/// Any core error.
pub(crate) fn core_error(py: Python<'_>, error: &bangfu::Error) -> PyErr {
    match error {
        bangfu::Error::Load(e) => load_error(py, e),
        bangfu::Error::Input(list) => input_errors(py, list),
        bangfu::Error::Eval(e) => eval_error(py, e),
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
