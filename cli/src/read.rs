//! What the commands and the service read the same way: a month of meal
//! records from CSV, and which program a settlement is for.

use bangfu::RuleSet;
use serde_json::{Map, Value as Json};

/// How record problems are located, said where they are listed.
pub const RECORDS_NOTE: &str = "; records[i] is data row i, line i + 2";

/// A CSV text that cannot be read as records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// The data row (0-based; `records[i]`, line i + 2), or `None` for the
    /// header row.
    pub record: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl CsvError {
    /// Where the problem is: `records[3]`, or `records` for the header.
    pub fn loc(&self) -> String {
        match self.record {
            Some(i) => format!("records[{i}]"),
            None => "records".into(),
        }
    }
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.record {
            Some(i) => write!(f, "records[{i}] (line {}): {}", i + 2, self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Records from CSV with a header row: each row as an object of column to
/// text (cells trimmed). The core reads the text exactly.
///
/// # Errors
/// The first row that is not CSV (a row with another number of cells, text
/// that is not UTF-8).
pub fn records(text: &[u8]) -> Result<Vec<Map<String, Json>>, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text);
    let headers = reader
        .headers()
        .map_err(|e| CsvError {
            record: None,
            message: e.to_string(),
        })?
        .clone();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| CsvError {
            record: Some(i),
            message: e.to_string(),
        })?;
        rows.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), Json::String(v.to_string())))
                .collect(),
        );
    }
    Ok(rows)
}

/// The program to settle: the one asked for, else the only program that
/// settles records.
///
/// # Errors
/// The programs that settle records, when none was asked for and there is
/// not exactly one.
pub fn settled_program(rules: &RuleSet, program: Option<String>) -> Result<String, Vec<String>> {
    if let Some(p) = program {
        return Ok(p);
    }
    let settled: Vec<String> = rules
        .programs()
        .into_iter()
        .filter(|p| p.settles_records)
        .map(|p| p.name.to_string())
        .collect();
    match settled.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(settled),
    }
}
