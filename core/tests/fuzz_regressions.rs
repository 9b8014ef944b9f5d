//! Every input kept under `tests/fuzz/<target>/` runs through its fuzz
//! target (`core/examples/fuzz/targets.rs`): an answer or an error, never a
//! panic. The fuzzer itself runs from `scripts/test` for a bounded time.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../examples/fuzz/targets.rs"]
mod targets;

#[test]
fn kept_inputs_run_through_their_targets() {
    let rules_file = targets::chengyang()
        .sources()
        .files()
        .position(|(p, _)| p == "parameters/meal_aid.toml")
        .expect("the file the rules regressions replace");
    let mut n = 0;
    for target in targets::TARGETS {
        let dir = targets::repo().join("tests/fuzz").join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        {
            let input = std::fs::read(path).unwrap();
            // Every variant of the target: dates, months, strictness, forms.
            let picks: Vec<usize> = if target == "rules" {
                vec![rules_file]
            } else {
                (0..12).collect()
            };
            for pick in picks {
                let outcome = std::panic::catch_unwind(|| targets::run(target, &input, pick));
                assert!(
                    outcome.is_ok(),
                    "{} panics in `{target}` (variant {pick})",
                    path.display()
                );
            }
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} kept inputs found");
}
