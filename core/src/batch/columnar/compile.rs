//! The compiler: the runner's computed values as register operations.

use super::fraction::*;
use super::*;
use crate::batch::columns::{Column, IntKind};
use crate::batch::Population;
use crate::plan::{AggKind, Arith, Cmp, Node, Plan};
use crate::run::node::{eval_node, Env};
use crate::run::runner::Runner;
use crate::value::Value;
use std::collections::HashMap;

/// A constant as a register's kind and integer (a number at its own
/// scale, at most `MAX_SCALE`).
pub(super) fn encode(v: Value) -> Option<(Kind, i64)> {
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

pub(super) fn is_row_free(node: &Node) -> bool {
    match node {
        Node::Const(_) | Node::Param(_) | Node::AsOf => true,
        Node::Slot(_)
        | Node::MemberSlot(_)
        | Node::OwnerSlot(_)
        | Node::Agg(..)
        | Node::AllSlots(_)
        | Node::IfEligible(..) => false,
        Node::Neg(a)
        | Node::Not(a)
        | Node::Round(_, _, a)
        | Node::Age(a)
        | Node::DatePart(_, a)
        | Node::Table(_, a) => is_row_free(a),
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
    /// Registers filled with one value: compared without a pass that
    /// fills them ([`Op::CmpK`]), rescaled when compiled; a fill nothing
    /// reads is dropped at the end.
    consts: HashMap<usize, i64>,
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
        self.fill(x, r.reg, level);
        Some(r)
    }

    fn fill(&mut self, x: i64, dst: usize, level: Level) {
        self.push(level, Op::Fill { x, dst });
        self.consts.insert(dst, x);
    }

    fn fold(&self, node: &Node) -> Option<Value> {
        let env = Env {
            params: &self.runner.segment.params,
            frame: &[],
            member: &[],
            owner: &[],
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
        // A column of one value is that constant (compared in place).
        if let Some(x) = column.values().same() {
            self.fill(x, r.reg, level);
        }
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
        match self.consts.get(&reg).and_then(|x| x.checked_mul(f)) {
            Some(x) => self.fill(x, dst, level),
            None => self.push(level, Op::Scale { src: reg, f, dst }),
        }
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
        let (a, b) = (Self::side(a, sa, s)?, Self::side(b, sb, s)?);
        // A side that is a constant at the other's scale: one register read.
        let constant = |s: &Side| {
            let x = self.consts.get(&s.reg).filter(|_| s.den.is_none())?;
            i64::try_from(i128::from(*x).checked_mul(s.factor)?).ok()
        };
        let plain = |s: &Side| s.den.is_none() && s.factor == 1;
        let op = match (constant(&b), constant(&a)) {
            (Some(k), _) if plain(&a) => Op::CmpK {
                op,
                a: a.reg,
                k,
                dst: r.reg,
            },
            (_, Some(k)) if plain(&b) => Op::CmpK {
                op: flipped(op),
                a: b.reg,
                k,
                dst: r.reg,
            },
            _ => Op::Cmp {
                op,
                a,
                b,
                margin,
                dst: r.reg,
            },
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
            // A member reading its owner: the owner's value spread over
            // its members.
            Node::OwnerSlot(i) => match ctx.slots {
                Level::Member(_) => self.slot(Level::Case, *i, level),
                Level::Case => None,
            },
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
                    ages: super::ages::Ages::new(self.runner.as_of),
                    dst: r.reg,
                };
                self.push(level, op);
                Some(r)
            }
            Node::DatePart(part, a) => {
                let a = self.node(a, ctx)?;
                if a.kind != Kind::Date {
                    return None;
                }
                let r = self.new_r(Kind::Fixed(0), level);
                let op = Op::DatePart {
                    src: a.reg,
                    part: *part,
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
            consts: HashMap::new(),
        };
        // In the evaluation's order: members may read their household's
        // values, and the household its members' results.
        for (at, slot, node) in runner.steps() {
            let level = at.map_or(Level::Case, Level::Member);
            let ctx = Ctx {
                level,
                slots: level,
                member: None,
            };
            let r = c.node(node, ctx)?;
            match at {
                None => {
                    c.case_slots.insert(slot, r);
                }
                Some(coll) => {
                    c.member_slots.get_mut(coll)?.insert(slot, r);
                }
            }
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
        // Member programs, in the order of the batch's member columns.
        let mut member_outputs = Vec::new();
        for (coll, progs) in runner.member_programs() {
            for &p in progs {
                let program = plan.programs.get(p)?;
                let slot = |i: usize| plan.computeds.get(i).map(|comp| comp.slot);
                let slots = c.member_slots.get(*coll)?;
                let e = *slots.get(&slot(program.eligible)?)?;
                if e.kind != Kind::Bool {
                    return None;
                }
                let amount = match program.amount {
                    None => None,
                    Some(a) => {
                        let r = *c.member_slots.get(*coll)?.get(&slot(a)?)?;
                        Some(c.fixed(r)?)
                    }
                };
                member_outputs.push((*coll, e.reg, amount));
            }
        }
        let inputs: Vec<(usize, Level, usize)> = c
            .loads
            .iter()
            .filter(|(_, r)| !c.consts.contains_key(&r.reg))
            .map(|(&(level, col), r)| (r.reg, level, col))
            .collect();
        // Outputs are read from the state: computed registers only.
        let computed = |r: usize| !inputs.iter().any(|&(i, _, _)| i == r);
        let both = outputs
            .iter()
            .copied()
            .chain(member_outputs.iter().map(|&(_, e, a)| (e, a)));
        for (e, a) in both {
            if !computed(e) || a.is_some_and(|(r, _)| !computed(r)) {
                return None;
            }
        }
        // Fills nothing reads (constants compared in place) are dropped.
        let mut read: Vec<bool> = vec![false; c.regs];
        let outs = outputs
            .iter()
            .flat_map(|&(e, a)| std::iter::once(e).chain(a.map(|(r, _)| r)));
        let member_outs = member_outputs
            .iter()
            .flat_map(|&(_, e, a)| std::iter::once(e).chain(a.map(|(r, _)| r)));
        let ops_read = c.ops.iter().flat_map(|(_, op)| op.reads());
        for r in outs.chain(member_outs).chain(ops_read) {
            if let Some(x) = read.get_mut(r) {
                *x = true;
            }
        }
        let mut ops = c.ops;
        ops.retain(|(_, op)| match op {
            Op::Fill { dst, .. } => read.get(*dst).copied().unwrap_or(true),
            _ => true,
        });
        Some(Program {
            inputs,
            ops,
            regs: c.regs,
            outputs,
            member_outputs,
        })
    }
}

/// The comparison with its sides exchanged (`k < x` is `x > k`).
fn flipped(op: Cmp) -> Cmp {
    match op {
        Cmp::Lt => Cmp::Gt,
        Cmp::Le => Cmp::Ge,
        Cmp::Gt => Cmp::Lt,
        Cmp::Ge => Cmp::Le,
        Cmp::Eq | Cmp::Ne => op,
    }
}
