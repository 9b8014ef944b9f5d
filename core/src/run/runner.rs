//! Running a case through the plan.
//!
//! [`Runner`] holds the per-request choices (segment, computed values to
//! run) and evaluates frames in place. The one-case path and the batch path
//! both call the reference evaluator (`Runner::run`), so they cannot disagree.

use crate::date::Date;
use crate::plan::{Node, NotInForce, Plan, Segment};
use crate::run::input::Required;
use crate::run::node::{eval_node, Env, EvalFault, Members};
use crate::run::prepare::{At, Prepared, Step};
use crate::value::Value;
use std::borrow::Cow;

/// An error evaluating a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// No version of the rules a program needs is in force on the date.
    #[error("no rules of `{program}` are in force on {date}: {reason}")]
    NoRulesInForce {
        /// The program.
        program: String,
        /// The date asked for.
        date: Date,
        /// What is missing.
        reason: String,
    },
    /// The program does not exist.
    #[error("`{name}` is not a program of this rule set")]
    UnknownProgram {
        /// The name asked for.
        name: String,
    },
    /// The parameter does not exist.
    #[error("`{name}` is not a parameter of this rule set")]
    UnknownParameter {
        /// The name asked for.
        name: String,
    },
    /// The entity does not exist.
    #[error("`{name}` is not an entity of this rule set")]
    UnknownEntity {
        /// The name asked for.
        name: String,
    },
    /// The program applies to another entity than the case.
    #[error("program `{program}` applies to {expected}, not to {found}")]
    WrongEntity {
        /// The program.
        program: String,
        /// Its entity.
        expected: String,
        /// The case's entity.
        found: String,
    },
    /// A member's program reads its owner (`household.…`) but the case is
    /// a member alone.
    #[error("program `{program}` reads the {owner} (`{reference}`): evaluate it on a {owner} case, which gives each member's result")]
    OwnerRequired {
        /// The program.
        program: String,
        /// The owner entity (`household`).
        owner: String,
        /// How the owner reads, in Chinese and English (家庭, household).
        owner_label: crate::plan::Text,
        /// A name the program reads through the owner.
        reference: String,
    },
    /// A value is too large to compute exactly.
    #[error("`{value}` of `{program}` is too large to compute exactly")]
    Overflow {
        /// The program (or entity).
        program: String,
        /// The value.
        value: String,
    },
    /// A population cannot be evaluated as asked: it was validated for
    /// another date, or for a rule set whose entity has other inputs.
    #[error("the population cannot be evaluated here: {reason}")]
    PopulationMismatch {
        /// What differs.
        reason: String,
    },
    /// A worker thread of a batch failed; no partial result is returned.
    #[error("a batch worker failed: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl EvalError {
    /// Stable snake-case code.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::NoRulesInForce { .. } => "no_rules_in_force",
            EvalError::UnknownProgram { .. } => "unknown_program",
            EvalError::UnknownEntity { .. } => "unknown_entity",
            EvalError::UnknownParameter { .. } => "unknown_parameter",
            EvalError::WrongEntity { .. } => "wrong_entity",
            EvalError::OwnerRequired { .. } => "owner_required",
            EvalError::Overflow { .. } => "overflow",
            EvalError::PopulationMismatch { .. } => "population_mismatch",
            EvalError::Internal { .. } => "internal_error",
        }
    }
}

impl EvalError {
    /// The error for people, in Chinese and English, where the error is
    /// about the case a user gave (`None` for the others, whose English
    /// text names the problem).
    pub fn text(&self) -> Option<crate::plan::Text> {
        match self {
            EvalError::OwnerRequired {
                program,
                owner_label,
                reference,
                ..
            } => {
                let (zh, en) = (&owner_label.zh, owner_label.en.to_lowercase());
                Some(crate::plan::Text {
                    zh: format!("项目 {program} 需要所在{zh}的信息（{reference}），不能只按个人测算：请按{zh}填写，结果中列出每位成员的测算。").into(),
                    en: format!("Program {program} needs the {en}'s details ({reference}) and cannot be checked for one person alone: fill in the {en}, and the answer gives each member's result.").into(),
                })
            }
            _ => None,
        }
    }
}

pub(crate) fn reason_text(r: &NotInForce) -> String {
    match r {
        NotInForce::Parameter(p) => format!("parameter `{p}` has no version in force"),
        NotInForce::Formula(f) => format!("`{f}` has no formula in force"),
    }
}

/// Collections viewed without allocating (more fall back to a `Vec`).
const INLINE_COLLECTIONS: usize = 4;

/// A prepared evaluation: one entity, one segment, a set of programs.
pub struct Runner<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) segment: &'p Segment,
    /// What runs: worked out here, or borrowed from the rule set's cache.
    prepared: Cow<'p, Prepared>,
    pub(crate) as_of: Date,
}

impl<'p> Runner<'p> {
    /// Prepares to evaluate `programs` (all programs of the entity when
    /// `None`) for cases of `entity` on `as_of`.
    ///
    /// On an entity with collections, the members' programs are evaluated
    /// for every member: without `programs`, those that read their owner
    /// (`household.…`); with `programs`, those named (a household case
    /// naming `tekun` gets each member's tekun). Naming a program of an
    /// entity that is neither the case's nor its members' is
    /// [`EvalError::WrongEntity`]. A program that reads its owner is not
    /// evaluated on a member alone: asked for by name, it is
    /// [`EvalError::OwnerRequired`]; without `programs`, it is left out.
    ///
    /// # Errors
    /// [`EvalError::NoRulesInForce`] when a requested program (or, when all
    /// are requested, every program) is not in force; unknown or mismatched
    /// names.
    pub fn new(
        plan: &'p Plan,
        entity: usize,
        programs: Option<&[String]>,
        as_of: Date,
    ) -> Result<Runner<'p>, EvalError> {
        let (prepared, segment) = Prepared::new(plan, entity, programs, as_of)?;
        Ok(Runner {
            plan,
            segment,
            prepared: Cow::Owned(prepared),
            as_of,
        })
    }

    /// A runner over an evaluation prepared before for `segment` (the one
    /// in force on `as_of`).
    pub(crate) fn with(
        plan: &'p Plan,
        segment: &'p Segment,
        prepared: &'p Prepared,
        as_of: Date,
    ) -> Runner<'p> {
        Runner {
            plan,
            segment,
            prepared: Cow::Borrowed(prepared),
            as_of,
        }
    }

    /// The inputs the evaluation reads, of the case and of its members:
    /// a case may leave out any other (`input::parse_case_for`).
    pub(crate) fn required(&self) -> &Required {
        &self.prepared.required
    }

    /// What runs, and whether it is borrowed from a cache.
    #[cfg(test)]
    pub(crate) fn prepared(&self) -> (&Prepared, bool) {
        (&self.prepared, matches!(self.prepared, Cow::Borrowed(_)))
    }

    /// Programs of the members evaluated for every member, per collection
    /// (collection index, programs).
    pub(crate) fn member_programs(&self) -> &[(usize, Vec<usize>)] {
        &self.prepared.member_programs
    }

    /// Programs of the entity asked for as a whole that are not in force on
    /// the date (reported beside the outcome, never dropped silently).
    pub(crate) fn not_in_force(&self) -> &[usize] {
        &self.prepared.not_in_force
    }

    /// Programs that will be evaluated.
    pub fn programs(&self) -> &[usize] {
        &self.prepared.programs
    }

    /// Every computed value in the evaluation's one order over the case
    /// and its members: where (`None` for the case, `Some(c)` for every
    /// member of collection `c`), slot, and the formula in force.
    pub(crate) fn steps(&self) -> impl Iterator<Item = (Option<usize>, usize, &'p Node)> + '_ {
        self.prepared.blocks.iter().flat_map(move |b| {
            let at = match b.at {
                At::Case => None,
                At::Member(c) => Some(c),
            };
            b.steps
                .iter()
                .filter_map(move |s| self.node(s).map(|n| (at, s.slot, n)))
        })
    }

    /// The formula a step computes.
    fn node(&self, step: &Step) -> Option<&'p Node> {
        let plan: &'p Plan = self.plan;
        let comp = plan.computeds.get(step.computed)?;
        comp.versions.get(step.version).map(|f| &f.node)
    }

    /// Evaluates a copy of `case` and returns its frame (inputs and every
    /// computed value), for reading decisions and outcomes.
    ///
    /// # Errors
    /// As the reference evaluator (`Runner::run`).
    pub fn evaluate_case(&self, case: &crate::run::input::Case) -> Result<Vec<Value>, EvalError> {
        self.evaluate_case_with_members(case)
            .map(|(frame, _)| frame)
    }

    /// Evaluates one case, keeping the member frames (stride and data per
    /// collection) beside the case's frame, for explanations.
    ///
    /// # Errors
    /// [`EvalError::Overflow`] when a value is too large.
    #[allow(clippy::type_complexity)]
    pub fn evaluate_case_with_members(
        &self,
        case: &crate::run::input::Case,
    ) -> Result<(Vec<Value>, Vec<(usize, Vec<Value>)>), EvalError> {
        let mut frame = case.frame.clone();
        let mut data = case.collections.clone();
        let mut members: Vec<(usize, &mut [Value])> = data
            .iter_mut()
            .map(|(s, d)| (*s, d.as_mut_slice()))
            .collect();
        self.run(&mut frame, &mut members)?;
        Ok((frame, data))
    }

    /// Evaluates one case in place: the case's values into `frame`, the
    /// members' into `members`, in one dependency order.
    ///
    /// # Errors
    /// [`EvalError::Overflow`] when a value is too large.
    pub fn run(
        &self,
        frame: &mut [Value],
        members: &mut [(usize, &mut [Value])],
    ) -> Result<(), EvalError> {
        for block in &self.prepared.blocks {
            match block.at {
                At::Member(coll) => {
                    if let Some((stride, data)) = members.get_mut(coll) {
                        self.run_members(&block.steps, frame, *stride, data)?;
                    }
                }
                At::Case => {
                    let mut inline = [Members::EMPTY; INLINE_COLLECTIONS];
                    if members.len() <= INLINE_COLLECTIONS {
                        for (view, (stride, data)) in inline.iter_mut().zip(members.iter()) {
                            *view = Members {
                                stride: *stride,
                                data,
                            };
                        }
                        self.run_case(&block.steps, frame, &inline[..members.len()])?;
                    } else {
                        let views: Vec<Members<'_>> = members
                            .iter()
                            .map(|(stride, data)| Members {
                                stride: *stride,
                                data,
                            })
                            .collect();
                        self.run_case(&block.steps, frame, &views)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn fault(&self, c: usize, f: EvalFault) -> EvalError {
        let plan = self.plan;
        let comp = &plan.computeds[c];
        let owner = comp.program.map_or_else(
            || plan.entities[comp.entity].name.clone(),
            |p| plan.programs[p].name.to_string(),
        );
        match f {
            EvalFault::Overflow | EvalFault::Unset => EvalError::Overflow {
                program: owner,
                value: comp.name.to_string(),
            },
        }
    }

    /// Computes `steps` for every member of one collection, member by
    /// member; members read their owner's values from `owner`.
    fn run_members(
        &self,
        steps: &[Step],
        owner: &[Value],
        stride: usize,
        data: &mut [Value],
    ) -> Result<(), EvalError> {
        if stride == 0 {
            return Ok(());
        }
        let params = &self.segment.params;
        for member in data.chunks_mut(stride) {
            for step in steps {
                let Some(node) = self.node(step) else {
                    continue;
                };
                let value = {
                    let env = Env {
                        params,
                        frame: member,
                        member: &[],
                        owner,
                        collections: &[],
                        tables: &self.plan.tables,
                        as_of: self.as_of,
                    };
                    eval_node(node, &env).map_err(|f| self.fault(step.computed, f))?
                };
                if let Some(cell) = member.get_mut(step.slot) {
                    *cell = value;
                }
            }
        }
        Ok(())
    }

    /// Computes `steps` into the case's `frame`, with member values
    /// already in `views`.
    fn run_case(
        &self,
        steps: &[Step],
        frame: &mut [Value],
        views: &[Members<'_>],
    ) -> Result<(), EvalError> {
        let params = &self.segment.params;
        for step in steps {
            let Some(node) = self.node(step) else {
                continue;
            };
            let value = {
                let env = Env {
                    params,
                    frame,
                    member: &[],
                    owner: &[],
                    collections: views,
                    tables: &self.plan.tables,
                    as_of: self.as_of,
                };
                eval_node(node, &env).map_err(|f| self.fault(step.computed, f))?
            };
            if let Some(cell) = frame.get_mut(step.slot) {
                *cell = value;
            }
        }
        Ok(())
    }
}
