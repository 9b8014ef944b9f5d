//! A load generator for `POST /v1/rulesets/{id}/evaluate`: one household per
//! request over keep-alive connections, at a fixed rate (open loop), on one
//! thread. Each request has its time in the schedule; its latency counts
//! from that time, so a server that falls behind is charged for the wait
//! (no coordinated omission). `cli/bench/serve.sh` starts the server and
//! runs this.
//!
//! ```sh
//! BANGFU_ADDR=127.0.0.1:8080 BANGFU_RATE=5000 BANGFU_CONNECTIONS=64 \
//!   cargo run --release -p bangfu-cli --example evaluate_load
//! ```
//!
//! `BANGFU_RATE=0` sends as fast as the connections allow (closed loop).
//! Also `BANGFU_DURATION` (seconds, default 10), `BANGFU_QUERY` (default
//! `on=2023-09-06`) and `BANGFU_CASE` (a case file, default the rule set's
//! `household-dibao.json`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

struct Run {
    latencies_us: Vec<u64>,
    errors: usize,
}

/// One connection: its share of the schedule, request after request.
async fn connection(
    addr: String,
    request: std::sync::Arc<Vec<u8>>,
    start: Instant,
    offset: Duration,
    interval: Option<Duration>,
    until: Instant,
) -> Run {
    let stream = TcpStream::connect(&addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::with_capacity(64 * 1024, read);
    let mut run = Run {
        latencies_us: Vec::new(),
        errors: 0,
    };
    let mut body = Vec::new();
    let mut k: u32 = 0;
    loop {
        let due = match interval {
            Some(i) => start + offset + i * k,
            None => Instant::now(),
        };
        if due >= until {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        write.write_all(&request).await.expect("send");
        let mut line = String::new();
        read.read_line(&mut line).await.expect("status line");
        let ok = line.starts_with("HTTP/1.1 200");
        let mut length = 0usize;
        loop {
            line.clear();
            read.read_line(&mut line).await.expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("content-length");
                }
            }
        }
        body.resize(length, 0);
        read.read_exact(&mut body).await.expect("body");
        run.latencies_us
            .push(u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX));
        if !ok {
            run.errors += 1;
        }
        k += 1;
    }
    run
}

fn main() {
    let addr = env_or("BANGFU_ADDR", "127.0.0.1:8080");
    let rate: u64 = env_or("BANGFU_RATE", "5000").parse().expect("BANGFU_RATE");
    let connections: u32 = env_or("BANGFU_CONNECTIONS", "64")
        .parse()
        .expect("BANGFU_CONNECTIONS");
    let seconds: u64 = env_or("BANGFU_DURATION", "10")
        .parse()
        .expect("BANGFU_DURATION");
    let query = env_or("BANGFU_QUERY", "on=2023-09-06");
    let case_file = env_or(
        "BANGFU_CASE",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/cn-qingdao-chengyang/cases/household-dibao.json"
        ),
    );
    let case = std::fs::read(&case_file).expect("case file");
    let mut request = format!(
        "POST /v1/rulesets/cn-qingdao-chengyang/evaluate?{query} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        case.len()
    )
    .into_bytes();
    request.extend_from_slice(&case);
    let request = std::sync::Arc::new(request);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let per_connection =
        (rate > 0).then(|| Duration::from_nanos(1_000_000_000 * u64::from(connections) / rate));
    let runs: Vec<Run> = runtime.block_on(async {
        let start = Instant::now() + Duration::from_millis(200);
        let until = start + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..connections)
            .map(|c| {
                // Connections take their turns evenly within each interval.
                let offset = per_connection.map_or(Duration::ZERO, |i| i * c / connections);
                tokio::spawn(connection(
                    addr.clone(),
                    request.clone(),
                    start,
                    offset,
                    per_connection,
                    until,
                ))
            })
            .collect();
        let mut runs = Vec::new();
        for t in tasks {
            runs.push(t.await.expect("connection"));
        }
        runs
    });
    let errors: usize = runs.iter().map(|r| r.errors).sum();
    let mut all: Vec<u64> = runs.into_iter().flat_map(|r| r.latencies_us).collect();
    all.sort_unstable();
    let n = all.len();
    let at = |q: usize| {
        all.get((n * q / 1000).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let ms = |us: u64| format!("{}.{:02} ms", us / 1000, us % 1000 / 10);
    let offered = if rate > 0 {
        format!("{rate}/s offered")
    } else {
        "closed loop".to_string()
    };
    println!(
        "{n} requests in {seconds} s over {connections} connections ({offered}): {}/s answered, {errors} not 200",
        n as u64 / seconds.max(1)
    );
    println!(
        "latency from the scheduled time: p50 {}, p90 {}, p99 {}, p99.9 {}, max {}",
        ms(at(500)),
        ms(at(900)),
        ms(at(990)),
        ms(at(999)),
        ms(all.last().copied().unwrap_or(0))
    );
}
