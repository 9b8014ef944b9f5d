//! A deterministic synthetic district, as Arrow record batches.
//!
//! Households, members and meal records are the core's synthetic data
//! ([`crate::synthetic`]), so benchmarks through Arrow run on the same data as the
//! Rust ones and the CLI. The same `(n, seed, as_of)` always gives the same
//! tables.
//!
//! Columns are exactly the inputs of the Chengyang rule set's `household`,
//! `person` and `meal` entities, plus `household_id`.

use super::export::table_batch;
use crate::Date;
use arrow_array::RecordBatch;
use arrow_schema::ArrowError;

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
/// ([`crate::synthetic::District`], the data every benchmark uses), as
/// Arrow record batches.
///
/// # Errors
/// An Arrow error, which the fixed schema does not cause.
pub fn district(n: usize, seed: u64, as_of: Date) -> Result<District, ArrowError> {
    too_large(n)?;
    let d = crate::synthetic::District::generate(n, seed, as_of);
    Ok(District {
        households: table_batch(&d.households)?,
        members: table_batch(&d.members)?,
    })
}

/// `n` meal records (the core's [`crate::synthetic::meals`]) as an Arrow
/// record batch: `birth_date`, `meal_kind`, `canteen_designated`, `price`.
///
/// # Errors
/// An Arrow error, which the fixed schema does not cause.
pub fn meals(n: usize, seed: u64, as_of: Date) -> Result<RecordBatch, ArrowError> {
    too_large(n)?;
    table_batch(&crate::synthetic::meals(n, seed, as_of))
}

/// Refuses more rows than the synthetic district is generated with.
fn too_large(n: usize) -> Result<(), ArrowError> {
    crate::synthetic::check_size(n, "n")
        .map_err(|e| ArrowError::InvalidArgumentError(e.to_string()))
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
        assert!(district(usize::MAX, 1, on).is_err());
        assert!(meals(100_000_000_000, 1, on).is_err());
    }
}
