//! Limits, and the guard that holds the `/v1` routes to them: at most
//! `max_concurrent` requests answered at once (the next one is told 503
//! `overloaded` with `Retry-After` at once rather than queued), and at most
//! `timeout` to produce an answer (then 503 `timeout`). Batches and months
//! of records, which hold large bodies, are held to `max_concurrent_batches`
//! besides. Bodies and batch sizes are limited where they are read.

use super::errors::{Kind, Problem};
use super::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// Most batches (and months of records) evaluated at once.
    pub max_concurrent_batches: usize,
    /// Longest time to produce an answer.
    pub timeout: Duration,
}

/// Admission: at most so many at once; the next is turned away at once.
#[derive(Debug)]
pub struct Gate {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl Gate {
    /// A gate that lets `n` through at once.
    pub fn new(n: usize) -> Gate {
        Gate {
            permits: Arc::new(Semaphore::new(n.max(1))),
            limit: n.max(1),
        }
    }

    /// A place, held until the permit is dropped.
    ///
    /// # Errors
    /// `overloaded` (503, with `Retry-After`) when every place is taken;
    /// `what` names what is limited.
    pub fn admit(&self, what: &str) -> Result<OwnedSemaphorePermit, Problem> {
        self.permits.clone().try_acquire_owned().map_err(|_| {
            Problem::new(
                Kind::Overloaded,
                format!(
                    "{} {what} are being answered (the server's limit); retry shortly",
                    self.limit
                ),
            )
        })
    }
}

/// The guard in front of the `/v1` routes.
pub async fn guard(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let _permit = match app.gate.admit("requests") {
        Ok(permit) => permit,
        Err(problem) => return problem.into_response(),
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
