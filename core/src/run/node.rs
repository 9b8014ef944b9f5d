//! The evaluator: runs compiled nodes over a frame of slots.
//!
//! Evaluation reads parameters from the segment in force, inputs and
//! computed values from the case's frame, and member fields from member
//! frames; it does no look-up by name and allocates nothing. Arithmetic is
//! checked: an overflow is an error, never a panic or a wrapped value.

use crate::date::Date;
use crate::money::round_to;
use crate::plan::{AggKind, Arith, Node, TablePlan};
use crate::value::Value;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// An error while evaluating a formula. The checker rules out every error
/// visible in the rules; what remains depends on the size of the inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalFault {
    /// A result is too large for exact decimal arithmetic.
    #[error("a result is too large to compute exactly")]
    Overflow,
    /// A value was read where the plan guarantees none is (a bug).
    #[error("a value was read before it was computed")]
    Unset,
}

/// The frames of one collection: members stored one after another.
#[derive(Debug, Clone, Copy)]
pub struct Members<'a> {
    /// Slots per member.
    pub stride: usize,
    /// All member frames.
    pub data: &'a [Value],
}

impl<'a> Members<'a> {
    /// No members.
    pub const EMPTY: Members<'a> = Members {
        stride: 0,
        data: &[],
    };

    /// Number of members.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.stride).unwrap_or(0)
    }

    /// The frame of member `i`.
    pub fn frame(&self, i: usize) -> &'a [Value] {
        self.data
            .get(i * self.stride..(i + 1) * self.stride)
            .unwrap_or(&[])
    }
}

/// What a node may read.
pub struct Env<'a> {
    /// Parameters of the segment.
    pub params: &'a [Value],
    /// The case's frame.
    pub frame: &'a [Value],
    /// The current member's frame (inside an aggregation).
    pub member: &'a [Value],
    /// The owner's frame, when the frame is a member's (`household.x`).
    pub owner: &'a [Value],
    /// Collections of the case.
    pub collections: &'a [Members<'a>],
    /// Tables of the plan.
    pub tables: &'a [TablePlan],
    /// Evaluation date.
    pub as_of: Date,
}

impl<'a> Env<'a> {
    /// An environment with parameters only (derived parameters).
    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    pub fn params_only(params: &'a [Value], as_of: Date) -> Env<'a> {
        Env {
            params,
            frame: &[],
            member: &[],
            owner: &[],
            collections: &[],
            tables: &[],
            as_of,
        }
    }
}

fn num(v: Value) -> Result<Decimal, EvalFault> {
    v.as_num().ok_or(EvalFault::Unset)
}

fn boolean(v: Value) -> Result<bool, EvalFault> {
    v.as_bool().ok_or(EvalFault::Unset)
}

fn read(slots: &[Value], i: usize) -> Result<Value, EvalFault> {
    match slots.get(i) {
        Some(Value::Missing) | None => Err(EvalFault::Unset),
        Some(v) => Ok(*v),
    }
}

fn compare(a: Value, b: Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Some(x.cmp(&y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(&y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(&y)),
        (Value::Enum(x), Value::Enum(y)) => Some(x.cmp(&y)),
        _ => None,
    }
}

/// Evaluates an operand: leaves (constants, parameters, slots) are read in
/// place, anything else is evaluated by [`eval_node`]. Half of all nodes are
/// leaves, so this saves a call per leaf.
#[inline(always)]
fn operand(node: &Node, env: &Env<'_>) -> Result<Value, EvalFault> {
    match node {
        Node::Const(v) => Ok(*v),
        Node::Param(i) => read(env.params, *i),
        Node::Slot(i) => read(env.frame, *i),
        Node::MemberSlot(i) => read(env.member, *i),
        Node::OwnerSlot(i) => read(env.owner, *i),
        _ => eval_node(node, env),
    }
}

/// Evaluates one node.
///
/// # Errors
/// [`EvalFault::Overflow`] when exact arithmetic overflows.
pub fn eval_node(node: &Node, env: &Env<'_>) -> Result<Value, EvalFault> {
    Ok(match node {
        Node::Const(v) => *v,
        Node::Param(i) => read(env.params, *i)?,
        Node::Slot(i) => read(env.frame, *i)?,
        Node::MemberSlot(i) => read(env.member, *i)?,
        Node::OwnerSlot(i) => read(env.owner, *i)?,
        Node::AsOf => Value::Date(env.as_of),
        Node::Neg(a) => Value::Num(-num(operand(a, env)?)?),
        Node::Not(a) => Value::Bool(!boolean(operand(a, env)?)?),
        Node::Arith(op, a, b) => {
            let (x, y) = (num(operand(a, env)?)?, num(operand(b, env)?)?);
            let r = match op {
                Arith::Add => x.checked_add(y),
                Arith::Sub => x.checked_sub(y),
                Arith::Mul => x.checked_mul(y),
                Arith::Div => x.checked_div(y),
            };
            Value::Num(r.ok_or(EvalFault::Overflow)?)
        }
        Node::Cmp(op, a, b) => {
            let ord = compare(operand(a, env)?, operand(b, env)?).ok_or(EvalFault::Unset)?;
            Value::Bool(op.holds(ord))
        }
        Node::And(a, b) => Value::Bool(boolean(operand(a, env)?)? && boolean(operand(b, env)?)?),
        Node::Or(a, b) => Value::Bool(boolean(operand(a, env)?)? || boolean(operand(b, env)?)?),
        Node::If(c, a, b) => {
            if boolean(operand(c, env)?)? {
                operand(a, env)?
            } else {
                operand(b, env)?
            }
        }
        Node::Agg(kind, coll, body) => aggregate(*kind, *coll, body.as_deref(), env)?,
        Node::AllSlots(slots) => {
            let mut all = true;
            for &s in slots {
                all &= boolean(read(env.frame, s)?)?;
            }
            Value::Bool(all)
        }
        Node::IfEligible(slot, a) => {
            if boolean(read(env.frame, *slot)?)? {
                operand(a, env)?
            } else {
                Value::Num(Decimal::ZERO)
            }
        }
        Node::In(..)
        | Node::Min(_)
        | Node::Max(_)
        | Node::Round(..)
        | Node::Age(_)
        | Node::DatePart(..)
        | Node::Table(..) => eval_rare(node, env)?,
    })
}

/// The less common nodes, kept out of [`eval_node`] so that its frame stays
/// small.
#[inline(never)]
fn eval_rare(node: &Node, env: &Env<'_>) -> Result<Value, EvalFault> {
    Ok(match node {
        Node::In(a, items) => {
            let x = operand(a, env)?;
            let mut hit = false;
            for item in items {
                if compare(x, operand(item, env)?) == Some(Ordering::Equal) {
                    hit = true;
                    break;
                }
            }
            Value::Bool(hit)
        }
        Node::Min(items) | Node::Max(items) => {
            let is_min = matches!(node, Node::Min(_));
            let mut best: Option<Decimal> = None;
            for item in items {
                let v = num(operand(item, env)?)?;
                best = Some(match best {
                    None => v,
                    Some(b) if is_min => b.min(v),
                    Some(b) => b.max(v),
                });
            }
            Value::Num(best.ok_or(EvalFault::Unset)?)
        }
        Node::Round(mode, unit, a) => {
            Value::Num(round_to(num(operand(a, env)?)?, *unit, *mode).ok_or(EvalFault::Overflow)?)
        }
        Node::Age(a) => match operand(a, env)? {
            Value::Date(born) => Value::Num(Decimal::from(born.age_on(env.as_of))),
            _ => return Err(EvalFault::Unset),
        },
        Node::DatePart(part, a) => match operand(a, env)? {
            Value::Date(d) => Value::Num(Decimal::from(part.of(d))),
            _ => return Err(EvalFault::Unset),
        },
        Node::Table(t, key) => {
            let k = num(operand(key, env)?)?;
            let table = env.tables.get(*t).ok_or(EvalFault::Unset)?;
            let row = table.rows.iter().find(|r| r.contains(k));
            let out = match row {
                Some(r) => &r.output,
                None => table.default.as_ref().ok_or(EvalFault::Unset)?,
            };
            operand(out, env)?
        }
        other => eval_node(other, env)?,
    })
}

fn aggregate(
    kind: AggKind,
    coll: usize,
    body: Option<&Node>,
    env: &Env<'_>,
) -> Result<Value, EvalFault> {
    let members = env.collections.get(coll).copied().ok_or(EvalFault::Unset)?;
    let n = members.len();
    // The commonest shapes, without a nested environment per member:
    // `count(members)` and `sum(members, field)`.
    match (kind, body) {
        (AggKind::Count, None) => {
            let count = i64::try_from(n).map_err(|_| EvalFault::Overflow)?;
            return Ok(Value::Num(Decimal::from(count)));
        }
        (AggKind::Sum, Some(Node::MemberSlot(slot))) if members.stride > 0 => {
            let mut total = Decimal::ZERO;
            for member in members.data.chunks_exact(members.stride) {
                total = total
                    .checked_add(num(read(member, *slot)?)?)
                    .ok_or(EvalFault::Overflow)?;
            }
            return Ok(Value::Num(total));
        }
        _ => {}
    }
    let run = |i: usize| -> Result<Value, EvalFault> {
        let inner = Env {
            params: env.params,
            frame: env.frame,
            member: members.frame(i),
            owner: env.owner,
            collections: env.collections,
            tables: env.tables,
            as_of: env.as_of,
        };
        match body {
            Some(b) => operand(b, &inner),
            None => Ok(Value::Bool(true)),
        }
    };
    Ok(match kind {
        AggKind::Count => {
            let mut count = 0i64;
            for i in 0..n {
                if boolean(run(i)?)? {
                    count += 1;
                }
            }
            Value::Num(Decimal::from(count))
        }
        AggKind::Sum => {
            let mut total = Decimal::ZERO;
            for i in 0..n {
                total = total
                    .checked_add(num(run(i)?)?)
                    .ok_or(EvalFault::Overflow)?;
            }
            Value::Num(total)
        }
        AggKind::Any | AggKind::All => {
            let want_any = kind == AggKind::Any;
            let mut acc = !want_any;
            for i in 0..n {
                let b = boolean(run(i)?)?;
                if want_any && b {
                    acc = true;
                    break;
                }
                if !want_any && !b {
                    acc = false;
                    break;
                }
            }
            Value::Bool(acc)
        }
        AggKind::Min | AggKind::Max => {
            let mut best: Option<Decimal> = None;
            for i in 0..n {
                let v = num(run(i)?)?;
                best = Some(match best {
                    None => v,
                    Some(b) if kind == AggKind::Min => b.min(v),
                    Some(b) => b.max(v),
                });
            }
            Value::Num(best.ok_or(EvalFault::Unset)?)
        }
    })
}
