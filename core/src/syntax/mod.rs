//! Rule files as text: reading them, their format, and the formula language.
//!
//! [`Sources`] holds a rule set's files (and their content hash); `file`
//! describes the TOML format of one file (serde, spans kept); `formula`
//! parses the expressions written inside it.

// Some fields of the format (descriptions, what an example reproduces,
// a source's publisher) are read for their shape and kept for readers of
// the files, not by the engine.
#[allow(dead_code)]
#[cfg(feature = "compiler")]
mod file;
#[cfg(feature = "compiler")]
pub(crate) mod formula;
pub(crate) mod sources;

#[cfg(feature = "compiler")]
pub use file::*;
pub use sources::Sources;
