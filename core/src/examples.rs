//! Worked examples: cases kept beside the rules with their expected outputs.
//!
//! `bangfu check` runs every example of a rule set. An example gives an
//! entity, a date, an input, optionally a reform, and either expected outputs
//! (`program.eligible`, `program.amount`, `program.<value>`,
//! `program.conditions.<id>`) or an expected error code and path. Amounts are
//! compared as exact decimals: `"245"` and `"245.00"` are equal, `"244.99"`
//! is not.

use crate::outcome::OutValue;
use crate::{money, Date, Error, RuleSet};
use serde_json::Value as Json;

/// The result of one worked example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleResult {
    /// Example id.
    pub id: String,
    /// File it is in.
    pub file: String,
    /// What went wrong; empty when it passed.
    pub failures: Vec<String>,
    /// Each expected output with what the case gave, in the example's
    /// order (empty when the case did not evaluate, or an error was
    /// expected).
    pub checks: Vec<ExampleCheck>,
}

/// One expected output of a worked example and what the case gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleCheck {
    /// What is compared: `dibao.amount`, `dibao.conditions.income`, …
    pub key: String,
    /// The expected value as written (`"735.00"`, `true`).
    pub expected: String,
    /// The value the case gave, written the same way; `None` when the case
    /// has no such output.
    pub got: Option<String>,
    /// Whether they are equal (amounts as exact decimals).
    pub passed: bool,
}

impl ExampleResult {
    /// Whether the example passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Converts TOML input to JSON: dates become `YYYY-MM-DD` strings; floats
/// are refused.
///
/// # Errors
/// A message naming the path of a float.
pub fn toml_to_json(v: &toml::Value, path: &str) -> Result<Json, String> {
    Ok(match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => {
            return Err(format!(
                "{path}: {f} is a TOML float; write numbers and money as strings"
            ))
        }
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| toml_to_json(x, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => Json::Object(
            t.iter()
                .map(|(k, x)| {
                    Ok((
                        k.clone(),
                        toml_to_json(
                            x,
                            &if path.is_empty() {
                                k.clone()
                            } else {
                                format!("{path}.{k}")
                            },
                        )?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn matches(expected: &toml::Value, got: &OutValue) -> bool {
    match (expected, got) {
        (toml::Value::Boolean(b), OutValue::Bool(g)) => b == g,
        (toml::Value::Integer(i), _) => got.decimal() == Some(crate::Decimal::from(*i)),
        (toml::Value::String(s), OutValue::Money(_) | OutValue::Number(..)) => {
            money::parse_decimal(s).is_some_and(|d| got.decimal() == Some(d))
        }
        (toml::Value::String(s), OutValue::Choice(id, _)) => s == id,
        (toml::Value::String(s), OutValue::Date(d)) => Date::parse(s) == Some(*d),
        (toml::Value::Datetime(dt), OutValue::Date(d)) => Date::parse(&dt.to_string()) == Some(*d),
        _ => false,
    }
}

fn show(got: &OutValue) -> String {
    match got.to_json() {
        Json::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// Runs every worked example of a rule set.
pub fn run_examples(rules: &RuleSet) -> Vec<ExampleResult> {
    rules
        .example_sources()
        .iter()
        .map(|ex| run_one(rules, &ex.file, ex.decl.get_ref()))
        .collect()
}

fn run_one(rules: &RuleSet, file: &str, ex: &crate::syntax::ExampleDecl) -> ExampleResult {
    let mut failures = Vec::new();
    let mut checks = Vec::new();
    let result = |failures, checks| ExampleResult {
        id: ex.id.clone(),
        file: file.to_string(),
        failures,
        checks,
    };
    let as_of = match ex.as_of.get_ref() {
        toml::Value::Datetime(d) => Date::parse(&d.to_string()),
        toml::Value::String(s) => Date::parse(s),
        _ => None,
    };
    let Some(as_of) = as_of else {
        return result(vec!["`as_of` is not a date".into()], checks);
    };
    let reformed;
    let rules = match &ex.reform {
        Some(table) => {
            let reform = match crate::Reform::from_toml_table(table) {
                Ok(r) => r,
                Err(errors) => {
                    return result(
                        errors.iter().map(|e| format!("reform: {e}")).collect(),
                        checks,
                    )
                }
            };
            match rules.reform(&reform) {
                Ok(r) => {
                    reformed = r;
                    &reformed
                }
                Err(e) => return result(vec![format!("the reform does not load: {e}")], checks),
            }
        }
        None => rules,
    };
    let input = match toml_to_json(&toml::Value::Table(ex.input.clone()), "") {
        Ok(j) => j,
        Err(e) => return result(vec![e], checks),
    };
    let programs: Vec<String> = ex
        .expect
        .keys()
        .filter_map(|k| crate::check::expected_program(k).map(str::to_string))
        .fold(Vec::new(), |mut acc, p| {
            if !acc.contains(&p) {
                acc.push(p);
            }
            acc
        });
    let filter = (!programs.is_empty()).then_some(programs.as_slice());
    let outcome = rules.evaluate_json(&ex.entity, &input, as_of, filter);
    match (&ex.expect_error, outcome) {
        (Some(want), Err(err)) => {
            let (codes, locs): (Vec<&str>, Vec<String>) = match &err {
                Error::Input(errors) => (
                    errors.iter().map(|e| e.code).collect(),
                    errors.iter().map(|e| e.loc.clone()).collect(),
                ),
                other => (vec![other.code()], vec![]),
            };
            if !codes.contains(&want.code.as_str()) {
                failures.push(format!("expected error `{}`, got: {err}", want.code));
            } else if let Some(loc) = &want.loc {
                if !locs.contains(loc) {
                    failures.push(format!("expected error at `{loc}`, got: {err}"));
                }
            }
        }
        (Some(want), Ok(_)) => failures.push(format!(
            "expected error `{}`, but the case evaluated",
            want.code
        )),
        (None, Err(err)) => failures.push(format!("evaluation failed: {err}")),
        (None, Ok(outcome)) => {
            if ex.expect.is_empty() {
                failures.push("the example expects nothing; add `expect` or `expect_error`".into());
            }
            for (key, want) in &ex.expect {
                let got = outcome.get(key);
                let passed = got.as_ref().is_some_and(|got| matches(want, got));
                match &got {
                    None => failures.push(format!("`{key}` is not an output of this case")),
                    Some(got) if !passed => {
                        failures.push(format!("`{key}`: expected {want}, got {}", show(got)))
                    }
                    Some(_) => {}
                }
                checks.push(ExampleCheck {
                    key: key.clone(),
                    expected: want.to_string(),
                    got: got.as_ref().map(show),
                    passed,
                });
            }
        }
    }
    result(failures, checks)
}
