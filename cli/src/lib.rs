//! The `bangfu` command line as a library: [`run`] takes the arguments and
//! returns the exit code, for the Python package's `bangfu` command. The
//! binary is the same file (`main.rs`).

#[path = "main.rs"]
mod command;

pub use command::run;
// The modules find each other from the crate's root, as in the binary.
use command::{cliffs, commands, present, read, Format};
