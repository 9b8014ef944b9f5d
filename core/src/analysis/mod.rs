//! Questions over populations and rule sets: a baseline against a reform,
//! a parameter swept over values, a year's cost.

pub mod compare;
pub mod sweep;
pub mod versions;
