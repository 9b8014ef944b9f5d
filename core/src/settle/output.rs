//! A settlement written out, record by record: JSON, CSV, or text for a
//! clerk in Chinese or English.

use super::{RecordDecision, Settlement};
use crate::plan::Lang;
use crate::run::input::printable;
use crate::{Date, Decimal};
use serde_json::{json, Value as Json};
use std::io::{self, Write};

/// The reasons of a record in one language, `; `-separated; a duplicate
/// names the line accepted in its place.
fn reason_text(r: &RecordDecision<'_>, lang: Lang) -> String {
    let mut parts: Vec<String> = r
        .reasons
        .iter()
        .map(|x| x.text.get(lang).to_string())
        .collect();
    if let (Some(line), Some(last)) = (r.duplicate_of, parts.last_mut()) {
        match lang {
            Lang::Zh => last.push_str(&format!("（第 {line} 行）")),
            Lang::En => last.push_str(&format!(" (line {line})")),
        }
    }
    parts.join(match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    })
}

/// A CSV cell: quoted (quotes doubled) when it holds a comma, a quote or
/// a line break.
fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Writes a whole number in decimal digits.
fn write_int<W: Write>(w: &mut W, n: u64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    w.write_all(buf.get(i..).unwrap_or_default())
}

/// The text of the amounts written lately (a month's records repeat a few
/// amounts many times).
#[derive(Default)]
struct Amounts(Vec<(Decimal, String)>);

impl Amounts {
    fn of(&mut self, d: Decimal) -> &[u8] {
        // Equal and of the same scale: the same text.
        let at = self
            .0
            .iter()
            .position(|(x, _)| *x == d && x.scale() == d.scale());
        let i = match at {
            Some(i) => i,
            None => {
                if self.0.len() >= 32 {
                    self.0.clear();
                }
                self.0.push((d, d.to_string()));
                self.0.len() - 1
            }
        };
        self.0.get(i).map_or(&[][..], |(_, t)| t.as_bytes())
    }
}

/// The text of the date written last.
#[derive(Default)]
struct DayText(Option<(Date, String)>);

impl DayText {
    fn of(&mut self, d: Date) -> &[u8] {
        if self.0.as_ref().is_none_or(|(x, _)| *x != d) {
            self.0 = Some((d, d.to_string()));
        }
        self.0.as_ref().map_or(&[][..], |(_, t)| t.as_bytes())
    }
}

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl Settlement {
    /// The settlement as JSON: the rule set, totals, per-person totals,
    /// then accepted and rejected records, each with its line and its
    /// reasons (code and text in Chinese and English).
    pub fn to_json(&self) -> Json {
        let mut buf = Vec::new();
        if self.write_json(&mut buf).is_err() {
            return Json::Null;
        }
        serde_json::from_slice(&buf).unwrap_or(Json::Null)
    }

    fn stamp(&self) -> Json {
        serde_json::to_value(&self.ruleset).unwrap_or(Json::Null)
    }

    /// Writes [`Settlement::to_json`]'s document, one record per line,
    /// without holding it in memory.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_json<W: Write>(&self, mut w: W) -> io::Result<()> {
        let accepted = self.accepted_count();
        let head = json!({
            "ruleset": self.stamp(),
            "program": self.program,
            "month": self.month,
            "total": self.total.to_string(),
            "accepted_count": accepted,
            "rejected_count": self.len() - accepted,
        });
        let head = serde_json::to_string_pretty(&head).map_err(io_err)?;
        // The head without its closing brace; the lists follow.
        let head = head.trim_end().trim_end_matches('}').trim_end();
        w.write_all(head.as_bytes())?;
        w.write_all(b",\n  \"per_person\": [")?;
        for (i, p) in self.per_person.iter().enumerate() {
            w.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            let j =
                json!({"person": &*p.person, "records": p.records, "amount": p.amount.to_string()});
            serde_json::to_writer(&mut w, &j).map_err(io_err)?;
        }
        w.write_all(if self.per_person.is_empty() {
            b"]"
        } else {
            b"\n  ]"
        })?;
        // The reasons of each combination, as JSON, once.
        let reasons: Vec<String> = self
            .combos
            .iter()
            .map(|c| {
                let list: Vec<Json> = c
                    .iter()
                    .map(|x| json!({"code": &*x.code, "zh": &*x.text.zh, "en": &*x.text.en}))
                    .collect();
                serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
            })
            .collect();
        let mut amounts = Amounts::default();
        let mut day = DayText::default();
        for (name, accepted) in [("accepted", true), ("rejected", false)] {
            write!(w, ",\n  \"{name}\": [")?;
            let mut any = false;
            for (stored, r) in self.records.iter().zip(self.records()) {
                if r.accepted() != accepted {
                    continue;
                }
                w.write_all(if any { b",\n    " } else { b"\n    " })?;
                any = true;
                w.write_all(b"{\"line\":")?;
                write_int(&mut w, r.line)?;
                w.write_all(b",\"person\":")?;
                serde_json::to_writer(&mut w, r.person).map_err(io_err)?;
                w.write_all(b",\"date\":\"")?;
                w.write_all(day.of(r.date))?;
                w.write_all(b"\",\"amount\":\"")?;
                w.write_all(amounts.of(r.amount))?;
                w.write_all(b"\",\"reasons\":")?;
                let text = reasons.get(stored.reasons as usize);
                w.write_all(text.map_or("[]", String::as_str).as_bytes())?;
                if let Some(line) = r.duplicate_of {
                    write!(w, ",\"duplicate_of\":{line}")?;
                }
                w.write_all(b"}")?;
            }
            w.write_all(if any { b"\n  ]" } else { b"]" })?;
        }
        w.write_all(b"\n}\n")?;
        w.flush()
    }

    /// Writes the settlement as CSV: `line,person,date,amount,status,reasons,reason_text`
    /// (reason codes `;`-separated, their text in `lang`), one row per
    /// record in input order, then a `TOTAL` row.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_csv<W: Write>(&self, mut w: W, lang: Lang) -> io::Result<()> {
        w.write_all(b"line,person,date,amount,status,reasons,reason_text\n")?;
        // Codes and text of each combination of reasons, as CSV cells, once.
        let cells: Vec<(String, String)> = self
            .combos
            .iter()
            .map(|c| {
                let codes: Vec<&str> = c.iter().map(|x| &*x.code).collect();
                let text: Vec<&str> = c.iter().map(|x| x.text.get(lang)).collect();
                let sep = match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                };
                (
                    csv_cell(&codes.join(";")).into_owned(),
                    csv_cell(&text.join(sep)).into_owned(),
                )
            })
            .collect();
        let mut amounts = Amounts::default();
        let mut day = DayText::default();
        for (stored, r) in self.records.iter().zip(self.records()) {
            let status: &[u8] = if r.accepted() {
                b"accepted,"
            } else {
                b"rejected,"
            };
            write_int(&mut w, r.line)?;
            w.write_all(b",")?;
            w.write_all(csv_cell(r.person).as_bytes())?;
            w.write_all(b",")?;
            w.write_all(day.of(r.date))?;
            w.write_all(b",")?;
            w.write_all(amounts.of(r.amount))?;
            w.write_all(b",")?;
            w.write_all(status)?;
            let (codes, text) = cells
                .get(stored.reasons as usize)
                .map_or(("", ""), |(c, t)| (c.as_str(), t.as_str()));
            w.write_all(codes.as_bytes())?;
            w.write_all(b",")?;
            if r.duplicate_of.is_some() {
                w.write_all(csv_cell(&reason_text(&r, lang)).as_bytes())?;
            } else {
                w.write_all(text.as_bytes())?;
            }
            w.write_all(b"\n")?;
        }
        writeln!(w, ",TOTAL,{},{},,,", csv_cell(&self.month), self.total)?;
        w.flush()
    }

    /// Writes the settlement for people, in `lang`: one line per record
    /// (its line in the file, person, date, amount, accepted or the
    /// reasons), the totals per person and in all.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_text<W: Write>(&self, mut w: W, lang: Lang) -> io::Result<()> {
        let (id, version, hash) = (&self.ruleset.id, &self.ruleset.version, &self.ruleset.hash);
        let accepted = self.accepted_count();
        let rejected = self.len() - accepted;
        match lang {
            Lang::Zh => writeln!(
                w,
                "{} {} 月结算（规则 {id} {version}，{hash}）",
                self.label.zh, self.month
            )?,
            Lang::En => writeln!(
                w,
                "{}: settlement for {} (rules {id} {version}, {hash})",
                self.label.en, self.month
            )?,
        }
        if self.ruleset.reform.is_some() {
            writeln!(
                w,
                "{}",
                match lang {
                    Lang::Zh => "注意：按改革方案计算，不是现行规则的结果",
                    Lang::En => "note: computed under a reform, not the rules as published",
                }
            )?;
        }
        // The words of each combination of reasons, once.
        let words: Vec<String> = self
            .combos
            .iter()
            .map(|c| {
                let text: Vec<&str> = c.iter().map(|x| x.text.get(lang)).collect();
                text.join(match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                })
            })
            .collect();
        let (line_word, line_end, yes, no): (&[u8], &[u8], &[u8], &[u8]) = match lang {
            Lang::Zh => (
                "第 ".as_bytes(),
                " 行  ".as_bytes(),
                "计入".as_bytes(),
                "不计入：".as_bytes(),
            ),
            Lang::En => (b"line ", b"  ", b"accepted", b"rejected: "),
        };
        let mut amounts = Amounts::default();
        let mut day = DayText::default();
        for (stored, r) in self.records.iter().zip(self.records()) {
            w.write_all(line_word)?;
            write_int(&mut w, r.line)?;
            w.write_all(line_end)?;
            if r.person.chars().any(char::is_control) {
                w.write_all(printable(r.person).as_bytes())?;
            } else {
                w.write_all(r.person.as_bytes())?;
            }
            w.write_all(b"  ")?;
            w.write_all(day.of(r.date))?;
            w.write_all(b"  ")?;
            w.write_all(amounts.of(r.amount))?;
            w.write_all(b"  ")?;
            if r.accepted() {
                w.write_all(yes)?;
            } else {
                w.write_all(no)?;
                if r.duplicate_of.is_some() {
                    w.write_all(reason_text(&r, lang).as_bytes())?;
                } else {
                    let text = words.get(stored.reasons as usize);
                    w.write_all(text.map_or("", String::as_str).as_bytes())?;
                }
            }
            w.write_all(b"\n")?;
        }
        writeln!(
            w,
            "{}",
            match lang {
                Lang::Zh => "按人员：",
                Lang::En => "per person:",
            }
        )?;
        for p in &self.per_person {
            match lang {
                Lang::Zh => writeln!(
                    w,
                    "  {}  {} 条  {} 元",
                    printable(&p.person),
                    p.records,
                    p.amount
                )?,
                Lang::En => writeln!(
                    w,
                    "  {}  {} record{}  {} yuan",
                    printable(&p.person),
                    p.records,
                    if p.records == 1 { "" } else { "s" },
                    p.amount
                )?,
            }
        }
        match lang {
            Lang::Zh => writeln!(
                w,
                "合计：计入 {accepted} 条，不计入 {rejected} 条，补贴 {} 元",
                self.total
            )?,
            Lang::En => writeln!(
                w,
                "total: {accepted} accepted, {rejected} rejected, {} yuan",
                self.total
            )?,
        }
        w.flush()
    }
}
