//! What an outcome holds: values, conditions, programs, parameters used,
//! assumptions, and the rule set that decided.

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

/// How the values of one sentence are shown so that the sentence stays true.
///
/// A number shown with at most two decimals is exact when that is its value.
/// Otherwise it is marked as approximate ("约 833.33", "about 833.33") and
/// given more decimals (up to six) until it no longer reads as equal to
/// another number of the sentence it differs from: a per-capita income of
/// 1044.9967 compared with a standard of 1045 reads "约 1044.997", never
/// "1045". The comparison itself is always made on the exact values.
fn shown_in_sentence(values: &[OutValue], lang: Lang) -> Vec<String> {
    let exact: Vec<Option<Decimal>> = values.iter().map(OutValue::decimal).collect();
    values
        .iter()
        .zip(&exact)
        .map(|(v, d)| {
            let Some(d) = *d else {
                return v.display(lang);
            };
            let round = |dp: u32| {
                d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            };
            if round(2) == d {
                return money::display(d);
            }
            let mut dp = 2;
            while dp < 6 && exact.iter().flatten().any(|o| *o != d && round(dp) == *o) {
                dp += 1;
            }
            let shown = round(dp).normalize().to_string();
            match lang {
                Lang::Zh => format!("约 {shown}"),
                Lang::En => format!("about {shown}"),
            }
        })
        .collect()
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
    pub(super) template: [Arc<[TemplatePart]>; 2],
    /// The values of the template's placeholders, in order: those of the
    /// Chinese template, then those of the English one.
    pub(super) filled: Vec<OutValue>,
    /// How many of `filled` are the Chinese template's.
    pub(super) filled_zh: usize,
}

impl ConditionOutcome {
    /// The explanation in `lang`: "家庭人均月收入 800 元低于低保标准 1045 元".
    pub fn explanation_in(&self, lang: Lang) -> String {
        let i = usize::from(lang == Lang::En);
        let (zh, en) = self.filled.split_at(self.filled_zh.min(self.filled.len()));
        let filled = if lang == Lang::En { en } else { zh };
        let shown = shown_in_sentence(filled, lang);
        let mut values = shown.into_iter();
        self.template[i]
            .iter()
            .map(|part| match part {
                TemplatePart::Lit(s) => s.clone(),
                TemplatePart::Ref(_) => values.next().unwrap_or_else(|| "-".to_string()),
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
    /// How the amount reads with its period ("元/月", "yuan/meal").
    pub amount_unit: Option<Text>,
    /// How the amount is made up, from its formula and the case's values
    /// (for an eligible case; `None` when nothing is paid):
    /// "城乡低保标准 1045 元 × 家庭人口 3 − 家庭月收入 2400 元 = 735 元/月".
    pub computation: Option<Text>,
    /// The rows of decision tables that applied to the program's values,
    /// with their citations.
    pub rows: Vec<RowUse>,
}

/// A row of a decision table that applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowUse {
    /// The value looked up (`allowance`).
    pub value: Arc<str>,
    /// The table.
    pub table: Arc<str>,
    /// How the table reads.
    pub table_label: Text,
    /// How the row reads ("80-89周岁").
    pub row: Text,
    /// The document the row comes from, when the rule set cites one.
    pub citation: Option<Citation>,
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
    /// Whether that first day is an assumption (the value may still be
    /// published).
    pub from_assumed: bool,
    /// Last day of the version, if bounded.
    pub until: Option<Date>,
    /// Formula of a derived version.
    pub formula: Option<Arc<str>>,
    /// That formula in words, with the values it was computed from:
    /// "城乡低保标准 1115 元 × … 1.5，向上取整到 1".
    pub formula_words: Option<Text>,
    /// Source.
    pub citation: Citation,
}

/// Something an answer rests on that no source states.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assumption {
    /// `parameter`, `formula`, or `reform` (the answer is computed under a
    /// reform or overlay, not the rules as published).
    pub kind: &'static str,
    /// Parameter name, `program.value`, or `reform`.
    pub name: Arc<str>,
    /// Why it was chosen, in Chinese and English.
    pub note: Text,
    /// What it is, for people: the parameter's or the value's label.
    pub label: Text,
}

impl Assumption {
    /// The line every answer under a reform carries, with the reform's hash.
    pub fn reform(hash: &str) -> Assumption {
        Assumption {
            kind: "reform",
            name: "reform".into(),
            note: Text {
                zh: format!("按改革方案计算（{hash}），不是现行公布的规则").into(),
                en: format!("computed under a reform ({hash}), not the rules as published").into(),
            },
            label: Text {
                zh: "改革方案".into(),
                en: "Reform".into(),
            },
        }
    }
}

/// The identity of the rule set that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetStamp {
    /// Id.
    pub id: Arc<str>,
    /// Version.
    pub version: Arc<str>,
    /// Content hash of the rules that decided: the rule files', combined
    /// with the reform's when there is one.
    pub hash: Arc<str>,
    /// Content hash of the reform applied, if any.
    pub reform: Option<Arc<str>>,
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
    /// Each member's results of the member programs evaluated (programs of
    /// the members' entity), member by member in the order given.
    pub members: Vec<MemberOutcome>,
    /// Every parameter used (shared by the outcomes of one segment).
    pub parameters: Vec<Arc<ParameterUse>>,
    /// Every assumption used.
    pub assumptions: Vec<Assumption>,
    /// Programs of the entity not in force on the date, so not evaluated.
    pub not_in_force: Vec<NotInForceProgram>,
    /// When the date is more than a year after the rule set's figures were
    /// last reviewed: a notice saying so, in both languages.
    pub staleness: Option<Text>,
}

/// One member's results: the member programs evaluated for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberOutcome {
    /// The collection (`members`).
    pub collection: Arc<str>,
    /// How the collection reads (家庭成员, household members).
    pub collection_label: Text,
    /// Position of the member in the collection, from 0.
    pub index: usize,
    /// The member's program results.
    pub programs: Vec<ProgramOutcome>,
}

impl MemberOutcome {
    /// How the member reads: "家庭成员 1" / "Household members, no. 1".
    pub fn label(&self) -> Text {
        let n = self.index + 1;
        Text {
            zh: format!("{} {n}", self.collection_label.zh).into(),
            en: format!("{}, no. {n}", self.collection_label.en).into(),
        }
    }

    /// The outcome of one program for this member.
    pub fn program(&self, name: &str) -> Option<&ProgramOutcome> {
        self.programs.iter().find(|p| &*p.program == name)
    }
}

/// The notice for an answer on `as_of` from figures last reviewed on
/// `reviewed`, when `as_of` is more than a year (365 days) later.
pub(crate) fn staleness(reviewed: Option<Date>, as_of: Date) -> Option<Text> {
    let reviewed = reviewed?;
    let limit = reviewed.add_days(365)?;
    (as_of > limit).then(|| Text {
        zh: format!(
            "注意：本规则集的数字最后核对于 {reviewed}，评估日期 {as_of} 已在一年以上之后，标准可能已经调整，请以主管部门最新公布的为准。"
        )
        .into(),
        en: format!(
            "Note: the figures of this rule set were last reviewed on {reviewed}; {as_of} is more than a year later, and they may have changed since: check the latest figures published by the authorities."
        )
        .into(),
    })
}

/// A program not in force on the evaluation date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotInForceProgram {
    /// Name as in the rules.
    pub program: Arc<str>,
    /// Label.
    pub label: Text,
    /// The first later day it is in force, if any.
    pub from: Option<Date>,
}

impl NotInForceProgram {
    /// The programs of `programs` not in force on `segment`'s days, with the
    /// first later day each comes into force.
    pub(crate) fn list(plan: &Plan, segment: &Segment, programs: &[usize]) -> Vec<Self> {
        programs
            .iter()
            .filter_map(|&p| {
                let prog = plan.programs.get(p)?;
                let from = plan
                    .segments
                    .iter()
                    .skip(segment.index + 1)
                    .find(|s| s.program_status.get(p).is_some_and(Result::is_ok))
                    .map(|s| s.start);
                Some(NotInForceProgram {
                    program: prog.name.clone(),
                    label: prog.label.clone(),
                    from,
                })
            })
            .collect()
    }

    /// "城乡最低生活保障：该日尚未实施（自 2017-05-01 起实施）".
    pub fn explanation(&self, lang: Lang) -> String {
        let label = self.label.get(lang);
        match (lang, self.from) {
            (Lang::Zh, Some(d)) => format!("{label}：该日尚未实施（自 {d} 起实施）"),
            (Lang::Zh, None) => format!("{label}：该日不在实施期内"),
            (Lang::En, Some(d)) => {
                format!("{label}: not yet in force on this date (in force from {d})")
            }
            (Lang::En, None) => format!("{label}: not in force on this date"),
        }
    }
}

impl OutValue {
    /// The value of parameter `p`, typed.
    pub fn of_param(plan: &Plan, p: usize, v: Value) -> OutValue {
        plan.params
            .get(p)
            .map_or(OutValue::Missing, |param| OutValue::of(v, &param.ty, plan))
    }
}

impl Outcome {
    /// The outcome of one program.
    pub fn program(&self, name: &str) -> Option<&ProgramOutcome> {
        self.programs.iter().find(|p| &*p.program == name)
    }

    /// Looks up an output by key: `program.eligible`, `program.amount`,
    /// `program.<value>`, `program.conditions.<id>`.
    /// A member's results are read with its collection and position
    /// first: `members[0].program.amount`.
    pub fn get(&self, key: &str) -> Option<OutValue> {
        let (prog, rest) = key.split_once('.')?;
        let p = match prog.split_once('[') {
            Some((coll, index)) => {
                let index: usize = index.strip_suffix(']')?.parse().ok()?;
                let (prog, rest) = rest.split_once('.')?;
                let m = self
                    .members
                    .iter()
                    .find(|m| &*m.collection == coll && m.index == index)?;
                return program_get(m.program(prog)?, rest);
            }
            None => self.program(prog)?,
        };
        program_get(p, rest)
    }

    /// The outcome as JSON (what [`serde::Serialize`] writes; to write
    /// text, `serde_json::to_string(&outcome)` skips the tree).
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// An output of one program's outcome: `eligible`, `amount`, a value or
/// `conditions.<id>`.
fn program_get(p: &ProgramOutcome, rest: &str) -> Option<OutValue> {
    {
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
}
