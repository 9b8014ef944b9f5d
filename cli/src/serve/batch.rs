//! Batches: many cases in one request.
//!
//! NDJSON: one case per line in; one line out per case, in order: the
//! outcome on one line (the JSON of `POST …/evaluate`), or
//! `{"line": n, "error": problem}` for a case that cannot be evaluated.
//! Cases are evaluated on a blocking thread and the answer is streamed as
//! it is written, so a large batch never holds all its outcomes at once.

use super::errors::{Kind, Problem};
use super::log;
use super::routes::{decided, CaseQuery, NDJSON};
use super::state::AppState;
use crate::present;
use axum::body::{Body, Bytes};
use axum::response::Response;
use bangfu::RuleSet;
use serde_json::{json, Value as Json};
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

/// Bytes of answer gathered before they are sent.
const SEND_AT: usize = 64 * 1024;

/// The lines of an NDJSON body: split at `\n`, a `\r` before it dropped;
/// the empty piece after a final newline is not a line.
fn lines(body: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\n' {
            let end = if i > start && body.get(i - 1) == Some(&b'\r') {
                i - 1
            } else {
                i
            };
            out.push((start, end));
            start = i + 1;
        }
    }
    if start < body.len() {
        out.push((start, body.len()));
    }
    out
}

/// The answer line for an error at line `n` (1-based).
fn error_line(n: usize, problem: &Problem) -> String {
    present::line(&json!({"line": n, "error": problem}))
}

/// The answer line for one line of the request.
fn answer_line(rules: &RuleSet, q: &CaseQuery, n: usize, text: &[u8]) -> String {
    let case: Json = match super::request::strict_json("case", text) {
        Ok(j) => j,
        Err(p) => return error_line(n, &p),
    };
    match q.decide(rules, &case) {
        Ok(outcome) => present::line(&outcome),
        Err(p) => error_line(n, &p),
    }
}

/// Evaluates an NDJSON batch, streaming the answer.
///
/// # Errors
/// `too_many_cases` (413) when there are more lines than the limit.
pub fn ndjson(
    app: &AppState,
    rules: Arc<RuleSet>,
    q: CaseQuery,
    body: Bytes,
    permit: OwnedSemaphorePermit,
) -> Result<Response, Problem> {
    let spans = lines(&body);
    if spans.len() > app.limits.max_batch_cases {
        return Err(Problem::new(
            Kind::TooManyCases,
            format!(
                "{} cases; the server takes at most {} in one batch",
                spans.len(),
                app.limits.max_batch_cases
            ),
        ));
    }
    let cases = u64::try_from(spans.len()).unwrap_or(u64::MAX);
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let decider = rules.clone();
    tokio::task::spawn_blocking(move || {
        // The batch's place is held until its last case is evaluated.
        let _permit = permit;
        let mut out = String::with_capacity(SEND_AT + 4096);
        let mut next = 0;
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
            for (i, &(start, end)) in spans.iter().enumerate() {
                next = i;
                let text = body.get(start..end).unwrap_or_default();
                out.push_str(&answer_line(&decider, &q, i + 1, text));
                if out.len() >= SEND_AT
                    && tx
                        .blocking_send(Bytes::from(std::mem::take(&mut out)))
                        .is_err()
                {
                    // The client went away: stop evaluating.
                    return;
                }
            }
        }));
        if run.is_err() {
            log::line(
                "error",
                "batch_failed",
                json!({"line": next + 1, "ruleset": decider.id()}),
            );
            out.push_str(&error_line(
                next + 1,
                &Problem::new(
                    Kind::Internal,
                    "the server failed on this case; the cases after it were not evaluated",
                ),
            ));
        }
        if !out.is_empty() {
            let _ = tx.blocking_send(Bytes::from(out));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<Bytes, Infallible>(chunk), rx))
    });
    Ok(decided(&rules, cases, NDJSON, Body::from_stream(stream)))
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn lines_split_at_newlines_and_drop_carriage_returns() {
        let body = b"a\r\nbb\n\nc";
        let got: Vec<&[u8]> = lines(body).iter().map(|&(s, e)| &body[s..e]).collect();
        assert_eq!(got, [&b"a"[..], b"bb", b"", b"c"]);
        assert_eq!(lines(b"x\n").len(), 1);
        assert!(lines(b"").is_empty());
    }
}
