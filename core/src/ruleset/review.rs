//! What changed between two versions of a rule set, item by item, for a
//! reviewer: parameters and their histories, tables and their rows,
//! programs with their conditions, values and amounts, entities and their
//! inputs, sources, enums, units, and every label and template.
//!
//! Each version is read as written (its rule files, without a reform), so
//! moving an item from one file to another is no change, and a change of
//! wording is one. Items are matched by kind and name; within an item,
//! lists are matched by what identifies their entries: a parameter's
//! versions by their first day (`history[from=2024-01-01]`), a program's
//! conditions by id (`conditions[id=income]`), a table's rows by position
//! (`rows[2]`). Worked examples are not compared: they check the rules,
//! they are not rules.

use super::RuleSet;
use crate::plan::Lang;
use serde_json::{json, Map, Value as Json};

/// The kinds of item a rule set holds, in the order a review lists them.
const KINDS: &[(&str, &str, &str, &str)] = &[
    // (section, kind, zh, en)
    ("ruleset", "ruleset", "规则集", "rule set"),
    ("sources", "source", "来源", "source"),
    ("units", "unit", "单位", "unit"),
    ("enums", "enum", "枚举", "enum"),
    ("entities", "entity", "实体", "entity"),
    ("parameters", "parameter", "参数", "parameter"),
    ("tables", "table", "决策表", "table"),
    ("programs", "program", "项目", "program"),
];

/// Whether something was added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// In both, different.
    Changed,
}

impl Edit {
    /// `added`, `removed` or `changed`.
    pub fn name(self) -> &'static str {
        match self {
            Edit::Added => "added",
            Edit::Removed => "removed",
            Edit::Changed => "changed",
        }
    }

    /// The word in a language.
    pub fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Edit::Added, Lang::Zh) => "新增",
            (Edit::Removed, Lang::Zh) => "删除",
            (Edit::Changed, Lang::Zh) => "修改",
            (e, Lang::En) => e.name(),
        }
    }
}

/// One difference inside an item: where, and the values before and after
/// (`None` on the side where it is absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    /// Path inside the item: `history[from=2024-01-01].value`, `rows[2].output`,
    /// `conditions[id=income].pass.zh`.
    pub path: String,
    /// Added, removed or changed.
    pub edit: Edit,
    /// Before.
    pub from: Option<Json>,
    /// After.
    pub to: Option<Json>,
}

/// One item that differs between the versions.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemChange {
    /// `ruleset`, `source`, `unit`, `enum`, `entity`, `parameter`, `table` or `program`.
    pub kind: &'static str,
    /// The item's name (the rule set's id for `ruleset`).
    pub name: String,
    /// Added, removed or changed.
    pub edit: Edit,
    /// For a changed item, each difference; for an added or removed one,
    /// empty (the item is in `from` or `to`).
    pub details: Vec<Detail>,
    /// The item as written in the old version, when there.
    pub from: Option<Json>,
    /// The item as written in the new version, when there.
    pub to: Option<Json>,
}

impl ItemChange {
    /// The kind in a language (`参数`, `parameter`).
    pub fn kind_word(&self, lang: Lang) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.1 == self.kind)
            .map_or(self.kind, |k| if lang == Lang::Zh { k.2 } else { k.3 })
    }

    /// The change as JSON: `kind`, `name`, `change`, and `details` (each
    /// `path`, `change`, `from`, `to`) or the item as written.
    pub fn to_json(&self) -> Json {
        let mut j = json!({"kind": self.kind, "name": self.name, "change": self.edit.name()});
        match self.edit {
            Edit::Changed => {
                j["details"] = self
                    .details
                    .iter()
                    .map(|d| {
                        json!({"path": d.path, "change": d.edit.name(),
                               "from": d.from.clone().unwrap_or(Json::Null),
                               "to": d.to.clone().unwrap_or(Json::Null)})
                    })
                    .collect();
            }
            Edit::Added => j["to"] = self.to.clone().unwrap_or(Json::Null),
            Edit::Removed => j["from"] = self.from.clone().unwrap_or(Json::Null),
        }
        j
    }
}

/// What changed from one version of a rule set to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The old version: id, version, hash.
    pub old: [String; 3],
    /// The new version: id, version, hash.
    pub new: [String; 3],
    /// Every item that differs, by kind (rule set, sources, units, enums,
    /// entities, parameters, tables, programs), then
    /// in the order the items are written (the old version's first).
    pub changes: Vec<ItemChange>,
}

impl Review {
    /// Compares two rule sets as written.
    pub fn between(old: &RuleSet, new: &RuleSet) -> Review {
        let (a, b) = (items_of(old), items_of(new));
        let mut changes = Vec::new();
        for &(section, kind, _, _) in KINDS {
            let (ia, ib) = (section_of(&a, section), section_of(&b, section));
            for (name, va) in &ia {
                match ib.iter().find(|(n, _)| n == name) {
                    None => changes.push(ItemChange {
                        kind,
                        name: name.clone(),
                        edit: Edit::Removed,
                        details: Vec::new(),
                        from: Some(va.clone()),
                        to: None,
                    }),
                    Some((_, vb)) if vb != va => {
                        let mut details = Vec::new();
                        diff_values("", va, vb, &mut details);
                        changes.push(ItemChange {
                            kind,
                            name: name.clone(),
                            edit: Edit::Changed,
                            details,
                            from: Some(va.clone()),
                            to: Some(vb.clone()),
                        });
                    }
                    Some(_) => {}
                }
            }
            for (name, vb) in &ib {
                if !ia.iter().any(|(n, _)| n == name) {
                    changes.push(ItemChange {
                        kind,
                        name: name.clone(),
                        edit: Edit::Added,
                        details: Vec::new(),
                        from: None,
                        to: Some(vb.clone()),
                    });
                }
            }
        }
        let stamp = |r: &RuleSet| {
            [
                r.id().to_string(),
                r.version().to_string(),
                r.base_hash().to_string(),
            ]
        };
        Review {
            old: stamp(old),
            new: stamp(new),
            changes,
        }
    }

    /// The review as JSON: `old`, `new` (id, version, hash) and `changes`.
    pub fn to_json(&self) -> Json {
        let stamp = |s: &[String; 3]| json!({"id": s[0], "version": s[1], "hash": s[2]});
        json!({
            "old": stamp(&self.old),
            "new": stamp(&self.new),
            "changes": self.changes.iter().map(ItemChange::to_json).collect::<Vec<_>>(),
        })
    }

    /// The review as text for people, in one language.
    pub fn to_text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut out = if zh {
            format!(
                "规则变更：{} {}（{}）→ {} {}（{}）\n",
                self.old[0], self.old[1], self.old[2], self.new[0], self.new[1], self.new[2]
            )
        } else {
            format!(
                "changes from {} {} ({}) to {} {} ({})\n",
                self.old[0], self.old[1], self.old[2], self.new[0], self.new[1], self.new[2]
            )
        };
        for c in &self.changes {
            out.push_str(&format!(
                "{} {}{}{}\n",
                c.kind_word(lang),
                c.name,
                if zh { "：" } else { ": " },
                c.edit.word(lang)
            ));
            let item = match c.edit {
                Edit::Added => c.to.as_ref(),
                Edit::Removed => c.from.as_ref(),
                Edit::Changed => None,
            };
            if let Some(item) = item {
                out.push_str(&format!("  {}\n", show(item)));
            }
            for d in &c.details {
                let line = match (&d.from, &d.to) {
                    (Some(f), Some(t)) => format!("{} -> {}", show(f), show(t)),
                    (None, Some(t)) => format!("{} {}", d.edit.word(lang), show(t)),
                    (Some(f), None) => format!("{} {}", d.edit.word(lang), show(f)),
                    (None, None) => d.edit.word(lang).to_string(),
                };
                out.push_str(&format!(
                    "  {}{}{line}\n",
                    d.path,
                    if zh { "：" } else { ": " }
                ));
            }
        }
        let n = self.changes.len();
        out.push_str(&if zh {
            format!("共 {n} 项变更\n")
        } else {
            format!("{n} item{} changed\n", if n == 1 { "" } else { "s" })
        });
        out
    }
}

/// A value on one line: text as it is, anything else as compact JSON.
fn show(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every section of a rule set's files merged: section → items in order
/// (name, item as JSON). The header is one item named by its id.
fn items_of(rules: &RuleSet) -> Vec<(String, Vec<(String, Json)>)> {
    let mut out: Vec<(String, Vec<(String, Json)>)> = Vec::new();
    let mut files: Vec<(&str, &str)> = rules.base.files().collect();
    files.sort_by_key(|(path, _)| *path);
    for (_, text) in files {
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        for (section, value) in table {
            let entries: Vec<(String, Json)> = match (section.as_str(), value) {
                ("examples", _) => continue,
                ("ruleset", toml::Value::Table(t)) => {
                    let id = t
                        .get("id")
                        .and_then(toml::Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    vec![(id, to_json(&toml::Value::Table(t)))]
                }
                (_, toml::Value::Table(t)) => {
                    t.into_iter().map(|(n, v)| (n, to_json(&v))).collect()
                }
                _ => continue,
            };
            match out.iter_mut().find(|(s, _)| *s == section) {
                Some((_, items)) => items.extend(entries),
                None => out.push((section, entries)),
            }
        }
    }
    out
}

fn section_of(items: &[(String, Vec<(String, Json)>)], section: &str) -> Vec<(String, Json)> {
    items
        .iter()
        .find(|(s, _)| s == section)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// TOML as JSON: dates as `YYYY-MM-DD` text, numbers as written.
fn to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => Json::String(f.to_string()),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect::<Map<String, Json>>(),
        ),
    }
}

/// What identifies the entries of a list: `id` or `from` when every entry
/// has one (distinct), else the position.
fn list_key(items: &[Json]) -> Option<&'static str> {
    ["id", "from"].into_iter().find(|k| {
        let keys: Vec<Option<&Json>> = items.iter().map(|i| i.get(*k)).collect();
        keys.iter().all(Option::is_some)
            && keys
                .iter()
                .enumerate()
                .all(|(n, a)| keys.iter().skip(n + 1).all(|b| a != b))
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Every difference between `a` and `b`, with paths under `path`.
fn diff_values(path: &str, a: &Json, b: &Json, out: &mut Vec<Detail>) {
    if a == b {
        return;
    }
    let detail = |path: String, edit, from: Option<&Json>, to: Option<&Json>| Detail {
        path,
        edit,
        from: from.cloned(),
        to: to.cloned(),
    };
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => diff_values(&join(path, k), va, vb, out),
                    None => out.push(detail(join(path, k), Edit::Removed, Some(va), None)),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push(detail(join(path, k), Edit::Added, None, Some(vb)));
                }
            }
        }
        (Json::Array(x), Json::Array(y)) => match list_key(x).filter(|k| list_key(y) == Some(*k)) {
            Some(key) => {
                let at = |v: &Json| format!("{path}[{key}={}]", show(&v[key]));
                for va in x {
                    match y.iter().find(|vb| vb[key] == va[key]) {
                        Some(vb) => diff_values(&at(va), va, vb, out),
                        None => out.push(detail(at(va), Edit::Removed, Some(va), None)),
                    }
                }
                for vb in y {
                    if !x.iter().any(|va| va[key] == vb[key]) {
                        out.push(detail(at(vb), Edit::Added, None, Some(vb)));
                    }
                }
            }
            None => {
                for i in 0..x.len().max(y.len()) {
                    let at = format!("{path}[{}]", i + 1);
                    match (x.get(i), y.get(i)) {
                        (Some(va), Some(vb)) => diff_values(&at, va, vb, out),
                        (Some(va), None) => out.push(detail(at, Edit::Removed, Some(va), None)),
                        (None, Some(vb)) => out.push(detail(at, Edit::Added, None, Some(vb))),
                        (None, None) => {}
                    }
                }
            }
        },
        _ => out.push(detail(path.to_string(), Edit::Changed, Some(a), Some(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_matched_by_their_first_day_and_rows_by_position() {
        let a = json!({"history": [{"from": "2023-01-01", "value": "1000"}],
                       "rows": [{"at_least": 60, "output": "30 CNY"}]});
        let b = json!({"history": [{"from": "2023-01-01", "value": "1000", "until": "2023-12-31"},
                                   {"from": "2024-01-01", "value": "1100"}],
                       "rows": [{"at_least": 65, "output": "30 CNY"}]});
        let mut out = Vec::new();
        diff_values("", &a, &b, &mut out);
        let paths: Vec<(&str, Edit)> = out.iter().map(|d| (d.path.as_str(), d.edit)).collect();
        assert_eq!(
            paths,
            vec![
                ("history[from=2023-01-01].until", Edit::Added),
                ("history[from=2024-01-01]", Edit::Added),
                ("rows[1].at_least", Edit::Changed),
            ]
        );
    }
}
