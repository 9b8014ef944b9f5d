//! A client of `bangfu serve`'s Arrow batch endpoint, and the benchmark of
//! it: sends the synthetic district (households and members, as the Python
//! API's tables) to `POST /v1/rulesets/{id}/evaluate/batch` as two Arrow IPC
//! streams, and reads the results table and the row problems table back.
//!
//! ```sh
//! BANGFU_URL=http://127.0.0.1:8080 cargo run --release -p bangfu-cli --example arrow_client
//! ```
//!
//! `BANGFU_HOUSEHOLDS` (default 1,000,000) and `BANGFU_REPS` (default 5) set
//! the size and the number of timed requests; the median and the range are
//! printed, from the first byte sent to the last byte received, and with the
//! answer decoded into record batches. `cli/bench/serve.sh` starts the
//! server and runs this.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use std::io::Cursor;
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Two IPC streams, one after the other: what the endpoint reads.
fn body(tables: &[&RecordBatch]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in tables {
        let mut w = StreamWriter::try_new(&mut out, &t.schema()).expect("writer");
        w.write(t).expect("write");
        w.finish().expect("finish");
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{}.{:01} ms", d.as_millis(), d.as_micros() % 1000 / 100)
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let url = std::env::var("BANGFU_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let n: usize = env_or("BANGFU_HOUSEHOLDS", 1_000_000);
    let reps: usize = env_or("BANGFU_REPS", 5).max(1);
    let on = bangfu::Date::parse("2023-09-06").unwrap();
    let district = bangfu::arrow::synthetic::district(n, 2023, on).expect("district");
    let started = Instant::now();
    let body = body(&[&district.households, &district.members]);
    println!(
        "{n} households, {} members: request body {} bytes (encoded in {})",
        district.members.num_rows(),
        body.len(),
        ms(started.elapsed())
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let endpoint = format!("{url}/v1/rulesets/cn-qingdao-chengyang/evaluate/batch?on=2023-09-06");
    let (mut round_trips, mut decoded) = (Vec::new(), Vec::new());
    for rep in 0..=reps {
        let t0 = Instant::now();
        let mut r = agent
            .post(&endpoint)
            .header("content-type", "application/vnd.apache.arrow.stream")
            .send(&body[..])
            .expect("request");
        let status = r.status().as_u16();
        let timing = r
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = r
            .body_mut()
            .with_config()
            .limit(1 << 31)
            .read_to_vec()
            .expect("answer");
        let t1 = t0.elapsed();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        let mut cursor = Cursor::new(&bytes[..]);
        let rows: usize = StreamReader::try_new(&mut cursor, None)
            .expect("results")
            .map(|b| b.expect("batch").num_rows())
            .sum();
        let problems: usize = StreamReader::try_new(&mut cursor, None)
            .expect("problems")
            .map(|b| b.expect("batch").num_rows())
            .sum();
        let t2 = t0.elapsed();
        assert_eq!((rows, problems), (n, 0));
        // The first request warms the server's allocator; it is not counted.
        let label = if rep == 0 { "warm-up" } else { "request" };
        println!(
            "{label}: {} round trip, {} decoded; answer {} bytes; server {timing}",
            ms(t1),
            ms(t2),
            bytes.len()
        );
        if rep > 0 {
            round_trips.push(t1);
            decoded.push(t2);
        }
    }
    let (m, lo, hi) = median(round_trips);
    println!(
        "round trip (first byte sent to last byte received), median of {reps}: {} (range {} to {})",
        ms(m),
        ms(lo),
        ms(hi)
    );
    let (m, lo, hi) = median(decoded);
    println!(
        "with the answer decoded into record batches, median of {reps}: {} (range {} to {})",
        ms(m),
        ms(lo),
        ms(hi)
    );
}
