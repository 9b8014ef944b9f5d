//! Names in formulas: resolved to inputs, values, parameters, tables and
//! collections of the scope, with suggestions for a name that is not there.

use super::compiler::*;
use super::formulas::*;
use crate::diagnostic::Code;
use crate::plan::*;
use crate::value::Type;
use std::ops::Range;

impl Compiler<'_, '_> {
    pub(super) fn note_param(&mut self, p: usize) {
        if let Some(d) = self.deps.last_mut() {
            d.params.push(p);
        }
    }

    /// Resolves a name in scope.
    pub(super) fn resolve(
        &mut self,
        path: &[String],
        span: &Range<usize>,
        ctx: &Ctx<'_>,
    ) -> Option<(Node, Type)> {
        let first = path.first()?;
        if path.len() == 1 {
            if let Some((coll, member_entity)) = ctx.member {
                if let Some(target) = self
                    .entity_names
                    .get(member_entity)
                    .and_then(|n| n.get(first))
                    .copied()
                {
                    match target {
                        Target::Input(slot) => {
                            if let Some(d) = self.deps.last_mut() {
                                d.member_inputs.push((coll, slot));
                            }
                            let ty = self.entities[member_entity].inputs[slot].ty.clone();
                            return Some((Node::MemberSlot(slot), ty));
                        }
                        Target::Computed(c) => {
                            let ty = self.computed_type(c)?;
                            let (inputs, slot) =
                                (self.computeds[c].input_deps.clone(), self.computeds[c].slot);
                            let params = self.computeds[c].param_deps.clone();
                            if let Some(d) = self.deps.last_mut() {
                                d.member_inputs
                                    .extend(inputs.into_iter().map(|i| (coll, i)));
                                d.params.extend(params);
                                d.member_computeds.push(c);
                            }
                            return Some((Node::MemberSlot(slot), ty));
                        }
                        Target::Collection(_) => {}
                    }
                }
            }
            if let Scope::Entity { entity, program } = ctx.scope {
                if let Some(&c) = program
                    .and_then(|p| self.program_values.get(p))
                    .and_then(|v| v.get(first))
                {
                    return self.read_computed(c, span, ctx);
                }
                if let Some(target) = self
                    .entity_names
                    .get(entity)
                    .and_then(|n| n.get(first))
                    .copied()
                {
                    match target {
                        Target::Input(slot) => {
                            if let Some(d) = self.deps.last_mut() {
                                d.inputs.push(slot);
                            }
                            let ty = self.entities[entity].inputs[slot].ty.clone();
                            return Some((Node::Slot(slot), ty));
                        }
                        Target::Computed(c) => return self.read_computed(c, span, ctx),
                        Target::Collection(_) => {
                            self.err_help(ctx, span, Code::TypeMismatch, format!("`{first}` is a collection; use it inside count(), sum(), any(), all(), min() or max()"), "for example `count(members)`");
                            return None;
                        }
                    }
                }
            }
            if let Some(&p) = self.param_index.get(first) {
                self.note_param(p);
                let ty = self.params.get(p).map_or(Type::Money, |p| p.ty.clone());
                return Some((Node::Param(p), ty));
            }
            if first == "as_of" {
                return Some((Node::AsOf, Type::Date));
            }
            let hint = if ctx.scope == Scope::Params {
                " (only parameters may be used here)"
            } else {
                ""
            };
            let help = match self.suggest(first, ctx) {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    "check the spelling against the parameters, inputs and values of the rule set"
                        .to_string()
                }
            };
            self.err_help(
                ctx,
                span,
                Code::UnknownName,
                format!("`{first}` is not defined{hint}"),
                &help,
            );
            return None;
        }
        // A member's program result, inside an aggregation: `sum(members, p.amount)`.
        if let (Some((coll, member_entity)), [prog, field]) = (ctx.member, path) {
            if let Some(&pi) = self.program_index.get(prog) {
                // A program paid per member means its part, for a member.
                let pi = match self.parts.get(&pi) {
                    Some(&(part, _, _))
                        if self
                            .programs
                            .get(part)
                            .is_some_and(|p| p.entity == member_entity) =>
                    {
                        part
                    }
                    _ => pi,
                };
                if self
                    .programs
                    .get(pi)
                    .is_some_and(|p| p.entity == member_entity)
                {
                    let c = self.program_field(pi, field, span, ctx)?;
                    let ty = self.computed_type(c)?;
                    let comp = &self.computeds[c];
                    let (inputs, params, slot) =
                        (comp.input_deps.clone(), comp.param_deps.clone(), comp.slot);
                    if let Some(d) = self.deps.last_mut() {
                        d.member_inputs
                            .extend(inputs.into_iter().map(|i| (coll, i)));
                        d.params.extend(params);
                        d.member_computeds.push(c);
                    }
                    return Some((Node::MemberSlot(slot), ty));
                }
            }
        }
        // The owner's input, value or program result, from a member:
        // `household.registered_locally`, `household.dibao.eligible`.
        if let Scope::Entity { entity, .. } = ctx.scope {
            if !self.program_index.contains_key(first) {
                if let Some(owner) = self.owner_named(entity, first) {
                    return self.resolve_owner(owner, &path[1..], span, ctx);
                }
            }
        }
        // program.value
        if let (Scope::Entity { entity, .. }, [prog, field]) = (ctx.scope, path) {
            let Some(&pi) = self.program_index.get(prog) else {
                self.err(
                    ctx,
                    span,
                    Code::UnknownName,
                    format!("`{prog}` is not a program"),
                );
                return None;
            };
            let program = self.programs.get(pi)?;
            if program.entity != entity {
                let of = program.entity;
                let help = if self.owner_named(entity, &self.entities[of].name).is_some() {
                    format!(
                        "`{prog}` applies to the {0}: write `{0}.{prog}.{field}`",
                        self.entities[of].name
                    )
                } else if self.entities[entity]
                    .collections
                    .iter()
                    .any(|c| c.entity == of)
                {
                    format!("`{prog}` applies to each member: read it inside an aggregation, e.g. `count(members, {prog}.eligible)`")
                } else {
                    format!(
                        "`{prog}` applies to {}, which this entity cannot reach",
                        self.entities[of].name
                    )
                };
                self.err_help(
                    ctx,
                    span,
                    Code::UnknownReference,
                    format!("program `{prog}` applies to another entity"),
                    &help,
                );
                return None;
            }
            let c = self.program_field(pi, field, span, ctx)?;
            return self.read_computed(c, span, ctx);
        }
        let mut names: Vec<String> = self.program_index.keys().cloned().collect();
        if let Scope::Entity { entity, .. } = ctx.scope {
            names.extend(
                self.entities
                    .iter()
                    .filter(|e| e.collections.iter().any(|c| c.entity == entity))
                    .map(|e| e.name.clone()),
            );
        }
        let help = match closest(first, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "before the dot, name a program, or the household a member belongs to".into(),
        };
        self.err_help(
            ctx,
            span,
            Code::UnknownName,
            format!("`{}` is not defined", path.join(".")),
            &help,
        );
        None
    }

    /// The entity named `name` if it owns members of `entity` (through a
    /// collection).
    pub(super) fn owner_named(&self, entity: usize, name: &str) -> Option<usize> {
        let owner = *self.entity_index.get(name)?;
        self.entities
            .get(owner)?
            .collections
            .iter()
            .any(|c| c.entity == entity)
            .then_some(owner)
    }

    /// The computed value `field` of program `pi` (`eligible`, `amount` or
    /// one of its values), or a diagnostic with the closest field.
    fn program_field(
        &mut self,
        pi: usize,
        field: &str,
        span: &Range<usize>,
        ctx: &Ctx<'_>,
    ) -> Option<usize> {
        let program = self.programs.get(pi)?;
        let target = match field {
            "eligible" => Some(program.eligible),
            "amount" => program.amount,
            other => self
                .program_values
                .get(pi)
                .and_then(|v| v.get(other))
                .copied(),
        };
        if target.is_none() {
            let prog = program.name.clone();
            let mut fields: Vec<&str> = vec!["eligible"];
            if program.amount.is_some() {
                fields.push("amount");
            }
            let values: Vec<String> = self
                .program_values
                .get(pi)
                .map(|v| v.keys().cloned().collect())
                .unwrap_or_default();
            fields.extend(values.iter().map(String::as_str));
            let help = match closest(field, fields.iter().copied()) {
                Some(s) => format!("did you mean `{prog}.{s}`?"),
                None => format!(
                    "a program's results are `{prog}.eligible`, `{prog}.amount` and its values"
                ),
            };
            self.err_help(
                ctx,
                span,
                Code::UnknownName,
                format!("program `{prog}` has no `{field}`"),
                &help,
            );
        }
        target
    }

    /// A name read through the owner's prefix (`rest` follows
    /// `household.`): an input or value of the owner, or a result of one
    /// of its programs.
    fn resolve_owner(
        &mut self,
        owner: usize,
        rest: &[String],
        span: &Range<usize>,
        ctx: &Ctx<'_>,
    ) -> Option<(Node, Type)> {
        let owner_name = self.entities[owner].name.clone();
        let target = match rest {
            [name] => match self.entity_names.get(owner).and_then(|n| n.get(name)) {
                Some(Target::Input(slot)) => {
                    let slot = *slot;
                    if let Some(d) = self.deps.last_mut() {
                        d.owner_inputs.push(slot);
                    }
                    let ty = self.entities[owner].inputs[slot].ty.clone();
                    return Some((Node::OwnerSlot(slot), ty));
                }
                Some(Target::Computed(c)) => Some(*c),
                Some(Target::Collection(_)) => {
                    self.err(
                        ctx,
                        span,
                        Code::TypeMismatch,
                        format!("`{owner_name}.{name}` is a collection; a member cannot read it"),
                    );
                    return None;
                }
                None => {
                    let mut names: Vec<String> = self
                        .entity_names
                        .get(owner)
                        .map(|n| n.keys().cloned().collect())
                        .unwrap_or_default();
                    names.extend(
                        self.programs
                            .iter()
                            .filter(|p| p.entity == owner)
                            .map(|p| format!("{}.eligible", p.name)),
                    );
                    let help = match closest(name, names.iter().map(String::as_str)) {
                        _ if self.param_index.contains_key(name) => {
                            format!("`{name}` is a parameter: write it without `{owner_name}.`")
                        }
                        Some(s) => format!("did you mean `{owner_name}.{s}`?"),
                        None => format!(
                            "check the spelling against the inputs and values of {owner_name}"
                        ),
                    };
                    self.err_help(
                        ctx,
                        span,
                        Code::UnknownName,
                        format!("{owner_name} has no input or value `{name}`"),
                        &help,
                    );
                    return None;
                }
            },
            [prog, field] => {
                let Some(&pi) = self.program_index.get(prog) else {
                    let names: Vec<String> = self
                        .programs
                        .iter()
                        .filter(|p| p.entity == owner)
                        .map(|p| p.name.to_string())
                        .collect();
                    let help = match closest(prog, names.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{owner_name}.{s}.{field}`?"),
                        None => format!("name a program of {owner_name}"),
                    };
                    self.err_help(
                        ctx,
                        span,
                        Code::UnknownName,
                        format!("`{prog}` is not a program"),
                        &help,
                    );
                    return None;
                };
                if self.programs.get(pi).is_some_and(|p| p.entity != owner) {
                    self.err(
                        ctx,
                        span,
                        Code::UnknownReference,
                        format!("program `{prog}` does not apply to {owner_name}"),
                    );
                    return None;
                }
                self.program_field(pi, field, span, ctx)
            }
            _ => {
                self.err(
                    ctx,
                    span,
                    Code::UnknownName,
                    format!("`{owner_name}.{}` is not defined", rest.join(".")),
                );
                None
            }
        };
        let c = target?;
        let ty = self.computed_type(c)?;
        let (params, slot) = (self.computeds[c].param_deps.clone(), self.computeds[c].slot);
        if let Some(d) = self.deps.last_mut() {
            d.params.extend(params);
            d.owner_computeds.push(c);
        }
        Some((Node::OwnerSlot(slot), ty))
    }

    /// The defined name closest to `name`, if it is close (a typo).
    pub(super) fn suggest(&self, name: &str, ctx: &Ctx<'_>) -> Option<String> {
        let mut candidates: Vec<&String> = self.param_index.keys().collect();
        if let Scope::Entity { entity, program } = ctx.scope {
            candidates.extend(
                self.entity_names
                    .get(entity)
                    .into_iter()
                    .flat_map(|n| n.keys()),
            );
            candidates.extend(
                program
                    .and_then(|p| self.program_values.get(p))
                    .into_iter()
                    .flat_map(|n| n.keys()),
            );
            if let Some((_, m)) = ctx.member {
                candidates.extend(self.entity_names.get(m).into_iter().flat_map(|n| n.keys()));
            }
        }
        let owners: Vec<String> = match ctx.scope {
            Scope::Entity { entity, .. } => self
                .entities
                .iter()
                .filter(|e| e.collections.iter().any(|c| c.entity == entity))
                .map(|e| e.name.clone())
                .collect(),
            Scope::Params => Vec::new(),
        };
        closest(
            name,
            candidates
                .into_iter()
                .map(String::as_str)
                .chain(owners.iter().map(String::as_str)),
        )
    }

    pub(super) fn read_computed(
        &mut self,
        c: usize,
        _span: &Range<usize>,
        _ctx: &Ctx<'_>,
    ) -> Option<(Node, Type)> {
        let ty = self.computed_type(c)?;
        if let Some(d) = self.deps.last_mut() {
            d.computeds.push(c);
        }
        Some((Node::Slot(self.computeds[c].slot), ty))
    }

    /// Resolves a name for display (templates and traces), without recording
    /// dependencies.
    pub(super) fn reference(&mut self, name: &str, entity: usize, program: usize) -> Option<Ref> {
        let path: Vec<&str> = name.split('.').collect();
        let mut readings = Vec::new();
        let (label, target, ty) = match path.as_slice() {
            ["as_of"] => (
                Text {
                    zh: "评估日期".into(),
                    en: "evaluation date".into(),
                },
                RefTarget::AsOf,
                Type::Date,
            ),
            [single] => {
                if let Some(&c) = self
                    .program_values
                    .get(program)
                    .and_then(|v| v.get(*single))
                {
                    let comp = &self.computeds[c];
                    (
                        comp.label.clone(),
                        RefTarget::Slot(comp.slot),
                        comp.ty.clone(),
                    )
                } else if let Some(t) = self
                    .entity_names
                    .get(entity)
                    .and_then(|n| n.get(*single))
                    .copied()
                {
                    match t {
                        Target::Input(slot) => {
                            let i = &self.entities[entity].inputs[slot];
                            readings = i.readings.clone();
                            (i.label.clone(), RefTarget::Slot(slot), i.ty.clone())
                        }
                        Target::Computed(c) => {
                            let comp = &self.computeds[c];
                            (
                                comp.label.clone(),
                                RefTarget::Slot(comp.slot),
                                comp.ty.clone(),
                            )
                        }
                        Target::Collection(_) => return None,
                    }
                } else if let Some(&p) = self.param_index.get(*single) {
                    let param = self.params.get(p)?;
                    (param.label.clone(), RefTarget::Param(p), param.ty.clone())
                } else {
                    return None;
                }
            }
            [owner, rest @ ..]
                if !rest.is_empty()
                    && !self.program_index.contains_key(*owner)
                    && self.owner_named(entity, owner).is_some() =>
            {
                let o = self.owner_named(entity, owner)?;
                let c = match rest {
                    [name] => match self.entity_names.get(o)?.get(*name)? {
                        Target::Input(slot) => {
                            let i = &self.entities[o].inputs[*slot];
                            readings = i.readings.clone();
                            let out = (i.label.clone(), RefTarget::Owner(*slot), i.ty.clone());
                            return Some(Ref {
                                name: name_of(&path),
                                label: out.0,
                                target: out.1,
                                ty: out.2,
                                readings,
                            });
                        }
                        Target::Computed(c) => *c,
                        Target::Collection(_) => return None,
                    },
                    [prog, field] => {
                        let pi = *self.program_index.get(*prog)?;
                        let pr = self.programs.get(pi)?;
                        if pr.entity != o {
                            return None;
                        }
                        match *field {
                            "eligible" => pr.eligible,
                            "amount" => pr.amount?,
                            other => *self.program_values.get(pi)?.get(other)?,
                        }
                    }
                    _ => return None,
                };
                let comp = &self.computeds[c];
                (
                    comp.label.clone(),
                    RefTarget::Owner(comp.slot),
                    comp.ty.clone(),
                )
            }
            [prog, field] => {
                let pi = *self.program_index.get(*prog)?;
                let pr = self.programs.get(pi)?;
                if pr.entity != entity {
                    return None;
                }
                let c = match *field {
                    "eligible" => pr.eligible,
                    "amount" => pr.amount?,
                    other => *self.program_values.get(pi)?.get(other)?,
                };
                let comp = &self.computeds[c];
                (
                    comp.label.clone(),
                    RefTarget::Slot(comp.slot),
                    comp.ty.clone(),
                )
            }
            _ => return None,
        };
        Some(Ref {
            name: name.into(),
            label,
            target,
            ty,
            readings,
        })
    }
}

fn name_of(path: &[&str]) -> std::sync::Arc<str> {
    path.join(".").into()
}

/// The candidate closest to `name`, if it is close (a typo).
pub(super) fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_string())
}

/// Levenshtein distance in characters.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}
