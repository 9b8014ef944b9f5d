//! Rule files as text: reading them, their format, and the formula language.
//!
//! [`Sources`] holds a rule set's files (and their content hash); `file`
//! describes the TOML format of one file (serde, spans kept); `formula`
//! parses the expressions written inside it.

mod file;
pub(crate) mod formula;
pub(crate) mod sources;

pub use file::*;
pub use sources::Sources;
