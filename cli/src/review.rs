//! `bangfu diff OLD_DIR NEW_DIR`: what changed between two versions of a
//! rule set and, over a population, whom it changes and what it costs.
//! The core compares ([`bangfu::Review`],
//! [`bangfu::analysis::versions::compare_versions`]); this file presents.

use crate::commands::{usage, Fail};
use crate::present::pretty;
use crate::Format;
use bangfu::analysis::compare::{Change, ALL};
use bangfu::analysis::versions::{compare_versions, table_from_csv, VersionComparison};
use bangfu::{Date, Lang, Review, RuleSet};
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

/// The most bytes of each population file read.
const MAX_POPULATION_BYTES: u64 = 1 << 30;

/// The arguments of `bangfu diff OLD_DIR NEW_DIR`.
pub struct ReviewArgs<'a> {
    /// The old version's folder.
    pub old: &'a Path,
    /// The new version's folder.
    pub new: &'a Path,
    /// Households and members CSV files, as `bangfu synth --out` writes them.
    pub population: &'a [PathBuf],
    /// The date the population is evaluated on.
    pub on: Option<&'a str>,
    /// The population's entity.
    pub entity: &'a str,
    /// The column linking members to their case.
    pub key: &'a str,
    /// Language of the text.
    pub lang: &'a str,
    /// Text or JSON.
    pub format: Format,
}

fn load(dir: &Path) -> Result<RuleSet, Fail> {
    RuleSet::load_dir(dir).map_err(|e| {
        Fail(
            format!(
                "{}: the rule set does not load\n{}",
                dir.display(),
                e.render()
            ),
            1,
        )
    })
}

fn read_table(path: &Path) -> Result<bangfu::batch::Table, Fail> {
    let file = std::fs::File::open(path).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    let text = bangfu::limits::read_capped(file, MAX_POPULATION_BYTES, "the file")
        .map_err(|e| usage(format!("{}: {e}", path.display())))?;
    table_from_csv(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

/// `bangfu diff OLD_DIR NEW_DIR`.
pub fn review(a: ReviewArgs<'_>) -> Result<String, Fail> {
    let lang = Lang::parse(a.lang)
        .ok_or_else(|| usage(format!("--lang: `{}` is not zh or en", a.lang)))?;
    let on = match (a.population.is_empty(), a.on) {
        (true, None) => None,
        (true, Some(_)) => return Err(usage("--on: give it with --population")),
        (false, None) => return Err(usage("--population: give the date with --on YYYY-MM-DD")),
        (false, Some(s)) => Some(
            Date::parse(s)
                .ok_or_else(|| usage(format!("--on: `{s}` is not a date (YYYY-MM-DD)")))?,
        ),
    };
    let (old, new) = (load(a.old)?, load(a.new)?);
    let review = Review::between(&old, &new);
    let population = match (on, a.population) {
        (Some(day), [households, members]) => {
            let (cases, members) = (read_table(households)?, read_table(members)?);
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let compared = compare_versions(
                &old,
                &new,
                a.entity,
                (&cases, Some(&members), a.key),
                day,
                threads,
            )
            .map_err(|e| usage(format!("--population: {e}")))?;
            Some(compared)
        }
        _ => None,
    };
    if a.format == Format::Json {
        let mut j = review.to_json();
        if let Some(p) = &population {
            j["population"] = population_json(p);
        }
        return Ok(pretty(&j));
    }
    let mut out = review.to_text(lang);
    if let Some(p) = &population {
        out.push_str(&population_text(p, lang));
    }
    Ok(out)
}

fn change_json(c: &Change) -> Json {
    json!({
        "program": c.program,
        "cases": c.cases,
        "eligible": {"old": c.baseline_eligible, "new": c.reform_eligible},
        "gain_eligibility": c.newly_eligible,
        "lose_eligibility": c.no_longer_eligible,
        "paid_more": c.gainers,
        "paid_less": c.losers,
        "total_increase": c.total_gain.to_string(),
        "total_decrease": c.total_loss.to_string(),
        "cost_per_month": {"old": c.baseline_cost.to_string(), "new": c.reform_cost.to_string(),
                           "change": c.cost_change().map(|d| d.to_string())},
    })
}

fn population_json(p: &VersionComparison) -> Json {
    json!({
        "on": p.as_of.to_string(),
        "cases": p.cases,
        "compared": p.cases.saturating_sub(p.comparison.skipped),
        "skipped": p.comparison.skipped,
        "row_problems": {"old": p.old_row_problems, "new": p.new_row_problems},
        "programs": p.comparison.programs.iter().map(change_json).collect::<Vec<_>>(),
    })
}

/// A signed amount: `+7000.00`, `-35.00`, `0.00`.
fn signed(d: Option<bangfu::Decimal>) -> String {
    match d {
        Some(d) if d.is_sign_positive() && !d.is_zero() => format!("+{d}"),
        Some(d) => d.to_string(),
        None => "(too large)".to_string(),
    }
}

fn population_text(p: &VersionComparison, lang: Lang) -> String {
    let compared = p.cases.saturating_sub(p.comparison.skipped);
    let mut out = match lang {
        Lang::Zh => format!(
            "\n人口测算：{} 个（测算日期 {}），比较 {compared} 个，跳过 {} 个；输入有误的行：旧版本 {}，新版本 {}\n",
            p.cases, p.as_of, p.comparison.skipped, p.old_row_problems, p.new_row_problems
        ),
        Lang::En => format!(
            "\npopulation: {} cases on {}; {compared} compared, {} skipped; rows refused: {} (old), {} (new)\n",
            p.cases, p.as_of, p.comparison.skipped, p.old_row_problems, p.new_row_problems
        ),
    };
    for c in &p.comparison.programs {
        let name = if c.program == ALL {
            match lang {
                Lang::Zh => "（合计）".to_string(),
                Lang::En => "(all programs)".to_string(),
            }
        } else {
            c.program.clone()
        };
        out.push_str(&match lang {
            Lang::Zh => format!(
                "  {name}：符合条件 {} → {}（新获 {}，失去 {}）；金额增加 {}，减少 {}；每月支出 {} → {} 元（{}）\n",
                c.baseline_eligible, c.reform_eligible, c.newly_eligible, c.no_longer_eligible,
                c.gainers, c.losers, c.baseline_cost, c.reform_cost, signed(c.cost_change())
            ),
            Lang::En => format!(
                "  {name}: eligible {} -> {} ({} gain, {} lose); paid more {}, paid less {}; cost per month {} -> {} yuan ({})\n",
                c.baseline_eligible, c.reform_eligible, c.newly_eligible, c.no_longer_eligible,
                c.gainers, c.losers, c.baseline_cost, c.reform_cost, signed(c.cost_change())
            ),
        });
    }
    out
}
