//! The fuzz targets, shared by the fuzzer (`main.rs`) and the replay of
//! its regression files (`core/tests/fuzz_regressions.rs`): each feeds one
//! input to the public API and returns a signature of the outcome; a panic
//! is the only failure.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, dead_code)]

use bangfu::settle::{settle_csv, Limits};
use bangfu::{Date, Lang, Reform, RuleSet};
use std::path::{Path, PathBuf};

/// The targets, by name.
pub const TARGETS: [&str; 5] = ["rules", "case", "settle", "reform", "bundle"];

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn chengyang() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::load_dir(repo().join("rules/cn-qingdao-chengyang")).expect("the rule set loads")
    })
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

/// Runs one input; returns a signature of its outcome. `rng_pick`
/// chooses among variants: the rule file replaced, the date, the month,
/// strictness, the reform's form.
pub fn run(target: &str, input: &[u8], rng_pick: usize) -> String {
    let rules = chengyang();
    match target {
        "rules" => {
            // The input replaces one file of the rule set.
            let files: Vec<(String, String)> = rules
                .sources()
                .files()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect();
            let k = rng_pick % files.len().max(1);
            let text = String::from_utf8_lossy(input).into_owned();
            let files: Vec<(String, String)> = files
                .into_iter()
                .enumerate()
                .map(|(i, (p, t))| if i == k { (p, text.clone()) } else { (p, t) })
                .collect();
            match RuleSet::from_files(files) {
                Ok(r) => {
                    let case = serde_json::json!({"registered_locally": true, "financial_assets": "0",
                        "members": [{"birth_date": "1950-01-01", "monthly_income": "100"}]});
                    match r.evaluate_json("household", &case, day("2023-09-06"), None) {
                        Ok(o) => {
                            let _ = o.explain(Lang::Zh);
                            let _ = o.to_json();
                            "ok".into()
                        }
                        Err(e) => format!("eval {}", e.code()),
                    }
                }
                Err(e) => {
                    let _ = e.render();
                    let mut codes: Vec<&str> =
                        e.diagnostics.iter().map(|d| d.code.code()).collect();
                    codes.sort_unstable();
                    codes.dedup();
                    format!("load {}", codes.join(","))
                }
            }
        }
        "case" => {
            let text = String::from_utf8_lossy(input);
            let json = match bangfu::json::parse_strict(&text) {
                Ok(j) => j,
                Err(e) => return format!("json {}", e.code),
            };
            let entity = match rules.entity_for_case(None, None, &json) {
                Ok(e) => e,
                Err(e) => return format!("entity {}", e.code()),
            };
            let on = ["2023-09-06", "1800-01-01", "2200-12-31", "2017-04-01"][rng_pick % 4];
            match rules.evaluate_json(&entity, &json, day(on), None) {
                Ok(o) => {
                    let _ = o.explain(Lang::Zh);
                    let _ = o.explain(Lang::En);
                    let _ = o.to_json();
                    "ok".into()
                }
                Err(bangfu::Error::Input(errors)) => {
                    let mut codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
                    codes.sort_unstable();
                    codes.dedup();
                    format!("input {}", codes.join(","))
                }
                Err(e) => format!("eval {}", e.code()),
            }
        }
        "settle" => {
            let strict = rng_pick.is_multiple_of(3);
            let month = ["2023-09", "2023-10", "2022-12"][rng_pick % 3];
            let limits = Limits {
                max_bytes: 1 << 20,
                max_records: 20_000,
                max_errors: 50,
            };
            match settle_csv(rules, "meal_subsidy", month, input, strict, &limits) {
                Ok(s) => {
                    let _ = s.write_json(std::io::sink());
                    let _ = s.write_csv(std::io::sink(), Lang::Zh);
                    let _ = s.write_text(std::io::sink(), Lang::En);
                    let sum = s
                        .per_person
                        .iter()
                        .try_fold(bangfu::Decimal::ZERO, |a, p| a.checked_add(p.amount));
                    assert_eq!(sum, Some(s.total), "per-person totals do not add up");
                    "ok".into()
                }
                Err(bangfu::Error::Input(errors)) => {
                    let mut codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
                    codes.sort_unstable();
                    codes.dedup();
                    format!("input {}", codes.join(","))
                }
                Err(e) => format!("error {}", e.code()),
            }
        }
        "bundle" => {
            // Odd variants reseal the header (length and checksum) over the
            // input's payload, as a hostile writer would, so that mutations
            // reach the decoder and the plan's checks.
            let bytes = if rng_pick % 2 == 1 {
                resealed(input)
            } else {
                input.to_vec()
            };
            match RuleSet::from_bundle(&bytes) {
                Ok(r) => {
                    let _ = r.schemas();
                    let _ = r.programs();
                    let case = serde_json::json!({"registered_locally": true, "financial_assets": "0",
                        "members": [{"birth_date": "1950-01-01", "monthly_income": "100"}]});
                    let on = ["2023-09-06", "2017-04-01"][rng_pick / 2 % 2];
                    let _ = r.evaluate_json("household", &case, day(on), None).map(|o| {
                        let _ = o.explain(Lang::Zh);
                        o.to_json()
                    });
                    "ok".into()
                }
                Err(e) => {
                    let _ = e.message(Lang::Zh);
                    format!("refused {}", e.code())
                }
            }
        }
        _ => {
            let text = String::from_utf8_lossy(input);
            let reform = match rng_pick % 3 {
                0 => Reform::from_toml(&text),
                1 => match bangfu::json::parse_strict(&text) {
                    Ok(j) => Reform::from_json(&j),
                    Err(e) => return format!("json {}", e.code),
                },
                _ => Reform::from_pairs(text.lines()),
            };
            let reform = match reform {
                Ok(r) => r,
                Err(e) => return format!("read {}", e.len().min(3)),
            };
            let _ = reform.hash();
            let _ = reform.to_json();
            match rules.reform(&reform) {
                Ok(r) => {
                    let case = serde_json::json!({"registered_locally": true, "financial_assets": "0",
                        "members": [{"birth_date": "1950-01-01", "monthly_income": "100"}]});
                    match r.evaluate_json("household", &case, day("2023-09-06"), None) {
                        Ok(o) => {
                            let _ = o.explain(Lang::En);
                            "ok".into()
                        }
                        Err(e) => format!("eval {}", e.code()),
                    }
                }
                Err(e) => format!("reform {}", e.code()),
            }
        }
    }
}

/// `input` with its header's payload length and checksum made to match
/// the bytes after the header.
pub fn resealed(input: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let h = bangfu::bundle::HEADER_BYTES;
    if input.len() < h {
        return input.to_vec();
    }
    let (head, payload) = input.split_at(h);
    let mut out = head.to_vec();
    out[42..46].copy_from_slice(&u32::try_from(payload.len()).unwrap_or(0).to_le_bytes());
    out[46..78].copy_from_slice(&Sha256::digest(payload));
    out.extend_from_slice(payload);
    out
}
