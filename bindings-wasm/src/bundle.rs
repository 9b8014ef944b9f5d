//! Rule bundles: precompiled rule sets (`bangfu bundle`), read by both
//! modules with `RuleSet.fromBundle(bytes)`. The rule files themselves,
//! as an object mapping paths to TOML text, are read by the authoring
//! module's `RuleSet.fromFiles` ([`files_of`]).

use crate::failure::Failure;
use serde_json::json;
#[cfg(feature = "authoring")]
use serde_json::Value as Json;

/// A rule set from a bundle's bytes.
///
/// # Errors
/// The bundle's own code (`bundle_not_a_bundle`, `bundle_version`,
/// `bundle_length`, `bundle_checksum`, `bundle_hash`, `bundle_corrupt`) at
/// `bundle`, with the message in Chinese and English.
pub fn read(bytes: &[u8]) -> Result<bangfu::RuleSet, Failure> {
    bangfu::RuleSet::from_bundle(bytes).map_err(|e| {
        let (zh, en) = (e.message(bangfu::Lang::Zh), e.message(bangfu::Lang::En));
        Failure {
            code: e.code(),
            message: e.to_string(),
            loc: "bundle".into(),
            errors: vec![json!({"code": e.code(), "loc": "bundle", "msg": en, "message": {"zh": zh, "en": en}})],
        }
    })
}

#[cfg(feature = "authoring")]
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
#[cfg(feature = "authoring")]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_loads_and_a_bad_one_is_refused_in_both_languages() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/cn-qingdao-chengyang");
        let rules = bangfu::RuleSet::load_dir(dir).unwrap();
        let bytes = rules.to_bundle();
        assert_eq!(read(&bytes).unwrap().hash(), rules.hash());
        let err = read(&bytes[..100]).unwrap_err();
        assert_eq!((err.code, err.loc.as_str()), ("bundle_length", "bundle"));
        assert!(err.errors[0]["message"]["zh"]
            .as_str()
            .unwrap()
            .contains("规则包"));
    }

    #[test]
    fn file_maps_must_hold_text() {
        let err = files_of(&json!({"a.toml": 3}), "files").unwrap_err();
        assert_eq!(err.code, "wrong_type");
        assert!(files_of(&json!([]), "files").is_err());
    }
}
