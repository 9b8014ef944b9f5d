//! Exact decimal arithmetic for money and counts.
//!
//! All numbers in bangfu are [`Decimal`]s: money in yuan with up to 28
//! significant digits, never binary floating point. Rounding is explicit, with
//! a mode and a unit (`0.01` = to the fen, `1` = to the yuan), and is applied
//! only where a rule file declares it.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a value is rounded to a multiple of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Towards positive infinity (向上取整): 1567.5 → 1568, -1.5 → -1.
    Up,
    /// Towards negative infinity (向下取整): 1567.5 → 1567.
    Down,
    /// To the nearest, halves away from zero (四舍五入).
    HalfUp,
    /// To the nearest, halves to the even multiple (banker's rounding).
    HalfEven,
}

impl RoundingMode {
    /// The mode's name as written in rule files.
    pub fn name(self) -> &'static str {
        match self {
            RoundingMode::Up => "up",
            RoundingMode::Down => "down",
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
        }
    }
}

/// Rounds `value` to a multiple of `unit` (a positive decimal such as `0.01`,
/// `1` or `10`). Returns `None` on overflow or a non-positive unit.
pub fn round_to(value: Decimal, unit: Decimal, mode: RoundingMode) -> Option<Decimal> {
    if unit <= Decimal::ZERO {
        return None;
    }
    let quotient = value.checked_div(unit)?;
    let strategy = match mode {
        RoundingMode::Up => RoundingStrategy::ToPositiveInfinity,
        RoundingMode::Down => RoundingStrategy::ToNegativeInfinity,
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    let whole = quotient.round_dp_with_strategy(0, strategy);
    let mut out = whole.checked_mul(unit)?;
    out.rescale(unit.scale());
    Some(out)
}

/// `a + b`, exactly, or `None`: when the sum needs more digits than a
/// decimal holds, the decimal type would round it (drop digits after the
/// point), and a rounded sum is no sum of money.
pub fn add_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let r = a.checked_add(b)?;
    kept_every_digit(a, b, r)
}

/// `a - b`, exactly, or `None` (see [`add_exact`]).
pub fn sub_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let r = a.checked_sub(b)?;
    kept_every_digit(a, b, r)
}

/// Whether `r`, the sum or difference of `a` and `b`, kept every digit: the
/// decimal type rounds only a result too wide for it, and then to fewer
/// decimals than its operands had. A zero operand or result comes back at
/// its own scale, exactly.
fn kept_every_digit(a: Decimal, b: Decimal, r: Decimal) -> Option<Decimal> {
    (a.is_zero() || b.is_zero() || r.is_zero() || r.scale() >= a.scale().max(b.scale()))
        .then_some(r)
}

/// Parses a decimal written as text (`"1045"`, `"-0.5"`, `"1e3"` is refused).
/// Only digits, one optional leading `-` and one optional `.` are accepted;
/// ASCII spaces around them are ignored, any other space (a no-break space,
/// an ideographic space) is refused.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim_ascii();
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.is_empty()
        || body.starts_with('.')
        || body.ends_with('.')
        || !body.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        || body.bytes().filter(|&c| c == b'.').count() > 1
        || body.len() > 40
    {
        return None;
    }
    // Refuse rather than round text with more digits than a decimal holds.
    Decimal::from_str_exact(t).ok()
}

/// Formats a number for people: trailing zeros dropped, at most two decimals
/// shown (half up). `833.3333` → `833.33`, `1045.00` → `1045`.
pub fn display(value: Decimal) -> String {
    let shown = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    shown.normalize().to_string()
}

/// Formats a number exactly as stored, at the scale it carries
/// (`2.00` stays `2.00`). Used in machine-readable output.
pub fn exact(value: Decimal) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn rounds_to_units() {
        assert_eq!(
            round_to(dec("1567.5"), dec("1"), RoundingMode::Up),
            Some(dec("1568"))
        );
        assert_eq!(
            round_to(dec("1567.5"), dec("1"), RoundingMode::Down),
            Some(dec("1567"))
        );
        assert_eq!(
            round_to(dec("2.345"), dec("0.01"), RoundingMode::HalfUp),
            Some(dec("2.35"))
        );
        assert_eq!(
            round_to(dec("2.345"), dec("0.01"), RoundingMode::HalfEven),
            Some(dec("2.34"))
        );
        assert_eq!(
            round_to(dec("2"), dec("0.01"), RoundingMode::HalfUp)
                .unwrap()
                .to_string(),
            "2.00"
        );
        assert_eq!(
            round_to(dec("1234"), dec("10"), RoundingMode::HalfUp),
            Some(dec("1230"))
        );
        assert_eq!(round_to(dec("1"), dec("0"), RoundingMode::Up), None);
    }

    #[test]
    fn parses_only_plain_decimals() {
        for bad in [
            "", "1e3", "1,000", ".5", "5.", "--1", "1.2.3", "NaN", "inf", "0x10",
        ] {
            assert!(parse_decimal(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_decimal("-0.50"), Some(dec("-0.5")));
    }

    #[test]
    fn sums_are_exact_or_refused() {
        let max = dec("792281625142643375935439503.35");
        assert_eq!(add_exact(max, dec("0.01")), None);
        assert_eq!(add_exact(max, max), None);
        assert_eq!(sub_exact(-max, max), None);
        assert_eq!(add_exact(dec("1.10"), dec("2.2")), Some(dec("3.30")));
        assert_eq!(sub_exact(dec("1.10"), dec("2.2")), Some(dec("-1.10")));
        assert_eq!(
            add_exact(max, dec("-0.35")),
            Some(dec("792281625142643375935439503"))
        );
    }

    #[test]
    fn displays_for_people() {
        assert_eq!(display(dec("1045.00")), "1045");
        assert_eq!(display(dec("833.3333")), "833.33");
    }

    proptest! {
        #[test]
        fn rounding_is_idempotent(units in -10_000_000i64..10_000_000, scale in 0u32..6, mode in 0usize..4, unit in prop::sample::select(vec!["0.01", "0.1", "1", "10"])) {
            let mode = [RoundingMode::Up, RoundingMode::Down, RoundingMode::HalfUp, RoundingMode::HalfEven][mode];
            let v = Decimal::new(units, scale);
            let once = round_to(v, dec(unit), mode).unwrap();
            prop_assert_eq!(round_to(once, dec(unit), mode).unwrap(), once);
            prop_assert!((once - v).abs() <= dec(unit));
        }

        #[test]
        fn sums_are_order_independent(xs in prop::collection::vec(-1_000_000_000i64..1_000_000_000, 0..50)) {
            let a: Decimal = xs.iter().map(|&x| Decimal::new(x, 2)).sum();
            let b: Decimal = xs.iter().rev().map(|&x| Decimal::new(x, 2)).sum();
            prop_assert_eq!(a, b);
        }
    }
}
