//! What several test files share.
#![allow(clippy::panic, dead_code)]

use bangfu::RuleSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Chengyang rule set, loaded once per test binary.
pub fn chengyang() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang"))
            .unwrap_or_else(|e| panic!("the Chengyang rule set does not load:\n{}", e.render()))
    })
}
