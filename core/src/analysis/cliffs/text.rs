//! Searches and their findings as text for people, in Chinese and English.

use super::change::{Finding, WhatWouldChange};
use super::{BreakKind, Cliffs};
use crate::plan::Text;
use crate::{Decimal, Lang};
use std::fmt::Write;

/// `d` with thousands separated by commas; money with two decimals.
pub fn number(d: Decimal, money: bool) -> String {
    let mut d = d;
    if money {
        d.rescale(2);
    } else {
        d = d.normalize();
    }
    let s = d.abs().to_string();
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if d.is_sign_negative() && !d.is_zero() {
        out.insert(0, '-');
    }
    out
}

fn unit(money: bool, lang: Lang) -> &'static str {
    match (money, lang) {
        (true, Lang::Zh) => " 元",
        (true, Lang::En) => " yuan",
        (false, _) => "",
    }
}

/// The sentence for one finding.
pub(super) fn sentence(w: &WhatWouldChange) -> Text {
    Text {
        zh: zh(w).into(),
        en: en(w).into(),
    }
}

fn zh(w: &WhatWouldChange) -> String {
    let n = |d: Decimal| format!("{}{}", number(d, w.money), unit(w.money, Lang::Zh));
    let name = match w.member {
        Some(m) => format!("第{}位成员的“{}”", m + 1, w.label.zh),
        None => format!("“{}”", w.label.zh),
    };
    let note = |t: Decimal| match w.others {
        Some(o) => format!("（其他成员不变，全体成员合计 {}）", n(t + o)),
        None => String::new(),
    };
    // The same inside parentheses already open.
    let inner = |t: Decimal| match w.others {
        Some(o) => format!("；其他成员不变，全体成员合计 {}", n(t + o)),
        None => String::new(),
    };
    let prog = &w.program_label.zh;
    match &w.finding {
        Finding::QualifyAtMost(t) if w.low_is_min => {
            format!("如果{name}不超过 {}{}，可能符合“{prog}”的条件。", n(*t), note(*t))
        }
        Finding::QualifyAtMost(t) => format!(
            "如果{name}在 {}至 {}之间{}，可能符合“{prog}”的条件（低于 {}未测算）。",
            n(w.low),
            n(*t),
            note(*t),
            n(w.low)
        ),
        Finding::QualifyAtLeast(t) if w.high_is_max => {
            format!("如果{name}不低于 {}{}，可能符合“{prog}”的条件。", n(*t), note(*t))
        }
        Finding::QualifyAtLeast(t) => format!(
            "如果{name}在 {}至 {}之间{}，可能符合“{prog}”的条件（高于 {}未测算）。",
            n(*t),
            n(w.high),
            note(*t),
            n(w.high)
        ),
        Finding::LoseAbove { at, by } => format!(
            "{name}再增加 {}（达到 {}{}）将不再符合“{prog}”的条件。",
            n(*by),
            n(*at),
            inner(*at)
        ),
        Finding::LoseBelow { at, by } => format!(
            "{name}再减少 {}（降至 {}{}）将不再符合“{prog}”的条件。",
            n(*by),
            n(*at),
            inner(*at)
        ),
        Finding::Unchanged => format!(
            "在 {}至 {}之间，{name}的变化不影响“{prog}”的结果（{}）。",
            n(w.low),
            n(w.high),
            if w.eligible { "符合条件" } else { "不符合条件" }
        ),
        Finding::NotMonotone(iv) => format!(
            "在 {}至 {}之间，是否符合“{prog}”的条件随{name}不止一次变化（非单调），没有单一界限：{name}在 {}之间可能符合条件。",
            n(w.low),
            n(w.high),
            intervals(iv, &n, "、", "至 ")
        ),
    }
}

fn en(w: &WhatWouldChange) -> String {
    let n = |d: Decimal| format!("{}{}", number(d, w.money), unit(w.money, Lang::En));
    let name = match w.member {
        Some(m) => format!("member {}'s “{}”", m + 1, w.label.en),
        None => format!("“{}”", w.label.en),
    };
    let note = |t: Decimal| match w.others {
        Some(o) => format!(
            " ({} for all members together, the others unchanged)",
            n(t + o)
        ),
        None => String::new(),
    };
    let prog = &w.program_label.en;
    match &w.finding {
        Finding::QualifyAtMost(t) if w.low_is_min => format!(
            "You may qualify for {prog} if {name} is at most {}{}.",
            n(*t),
            note(*t)
        ),
        Finding::QualifyAtMost(t) => format!(
            "You may qualify for {prog} if {name} is between {} and {}{} (below {} not searched).",
            n(w.low),
            n(*t),
            note(*t),
            n(w.low)
        ),
        Finding::QualifyAtLeast(t) if w.high_is_max => format!(
            "You may qualify for {prog} if {name} is at least {}{}.",
            n(*t),
            note(*t)
        ),
        Finding::QualifyAtLeast(t) => format!(
            "You may qualify for {prog} if {name} is between {} and {}{} (above {} not searched).",
            n(*t),
            n(w.high),
            note(*t),
            n(w.high)
        ),
        Finding::LoseAbove { at, by } => format!(
            "If {name} rose by {}, to {}{}, you would no longer qualify for {prog}.",
            n(*by),
            n(*at),
            note(*at)
        ),
        Finding::LoseBelow { at, by } => format!(
            "If {name} fell by {}, to {}{}, you would no longer qualify for {prog}.",
            n(*by),
            n(*at),
            note(*at)
        ),
        Finding::Unchanged => format!(
            "Between {} and {}, {name} does not change the answer for {prog} ({}).",
            n(w.low),
            n(w.high),
            if w.eligible { "eligible" } else { "not eligible" }
        ),
        Finding::NotMonotone(iv) => format!(
            "Between {} and {}, eligibility for {prog} changes more than once with {name} (it is not monotone), so there is no single threshold: you may qualify with {name} from {}.",
            n(w.low),
            n(w.high),
            intervals(iv, &n, ", or from ", " to ")
        ),
    }
}

/// Up to three intervals, joined; "…" when there are more.
fn intervals(
    iv: &[(Decimal, Decimal)],
    n: &dyn Fn(Decimal) -> String,
    sep: &str,
    to: &str,
) -> String {
    let mut parts: Vec<String> = iv
        .iter()
        .take(3)
        .map(|(a, b)| format!("{}{to}{}", n(*a), n(*b)))
        .collect();
    if iv.len() > 3 {
        parts.push("…".into());
    }
    parts.join(sep)
}

impl Cliffs {
    /// The search as text for people, in `lang`: the breakpoints of each
    /// program, then the segments.
    pub fn text(&self, lang: Lang) -> String {
        let money = self.money;
        let n = |d: Decimal| number(d, money);
        let a = |d: Option<Decimal>| d.map_or_else(|| "—".to_string(), |d| number(d, true));
        let mut out = String::new();
        let zh = lang == Lang::Zh;
        let u = unit(money, lang);
        let _ = if zh {
            writeln!(
                out,
                "{}（{}）：{}{u} 至 {}{u}，步长 {}，现值 {}；测算日期 {}，规则 {} {}",
                self.label.zh,
                self.path,
                n(self.low),
                n(self.high),
                self.step,
                n(self.current),
                self.as_of,
                self.rules.id,
                self.rules.version
            )
        } else {
            writeln!(
                out,
                "{} ({}): {} to {}{}, step {}, case's value {}; rules {} {} as of {}",
                self.label.en,
                self.path,
                n(self.low),
                n(self.high),
                unit(money, lang),
                self.step,
                n(self.current),
                self.rules.id,
                self.rules.version,
                self.as_of
            )
        };
        for p in &self.programs {
            let _ = writeln!(out, "\n{}", p.label.get(lang));
            if p.breakpoints.is_empty() {
                let _ = writeln!(
                    out,
                    "  {}",
                    if zh {
                        "范围内无变化"
                    } else {
                        "no change over the range"
                    }
                );
            }
            for b in &p.breakpoints {
                let kind = match (b.kind, b.eligible_after, zh) {
                    (BreakKind::Eligibility, true, true) => "符合条件",
                    (BreakKind::Eligibility, false, true) => "不再符合条件",
                    (BreakKind::Jump, _, true) => "金额跳变",
                    (BreakKind::Slope, _, true) => "斜率变化",
                    (BreakKind::Eligibility, true, false) => "becomes eligible",
                    (BreakKind::Eligibility, false, false) => "no longer eligible",
                    (BreakKind::Jump, _, false) => "amount jumps",
                    (BreakKind::Slope, _, false) => "slope changes",
                };
                let _ = write!(out, "  {} → {}: {kind}", n(b.before), n(b.at));
                if p.pays {
                    let _ = write!(
                        out,
                        "; {} {} → {}",
                        if zh { "金额" } else { "amount" },
                        a(b.amount_before),
                        a(b.amount_after)
                    );
                    if b.slope_before != b.slope_after {
                        let _ = write!(
                            out,
                            "; {} {} → {}",
                            if zh { "斜率" } else { "slope" },
                            b.slope_before.map_or_else(|| "—".into(), |s| s.to_string()),
                            b.slope_after.map_or_else(|| "—".into(), |s| s.to_string())
                        );
                    }
                }
                out.push('\n');
            }
        }
        let _ = writeln!(out, "\n{}", if zh { "分段" } else { "Segments" });
        for s in &self.segments {
            let _ = write!(out, "  {} – {}:", n(s.from), n(s.to));
            for (p, ans) in self.programs.iter().zip(&s.answers) {
                let yes = match (ans.eligible, zh) {
                    (true, true) => "符合",
                    (false, true) => "不符合",
                    (true, false) => "eligible",
                    (false, false) => "not eligible",
                };
                let _ = write!(out, " {} {yes}", p.program);
                if p.pays && ans.eligible {
                    let _ = write!(out, " {}–{}", a(ans.amount_from), a(ans.amount_to));
                }
                out.push(';');
            }
            out.pop();
            out.push('\n');
        }
        out
    }
}

/// The findings as a section for an explanation, in `lang`: a heading and
/// one line per finding, leaving out inputs that do not change a
/// program's answer over the range searched. Empty when nothing is left.
pub fn section(found: &[WhatWouldChange], lang: Lang) -> String {
    let lines: Vec<&str> = found
        .iter()
        .filter(|w| w.changes())
        .map(|w| w.sentence.get(lang))
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let head = match lang {
        Lang::Zh => "什么会改变结果（按最小单位逐一测算，其他情况不变）：",
        Lang::En => "What would change the answer (every value searched to the smallest unit, all else unchanged):",
    };
    let mut out = format!("\n{head}\n");
    for l in lines {
        out.push_str("  ");
        out.push_str(l);
        out.push('\n');
    }
    out
}
