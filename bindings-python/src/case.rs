//! A case as Python holds it, read by the core where it lies.
//!
//! [`PyCase`] answers the core's case reader ([`bangfu::CaseSource`]) for
//! one Python value: what it is (`None`, `bool`, `int`, `str`,
//! `decimal.Decimal` by its digits, `datetime.date` by its year, month and
//! day, a dict or a list; enums, dataclasses, pydantic models and other
//! mappings as what they stand for) and what is at a key or an index. The
//! core checks every value and places every error; no JSON is made on the
//! way. A Python exception raised while looking (a failing `__iter__`) is
//! kept and raised once the core is done.

use crate::convert::{
    date_type, datetime_type, decimal_text, decimal_type, enum_type, to_json, MAX_DEPTH,
};
use crate::rules::PyRuleSet;
use bangfu::{CaseSource, Given, Key, Refusal, RuleSet};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use std::borrow::Cow;
use std::cell::RefCell;

/// Every entity's field names as interned Python strings (their hashes
/// computed once), in the order of [`bangfu::Key::field`].
#[derive(Default)]
pub(crate) struct Keys(PyOnceLock<Vec<Vec<Py<PyString>>>>);

impl Keys {
    fn get<'s>(&'s self, py: Python<'_>, rules: &RuleSet) -> &'s [Vec<Py<PyString>>] {
        self.0.get_or_init(py, || {
            rules
                .entities()
                .iter()
                .map(|e| {
                    let names = e.inputs.iter().chain(e.collections.iter().map(|(c, _)| c));
                    names.map(|n| PyString::intern(py, n).unbind()).collect()
                })
                .collect()
        })
    }
}

/// One reading of a case: the field names, and the first Python exception
/// raised while looking.
pub(crate) struct Reading<'s> {
    keys: &'s [Vec<Py<PyString>>],
    failed: RefCell<Option<PyErr>>,
}

impl<'s> Reading<'s> {
    pub(crate) fn new(py: Python<'_>, rules: &'s PyRuleSet) -> Reading<'s> {
        Reading {
            keys: rules.keys.get(py, &rules.inner),
            failed: RefCell::new(None),
        }
    }

    /// The case to read.
    pub(crate) fn case<'py, 'a>(&'a self, case: &Bound<'py, PyAny>) -> PyCase<'py, 'a> {
        PyCase::new(case.clone(), 0, self)
    }

    /// Done reading: the exception raised while looking, if one was.
    ///
    /// # Errors
    /// That exception.
    pub(crate) fn done(self) -> PyResult<()> {
        self.failed.into_inner().map_or(Ok(()), Err)
    }
}

/// What a Python value is, for the core.
enum Kind {
    None,
    Bool(bool),
    Int(i64),
    /// A whole number beyond 64 bits that fits 64 unsigned bits: digits.
    Digits(String),
    /// Text: a `str`, a decimal's digits, a whole number beyond 64 bits.
    Text(String),
    Day(i32, u32, u32),
    /// A dict (other mappings are read into one).
    Mapping,
    /// A list or a tuple.
    List,
    Refused(Refusal),
}

/// One value of a case, with what it is worked out once.
pub(crate) struct PyCase<'py, 'a> {
    obj: Bound<'py, PyAny>,
    kind: Kind,
    depth: usize,
    reading: &'a Reading<'a>,
}

impl<'py, 'a> PyCase<'py, 'a> {
    /// `obj` at nesting `depth` (0 for a case).
    fn new(obj: Bound<'py, PyAny>, depth: usize, reading: &'a Reading<'a>) -> Self {
        match classify(obj.clone(), depth) {
            Ok((obj, kind)) => PyCase {
                obj,
                kind,
                depth,
                reading,
            },
            Err(e) => {
                reading.failed.borrow_mut().get_or_insert(e);
                PyCase {
                    obj,
                    kind: Kind::None,
                    depth,
                    reading,
                }
            }
        }
    }

    fn fail<T>(&self, e: PyErr) -> Option<T> {
        self.reading.failed.borrow_mut().get_or_insert(e);
        None
    }

    fn dict(&self) -> Option<&Bound<'py, PyDict>> {
        match self.kind {
            Kind::Mapping => self.obj.cast::<PyDict>().ok(),
            _ => None,
        }
    }
}

/// What `obj` is, in the order the conversions are tried: the built-in
/// types first (`bool` before `int`), then `datetime` before `date`; an
/// enum, a dataclass, a pydantic model, another mapping or an integer-like
/// object as the value it stands for.
fn classify(obj: Bound<'_, PyAny>, depth: usize) -> PyResult<(Bound<'_, PyAny>, Kind)> {
    let py = obj.py();
    let kind = if depth > MAX_DEPTH {
        Kind::Refused(Refusal::TooDeep(MAX_DEPTH))
    } else if obj.is_none() {
        Kind::None
    } else if obj.is_instance_of::<PyBool>() {
        Kind::Bool(obj.is_truthy()?)
    } else if obj.is_instance_of::<PyString>() {
        Kind::Text(obj.extract::<String>()?)
    } else if obj.is_instance_of::<PyInt>() {
        int_kind(&obj)?
    } else if obj.is_instance_of::<PyFloat>() {
        Kind::Refused(Refusal::Float)
    } else if obj.is_instance_of::<PyDict>() {
        Kind::Mapping
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        Kind::List
    } else if obj.is_instance(decimal_type(py)?)? {
        Kind::Text(decimal_text(&obj)?)
    } else if obj.is_instance(datetime_type(py)?)? {
        Kind::Refused(Refusal::DateTime)
    } else if obj.is_instance(date_type(py)?)? {
        Kind::Day(
            obj.getattr(intern!(py, "year"))?.extract()?,
            obj.getattr(intern!(py, "month"))?.extract()?,
            obj.getattr(intern!(py, "day"))?.extract()?,
        )
    } else if obj.is_instance(enum_type(py)?)? {
        return classify(obj.getattr("value")?, depth + 1);
    } else if obj.hasattr("__dataclass_fields__")? && !obj.is_instance_of::<PyType>() {
        // A dataclass instance (not the class itself).
        let dict = py
            .import("dataclasses")?
            .getattr("asdict")?
            .call1((&obj,))?;
        return classify(dict, depth + 1);
    } else if obj.hasattr("model_dump")? && !obj.is_instance_of::<PyType>() {
        // A pydantic model.
        return classify(obj.call_method0("model_dump")?, depth + 1);
    } else if obj.hasattr("items")? && obj.hasattr("__getitem__")? {
        // Any other mapping, read into a dict.
        let dict = PyDict::new(py);
        for pair in obj.call_method0("items")?.try_iter()? {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
            dict.set_item(key, value)?;
        }
        return Ok((dict.into_any(), Kind::Mapping));
    } else if obj.hasattr("__index__")? {
        // numpy integers and other integer-like objects.
        let index = py.import("operator")?.getattr("index")?.call1((&obj,))?;
        return Ok((index.clone(), int_kind(&index)?));
    } else {
        Kind::Refused(Refusal::Unreadable(obj.get_type().name()?.to_string()))
    };
    Ok((obj, kind))
}

/// A whole number: 64 bits, else its digits.
fn int_kind(obj: &Bound<'_, PyAny>) -> PyResult<Kind> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Kind::Int(i));
    }
    let text = obj.str()?.to_string();
    Ok(match text.parse::<u64>() {
        Ok(_) => Kind::Digits(text),
        Err(_) => Kind::Text(text),
    })
}

impl CaseSource for PyCase<'_, '_> {
    fn given(&self) -> Given<'_> {
        match &self.kind {
            Kind::None => Given::Absent,
            Kind::Bool(b) => Given::Bool(*b),
            Kind::Int(i) => Given::Int(*i),
            Kind::Digits(s) => Given::Number(Cow::Borrowed(s)),
            Kind::Text(s) => Given::Text(Cow::Borrowed(s)),
            &Kind::Day(year, month, day) => Given::Day { year, month, day },
            Kind::Mapping => Given::Object,
            Kind::List => Given::List,
            Kind::Refused(r) => Given::Refused(r.clone()),
        }
    }

    fn field(&self, key: Key<'_>) -> Option<Self> {
        let dict = self.dict()?;
        let interned = self
            .reading
            .keys
            .get(key.entity)
            .and_then(|k| k.get(key.field));
        let value = match interned {
            Some(k) => dict.get_item(k.bind(dict.py())),
            None => dict.get_item(key.name),
        };
        match value {
            Ok(value) => value.map(|v| PyCase::new(v, self.depth + 1, self.reading)),
            Err(e) => self.fail(e),
        }
    }

    fn len(&self) -> usize {
        match self.kind {
            Kind::Mapping | Kind::List => self.obj.len().unwrap_or(0),
            _ => 0,
        }
    }

    fn each_key(&self, each: &mut dyn FnMut(Result<&str, String>)) {
        let Some(dict) = self.dict() else {
            return;
        };
        for (key, _) in dict.iter() {
            match key.extract::<String>() {
                Ok(k) => each(Ok(&k)),
                Err(_) => match key.repr() {
                    Ok(r) => each(Err(r.to_string())),
                    Err(e) => {
                        self.fail::<()>(e);
                    }
                },
            }
        }
    }

    fn item(&self, i: usize) -> Option<Self> {
        if !matches!(self.kind, Kind::List) {
            return None;
        }
        match self.obj.get_item(i) {
            Ok(v) => Some(PyCase::new(v, self.depth + 1, self.reading)),
            Err(e) => self.fail(e),
        }
    }

    fn shown(&self) -> String {
        let json = |obj: &Bound<'_, PyAny>| {
            to_json(obj, "", &mut Vec::new(), self.depth).map(|j| match j {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
        };
        let shown = match &self.kind {
            Kind::Refused(Refusal::TooDeep(_)) => Ok(String::new()),
            Kind::Refused(_) => self.obj.repr().map(|r| r.to_string()),
            Kind::None => Ok("null".into()),
            Kind::Bool(b) => Ok(b.to_string()),
            Kind::Int(i) => Ok(i.to_string()),
            Kind::Digits(s) | Kind::Text(s) => Ok(s.clone()),
            &Kind::Day(y, m, d) => Ok(format!("{y:04}-{m:02}-{d:02}")),
            Kind::Mapping | Kind::List => json(&self.obj),
        };
        shown.unwrap_or_else(|e| {
            self.fail::<()>(e);
            String::new()
        })
    }
}
