//! What the test files of the binary share: where the repository is, and
//! the conformance suite (`tests/conformance/*.json`) as data.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, dead_code)]

use serde_json::Value as Json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every conformance case with its rule-set folder, file by file in name
/// order.
pub fn conformance_cases() -> Vec<(String, Json)> {
    let dir = repo().join("tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/conformance")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let doc: Json =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("valid JSON");
        let ruleset = doc["ruleset"].as_str().expect("ruleset").to_string();
        for c in doc["cases"].as_array().expect("cases") {
            out.push((ruleset.clone(), c.clone()));
        }
    }
    out
}

/// Runs `bangfu` from the repository root, with `stdin` as standard input.
pub fn bangfu<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bangfu starts");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            // A command that fails before reading its input closes the pipe.
            let _ = input.write_all(text.as_bytes());
        }
    }
    child.wait_with_output().expect("bangfu runs")
}
