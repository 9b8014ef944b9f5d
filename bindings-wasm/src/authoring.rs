//! What the rule playground asks of the authoring module: rule files
//! checked with every diagnostic located (errors, or the warnings of a rule
//! set that loads), and the worked examples run. The checker and the
//! example runner are the core's; this turns their answers into JSON.

use bangfu::{Diagnostic, Lang, RuleSet};
use serde_json::{json, Value as Json};

/// Checks rule files: `{loads, errors, warnings, diagnostics}`, each
/// diagnostic with its code, name, severity, message, what the code means
/// in Chinese and English (`summary`), and where it is (`file`, `line`,
/// `column`, `loc` as `file:line:col`, `source_line`), in file order.
pub fn check_files(files: Vec<(String, String)>) -> Json {
    let diagnostics: Vec<Json> = match RuleSet::from_files(files) {
        Ok(rules) => rules
            .warnings()
            .iter()
            .map(|d| located(d, d.to_record(rules.sources())))
            .collect(),
        Err(e) => e
            .diagnostics
            .iter()
            .map(|d| located(d, d.to_record(&e.sources)))
            .collect(),
    };
    let count = |severity: &str| {
        diagnostics
            .iter()
            .filter(|d| d["severity"] == severity)
            .count()
    };
    let errors = count("error");
    json!({
        "loads": errors == 0,
        "errors": errors,
        "warnings": count("warning"),
        "diagnostics": diagnostics,
    })
}

fn located(d: &Diagnostic, r: bangfu::DiagnosticRecord) -> Json {
    let loc = match (&r.file, r.line, r.column) {
        (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
        (Some(f), _, _) => f.clone(),
        _ => String::new(),
    };
    json!({
        "code": r.code, "name": r.name, "severity": r.severity, "message": r.message,
        "summary": {"zh": d.code.summary_in(Lang::Zh), "en": d.code.summary_in(Lang::En)},
        "file": r.file, "line": r.line, "column": r.column, "loc": loc,
        "source_line": r.source_line, "help": r.help,
    })
}

/// Runs the rule set's worked examples: for each, `{id, file, passed,
/// checks, failures}`, where `checks` lists each expected output with what
/// the case gave (`{key, expected, got, passed}`) and `failures` says what
/// went wrong otherwise (an evaluation that failed, an error expected).
pub fn run_examples(rules: &RuleSet) -> Json {
    bangfu::examples::run_examples(rules)
        .into_iter()
        .map(|r| {
            let checks: Vec<Json> = r
                .checks
                .iter()
                .map(|c| json!({"key": c.key, "expected": c.expected, "got": c.got, "passed": c.passed}))
                .collect();
            json!({
                "id": r.id, "file": r.file, "passed": r.passed(),
                "checks": checks, "failures": r.failures,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files(dir: &str) -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "toml") {
                    let rel = path
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push((rel, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        out
    }

    #[test]
    fn a_mistake_is_located_and_summarised_in_both_languages() {
        let good = check_files(files("rules/example-city"));
        assert_eq!(good["loads"], true, "{good}");
        let mut broken = files("rules/example-city");
        let (path, text) = broken
            .iter_mut()
            .find(|(p, _)| p.ends_with("dibao.toml") && p.starts_with("programs"))
            .unwrap();
        let line = text.lines().position(|l| l.contains("formula")).unwrap() + 1;
        *text = text.replacen("formula = \"", "formula = \"no_such_value + ", 1);
        let path = path.clone();
        let report = check_files(broken);
        assert_eq!(report["loads"], false);
        let d = &report["diagnostics"][0];
        assert_eq!(d["code"], "E0010", "{report}");
        assert_eq!(d["file"], path.as_str());
        assert_eq!(d["line"], line);
        assert!(d["summary"]["zh"].as_str().unwrap().contains("未定义"));
        assert!(d["summary"]["en"].as_str().unwrap().contains("not defined"));
        assert_eq!(d["loc"], format!("{path}:{line}:{}", d["column"]));
    }

    #[test]
    fn worked_examples_report_expected_and_got() {
        let rules = RuleSet::from_files(files("rules/example-city")).unwrap();
        let results = run_examples(&rules);
        let results = results.as_array().unwrap();
        assert!(!results.is_empty());
        assert!(results.iter().all(|r| r["passed"] == true), "{results:?}");
        let check = &results[0]["checks"][0];
        assert_eq!(check["passed"], true);
        assert!(check["expected"].is_string() && check["got"].is_string());
        // A reform that changes a figure makes the examples that depend on it fail.
        let mut changed = files("rules/example-city");
        for (_, text) in changed.iter_mut() {
            *text = text.replace("value = \"1000\"", "value = \"900\"");
        }
        let rules = RuleSet::from_files(changed).unwrap();
        let results = run_examples(&rules);
        let failed: Vec<&Json> = results
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["passed"] == false)
            .collect();
        assert!(!failed.is_empty(), "{results}");
        let bad = failed[0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["passed"] == false)
            .unwrap();
        assert_ne!(bad["expected"], bad["got"]);
    }
}
