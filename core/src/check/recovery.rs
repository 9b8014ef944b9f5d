//! When a rule file does not parse: name the cause, and hold back what
//! follows from it.
//!
//! A misspelt key (`at_lest = 60`, `ouput = …`) makes its whole file fail,
//! and every name the file defines then looks undefined wherever it is
//! used. The first diagnostic names the unknown key and the key meant
//! ([`unknown_key`]); the names the file defines are recovered from its
//! text ([`defined_names`]) so that "`meal_rate_by_age` is not defined" and
//! its like are not reported as if they were faults of their own
//! ([`drop_follow_ons`]).

use super::names::edit_distance;
use crate::diagnostic::{Code, Diagnostic};
use std::collections::HashSet;

/// The sections of a rule file whose entries are names used elsewhere.
const SECTIONS: &[&str] = &[
    "parameters",
    "tables",
    "programs",
    "entities",
    "sources",
    "enums",
];

/// The closest of `candidates` to `name`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The words between backticks in `text`, in order.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// For the parser's "unknown field `at_lest`, expected one of `at_least`,
/// …": the message naming the unknown key and the keys the place takes, and
/// the help (the key meant, when one is close).
pub(crate) fn unknown_key(message: &str) -> Option<(String, String)> {
    let rest = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))?;
    let words = quoted(rest);
    let (&unknown, expected) = words.split_first()?;
    let kind = if message.starts_with("unknown field") {
        "key"
    } else {
        "value"
    };
    let message = if expected.is_empty() {
        format!("unknown {kind} `{unknown}`: nothing is expected here")
    } else {
        let list: Vec<String> = expected.iter().map(|k| format!("`{k}`")).collect();
        format!(
            "unknown {kind} `{unknown}`: this place takes {}",
            list.join(", ")
        )
    };
    let help = match closest(unknown, expected.iter().copied()) {
        Some(k) => {
            format!("did you mean `{k}`? (the rest of this file is not read until it is fixed)")
        }
        None => "see rules/README.md for the sections and keys a rule file may have".to_string(),
    };
    Some((message, help))
}

/// The names a file that does not load defines: entries of its sections
/// and the inputs, values and collections of its entities and programs.
/// Read from the TOML when it is valid TOML (with keys the format does not
/// know), else from its `[section.name]` headers.
pub(crate) fn defined_names(text: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    if let Ok(table) = text.parse::<toml::Table>() {
        for section in SECTIONS {
            let Some(items) = table.get(*section).and_then(toml::Value::as_table) else {
                continue;
            };
            for (name, item) in items {
                names.insert(name.clone());
                for inner in ["inputs", "values", "collections"] {
                    if let Some(t) = item.get(inner).and_then(toml::Value::as_table) {
                        names.extend(t.keys().cloned());
                    }
                }
            }
        }
        return names;
    }
    for line in text.lines() {
        let header = line.trim_start().trim_start_matches('[').trim_start();
        let Some((section, rest)) = header.split_once('.') else {
            continue;
        };
        if !line.trim_start().starts_with('[') || !SECTIONS.contains(&section.trim()) {
            continue;
        }
        let path: Vec<&str> = rest
            .split(']')
            .next()
            .unwrap_or("")
            .split('.')
            .map(|p| p.trim().trim_matches('"'))
            .collect();
        if let Some(name) = path.first() {
            names.insert((*name).to_string());
        }
        if let [_, "inputs" | "values" | "collections", inner, ..] = path.as_slice() {
            names.insert((*inner).to_string());
        }
    }
    names
}

/// Drops the unknown-name and unknown-reference diagnostics about a name
/// that a file which does not load defines: the cause is reported on that
/// file. Returns how many were dropped.
pub(crate) fn drop_follow_ons(list: &mut Vec<Diagnostic>, defined: &HashSet<String>) -> usize {
    let before = list.len();
    list.retain(|d| {
        !(matches!(d.code, Code::UnknownName | Code::UnknownReference)
            && quoted(&d.message)
                .iter()
                .any(|w| defined.contains(*w) || w.split('.').any(|part| defined.contains(part))))
    });
    before - list.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_names_the_key_meant() {
        let (message, help) = unknown_key(
            "unknown field `at_lest`, expected one of `at_least`, `above`, `at_most`, `below`, `output`, `label`",
        )
        .unwrap_or_default();
        assert!(message.starts_with("unknown key `at_lest`"), "{message}");
        assert!(help.starts_with("did you mean `at_least`?"), "{help}");
        let (_, help) =
            unknown_key("unknown field `ouput`, expected `output` or `label`").unwrap_or_default();
        assert!(help.starts_with("did you mean `output`?"), "{help}");
        let (_, help) =
            unknown_key("unknown field `colour`, expected `output` or `label`").unwrap_or_default();
        assert!(!help.contains("did you mean"), "{help}");
        assert!(unknown_key("invalid type: string, expected a table").is_none());
    }

    #[test]
    fn names_are_recovered_from_a_file_that_does_not_load() {
        let valid_toml = "[tables.meal_rate]\nkey = \"integer\"\nrows = [{ at_lest = 60 }]\n[programs.p.values.x]\nformula = \"1\"\n";
        let names = defined_names(valid_toml);
        assert!(names.contains("meal_rate") && names.contains("p") && names.contains("x"));
        let broken = "[parameters.standard]\ntype = \"money\"\nvalue = = 1\n[entities.household.inputs.income]\n";
        let names = defined_names(broken);
        assert!(names.contains("standard") && names.contains("household"));
        assert!(names.contains("income"));
    }

    #[test]
    fn only_follow_ons_are_dropped() {
        let defined: HashSet<String> = ["meal_rate".to_string()].into_iter().collect();
        let mut list = vec![
            Diagnostic::new(
                Code::UnknownName,
                "`meal_rate` is neither a function nor a table",
            ),
            Diagnostic::new(Code::UnknownName, "`meal_rat` is not defined"),
            Diagnostic::new(Code::TypeMismatch, "`meal_rate` gives money"),
        ];
        assert_eq!(drop_follow_ons(&mut list, &defined), 1);
        assert_eq!(list.len(), 2);
    }
}
