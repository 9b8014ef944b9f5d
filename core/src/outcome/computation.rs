//! How an amount is made up, in words: the amount's compiled formula read
//! back with the case's values, in Chinese and English —
//! "城乡低保标准 1045 元 × 家庭人口 3 − 家庭月收入 2400 元 = 735 元/月".
//!
//! Generic: it walks the plan's formula nodes of any program of any rule
//! set. Leaves read as their label and value (parameters, inputs, computed
//! values, constants); a computed value looked up in a table says which row
//! applied; `min`, `max`, rounding and the branch of an `if` that held read
//! as words. Nothing is evaluated that the frame does not already hold,
//! except the conditions of `if` and the keys of tables, which are
//! evaluated with the case's own frame and parameters.

use crate::date::Date;
use crate::money::{self, RoundingMode};
use crate::plan::*;
use crate::run::node::{eval_node, Env, Members};
use crate::value::{Type, Value};
use rust_decimal::Decimal;

use super::model::RowUse;

/// What the renderer reads: the plan, the case's entity and frame, the
/// segment's parameters, the date.
pub(super) struct Reader<'a> {
    pub plan: &'a Plan,
    pub entity: usize,
    pub frame: &'a [Value],
    /// For a member: its owner's entity and frame (`household.x`).
    pub owner: Option<(usize, &'a [Value])>,
    /// The case's collections (member frames).
    pub collections: &'a [Members<'a>],
    pub params: &'a [Value],
    /// The version of each parameter in force (to read derived ones).
    pub versions: &'a [Option<u32>],
    pub as_of: Date,
}

/// Binding strength, for parentheses: words ("…中较小者") bind loosest.
const WORDS: u8 = 0;
const ADD: u8 = 1;
const MUL: u8 = 2;
const ATOM: u8 = 3;

impl Reader<'_> {
    /// The computation of computed value `c` (an amount), ending with its
    /// value and `unit`: `None` when it has no formula in force.
    pub fn computation(&self, c: usize, choice: Option<u32>, unit: &Text) -> Option<Text> {
        let comp = self.plan.computeds.get(c)?;
        let node = &comp.versions.get(choice? as usize)?.node;
        let result = self.frame.get(comp.slot).and_then(|v| v.as_num())?;
        let mut out = [String::new(), String::new()];
        // The amount's own rounding reads after the whole formula, and only
        // when it changed the value.
        let mut top = node;
        while let Node::IfEligible(_, inner) = top {
            top = inner;
        }
        let (body, rounding) = match top {
            Node::Round(mode, unit, inner) => {
                let before = eval_node(inner, &self.env()).ok().and_then(|v| v.as_num());
                (&**inner, (before != Some(result)).then_some((*mode, *unit)))
            }
            _ => (top, None),
        };
        for (i, lang) in [Lang::Zh, Lang::En].into_iter().enumerate() {
            let (text, _) = self.node(body, lang);
            let rounding = rounding
                .map(|(mode, unit)| rounding_words(mode, unit, lang))
                .unwrap_or_default();
            out[i] = format!(
                "{text}{rounding} = {} {}",
                money::display(result),
                unit.get(lang)
            )
            .trim_end()
            .to_string();
        }
        let [zh, en] = out;
        Some(Text {
            zh: zh.into(),
            en: en.into(),
        })
    }

    /// A formula in words, in both languages.
    pub fn words(&self, node: &Node) -> Text {
        Text {
            zh: self.node(node, Lang::Zh).0.into(),
            en: self.node(node, Lang::En).0.into(),
        }
    }

    fn env(&self) -> Env<'_> {
        Env {
            params: self.params,
            frame: self.frame,
            member: &[],
            owner: self.owner.map_or(&[][..], |(_, f)| f),
            collections: self.collections,
            tables: &self.plan.tables,
            as_of: self.as_of,
        }
    }

    /// Whether the boolean `c` that only explanations read
    /// ([`ComputedKind::Note`]) holds for the case: its formula in force
    /// (`version`) evaluated on the frame; false when it cannot be.
    pub(super) fn holds(&self, c: usize, version: Option<u32>) -> bool {
        let formula = version.and_then(|v| self.plan.computeds.get(c)?.versions.get(v as usize));
        formula
            .and_then(|f| eval_node(&f.node, &self.env()).ok())
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// A node in words, with its binding strength.
    fn node(&self, node: &Node, lang: Lang) -> (String, u8) {
        let zh = lang == Lang::Zh;
        match node {
            Node::Const(v) => (self.plain(*v), ATOM),
            Node::Param(q) => (self.param(*q, lang), ATOM),
            Node::Slot(s) => (self.slot(*s, lang), ATOM),
            Node::OwnerSlot(s) => match self.owner {
                Some((entity, frame)) => {
                    let reader = Reader {
                        entity,
                        frame,
                        owner: None,
                        ..*self
                    };
                    (reader.slot(*s, lang), ATOM)
                }
                None => ("…".to_string(), ATOM),
            },
            Node::IfEligible(_, inner) => self.node(inner, lang),
            Node::Neg(x) => {
                let (t, _) = self.node(x, lang);
                (format!("−{t}"), ATOM)
            }
            Node::Arith(op, a, b) => {
                let (sym, strength) = match op {
                    Arith::Add => ("+", ADD),
                    Arith::Sub => ("−", ADD),
                    Arith::Mul => ("×", MUL),
                    Arith::Div => ("÷", MUL),
                };
                let (ta, sa) = self.node(a, lang);
                let (tb, sb) = self.node(b, lang);
                let left = wrap(ta, sa < strength, lang);
                // The right operand of − and ÷ needs parentheses at equal strength.
                let tight = matches!(op, Arith::Sub | Arith::Div);
                let right = wrap(tb, sb < strength || (tight && sb == strength), lang);
                (format!("{left} {sym} {right}"), strength)
            }
            Node::Min(args) | Node::Max(args) => {
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| {
                        let (t, s) = self.node(a, lang);
                        wrap(t, s < ATOM && args.len() > 1, lang)
                    })
                    .collect();
                let smaller = matches!(node, Node::Min(_));
                let text = if zh {
                    format!(
                        "{}中{}者",
                        parts.join("、"),
                        if smaller { "较小" } else { "较大" }
                    )
                } else {
                    format!(
                        "the {} of {}",
                        if smaller { "smaller" } else { "larger" },
                        parts.join(" and ")
                    )
                };
                (text, WORDS)
            }
            Node::Round(mode, unit, x) => {
                let (t, _) = self.node(x, lang);
                (format!("{t}{}", rounding_words(*mode, *unit, lang)), WORDS)
            }
            Node::If(c, a, b) => {
                let held = eval_node(c, &self.env())
                    .ok()
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                self.node(if held { a } else { b }, lang)
            }
            Node::Table(t, key) => (self.table(*t, key, lang), ATOM),
            Node::Agg(kind, coll, body) => (
                self.aggregate(node, *kind, *coll, body.as_deref(), lang),
                ATOM,
            ),
            _ => (
                match eval_node(node, &self.env()).ok().and_then(|v| v.as_num()) {
                    Some(d) => money::display(d),
                    None => "…".into(),
                },
                ATOM,
            ),
        }
    }

    /// "共同生活的家庭成员的月收入合计 2400 元", "Members living together: count 3".
    fn aggregate(
        &self,
        node: &Node,
        kind: AggKind,
        coll: usize,
        body: Option<&Node>,
        lang: Lang,
    ) -> String {
        let value = eval_node(node, &self.env()).map_or(Value::Missing, |v| v);
        let Some(c) = self
            .plan
            .entities
            .get(self.entity)
            .and_then(|e| e.collections.get(coll))
        else {
            return self.plain(value);
        };
        let member = self.plan.entities.get(c.entity);
        let (what, ty) = match body {
            Some(Node::MemberSlot(s)) => match member.and_then(|m| m.inputs.get(*s)) {
                Some(i) => (i.label.get(lang).to_string(), i.ty.clone()),
                None => match self
                    .plan
                    .computeds
                    .iter()
                    .find(|k| k.entity == c.entity && k.slot == *s)
                {
                    Some(k) => (k.label.get(lang).to_string(), k.ty.clone()),
                    None => (String::new(), Type::Number(None)),
                },
            },
            _ => (String::new(), Type::Number(None)),
        };
        let unit = match kind {
            AggKind::Sum | AggKind::Min | AggKind::Max => self.short_unit(&ty, None, lang),
            _ => String::new(),
        };
        let coll_label = c.label.get(lang);
        let words = match (lang, kind) {
            (Lang::Zh, AggKind::Count) => format!("{coll_label}人数"),
            (Lang::Zh, AggKind::Sum) => format!("{coll_label}的{what}合计"),
            (Lang::Zh, AggKind::Min) => format!("{coll_label}的{what}最小值"),
            (Lang::Zh, AggKind::Max) => format!("{coll_label}的{what}最大值"),
            (Lang::En, AggKind::Count) => format!("{coll_label}, counted"),
            (Lang::En, AggKind::Sum) => format!("{what} of {coll_label}, total"),
            (Lang::En, AggKind::Min) => format!("{what} of {coll_label}, smallest"),
            (Lang::En, AggKind::Max) => format!("{what} of {coll_label}, largest"),
            (_, AggKind::Any | AggKind::All) => coll_label.to_string(),
        };
        join(&words, &self.plain(value), &unit)
    }

    /// A number as written.
    fn plain(&self, v: Value) -> String {
        v.as_num().map_or_else(|| "…".into(), money::display)
    }

    /// "城乡低保标准 1045 元".
    fn param(&self, q: usize, lang: Lang) -> String {
        let Some(p) = self.plan.params.get(q) else {
            return "…".into();
        };
        let value = self.params.get(q).copied().unwrap_or(Value::Missing);
        let unit = self.short_unit(&p.ty, p.unit.as_deref(), lang);
        let text = join(p.label.get(lang), &self.plain(value), &unit);
        // A derived parameter says how it is computed.
        let derived = self
            .versions
            .get(q)
            .copied()
            .flatten()
            .and_then(|v| p.versions.get(v as usize))
            .and_then(|v| match &v.rule {
                ParamRule::Derived(node, _) => Some(node),
                ParamRule::Fixed(_) => None,
            });
        match (derived, lang) {
            (Some(node), Lang::Zh) => format!("{text}（{}）", self.node(node, lang).0),
            (Some(node), Lang::En) => format!("{text} ({})", self.node(node, lang).0),
            (None, _) => text,
        }
    }

    /// An input or a computed value of the case's frame, with its label.
    fn slot(&self, s: usize, lang: Lang) -> String {
        let value = self.frame.get(s).copied().unwrap_or(Value::Missing);
        let Some(ent) = self.plan.entities.get(self.entity) else {
            return self.plain(value);
        };
        if let Some(input) = ent.inputs.get(s) {
            let unit = self.short_unit(&input.ty, input.unit.as_deref(), lang);
            return join(input.label.get(lang), &self.plain(value), &unit);
        }
        let Some(comp) = self
            .plan
            .computeds
            .iter()
            .find(|c| c.entity == self.entity && c.slot == s)
        else {
            return self.plain(value);
        };
        let unit = self.short_unit(&comp.ty, None, lang);
        // A value looked up in a table says which row applied.
        let row = comp.versions.iter().find_map(|f| match &f.node {
            Node::Table(t, key) => Some(self.row_label(*t, key, lang)),
            _ => None,
        });
        let text = join(comp.label.get(lang), &self.plain(value), &unit);
        match row.flatten() {
            Some(r) if lang == Lang::Zh => format!("{text}（{r}）"),
            Some(r) => format!("{text} ({r})"),
            None => text,
        }
    }

    /// "每餐补贴标准（就餐日周岁年龄 72，70 周岁以上）".
    fn table(&self, t: usize, key: &Node, lang: Lang) -> String {
        let label = self.plan.tables.get(t).map_or("…", |t| t.label.get(lang));
        let (k, _) = self.node(key, lang);
        match self.row_label(t, key, lang) {
            Some(r) if lang == Lang::Zh => format!("{label}（{k}，{r}）"),
            Some(r) => format!("{label} ({k}, {r})"),
            None => format!("{label} ({k})"),
        }
    }

    /// The label of the row of table `t` that the key's value falls in.
    fn row_label(&self, t: usize, key: &Node, lang: Lang) -> Option<String> {
        let row = self.row(t, key)?;
        let label = row.label.get(lang);
        let document = row
            .citation
            .as_ref()
            .map(|c| &*c.document)
            .filter(|d| !d.is_empty());
        (!label.is_empty()).then(|| match (lang, document) {
            (Lang::Zh, None) => format!("{label}档"),
            (Lang::Zh, Some(d)) => format!("{label}档，依据{d}"),
            (Lang::En, None) => format!("band {label}"),
            (Lang::En, Some(d)) => format!("band {label}, as in {d}"),
        })
    }

    /// The row of table `t` that applies to the key, if any.
    fn row(&self, t: usize, key: &Node) -> Option<&RowPlan> {
        let table = self.plan.tables.get(t)?;
        let k = eval_node(key, &self.env()).ok()?.as_num()?;
        table.rows.iter().find(|r| in_band(k, r))
    }

    /// The table rows that applied to the values `computeds` (each a
    /// look-up in a table), in order.
    pub fn rows_applied(&self, computeds: &[usize], choices: &[Option<u32>]) -> Vec<RowUse> {
        computeds
            .iter()
            .filter_map(|&c| {
                let comp = self.plan.computeds.get(c)?;
                if comp.entity != self.entity {
                    return None;
                }
                let v = choices.get(c).copied().flatten()?;
                let Node::Table(t, key) = &comp.versions.get(v as usize)?.node else {
                    return None;
                };
                let table = self.plan.tables.get(*t)?;
                let row = self.row(*t, key)?;
                Some(RowUse {
                    value: comp.name.clone(),
                    table: table.name.as_str().into(),
                    table_label: table.label.clone(),
                    row: row.label.clone(),
                    citation: row.citation.clone(),
                })
            })
            .collect()
    }

    /// The unit of a leaf inside a computation: 元 for money, the unit's
    /// label for a number with a unit.
    fn short_unit(&self, ty: &Type, unit: Option<&str>, lang: Lang) -> String {
        match ty {
            Type::Money => match lang {
                Lang::Zh => "元".into(),
                Lang::En => "yuan".into(),
            },
            Type::Number(u) => match unit.or(u.as_deref()) {
                Some(u) => self.plan.unit_text(&u.into()).get(lang).to_string(),
                None => String::new(),
            },
            _ => String::new(),
        }
    }
}

/// Whether `k` lies in the row's band.
fn in_band(k: Decimal, r: &RowPlan) -> bool {
    let lo =
        r.lo.is_none_or(|(lo, incl)| if incl { k >= lo } else { k > lo });
    let hi =
        r.hi.is_none_or(|(hi, incl)| if incl { k <= hi } else { k < hi });
    lo && hi
}

/// "低保标准 1045 元" (label, value, unit; the unit is left out when empty).
fn join(label: &str, value: &str, unit: &str) -> String {
    match (label.is_empty(), unit.is_empty()) {
        (true, true) => value.to_string(),
        (true, false) => format!("{value} {unit}"),
        (false, true) => format!("{label} {value}"),
        (false, false) => format!("{label} {value} {unit}"),
    }
}

fn wrap(t: String, paren: bool, lang: Lang) -> String {
    match (paren, lang) {
        (false, _) => t,
        (true, Lang::Zh) => format!("（{t}）"),
        (true, Lang::En) => format!("({t})"),
    }
}

/// "，四舍五入到 0.01" / ", rounded half up to 0.01".
fn rounding_words(mode: RoundingMode, unit: Decimal, lang: Lang) -> String {
    let unit = money::display(unit);
    match (lang, mode) {
        (Lang::Zh, RoundingMode::Up) => format!("，向上取整到 {unit}"),
        (Lang::Zh, RoundingMode::Down) => format!("，向下取整到 {unit}"),
        (Lang::Zh, RoundingMode::HalfUp) => format!("，四舍五入到 {unit}"),
        (Lang::Zh, RoundingMode::HalfEven) => format!("，按银行家舍入到 {unit}"),
        (Lang::En, RoundingMode::Up) => format!(", rounded up to {unit}"),
        (Lang::En, RoundingMode::Down) => format!(", rounded down to {unit}"),
        (Lang::En, RoundingMode::HalfUp) => format!(", rounded half up to {unit}"),
        (Lang::En, RoundingMode::HalfEven) => format!(", rounded half to even to {unit}"),
    }
}
