//! Declarations: enums, sources, entities, parameters, tables, programs.
//!
//! This pass turns merged declarations into plan structures, checking what
//! can be checked without formulas (types, ranges, dates, statuses, sources,
//! labels) and allocating a frame slot for every input and computed value.

use super::formulas::{Deps, Scope};
use super::{
    index_of, string_offset, text_of, type_of_name, Diags, Item, Merged, Override, MAX_ITEMS,
};
use crate::date::Date;
use crate::diagnostic::Code;
use crate::money::{self, RoundingMode};
use crate::plan::*;
use crate::syntax;
use crate::value::{Type, Value};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// Where an unqualified name in an entity's scope points.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    Input(usize),
    Computed(usize),
    Collection(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Todo,
    InProgress,
    Done,
    Failed,
}

pub(crate) struct SrcVersion {
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub text: String,
    pub offset: usize,
    pub span: Range<usize>,
}

pub(crate) struct ComputedSrc {
    pub file: usize,
    pub span: Range<usize>,
    pub versions: Vec<SrcVersion>,
    pub rounding: Option<(RoundingMode, Decimal)>,
}

pub(crate) struct Compiler<'d, 's> {
    pub diags: &'d mut Diags<'s>,
    pub enums: Vec<EnumPlan>,
    pub enum_index: HashMap<String, usize>,
    pub params: Vec<ParamPlan>,
    pub param_index: HashMap<String, usize>,
    pub tables: Vec<TablePlan>,
    pub table_index: HashMap<String, usize>,
    pub table_types: Vec<Option<Type>>,
    pub table_key_types: Vec<Option<Type>>,
    pub table_deps: Vec<Vec<usize>>,
    pub entities: Vec<EntityPlan>,
    pub entity_index: HashMap<String, usize>,
    pub entity_names: Vec<HashMap<String, Target>>,
    pub programs: Vec<ProgramPlan>,
    pub program_index: HashMap<String, usize>,
    pub program_values: Vec<HashMap<String, usize>>,
    /// Programs whose entity is unknown: their formulas are not checked.
    pub program_broken: Vec<bool>,
    pub computeds: Vec<Computed>,
    pub computed_state: Vec<State>,
    pub computed_src: Vec<ComputedSrc>,
    pub deps: Vec<Deps>,
    pub chain_depth: usize,
}

/// Reads a date written as a TOML date or a `YYYY-MM-DD` string.
pub(crate) fn date_value(
    v: &Spanned<toml::Value>,
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Option<Date> {
    let parsed = match v.get_ref() {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
            .date
            .and_then(|d| Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day))),
        toml::Value::String(s) => Date::parse(s),
        _ => None,
    };
    if parsed.is_none() {
        diags.help(
            file,
            v.span(),
            Code::InvalidValue,
            format!("{what} must be a date such as 2023-01-01"),
            "write a TOML date without time, between 1800 and 2200",
        );
    }
    parsed
}

/// Reads a decimal written as a string or a TOML integer; reports floats.
pub(crate) fn decimal_value(
    v: &Spanned<toml::Value>,
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Option<Decimal> {
    match v.get_ref() {
        toml::Value::String(s) => {
            let d = money::parse_decimal(s);
            if d.is_none() {
                diags.push(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} `{s}` is not a decimal number"),
                );
            }
            d
        }
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) => {
            diags.help(
                file,
                v.span(),
                Code::FloatLiteral,
                format!(
                    "{what} is written as the TOML float {f}, which is binary before it is read"
                ),
                format!("write it as a string: \"{f}\""),
            );
            None
        }
        _ => {
            diags.push(
                file,
                v.span(),
                Code::InvalidValue,
                format!("{what} must be a number written as a string"),
            );
            None
        }
    }
}

/// Reads a typed value (parameter value, input bound or default).
pub(crate) fn typed_value(
    v: &Spanned<toml::Value>,
    ty: &Type,
    integer: bool,
    enums: &[EnumPlan],
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Option<Value> {
    match ty {
        Type::Money | Type::Number(_) => {
            let d = decimal_value(v, file, what, diags)?;
            if integer && !d.fract().is_zero() {
                diags.push(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} must be a whole number"),
                );
                return None;
            }
            Some(Value::Num(d))
        }
        Type::Bool => match v.get_ref() {
            toml::Value::Boolean(b) => Some(Value::Bool(*b)),
            _ => {
                diags.push(
                    file,
                    v.span(),
                    Code::InvalidValue,
                    format!("{what} must be true or false"),
                );
                None
            }
        },
        Type::Date => date_value(v, file, what, diags).map(Value::Date),
        Type::Enum(e) => {
            let variants = enums.get(*e).map(|e| e.variants.as_slice()).unwrap_or(&[]);
            match v.get_ref() {
                toml::Value::String(s) => match variants.iter().position(|(id, _)| id == s) {
                    Some(i) => Some(Value::Enum(i as u32)),
                    None => {
                        diags.push(
                            file,
                            v.span(),
                            Code::InvalidValue,
                            format!("{what} `{s}` is not a choice of the enum"),
                        );
                        None
                    }
                },
                _ => {
                    diags.push(
                        file,
                        v.span(),
                        Code::InvalidValue,
                        format!("{what} must name an enum choice"),
                    );
                    None
                }
            }
        }
    }
}

fn check_labels(
    t: Option<&syntax::Text>,
    file: usize,
    span: Range<usize>,
    what: &str,
    diags: &mut Diags<'_>,
) {
    let ok = t.is_some_and(|t| {
        t.zh.as_deref().is_some_and(|s| !s.is_empty())
            && t.en.as_deref().is_some_and(|s| !s.is_empty())
    });
    if !ok {
        diags.help(
            file,
            span,
            Code::MissingLabel,
            format!("{what} needs a label in Chinese and English"),
            "add `label = { zh = \"…\", en = \"…\" }`",
        );
    }
}

/// Applies parameter overrides to the merged declarations.
pub(crate) fn apply_overrides(merged: &mut Merged, overrides: &[Override], diags: &mut Diags<'_>) {
    for o in overrides {
        let Some(item) = merged.parameters.iter_mut().find(|p| p.name == o.name) else {
            diags.list.push(
                crate::diagnostic::Diagnostic::new(
                    Code::UnknownName,
                    format!(
                        "the reform overrides `{}`, which is not a parameter",
                        o.name
                    ),
                )
                .help("use a name listed by `bangfu params`"),
            );
            continue;
        };
        let decl = item.decl.get_mut();
        let value = if let Ok(i) = o.value.parse::<i64>() {
            toml::Value::Integer(i)
        } else if o.value == "true" || o.value == "false" {
            toml::Value::Boolean(o.value == "true")
        } else {
            toml::Value::String(o.value.clone())
        };
        let source = syntax::Citation {
            reference: None,
            document: Some("reform".into()),
            date: None,
            quote: None,
            note: Some(format!("reform: {} set to {}", o.name, o.value)),
        };
        let start = decl
            .history
            .first()
            .map(|v| v.get_ref().from.clone())
            .unwrap_or_else(|| Spanned::new(0..0, toml::Value::String("1900-01-01".into())));
        let from = match o.from {
            Some(d) => Spanned::new(0..0, toml::Value::String(d.to_string())),
            None => start,
        };
        if let Some(cut) = o.from {
            // Keep versions that start before the reform date. Explicit ends
            // after it are cut back; the latest kept version, which ran on
            // until the next one, now ends the day before the reform.
            let until = Spanned::new(
                0..0,
                toml::Value::String(cut.add_days(-1).unwrap_or(cut).to_string()),
            );
            let mut kept: Vec<Spanned<syntax::ParamVersion>> = std::mem::take(&mut decl.history)
                .into_iter()
                .filter(|v| version_from(v.get_ref()).is_some_and(|s| s < cut))
                .collect();
            kept.sort_by_key(|v| version_from(v.get_ref()));
            let last = kept.len().saturating_sub(1);
            for (i, v) in kept.iter_mut().enumerate() {
                let ends = v
                    .get_ref()
                    .until
                    .as_ref()
                    .and_then(|u| plain_date(u.get_ref()));
                if ends.is_some_and(|e| e >= cut) || (i == last && ends.is_none()) {
                    v.get_mut().until = Some(until.clone());
                }
            }
            decl.history = kept;
        } else {
            decl.history.clear();
        }
        decl.history.push(Spanned::new(
            0..0,
            syntax::ParamVersion {
                from,
                until: None,
                value: Some(Spanned::new(0..0, value)),
                formula: None,
                status: Spanned::new(0..0, "assumption".into()),
                source: Some(Spanned::new(0..0, source)),
            },
        ));
    }
}

fn plain_date(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::Datetime(dt) => dt
            .date
            .and_then(|d| Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day))),
        toml::Value::String(s) => Date::parse(s),
        _ => None,
    }
}

fn version_from(v: &syntax::ParamVersion) -> Option<Date> {
    plain_date(v.from.get_ref())
}

/// Compiles merged declarations into a plan.
pub(crate) fn compile(
    header: Option<(usize, Spanned<syntax::RulesetHeader>)>,
    hash: String,
    merged: &mut Merged,
    diags: &mut Diags<'_>,
) -> Option<Plan> {
    let header_plan = match &header {
        Some((hfile, header)) => {
            let h = header.get_ref();
            check_labels(
                h.label.as_ref(),
                *hfile,
                header.span(),
                "the rule set",
                diags,
            );
            Header {
                id: h.id.as_str().into(),
                version: h.version.as_str().into(),
                label: text_of(h.label.as_ref(), &h.id),
                hash: hash.into(),
            }
        }
        // Reported already; check the rest all the same.
        None => Header {
            id: "".into(),
            version: "".into(),
            label: Text::default(),
            hash: hash.into(),
        },
    };
    if merged.parameters.len() + merged.programs.len() * 8 > MAX_ITEMS {
        diags.list.push(crate::diagnostic::Diagnostic::new(
            Code::FileTooLarge,
            format!("the rule set defines more than {MAX_ITEMS} items"),
        ));
        return None;
    }
    let mut c = Compiler {
        diags,
        enums: Vec::new(),
        enum_index: index_of(&merged.enums),
        params: Vec::new(),
        param_index: index_of(&merged.parameters),
        tables: Vec::new(),
        table_index: index_of(&merged.tables),
        table_types: Vec::new(),
        table_key_types: Vec::new(),
        table_deps: Vec::new(),
        entities: Vec::new(),
        entity_index: index_of(&merged.entities),
        entity_names: Vec::new(),
        programs: Vec::new(),
        program_index: index_of(&merged.programs),
        program_values: Vec::new(),
        program_broken: Vec::new(),
        computeds: Vec::new(),
        computed_state: Vec::new(),
        computed_src: Vec::new(),
        deps: Vec::new(),
        chain_depth: 0,
    };
    c.enums = merged.enums.iter().map(|e| c.enum_plan(e)).collect();
    let sources: HashMap<String, (usize, &Spanned<syntax::SourceDecl>)> = merged
        .sources
        .iter()
        .map(|s| (s.name.clone(), (s.file, &s.decl)))
        .collect();
    c.check_name_clashes(merged);
    for e in &merged.entities {
        let plan = c.entity_plan(e);
        c.entities.push(plan);
    }
    c.link_collections(merged);
    for p in &merged.parameters {
        let plan = c.param_plan(p, &sources);
        c.params.push(plan);
    }
    c.compile_derived(merged);
    c.check_param_cycles(merged);
    for t in &merged.tables {
        c.table_plan(t);
    }
    c.declare_computeds(merged, &sources);
    for id in 0..c.computeds.len() {
        c.computed_type(id);
    }
    c.finish_programs(merged);
    if !c.diags.list.is_empty() {
        return None;
    }
    let mut plan = Plan {
        header: header_plan,
        enums: c.enums,
        params: c.params,
        tables: c.tables,
        entities: c.entities,
        computeds: c.computeds,
        programs: c.programs,
        segments: Vec::new(),
        units: merged
            .units
            .iter()
            .map(|(u, t)| (u.clone(), super::text_of(Some(t), u)))
            .collect(),
    };
    super::segments::build(&mut plan, c.diags);
    Some(plan)
}

impl Compiler<'_, '_> {
    fn enum_plan(&mut self, e: &Item<syntax::EnumDecl>) -> EnumPlan {
        let d = e.decl.get_ref();
        let mut variants: Vec<(String, Text)> = Vec::new();
        for v in &d.variants {
            let vd = v.get_ref();
            if variants.iter().any(|(id, _)| *id == vd.id) {
                self.diags.push(
                    e.file,
                    v.span(),
                    Code::DuplicateDefinition,
                    format!("enum choice `{}` is listed twice", vd.id),
                );
            }
            if vd.zh.is_none() || vd.en.is_none() {
                self.diags.help(
                    e.file,
                    v.span(),
                    Code::MissingLabel,
                    format!("enum choice `{}` needs `zh` and `en` labels", vd.id),
                    "add zh = \"…\", en = \"…\"",
                );
            }
            let label = syntax::Text {
                zh: vd.zh.clone(),
                en: vd.en.clone(),
            };
            variants.push((vd.id.clone(), text_of(Some(&label), &vd.id)));
        }
        if variants.is_empty() {
            self.diags.push(
                e.file,
                e.name_span.clone(),
                Code::InvalidValue,
                format!("enum `{}` has no choices", e.name),
            );
        }
        EnumPlan {
            name: e.name.clone(),
            label: text_of(d.label.as_ref(), &e.name),
            variants,
        }
    }

    fn check_name_clashes(&mut self, merged: &Merged) {
        for p in &merged.parameters {
            if let Some(t) = merged.tables.iter().find(|t| t.name == p.name) {
                let other = self.diags.path(t.file).to_string();
                self.diags.push(
                    p.file,
                    p.name_span.clone(),
                    Code::DuplicateDefinition,
                    format!(
                        "`{}` names both a parameter and a table (in {other})",
                        p.name
                    ),
                );
            }
            for e in &merged.entities {
                let ed = e.decl.get_ref();
                let names = ed.inputs.keys().chain(ed.values.keys());
                for k in names {
                    if *k.get_ref() == p.name {
                        self.diags.help(
                            e.file,
                            k.span(),
                            Code::DuplicateDefinition,
                            format!(
                                "`{}` of entity `{}` has the name of a parameter",
                                p.name, e.name
                            ),
                            "give inputs and values names that no parameter uses",
                        );
                    }
                }
            }
        }
    }

    fn entity_plan(&mut self, e: &Item<syntax::EntityDecl>) -> EntityPlan {
        let d = e.decl.get_ref();
        check_labels(
            d.label.as_ref(),
            e.file,
            e.name_span.clone(),
            &format!("entity `{}`", e.name),
            self.diags,
        );
        let mut names = HashMap::new();
        let mut inputs = Vec::new();
        for (name, input) in &d.inputs {
            let id = input.get_ref();
            check_labels(
                id.label.as_ref(),
                e.file,
                name.span(),
                &format!("input `{}`", name.get_ref()),
                self.diags,
            );
            let ty = match id.ty.get_ref().as_str() {
                "enum" => match id.enumeration.as_ref() {
                    Some(en) => match self.enum_index.get(en.get_ref()) {
                        Some(&i) => Some((Type::Enum(i), false)),
                        None => {
                            self.diags.push(
                                e.file,
                                en.span(),
                                Code::UnknownReference,
                                format!("enum `{}` is not defined", en.get_ref()),
                            );
                            None
                        }
                    },
                    None => {
                        self.diags.help(
                            e.file,
                            id.ty.span(),
                            Code::UnknownReference,
                            "an enum input needs `enum = \"…\"`",
                            "name one of the [enums]",
                        );
                        None
                    }
                },
                other => {
                    let t = type_of_name(other, id.unit.as_deref());
                    if t.is_none() {
                        self.diags.help(
                            e.file,
                            id.ty.span(),
                            Code::InvalidValue,
                            format!("`{other}` is not a type"),
                            "use money, number, integer, bool, date or enum",
                        );
                    }
                    t
                }
            };
            let (ty, integer) = ty.unwrap_or((Type::Bool, false));
            let what = format!("`{}`", name.get_ref());
            let bound = |v: &Option<Spanned<toml::Value>>, c: &mut Self| {
                v.as_ref()
                    .and_then(|v| typed_value(v, &ty, integer, &c.enums, e.file, &what, c.diags))
            };
            let min = bound(&id.min, self);
            let max = bound(&id.max, self);
            let default = bound(&id.default, self);
            if names
                .insert(name.get_ref().clone(), Target::Input(inputs.len()))
                .is_some()
            {
                self.diags.push(
                    e.file,
                    name.span(),
                    Code::DuplicateDefinition,
                    format!("input `{}` is defined twice", name.get_ref()),
                );
            }
            inputs.push(InputPlan {
                name: name.get_ref().clone(),
                ty,
                integer,
                unit: id.unit.clone(),
                min,
                max,
                not_after_as_of: id.not_after_as_of,
                max_age: id
                    .max_age
                    .as_ref()
                    .map(|m| (*m.get_ref()).clamp(0, 1000) as i32),
                default,
                label: text_of(id.label.as_ref(), name.get_ref()),
                help: text_of(id.help.as_ref(), ""),
            });
        }
        self.entity_names.push(names);
        EntityPlan {
            name: e.name.clone(),
            label: text_of(d.label.as_ref(), &e.name),
            n_slots: inputs.len(),
            inputs,
            collections: Vec::new(),
            value_order: Vec::new(),
            order: Vec::new(),
        }
    }

    fn link_collections(&mut self, merged: &Merged) {
        for (ei, e) in merged.entities.iter().enumerate() {
            for (name, coll) in &e.decl.get_ref().collections {
                let cd = coll.get_ref();
                let Some(&member) = self.entity_index.get(cd.entity.get_ref()) else {
                    self.diags.push(
                        e.file,
                        cd.entity.span(),
                        Code::UnknownReference,
                        format!("entity `{}` is not defined", cd.entity.get_ref()),
                    );
                    continue;
                };
                if member == ei {
                    self.diags.push(
                        e.file,
                        cd.entity.span(),
                        Code::DependencyCycle,
                        "an entity cannot contain itself",
                    );
                    continue;
                }
                let max = cd.max.unwrap_or(100).min(1000);
                if cd.min > max {
                    self.diags.push(
                        e.file,
                        coll.span(),
                        Code::InvalidBand,
                        format!(
                            "collection `{}` has min {} above max {max}",
                            name.get_ref(),
                            cd.min
                        ),
                    );
                }
                let index = self.entities[ei].collections.len();
                if let Some(names) = self.entity_names.get_mut(ei) {
                    if names
                        .insert(name.get_ref().clone(), Target::Collection(index))
                        .is_some()
                    {
                        self.diags.push(
                            e.file,
                            name.span(),
                            Code::DuplicateDefinition,
                            format!("`{}` is already an input", name.get_ref()),
                        );
                    }
                }
                self.entities[ei].collections.push(CollectionPlan {
                    name: name.get_ref().clone(),
                    entity: member,
                    min: cd.min,
                    max,
                    label: text_of(cd.label.as_ref(), name.get_ref()),
                });
            }
        }
    }

    fn citation(
        &mut self,
        cit: Option<&Spanned<syntax::Citation>>,
        file: usize,
        span: Range<usize>,
        sources: &HashMap<String, (usize, &Spanned<syntax::SourceDecl>)>,
        need_note: bool,
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
            note: c.note.as_deref().map(Into::into),
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
                    self.diags.push(
                        file,
                        r.span(),
                        Code::UnknownReference,
                        format!("source `{}` is not in [sources]", r.get_ref()),
                    );
                }
            }
        } else if let Some(d) = &c.date {
            out.date = date_value(d, file, "the document's date", self.diags);
        }
        if out.document.is_empty() && !unknown_ref {
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
        if need_note && out.note.as_deref().is_none_or(str::is_empty) {
            self.diags.help(
                file,
                cit.span(),
                Code::InvalidStatus,
                "an assumption needs a note giving its reason",
                "add `note = \"…\"` to the source",
            );
        }
        out
    }

    fn param_plan(
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
            let citation = self.citation(
                vd.source.as_ref(),
                p.file,
                v.span(),
                sources,
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
            if let Some(f) = from {
                versions.push(ParamVersion {
                    from: f,
                    until,
                    rule,
                    status,
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
        }
    }

    fn compile_derived(&mut self, merged: &Merged) {
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

    fn check_param_cycles(&mut self, merged: &Merged) {
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

    fn declare_computeds(
        &mut self,
        merged: &Merged,
        sources: &HashMap<String, (usize, &Spanned<syntax::SourceDecl>)>,
    ) {
        // Entity-level values first, so that member frames hold them.
        for (ei, e) in merged.entities.iter().enumerate() {
            for (name, v) in &e.decl.get_ref().values {
                let id = self.new_computed(
                    ei,
                    None,
                    name.get_ref(),
                    ComputedKind::EntityValue,
                    v.get_ref().label.as_ref(),
                    e.file,
                    v,
                );
                if let Some(names) = self.entity_names.get_mut(ei) {
                    if names
                        .insert(name.get_ref().clone(), Target::Computed(id))
                        .is_some()
                    {
                        self.diags.push(
                            e.file,
                            name.span(),
                            Code::DuplicateDefinition,
                            format!("`{}` is already an input of `{}`", name.get_ref(), e.name),
                        );
                    }
                }
            }
        }
        for (pi, p) in merged.programs.iter().enumerate() {
            let d = p.decl.get_ref();
            check_labels(
                d.label.as_ref(),
                p.file,
                p.name_span.clone(),
                &format!("program `{}`", p.name),
                self.diags,
            );
            let known = self.entity_index.contains_key(d.entity.get_ref());
            let entity = match self.entity_index.get(d.entity.get_ref()) {
                Some(&e) => e,
                None => {
                    self.diags.push(
                        p.file,
                        d.entity.span(),
                        Code::UnknownReference,
                        format!("entity `{}` is not defined", d.entity.get_ref()),
                    );
                    0
                }
            };
            self.program_broken.push(!known);
            if self.entities.is_empty() {
                continue;
            }
            let citation = d
                .source
                .as_ref()
                .map(|s| self.citation(Some(s), p.file, s.span(), sources, false));
            let mut values = Vec::new();
            let mut value_names = HashMap::new();
            for (name, v) in &d.values {
                if self
                    .entity_names
                    .get(entity)
                    .is_some_and(|n| n.contains_key(name.get_ref()))
                {
                    self.diags.push(
                        p.file,
                        name.span(),
                        Code::DuplicateDefinition,
                        format!(
                            "`{}` is already an input or value of `{}`",
                            name.get_ref(),
                            d.entity.get_ref()
                        ),
                    );
                }
                let id = self.new_computed(
                    entity,
                    Some(pi),
                    name.get_ref(),
                    ComputedKind::ProgramValue,
                    v.get_ref().label.as_ref(),
                    p.file,
                    v,
                );
                if value_names.insert(name.get_ref().clone(), id).is_some() {
                    self.diags.push(
                        p.file,
                        name.span(),
                        Code::DuplicateDefinition,
                        format!("value `{}` is defined twice", name.get_ref()),
                    );
                }
                values.push(id);
            }
            self.program_values.push(value_names);
            let mut conditions = Vec::new();
            for cond in &d.conditions {
                let cd = cond.get_ref();
                let test = SrcVersion {
                    from: None,
                    until: None,
                    text: cd.test.get_ref().clone(),
                    offset: string_offset(self.diags.text(p.file), &cd.test.span()),
                    span: cd.test.span(),
                };
                if conditions
                    .iter()
                    .any(|c: &ConditionPlan| *c.id == **cd.id.get_ref())
                {
                    self.diags.push(
                        p.file,
                        cd.id.span(),
                        Code::DuplicateDefinition,
                        format!("condition `{}` is listed twice", cd.id.get_ref()),
                    );
                }
                let id = self.push_computed(
                    Computed {
                        name: cd.id.get_ref().as_str().into(),
                        entity,
                        program: Some(pi),
                        slot: 0,
                        kind: ComputedKind::Condition,
                        ty: Type::Bool,
                        label: text_of(cd.label.as_ref(), cd.id.get_ref()),
                        versions: Vec::new(),
                        param_deps: Vec::new(),
                        computed_deps: Vec::new(),
                        input_deps: Vec::new(),
                        member_input_deps: Vec::new(),
                        member_computed_deps: Vec::new(),
                        assumption: cd.assumption.as_deref().map(Into::into),
                        rounding: None,
                    },
                    ComputedSrc {
                        file: p.file,
                        span: cond.span(),
                        versions: vec![test],
                        rounding: None,
                    },
                );
                check_labels(
                    cd.label.as_ref(),
                    p.file,
                    cd.id.span(),
                    &format!("condition `{}`", cd.id.get_ref()),
                    self.diags,
                );
                for (t, which) in [(&cd.pass, "pass"), (&cd.fail, "fail")] {
                    let ok = t
                        .as_ref()
                        .is_some_and(|t| t.get_ref().zh.is_some() && t.get_ref().en.is_some());
                    if !ok {
                        self.diags.help(
                            p.file,
                            cd.id.span(),
                            Code::MissingLabel,
                            format!(
                                "condition `{}` needs a `{which}` explanation in zh and en",
                                cd.id.get_ref()
                            ),
                            format!("add `{which} = {{ zh = \"…\", en = \"…\" }}`"),
                        );
                    }
                }
                conditions.push(ConditionPlan {
                    id: cd.id.get_ref().as_str().into(),
                    computed: id,
                    reject: cd.reject.as_deref().unwrap_or(cd.id.get_ref()).into(),
                    label: text_of(cd.label.as_ref(), cd.id.get_ref()),
                    pass: Default::default(),
                    fail: Default::default(),
                    refs: Vec::new(),
                });
            }
            let eligible = self.push_computed(
                Computed {
                    name: "eligible".into(),
                    entity,
                    program: Some(pi),
                    slot: 0,
                    kind: ComputedKind::Eligible,
                    ty: Type::Bool,
                    label: text_of(d.label.as_ref(), &p.name),
                    versions: vec![FormulaPlan {
                        from: None,
                        until: None,
                        node: Node::AllSlots(Vec::new()),
                        text: "all conditions".into(),
                    }],
                    param_deps: Vec::new(),
                    computed_deps: conditions.iter().map(|c| c.computed).collect(),
                    input_deps: Vec::new(),
                    member_input_deps: Vec::new(),
                    member_computed_deps: Vec::new(),
                    assumption: None,
                    rounding: None,
                },
                ComputedSrc {
                    file: p.file,
                    span: p.name_span.clone(),
                    versions: Vec::new(),
                    rounding: None,
                },
            );
            let amount = d.amount.as_ref().map(|a| {
                let label = a.get_ref().label.clone().or_else(|| d.label.clone());
                self.new_computed(
                    entity,
                    Some(pi),
                    "amount",
                    ComputedKind::Amount,
                    label.as_ref(),
                    p.file,
                    a,
                )
            });
            let settlement = d.settlement.as_ref().map(|s| {
                let sd = s.get_ref();
                SettlementPlan {
                    date: sd.date.get_ref().clone(),
                    person: sd.person.get_ref().clone(),
                    unique: sd.unique.iter().map(|u| u.get_ref().clone()).collect(),
                }
            });
            self.programs.push(ProgramPlan {
                name: p.name.as_str().into(),
                entity,
                label: text_of(d.label.as_ref(), &p.name),
                description: text_of(d.description.as_ref(), ""),
                citation,
                values,
                conditions,
                eligible,
                amount,
                needed: Vec::new(),
                inputs: Vec::new(),
                member_inputs: Vec::new(),
                settlement,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_computed(
        &mut self,
        entity: usize,
        program: Option<usize>,
        name: &str,
        kind: ComputedKind,
        label: Option<&syntax::Text>,
        file: usize,
        v: &Spanned<syntax::ValueDecl>,
    ) -> usize {
        let vd = v.get_ref();
        let text = self.diags.text(file);
        let mut versions = Vec::new();
        match (&vd.formula, vd.versions.is_empty()) {
            (Some(f), true) => versions.push(SrcVersion {
                from: None,
                until: None,
                text: f.get_ref().clone(),
                offset: string_offset(text, &f.span()),
                span: f.span(),
            }),
            (None, false) => {
                for fv in &vd.versions {
                    let fd = fv.get_ref();
                    let from = date_value(&fd.from, file, "`from`", self.diags);
                    let until = fd
                        .until
                        .as_ref()
                        .and_then(|u| date_value(u, file, "`until`", self.diags));
                    versions.push(SrcVersion {
                        from,
                        until,
                        text: fd.formula.get_ref().clone(),
                        offset: string_offset(text, &fd.formula.span()),
                        span: fd.formula.span(),
                    });
                }
                check_version_dates(&versions, file, name, self.diags);
            }
            _ => {
                self.diags.help(
                    file,
                    v.span(),
                    Code::InvalidStatus,
                    format!("`{name}` needs either `formula` or `versions`, not both or neither"),
                    "write `formula = \"…\"`, or dated `[[…versions]]`",
                );
            }
        }
        let rounding = vd.rounding.as_ref().and_then(|r| {
            let rd = r.get_ref();
            let unit = decimal_value(&rd.unit, file, "the rounding unit", self.diags)?;
            if unit <= Decimal::ZERO {
                self.diags.push(
                    file,
                    rd.unit.span(),
                    Code::InvalidValue,
                    "the rounding unit must be above zero",
                );
                return None;
            }
            Some((rd.mode, unit))
        });
        if kind != ComputedKind::Amount && kind != ComputedKind::Condition {
            check_labels(
                label,
                file,
                v.span(),
                &format!("value `{name}`"),
                self.diags,
            );
        }
        self.push_computed(
            Computed {
                name: name.into(),
                entity,
                program,
                slot: 0,
                kind,
                ty: Type::Bool,
                label: text_of(label, name),
                versions: Vec::new(),
                param_deps: Vec::new(),
                computed_deps: Vec::new(),
                input_deps: Vec::new(),
                member_input_deps: Vec::new(),
                member_computed_deps: Vec::new(),
                assumption: vd.assumption.as_deref().map(Into::into),
                rounding: None,
            },
            ComputedSrc {
                file,
                span: v.span(),
                versions,
                rounding,
            },
        )
    }

    fn push_computed(&mut self, mut computed: Computed, src: ComputedSrc) -> usize {
        let id = self.computeds.len();
        if let Some(entity) = self.entities.get_mut(computed.entity) {
            computed.slot = entity.n_slots;
            entity.n_slots += 1;
        }
        self.computeds.push(computed);
        self.computed_state.push(State::Todo);
        self.computed_src.push(src);
        id
    }

    fn finish_programs(&mut self, merged: &Merged) {
        for (pi, p) in merged.programs.iter().enumerate() {
            let Some(program) = self.programs.get(pi).cloned() else {
                continue;
            };
            let entity = program.entity;
            // Templates and compared names.
            let d = p.decl.get_ref();
            let mut conditions = program.conditions.clone();
            for (ci, cond) in conditions.iter_mut().enumerate() {
                let Some(cd) = d.conditions.get(ci) else {
                    continue;
                };
                let cd = cd.get_ref();
                for (slot, t) in [(&mut cond.pass, &cd.pass), (&mut cond.fail, &cd.fail)] {
                    if let Some(t) = t {
                        let span = t.span();
                        let tt = t.get_ref();
                        let zh = tt.zh.as_deref().unwrap_or("");
                        let en = tt.en.as_deref().unwrap_or("");
                        let (zh_span, en_span) = (
                            within(self.diags.text(p.file), &span, zh),
                            within(self.diags.text(p.file), &span, en),
                        );
                        slot[0] = self.template(zh, p.file, zh_span, entity, pi).into();
                        slot[1] = self.template(en, p.file, en_span, entity, pi).into();
                    }
                }
                cond.refs = self.condition_refs(cd.test.get_ref(), entity, pi);
            }
            // Everything the program needs, in dependency order.
            // Values shown in explanations are needed too, so that an
            // explanation reads the same whichever programs are evaluated.
            let shown: Vec<usize> = conditions
                .iter()
                .flat_map(|c| {
                    c.pass
                        .iter()
                        .chain(&c.fail)
                        .flat_map(|t| t.iter())
                        .filter_map(|part| match part {
                            TemplatePart::Ref(r) => Some(r.target),
                            TemplatePart::Lit(_) => None,
                        })
                        .chain(c.refs.iter().map(|r| r.target))
                })
                .filter_map(|t| match t {
                    RefTarget::Slot(slot) => self
                        .computeds
                        .iter()
                        .position(|c| c.entity == entity && c.slot == slot),
                    _ => None,
                })
                .collect();
            let roots: Vec<usize> = std::iter::once(program.eligible)
                .chain(program.amount)
                .chain(program.values.iter().copied())
                .chain(shown)
                .collect();
            let mut needed = vec![false; self.computeds.len()];
            let mut stack = roots;
            while let Some(c) = stack.pop() {
                if needed[c] {
                    continue;
                }
                needed[c] = true;
                stack.extend(self.computeds[c].computed_deps.iter().copied());
            }
            let order = self
                .entities
                .get(entity)
                .map(|e| e.order.clone())
                .unwrap_or_default();
            let needed_list: Vec<usize> = order.into_iter().filter(|&c| needed[c]).collect();
            let mut inputs: Vec<usize> = needed_list
                .iter()
                .flat_map(|&c| self.computeds[c].input_deps.iter().copied())
                .collect();
            inputs.sort_unstable();
            inputs.dedup();
            let mut member: Vec<(usize, usize)> = needed_list
                .iter()
                .flat_map(|&c| self.computeds[c].member_input_deps.iter().copied())
                .collect();
            member.sort_unstable();
            member.dedup();
            let mut member_inputs: Vec<(usize, Vec<usize>)> = Vec::new();
            for (coll, slot) in member {
                match member_inputs.last_mut() {
                    Some((c, v)) if *c == coll => v.push(slot),
                    _ => member_inputs.push((coll, vec![slot])),
                }
            }
            if let Some(program) = self.programs.get_mut(pi) {
                program.conditions = conditions;
                program.needed = needed_list;
                program.inputs = inputs;
                program.member_inputs = member_inputs;
            }
        }
    }
}

fn check_version_dates(versions: &[SrcVersion], file: usize, name: &str, diags: &mut Diags<'_>) {
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

/// Whether a value of type `got` may be stored where `want` is declared.
pub(crate) fn types_fit(got: &Type, want: &Type) -> bool {
    match (got, want) {
        (Type::Number(None), Type::Number(_)) => true,
        (Type::Number(a), Type::Number(b)) => a == b || b.is_none(),
        _ => got == want,
    }
}

/// The span of `needle` inside `span` of `text` (where a template string is
/// written), or `span` when it is written with escapes and cannot be found.
fn within(text: &str, span: &Range<usize>, needle: &str) -> Range<usize> {
    if needle.is_empty() {
        return span.clone();
    }
    text.get(span.clone())
        .and_then(|hay| hay.find(needle))
        .map_or(span.clone(), |at| {
            span.start + at..span.start + at + needle.len()
        })
}
