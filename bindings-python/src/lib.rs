//! The `bangfu._bangfu` extension module: thin pyo3 glue over the core.
//!
//! The core decides; this crate converts. Python values become the core's
//! JSON input (`convert`), Arrow tables its columns ([`arrow_in`]), and
//! results come back as `decimal.Decimal`, `datetime.date` and pyarrow
//! tables with exact decimals ([`arrow_out`]). Core errors map one to one
//! onto the exceptions of `bangfu._errors` (`errors`), and every entry
//! point catches panics. Population work runs with the interpreter
//! released.
//!
//! [`arrow_in`], [`arrow_out`] and [`synthetic`] hold no Python
//! and are unit-tested here; they are candidates to move into the core.

pub mod arrow_in;
pub mod arrow_out;
pub mod synthetic;

mod analysis;
mod convert;
mod errors;
mod outcome;
mod population;
mod rules;

use pyo3::prelude::*;

/// The compiled part of the `bangfu` package.
#[pymodule]
fn _bangfu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<rules::PyRuleSet>()?;
    m.add_class::<outcome::PyOutcome>()?;
    m.add_class::<population::PyPopulation>()?;
    m.add_function(wrap_pyfunction!(analysis::compare, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::synthetic_district, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::synthetic_meals, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::evaluate_count, m)?)?;
    Ok(())
}
