//! A deterministic synthetic district, as Arrow record batches.
//!
//! Households and members are the core's synthetic district
//! ([`bangfu::synthetic`]), so Python benchmarks run on the same data as the
//! Rust ones and the CLI. Meal records (the core has none) come from a
//! SplitMix64 generator here, with integer arithmetic only (prices are drawn
//! in whole fen). The same `(n, seed, as_of)` always gives the same tables.
//!
//! Columns are exactly the inputs of the Chengyang rule set's `household`,
//! `person` and `meal` entities, plus `household_id`.

use crate::arrow_out::table_batch;
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Decimal128Builder, StringDictionaryBuilder,
};
use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;
use bangfu::Date;
use std::sync::Arc;

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64().checked_rem(n).unwrap_or(0)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn fen(&mut self, below_yuan: u64) -> i128 {
        i128::from(self.below(below_yuan.saturating_mul(100)))
    }
}

fn money() -> Decimal128Builder {
    Decimal128Builder::new()
}

fn finish_money(mut b: Decimal128Builder) -> Result<ArrayRef, ArrowError> {
    Ok(Arc::new(b.finish().with_precision_and_scale(18, 2)?))
}

fn birth_days(rng: &mut Rng, as_of: Date, age: u64) -> i32 {
    let back = age * 365 + age / 4 + rng.below(365);
    as_of.days() - i32::try_from(back).unwrap_or(0)
}

/// Households and their members.
#[derive(Debug, Clone)]
pub struct District {
    /// `household_id`, `registered_locally`, `financial_assets`,
    /// `emergency_hardship`, `emergency_need`, `medical_expenses_12m`.
    pub households: RecordBatch,
    /// `household_id`, `birth_date`, `monthly_income`, `disability_kind`,
    /// `disability_grade`, `has_able_supporter`.
    pub members: RecordBatch,
}

/// A district of `n` households as of `as_of`: the core's synthetic district
/// ([`bangfu::synthetic::District`], the data every benchmark uses), as
/// Arrow record batches.
///
/// # Errors
/// An Arrow error, which the fixed schema does not cause.
pub fn district(n: usize, seed: u64, as_of: Date) -> Result<District, ArrowError> {
    let d = bangfu::synthetic::District::generate(n, seed, as_of);
    Ok(District {
        households: table_batch(&d.households)?,
        members: table_batch(&d.members)?,
    })
}

/// `n` meal records at elderly and other canteens, as of `as_of`:
/// `birth_date`, `meal_kind`, `canteen_designated`, `price`.
///
/// # Errors
/// An Arrow error, which the fixed schema does not cause.
pub fn meals(n: usize, seed: u64, as_of: Date) -> Result<RecordBatch, ArrowError> {
    let mut rng = Rng::new(seed.wrapping_add(1));
    let mut birth = Date32Builder::with_capacity(n);
    let mut kind = StringDictionaryBuilder::<Int8Type>::new();
    let mut designated = BooleanBuilder::with_capacity(n);
    let mut price = money();
    for _ in 0..n {
        let age = 50 + rng.below(46);
        birth.append_value(birth_days(&mut rng, as_of, age));
        kind.append(match rng.below(100) {
            0..=14 => "breakfast",
            15..=64 => "lunch",
            _ => "dinner",
        })?;
        designated.append_value(rng.chance(900));
        price.append_value(800 + rng.fen(15));
    }
    RecordBatch::try_from_iter([
        ("birth_date", Arc::new(birth.finish()) as ArrayRef),
        ("meal_kind", Arc::new(kind.finish())),
        ("canteen_designated", Arc::new(designated.finish())),
        ("price", finish_money(price)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_about_the_right_size() {
        let on = Date::parse("2023-09-06").unwrap();
        let a = district(2000, 7, on).unwrap();
        let b = district(2000, 7, on).unwrap();
        assert_eq!(a.households, b.households);
        assert_eq!(a.members, b.members);
        assert_eq!(a.households.num_rows(), 2000);
        let per = a.members.num_rows() * 10 / 2000;
        assert!((25..=31).contains(&per), "{per}");
        let c = district(2000, 8, on).unwrap();
        assert_ne!(a.members, c.members);
        assert_eq!(meals(100, 1, on).unwrap().num_rows(), 100);
    }
}
