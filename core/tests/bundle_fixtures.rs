//! Every file under `tests/fixtures/bundle/` is refused by
//! `RuleSet::from_bundle` with the code its name gives, and a message in
//! Chinese and English; the refusals that depend on a real rule set's
//! bundle (a content hash that does not match) are made here from the
//! `valid/minimal` fixture.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use bangfu::{Lang, RuleSet};
use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

#[test]
fn each_bundle_fixture_is_refused_with_its_code() {
    let mut n = 0;
    for entry in std::fs::read_dir(fixtures().join("bundle")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "bangfu") {
            continue;
        }
        let want = path.file_stem().unwrap().to_string_lossy().into_owned();
        let err = RuleSet::from_bundle(&std::fs::read(&path).unwrap()).unwrap_err();
        assert_eq!(err.code(), want, "{}: {err}", path.display());
        assert!(
            !err.message(Lang::Zh).is_empty() && err.message(Lang::Zh) != err.message(Lang::En)
        );
        n += 1;
    }
    assert!(n >= 5, "only {n} fixtures");
}

#[test]
fn a_bundle_whose_hash_does_not_match_is_refused() {
    let rules = RuleSet::load_dir(fixtures().join("valid/minimal")).unwrap();
    let mut bytes = rules.to_bundle();
    assert_eq!(RuleSet::from_bundle(&bytes).unwrap().hash(), rules.hash());
    bytes[10] ^= 0xff;
    let err = RuleSet::from_bundle(&bytes).unwrap_err();
    assert_eq!(err.code(), "bundle_hash");
    assert!(err.message(Lang::Zh).contains("哈希"));
}
