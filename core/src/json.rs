//! JSON text read strictly: one reading, or an error that says where.
//!
//! A JSON object may, by the letter of the standard, repeat a key, and most
//! parsers keep the last value silently: `{"registered_locally": false,
//! "registered_locally": true}` would then decide a benefit on a value the
//! sender may not have meant. [`parse_strict`] refuses such a document with
//! an error naming the path and both places. Every surface that reads JSON
//! text (the command line, the WASM package, services) reads it here.

use crate::run::input::{printable, InputError};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::collections::HashMap;

/// Parses JSON text, refusing a key repeated within one object. A leading
/// byte-order mark is skipped (as in CSV and rule files). Numbers keep the
/// digits written.
///
/// # Errors
/// `invalid_json` (with line and column) for text that is not JSON;
/// `duplicate_key` at the path of the repeated key (`members[0].birth_date`),
/// naming the line and column of both occurrences.
///
/// ```
/// let e = bangfu::json::parse_strict(r#"{"a": 1, "b": {"c": 1, "c": 2}}"#).unwrap_err();
/// assert_eq!((e.code, e.loc.as_str()), ("duplicate_key", "b.c"));
/// assert!(e.msg.contains("line 1, column 16") && e.msg.contains("line 1, column 24"));
/// ```
pub fn parse_strict(text: &str) -> Result<Json, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value = parse_serialized(text)?;
    match find_duplicate(text) {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

/// Parses JSON text written by a serializer whose objects cannot hold a
/// key twice, such as JavaScript's `JSON.stringify` of an object: as
/// [`parse_strict`] does, without looking for a repeated key (there is
/// none to find), and without a byte-order mark.
///
/// # Errors
/// `invalid_json` (with line and column) for text that is not JSON.
pub fn parse_serialized(text: &str) -> Result<Json, InputError> {
    parse_value(text).map_err(|e| InputError {
        code: "invalid_json",
        loc: String::new(),
        msg: format!("not valid JSON: {e}"),
        input: None,
    })
}

/// JSON text to a value, as `serde_json::from_str::<Value>` reads it, with
/// a value builder of its own ([`Build`]) that reads every value as it
/// comes, never as a given type: so no reading "as a string" or "as a
/// float" (with its error messages and float formatting) is linked into the
/// browser's module.
fn parse_value(text: &str) -> Result<Json, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde::de::DeserializeSeed::deserialize(Build, &mut de)?;
    de.end()?;
    Ok(value)
}

/// The key under which serde_json (with exact numbers) hands over a number
/// that is not a 64-bit integer, as its text.
const NUMBER_KEY: &str = "$serde_json::private::Number";

/// Builds a [`Json`] value exactly as serde_json's own builder does.
struct Build;

impl<'de> serde::de::DeserializeSeed<'de> for Build {
    type Value = Json;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(Build)
    }
}

impl<'de> serde::de::Visitor<'de> for Build {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::from(v))
    }

    /// Never called: numbers arrive as integers or as their text.
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Json, E> {
        Err(E::custom("a number read as a float"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Build)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut values = serde_json::Map::new();
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Build)?;
            if first && key == NUMBER_KEY {
                // A number's text (or an object that uses the key itself,
                // which must hold a number's text, as serde_json demands).
                let number = value
                    .as_str()
                    .and_then(|text| text.parse::<serde_json::Number>().ok())
                    .ok_or_else(|| serde::de::Error::custom("invalid number"))?;
                return Ok(Json::Number(number));
            }
            first = false;
            values.insert(key, value);
        }
        Ok(Json::Object(values))
    }
}

/// A container being read, and what is in it so far. A container's path
/// is made of the keys and indexes of the containers around it, and is
/// formed only for an error.
enum Frame<'a> {
    Object {
        /// Keys seen, with the byte offset of each.
        keys: HashMap<Cow<'a, str>, usize>,
        /// The key whose value is being read.
        current: Option<Cow<'a, str>>,
    },
    Array {
        index: usize,
    },
}

/// The path of the value being read inside the innermost of `stack`.
fn child_path(stack: &[Frame<'_>]) -> String {
    let mut path = String::new();
    for frame in stack {
        match frame {
            Frame::Object { current, .. } => {
                let key = printable(current.as_deref().unwrap_or_default());
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
            }
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// Line and column (1-based, columns in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// The text of a JSON string (with its quotes) of valid JSON: its
/// characters as written when it has no escape, else decoded.
fn string_text(raw: &str) -> Cow<'_, str> {
    match raw.get(1..raw.len().saturating_sub(1)) {
        Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
        _ => Cow::Owned(
            parse_value(raw)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
    }
}

/// The first repeated key of text that is valid JSON, as an error.
fn find_duplicate(text: &str) -> Option<InputError> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut i = 0;
    // Inside an object: whether the next string is a key.
    let mut expect_key = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => {
                stack.push(Frame::Object {
                    keys: HashMap::new(),
                    current: None,
                });
                expect_key = true;
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Array { index: 0 });
                expect_key = false;
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Array { index, .. }) => *index += 1,
                    Some(Frame::Object { .. }) => expect_key = true,
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
                if !expect_key {
                    continue;
                }
                expect_key = false;
                let key = string_text(text.get(start..i).unwrap_or_default());
                let depth = stack.len();
                if let Some(Frame::Object { keys, current }) = stack.last_mut() {
                    if let Some(&first) = keys.get(&key) {
                        let (l1, c1) = line_col(text, first);
                        let (l2, c2) = line_col(text, start);
                        let path = child_path(stack.get(..depth - 1).unwrap_or_default());
                        let loc = if path.is_empty() {
                            printable(&key)
                        } else {
                            format!("{path}.{}", printable(&key))
                        };
                        return Some(InputError {
                            code: "duplicate_key",
                            loc,
                            msg: format!(
                                "`{}` is given twice in one object (line {l1}, column {c1} and line {l2}, column {c2}): give it once",
                                printable(&key)
                            ),
                            input: None,
                        });
                    }
                    keys.insert(key.clone(), start);
                    *current = Some(key);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_refused_where_they_are() {
        let e = parse_strict("{\"registered_locally\": false,\n \"registered_locally\": true}")
            .unwrap_err();
        assert_eq!(e.code, "duplicate_key");
        assert_eq!(e.loc, "registered_locally");
        assert!(
            e.msg.contains("line 1, column 2") && e.msg.contains("line 2, column 2"),
            "{e}"
        );
        let e = parse_strict(r#"{"members": [{"a": 1}, {"b": "x,]}", "b": 2}]}"#).unwrap_err();
        assert_eq!(e.loc, "members[1].b");
        let e = parse_strict(r#"{"a": [{"x": 1}, {"y": {"z": 1, "q": [], "z": 2}}]}"#).unwrap_err();
        assert_eq!(e.loc, "a[1].y.z");
        assert_eq!(
            parse_strict(r#"[{"a": 1}, {"a": 1, "a": 2}]"#)
                .unwrap_err()
                .loc,
            "[1].a"
        );
        // An escaped key is the same key.
        let e = parse_strict(r#"{"ab": 1, "a\u0062": 2}"#).unwrap_err();
        assert_eq!(e.loc, "ab");
    }

    #[test]
    fn the_same_key_in_different_objects_is_fine() {
        let v = parse_strict(r#"{"a": {"x": 1}, "b": {"x": "x\"y"}, "c": [{"x": 1}, {"x": 2}]}"#)
            .unwrap();
        assert_eq!(v["c"][1]["x"], 2);
        assert!(parse_strict("\u{feff}{\"a\": 1.10}").is_ok());
        assert_eq!(
            parse_strict("{\"a\": 1.10}").unwrap()["a"].to_string(),
            "1.10"
        );
        assert_eq!(parse_strict("{").unwrap_err().code, "invalid_json");
        // Read as serde_json reads it: numbers keep their text, errors their place.
        for text in [
            r#"{"a": [1, -2, 1.50, 2e3, -0, 18446744073709551616, true, null, "x\u00e9"], "b": {}}"#,
            "[]",
            "\"\"",
        ] {
            let ours = parse_strict(text).unwrap();
            let theirs: Json = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs);
            assert_eq!(ours.to_string(), theirs.to_string());
        }
        for text in ["{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "[1] 2"] {
            let ours = parse_strict(text).unwrap_err().msg;
            let theirs = serde_json::from_str::<Json>(text).unwrap_err();
            assert_eq!(ours, format!("not valid JSON: {theirs}"));
        }
        assert_eq!(parse_strict("[1, 2] x").unwrap_err().code, "invalid_json");
    }
}
