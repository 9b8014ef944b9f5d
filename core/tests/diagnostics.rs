//! Diagnostic fixtures: broken rule sets with their expected diagnostics.
//!
//! Each folder under `tests/fixtures/invalid/` is a small rule set, a copy of
//! `tests/fixtures/valid/minimal/` with one defect (or, for
//! `several-defects`, several in several files), and an `expected.txt`
//! beside it listing every diagnostic the loader must report, one per line:
//!
//! ```text
//! # comment
//! E0003 float-literal parameters.toml:10:9
//! E0005 missing-ruleset
//! E0002 file-too-large huge.toml
//! ```
//!
//! that is, the code, its name, and `file:line:col` (1-based, columns in
//! characters) when the diagnostic has a place, or just the file when it
//! names a file without a place. The lists are compared exactly, ignoring
//! order: nothing missing, nothing extra. A folder may also hold
//! `generate.txt`, lines of `FILE BYTES`: the runner copies the fixture to a
//! scratch folder and writes FILE there as BYTES bytes of TOML comment, so
//! that a file too large to keep in the repository can still be tested.
//!
//! A fixture whose `expected.txt` has a `# known-bug:` comment states the
//! correct diagnostics for a case the engine gets wrong today: the main test
//! only checks that it still fails to load, and the ignored test
//! `known_bug_fixtures` compares it exactly (`cargo test -- --ignored`).
//!
//! Set `BANGFU_BLESS=1` to rewrite the `expected.txt` files from what the
//! loader reports (keeping their comment lines); review the diff by hand.
//!
//! Every folder under `tests/fixtures/valid/` must load without warnings,
//! and its worked examples must pass. Every folder under
//! `tests/fixtures/warnings/` must load, and its `expected.txt` lists the
//! warnings (codes `W…`) the checker must report, in the same form.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::examples::run_examples;
use bangfu::Code;
use bangfu::LoadError;
use bangfu::RuleSet;
use bangfu::{MAX_FILES, MAX_FILE_BYTES};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// One diagnostic as a line of `expected.txt`.
fn line_of(err: &LoadError, i: usize) -> String {
    record_line(&err.diagnostics[i], &err.records()[i])
}

fn record_line(d: &bangfu::Diagnostic, r: &bangfu::DiagnosticRecord) -> String {
    let place = match (&r.file, r.line, r.column) {
        (Some(f), Some(l), Some(c)) => format!(" {f}:{l}:{c}"),
        (Some(f), _, _) => format!(" {f}"),
        _ => String::new(),
    };
    format!("{} {}{place}", d.code.code(), d.code.name())
}

fn reported(err: &LoadError) -> Vec<String> {
    (0..err.diagnostics.len())
        .map(|i| line_of(err, i))
        .collect()
}

/// Copies `dir` to a scratch folder and writes the files `generate.txt` asks for.
fn materialise(dir: &Path) -> PathBuf {
    let gen = dir.join("generate.txt");
    if !gen.exists() {
        return dir.to_path_buf();
    }
    let name = dir.file_name().expect("fixture name");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fixtures")
        .join(name);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    for entry in std::fs::read_dir(dir).expect("fixture folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, scratch.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let spec = std::fs::read_to_string(&gen).expect("generate.txt");
    for line in spec.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `link NAME TARGET`: a symbolic link; `fifo NAME`: a named pipe.
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["link", name, target] => {
                #[cfg(unix)]
                std::os::unix::fs::symlink(target, scratch.join(name)).expect("symlink");
                continue;
            }
            ["fifo", name] => {
                let made = std::process::Command::new("mkfifo")
                    .arg(scratch.join(name))
                    .status()
                    .expect("mkfifo runs");
                assert!(made.success(), "mkfifo");
                continue;
            }
            _ => {}
        }
        let (file, bytes) = line.split_once(' ').expect("FILE BYTES");
        let bytes: usize = bytes.trim().parse().expect("a byte count");
        let mut text = String::with_capacity(bytes);
        while text.len() < bytes {
            let row = "# padding to make this rule file larger than the loader accepts\n";
            text.push_str(&row[..row.len().min(bytes - text.len())]);
        }
        std::fs::write(scratch.join(file), text).expect("write generated file");
    }
    scratch
}

fn expected(dir: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(dir.join("expected.txt"))
        .unwrap_or_else(|_| panic!("{} has no expected.txt", dir.display()));
    let mut comments = Vec::new();
    let mut lines = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') {
            comments.push(line.to_string());
        } else if !t.is_empty() {
            lines.push(t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    (comments, lines)
}

fn is_known_bug(dir: &Path) -> bool {
    expected(dir)
        .0
        .iter()
        .any(|c| c.trim_start_matches('#').trim().starts_with("known-bug:"))
}

#[test]
fn invalid_fixtures_report_exactly_the_expected_diagnostics() {
    let dirs: Vec<PathBuf> = subdirs(&fixtures().join("invalid"))
        .into_iter()
        .filter(|d| !is_known_bug(d))
        .collect();
    assert!(
        dirs.len() >= 30,
        "only {} invalid fixtures found",
        dirs.len()
    );
    compare_fixtures(&dirs, std::env::var_os("BANGFU_BLESS").is_some());
}

#[test]
fn known_bug_fixtures_still_fail_to_load() {
    for dir in subdirs(&fixtures().join("invalid"))
        .into_iter()
        .filter(|d| is_known_bug(d))
    {
        assert!(
            RuleSet::load_dir(materialise(&dir)).is_err(),
            "{} loads",
            dir.display()
        );
    }
}

/// The warnings of a rule set that loads, as lines of `expected.txt`.
fn warning_lines(rules: &RuleSet) -> Vec<String> {
    rules
        .warnings()
        .iter()
        .map(|w| record_line(w, &w.to_record(rules.sources())))
        .collect()
}

#[test]
fn warning_fixtures_load_and_report_exactly_the_expected_warnings() {
    let bless = std::env::var_os("BANGFU_BLESS").is_some();
    let dirs = subdirs(&fixtures().join("warnings"));
    assert!(dirs.len() >= 4, "only {} warning fixtures", dirs.len());
    let mut report = String::new();
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().to_string());
        let name = name.unwrap_or_default();
        let rules = match RuleSet::load_dir(&dir) {
            Ok(r) => r,
            Err(e) => {
                report.push_str(&format!("{name}: does not load:\n{}\n", e.render()));
                continue;
            }
        };
        for r in run_examples(&rules) {
            if !r.passed() {
                report.push_str(&format!(
                    "{name}: example {} fails: {:?}\n",
                    r.id, r.failures
                ));
            }
        }
        let mut got = warning_lines(&rules);
        let (comments, mut want) = expected(&dir);
        if bless {
            let mut text = comments.join("\n");
            text.push('\n');
            for l in &got {
                text.push_str(l);
                text.push('\n');
            }
            std::fs::write(dir.join("expected.txt"), text).expect("write expected.txt");
            continue;
        }
        got.sort();
        want.sort();
        if got != want || got.is_empty() {
            report.push_str(&format!(
                "{name}:\n  reported: {got:?}\n  expected: {want:?}\n"
            ));
        }
    }
    assert!(report.is_empty(), "warning fixtures differ:\n{report}");
}

/// The first diagnostic says what is wrong and what to write instead.
#[test]
fn diagnostics_name_the_cause_and_the_fix() {
    let cases = [
        (
            "table-unknown-key",
            "unknown key `at_lest`",
            "did you mean `at_least`?",
        ),
        (
            "table-unknown-key-output",
            "unknown key `ouput`",
            "did you mean `output`?",
        ),
        (
            "unknown-name-in-template",
            "`standrd`",
            "did you mean `standard`?",
        ),
        (
            "unknown-reference",
            "source `notise`",
            "did you mean `notice`?",
        ),
        // The overlap names the keys; the help proposes no switch of hit
        // policy, which would change answers without a word.
        (
            "table-overlap",
            "rows 1 and 2 of table `allowance_by_age` both match the key 70",
            "move a bound of row 1 or row 2",
        ),
    ];
    for (fixture, message, help) in cases {
        let err = RuleSet::load_dir(fixtures().join("invalid").join(fixture))
            .expect_err("the fixture does not load");
        let first = &err.diagnostics[0];
        assert!(
            first.message.contains(message),
            "{fixture}: {}",
            first.message
        );
        let got = first.help.clone().unwrap_or_default();
        assert!(got.contains(help), "{fixture}: {got}");
        assert!(!got.contains("first"), "{fixture}: {got}");
    }
}

/// Overlapping bands name the keys where they overlap, in words.
#[test]
fn overlaps_and_shadowed_rows_name_the_keys() {
    let base = fixtures().join("valid/minimal");
    let read = |f: &str| std::fs::read_to_string(base.join(f)).expect("base file");
    let with_rows = |hit: &str, rows: &str| {
        let params = read("parameters.toml");
        let start = params.find("hit = \"unique\"").expect("hit");
        let params = format!(
            "{}hit = \"{hit}\"\ndefault = \"0 CNY\"\nrows = [\n{rows}]\n",
            &params[..start]
        );
        RuleSet::from_files(vec![
            ("ruleset.toml".to_string(), read("ruleset.toml")),
            ("parameters.toml".to_string(), params),
            ("programs.toml".to_string(), read("programs.toml")),
            ("examples.toml".to_string(), read("examples.toml")),
        ])
    };
    // An age of 90 is in both bands: under `unique`, an error naming 70 to 99.
    let rows = "{ at_least = 60, output = \"30 CNY\" },\n{ at_least = 70, at_most = 99, output = \"60 CNY\" },\n";
    let err = with_rows("unique", rows).expect_err("overlap");
    assert_eq!(err.diagnostics.len(), 1, "{}", err.render());
    assert!(
        err.diagnostics[0]
            .message
            .ends_with("both match keys 70 to 99"),
        "{}",
        err.render()
    );
    // Under `first`, the second row never applies: a warning says so.
    let rules = with_rows("first", rows).expect("loads");
    let w = rules.warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].code, Code::ShadowedRow);
    assert!(
        w[0].message
            .contains("row 2 of table `allowance_by_age` never applies"),
        "{}",
        w[0].message
    );
    // Money keys: the ends say whether they are included.
    let params = read("parameters.toml").replace(
        "key = \"integer\"\nkey_unit = \"years\"",
        "key = \"number\"\nkey_unit = \"years\"",
    );
    let start = params.find("hit = \"unique\"").expect("hit");
    let params = format!("{}hit = \"unique\"\ndefault = \"0 CNY\"\nrows = [\n{{ at_least = 60, below = 70, output = \"30 CNY\" }},\n{{ above = 65, output = \"60 CNY\" }},\n]\n", &params[..start]);
    let err = RuleSet::from_files(vec![
        ("ruleset.toml".to_string(), read("ruleset.toml")),
        ("parameters.toml".to_string(), params),
        ("programs.toml".to_string(), read("programs.toml")),
    ])
    .expect_err("overlap");
    let overlap = err
        .diagnostics
        .iter()
        .find(|d| d.code == Code::TableOverlap)
        .expect("E0020");
    assert!(
        overlap
            .message
            .ends_with("both match keys from 65 (excluded) to 70 (excluded)"),
        "{}",
        overlap.message
    );
}

/// The caret sits under the fault on a terminal, where a Chinese
/// character takes two columns.
#[test]
fn carets_count_terminal_columns() {
    let err = RuleSet::load_dir(fixtures().join("invalid/unknown-name-in-template"))
        .expect_err("the fixture does not load");
    let text = err.render();
    let lines: Vec<&str> = text.lines().collect();
    let source = lines
        .iter()
        .position(|l| l.starts_with("18 | "))
        .expect("source line");
    let caret_line = lines[source + 1];
    let caret_at = caret_line.find('^').expect("caret") - "   | ".len();
    let line = &lines[source]["18 | ".len()..];
    let before = &line[..line.find("{standrd}").expect("placeholder") + 1];
    let columns: usize = before
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    assert_eq!(caret_at, columns, "{text}");
    assert_eq!(caret_line.matches('^').count(), "standrd".len());
    // Columns in records stay counted in characters, as editors count them.
    assert_eq!(err.records()[0].column, Some(49));
}

fn compare_fixtures(dirs: &[PathBuf], bless: bool) {
    let mut report = String::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let root = materialise(dir);
        let err = match RuleSet::load_dir(&root) {
            Ok(_) => {
                report.push_str(&format!("{name}: the rule set loads, but it should not\n"));
                continue;
            }
            Err(e) => e,
        };
        let mut got = reported(&err);
        let (comments, mut want) = expected(dir);
        if bless {
            let mut text = comments.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            for l in &got {
                text.push_str(l);
                text.push('\n');
            }
            std::fs::write(dir.join("expected.txt"), text).expect("write expected.txt");
            continue;
        }
        got.sort();
        want.sort();
        if got != want {
            let got_set: BTreeSet<_> = got.iter().collect();
            let want_set: BTreeSet<_> = want.iter().collect();
            report.push_str(&format!("{name}:\n"));
            for missing in want.iter().filter(|w| !got_set.contains(w)) {
                report.push_str(&format!("  missing:    {missing}\n"));
            }
            for extra in got.iter().filter(|g| !want_set.contains(g)) {
                report.push_str(&format!("  unexpected: {extra}\n"));
            }
            if got.len() != want.len() {
                report.push_str(&format!(
                    "  {} reported, {} expected\n",
                    got.len(),
                    want.len()
                ));
            }
            report.push_str(&format!("  as rendered:\n{}\n", err.render()));
        }
    }
    assert!(report.is_empty(), "diagnostic fixtures differ:\n{report}");
}

/// Every code of the catalogue that a rule set can trigger has a fixture.
#[test]
fn every_code_has_a_fixture() {
    let mut seen = BTreeSet::new();
    let mut dirs = subdirs(&fixtures().join("invalid"));
    dirs.extend(subdirs(&fixtures().join("warnings")));
    for dir in dirs {
        for line in expected(&dir).1 {
            if let Some(code) = line.split_whitespace().next() {
                seen.insert(code.to_string());
            }
        }
    }
    let missing: Vec<String> = Code::ALL
        .iter()
        .filter(|c| !seen.contains(c.code()))
        .map(|c| c.to_string())
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

/// Each rendered diagnostic shows the code, the place and the source line.
#[test]
fn rendered_diagnostics_show_place_and_source_line() {
    let err = RuleSet::load_dir(fixtures().join("invalid/float-literal"))
        .expect_err("the fixture does not load");
    let text = err.render();
    let d = &err.records()[0];
    assert!(text.contains("error[E0003 float-literal]"), "{text}");
    let place = format!(
        "--> {}:{}:{}",
        d.file.as_deref().unwrap_or(""),
        d.line.unwrap_or(0),
        d.column.unwrap_or(0)
    );
    assert!(text.contains(&place), "{text}");
    let source_line = d.source_line.clone().unwrap_or_default();
    assert!(source_line.contains("1000.0"), "{source_line}");
    assert!(text.contains(&source_line), "{text}");
    assert!(text.contains('^'), "{text}");
    assert!(text.contains("= help:"), "{text}");
}

#[test]
fn valid_fixtures_load_and_their_examples_pass() {
    for dir in subdirs(&fixtures().join("valid")) {
        let rules = RuleSet::load_dir(&dir)
            .unwrap_or_else(|e| panic!("{} does not load:\n{}", dir.display(), e.render()));
        assert_eq!(
            warning_lines(&rules),
            Vec::<String>::new(),
            "{}",
            dir.display()
        );
        let results = run_examples(&rules);
        assert!(
            !results.is_empty(),
            "{} has no worked examples",
            dir.display()
        );
        for r in results {
            assert!(
                r.passed(),
                "{}: example {} fails: {:?}",
                dir.display(),
                r.id,
                r.failures
            );
        }
    }
}

/// In-memory rule sets are held to the same limits as folders.
#[test]
fn in_memory_files_over_the_limit_are_refused() {
    let base = fixtures().join("valid/minimal");
    let mut files: Vec<(String, String)> = ["ruleset.toml", "parameters.toml", "programs.toml"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read_to_string(base.join(f)).expect("base file"),
            )
        })
        .collect();
    assert!(RuleSet::from_files(files.clone()).is_ok());
    files.push(("huge.toml".into(), "#".repeat(MAX_FILE_BYTES + 1)));
    let err = RuleSet::from_files(files).expect_err("a file over the limit is refused");
    assert_eq!(
        reported(&err),
        vec!["E0002 file-too-large huge.toml".to_string()]
    );
}

#[test]
fn too_many_files_are_refused() {
    let files: Vec<(String, String)> = (0..=MAX_FILES)
        .map(|i| (format!("f{i:04}.toml"), String::new()))
        .collect();
    let err = RuleSet::from_files(files).expect_err("too many files");
    assert!(err.diagnostics.iter().all(|d| d.code == Code::FileTooLarge));
    assert!(!err.diagnostics.is_empty());
}

/// A rule set with more items than the loader accepts is refused (the
/// limit keeps a hostile rule file from exhausting a browser tab).
#[test]
fn too_many_items_are_refused() {
    let base = fixtures().join("valid/minimal");
    let mut files: Vec<(String, String)> = vec![(
        "ruleset.toml".into(),
        std::fs::read_to_string(base.join("ruleset.toml")).expect("base file"),
    )];
    let per_file = 500;
    for f in 0..11 {
        let mut text = String::new();
        for i in 0..per_file {
            let n = f * per_file + i;
            text.push_str(&format!(
                "[parameters.p{n}]\ntype = \"money\"\nlabel = {{ zh = \"参数\", en = \"P\" }}\n\n[[parameters.p{n}.history]]\nfrom = 2023-01-01\nvalue = \"1\"\nstatus = \"published\"\nsource = {{ ref = \"notice\", quote = \"1\" }}\n\n"
            ));
        }
        files.push((format!("p{f:02}.toml"), text));
    }
    let err = RuleSet::from_files(files).expect_err("too many items");
    assert!(
        err.diagnostics.iter().any(|d| d.code == Code::FileTooLarge),
        "{}",
        err.render()
    );
}
