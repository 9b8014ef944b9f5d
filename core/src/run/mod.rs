//! Running a plan: reading a case into a frame, and the reference evaluator.
//!
//! `input` validates a case (JSON) into the slots of its entity's frame;
//! `prepare` works out the computed values a case needs in a segment (once
//! per entity and programs: the rule set keeps them); `runner` runs them in
//! dependency order; `node` evaluates one compiled formula.

pub(crate) mod input;
pub(crate) mod node;
pub(crate) mod prepare;
pub(crate) mod runner;
