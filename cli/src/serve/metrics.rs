//! Counters for `GET /metrics`, in the Prometheus text format (0.0.4):
//! requests by route, method and status, their latency as a histogram,
//! errors by code, cases evaluated by rule set, reloads, requests in flight,
//! and the rule sets served.
//!
//! Times are kept as whole microseconds and written as seconds with six
//! decimals: no binary floating point anywhere.

use super::state::Catalog;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency buckets, in microseconds.
const BUCKETS_US: [u64; 14] = [
    250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 10_000_000,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when written).
    buckets: [u64; BUCKETS_US.len()],
    count: u64,
    sum_us: u64,
}

#[derive(Debug, Default)]
struct Counts {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    errors: BTreeMap<String, u64>,
    cases: BTreeMap<String, u64>,
    reloads_ok: u64,
    reloads_refused: u64,
}

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
    in_flight: AtomicI64,
}

/// Seconds with six decimals, from microseconds.
fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// A label value with `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Methods are a label; anything unusual is `other`.
fn method_label(m: &str) -> &str {
    match m {
        "GET" | "POST" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "PATCH" => m,
        _ => "other",
    }
}

impl Metrics {
    /// A request began.
    pub fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// A request was answered.
    pub fn answered(
        &self,
        route: &str,
        method: &str,
        status: u16,
        took: Duration,
        code: Option<&str>,
    ) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *c.requests
            .entry((route.to_string(), method_label(method).to_string(), status))
            .or_default() += 1;
        let h = c.latency.entry(route.to_string()).or_default();
        if let Some(i) = BUCKETS_US.iter().position(|&b| us <= b) {
            if let Some(b) = h.buckets.get_mut(i) {
                *b += 1;
            }
        }
        h.count += 1;
        h.sum_us = h.sum_us.saturating_add(us);
        if let Some(code) = code {
            *c.errors.entry(code.to_string()).or_default() += 1;
        }
    }

    /// Cases evaluated against a rule set.
    pub fn evaluated(&self, ruleset: &str, cases: u64) {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *c.cases.entry(ruleset.to_string()).or_default() += cases;
    }

    /// A reload finished: swapped in, or refused.
    pub fn reloaded(&self, ok: bool) {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if ok {
            c.reloads_ok += 1;
        } else {
            c.reloads_refused += 1;
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self, catalog: &Catalog) -> String {
        let c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            &mut out,
            "bangfu_http_requests_total",
            "counter",
            "HTTP requests answered, by route, method and status.",
        );
        for ((route, method, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "bangfu_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        head(
            &mut out,
            "bangfu_http_request_duration_seconds",
            "histogram",
            "Time to answer (until the response head), by route.",
        );
        for (route, h) in &c.latency {
            let route = label(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS_US.iter().zip(h.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "bangfu_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{}\"}} {cumulative}",
                    seconds(*bound)
                );
            }
            let _ = writeln!(
                out,
                "bangfu_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nbangfu_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nbangfu_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count,
                seconds(h.sum_us),
                h.count
            );
        }
        head(
            &mut out,
            "bangfu_http_errors_total",
            "counter",
            "Error answers, by problem code.",
        );
        for (code, n) in &c.errors {
            let _ = writeln!(
                out,
                "bangfu_http_errors_total{{code=\"{}\"}} {n}",
                label(code)
            );
        }
        head(
            &mut out,
            "bangfu_cases_evaluated_total",
            "counter",
            "Cases evaluated (one per single evaluation, one per batch row), by rule set.",
        );
        for (ruleset, n) in &c.cases {
            let _ = writeln!(
                out,
                "bangfu_cases_evaluated_total{{ruleset=\"{}\"}} {n}",
                label(ruleset)
            );
        }
        head(
            &mut out,
            "bangfu_reloads_total",
            "counter",
            "Reloads of the rule sets: swapped in (ok) or refused.",
        );
        let _ = writeln!(
            out,
            "bangfu_reloads_total{{result=\"ok\"}} {}\nbangfu_reloads_total{{result=\"refused\"}} {}",
            c.reloads_ok, c.reloads_refused
        );
        head(
            &mut out,
            "bangfu_http_requests_in_flight",
            "gauge",
            "Requests being answered now.",
        );
        let _ = writeln!(
            out,
            "bangfu_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        head(
            &mut out,
            "bangfu_ruleset_info",
            "gauge",
            "The rule sets served: id, version and content hash.",
        );
        for rules in catalog.sets.values() {
            let _ = writeln!(
                out,
                "bangfu_ruleset_info{{id=\"{}\",version=\"{}\",hash=\"{}\"}} 1",
                label(rules.id()),
                label(rules.version()),
                label(rules.hash())
            );
        }
        out
    }
}
