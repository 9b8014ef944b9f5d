//! Parameter overrides (a reform) applied to merged declarations before
//! they are checked.

use super::parameters::*;
use super::values::*;
use super::{Diags, Merged, Override};
use crate::diagnostic::Code;
use crate::syntax;
use toml::Spanned;

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
        } else if let Some(d) = crate::date::Date::parse(&o.value) {
            toml_date(d)
        } else {
            toml::Value::String(o.value.clone())
        };
        let source = syntax::Citation {
            reference: None,
            document: Some("reform".into()),
            date: None,
            quote: None,
            note: Some(Spanned::new(
                0..0,
                syntax::Note::Texts(syntax::Text {
                    zh: Some(format!("改革方案：{} 设为 {}", o.name, o.value)),
                    en: Some(format!("reform: {} set to {}", o.name, o.value)),
                }),
            )),
        };
        let start = decl
            .history
            .first()
            .map(|v| v.get_ref().from.clone())
            .unwrap_or_else(|| {
                let start = crate::date::Date::from_ymd(1900, 1, 1)
                    .map_or(toml::Value::String("1900-01-01".into()), toml_date);
                Spanned::new(0..0, start)
            });
        let from = match o.from {
            Some(d) => Spanned::new(0..0, toml_date(d)),
            None => start,
        };
        if let Some(cut) = o.from {
            // Keep versions that start before the reform date. Explicit ends
            // after it are cut back; the latest kept version, which ran on
            // until the next one, now ends the day before the reform.
            let until = Spanned::new(0..0, toml_date(cut.add_days(-1).unwrap_or(cut)));
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
                date_status: None,
                source: Some(Spanned::new(0..0, source)),
            },
        ));
    }
}

/// Checks an override against the plan it would change: the name must be a
/// parameter, the value must fit its type. Returns what is wrong.
pub(crate) fn check_override(plan: &crate::plan::Plan, o: &Override) -> Result<(), String> {
    use crate::value::Type;
    let Some(p) = plan.params.iter().find(|p| *p.name == o.name) else {
        return Err(format!(
            "`{}` is not a parameter of {} (`bangfu params` lists them)",
            o.name, plan.header.id
        ));
    };
    let value = match (&p.ty, o.value.as_str()) {
        (Type::Bool, "true" | "false") => toml::Value::Boolean(o.value == "true"),
        (Type::Bool, _) => return Err(format!("\"{}\" is not true or false", o.value)),
        (Type::Date, text) => match crate::date::Date::parse(text) {
            Some(d) => toml_date(d),
            None => return Err(format!("\"{text}\" is not a date (YYYY-MM-DD)")),
        },
        _ => toml::Value::String(o.value.clone()),
    };
    let mut diags = Diags {
        files: Vec::new(),
        list: Vec::new(),
        warnings: Vec::new(),
    };
    let what = "the value";
    let typed = typed_value(
        &Spanned::new(0..0, value),
        &p.ty,
        p.integer,
        &plan.enums,
        0,
        what,
        &mut diags,
    )
    .ok_or_else(|| {
        diags.list.first().map_or_else(
            || format!("\"{}\" does not fit", o.value),
            |d| d.message.clone(),
        )
    })?;
    match p.misfit(typed) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}
