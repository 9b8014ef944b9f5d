//! An outcome as text for people, in Chinese or English.

use super::model::*;
use crate::plan::*;

impl Outcome {
    /// The outcome explained for people, in Chinese or English.
    pub fn explain(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut out = String::new();
        if let Some(s) = &self.staleness {
            out.push_str(&format!("{}\n\n", s.get(lang)));
        }
        for p in &self.programs {
            program_lines(&mut out, p, lang, "");
        }
        for m in &self.members {
            let label = m.label();
            out.push_str(&format!(
                "{}{}\n",
                label.get(lang),
                if zh { "：" } else { ":" }
            ));
            for p in &m.programs {
                program_lines(&mut out, p, lang, "  ");
            }
        }
        for n in &self.not_in_force {
            out.push_str(&format!("{}\n", n.explanation(lang)));
        }
        if !self.parameters.is_empty() {
            out.push_str(if zh {
                "\n所用参数：\n"
            } else {
                "\nParameters used:\n"
            });
            for u in &self.parameters {
                let status = u.status.label(lang);
                let status = match (zh, u.from_assumed) {
                    (_, false) => status.to_string(),
                    (true, true) => format!("{status}；起始日期为假设"),
                    (false, true) => format!("{status}; start date assumed"),
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
                let document = match (c.document.is_empty(), zh) {
                    (false, _) => c.document.to_string(),
                    (true, true) => "无公开来源（假设，理由见下）".into(),
                    (true, false) => {
                        "no published source (an assumption; the reasons are below)".into()
                    }
                };
                let mut cite = format!("    {}{document}", if zh { "来源：" } else { "source: " },);
                if let Some(d) = c.date {
                    cite.push_str(&format!(" ({d})"));
                }
                if let Some(w) = &u.formula_words {
                    cite.push_str(&if zh {
                        format!("；计算：{}", w.zh)
                    } else {
                        format!("; computed as {}", w.en)
                    });
                }
                // The quote is the document's own (Chinese) words: shown in
                // Chinese answers; English answers name the document only. A
                // derived value's quote is of one figure, not of this one.
                if let (true, None, Some(q)) = (zh, &u.formula_words, &c.quote) {
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
                let (label, note) = (a.label.get(lang), a.note.get(lang));
                out.push_str(&if zh {
                    format!("  - {label}：{note}\n")
                } else {
                    format!("  - {label}: {note}\n")
                });
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

/// One program's lines: verdict and amount, how it is made up, conditions.
fn program_lines(out: &mut String, p: &ProgramOutcome, lang: Lang, indent: &str) {
    let zh = lang == Lang::Zh;
    let verdict = match (zh, p.eligible) {
        (true, true) => "符合条件",
        (true, false) => "不符合条件",
        (false, true) => "eligible",
        (false, false) => "not eligible",
    };
    out.push_str(&format!("{indent}{} — {verdict}", p.label.get(lang)));
    if let (true, Some(a)) = (p.eligible, &p.amount) {
        let unit = match (&p.amount_unit, a) {
            (Some(u), _) => format!(" {}", u.get(lang)),
            (None, OutValue::Money(_)) => if zh { " 元" } else { " yuan" }.to_string(),
            _ => String::new(),
        };
        let shown = a.display(lang);
        if zh {
            out.push_str(&format!("，金额 {shown}{unit}"));
        } else {
            out.push_str(&format!(", amount {shown}{unit}"));
        }
    }
    out.push('\n');
    if let (true, Some(c)) = (p.eligible, &p.computation) {
        out.push_str(&if zh {
            format!("{indent}  计算：{}\n", c.zh)
        } else {
            format!("{indent}  How it is made up: {}\n", c.en)
        });
    }
    // The rows of cited tables that applied, with their documents.
    for r in &p.rows {
        let Some(c) = r.citation.as_ref().filter(|c| !c.document.is_empty()) else {
            continue;
        };
        let (table, row) = (r.table_label.get(lang), r.row.get(lang));
        out.push_str(&if zh {
            format!("{indent}  依据：{table}，{row}档（{}）\n", c.document)
        } else {
            format!("{indent}  Under: {table}, band {row} ({})\n", c.document)
        });
    }
    for c in &p.conditions {
        out.push_str(&format!(
            "{indent}  {} {}\n",
            if c.passed { "✓" } else { "✗" },
            c.explanation_in(lang)
        ));
    }
}
