//! A decision table of 10,000 rows is checked by sorting once and walking
//! once: the test shows it by the shape of what is reported (each
//! overlapping row once, never every pair), not by a clock; BENCHMARKS.md
//! gives the time with its command.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{Code, RuleSet};

mod common;
use common::repo;

const ROWS: usize = 10_000;

/// The minimal fixture with one more table of `rows`.
fn with_table(rows: &str) -> Result<RuleSet, Box<bangfu::LoadError>> {
    let dir = repo().join("tests/fixtures/valid/minimal");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.push((
        "big.toml".into(),
        format!(
            "[tables.big]\nlabel = {{ zh = \"大表\", en = \"Big table\" }}\nkey = \"integer\"\nkey_unit = \"years\"\nhit = \"unique\"\ndefault = \"0 CNY\"\nrows = [\n{rows}]\n"
        ),
    ));
    RuleSet::from_files(files)
}

fn row(lo: usize, hi: usize) -> String {
    format!("  {{ at_least = {lo}, at_most = {hi}, output = \"1 CNY\", label = {{ zh = \"档\", en = \"band\" }} }},\n")
}

#[test]
fn ten_thousand_adjacent_rows_load() {
    let rows: String = (0..ROWS).map(|k| row(k, k)).collect();
    with_table(&rows).unwrap_or_else(|e| panic!("{}", e.render()));
}

/// Every row matching the same keys: each row after the first is reported
/// once (9,999 diagnostics), not once per pair (almost 50 million).
#[test]
fn overlapping_rows_are_reported_once_each() {
    let rows: String = (0..ROWS).map(|_| row(0, 10)).collect();
    let e = with_table(&rows).expect_err("refused");
    let overlaps = e
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::TableOverlap)
        .count();
    assert_eq!(overlaps, ROWS - 1);
}

/// Shuffled rows with one gap and one overlap: exactly those are found.
#[test]
fn one_gap_and_one_overlap_among_ten_thousand_rows() {
    let mut bands: Vec<(usize, usize)> = (0..ROWS).map(|k| (2 * k, 2 * k + 1)).collect();
    bands[4000] = (8000, 8000); // 8001 is now in no row: a gap
    bands[7000].1 = 14002; // reaches into the next row: an overlap
                           // A fixed shuffle, so that file order is not key order.
    let mut order: Vec<usize> = (0..ROWS).collect();
    let mut seed: u64 = 7;
    for i in (1..ROWS).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        order.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let rows: String = order.iter().map(|&i| row(bands[i].0, bands[i].1)).collect();
    let e = with_table(&rows).expect_err("refused");
    let codes: Vec<Code> = e.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes.iter().filter(|&&c| c == Code::TableGap).count(),
        1,
        "{}",
        e.render()
    );
    assert_eq!(
        codes.iter().filter(|&&c| c == Code::TableOverlap).count(),
        1,
        "{}",
        e.render()
    );
    assert!(
        e.render().contains("keys between 8000 and 8002"),
        "{}",
        e.render()
    );
}
