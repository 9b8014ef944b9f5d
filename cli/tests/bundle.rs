//! `bangfu bundle`: a checked, compiled rule set written as one file.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod common;

use bangfu::RuleSet;
use common::{bangfu, repo};

#[test]
fn bundle_writes_a_file_that_loads_as_the_rule_set() {
    let out = std::env::temp_dir().join(format!("bangfu-bundle-{}.bin", std::process::id()));
    let out_arg = out.to_str().unwrap();
    let o = bangfu(
        &["bundle", "rules/cn-qingdao-chengyang", "-o", out_arg],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rules = RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang")).unwrap();
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(said.contains(rules.hash()), "{said}");
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    let back = RuleSet::from_bundle(&bytes).unwrap();
    assert_eq!((back.id(), back.hash()), (rules.id(), rules.hash()));
}

#[test]
fn a_rule_set_that_does_not_check_is_not_bundled() {
    let out = std::env::temp_dir().join(format!("bangfu-bundle-bad-{}.bin", std::process::id()));
    let dir = "tests/fixtures/invalid/dependency-cycle-values";
    let o = bangfu(&["bundle", dir, "-o", out.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not load"));
    assert!(!out.exists());
}
