//! Programs paid per member.
//!
//! The `per_member` part of a program becomes a program of the members'
//! entity with the same name (its *part*): its first condition is that the
//! program holds for the owner (`household.dibao.eligible`), then the
//! member-level conditions; its amount is each member's. The program's own
//! amount adds up the members' amounts (after its own formula, if it has
//! one), so the household's figure is always the sum of what the members
//! are paid plus what the household is paid.

use super::{Diags, Item, Merged};
use crate::diagnostic::Code;
use crate::syntax::{self, ConditionDecl, ProgramDecl, Sentences, ValueDecl};
use toml::Spanned;

/// A program with a per-member part, as split.
pub(super) struct Part {
    /// The program (index in the merged programs).
    pub program: usize,
    /// Its part (index in the merged programs).
    pub part: usize,
    /// The collection's name.
    pub collection: String,
    /// Whether the program has an amount of its own, to which the
    /// members' sum is added (otherwise its amount is that sum).
    pub adds: bool,
}

fn text(zh: String, en: String) -> syntax::Text {
    syntax::Text {
        zh: Some(zh),
        en: Some(en),
    }
}

/// Splits every `per_member` section off its program into a part, appended
/// to the merged programs.
pub(super) fn split(merged: &mut Merged, diags: &mut Diags<'_>) -> Vec<Part> {
    let mut parts = Vec::new();
    for i in 0..merged.programs.len() {
        let item = &mut merged.programs[i];
        let (file, name, name_span) = (item.file, item.name.clone(), item.name_span.clone());
        let decl = item.decl.get_mut();
        let Some(pm) = decl.per_member.take() else {
            continue;
        };
        let span = pm.span();
        let pm = pm.into_inner();
        let owner = decl.entity.get_ref().clone();
        let owner_decl = merged.entities.iter().find(|e| e.name == owner);
        let member = owner_decl.and_then(|e| {
            e.decl
                .get_ref()
                .collections
                .iter()
                .find(|(k, _)| k.get_ref() == pm.collection.get_ref())
                .map(|(_, c)| c.get_ref().entity.get_ref().clone())
        });
        let Some(member) = member else {
            diags.help(
                file,
                pm.collection.span(),
                Code::UnknownName,
                format!(
                    "`{}` is not a collection of {owner}",
                    pm.collection.get_ref()
                ),
                "name a collection of the program's entity, e.g. `collection = \"members\"`",
            );
            continue;
        };
        let owner_label = owner_decl
            .and_then(|e| e.decl.get_ref().label.clone())
            .unwrap_or_default();
        let (owner_zh, owner_en) = (
            owner_label.zh.unwrap_or_else(|| owner.clone()),
            owner_label
                .en
                .unwrap_or_else(|| owner.clone())
                .to_lowercase(),
        );
        let label = decl.label.clone().unwrap_or_default();
        let (zh, en) = (
            label.zh.clone().unwrap_or_else(|| name.clone()),
            label.en.clone().unwrap_or_else(|| name.clone()),
        );
        let owner_holds = ConditionDecl {
            id: Spanned::new(span.clone(), format!("{owner}_eligible")),
            test: Spanned::new(span.clone(), format!("{owner}.{name}.eligible")),
            reject: Some(format!("{owner}_not_eligible")),
            label: Some(text(
                format!("{owner_zh}符合{zh}条件"),
                format!("The {owner_en} qualifies for {en}"),
            )),
            pass: Some(Spanned::new(
                span.clone(),
                Sentences::One(text(
                    format!("{owner_zh}符合{zh}的条件"),
                    format!("The {owner_en} meets the conditions of {en}"),
                )),
            )),
            fail: Some(Spanned::new(
                span.clone(),
                Sentences::One(text(
                    format!("{owner_zh}不符合{zh}的条件"),
                    format!("The {owner_en} does not meet the conditions of {en}"),
                )),
            )),
            assumption: None,
            assumption_when: None,
        };
        let mut conditions = vec![Spanned::new(span.clone(), owner_holds)];
        conditions.extend(pm.conditions);
        let adds = decl.amount.is_some() && pm.amount.is_some();
        let collection = pm.collection.get_ref().clone();
        // Without an amount of its own, the program pays the members' sum.
        if let (None, Some(a)) = (&decl.amount, &pm.amount) {
            let ad = a.get_ref();
            decl.amount = Some(Spanned::new(
                a.span(),
                ValueDecl {
                    formula: Some(Spanned::new(
                        a.span(),
                        format!("sum({}, {name}.amount)", pm.collection.get_ref()),
                    )),
                    versions: Vec::new(),
                    label: decl.label.clone(),
                    rounding: None,
                    assumption: None,
                    assumption_when: None,
                    unit: ad.unit.clone(),
                },
            ));
        }
        let part = ProgramDecl {
            entity: Spanned::new(pm.collection.span(), member),
            label: Some(pm.label.unwrap_or(label)),
            description: decl.description.clone(),
            source: None,
            values: pm.values,
            conditions,
            amount: pm.amount,
            settlement: None,
            per_member: None,
        };
        parts.push(Part {
            program: i,
            part: merged.programs.len(),
            collection,
            adds,
        });
        merged.programs.push(Item {
            file,
            name,
            name_span,
            decl: Spanned::new(span, part),
        });
    }
    parts
}
