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

/// One computed value to run: where it goes and the formula in force.
#[derive(Clone, Copy)]
struct Step<'p> {
    computed: usize,
    slot: usize,
    node: &'p Node,
}

/// Where a run of steps is computed: the case's frame, or every member
/// of one of its collections.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum At {
    Case,
    Member(usize),
}

/// Consecutive steps computed at one place.
struct Block<'p> {
    at: At,
    steps: Vec<Step<'p>>,
}

/// A prepared evaluation: one entity, one segment, a set of programs.
pub struct Runner<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) segment: &'p Segment,
    pub(crate) entity: usize,
    pub(crate) programs: Vec<usize>,
    /// Programs of the members evaluated for every member, per collection
    /// (collection index, programs).
    pub(crate) member_programs: Vec<(usize, Vec<usize>)>,
    /// Programs of the entity asked for as a whole that are not in force on
    /// the date (reported beside the outcome, never dropped silently).
    pub(crate) not_in_force: Vec<usize>,
    /// The computed values to run, in one dependency order over the case
    /// and its members, in runs at one place.
    blocks: Vec<Block<'p>>,
    pub(crate) as_of: Date,
}

/// The first name program `p` reads through its owner, if it reads one.
fn owner_reference(plan: &Plan, p: usize) -> Option<String> {
    let program = plan.programs.get(p)?;
    let (owner, _) = plan.owner_of(program.entity)?;
    let owner_ent = plan.entities.get(owner)?;
    program.needed.iter().find_map(|&c| {
        let comp = plan.computeds.get(c)?;
        if let Some(&slot) = comp.owner_input_deps.first() {
            let name = &owner_ent.inputs.get(slot)?.name;
            return Some(format!("{}.{name}", owner_ent.name));
        }
        let &o = comp.owner_computed_deps.first()?;
        let oc = plan.computeds.get(o)?;
        Some(match oc.program.and_then(|q| plan.programs.get(q)) {
            Some(q) => format!("{}.{}.{}", owner_ent.name, q.name, oc.name),
            None => format!("{}.{}", owner_ent.name, oc.name),
        })
    })
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
        let ent = plan
            .entities
            .get(entity)
            .ok_or_else(|| EvalError::UnknownEntity {
                name: format!("#{entity}"),
            })?;
        let segment = plan.segment_at(as_of);
        let explicit = programs.is_some();
        let owner_required = |p: usize| -> Option<EvalError> {
            let reference = owner_reference(plan, p)?;
            let (owner, _) = plan.owner_of(plan.programs[p].entity)?;
            Some(EvalError::OwnerRequired {
                program: plan.programs[p].name.to_string(),
                owner: plan.entities[owner].name.clone(),
                owner_label: plan.entities[owner].label.clone(),
                reference,
            })
        };
        let colls_of = |e: usize| -> Vec<usize> {
            ent.collections
                .iter()
                .enumerate()
                .filter(|(_, c)| c.entity == e)
                .map(|(i, _)| i)
                .collect()
        };
        // (program, collection): collection `None` for the case's own.
        let mut wanted: Vec<(usize, Option<usize>)> = Vec::new();
        match programs {
            Some(names) => {
                for n in names {
                    let i = plan
                        .program_index(n)
                        .ok_or_else(|| EvalError::UnknownProgram { name: n.clone() })?;
                    let p = &plan.programs[i];
                    if p.entity == entity {
                        if let Some(e) = owner_required(i) {
                            return Err(e);
                        }
                        wanted.push((i, None));
                        continue;
                    }
                    // A program of the members' entity, named on their
                    // owner's case, is evaluated for every member.
                    let colls = colls_of(p.entity);
                    if colls.is_empty() {
                        return Err(EvalError::WrongEntity {
                            program: n.clone(),
                            expected: plan.entities[p.entity].name.clone(),
                            found: ent.name.clone(),
                        });
                    }
                    wanted.extend(colls.into_iter().map(|c| (i, Some(c))));
                }
            }
            None => {
                for (i, p) in plan.programs.iter().enumerate() {
                    if p.part_of.is_some() {
                        // Evaluated with its program.
                        continue;
                    }
                    if p.entity == entity {
                        if owner_reference(plan, i).is_none() {
                            wanted.push((i, None));
                        }
                    } else if owner_reference(plan, i).is_some() {
                        wanted.extend(colls_of(p.entity).into_iter().map(|c| (i, Some(c))));
                    }
                }
            }
        }
        let no_rules = |program: &str, reason: String| EvalError::NoRulesInForce {
            program: program.to_string(),
            date: as_of,
            reason,
        };
        let Some(segment) = segment else {
            let name = wanted.first().map_or(ent.name.clone(), |&(p, _)| {
                plan.programs[p].name.to_string()
            });
            return Err(no_rules(
                &name,
                "the rule set has no rules in force on or before this date".into(),
            ));
        };
        let mut in_force = Vec::new();
        let mut member_programs: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut not_in_force = Vec::new();
        for &(p, coll) in &wanted {
            match &segment.program_status[p] {
                Ok(()) => match coll {
                    None => in_force.push(p),
                    Some(c) => match member_programs.iter_mut().find(|(k, _)| *k == c) {
                        Some((_, list)) => list.push(p),
                        None => member_programs.push((c, vec![p])),
                    },
                },
                Err(r) if explicit => return Err(no_rules(&plan.programs[p].name, reason_text(r))),
                Err(_) => {
                    if !not_in_force.contains(&p) {
                        not_in_force.push(p);
                    }
                }
            }
        }
        // A program paid per member reports each member's part.
        for &p in &in_force {
            if let Some((c, part)) = plan.programs[p].per_member {
                match member_programs.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, list)) if !list.contains(&part) => list.push(part),
                    Some(_) => {}
                    None => member_programs.push((c, vec![part])),
                }
            }
        }
        member_programs.sort_by_key(|(c, _)| *c);
        if in_force.is_empty() && member_programs.is_empty() {
            let (name, reason) = match wanted.first() {
                Some(&(p, _)) => (
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
        // One mark per computed value the programs need, closed over what
        // each reads: on its own entity, its members and its owner. Member
        // values no program reads are not computed.
        let mut needed = vec![false; plan.computeds.len()];
        let mut stack: Vec<usize> = Vec::new();
        for &p in in_force
            .iter()
            .chain(member_programs.iter().flat_map(|(_, ps)| ps))
        {
            stack.extend_from_slice(&plan.programs[p].needed);
        }
        while let Some(c) = stack.pop() {
            if needed[c] {
                continue;
            }
            needed[c] = true;
            let comp = &plan.computeds[c];
            stack.extend_from_slice(&comp.computed_deps);
            stack.extend_from_slice(&comp.member_computed_deps);
            stack.extend_from_slice(&comp.owner_computed_deps);
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
        let mut blocks: Vec<Block<'p>> = Vec::new();
        for &c in &plan.order {
            if !needed[c] {
                continue;
            }
            let comp = &plan.computeds[c];
            let places: Vec<At> = if comp.entity == entity {
                vec![At::Case]
            } else {
                if !segment.computed_in_force[c] {
                    continue;
                }
                colls_of(comp.entity).into_iter().map(At::Member).collect()
            };
            let Some(st) = step(c) else {
                continue;
            };
            for at in places {
                match blocks.last_mut() {
                    Some(b) if b.at == at => b.steps.push(st),
                    _ => blocks.push(Block {
                        at,
                        steps: vec![st],
                    }),
                }
            }
        }
        Ok(Runner {
            plan,
            segment,
            entity,
            programs: in_force,
            member_programs,
            not_in_force,
            blocks,
            as_of,
        })
    }

    /// The inputs the evaluation reads, of the case and of its members:
    /// a case may leave out any other (`input::parse_case_for`).
    pub(crate) fn required(&self) -> crate::run::input::Required {
        let plan = self.plan;
        let Some(ent) = plan.entities.get(self.entity) else {
            return Default::default();
        };
        let mut case = vec![false; ent.inputs.len()];
        let mut members: Vec<Vec<bool>> = ent
            .collections
            .iter()
            .map(|c| vec![false; plan.entities.get(c.entity).map_or(0, |e| e.inputs.len())])
            .collect();
        let mark = |v: &mut Vec<bool>, i: usize| {
            if let Some(cell) = v.get_mut(i) {
                *cell = true;
            }
        };
        for block in &self.blocks {
            for step in &block.steps {
                let comp = &plan.computeds[step.computed];
                match block.at {
                    At::Case => {
                        comp.input_deps.iter().for_each(|&i| mark(&mut case, i));
                        for &(c, i) in &comp.member_input_deps {
                            if let Some(m) = members.get_mut(c) {
                                mark(m, i);
                            }
                        }
                    }
                    At::Member(c) => {
                        if let Some(m) = members.get_mut(c) {
                            comp.input_deps.iter().for_each(|&i| mark(m, i));
                        }
                        comp.owner_input_deps
                            .iter()
                            .for_each(|&i| mark(&mut case, i));
                    }
                }
            }
        }
        // Inputs shown in explanations.
        for &p in &self.programs {
            plan.programs[p]
                .inputs
                .iter()
                .for_each(|&i| mark(&mut case, i));
        }
        for (c, ps) in &self.member_programs {
            if let Some(m) = members.get_mut(*c) {
                for &p in ps {
                    plan.programs[p].inputs.iter().for_each(|&i| mark(m, i));
                }
            }
        }
        crate::run::input::Required { case, members }
    }

    /// Programs that will be evaluated.
    pub fn programs(&self) -> &[usize] {
        &self.programs
    }

    /// Every computed value in the evaluation's one order over the case
    /// and its members: where (`None` for the case, `Some(c)` for every
    /// member of collection `c`), slot, and the formula in force. Values
    /// only explanations read ([`crate::plan::ComputedKind::Note`]) are
    /// left out: a batch reads none.
    pub(crate) fn steps(&self) -> impl Iterator<Item = (Option<usize>, usize, &'p Node)> + '_ {
        let plan = self.plan;
        self.blocks.iter().flat_map(move |b| {
            let at = match b.at {
                At::Case => None,
                At::Member(c) => Some(c),
            };
            b.steps
                .iter()
                .filter(move |s| {
                    plan.computeds
                        .get(s.computed)
                        .is_some_and(|c| c.kind != crate::plan::ComputedKind::Note)
                })
                .map(move |s| (at, s.slot, s.node))
        })
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
        for block in &self.blocks {
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
        steps: &[Step<'p>],
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
                    eval_node(step.node, &env).map_err(|f| self.fault(step.computed, f))?
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
        steps: &[Step<'p>],
        frame: &mut [Value],
        views: &[Members<'_>],
    ) -> Result<(), EvalError> {
        let params = &self.segment.params;
        for step in steps {
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
                eval_node(step.node, &env).map_err(|f| self.fault(step.computed, f))?
            };
            if let Some(cell) = frame.get_mut(step.slot) {
                *cell = value;
            }
        }
        Ok(())
    }
}
