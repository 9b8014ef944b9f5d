//! The outcome of evaluating a case: values, eligibility, amounts, and why.
//!
//! An [`Outcome`] is built from an evaluated frame and the plan's metadata,
//! so the evaluator itself records nothing. It carries the rule set's id,
//! version and hash, every parameter the answer used (with value, status,
//! dates and source) and every assumption it rests on. It renders as JSON
//! for machines and as text in Chinese or English for people.

mod json;

use crate::date::Date;
use crate::money;
use crate::plan::*;
use crate::value::{Type, Value};
use rust_decimal::Decimal;
use serde_json::Value as Json;
use std::sync::Arc;

/// A value as reported in an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutValue {
    /// Money, in yuan.
    Money(Decimal),
    /// A number, with its unit.
    Number(Decimal, Option<String>),
    /// True or false.
    Bool(bool),
    /// A date.
    Date(Date),
    /// An enum choice: id and label.
    Choice(String, Text),
    /// Not computed (rules not in force).
    Missing,
}

impl OutValue {
    pub(crate) fn of(v: Value, ty: &Type, plan: &Plan) -> OutValue {
        match (v, ty) {
            (Value::Num(d), Type::Money) => OutValue::Money(d),
            (Value::Num(d), Type::Number(u)) => OutValue::Number(d, u.clone()),
            (Value::Bool(b), _) => OutValue::Bool(b),
            (Value::Date(d), _) => OutValue::Date(d),
            (Value::Enum(i), Type::Enum(e)) => {
                let (id, label) = plan
                    .enums
                    .get(*e)
                    .and_then(|en| en.variants.get(i as usize))
                    .cloned()
                    .unwrap_or_default();
                OutValue::Choice(id, label)
            }
            (Value::Num(d), _) => OutValue::Number(d, None),
            _ => OutValue::Missing,
        }
    }

    /// The value as JSON: money and numbers as exact decimal strings.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }

    /// The value for people, in `lang`.
    pub fn display(&self, lang: Lang) -> String {
        match self {
            OutValue::Money(d) | OutValue::Number(d, _) => money::display(*d),
            OutValue::Bool(b) => match (lang, b) {
                (Lang::Zh, true) => "是".into(),
                (Lang::Zh, false) => "否".into(),
                (Lang::En, true) => "yes".into(),
                (Lang::En, false) => "no".into(),
            },
            OutValue::Date(d) => d.to_string(),
            OutValue::Choice(_, label) => label.get(lang).to_string(),
            OutValue::Missing => "-".into(),
        }
    }

    /// The decimal, for money and numbers.
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            OutValue::Money(d) | OutValue::Number(d, _) => Some(*d),
            _ => None,
        }
    }
}

/// A named value with its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedValue {
    /// Name as in the rules.
    pub name: Arc<str>,
    /// Label.
    pub label: Text,
    /// Value.
    pub value: OutValue,
}

/// One condition's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionOutcome {
    /// Id.
    pub id: Arc<str>,
    /// Label.
    pub label: Text,
    /// Whether it holds.
    pub passed: bool,
    /// Rejection code (when it fails).
    pub reject: Arc<str>,
    /// The values it compared.
    pub compared: Vec<NamedValue>,
    /// The explanation template that applies (pass or fail), zh and en,
    /// shared with the plan; rendered only when asked for.
    template: [Arc<[TemplatePart]>; 2],
    /// The values of the template's placeholders, in order: those of the
    /// Chinese template, then those of the English one.
    filled: Vec<OutValue>,
    /// How many of `filled` are the Chinese template's.
    filled_zh: usize,
}

impl ConditionOutcome {
    /// The explanation in `lang`: "家庭人均月收入 800 元低于低保标准 1045 元".
    pub fn explanation_in(&self, lang: Lang) -> String {
        let i = usize::from(lang == Lang::En);
        let (zh, en) = self.filled.split_at(self.filled_zh.min(self.filled.len()));
        let mut values = if lang == Lang::En {
            en.iter()
        } else {
            zh.iter()
        };
        self.template[i]
            .iter()
            .map(|part| match part {
                TemplatePart::Lit(s) => s.clone(),
                TemplatePart::Ref(_) => values
                    .next()
                    .map_or_else(|| "-".to_string(), |v| v.display(lang)),
            })
            .collect()
    }

    /// The explanation in both languages.
    pub fn explanation(&self) -> Text {
        Text {
            zh: self.explanation_in(Lang::Zh).into(),
            en: self.explanation_in(Lang::En).into(),
        }
    }
}

/// One program's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOutcome {
    /// Program id.
    pub program: Arc<str>,
    /// Label.
    pub label: Text,
    /// Whether every condition holds.
    pub eligible: bool,
    /// The amount (zero when not eligible), for programs that pay one.
    pub amount: Option<OutValue>,
    /// Intermediate values.
    pub values: Vec<NamedValue>,
    /// Conditions.
    pub conditions: Vec<ConditionOutcome>,
    /// Names of the parameters used.
    pub parameters: Vec<Arc<str>>,
    /// Assumptions this program's answer rests on.
    pub assumptions: Vec<Assumption>,
}

/// A parameter used, with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterUse {
    /// Name.
    pub name: Arc<str>,
    /// Label.
    pub label: Text,
    /// Value in force.
    pub value: OutValue,
    /// Unit.
    pub unit: Option<Arc<str>>,
    /// How the unit reads, in both languages.
    pub unit_label: Option<Text>,
    /// Status.
    pub status: Status,
    /// First day of the version.
    pub from: Date,
    /// Last day of the version, if bounded.
    pub until: Option<Date>,
    /// Formula of a derived version.
    pub formula: Option<Arc<str>>,
    /// Source.
    pub citation: Citation,
}

/// Something an answer rests on that no source states.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assumption {
    /// `parameter` or `formula`.
    pub kind: &'static str,
    /// Parameter name, or `program.value`.
    pub name: Arc<str>,
    /// Why it was chosen.
    pub note: Arc<str>,
}

/// The identity of the rule set that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetStamp {
    /// Id.
    pub id: Arc<str>,
    /// Version.
    pub version: Arc<str>,
    /// Content hash.
    pub hash: Arc<str>,
}

/// The outcome of one case on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Which rules decided.
    pub ruleset: RuleSetStamp,
    /// The evaluation date.
    pub as_of: Date,
    /// The case's entity.
    pub entity: String,
    /// Each program evaluated.
    pub programs: Vec<ProgramOutcome>,
    /// Every parameter used (shared by the outcomes of one segment).
    pub parameters: Vec<Arc<ParameterUse>>,
    /// Every assumption used.
    pub assumptions: Vec<Assumption>,
}

fn ref_value(r: &Ref, frame: &[Value], params: &[Value], as_of: Date, plan: &Plan) -> OutValue {
    let v = match r.target {
        RefTarget::Param(p) => params.get(p).copied().unwrap_or_default(),
        RefTarget::Slot(s) => frame.get(s).copied().unwrap_or_default(),
        RefTarget::AsOf => Value::Date(as_of),
    };
    OutValue::of(v, &r.ty, plan)
}

fn fill<'a>(
    parts: &'a [TemplatePart],
    frame: &'a [Value],
    params: &'a [Value],
    as_of: Date,
    plan: &'a Plan,
) -> impl Iterator<Item = OutValue> + 'a {
    parts.iter().filter_map(move |p| match p {
        TemplatePart::Lit(_) => None,
        TemplatePart::Ref(r) => Some(ref_value(r, frame, params, as_of, plan)),
    })
}

/// Number of placeholders of a template.
fn refs(parts: &[TemplatePart]) -> usize {
    parts
        .iter()
        .filter(|p| matches!(p, TemplatePart::Ref(_)))
        .count()
}

/// The assumptions program `pi` rests on in `segment`: parameters in force
/// whose version is an assumption, and formulas it needs that are, sorted.
fn program_assumptions(plan: &Plan, segment: &Segment, pi: usize) -> Vec<Assumption> {
    let Some(p) = plan.programs.get(pi) else {
        return Vec::new();
    };
    let used = segment
        .program_params
        .get(pi)
        .map_or(&[][..], Vec::as_slice);
    let mut assumptions: Vec<Assumption> = used
        .iter()
        .filter_map(|&q| {
            let v = segment.param_version[q]?;
            let version = plan.params[q].versions.get(v as usize)?;
            (version.status == Status::Assumption).then(|| Assumption {
                kind: "parameter",
                name: plan.params[q].name.clone(),
                note: version.citation.note.clone().unwrap_or_else(|| "".into()),
            })
        })
        .collect();
    for &c in &p.needed {
        if let Some(note) = &plan.computeds[c].assumption {
            let comp = &plan.computeds[c];
            let owner = comp.program.map_or_else(
                || plan.entities[comp.entity].name.clone(),
                |o| plan.programs[o].name.to_string(),
            );
            assumptions.push(Assumption {
                kind: "formula",
                name: format!("{owner}.{}", comp.name).into(),
                note: note.clone(),
            });
        }
    }
    assumptions.sort();
    assumptions.dedup();
    assumptions
}

/// How outcomes report each parameter in force in `segment`.
fn parameter_uses(plan: &Plan, segment: &Segment) -> Vec<Option<Arc<ParameterUse>>> {
    let params = &segment.params;
    (0..plan.params.len())
        .map(|q| {
            let param = &plan.params[q];
            let v = segment.param_version[q]?;
            let version = param.versions.get(v as usize)?;
            Some(Arc::new(ParameterUse {
                name: param.name.clone(),
                label: param.label.clone(),
                value: OutValue::of(params[q], &param.ty, plan),
                unit: param.unit.clone(),
                unit_label: param.unit.as_ref().map(|u| plan.unit_text(u)),
                status: version.status,
                from: version.from,
                until: version.until.or_else(|| {
                    param
                        .versions
                        .get(v as usize + 1)
                        .and_then(|n| n.from.add_days(-1))
                }),
                formula: match &version.rule {
                    ParamRule::Derived(_, text) => Some(text.clone()),
                    ParamRule::Fixed(_) => None,
                },
                citation: version.citation.clone(),
            }))
        })
        .collect()
}

impl Outcome {
    /// Builds the outcome of an evaluated frame.
    pub(crate) fn build(
        plan: &Plan,
        segment: &Segment,
        entity: usize,
        programs: &[usize],
        frame: &[Value],
        as_of: Date,
    ) -> Outcome {
        let params = &segment.params;
        let mut all_params: Vec<usize> = Vec::with_capacity(
            programs
                .iter()
                .filter_map(|&p| segment.program_params.get(p))
                .map(Vec::len)
                .sum(),
        );
        let mut all_assumptions: Vec<Assumption> = Vec::new();
        let mut outs = Vec::with_capacity(programs.len());
        for &pi in programs {
            let p = &plan.programs[pi];
            let get = |c: usize| {
                let comp = &plan.computeds[c];
                OutValue::of(
                    frame.get(comp.slot).copied().unwrap_or_default(),
                    &comp.ty,
                    plan,
                )
            };
            let values = p
                .values
                .iter()
                .map(|&c| NamedValue {
                    name: plan.computeds[c].name.clone(),
                    label: plan.computeds[c].label.clone(),
                    value: get(c),
                })
                .collect();
            let conditions = p
                .conditions
                .iter()
                .map(|cond| {
                    let passed = frame
                        .get(plan.computeds[cond.computed].slot)
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false);
                    let parts = if passed { &cond.pass } else { &cond.fail };
                    ConditionOutcome {
                        id: cond.id.clone(),
                        label: cond.label.clone(),
                        passed,
                        reject: cond.reject.clone(),
                        template: parts.clone(),
                        filled_zh: refs(&parts[0]),
                        filled: {
                            let mut v = Vec::with_capacity(refs(&parts[0]) + refs(&parts[1]));
                            v.extend(fill(&parts[0], frame, params, as_of, plan));
                            v.extend(fill(&parts[1], frame, params, as_of, plan));
                            v
                        },
                        compared: cond
                            .refs
                            .iter()
                            .map(|r| NamedValue {
                                name: r.name.clone(),
                                label: r.label.clone(),
                                value: ref_value(r, frame, params, as_of, plan),
                            })
                            .collect(),
                    }
                })
                .collect();
            let used = &segment.program_params[pi];
            let notes = segment.notes.get_or_init(|| {
                (0..plan.programs.len())
                    .map(|pi| program_assumptions(plan, segment, pi))
                    .collect()
            });
            let assumptions = notes.get(pi).cloned().unwrap_or_default();
            all_params.extend(used.iter().copied());
            all_assumptions.extend(assumptions.iter().cloned());
            outs.push(ProgramOutcome {
                program: p.name.clone(),
                label: p.label.clone(),
                eligible: frame
                    .get(plan.computeds[p.eligible].slot)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                amount: p.amount.map(get),
                values,
                conditions,
                parameters: used.iter().map(|&q| plan.params[q].name.clone()).collect(),
                assumptions,
            });
        }
        all_params.sort_unstable();
        all_params.dedup();
        all_assumptions.sort();
        all_assumptions.dedup();
        let uses = segment.uses.get_or_init(|| parameter_uses(plan, segment));
        let parameters = all_params
            .into_iter()
            .filter_map(|q| uses.get(q).cloned().flatten())
            .collect();
        Outcome {
            ruleset: RuleSetStamp {
                id: plan.header.id.clone(),
                version: plan.header.version.clone(),
                hash: plan.header.hash.clone(),
            },
            as_of,
            entity: plan.entities[entity].name.clone(),
            programs: outs,
            parameters,
            assumptions: all_assumptions,
        }
    }

    /// The outcome of one program.
    pub fn program(&self, name: &str) -> Option<&ProgramOutcome> {
        self.programs.iter().find(|p| &*p.program == name)
    }

    /// Looks up an output by key: `program.eligible`, `program.amount`,
    /// `program.<value>`, `program.conditions.<id>`.
    pub fn get(&self, key: &str) -> Option<OutValue> {
        let (prog, rest) = key.split_once('.')?;
        let p = self.program(prog)?;
        match rest {
            "eligible" => Some(OutValue::Bool(p.eligible)),
            "amount" => p.amount.clone(),
            _ => {
                if let Some(cond) = rest.strip_prefix("conditions.") {
                    return p
                        .conditions
                        .iter()
                        .find(|c| &*c.id == cond)
                        .map(|c| OutValue::Bool(c.passed));
                }
                p.values
                    .iter()
                    .find(|v| &*v.name == rest)
                    .map(|v| v.value.clone())
            }
        }
    }

    /// The outcome as JSON (what [`serde::Serialize`] writes; to write
    /// text, `serde_json::to_string(&outcome)` skips the tree).
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }

    /// The outcome explained for people, in Chinese or English.
    pub fn explain(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut out = String::new();
        for p in &self.programs {
            let verdict = match (zh, p.eligible) {
                (true, true) => "符合条件",
                (true, false) => "不符合条件",
                (false, true) => "eligible",
                (false, false) => "not eligible",
            };
            out.push_str(&format!("{} — {verdict}", p.label.get(lang)));
            if let (true, Some(a)) = (p.eligible, &p.amount) {
                let unit = match a {
                    OutValue::Money(_) => {
                        if zh {
                            " 元"
                        } else {
                            " yuan"
                        }
                    }
                    _ => "",
                };
                let shown = a.display(lang);
                if zh {
                    out.push_str(&format!("，金额 {shown}{unit}"));
                } else {
                    out.push_str(&format!(", amount {shown}{unit}"));
                }
            }
            out.push('\n');
            for c in &p.conditions {
                out.push_str(&format!(
                    "  {} {}\n",
                    if c.passed { "✓" } else { "✗" },
                    c.explanation_in(lang)
                ));
            }
        }
        if !self.parameters.is_empty() {
            out.push_str(if zh {
                "\n所用参数：\n"
            } else {
                "\nParameters used:\n"
            });
            for u in &self.parameters {
                let status = match (zh, u.status) {
                    (true, Status::Published) => "已公布",
                    (true, Status::Derived) => "推算",
                    (true, Status::Assumption) => "假设",
                    (false, s) => s.name(),
                };
                let unit = u
                    .unit_label
                    .as_ref()
                    .map(|t| t.get(lang))
                    .map(|s| format!(" {s}"))
                    .unwrap_or_default();
                let span = match u.until {
                    Some(until) => format!("{} – {until}", u.from),
                    None => format!("{} –", u.from),
                };
                out.push_str(&format!(
                    "  {} = {}{unit} [{status}; {span}]\n",
                    u.label.get(lang),
                    u.value.display(lang)
                ));
                let c = &u.citation;
                let mut cite = format!(
                    "    {}{}",
                    if zh { "来源：" } else { "source: " },
                    c.document
                );
                if let Some(d) = c.date {
                    cite.push_str(&format!(" ({d})"));
                }
                if let Some(f) = &u.formula {
                    cite.push_str(&if zh {
                        format!("；公式 {f}")
                    } else {
                        format!("; formula {f}")
                    });
                }
                if let Some(q) = &c.quote {
                    cite.push_str(&format!(" “{q}”"));
                }
                out.push_str(&cite);
                out.push('\n');
            }
        }
        if !self.assumptions.is_empty() {
            out.push_str(if zh {
                "\n本结果依据以下假设（非公布数字）：\n"
            } else {
                "\nThis answer rests on assumptions (not published figures):\n"
            });
            for a in &self.assumptions {
                out.push_str(&format!("  - {}: {}\n", a.name, a.note));
            }
        }
        out.push_str(&format!(
            "\n{} {} {} ({}), {} {}\n",
            if zh { "规则集" } else { "Rule set" },
            self.ruleset.id,
            self.ruleset.version,
            self.ruleset.hash,
            if zh { "评估日期" } else { "as of" },
            self.as_of
        ));
        out
    }
}

/// A citation as JSON: source id, document, date, quote, note.
pub fn citation_json(c: &Citation) -> Json {
    serde_json::to_value(crate::outcome::json::Cited(c)).unwrap_or(Json::Null)
}

impl OutValue {
    /// The value of parameter `p`, typed.
    pub fn of_param(plan: &Plan, p: usize, v: Value) -> OutValue {
        plan.params
            .get(p)
            .map_or(OutValue::Missing, |param| OutValue::of(v, &param.ty, plan))
    }
}
