//! Questions over populations and rule sets: a baseline against a reform.

pub mod compare;
