//! Reforms: a rule set with some parameters changed, or some items replaced.
//!
//! A [`Reform`] is read once, from whatever a surface holds — a TOML reform
//! file, JSON, `NAME=VALUE` pairs, or built in code — and applied with
//! [`crate::RuleSet::reform`], which checks every override against the rule
//! set (is it a parameter, does the value fit its type) and reports each
//! problem with its place (`overrides.dibao_standard: "abc" is not a
//! number`). A reform has a content hash of its own; a reformed rule set is
//! identified by the base rule set's hash combined with it.
//!
//! Values are exact text: money and numbers are never read through a binary
//! float (a TOML float is refused; a JSON number keeps its written digits).

use crate::date::Date;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// One parameter override: a new value, from a date or for all time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Parameter name.
    pub name: String,
    /// New value, as text (`"1100"`, `"true"`, `"2024-01-01"`, an enum choice).
    pub value: String,
    /// First day of the new value; when absent, the value replaces the whole
    /// history.
    pub from: Option<Date>,
}

/// A problem with a reform, with its place: `overrides.NAME`, `overrides.NAME.from`,
/// `set[2]`, `overlay.FILE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{loc}: {message}")]
pub struct ReformError {
    /// Where the problem is.
    pub loc: String,
    /// What is wrong.
    pub message: String,
}

impl ReformError {
    /// The stable code of every reform error.
    pub const CODE: &'static str = "invalid_reform";

    /// The problem as an input error (code `invalid_reform`), for surfaces
    /// that report every located problem of a request the same way.
    pub fn to_input_error(&self) -> crate::InputError {
        crate::InputError {
            code: ReformError::CODE,
            loc: self.loc.clone(),
            msg: self.message.clone(),
            input: None,
        }
    }

    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    pub(crate) fn at(loc: impl Into<String>, message: impl Into<String>) -> ReformError {
        ReformError {
            loc: loc.into(),
            message: message.into(),
        }
    }
}

/// Parameter overrides and overlay files, applied together by
/// [`crate::RuleSet::reform`]. A name may be overridden once per reform;
/// a reform applied over another ([`Reform::then`], or reforming a reformed
/// rule set) wins over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reform {
    overrides: Vec<Override>,
    overlays: Vec<(String, String)>,
}

impl Reform {
    /// An empty reform.
    pub fn new() -> Reform {
        Reform::default()
    }

    /// Sets a parameter for all time.
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Reform {
        self.overrides.push(Override {
            name: name.into(),
            value: value.into(),
            from: None,
        });
        self
    }

    /// Sets a parameter from a date on; earlier dates keep their history.
    #[must_use]
    pub fn set_from(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        from: Date,
    ) -> Reform {
        self.overrides.push(Override {
            name: name.into(),
            value: value.into(),
            from: Some(from),
        });
        self
    }

    /// Adds an overlay file: its items replace items of the same kind and
    /// name (a table, a program, a parameter with its whole history).
    #[must_use]
    pub fn overlay(mut self, path: impl Into<String>, text: impl Into<String>) -> Reform {
        self.overlays.push((path.into(), text.into()));
        self
    }

    /// This reform followed by `other` (whose overrides win).
    #[must_use]
    pub fn then(mut self, other: &Reform) -> Reform {
        self.overrides.extend(other.overrides.iter().cloned());
        self.overlays.extend(other.overlays.iter().cloned());
        self
    }

    /// The parameter overrides, in order.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// The overlay files: `(path, text)`.
    pub fn overlays(&self) -> &[(String, String)] {
        &self.overlays
    }

    /// Whether the reform changes nothing.
    pub fn is_empty(&self) -> bool {
        self.overrides.is_empty() && self.overlays.is_empty()
    }

    #[cfg(feature = "compiler")]
    /// Reads `NAME=VALUE` pairs (the CLI's `--set`).
    ///
    /// # Errors
    /// A [`ReformError`] at `set[i]` for each pair that is not `NAME=VALUE`.
    pub fn from_pairs<S: AsRef<str>>(
        pairs: impl IntoIterator<Item = S>,
    ) -> Result<Reform, Vec<ReformError>> {
        let mut reform = Reform::new();
        let mut errors = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, pair) in pairs.into_iter().enumerate() {
            let pair = pair.as_ref();
            match pair.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => {
                    let name = name.trim();
                    if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                        errors.push(ReformError::at(
                            format!("set[{i}]"),
                            format!(
                                "`{name}` is already set by set[{first}]: set each parameter once"
                            ),
                        ));
                        continue;
                    }
                    seen.push((name.to_string(), i));
                    reform = reform.set(name, value.trim());
                }
                _ => errors.push(ReformError::at(
                    format!("set[{i}]"),
                    format!("`{pair}` is not NAME=VALUE (for example dibao_standard=1100)"),
                )),
            }
        }
        finish(reform, errors)
    }

    #[cfg(feature = "compiler")]
    /// Reads a TOML reform file: `name = "value"` or
    /// `name = { value = "value", from = 2024-01-01 }` per parameter.
    ///
    /// # Errors
    /// A [`ReformError`] for the file's syntax or for each entry that is not
    /// a value or `{ value, from }` (a TOML float is refused: write money as
    /// a string).
    pub fn from_toml(text: &str) -> Result<Reform, Vec<ReformError>> {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| vec![ReformError::at("reform", e.message().trim().to_string())])?;
        Reform::from_toml_table(&table)
    }

    #[cfg(feature = "compiler")]
    /// Reads the entries of a TOML table, as [`Reform::from_toml`].
    ///
    /// # Errors
    /// As [`Reform::from_toml`].
    pub fn from_toml_table(table: &toml::Table) -> Result<Reform, Vec<ReformError>> {
        let entries = table
            .iter()
            .map(|(name, v)| (name.as_str(), Entry::Toml(v)));
        from_entries(entries)
    }

    #[cfg(feature = "compiler")]
    /// Reads JSON: an object of `"name": "value"` or
    /// `"name": {"value": "value", "from": "2024-01-01"}`. Numbers are read
    /// as the digits written, never through a float.
    ///
    /// # Errors
    /// A [`ReformError`] for a document that is not an object, and for each
    /// entry that is not a value or `{value, from}`.
    pub fn from_json(json: &Json) -> Result<Reform, Vec<ReformError>> {
        let Some(map) = json.as_object() else {
            return Err(vec![ReformError::at(
                "overrides",
                "must be an object of parameter names to values",
            )]);
        };
        from_entries(map.iter().map(|(name, v)| (name.as_str(), Entry::Json(v))))
    }

    /// The reform's content hash, `sha256:…`: its overrides in order, then
    /// its overlay files.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for o in &self.overrides {
            let from = o.from.map(|d| d.to_string()).unwrap_or_default();
            h.update(format!("set\0{}\0{}\0{from}\n", o.name, o.value));
        }
        for (path, text) in &self.overlays {
            h.update(format!("overlay\0{path}\0{}\0", text.len()));
            h.update(text.as_bytes());
        }
        hex("sha256:", &h.finalize())
    }

    /// The reform as JSON: `{"overrides": {name: value | {value, from}}, "overlays": [paths]}`.
    pub fn to_json(&self) -> Json {
        let overrides: serde_json::Map<String, Json> = self
            .overrides
            .iter()
            .map(|o| {
                let v = match o.from {
                    None => Json::String(o.value.clone()),
                    Some(d) => serde_json::json!({"value": o.value, "from": d.to_string()}),
                };
                (o.name.clone(), v)
            })
            .collect();
        serde_json::json!({
            "hash": self.hash(),
            "overrides": overrides,
            "overlays": self.overlays.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        })
    }
}

/// `sha256:` of a base hash and a reform hash: what identifies a reformed
/// rule set.
#[cfg_attr(not(feature = "compiler"), allow(dead_code))]
pub(crate) fn combined_hash(base: &str, reform: &str) -> String {
    let mut h = Sha256::new();
    h.update(base.as_bytes());
    h.update(b"\n");
    h.update(reform.as_bytes());
    hex("sha256:", &h.finalize())
}

fn hex(prefix: &str, bytes: &[u8]) -> String {
    let mut s = String::with_capacity(prefix.len() + bytes.len() * 2);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(feature = "compiler")]
fn finish(reform: Reform, errors: Vec<ReformError>) -> Result<Reform, Vec<ReformError>> {
    if errors.is_empty() {
        Ok(reform)
    } else {
        Err(errors)
    }
}

/// An entry of a reform document, TOML or JSON.
#[derive(Clone, Copy)]
#[cfg(feature = "compiler")]
enum Entry<'a> {
    Toml(&'a toml::Value),
    Json(&'a Json),
}

#[cfg(feature = "compiler")]
impl Entry<'_> {
    /// The entry as exact text, or what is wrong with it.
    fn text(self) -> Result<String, String> {
        match self {
            Entry::Toml(toml::Value::String(s)) | Entry::Json(Json::String(s)) => Ok(s.clone()),
            Entry::Toml(toml::Value::Integer(i)) => Ok(i.to_string()),
            Entry::Toml(toml::Value::Boolean(b)) | Entry::Json(Json::Bool(b)) => Ok(b.to_string()),
            Entry::Toml(toml::Value::Datetime(d)) => Ok(d.to_string()),
            Entry::Json(Json::Number(n)) => Ok(n.to_string()),
            Entry::Toml(toml::Value::Float(f)) => Err(format!(
                "{f} is a TOML float, which cannot hold money exactly: write it as a string, \"{f}\""
            )),
            Entry::Json(Json::Null) => Err("is null: give a value".into()),
            _ => Err("must be a value, or { value, from }".into()),
        }
    }
}

#[cfg(feature = "compiler")]
fn from_entries<'a>(
    entries: impl Iterator<Item = (&'a str, Entry<'a>)>,
) -> Result<Reform, Vec<ReformError>> {
    let mut reform = Reform::new();
    let mut errors = Vec::new();
    for (name, entry) in entries {
        let loc = format!("overrides.{name}");
        let (value, from) = match entry {
            Entry::Toml(toml::Value::Table(t)) => (
                t.get("value").map(Entry::Toml),
                t.get("from").map(Entry::Toml),
            ),
            Entry::Json(Json::Object(m)) => (
                m.get("value").map(Entry::Json),
                m.get("from").map(Entry::Json),
            ),
            other => (Some(other), None),
        };
        let keys_ok = match entry {
            Entry::Toml(toml::Value::Table(t)) => t.keys().all(|k| k == "value" || k == "from"),
            Entry::Json(Json::Object(m)) => m.keys().all(|k| k == "value" || k == "from"),
            _ => true,
        };
        if !keys_ok {
            let until = match entry {
                Entry::Toml(toml::Value::Table(t)) => t.contains_key("until"),
                Entry::Json(Json::Object(m)) => m.contains_key("until"),
                _ => false,
            };
            let message = if until {
                "may have only `value` and `from`: a reform's value holds from `from` on, with no `until` (to end it, reform the rules in an overlay)"
            } else {
                "may have only `value` and `from`"
            };
            errors.push(ReformError::at(&loc, message));
            continue;
        }
        let Some(value) = value else {
            errors.push(ReformError::at(format!("{loc}.value"), "is missing"));
            continue;
        };
        let value = match value.text() {
            Ok(v) => v,
            Err(message) => {
                let at = if matches!(
                    entry,
                    Entry::Toml(toml::Value::Table(_)) | Entry::Json(Json::Object(_))
                ) {
                    format!("{loc}.value")
                } else {
                    loc.clone()
                };
                errors.push(ReformError::at(at, message));
                continue;
            }
        };
        let from = match from.map(Entry::text) {
            None => None,
            Some(Ok(text)) => match Date::parse(&text) {
                Some(d) => Some(d),
                None => {
                    errors.push(ReformError::at(
                        format!("{loc}.from"),
                        format!("`{text}` is not a date (YYYY-MM-DD)"),
                    ));
                    continue;
                }
            },
            Some(Err(message)) => {
                errors.push(ReformError::at(format!("{loc}.from"), message));
                continue;
            }
        };
        reform.overrides.push(Override {
            name: name.to_string(),
            value,
            from,
        });
    }
    finish(reform, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_read_alike() {
        let toml =
            Reform::from_toml("dibao_standard = { value = \"1100\", from = 2023-01-01 }\nx = 3\n")
                .unwrap();
        let json = Reform::from_json(
            &serde_json::json!({"dibao_standard": {"value": "1100", "from": "2023-01-01"}, "x": 3}),
        )
        .unwrap();
        assert_eq!(toml, json);
        assert_eq!(toml.hash(), json.hash());
        let pairs = Reform::from_pairs(["x=3"]).unwrap();
        assert_eq!(pairs.overrides(), &json.overrides()[1..]);
        assert_ne!(pairs.hash(), json.hash());
    }

    #[test]
    fn problems_are_located() {
        let e = Reform::from_toml("a = 1.5\nb = { value = \"1\", from = \"soon\" }\nc = { from = 2023-01-01 }\nd = { value = \"1\", to = 1 }\n").unwrap_err();
        let locs: Vec<&str> = e.iter().map(|e| e.loc.as_str()).collect();
        assert_eq!(
            locs,
            [
                "overrides.a",
                "overrides.b.from",
                "overrides.c.value",
                "overrides.d"
            ]
        );
        assert!(e[0].message.contains("\"1.5\""), "{}", e[0]);
        let e = Reform::from_pairs(["ok=1", "broken"]).unwrap_err();
        assert_eq!(e[0].loc, "set[1]");
        let e = Reform::from_pairs(["a=1", "b=2", "a=3"]).unwrap_err();
        assert_eq!(e[0].loc, "set[2]");
        assert!(e[0].message.contains("set[0]"), "{}", e[0]);
        let e = Reform::from_toml("a = { value = \"1\", from = 2023-01-01, until = 2023-06-30 }")
            .unwrap_err();
        assert!(e[0].message.contains("`until`"), "{}", e[0]);
        assert!(Reform::from_json(&serde_json::json!([1])).is_err());
        assert!(Reform::from_toml("a = ").is_err());
    }

    #[test]
    fn json_numbers_keep_their_digits() {
        let r = Reform::from_json(
            &serde_json::json!({"a": serde_json::Number::from_string_unchecked("1100.10".into())}),
        );
        assert_eq!(r.unwrap().overrides()[0].value, "1100.10");
    }
}
