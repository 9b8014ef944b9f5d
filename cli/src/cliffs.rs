//! `bangfu cliffs`: one case's input varied over a range, the breakpoints
//! of every program (JSON or text); and the "what would change the answer"
//! lines `bangfu eval --explain --what-if` adds. The search is the core's
//! (`bangfu::analysis::cliffs`); this file reads arguments and writes.

use crate::commands::{self, usage, Fail};
use crate::present::pretty;
use crate::Format;
use bangfu::analysis::cliffs::{self, ChangeQuery, CliffError, CliffQuery};
use bangfu::{Date, Decimal, Lang, RuleSet};
use serde_json::Value as Json;
use std::path::Path;

/// The arguments of `bangfu cliffs`.
pub struct CliffArgs<'a> {
    /// Rule-set folder.
    pub dir: &'a Path,
    /// Case file, or `-`.
    pub input: &'a str,
    /// Path of the input to vary.
    pub vary: &'a str,
    /// Lowest value.
    pub from: &'a str,
    /// Highest value.
    pub to: &'a str,
    /// Evaluation date.
    pub on: &'a str,
    /// Programs (default: every program of the entity).
    pub programs: Vec<String>,
    /// Entity of the case.
    pub entity: Option<String>,
    /// Text or JSON.
    pub format: Format,
    /// Language of the text.
    pub lang: &'a str,
    /// The most bytes of the case read.
    pub max_input_bytes: u64,
}

fn decimal(s: &str, what: &str) -> Result<Decimal, Fail> {
    bangfu::money::parse_decimal(s)
        .ok_or_else(|| usage(format!("{what}: `{s}` is not a decimal number")))
}

/// A search's error, naming the field, in both languages.
fn failed(input: &str, e: CliffError) -> Fail {
    match e {
        CliffError::Input(errors) => {
            let n = errors.len();
            usage(crate::present::input_errors(
                input,
                "invalid input",
                n,
                "",
                &errors,
            ))
        }
        CliffError::Eval(e) => usage(format!("{input}: {e} [{}]", e.code())),
        e => usage(format!(
            "--vary {}: {} / {} [{}]",
            e.loc(),
            e.message(Lang::En),
            e.message(Lang::Zh),
            e.code()
        )),
    }
}

/// `bangfu cliffs`.
pub fn cliffs(a: CliffArgs<'_>) -> Result<String, Fail> {
    let format = commands::text_or_json(a.format)?;
    let lang = Lang::parse(a.lang)
        .ok_or_else(|| usage(format!("--lang: `{}` is not zh or en", a.lang)))?;
    let as_of = Date::parse(a.on)
        .ok_or_else(|| usage(format!("--on: `{}` is not a date (YYYY-MM-DD)", a.on)))?;
    let low = decimal(a.from, "--from")?;
    let high = decimal(a.to, "--to")?;
    let rules = commands::load(a.dir)?;
    let (json, entity) = commands::read_case(
        &rules,
        a.input,
        a.max_input_bytes,
        a.entity.as_deref(),
        &a.programs,
    )?;
    let filter = (!a.programs.is_empty()).then_some(a.programs.as_slice());
    let found = cliffs::cliffs(
        &rules,
        &json,
        &CliffQuery {
            entity: &entity,
            path: a.vary,
            low,
            high,
            as_of,
            programs: filter,
            threads: threads(),
        },
    )
    .map_err(|e| failed(a.input, e))?;
    Ok(match format {
        Format::Json => pretty(&found.to_json()),
        _ => found.text(lang),
    })
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// The "what would change the answer" section of `eval --explain
/// --what-if`: each input marked `what_if`, for the programs evaluated.
pub fn what_would_change(
    rules: &RuleSet,
    json: &Json,
    entity: &str,
    as_of: Date,
    programs: Option<&[String]>,
    lang: Lang,
    input: &str,
) -> Result<String, Fail> {
    let found = cliffs::what_would_change(
        rules,
        json,
        &ChangeQuery {
            entity,
            programs,
            path: None,
            low: None,
            high: None,
            as_of,
            threads: threads(),
            span: cliffs::DEFAULT_SPAN,
        },
    );
    match found {
        Ok(found) => Ok(cliffs::section(&found, lang)),
        Err(CliffError::Vary {
            code: "no_what_if", ..
        }) => Ok(String::new()),
        Err(e) => Err(failed(input, e)),
    }
}
