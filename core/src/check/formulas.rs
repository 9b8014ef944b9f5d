//! Formulas: each computed value compiled in dependency order (which finds
//! cycles), its type checked against its declaration.
//!
//! Each expression is checked against the scope it appears in (parameters
//! only, or an entity and possibly a program), its names resolved to slots
//! and parameter indices, and its reads recorded as dependencies.

use super::compiler::*;
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax::formula::{self as formula, Expr};
use crate::value::{Type, Value};
use std::ops::Range;

/// The deepest chain of values depending on values.
pub(super) const MAX_CHAIN: usize = 200;

pub(super) struct Ctx<'a> {
    pub(super) file: usize,
    pub(super) offset: usize,
    pub(super) scope: Scope,
    pub(super) member: Option<(usize, usize)>,
    pub(super) facts: Vec<&'a Expr>,
}

impl Compiler<'_, '_> {
    pub(super) fn enum_names(&self) -> Vec<String> {
        self.enums.iter().map(|e| e.name.clone()).collect()
    }

    pub(super) fn err(&mut self, ctx: &Ctx<'_>, span: &Range<usize>, code: Code, message: String) {
        let s = ctx.offset + span.start..ctx.offset + span.end;
        self.diags.push(ctx.file, s, code, message);
    }

    pub(super) fn err_help(
        &mut self,
        ctx: &Ctx<'_>,
        span: &Range<usize>,
        code: Code,
        message: String,
        help: &str,
    ) {
        let s = ctx.offset + span.start..ctx.offset + span.end;
        self.diags.help(ctx.file, s, code, message, help);
    }

    /// Parses and compiles one formula. Dependencies go to the top of
    /// `self.deps`.
    pub(crate) fn compile_formula(
        &mut self,
        text: &str,
        offset: usize,
        file: usize,
        scope: Scope,
    ) -> Option<(Node, Type)> {
        let parsed = match formula::parse(text) {
            Ok(e) => e,
            Err(e) => {
                let code = if e.too_complex {
                    Code::ExpressionTooComplex
                } else {
                    Code::ExpressionSyntax
                };
                self.diags.push(
                    file,
                    offset + e.span.start..offset + e.span.end.max(e.span.start + 1),
                    code,
                    e.message,
                );
                return None;
            }
        };
        let mut ctx = Ctx {
            file,
            offset,
            scope,
            member: None,
            facts: Vec::new(),
        };
        self.expr(&parsed, &mut ctx)
    }

    /// The type of a computed value, compiling it first if needed.
    pub(crate) fn computed_type(&mut self, id: usize) -> Option<Type> {
        match self.computed_state.get(id) {
            Some(State::Done) => return self.computeds.get(id).map(|c| c.ty.clone()),
            Some(State::Failed) | None => return None,
            Some(State::InProgress) => {
                let name = self.computeds[id].name.clone();
                let file = self.computed_src[id].file;
                let span = self.computed_src[id].span.clone();
                self.diags.help(
                    file,
                    span,
                    Code::DependencyCycle,
                    format!("`{name}` depends on itself through other values"),
                    "break the cycle: compute one of the values from inputs and parameters only",
                );
                self.computed_state[id] = State::Failed;
                return None;
            }
            Some(State::Todo) => {}
        }
        let broken = self.computeds[id]
            .program
            .is_some_and(|p| self.program_broken.get(p).copied().unwrap_or(false));
        if broken {
            // The program's entity is unknown (already reported): its formulas cannot be read.
            self.computed_state[id] = State::Failed;
            return None;
        }
        if self.chain_depth >= MAX_CHAIN {
            let file = self.computed_src[id].file;
            let span = self.computed_src[id].span.clone();
            self.diags.push(
                file,
                span,
                Code::ExpressionTooComplex,
                format!("values depend on each other more than {MAX_CHAIN} deep"),
            );
            self.computed_state[id] = State::Failed;
            return None;
        }
        self.computed_state[id] = State::InProgress;
        self.chain_depth += 1;
        let result = self.compile_computed(id);
        self.chain_depth -= 1;
        match result {
            Some(ty) => {
                self.computeds[id].ty = ty.clone();
                self.computed_state[id] = State::Done;
                let entity = self.computeds[id].entity;
                let kind = self.computeds[id].kind;
                self.order.push(id);
                if let Some(e) = self.entities.get_mut(entity) {
                    e.order.push(id);
                    if kind == ComputedKind::EntityValue {
                        e.value_order.push(id);
                    }
                }
                Some(ty)
            }
            None => {
                self.computed_state[id] = State::Failed;
                None
            }
        }
    }

    pub(super) fn compile_computed(&mut self, id: usize) -> Option<Type> {
        let (entity, program, kind) = {
            let c = &self.computeds[id];
            (c.entity, c.program, c.kind)
        };
        let scope = Scope::Entity { entity, program };
        let mut deps = Deps::default();
        let result_ty;
        if kind == ComputedKind::Eligible {
            let conds = self.computeds[id].computed_deps.clone();
            let mut ok = true;
            for &c in &conds {
                ok &= self.computed_type(c).is_some();
            }
            let slots: Vec<usize> = conds.iter().map(|&c| self.computeds[c].slot).collect();
            self.computeds[id].versions = vec![FormulaPlan {
                from: None,
                until: None,
                node: Node::AllSlots(slots),
                text: "all conditions".into(),
            }];
            deps.computeds = conds;
            if !ok {
                return None;
            }
            result_ty = Type::Bool;
        } else {
            let versions: Vec<(
                Option<crate::date::Date>,
                Option<crate::date::Date>,
                String,
                usize,
            )> = self.computed_src[id]
                .versions
                .iter()
                .map(|v| (v.from, v.until, v.text.clone(), v.offset))
                .collect();
            let file = self.computed_src[id].file;
            let rounding = self.computed_src[id].rounding;
            let mut ty: Option<Type> = None;
            let mut plans = Vec::new();
            let mut failed = versions.is_empty();
            for (from, until, text, offset) in versions {
                self.deps.push(Deps::default());
                let compiled = self.compile_formula(&text, offset, file, scope);
                let d = self.deps.pop().unwrap_or_default();
                merge_deps(&mut deps, d);
                let Some((mut node, t)) = compiled else {
                    failed = true;
                    continue;
                };
                if let Some(prev) = &ty {
                    if !types_fit(&t, prev) && !types_fit(prev, &t) {
                        let names = self.enum_names();
                        self.diags.push(
                            file,
                            offset..offset + text.len(),
                            Code::TypeMismatch,
                            format!(
                                "this formula gives {}, but an earlier version gives {}",
                                t.describe(&names),
                                prev.describe(&names)
                            ),
                        );
                        failed = true;
                    }
                } else {
                    ty = Some(t.clone());
                }
                if let Some((mode, unit)) = rounding {
                    if !t.is_numeric() {
                        self.diags.push(
                            file,
                            offset..offset + text.len(),
                            Code::TypeMismatch,
                            "only numbers and money can be rounded",
                        );
                        failed = true;
                    }
                    node = Node::Round(mode, unit, Box::new(node));
                }
                plans.push(FormulaPlan {
                    from,
                    until,
                    node,
                    text,
                });
            }
            match kind {
                ComputedKind::Condition | ComputedKind::Note
                    if ty.as_ref().is_some_and(|t| *t != Type::Bool) =>
                {
                    let names = self.enum_names();
                    let span = self.computed_src[id].span.clone();
                    let got = ty.as_ref().map(|t| t.describe(&names)).unwrap_or_default();
                    let what = if kind == ComputedKind::Note {
                        "a `when`"
                    } else {
                        "a condition's test"
                    };
                    self.diags.help(
                        file,
                        span,
                        Code::TypeMismatch,
                        format!("{what} must be true or false, but it gives {got}"),
                        "compare the value with something, e.g. `x < y`",
                    );
                    failed = true;
                }
                ComputedKind::Amount => {
                    if ty.as_ref().is_some_and(|t| !t.is_numeric()) {
                        let span = self.computed_src[id].span.clone();
                        self.diags.push(
                            file,
                            span,
                            Code::TypeMismatch,
                            "an amount must be money or a number",
                        );
                        failed = true;
                    }
                    if let Some(&(part, coll, true)) = program.and_then(|p| self.parts.get(&p)) {
                        // The members' amounts are added to the program's own.
                        let (file, span) = (file, self.computed_src[id].span.clone());
                        match self.programs.get(part).and_then(|p| p.amount) {
                            Some(a) => {
                                let t = self.computed_type(a);
                                let own = ty.clone();
                                if t.is_some() && own.is_some() && t != own {
                                    self.diags.push(
                                        file,
                                        span,
                                        Code::TypeMismatch,
                                        "the amount per member and the program's own amount differ in type",
                                    );
                                    failed = true;
                                }
                                let slot = self.computeds[a].slot;
                                for p in &mut plans {
                                    let inner =
                                        std::mem::replace(&mut p.node, Node::Const(Value::Missing));
                                    p.node = Node::Arith(
                                        Arith::Add,
                                        Box::new(inner),
                                        Box::new(Node::Agg(
                                            AggKind::Sum,
                                            coll,
                                            Some(Box::new(Node::MemberSlot(slot))),
                                        )),
                                    );
                                }
                                deps.member_computeds.push(a);
                                deps.params.extend(self.computeds[a].param_deps.clone());
                                let inputs = self.computeds[a].input_deps.clone();
                                deps.member_inputs
                                    .extend(inputs.into_iter().map(|i| (coll, i)));
                            }
                            None => failed = true,
                        }
                    }
                    let eligible = program
                        .and_then(|p| self.programs.get(p))
                        .map(|p| p.eligible);
                    if let Some(e) = eligible {
                        self.computed_type(e);
                        let slot = self.computeds[e].slot;
                        for p in &mut plans {
                            let inner = std::mem::replace(&mut p.node, Node::Const(Value::Missing));
                            p.node = Node::IfEligible(slot, Box::new(inner));
                        }
                        deps.computeds.push(e);
                    }
                }
                _ => {}
            }
            if failed {
                return None;
            }
            self.computeds[id].versions = plans;
            self.computeds[id].rounding = rounding;
            result_ty = ty?;
        }
        // Close the dependencies over the values read.
        for &c in &deps.computeds.clone() {
            let (i, m) = (
                self.computeds[c].input_deps.clone(),
                self.computeds[c].member_input_deps.clone(),
            );
            deps.inputs.extend(i);
            deps.member_inputs.extend(m);
        }
        for v in [&mut deps.params, &mut deps.computeds, &mut deps.inputs] {
            v.sort_unstable();
            v.dedup();
        }
        deps.member_inputs.sort_unstable();
        deps.member_inputs.dedup();
        deps.member_computeds.sort_unstable();
        deps.member_computeds.dedup();
        for v in [&mut deps.owner_inputs, &mut deps.owner_computeds] {
            v.sort_unstable();
            v.dedup();
        }
        let c = &mut self.computeds[id];
        c.owner_input_deps = deps.owner_inputs;
        c.owner_computed_deps = deps.owner_computeds;
        c.member_computed_deps = deps.member_computeds;
        c.param_deps = deps.params;
        c.computed_deps = deps.computeds;
        c.input_deps = deps.inputs;
        c.member_input_deps = deps.member_inputs;
        Some(result_ty)
    }
}

pub(super) fn ctx_entity(ctx: &Ctx<'_>) -> usize {
    match ctx.scope {
        Scope::Entity { entity, .. } => entity,
        Scope::Params => 0,
    }
}

pub(super) fn merge_deps(into: &mut Deps, from: Deps) {
    into.params.extend(from.params);
    into.computeds.extend(from.computeds);
    into.inputs.extend(from.inputs);
    into.member_inputs.extend(from.member_inputs);
    into.member_computeds.extend(from.member_computeds);
    into.owner_inputs.extend(from.owner_inputs);
    into.owner_computeds.extend(from.owner_computeds);
}
