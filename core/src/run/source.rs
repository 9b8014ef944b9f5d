//! Where a case's values come from: JSON text read once, or the values of
//! a binding (a Python dict) read where they lie.
//!
//! A [`CaseSource`] answers only what is at a key and of which type
//! ([`Given`]); the case reader (`run/read.rs`) does every check, and gives
//! every error its code, message and place, whatever the source.

use serde_json::Value as Json;
use std::borrow::Cow;

/// What a source holds at one place of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Given<'a> {
    /// Nothing (JSON `null`, Python `None`): a field holding nothing is
    /// left out.
    Absent,
    /// True or false.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number written as digits (a JSON number that is not a whole
    /// number of 64 bits).
    Number(Cow<'a, str>),
    /// Text: a string, or an exact decimal as its digits.
    Text(Cow<'a, str>),
    /// A calendar day given as one (not as text). Where a field is not a
    /// date, it reads as its `YYYY-MM-DD` text.
    Day {
        /// The year.
        year: i32,
        /// The month, 1–12.
        month: u32,
        /// The day of the month.
        day: u32,
    },
    /// Fields by name.
    Object,
    /// Items in order.
    List,
    /// A value no field can hold: refused, wherever it is read.
    Refused(Refusal),
}

/// Why a value is refused whatever field holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A binary floating-point number, which cannot hold most amounts
    /// exactly.
    Float,
    /// A date with a time of day, where a date is meant.
    DateTime,
    /// A value of a type the source cannot read (the type's name).
    Unreadable(String),
    /// Values nested deeper than the source reads (the depth it reads).
    TooDeep(usize),
    /// A field name that is not text.
    KeyNotText,
}

impl Refusal {
    /// What is wrong, for the error's `msg`.
    pub fn message(&self) -> String {
        match self {
            Refusal::Float => "a float cannot hold money or a count exactly: give it as text \
                 (\"1045.50\"), an exact decimal or a whole number"
                .into(),
            Refusal::DateTime => {
                "a date with a time of day is not a date: give a date or \"YYYY-MM-DD\"".into()
            }
            Refusal::Unreadable(ty) => format!(
                "a value of type {ty} cannot be read: give text, a whole number, true or false, \
                 an exact decimal, a date, fields by name or a list"
            ),
            Refusal::TooDeep(depth) => format!("nested more than {depth} levels deep"),
            Refusal::KeyNotText => "field names must be text".into(),
        }
    }
}

/// A field the reader asks a source for: its name, and where it is in the
/// rule set, for a source that keeps something per field (a binding's
/// key objects made once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    /// The field's name.
    pub name: &'a str,
    /// The entity's position in [`crate::RuleSet::entities`].
    pub entity: usize,
    /// The field's position among the entity's fields: its inputs, then
    /// its collections, as [`crate::EntityInfo`] lists them.
    pub field: usize,
}

/// A case, or one value inside it, as a source holds it.
pub trait CaseSource: Sized {
    /// What this value is.
    fn given(&self) -> Given<'_>;
    /// The value of field `key`, when this is an object that has the key
    /// (holding [`Given::Absent`] or not).
    fn field(&self, key: Key<'_>) -> Option<Self>;
    /// The number of fields of an object, of items of a list (0 otherwise).
    fn len(&self) -> usize;
    /// Whether [`CaseSource::len`] is 0.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Each field name of an object, in order: its text, or how a name
    /// that is not text shows.
    fn each_key(&self, each: &mut dyn FnMut(Result<&str, String>));
    /// Item `i` of a list.
    fn item(&self, i: usize) -> Option<Self>;
    /// The value as an error shows it back: text as it is, other values as
    /// JSON.
    fn shown(&self) -> String;
}

impl<'j> CaseSource for &'j Json {
    fn given(&self) -> Given<'_> {
        match self {
            Json::Null => Given::Absent,
            Json::Bool(b) => Given::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Given::Int(i),
                None => Given::Number(Cow::Owned(n.to_string())),
            },
            Json::String(s) => Given::Text(Cow::Borrowed(s)),
            Json::Array(_) => Given::List,
            Json::Object(_) => Given::Object,
        }
    }

    fn field(&self, key: Key<'_>) -> Option<&'j Json> {
        match self {
            Json::Object(map) => map.get(key.name),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Json::Object(map) => map.len(),
            Json::Array(items) => items.len(),
            _ => 0,
        }
    }

    fn each_key(&self, each: &mut dyn FnMut(Result<&str, String>)) {
        if let Json::Object(map) = self {
            map.keys().for_each(|k| each(Ok(k)));
        }
    }

    fn item(&self, i: usize) -> Option<&'j Json> {
        match self {
            Json::Array(items) => items.get(i),
            _ => None,
        }
    }

    fn shown(&self) -> String {
        match self {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}
