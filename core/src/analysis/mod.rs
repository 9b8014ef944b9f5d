//! Questions over populations and rule sets: a baseline against a reform,
//! a parameter swept over values, a year's cost, and one case's benefit
//! cliffs along one input (and what would change its answer).

pub mod cliffs;
pub mod compare;
pub mod sweep;
pub mod versions;
