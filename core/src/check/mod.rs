//! From rule files to a checked [`Plan`].
//!
//! Loading runs in passes: parse every file into a [`Fragment`], merge the
//! fragments (reporting names defined twice), check declarations (types,
//! dates, sources, statuses, labels), compile every formula with its types
//! resolved, check tables, and cut time into segments. Every pass collects
//! its diagnostics and goes on where it can, so one run reports every problem
//! it can find. Formulas are compiled on demand, in dependency order, which
//! both orders the plan and finds cycles.

mod compiler;
mod declarations;
mod expressions;
mod formulas;
mod names;
mod notes;
mod overrides;
pub(crate) use overrides::check_override;
mod parameters;
mod per_member;
mod programs;
mod recovery;
mod segments;
mod tables;
mod templates;
mod values;

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::plan::*;
use crate::reform::Override;
use crate::syntax::sources::Sources;
use crate::syntax::{self, ExampleDecl, Fragment};
use crate::value::Type;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// Files whose path starts with this prefix are an overlay: their items
/// replace items of the same kind and name instead of being duplicates.
pub const OVERLAY_PREFIX: &str = "@overlay/";

/// The most computed values and parameters a rule set may define.
pub const MAX_ITEMS: usize = 5000;

/// A worked example with the file it came from.
#[derive(Debug, Clone)]
pub struct ExampleSource {
    /// File path.
    pub file: String,
    /// The example.
    pub decl: Spanned<ExampleDecl>,
}

/// An item of a merged rule set: its declaration, name and file.
pub(crate) struct Item<T> {
    pub file: usize,
    pub name: String,
    pub name_span: Range<usize>,
    pub decl: Spanned<T>,
}

/// All fragments merged.
#[derive(Default)]
pub(crate) struct Merged {
    pub header: Option<(usize, Spanned<syntax::RulesetHeader>)>,
    pub sources: Vec<Item<syntax::SourceDecl>>,
    pub enums: Vec<Item<syntax::EnumDecl>>,
    pub entities: Vec<Item<syntax::EntityDecl>>,
    pub parameters: Vec<Item<syntax::ParameterDecl>>,
    pub tables: Vec<Item<syntax::TableDecl>>,
    pub programs: Vec<Item<syntax::ProgramDecl>>,
    pub examples: Vec<(usize, Spanned<ExampleDecl>)>,
    pub units: Vec<(String, syntax::Text)>,
}

/// Diagnostics collected while loading, with file indices resolved to paths:
/// errors in `list`, warnings (codes `W…`) apart.
pub(crate) struct Diags<'s> {
    pub files: Vec<(&'s str, &'s str)>,
    pub list: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl<'s> Diags<'s> {
    pub fn path(&self, file: usize) -> &'s str {
        self.files.get(file).map_or("", |f| f.0)
    }
    pub fn text(&self, file: usize) -> &'s str {
        self.files.get(file).map_or("", |f| f.1)
    }
    pub fn push(
        &mut self,
        file: usize,
        span: Range<usize>,
        code: Code,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::new(code, message).at(self.path(file), span);
        let list = match code.severity() {
            Severity::Error => &mut self.list,
            Severity::Warning => &mut self.warnings,
        };
        list.push(d);
        let last = list.len() - 1;
        &mut list[last]
    }
    pub fn help(
        &mut self,
        file: usize,
        span: Range<usize>,
        code: Code,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let d = self.push(file, span, code, message);
        d.help = Some(help.into());
    }
}

/// A rule set that checks: its plan, its worked examples, and the warnings
/// a reviewer should read.
pub(crate) type Loaded = (Plan, Vec<ExampleSource>, Vec<Diagnostic>);

/// Loads and checks a rule set.
///
/// # Errors
/// Returns every error found when the rule set does not check (warnings
/// are reported only with a rule set that loads).
pub(crate) fn load(sources: &Sources, overrides: &[Override]) -> Result<Loaded, Vec<Diagnostic>> {
    let mut diags = Diags {
        files: sources.files().collect(),
        list: Vec::new(),
        warnings: Vec::new(),
    };
    let mut merged = Merged::default();
    // Base files first, then overlays, so that overlay items replace base items.
    let mut order: Vec<(usize, (&str, &str))> = sources.files().enumerate().collect();
    order.sort_by_key(|(_, (path, _))| path.starts_with(OVERLAY_PREFIX));
    let mut unparsed_names = std::collections::HashSet::new();
    for (index, (path, text)) in order {
        match toml::from_str::<Fragment>(text) {
            Ok(fragment) => merge(
                &mut merged,
                index,
                path.starts_with(OVERLAY_PREFIX),
                fragment,
                &mut diags,
            ),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().to_string();
                let (message, help) = recovery::unknown_key(&message).unwrap_or((
                    message,
                    "see rules/README.md for the sections and keys a rule file may have".into(),
                ));
                diags.help(index, span, Code::TomlSyntax, message, help);
                unparsed_names.extend(recovery::defined_names(text));
            }
        }
    }
    let unparsed = !diags.list.is_empty();
    if merged.header.is_none() {
        diags.list.push(
            Diagnostic::new(
                Code::MissingRuleset,
                "no file declares the [ruleset] header",
            )
            .help("add `[ruleset]` with `id` and `version` to ruleset.toml"),
        );
    }
    let mut example_ids: HashMap<&str, usize> = HashMap::new();
    let mut repeated = Vec::new();
    for (file, decl) in &merged.examples {
        if let Some(first) = example_ids.insert(decl.get_ref().id.as_str(), *file) {
            repeated.push((*file, decl.span(), decl.get_ref().id.clone(), first));
        }
    }
    for (file, span, id, first) in repeated {
        let first = diags.path(first).to_string();
        diags.help(
            file,
            span,
            Code::DuplicateDefinition,
            format!("worked example `{id}` is defined twice (first in {first})"),
            "give each worked example its own id",
        );
    }
    overrides::apply_overrides(&mut merged, overrides, &mut diags);
    let hash = sources.content_hash();
    let header_place = merged.header.as_ref().map(|(f, h)| (*f, h.span()));
    let plan = declarations::compile(merged.header.take(), hash, &mut merged, &mut diags);
    // What a file that does not load defines is reported there, once.
    recovery::drop_follow_ons(&mut diags.list, &unparsed_names);
    if unparsed {
        // A file that does not parse may define what others name.
        for d in diags.list.iter_mut().filter(|d| {
            matches!(
                d.code,
                Code::UnknownName | Code::UnknownReference | Code::MissingRuleset
            )
        }) {
            let help = d.help.take().unwrap_or_default();
            d.help = Some(format!("{help} (a file that does not parse may define it: fix the toml-syntax errors first)").trim().to_string());
        }
    }
    let examples: Vec<ExampleSource> = std::mem::take(&mut merged.examples)
        .into_iter()
        .map(|(file, decl)| ExampleSource {
            file: diags.path(file).to_string(),
            decl,
        })
        .collect();
    match plan {
        Some(plan) if diags.list.is_empty() => {
            let mut warnings = std::mem::take(&mut diags.warnings);
            warnings.extend(examples_missing(&merged, header_place, &examples, &diags));
            Ok((plan, examples, warnings))
        }
        _ => {
            if diags.list.is_empty() {
                diags.list.push(Diagnostic::new(
                    Code::MissingRuleset,
                    "the rule set could not be compiled",
                ));
            }
            Err(diags.list)
        }
    }
}

/// The program an expected output of a worked example is about:
/// `dibao.amount` and `members[1].dibao.amount` are both `dibao`'s.
pub(crate) fn expected_program(key: &str) -> Option<&str> {
    let mut parts = key.split('.');
    let first = parts.next()?;
    match first.ends_with(']') {
        true => parts.next(),
        false => Some(first),
    }
}

/// A warning for a rule set without worked examples, or else one for each
/// program that no worked example expects anything of.
fn examples_missing(
    merged: &Merged,
    header: Option<(usize, Range<usize>)>,
    examples: &[ExampleSource],
    diags: &Diags<'_>,
) -> Vec<Diagnostic> {
    if examples.is_empty() {
        let place = header.map(|(f, span)| (diags.path(f), span));
        let d = Diagnostic::new(
            Code::NoWorkedExamples,
            "the rule set has no worked examples: nothing checks its figures against its sources",
        )
        .help("add `[[examples]]` that reproduce the figures its sources publish (rules/README.md, worked examples)");
        return vec![match place {
            Some((file, span)) => d.at(file, span),
            None => d,
        }];
    }
    merged
        .programs
        .iter()
        .filter(|p| {
            !examples.iter().any(|e| {
                e.decl
                    .get_ref()
                    .expect
                    .keys()
                    .any(|k| expected_program(k) == Some(p.name.as_str()))
            })
        })
        .map(|p| {
            Diagnostic::new(
                Code::NoWorkedExamples,
                format!("program `{}` has no worked example", p.name),
            )
            .at(diags.path(p.file), p.name_span.clone())
            .help(format!(
                "add an `[[examples]]` entry whose `expect` checks `{}.eligible` (and `{}.amount`) with figures from its sources",
                p.name, p.name
            ))
        })
        .collect()
}

fn merge(
    merged: &mut Merged,
    file: usize,
    overlay: bool,
    fragment: Fragment,
    diags: &mut Diags<'_>,
) {
    if let Some(header) = fragment.ruleset {
        if let Some((first, _)) = &merged.header {
            if !overlay {
                let first_path = diags.path(*first).to_string();
                diags.help(
                    file,
                    header.span(),
                    Code::DuplicateDefinition,
                    format!("[ruleset] is declared again (first in {first_path})"),
                    "keep one [ruleset] header per rule set",
                );
            } else {
                // An overlay answers as a reform of the rule set it
                // changes: it cannot take another id or version.
                let (base, h) = (&merged.header, header.get_ref());
                let same = base.as_ref().is_some_and(|(_, b)| {
                    b.get_ref().id == h.id && b.get_ref().version == h.version
                });
                if !same {
                    diags.help(
                        file,
                        header.span(),
                        Code::InvalidValue,
                        "an overlay may not change the rule set's id or version",
                        "remove [ruleset] from the overlay: answers under it are marked `+reform` with the overlay's hash",
                    );
                }
            }
        } else if overlay {
            diags.help(
                file,
                header.span(),
                Code::InvalidValue,
                "an overlay may not declare the rule set's id or version",
                "remove [ruleset] from the overlay",
            );
        } else {
            merged.header = Some((file, header));
        }
    }
    merge_items(
        &mut merged.sources,
        "source",
        file,
        overlay,
        fragment.sources,
        diags,
    );
    merge_items(
        &mut merged.enums,
        "enum",
        file,
        overlay,
        fragment.enums,
        diags,
    );
    merge_items(
        &mut merged.entities,
        "entity",
        file,
        overlay,
        fragment.entities,
        diags,
    );
    merge_items(
        &mut merged.parameters,
        "parameter",
        file,
        overlay,
        fragment.parameters,
        diags,
    );
    merge_items(
        &mut merged.tables,
        "table",
        file,
        overlay,
        fragment.tables,
        diags,
    );
    merge_items(
        &mut merged.programs,
        "program",
        file,
        overlay,
        fragment.programs,
        diags,
    );
    merged
        .examples
        .extend(fragment.examples.into_iter().map(|e| (file, e)));
    for (unit, text) in fragment.units {
        match merged.units.iter_mut().find(|(u, _)| *u == unit) {
            Some(slot) => slot.1 = text,
            None => merged.units.push((unit, text)),
        }
    }
}

fn merge_items<T>(
    items: &mut Vec<Item<T>>,
    kind: &str,
    file: usize,
    overlay: bool,
    new: syntax::Named<T>,
    diags: &mut Diags<'_>,
) {
    for (name, decl) in new {
        let name_span = name.span();
        let name = name.into_inner();
        if let Some(existing) = items.iter_mut().find(|i| i.name == name) {
            if overlay {
                *existing = Item {
                    file,
                    name,
                    name_span,
                    decl,
                };
            } else {
                let first = diags.path(existing.file).to_string();
                diags.help(
                    file,
                    name_span,
                    Code::DuplicateDefinition,
                    format!("{kind} `{name}` is defined twice (first in {first})"),
                    "rename one of them, or delete the copy",
                );
            }
            continue;
        }
        items.push(Item {
            file,
            name,
            name_span,
            decl,
        });
    }
}

/// The byte offset of a string value's content within its file: the span of
/// a TOML string includes its opening quote(s).
pub(crate) fn string_offset(text: &str, span: &Range<usize>) -> usize {
    let rest = text.get(span.start..).unwrap_or("");
    if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        span.start + 3 + usize::from(rest.get(3..).is_some_and(|r| r.starts_with('\n')))
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        span.start + 1
    } else {
        span.start
    }
}

/// Resolved text for a note or an assumption shown to users, reporting one
/// that is not written in both languages (E0039).
pub(crate) fn note_of(
    note: &Spanned<syntax::Note>,
    file: usize,
    what: &str,
    diags: &mut Diags<'_>,
) -> Text {
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let (zh, en) = match note.get_ref() {
        syntax::Note::Texts(t) => (nonempty(&t.zh), nonempty(&t.en)),
        syntax::Note::Plain(s) => (None, Some(s.clone())),
    };
    if zh.is_none() || en.is_none() {
        let missing = match (&zh, &en) {
            (None, None) => "Chinese and English",
            (None, Some(_)) => "Chinese",
            _ => "English",
        };
        diags.help(
            file,
            note.span(),
            Code::MissingTranslation,
            format!("{what} lacks its {missing} text"),
            "write it in both languages: `{ zh = \"…\", en = \"…\" }`",
        );
    }
    let either = zh.clone().or_else(|| en.clone()).unwrap_or_default();
    Text {
        zh: zh.unwrap_or_else(|| either.clone()).into(),
        en: en.unwrap_or(either).into(),
    }
}

/// Resolved text for a label, reporting a missing language.
pub(crate) fn text_of(t: Option<&syntax::Text>, fallback: &str) -> Text {
    let zh = t.and_then(|t| t.zh.clone());
    let en = t.and_then(|t| t.en.clone());
    Text {
        zh: zh
            .clone()
            .or_else(|| en.clone())
            .unwrap_or_else(|| fallback.to_string())
            .into(),
        en: en.or(zh).unwrap_or_else(|| fallback.to_string()).into(),
    }
}

/// Names of types accepted in rule files.
pub(crate) fn type_of_name(name: &str, unit: Option<&str>) -> Option<(Type, bool)> {
    Some(match name {
        "money" => (Type::Money, false),
        "number" => (Type::Number(unit.map(str::to_string)), false),
        "integer" => (Type::Number(unit.map(str::to_string)), true),
        "bool" => (Type::Bool, false),
        "date" => (Type::Date, false),
        _ => return None,
    })
}

/// A map from names to indices.
pub(crate) fn index_of<T>(items: &[Item<T>]) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.name.clone(), i))
        .collect()
}
