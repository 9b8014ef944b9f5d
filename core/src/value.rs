//! Types and runtime values.
//!
//! [`Type`] is what the checker knows about an expression; [`Value`] is what
//! the evaluator computes. Money and plain numbers share one exact decimal
//! representation; the checker keeps them apart (money × money is refused,
//! money + number is refused), so no runtime check is needed.

use crate::date::Date;
use crate::money;
use rust_decimal::Decimal;
use std::fmt;

/// The type of an expression, input or parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// An amount in yuan.
    Money,
    /// A number, with an optional unit (`years`, `households`). A number
    /// without a unit (a literal, a ratio) combines with any unit.
    Number(Option<String>),
    /// True or false.
    Bool,
    /// A calendar date.
    Date,
    /// One choice of the enum with this index.
    Enum(usize),
}

impl Type {
    /// The type's name as written in rule files.
    pub fn describe(&self, enum_names: &[String]) -> String {
        match self {
            Type::Money => "money".into(),
            Type::Number(None) => "number".into(),
            Type::Number(Some(u)) => format!("number ({u})"),
            Type::Bool => "bool".into(),
            Type::Date => "date".into(),
            Type::Enum(i) => format!("enum {}", enum_names.get(*i).map_or("?", |s| s.as_str())),
        }
    }

    /// Whether the type is numeric (money or number).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Money | Type::Number(_))
    }
}

/// A runtime value. `Missing` marks a slot that was not computed because its
/// rules are not in force on the evaluation date; no computed value in force
/// ever reads one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// Money or a number.
    Num(Decimal),
    /// True or false.
    Bool(bool),
    /// A date.
    Date(Date),
    /// An enum choice, by index of the variant.
    Enum(u32),
    /// Not computed.
    #[default]
    Missing,
}

impl Value {
    /// The decimal, if this is a number.
    pub fn as_num(self) -> Option<Decimal> {
        match self {
            Value::Num(d) => Some(d),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(d) => f.write_str(&money::exact(*d)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Enum(i) => write!(f, "#{i}"),
            Value::Missing => f.write_str("-"),
        }
    }
}
