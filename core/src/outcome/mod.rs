//! The outcome of evaluating a case: values, eligibility, amounts, and why.
//!
//! An [`Outcome`] is built from an evaluated frame and the plan's metadata,
//! so the evaluator itself records nothing. It carries the rule set's id,
//! version and hash, every parameter the answer used (with value, status,
//! dates and source) and every assumption it rests on. It renders as JSON
//! for machines and as text in Chinese or English for people.

mod build;
mod computation;
mod explain;
mod model;
mod serialize;

pub(crate) use build::Reports;
pub use model::*;
pub use serialize::{citation_json, NamedParameter, DATE, DECIMAL};
