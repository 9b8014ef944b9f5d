//! Values written in rule files: dates, exact decimals, typed values.

use super::Diags;
use crate::date::Date;
use crate::diagnostic::Code;
use crate::money::{self};
use crate::plan::*;
use crate::value::{Type, Value};
use rust_decimal::Decimal;
use toml::Spanned;

/// A date as a TOML date value.
pub(crate) fn toml_date(d: Date) -> toml::Value {
    let (year, month, day) = d.ymd();
    toml::Value::Datetime(toml::value::Datetime {
        date: Some(toml::value::Date {
            year: u16::try_from(year).unwrap_or(0),
            month: u8::try_from(month).unwrap_or(0),
            day: u8::try_from(day).unwrap_or(0),
        }),
        time: None,
        offset: None,
    })
}

/// Reads a date written as a TOML date. A date written as a string
/// (`"2023-01-01"`) is read, and reported: one way to write a date.
pub(crate) fn date_value(
    v: &Spanned<toml::Value>,
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Option<Date> {
    let parsed = match v.get_ref() {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
            .date
            .and_then(|d| Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day))),
        toml::Value::String(s) => {
            let d = Date::parse(s);
            if d.is_some() {
                diags.help(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} is a date written as a string"),
                    format!("write the TOML date without quotes: {s}"),
                );
                return d;
            }
            None
        }
        _ => None,
    };
    if parsed.is_none() {
        diags.help(
            file,
            v.span(),
            Code::InvalidValue,
            format!("{what} must be a date such as 2023-01-01"),
            "write a TOML date without time, between 1800 and 2200",
        );
    }
    parsed
}

/// Reads a decimal written as a string or a TOML integer; reports floats.
pub(crate) fn decimal_value(
    v: &Spanned<toml::Value>,
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Option<Decimal> {
    match v.get_ref() {
        toml::Value::String(s) => {
            let d = money::parse_decimal(s);
            if d.is_none() {
                diags.push(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} `{s}` is not a decimal number"),
                );
            }
            d
        }
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) => {
            diags.help(
                file,
                v.span(),
                Code::FloatLiteral,
                format!(
                    "{what} is written as the TOML float {f}, which is binary before it is read"
                ),
                format!("write it as a string: \"{f}\""),
            );
            None
        }
        _ => {
            diags.push(
                file,
                v.span(),
                Code::InvalidValue,
                format!("{what} must be a number written as a string"),
            );
            None
        }
    }
}

/// Reads a typed value (parameter value, input bound or default).
pub(crate) fn typed_value(
    v: &Spanned<toml::Value>,
    ty: &Type,
    integer: bool,
    enums: &[EnumPlan],
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Option<Value> {
    match ty {
        Type::Money | Type::Number(_) => {
            let d = decimal_value(v, file, what, diags)?;
            if integer && !d.fract().is_zero() {
                diags.push(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} must be a whole number"),
                );
                return None;
            }
            Some(Value::Num(d))
        }
        Type::Bool => match v.get_ref() {
            toml::Value::Boolean(b) => Some(Value::Bool(*b)),
            _ => {
                diags.push(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} must be true or false"),
                );
                None
            }
        },
        Type::Date => date_value(v, file, what, diags).map(Value::Date),
        Type::Enum(e) => {
            let variants = enums.get(*e).map(|e| e.variants.as_slice()).unwrap_or(&[]);
            match v.get_ref() {
                toml::Value::String(s) => match variants.iter().position(|(id, _)| id == s) {
                    Some(i) => Some(Value::Enum(i as u32)),
                    None => {
                        diags.push(
                            file,
                            v.span(),
                            Code::InvalidValue,
                            format!("{what} `{s}` is not a choice of the enum"),
                        );
                        None
                    }
                },
                _ => {
                    diags.push(
                        file,
                        v.span(),
                        Code::InvalidValue,
                        format!("{what} must name an enum choice"),
                    );
                    None
                }
            }
        }
    }
}

pub(super) fn plain_date(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::Datetime(dt) => dt
            .date
            .and_then(|d| Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day))),
        toml::Value::String(s) => Date::parse(s),
        _ => None,
    }
}
