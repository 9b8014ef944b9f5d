//! The `bangfu._bangfu` extension module: thin pyo3 glue over the core.
//!
//! The core decides; this crate converts. The core's case reader reads a
//! case's Python values where they lie (`case`), other arguments become the
//! core's values, and Arrow streams the core's record batch readers; the core's
//! serializer writes outcomes straight into Python objects (`to_py`), and
//! its record batches become pyarrow tables: money as `decimal.Decimal` or
//! exact decimals throughout. Core errors map one to one onto the
//! exceptions of `bangfu._errors` (`errors`), and every entry point catches
//! panics. Population work runs with the interpreter released.

/// The module's own allocations (populations, registers, result columns)
/// from mimalloc, which keeps freed pages for the next evaluation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod analysis;
mod case;
mod cli;
mod cliffs;
mod convert;
mod decide;
mod errors;
mod outcome;
mod population;
mod rules;
mod to_py;

pub(crate) use to_py::to_py;

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
    m.add_function(wrap_pyfunction!(cli::run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(cliffs::cliffs, m)?)?;
    m.add_function(wrap_pyfunction!(cliffs::what_would_change, m)?)?;
    Ok(())
}
