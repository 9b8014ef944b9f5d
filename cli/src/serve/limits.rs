//! Limits, and the guard that holds the `/v1` routes to them: at most
//! `max_concurrent` requests answered at once (the next one is told 503
//! `overloaded` with `Retry-After` at once rather than queued), and at most
//! `timeout` to produce an answer (then 503 `timeout`). Bodies and batches
//! are limited where they are read.

use super::errors::{Kind, Problem};
use super::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The limits, all set by flags (see `bangfu serve --help`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest body of one case (`POST …/evaluate`), bytes.
    pub max_body: usize,
    /// Largest body of a batch or a month of records, bytes.
    pub max_batch_body: usize,
    /// Most cases in one batch.
    pub max_batch_cases: usize,
    /// Most requests answered at once.
    pub max_concurrent: usize,
    /// Longest time to produce an answer.
    pub timeout: Duration,
}

/// Admission to the `/v1` routes.
#[derive(Debug)]
pub struct Gate {
    permits: Arc<Semaphore>,
}

impl Gate {
    /// A gate that lets `n` requests through at once.
    pub fn new(n: usize) -> Gate {
        Gate {
            permits: Arc::new(Semaphore::new(n.max(1))),
        }
    }
}

/// The guard in front of the `/v1` routes.
pub async fn guard(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let Ok(_permit) = app.gate.permits.clone().try_acquire_owned() else {
        return Problem::new(
            Kind::Overloaded,
            format!(
                "{} requests are being answered (the server's limit); retry shortly",
                app.limits.max_concurrent
            ),
        )
        .into_response();
    };
    match tokio::time::timeout(app.limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Problem::new(
            Kind::Timeout,
            format!(
                "no answer within {} s (the server's limit); send fewer cases at once",
                app.limits.timeout.as_secs()
            ),
        )
        .into_response(),
    }
}
