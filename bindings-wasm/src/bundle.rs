//! Rule bundles: a rule set's files as one JSON document.
//!
//! A browser cannot list a folder, so the build writes the rule files into
//! one JSON object that a page fetches (or inlines) and hands to
//! `RuleSet.fromBundle`:
//!
//! ```json
//! {"format": "bangfu-rules/1", "ruleset": "cn-qingdao-chengyang",
//!  "files": {"ruleset.toml": "…", "programs/dibao.toml": "…"}}
//! ```
//!
//! The files are the rule set's own text, keyed by their path relative to its
//! root, so a rule set loaded from a bundle has the same content hash as the
//! folder it came from.

use crate::failure::Failure;
use bangfu::Sources;
use serde_json::{json, Map, Value as Json};

/// The value of the bundle's `format` field.
pub const FORMAT: &str = "bangfu-rules/1";

/// The bundle of a rule set's files, as JSON.
pub fn write(ruleset: &str, sources: &Sources) -> Json {
    let files: Map<String, Json> = sources
        .files()
        .map(|(path, text)| (path.to_string(), Json::String(text.to_string())))
        .collect();
    json!({"format": FORMAT, "ruleset": ruleset, "files": files})
}

/// The `(path, text)` pairs of a bundle.
///
/// # Errors
/// `invalid_bundle` when the document is not a bundle of this format.
pub fn read(bundle: &Json) -> Result<Vec<(String, String)>, Failure> {
    let format = bundle.get("format").and_then(Json::as_str);
    if format != Some(FORMAT) {
        return Err(Failure::at(
            "invalid_bundle",
            "format",
            format!(
                "not a rule bundle: expected \"format\": \"{FORMAT}\", found {}",
                format.map_or_else(|| "none".to_string(), |f| format!("\"{f}\""))
            ),
        ));
    }
    match bundle.get("files") {
        Some(files) => files_of(files, "files"),
        None => Err(Failure::at(
            "invalid_bundle",
            "files",
            "the bundle has no \"files\" object",
        )),
    }
}

/// The `(path, text)` pairs of an object mapping paths to file text.
///
/// # Errors
/// `wrong_type` when it is not an object or a value is not a string.
pub fn files_of(files: &Json, loc: &str) -> Result<Vec<(String, String)>, Failure> {
    let Json::Object(map) = files else {
        return Err(Failure::at(
            "wrong_type",
            loc,
            "expected an object mapping file paths to their text",
        ));
    };
    map.iter()
        .map(|(path, text)| match text {
            Json::String(t) => Ok((path.clone(), t.clone())),
            _ => Err(Failure::at(
                "wrong_type",
                &format!("{loc}[{path:?}]"),
                format!("the text of `{path}` must be a string"),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_round_trips() {
        let sources = Sources::from_files([("a.toml", "x = 1"), ("b/c.toml", "y = 2")]).unwrap();
        let files = read(&write("demo", &sources)).unwrap();
        assert_eq!(
            files,
            vec![
                ("a.toml".to_string(), "x = 1".to_string()),
                ("b/c.toml".to_string(), "y = 2".to_string())
            ]
        );
    }

    #[test]
    fn other_documents_are_refused() {
        let err = read(&json!({"files": {}})).unwrap_err();
        assert_eq!((err.code, err.loc.as_str()), ("invalid_bundle", "format"));
        let err = read(&json!({"format": FORMAT, "files": {"a.toml": 3}})).unwrap_err();
        assert_eq!(err.code, "wrong_type");
    }
}
