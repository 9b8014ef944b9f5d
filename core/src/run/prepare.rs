//! What an evaluation runs, worked out once per (entity, programs, segment).
//!
//! [`Prepared`] holds the programs resolved from the names asked for, the
//! computed values to run in one dependency order cut into runs at one
//! place (the case, or the members of one collection), and the inputs those
//! read. It depends on no case and no date beyond the segment, so the rule
//! set keeps one per entity and per program of each segment
//! (`ruleset/runners.rs`) and a [`crate::run::runner::Runner`] borrows it.

use crate::date::Date;
use crate::plan::{ComputedKind, Plan, Segment};
use crate::run::input::Required;
use crate::run::runner::{reason_text, EvalError};

/// One computed value to run: where it goes and the version of its formula
/// in force in the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) computed: usize,
    pub(crate) slot: usize,
    pub(crate) version: usize,
}

/// Where a run of steps is computed: the case's frame, or every member
/// of one of its collections.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum At {
    Case,
    Member(usize),
}

/// Consecutive steps computed at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) at: At,
    pub(crate) steps: Vec<Step>,
}

/// An evaluation prepared for one entity, one segment, a set of programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    /// Position of the segment in [`Plan::segments`].
    pub(crate) segment: usize,
    pub(crate) entity: usize,
    /// The entity's programs evaluated, in the order asked for.
    pub(crate) programs: Vec<usize>,
    /// Programs of the members evaluated for every member, per collection
    /// (collection index, programs).
    pub(crate) member_programs: Vec<(usize, Vec<usize>)>,
    /// Programs of the entity asked for as a whole that are not in force in
    /// the segment (reported beside the outcome, never dropped silently).
    pub(crate) not_in_force: Vec<usize>,
    /// The computed values to run, in one dependency order over the case
    /// and its members, in runs at one place.
    pub(crate) blocks: Vec<Block>,
    /// The inputs the evaluation reads.
    pub(crate) required: Required,
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

impl Prepared {
    /// Prepares to evaluate `programs` (all programs of the entity when
    /// `None`) for cases of `entity` on `as_of`, in the segment in force
    /// then (returned beside): see [`crate::run::runner::Runner::new`].
    ///
    /// # Errors
    /// As [`crate::run::runner::Runner::new`].
    pub(crate) fn new<'p>(
        plan: &'p Plan,
        entity: usize,
        programs: Option<&[String]>,
        as_of: Date,
    ) -> Result<(Prepared, &'p Segment), EvalError> {
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
            let v = segment.choice[c]? as usize;
            comp.versions.get(v).map(|_| Step {
                computed: c,
                slot: comp.slot,
                version: v,
            })
        };
        let mut blocks: Vec<Block> = Vec::new();
        for &c in &plan.order {
            let comp = &plan.computeds[c];
            // Booleans only explanations read are computed by the outcome,
            // when one is built.
            if !needed[c] || comp.kind == ComputedKind::Note {
                continue;
            }
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
        let mut prepared = Prepared {
            segment: segment.index,
            entity,
            programs: in_force,
            member_programs,
            not_in_force,
            blocks,
            required: Required::default(),
        };
        prepared.required = prepared.inputs_read(plan);
        Ok((prepared, segment))
    }

    /// The inputs the evaluation reads, of the case and of its members:
    /// a case may leave out any other (`input::parse_case_for`).
    fn inputs_read(&self, plan: &Plan) -> Required {
        let Some(ent) = plan.entities.get(self.entity) else {
            return Required::default();
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
        Required { case, members }
    }
}
