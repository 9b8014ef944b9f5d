//! The commands: each loads what it needs, asks the core, and returns the
//! text to print or a [`Fail`] (message and exit code).

use crate::present::{self, pretty};
use crate::{read, Format};
use bangfu::{examples, settle, Date, Error, Lang, Reform, RuleSet, Status};
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

/// A failure: message and exit code.
pub struct Fail(pub String, pub u8);

/// Bad input or usage: exit code 2.
pub fn usage(msg: impl Into<String>) -> Fail {
    Fail(msg.into(), 2)
}

pub(crate) fn load(dir: &Path) -> Result<RuleSet, Fail> {
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

fn date(s: &str, what: &str) -> Result<Date, Fail> {
    Date::parse(s).ok_or_else(|| usage(format!("{what}: `{s}` is not a date (YYYY-MM-DD)")))
}

/// Reads a file (or standard input for `-`) of at most `max` bytes.
fn read_input(path: &str, max: u64) -> Result<String, Fail> {
    let read = if path == "-" {
        bangfu::limits::read_capped(std::io::stdin().lock(), max, "standard input")
    } else {
        let file = std::fs::File::open(path).map_err(|e| usage(format!("{path}: {e}")))?;
        bangfu::limits::read_capped(file, max, "the file")
    };
    read.map_err(|e| usage(format!("{path}: {e}")))
}

/// `--format csv` where a command writes only text or JSON.
pub fn text_or_json(format: Format) -> Result<Format, Fail> {
    match format {
        Format::Csv => Err(usage("--format: this command writes text or json")),
        f => Ok(f),
    }
}

/// `bangfu codes`.
pub fn codes() -> String {
    bangfu::Code::ALL
        .iter()
        .map(|c| format!("{} {:<28} {}\n", c.code(), c.name(), c.summary()))
        .collect()
}

/// `bangfu schema`.
pub fn schema(dir: &Path, program: Option<String>) -> Result<String, Fail> {
    let rules = load(dir)?;
    let out = match program {
        None => rules.schemas(),
        Some(p) => rules
            .schema(&p)
            .map_err(|_| usage(format!("--program: `{p}` is not a program")))?,
    };
    Ok(pretty(&out))
}

/// `bangfu synth`.
pub fn synth(households: usize, seed: u64, on: &str, out: Option<&Path>) -> Result<String, Fail> {
    use bangfu::synthetic::{to_csv, District};
    let as_of = date(on, "--on")?;
    let district = District::try_generate(households, seed, as_of)
        .map_err(|e| usage(format!("--households: {e}")))?;
    let s = district.summary();
    let per_household = |k: usize| {
        format!(
            "{}.{:02}",
            k / households.max(1),
            k * 100 / households.max(1) % 100
        )
    };
    let mut text = format!(
        "synthetic district: seed {seed}, as of {as_of}\nhouseholds: {}\nmembers: {} ({} per household)\nby size 1-6: {:?}\nbelow 1045 yuan per head: {}\nmembers with canteen meals: {}\ninput columns: {} bytes (Arrow layout), {} bytes (in memory)\n",
        s.households,
        s.members,
        per_household(s.members),
        s.by_size,
        s.below_1045_per_head,
        s.with_meals,
        s.arrow_bytes,
        s.table_bytes,
    );
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| usage(format!("{}: {e}", dir.display())))?;
        for (name, table) in [
            ("households.csv", &district.households),
            ("members.csv", &district.members),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, to_csv(table))
                .map_err(|e| usage(format!("{}: {e}", path.display())))?;
            text.push_str(&format!(
                "wrote {} ({} rows)\n",
                path.display(),
                table.rows()
            ));
        }
    }
    Ok(text)
}

/// A `check` report that fails: it is the command's output, so it goes to
/// standard output (exit 1), as linters do.
fn report_failure(out: String) -> Fail {
    print!("{out}");
    Fail(String::new(), 1)
}

/// `bangfu check`.
pub fn check(dir: &Path, format: Format) -> Result<String, Fail> {
    if !dir.is_dir() {
        return Err(Fail(
            format!("{}: no such rule-set folder", dir.display()),
            1,
        ));
    }
    let rules = match RuleSet::load_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            let out = if format == Format::Json {
                pretty(&json!({"ok": false, "diagnostics": e.records()}))
            } else {
                format!(
                    "{}: the rule set does not load\n{}",
                    dir.display(),
                    e.render()
                )
            };
            return Err(report_failure(out));
        }
    };
    let results = examples::run_examples(&rules);
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    let warnings = rules.warnings();
    if format == Format::Json {
        let records: Vec<_> = warnings
            .iter()
            .map(|w| w.to_record(rules.sources()))
            .collect();
        let out = pretty(&json!({
            "ok": failed.is_empty(),
            "ruleset": present::stamp(&rules),
            "diagnostics": records,
            "examples": {"passed": results.len() - failed.len(), "failed": failed.iter().map(|r| json!({"id": r.id, "file": r.file, "failures": r.failures})).collect::<Vec<_>>()},
        }));
        return if failed.is_empty() {
            Ok(out)
        } else {
            Err(report_failure(out))
        };
    }
    let mut out = format!("{} {} ({})\n", rules.id(), rules.version(), rules.hash());
    let n = rules.counts();
    let found = match warnings.len() {
        0 => "no problems found".to_string(),
        1 => "no errors, 1 warning".to_string(),
        k => format!("no errors, {k} warnings"),
    };
    out.push_str(&format!(
        "loaded: {} parameters, {} tables, {} programs, {} entities; {found}\n",
        n.parameters, n.tables, n.programs, n.entities
    ));
    for w in warnings {
        out.push('\n');
        out.push_str(&w.render(rules.sources()));
    }
    if !warnings.is_empty() {
        out.push('\n');
    }
    for r in &failed {
        out.push_str(&format!("example `{}` ({}) FAILED:\n", r.id, r.file));
        for f in &r.failures {
            out.push_str(&format!("  {f}\n"));
        }
    }
    out.push_str(&format!(
        "worked examples: {} passed, {} failed\n",
        results.len() - failed.len(),
        failed.len()
    ));
    if failed.is_empty() {
        Ok(out)
    } else {
        Err(report_failure(out))
    }
}

/// The reform asked for on the command line: a reform file, overlay files
/// and `--set` pairs, read by the core's one reform reader and applied in
/// that order.
fn reform(
    rules: RuleSet,
    set: &[String],
    overlay: &[PathBuf],
    reform_file: Option<&Path>,
    max_bytes: u64,
) -> Result<RuleSet, Fail> {
    let located = |what: &str, errors: Vec<bangfu::ReformError>| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        usage(format!("{what}: invalid reform\n{}", lines.join("\n")))
    };
    let apply = |rules: RuleSet, what: &str, reform: Reform| {
        if reform.is_empty() {
            return Ok(rules);
        }
        rules.reform(&reform).map_err(|e| match e {
            Error::Reform(errors) => located(what, errors),
            Error::Load(e) => usage(format!(
                "{what}: the reformed rule set does not load\n{}",
                e.render()
            )),
            other => usage(format!("{what}: {other}")),
        })
    };
    let mut rules = rules;
    if let Some(path) = reform_file {
        let what = format!("--reform {}", path.display());
        let text = read_input(&path.to_string_lossy(), max_bytes)
            .map_err(|Fail(e, code)| Fail(format!("--reform {e}"), code))?;
        let r = Reform::from_toml(&text).map_err(|e| located(&what, e))?;
        rules = apply(rules, &what, r)?;
    }
    let mut overlays = Reform::new();
    for p in overlay {
        let text = read_input(&p.to_string_lossy(), max_bytes)
            .map_err(|Fail(e, code)| Fail(format!("--overlay {e}"), code))?;
        let name = p.file_name().map_or_else(
            || "overlay.toml".into(),
            |n| n.to_string_lossy().to_string(),
        );
        overlays = overlays.overlay(name, text);
    }
    rules = apply(rules, "--overlay", overlays)?;
    let pairs = Reform::from_pairs(set).map_err(|e| located("--set", e))?;
    apply(rules, "--set", pairs)
}

/// The arguments of `bangfu eval`.
pub struct EvalArgs<'a> {
    /// Rule-set folder.
    pub dir: &'a Path,
    /// Evaluation date.
    pub on: &'a str,
    /// Programs to evaluate.
    pub programs: Vec<String>,
    /// Entity of the case.
    pub entity: Option<String>,
    /// Whether to print the explanation for people.
    pub explain: bool,
    /// With `explain`: add what would change each program's answer.
    pub what_if: bool,
    /// Its language.
    pub lang: &'a str,
    /// `--set` pairs.
    pub set: &'a [String],
    /// `--overlay` files.
    pub overlay: &'a [PathBuf],
    /// `--reform` file.
    pub reform_file: Option<&'a Path>,
    /// Case file, or `-`.
    pub input: &'a str,
    /// The most bytes of the case (and of each reform or overlay file) read.
    pub max_input_bytes: u64,
    /// The most problems listed; the rest are counted.
    pub max_errors: usize,
}

/// `bangfu eval`.
pub fn eval(a: EvalArgs<'_>) -> Result<String, Fail> {
    let as_of = date(a.on, "--on")?;
    let lang = Lang::parse(a.lang)
        .ok_or_else(|| usage(format!("--lang: `{}` is not zh or en", a.lang)))?;
    let rules = reform(
        load(a.dir)?,
        a.set,
        a.overlay,
        a.reform_file,
        a.max_input_bytes,
    )?;
    let input = a.input;
    let (json, entity) = read_case(
        &rules,
        input,
        a.max_input_bytes,
        a.entity.as_deref(),
        &a.programs,
    )?;
    let filter = (!a.programs.is_empty()).then_some(a.programs.as_slice());
    match rules.evaluate_json(&entity, &json, as_of, filter) {
        Ok(outcome) if a.explain && a.what_if => {
            let more = crate::cliffs::what_would_change(
                &rules, &json, &entity, as_of, filter, lang, input,
            )?;
            Ok(outcome.explain(lang) + &more)
        }
        Ok(outcome) => Ok(if a.explain {
            outcome.explain(lang)
        } else {
            present::outcome(&outcome)
        }),
        Err(Error::Input(errors)) => {
            let n = errors.len();
            let shown = bangfu::limits::cap_errors(errors, a.max_errors);
            Err(usage(present::input_errors(
                input,
                "invalid input",
                n,
                "",
                &shown,
            )))
        }
        Err(e) => Err(usage(format!("{input}: {e} [{}]", e.code()))),
    }
}

/// Reads a case (JSON) and the entity it is of: the one asked for, the
/// entity of the first program, or the only entity whose fields it has.
pub(crate) fn read_case(
    rules: &RuleSet,
    input: &str,
    max_bytes: u64,
    entity: Option<&str>,
    programs: &[String],
) -> Result<(Json, String), Fail> {
    let text = read_input(input, max_bytes)?;
    let json = bangfu::json::parse_strict(&text).map_err(|e| usage(format!("{input}: {e}")))?;
    let entity = rules
        .entity_for_case(entity, programs.first().map(String::as_str), &json)
        .map_err(|e| match e {
            Error::Eval(e) => usage(format!("--program/--entity: {e}")),
            e => usage(format!(
                "{input}: {e} (--entity household or --program dibao)"
            )),
        })?;
    Ok((json, entity))
}

/// `bangfu params`.
pub fn params(dir: &Path, on: &str, format: Format) -> Result<String, Fail> {
    let day = date(on, "--on")?;
    let rules = load(dir)?;
    let no_rules = |_| {
        usage(format!(
            "--on: no rules of {} are in force on {day}",
            rules.id()
        ))
    };
    if format == Format::Json {
        return present::parameters(&rules, day)
            .map(|j| pretty(&j))
            .map_err(no_rules);
    }
    let params = rules.parameters_on(day).map_err(no_rules)?;
    let mut text = format!(
        "parameters of {} {} in force on {day}\n",
        rules.id(),
        rules.version()
    );
    for p in &params {
        text.push_str(&format!(
            "{:<34} {:>10} {:<18} {:<11} from {}{}  {}\n",
            p.name,
            p.value.display(Lang::En),
            p.unit.as_deref().unwrap_or_default(),
            if p.from_assumed {
                format!("{} (date assumed)", p.status.name())
            } else {
                p.status.name().to_string()
            },
            p.from,
            p.formula_words
                .as_ref()
                .map(|f| format!(" = {}", f.en))
                .unwrap_or_default(),
            if p.citation.document.is_empty() {
                "(no published source)"
            } else {
                &p.citation.document
            }
        ));
    }
    let assumptions = params
        .iter()
        .filter(|p| p.status == Status::Assumption)
        .count();
    text.push_str(&format!(
        "{} parameters, {assumptions} of them assumptions\n",
        params.len()
    ));
    Ok(text)
}

/// `bangfu diff`.
pub fn diff(dir: &Path, from: &str, to: &str, format: Format) -> Result<String, Fail> {
    let (a, b) = (date(from, "--from")?, date(to, "--to")?);
    let rules = load(dir)?;
    if format == Format::Json {
        return Ok(pretty(&present::changes(&rules, a, b)));
    }
    let changes = rules.diff(a, b);
    let show = |v: &Json| match v {
        Json::String(s) => s.clone(),
        Json::Null => "(not in force)".into(),
        other => other.to_string(),
    };
    let mut out = format!("changes in {} between {a} and {b}\n", rules.id());
    for c in &changes {
        let note = c.note();
        out.push_str(&format!(
            "  {} {}: {} -> {}{}\n",
            c.kind.name(),
            c.name,
            show(&c.from),
            show(&c.to),
            if note.en.is_empty() {
                String::new()
            } else {
                format!(" ({})", note.en)
            }
        ));
    }
    out.push_str(&format!(
        "{} change{}\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    Ok(out)
}

/// The arguments of `bangfu settle`.
pub struct SettleArgs<'a> {
    /// Rule-set folder.
    pub dir: &'a Path,
    /// Month, `YYYY-MM`.
    pub month: &'a str,
    /// Program (default: the only one with a settlement).
    pub program: Option<String>,
    /// json, csv or text.
    pub format: Format,
    /// Language of the reasons in csv and text.
    pub lang: &'a str,
    /// Duplicates as errors.
    pub strict: bool,
    /// Byte, record and error caps.
    pub limits: settle::Limits,
    /// Records file, or `-`.
    pub records: &'a str,
}

/// `bangfu settle`: the records are read as a stream and the answer
/// written straight out once it is known.
pub fn settle(a: SettleArgs<'_>) -> Result<String, Fail> {
    let lang = Lang::parse(a.lang)
        .ok_or_else(|| usage(format!("--lang: `{}` is not zh or en", a.lang)))?;
    let rules = load(a.dir)?;
    let program = read::settled_program(&rules, a.program).map_err(|settled| {
        usage(format!(
            "--program: say which program to settle ({})",
            settled.join(", ")
        ))
    })?;
    let (records, month, strict) = (a.records, a.month, a.strict);
    let settled = if records == "-" {
        let stdin = std::io::stdin().lock();
        settle::settle_csv(&rules, &program, month, stdin, strict, &a.limits)
    } else {
        let file = std::fs::File::open(records).map_err(|e| usage(format!("{records}: {e}")))?;
        settle::settle_csv(&rules, &program, month, file, strict, &a.limits)
    };
    match settled {
        Ok(s) => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written = match a.format {
                Format::Json => s.write_json(&mut out),
                Format::Csv => s.write_csv(&mut out, lang),
                Format::Text => s.write_text(&mut out, lang),
            };
            written.map_err(|e| usage(format!("standard output: {e}")))?;
            Ok(String::new())
        }
        Err(Error::Input(errors)) => {
            let shown = errors.iter().filter(|e| e.code != "more_errors").count();
            let more = errors
                .iter()
                .find(|e| e.code == "more_errors")
                .map(|e| format!(" {}", e.msg))
                .unwrap_or_default();
            Err(usage(present::input_errors(
                records,
                "invalid records",
                shown,
                &format!("{more}; lines of the file, the header is line 1"),
                &errors,
            )))
        }
        Err(e) => Err(usage(format!("{e} [{}]", e.code()))),
    }
}

/// `bangfu bundle`: the rule set, checked and compiled, as one file.
pub fn bundle(dir: &Path, output: &Path) -> Result<String, Fail> {
    let rules = load(dir)?;
    let bytes = rules.to_bundle();
    std::fs::write(output, &bytes)
        .map_err(|e| Fail(format!("{}: cannot write: {e}", output.display()), 2))?;
    Ok(format!(
        "{}: {} bytes, {} {} ({}), bundle format {}\n",
        output.display(),
        bytes.len(),
        rules.id(),
        rules.version(),
        rules.hash(),
        bangfu::bundle::FORMAT_VERSION
    ))
}
