//! The columnar evaluator: the runner's formulas compiled once into
//! operations over columns of integers, run a chunk of cases at a time.
//!
//! Every value of a chunk is a register: one `i64` per case (or per member,
//! inside an aggregation). Numbers are fixed-point with a scale known when
//! the program is compiled (money read from the population at two decimals
//! stays at two; `a × b` has the scales added), booleans are 0 and 1, dates
//! day numbers, choices indices. A quotient is kept as an exact fraction
//! (numerator and denominator registers) until it is compared, rounded or
//! converted back to a number.
//!
//! The columnar result of a case must equal what the reference evaluator (`Runner`)
//! computes with decimals. Where that cannot be shown for a row, the row is
//! flagged and evaluated one case at a time instead:
//! - an integer operation overflows (decimals have 96 bits, `i64` 63);
//! - a quotient is converted to a number and is not exact at its scale;
//! - a fraction compared with something differs from it by 10⁻⁶ or less
//!   (decimals round a quotient to 28 digits; fractions are bounded, below,
//!   so that the rounding error stays far below 10⁻⁶ and cannot change a
//!   comparison with a larger margin);
//! - a minimum or maximum over no members, a table with no row and no
//!   default (errors in the decimal path).
//!
//! Formulas the compiler does not handle (say, a rounding unit other than
//! 1, 0.1, 0.01, …, or a product of two fractions) make [`Program::compile`]
//! return `None`, and the whole batch runs one case at a time.
//!
//! This file holds the intermediate representation (registers, operations,
//! the compiled [`Program`] and a thread's [`State`]); `compile` turns a
//! runner into a program, `exec` runs it over a chunk, `fraction` holds the
//! exact fraction arithmetic both use.

use crate::money::RoundingMode;

mod ages;
use crate::plan::{AggKind, Cmp, DatePart};

/// Cases per chunk.
pub(crate) const CHUNK: usize = 512;
/// Largest scale of a fixed-point register.
const MAX_SCALE: u32 = 18;
/// Largest scale of a fraction.
const RATIO_SCALE: u32 = 4;
/// Most operations between a quotient and its comparison.
const RATIO_DEPTH: u8 = 4;
/// Largest denominator of a fraction.
const MAX_DEN: i128 = 10_000;
/// Largest magnitude of a fraction's value.
const MAX_VALUE: i128 = 1_000_000_000_000;
/// A fraction compared within `1 / MARGIN` of the other side is decided by
/// the decimal path.
const MARGIN_64: i64 = 1_000_000;
const MARGIN: i128 = MARGIN_64 as i128;
/// Largest factor a fraction may be multiplied by (so that the rounding
/// error of the decimal path stays small).
const MAX_FACTOR: i128 = 100;

/// Where a register lives: one value per case, or per member of a
/// collection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Level {
    Case,
    Member(usize),
}

/// What a register holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A number times `10^scale`.
    Fixed(u32),
    /// A fraction `num / (den × 10^scale)`, after `depth` operations.
    Ratio(u32, u8),
    Bool,
    Date,
    Enum,
}

/// A compiled value: its kind, register, denominator register (fractions)
/// and level.
#[derive(Clone, Copy, Debug)]
struct R {
    kind: Kind,
    reg: usize,
    den: usize,
    level: Level,
}

/// An operand of a comparison: register, denominator, factor to the common
/// scale.
#[derive(Clone, Copy, Debug)]
struct Side {
    reg: usize,
    den: Option<usize>,
    factor: i128,
}

#[derive(Clone, Copy, Debug)]
enum Bin {
    Add,
    Sub,
    Mul,
    Min,
    Max,
    And,
    Or,
}

#[derive(Debug)]
enum Op {
    Fill {
        x: i64,
        dst: usize,
    },
    Spread {
        coll: usize,
        src: usize,
        dst: usize,
    },
    Scale {
        src: usize,
        f: i64,
        dst: usize,
    },
    Neg {
        src: usize,
        dst: usize,
    },
    Not {
        src: usize,
        dst: usize,
    },
    Bin {
        op: Bin,
        a: usize,
        b: usize,
        dst: usize,
    },
    /// `a × fa / b`, a fraction.
    Div {
        a: usize,
        fa: i128,
        b: usize,
        scale: u32,
        num: usize,
        den: usize,
    },
    /// `a / b` as a fraction read from `a` and `b` themselves: flags the
    /// rows where it is not one as it stands (a denominator outside
    /// `1..=MAX_DEN`, a numerator out of bounds).
    Check {
        a: usize,
        b: usize,
        scale: u32,
    },
    /// `(an × fa × bd ± bn × fb × ad) / (ad × bd)`.
    RatioAdd {
        a: Side,
        b: Side,
        sub: bool,
        scale: u32,
        num: usize,
        den: usize,
    },
    /// A fraction times a number (`div` false) or divided by it.
    RatioMul {
        n: usize,
        d: usize,
        b: usize,
        /// `10^` the number's scale.
        unit: i128,
        div: bool,
        scale: u32,
        num: usize,
        den: usize,
    },
    Exact {
        n: usize,
        d: usize,
        dst: usize,
    },
    Cmp {
        op: Cmp,
        a: Side,
        b: Side,
        /// `10^` the common scale, when a side is a fraction.
        margin: Option<i128>,
        dst: usize,
    },
    /// `a op k`: a register compared with a constant at its scale.
    CmpK {
        op: Cmp,
        a: usize,
        k: i64,
        dst: usize,
    },
    Select {
        c: usize,
        a: usize,
        b: usize,
        dst: usize,
    },
    IfTrue {
        c: usize,
        a: usize,
        dst: usize,
    },
    AllOf {
        srcs: Vec<usize>,
        dst: usize,
    },
    Round {
        src: usize,
        div: i128,
        mode: RoundingMode,
        dst: usize,
    },
    Age {
        src: usize,
        ages: ages::Ages,
        dst: usize,
    },
    DatePart {
        src: usize,
        part: DatePart,
        dst: usize,
    },
    Table {
        key: usize,
        f: i128,
        rows: Vec<TableRow>,
        default: Option<i64>,
        dst: usize,
    },
    Agg {
        kind: AggKind,
        coll: usize,
        src: Option<usize>,
        dst: usize,
    },
}

impl Op {
    /// The registers the operation reads.
    fn reads(&self) -> Vec<usize> {
        let side = |s: &Side| std::iter::once(s.reg).chain(s.den);
        match self {
            Op::Fill { .. } => Vec::new(),
            Op::Spread { src, .. }
            | Op::Scale { src, .. }
            | Op::Neg { src, .. }
            | Op::Not { src, .. }
            | Op::Round { src, .. }
            | Op::Age { src, .. }
            | Op::DatePart { src, .. } => vec![*src],
            Op::Bin { a, b, .. } | Op::Div { a, b, .. } | Op::Check { a, b, .. } => vec![*a, *b],
            Op::RatioAdd { a, b, .. } | Op::Cmp { a, b, .. } => side(a).chain(side(b)).collect(),
            Op::RatioMul { n, d, b, .. } => vec![*n, *d, *b],
            Op::Exact { n, d, .. } => vec![*n, *d],
            Op::CmpK { a, .. } => vec![*a],
            Op::Select { c, a, b, .. } => vec![*c, *a, *b],
            Op::IfTrue { c, a, .. } => vec![*c, *a],
            Op::AllOf { srcs, .. } => srcs.clone(),
            Op::Table { key, .. } => vec![*key],
            Op::Agg { src, .. } => src.iter().copied().collect(),
        }
    }
}

/// A band of a table at the common scale: bounds (value, included), output.
type TableRow = (Option<(i128, bool)>, Option<(i128, bool)>, i64);

/// A compiled batch program.
#[derive(Debug)]
pub(crate) struct Program {
    /// Registers that are input columns: register, level, column.
    inputs: Vec<(usize, Level, usize)>,
    ops: Vec<(Level, Op)>,
    regs: usize,
    /// Per program: eligibility register, amount register and scale.
    outputs: Vec<(usize, Option<(usize, u32)>)>,
    /// Per member program (in the order of the batch's member columns):
    /// collection, eligibility register, amount register and scale, over
    /// the member rows of the chunk.
    member_outputs: Vec<MemberOutput>,
}

/// A member program's registers: collection, eligibility, amount and scale.
pub(crate) type MemberOutput = (usize, usize, Option<(usize, u32)>);

/// Per-thread scratch space, reused from chunk to chunk.
pub(crate) struct State {
    regs: Vec<Vec<i64>>,
    /// Cases of the chunk to evaluate one by one.
    pub(crate) flag: Vec<bool>,
    /// Per collection: member offsets within the chunk.
    offs: Vec<Vec<usize>>,
    bad: Vec<usize>,
    /// Running sums of a member register.
    prefix: Vec<i64>,
    /// Per input column read: its chunk as 64-bit integers, when it is
    /// stored narrower.
    widened: Vec<Vec<i64>>,
}

mod compile;
mod exec;
mod fraction;
#[cfg(test)]
mod tests;
