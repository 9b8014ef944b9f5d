//! The rule set: the one object every surface talks to.
//!
//! [`RuleSet`] loads and checks a folder of rule files, answers questions
//! about it in domain words (its programs, entities, input schemas,
//! parameters in force on a date, what changed between two dates), applies
//! a [`Reform`], and evaluates cases. Populations, comparisons, sweeps and
//! settlements add their methods in their own modules (`batch`, `analysis`,
//! `settle`), so that this module depends on none of them.

mod catalog;
mod describe;
#[cfg(feature = "compiler")]
mod review;
mod runners;
mod timeline;

pub use describe::{Counts, EntityInfo, ProgramInfo};
#[cfg(feature = "compiler")]
pub use review::{Detail, Edit, ItemChange, Review};
pub use timeline::{Change, ChangeKind, ParameterInForce, ParameterVersion};

#[cfg(feature = "compiler")]
use crate::check;
use crate::outcome::{NotInForceProgram, Outcome, Reports};
use crate::plan::Plan;
use crate::reform::Reform;
#[cfg(feature = "compiler")]
use crate::reform::{combined_hash, ReformError};
use crate::run::input::{self, Case};
use crate::run::read;
use crate::run::runner::{EvalError, Runner};
use crate::run::source::CaseSource;
use crate::syntax::Sources;
#[cfg(feature = "compiler")]
use crate::LoadError;
use crate::{Date, Decimal, Error};
#[cfg(feature = "compiler")]
use std::path::Path;
use std::sync::Arc;

/// A loaded, checked rule set (possibly with a reform applied).
#[derive(Debug, Clone)]
pub struct RuleSet {
    plan: Plan,
    reports: Reports,
    /// Evaluations prepared per segment, beside the reports.
    runners: runners::Runners,
    /// The rule files, without the reform's overlays.
    #[cfg_attr(not(feature = "compiler"), allow(dead_code))]
    base: Sources,
    /// The rule files as compiled (with the reform's overlays).
    sources: Sources,
    base_hash: Arc<str>,
    reform: Reform,
    #[cfg(feature = "compiler")]
    examples: Vec<check::ExampleSource>,
    /// What the checker asks a reviewer to read (the rule set loads).
    warnings: Vec<crate::Diagnostic>,
}

#[cfg(feature = "compiler")]
fn load_error(diagnostics: Vec<crate::Diagnostic>, sources: Sources) -> Box<LoadError> {
    Box::new(LoadError {
        diagnostics,
        sources,
    })
}

impl RuleSet {
    #[cfg(feature = "compiler")]
    /// Loads the rule set in a folder (every `.toml` file under it).
    ///
    /// # Errors
    /// Every diagnostic found, with the sources to render them against.
    pub fn load_dir(path: impl AsRef<Path>) -> Result<RuleSet, Box<LoadError>> {
        let sources = Sources::read_dir(path.as_ref())
            .map_err(|diagnostics| load_error(diagnostics, Sources::default()))?;
        RuleSet::from_sources(sources)
    }

    #[cfg(feature = "compiler")]
    /// Loads a rule set from in-memory files: `(path, text)` pairs.
    ///
    /// # Errors
    /// Every diagnostic found.
    pub fn from_files<P: Into<String>, T: Into<String>>(
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Result<RuleSet, Box<LoadError>> {
        let sources = Sources::from_files(files)
            .map_err(|diagnostics| load_error(diagnostics, Sources::default()))?;
        RuleSet::from_sources(sources)
    }

    #[cfg(feature = "compiler")]
    /// Loads a rule set from sources.
    ///
    /// # Errors
    /// Every diagnostic found.
    pub fn from_sources(sources: Sources) -> Result<RuleSet, Box<LoadError>> {
        match check::load(&sources, &[]) {
            Ok((plan, examples, warnings)) => Ok(RuleSet {
                reports: Reports::new(&plan),
                runners: runners::Runners::new(&plan),
                base_hash: plan.header.hash.clone(),
                plan,
                base: sources.clone(),
                sources,
                reform: Reform::new(),
                examples,
                warnings,
            }),
            Err(diagnostics) => Err(load_error(diagnostics, sources)),
        }
    }

    #[cfg(feature = "compiler")]
    /// This rule set with a reform applied, checked again. Reforms
    /// accumulate: a reform of a reformed rule set applies both, the later
    /// winning. Derived parameters follow (raising `dibao_standard` raises
    /// what is derived from it). The result's [`RuleSet::hash`] combines
    /// the base rule set's hash with the reform's.
    ///
    /// Every answer of the result says it was computed under a reform: its
    /// version ends in `+reform`, it carries the reform's hash, and its
    /// first assumption says so in Chinese and English. An overlay may not
    /// change the rule set's id or version.
    ///
    /// # Errors
    /// [`Error::Reform`] with every override that names no parameter, whose
    /// value does not fit its type or range (money in whole fen, within the
    /// parameter's `min` and `max`), or that names a parameter a second
    /// time, each at `overrides.NAME`; when only overrides were given and a
    /// value derived from them no longer fits, at `overrides`;
    /// [`Error::Load`] when the reformed rule set does not check (an overlay
    /// that breaks it, say).
    pub fn reform(&self, reform: &Reform) -> Result<RuleSet, Error> {
        let mut errors: Vec<ReformError> = reform
            .overrides()
            .iter()
            .filter_map(|o| {
                check::check_override(&self.plan, o)
                    .err()
                    .map(|message| ReformError::at(format!("overrides.{}", o.name), message))
            })
            .collect();
        for (i, o) in reform.overrides().iter().enumerate() {
            if reform.overrides()[..i].iter().any(|p| p.name == o.name) {
                errors.push(ReformError::at(
                    format!("overrides.{}", o.name),
                    "is overridden twice in one reform: override each parameter once",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Reform(errors));
        }
        let all = self.reform.clone().then(reform);
        let sources = if all.overlays().is_empty() {
            self.base.clone()
        } else {
            let prefixed: Vec<(String, String)> = all
                .overlays()
                .iter()
                .map(|(p, t)| (format!("{}{p}", check::OVERLAY_PREFIX), t.clone()))
                .collect();
            self.base
                .overlay(prefixed)
                .map_err(|d| Error::Load(load_error(d, self.base.clone())))?
        };
        let (mut plan, examples, warnings) =
            check::load(&sources, all.overrides()).map_err(|d| {
                if reform.overlays().is_empty() {
                    // Only the overrides changed: what no longer checks follows
                    // from them (a derived value out of its range).
                    let names: Vec<&str> =
                        reform.overrides().iter().map(|o| o.name.as_str()).collect();
                    Error::Reform(
                        d.iter()
                            .map(|d| {
                                ReformError::at(
                                    "overrides",
                                    format!("with {}: {}", names.join(", "), d.message),
                                )
                            })
                            .collect(),
                    )
                } else {
                    Error::Load(load_error(d, sources.clone()))
                }
            })?;
        if !all.is_empty() {
            let reform_hash: Arc<str> = all.hash().into();
            plan.header.hash = combined_hash(&self.base_hash, &reform_hash).into();
            plan.header.version = format!("{}+reform", plan.header.version).into();
            plan.header.reform = Some(reform_hash);
        }
        Ok(RuleSet {
            reports: Reports::new(&plan),
            runners: runners::Runners::new(&plan),
            plan,
            base: self.base.clone(),
            sources,
            base_hash: self.base_hash.clone(),
            reform: all,
            examples,
            warnings,
        })
    }

    /// A rule set from a plan read back from a bundle: no rule files, no
    /// reform.
    pub(crate) fn from_plan(plan: Plan, base_hash: Arc<str>) -> RuleSet {
        RuleSet {
            reports: Reports::new(&plan),
            runners: runners::Runners::new(&plan),
            plan,
            base: Sources::default(),
            sources: Sources::default(),
            base_hash,
            reform: Reform::new(),
            #[cfg(feature = "compiler")]
            examples: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The warnings of the checker: the rule set loads, but a reviewer
    /// should read them (a table row that an earlier row shadows, a
    /// program without a worked example). Render one with
    /// [`crate::Diagnostic::render`] against [`RuleSet::sources`].
    pub fn warnings(&self) -> &[crate::Diagnostic] {
        &self.warnings
    }

    pub(crate) fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The rule files as compiled (with a reform's overlays).
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The rule set's id.
    pub fn id(&self) -> &str {
        &self.plan.header.id
    }

    /// The rule set's name in both languages (`青岛市城阳区社会救助与养老助餐`).
    pub fn label(&self) -> &crate::Text {
        &self.plan.header.label
    }

    /// The rule set's version (`+reform` after a reform).
    pub fn version(&self) -> &str {
        &self.plan.header.version
    }

    /// What identifies the rules that decide, `sha256:…`: the rule files'
    /// hash, combined with the reform's when there is one.
    pub fn hash(&self) -> &str {
        &self.plan.header.hash
    }

    /// SHA-256 of the rule files alone.
    pub fn base_hash(&self) -> &str {
        &self.base_hash
    }

    /// The reform applied (empty for the rules as published).
    pub fn applied_reform(&self) -> &Reform {
        &self.reform
    }

    #[cfg(feature = "compiler")]
    pub(crate) fn example_sources(&self) -> &[check::ExampleSource] {
        &self.examples
    }

    /// A runner for `programs` on cases of `entity` as of `as_of`, prepared
    /// once per segment for all of the entity's programs or one of them.
    ///
    /// # Errors
    /// As [`Runner::new`].
    pub(crate) fn runner(
        &self,
        entity: usize,
        programs: Option<&[String]>,
        as_of: Date,
    ) -> Result<Runner<'_>, EvalError> {
        self.runners.runner(&self.plan, entity, programs, as_of)
    }

    /// The entity's index, or an error naming it.
    ///
    /// # Errors
    /// [`EvalError::UnknownEntity`].
    pub(crate) fn entity(&self, name: &str) -> Result<usize, EvalError> {
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
        let runner = self.runner(case.entity, programs, as_of)?;
        self.evaluate_with(&runner, case, as_of)
    }

    fn evaluate_with(
        &self,
        runner: &Runner<'_>,
        case: &Case,
        as_of: Date,
    ) -> Result<Outcome, EvalError> {
        let (frame, members) = runner.evaluate_case_with_members(case)?;
        let mut outcome = Outcome::build(
            &self.plan,
            &self.reports,
            runner.segment,
            case.entity,
            (runner.programs(), runner.member_programs()),
            (&frame, &members),
            as_of,
        );
        outcome.not_in_force =
            NotInForceProgram::list(&self.plan, runner.segment, runner.not_in_force());
        Ok(outcome)
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
        let e = self.entity(entity)?;
        match self.runner(e, programs, as_of) {
            Ok(runner) => {
                let required = runner.required();
                let case = input::parse_case_for(&self.plan, e, json, as_of, Some(required))
                    .map_err(Error::Input)?;
                Ok(self.evaluate_with(&runner, &case, as_of)?)
            }
            // Input errors first, then the evaluation's.
            Err(_) => {
                let case = self.parse_case(entity, json, as_of)?;
                Ok(self.evaluate(&case, as_of, programs)?)
            }
        }
    }

    /// Reads a case of `entity` from JSON for evaluating `programs` (all
    /// programs of the entity in force when `None`): an input none of them
    /// reads may be left out, even without a default.
    ///
    /// # Errors
    /// Every input error, each with its path; unknown names.
    pub fn parse_case_for(
        &self,
        entity: &str,
        json: &serde_json::Value,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<Case, Error> {
        self.read_case(entity, &json, as_of, programs)
    }

    /// Reads a case of `entity` from any source (a binding's own values,
    /// read where they lie) for evaluating `programs`, as
    /// [`RuleSet::parse_case_for`] reads JSON: the same checks, the same
    /// errors at the same places.
    ///
    /// # Errors
    /// Every input error, each with its path; unknown names.
    pub fn read_case<S: CaseSource>(
        &self,
        entity: &str,
        source: &S,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<Case, Error> {
        let e = self.entity(entity)?;
        let runner = self.runner(e, programs, as_of).ok();
        let required = runner.as_ref().map(Runner::required);
        read::read_case(&self.plan, e, source, as_of, required).map_err(Error::Input)
    }

    /// Evaluates a case without building the explanation: eligibility and
    /// amount per program, in the order the programs were asked for (all
    /// programs of the entity in force, in rule-set order, when `None`).
    ///
    /// # Errors
    /// As [`RuleSet::evaluate`].
    pub fn decide(
        &self,
        case: &Case,
        as_of: Date,
        programs: Option<&[String]>,
    ) -> Result<Vec<Decision>, EvalError> {
        let runner = self.runner(case.entity, programs, as_of)?;
        let frame = runner.evaluate_case(case)?;
        Ok(runner
            .programs()
            .iter()
            .map(|&p| Decision::read(&self.plan, p, &frame))
            .collect())
    }
}

/// Eligibility and amount of one program for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The program's name.
    pub program: Arc<str>,
    /// Whether every condition holds.
    pub eligible: bool,
    /// The amount (zero when not eligible), if the program pays one.
    pub amount: Option<Decimal>,
}

impl Decision {
    pub(crate) fn read(plan: &Plan, p: usize, frame: &[crate::value::Value]) -> Decision {
        let program = &plan.programs[p];
        let slot = |c: usize| {
            frame
                .get(plan.computeds[c].slot)
                .copied()
                .unwrap_or_default()
        };
        Decision {
            program: program.name.clone(),
            eligible: slot(program.eligible).as_bool().unwrap_or(false),
            amount: program.amount.and_then(|a| slot(a).as_num()),
        }
    }
}
