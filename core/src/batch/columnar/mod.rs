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
//! The columnar result of a case must equal what [`crate::run::runner::Runner`]
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

use crate::batch::columns::{Column, IntKind};
use crate::batch::Population;
use crate::date::Date;
use crate::run::node::{eval_node, Env};
use crate::run::runner::Runner;
use crate::money::RoundingMode;
use crate::plan::{within, AggKind, Arith, Cmp, Node, Plan};
use crate::value::Value;
use std::collections::HashMap;

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
        on: Date,
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
}

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
}

fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

/// Floor-divides and rounds `n / d` (`d > 0`) as `mode` says.
fn round_div(n: i128, d: i128, mode: RoundingMode) -> Option<i128> {
    let q = n.checked_div_euclid(d)?;
    let r = n.checked_rem_euclid(d)?;
    let up = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => r > 0,
        RoundingMode::HalfUp | RoundingMode::HalfEven => {
            let twice = r.checked_mul(2)?;
            match twice.cmp(&d) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => match mode {
                    RoundingMode::HalfUp => q >= 0,
                    _ => q % 2 != 0,
                },
            }
        }
    };
    q.checked_add(i128::from(up))
}

/// Largest numerator per unit of denominator of a fraction at `scale`.
fn limit(scale: u32) -> i128 {
    pow10(scale).map_or(0, |p| MAX_VALUE.saturating_mul(p))
}

/// A fraction in bounds (`|n / d| ≤ limit / 10^scale`), with a positive
/// denominator.
#[inline]
fn ratio(n: i128, d: i128, limit: i128) -> Option<(i64, i64)> {
    let (n, d) = if d < 0 {
        (n.checked_neg()?, d.checked_neg()?)
    } else {
        (n, d)
    };
    if d == 0 || d > MAX_DEN || n.checked_abs()? > limit.checked_mul(d)? {
        return None;
    }
    Some((i64::try_from(n).ok()?, i64::try_from(d).ok()?))
}

/// A constant as a register's kind and integer (a number at its own
/// scale, at most `MAX_SCALE`).
fn encode(v: Value) -> Option<(Kind, i64)> {
    Some(match v {
        Value::Num(d) => {
            let d = if d.scale() > MAX_SCALE {
                d.normalize()
            } else {
                d
            };
            if d.scale() > MAX_SCALE {
                return None;
            }
            (Kind::Fixed(d.scale()), i64::try_from(d.mantissa()).ok()?)
        }
        Value::Bool(b) => (Kind::Bool, i64::from(b)),
        Value::Date(d) => (Kind::Date, i64::from(d.days())),
        Value::Enum(e) => (Kind::Enum, i64::from(e)),
        Value::Missing => return None,
    })
}

fn is_row_free(node: &Node) -> bool {
    match node {
        Node::Const(_) | Node::Param(_) | Node::AsOf => true,
        Node::Slot(_)
        | Node::MemberSlot(_)
        | Node::Agg(..)
        | Node::AllSlots(_)
        | Node::IfEligible(..) => false,
        Node::Neg(a) | Node::Not(a) | Node::Round(_, _, a) | Node::Age(a) | Node::Table(_, a) => {
            is_row_free(a)
        }
        Node::Arith(_, a, b) | Node::Cmp(_, a, b) | Node::And(a, b) | Node::Or(a, b) => {
            is_row_free(a) && is_row_free(b)
        }
        Node::If(c, a, b) => is_row_free(c) && is_row_free(a) && is_row_free(b),
        Node::In(a, items) => is_row_free(a) && items.iter().all(is_row_free),
        Node::Min(items) | Node::Max(items) => items.iter().all(is_row_free),
    }
}

/// What a formula's `Slot` reads, and the level values are computed at.
#[derive(Clone, Copy)]
struct Ctx {
    level: Level,
    slots: Level,
    member: Option<usize>,
}

struct Compiler<'a> {
    plan: &'a Plan,
    runner: &'a Runner<'a>,
    pop: &'a Population,
    ops: Vec<(Level, Op)>,
    regs: usize,
    case_slots: HashMap<usize, R>,
    member_slots: Vec<HashMap<usize, R>>,
    /// Input columns read, by level and column: read where they lie.
    loads: HashMap<(Level, usize), R>,
    spreads: HashMap<(usize, usize), R>,
    /// Formulas already compiled, by their text and context: one register
    /// for `count(members)` however often it is written.
    seen: HashMap<(String, Level, Level, Option<usize>), R>,
}

impl Compiler<'_> {
    fn reg(&mut self) -> usize {
        self.regs += 1;
        self.regs - 1
    }

    fn push(&mut self, level: Level, op: Op) {
        self.ops.push((level, op));
    }

    fn new_r(&mut self, kind: Kind, level: Level) -> R {
        let reg = self.reg();
        R {
            kind,
            reg,
            den: reg,
            level,
        }
    }

    fn constant(&mut self, v: Value, level: Level) -> Option<R> {
        let (kind, x) = encode(v)?;
        let r = self.new_r(kind, level);
        self.push(level, Op::Fill { x, dst: r.reg });
        Some(r)
    }

    fn fold(&self, node: &Node) -> Option<Value> {
        let env = Env {
            params: &self.runner.segment.params,
            frame: &[],
            member: &[],
            collections: &[],
            tables: &self.plan.tables,
            as_of: self.runner.as_of,
        };
        eval_node(node, &env).ok()
    }

    fn load(&mut self, level: Level, col: usize) -> Option<R> {
        if let Some(r) = self.loads.get(&(level, col)) {
            return Some(*r);
        }
        let column = match level {
            Level::Case => self.pop.columns.get(col)?,
            Level::Member(c) => self.pop.collections.get(c)?.columns.get(col)?,
        };
        let kind = match column {
            Column::Num { scale, .. } => Kind::Fixed(*scale),
            Column::Int { kind, .. } => match kind {
                IntKind::Bool => Kind::Bool,
                IntKind::Date => Kind::Date,
                IntKind::Enum => Kind::Enum,
            },
        };
        let r = self.new_r(kind, level);
        self.loads.insert((level, col), r);
        Some(r)
    }

    /// A case value read at a member level.
    fn spread(&mut self, r: R, level: Level) -> Option<R> {
        let Level::Member(coll) = level else {
            return Some(r);
        };
        if r.level == level {
            return Some(r);
        }
        let one = |me: &mut Self, src: usize| -> usize {
            if let Some(d) = me.spreads.get(&(coll, src)) {
                return d.reg;
            }
            let dst = me.reg();
            me.push(level, Op::Spread { coll, src, dst });
            me.spreads.insert(
                (coll, src),
                R {
                    kind: r.kind,
                    reg: dst,
                    den: dst,
                    level,
                },
            );
            dst
        };
        let reg = one(self, r.reg);
        let den = if matches!(r.kind, Kind::Ratio(..)) {
            one(self, r.den)
        } else {
            reg
        };
        Some(R {
            kind: r.kind,
            reg,
            den,
            level,
        })
    }

    fn slot(&mut self, space: Level, i: usize, level: Level) -> Option<R> {
        match space {
            Level::Case => {
                let r = if i < self.pop.columns.len() {
                    self.load(Level::Case, i)?
                } else {
                    *self.case_slots.get(&i)?
                };
                self.spread(r, level)
            }
            Level::Member(c) => {
                let inputs = self.pop.collections.get(c)?.columns.len();
                if i < inputs {
                    self.load(space, i)
                } else {
                    self.member_slots.get(c)?.get(&i).copied()
                }
            }
        }
    }

    /// `r` as a fixed-point number (a fraction right after its division is
    /// converted where exact; rows where it is not are flagged).
    fn fixed(&mut self, r: R) -> Option<(usize, u32)> {
        match r.kind {
            Kind::Fixed(s) => Some((r.reg, s)),
            Kind::Ratio(s, 1) => {
                let dst = self.reg();
                self.push(
                    r.level,
                    Op::Exact {
                        n: r.reg,
                        d: r.den,
                        dst,
                    },
                );
                Some((dst, s))
            }
            _ => None,
        }
    }

    /// `reg` at scale `from` brought to scale `to` (`to ≥ from`).
    fn rescale(&mut self, reg: usize, from: u32, to: u32, level: Level) -> Option<usize> {
        if from == to {
            return Some(reg);
        }
        let f = i64::try_from(pow10(to.checked_sub(from)?)?).ok()?;
        let dst = self.reg();
        self.push(level, Op::Scale { src: reg, f, dst });
        Some(dst)
    }

    /// Two values made comparable: numbers at one scale, or the same kind.
    fn unify(&mut self, a: R, b: R) -> Option<(usize, usize, Kind)> {
        let numeric = |k: Kind| matches!(k, Kind::Fixed(_) | Kind::Ratio(..));
        if numeric(a.kind) && numeric(b.kind) {
            let (ra, sa) = self.fixed(a)?;
            let (rb, sb) = self.fixed(b)?;
            let s = sa.max(sb);
            let ra = self.rescale(ra, sa, s, a.level)?;
            let rb = self.rescale(rb, sb, s, a.level)?;
            Some((ra, rb, Kind::Fixed(s)))
        } else if a.kind == b.kind {
            Some((a.reg, b.reg, a.kind))
        } else {
            None
        }
    }

    fn bin(&mut self, op: Bin, a: usize, b: usize, kind: Kind, level: Level) -> R {
        let r = self.new_r(kind, level);
        self.push(
            level,
            Op::Bin {
                op,
                a,
                b,
                dst: r.reg,
            },
        );
        r
    }

    fn boolean(&mut self, node: &Node, ctx: Ctx) -> Option<usize> {
        let r = self.node(node, ctx)?;
        (r.kind == Kind::Bool).then_some(r.reg)
    }

    fn side(r: R, scale: u32, s: u32) -> Option<Side> {
        Some(Side {
            reg: r.reg,
            den: matches!(r.kind, Kind::Ratio(..)).then_some(r.den),
            factor: pow10(s.checked_sub(scale)?)?,
        })
    }

    fn cmp(&mut self, op: Cmp, a: R, b: R, level: Level) -> Option<R> {
        let scale = |k: Kind| match k {
            Kind::Fixed(s) | Kind::Ratio(s, _) => Some(s),
            _ => None,
        };
        let (sa, sb) = match (scale(a.kind), scale(b.kind)) {
            (Some(x), Some(y)) => (x, y),
            (None, None) if a.kind == b.kind => (0, 0),
            _ => return None,
        };
        let s = sa.max(sb);
        let ratio = matches!(a.kind, Kind::Ratio(..)) || matches!(b.kind, Kind::Ratio(..));
        let margin = if ratio { Some(pow10(s)?) } else { None };
        let r = self.new_r(Kind::Bool, level);
        let op = Op::Cmp {
            op,
            a: Self::side(a, sa, s)?,
            b: Self::side(b, sb, s)?,
            margin,
            dst: r.reg,
        };
        self.push(level, op);
        Some(r)
    }

    fn arith(&mut self, op: Arith, a: R, b: R, level: Level) -> Option<R> {
        let (ka, kb) = (a.kind, b.kind);
        let depth = |k: Kind| match k {
            Kind::Ratio(_, d) => d,
            _ => 0,
        };
        let next = depth(ka).max(depth(kb)) + 1;
        match (op, ka, kb) {
            (Arith::Add | Arith::Sub, Kind::Fixed(sa), Kind::Fixed(sb)) => {
                let s = sa.max(sb);
                let ra = self.rescale(a.reg, sa, s, level)?;
                let rb = self.rescale(b.reg, sb, s, level)?;
                let bin = if op == Arith::Add { Bin::Add } else { Bin::Sub };
                Some(self.bin(bin, ra, rb, Kind::Fixed(s), level))
            }
            (
                Arith::Add | Arith::Sub,
                Kind::Fixed(sa) | Kind::Ratio(sa, _),
                Kind::Fixed(sb) | Kind::Ratio(sb, _),
            ) => {
                let s = sa.max(sb);
                if s > RATIO_SCALE || next > RATIO_DEPTH {
                    return None;
                }
                let num = self.reg();
                let den = self.reg();
                let op = Op::RatioAdd {
                    a: Self::side(a, sa, s)?,
                    b: Self::side(b, sb, s)?,
                    sub: op == Arith::Sub,
                    scale: s,
                    num,
                    den,
                };
                self.push(level, op);
                Some(R {
                    kind: Kind::Ratio(s, next),
                    reg: num,
                    den,
                    level,
                })
            }
            (Arith::Mul, Kind::Fixed(sa), Kind::Fixed(sb)) => {
                let s = sa.checked_add(sb).filter(|&s| s <= MAX_SCALE)?;
                Some(self.bin(Bin::Mul, a.reg, b.reg, Kind::Fixed(s), level))
            }
            (Arith::Mul, Kind::Ratio(..), Kind::Fixed(_)) => {
                self.ratio_mul(a, b, false, next, level)
            }
            (Arith::Mul, Kind::Fixed(_), Kind::Ratio(..)) => {
                self.ratio_mul(b, a, false, next, level)
            }
            (Arith::Div, Kind::Ratio(..), Kind::Fixed(_)) => {
                self.ratio_mul(a, b, true, next, level)
            }
            (Arith::Div, Kind::Fixed(sa), Kind::Fixed(sb)) => {
                if sa > RATIO_SCALE {
                    return None;
                }
                if sb == 0 {
                    // A whole-number divisor: the fraction is the two
                    // registers as they are, once checked.
                    let op = Op::Check {
                        a: a.reg,
                        b: b.reg,
                        scale: sa,
                    };
                    self.push(level, op);
                    return Some(R {
                        kind: Kind::Ratio(sa, 1),
                        reg: a.reg,
                        den: b.reg,
                        level,
                    });
                }
                let num = self.reg();
                let den = self.reg();
                let op = Op::Div {
                    a: a.reg,
                    fa: pow10(sb)?,
                    b: b.reg,
                    scale: sa,
                    num,
                    den,
                };
                self.push(level, op);
                Some(R {
                    kind: Kind::Ratio(sa, 1),
                    reg: num,
                    den,
                    level,
                })
            }
            _ => None,
        }
    }

    fn ratio_mul(&mut self, a: R, b: R, div: bool, depth: u8, level: Level) -> Option<R> {
        let (Kind::Ratio(sa, _), Kind::Fixed(sb)) = (a.kind, b.kind) else {
            return None;
        };
        // Times a number: the scales add. Divided by it: the number's scale
        // moves to the numerator, the fraction keeps its own.
        let scale = if div { sa } else { sa.checked_add(sb)? };
        if scale > RATIO_SCALE || depth > RATIO_DEPTH {
            return None;
        }
        let num = self.reg();
        let den = self.reg();
        let op = Op::RatioMul {
            n: a.reg,
            d: a.den,
            b: b.reg,
            unit: pow10(sb)?,
            div,
            scale,
            num,
            den,
        };
        self.push(level, op);
        Some(R {
            kind: Kind::Ratio(scale, depth),
            reg: num,
            den,
            level,
        })
    }

    fn node(&mut self, node: &Node, ctx: Ctx) -> Option<R> {
        let key = (format!("{node:?}"), ctx.level, ctx.slots, ctx.member);
        if let Some(r) = self.seen.get(&key) {
            return Some(*r);
        }
        let r = self.compile_node(node, ctx)?;
        self.seen.insert(key, r);
        Some(r)
    }

    fn compile_node(&mut self, node: &Node, ctx: Ctx) -> Option<R> {
        let level = ctx.level;
        if is_row_free(node) {
            let v = self.fold(node)?;
            return self.constant(v, level);
        }
        match node {
            Node::Slot(i) => self.slot(ctx.slots, *i, level),
            Node::MemberSlot(i) => self.slot(Level::Member(ctx.member?), *i, level),
            Node::Neg(a) => {
                let a = self.node(a, ctx)?;
                let r = self.new_r(a.kind, level);
                match a.kind {
                    Kind::Fixed(_) | Kind::Ratio(..) => {
                        self.push(
                            level,
                            Op::Neg {
                                src: a.reg,
                                dst: r.reg,
                            },
                        );
                        Some(R { den: a.den, ..r })
                    }
                    _ => None,
                }
            }
            Node::Not(a) => {
                let a = self.boolean(a, ctx)?;
                let r = self.new_r(Kind::Bool, level);
                self.push(level, Op::Not { src: a, dst: r.reg });
                Some(r)
            }
            Node::Arith(op, a, b) => {
                let (a, b) = (self.node(a, ctx)?, self.node(b, ctx)?);
                self.arith(*op, a, b, level)
            }
            Node::Cmp(op, a, b) => {
                let (a, b) = (self.node(a, ctx)?, self.node(b, ctx)?);
                self.cmp(*op, a, b, level)
            }
            Node::And(a, b) | Node::Or(a, b) => {
                let (a, b) = (self.boolean(a, ctx)?, self.boolean(b, ctx)?);
                let op = if matches!(node, Node::And(..)) {
                    Bin::And
                } else {
                    Bin::Or
                };
                Some(self.bin(op, a, b, Kind::Bool, level))
            }
            Node::If(c, a, b) => {
                let c = self.boolean(c, ctx)?;
                let (a, b) = (self.node(a, ctx)?, self.node(b, ctx)?);
                let (a, b, kind) = self.unify(a, b)?;
                let r = self.new_r(kind, level);
                self.push(
                    level,
                    Op::Select {
                        c,
                        a,
                        b,
                        dst: r.reg,
                    },
                );
                Some(r)
            }
            Node::In(x, items) => {
                let x = self.node(x, ctx)?;
                let mut acc: Option<R> = None;
                for item in items {
                    let item = self.node(item, ctx)?;
                    let hit = self.cmp(Cmp::Eq, x, item, level)?;
                    acc = Some(match acc {
                        None => hit,
                        Some(prev) => self.bin(Bin::Or, prev.reg, hit.reg, Kind::Bool, level),
                    });
                }
                match acc {
                    Some(r) => Some(r),
                    None => self.constant(Value::Bool(false), level),
                }
            }
            Node::Min(items) | Node::Max(items) => {
                let op = if matches!(node, Node::Min(_)) {
                    Bin::Min
                } else {
                    Bin::Max
                };
                let mut acc: Option<R> = None;
                for item in items {
                    let item = self.node(item, ctx)?;
                    acc = Some(match acc {
                        None => {
                            let (reg, s) = self.fixed(item)?;
                            R {
                                kind: Kind::Fixed(s),
                                reg,
                                den: reg,
                                level,
                            }
                        }
                        Some(prev) => {
                            let (a, b, kind) = self.unify(prev, item)?;
                            self.bin(op, a, b, kind, level)
                        }
                    });
                }
                acc
            }
            Node::Round(mode, unit, a) => {
                let unit = unit.normalize();
                if unit.mantissa() != 1 {
                    return None;
                }
                let a = self.node(a, ctx)?;
                let (reg, s) = self.fixed(a)?;
                let u = unit.scale();
                if u >= s {
                    // Already a multiple of the unit.
                    return Some(R {
                        kind: Kind::Fixed(s),
                        reg,
                        den: reg,
                        level,
                    });
                }
                let r = self.new_r(Kind::Fixed(u), level);
                let op = Op::Round {
                    src: reg,
                    div: pow10(s - u)?,
                    mode: *mode,
                    dst: r.reg,
                };
                self.push(level, op);
                Some(r)
            }
            Node::Age(a) => {
                let a = self.node(a, ctx)?;
                if a.kind != Kind::Date {
                    return None;
                }
                let r = self.new_r(Kind::Fixed(0), level);
                let op = Op::Age {
                    src: a.reg,
                    on: self.runner.as_of,
                    dst: r.reg,
                };
                self.push(level, op);
                Some(r)
            }
            Node::Agg(kind, coll, body) => {
                if level != Level::Case {
                    return None;
                }
                let inner = Ctx {
                    level: Level::Member(*coll),
                    slots: ctx.slots,
                    member: Some(*coll),
                };
                let (src, out) = match (kind, body) {
                    (AggKind::Count, None) => (None, Kind::Fixed(0)),
                    (AggKind::Count, Some(b)) => (Some(self.boolean(b, inner)?), Kind::Fixed(0)),
                    (AggKind::Any | AggKind::All, Some(b)) => {
                        (Some(self.boolean(b, inner)?), Kind::Bool)
                    }
                    (AggKind::Sum | AggKind::Min | AggKind::Max, Some(b)) => {
                        let b = self.node(b, inner)?;
                        let (reg, s) = self.fixed(b)?;
                        (Some(reg), Kind::Fixed(s))
                    }
                    _ => return None,
                };
                let r = self.new_r(out, level);
                let op = Op::Agg {
                    kind: *kind,
                    coll: *coll,
                    src,
                    dst: r.reg,
                };
                self.push(level, op);
                Some(r)
            }
            Node::Table(t, key) => self.table(*t, key, ctx),
            Node::AllSlots(slots) => {
                let mut srcs = Vec::with_capacity(slots.len());
                for &s in slots {
                    let r = self.slot(ctx.slots, s, level)?;
                    if r.kind != Kind::Bool {
                        return None;
                    }
                    srcs.push(r.reg);
                }
                let r = self.new_r(Kind::Bool, level);
                self.push(level, Op::AllOf { srcs, dst: r.reg });
                Some(r)
            }
            Node::IfEligible(slot, a) => {
                let c = self.slot(ctx.slots, *slot, level)?;
                if c.kind != Kind::Bool {
                    return None;
                }
                let a = self.node(a, ctx)?;
                let (reg, s) = self.fixed(a)?;
                let r = self.new_r(Kind::Fixed(s), level);
                let op = Op::IfTrue {
                    c: c.reg,
                    a: reg,
                    dst: r.reg,
                };
                self.push(level, op);
                Some(r)
            }
            Node::Const(_) | Node::Param(_) | Node::AsOf => None,
        }
    }

    fn table(&mut self, t: usize, key: &Node, ctx: Ctx) -> Option<R> {
        let plan = self.plan;
        let table = plan.tables.get(t)?;
        let key = self.node(key, ctx)?;
        let (key, sk) = self.fixed(key)?;
        let bounds = table
            .rows
            .iter()
            .flat_map(|r| [r.lo, r.hi])
            .flatten()
            .map(|(b, _)| b.scale());
        let s = bounds.fold(sk, u32::max);
        if s > MAX_SCALE {
            return None;
        }
        let at = |b: Option<(crate::Decimal, bool)>| -> Option<Option<(i128, bool)>> {
            match b {
                None => Some(None),
                Some((d, incl)) => Some(Some((
                    d.mantissa().checked_mul(pow10(s - d.scale())?)?,
                    incl,
                ))),
            }
        };
        let mut outs: Vec<Value> = Vec::new();
        for row in &table.rows {
            outs.push(self.fold(&row.output)?);
        }
        let default = match &table.default {
            Some(d) => Some(self.fold(d)?),
            None => None,
        };
        // Outputs at one scale (numbers) or of one kind.
        let encoded: Vec<(Kind, i64)> = outs
            .iter()
            .chain(default.as_ref())
            .map(|v| encode(*v))
            .collect::<Option<_>>()?;
        let mut kind = encoded.first()?.0;
        for &(k, _) in &encoded {
            kind = match (kind, k) {
                (Kind::Fixed(a), Kind::Fixed(b)) => Kind::Fixed(a.max(b)),
                (a, b) if a == b => a,
                _ => return None,
            };
        }
        let mut values = Vec::with_capacity(encoded.len());
        for (k, x) in encoded {
            values.push(match (k, kind) {
                (Kind::Fixed(s), Kind::Fixed(so)) => {
                    i64::try_from(i128::from(x).checked_mul(pow10(so - s)?)?).ok()?
                }
                _ => x,
            });
        }
        let default = if default.is_some() {
            values.pop()
        } else {
            None
        };
        let rows = table
            .rows
            .iter()
            .zip(values)
            .map(|(row, out)| Some((at(row.lo)?, at(row.hi)?, out)))
            .collect::<Option<Vec<TableRow>>>()?;
        let r = self.new_r(kind, ctx.level);
        let op = Op::Table {
            key,
            f: pow10(s - sk)?,
            rows,
            default,
            dst: r.reg,
        };
        self.push(ctx.level, op);
        Some(r)
    }
}

impl Program {
    /// Compiles the runner's formulas for `pop`, or `None` when a formula
    /// needs the decimal path.
    pub(crate) fn compile(runner: &Runner<'_>, pop: &Population) -> Option<Program> {
        let plan = runner.plan;
        let mut c = Compiler {
            plan,
            runner,
            pop,
            ops: Vec::new(),
            regs: 0,
            case_slots: HashMap::new(),
            member_slots: vec![HashMap::new(); pop.collections.len()],
            loads: HashMap::new(),
            spreads: HashMap::new(),
            seen: HashMap::new(),
        };
        for coll in 0..pop.collections.len() {
            let level = Level::Member(coll);
            let ctx = Ctx {
                level,
                slots: level,
                member: None,
            };
            for (slot, node) in runner.member_steps(coll) {
                let r = c.node(node, ctx)?;
                c.member_slots.get_mut(coll)?.insert(slot, r);
            }
        }
        let ctx = Ctx {
            level: Level::Case,
            slots: Level::Case,
            member: None,
        };
        for (slot, node) in runner.case_steps() {
            let r = c.node(node, ctx)?;
            c.case_slots.insert(slot, r);
        }
        let mut outputs = Vec::new();
        for &p in runner.programs() {
            let program = plan.programs.get(p)?;
            let slot = |i: usize| plan.computeds.get(i).map(|comp| comp.slot);
            let e = *c.case_slots.get(&slot(program.eligible)?)?;
            if e.kind != Kind::Bool {
                return None;
            }
            let amount = match program.amount {
                None => None,
                Some(a) => {
                    let r = *c.case_slots.get(&slot(a)?)?;
                    Some(c.fixed(r)?)
                }
            };
            outputs.push((e.reg, amount));
        }
        let inputs: Vec<(usize, Level, usize)> = c
            .loads
            .iter()
            .map(|(&(level, col), r)| (r.reg, level, col))
            .collect();
        // Outputs are read from the state: computed registers only.
        let computed = |r: usize| !inputs.iter().any(|&(i, _, _)| i == r);
        for (e, a) in &outputs {
            if !computed(*e) || a.is_some_and(|(r, _)| !computed(r)) {
                return None;
            }
        }
        Some(Program {
            inputs,
            ops: c.ops,
            regs: c.regs,
            outputs,
        })
    }

    /// Scratch space for one thread.
    pub(crate) fn state(&self, collections: usize) -> State {
        State {
            regs: vec![Vec::new(); self.regs],
            flag: Vec::with_capacity(CHUNK),
            offs: vec![Vec::new(); collections],
            bad: Vec::new(),
            prefix: Vec::new(),
        }
    }

    /// Per program: eligibility register, amount register and scale.
    pub(crate) fn outputs(&self) -> &[(usize, Option<(usize, u32)>)] {
        &self.outputs
    }

    /// Runs every operation over cases `lo..lo + n`; afterwards
    /// `st.flag[k]` marks cases to evaluate one by one.
    #[inline(never)]
    pub(crate) fn run_chunk(&self, pop: &Population, st: &mut State, lo: usize, n: usize) {
        st.flag.clear();
        st.flag.resize(n, false);
        for (c, coll) in pop.collections.iter().enumerate() {
            let Some(offs) = st.offs.get_mut(c) else {
                continue;
            };
            let window = coll.offsets.get(lo..=lo + n).unwrap_or(&[]);
            let base = window.first().copied().unwrap_or(0);
            offs.clear();
            offs.extend(window.iter().map(|o| o - base));
        }
        let mut views: Vec<Option<&[i64]>> = vec![None; self.regs];
        for &(reg, level, col) in &self.inputs {
            let (column, rows) = match level {
                Level::Case => (pop.columns.get(col), lo..lo + n),
                Level::Member(c) => {
                    let coll = pop.collections.get(c);
                    let a = coll.and_then(|m| m.offsets.get(lo)).copied().unwrap_or(0);
                    let b = coll
                        .and_then(|m| m.offsets.get(lo + n))
                        .copied()
                        .unwrap_or(a);
                    (coll.and_then(|m| m.columns.get(col)), a..b.max(a))
                }
            };
            if let Some(v) = views.get_mut(reg) {
                *v = Some(column.and_then(|c| c.raw().0.get(rows)).unwrap_or(&[]));
            }
        }
        for (level, op) in &self.ops {
            let len = match level {
                Level::Case => n,
                Level::Member(c) => st.offs.get(*c).and_then(|o| o.last()).copied().unwrap_or(0),
            };
            self.exec(op, &views, st, len);
            if !st.bad.is_empty() {
                let bad = std::mem::take(&mut st.bad);
                for &i in &bad {
                    let case = match level {
                        Level::Case => Some(i),
                        // The case whose members span row `i`.
                        Level::Member(c) => st
                            .offs
                            .get(*c)
                            .and_then(|o| o.partition_point(|&m| m <= i).checked_sub(1)),
                    };
                    if let Some(f) = case.and_then(|k| st.flag.get_mut(k)) {
                        *f = true;
                    }
                }
                st.bad = bad;
                st.bad.clear();
            }
        }
    }

    /// Register `reg` of the last chunk.
    pub(crate) fn reg<'s>(&self, st: &'s State, reg: usize) -> &'s [i64] {
        st.regs.get(reg).map_or(&[], Vec::as_slice)
    }

    fn exec(&self, op: &Op, views: &[Option<&[i64]>], st: &mut State, len: usize) {
        let State {
            regs,
            offs,
            bad,
            prefix,
            ..
        } = st;
        // Takes the destination out so that sources can be read beside it.
        fn take(regs: &mut [Vec<i64>], dst: usize) -> Vec<i64> {
            let mut v = regs.get_mut(dst).map(std::mem::take).unwrap_or_default();
            v.clear();
            v
        }
        fn get<'v>(regs: &'v [Vec<i64>], views: &[Option<&'v [i64]>], r: usize) -> &'v [i64] {
            match views.get(r).copied().flatten() {
                Some(v) => v,
                None => regs.get(r).map_or(&[], Vec::as_slice),
            }
        }
        fn put(regs: &mut [Vec<i64>], r: usize, v: Vec<i64>) {
            if let Some(slot) = regs.get_mut(r) {
                *slot = v;
            }
        }
        match op {
            Op::Fill { x, dst } => {
                let mut out = take(regs, *dst);
                out.resize(len, *x);
                put(regs, *dst, out);
            }
            Op::Spread { coll, src, dst } => {
                let mut out = take(regs, *dst);
                let s = get(regs, views, *src);
                if let Some(o) = offs.get(*coll) {
                    for (k, w) in o.windows(2).enumerate() {
                        let x = s.get(k).copied().unwrap_or(0);
                        out.extend(std::iter::repeat_n(x, w[1] - w[0]));
                    }
                }
                out.resize(len, 0);
                put(regs, *dst, out);
            }
            Op::Scale { src, f, dst } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, |x| x.checked_mul(*f));
                put(regs, *dst, out);
            }
            Op::Neg { src, dst } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, i64::checked_neg);
                put(regs, *dst, out);
            }
            Op::Not { src, dst } => {
                let mut out = take(regs, *dst);
                out.extend(get(regs, views, *src).iter().map(|&x| i64::from(x == 0)));
                put(regs, *dst, out);
            }
            Op::Bin { op, a, b, dst } => {
                let mut out = take(regs, *dst);
                let (a, b) = (get(regs, views, *a), get(regs, views, *b));
                match op {
                    Bin::Add => map2(a, b, &mut out, bad, i64::checked_add),
                    Bin::Sub => map2(a, b, &mut out, bad, i64::checked_sub),
                    Bin::Mul => map2(a, b, &mut out, bad, i64::checked_mul),
                    Bin::Min => out.extend(a.iter().zip(b).map(|(x, y)| *x.min(y))),
                    Bin::Max => out.extend(a.iter().zip(b).map(|(x, y)| *x.max(y))),
                    Bin::And => {
                        out.extend(a.iter().zip(b).map(|(x, y)| i64::from(*x != 0 && *y != 0)))
                    }
                    Bin::Or => {
                        out.extend(a.iter().zip(b).map(|(x, y)| i64::from(*x != 0 || *y != 0)))
                    }
                }
                put(regs, *dst, out);
            }
            Op::Div {
                a,
                fa,
                b,
                scale,
                num,
                den,
            } => {
                let (mut on, mut od) = (take(regs, *num), take(regs, *den));
                // A numerator that does not fit an i64 is out of bounds
                // anyway, so this runs in i64.
                let lim = i64::try_from(limit(*scale)).unwrap_or(i64::MAX);
                let fa = i64::try_from(*fa).unwrap_or(i64::MAX);
                let (xs, ys) = (get(regs, views, *a), get(regs, views, *b));
                if fractions_in_bounds(xs, fa, ys, lim) {
                    on.extend(xs.iter().map(|&x| x.wrapping_mul(fa)));
                    od.extend_from_slice(ys);
                } else {
                    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
                        let r = x
                            .checked_mul(fa)
                            .and_then(|n| ratio(n.into(), y.into(), lim.into()));
                        push_ratio(&mut on, &mut od, bad, i, r);
                    }
                }
                put(regs, *num, on);
                put(regs, *den, od);
            }
            Op::Check { a, b, scale } => {
                let lim = i64::try_from(limit(*scale)).unwrap_or(i64::MAX);
                let (xs, ys) = (get(regs, views, *a), get(regs, views, *b));
                if !fractions_in_bounds(xs, 1, ys, lim) {
                    for i in 0..len {
                        let ok = match (xs.get(i), ys.get(i)) {
                            (Some(&x), Some(&y)) => {
                                y >= 1 && ratio(x.into(), y.into(), lim.into()) == Some((x, y))
                            }
                            _ => false,
                        };
                        if !ok {
                            bad.push(i);
                        }
                    }
                }
            }
            Op::RatioAdd {
                a,
                b,
                sub,
                scale,
                num,
                den,
            } => {
                let (mut on, mut od) = (take(regs, *num), take(regs, *den));
                let lim = limit(*scale);
                for i in 0..len {
                    let (an, ad) = side_at(regs, views, a, i);
                    let (bn, bd) = side_at(regs, views, b, i);
                    let r = (|| {
                        let x = an.checked_mul(a.factor)?.checked_mul(bd)?;
                        let y = bn.checked_mul(b.factor)?.checked_mul(ad)?;
                        let n = if *sub {
                            x.checked_sub(y)?
                        } else {
                            x.checked_add(y)?
                        };
                        ratio(n, ad.checked_mul(bd)?, lim)
                    })();
                    push_ratio(&mut on, &mut od, bad, i, r);
                }
                put(regs, *num, on);
                put(regs, *den, od);
            }
            Op::RatioMul {
                n,
                d,
                b,
                unit,
                div,
                scale,
                num,
                den,
            } => {
                let (mut on, mut od) = (take(regs, *num), take(regs, *den));
                let (rn, rd, rb) = (
                    get(regs, views, *n),
                    get(regs, views, *d),
                    get(regs, views, *b),
                );
                let lim = limit(*scale);
                for i in 0..len {
                    let at = |v: &[i64]| i128::from(v.get(i).copied().unwrap_or(0));
                    let (x, y, z) = (at(rn), at(rd), at(rb));
                    let r = if *div {
                        // Divided by a number of at least 1 in magnitude.
                        (z.abs() >= *unit)
                            .then(|| ratio(x.checked_mul(*unit)?, y.checked_mul(z)?, lim))
                            .flatten()
                    } else {
                        // Times a number of at most MAX_FACTOR in magnitude.
                        (z.abs() <= MAX_FACTOR.saturating_mul(*unit))
                            .then(|| ratio(x.checked_mul(z)?, y, lim))
                            .flatten()
                    };
                    push_ratio(&mut on, &mut od, bad, i, r);
                }
                put(regs, *num, on);
                put(regs, *den, od);
            }
            Op::Exact { n, d, dst } => {
                let mut out = take(regs, *dst);
                map2(
                    get(regs, views, *n),
                    get(regs, views, *d),
                    &mut out,
                    bad,
                    |x, y| (x.checked_rem(y)? == 0).then(|| x.checked_div(y)).flatten(),
                );
                put(regs, *dst, out);
            }
            Op::Cmp {
                op,
                a,
                b,
                margin,
                dst,
            } => {
                let mut out = take(regs, *dst);
                let test = |ord: std::cmp::Ordering| op.holds(ord);
                if a.den.is_none() && b.den.is_none() {
                    // Integers at one scale: no fraction, no margin. Factors
                    // are at most 10^18, so the products fit in an i128.
                    let (x, y) = (get(regs, views, a.reg), get(regs, views, b.reg));
                    if a.factor == 1 && b.factor == 1 {
                        out.extend(x.iter().zip(y).map(|(x, y)| i64::from(test(x.cmp(y)))));
                    } else {
                        let (fa, fb) = (a.factor, b.factor);
                        out.extend(x.iter().zip(y).map(|(x, y)| {
                            let (x, y) = (i128::from(*x) * fa, i128::from(*y) * fb);
                            i64::from(test(x.cmp(&y)))
                        }));
                    }
                    put(regs, *dst, out);
                    return;
                }
                let decide = |an: i64, ad: i64, bn: i64, bd: i64| {
                    compare_fractions((an, ad, a.factor), (bn, bd, b.factor), *margin)
                };
                let mut push = |i: usize, ord: Option<std::cmp::Ordering>| {
                    out.push(ord.map_or_else(
                        || {
                            bad.push(i);
                            0
                        },
                        |o| i64::from(test(o)),
                    ));
                };
                let (xa, xb) = (get(regs, views, a.reg), get(regs, views, b.reg));
                match (
                    a.den.map(|d| get(regs, views, d)),
                    b.den.map(|d| get(regs, views, d)),
                ) {
                    // The commonest shape: a fraction against a number (a
                    // per-capita amount against a standard), read in step.
                    (Some(da), None) if xa.len() == len && da.len() == len && xb.len() == len => {
                        if let Some(k) = Bounded::of(xa, a.factor, xb, b.factor, *margin) {
                            // One loop per test, on the sign of the
                            // difference: no branch per case.
                            let rows = || {
                                xa.iter()
                                    .zip(da)
                                    .zip(xb)
                                    .map(|((&n, &d), &y)| k.compare(n, d, y))
                            };
                            let o = &mut out;
                            let any_near = match op {
                                Cmp::Lt => signs(o, rows(), |d| d < 0),
                                Cmp::Le => signs(o, rows(), |d| d <= 0),
                                Cmp::Gt => signs(o, rows(), |d| d > 0),
                                Cmp::Ge => signs(o, rows(), |d| d >= 0),
                                Cmp::Eq => signs(o, rows(), |d| d == 0),
                                Cmp::Ne => signs(o, rows(), |d| d != 0),
                            };
                            if any_near {
                                bad.extend(
                                    rows()
                                        .enumerate()
                                        .filter(|(_, (_, near))| *near)
                                        .map(|(i, _)| i),
                                );
                            }
                        } else {
                            for (i, ((&n, &d), &y)) in xa.iter().zip(da).zip(xb).enumerate() {
                                push(i, decide(n, d, y, 1));
                            }
                        }
                    }
                    (da, db) => {
                        let at = |v: Option<&[i64]>, i: usize, none: i64| {
                            v.map_or(none, |v| v.get(i).copied().unwrap_or(0))
                        };
                        for i in 0..len {
                            let ord = decide(
                                at(Some(xa), i, 0),
                                at(da, i, 1),
                                at(Some(xb), i, 0),
                                at(db, i, 1),
                            );
                            push(i, ord);
                        }
                    }
                }
                put(regs, *dst, out);
            }
            Op::Select { c, a, b, dst } => {
                let mut out = take(regs, *dst);
                let (c, a, b) = (
                    get(regs, views, *c),
                    get(regs, views, *a),
                    get(regs, views, *b),
                );
                out.extend(
                    c.iter()
                        .zip(a.iter().zip(b))
                        .map(|(c, (a, b))| if *c != 0 { *a } else { *b }),
                );
                put(regs, *dst, out);
            }
            Op::IfTrue { c, a, dst } => {
                let mut out = take(regs, *dst);
                let (c, a) = (get(regs, views, *c), get(regs, views, *a));
                out.extend(c.iter().zip(a).map(|(c, a)| if *c != 0 { *a } else { 0 }));
                put(regs, *dst, out);
            }
            Op::AllOf { srcs, dst } => {
                let mut out = take(regs, *dst);
                out.resize(len, 1);
                for s in srcs {
                    for (o, x) in out.iter_mut().zip(get(regs, views, *s)) {
                        *o &= i64::from(*x != 0);
                    }
                }
                put(regs, *dst, out);
            }
            Op::Round {
                src,
                div,
                mode,
                dst,
            } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, |x| {
                    i64::try_from(round_div(i128::from(x), *div, *mode)?).ok()
                });
                put(regs, *dst, out);
            }
            Op::Age { src, on, dst } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, |x| {
                    let born = Date::from_days(i32::try_from(x).ok()?)?;
                    Some(i64::from(born.age_on(*on)))
                });
                put(regs, *dst, out);
            }
            Op::Table {
                key,
                f,
                rows,
                default,
                dst,
            } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *key), &mut out, bad, |x| {
                    let k = i128::from(x).checked_mul(*f)?;
                    rows.iter()
                        .find(|(lo, hi, _)| within(k, *lo, *hi))
                        .map(|r| r.2)
                        .or(*default)
                });
                put(regs, *dst, out);
            }
            Op::Agg {
                kind,
                coll,
                src,
                dst,
            } => {
                let mut out = take(regs, *dst);
                let s = src.map_or(&[][..], |r| get(regs, views, r));
                let o = offs.get(*coll).map_or(&[][..], Vec::as_slice);
                if *kind == AggKind::Count && src.is_none() {
                    // Members per case: differences of the offsets.
                    out.extend(o.windows(2).map(|w| (w[1] - w[0]) as i64));
                } else if *kind == AggKind::Sum && sum_by_prefix(s, o, prefix) {
                    // Each case's sum is a difference of running sums.
                    out.extend(o.windows(2).map(|w| {
                        let at = |m: usize| prefix.get(m).copied().unwrap_or(0);
                        at(w[1]).wrapping_sub(at(w[0]))
                    }));
                } else {
                    for (k, w) in o.windows(2).enumerate() {
                        let part = s.get(w[0]..w[1]).unwrap_or(&[]);
                        let count = w[1] - w[0];
                        let v = match kind {
                            AggKind::Count if src.is_none() => i64::try_from(count).ok(),
                            AggKind::Count => {
                                i64::try_from(part.iter().filter(|&&x| x != 0).count()).ok()
                            }
                            AggKind::Sum => sum(part),
                            AggKind::Any => Some(i64::from(part.iter().any(|&x| x != 0))),
                            AggKind::All => Some(i64::from(part.iter().all(|&x| x != 0))),
                            AggKind::Min => part.iter().copied().min(),
                            AggKind::Max => part.iter().copied().max(),
                        };
                        out.push(v.unwrap_or_else(|| {
                            bad.push(k);
                            0
                        }));
                    }
                }
                out.resize(len, 0);
                put(regs, *dst, out);
            }
        }
    }
}

/// Fills `prefix` with the running sums of the members `xs` that the
/// offsets `o` group, when no group's sum can overflow (the widest group
/// times the largest magnitude fits an `i64`): then every group's sum is
/// the difference of two running sums, even where these wrap. Without a
/// loop per case, whose length varies from case to case, it runs at the
/// speed of memory.
fn sum_by_prefix(xs: &[i64], o: &[usize], prefix: &mut Vec<i64>) -> bool {
    let total = o.last().copied().unwrap_or(0);
    let Some(xs) = xs.get(..total) else {
        return false;
    };
    // The running sums and the magnitudes' bits in one pass over the
    // members; the bound is checked after (the sums are thrown away when
    // it fails). Or-ing the group sizes bounds the widest, as for
    // magnitudes.
    prefix.clear();
    prefix.push(0);
    let (mut acc, mut bits) = (0i64, 0u64);
    prefix.extend(xs.iter().map(|&x| {
        bits |= (x ^ (x >> 63)) as u64;
        acc = acc.wrapping_add(x);
        acc
    }));
    let largest = bits.saturating_add(u64::from(!xs.is_empty()));
    let widest = o
        .windows(2)
        .fold(0usize, |a, w| a | w[1].saturating_sub(w[0]));
    u64::try_from(widest)
        .ok()
        .and_then(|w| w.checked_mul(largest))
        .is_some_and(|m| m <= i64::MAX.unsigned_abs())
}

/// At least the largest magnitude in `xs`, at most twice it: the bits of
/// every magnitude (less one, for negative numbers) or-ed together, plus
/// one. x86-64 has no vector maximum of 64-bit integers before AVX-512,
/// but or-ing runs on vectors everywhere.
#[inline]
fn magnitude(xs: &[i64]) -> u64 {
    let bits = xs.iter().fold(0u64, |acc, &x| acc | (x ^ (x >> 63)) as u64);
    bits.saturating_add(u64::from(!xs.is_empty()))
}

/// The sum of `xs`, if it fits: overflow is noted, not branched on, per
/// element.
#[inline]
fn sum(xs: &[i64]) -> Option<i64> {
    let (mut total, mut over) = (0i64, false);
    for &x in xs {
        let (t, o) = total.overflowing_add(x);
        total = t;
        over |= o;
    }
    (!over).then_some(total)
}

/// `out[i] = f(a[i])`, rows where `f` fails noted in `bad`.
fn map1(a: &[i64], out: &mut Vec<i64>, bad: &mut Vec<usize>, f: impl Fn(i64) -> Option<i64>) {
    out.extend(a.iter().enumerate().map(|(i, &x)| {
        f(x).unwrap_or_else(|| {
            bad.push(i);
            0
        })
    }));
}

/// `out[i] = f(a[i], b[i])`, rows where `f` fails noted in `bad`.
fn map2(
    a: &[i64],
    b: &[i64],
    out: &mut Vec<i64>,
    bad: &mut Vec<usize>,
    f: impl Fn(i64, i64) -> Option<i64>,
) {
    out.extend(a.iter().zip(b).enumerate().map(|(i, (&x, &y))| {
        f(x, y).unwrap_or_else(|| {
            bad.push(i);
            0
        })
    }));
}

fn push_ratio(
    num: &mut Vec<i64>,
    den: &mut Vec<i64>,
    bad: &mut Vec<usize>,
    i: usize,
    r: Option<(i64, i64)>,
) {
    let (n, d) = r.unwrap_or_else(|| {
        bad.push(i);
        (0, 1)
    });
    num.push(n);
    den.push(d);
}

/// How `an / ad` compares with `bn / bd`, both scaled by their factor to a
/// common scale `S`: the sign of `an × fa × bd − bn × fb × ad` (denominators
/// are positive). With `margin` (`10^S`, when a side is a fraction), `None`
/// when the two are within `1 / MARGIN` of each other; `None` too when the
/// products overflow an i128. Computed in i64 where it fits.
#[inline]
fn compare_fractions(
    (an, ad, fa): (i64, i64, i128),
    (bn, bd, fb): (i64, i64, i128),
    margin: Option<i128>,
) -> Option<std::cmp::Ordering> {
    macro_rules! decide {
        ($t:ty, $an:expr, $ad:expr, $fa:expr, $bn:expr, $bd:expr, $fb:expr, $p:expr, $m:expr) => {
            (|| -> Option<Option<std::cmp::Ordering>> {
                let x = $an.checked_mul($fa)?.checked_mul($bd)?;
                let y = $bn.checked_mul($fb)?.checked_mul($ad)?;
                let delta: $t = x.checked_sub(y)?;
                if let Some(p) = $p {
                    // |delta| / (ad · bd · 10^S) must exceed 1 / MARGIN.
                    let room = $ad.checked_mul($bd)?.checked_mul(p)?;
                    if delta.checked_abs()?.checked_mul($m)? <= room {
                        return Some(None);
                    }
                }
                Some(Some(delta.cmp(&0)))
            })()
        };
    }
    let small = (i64::try_from(fa), i64::try_from(fb));
    let p64 = margin.map(i64::try_from);
    if let ((Ok(fa), Ok(fb)), None | Some(Ok(_))) = (small, p64) {
        let p = p64.and_then(Result::ok);
        if let Some(ord) = decide!(i64, an, ad, fa, bn, bd, fb, p, MARGIN_64) {
            return ord;
        }
    }
    let (an, ad, bn, bd) = (
        i128::from(an),
        i128::from(ad),
        i128::from(bn),
        i128::from(bd),
    );
    decide!(i128, an, ad, fa, bn, bd, fb, margin, MARGIN).flatten()
}

/// Whether every row of `xs × fa / ys` is a fraction as it stands: the
/// lengths agree, denominators are in `1..=MAX_DEN` and numerators within
/// `lim` (so within it times any denominator). Then no row needs a check.
fn fractions_in_bounds(xs: &[i64], fa: i64, ys: &[i64], lim: i64) -> bool {
    let dens = ys
        .iter()
        .fold(true, |ok, &y| ok & (y >= 1) & (i128::from(y) <= MAX_DEN));
    let nums = u64::try_from(fa)
        .ok()
        .and_then(|f| magnitude(xs).checked_mul(f))
        .is_some_and(|m| m <= lim.unsigned_abs());
    dens && nums && xs.len() == ys.len()
}

/// Appends whether `test` holds of each difference (false where it is
/// near), and says whether any was near.
#[inline]
fn signs(
    out: &mut Vec<i64>,
    rows: impl Iterator<Item = (i64, bool)>,
    test: impl Fn(i64) -> bool,
) -> bool {
    let mut any_near = false;
    out.extend(rows.map(|(delta, near)| {
        any_near |= near;
        i64::from(test(delta) & !near)
    }));
    any_near
}

/// [`compare_fractions`] of a fraction `n / d` with a number `y`, for a
/// chunk whose magnitudes leave no product able to overflow an `i64`: no
/// check per case, and so no branch.
#[derive(Clone, Copy)]
struct Bounded {
    fa: i64,
    fb: i64,
    /// `10^S` with a margin; `-1` without one (then no case is near).
    p: i64,
}

impl Bounded {
    /// Each side's products under 2^40 (denominators are at most
    /// `MAX_DEN`), so a difference is under 2^41, and times `MARGIN_64`
    /// (under 2^20) under 2^61.
    fn of(ns: &[i64], fa: i128, ys: &[i64], fb: i128, margin: Option<i128>) -> Option<Bounded> {
        const BOUND: u128 = 1 << 40;
        let largest = |v: &[i64]| u128::from(magnitude(v));
        let fa64 = i64::try_from(fa).ok().filter(|&f| f > 0)?;
        let fb64 = i64::try_from(fb).ok().filter(|&f| f > 0)?;
        let x = largest(ns).checked_mul(u128::try_from(fa).ok()?)?;
        let y = largest(ys)
            .checked_mul(u128::try_from(fb).ok()?)?
            .checked_mul(u128::try_from(MAX_DEN).ok()?)?;
        let p = match margin {
            None => -1,
            // Room `d × p` under 2^62.
            Some(p) => i64::try_from(p)
                .ok()
                .filter(|&p| p > 0 && i128::from(p) * MAX_DEN < 1 << 62)?,
        };
        (x < BOUND && y < BOUND && MARGIN_64 < 1 << 20).then_some(Bounded {
            fa: fa64,
            fb: fb64,
            p,
        })
    }

    /// `n × fa − y × fb × d` (its sign is the comparison's) and whether
    /// the two are within the margin (`d` in `1..=MAX_DEN`).
    #[inline]
    fn compare(self, n: i64, d: i64, y: i64) -> (i64, bool) {
        // Wrapping only on rows already flagged (a denominator out of
        // range): elsewhere the bounds make every product exact.
        let delta = n
            .wrapping_mul(self.fa)
            .wrapping_sub(y.wrapping_mul(self.fb).wrapping_mul(d));
        let near = delta.wrapping_abs().wrapping_mul(MARGIN_64) <= d.wrapping_mul(self.p);
        (delta, near)
    }
}

/// Numerator and denominator of a comparison side at row `i`.
fn side_at(regs: &[Vec<i64>], views: &[Option<&[i64]>], s: &Side, i: usize) -> (i128, i128) {
    let at = |r: usize| {
        let v = match views.get(r).copied().flatten() {
            Some(v) => v,
            None => regs.get(r).map_or(&[][..], Vec::as_slice),
        };
        v.get(i).copied().unwrap_or(0)
    };
    let n = i128::from(at(s.reg));
    let d = s.den.map_or(1, |d| i128::from(at(d)));
    (n, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_modes_match_the_decimal_ones() {
        let cases: [(i128, i128); 8] = [
            (25, 10),
            (-25, 10),
            (35, 10),
            (-35, 10),
            (24, 10),
            (26, 10),
            (-26, 10),
            (0, 10),
        ];
        for mode in [
            RoundingMode::Up,
            RoundingMode::Down,
            RoundingMode::HalfUp,
            RoundingMode::HalfEven,
        ] {
            for (n, d) in cases {
                let value = crate::Decimal::from_i128_with_scale(n, 1);
                let want = crate::money::round_to(value, crate::Decimal::ONE, mode)
                    .map(|x| x.mantissa() / 10i128.pow(x.scale()));
                assert_eq!(round_div(n, d, mode), want, "{n}/{d} {mode:?}");
            }
        }
    }

    #[test]
    fn fractions_are_bounded() {
        let l = limit(2);
        assert_eq!(ratio(10, -4, l), Some((-10, 4)));
        assert_eq!(ratio(1, 0, l), None);
        assert_eq!(ratio(1, MAX_DEN + 1, l), None);
        assert_eq!(ratio(MAX_VALUE * 100 + 1, 1, l), None);
        assert_eq!(ratio(MAX_VALUE * 100, 1, l), Some((100_000_000_000_000, 1)));
        assert_eq!(ratio(MAX_VALUE * 300, 3, l), Some((300_000_000_000_000, 3)));
        assert_eq!(ratio(i128::from(i64::MIN), -1, l), None);
    }

    proptest::proptest! {
        #[test]
        fn bounded_comparison_is_compare_fractions(
            ns in proptest::collection::vec(-(1i64 << 38)..(1i64 << 38), 1..20),
            ds in proptest::collection::vec(1i64..=10_000, 20),
            ys in proptest::collection::vec(-50_000i64..50_000, 20),
            fb in proptest::sample::select(vec![1i128, 10, 100, 1000]),
            margin in proptest::sample::select(vec![None, Some(1i128), Some(100), Some(10_000)]),
        ) {
            let ys = &ys[..ns.len()];
            let k = Bounded::of(&ns, 1, ys, fb, margin).expect("within bounds");
            for ((&n, &d), &y) in ns.iter().zip(&ds).zip(ys) {
                let (delta, near) = k.compare(n, d, y);
                let want = compare_fractions((n, d, 1), (y, 1, fb), margin);
                proptest::prop_assert_eq!((!near).then_some(delta.cmp(&0)), want, "{}/{} vs {}", n, d, y);
            }
        }

        #[test]
        fn sums_by_running_sums_are_the_sums(
            sizes in proptest::collection::vec(0usize..7, 0..40),
            big in proptest::bool::ANY,
            seed in proptest::num::i64::ANY,
        ) {
            let mut o = vec![0usize];
            for s in &sizes {
                o.push(o.last().copied().unwrap_or(0) + s);
            }
            let total = o.last().copied().unwrap_or(0);
            let scale = if big { i64::MAX / 3 } else { 1_000_000 };
            let xs: Vec<i64> = (0..total)
                .map(|i| seed.wrapping_mul(i as i64 + 7).wrapping_add(i as i64) % scale)
                .collect();
            let mut prefix = Vec::new();
            if sum_by_prefix(&xs, &o, &mut prefix) {
                for w in o.windows(2) {
                    let got = prefix[w[1]].wrapping_sub(prefix[w[0]]);
                    proptest::prop_assert_eq!(Some(got), sum(&xs[w[0]..w[1]]));
                }
            } else {
                // Refused only when a group could overflow.
                proptest::prop_assert!(big);
            }
        }
    }

    #[test]
    fn magnitude_bounds_the_largest_within_a_factor_of_two() {
        let cases: [&[i64]; 6] = [&[], &[0], &[5, -3], &[-8], &[i64::MIN, 1], &[i64::MAX, -1]];
        for xs in cases {
            let largest = xs.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
            let m = magnitude(xs);
            assert!(
                m >= largest && m <= largest.saturating_mul(2).max(1),
                "{xs:?}: {m}"
            );
        }
    }
}
