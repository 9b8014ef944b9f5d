//! Filling a population's columns from a table, validating every cell.
//!
//! A cell that is plainly valid (a number within the input's range, at
//! most as many decimals as its column keeps; a date within its bounds; a
//! boolean) is stored by integer comparisons alone. Any other cell (empty,
//! text, out of range, too many decimals) goes through the same validation
//! as a single case ([`super::cell`]), which accepts it or says why not. The
//! rows are split between threads.

use super::columns::WIDE;
use super::columns::{rescale, scale_for, to_fixed, width_for, Column, IntKind, Values, Width};
use super::lent::bit;
use super::population::{cell, required};
use super::{ColumnData, Lent, LentKind, Piece};
use crate::date::{Date, YEAR_RANGE};
use crate::plan::{InputPlan, Plan};
use crate::run::input::check_value;
use crate::run::runner::EvalError;
use crate::value::{Type, Value};
use crate::Decimal;

/// What a cell may be to pass without the full check.
struct Fast {
    scale: u32,
    /// Bounds at `scale`, for numbers (`None`: no fast path).
    num: Option<(i64, i64)>,
    /// For whole numbers: values must be multiples of this.
    unit: i64,
    /// Day numbers accepted, for dates.
    days: (i64, i64),
}

fn bound(v: Option<Value>, scale: u32, default: i64) -> Option<i64> {
    match v {
        None => Some(default),
        Some(Value::Num(d)) => to_fixed(d, scale),
        Some(_) => None,
    }
}

impl Fast {
    fn new(input: &InputPlan, as_of: Date) -> Fast {
        let scale = scale_for(input);
        let num = match (
            bound(input.min, scale, i64::MIN + 1),
            bound(input.max, scale, i64::MAX),
        ) {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => None,
        };
        let unit = if input.integer {
            10i64.checked_pow(scale).unwrap_or(1)
        } else {
            1
        };
        let first = Date::from_ymd(YEAR_RANGE.0, 1, 1).map_or(0, Date::days);
        let last = Date::from_ymd(YEAR_RANGE.1, 12, 31).map_or(0, Date::days);
        let mut lo = first;
        let mut hi = last;
        if input.not_after_as_of {
            hi = hi.min(as_of.days());
        }
        if let Some(max_age) = input.max_age {
            // Ages fall as birth dates rise: the earliest birth date whose
            // age on `as_of` is within the limit.
            let (mut a, mut b) = (first, last.max(first));
            while a < b {
                let mid = a + (b - a) / 2;
                let young = Date::from_days(mid).is_some_and(|d| d.age_on(as_of) <= max_age);
                if young {
                    b = mid;
                } else {
                    a = mid + 1;
                }
            }
            lo = lo.max(a);
        }
        Fast {
            scale,
            num,
            unit,
            days: (i64::from(lo), i64::from(hi)),
        }
    }

    #[inline]
    fn number(&self, x: i64) -> Option<i64> {
        let (lo, hi) = self.num?;
        // A division only for whole numbers kept with decimals.
        let whole = self.unit == 1 || x % self.unit == 0;
        (x >= lo && x <= hi && whole && x != WIDE).then_some(x)
    }

    #[inline]
    fn day(&self, d: i32) -> Option<i64> {
        let d = i64::from(d);
        (d >= self.days.0 && d <= self.days.1).then_some(d)
    }
}

/// Which source row fills each destination row.
#[derive(Clone, Copy)]
pub(super) enum Source<'a> {
    /// The same row.
    Same,
    /// `order[d]` for destination row `d`.
    Order(&'a [usize]),
}

impl Source<'_> {
    #[inline]
    pub(super) fn row(self, d: usize) -> usize {
        match self {
            Source::Same => d,
            Source::Order(o) => o.get(d).copied().unwrap_or(usize::MAX),
        }
    }
}

/// A problem with a cell: destination row, code and message.
pub(super) type Problem = (usize, &'static str, String);

/// What filling a part of a column found: wide numbers and problems, by
/// destination row.
#[derive(Default)]
struct Part {
    wide: Vec<(usize, Decimal)>,
    errors: Vec<Problem>,
    /// An empty cell of an input that is not required was left empty.
    absent: bool,
}

/// An integer a column stores a row in.
trait Cell: Copy + Default + Send {
    /// `x`, which the input's kind keeps within this width.
    fn of(x: i64) -> Self;
}

impl Cell for i8 {
    #[inline]
    fn of(x: i64) -> Self {
        i8::try_from(x).unwrap_or_default()
    }
}

impl Cell for i32 {
    #[inline]
    fn of(x: i64) -> Self {
        i32::try_from(x).unwrap_or_default()
    }
}

impl Cell for i64 {
    #[inline]
    fn of(x: i64) -> Self {
        x
    }
}

/// What an empty cell stores: the input's default when it has a valid one.
fn null_value(input: &InputPlan, as_of: Date, fast: &Fast) -> Option<i64> {
    input
        .default
        .filter(|&v| check_value(input, v, as_of).is_ok())
        .and_then(|v| match v {
            Value::Num(n) => fast.number(to_fixed(n, fast.scale)?),
            Value::Bool(b) => Some(i64::from(b)),
            Value::Date(day) => fast.day(day.days()),
            Value::Enum(e) => Some(i64::from(e)),
            Value::Missing => None,
        })
}

/// The value of every row of a column the table does not have, decided
/// once: its default, or nothing (stored as 0, and said absent) where no
/// program asked for it read. `None` when each row must say it is missing.
fn same(input: &InputPlan, as_of: Date, needed: bool) -> Option<(i64, bool)> {
    let fast = Fast::new(input, as_of);
    match (null_value(input, as_of, &fast), input.default) {
        (Some(x), _) => Some((x, false)),
        (None, None) if !needed => Some((0, true)),
        _ => None,
    }
}

/// Fills `out`, destination rows `first..first + out.len()` of `input`'s
/// column, reading source row `src.row(d)` of `col` for destination row `d`.
#[allow(clippy::too_many_arguments)]
fn fill_part<T: Cell>(
    plan: &Plan,
    input: &InputPlan,
    col: Option<&ColumnData>,
    as_of: Date,
    first: usize,
    out: &mut [T],
    src: (Source<'_>, bool),
) -> Part {
    let (src, needed) = src;
    let fast = Fast::new(input, as_of);
    let mut part = Part::default();
    let scale = fast.scale;
    // Enum choices by their id; for a dictionary, the choice of each value.
    let variants: &[(String, crate::plan::Text)] = match input.ty {
        Type::Enum(e) => plan.enums.get(e).map_or(&[], |e| e.variants.as_slice()),
        _ => &[],
    };
    let choice = |t: &str| -> Option<i64> {
        let i = variants.iter().position(|(id, _)| id == t)?;
        i64::try_from(i).ok()
    };
    let dict_choice: Vec<Option<i64>> = match col {
        Some(ColumnData::Dict(values, _)) => values.iter().map(|v| choice(v)).collect(),
        _ => Vec::new(),
    };
    // An empty cell takes the input's default, when it has a valid one.
    let null = null_value(input, as_of, &fast);
    let mut slow = |d: usize, r: usize, slot: &mut T| {
        let got = match col {
            Some(c) => cell(plan, input, c, r, as_of),
            None => Ok(input.default),
        };
        // Left empty, and not read by the programs the population is for.
        if !needed && matches!(got, Ok(None)) {
            *slot = T::default();
            part.absent = true;
            return;
        }
        match required(input, got) {
            Ok(v) => {
                *slot = T::of(match v {
                    Value::Num(n) => to_fixed(n, scale).unwrap_or_else(|| {
                        part.wide.push((d, n));
                        WIDE
                    }),
                    Value::Bool(b) => i64::from(b),
                    Value::Date(day) => i64::from(day.days()),
                    Value::Enum(e) => i64::from(e),
                    Value::Missing => 0,
                })
            }
            Err((code, msg)) => {
                *slot = T::default();
                part.errors.push((d, code, msg));
            }
        }
    };
    // A column read where it lies: by runs of its chunks, the same quick
    // tests as the table's own columns of its kind, one loop per kind.
    if let Some(ColumnData::Lent(l)) = col {
        let rows = (Rows { out, first, src }, &mut slow);
        let whole = up(0, scale);
        match (l.kind(), &input.ty) {
            (LentKind::Int, Type::Money | Type::Number(_)) => lent(l, rows, |x| {
                fast.number(scaled(i64::try_from(x).ok()?, whole?)?)
            }),
            (LentKind::Decimal(s), Type::Money | Type::Number(_)) => match up(s, scale) {
                Some(f) => lent(l, rows, |x| fast.number(scaled(i64::try_from(x).ok()?, f)?)),
                None => lent(l, rows, |x| fast.number(rescale(x, s, scale)?)),
            },
            (LentKind::Bool, Type::Bool) => lent(l, rows, |x| i64::try_from(x).ok()),
            (LentKind::Date, Type::Date) => lent(l, rows, |x| fast.day(i32::try_from(x).ok()?)),
            _ => lent(l, rows, |_| None),
        }
        return part;
    }
    let (out, slow) = (Rows { out, first, src }, &mut slow);
    // Integers (whole, or at a column's decimals) with as many decimals as
    // the input's or fewer: scaled up in 64 bits by a factor known before
    // the loop.
    let ints = match (col, &input.ty) {
        (Some(ColumnData::Fixed(s, v)), Type::Money | Type::Number(_)) => Some((*s, v)),
        (Some(ColumnData::Int(v)), Type::Money | Type::Number(_)) => Some((0, v)),
        _ => None,
    };
    if let Some((v, f)) = ints.and_then(|(s, v)| Some((v, up(s, scale)?))) {
        out.each(
            |r| or_null(v.cell(r), null, |x| fast.number(scaled(x, f)?)),
            slow,
        );
        return part;
    }
    // One loop per kind of column, so that no row asks which kind it is.
    match (col, &input.ty) {
        (Some(ColumnData::Decimal(v)), Type::Money | Type::Number(_)) => out.each(
            |r| {
                or_null(v.get(r).copied(), null, |x| {
                    fast.number(to_fixed(x, scale)?)
                })
            },
            slow,
        ),
        (Some(ColumnData::Fixed(s, v)), Type::Money | Type::Number(_)) => out.each(
            |r| {
                or_null(v.cell(r), null, |x| {
                    fast.number(rescale(x.into(), *s, scale)?)
                })
            },
            slow,
        ),
        (Some(ColumnData::Int(v)), Type::Money | Type::Number(_)) => out.each(
            |r| {
                or_null(v.cell(r), null, |x| {
                    fast.number(rescale(x.into(), 0, scale)?)
                })
            },
            slow,
        ),
        (Some(ColumnData::Bool(v)), Type::Bool) => out.each(
            |r| or_null(v.get(r).copied(), null, |x| Some(i64::from(x))),
            slow,
        ),
        (Some(ColumnData::Date(v)), Type::Date) => {
            out.each(|r| or_null(v.get(r).copied(), null, |x| fast.day(x)), slow)
        }
        (Some(ColumnData::Text(v)), Type::Enum(_)) => out.each(
            |r| or_null(v.get(r).map(Option::as_deref), null, choice),
            slow,
        ),
        (Some(ColumnData::Dict(_, keys)), Type::Enum(_)) => out.each(
            |r| {
                or_null(keys.get(r).copied(), null, |k| {
                    dict_choice.get(k as usize).copied().flatten()
                })
            },
            slow,
        ),
        _ => out.each(|_| None, slow),
    }
    part
}

/// Stores each destination row of `rows` from the lent column `l`: its
/// `quick` value, or what `slow` finds; by runs of its chunks when rows
/// are read in order.
fn lent<T: Cell>(
    l: &Lent,
    (rows, slow): (Rows<'_, '_, T>, &mut impl FnMut(usize, usize, &mut T)),
    quick: impl Fn(i128) -> Option<i64>,
) {
    let Rows { out, first, src } = rows;
    match src {
        Source::Same => {
            for (at, piece) in l.runs(first..first + out.len()) {
                let lo = at - first;
                if let Some(part) = out.get_mut(lo..lo + piece.len()) {
                    run(piece, at, part, &quick, slow);
                }
            }
        }
        Source::Order(_) => Rows { out, first, src }.each(|r| quick(l.at(r)?), slow),
    }
}

/// Stores each row of `piece` (destination rows from `at`) into `out`: its
/// `quick` value, or what `slow` finds.
#[inline]
fn run<T: Cell>(
    piece: Piece<'_>,
    at: usize,
    out: &mut [T],
    quick: &impl Fn(i128) -> Option<i64>,
    slow: &mut impl FnMut(usize, usize, &mut T),
) {
    macro_rules! each {
        ($values:expr) => {
            for (k, (slot, &x)) in out.iter_mut().zip($values).enumerate() {
                match quick(i128::from(x)) {
                    Some(v) => *slot = T::of(v),
                    None => slow(at + k, at + k, slot),
                }
            }
        };
    }
    match piece {
        Piece::I64(v) => each!(v),
        Piece::I128(v) => each!(v),
        Piece::I32(v) => each!(v),
        Piece::Bits(bytes, first, _) => {
            for (k, slot) in out.iter_mut().enumerate() {
                match bit(bytes, first + k).and_then(quick) {
                    Some(v) => *slot = T::of(v),
                    None => slow(at + k, at + k, slot),
                }
            }
        }
    }
}

/// `10^(to - from)` as an `i64`, when `from ≤ to` and it fits.
fn up(from: u32, to: u32) -> Option<i64> {
    10_i64.checked_pow(to.checked_sub(from)?)
}

/// `x × f` as [`rescale`] gives it (never the `WIDE` mark), in 64 bits.
#[inline]
fn scaled(x: i64, f: i64) -> Option<i64> {
    x.checked_mul(f).filter(|&v| v != WIDE)
}

/// The quick value of a cell read at a row (`None` out of range,
/// `Some(None)` empty): `null` when it is empty, `f` of its value otherwise.
#[inline]
fn or_null<T>(
    cell: Option<Option<T>>,
    null: Option<i64>,
    f: impl FnOnce(T) -> Option<i64>,
) -> Option<i64> {
    match cell? {
        Some(x) => f(x),
        None => null,
    }
}

/// Destination rows `first..first + out.len()` and where they come from.
struct Rows<'o, 's, T> {
    out: &'o mut [T],
    first: usize,
    src: Source<'s>,
}

impl<T: Cell> Rows<'_, '_, T> {
    /// Stores each row's `quick` value, or lets `slow` check it (destination
    /// row, source row, cell).
    #[inline]
    fn each(
        self,
        quick: impl Fn(usize) -> Option<i64>,
        slow: &mut impl FnMut(usize, usize, &mut T),
    ) {
        for (k, slot) in self.out.iter_mut().enumerate() {
            let d = self.first + k;
            let r = self.src.row(d);
            match quick(r) {
                Some(x) => *slot = T::of(x),
                None => slow(d, r, slot),
            }
        }
    }
}

/// What filling a column found: its rows, the numbers kept beside them,
/// the problems by destination row in order, and whether a cell was left
/// empty.
type Filled<T> = (Vec<T>, Vec<(usize, Decimal)>, Vec<Problem>, bool);

/// A column to fill: `rows` destination rows of `input`'s column from
/// `col`, on up to `threads` threads.
#[derive(Clone, Copy)]
struct Job<'a> {
    plan: &'a Plan,
    input: &'a InputPlan,
    col: Option<&'a ColumnData>,
    as_of: Date,
    rows: usize,
    threads: usize,
    src: Source<'a>,
    needed: bool,
}

/// Fills a column's rows as integers `T`.
fn fill_rows<T: Cell>(job: Job<'_>) -> Result<Filled<T>, EvalError> {
    let chunk = super::run::chunk_rows(job.rows, job.threads);
    let mut values = vec![T::default(); job.rows];
    let parts = super::run::on_threads(
        values.chunks_mut(chunk).enumerate().collect(),
        |(k, out)| {
            let (plan, input, col, as_of) = (job.plan, job.input, job.col, job.as_of);
            fill_part(
                plan,
                input,
                col,
                as_of,
                k * chunk,
                out,
                (job.src, job.needed),
            )
        },
    )?;
    let mut wide = Vec::new();
    let mut errors = Vec::new();
    let mut absent = false;
    for p in parts {
        wide.extend(p.wide);
        errors.extend(p.errors);
        absent |= p.absent;
    }
    Ok((values, wide, errors, absent))
}

/// Fills `rows` destination rows of `input`'s column on up to `threads`
/// threads; the column, the problems by destination row in order, and
/// whether a cell was left empty (only when the input is not `needed`: an
/// empty cell of a needed input without default is a `missing` problem).
/// A column the table does not have is held as one value when every row
/// takes the same.
///
/// # Errors
/// [`EvalError::Internal`] when a thread stopped before finishing.
#[allow(clippy::too_many_arguments)]
pub(super) fn fill(
    plan: &Plan,
    input: &InputPlan,
    col: Option<&ColumnData>,
    as_of: Date,
    rows: usize,
    threads: usize,
    src: Source<'_>,
    needed: bool,
) -> Result<(Column, Vec<Problem>, bool), EvalError> {
    if let Some((x, absent)) = col.is_none().then(|| same(input, as_of, needed)).flatten() {
        let column = column(input, Values::Same(x, rows), Vec::new());
        return Ok((column, Vec::new(), absent && rows > 0));
    }
    let choices = match input.ty {
        Type::Enum(e) => plan.enums.get(e).map_or(0, |e| e.variants.len()),
        _ => 0,
    };
    let job = Job {
        plan,
        input,
        col,
        as_of,
        rows,
        threads,
        src,
        needed,
    };
    let (values, wide, errors, absent) = match width_for(input, choices) {
        Width::I8 => {
            let (v, w, e, a) = fill_rows::<i8>(job)?;
            (Values::I8(v), w, e, a)
        }
        Width::I32 => {
            let (v, w, e, a) = fill_rows::<i32>(job)?;
            (Values::I32(v), w, e, a)
        }
        Width::I64 => {
            let (v, w, e, a) = fill_rows::<i64>(job)?;
            (Values::I64(v), w, e, a)
        }
    };
    Ok((column(input, values, wide), errors, absent))
}

/// A column of `input`'s kind.
fn column(input: &InputPlan, values: Values, wide: Vec<(usize, Decimal)>) -> Column {
    match input.ty {
        Type::Money | Type::Number(_) => Column::Num {
            scale: scale_for(input),
            fixed: values,
            wide,
        },
        Type::Bool => Column::Int {
            kind: IntKind::Bool,
            values,
        },
        Type::Date => Column::Int {
            kind: IntKind::Date,
            values,
        },
        Type::Enum(_) => Column::Int {
            kind: IntKind::Enum,
            values,
        },
    }
}
