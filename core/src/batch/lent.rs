//! Columns read where they lie: a table's integers in memory its caller
//! keeps (an Arrow array's buffers), read in place while a population is
//! built instead of copied into a column of the table first.

use super::{ColumnData, Ints};
use crate::Decimal;
use std::sync::Arc;

/// The rows of one chunk, as they lie.
#[derive(Debug, Clone, Copy)]
pub enum Piece<'a> {
    /// 64-bit integers.
    I64(&'a [i64]),
    /// Unscaled decimals.
    I128(&'a [i128]),
    /// Day numbers since 1970-01-01.
    I32(&'a [i32]),
    /// Booleans, a bit each: the bytes, the bit of the first row, and the
    /// number of rows.
    Bits(&'a [u8], usize, usize),
}

impl Piece<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Piece::I64(v) => v.len(),
            Piece::I128(v) => v.len(),
            Piece::I32(v) => v.len(),
            Piece::Bits(_, _, n) => *n,
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`, as an integer (a boolean as 0 or 1).
    pub fn get(&self, i: usize) -> Option<i128> {
        match self {
            Piece::I64(v) => v.get(i).map(|&x| i128::from(x)),
            Piece::I128(v) => v.get(i).copied(),
            Piece::I32(v) => v.get(i).map(|&x| i128::from(x)),
            Piece::Bits(bytes, first, n) => (i < *n).then(|| bit(bytes, first + i))?,
        }
    }

    /// Rows `from..from + len`.
    fn sub(self, from: usize, len: usize) -> Option<Self> {
        let to = from.checked_add(len)?;
        Some(match self {
            Piece::I64(v) => Piece::I64(v.get(from..to)?),
            Piece::I128(v) => Piece::I128(v.get(from..to)?),
            Piece::I32(v) => Piece::I32(v.get(from..to)?),
            Piece::Bits(bytes, first, n) => {
                (to <= n).then_some(Piece::Bits(bytes, first + from, len))?
            }
        })
    }
}

/// Bit `i` of `bytes` (least significant first) as 0 or 1.
#[inline]
pub(crate) fn bit(bytes: &[u8], i: usize) -> Option<i128> {
    bytes.get(i / 8).map(|b| i128::from((b >> (i % 8)) & 1))
}

/// One chunk of a lent column: memory its owner keeps while it is read.
pub trait Chunk: Send + Sync {
    /// Its rows (none of them null).
    fn piece(&self) -> Piece<'_>;
}

/// What a lent column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LentKind {
    /// Whole numbers (64-bit).
    Int,
    /// Decimals with this many decimals (128-bit unscaled).
    Decimal(u32),
    /// Dates (32-bit day numbers).
    Date,
    /// Booleans (bits).
    Bool,
}

/// A column of a table read in place: chunks of integers, none null.
#[derive(Clone)]
pub struct Lent {
    kind: LentKind,
    /// Each chunk and its first row.
    chunks: Vec<(usize, Arc<dyn Chunk>)>,
    rows: usize,
}

impl std::fmt::Debug for Lent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lent")
            .field("kind", &self.kind)
            .field("chunks", &self.chunks.len())
            .field("rows", &self.rows)
            .finish()
    }
}

impl PartialEq for Lent {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.rows == other.rows
            && (0..self.rows).all(|r| self.at(r) == other.at(r))
    }
}

impl Lent {
    /// A column of `kind` from `chunks` in order; `None` when a chunk's
    /// integers are not of the kind's width (or a decimal has more than 28
    /// decimals).
    pub fn new(kind: LentKind, chunks: Vec<Arc<dyn Chunk>>) -> Option<Lent> {
        let mut rows = 0usize;
        let mut out = Vec::with_capacity(chunks.len());
        for c in chunks {
            let fits = matches!(
                (kind, c.piece()),
                (LentKind::Int, Piece::I64(_))
                    | (LentKind::Decimal(0..=28), Piece::I128(_))
                    | (LentKind::Date, Piece::I32(_))
                    | (LentKind::Bool, Piece::Bits(..))
            );
            if !fits {
                return None;
            }
            let n = c.piece().len();
            out.push((rows, c));
            rows = rows.checked_add(n)?;
        }
        Some(Lent {
            kind,
            chunks: out,
            rows,
        })
    }

    /// What it holds.
    pub fn kind(&self) -> LentKind {
        self.kind
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Bytes of its values in Arrow layout.
    pub fn arrow_bytes(&self) -> usize {
        let n = self.rows;
        match self.kind {
            LentKind::Int => n * 8,
            LentKind::Decimal(_) => n * 16,
            LentKind::Date => n * 4,
            LentKind::Bool => n.div_ceil(8),
        }
    }

    /// Row `row` as an integer: the value, the unscaled decimal, the day
    /// number, or 0 and 1.
    pub fn at(&self, row: usize) -> Option<i128> {
        let k = self.chunks.partition_point(|(start, _)| *start <= row);
        let (start, chunk) = self.chunks.get(k.checked_sub(1)?)?;
        chunk.piece().get(row - start)
    }

    /// Row `row` as a number, for whole numbers and decimals.
    pub fn decimal(&self, row: usize) -> Option<Decimal> {
        let x = self.at(row)?;
        match self.kind {
            LentKind::Int => i64::try_from(x).ok().map(Decimal::from),
            LentKind::Decimal(s) => Decimal::try_from_i128_with_scale(x, s).ok(),
            LentKind::Date | LentKind::Bool => None,
        }
    }

    /// Row `row` as a CSV file writes it: decimals exactly, dates as
    /// `YYYY-MM-DD`, booleans as `true` or `false`.
    pub fn text(&self, row: usize) -> Option<String> {
        match self.kind {
            LentKind::Int | LentKind::Decimal(_) => self.decimal(row).map(|d| d.to_string()),
            LentKind::Date => i32::try_from(self.at(row)?)
                .ok()
                .and_then(crate::Date::from_days)
                .map(|d| d.to_string()),
            LentKind::Bool => self.at(row).map(|b| (b != 0).to_string()),
        }
    }

    /// The pieces of rows `rows`, each with its first row.
    pub fn runs(&self, rows: std::ops::Range<usize>) -> impl Iterator<Item = (usize, Piece<'_>)> {
        self.chunks.iter().filter_map(move |(start, chunk)| {
            let piece = chunk.piece();
            let lo = rows.start.max(*start);
            let hi = rows.end.min(start + piece.len());
            (lo < hi)
                .then(|| piece.sub(lo - start, hi - lo))
                .flatten()
                .map(|p| (lo, p))
        })
    }

    /// The column copied into a table's own kind of column.
    pub fn to_owned_column(&self) -> ColumnData {
        let all = || (0..self.rows).filter_map(|r| self.at(r));
        match self.kind {
            LentKind::Int => ColumnData::Int(Ints::new(
                all()
                    .map(|x| i64::try_from(x).unwrap_or_default())
                    .collect(),
            )),
            LentKind::Decimal(_) => {
                ColumnData::Decimal((0..self.rows).map(|r| self.decimal(r)).collect())
            }
            LentKind::Date => ColumnData::Date(all().map(|x| i32::try_from(x).ok()).collect()),
            LentKind::Bool => ColumnData::Bool(all().map(|x| Some(x != 0)).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Owned(Vec<i64>);
    impl Chunk for Owned {
        fn piece(&self) -> Piece<'_> {
            Piece::I64(&self.0)
        }
    }
    struct Bits(Vec<u8>, usize, usize);
    impl Chunk for Bits {
        fn piece(&self) -> Piece<'_> {
            Piece::Bits(&self.0, self.1, self.2)
        }
    }

    #[test]
    fn rows_are_read_across_chunks_and_runs_cut_at_their_edges() {
        let chunks: Vec<Arc<dyn Chunk>> = vec![
            Arc::new(Owned(vec![1, 2, 3])),
            Arc::new(Owned(vec![])),
            Arc::new(Owned(vec![4, 5])),
        ];
        let l = Lent::new(LentKind::Int, chunks).unwrap();
        assert_eq!(l.len(), 5);
        let all: Vec<_> = (0..6).map(|r| l.at(r)).collect();
        assert_eq!(all, [Some(1), Some(2), Some(3), Some(4), Some(5), None]);
        let runs: Vec<(usize, Vec<i128>)> = l
            .runs(2..5)
            .map(|(at, p)| (at, (0..p.len()).filter_map(|i| p.get(i)).collect()))
            .collect();
        assert_eq!(runs, [(2, vec![3]), (3, vec![4, 5])]);
        assert_eq!(l.decimal(4), Some(Decimal::from(5)));
        assert_eq!(l.text(4).as_deref(), Some("5"));
        assert_eq!(l.arrow_bytes(), 40);
        assert_eq!(
            l.to_owned_column(),
            ColumnData::Int(Ints::new(vec![1, 2, 3, 4, 5]))
        );
        // A chunk of another width is refused.
        let bits: Vec<Arc<dyn Chunk>> = vec![Arc::new(Bits(vec![0b1010], 0, 4))];
        assert!(Lent::new(LentKind::Int, bits.clone()).is_none());
        // Bits from an offset.
        let b = Lent::new(
            LentKind::Bool,
            vec![Arc::new(Bits(vec![0b1010_0000, 0b1], 5, 4))],
        )
        .unwrap();
        let v: Vec<_> = (0..4).filter_map(|r| b.at(r)).collect();
        assert_eq!(v, [1, 0, 1, 1]);
        let cut: Vec<_> = b
            .runs(1..3)
            .flat_map(|(_, p)| (0..p.len()).filter_map(move |i| p.get(i)))
            .collect();
        assert_eq!(cut, [0, 1]);
        assert_eq!(b.text(1).as_deref(), Some("false"));
        assert_eq!(b.arrow_bytes(), 1);
    }
}
