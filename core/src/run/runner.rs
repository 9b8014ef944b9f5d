//! Running a case through the plan.
//!
//! [`Runner`] holds the per-request choices (segment, computed values to
//! run) and evaluates frames in place. The one-case path and the batch path
//! both call the reference evaluator (`Runner::run`), so they cannot disagree.

use crate::date::Date;
use crate::plan::{Node, NotInForce, Plan, Segment};
use crate::run::node::{eval_node, Env, EvalFault, Members};
use crate::value::Value;

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
            EvalError::Overflow { .. } => "overflow",
            EvalError::PopulationMismatch { .. } => "population_mismatch",
            EvalError::Internal { .. } => "internal_error",
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

/// One computed value to run: where it goes and the formula in force.
#[derive(Clone, Copy)]
struct Step<'p> {
    computed: usize,
    slot: usize,
    node: &'p Node,
}

/// A prepared evaluation: one entity, one segment, a set of programs.
pub struct Runner<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) segment: &'p Segment,
    pub(crate) programs: Vec<usize>,
    /// Programs of the entity asked for as a whole that are not in force on
    /// the date (reported beside the outcome, never dropped silently).
    pub(crate) not_in_force: Vec<usize>,
    /// Computed values to run for the case, in order, with the node to use.
    steps: Vec<Step<'p>>,
    /// Entity values of each collection's members that the programs read.
    member_steps: Vec<Vec<Step<'p>>>,
    pub(crate) as_of: Date,
}

impl<'p> Runner<'p> {
    /// Prepares to evaluate `programs` (all programs of the entity when
    /// `None`) for cases of `entity` on `as_of`.
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
        let ent = plan
            .entities
            .get(entity)
            .ok_or_else(|| EvalError::UnknownEntity {
                name: format!("#{entity}"),
            })?;
        let segment = plan.segment_at(as_of);
        let explicit = programs.is_some();
        let wanted: Vec<usize> = match programs {
            Some(names) => {
                let mut out = Vec::new();
                for n in names {
                    let i = plan
                        .program_index(n)
                        .ok_or_else(|| EvalError::UnknownProgram { name: n.clone() })?;
                    let p = &plan.programs[i];
                    if p.entity != entity {
                        return Err(EvalError::WrongEntity {
                            program: n.clone(),
                            expected: plan.entities[p.entity].name.clone(),
                            found: ent.name.clone(),
                        });
                    }
                    out.push(i);
                }
                out
            }
            None => (0..plan.programs.len())
                .filter(|&i| plan.programs[i].entity == entity)
                .collect(),
        };
        let no_rules = |program: &str, reason: String| EvalError::NoRulesInForce {
            program: program.to_string(),
            date: as_of,
            reason,
        };
        let Some(segment) = segment else {
            let name = wanted
                .first()
                .map_or(ent.name.clone(), |&p| plan.programs[p].name.to_string());
            return Err(no_rules(
                &name,
                "the rule set has no rules in force on or before this date".into(),
            ));
        };
        let mut in_force = Vec::new();
        let mut not_in_force = Vec::new();
        for &p in &wanted {
            match &segment.program_status[p] {
                Ok(()) => in_force.push(p),
                Err(r) if explicit => return Err(no_rules(&plan.programs[p].name, reason_text(r))),
                Err(_) => not_in_force.push(p),
            }
        }
        if in_force.is_empty() {
            let (name, reason) = match wanted.first() {
                Some(&p) => (
                    plan.programs[p].name.to_string(),
                    segment.program_status[p]
                        .clone()
                        .err()
                        .map_or(String::new(), |r| reason_text(&r)),
                ),
                None => (
                    ent.name.clone(),
                    format!("no program applies to {}", ent.name),
                ),
            };
            return Err(no_rules(&name, reason));
        }
        // One mark per computed value: the case needs it (NEEDED), or a
        // member value the case's values read, closed over what it reads
        // in turn (MEMBER). Member values no requested program reads are
        // not computed: no outcome or decision shows member frames.
        const NEEDED: u8 = 1;
        const MEMBER: u8 = 2;
        let mut marks = vec![0u8; plan.computeds.len()];
        for &p in &in_force {
            for &c in &plan.programs[p].needed {
                marks[c] |= NEEDED;
            }
        }
        let mut stack: Vec<usize> = Vec::new();
        for &c in &ent.order {
            if marks[c] & NEEDED != 0 {
                stack.extend_from_slice(&plan.computeds[c].member_computed_deps);
            }
        }
        while let Some(c) = stack.pop() {
            if marks[c] & MEMBER != 0 {
                continue;
            }
            marks[c] |= MEMBER;
            let comp = &plan.computeds[c];
            stack.extend_from_slice(&comp.computed_deps);
            stack.extend_from_slice(&comp.member_computed_deps);
        }
        let step = |c: usize| {
            let comp = &plan.computeds[c];
            let v = segment.choice[c]?;
            comp.versions.get(v as usize).map(|f| Step {
                computed: c,
                slot: comp.slot,
                node: &f.node,
            })
        };
        let mut steps: Vec<Step<'p>> = Vec::with_capacity(ent.order.len());
        steps.extend(
            ent.order
                .iter()
                .copied()
                .filter(|&c| marks[c] & NEEDED != 0)
                .filter_map(step),
        );
        let member_steps = ent
            .collections
            .iter()
            .map(|coll| {
                plan.entities[coll.entity]
                    .value_order
                    .iter()
                    .copied()
                    .filter(|&c| marks[c] & MEMBER != 0 && segment.computed_in_force[c])
                    .filter_map(step)
                    .collect()
            })
            .collect();
        Ok(Runner {
            plan,
            segment,
            programs: in_force,
            not_in_force,
            steps,
            member_steps,
            as_of,
        })
    }

    /// Programs that will be evaluated.
    pub fn programs(&self) -> &[usize] {
        &self.programs
    }

    /// The case's computed values in order: slot and formula in force.
    pub(crate) fn case_steps(&self) -> impl Iterator<Item = (usize, &'p Node)> + '_ {
        self.steps.iter().map(|s| (s.slot, s.node))
    }

    /// The member values of collection `coll` in order: slot and formula.
    pub(crate) fn member_steps(&self, coll: usize) -> impl Iterator<Item = (usize, &'p Node)> + '_ {
        self.member_steps
            .get(coll)
            .into_iter()
            .flatten()
            .map(|s| (s.slot, s.node))
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

    /// Evaluates one case in place: member values into `members`, then the
    /// case's values into `frame`.
    ///
    /// # Errors
    /// [`EvalError::Overflow`] when a value is too large.
    pub fn run(
        &self,
        frame: &mut [Value],
        members: &mut [(usize, &mut [Value])],
    ) -> Result<(), EvalError> {
        self.run_members(members)?;
        let mut inline = [Members::EMPTY; INLINE_COLLECTIONS];
        if members.len() <= INLINE_COLLECTIONS {
            for (view, (stride, data)) in inline.iter_mut().zip(members.iter()) {
                *view = Members {
                    stride: *stride,
                    data,
                };
            }
            self.run_case(frame, &inline[..members.len()])
        } else {
            let views: Vec<Members<'_>> = members
                .iter()
                .map(|(stride, data)| Members {
                    stride: *stride,
                    data,
                })
                .collect();
            self.run_case(frame, &views)
        }
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

    /// Computes the member values the programs read, member by member.
    pub(crate) fn run_members(
        &self,
        members: &mut [(usize, &mut [Value])],
    ) -> Result<(), EvalError> {
        let params = &self.segment.params;
        for (ci, (stride, data)) in members.iter_mut().enumerate() {
            let stride = *stride;
            let steps = self.member_steps.get(ci).map(Vec::as_slice).unwrap_or(&[]);
            if stride == 0 || steps.is_empty() {
                continue;
            }
            for member in data.chunks_mut(stride) {
                for step in steps {
                    let value = {
                        let env = Env {
                            params,
                            frame: member,
                            member: &[],
                            collections: &[],
                            tables: &self.plan.tables,
                            as_of: self.as_of,
                        };
                        eval_node(step.node, &env).map_err(|f| self.fault(step.computed, f))?
                    };
                    if let Some(cell) = member.get_mut(step.slot) {
                        *cell = value;
                    }
                }
            }
        }
        Ok(())
    }

    /// Computes the case's values into `frame`, with member values already
    /// in `views`.
    pub(crate) fn run_case(
        &self,
        frame: &mut [Value],
        views: &[Members<'_>],
    ) -> Result<(), EvalError> {
        let params = &self.segment.params;
        for step in &self.steps {
            let value = {
                let env = Env {
                    params,
                    frame,
                    member: &[],
                    collections: views,
                    tables: &self.plan.tables,
                    as_of: self.as_of,
                };
                eval_node(step.node, &env).map_err(|f| self.fault(step.computed, f))?
            };
            if let Some(cell) = frame.get_mut(step.slot) {
                *cell = value;
            }
        }
        Ok(())
    }
}
