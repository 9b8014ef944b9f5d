//! One population under two versions of a rule set: who gains or loses
//! eligibility, who is paid more or less, and what it costs, exactly.
//!
//! Two versions may declare different inputs, so the population is built
//! once under each from the same tables (rows match rows); the results are
//! compared by [`compare`], the comparison of a baseline with a reform. A
//! row that one version refuses is skipped under both, and counted.
//!
//! The tables are read from CSV as `bangfu synth --out` writes them
//! ([`table_from_csv`]): a header row, then one row per case or member,
//! every cell read as text by the same reader as a case's cells.

use super::compare::{compare, Comparison};
use super::sweep::{evaluate_all, AnalysisError};
use crate::batch::{ColumnData, Population, Table};
use crate::{Date, RuleSet};

/// A population compared under an old and a new version of a rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionComparison {
    /// The date the population is evaluated on.
    pub as_of: Date,
    /// Cases in the population.
    pub cases: usize,
    /// Rows refused (with their problems) under the old version.
    pub old_row_problems: usize,
    /// Rows refused under the new version.
    pub new_row_problems: usize,
    /// Per program, then [`super::compare::ALL`]: the old version as the
    /// baseline, the new one as the reform.
    pub comparison: Comparison,
}

/// Reads a table from CSV text: a header row naming the columns, then one
/// row per record; an empty cell is null. Every cell is kept as text and
/// read, when the population is built, as a case's cell is read.
///
/// # Errors
/// Text naming the line when the CSV cannot be read, a row has another
/// number of cells than the header, or a column is named twice.
pub fn table_from_csv(text: &str) -> Result<Table, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the header row cannot be read: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (i, h) in header.iter().enumerate() {
        if header.iter().take(i).any(|g| g == h) {
            return Err(format!("the column `{h}` is named twice in the header"));
        }
    }
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", n + 2))?;
        for (col, cell) in columns.iter_mut().zip(record.iter()) {
            col.push((!cell.is_empty()).then(|| cell.to_string()));
        }
    }
    Ok(Table {
        columns: header
            .into_iter()
            .zip(columns)
            .map(|(h, c)| (h, ColumnData::Text(c)))
            .collect(),
    })
}

/// Evaluates the population of `entity` in `cases` (and `members`, linked
/// by `key`) under `old` and under `new` on `as_of`, and compares them.
///
/// # Errors
/// An unknown entity under either version, an evaluation error, or a sum
/// that leaves the range of exact decimals.
pub fn compare_versions(
    old: &RuleSet,
    new: &RuleSet,
    entity: &str,
    (cases, members, key): (&Table, Option<&Table>, &str),
    as_of: Date,
    threads: usize,
) -> Result<VersionComparison, AnalysisError> {
    let (old_pop, old_problems) = Population::build(old, entity, cases, members, key, as_of)?;
    let (new_pop, new_problems) = Population::build(new, entity, cases, members, key, as_of)?;
    let before = evaluate_all(old, &old_pop, as_of, None, threads)?;
    let after = evaluate_all(new, &new_pop, as_of, None, threads)?;
    let money = |p: &str| old.pays_money(p) || new.pays_money(p);
    let sizes: Vec<usize> = if members.is_some() {
        (0..old_pop.len())
            .map(|i| old_pop.member_count(i))
            .collect()
    } else {
        Vec::new()
    };
    let comparison = compare(&before, &after, &money, &sizes)?;
    let rows = |p: &[crate::batch::RowError]| {
        let mut r: Vec<(&str, usize)> = p.iter().map(|e| (e.table, e.row)).collect();
        r.sort_unstable();
        r.dedup();
        r.len()
    };
    Ok(VersionComparison {
        as_of,
        cases: old_pop.len(),
        old_row_problems: rows(&old_problems),
        new_row_problems: rows(&new_problems),
        comparison,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_kept_as_text_and_empty_cells_are_null() {
        let t =
            table_from_csv("\u{feff}id,income,kind\n1,800.10,\n2,0,speech\n").unwrap_or_default();
        assert_eq!(t.rows(), 2);
        assert_eq!(
            t.column("income"),
            Some(&ColumnData::Text(vec![
                Some("800.10".into()),
                Some("0".into())
            ]))
        );
        assert_eq!(t.column("kind").and_then(|c| c.text(0)), None);
        assert!(table_from_csv("a,a\n1,2\n").is_err());
        assert!(table_from_csv("a,b\n1\n").is_err());
    }
}
