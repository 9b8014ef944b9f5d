//! What explanations choose by the case: a condition's sentences chosen by
//! their `when`, and assumptions listed only where their `assumption_when`
//! holds. Each `when` is compiled as a boolean of kind
//! [`ComputedKind::Note`] in the frame of the value or condition it speaks
//! of. Evaluations (one case, batch) leave it out; the outcome computes it
//! when it builds an explanation.

use super::compiler::*;
use super::string_offset;
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax::{self, Sentences};
use crate::value::Type;
use std::sync::Arc;
use toml::Spanned;

impl Compiler<'_, '_> {
    /// A boolean read by explanations only: `when` in the frame of `entity`
    /// (and of `program`'s values), named `name` in diagnostics and diffs.
    pub(super) fn note_computed(
        &mut self,
        entity: usize,
        program: Option<usize>,
        name: String,
        file: usize,
        when: &Spanned<String>,
    ) -> usize {
        let offset = string_offset(self.diags.text(file), &when.span());
        self.push_computed(
            Computed::new(
                name.as_str().into(),
                entity,
                program,
                ComputedKind::Note,
                Type::Bool,
                Text {
                    zh: name.clone().into(),
                    en: name.into(),
                },
            ),
            ComputedSrc {
                file,
                span: when.span(),
                versions: vec![SrcVersion {
                    from: None,
                    until: None,
                    text: when.get_ref().clone(),
                    offset,
                    span: when.span(),
                }],
                rounding: None,
            },
        )
    }

    /// The boolean saying whether the assumption of value or condition
    /// `owner` (named `name`) applies to a case, from its
    /// `assumption_when`; an `assumption_when` without an assumption is an
    /// error.
    pub(super) fn assumption_when(
        &mut self,
        owner: usize,
        name: &str,
        file: usize,
        assumption: Option<&Spanned<syntax::Note>>,
        when: Option<&Spanned<String>>,
    ) {
        let Some(when) = when else {
            return;
        };
        if assumption.is_none() {
            self.diags.help(
                file,
                when.span(),
                Code::InvalidValue,
                format!("`{name}` has an `assumption_when` but no `assumption`"),
                "add `assumption = { zh = \"…\", en = \"…\" }` giving the reason, or remove `assumption_when`",
            );
            return;
        }
        let (entity, program) = (self.computeds[owner].entity, self.computeds[owner].program);
        let note = self.note_computed(
            entity,
            program,
            format!("{name}.assumption_when"),
            file,
            when,
        );
        if let Some(c) = self.computeds.get_mut(owner) {
            c.assumption_when = Some(note);
        }
    }

    /// The sentences of a condition's `pass` or `fail` (`which`) chosen by
    /// their `when`: one boolean per sentence but the last, with the
    /// templates left empty (filled by [`Self::sentence_texts`]). A list
    /// must end with one sentence without `when` and have `when` on every
    /// other.
    pub(super) fn sentence_cases(
        &mut self,
        entity: usize,
        program: usize,
        condition: &str,
        which: &str,
        file: usize,
        sentences: Option<&Spanned<Sentences>>,
    ) -> Vec<(usize, [Arc<[TemplatePart]>; 2])> {
        let Some(Sentences::Cases(list)) = sentences.map(Spanned::get_ref) else {
            return Vec::new();
        };
        let mut cases = Vec::new();
        let last = list.len().saturating_sub(1);
        if list.is_empty() {
            if let Some(s) = sentences {
                self.diags.help(
                    file,
                    s.span(),
                    Code::MissingLabel,
                    format!("condition `{condition}` has an empty list of `{which}` sentences"),
                    format!("write `{which} = {{ zh = \"…\", en = \"…\" }}`"),
                );
            }
        }
        for (i, s) in list.iter().enumerate() {
            match (&s.get_ref().when, i == last) {
                (Some(w), false) => {
                    let name = format!("{condition}.{which}[{i}].when");
                    let id = self.note_computed(entity, Some(program), name, file, w);
                    cases.push((id, Default::default()));
                }
                (None, false) => self.diags.help(
                    file,
                    s.span(),
                    Code::InvalidValue,
                    format!(
                        "sentence {} of `{which}` of condition `{condition}` has no `when`, so the sentences after it are never shown",
                        i + 1
                    ),
                    "give every sentence but the last a `when = \"…\"`, and the last none",
                ),
                (Some(w), true) => self.diags.help(
                    file,
                    w.span(),
                    Code::InvalidValue,
                    format!(
                        "the last sentence of `{which}` of condition `{condition}` has a `when`: cases where no `when` holds would have no sentence"
                    ),
                    "remove the last sentence's `when`: it is shown when no other sentence's holds",
                ),
                (None, true) => {}
            }
        }
        cases
    }

    /// Compiles the templates of a condition's `pass` or `fail`: the
    /// sentence shown when no `when` holds into `default`, and the others
    /// into `cases` (in order).
    pub(super) fn sentence_texts(
        &mut self,
        sentences: &Spanned<Sentences>,
        file: usize,
        entity: usize,
        program: usize,
        default: &mut [Arc<[TemplatePart]>; 2],
        cases: &mut [(usize, [Arc<[TemplatePart]>; 2])],
    ) {
        // Every sentence in order, with its span: the last is the default,
        // the others are chosen by their `when`.
        let list: Vec<(Option<&str>, Option<&str>, std::ops::Range<usize>)> =
            match sentences.get_ref() {
                Sentences::One(t) => vec![(t.zh.as_deref(), t.en.as_deref(), sentences.span())],
                Sentences::Cases(list) => list
                    .iter()
                    .map(|s| {
                        (
                            s.get_ref().zh.as_deref(),
                            s.get_ref().en.as_deref(),
                            s.span(),
                        )
                    })
                    .collect(),
            };
        let Some((last, rest)) = list.split_last() else {
            return;
        };
        let compiled = |this: &mut Self, (zh, en, span): &(_, _, std::ops::Range<usize>)| {
            this.bilingual(*zh, *en, span, file, entity, program)
        };
        *default = compiled(self, last);
        for (sentence, (_, texts)) in rest.iter().zip(cases.iter_mut()) {
            *texts = compiled(self, sentence);
        }
    }

    fn bilingual(
        &mut self,
        zh: Option<&str>,
        en: Option<&str>,
        span: &std::ops::Range<usize>,
        file: usize,
        entity: usize,
        program: usize,
    ) -> [Arc<[TemplatePart]>; 2] {
        let (zh, en) = (zh.unwrap_or(""), en.unwrap_or(""));
        let (zh_span, en_span) = (
            super::programs::within(self.diags.text(file), span, zh),
            super::programs::within(self.diags.text(file), span, en),
        );
        [
            self.template(zh, file, zh_span, entity, program).into(),
            self.template(en, file, en_span, entity, program).into(),
        ]
    }
}

/// Whether every sentence of `pass` or `fail` is written in both languages.
pub(super) fn sentences_complete(sentences: Option<&Spanned<Sentences>>) -> bool {
    match sentences.map(Spanned::get_ref) {
        None => false,
        Some(Sentences::One(t)) => t.zh.is_some() && t.en.is_some(),
        Some(Sentences::Cases(list)) => {
            !list.is_empty()
                && list
                    .iter()
                    .all(|s| s.get_ref().zh.is_some() && s.get_ref().en.is_some())
        }
    }
}
