//! Python arguments to the core's values, and core values back to Python.
//!
//! A case is read by the core straight from the Python values
//! ([`crate::case`]); parameter values and the cliff search's arguments
//! become JSON here ([`to_json`]): a `decimal.Decimal` as its digits
//! (`str`, or `format(d, "f")` when that has an exponent), an `int` as its
//! digits, a `float` or a `datetime.datetime` refused at its path with the
//! core's message (field paths are made text only for a refused value).
//! Coming back, what the core serializes becomes Python objects
//! ([`crate::to_py`]).

use crate::case::Reading;
use crate::errors::{argument_error, argument_type_error, core_error, input_errors};
use crate::rules::PyRuleSet;
use bangfu::{Case, Date, Error, InputError, Refusal};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value as Json};

/// Nesting deeper than this is refused (a case is a household of people).
pub(crate) const MAX_DEPTH: usize = 16;

fn cached<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    module: &str,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, module, name)
}

pub(crate) fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    cached(py, &CELL, "decimal", "Decimal")
}

pub(crate) fn date_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    cached(py, &CELL, "datetime", "date")
}

pub(crate) fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    cached(py, &CELL, "datetime", "datetime")
}

pub(crate) fn enum_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CELL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    cached(py, &CELL, "enum", "Enum")
}

/// Where a value is in the case, made text only when a value is refused
/// (`members[1].birth_date`), so that valid fields cost no formatting.
#[derive(Clone, Copy)]
enum Loc<'a> {
    /// The path the value starts at (empty for a case).
    Root(&'a str),
    /// A field of a mapping.
    Field(&'a Loc<'a>, &'a str),
    /// An item of a list.
    Item(&'a Loc<'a>, usize),
}

impl Loc<'_> {
    fn text(&self) -> String {
        match self {
            Loc::Root(root) => (*root).to_string(),
            Loc::Field(parent, name) => {
                let prefix = parent.text();
                if prefix.is_empty() {
                    (*name).to_string()
                } else {
                    format!("{prefix}.{name}")
                }
            }
            Loc::Item(parent, i) => format!("{}[{i}]", parent.text()),
        }
    }
}

fn refuse(errors: &mut Vec<InputError>, loc: &Loc<'_>, msg: String, input: String) {
    errors.push(InputError {
        code: "wrong_type",
        loc: loc.text(),
        msg,
        input: Some(input),
    });
}

/// A `decimal.Decimal` as the core reads money: its `str` when that is
/// plain digits (one C call), else `format(d, "f")` (exponents).
pub(crate) fn decimal_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = obj.str()?.to_string();
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    if plain {
        return Ok(text);
    }
    obj.call_method1("__format__", ("f",))?.extract()
}

/// Converts a case to JSON. Values the binding refuses (floats, datetimes,
/// unknown types) are recorded in `errors` at their path and become `null`.
///
/// # Errors
/// A Python error raised while reading the object (a failing `__iter__`).
pub(crate) fn to_json(
    obj: &Bound<'_, PyAny>,
    loc: &str,
    errors: &mut Vec<InputError>,
    depth: usize,
) -> PyResult<Json> {
    value_json(obj, &Loc::Root(loc), errors, depth)
}

fn value_json(
    obj: &Bound<'_, PyAny>,
    loc: &Loc<'_>,
    errors: &mut Vec<InputError>,
    depth: usize,
) -> PyResult<Json> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        refuse(
            errors,
            loc,
            Refusal::TooDeep(MAX_DEPTH).message(),
            String::new(),
        );
        return Ok(Json::Null);
    }
    if obj.is_none() {
        return Ok(Json::Null);
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Json::Bool(obj.is_truthy()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Json::String(obj.extract::<String>()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_json(obj);
    }
    if obj.is_instance_of::<PyFloat>() {
        refuse(
            errors,
            loc,
            Refusal::Float.message(),
            obj.repr()?.to_string(),
        );
        return Ok(Json::Null);
    }
    if obj.is_instance(decimal_type(py)?)? {
        return Ok(Json::String(decimal_text(obj)?));
    }
    if obj.is_instance(datetime_type(py)?)? {
        refuse(
            errors,
            loc,
            Refusal::DateTime.message(),
            obj.repr()?.to_string(),
        );
        return Ok(Json::Null);
    }
    if obj.is_instance(date_type(py)?)? {
        return Ok(Json::String(obj.call_method0("isoformat")?.extract()?));
    }
    if obj.is_instance(enum_type(py)?)? {
        return value_json(&obj.getattr("value")?, loc, errors, depth + 1);
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return mapping_json(dict.items().as_any(), loc, errors, depth);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(value_json(&item?, &Loc::Item(loc, i), errors, depth + 1)?);
        }
        return Ok(Json::Array(items));
    }
    // A dataclass instance (not the class itself).
    if obj.hasattr("__dataclass_fields__")? && !obj.is_instance_of::<PyType>() {
        let dict = py.import("dataclasses")?.getattr("asdict")?.call1((obj,))?;
        return value_json(&dict, loc, errors, depth + 1);
    }
    // A pydantic model.
    if obj.hasattr("model_dump")? && !obj.is_instance_of::<PyType>() {
        return value_json(&obj.call_method0("model_dump")?, loc, errors, depth + 1);
    }
    // Any other mapping.
    if obj.hasattr("items")? && obj.hasattr("__getitem__")? {
        return mapping_json(&obj.call_method0("items")?, loc, errors, depth);
    }
    // numpy integers and other integer-like objects.
    if obj.hasattr("__index__")? {
        let index = py.import("operator")?.getattr("index")?.call1((obj,))?;
        return int_json(&index);
    }
    refuse(
        errors,
        loc,
        Refusal::Unreadable(obj.get_type().name()?.to_string()).message(),
        obj.repr()?.to_string(),
    );
    Ok(Json::Null)
}

fn int_json(obj: &Bound<'_, PyAny>) -> PyResult<Json> {
    let text = obj.str()?.to_string();
    match text.parse::<Number>() {
        Ok(n) => Ok(Json::Number(n)),
        Err(_) => Ok(Json::String(text)),
    }
}

fn mapping_json(
    items: &Bound<'_, PyAny>,
    loc: &Loc<'_>,
    errors: &mut Vec<InputError>,
    depth: usize,
) -> PyResult<Json> {
    let mut map = Map::new();
    for pair in items.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
        let Ok(key) = key.extract::<String>() else {
            refuse(
                errors,
                loc,
                Refusal::KeyNotText.message(),
                key.repr()?.to_string(),
            );
            continue;
        };
        let value = value_json(&value, &Loc::Field(loc, &key), errors, depth + 1)?;
        map.insert(key, value);
    }
    Ok(Json::Object(map))
}

/// One case of `entity` read as of `as_of` by the core's reader, straight
/// from the Python values ([`PyCase`]), requiring only what `programs` read.
///
/// # Errors
/// `InputError` with every problem at its place, the core's error for an
/// unknown entity, or a Python exception raised while reading the values.
pub(crate) fn case_arg(
    py: Python<'_>,
    rules: &PyRuleSet,
    entity: &str,
    case: &Bound<'_, PyAny>,
    as_of: Date,
    programs: Option<&[String]>,
) -> PyResult<Case> {
    let reading = Reading::new(py, rules);
    let read = rules
        .inner
        .read_case(entity, &reading.case(case), as_of, programs);
    reading.done()?;
    read.map_err(|e| match e {
        Error::Input(errors) => input_errors(py, &errors),
        other => core_error(py, &other),
    })
}

/// Reads an evaluation date: a `datetime.date` (not a datetime) or
/// `"YYYY-MM-DD"`.
///
/// # Errors
/// `ArgumentTypeError` (a `TypeError`) for other types, `ArgumentError` (a
/// `ValueError`) for a day that does not exist; both name the argument `date`.
pub(crate) fn date_arg(obj: &Bound<'_, PyAny>) -> PyResult<Date> {
    let py = obj.py();
    let bad = || {
        argument_type_error(
            py,
            "date",
            &format!(
                "date: expected a datetime.date or \"YYYY-MM-DD\", got {}",
                obj.repr().map_or_else(|_| "?".into(), |r| r.to_string())
            ),
        )
    };
    if let Ok(s) = obj.extract::<String>() {
        return Date::parse(s.trim()).ok_or_else(|| {
            argument_error(
                py,
                "date",
                &format!("date: `{s}` is not a date (YYYY-MM-DD, years 1800–2200)"),
            )
        });
    }
    if obj.is_instance(datetime_type(py)?)? || !obj.is_instance(date_type(py)?)? {
        return Err(bad());
    }
    let y: i32 = obj.getattr("year")?.extract()?;
    let m: u32 = obj.getattr("month")?.extract()?;
    let d: u32 = obj.getattr("day")?.extract()?;
    Date::from_ymd(y, m, d).ok_or_else(|| {
        argument_error(
            py,
            "date",
            &format!("date: {y:04}-{m:02}-{d:02} is outside the years 1800–2200"),
        )
    })
}

/// A text argument named `argument`.
///
/// # Errors
/// `ArgumentTypeError` naming the argument for a value that is not a `str`.
pub(crate) fn text_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<String> {
    obj.extract::<String>().map_err(|_| {
        let got = obj.repr().map_or_else(|_| "?".into(), |r| r.to_string());
        argument_type_error(
            obj.py(),
            argument,
            &format!("{argument}: expected a str, got {got}"),
        )
    })
}

/// The `programs` argument: `None`, or a list (any sequence but text) of
/// program names.
///
/// # Errors
/// `ArgumentTypeError` naming `programs`.
pub(crate) fn programs_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let got = || obj.repr().map_or_else(|_| "?".into(), |r| r.to_string());
    let bad = || {
        argument_type_error(
            obj.py(),
            "programs",
            &format!("programs: expected a list of program names, got {}", got()),
        )
    };
    if obj.is_instance_of::<PyString>() {
        return Err(bad());
    }
    obj.extract::<Vec<String>>().map(Some).map_err(|_| bad())
}

/// [`text_arg`] for an argument that may be `None`.
///
/// # Errors
/// As [`text_arg`].
pub(crate) fn optional_text_arg(
    obj: Option<&Bound<'_, PyAny>>,
    argument: &str,
) -> PyResult<Option<String>> {
    match obj {
        Some(o) if !o.is_none() => text_arg(o, argument).map(Some),
        _ => Ok(None),
    }
}

/// A `datetime.date`.
///
/// # Errors
/// Only if `datetime` cannot be imported.
pub(crate) fn py_date(py: Python<'_>, d: Date) -> PyResult<Bound<'_, PyAny>> {
    let (y, m, day) = d.ymd();
    date_type(py)?.call1((y, m, day))
}

/// A parameter override's value as the core reads it: text.
///
/// # Errors
/// `InputError` data for a float or an unreadable type.
pub(crate) fn override_text(
    obj: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<Result<String, InputError>> {
    let mut errors = Vec::new();
    let json = to_json(obj, name, &mut errors, 0)?;
    if let Some(e) = errors.into_iter().next() {
        return Ok(Err(e));
    }
    Ok(match json {
        Json::String(s) => Ok(s),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(InputError {
            code: "wrong_type",
            loc: name.to_string(),
            msg: "a parameter value must be a str, int, bool, decimal.Decimal or datetime.date"
                .into(),
            input: Some(other.to_string()),
        }),
    })
}
