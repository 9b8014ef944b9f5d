//! Running a plan: reading a case into a frame, and the reference evaluator.
//!
//! `input` validates a case (JSON) into the slots of its entity's frame;
//! `runner` prepares the computed values a case needs as of a date and runs
//! them in dependency order; `node` evaluates one compiled formula.

pub(crate) mod input;
pub(crate) mod node;
pub(crate) mod runner;
