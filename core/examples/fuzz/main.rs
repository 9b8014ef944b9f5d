//! A fuzzer that runs on stable Rust: random mutations of the repository's
//! own rule sets, cases, records and reforms, fed to the public API, for a
//! bounded time. Any panic, or an input that takes longer than the hang
//! limit, stops the run with a non-zero exit and writes the input to
//! `target/fuzz/<target>-crash-<n>` (or `-hang-`); a crash found becomes a
//! regression file under `tests/fuzz/<target>/`, replayed by
//! `core/tests/fuzz_regressions.rs`.
//!
//! ```sh
//! cargo run --release -p bangfu --example fuzz -- all 30      # every target, 30 s each (scripts/test)
//! cargo run --release -p bangfu --example fuzz -- settle 3600 # one target for an hour
//! BANGFU_FUZZ_SEED=7 cargo run --release -p bangfu --example fuzz -- case 60
//! ```
//!
//! Targets: `rules` (rule-file loading, then a case through what loads),
//! `case` (case JSON read strictly and evaluated, explained in both
//! languages), `settle` (a month of CSV records settled and written out),
//! `reform` (reform TOML, JSON and `NAME=VALUE` pairs read and applied),
//! `bundle` (precompiled rule bundles read, then a case evaluated and
//! explained; seeded with the real bundle and cuts of it, and run both as
//! given and with the header resealed over the mutated payload).
//! Mutations: bit flips, bytes and tokens that parsers find hard (quotes,
//! brackets, NUL, a byte-order mark, no-break spaces, huge and tiny
//! numbers, impossible dates, deep nesting), deleted, repeated and swapped
//! lines, and splices from other seeds. An input whose outcome (success, or
//! the set of error codes) is new joins the corpus.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod targets;

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use targets::{chengyang, repo, run};

/// An input that takes longer than this is a hang.
const HANG: Duration = Duration::from_secs(20);

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "=",
    "\n",
    "\r\n",
    "\0",
    "\u{feff}",
    "\u{a0}",
    "\u{3000}",
    "\\",
    "\\u0000",
    "-",
    ".",
    "0",
    "-1",
    "1e3",
    "1.5",
    "0.001",
    "1100.005",
    "79228162514264337593543950335",
    "792281625142643375935439503.35",
    "99999999999999999999999999999999999",
    "-0",
    "NaN",
    "inf",
    "null",
    "true",
    "false",
    "[]",
    "{}",
    "\"\"",
    "2023-02-29",
    "1800-01-01",
    "2200-12-31",
    "9999-12-31",
    "0000-00-00",
    "2023-09-31",
    " = ",
    "min = ",
    "max = ",
    "from = ",
    "until = ",
    "[ruleset]",
    "[[examples]]",
    "formula = \"",
    "status = \"derived\"",
    "value = \"",
    "person_id",
    "birth_date",
    "price",
    "meal_kind",
    "registered_locally",
    "members",
    "dibao_standard",
    "tekun_multiplier",
];

/// One input changed one to eight times.
fn mutate(rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let len = out.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 | 2 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let i = rng.below(len + 1);
                out.splice(i..i, t.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(16)).min(len);
                out.drain(i..j);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(64)).min(len);
                let piece = out[i..j].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, piece);
            }
            5 | 6 => {
                // Lines: delete, repeat or swap one.
                let mut lines: Vec<Vec<u8>> =
                    out.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                if lines.len() > 1 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    match rng.below(3) {
                        0 => {
                            lines.remove(a);
                        }
                        1 => {
                            let l = lines[a].clone();
                            lines.insert(b, l);
                        }
                        _ => lines.swap(a, b),
                    }
                    out = lines.join(&b'\n');
                }
            }
            7 if !others.is_empty() => {
                let o = &others[rng.below(others.len())];
                if !o.is_empty() {
                    let i = rng.below(o.len());
                    let j = (i + 1 + rng.below(256)).min(o.len());
                    let at = rng.below(len + 1);
                    out.splice(at..at, o[i..j].iter().copied());
                }
            }
            8 => {
                let depth = 1 + rng.below(300);
                let open = if rng.below(2) == 0 { "[" } else { "{\"a\":" };
                let at = rng.below(len + 1);
                out.splice(at..at, open.repeat(depth).into_bytes());
            }
            _ if len > 0 => {
                let i = rng.below(len);
                out[i] = b"\"{}[],:=\n\0.-9 a\xff\xe4"[rng.below(16)];
            }
            _ => {}
        }
    }
    out.truncate(1 << 20);
    out
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let r = repo();
    let mut paths = Vec::new();
    match target {
        "rules" => {
            files_under(&r.join("rules/cn-qingdao-chengyang"), "toml", &mut paths);
            files_under(&r.join("tests/fixtures"), "toml", &mut paths);
        }
        "case" => {
            files_under(
                &r.join("rules/cn-qingdao-chengyang/cases"),
                "json",
                &mut paths,
            );
            files_under(&r.join("tests/conformance"), "json", &mut paths);
        }
        "settle" => {
            files_under(&r.join("tests/fixtures/settle"), "csv", &mut paths);
            files_under(
                &r.join("rules/cn-qingdao-chengyang/cases"),
                "csv",
                &mut paths,
            );
        }
        _ => {
            files_under(&r.join("rules/reforms"), "toml", &mut paths);
        }
    }
    files_under(&r.join("tests/fuzz").join(target), "txt", &mut paths);
    let mut out: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() <= 1 << 20)
        .collect();
    if target == "case" {
        // The conformance files hold many cases each: their inputs are seeds too.
        let mut more = Vec::new();
        for s in &out {
            if let Ok(j) = serde_json::from_slice::<serde_json::Value>(s) {
                for c in j
                    .get("cases")
                    .and_then(|c| c.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(input) = c.get("input") {
                        more.push(serde_json::to_vec(input).unwrap_or_default());
                    }
                }
            }
        }
        out.extend(more);
    }
    if target == "bundle" {
        // The real bundle, and cuts of it (resealed variants make the cut
        // payload look whole).
        let bundle = chengyang().to_bundle();
        for n in [0, 8, 10, 77, 78, 200, bundle.len() / 2, bundle.len() - 1] {
            out.push(bundle[..n.min(bundle.len())].to_vec());
        }
        out.push(bundle);
    }
    if target == "reform" {
        out.push(br#"{"dibao_standard": {"value": "1100", "from": "2023-01-01"}, "tekun_multiplier": "1.5"}"#.to_vec());
        out.push(b"dibao_standard=1100\nmeal_subsidy_70_plus=8".to_vec());
    }
    out
}

fn fuzz(target: &str, seconds: u64, seed: u64) -> Result<u64, String> {
    let mut corpus = seeds(target);
    if corpus.is_empty() {
        return Err(format!("{target}: no seeds found"));
    }
    let seeds_n = corpus.len();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut rng = Rng(seed);
    let current: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let progress = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let out_dir = repo().join("target/fuzz");
    let _ = std::fs::create_dir_all(&out_dir);
    // The watchdog: an input that does not finish in time is a hang.
    {
        let (current, progress, done, out_dir, target) = (
            current.clone(),
            progress.clone(),
            done.clone(),
            out_dir.clone(),
            target.to_string(),
        );
        std::thread::spawn(move || {
            let mut last = (u64::MAX, Instant::now());
            while done.load(Ordering::Relaxed) == 0 {
                std::thread::sleep(Duration::from_millis(250));
                let p = progress.load(Ordering::Relaxed);
                if p != last.0 {
                    last = (p, Instant::now());
                } else if last.1.elapsed() > HANG {
                    let path = out_dir.join(format!("{target}-hang-{p}"));
                    let input = current.lock().map(|c| c.clone()).unwrap_or_default();
                    let _ = std::fs::write(&path, input);
                    eprintln!(
                        "{target}: input {p} runs longer than {HANG:?}: {}",
                        path.display()
                    );
                    std::process::exit(1);
                }
            }
        });
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        let base = corpus[rng.below(corpus.len())].clone();
        let input = mutate(&mut rng, &base, &corpus);
        let pick = rng.below(1 << 16);
        if let Ok(mut c) = current.lock() {
            c.clone_from(&input);
        }
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| run(target, &input, pick)));
        n += 1;
        progress.store(n, Ordering::Relaxed);
        match result {
            Ok(signature) => {
                let mut h = DefaultHasher::new();
                signature.hash(&mut h);
                if seen.insert(h.finish()) && corpus.len() < seeds_n + 2000 {
                    corpus.push(input);
                }
            }
            Err(_) => {
                done.store(1, Ordering::Relaxed);
                let path = out_dir.join(format!("{target}-crash-{n}"));
                let _ = std::fs::write(&path, &input);
                return Err(format!(
                    "{target}: input {n} panics (written to {}; pick {pick})",
                    path.display()
                ));
            }
        }
    }
    done.store(1, Ordering::Relaxed);
    println!(
        "{target}: {n} inputs in {seconds} s, no crash ({} outcomes, corpus {})",
        seen.len(),
        corpus.len()
    );
    Ok(n)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = args.first().map_or("all", String::as_str);
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(30);
    let seed: u64 = std::env::var("BANGFU_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_f022);
    let targets: Vec<&str> = match target {
        "all" => targets::TARGETS.to_vec(),
        t @ ("rules" | "case" | "settle" | "reform" | "bundle") => vec![t],
        other => {
            eprintln!("unknown target `{other}`: rules, case, settle, reform, bundle or all");
            std::process::exit(2);
        }
    };
    // Panics are caught and reported with their input; keep their messages short.
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
    chengyang();
    for t in targets {
        if let Err(e) = fuzz(t, seconds, seed) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
