//! Reading a month of records from CSV, streamed: one record in memory at a
//! time, with caps on bytes, records and errors.

use super::{Settlement, Settler};
use crate::run::input::InputError;
use crate::{Error, RuleSet};
use std::io::Read;

/// Caps on what a settlement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes read (default 1 GiB).
    pub max_bytes: u64,
    /// The most records, header not counted (default 10,000,000).
    pub max_records: usize,
    /// The most error entries reported; the rest are counted (default 100).
    pub max_errors: usize,
}

impl Limits {
    /// The default byte cap: 1 GiB.
    pub const MAX_BYTES: u64 = 1 << 30;
    /// The default record cap: 10,000,000.
    pub const MAX_RECORDS: usize = 10_000_000;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: Limits::MAX_BYTES,
            max_records: Limits::MAX_RECORDS,
            max_errors: super::MAX_ERRORS,
        }
    }
}

/// A reader that fails once more than `left` bytes were asked of it, and
/// notes where its lines end (the CSV reader's own line count misses line
/// ends inside quoted cells).
struct Capped<R> {
    inner: R,
    left: u64,
    over: bool,
    /// Bytes read so far.
    read: u64,
    /// Offsets of the line-end bytes (`\n`, `\r`) read and not yet counted.
    ends: std::collections::VecDeque<(u64, u8)>,
    /// Line ends counted.
    counted: u64,
}

impl<R> Capped<R> {
    /// The line (1-based) of the byte at `offset`; offsets must not go back.
    /// A record's position is where the CSV reader began looking for it,
    /// so blank lines before it are skipped here.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut offset = offset;
        while let Some(&(at, byte)) = self.ends.front() {
            if at > offset {
                break;
            }
            if at == offset {
                offset += 1;
            }
            self.ends.pop_front();
            self.counted += u64::from(byte == b'\n');
        }
        self.counted + 1
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a file of exactly the cap from a larger one.
            let mut probe = [0u8; 1];
            let n = self.inner.read(&mut probe)?;
            if n > 0 {
                self.over = true;
                return Err(std::io::Error::other("over the byte limit"));
            }
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let (head, _) = buf.split_at_mut(want);
        let n = self.inner.read(head)?;
        let start = self.read;
        for (i, &b) in head.iter().take(n).enumerate() {
            if b == b'\n' || b == b'\r' {
                self.ends.push_back((start + i as u64, b));
            }
        }
        self.read += n as u64;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

fn one(code: &'static str, loc: String, msg: String) -> Error {
    Error::Input(vec![InputError {
        code,
        loc,
        msg,
        input: None,
    }])
}

/// Settles a month of records read from CSV text: a header line naming the
/// columns, then one record per line (UTF-8; a leading byte-order mark is
/// skipped; cells are trimmed of ASCII spaces). Records are numbered by the
/// line they start on.
///
/// # Errors
/// As [`Settler::columns`] and [`Settler::finish`]; `invalid_csv` for text
/// that is not CSV or not UTF-8, `too_large` beyond `limits.max_bytes`,
/// `too_many_records` beyond `limits.max_records`.
pub fn settle_csv<R: Read>(
    rules: &RuleSet,
    program: &str,
    month: &str,
    input: R,
    strict: bool,
    limits: &Limits,
) -> Result<Settlement, Error> {
    let mut settler = Settler::new(rules, program, month, strict)?.max_errors(limits.max_errors);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(Capped {
            inner: input,
            left: limits.max_bytes,
            over: false,
            read: 0,
            ends: std::collections::VecDeque::new(),
            counted: 0,
        });
    let mut record = csv::ByteRecord::new();
    // The cells' buffer, kept from record to record (empty between them).
    let mut spare: Vec<&'static str> = Vec::new();
    let mut header = true;
    let mut count = 0usize;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if reader.get_ref().over {
                    return Err(one(
                        "too_large",
                        String::new(),
                        format!(
                            "the records are larger than the limit of {} bytes",
                            limits.max_bytes
                        ),
                    ));
                }
                let at = e.position().map_or(line, csv::Position::line);
                return Err(one(
                    "invalid_csv",
                    format!("line {at}"),
                    format!("not readable as CSV: {e}"),
                ));
            }
        }
        let line = match record.position() {
            Some(p) => reader.get_mut().line_of(p.byte()),
            None => line,
        };
        let mut cells: Vec<&str> = std::mem::take(&mut spare);
        // One check of the whole record, then of each cell's boundaries
        // (a cell that is not text on its own fails its range).
        if let Ok(text) = std::str::from_utf8(record.as_slice()) {
            cells.extend(
                (0..record.len()).filter_map(|i| record.range(i).and_then(|r| text.get(r))),
            );
        }
        let utf8 = cells.len() == record.len();
        if !utf8 {
            if header {
                return Err(one(
                    "invalid_csv",
                    format!("line {line}"),
                    "the header is not UTF-8 text".into(),
                ));
            }
            settler.error(
                "invalid_csv",
                format!("line {line}"),
                "the record is not UTF-8 text".into(),
                None,
            );
            count += 1;
            continue;
        }
        if header {
            settler.columns(&cells)?;
            header = false;
            continue;
        }
        count += 1;
        if count > limits.max_records {
            return Err(one(
                "too_many_records",
                format!("line {line}"),
                format!(
                    "more than {} records: split the file, or raise the limit",
                    limits.max_records
                ),
            ));
        }
        settler.record(line, &cells);
        // Back to the spare buffer, emptied: the same allocation next time.
        cells.clear();
        spare = cells.into_iter().map(|_| "").collect();
    }
    if header {
        return Err(one(
            "missing",
            "line 1".into(),
            "the records have no header line naming their columns".into(),
        ));
    }
    settler.finish()
}

/// Settles records given as JSON objects of text cells (the record's line
/// is its index + 2, as if read from a file with a header): a convenience
/// over [`Settler`] for records already in memory.
///
/// # Errors
/// As [`Settler::columns`], [`Settler::finish`]; records whose fields differ
/// from the first record's are input errors `wrong_field_count`.
pub fn settle(
    rules: &RuleSet,
    program: &str,
    month: &str,
    records: &[serde_json::Map<String, serde_json::Value>],
    strict: bool,
) -> Result<Settlement, Error> {
    let mut s = Settler::new(rules, program, month, strict)?;
    let Some(first) = records.first() else {
        return s.finish();
    };
    let header: Vec<&str> = first.keys().map(String::as_str).collect();
    s.columns(&header)?;
    for (i, rec) in records.iter().enumerate() {
        let line = i as u64 + 2;
        if rec.len() != header.len() || !header.iter().all(|h| rec.contains_key(*h)) {
            let n = rec.len();
            let msg = format!("the record has fields other than the first record's ({n})");
            s.error("wrong_field_count", format!("line {line}"), msg, None);
            continue;
        }
        let cells: Vec<String> = header
            .iter()
            .map(|h| match rec.get(*h) {
                Some(serde_json::Value::String(t)) => t.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            })
            .collect();
        s.record(line, &cells);
    }
    s.finish()
}
