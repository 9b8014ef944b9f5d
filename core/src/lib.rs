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

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod batch;
mod catalog;
pub mod compare;
mod compile;
pub mod date;
pub mod diagnostic;
pub mod eval;
mod evaluate;
pub mod examples;
pub mod expr;
pub mod input;
pub mod money;
pub mod outcome;
pub mod outcome_json;
pub mod plan;
pub mod schema;
pub mod settle;
pub mod source;
pub mod sweep;
pub mod syntax;
pub mod synthetic;
pub mod value;

pub use compile::{Override, OVERLAY_PREFIX};
pub use date::Date;
pub use diagnostic::{Code, Diagnostic, DiagnosticRecord, LoadError};
pub use evaluate::{EvalError, Runner};
pub use input::{Case, InputError};
pub use outcome::Outcome;
pub use plan::Lang;
pub use rust_decimal::Decimal;
pub use source::Sources;

use std::path::Path;

/// Any error bangfu reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rule set does not load.
    #[error("the rule set does not load:\n{0}")]
    Load(Box<LoadError>),
    /// The case's input is invalid.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Input(Vec<InputError>),
    /// The case cannot be evaluated.
    #[error(transparent)]
    Eval(#[from] EvalError),
}

impl Error {
    /// Stable snake-case code of the error (the first, for input errors).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Load(_) => "rule_set_invalid",
            Error::Input(errors) => errors.first().map_or("invalid_input", |e| e.code),
            Error::Eval(e) => e.code(),
        }
    }
}

/// A loaded, checked rule set.
#[derive(Debug, Clone)]
pub struct RuleSet {
    plan: plan::Plan,
    sources: Sources,
    examples: Vec<compile::ExampleSource>,
    overrides: Vec<Override>,
}

impl RuleSet {
    /// Loads the rule set in a folder (every `.toml` file under it).
    ///
    /// # Errors
    /// Every diagnostic found, with the sources to render them against.
    pub fn load_dir(path: impl AsRef<Path>) -> Result<RuleSet, Box<LoadError>> {
        let sources = Sources::read_dir(path.as_ref()).map_err(|diagnostics| {
            Box::new(LoadError {
                diagnostics,
                sources: Sources::default(),
            })
        })?;
        RuleSet::from_sources(sources)
    }

    /// Loads a rule set from in-memory files: `(path, text)` pairs.
    ///
    /// # Errors
    /// Every diagnostic found.
    pub fn from_files<P: Into<String>, T: Into<String>>(
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Result<RuleSet, Box<LoadError>> {
        let sources = Sources::from_files(files).map_err(|diagnostics| {
            Box::new(LoadError {
                diagnostics,
                sources: Sources::default(),
            })
        })?;
        RuleSet::from_sources(sources)
    }

    /// Loads a rule set from sources.
    ///
    /// # Errors
    /// Every diagnostic found.
    pub fn from_sources(sources: Sources) -> Result<RuleSet, Box<LoadError>> {
        RuleSet::build(sources, Vec::new())
    }

    fn build(sources: Sources, overrides: Vec<Override>) -> Result<RuleSet, Box<LoadError>> {
        match compile::load(&sources, &overrides) {
            Ok((mut plan, examples)) => {
                if !overrides.is_empty() {
                    let text: String = overrides
                        .iter()
                        .map(|o| {
                            format!(
                                "{}={}@{:?};",
                                o.name,
                                o.value,
                                o.from.map(|d| d.to_string())
                            )
                        })
                        .collect();
                    let with = Sources::from_files(
                        sources
                            .files()
                            .map(|(p, t)| (p.to_string(), t.to_string()))
                            .chain([("@reform.toml".to_string(), format!("# {text}"))]),
                    )
                    .map(|s| s.content_hash())
                    .unwrap_or_default();
                    plan.header.hash = with.into();
                    plan.header.version = format!("{}+reform", plan.header.version).into();
                }
                Ok(RuleSet {
                    plan,
                    sources,
                    examples,
                    overrides,
                })
            }
            Err(diagnostics) => Err(Box::new(LoadError {
                diagnostics,
                sources,
            })),
        }
    }

    /// A reform: this rule set with parameter overrides, checked again.
    /// Derived parameters follow (raising `dibao_standard` raises
    /// `tekun_standard`). Overrides accumulate over earlier reforms.
    ///
    /// # Errors
    /// Diagnostics when a name is not a parameter or a value does not fit.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<RuleSet, Box<LoadError>> {
        let mut all = self.overrides.clone();
        all.extend(overrides.iter().cloned());
        RuleSet::build(self.sources.clone(), all)
    }

    /// A reform: this rule set with overlay files whose items replace items
    /// of the same kind and name, checked again.
    ///
    /// # Errors
    /// Every diagnostic of the combined rule set.
    pub fn with_overlay<P: Into<String>, T: Into<String>>(
        &self,
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Result<RuleSet, Box<LoadError>> {
        let prefixed: Vec<(String, String)> = files
            .into_iter()
            .map(|(p, t)| (format!("{OVERLAY_PREFIX}{}", p.into()), t.into()))
            .collect();
        let sources = self.sources.overlay(prefixed).map_err(|diagnostics| {
            Box::new(LoadError {
                diagnostics,
                sources: self.sources.clone(),
            })
        })?;
        RuleSet::build(sources, self.overrides.clone())
    }

    /// The compiled plan.
    pub fn plan(&self) -> &plan::Plan {
        &self.plan
    }

    /// The rule files.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The rule set's id.
    pub fn id(&self) -> &str {
        &self.plan.header.id
    }

    /// The rule set's version.
    pub fn version(&self) -> &str {
        &self.plan.header.version
    }

    /// SHA-256 of the rule files (and overrides), `sha256:…`.
    pub fn hash(&self) -> &str {
        &self.plan.header.hash
    }

    /// Parameter overrides applied to this rule set.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    pub(crate) fn example_sources(&self) -> &[compile::ExampleSource] {
        &self.examples
    }

    /// The entities a case could be, from its fields: those with an input
    /// or collection for every key of the JSON object, most specific first
    /// (fewest fields). A case that names its fields well has one.
    pub fn entities_for(&self, json: &serde_json::Value) -> Vec<&str> {
        let Some(map) = json.as_object() else {
            return Vec::new();
        };
        let mut fits: Vec<(usize, &str)> = self
            .plan
            .entities
            .iter()
            .filter(|e| {
                map.keys().all(|k| {
                    e.inputs.iter().any(|i| i.name == *k)
                        || e.collections.iter().any(|c| c.name == *k)
                })
            })
            .map(|e| (e.inputs.len() + e.collections.len(), e.name.as_str()))
            .collect();
        fits.sort();
        fits.into_iter().map(|(_, name)| name).collect()
    }

    /// The entity's index, or an error naming it.
    ///
    /// # Errors
    /// [`EvalError::UnknownEntity`].
    pub fn entity(&self, name: &str) -> Result<usize, EvalError> {
        self.plan
            .entity_index(name)
            .ok_or_else(|| EvalError::UnknownEntity {
                name: name.to_string(),
            })
    }

    /// Reads a case of `entity` from JSON.
    ///
    /// # Errors
    /// Every input error, each with its path.
    pub fn parse_case(
        &self,
        entity: &str,
        json: &serde_json::Value,
        as_of: Date,
    ) -> Result<Case, Error> {
        let e = self.entity(entity)?;
        input::parse_case(&self.plan, e, json, as_of).map_err(Error::Input)
    }

    /// Evaluates a case as of a date, with the full explanation. `programs`
    /// limits the programs evaluated; `None` evaluates every program of the
    /// case's entity that is in force.
    ///
    /// # Errors
    /// [`EvalError`] when no rules are in force or a name is unknown.
    pub fn evaluate(
        &self,
        case: &Case,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<Outcome, EvalError> {
        let runner = Runner::new(&self.plan, case.entity, programs, as_of)?;
        let frame = runner.evaluate_case(case)?;
        Ok(Outcome::build(
            &self.plan,
            runner.segment,
            case.entity,
            &runner.programs,
            &frame,
            as_of,
        ))
    }

    /// Reads and evaluates a case in one step.
    ///
    /// # Errors
    /// Input errors (all of them) or an evaluation error.
    pub fn evaluate_json(
        &self,
        entity: &str,
        json: &serde_json::Value,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<Outcome, Error> {
        let case = self.parse_case(entity, json, as_of)?;
        Ok(self.evaluate(&case, as_of, programs)?)
    }

    /// Evaluates a case without building the explanation: eligibility and
    /// amount per program, in the order of [`Runner::programs`].
    ///
    /// # Errors
    /// As [`RuleSet::evaluate`].
    pub fn decide(
        &self,
        case: &Case,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<Vec<Decision>, EvalError> {
        let runner = Runner::new(&self.plan, case.entity, programs, as_of)?;
        let frame = runner.evaluate_case(case)?;
        Ok(runner
            .programs
            .iter()
            .map(|&p| Decision::read(&self.plan, p, &frame))
            .collect())
    }
}

/// Eligibility and amount of one program for one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Program index in the plan.
    pub program: usize,
    /// Whether every condition holds.
    pub eligible: bool,
    /// The amount (zero when not eligible), if the program pays one.
    pub amount: Option<Decimal>,
}

impl Decision {
    pub(crate) fn read(plan: &plan::Plan, p: usize, frame: &[value::Value]) -> Decision {
        let program = &plan.programs[p];
        let slot = |c: usize| {
            frame
                .get(plan.computeds[c].slot)
                .copied()
                .unwrap_or_default()
        };
        Decision {
            program: p,
            eligible: slot(program.eligible).as_bool().unwrap_or(false),
            amount: program.amount.and_then(|a| slot(a).as_num()),
        }
    }
}
