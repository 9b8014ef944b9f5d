//! Populations from Arrow tables, and results as Arrow tables (the `arrow`
//! feature).
//!
//! A cases table (households) and, for entities with members, a members
//! table arrive as streams of record batches ([`Population::read`]), or
//! the members are a `list<struct>` column of the cases table, as Spark,
//! polars and DuckDB hold them ([`Population::read_nested`], [`nested`]); the
//! columns the entity reads are converted exactly ([`import`]), and the
//! cases are checked and laid out as a [`batch::Population`]. Results,
//! comparisons, sweeps and row problems come back as record batches with
//! exact `decimal128` money ([`export`], [`compare`]), one row per case
//! beside the key column as given. Nothing here needs Python: the Python
//! package and a service taking Arrow over HTTP share it.
//!
//! [`batch::Population`]: crate::batch::Population

pub mod compare;
pub mod export;
pub mod float_money;
pub mod import;
pub mod members;
pub mod nested;
mod population;
pub mod synthetic;

pub use float_money::MoneyFromFloat;
pub use import::Options;
pub use population::{Batches, BuildError, Key, Population, Timings};
