//! Running a plan: reading a case into a frame, and the reference evaluator.
//!
//! `source` is what a case is read from (JSON, or a binding's own values);
//! `read` validates a case into the slots of its entity's frame, with the
//! value checks and form messages of `input`; `prepare` works out the
//! computed values a case needs in a segment (once per entity and programs:
//! the rule set keeps them); `runner` runs them in dependency order; `node`
//! evaluates one compiled formula.

pub(crate) mod input;
pub(crate) mod node;
pub(crate) mod prepare;
pub(crate) mod read;
pub(crate) mod runner;
pub(crate) mod source;
