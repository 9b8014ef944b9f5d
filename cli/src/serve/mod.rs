//! `bangfu serve`: the rule sets of a folder as an HTTP service for district
//! systems (Java, .NET, PHP case-management applications), on tokio and
//! axum.
//!
//! - `routes`: the routes, each answering what the matching command prints;
//! - `batch`, `arrow`: many cases in one request (NDJSON, Arrow IPC);
//! - `request`: query parameters, content types, bodies within limits;
//! - `errors`: RFC 9457 problems and which status each core error gets;
//! - `state`: the rule sets served, reloads, reformed rule sets;
//! - `limits`: the limits and the guard holding requests to them;
//! - `log`, `metrics`: access logs and `/metrics`;
//! - `openapi`: the OpenAPI 3.1 document.
//!
//! Signals: `SIGHUP` reloads the rule sets (as `POST /v1/admin/reload`);
//! `SIGTERM` and `SIGINT` stop accepting connections, let the requests in
//! flight finish (up to `--shutdown-grace`), and exit 0.

mod arrow;
mod batch;
mod errors;
mod limits;
mod log;
mod metrics;
mod openapi;
mod request;
mod routes;
mod state;

use crate::commands::Fail;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::Router;
use errors::{Kind, Problem};
pub use limits::Limits;
use serde_json::json;
use state::AppState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The arguments of `bangfu serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// A rule-set folder, or a folder of rule-set folders (each with a
    /// ruleset.toml). Every one must check, worked examples included.
    #[arg(long)]
    rules: PathBuf,
    /// Address to listen on. The default listens on this machine only; put
    /// the service behind the district's gateway rather than on 0.0.0.0.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Largest body of one case (POST …/evaluate), in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
    /// Largest body of a batch (POST …/evaluate/batch) or of a month of
    /// records (POST …/settle), in bytes.
    #[arg(long, default_value_t = 512 << 20)]
    max_batch_body: usize,
    /// Most cases in one batch.
    #[arg(long, default_value_t = 1_000_000)]
    max_batch_cases: usize,
    /// Most requests answered at once; the next is told 503 (overloaded,
    /// with Retry-After) at once.
    #[arg(long, default_value_t = 256)]
    max_concurrent: usize,
    /// Most batches (POST …/evaluate/batch) and months of records (POST
    /// …/settle) answered at once: each holds its body and its cases in
    /// memory. The next is told 503 (overloaded) at once.
    #[arg(long, default_value_t = 2)]
    max_concurrent_batches: usize,
    /// Longest time to produce an answer, in seconds; then 503 (timeout).
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// On SIGTERM, how long requests in flight may take to finish, in
    /// seconds, before the server exits anyway.
    #[arg(long, default_value_t = 30)]
    shutdown_grace: u64,
    /// Allow cross-origin requests from this origin (repeatable), e.g. the
    /// host of a page embedding the self-check widget. Off by default.
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Turn on POST /v1/admin/reload, for callers presenting this token as
    /// `Authorization: Bearer …` (at least 16 characters). Off by default.
    #[arg(long, env = "BANGFU_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
}

impl ServeArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_body: self.max_body,
            max_batch_body: self.max_batch_body,
            max_batch_cases: self.max_batch_cases,
            max_concurrent: self.max_concurrent,
            max_concurrent_batches: self.max_concurrent_batches,
            timeout: Duration::from_secs(self.timeout.max(1)),
        }
    }
}

/// The answer to a handler that panicked: 500, and the server goes on (the
/// panic hook has written the log line).
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    Problem::new(
        Kind::Internal,
        "the server failed on this request; it has been logged",
    )
    .into_response()
}

/// Panics are written as a JSON log line (message and place; never a case).
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        log::line(
            "error",
            "panic",
            json!({"message": message, "location": place}),
        );
    }));
}

/// CORS for the origins given, or none.
fn cors(origins: &[String]) -> Result<Option<CorsLayer>, Fail> {
    if origins.is_empty() {
        return Ok(None);
    }
    let values = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o)
                .map_err(|_| Fail(format!("--cors-origin: `{o}` is not an origin"), 2))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let exposed = [
        "bangfu-ruleset-id",
        "bangfu-ruleset-version",
        "bangfu-ruleset-hash",
        "bangfu-reform-hash",
        log::REQUEST_ID,
    ]
    .map(HeaderName::from_static);
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(values))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                HeaderName::from_static(log::REQUEST_ID),
            ])
            .expose_headers(exposed)
            .max_age(Duration::from_secs(3600)),
    ))
}

/// The service: the routes with their layers.
pub fn app(state: Arc<AppState>, cors: Option<CorsLayer>) -> Router {
    let routes = routes(&state);
    with_layers(routes, state, cors)
}

/// The routes, each documented in the OpenAPI document (kept in `state`);
/// the `/v1` routes behind the guard of the limits.
fn routes(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    let (ops, mut doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(routes::healthz))
        .routes(routes!(routes::readyz))
        .routes(routes!(routes::openapi_json))
        .routes(routes!(routes::metrics))
        .split_for_parts();
    let (v1, v1_doc) = OpenApiRouter::default()
        .routes(routes!(routes::rulesets))
        .routes(routes!(routes::ruleset))
        .routes(routes!(routes::schema))
        .routes(routes!(routes::parameters))
        .routes(routes!(routes::diff))
        .routes(routes!(routes::evaluate))
        .routes(routes!(routes::evaluate_batch))
        .routes(routes!(routes::settle))
        .routes(routes!(routes::reload))
        .split_for_parts();
    doc.merge(v1_doc);
    let _ = state.openapi.set(doc.to_pretty_json().unwrap_or_default());
    let v1 = v1.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        limits::guard,
    ));
    ops.merge(v1).fallback(routes::not_found)
}

/// The layers every route is behind, innermost first: a panic becomes a
/// 500; CORS when asked for; the request id, the problem safety net, the
/// metrics and the access log.
fn with_layers(
    routes: Router<Arc<AppState>>,
    state: Arc<AppState>,
    cors: Option<CorsLayer>,
) -> Router {
    let mut router = routes.layer(CatchPanicLayer::custom(panicked));
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log::observe,
        ))
        .with_state(state)
}

/// Runs the service until SIGTERM or SIGINT.
///
/// # Errors
/// Exit 1 when the rule sets do not check; 2 for bad flags or an address
/// that cannot be listened on.
pub fn run(args: ServeArgs) -> Result<(), Fail> {
    if args.admin_token.as_ref().is_some_and(|t| t.len() < 16) {
        return Err(Fail("--admin-token: use at least 16 characters".into(), 2));
    }
    let cors = cors(&args.cors_origins)?;
    let catalog = state::load_catalog(&args.rules).map_err(|refused| {
        let text: Vec<String> = refused
            .iter()
            .map(|r| format!("{}: {}", r.folder, r.message))
            .collect();
        Fail(text.join("\n"), 1)
    })?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = args.workers {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime
        .build()
        .map_err(|e| Fail(format!("cannot start the runtime: {e}"), 1))?;
    log_panics();
    let limits = args.limits();
    let state = Arc::new(AppState::new(
        catalog,
        args.rules.clone(),
        limits,
        args.admin_token.as_deref(),
    ));
    runtime.block_on(serve(args, state, cors))
}

async fn serve(args: ServeArgs, state: Arc<AppState>, cors: Option<CorsLayer>) -> Result<(), Fail> {
    use tokio::signal::unix::{signal, SignalKind};
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| Fail(format!("--addr {}: {e}", args.addr), 2))?;
    let local = listener
        .local_addr()
        .map_err(|e| Fail(format!("--addr {}: {e}", args.addr), 2))?;
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| Fail(format!("SIGHUP: {e}"), 1))?;
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| Fail(format!("SIGTERM: {e}"), 1))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| Fail(format!("SIGINT: {e}"), 1))?;
    let limits = &state.limits;
    log::line(
        "info",
        "listening",
        json!({
            "addr": local.to_string(),
            "rulesets": log::sets(&state.catalog()),
            "limits": {
                "max_body": limits.max_body,
                "max_batch_body": limits.max_batch_body,
                "max_batch_cases": limits.max_batch_cases,
                "max_concurrent": limits.max_concurrent,
                "max_concurrent_batches": limits.max_concurrent_batches,
                "timeout_s": limits.timeout.as_secs(),
                "shutdown_grace_s": args.shutdown_grace,
            },
            "admin": state.admin_enabled(),
            "cors": args.cors_origins,
        }),
    );
    let app = app(state.clone(), cors);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let signals = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = hangup.recv() => { let _ = signals.reload("SIGHUP").await; }
                _ = terminate.recv() => break,
                _ = interrupt.recv() => break,
            }
        }
        signals.drain();
        log::line("info", "shutting_down", json!({}));
        let _ = stop_tx.send(true);
    });
    let mut stopped = stop_rx.clone();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stopped.wait_for(|s| *s).await;
    });
    let grace = Duration::from_secs(args.shutdown_grace);
    let mut overdue = stop_rx;
    tokio::select! {
        r = server => r.map_err(|e| Fail(format!("serve: {e}"), 1))?,
        () = async move {
            let _ = overdue.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => log::line("error", "shutdown_overdue", json!({"grace_s": grace.as_secs()})),
    }
    log::line("info", "stopped", json!({}));
    Ok(())
}

#[cfg(test)]
mod tests;
