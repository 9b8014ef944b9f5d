//! Structured logs: one JSON object per line on standard output.
//!
//! Every request gets an access-log line: request id, method, route (the
//! route's pattern, `/v1/rulesets/{id}/evaluate`, never the query or the
//! body), status, duration, error code, and the rule set's id and hash when
//! it decided something. Nothing from a case is ever written: no field, no
//! value, no error message that quotes one.

use super::errors::{self, ErrorCode, RefusedRuleSet, PROBLEM_JSON};
use super::request::Tracked;
use super::state::{AppState, Catalog};
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bangfu::RuleSet;
use serde_json::{json, Value as Json};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The header carrying the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// What a deciding answer was decided by, for the access log and metrics:
/// set by the route as a response extension.
#[derive(Debug, Clone)]
pub struct Decided {
    /// Rule set id.
    pub ruleset: String,
    /// Hash of the rules that decided (with the reform's, when one applied).
    pub hash: String,
    /// The reform's hash, when one applied.
    pub reform: Option<String>,
    /// Cases evaluated (0 for a description, a list of parameters).
    pub cases: u64,
}

impl Decided {
    /// Decided by `rules`, for `cases` cases.
    pub fn by(rules: &RuleSet, cases: u64) -> Decided {
        Decided {
            ruleset: rules.id().to_string(),
            hash: rules.hash().to_string(),
            reform: (!rules.applied_reform().is_empty()).then(|| rules.applied_reform().hash()),
            cases,
        }
    }
}

/// Now, as RFC 3339 UTC with milliseconds.
pub fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let day = i32::try_from(secs / 86_400).unwrap_or(0);
    let date = bangfu::Date::from_days(day).map_or_else(|| "1970-01-01".into(), |d| d.to_string());
    let s = secs % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        now.subsec_millis()
    )
}

/// Writes one log line: `ts`, `level`, `event`, then the fields given.
pub fn line(level: &str, event: &str, fields: Json) {
    let mut j = json!({"ts": timestamp(), "level": level, "event": event});
    if let (Some(map), Json::Object(extra)) = (j.as_object_mut(), fields) {
        map.extend(extra);
    }
    let mut text = serde_json::to_string(&j).unwrap_or_default();
    text.push('\n');
    // A closed standard output must not take the server down.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The rule sets of a catalog, for a log line.
pub fn sets(catalog: &Catalog) -> Json {
    Json::Array(
        catalog
            .sets
            .values()
            .map(|r| json!({"id": r.id(), "version": r.version(), "hash": r.hash()}))
            .collect(),
    )
}

/// A reload's result.
pub fn reload(trigger: &str, catalog: Option<&Catalog>, refused: &[RefusedRuleSet]) {
    match catalog {
        Some(c) => line(
            "info",
            "reload",
            json!({"trigger": trigger, "result": "ok", "rulesets": sets(c)}),
        ),
        None => line(
            "error",
            "reload",
            json!({"trigger": trigger, "result": "refused", "refused": refused.iter().map(|r| json!({"folder": r.folder, "message": r.message})).collect::<Vec<_>>()}),
        ),
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The client's request id when it is a plain token (letters, digits,
/// `-._:`, at most 128), else a new one.
fn request_id(headers: &HeaderMap) -> String {
    if let Some(given) = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
        let plain = !given.is_empty()
            && given.len() <= 128
            && given
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
        if plain {
            return given.to_string();
        }
    }
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}-{n:08x}", std::process::id())
}

/// Whether a response is already a problem.
fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

/// The layer in front of every route: gives the request an id, turns any
/// error answer that is not yet a problem (a method the route does not
/// take, say) into one, counts it, and writes the access-log line.
pub async fn observe(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    app.metrics.started();
    let (request, ended) = {
        let (parts, body) = request.into_parts();
        let (body, ended) = Tracked::new(body);
        (Request::from_parts(parts, Body::new(body)), ended)
    };
    let mut response = next.run(request).await;
    if !ended.load(Ordering::Relaxed) {
        // Answered before the body was read to its end (an unknown rule
        // set, a wrong content type): the rest of the body is still on the
        // connection, so it carries no further request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let status = response.status();
    if status.as_u16() >= 400 && !is_problem(&response) {
        let kept: Vec<_> = [header::ALLOW, header::RETRY_AFTER]
            .into_iter()
            .filter_map(|h| response.headers().get(&h).cloned().map(|v| (h, v)))
            .collect();
        let mut replaced = errors::for_status(status).into_response();
        for (h, v) in kept {
            replaced.headers_mut().insert(h, v);
        }
        response = replaced;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    let took = started.elapsed();
    let code = response
        .extensions()
        .get::<ErrorCode>()
        .map(|c| c.0.clone());
    let decided = response.extensions().get::<Decided>().cloned();
    app.metrics.answered(
        &route,
        &method,
        response.status().as_u16(),
        took,
        code.as_deref(),
    );
    let mut fields = json!({
        "request_id": id,
        "method": method,
        "route": route,
        "status": response.status().as_u16(),
        "duration_us": u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
    });
    if let Some(code) = code {
        fields["code"] = Json::from(code);
    }
    if let Some(d) = decided {
        app.metrics.evaluated(&d.ruleset, d.cases);
        fields["ruleset"] = Json::from(d.ruleset);
        fields["hash"] = Json::from(d.hash);
        if let Some(r) = d.reform {
            fields["reform"] = Json::from(r);
        }
        if d.cases > 0 {
            fields["cases"] = Json::from(d.cases);
        }
    }
    let level = if response.status().is_server_error() {
        "error"
    } else {
        "info"
    };
    line(level, "request", fields);
    response
}
