//! bangfu (帮扶): social-assistance rules as versioned, cited data, answered
//! exactly for any date.
//!
//! A rule set is a folder of TOML files: parameters with a dated history and
//! a source for every figure, decision tables, and programs with inputs,
//! conditions and amounts (see `rules/README.md`). [`RuleSet`] loads and
//! checks one, reporting every problem as a [`Diagnostic`]; evaluating a case
//! as of a date gives an [`Outcome`] with eligibility, amounts to the fen, an
//! explanation in Chinese and English, the parameters and assumptions used,
//! and the rule set's id, version and content hash.
//!
//! ```
//! use bangfu::{RuleSet, Date};
//! let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
//! let case = serde_json::json!({
//!     "registered_locally": true, "financial_assets": "10000",
//!     "members": [
//!         {"birth_date": "1980-01-01", "monthly_income": "800"},
//!         {"birth_date": "1982-05-01", "monthly_income": "800"},
//!         {"birth_date": "2010-03-01", "monthly_income": "800"}
//!     ]
//! });
//! let outcome = rules.evaluate_json("household", &case, Date::parse("2023-09-06").unwrap(), Some(&["dibao".into()])).unwrap();
//! assert_eq!(outcome.get("dibao.amount").unwrap().decimal().unwrap().to_string(), "735.00");
//! ```

pub mod analysis;
#[cfg(feature = "arrow")]
pub mod arrow;
pub mod batch;
pub mod bundle;
#[cfg(feature = "compiler")]
mod check;
pub mod date;
mod diagnostic;
mod error;
#[cfg(feature = "compiler")]
pub mod examples;
pub mod json;
pub mod limits;
pub mod money;
pub mod outcome;
mod plan;
mod reform;
mod ruleset;
mod run;
mod schema;
pub mod settle;
mod syntax;
pub mod synthetic;
mod value;

pub use bundle::{BundleError, BundleProblem};
#[cfg(feature = "compiler")]
pub use check::OVERLAY_PREFIX;
pub use date::Date;
pub use diagnostic::{Code, Diagnostic, DiagnosticRecord, Severity};
pub use error::{Error, LoadError};
pub use outcome::Outcome;
pub use plan::{Citation, Lang, Status, Text};
pub use reform::{Override, Reform, ReformError};
pub use ruleset::{
    Change, ChangeKind, Counts, Decision, EntityInfo, ParameterInForce, ParameterVersion,
    ProgramInfo, RuleSet,
};
#[cfg(feature = "compiler")]
pub use ruleset::{Detail, Edit, ItemChange, Review};
pub use run::input::{Case, FieldProblem, InputError};
pub use run::runner::EvalError;
pub use run::source::{CaseSource, Given, Key, Refusal};
pub use rust_decimal::Decimal;
pub use schema::AS_OF;
pub use syntax::sources::{MAX_FILES, MAX_FILE_BYTES};
pub use syntax::Sources;
