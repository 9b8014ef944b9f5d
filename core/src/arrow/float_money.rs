//! Money from binary floats, read as the nearest fen when asked
//! ([`MoneyFromFloat::RoundToFen`]).
//!
//! A float cannot hold most amounts exactly (`0.1` is
//! 0.1000000000000000055…), so money columns of floats are refused unless
//! the reader asks for this conversion. Each float is then read as the
//! decimal it prints as — its shortest round-trip text, the fewest digits
//! that read back to the same float — and accepted as the nearest whole fen
//! when that decimal is within [`TOLERANCE`] yuan of it (a millionth of a
//! yuan: floats written from amounts in fen, or sums of them, are far
//! closer). A value further from a whole fen (`1045.005`), not a number or
//! infinite keeps its text, and the population's check of every cell
//! reports its row (`invalid_money`, `invalid_number`), located like any
//! other bad cell.
//!
//! No float arithmetic: a float's bits are read as an integer significand
//! and a power of two. Most floats of a file are the float nearest a whole
//! fen, and for them the distance to the nearest fen, computed exactly in
//! integers, is so far inside the tolerance (or outside it) that no decimal
//! within half a unit in the last place of the float can fall on the other
//! side: those are decided from the bits alone, with the result the
//! shortest text would give. The others are formatted (Rust prints the
//! shortest round-trip digits) and read in integers.

use crate::batch::{ColumnData, Ints};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::Array;
use arrow_schema::DataType;
use std::fmt::Write;

/// How money columns holding floats are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MoneyFromFloat {
    /// Refused as a whole column (`wrong_type`): the default.
    #[default]
    Refuse,
    /// Each float read as the nearest fen when its shortest decimal text is
    /// within [`TOLERANCE`] yuan of one; other rows are row errors.
    RoundToFen,
}

/// How far from a whole fen a float's decimal may be, in yuan.
pub const TOLERANCE: &str = "0.000001";

/// Millionths of a yuan in a fen.
const MICRO_PER_FEN: i128 = 10_000;

/// What the bits of a float alone say.
enum Bits {
    /// Within the tolerance of this many fen, whatever its shortest text.
    Fen(i64),
    /// Not within the tolerance of any fen.
    Not,
    /// Too close to the tolerance, or too large, to say without the text.
    Unsure,
}

/// The float's nearest fen from its bits, when its shortest text cannot
/// be on the other side of the tolerance.
fn from_bits(v: f64) -> Bits {
    let bits = v.to_bits();
    let negative = bits >> 63 == 1;
    let exponent = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    // v = m × 2^-q exactly.
    let (m, q) = if exponent == 0 {
        (fraction, 1074)
    } else {
        (fraction | (1 << 52), 1075 - exponent)
    };
    if m == 0 {
        return Bits::Fen(0);
    }
    if q <= 0 {
        // Whole yuan, 2^53 and more: floats a fen apart no more.
        return Bits::Unsure;
    }
    if q > 100 {
        // Below 2^-47 yuan: its text too is far within the tolerance of 0.
        return Bits::Fen(0);
    }
    // In fen, 100·m / 2^q: n the nearest whole fen, r the rest in 2^-q fen.
    let x = i128::from(m) * 100;
    let n = (x + (1i128 << (q - 1))) >> q;
    let r = (x - (n << q)).abs();
    let unit = 1i128 << q;
    // The distance is r / (100·2^q) yuan; the shortest text is within half
    // a unit in the last place (2^-q / 2 yuan) of v. Within the tolerance
    // (10^-6 yuan) whatever the text: r/(100·2^q) + 1/(2·2^q) ≤ 10^-6.
    if MICRO_PER_FEN * (r + 50) <= unit {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        return Bits::Fen(if negative { -n } else { n });
    }
    if MICRO_PER_FEN * (r - 50) > unit {
        return Bits::Not;
    }
    Bits::Unsure
}

/// A decimal's digits and power of ten, from Rust's shortest exponent
/// text of a finite float (`-1.0450049999999999e3`).
struct Shortest {
    negative: bool,
    digits: u128,
    /// The value is `digits × 10^power`.
    power: i32,
}

impl Shortest {
    fn parse(text: &str) -> Option<Shortest> {
        let (negative, t) = match text.strip_prefix('-') {
            Some(t) => (true, t),
            None => (false, text),
        };
        let (mantissa, exponent) = t.split_once('e')?;
        let exponent: i32 = exponent.parse().ok()?;
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits: u128 = 0;
        for c in whole.bytes().chain(fraction.bytes()) {
            digits = digits
                .checked_mul(10)?
                .checked_add(u128::from(c.checked_sub(b'0')?))?;
        }
        let power = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
        Some(Shortest {
            negative,
            digits,
            power,
        })
    }

    /// The nearest fen, when within the tolerance of it and within `i64`.
    fn fen(&self) -> Option<i64> {
        let digits = i128::try_from(self.digits).ok()?;
        // In millionths of a yuan the value is digits × 10^(power + 6).
        let shift = self.power.checked_add(6)?;
        let n = if shift >= 0 {
            let micro = digits.checked_mul(10i128.checked_pow(shift.unsigned_abs())?)?;
            let n = (micro + MICRO_PER_FEN / 2) / MICRO_PER_FEN;
            ((micro - n * MICRO_PER_FEN).abs() <= 1).then_some(n)?
        } else {
            let j = shift.unsigned_abs();
            if j > 30 {
                // Fewer than 10^17 digits below 10^-30 millionths.
                0
            } else {
                // digits is micro × 10^j.
                let fen = MICRO_PER_FEN.checked_mul(10i128.checked_pow(j)?)?;
                let n = (digits + fen / 2) / fen;
                ((digits - n * fen).abs() <= 10i128.checked_pow(j)?).then_some(n)?
            }
        };
        let n = i64::try_from(n).ok()?;
        Some(if self.negative { -n } else { n })
    }

    /// The decimal as plain text (`1045.005`), for a row error.
    fn plain(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let digits = self.digits.to_string();
        match usize::try_from(-i64::from(self.power)) {
            Err(_) if self.power <= 40 => {
                let zeros = "0".repeat(self.power.unsigned_abs() as usize);
                format!("{sign}{digits}{zeros}")
            }
            Ok(0) => format!("{sign}{digits}"),
            Ok(places) if places <= 40 => {
                let padded = format!("{digits:0>width$}", width = places + 1);
                let (whole, fraction) = padded.split_at(padded.len() - places);
                format!("{sign}{whole}.{fraction}")
            }
            _ => format!("{sign}{digits}e{}", self.power),
        }
    }
}

/// One float read: its fen, or the text its row error shows.
enum Read {
    Fen(i64),
    Text(String),
}

fn read_text(text: &str) -> Read {
    match Shortest::parse(text) {
        Some(s) => match s.fen() {
            Some(n) => Read::Fen(n),
            None => Read::Text(s.plain()),
        },
        None => Read::Text(text.to_string()),
    }
}

fn read_f64(v: f64, buffer: &mut String) -> Read {
    if !v.is_finite() {
        return Read::Text(v.to_string());
    }
    match from_bits(v) {
        Bits::Fen(n) => Read::Fen(n),
        Bits::Not | Bits::Unsure => {
            buffer.clear();
            let _ = write!(buffer, "{v:e}");
            read_text(buffer)
        }
    }
}

fn read_f32(v: f32, buffer: &mut String) -> Read {
    if !v.is_finite() {
        return Read::Text(v.to_string());
    }
    buffer.clear();
    let _ = write!(buffer, "{v:e}");
    read_text(buffer)
}

/// The nearest fen of a float, or `None` when its shortest decimal text is
/// not within [`TOLERANCE`] yuan of a whole fen, not finite, or more fen
/// than an `i64` holds.
pub fn fen_of_f64(v: f64) -> Option<i64> {
    match read_f64(v, &mut String::new()) {
        Read::Fen(n) => Some(n),
        Read::Text(_) => None,
    }
}

/// A fen count as money text (`-1045.01`).
fn fen_text(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let a = n.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// The rows of a float chunk: `None` for nulls.
fn rows(array: &dyn Array) -> Vec<Option<Read>> {
    let mut buffer = String::new();
    match array.data_type() {
        DataType::Float64 => {
            let a = array.as_primitive::<Float64Type>();
            a.iter()
                .map(|v| v.map(|v| read_f64(v, &mut buffer)))
                .collect()
        }
        DataType::Float32 => {
            let a = array.as_primitive::<Float32Type>();
            a.iter()
                .map(|v| v.map(|v| read_f32(v, &mut buffer)))
                .collect()
        }
        _ => (0..array.len()).map(|_| None).collect(),
    }
}

/// Appends a chunk of floats to a money column: as fen while every float
/// is within the tolerance of one (the column is `Fixed(2, …)`), else as
/// text from then on (the fen as money text, the others as their shortest
/// decimal), which the population's check reports row by row.
pub(super) fn append(array: &dyn Array, out: &mut ColumnData) {
    if let (ColumnData::Fixed(2, ints), DataType::Float64) = (&mut *out, array.data_type()) {
        let a = array.as_primitive::<Float64Type>();
        if a.null_count() == 0 {
            // The common case, one pass over the bits.
            let mut fen = Vec::with_capacity(a.len());
            for &v in a.values() {
                match from_bits(v) {
                    Bits::Fen(n) if v.is_finite() => fen.push(n),
                    _ => break,
                }
            }
            if fen.len() == a.len() {
                ints.extend_values(fen);
                return;
            }
        }
    }
    let read = rows(array);
    if let ColumnData::Fixed(2, ints) = out {
        if read.iter().all(|r| matches!(r, None | Some(Read::Fen(_)))) {
            for r in read {
                ints.push(match r {
                    Some(Read::Fen(n)) => Some(n),
                    _ => None,
                });
            }
            return;
        }
        let texts: Vec<Option<String>> = ints.iter().map(|v| v.map(fen_text)).collect();
        *out = ColumnData::Text(texts);
    }
    if let ColumnData::Text(texts) = out {
        texts.extend(read.into_iter().map(|r| {
            r.map(|r| match r {
                Read::Fen(n) => fen_text(n),
                Read::Text(t) => t,
            })
        }));
    }
}

/// The column a float money column starts as.
pub(super) fn empty() -> ColumnData {
    ColumnData::Fixed(2, Ints::default())
}

#[cfg(test)]
#[path = "float_money_tests.rs"]
mod tests;
