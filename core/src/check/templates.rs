//! Explanation templates and the values a condition compares.

use super::compiler::*;
use super::formulas::Ctx;
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax::formula::{self as formula, Expr, ExprKind};
use std::ops::Range;

impl Compiler<'_, '_> {
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
                None => {
                    let ctx = Ctx {
                        file,
                        offset: 0,
                        scope: Scope::Entity {
                            entity,
                            program: Some(program),
                        },
                        member: None,
                        facts: Vec::new(),
                    };
                    let help = match self.suggest(name, &ctx) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "use a parameter, an input or a value of the program".to_string(),
                    };
                    self.diags.help(
                        file,
                        place,
                        Code::UnknownName,
                        format!("the template names `{name}`, which is not defined here"),
                        help,
                    );
                }
            }
            rest = after.get(close + 1..).unwrap_or("");
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(TemplatePart::Lit(lit));
        }
        parts
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

pub(super) fn collect_names(e: &Expr, out: &mut Vec<String>) {
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
