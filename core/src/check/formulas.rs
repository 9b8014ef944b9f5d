//! Type checking and compilation of expressions.
//!
//! Each expression is checked against the scope it appears in (parameters
//! only, or an entity and possibly a program), its names resolved to slots
//! and parameter indices, and its reads recorded as dependencies. Divisions
//! must have a divisor that is provably non-zero: a positive literal,
//! parameter or bounded input, a count of a collection with a minimum of one,
//! or an expression guarded by `if divisor > 0 then … else …`.

use super::decls::{types_fit, Compiler, State, Target};
use crate::diagnostic::Code;
use crate::money::RoundingMode;
use crate::plan::*;
use crate::syntax::formula::{self as formula, BinOp, Expr, ExprKind, UnOp};
use crate::value::{Type, Value};
use rust_decimal::Decimal;
use std::ops::Range;

/// What names an expression may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Parameters and literals only (derived parameters, table outputs).
    Params,
    /// An entity's inputs and values, and a program's values.
    Entity {
        entity: usize,
        program: Option<usize>,
    },
}

/// What an expression reads.
#[derive(Debug, Default, Clone)]
pub(crate) struct Deps {
    pub params: Vec<usize>,
    pub computeds: Vec<usize>,
    pub inputs: Vec<usize>,
    pub member_inputs: Vec<(usize, usize)>,
    pub member_computeds: Vec<usize>,
}

/// The deepest chain of values depending on values.
const MAX_CHAIN: usize = 200;

struct Ctx<'a> {
    file: usize,
    offset: usize,
    scope: Scope,
    member: Option<(usize, usize)>,
    facts: Vec<&'a Expr>,
}

impl Compiler<'_, '_> {
    fn enum_names(&self) -> Vec<String> {
        self.enums.iter().map(|e| e.name.clone()).collect()
    }

    fn err(&mut self, ctx: &Ctx<'_>, span: &Range<usize>, code: Code, message: String) {
        let s = ctx.offset + span.start..ctx.offset + span.end;
        self.diags.push(ctx.file, s, code, message);
    }

    fn err_help(
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

    fn compile_computed(&mut self, id: usize) -> Option<Type> {
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
                ComputedKind::Condition if ty.as_ref().is_some_and(|t| *t != Type::Bool) => {
                    let names = self.enum_names();
                    let span = self.computed_src[id].span.clone();
                    let got = ty.as_ref().map(|t| t.describe(&names)).unwrap_or_default();
                    self.diags.help(
                        file,
                        span,
                        Code::TypeMismatch,
                        format!("a condition's test must be true or false, but it gives {got}"),
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
        let c = &mut self.computeds[id];
        c.member_computed_deps = deps.member_computeds;
        c.param_deps = deps.params;
        c.computed_deps = deps.computeds;
        c.input_deps = deps.inputs;
        c.member_input_deps = deps.member_inputs;
        Some(result_ty)
    }

    fn note_param(&mut self, p: usize) {
        if let Some(d) = self.deps.last_mut() {
            d.params.push(p);
        }
    }

    /// Resolves a name in scope.
    fn resolve(
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
    fn suggest(&self, name: &str, ctx: &Ctx<'_>) -> Option<String> {
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

    fn read_computed(
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

    fn expr<'e>(&mut self, e: &'e Expr, ctx: &mut Ctx<'e>) -> Option<(Node, Type)> {
        match &e.kind {
            ExprKind::Number(n) => Some((Node::Const(Value::Num(*n)), Type::Number(None))),
            ExprKind::Money(n) => Some((Node::Const(Value::Num(*n)), Type::Money)),
            ExprKind::Bool(b) => Some((Node::Const(Value::Bool(*b)), Type::Bool)),
            ExprKind::Str(s) => {
                self.err_help(
                    ctx,
                    &e.span,
                    Code::TypeMismatch,
                    format!("the string \"{s}\" can only be compared with an enum value"),
                    "write e.g. `meal_kind == \"lunch\"`",
                );
                None
            }
            ExprKind::Name(path) => self.resolve(path, &e.span, ctx),
            ExprKind::Unary(UnOp::Neg, inner) => {
                let (n, t) = self.expr(inner, ctx)?;
                if !t.is_numeric() {
                    self.err(
                        ctx,
                        &e.span,
                        Code::TypeMismatch,
                        "only numbers and money can be negated".into(),
                    );
                    return None;
                }
                Some((Node::Neg(Box::new(n)), t))
            }
            ExprKind::Unary(UnOp::Not, inner) => {
                let n = self.expect(inner, ctx, &Type::Bool)?;
                Some((Node::Not(Box::new(n)), Type::Bool))
            }
            ExprKind::If(c, a, b) => {
                let cn = self.expect(c, ctx, &Type::Bool);
                let mark = ctx.facts.len();
                ctx.facts.push(c);
                let an = self.expr(a, ctx);
                ctx.facts.truncate(mark);
                let bn = self.expr(b, ctx);
                let (cn, (an, at), (bn, bt)) = (cn?, an?, bn?);
                let Some(ty) = unify(&at, &bt) else {
                    let names = self.enum_names();
                    self.err(
                        ctx,
                        &e.span,
                        Code::TypeMismatch,
                        format!(
                            "the branches of `if` give {} and {}",
                            at.describe(&names),
                            bt.describe(&names)
                        ),
                    );
                    return None;
                };
                Some((Node::If(Box::new(cn), Box::new(an), Box::new(bn)), ty))
            }
            ExprKind::In(left, items) => {
                let (ln, lt) = self.expr(left, ctx)?;
                let mut nodes = Vec::new();
                for item in items {
                    nodes.push(self.operand_like(item, &lt, ctx)?);
                }
                Some((Node::In(Box::new(ln), nodes), Type::Bool))
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e, ctx),
            ExprKind::Call(name, name_span, args) => self.call(name, name_span, args, e, ctx),
        }
    }

    fn expect<'e>(&mut self, e: &'e Expr, ctx: &mut Ctx<'e>, want: &Type) -> Option<Node> {
        let (n, t) = self.expr(e, ctx)?;
        if !types_fit(&t, want) {
            let names = self.enum_names();
            self.err(
                ctx,
                &e.span,
                Code::TypeMismatch,
                format!(
                    "expected {}, found {}",
                    want.describe(&names),
                    t.describe(&names)
                ),
            );
            return None;
        }
        Some(n)
    }

    /// Compiles `e` where a value like `ty` is expected; strings become enum
    /// choices.
    fn operand_like<'e>(&mut self, e: &'e Expr, ty: &Type, ctx: &mut Ctx<'e>) -> Option<Node> {
        if let (ExprKind::Str(s), Type::Enum(en)) = (&e.kind, ty) {
            let variants = &self.enums[*en].variants;
            return match variants.iter().position(|(id, _)| id == s) {
                Some(i) => Some(Node::Const(Value::Enum(i as u32))),
                None => {
                    let choices: Vec<&str> = variants.iter().map(|(id, _)| id.as_str()).collect();
                    let msg = format!(
                        "\"{s}\" is not a choice of `{}` ({})",
                        self.enums[*en].name,
                        choices.join(", ")
                    );
                    self.err(ctx, &e.span, Code::UnknownName, msg);
                    None
                }
            };
        }
        let (n, t) = self.expr(e, ctx)?;
        if unify(&t, ty).is_none() {
            let names = self.enum_names();
            let code = if matches!((&t, ty), (Type::Number(Some(_)), Type::Number(Some(_)))) {
                Code::UnitMismatch
            } else {
                Code::TypeMismatch
            };
            self.err(
                ctx,
                &e.span,
                code,
                format!(
                    "{} cannot be compared with {}",
                    t.describe(&names),
                    ty.describe(&names)
                ),
            );
            return None;
        }
        Some(n)
    }

    fn binary<'e>(
        &mut self,
        op: BinOp,
        a: &'e Expr,
        b: &'e Expr,
        e: &'e Expr,
        ctx: &mut Ctx<'e>,
    ) -> Option<(Node, Type)> {
        match op {
            BinOp::And | BinOp::Or => {
                let an = self.expect(a, ctx, &Type::Bool);
                let mark = ctx.facts.len();
                if op == BinOp::And {
                    ctx.facts.push(a);
                }
                let bn = self.expect(b, ctx, &Type::Bool);
                ctx.facts.truncate(mark);
                let (an, bn) = (an?, bn?);
                let node = if op == BinOp::And {
                    Node::And(Box::new(an), Box::new(bn))
                } else {
                    Node::Or(Box::new(an), Box::new(bn))
                };
                Some((node, Type::Bool))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                let cmp = match op {
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    BinOp::Ge => Cmp::Ge,
                    BinOp::Eq => Cmp::Eq,
                    _ => Cmp::Ne,
                };
                let (an, at, bn) = if let ExprKind::Str(_) = a.kind {
                    let (bn, bt) = self.expr(b, ctx)?;
                    let an = self.operand_like(a, &bt, ctx)?;
                    (an, bt, bn)
                } else {
                    let (an, at) = self.expr(a, ctx)?;
                    let bn = self.operand_like(b, &at, ctx)?;
                    (an, at, bn)
                };
                if matches!(cmp, Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge)
                    && !(at.is_numeric() || at == Type::Date)
                {
                    let names = self.enum_names();
                    self.err(
                        ctx,
                        &e.span,
                        Code::TypeMismatch,
                        format!(
                            "{} cannot be ordered with `{}`",
                            at.describe(&names),
                            op.symbol()
                        ),
                    );
                    return None;
                }
                Some((Node::Cmp(cmp, Box::new(an), Box::new(bn)), Type::Bool))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let l = self.expr(a, ctx);
                let r = self.expr(b, ctx);
                let ((an, at), (bn, bt)) = (l?, r?);
                let names = self.enum_names();
                if !at.is_numeric() || !bt.is_numeric() {
                    self.err(
                        ctx,
                        &e.span,
                        Code::TypeMismatch,
                        format!(
                            "`{}` needs numbers or money, found {} and {}",
                            op.symbol(),
                            at.describe(&names),
                            bt.describe(&names)
                        ),
                    );
                    return None;
                }
                let ty = match (op, &at, &bt) {
                    (BinOp::Add | BinOp::Sub, _, _) => match unify(&at, &bt) {
                        Some(t) => t,
                        None => {
                            let (code, help) = if at == Type::Money || bt == Type::Money {
                                (
                                    Code::TypeMismatch,
                                    "money adds only to money; write money literals as `0 CNY`",
                                )
                            } else {
                                (Code::UnitMismatch, "both sides must have the same unit")
                            };
                            self.err_help(
                                ctx,
                                &e.span,
                                code,
                                format!(
                                    "cannot {} {} and {}",
                                    if op == BinOp::Add { "add" } else { "subtract" },
                                    at.describe(&names),
                                    bt.describe(&names)
                                ),
                                help,
                            );
                            return None;
                        }
                    },
                    (BinOp::Mul, Type::Money, Type::Money) => {
                        self.err_help(
                            ctx,
                            &e.span,
                            Code::MoneyTimesMoney,
                            "money is multiplied by money".into(),
                            "one side must be a plain number (a rate, a count)",
                        );
                        return None;
                    }
                    (BinOp::Mul, Type::Money, _) | (BinOp::Mul, _, Type::Money) => Type::Money,
                    (BinOp::Mul, Type::Number(x), Type::Number(y)) => match (x, y) {
                        (Some(_), Some(_)) => {
                            self.err(
                                ctx,
                                &e.span,
                                Code::UnitMismatch,
                                format!(
                                    "cannot multiply {} by {}",
                                    at.describe(&names),
                                    bt.describe(&names)
                                ),
                            );
                            return None;
                        }
                        (Some(u), None) | (None, Some(u)) => Type::Number(Some(u.clone())),
                        (None, None) => Type::Number(None),
                    },
                    (BinOp::Div, Type::Money, Type::Money) => Type::Number(None),
                    (BinOp::Div, Type::Money, _) => Type::Money,
                    (BinOp::Div, _, Type::Money) => {
                        self.err(
                            ctx,
                            &e.span,
                            Code::TypeMismatch,
                            "a number cannot be divided by money".into(),
                        );
                        return None;
                    }
                    (BinOp::Div, Type::Number(x), Type::Number(y)) => match (x, y) {
                        (Some(u), None) => Type::Number(Some(u.clone())),
                        _ => Type::Number(None),
                    },
                    _ => Type::Number(None),
                };
                if op == BinOp::Div && !self.positive(b, ctx) && !self.guarded(b, ctx) {
                    self.err_help(ctx, &b.span, Code::PossibleDivisionByZero, "this divisor could be zero".into(), "guard it: `if x > 0 then … / x else …`, or give the input a positive `min`");
                    return None;
                }
                let arith = match op {
                    BinOp::Add => Arith::Add,
                    BinOp::Sub => Arith::Sub,
                    BinOp::Mul => Arith::Mul,
                    _ => Arith::Div,
                };
                Some((Node::Arith(arith, Box::new(an), Box::new(bn)), ty))
            }
        }
    }

    /// Whether a guard in scope proves `d` non-zero (`d > 0`, `d != 0`, `d >= k` with k > 0).
    fn guarded(&self, d: &Expr, ctx: &Ctx<'_>) -> bool {
        fn proves(fact: &Expr, d: &Expr) -> bool {
            match &fact.kind {
                ExprKind::Binary(BinOp::And, a, b) => proves(a, d) || proves(b, d),
                ExprKind::Binary(op, l, r) => {
                    let lit_pos = |e: &Expr, strict: bool| match e.kind {
                        ExprKind::Number(n) | ExprKind::Money(n) => {
                            if strict {
                                n >= Decimal::ZERO
                            } else {
                                n > Decimal::ZERO
                            }
                        }
                        _ => false,
                    };
                    let lit_zero = |e: &Expr| matches!(e.kind, ExprKind::Number(n) | ExprKind::Money(n) if n.is_zero());
                    match op {
                        BinOp::Gt => same(l, d) && lit_pos(r, true),
                        BinOp::Ge => same(l, d) && lit_pos(r, false),
                        BinOp::Lt => same(r, d) && lit_pos(l, true),
                        BinOp::Le => same(r, d) && lit_pos(l, false),
                        BinOp::Ne => (same(l, d) && lit_zero(r)) || (same(r, d) && lit_zero(l)),
                        _ => false,
                    }
                }
                _ => false,
            }
        }
        ctx.facts.iter().any(|f| proves(f, d))
    }

    /// Whether `e` is provably above zero.
    fn positive(&self, e: &Expr, ctx: &Ctx<'_>) -> bool {
        match &e.kind {
            ExprKind::Number(n) | ExprKind::Money(n) => *n > Decimal::ZERO,
            ExprKind::Name(path) if path.len() == 1 => {
                let name = &path[0];
                if let Scope::Entity { entity, .. } = ctx.scope {
                    let ent = ctx.member.map_or(entity, |(_, m)| m);
                    if let Some(Target::Input(slot)) =
                        self.entity_names.get(ent).and_then(|n| n.get(name))
                    {
                        return self.entities[ent].inputs[*slot]
                            .min
                            .is_some_and(|m| m.as_num().is_some_and(|m| m > Decimal::ZERO));
                    }
                }
                if let Some(&p) = self.param_index.get(name) {
                    let param = &self.params[p];
                    return !param.versions.is_empty()
                        && param.versions.iter().all(|v| matches!(v.rule, ParamRule::Fixed(Value::Num(n)) if n > Decimal::ZERO));
                }
                false
            }
            ExprKind::Binary(BinOp::Mul, a, b) | ExprKind::Binary(BinOp::Add, a, b) => {
                self.positive(a, ctx) && self.positive(b, ctx)
            }
            ExprKind::Call(f, _, args) => match f.as_str() {
                "count" if args.len() == 1 => {
                    if let (Scope::Entity { entity, .. }, ExprKind::Name(p)) =
                        (ctx.scope, &args[0].kind)
                    {
                        if let Some(Target::Collection(c)) = p
                            .first()
                            .and_then(|n| self.entity_names.get(entity).and_then(|m| m.get(n)))
                        {
                            return self.entities[entity].collections[*c].min >= 1;
                        }
                    }
                    false
                }
                "max" => args.iter().any(|a| self.positive(a, ctx)),
                "min" => !args.is_empty() && args.iter().all(|a| self.positive(a, ctx)),
                "round_up" => args.first().is_some_and(|a| self.positive(a, ctx)),
                _ => false,
            },
            _ => false,
        }
    }

    fn call<'e>(
        &mut self,
        name: &str,
        name_span: &Range<usize>,
        args: &'e [Expr],
        e: &'e Expr,
        ctx: &mut Ctx<'e>,
    ) -> Option<(Node, Type)> {
        // Aggregations over a collection.
        let collection = match (ctx.scope, args.first().map(|a| &a.kind)) {
            (Scope::Entity { entity, .. }, Some(ExprKind::Name(p)))
                if p.len() == 1 && ctx.member.is_none() =>
            {
                match self.entity_names.get(entity).and_then(|n| n.get(&p[0])) {
                    Some(Target::Collection(c)) => {
                        Some((*c, self.entities[entity].collections[*c].entity))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let agg = match name {
            "sum" => Some(AggKind::Sum),
            "count" => Some(AggKind::Count),
            "any" => Some(AggKind::Any),
            "all" => Some(AggKind::All),
            "min" if collection.is_some() => Some(AggKind::Min),
            "max" if collection.is_some() => Some(AggKind::Max),
            _ => None,
        };
        if let Some(kind) = agg {
            let Some((coll, member_entity)) = collection else {
                self.err_help(
                    ctx,
                    &e.span,
                    Code::WrongArguments,
                    format!("{name}() needs a collection as its first argument"),
                    "for example `sum(members, monthly_income)`",
                );
                return None;
            };
            let body_needed = !matches!(kind, AggKind::Count);
            if args.len() != 2 && !(kind == AggKind::Count && args.len() == 1) {
                let want = if body_needed {
                    "2 arguments"
                } else {
                    "1 or 2 arguments"
                };
                self.err(
                    ctx,
                    &e.span,
                    Code::WrongArguments,
                    format!("{name}() takes {want}"),
                );
                return None;
            }
            let saved = ctx.member;
            ctx.member = Some((coll, member_entity));
            let body = args.get(1).map(|b| self.expr(b, ctx));
            ctx.member = saved;
            let (body, ty) = match body {
                None => (None, Type::Number(None)),
                Some(None) => return None,
                Some(Some((n, t))) => {
                    let names = self.enum_names();
                    let want_bool = matches!(kind, AggKind::Count | AggKind::Any | AggKind::All);
                    if want_bool && t != Type::Bool {
                        self.err(
                            ctx,
                            &args[1].span,
                            Code::TypeMismatch,
                            format!("{name}() needs a condition, found {}", t.describe(&names)),
                        );
                        return None;
                    }
                    if !want_bool && !t.is_numeric() {
                        self.err(
                            ctx,
                            &args[1].span,
                            Code::TypeMismatch,
                            format!(
                                "{name}() needs numbers or money, found {}",
                                t.describe(&names)
                            ),
                        );
                        return None;
                    }
                    let out = match kind {
                        AggKind::Count => Type::Number(None),
                        AggKind::Any | AggKind::All => Type::Bool,
                        _ => t,
                    };
                    (Some(Box::new(n)), out)
                }
            };
            if matches!(kind, AggKind::Min | AggKind::Max)
                && self
                    .entities
                    .get(ctx_entity(ctx))
                    .is_some_and(|en| en.collections[coll].min == 0)
            {
                self.err_help(
                    ctx,
                    &e.span,
                    Code::WrongArguments,
                    format!(
                        "{name}() over `{}` could have no members",
                        self.entities[ctx_entity(ctx)].collections[coll].name
                    ),
                    "give the collection `min = 1`",
                );
                return None;
            }
            return Some((Node::Agg(kind, coll, body), ty));
        }
        let arity = |c: &mut Self, ctx: &Ctx<'_>, n: usize| -> bool {
            if args.len() != n {
                c.err(
                    ctx,
                    &e.span,
                    Code::WrongArguments,
                    format!(
                        "{name}() takes {n} argument{}, found {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                );
                false
            } else {
                true
            }
        };
        match name {
            "min" | "max" => {
                if args.len() < 2 {
                    self.err(
                        ctx,
                        &e.span,
                        Code::WrongArguments,
                        format!("{name}() takes at least 2 values (or a collection and a value)"),
                    );
                    return None;
                }
                let mut nodes = Vec::new();
                let mut ty: Option<Type> = None;
                for a in args {
                    let (n, t) = self.expr(a, ctx)?;
                    let names = self.enum_names();
                    if !t.is_numeric() {
                        self.err(
                            ctx,
                            &a.span,
                            Code::TypeMismatch,
                            format!(
                                "{name}() needs numbers or money, found {}",
                                t.describe(&names)
                            ),
                        );
                        return None;
                    }
                    ty = match ty {
                        None => Some(t),
                        Some(prev) => match unify(&prev, &t) {
                            Some(u) => Some(u),
                            None => {
                                self.err(
                                    ctx,
                                    &a.span,
                                    Code::TypeMismatch,
                                    format!(
                                        "{name}() mixes {} and {}",
                                        prev.describe(&names),
                                        t.describe(&names)
                                    ),
                                );
                                return None;
                            }
                        },
                    };
                    nodes.push(n);
                }
                let node = if name == "min" {
                    Node::Min(nodes)
                } else {
                    Node::Max(nodes)
                };
                Some((node, ty?))
            }
            "round_up" | "round_down" | "round_half_up" | "round_half_even" => {
                if !arity(self, ctx, 2) {
                    return None;
                }
                let (n, t) = self.expr(&args[0], ctx)?;
                if !t.is_numeric() {
                    self.err(
                        ctx,
                        &args[0].span,
                        Code::TypeMismatch,
                        format!("{name}() rounds numbers or money"),
                    );
                    return None;
                }
                let unit = match args[1].kind {
                    ExprKind::Number(u) | ExprKind::Money(u) if u > Decimal::ZERO => u,
                    _ => {
                        self.err_help(
                            ctx,
                            &args[1].span,
                            Code::WrongArguments,
                            format!("the unit of {name}() must be a positive number"),
                            "for example round_up(x, 1) or round_half_up(x, 0.01)",
                        );
                        return None;
                    }
                };
                let mode = match name {
                    "round_up" => RoundingMode::Up,
                    "round_down" => RoundingMode::Down,
                    "round_half_up" => RoundingMode::HalfUp,
                    _ => RoundingMode::HalfEven,
                };
                Some((Node::Round(mode, unit, Box::new(n)), t))
            }
            "age" => {
                if !arity(self, ctx, 1) {
                    return None;
                }
                let n = self.expect(&args[0], ctx, &Type::Date)?;
                Some((Node::Age(Box::new(n)), Type::Number(Some("years".into()))))
            }
            "date" => {
                if !arity(self, ctx, 1) {
                    return None;
                }
                match &args[0].kind {
                    ExprKind::Str(s) => match crate::date::Date::parse(s) {
                        Some(d) => Some((Node::Const(Value::Date(d)), Type::Date)),
                        None => {
                            self.err(
                                ctx,
                                &args[0].span,
                                Code::InvalidValue,
                                format!("\"{s}\" is not a date (YYYY-MM-DD)"),
                            );
                            None
                        }
                    },
                    _ => {
                        self.err(
                            ctx,
                            &args[0].span,
                            Code::WrongArguments,
                            "date() takes a string such as \"2023-01-01\"".into(),
                        );
                        None
                    }
                }
            }
            _ => {
                let Some(&t) = self.table_index.get(name) else {
                    self.err_help(ctx, name_span, Code::UnknownName, format!("`{name}` is neither a function nor a table"), "functions: min, max, sum, count, any, all, age, date, round_up, round_down, round_half_up, round_half_even");
                    return None;
                };
                if !arity(self, ctx, 1) {
                    return None;
                }
                let (key, kt) = self.expr(&args[0], ctx)?;
                let want = self.table_key_types.get(t).cloned().flatten();
                let out = self.table_types.get(t).cloned().flatten();
                let (Some(want), Some(out)) = (want, out) else {
                    return None;
                };
                if unify(&kt, &want).is_none() {
                    let names = self.enum_names();
                    self.err(
                        ctx,
                        &args[0].span,
                        Code::TypeMismatch,
                        format!(
                            "table `{name}` is keyed by {}, found {}",
                            want.describe(&names),
                            kt.describe(&names)
                        ),
                    );
                    return None;
                }
                let deps = self.table_deps.get(t).cloned().unwrap_or_default();
                if let Some(d) = self.deps.last_mut() {
                    d.params.extend(deps);
                }
                Some((Node::Table(t, Box::new(key)), out))
            }
        }
    }

    /// Compiles a template: literal text with `{name}` placeholders.
    pub(crate) fn template(
        &mut self,
        text: &str,
        file: usize,
        span: Range<usize>,
        entity: usize,
        program: usize,
    ) -> Vec<TemplatePart> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut lit = String::new();
        while let Some(open) = rest.find(['{', '}']) {
            lit.push_str(rest.get(..open).unwrap_or(""));
            let after = rest.get(open..).unwrap_or("");
            if after.starts_with("{{") || after.starts_with("}}") {
                lit.push_str(after.get(..1).unwrap_or(""));
                rest = after.get(2..).unwrap_or("");
                continue;
            }
            if after.starts_with('}') {
                self.diags.help(
                    file,
                    span.clone(),
                    Code::ExpressionSyntax,
                    "a `}` in a template has no `{`",
                    "write `}}` for a literal brace",
                );
                return parts;
            }
            let Some(close) = after.find('}') else {
                self.diags.help(
                    file,
                    span.clone(),
                    Code::ExpressionSyntax,
                    "a `{` in a template is not closed",
                    "write `{{` for a literal brace",
                );
                return parts;
            };
            let name = after.get(1..close).unwrap_or("").trim();
            if !lit.is_empty() {
                parts.push(TemplatePart::Lit(std::mem::take(&mut lit)));
            }
            // Where the placeholder is, when the span holds the text as written.
            let at = text.len() - after.len();
            let place = if span.len() == text.len() {
                span.start + at + 1..span.start + at + close
            } else {
                span.clone()
            };
            match self.reference(name, entity, program) {
                Some(r) => parts.push(TemplatePart::Ref(r)),
                None => self.diags.help(
                    file,
                    place,
                    Code::UnknownName,
                    format!("the template names `{name}`, which is not defined here"),
                    "use a parameter, an input or a value of the program",
                ),
            }
            rest = after.get(close + 1..).unwrap_or("");
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(TemplatePart::Lit(lit));
        }
        parts
    }

    /// Resolves a name for display (templates and traces), without recording
    /// dependencies.
    fn reference(&mut self, name: &str, entity: usize, program: usize) -> Option<Ref> {
        let path: Vec<&str> = name.split('.').collect();
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
        })
    }

    /// The names a condition's test reads (outside aggregations), for the trace.
    pub(crate) fn condition_refs(&mut self, test: &str, entity: usize, program: usize) -> Vec<Ref> {
        let Ok(e) = formula::parse(test) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        collect_names(&e, &mut names);
        let mut out: Vec<Ref> = Vec::new();
        for n in names {
            if out.iter().any(|r| *r.name == *n) {
                continue;
            }
            if let Some(r) = self.reference(&n, entity, program) {
                out.push(r);
            }
        }
        out
    }
}

fn ctx_entity(ctx: &Ctx<'_>) -> usize {
    match ctx.scope {
        Scope::Entity { entity, .. } => entity,
        Scope::Params => 0,
    }
}

fn collect_names(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(p) => out.push(p.join(".")),
        ExprKind::Unary(_, a) => collect_names(a, out),
        ExprKind::Binary(_, a, b) => {
            collect_names(a, out);
            collect_names(b, out);
        }
        ExprKind::If(a, b, c) => {
            collect_names(a, out);
            collect_names(b, out);
            collect_names(c, out);
        }
        ExprKind::In(a, items) => {
            collect_names(a, out);
            items.iter().for_each(|i| collect_names(i, out));
        }
        ExprKind::Call(name, _, args) => {
            if matches!(
                name.as_str(),
                "sum" | "count" | "any" | "all" | "min" | "max"
            ) && args
                .first()
                .is_some_and(|a| matches!(a.kind, ExprKind::Name(_)))
                && args.len() <= 2
            {
                // Aggregations read member fields: not shown individually.
                if !matches!(name.as_str(), "min" | "max") {
                    return;
                }
            }
            args.iter().for_each(|a| collect_names(a, out));
        }
        _ => {}
    }
}

/// Structural equality of expressions, ignoring spans.
fn same(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Number(x), ExprKind::Number(y)) | (ExprKind::Money(x), ExprKind::Money(y)) => {
            x == y
        }
        (ExprKind::Str(x), ExprKind::Str(y)) => x == y,
        (ExprKind::Bool(x), ExprKind::Bool(y)) => x == y,
        (ExprKind::Name(x), ExprKind::Name(y)) => x == y,
        (ExprKind::Unary(o1, x), ExprKind::Unary(o2, y)) => o1 == o2 && same(x, y),
        (ExprKind::Binary(o1, x1, y1), ExprKind::Binary(o2, x2, y2)) => {
            o1 == o2 && same(x1, x2) && same(y1, y2)
        }
        (ExprKind::If(a1, b1, c1), ExprKind::If(a2, b2, c2)) => {
            same(a1, a2) && same(b1, b2) && same(c1, c2)
        }
        (ExprKind::Call(f1, _, x), ExprKind::Call(f2, _, y)) => {
            f1 == f2 && x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (ExprKind::In(x1, y1), ExprKind::In(x2, y2)) => {
            same(x1, x2) && y1.len() == y2.len() && y1.iter().zip(y2).all(|(p, q)| same(p, q))
        }
        _ => false,
    }
}

/// The common type of two values, if they combine.
pub(crate) fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Number(x), Type::Number(y)) => match (x, y) {
            (None, other) | (other, None) => Some(Type::Number(other.clone())),
            (Some(u), Some(v)) if u == v => Some(Type::Number(Some(u.clone()))),
            _ => None,
        },
        _ if a == b => Some(a.clone()),
        _ => None,
    }
}

fn merge_deps(into: &mut Deps, from: Deps) {
    into.params.extend(from.params);
    into.computeds.extend(from.computeds);
    into.inputs.extend(from.inputs);
    into.member_inputs.extend(from.member_inputs);
    into.member_computeds.extend(from.member_computeds);
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
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
