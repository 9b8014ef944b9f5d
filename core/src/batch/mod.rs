//! Many cases as columns: a population evaluated in one pass.
//!
//! A [`Population`] is built once from typed columns (households, and members
//! linked to them by a key column), validated cell by cell with the same
//! rules as a single case, and stored as typed integer columns. Evaluating it
//! runs the rules compiled to operations over columns (`columnar`), a chunk of
//! cases at a time, over both cores when the batch is large; a case the
//! columnar program cannot show exact is evaluated by the reference evaluator (`Runner::run`), the
//! one-case code, and [`Engine::OneByOne`] runs that for every case. Results
//! are identical to evaluating the cases one by one. Amounts come back as
//! [`Amounts`], integers at the scale of the rounding unit. A population can
//! be evaluated against any rule set whose entity has the same inputs, so a
//! reform never rebuilds it.

use crate::Decimal;
pub use amounts::{Amounts, Units};
pub use ints::Ints;
pub use lent::{Chunk, Lent, LentKind, Piece};

mod amounts;
mod columnar;
mod columns;
mod fill;
mod ints;
mod lent;
mod population;
mod run;

pub use population::Population;
pub use run::{
    evaluate, evaluate_with, BatchResult, Engine, MemberProgramColumn, ProgramColumn,
    PARALLEL_THRESHOLD,
};

/// A column of values, as it arrives from a table (Arrow, pandas, polars).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Exact decimals (money, numbers); `None` is null.
    Decimal(Vec<Option<Decimal>>),
    /// Exact decimals as integers at a number of decimals (`Fixed(2, …)`
    /// holds fen): Arrow `decimal128` values that fit in 64 bits.
    Fixed(u32, Ints),
    /// Integers.
    Int(Ints),
    /// Booleans.
    Bool(Vec<Option<bool>>),
    /// Dates as days since 1970-01-01 (Arrow `date32`).
    Date(Vec<Option<i32>>),
    /// Text: enum choices, or dates and decimals written as text.
    Text(Vec<Option<String>>),
    /// Text stored once per distinct value: the values, and per row the
    /// index of its value (Arrow dictionaries, pandas and polars
    /// categoricals).
    Dict(Vec<String>, Vec<Option<u32>>),
    /// Integers, decimals, dates or booleans read where they lie (Arrow
    /// arrays without nulls), not copied before the population is built.
    Lent(Lent),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Decimal(v) => v.len(),
            ColumnData::Fixed(_, v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Date(v) => v.len(),
            ColumnData::Text(v) => v.len(),
            ColumnData::Dict(_, k) => k.len(),
            ColumnData::Lent(l) => l.len(),
        }
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text at row `row` of a `Text` or `Dict` column.
    pub fn text(&self, row: usize) -> Option<&str> {
        match self {
            ColumnData::Text(v) => v.get(row).and_then(|s| s.as_deref()),
            ColumnData::Dict(values, keys) => keys
                .get(row)
                .copied()
                .flatten()
                .and_then(|k| values.get(k as usize))
                .map(String::as_str),
            _ => None,
        }
    }

    /// The number at row `row` of a `Decimal`, `Fixed` or lent number
    /// column.
    pub fn decimal(&self, row: usize) -> Option<Decimal> {
        match self {
            ColumnData::Decimal(v) => v.get(row).copied().flatten(),
            ColumnData::Fixed(s, v) => v.get(row).and_then(|x| fixed_decimal(x, *s)),
            ColumnData::Lent(l) => l.decimal(row),
            _ => None,
        }
    }

    /// The value of row `row` as a key, as text: how cases and members are
    /// matched (integers, text and decimals; `None` for null or other kinds).
    pub fn key(&self, row: usize) -> Option<String> {
        match self {
            ColumnData::Int(v) => v.get(row).map(|i| i.to_string()),
            ColumnData::Text(_) | ColumnData::Dict(..) => self.text(row).map(str::to_string),
            ColumnData::Decimal(_) | ColumnData::Fixed(..) => {
                self.decimal(row).map(|d| d.normalize().to_string())
            }
            ColumnData::Lent(l) => match l.kind() {
                LentKind::Int | LentKind::Decimal(_) => {
                    self.decimal(row).map(|d| d.normalize().to_string())
                }
                LentKind::Date | LentKind::Bool => None,
            },
            _ => None,
        }
    }
}

/// `x × 10^-scale` as a decimal, if the scale is one a decimal can have.
fn fixed_decimal(x: i64, scale: u32) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(i128::from(x), scale).ok()
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<(String, ColumnData)>,
}

impl Table {
    /// Number of rows (of the first column).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnData> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

/// A problem with one row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Table: `households` or `members`.
    pub table: &'static str,
    /// Row in that table (0-based).
    pub row: usize,
    /// Household row the problem makes invalid.
    pub household: Option<usize>,
    /// Field path: `birth_date`, `household_id`.
    pub loc: String,
    /// Stable code (as for single cases).
    pub code: &'static str,
    /// Message.
    pub msg: String,
}
