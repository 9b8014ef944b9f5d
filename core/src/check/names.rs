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
                self.err(
                    ctx,
                    span,
                    Code::UnknownReference,
                    format!("program `{prog}` applies to another entity"),
                );
                return None;
            }
            let target = match field.as_str() {
                "eligible" => Some(program.eligible),
                "amount" => program.amount,
                other => self
                    .program_values
                    .get(pi)
                    .and_then(|v| v.get(other))
                    .copied(),
            };
            return match target {
                Some(c) => self.read_computed(c, span, ctx),
                None => {
                    self.err(
                        ctx,
                        span,
                        Code::UnknownName,
                        format!("program `{prog}` has no `{field}`"),
                    );
                    None
                }
            };
        }
        self.err(
            ctx,
            span,
            Code::UnknownName,
            format!("`{}` is not defined", path.join(".")),
        );
        None
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
        let limit = (name.chars().count() / 3).max(1);
        candidates
            .into_iter()
            .map(|c| (edit_distance(name, c), c))
            .filter(|(d, _)| *d <= limit)
            .min()
            .map(|(_, c)| c.clone())
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
