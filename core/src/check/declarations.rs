//! Declarations: the pass that turns merged declarations into a plan.
//!
//! It checks what can be checked without formulas (names, labels, enums,
//! entities and their collections), calls the parameter, table and program
//! passes, and allocates a frame slot for every input and computed value.

use super::compiler::*;
use super::values::*;
use super::{index_of, text_of, type_of_name, Diags, Item, Merged, MAX_ITEMS};
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax;
use crate::value::{Type, Value};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

pub(super) fn check_labels(
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
            for (what, text) in [("id", &h.id), ("version", &h.version)] {
                if text.trim().is_empty() {
                    diags.help(
                        *hfile,
                        header.span(),
                        Code::InvalidValue,
                        format!("the rule set's {what} is empty"),
                        "every answer names the rule set by id and version: give both",
                    );
                }
            }
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
                reform: None,
                reviewed: h
                    .reviewed
                    .as_ref()
                    .and_then(|d| super::values::date_value(d, *hfile, "the review date", diags)),
            }
        }
        // Reported already; check the rest all the same.
        None => Header {
            id: "".into(),
            version: "".into(),
            label: Text::default(),
            hash: hash.into(),
            reform: None,
            reviewed: None,
        },
    };
    if merged.parameters.len() + merged.programs.len() * 8 > MAX_ITEMS {
        diags.list.push(crate::diagnostic::Diagnostic::new(
            Code::FileTooLarge,
            format!("the rule set defines more than {MAX_ITEMS} items"),
        ));
        return None;
    }
    let split = super::per_member::split(merged, diags);
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
        parts: HashMap::new(),
        order: Vec::new(),
    };
    // A part has its program's name: the name means the program.
    for part in &split {
        if let Some(p) = merged.programs.get(part.program) {
            c.program_index.insert(p.name.clone(), part.program);
        }
    }
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
        c.table_plan(t, &sources);
    }
    for part in &split {
        let owner = merged
            .programs
            .get(part.program)
            .and_then(|p| c.entity_index.get(p.decl.get_ref().entity.get_ref()))
            .copied();
        let coll = owner
            .and_then(|e| c.entities.get(e))
            .and_then(|e| e.collections.iter().position(|k| k.name == part.collection));
        if let Some(coll) = coll {
            c.parts.insert(part.program, (part.part, coll, part.adds));
        }
    }
    c.declare_computeds(merged, &sources);
    for (&program, &(part, coll, _)) in &c.parts {
        if let Some(p) = c.programs.get_mut(program) {
            p.per_member = Some((coll, part));
        }
        if let Some(p) = c.programs.get_mut(part) {
            p.part_of = Some(program);
        }
    }
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
        order: c.order,
        units: merged
            .units
            .iter()
            .map(|(u, t)| (u.clone(), super::text_of(Some(t), u)))
            .collect(),
    };
    let spans: Vec<(usize, std::ops::Range<usize>)> = merged
        .parameters
        .iter()
        .map(|p| (p.file, p.name_span.clone()))
        .collect();
    super::segments::build(&mut plan, &spans, c.diags);
    Some(plan)
}

impl Compiler<'_, '_> {
    /// An input's `min` is not above its `max`, and its `default` lies
    /// between them and, for money, is whole fen.
    fn check_input_bounds(
        &mut self,
        file: usize,
        name: &str,
        id: &syntax::InputDecl,
        ty: &Type,
        (min, max, default): (Option<Value>, Option<Value>, Option<Value>),
    ) {
        if let (Some(Value::Num(lo)), Some(Value::Num(hi)), Some(at)) = (min, max, &id.max) {
            if lo > hi {
                self.diags.push(
                    file,
                    at.span(),
                    Code::InvalidValue,
                    format!("input `{name}`: `max` {hi} is below `min` {lo}"),
                );
            }
        }
        let (Some(Value::Num(d)), Some(at)) = (default, &id.default) else {
            return;
        };
        let problem = if *ty == Type::Money && d.normalize().scale() > 2 {
            Some(format!("has a fraction of a fen ({d})"))
        } else {
            match (min, max) {
                (Some(Value::Num(lo)), _) if d < lo => Some(format!("{d} is below its `min` {lo}")),
                (_, Some(Value::Num(hi))) if d > hi => Some(format!("{d} is above its `max` {hi}")),
                _ => None,
            }
        };
        if let Some(problem) = problem {
            self.diags.help(
                file,
                at.span(),
                Code::InvalidValue,
                format!("the default of input `{name}` {problem}"),
                "a default must be a value the input accepts",
            );
        }
    }

    pub(super) fn enum_plan(&mut self, e: &Item<syntax::EnumDecl>) -> EnumPlan {
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

    pub(super) fn check_name_clashes(&mut self, merged: &Merged) {
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

    pub(super) fn entity_plan(&mut self, e: &Item<syntax::EntityDecl>) -> EntityPlan {
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
            self.check_input_bounds(e.file, name.get_ref(), id, &ty, (min, max, default));
            let what_if = id.what_if.as_ref().is_some_and(|w| *w.get_ref());
            if let Some(w) = id.what_if.as_ref().filter(|_| what_if) {
                if !(ty == Type::Money || integer) {
                    self.diags.help(
                        e.file,
                        w.span(),
                        Code::InvalidValue,
                        format!(
                            "input `{}`: `what_if` is for money and integer inputs, which have a grid to search (the fen, 1)",
                            name.get_ref()
                        ),
                        "remove `what_if`, or mark a money or integer input",
                    );
                }
            }
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
                readings: id
                    .readings
                    .iter()
                    .map(|r| {
                        (
                            r.value,
                            Text {
                                zh: r.zh.as_str().into(),
                                en: r.en.as_str().into(),
                            },
                        )
                    })
                    .collect(),
                label: text_of(id.label.as_ref(), name.get_ref()),
                help: text_of(id.help.as_ref(), ""),
                what_if,
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

    pub(super) fn link_collections(&mut self, merged: &Merged) {
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
}
