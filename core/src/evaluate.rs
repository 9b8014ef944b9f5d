//! Running a case through the plan.
//!
//! [`Runner`] holds the per-request choices (segment, computed values to
//! run) and evaluates frames in place. The one-case path and the batch path
//! both call [`Runner::run`], so they cannot disagree.

use crate::date::Date;
use crate::eval::{eval_node, Env, EvalFault, Members};
use crate::plan::{NotInForce, Plan, Segment};
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
}

impl EvalError {
    /// Stable snake-case code.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::NoRulesInForce { .. } => "no_rules_in_force",
            EvalError::UnknownProgram { .. } => "unknown_program",
            EvalError::UnknownEntity { .. } => "unknown_entity",
            EvalError::WrongEntity { .. } => "wrong_entity",
            EvalError::Overflow { .. } => "overflow",
        }
    }
}

pub(crate) fn reason_text(r: &NotInForce) -> String {
    match r {
        NotInForce::Parameter(p) => format!("parameter `{p}` has no version in force"),
        NotInForce::Formula(f) => format!("`{f}` has no formula in force"),
    }
}

/// A prepared evaluation: one entity, one segment, a set of programs.
pub struct Runner<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) segment: &'p Segment,
    pub(crate) programs: Vec<usize>,
    /// Computed values to run for the case, in order, with the node to use.
    steps: Vec<(usize, usize, u32)>,
    /// Entity values to run for each collection's members.
    member_steps: Vec<Vec<(usize, usize, u32)>>,
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
                .map_or(ent.name.clone(), |&p| plan.programs[p].name.clone());
            return Err(no_rules(
                &name,
                "the rule set has no rules in force on or before this date".into(),
            ));
        };
        let mut in_force = Vec::new();
        for &p in &wanted {
            match &segment.program_status[p] {
                Ok(()) => in_force.push(p),
                Err(r) if explicit => return Err(no_rules(&plan.programs[p].name, reason_text(r))),
                Err(_) => {}
            }
        }
        if in_force.is_empty() {
            let (name, reason) = match wanted.first() {
                Some(&p) => (
                    plan.programs[p].name.clone(),
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
        let mut needed = vec![false; plan.computeds.len()];
        for &p in &in_force {
            for &c in &plan.programs[p].needed {
                needed[c] = true;
            }
        }
        let step = |c: usize| segment.choice[c].map(|v| (c, plan.computeds[c].slot, v));
        let steps: Vec<(usize, usize, u32)> = ent
            .order
            .iter()
            .copied()
            .filter(|&c| needed[c])
            .filter_map(step)
            .collect();
        let member_steps = ent
            .collections
            .iter()
            .map(|coll| {
                plan.entities[coll.entity]
                    .value_order
                    .iter()
                    .copied()
                    .filter(|&c| segment.computed_in_force[c])
                    .filter_map(step)
                    .collect()
            })
            .collect();
        Ok(Runner {
            plan,
            segment,
            programs: in_force,
            steps,
            member_steps,
            as_of,
        })
    }

    /// Programs that will be evaluated.
    pub fn programs(&self) -> &[usize] {
        &self.programs
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
        let plan = self.plan;
        let params = &self.segment.params;
        let fault = |c: usize, f: EvalFault| {
            let comp = &plan.computeds[c];
            let owner = comp.program.map_or_else(
                || plan.entities[comp.entity].name.clone(),
                |p| plan.programs[p].name.clone(),
            );
            match f {
                EvalFault::Overflow | EvalFault::Unset => EvalError::Overflow {
                    program: owner,
                    value: comp.name.clone(),
                },
            }
        };
        for (ci, (stride, data)) in members.iter_mut().enumerate() {
            let stride = *stride;
            let steps = self.member_steps.get(ci).map(Vec::as_slice).unwrap_or(&[]);
            if stride == 0 || steps.is_empty() {
                continue;
            }
            for member in data.chunks_mut(stride) {
                for &(c, slot, v) in steps {
                    let node = &plan.computeds[c].versions[v as usize].node;
                    let value = {
                        let env = Env {
                            params,
                            frame: member,
                            member: &[],
                            collections: &[],
                            tables: &plan.tables,
                            as_of: self.as_of,
                        };
                        eval_node(node, &env).map_err(|f| fault(c, f))?
                    };
                    if let Some(cell) = member.get_mut(slot) {
                        *cell = value;
                    }
                }
            }
        }
        let views: Vec<Members<'_>> = members
            .iter()
            .map(|(stride, data)| Members {
                stride: *stride,
                data,
            })
            .collect();
        for &(c, slot, v) in &self.steps {
            let node = &plan.computeds[c].versions[v as usize].node;
            let value = {
                let env = Env {
                    params,
                    frame,
                    member: &[],
                    collections: &views,
                    tables: &plan.tables,
                    as_of: self.as_of,
                };
                eval_node(node, &env).map_err(|f| fault(c, f))?
            };
            if let Some(cell) = frame.get_mut(slot) {
                *cell = value;
            }
        }
        Ok(())
    }
}
