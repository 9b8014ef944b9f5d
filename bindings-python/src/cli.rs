//! The `bangfu` command of the Python package: the command line of
//! `bangfu-cli` ([`bangfu_cli::run`]), run with the interpreter released,
//! so that `pip install bangfu` alone gives `bangfu check`, `eval`,
//! `params`, `diff`, `settle`, `schema`, `codes`, `synth` and `serve`.

use crate::errors::{catch, internal};
use pyo3::prelude::*;
use std::io::Write;

/// Runs the command line `args` (the program's name first) and returns its
/// exit code; the answer goes to standard output, problems to standard
/// error, as from the `bangfu` binary.
#[pyfunction]
pub fn run_cli(py: Python<'_>, args: Vec<String>) -> PyResult<u8> {
    let code = py.detach(|| {
        catch(|| {
            let code = bangfu_cli::run(args);
            // The library's standard output is not flushed at exit as a
            // program's is.
            let _ = std::io::stdout().flush();
            code
        })
    });
    code.map_err(|panic| internal(py, &panic))
}
