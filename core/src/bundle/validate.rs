//! Checks that a decoded plan is consistent before it is evaluated.
//!
//! The compiler builds plans whose every index points at something; a
//! bundle is read from bytes anyone can write, so each index a runner, an
//! outcome or a schema follows is checked here against what it points
//! into, and each per-segment table against the length it must have. The
//! match over [`Node`] is exhaustive: a new kind of node does not compile
//! until its indices are checked here.

use crate::plan::{Node, Plan, Ref, RefTarget, TemplatePart};
use crate::value::Type;

type Check = Result<(), String>;

fn below(what: &str, i: usize, n: usize) -> Check {
    if i < n {
        Ok(())
    } else {
        Err(format!("{what} {i} is out of range (there are {n})"))
    }
}

fn all_below<'a>(what: &str, items: impl IntoIterator<Item = &'a usize>, n: usize) -> Check {
    items.into_iter().try_for_each(|&i| below(what, i, n))
}

/// Where a formula is evaluated: the slots of its frame and, inside an
/// aggregation, of the member's.
#[derive(Clone, Copy)]
struct Scope<'a> {
    plan: &'a Plan,
    /// The entity whose frame `Slot` reads (none: parameter formulas).
    entity: Option<usize>,
    /// The member entity inside an aggregation.
    member: Option<usize>,
}

impl Scope<'_> {
    fn slots(&self, e: Option<usize>) -> usize {
        e.and_then(|e| self.plan.entities.get(e))
            .map_or(0, |e| e.n_slots)
    }

    /// The slots of the frame a member's `household.…` reads: the fewest
    /// of any entity holding the current entity in a collection (none
    /// without such an owner).
    fn owner_slots(&self) -> usize {
        owner_slots(self.plan, self.entity)
    }

    fn node(&self, node: &Node) -> Check {
        let plan = self.plan;
        match node {
            Node::Const(_) | Node::AsOf => Ok(()),
            Node::Param(i) => below("parameter", *i, plan.params.len()),
            Node::Slot(i) => below("slot", *i, self.slots(self.entity)),
            Node::MemberSlot(i) => below("member slot", *i, self.slots(self.member)),
            Node::OwnerSlot(i) => below("owner slot", *i, self.owner_slots()),
            Node::Neg(a)
            | Node::Not(a)
            | Node::Age(a)
            | Node::DatePart(_, a)
            | Node::Round(_, _, a) => self.node(a),
            Node::Arith(_, a, b) | Node::Cmp(_, a, b) | Node::And(a, b) | Node::Or(a, b) => {
                self.node(a)?;
                self.node(b)
            }
            Node::If(c, a, b) => {
                self.node(c)?;
                self.node(a)?;
                self.node(b)
            }
            Node::In(a, items) => {
                self.node(a)?;
                items.iter().try_for_each(|n| self.node(n))
            }
            Node::Min(items) | Node::Max(items) => items.iter().try_for_each(|n| self.node(n)),
            Node::Agg(_, c, body) => {
                let collections = self
                    .entity
                    .and_then(|e| plan.entities.get(e))
                    .map_or(&[][..], |e| &e.collections[..]);
                let coll = collections
                    .get(*c)
                    .ok_or_else(|| format!("collection {c} is out of range"))?;
                let inner = Scope {
                    member: Some(coll.entity),
                    ..*self
                };
                body.as_deref().map_or(Ok(()), |b| inner.node(b))
            }
            Node::Table(t, key) => {
                below("table", *t, plan.tables.len())?;
                self.node(key)
            }
            Node::AllSlots(slots) => all_below("slot", slots, self.slots(self.entity)),
            Node::IfEligible(slot, a) => {
                below("slot", *slot, self.slots(self.entity))?;
                self.node(a)
            }
        }
    }

    fn reference(&self, r: &Ref) -> Check {
        ty(self.plan, &r.ty)?;
        match r.target {
            RefTarget::Param(i) => below("parameter", i, self.plan.params.len()),
            RefTarget::Slot(i) => below("slot", i, self.slots(self.entity)),
            RefTarget::AsOf => Ok(()),
            RefTarget::Owner(i) => below("owner slot", i, self.owner_slots()),
        }
    }
}

/// See [`Scope::owner_slots`].
fn owner_slots(plan: &Plan, entity: Option<usize>) -> usize {
    let Some(entity) = entity else { return 0 };
    plan.entities
        .iter()
        .filter(|e| e.collections.iter().any(|c| c.entity == entity))
        .map(|e| e.n_slots)
        .min()
        .unwrap_or(0)
}

fn ty(plan: &Plan, t: &Type) -> Check {
    match t {
        Type::Enum(i) => below("enum", *i, plan.enums.len()),
        Type::Money | Type::Number(_) | Type::Bool | Type::Date => Ok(()),
    }
}

/// Every index of the plan, checked.
pub(super) fn plan(plan: &Plan) -> Check {
    let (n_params, n_computeds, n_programs, n_entities) = (
        plan.params.len(),
        plan.computeds.len(),
        plan.programs.len(),
        plan.entities.len(),
    );
    let params_only = Scope {
        plan,
        entity: None,
        member: None,
    };
    for p in &plan.params {
        ty(plan, &p.ty)?;
        all_below("parameter", &p.deps, n_params)?;
        for v in &p.versions {
            if let crate::plan::ParamRule::Derived(node, _) = &v.rule {
                params_only.node(node)?;
            }
        }
    }
    for t in &plan.tables {
        for row in &t.rows {
            params_only.node(&row.output)?;
        }
        t.default.as_ref().map_or(Ok(()), |d| params_only.node(d))?;
    }
    for (e, ent) in plan.entities.iter().enumerate() {
        // Every slot holds an input or a computed value.
        if ent.n_slots > ent.inputs.len().saturating_add(n_computeds)
            || ent.inputs.len() > ent.n_slots
        {
            return Err(format!("entity {e} has {} slots", ent.n_slots));
        }
        for input in &ent.inputs {
            ty(plan, &input.ty)?;
        }
        for c in &ent.collections {
            below("entity", c.entity, n_entities)?;
        }
        all_below("computed value", &ent.value_order, n_computeds)?;
        all_below("computed value", &ent.order, n_computeds)?;
    }
    all_below("computed value", &plan.order, n_computeds)?;
    if members_cycle(plan) {
        return Err("an entity is a member of itself".into());
    }
    for c in &plan.computeds {
        below("entity", c.entity, n_entities)?;
        if let Some(p) = c.program {
            below("program", p, n_programs)?;
        }
        ty(plan, &c.ty)?;
        let scope = Scope {
            plan,
            entity: Some(c.entity),
            member: None,
        };
        let slots = scope.slots(Some(c.entity));
        below("slot", c.slot, slots)?;
        for v in &c.versions {
            scope.node(&v.node)?;
        }
        all_below("parameter", &c.param_deps, n_params)?;
        all_below("computed value", &c.computed_deps, n_computeds)?;
        all_below("computed value", c.assumption_when.as_slice(), n_computeds)?;
        all_below("computed value", &c.member_computed_deps, n_computeds)?;
        all_below("computed value", &c.owner_computed_deps, n_computeds)?;
        all_below(
            "owner slot",
            &c.owner_input_deps,
            owner_slots(plan, Some(c.entity)),
        )?;
        all_below("slot", &c.input_deps, slots)?;
        member_inputs(
            plan,
            c.entity,
            c.member_input_deps
                .iter()
                .map(|(c, s)| (*c, std::slice::from_ref(s))),
        )?;
    }
    for p in &plan.programs {
        below("entity", p.entity, n_entities)?;
        let scope = Scope {
            plan,
            entity: Some(p.entity),
            member: None,
        };
        all_below("computed value", &p.values, n_computeds)?;
        all_below("computed value", &p.needed, n_computeds)?;
        below("computed value", p.eligible, n_computeds)?;
        if let Some(a) = p.amount {
            below("computed value", a, n_computeds)?;
        }
        all_below("slot", &p.inputs, scope.slots(Some(p.entity)))?;
        if let Some((c, part)) = p.per_member {
            let collections = plan
                .entities
                .get(p.entity)
                .map_or(0, |e| e.collections.len());
            below("collection", c, collections)?;
            below("program", part, n_programs)?;
        }
        if let Some(whole) = p.part_of {
            below("program", whole, n_programs)?;
        }
        member_inputs(
            plan,
            p.entity,
            p.member_inputs.iter().map(|(c, s)| (*c, s.as_slice())),
        )?;
        for cond in &p.conditions {
            below("computed value", cond.computed, n_computeds)?;
            cond.refs.iter().try_for_each(|r| scope.reference(r))?;
            let cases = cond.pass_cases.iter().chain(&cond.fail_cases);
            for (w, _) in cases.clone() {
                below("computed value", *w, n_computeds)?;
            }
            let texts = cond.pass.iter().chain(&cond.fail);
            let texts = texts.chain(cases.flat_map(|(_, t)| t.iter()));
            for part in texts.flat_map(|t| t.iter()) {
                if let TemplatePart::Ref(r) = part {
                    scope.reference(r)?;
                }
            }
        }
    }
    let mut previous = None;
    for (i, s) in plan.segments.iter().enumerate() {
        if s.index != i || previous.is_some_and(|d| d >= s.start) {
            return Err(format!("segment {i} is out of order"));
        }
        previous = Some(s.start);
        let lengths = [
            (s.params.len(), n_params),
            (s.param_version.len(), n_params),
            (s.choice.len(), n_computeds),
            (s.computed_in_force.len(), n_computeds),
            (s.program_status.len(), n_programs),
            (s.program_params.len(), n_programs),
        ];
        if lengths.iter().any(|(a, b)| a != b) {
            return Err(format!("segment {i} does not cover the rule set"));
        }
        for (p, v) in plan.params.iter().zip(&s.param_version) {
            if let Some(v) = v {
                below("parameter version", *v as usize, p.versions.len())?;
            }
        }
        for (c, v) in plan.computeds.iter().zip(&s.choice) {
            if let Some(v) = v {
                below("formula version", *v as usize, c.versions.len())?;
            }
        }
        for ps in &s.program_params {
            all_below("parameter", ps, n_params)?;
        }
    }
    Ok(())
}

/// `(collection, member slots)` pairs of an entity.
fn member_inputs<'a>(
    plan: &Plan,
    entity: usize,
    pairs: impl Iterator<Item = (usize, &'a [usize])>,
) -> Check {
    let Some(ent) = plan.entities.get(entity) else {
        return Err(format!("entity {entity} is out of range"));
    };
    for (c, slots) in pairs {
        let coll = ent
            .collections
            .get(c)
            .ok_or_else(|| format!("collection {c} is out of range"))?;
        let n = plan.entities.get(coll.entity).map_or(0, |m| m.n_slots);
        all_below("member slot", slots, n)?;
    }
    Ok(())
}

/// Whether some entity is, through collections, a member of itself (Kahn's
/// algorithm: no recursion, linear in entities and collections).
fn members_cycle(plan: &Plan) -> bool {
    let n = plan.entities.len();
    let mut incoming = vec![0usize; n];
    for e in &plan.entities {
        for c in &e.collections {
            if let Some(k) = incoming.get_mut(c.entity) {
                *k += 1;
            }
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&e| incoming.get(e) == Some(&0)).collect();
    let mut done = 0;
    while let Some(e) = ready.pop() {
        done += 1;
        for c in plan.entities.get(e).map_or(&[][..], |e| &e.collections[..]) {
            if let Some(k) = incoming.get_mut(c.entity) {
                *k = k.saturating_sub(1);
                if *k == 0 {
                    ready.push(c.entity);
                }
            }
        }
    }
    done < n
}
