//! A rule set over time: the parameters in force on a day, and what
//! changed between two days.

use super::RuleSet;
use crate::outcome::{OutValue, ParameterUse};
use crate::plan::{Lang, Status, Text};
use crate::run::runner::EvalError;
use crate::Date;
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// A parameter as in force on a day: value, unit, status, the version's
/// dates, the formula of a derived value, and its source. Its JSON is the
/// outcome's parameter entry with the name first.
pub type ParameterInForce = Arc<ParameterUse>;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A parameter's value or version.
    Parameter,
    /// The formula of a computed value.
    Formula,
}

impl ChangeKind {
    /// `parameter` or `formula`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Parameter => "parameter",
            ChangeKind::Formula => "formula",
        }
    }
}

/// One difference between two days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// A parameter or a formula.
    pub kind: ChangeKind,
    /// The parameter's name, or `program.value` / `entity.value`.
    pub name: String,
    /// Before, as JSON (a value, a formula's text; `null` when not in force).
    pub from: Json,
    /// After, as JSON.
    pub to: Json,
    /// The status of the parameter's version on the later day.
    pub status: Option<Status>,
    /// The status of the parameter's version on the earlier day.
    pub from_status: Option<Status>,
    /// Whether the later version's first day is an assumption.
    pub from_assumed: bool,
}

impl Change {
    /// The change as JSON: `kind`, `name`, `from`, `to` (and `status` for a
    /// parameter).
    pub fn to_json(&self) -> Json {
        let mut j =
            json!({"kind": self.kind.name(), "name": self.name, "from": self.from, "to": self.to});
        if self.kind == ChangeKind::Parameter {
            j["status"] = self.status.map_or(Json::Null, |s| Json::from(s.name()));
            j["from_status"] = self
                .from_status
                .map_or(Json::Null, |s| Json::from(s.name()));
            j["date_status"] = Json::from(if self.from_assumed {
                "assumption"
            } else {
                "published"
            });
            let note = self.note();
            j["note"] = json!({"zh": &*note.zh, "en": &*note.en});
        }
        j
    }

    /// What a reader should know beside the values, in both languages
    /// (empty when nothing): that the new value is an assumption, that only
    /// the status changed, that the value stayed the same in a new version,
    /// that the new version's first day is an assumption.
    pub fn note(&self) -> Text {
        let mut zh: Vec<String> = Vec::new();
        let mut en: Vec<String> = Vec::new();
        let same = self.from == self.to;
        if self.kind == ChangeKind::Parameter && !same && self.status == Some(Status::Assumption) {
            zh.push("新数值为假设".into());
            en.push("the new value is an assumption".into());
        }
        if self.kind == ChangeKind::Parameter && same && !self.to.is_null() {
            match (self.from_status, self.status) {
                (Some(a), Some(b)) if a != b => {
                    zh.push(format!(
                        "数值未变，仅状态变化：{} → {}",
                        a.label(Lang::Zh),
                        b.label(Lang::Zh)
                    ));
                    en.push(format!(
                        "value unchanged, only the status changed: {} -> {}",
                        a.name(),
                        b.name()
                    ));
                }
                _ => {
                    zh.push("数值未变（新版本）".into());
                    en.push("value unchanged (a new version)".into());
                }
            }
        }
        if self.from_assumed {
            zh.push("起始日期为假设".into());
            en.push("start date assumed".into());
        }
        Text {
            zh: zh.join("；").into(),
            en: en.join("; ").into(),
        }
    }
}

impl RuleSet {
    fn parameter_index(&self, name: &str) -> Result<usize, EvalError> {
        self.plan()
            .param_index(name)
            .ok_or_else(|| EvalError::UnknownParameter {
                name: name.to_string(),
            })
    }

    /// Every parameter in force on `day`, in rule-set order.
    ///
    /// # Errors
    /// [`EvalError::NoRulesInForce`] when no rules are in force that day.
    pub fn parameters_on(&self, day: Date) -> Result<Vec<ParameterInForce>, EvalError> {
        let plan = self.plan();
        let segment = plan
            .segment_at(day)
            .ok_or_else(|| EvalError::NoRulesInForce {
                program: self.id().to_string(),
                date: day,
                reason: "no rules of the rule set are in force".into(),
            })?;
        Ok(self
            .reports
            .uses(plan, segment)
            .iter()
            .flatten()
            .cloned()
            .collect())
    }

    /// One parameter in force on `day`; `None` when it has no version then.
    ///
    /// # Errors
    /// [`EvalError::UnknownParameter`] when no parameter has that name.
    pub fn parameter_on(
        &self,
        name: &str,
        day: Date,
    ) -> Result<Option<ParameterInForce>, EvalError> {
        let plan = self.plan();
        let i = self.parameter_index(name)?;
        Ok(plan
            .segment_at(day)
            .and_then(|s| self.reports.uses(plan, s).get(i).cloned().flatten()))
    }

    /// What changed between two days: parameters whose value or version
    /// differ, and computed values whose formula differs.
    pub fn diff(&self, from: Date, to: Date) -> Vec<Change> {
        let plan = self.plan();
        let (sa, sb) = (plan.segment_at(from), plan.segment_at(to));
        let mut changes = Vec::new();
        for (i, p) in plan.params.iter().enumerate() {
            let va = sa.map(|s| OutValue::of_param(plan, i, s.params[i]));
            let vb = sb.map(|s| OutValue::of_param(plan, i, s.params[i]));
            let vera = sa.and_then(|s| s.param_version[i]);
            let verb = sb.and_then(|s| s.param_version[i]);
            if va != vb || vera != verb {
                let later = verb.and_then(|v| p.versions.get(v as usize));
                let status = later.map(|v| v.status);
                let from_status = vera
                    .and_then(|v| p.versions.get(v as usize))
                    .map(|v| v.status);
                // The first day matters only when the later day's version
                // starts after the earlier day.
                let from_assumed = later.is_some_and(|v| v.from_assumed && v.from > from);
                changes.push(Change {
                    kind: ChangeKind::Parameter,
                    name: p.name.to_string(),
                    from: va.map_or(Json::Null, |v| v.to_json()),
                    to: vb.map_or(Json::Null, |v| v.to_json()),
                    status,
                    from_status,
                    from_assumed,
                });
            }
        }
        for (i, c) in plan.computeds.iter().enumerate() {
            let ca = sa.and_then(|s| s.choice[i]);
            let cb = sb.and_then(|s| s.choice[i]);
            if ca != cb {
                let text = |v: Option<u32>| {
                    v.and_then(|v| c.versions.get(v as usize))
                        .map_or(Json::Null, |f| Json::String(f.text.clone()))
                };
                let owner = c.program.map_or_else(
                    || plan.entities[c.entity].name.clone(),
                    |p| plan.programs[p].name.to_string(),
                );
                changes.push(Change {
                    kind: ChangeKind::Formula,
                    name: format!("{owner}.{}", c.name),
                    from: text(ca),
                    to: text(cb),
                    status: None,
                    from_status: None,
                    from_assumed: false,
                });
            }
        }
        changes
    }
}

/// One version of a parameter, as written in the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterVersion {
    /// First day in force.
    pub from: Date,
    /// Last day in force, if bounded.
    pub until: Option<Date>,
    /// The value, for a fixed version.
    pub value: Option<OutValue>,
    /// The formula, for a version derived from other parameters.
    pub formula: Option<Arc<str>>,
    /// Published, assumed, derived.
    pub status: Status,
    /// Whether the first day is an assumption, apart from the value.
    pub from_assumed: bool,
    /// Its source.
    pub citation: crate::Citation,
}

impl RuleSet {
    /// The names of every parameter, in rule-set order.
    pub fn parameter_names(&self) -> Vec<&str> {
        self.plan().params.iter().map(|p| &*p.name).collect()
    }

    /// The whole history of a parameter, in date order.
    ///
    /// # Errors
    /// [`EvalError::UnknownParameter`].
    pub fn parameter_history(&self, name: &str) -> Result<Vec<ParameterVersion>, EvalError> {
        let plan = self.plan();
        let i = self.parameter_index(name)?;
        Ok(plan.params[i]
            .versions
            .iter()
            .map(|v| {
                let (value, formula) = match &v.rule {
                    crate::plan::ParamRule::Fixed(x) => {
                        (Some(OutValue::of_param(plan, i, *x)), None)
                    }
                    crate::plan::ParamRule::Derived(_, f) => (None, Some(f.clone())),
                };
                ParameterVersion {
                    from: v.from,
                    until: v.until,
                    value,
                    formula,
                    status: v.status,
                    from_assumed: v.from_assumed,
                    citation: v.citation.clone(),
                }
            })
            .collect())
    }
}
