//! A district of a million households, evaluated as a batch.
//!
//! `cargo bench -p bangfu --bench district` prints a report: generation,
//! `Population::build` (timed on its own), `batch::evaluate` for every
//! household program and for dibao alone, a reform (`dibao_standard = 1100`)
//! over the same population (not rebuilt), a hand-written Rust loop
//! computing the same dibao outputs over the same columns (checked equal to
//! the batch), the ratio batch / hand-written, and peak RSS beside the size
//! of the input columns.
//!
//! `BANGFU_HOUSEHOLDS` sets the number of households (default 1,000,000),
//! `BANGFU_REPS` the repetitions of each timing (default 5; the median and
//! the best are printed), `BANGFU_THREADS` the threads (default 2).
#![allow(clippy::float_arithmetic)]

use bangfu::batch::{self, BatchResult, ColumnData, Population};
use bangfu::synthetic::{self, District, KEY};
use bangfu::{Date, Decimal, Reform, RuleSet};
use std::error::Error;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn Error>>;

/// A batch run: label, rules, programs, threads, and the reference to match.
type Scenario<'a> = (
    &'a str,
    &'a RuleSet,
    Option<&'a [String]>,
    usize,
    &'a HandOut,
);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / 1_048_576.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` `reps` times; the timings sorted, and the last result.
fn timed<T>(reps: usize, mut f: impl FnMut() -> Res<T>) -> Res<(Vec<Duration>, T)> {
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let out = f()?;
        times.push(t.elapsed());
        last = Some(out);
    }
    times.sort();
    let out = last.ok_or("no repetition ran")?;
    Ok((times, out))
}

fn median(times: &[Duration]) -> Duration {
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn line(label: &str, times: &[Duration], rows: usize) {
    let med = median(times);
    let best = times.first().copied().unwrap_or_default();
    let rate = rows as f64 / med.as_secs_f64().max(1e-12);
    println!(
        "{label:<44} median {:>9.1} ms   best {:>9.1} ms   {:>6.1} M rows/s",
        ms(med),
        ms(best),
        rate / 1e6
    );
}

/// A parameter of the segment in force, as whole fen (money) or as itself.
fn param(rules: &RuleSet, name: &str, as_of: Date) -> Res<Decimal> {
    let p = rules
        .parameter_on(name, as_of)
        .map_err(|e| e.to_string())?
        .ok_or("not in force")?;
    p.value
        .decimal()
        .ok_or_else(|| format!("{name} is not a number").into())
}

fn to_fen(d: Decimal) -> Option<i64> {
    let mut x = d;
    if x.scale() > 2 && x.round_dp(2) != x {
        return None;
    }
    x.rescale(2);
    i64::try_from(x.mantissa()).ok()
}

/// The hand-written reference: dibao eligibility and amount over the same
/// inputs laid out as such a loop would want them (fen in `i64`, booleans
/// in bytes, members grouped by household), with i64 arithmetic (exact:
/// inputs are whole fen, the standard whole yuan, so `income / n <
/// standard` is `income < standard × n`).
struct Hand<'a> {
    registered: &'a [bool],
    assets: &'a [i64],
    income: &'a [i64],
    offsets: &'a [usize],
}

#[derive(Default)]
struct HandOut {
    eligible: Vec<bool>,
    amount_fen: Vec<i64>,
}

impl Hand<'_> {
    fn run_range(&self, std_fen: i64, multiple: i64, lo: usize, hi: usize) -> HandOut {
        let mut out = HandOut {
            eligible: Vec::with_capacity(hi - lo),
            amount_fen: Vec::with_capacity(hi - lo),
        };
        for h in lo..hi {
            let (a, b) = (self.offsets[h], self.offsets[h + 1]);
            let income: i64 = self.income[a..b].iter().sum();
            let n = (b - a) as i64;
            let line = std_fen * n;
            let eligible = self.registered[h] && income < line && self.assets[h] <= multiple * line;
            out.eligible.push(eligible);
            out.amount_fen
                .push(if eligible { line - income } else { 0 });
        }
        out
    }

    fn run(&self, std_fen: i64, multiple: i64, threads: usize) -> HandOut {
        let n = self.registered.len();
        if threads <= 1 {
            return self.run_range(std_fen, multiple, 0, n);
        }
        let chunk = n.div_ceil(threads).max(1);
        let parts: Vec<HandOut> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|lo| {
                    s.spawn(move || self.run_range(std_fen, multiple, lo, (lo + chunk).min(n)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut out = HandOut {
            eligible: Vec::with_capacity(n),
            amount_fen: Vec::with_capacity(n),
        };
        for p in parts {
            out.eligible.extend(p.eligible);
            out.amount_fen.extend(p.amount_fen);
        }
        out
    }
}

fn same_as_batch(hand: &HandOut, batch: &BatchResult) -> Res<usize> {
    let col = batch
        .programs
        .iter()
        .find(|c| c.program == "dibao")
        .ok_or("no dibao column")?;
    let amounts = col.amount.as_ref().ok_or("no dibao amounts")?;
    if hand.eligible != col.eligible {
        return Err("hand-written eligibility differs from the batch".into());
    }
    for (h, (a, b)) in hand.amount_fen.iter().zip(amounts.iter()).enumerate() {
        if Some(Decimal::new(*a, 2)) != b {
            return Err(format!("household {h}: hand-written {a} fen, batch {b:?}").into());
        }
    }
    Ok(hand.eligible.iter().filter(|&&e| e).count())
}

fn main() -> Res<()> {
    let n = env_usize("BANGFU_HOUSEHOLDS", 1_000_000);
    let reps = env_usize("BANGFU_REPS", 5);
    let threads = env_usize("BANGFU_THREADS", 2);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/cn-qingdao-chengyang");
    let rules = RuleSet::load_dir(root).map_err(|e| e.to_string())?;
    let as_of = synthetic::reference_date().ok_or("reference date")?;
    let reform = rules
        .reform(&Reform::new().set("dibao_standard", "1100"))
        .map_err(|e| e.to_string())?;
    println!(
        "district: {n} households, seed 2023, as of {as_of}, {threads} threads, {reps} repetitions"
    );
    println!("rules: {} {}", rules.id(), rules.version());

    let t = Instant::now();
    let district = District::generate(n, 2023, as_of);
    let gen_time = t.elapsed();
    let summary = district.summary();
    println!(
        "generated in {:.0} ms: {} members ({:.2} per household), {} below 1045/head ({:.1}%)",
        ms(gen_time),
        summary.members,
        summary.members as f64 / n.max(1) as f64,
        summary.below_1045_per_head,
        100.0 * summary.below_1045_per_head as f64 / n.max(1) as f64
    );
    println!(
        "input columns: {} as Rust tables (Vec<Option<T>>), {} in Arrow layout",
        mib(summary.table_bytes as f64),
        mib(summary.arrow_bytes as f64)
    );
    let rss_input = vm_hwm_kib().unwrap_or(0);

    let t = Instant::now();
    let (population, errors) = Population::build(
        &rules,
        "household",
        &district.households,
        Some(&district.members),
        KEY,
        as_of,
    )?;
    let build_time = t.elapsed();
    if !errors.is_empty() {
        return Err(format!("{} row errors, first {:?}", errors.len(), errors.first()).into());
    }
    println!(
        "Population::build                            {:>9.1} ms   {:>6.1} M households/s",
        ms(build_time),
        n as f64 / build_time.as_secs_f64().max(1e-12) / 1e6
    );
    let rss_built = vm_hwm_kib().unwrap_or(0);
    println!(
        "population: {} (typed columns: numbers as i64 at fixed decimals, one i64 per boolean, date or choice)",
        mib(population.bytes() as f64)
    );
    println!();

    // The hand-written reference first, over the columns where they lie.
    let (
        Some(ColumnData::Bool(registered)),
        Some(ColumnData::Decimal(assets)),
        Some(ColumnData::Decimal(income)),
    ) = (
        district.households.column("registered_locally"),
        district.households.column("financial_assets"),
        district.members.column("monthly_income"),
    )
    else {
        return Err("unexpected column types".into());
    };
    let t = Instant::now();
    let offsets = district.member_offsets();
    let registered: Vec<bool> = registered.iter().map(|r| r.unwrap_or(false)).collect();
    let fen = |v: &[Option<Decimal>]| -> Res<Vec<i64>> {
        v.iter()
            .map(|d| {
                d.and_then(to_fen)
                    .ok_or_else(|| "an amount not in whole fen".into())
            })
            .collect()
    };
    let (assets, income) = (fen(assets)?, fen(income)?);
    let layout_time = t.elapsed();
    let hand = Hand {
        registered: &registered,
        assets: &assets,
        income: &income,
        offsets: &offsets,
    };
    let std_fen = |r: &RuleSet| -> Res<i64> {
        to_fen(param(r, "dibao_standard", as_of)?).ok_or_else(|| "standard not in fen".into())
    };
    let multiple = i64::try_from(
        param(&rules, "dibao_asset_multiple", as_of)?
            .trunc()
            .mantissa(),
    )?;
    let (base_fen, reform_fen) = (std_fen(&rules)?, std_fen(&reform)?);
    let (t_h, hand_out) = timed(reps, || Ok(hand.run(base_fen, multiple, threads)))?;
    line("hand-written dibao (i64 fen), baseline", &t_h, n);
    let (t_h_r, hand_out_r) = timed(reps, || Ok(hand.run(reform_fen, multiple, threads)))?;
    line("hand-written dibao (i64 fen), reform 1100", &t_h_r, n);
    let (t_h1, _) = timed(reps, || Ok(hand.run(base_fen, multiple, 1)))?;
    line("hand-written dibao (i64 fen), 1 thread", &t_h1, n);
    println!(
        "  (laying out the inputs for the hand loop: members grouped by household, fen as i64: {:.1} ms, not counted)",
        ms(layout_time)
    );
    println!();

    // The batch, each result checked against the reference, then dropped.
    let dibao = ["dibao".to_string()];
    let scenarios: [Scenario<'_>; 5] = [
        (
            "batch, 4 household programs, baseline",
            &rules,
            None,
            threads,
            &hand_out,
        ),
        (
            "batch, 4 household programs, reform 1100",
            &reform,
            None,
            threads,
            &hand_out_r,
        ),
        (
            "batch, dibao, baseline",
            &rules,
            Some(&dibao),
            threads,
            &hand_out,
        ),
        (
            "batch, dibao, reform 1100",
            &reform,
            Some(&dibao),
            threads,
            &hand_out_r,
        ),
        (
            "batch, dibao, baseline, 1 thread",
            &rules,
            Some(&dibao),
            1,
            &hand_out,
        ),
    ];
    let mut times = Vec::new();
    let mut eligible = Vec::new();
    for (label, r, programs, th, reference) in scenarios {
        let (t, result) = timed(reps, || {
            Ok(batch::evaluate(r, &population, as_of, programs, th)?)
        })?;
        line(label, &t, n);
        eligible.push(same_as_batch(reference, &result)?);
        times.push(t);
    }
    println!(
        "hand-written = batch on every household: dibao eligible {} (baseline), {} (reform)",
        eligible[0], eligible[1]
    );
    println!();
    let ratio = |a: &[Duration], b: &[Duration]| {
        median(a).as_secs_f64() / median(b).as_secs_f64().max(1e-12)
    };
    println!(
        "ratio batch / hand-written, dibao, {threads} threads: {:.2} (baseline), {:.2} (reform); 1 thread: {:.2}",
        ratio(&times[2], &t_h),
        ratio(&times[3], &t_h_r),
        ratio(&times[4], &t_h1)
    );
    println!(
        "ratio batch (4 programs) / hand-written (dibao), {threads} threads: {:.2}",
        ratio(&times[0], &t_h)
    );
    let rss_peak = vm_hwm_kib().unwrap_or(0);
    let input = summary.table_bytes as f64;
    println!(
        "peak RSS (VmHWM): {} after generating the columns, {} after Population::build, {} at the end",
        mib(rss_input as f64 * 1024.0),
        mib(rss_built as f64 * 1024.0),
        mib(rss_peak as f64 * 1024.0)
    );
    println!(
        "peak RSS / input columns: {:.2}× (Rust tables), {:.2}× (Arrow layout)",
        rss_peak as f64 * 1024.0 / input.max(1.0),
        rss_peak as f64 * 1024.0 / (summary.arrow_bytes as f64).max(1.0)
    );
    Ok(())
}
