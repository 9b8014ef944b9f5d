//! `bangfu`: check rule sets, evaluate cases, list parameters, show what
//! changed between dates, settle a canteen's month of meal records.
//!
//! Exit codes: 0 success; 1 a rule set does not check or an example fails;
//! 2 bad input or usage (the message names the field). Output is written only
//! once the whole answer is known, so a failure never leaves half an answer.

use bangfu::outcome::citation_json;
use bangfu::plan::{ParamRule, Status};
use bangfu::{
    examples, schema, settle, Date, Diagnostic, Error, Lang, LoadError, Override, RuleSet,
};
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
            let plan = rules.plan();
            let out = match program {
                None => schema::programs(plan),
                Some(p) => {
                    let i = plan
                        .program_index(&p)
                        .ok_or_else(|| usage(format!("--program: `{p}` is not a program")))?;
                    schema::program_schema(plan, i).unwrap_or(Json::Null)
                }
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
            "ruleset": {"id": rules.id(), "version": rules.version(), "hash": rules.hash()},
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
    let plan = rules.plan();
    out.push_str(&format!(
        "loaded: {} parameters, {} tables, {} programs, {} entities; no problems found\n",
        plan.params.len(),
        plan.tables.len(),
        plan.programs.len(),
        plan.entities.len()
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

fn reform(
    rules: RuleSet,
    set: &[String],
    overlay: &[PathBuf],
    reform_file: Option<&Path>,
) -> Result<RuleSet, Fail> {
    let mut rules = rules;
    if let Some(path) = reform_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("--reform {}: {e}", path.display())))?;
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| usage(format!("--reform {}: {}", path.display(), e.message())))?;
        let mut overrides = Vec::new();
        for (name, v) in &table {
            let (value, from) = match v {
                toml::Value::String(s) => (s.clone(), None),
                toml::Value::Integer(i) => (i.to_string(), None),
                toml::Value::Boolean(b) => (b.to_string(), None),
                toml::Value::Table(t) => {
                    let value = match t.get("value") {
                        Some(toml::Value::String(s)) => s.clone(),
                        Some(toml::Value::Integer(i)) => i.to_string(),
                        Some(toml::Value::Boolean(b)) => b.to_string(),
                        _ => {
                            return Err(usage(format!(
                                "--reform {}: {name}.value must be a string such as \"1100\"",
                                path.display()
                            )))
                        }
                    };
                    let from = match t.get("from") {
                        None => None,
                        Some(d) => {
                            Some(Date::parse(d.to_string().trim_matches('"')).ok_or_else(|| {
                                usage(format!(
                                    "--reform {}: {name}.from is not a date",
                                    path.display()
                                ))
                            })?)
                        }
                    };
                    (value, from)
                }
                toml::Value::Float(f) => {
                    return Err(usage(format!(
                        "--reform {}: {name} = {f} is a TOML float; write \"{f}\"",
                        path.display()
                    )))
                }
                _ => {
                    return Err(usage(format!(
                        "--reform {}: {name} must be a value or {{ value, from }}",
                        path.display()
                    )))
                }
            };
            overrides.push(Override {
                name: name.clone(),
                value,
                from,
            });
        }
        rules = rules.with_overrides(&overrides).map_err(|e| {
            usage(format!(
                "--reform: the reform does not load\n{}",
                render_plain(&e)
            ))
        })?;
    }
    if !overlay.is_empty() {
        let mut files = Vec::new();
        for p in overlay {
            let text = std::fs::read_to_string(p)
                .map_err(|e| usage(format!("--overlay {}: {e}", p.display())))?;
            files.push((
                p.file_name().map_or_else(
                    || "overlay.toml".into(),
                    |n| n.to_string_lossy().to_string(),
                ),
                text,
            ));
        }
        rules = rules.with_overlay(files).map_err(|e| {
            usage(format!(
                "--overlay: the reformed rule set does not load\n{}",
                e.render()
            ))
        })?;
    }
    if !set.is_empty() {
        let mut overrides = Vec::new();
        for s in set {
            let (name, value) = s
                .split_once('=')
                .ok_or_else(|| usage(format!("--set: `{s}` is not NAME=VALUE")))?;
            overrides.push(Override {
                name: name.trim().into(),
                value: value.trim().into(),
                from: None,
            });
        }
        rules = rules.with_overrides(&overrides).map_err(|e| {
            usage(format!(
                "--set: the reform does not load\n{}",
                render_plain(&e)
            ))
        })?;
    }
    Ok(rules)
}

fn render_plain(e: &LoadError) -> String {
    e.diagnostics
        .iter()
        .map(|d: &Diagnostic| d.render(&e.sources))
        .collect()
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
    let plan = rules.plan();
    let entity = match (entity, programs.first()) {
        (Some(e), _) => e,
        (None, Some(p)) => {
            let i = plan.program_index(p).ok_or_else(|| usage(format!("--program: `{p}` is not a program of {}", rules.id())))?;
            plan.entities[plan.programs[i].entity].name.clone()
        }
        (None, None) => match rules.entities_for(&json).as_slice() {
            [one] => one.to_string(),
            [] => return Err(usage(format!("{input}: its fields fit no entity of {}; say which entity the case is (--entity household) or which program to evaluate (--program dibao)", rules.id()))),
            several => return Err(usage(format!("{input}: its fields fit {}; say which with --entity or --program", several.join(", ")))),
        },
    };
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
    let plan = rules.plan();
    let seg = plan.segment_at(day).ok_or_else(|| {
        usage(format!(
            "--on: no rules of {} are in force on {day}",
            rules.id()
        ))
    })?;
    let mut rows = Vec::new();
    let mut text = format!(
        "parameters of {} {} in force on {day}\n",
        rules.id(),
        rules.version()
    );
    for (i, p) in plan.params.iter().enumerate() {
        let Some(v) = seg.param_version[i] else {
            continue;
        };
        let Some(version) = p.versions.get(v as usize) else {
            continue;
        };
        let value = bangfu::outcome::OutValue::of_param(plan, i, seg.params[i]);
        let formula = match &version.rule {
            ParamRule::Derived(_, f) => Some(f.clone()),
            ParamRule::Fixed(_) => None,
        };
        text.push_str(&format!(
            "{:<34} {:>10} {:<18} {:<11} from {}{}  {}\n",
            p.name,
            value.display(Lang::En),
            p.unit.clone().unwrap_or_default(),
            version.status.name(),
            version.from,
            formula
                .as_ref()
                .map(|f| format!(" = {f}"))
                .unwrap_or_default(),
            version.citation.document
        ));
        rows.push(json!({
            "name": p.name, "label": {"zh": p.label.zh, "en": p.label.en}, "value": value.to_json(), "unit": p.unit,
            "status": version.status.name(), "from": version.from.to_string(), "until": version.until.map(|d| d.to_string()),
            "formula": formula, "source": citation_json(&version.citation),
        }));
    }
    if format == Format::Json {
        Ok(pretty(
            &json!({"ruleset": {"id": rules.id(), "version": rules.version(), "hash": rules.hash()}, "on": day.to_string(), "parameters": rows}),
        ))
    } else {
        let assumptions = rows
            .iter()
            .filter(|r| r["status"] == Status::Assumption.name())
            .count();
        text.push_str(&format!(
            "{} parameters, {assumptions} of them assumptions\n",
            rows.len()
        ));
        Ok(text)
    }
}

fn diff(dir: &Path, from: &str, to: &str, format: Format) -> Result<String, Fail> {
    let (a, b) = (date(from, "--from")?, date(to, "--to")?);
    let rules = load(dir)?;
    let plan = rules.plan();
    let (sa, sb) = (plan.segment_at(a), plan.segment_at(b));
    let mut changes = Vec::new();
    for (i, p) in plan.params.iter().enumerate() {
        let va = sa.map(|s| bangfu::outcome::OutValue::of_param(plan, i, s.params[i]));
        let vb = sb.map(|s| bangfu::outcome::OutValue::of_param(plan, i, s.params[i]));
        let vera = sa.and_then(|s| s.param_version[i]);
        let verb = sb.and_then(|s| s.param_version[i]);
        if va != vb || vera != verb {
            let status = verb
                .and_then(|v| p.versions.get(v as usize))
                .map(|v| v.status.name());
            changes.push(json!({"kind": "parameter", "name": p.name, "from": va.as_ref().map(|v| v.to_json()), "to": vb.as_ref().map(|v| v.to_json()), "status": status}));
        }
    }
    for (i, c) in plan.computeds.iter().enumerate() {
        let ca = sa.and_then(|s| s.choice[i]);
        let cb = sb.and_then(|s| s.choice[i]);
        if ca != cb {
            let text = |v: Option<u32>| {
                v.and_then(|v| c.versions.get(v as usize))
                    .map(|f| f.text.clone())
            };
            let owner = c.program.map_or_else(
                || plan.entities[c.entity].name.clone(),
                |p| plan.programs[p].name.to_string(),
            );
            changes.push(json!({"kind": "formula", "name": format!("{owner}.{}", c.name), "from": text(ca), "to": text(cb)}));
        }
    }
    if format == Format::Json {
        return Ok(pretty(
            &json!({"ruleset": {"id": rules.id(), "version": rules.version(), "hash": rules.hash()}, "from": a.to_string(), "to": b.to_string(), "changes": changes}),
        ));
    }
    let mut out = format!("changes in {} between {a} and {b}\n", rules.id());
    for c in &changes {
        let show = |v: &Json| match v {
            Json::String(s) => s.clone(),
            Json::Null => "(not in force)".into(),
            other => other.to_string(),
        };
        out.push_str(&format!(
            "  {} {}: {} -> {}\n",
            c["kind"].as_str().unwrap_or(""),
            c["name"].as_str().unwrap_or(""),
            show(&c["from"]),
            show(&c["to"])
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
    let plan = rules.plan();
    let program = match program {
        Some(p) => p,
        None => {
            let settled: Vec<&str> = plan
                .programs
                .iter()
                .filter(|p| p.settlement.is_some())
                .map(|p| &*p.name)
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
