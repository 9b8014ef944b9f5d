//! One household, every household program, with the explanation
//! (`RuleSet::evaluate` → `Outcome`) and without (`RuleSet::decide`).
//!
//! `cargo bench -p bangfu --bench one_case`. The household is the first of
//! the synthetic district (seed 2023) with three members that dibao accepts,
//! so every program runs to its amount; `first_household` is household 0.

use bangfu::synthetic::{self, household};
use bangfu::{Case, Date, RuleSet};
use serde_json::Value as Json;
use std::sync::OnceLock;

struct Fixture {
    rules: RuleSet,
    as_of: Date,
    json: Json,
    case: Case,
    first: Case,
}

fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/cn-qingdao-chengyang");
        let rules = RuleSet::load_dir(root).ok()?;
        let as_of = synthetic::reference_date()?;
        let dibao = ["dibao".to_string()];
        let json = (0..10_000u64)
            .map(|i| household(2023, i, as_of))
            .filter(|h| h.members.len() == 3)
            .map(|h| h.to_json())
            .find(|j| {
                rules
                    .evaluate_json("household", j, as_of, Some(&dibao))
                    .is_ok_and(|o| o.programs.first().is_some_and(|p| p.eligible))
            })?;
        let case = rules.parse_case("household", &json, as_of).ok()?;
        let first = rules
            .parse_case("household", &household(2023, 0, as_of).to_json(), as_of)
            .ok()?;
        Some(Fixture {
            rules,
            as_of,
            json,
            case,
            first,
        })
    })
    .as_ref()
}

fn main() {
    if fixture().is_none() {
        eprintln!("the rule set or the household did not load");
        std::process::exit(1);
    }
    divan::main();
}

/// Every household program, with the explanation (an `Outcome`).
#[divan::bench(sample_count = 200, sample_size = 50)]
fn with_trace(bencher: divan::Bencher) {
    let Some(f) = fixture() else { return };
    bencher.bench(|| f.rules.evaluate(&f.case, f.as_of, None));
}

/// Every household program, eligibility and amounts only.
#[divan::bench(sample_count = 200, sample_size = 50)]
fn without_trace(bencher: divan::Bencher) {
    let Some(f) = fixture() else { return };
    bencher.bench(|| f.rules.decide(&f.case, f.as_of, None));
}

/// Household 0 of the district, with the explanation.
#[divan::bench(sample_count = 200, sample_size = 50)]
fn first_household_with_trace(bencher: divan::Bencher) {
    let Some(f) = fixture() else { return };
    bencher.bench(|| f.rules.evaluate(&f.first, f.as_of, None));
}

/// Household 0 of the district, without the explanation.
#[divan::bench(sample_count = 200, sample_size = 50)]
fn first_household_without_trace(bencher: divan::Bencher) {
    let Some(f) = fixture() else { return };
    bencher.bench(|| f.rules.decide(&f.first, f.as_of, None));
}

/// From JSON: reading and validating the case, then the explanation.
#[divan::bench(sample_count = 200, sample_size = 50)]
fn json_in_with_trace(bencher: divan::Bencher) {
    let Some(f) = fixture() else { return };
    bencher.bench(|| f.rules.evaluate_json("household", &f.json, f.as_of, None));
}

/// The explanation written as JSON text, as the bindings and the CLI return it.
#[divan::bench(sample_count = 200, sample_size = 50)]
fn with_trace_to_json(bencher: divan::Bencher) {
    let Some(f) = fixture() else { return };
    bencher.bench(|| {
        f.rules
            .evaluate(&f.case, f.as_of, None)
            .map(|o| serde_json::to_string(&o).unwrap_or_default())
    });
}
