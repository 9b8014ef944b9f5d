//! `bangfu`: check rule sets, evaluate cases, list parameters, show what
//! changed between dates, settle a canteen's month of meal records.
//!
//! Exit codes: 0 success; 1 a rule set does not check or an example fails;
//! 2 bad input or usage (the message names the field). Output is written only
//! once the whole answer is known, so a failure never leaves half an answer.

use bangfu::outcome::NamedParameter;
use bangfu::{examples, settle, Date, Error, Lang, Reform, RuleSet, Status};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{json, Map, Value as Json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "bangfu",
    version,
    about = "Social-assistance rules as code: who qualifies, for how much, and why."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Csv,
}

#[derive(Subcommand)]
enum Command {
    /// Load a rule set, print its diagnostics and run its worked examples.
    Check {
        /// Rule-set folder.
        dir: PathBuf,
        /// Output format (text or json).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Evaluate a case (JSON) as of a date.
    Eval {
        /// Rule-set folder.
        dir: PathBuf,
        /// Evaluation date, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// Program(s) to evaluate (default: every program of the entity).
        #[arg(long = "program")]
        programs: Vec<String>,
        /// Entity of the case (default: the entity of --program).
        #[arg(long)]
        entity: Option<String>,
        /// Print the explanation for people instead of JSON.
        #[arg(long)]
        explain: bool,
        /// Language of the explanation.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// Reform: override a parameter, NAME=VALUE (repeatable).
        #[arg(long = "set")]
        set: Vec<String>,
        /// Reform: overlay rule file(s) replacing items of the same name.
        #[arg(long = "overlay")]
        overlay: Vec<PathBuf>,
        /// Reform: a TOML file of overrides, `name = "value"` or
        /// `name = { value = "…", from = 2024-01-01 }`.
        #[arg(long = "reform")]
        reform: Option<PathBuf>,
        /// Case file (JSON), or - for standard input.
        input: String,
    },
    /// List the parameters in force on a date, with values, sources and status.
    Params {
        /// Rule-set folder.
        dir: PathBuf,
        /// Date, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// Output format (text or json).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show what changed between two dates: parameter values and formulas.
    Diff {
        /// Rule-set folder.
        dir: PathBuf,
        /// Earlier date.
        #[arg(long)]
        from: String,
        /// Later date.
        #[arg(long)]
        to: String,
        /// Output format (text or json).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Settle a month of per-record claims (a canteen's meal records, CSV).
    Settle {
        /// Rule-set folder.
        dir: PathBuf,
        /// Month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Program (default: the only program with a settlement section).
        #[arg(long)]
        program: Option<String>,
        /// Output format (json or csv).
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Treat duplicate records as errors (exit 2) instead of rejecting them.
        #[arg(long)]
        strict: bool,
        /// Records (CSV with a header row), or - for standard input.
        records: String,
    },
    /// Print the input schema of a program (for generating forms), as JSON.
    Schema {
        /// Rule-set folder.
        dir: PathBuf,
        /// Program (default: list programs).
        #[arg(long)]
        program: Option<String>,
    },
    /// List the diagnostic codes.
    Codes,
    /// Generate the deterministic synthetic district used by the benchmarks:
    /// write households.csv and members.csv into --out, or print a summary.
    Synth {
        /// Number of households.
        #[arg(long, default_value_t = 1000)]
        households: usize,
        /// Seed: the same seed gives the same district everywhere.
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Date the birth dates are drawn against, YYYY-MM-DD.
        #[arg(long, default_value = bangfu::synthetic::REFERENCE_DATE)]
        on: String,
        /// Folder to write households.csv and members.csv into.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A failure: message and exit code.
struct Fail(String, u8);

fn usage(msg: impl Into<String>) -> Fail {
    Fail(msg.into(), 2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Fail(msg, code)) => {
            if !msg.is_empty() {
                eprint!("{msg}");
                if !msg.ends_with('\n') {
                    eprintln!();
                }
            }
            ExitCode::from(code)
        }
    }
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

fn date(s: &str, what: &str) -> Result<Date, Fail> {
    Date::parse(s).ok_or_else(|| usage(format!("{what}: `{s}` is not a date (YYYY-MM-DD)")))
}

fn read_input(path: &str) -> Result<String, Fail> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("stdin: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| usage(format!("{path}: {e}")))
    }
}

fn run(command: Command) -> Result<String, Fail> {
    match command {
        Command::Check { dir, format } => check(&dir, format),
        Command::Eval {
            dir,
            on,
            programs,
            entity,
            explain,
            lang,
            set,
            overlay,
            reform: reform_file,
            input,
        } => eval(
            &dir,
            &on,
            programs,
            entity,
            explain,
            &lang,
            &set,
            &overlay,
            reform_file.as_deref(),
            &input,
        ),
        Command::Params { dir, on, format } => params(&dir, &on, format),
        Command::Diff {
            dir,
            from,
            to,
            format,
        } => diff(&dir, &from, &to, format),
        Command::Settle {
            dir,
            month,
            program,
            format,
            strict,
            records,
        } => {
            if format == Format::Text {
                return Err(usage("--format: settle writes json or csv"));
            }
            settle_cmd(&dir, &month, program, format, strict, &records)
        }
        Command::Schema { dir, program } => {
            let rules = load(&dir)?;
            let out = match program {
                None => rules.schemas(),
                Some(p) => rules
                    .schema(&p)
                    .map_err(|_| usage(format!("--program: `{p}` is not a program")))?,
            };
            Ok(pretty(&out))
        }
        Command::Synth {
            households,
            seed,
            on,
            out,
        } => synth(households, seed, &on, out.as_deref()),
        Command::Codes => Ok(bangfu::Code::ALL
            .iter()
            .map(|c| format!("{} {:<28} {}\n", c.code(), c.name(), c.summary()))
            .collect()),
    }
}

fn synth(households: usize, seed: u64, on: &str, out: Option<&Path>) -> Result<String, Fail> {
    use bangfu::synthetic::{to_csv, District};
    let as_of = date(on, "--on")?;
    let district = District::generate(households, seed, as_of);
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

fn pretty(j: &Json) -> String {
    let mut s = serde_json::to_string_pretty(j).unwrap_or_default();
    s.push('\n');
    s
}

/// A `check` report that fails: it is the command's output, so it goes to
/// standard output (exit 1), as linters do.
fn report_failure(out: String) -> Fail {
    print!("{out}");
    Fail(String::new(), 1)
}

fn check(dir: &Path, format: Format) -> Result<String, Fail> {
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
    if format == Format::Json {
        let out = pretty(&json!({
            "ok": failed.is_empty(),
            "ruleset": stamp(&rules),
            "diagnostics": [],
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
    out.push_str(&format!(
        "loaded: {} parameters, {} tables, {} programs, {} entities; no problems found\n",
        n.parameters, n.tables, n.programs, n.entities
    ));
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
        let text = std::fs::read_to_string(path).map_err(|e| usage(format!("{what}: {e}")))?;
        let r = Reform::from_toml(&text).map_err(|e| located(&what, e))?;
        rules = apply(rules, &what, r)?;
    }
    let mut overlays = Reform::new();
    for p in overlay {
        let text = std::fs::read_to_string(p)
            .map_err(|e| usage(format!("--overlay {}: {e}", p.display())))?;
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

#[allow(clippy::too_many_arguments)]
fn eval(
    dir: &Path,
    on: &str,
    programs: Vec<String>,
    entity: Option<String>,
    explain: bool,
    lang: &str,
    set: &[String],
    overlay: &[PathBuf],
    reform_file: Option<&Path>,
    input: &str,
) -> Result<String, Fail> {
    let as_of = date(on, "--on")?;
    let lang =
        Lang::parse(lang).ok_or_else(|| usage(format!("--lang: `{lang}` is not zh or en")))?;
    let rules = reform(load(dir)?, set, overlay, reform_file)?;
    let text = read_input(input)?;
    let json: Json =
        serde_json::from_str(&text).map_err(|e| usage(format!("{input}: not valid JSON: {e}")))?;
    let entity = rules
        .entity_for_case(
            entity.as_deref(),
            programs.first().map(String::as_str),
            &json,
        )
        .map_err(|e| match e {
            Error::Eval(e) => usage(format!("--program/--entity: {e}")),
            e => usage(format!(
                "{input}: {e} (--entity household or --program dibao)"
            )),
        })?;
    let filter = (!programs.is_empty()).then_some(programs.as_slice());
    match rules.evaluate_json(&entity, &json, as_of, filter) {
        Ok(outcome) => Ok(if explain {
            outcome.explain(lang)
        } else {
            pretty(&outcome.to_json())
        }),
        Err(Error::Input(errors)) => {
            let mut msg = format!(
                "{input}: invalid input ({} problem{})\n",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            for e in &errors {
                msg.push_str(&format!("  {e}\n"));
            }
            Err(usage(msg))
        }
        Err(e) => Err(usage(format!("{input}: {e} [{}]", e.code()))),
    }
}

fn params(dir: &Path, on: &str, format: Format) -> Result<String, Fail> {
    let day = date(on, "--on")?;
    let rules = load(dir)?;
    let params = rules.parameters_on(day).map_err(|_| {
        usage(format!(
            "--on: no rules of {} are in force on {day}",
            rules.id()
        ))
    })?;
    if format == Format::Json {
        let rows: Vec<Json> = params
            .iter()
            .map(|p| serde_json::to_value(NamedParameter(p)).unwrap_or(Json::Null))
            .collect();
        return Ok(pretty(
            &json!({"ruleset": stamp(&rules), "on": day.to_string(), "parameters": rows}),
        ));
    }
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

fn stamp(rules: &RuleSet) -> Json {
    json!({"id": rules.id(), "version": rules.version(), "hash": rules.hash()})
}

fn diff(dir: &Path, from: &str, to: &str, format: Format) -> Result<String, Fail> {
    let (a, b) = (date(from, "--from")?, date(to, "--to")?);
    let rules = load(dir)?;
    let changes = rules.diff(a, b);
    if format == Format::Json {
        let changes: Vec<Json> = changes.iter().map(|c| c.to_json()).collect();
        return Ok(pretty(
            &json!({"ruleset": stamp(&rules), "from": a.to_string(), "to": b.to_string(), "changes": changes}),
        ));
    }
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

fn settle_cmd(
    dir: &Path,
    month: &str,
    program: Option<String>,
    format: Format,
    strict: bool,
    records: &str,
) -> Result<String, Fail> {
    let rules = load(dir)?;
    let program = match program {
        Some(p) => p,
        None => {
            let settled: Vec<String> = rules
                .programs()
                .into_iter()
                .filter(|p| p.settles_records)
                .map(|p| p.name.to_string())
                .collect();
            match settled.as_slice() {
                [one] => one.to_string(),
                _ => {
                    return Err(usage(format!(
                        "--program: say which program to settle ({})",
                        settled.join(", ")
                    )))
                }
            }
        }
    };
    let text = read_input(records)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| usage(format!("{records}: {e}")))?
        .clone();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec =
            rec.map_err(|e| usage(format!("{records}: records[{i}] (line {}): {e}", i + 2)))?;
        let map: Map<String, Json> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_string(), Json::String(v.to_string())))
            .collect();
        rows.push(map);
    }
    match settle::settle(&rules, &program, month, &rows, strict) {
        Ok(s) => {
            if format == Format::Csv {
                let mut w = csv::Writer::from_writer(Vec::new());
                let mut rows: Vec<Vec<String>> =
                    vec![["record", "person", "date", "amount", "status", "reasons"]
                        .map(String::from)
                        .to_vec()];
                for r in &s.records {
                    let status = if r.reasons.is_empty() {
                        "accepted"
                    } else {
                        "rejected"
                    };
                    rows.push(vec![
                        r.record.to_string(),
                        r.person.clone(),
                        r.date.to_string(),
                        r.amount.to_string(),
                        status.into(),
                        r.reasons.join(";"),
                    ]);
                }
                rows.push(vec![
                    String::new(),
                    "TOTAL".into(),
                    s.month.clone(),
                    s.total.to_string(),
                    String::new(),
                    String::new(),
                ]);
                for row in &rows {
                    w.write_record(row)
                        .map_err(|e| usage(format!("csv: {e}")))?;
                }
                let bytes = w.into_inner().map_err(|e| usage(format!("csv: {e}")))?;
                let out = String::from_utf8(bytes).map_err(|e| usage(format!("csv: {e}")))?;
                Ok(out)
            } else {
                Ok(pretty(&s.to_json()))
            }
        }
        Err(Error::Input(errors)) => {
            let mut msg = format!(
                "{records}: invalid records ({} problem{}; records[i] is data row i, line i + 2)\n",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            for e in &errors {
                msg.push_str(&format!("  {e}\n"));
            }
            Err(usage(msg))
        }
        Err(e) => Err(usage(format!("{e} [{}]", e.code()))),
    }
}
