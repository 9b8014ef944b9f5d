//! `bangfu`: check rule sets, evaluate cases, list parameters, show what
//! changed between dates, settle a canteen's month of meal records, and serve
//! all of it over HTTP to district systems.
//!
//! Exit codes: 0 success; 1 a rule set does not check or an example fails;
//! 2 bad input or usage (the message names the field). Output is written only
//! once the whole answer is known, so a failure never leaves half an answer.
//!
//! This file parses arguments; the commands are in `commands`, the JSON
//! answers they share with the service in `present`, the service in `serve`.
//! It is also the library's one module (`lib.rs`), so that [`run`] is the
//! command line of the binary and of the Python package's `bangfu` command.

pub(crate) mod cliffs;
pub(crate) mod commands;
pub(crate) mod present;
pub(crate) mod read;
pub(crate) mod review;
mod serve;

use clap::{Parser, Subcommand, ValueEnum};
use commands::Fail;
use std::ffi::OsString;
use std::path::PathBuf;
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

/// How a command writes its answer.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
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
        /// With --explain: add what would change each program's answer,
        /// searched along every input the rules mark `what_if`.
        #[arg(long, requires = "explain")]
        what_if: bool,
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
        /// The most bytes of the case (and of each reform or overlay file) read.
        #[arg(long, default_value_t = bangfu::limits::MAX_CASE_BYTES)]
        max_input_bytes: u64,
        /// The most problems listed; the rest are counted.
        #[arg(long, default_value_t = bangfu::limits::MAX_ERRORS)]
        max_errors: usize,
        /// Case file (JSON), or - for standard input.
        input: String,
    },
    /// Find where each program's answer changes as one input of a case
    /// varies over a range: breakpoints and segments, exact to the fen.
    Cliffs {
        /// Rule-set folder.
        dir: PathBuf,
        /// Case file (JSON), or - for standard input.
        input: String,
        /// The input to vary: `financial_assets`, `members[0].monthly_income`.
        #[arg(long)]
        vary: String,
        /// Lowest value (on the input's grid: the fen for money, 1 for integers).
        #[arg(long, allow_hyphen_values = true)]
        from: String,
        /// Highest value.
        #[arg(long, allow_hyphen_values = true)]
        to: String,
        /// Evaluation date, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// Program(s) to search (default: every program of the entity).
        #[arg(long = "program")]
        programs: Vec<String>,
        /// Entity of the case (default: the entity of --program).
        #[arg(long)]
        entity: Option<String>,
        /// Output format (text or json).
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Language of the text.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// The most bytes of the case read.
        #[arg(long, default_value_t = bangfu::limits::MAX_CASE_BYTES)]
        max_input_bytes: u64,
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
    /// Show what changed: between two dates of one rule set (`DIR --from D1
    /// --to D2`: parameter values and formulas), or between two versions of
    /// a rule set (`OLD_DIR NEW_DIR`: every item as written, and with
    /// --population and --on, whom it changes and what it costs).
    Diff {
        /// Rule-set folder (with NEW_DIR: the old version).
        dir: PathBuf,
        /// The new version's folder.
        new_dir: Option<PathBuf>,
        /// Earlier date (one rule set).
        #[arg(long)]
        from: Option<String>,
        /// Later date (one rule set).
        #[arg(long)]
        to: Option<String>,
        /// Households and members CSV files (as `bangfu synth --out` writes
        /// them), evaluated under both versions.
        #[arg(long, num_args = 2, value_names = ["HOUSEHOLDS", "MEMBERS"])]
        population: Vec<PathBuf>,
        /// The date the population is evaluated on, YYYY-MM-DD.
        #[arg(long)]
        on: Option<String>,
        /// The population's entity.
        #[arg(long, default_value = "household")]
        entity: String,
        /// The column linking members to their case.
        #[arg(long, default_value = "household_id")]
        key: String,
        /// Language of the text (two versions).
        #[arg(long, default_value = "zh")]
        lang: String,
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
        /// Output format: json, csv, or text for people.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Language of the reasons in csv and text output.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// Treat duplicate records as errors (exit 2) instead of rejecting them.
        #[arg(long)]
        strict: bool,
        /// The most bytes of records read.
        #[arg(long, default_value_t = bangfu::settle::Limits::MAX_BYTES)]
        max_input_bytes: u64,
        /// The most records read.
        #[arg(long, default_value_t = bangfu::settle::Limits::MAX_RECORDS)]
        max_records: usize,
        /// The most problems listed; the rest are counted.
        #[arg(long, default_value_t = bangfu::settle::MAX_ERRORS)]
        max_errors: usize,
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
        /// Number of households (at most 20,000,000).
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
    /// Write a checked, compiled rule set as one bundle file (for browsers:
    /// no rule files to parse or compile).
    Bundle {
        /// Rule-set folder.
        dir: PathBuf,
        /// The bundle file to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Serve rule sets over HTTP (JSON, NDJSON, CSV) to district systems.
    Serve(serve::ServeArgs),
}

/// Runs the command line `args` (the program's name first): the answer to
/// standard output, problems to standard error. Returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to standard output (exit 0), usage errors
            // to standard error (exit 2).
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    let result = match cli.command {
        Command::Check { dir, format } => {
            commands::text_or_json(format).and_then(|format| commands::check(&dir, format))
        }
        Command::Eval {
            dir,
            on,
            programs,
            entity,
            explain,
            what_if,
            lang,
            set,
            overlay,
            reform,
            max_input_bytes,
            max_errors,
            input,
        } => commands::eval(commands::EvalArgs {
            dir: &dir,
            on: &on,
            programs,
            entity,
            explain,
            what_if,
            lang: &lang,
            set: &set,
            overlay: &overlay,
            reform_file: reform.as_deref(),
            input: &input,
            max_input_bytes,
            max_errors,
        }),
        Command::Cliffs {
            dir,
            input,
            vary,
            from,
            to,
            on,
            programs,
            entity,
            format,
            lang,
            max_input_bytes,
        } => cliffs::cliffs(cliffs::CliffArgs {
            dir: &dir,
            input: &input,
            vary: &vary,
            from: &from,
            to: &to,
            on: &on,
            programs,
            entity,
            format,
            lang: &lang,
            max_input_bytes,
        }),
        Command::Params { dir, on, format } => {
            commands::text_or_json(format).and_then(|format| commands::params(&dir, &on, format))
        }
        Command::Diff {
            dir,
            new_dir,
            from,
            to,
            population,
            on,
            entity,
            key,
            lang,
            format,
        } => commands::text_or_json(format).and_then(|format| match (new_dir, from, to) {
            (Some(new), None, None) => review::review(review::ReviewArgs {
                old: &dir,
                new: &new,
                population: &population,
                on: on.as_deref(),
                entity: &entity,
                key: &key,
                lang: &lang,
                format,
            }),
            (Some(_), _, _) => Err(commands::usage(
                "--from/--to: compare two dates of one rule set, or two folders, not both",
            )),
            (None, Some(from), Some(to)) if population.is_empty() && on.is_none() => {
                commands::diff(&dir, &from, &to, format)
            }
            (None, Some(_), Some(_)) => Err(commands::usage(
                "--population/--on: give two rule-set folders, OLD_DIR NEW_DIR",
            )),
            (None, _, _) => Err(commands::usage(
                "diff: give --from and --to (two dates of DIR), or two folders OLD_DIR NEW_DIR",
            )),
        }),
        Command::Settle {
            dir,
            month,
            program,
            format,
            lang,
            strict,
            max_input_bytes,
            max_records,
            max_errors,
            records,
        } => commands::settle(commands::SettleArgs {
            dir: &dir,
            month: &month,
            program,
            format,
            lang: &lang,
            strict,
            limits: bangfu::settle::Limits {
                max_bytes: max_input_bytes,
                max_records,
                max_errors,
            },
            records: &records,
        }),
        Command::Schema { dir, program } => commands::schema(&dir, program),
        Command::Synth {
            households,
            seed,
            on,
            out,
        } => commands::synth(households, seed, &on, out.as_deref()),
        Command::Bundle { dir, output } => commands::bundle(&dir, &output),
        Command::Codes => Ok(commands::codes()),
        Command::Serve(args) => serve::run(args).map(|()| String::new()),
    };
    match result {
        Ok(out) => {
            print!("{out}");
            0
        }
        Err(Fail(msg, code)) => {
            if !msg.is_empty() {
                eprint!("{msg}");
                if !msg.ends_with('\n') {
                    eprintln!();
                }
            }
            code
        }
    }
}

// Unused where this file is the library's module.
#[allow(dead_code)]
fn main() -> ExitCode {
    ExitCode::from(run(std::env::args_os()))
}
