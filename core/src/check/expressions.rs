//! Expressions: operators, functions and their types. Divisions must have
//! a divisor that is provably non-zero: a positive literal, parameter or
//! bounded input, a count of a collection with a minimum of one, or an
//! expression guarded by `if divisor > 0 then … else …`.

use super::compiler::*;
use super::formulas::*;
use crate::diagnostic::Code;
use crate::money::RoundingMode;
use crate::plan::*;
use crate::syntax::formula::{BinOp, Expr, ExprKind, UnOp};
use crate::value::{Type, Value};
use rust_decimal::Decimal;
use std::ops::Range;

impl Compiler<'_, '_> {
    pub(super) fn expr<'e>(&mut self, e: &'e Expr, ctx: &mut Ctx<'e>) -> Option<(Node, Type)> {
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

    pub(super) fn expect<'e>(
        &mut self,
        e: &'e Expr,
        ctx: &mut Ctx<'e>,
        want: &Type,
    ) -> Option<Node> {
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
    pub(super) fn operand_like<'e>(
        &mut self,
        e: &'e Expr,
        ty: &Type,
        ctx: &mut Ctx<'e>,
    ) -> Option<Node> {
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

    pub(super) fn binary<'e>(
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
    pub(super) fn guarded(&self, d: &Expr, ctx: &Ctx<'_>) -> bool {
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
    pub(super) fn positive(&self, e: &Expr, ctx: &Ctx<'_>) -> bool {
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

    pub(super) fn call<'e>(
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
            "year" | "month" | "day" => {
                if !arity(self, ctx, 1) {
                    return None;
                }
                let n = self.expect(&args[0], ctx, &Type::Date)?;
                let part = match name {
                    "year" => DatePart::Year,
                    "month" => DatePart::Month,
                    _ => DatePart::Day,
                };
                Some((Node::DatePart(part, Box::new(n)), Type::Number(None)))
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
                    self.err_help(ctx, name_span, Code::UnknownName, format!("`{name}` is neither a function nor a table"), "functions: min, max, sum, count, any, all, age, year, month, day, date, round_up, round_down, round_half_up, round_half_even");
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
}

/// Structural equality of expressions, ignoring spans.
pub(super) fn same(a: &Expr, b: &Expr) -> bool {
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
