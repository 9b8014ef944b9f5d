//! Programs and computed values: declaring them, their conditions and
//! amounts, and what each program reads.

use super::compiler::*;
use super::declarations::*;
use super::parameters::*;
use super::values::*;
use super::{note_of, string_offset, text_of, Merged};
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax;
use crate::value::Type;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

impl Compiler<'_, '_> {
    pub(super) fn declare_computeds(
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
                .map(|s| self.citation(Some(s), p.file, s.span(), sources, false, false));
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
                let assumption = cd
                    .assumption
                    .as_ref()
                    .map(|n| note_of(n, p.file, "the condition's assumption", self.diags));
                let id = self.push_computed(
                    Computed {
                        assumption,
                        ..Computed::new(
                            cd.id.get_ref().as_str().into(),
                            entity,
                            Some(pi),
                            ComputedKind::Condition,
                            Type::Bool,
                            text_of(cd.label.as_ref(), cd.id.get_ref()),
                        )
                    },
                    ComputedSrc {
                        file: p.file,
                        span: cond.span(),
                        versions: vec![test],
                        rounding: None,
                    },
                );
                if cd.id.get_ref().trim().is_empty() {
                    self.diags.help(
                        p.file,
                        cd.id.span(),
                        Code::InvalidValue,
                        "a condition's id is empty",
                        "give the condition an id: explanations and rejected records name it",
                    );
                }
                check_labels(
                    cd.label.as_ref(),
                    p.file,
                    cd.id.span(),
                    &format!("condition `{}`", cd.id.get_ref()),
                    self.diags,
                );
                let name = format!("{}.{}", p.name, cd.id.get_ref());
                self.assumption_when(
                    id,
                    &name,
                    p.file,
                    cd.assumption.as_ref(),
                    cd.assumption_when.as_ref(),
                );
                let (condition, file) = (cd.id.get_ref(), p.file);
                let pass_cases =
                    self.sentence_cases(entity, pi, condition, "pass", file, cd.pass.as_ref());
                let fail_cases =
                    self.sentence_cases(entity, pi, condition, "fail", file, cd.fail.as_ref());
                for (t, which) in [(&cd.pass, "pass"), (&cd.fail, "fail")] {
                    if !super::notes::sentences_complete(t.as_ref()) {
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
                    pass_cases,
                    fail_cases,
                    refs: Vec::new(),
                });
            }
            let eligible = self.push_computed(
                Computed {
                    versions: vec![FormulaPlan {
                        from: None,
                        until: None,
                        node: Node::AllSlots(Vec::new()),
                        text: "all conditions".into(),
                    }],
                    computed_deps: conditions.iter().map(|c| c.computed).collect(),
                    ..Computed::new(
                        "eligible".into(),
                        entity,
                        Some(pi),
                        ComputedKind::Eligible,
                        Type::Bool,
                        text_of(d.label.as_ref(), &p.name),
                    )
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
            if let (Some(s), Some(ent)) = (&d.settlement, self.entities.get(entity)) {
                let sd = s.get_ref();
                let is_input = |n: &str| ent.inputs.iter().any(|i| i.name == n);
                let columns = [(&sd.date, "date"), (&sd.person, "person")];
                for (col, what) in columns {
                    if is_input(col.get_ref()) {
                        self.diags.help(
                            p.file,
                            col.span(),
                            Code::InvalidValue,
                            format!(
                                "the settlement's {what} column `{}` is also an input of {}",
                                col.get_ref(),
                                ent.name
                            ),
                            "name a column of the records that is not an input",
                        );
                    }
                }
                let known =
                    |n: &str| n == sd.date.get_ref() || n == sd.person.get_ref() || is_input(n);
                for u in &sd.unique {
                    if !known(u.get_ref()) {
                        self.diags.help(
                            p.file,
                            u.span(),
                            Code::UnknownName,
                            format!("`{}` is not a column of the records", u.get_ref()),
                            "name the date or person column, or an input of the entity",
                        );
                    }
                }
                for u in &sd.person_inputs {
                    if !is_input(u.get_ref()) {
                        self.diags.help(
                            p.file,
                            u.span(),
                            Code::UnknownName,
                            format!("`{}` is not an input of {}", u.get_ref(), ent.name),
                            "name an input of the entity",
                        );
                    }
                }
            }
            let settlement = d.settlement.as_ref().map(|s| {
                let sd = s.get_ref();
                SettlementPlan {
                    date: sd.date.get_ref().clone(),
                    person: sd.person.get_ref().clone(),
                    unique: sd.unique.iter().map(|u| u.get_ref().clone()).collect(),
                    person_inputs: sd
                        .person_inputs
                        .iter()
                        .map(|u| u.get_ref().clone())
                        .collect(),
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
                amount_unit: d
                    .amount
                    .as_ref()
                    .and_then(|a| a.get_ref().unit.as_deref())
                    .map(Into::into),
                needed: Vec::new(),
                inputs: Vec::new(),
                member_inputs: Vec::new(),
                settlement,
                per_member: None,
                part_of: None,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_computed(
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
        let assumption = vd
            .assumption
            .as_ref()
            .map(|n| note_of(n, file, "the value's assumption", self.diags));
        let id = self.push_computed(
            Computed {
                assumption,
                ..Computed::new(
                    name.into(),
                    entity,
                    program,
                    kind,
                    Type::Bool,
                    text_of(label, name),
                )
            },
            ComputedSrc {
                file,
                span: v.span(),
                versions,
                rounding,
            },
        );
        let owner = match program.and_then(|p| self.programs.get(p)) {
            Some(p) => format!("{}.{name}", p.name),
            None => match self.entities.get(entity) {
                Some(e) => format!("{}.{name}", e.name),
                None => name.to_string(),
            },
        };
        self.assumption_when(
            id,
            &owner,
            file,
            vd.assumption.as_ref(),
            vd.assumption_when.as_ref(),
        );
        id
    }

    pub(super) fn push_computed(&mut self, mut computed: Computed, src: ComputedSrc) -> usize {
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

    pub(super) fn finish_programs(&mut self, merged: &Merged) {
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
                let sides = [
                    (&mut cond.pass, &mut cond.pass_cases, &cd.pass),
                    (&mut cond.fail, &mut cond.fail_cases, &cd.fail),
                ];
                for (default, cases, t) in sides {
                    if let Some(t) = t {
                        self.sentence_texts(t, p.file, entity, pi, default, cases);
                    }
                }
                cond.refs = self.condition_refs(cd.test.get_ref(), entity, pi);
            }
            // Everything the program needs, in dependency order.
            // Values shown in explanations are needed too, so that an
            // explanation reads the same whichever programs are evaluated.
            let targets: Vec<RefTarget> = conditions
                .iter()
                .flat_map(|c| {
                    let cases = c.pass_cases.iter().chain(&c.fail_cases);
                    c.pass
                        .iter()
                        .chain(&c.fail)
                        .chain(cases.flat_map(|(_, t)| t.iter()))
                        .flat_map(|t| t.iter())
                        .filter_map(|part| match part {
                            TemplatePart::Ref(r) => Some(r.target),
                            TemplatePart::Lit(_) => None,
                        })
                        .chain(c.refs.iter().map(|r| r.target))
                })
                .collect();
            let n_inputs = self.entities.get(entity).map_or(0, |e| e.inputs.len());
            // Inputs shown in explanations are read too.
            let shown_inputs: Vec<usize> = targets
                .iter()
                .filter_map(|t| match t {
                    RefTarget::Slot(s) if *s < n_inputs => Some(*s),
                    _ => None,
                })
                .collect();
            let shown: Vec<usize> = targets
                .into_iter()
                .filter_map(|t| match t {
                    RefTarget::Slot(slot) => self
                        .computeds
                        .iter()
                        .position(|c| c.entity == entity && c.slot == slot),
                    _ => None,
                })
                .collect();
            // The booleans choosing sentences are needed to explain.
            let notes = conditions
                .iter()
                .flat_map(|c| c.pass_cases.iter().chain(&c.fail_cases).map(|(w, _)| *w));
            let roots: Vec<usize> = std::iter::once(program.eligible)
                .chain(program.amount)
                .chain(program.values.iter().copied())
                .chain(shown)
                .chain(notes)
                .collect();
            let mut needed = vec![false; self.computeds.len()];
            let mut stack = roots;
            while let Some(c) = stack.pop() {
                if needed[c] {
                    continue;
                }
                needed[c] = true;
                stack.extend(self.computeds[c].computed_deps.iter().copied());
                // Whether its assumption applies is read by the explanation.
                stack.extend(self.computeds[c].assumption_when);
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
                .chain(shown_inputs)
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

/// The span of `needle` inside `span` of `text` (where a template string is
/// written), or `span` when it is written with escapes and cannot be found.
pub(crate) fn within(text: &str, span: &Range<usize>, needle: &str) -> Range<usize> {
    if needle.is_empty() {
        return span.clone();
    }
    text.get(span.clone())
        .and_then(|hay| hay.find(needle))
        .map_or(span.clone(), |at| {
            span.start + at..span.start + at + needle.len()
        })
}
