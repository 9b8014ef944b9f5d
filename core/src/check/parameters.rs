//! Parameters: versions, dates, statuses, citations, derived values and
//! their cycles.

use super::compiler::*;
use super::declarations::*;
use super::values::*;
use super::{note_of, string_offset, text_of, type_of_name, Diags, Item, Merged};
use crate::date::Date;
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax;
use crate::value::{Type, Value};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

pub(super) fn version_from(v: &syntax::ParamVersion) -> Option<Date> {
    plain_date(v.from.get_ref())
}

impl Compiler<'_, '_> {
    pub(super) fn citation(
        &mut self,
        cit: Option<&Spanned<syntax::Citation>>,
        file: usize,
        span: Range<usize>,
        sources: &HashMap<String, (usize, &Spanned<syntax::SourceDecl>)>,
        need_note: bool,
        assumption: bool,
    ) -> Citation {
        let Some(cit) = cit else {
            self.diags.help(file, span, Code::MissingSource, "this version has no source", "add `source = { ref = \"…\", quote = \"…\" }` or an inline `document` with a `note`");
            return Citation::default();
        };
        let c = cit.get_ref();
        let mut out = Citation {
            source_id: None,
            document: c.document.clone().unwrap_or_default().into(),
            date: None,
            quote: c.quote.as_deref().map(Into::into),
            note: c
                .note
                .as_ref()
                .map(|n| note_of(n, file, "the source's note", self.diags)),
        };
        let mut unknown_ref = false;
        if let Some(r) = &c.reference {
            match sources.get(r.get_ref()) {
                Some((sfile, s)) => {
                    let sd = s.get_ref();
                    out.source_id = Some(r.get_ref().as_str().into());
                    out.document = sd.title.as_str().into();
                    out.date = sd
                        .date
                        .as_ref()
                        .and_then(|d| date_value(d, *sfile, "the source's date", self.diags));
                }
                None => {
                    unknown_ref = true;
                    let help = match super::recovery::closest(
                        r.get_ref(),
                        sources.keys().map(String::as_str),
                    ) {
                        Some(id) => format!("did you mean `{id}`?"),
                        None => {
                            let mut ids: Vec<&str> = sources.keys().map(String::as_str).collect();
                            ids.sort_unstable();
                            if ids.is_empty() {
                                "declare it under [sources] with the document's title".to_string()
                            } else {
                                format!("the sources are: {}", ids.join(", "))
                            }
                        }
                    };
                    self.diags.help(
                        file,
                        r.span(),
                        Code::UnknownReference,
                        format!("source `{}` is not in [sources]", r.get_ref()),
                        help,
                    );
                }
            }
        } else if let Some(d) = &c.date {
            out.date = date_value(d, file, "the document's date", self.diags);
        }
        // An assumption that no document states cites none: it says so
        // ("no published source") and gives its reasoning in the note.
        if out.document.is_empty() && !unknown_ref && !(assumption && out.note.is_some()) {
            self.diags.help(
                file,
                cit.span(),
                Code::MissingSource,
                "the source names no document",
                "add `ref = \"<source id>\"` or `document = \"…\"`",
            );
        }
        if out.quote.is_none() && out.note.is_none() {
            self.diags.help(
                file,
                cit.span(),
                Code::MissingSource,
                "the source has neither a quote nor a note",
                "quote the words of the document, or say in a note where the figure comes from",
            );
        }
        if need_note && out.note.as_ref().is_none_or(|n| n.en.is_empty()) {
            self.diags.help(
                file,
                cit.span(),
                Code::InvalidStatus,
                "an assumption needs a note giving its reason",
                "add `note = { zh = \"…\", en = \"…\" }` to the source",
            );
        }
        out
    }

    pub(super) fn param_plan(
        &mut self,
        p: &Item<syntax::ParameterDecl>,
        sources: &HashMap<String, (usize, &Spanned<syntax::SourceDecl>)>,
    ) -> ParamPlan {
        let d = p.decl.get_ref();
        check_labels(
            d.label.as_ref(),
            p.file,
            p.name_span.clone(),
            &format!("parameter `{}`", p.name),
            self.diags,
        );
        let (ty, integer) = match type_of_name(d.ty.get_ref(), d.unit.as_deref()) {
            Some(t) => t,
            None => {
                self.diags.help(
                    p.file,
                    d.ty.span(),
                    Code::InvalidValue,
                    format!("`{}` is not a parameter type", d.ty.get_ref()),
                    "use money, number, integer, bool or date",
                );
                (Type::Money, false)
            }
        };
        if d.history.is_empty() {
            self.diags.push(
                p.file,
                p.name_span.clone(),
                Code::InvalidDateRange,
                format!("parameter `{}` has no history", p.name),
            );
        }
        let (min, max) = self.param_range(p, &ty, integer);
        let mut versions: Vec<ParamVersion> = Vec::new();
        for v in &d.history {
            let vd = v.get_ref();
            let from = date_value(&vd.from, p.file, "`from`", self.diags);
            let until = vd
                .until
                .as_ref()
                .and_then(|u| date_value(u, p.file, "`until`", self.diags));
            if let (Some(f), Some(u)) = (from, until) {
                if u < f {
                    self.diags.push(
                        p.file,
                        vd.until.as_ref().map_or(v.span(), |u| u.span()),
                        Code::InvalidDateRange,
                        format!(
                            "this version of `{}` ends on {u}, before it starts on {f}",
                            p.name
                        ),
                    );
                }
            }
            let status = match vd.status.get_ref().as_str() {
                "published" => Status::Published,
                "derived" => Status::Derived,
                "assumption" => Status::Assumption,
                other => {
                    self.diags.help(
                        p.file,
                        vd.status.span(),
                        Code::InvalidStatus,
                        format!("`{other}` is not a status"),
                        "use published, derived or assumption",
                    );
                    // Read on as published, so that no second error follows from this one.
                    Status::Published
                }
            };
            let from_assumed = match vd.date_status.as_ref().map(|s| (s, s.get_ref().as_str())) {
                None | Some((_, "published")) => false,
                Some((_, "assumption")) => true,
                Some((s, other)) => {
                    self.diags.help(
                        p.file,
                        s.span(),
                        Code::InvalidStatus,
                        format!("`{other}` is not a date status"),
                        "use date_status = \"published\" (the default) or \"assumption\"",
                    );
                    false
                }
            };
            let citation = self.citation(
                vd.source.as_ref(),
                p.file,
                v.span(),
                sources,
                status == Status::Assumption || from_assumed,
                status == Status::Assumption,
            );
            let rule = match (status, &vd.value, &vd.formula) {
                (Status::Derived, None, Some(f)) => {
                    ParamRule::Derived(Node::Const(Value::Missing), f.get_ref().as_str().into())
                }
                (Status::Derived, _, _) => {
                    self.diags.help(
                        p.file,
                        vd.status.span(),
                        Code::InvalidStatus,
                        "a derived version needs a `formula` and no `value`",
                        "write the formula over other parameters",
                    );
                    ParamRule::Fixed(Value::Missing)
                }
                (_, Some(val), None) => ParamRule::Fixed(
                    typed_value(
                        val,
                        &ty,
                        integer,
                        &self.enums,
                        p.file,
                        "the value",
                        self.diags,
                    )
                    .unwrap_or(Value::Missing),
                ),
                _ => {
                    self.diags.help(
                        p.file,
                        vd.status.span(),
                        Code::InvalidStatus,
                        format!(
                            "a {} version needs a `value` and no `formula`",
                            status.name()
                        ),
                        "use status = \"derived\" for formulas",
                    );
                    ParamRule::Fixed(Value::Missing)
                }
            };
            if let (ParamRule::Fixed(value), Some(span)) =
                (&rule, vd.value.as_ref().map(Spanned::span))
            {
                let probe = ParamPlan {
                    name: p.name.as_str().into(),
                    ty: ty.clone(),
                    unit: None,
                    label: Text::default(),
                    versions: Vec::new(),
                    deps: Vec::new(),
                    integer,
                    min,
                    max,
                };
                if let Some(problem) = probe.misfit(*value) {
                    self.diags.help(
                        p.file,
                        span,
                        Code::InvalidValue,
                        problem,
                        "money is whole fen, at least 0 unless the parameter declares a lower `min`",
                    );
                }
            }
            if let Some(f) = from {
                versions.push(ParamVersion {
                    from: f,
                    until,
                    rule,
                    status,
                    from_assumed,
                    citation,
                });
            }
        }
        // Versions must not overlap (in file order, each must start after the previous ends).
        let mut sorted: Vec<(usize, &ParamVersion)> = versions.iter().enumerate().collect();
        sorted.sort_by_key(|(_, v)| v.from);
        for pair in sorted.windows(2) {
            let (a, b) = (pair[0].1, pair[1].1);
            let overlaps = a.from == b.from || a.until.is_some_and(|u| u >= b.from);
            if overlaps {
                let span = d
                    .history
                    .get(pair[1].0)
                    .map_or(p.name_span.clone(), |v| v.get_ref().from.span());
                self.diags.help(
                    p.file,
                    span,
                    Code::EffectiveDateOverlap,
                    format!("two versions of `{}` are in force on {}", p.name, b.from),
                    "end the earlier version (`until`) before the later one starts",
                );
            }
        }
        versions.sort_by_key(|v| v.from);
        ParamPlan {
            name: p.name.as_str().into(),
            ty,
            unit: d.unit.as_deref().map(Into::into),
            label: text_of(d.label.as_ref(), &p.name),
            versions,
            deps: Vec::new(),
            integer,
            min,
            max,
        }
    }

    /// The parameter's range: its `min` and `max` (money: `min` 0 when not
    /// declared), each checked; `min` above `max` is refused.
    fn param_range(
        &mut self,
        p: &Item<syntax::ParameterDecl>,
        ty: &Type,
        integer: bool,
    ) -> (Option<Value>, Option<Value>) {
        let d = p.decl.get_ref();
        let mut bound = |v: &Option<Spanned<toml::Value>>, what: &str| {
            let v = v.as_ref()?;
            if !ty.is_numeric() {
                self.diags.help(
                    p.file,
                    v.span(),
                    Code::InvalidValue,
                    format!("`{what}` is only for money and numbers"),
                    format!("remove `{what}`"),
                );
                return None;
            }
            let value = typed_value(
                v,
                ty,
                integer,
                &self.enums,
                p.file,
                &format!("`{what}`"),
                self.diags,
            )?;
            if let (Type::Money, Value::Num(x)) = (ty, value) {
                if x.normalize().scale() > 2 {
                    self.diags.push(
                        p.file,
                        v.span(),
                        Code::InvalidValue,
                        format!("`{what}` {x} has a fraction of a fen"),
                    );
                }
            }
            Some(value)
        };
        let min = bound(&d.min, "min");
        let max = bound(&d.max, "max");
        if let (Some(Value::Num(lo)), Some(Value::Num(hi)), Some(span)) =
            (min, max, d.max.as_ref().map(Spanned::span))
        {
            if lo > hi {
                self.diags.push(
                    p.file,
                    span,
                    Code::InvalidValue,
                    format!("`max` {hi} is below `min` {lo}"),
                );
            }
        }
        let min = match (min, ty) {
            (None, Type::Money) => Some(Value::Num(rust_decimal::Decimal::ZERO)),
            (m, _) => m,
        };
        (min, max)
    }

    pub(super) fn compile_derived(&mut self, merged: &Merged) {
        for (pi, p) in merged.parameters.iter().enumerate() {
            let d = p.decl.get_ref();
            let mut all_deps = Vec::new();
            let mut sorted: Vec<&Spanned<syntax::ParamVersion>> = d.history.iter().collect();
            sorted.sort_by_key(|v| version_from(v.get_ref()));
            let mut vi = 0;
            for v in sorted {
                let vd = v.get_ref();
                if version_from(vd).is_none() {
                    continue;
                }
                if let (Some(f), true) = (
                    &vd.formula,
                    vd.status.get_ref() == "derived" && vd.value.is_none(),
                ) {
                    let offset = string_offset(self.diags.text(p.file), &f.span());
                    self.deps.push(Deps::default());
                    let compiled = self.compile_formula(f.get_ref(), offset, p.file, Scope::Params);
                    let deps = self.deps.pop().unwrap_or_default();
                    if let Some((node, ty)) = compiled {
                        let want = self.params[pi].ty.clone();
                        if !types_fit(&ty, &want) {
                            let names: Vec<String> =
                                self.enums.iter().map(|e| e.name.clone()).collect();
                            self.diags.push(
                                p.file,
                                f.span(),
                                Code::TypeMismatch,
                                format!(
                                    "the formula gives {} but `{}` is {}",
                                    ty.describe(&names),
                                    p.name,
                                    want.describe(&names)
                                ),
                            );
                        }
                        if let Some(ver) = self.params[pi].versions.get_mut(vi) {
                            ver.rule = ParamRule::Derived(node, f.get_ref().as_str().into());
                        }
                    }
                    all_deps.extend(deps.params);
                }
                vi += 1;
            }
            all_deps.sort_unstable();
            all_deps.dedup();
            self.params[pi].deps = all_deps;
        }
    }

    pub(super) fn check_param_cycles(&mut self, merged: &Merged) {
        let n = self.params.len();
        let mut state = vec![0u8; n];
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            // Iterative DFS with an explicit stack.
            let mut stack = vec![(start, 0usize)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let deps = &self.params[node].deps;
                if *next < deps.len() {
                    let dep = deps[*next];
                    *next += 1;
                    match state.get(dep) {
                        Some(0) => {
                            state[dep] = 1;
                            stack.push((dep, 0));
                        }
                        Some(1) => {
                            let cycle: Vec<String> = stack
                                .iter()
                                .map(|(i, _)| self.params[*i].name.to_string())
                                .skip_while(|name| **name != *self.params[dep].name)
                                .collect();
                            let item = &merged.parameters[dep];
                            self.diags.help(
                                item.file,
                                item.name_span.clone(),
                                Code::DependencyCycle,
                                format!(
                                    "parameters depend on each other in a cycle: {} → {}",
                                    cycle.join(" → "),
                                    self.params[dep].name
                                ),
                                "break the cycle: one of them must be a published value",
                            );
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
    }
}

pub(super) fn check_version_dates(
    versions: &[SrcVersion],
    file: usize,
    name: &str,
    diags: &mut Diags<'_>,
) {
    let mut sorted: Vec<&SrcVersion> = versions.iter().collect();
    sorted.sort_by_key(|v| v.from);
    for v in &sorted {
        if let (Some(f), Some(u)) = (v.from, v.until) {
            if u < f {
                diags.push(
                    file,
                    v.span.clone(),
                    Code::InvalidDateRange,
                    format!("a formula of `{name}` ends on {u}, before it starts on {f}"),
                );
            }
        }
    }
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let overlaps = a.from == b.from || a.until.is_none_or(|u| b.from.is_some_and(|bf| u >= bf));
        // Without `until`, a version runs until the next one starts: not an overlap.
        let overlaps = overlaps && (a.from == b.from || a.until.is_some());
        if overlaps {
            diags.help(
                file,
                b.span.clone(),
                Code::EffectiveDateOverlap,
                format!("two formulas of `{name}` are in force on the same day"),
                "end the earlier formula (`until`) before the later one starts",
            );
        }
    }
}
