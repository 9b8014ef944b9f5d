//! Outcomes as JSON, written straight to a serializer.
//!
//! [`Outcome`] implements [`serde::Serialize`]: `serde_json::to_string`
//! writes the JSON text without building a `serde_json::Value` tree (an
//! ordered map per object), and [`Outcome::to_json`] is the same through
//! `serde_json::to_value`. Money and numbers are exact decimal strings;
//! keys come in a fixed order.
//!
//! Decimals and dates are written as newtype structs named [`DECIMAL`] and
//! [`DATE`] around their text. JSON writers see through newtype structs and
//! write the text; a serializer that keeps types (the Python package's,
//! giving `decimal.Decimal` and `datetime.date`) reads the name.

use super::model::{
    Assumption, ConditionOutcome, MemberOutcome, NamedValue, NotInForceProgram, OutValue, Outcome,
    ParameterUse,
};
use super::model::{ProgramOutcome, RowUse, RuleSetStamp};
use crate::plan::{Citation, Lang, Text};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{json, Value as Json};
use std::fmt::Display;

/// The newtype name of a decimal (money or a number) around its exact text.
pub const DECIMAL: &str = "bangfu::Decimal";

/// The newtype name of a date around its `YYYY-MM-DD` text.
pub const DATE: &str = "bangfu::Date";

/// A value written as its text, in a newtype struct named `.0`.
struct Marked<'a, T: ?Sized>(&'static str, &'a T);

/// A value written as its text.
struct Shown<'a, T: ?Sized>(&'a T);

impl<T: Display + ?Sized> Serialize for Shown<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl<T: Display + ?Sized> Serialize for Marked<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(self.0, &Shown(self.1))
    }
}

impl Serialize for OutValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OutValue::Money(d) | OutValue::Number(d, _) => Marked(DECIMAL, d).serialize(s),
            OutValue::Bool(b) => s.serialize_bool(*b),
            OutValue::Date(d) => Marked(DATE, d).serialize(s),
            OutValue::Choice(id, _) => s.serialize_str(id),
            OutValue::Missing => s.serialize_none(),
        }
    }
}

/// `{"zh": …, "en": …}`.
struct Texts<'a>(&'a Text);

impl Serialize for Texts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("zh", &*self.0.zh)?;
        m.serialize_entry("en", &*self.0.en)?;
        m.end()
    }
}

/// Named values as an object, name to value.
struct Values<'a>(&'a [NamedValue]);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for v in self.0 {
            m.serialize_entry(&*v.name, &v.value)?;
        }
        m.end()
    }
}

impl Serialize for ConditionOutcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("id", &*self.id)?;
        m.serialize_entry("passed", &self.passed)?;
        m.serialize_entry("reject", &(!self.passed).then_some(&*self.reject))?;
        m.serialize_entry("label", &Texts(&self.label))?;
        m.serialize_entry("explanation", &Texts(&self.explanation()))?;
        m.serialize_entry("compared", &Values(&self.compared))?;
        m.end()
    }
}

impl Serialize for Assumption {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("kind", self.kind)?;
        m.serialize_entry("name", &*self.name)?;
        m.serialize_entry("note", &*self.note.en)?;
        m.serialize_entry("note_text", &Texts(&self.note))?;
        m.serialize_entry("label", &Texts(&self.label))?;
        m.end()
    }
}

impl Serialize for ProgramOutcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = 9 + usize::from(!self.rows.is_empty());
        let mut m = s.serialize_map(Some(n))?;
        m.serialize_entry("label", &Texts(&self.label))?;
        m.serialize_entry("eligible", &self.eligible)?;
        m.serialize_entry("amount", &self.amount)?;
        m.serialize_entry("values", &Values(&self.values))?;
        m.serialize_entry("conditions", &self.conditions)?;
        m.serialize_entry("parameters", &Names(&self.parameters))?;
        m.serialize_entry("assumptions", &self.assumptions)?;
        m.serialize_entry("amount_unit", &self.amount_unit.as_ref().map(Texts))?;
        m.serialize_entry("computation", &self.computation.as_ref().map(Texts))?;
        // Only when a decision table applied: other outcomes keep their shape.
        if !self.rows.is_empty() {
            m.serialize_entry("table_rows", &self.rows)?;
        }
        m.end()
    }
}

/// Names as an array of strings.
struct Names<'a>(&'a [std::sync::Arc<str>]);

impl Serialize for Names<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.len()))?;
        for n in self.0 {
            q.serialize_element(&**n)?;
        }
        q.end()
    }
}

/// A citation as JSON: source id, document, date, quote, note.
pub(crate) struct Cited<'a>(pub(crate) &'a Citation);

impl Serialize for Cited<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("source", &c.source_id.as_deref())?;
        m.serialize_entry("document", &*c.document)?;
        m.serialize_entry("date", &c.date.as_ref().map(|d| Marked(DATE, d)))?;
        m.serialize_entry("quote", &c.quote.as_deref())?;
        m.serialize_entry("note", &c.note.as_ref().map(|n| &*n.en))?;
        m.serialize_entry("note_text", &c.note.as_ref().map(Texts))?;
        // False for an assumption no document states (`document` is empty).
        m.serialize_entry("published_source", &!c.document.is_empty())?;
        m.end()
    }
}

impl Serialize for ParameterUse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(9))?;
        parameter_entries(&mut m, self)?;
        m.end()
    }
}

/// A parameter in force with its name first (`bangfu params`, the
/// parameters of a rule set on a day).
pub struct NamedParameter<'a>(pub &'a ParameterUse);

impl Serialize for NamedParameter<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(10))?;
        m.serialize_entry("name", &*self.0.name)?;
        parameter_entries(&mut m, self.0)?;
        m.end()
    }
}

fn parameter_entries<M: SerializeMap>(m: &mut M, u: &ParameterUse) -> Result<(), M::Error> {
    m.serialize_entry("label", &Texts(&u.label))?;
    m.serialize_entry("value", &u.value)?;
    m.serialize_entry("unit", &u.unit.as_deref())?;
    m.serialize_entry("unit_label", &u.unit_label.as_ref().map(Texts))?;
    m.serialize_entry("status", u.status.name())?;
    m.serialize_entry("from", &Marked(DATE, &u.from))?;
    m.serialize_entry("until", &u.until.as_ref().map(|d| Marked(DATE, d)))?;
    m.serialize_entry("formula", &u.formula.as_deref())?;
    m.serialize_entry("source", &Cited(&u.citation))?;
    m.serialize_entry("formula_words", &u.formula_words.as_ref().map(Texts))?;
    m.serialize_entry(
        "date_status",
        if u.from_assumed {
            "assumption"
        } else {
            "published"
        },
    )?;
    Ok(())
}

impl Serialize for RuleSetStamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("id", &*self.id)?;
        m.serialize_entry("version", &*self.version)?;
        m.serialize_entry("hash", &*self.hash)?;
        if let Some(reform) = &self.reform {
            m.serialize_entry("reform", &**reform)?;
        }
        m.end()
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = 8 + usize::from(!self.members.is_empty());
        let mut m = s.serialize_map(Some(n))?;
        m.serialize_entry("ruleset", &self.ruleset)?;
        m.serialize_entry("as_of", &Marked(DATE, &self.as_of))?;
        m.serialize_entry("entity", &self.entity)?;
        m.serialize_entry("programs", &Programs(&self.programs))?;
        // Only when member programs were evaluated: outcomes of cases
        // without them keep their shape.
        if !self.members.is_empty() {
            m.serialize_entry("members", &self.members)?;
        }
        m.serialize_entry("parameters", &Parameters(&self.parameters))?;
        m.serialize_entry("assumptions", &self.assumptions)?;
        m.serialize_entry("not_in_force", &self.not_in_force)?;
        m.serialize_entry("staleness", &self.staleness.as_ref().map(Texts))?;
        m.end()
    }
}

impl Serialize for NotInForceProgram {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("program", &*self.program)?;
        m.serialize_entry("label", &Texts(&self.label))?;
        m.serialize_entry("from", &self.from.as_ref().map(|d| Marked(DATE, d)))?;
        m.serialize_entry(
            "explanation",
            &json!({"zh": self.explanation(Lang::Zh), "en": self.explanation(Lang::En)}),
        )?;
        m.end()
    }
}

impl Serialize for MemberOutcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("collection", &*self.collection)?;
        m.serialize_entry("index", &self.index)?;
        m.serialize_entry("label", &Texts(&self.label()))?;
        m.serialize_entry("programs", &Programs(&self.programs))?;
        m.end()
    }
}

impl Serialize for RowUse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("value", &*self.value)?;
        m.serialize_entry("table", &*self.table)?;
        m.serialize_entry("table_label", &Texts(&self.table_label))?;
        m.serialize_entry("row", &Texts(&self.row))?;
        m.serialize_entry("source", &self.citation.as_ref().map(Cited))?;
        m.end()
    }
}

/// Programs as an object, id to outcome.
struct Programs<'a>(&'a [ProgramOutcome]);

impl Serialize for Programs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for p in self.0 {
            m.serialize_entry(&*p.program, p)?;
        }
        m.end()
    }
}

/// Parameter uses as an object, name to use.
struct Parameters<'a>(&'a [std::sync::Arc<ParameterUse>]);

impl Serialize for Parameters<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for u in self.0 {
            m.serialize_entry(&*u.name, &**u)?;
        }
        m.end()
    }
}

/// A citation as JSON: source id, document, date, quote, note.
pub fn citation_json(c: &Citation) -> Json {
    serde_json::to_value(Cited(c)).unwrap_or(Json::Null)
}
