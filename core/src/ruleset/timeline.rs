//! A rule set over time: the parameters in force on a day, and what
//! changed between two days.

use super::RuleSet;
use crate::outcome::{OutValue, ParameterUse};
use crate::plan::Status;
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
}

impl Change {
    /// The change as JSON: `kind`, `name`, `from`, `to` (and `status` for a
    /// parameter).
    pub fn to_json(&self) -> Json {
        let mut j =
            json!({"kind": self.kind.name(), "name": self.name, "from": self.from, "to": self.to});
        if self.kind == ChangeKind::Parameter {
            j["status"] = self.status.map_or(Json::Null, |s| Json::from(s.name()));
        }
        j
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
                let status = verb
                    .and_then(|v| p.versions.get(v as usize))
                    .map(|v| v.status);
                changes.push(Change {
                    kind: ChangeKind::Parameter,
                    name: p.name.to_string(),
                    from: va.map_or(Json::Null, |v| v.to_json()),
                    to: vb.map_or(Json::Null, |v| v.to_json()),
                    status,
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
                    citation: v.citation.clone(),
                }
            })
            .collect())
    }
}
