//! The routes. Each reads its query and body, asks the core, and answers
//! with the JSON the command line prints for the same question (one
//! function in `present` for each shape), or a [`Problem`].
//!
//! Every answer that decides something names the rules that decided it, in
//! the body (`ruleset`) and in headers: `Bangfu-Ruleset-Id`,
//! `Bangfu-Ruleset-Version`, `Bangfu-Ruleset-Hash` and, when a reform
//! applied, `Bangfu-Reform-Hash`.

use super::errors::{Kind, Problem};
use super::log::Decided;
use super::openapi::{self, DecidingProblems, LookupProblems, ProblemAnswer};
use super::request::{self, Query};
use super::state::AppState;
use super::{arrow, batch};
use crate::{present, read};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use bangfu::{Date, Error, Outcome, RuleSet};
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// `application/json`.
pub const JSON: &str = "application/json";
/// Newline-delimited JSON: one case, or one answer, per line.
pub const NDJSON: &str = "application/x-ndjson";
/// CSV.
pub const CSV: &str = "text/csv";
/// Text for people.
const TEXT: &str = "text/plain; charset=utf-8";

/// The state every route reads.
type App = State<Arc<AppState>>;

/// An answer with a content type.
pub fn answer(content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// An answer decided by `rules` for `cases` cases: the rule set's headers,
/// and what the access log records.
pub fn decided(
    rules: &RuleSet,
    cases: u64,
    content_type: &'static str,
    body: impl Into<Body>,
) -> Response {
    let mut r = answer(content_type, body);
    let reform = (!rules.applied_reform().is_empty()).then(|| rules.applied_reform().hash());
    let headers = [
        ("bangfu-ruleset-id", Some(rules.id().to_string())),
        ("bangfu-ruleset-version", Some(rules.version().to_string())),
        ("bangfu-ruleset-hash", Some(rules.hash().to_string())),
        ("bangfu-reform-hash", reform),
    ];
    for (name, value) in headers {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            r.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    r.extensions_mut().insert(Decided::by(rules, cases));
    r
}

/// The rules a deciding request asks for: the rule set by id, checked
/// against `expected_hash` when given, with the `reform` applied.
///
/// # Errors
/// `unknown_ruleset` (404), `hash_mismatch` (409), reform problems (400).
pub async fn rules_for(app: &AppState, id: &str, q: &Query) -> Result<Arc<RuleSet>, Problem> {
    let base = app.catalog().get(id)?;
    if let Some(expected) = q.one("expected_hash")? {
        if expected != base.hash() {
            return Err(Problem::hash_mismatch(id, expected, base.hash()));
        }
    }
    let reform = q.reform()?;
    app.reforms.apply(base, reform).await
}

/// What to evaluate, from the query: the date, the programs, the entity.
#[derive(Debug, Clone)]
pub struct CaseQuery {
    /// Evaluation date.
    pub on: Date,
    /// Programs asked for (all of the entity's when empty).
    pub programs: Vec<String>,
    /// The entity asked for.
    pub entity: Option<String>,
}

impl CaseQuery {
    /// Reads `on`, `program` and `entity`, and checks them against the
    /// rules before any case is read: unknown programs and entities are
    /// 404, a date with no rules in force 422.
    ///
    /// # Errors
    /// As above; `invalid_query` for a missing or malformed date.
    pub fn read(q: &Query, rules: &RuleSet) -> Result<CaseQuery, Problem> {
        let on = q.date("on")?;
        let programs = q.all("program");
        let entity = q.one("entity")?.map(str::to_string);
        for p in &programs {
            rules.program(p).map_err(|e| Problem::eval(&e))?;
        }
        if let Some(e) = &entity {
            rules
                .program_names(Some(e))
                .map_err(|e| Problem::eval(&e))?;
        }
        rules.parameters_on(on).map_err(|e| Problem::eval(&e))?;
        Ok(CaseQuery {
            on,
            programs,
            entity,
        })
    }

    /// Evaluates one case (JSON), as `bangfu eval` does.
    ///
    /// # Errors
    /// The case's problems, each at its place.
    pub fn decide(&self, rules: &RuleSet, case: &Json) -> Result<Outcome, Problem> {
        let entity = rules
            .entity_for_case(
                self.entity.as_deref(),
                self.programs.first().map(String::as_str),
                case,
            )
            .map_err(|e| Problem::error("case", &e))?;
        let filter = (!self.programs.is_empty()).then_some(self.programs.as_slice());
        rules
            .evaluate_json(&entity, case, self.on, filter)
            .map_err(|e| match &e {
                Error::Input(errors) => Problem::input("case", errors).with_hints(errors, |err| {
                    rules.input_error_message(&entity, err, Some(self.on))
                }),
                other => Problem::error("case", other),
            })
    }
}

/// Pretty JSON, as the command line prints it.
fn json_answer(value: &Json) -> Response {
    answer(JSON, present::pretty(value))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive. 运行中。", body = openapi::Health)))]
pub async fn healthz() -> Response {
    json_answer(&json!({"status": "ok"}))
}

/// Readiness: rule sets are loaded and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready, with the rule sets served. 就绪。", body = openapi::Ready),
        (status = 503, response = ProblemAnswer)))]
pub async fn readyz(State(app): App) -> Response {
    if app.draining() {
        return Problem::new(Kind::NotReady, "the server is shutting down").into_response();
    }
    let catalog = app.catalog();
    let sets: Vec<Json> = catalog.sets.values().map(|r| present::stamp(r)).collect();
    json_answer(&json!({"status": "ready", "rulesets": sets}))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object)))]
pub async fn openapi_json(State(app): App) -> Response {
    answer(JSON, app.openapi.get().cloned().unwrap_or_default())
}

/// Counters in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4.", content_type = "text/plain", body = String)))]
pub async fn metrics(State(app): App) -> Response {
    answer(
        "text/plain; version=0.0.4; charset=utf-8",
        app.metrics.render(&app.catalog()),
    )
}

/// Answers for any path that is not a route.
pub async fn not_found() -> Response {
    Problem::new(
        Kind::NotFound,
        "no such route; GET /openapi.json lists them",
    )
    .into_response()
}

/// The rule sets served.
#[utoipa::path(get, path = "/v1/rulesets", tag = "rules",
    responses(
        (status = 200, description = "Every rule set served: versions, hashes, programs, entities.", body = openapi::RuleSets),
        (status = 400, response = ProblemAnswer),
        (status = 503, response = ProblemAnswer)))]
pub async fn rulesets(State(app): App, RawQuery(raw): RawQuery) -> Result<Response, Problem> {
    Query::parse(raw.as_deref(), &[])?;
    let catalog = app.catalog();
    let sets: Vec<Json> = catalog.sets.values().map(|r| present::ruleset(r)).collect();
    Ok(json_answer(&json!({"rulesets": sets})))
}

/// One rule set.
#[utoipa::path(get, path = "/v1/rulesets/{id}", tag = "rules",
    params(("id" = String, Path, description = "Rule set id (`cn-qingdao-chengyang`).")),
    responses(
        (status = 200, description = "The rule set: version, hash, programs, entities.", body = openapi::RuleSet),
        LookupProblems))]
pub async fn ruleset(
    State(app): App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Query::parse(raw.as_deref(), &[])?;
    let rules = app.catalog().get(&id)?;
    Ok(json_answer(&present::ruleset(&rules)))
}

/// A program's input schema (`bangfu schema --program`).
#[utoipa::path(get, path = "/v1/rulesets/{id}/programs/{program}/schema", tag = "rules",
    params(
        ("id" = String, Path, description = "Rule set id."),
        ("program" = String, Path, description = "Program (`dibao`).")),
    responses(
        (status = 200, description = "The fields a form asks for: types, bounds, defaults, choices, labels and help in both languages.", body = Object),
        LookupProblems))]
pub async fn schema(
    State(app): App,
    Path((id, program)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Query::parse(raw.as_deref(), &[])?;
    let rules = app.catalog().get(&id)?;
    let schema = rules.schema(&program).map_err(|e| Problem::eval(&e))?;
    Ok(json_answer(&schema))
}

/// The parameters in force on a day (`bangfu params --format json`).
#[utoipa::path(get, path = "/v1/rulesets/{id}/parameters", tag = "rules",
    params(("id" = String, Path, description = "Rule set id."), openapi::OnQuery),
    responses(
        (status = 200, description = "Every parameter in force: value, unit, status, dates, source.", body = openapi::Parameters),
        (status = 422, response = ProblemAnswer),
        LookupProblems))]
pub async fn parameters(
    State(app): App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let q = Query::parse(raw.as_deref(), &["on"])?;
    let rules = app.catalog().get(&id)?;
    let on = q.date("on")?;
    let params = present::parameters(&rules, on).map_err(|e| Problem::eval(&e))?;
    Ok(decided(&rules, 0, JSON, present::pretty(&params)))
}

/// What changed between two days (`bangfu diff --format json`).
#[utoipa::path(get, path = "/v1/rulesets/{id}/diff", tag = "rules",
    params(("id" = String, Path, description = "Rule set id."), openapi::DiffQuery),
    responses(
        (status = 200, description = "Parameter values and formulas that differ.", body = openapi::Changes),
        LookupProblems))]
pub async fn diff(
    State(app): App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let q = Query::parse(raw.as_deref(), &["from", "to"])?;
    let rules = app.catalog().get(&id)?;
    let (from, to) = (q.date("from")?, q.date("to")?);
    Ok(decided(
        &rules,
        0,
        JSON,
        present::pretty(&present::changes(&rules, from, to)),
    ))
}

/// Evaluates one case: the same JSON as `bangfu eval` (or, with
/// `explain`, the same text as `bangfu eval --explain`).
#[utoipa::path(post, path = "/v1/rulesets/{id}/evaluate", tag = "decide",
    params(("id" = String, Path, description = "Rule set id."), openapi::EvaluateQuery),
    request_body(content = Object, content_type = "application/json",
        description = "One case: the fields of the entity, members as a list (`GET …/programs/{program}/schema`). Money as strings or numbers, read exactly.",
        example = json!({"registered_locally": true, "financial_assets": "10000", "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}]})),
    responses(
        (status = 200, description = "The outcome: eligibility, amounts, conditions with explanations, parameters used, assumptions, the rules that decided.",
            content((openapi::Outcome = "application/json"), (String = "text/plain"))),
        DecidingProblems))]
pub async fn evaluate(
    State(app): App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    const TAKES: &[&str] = &[
        "on",
        "program",
        "entity",
        "explain",
        "reform",
        "expected_hash",
    ];
    let q = Query::parse(raw.as_deref(), TAKES)?;
    let rules = rules_for(&app, &id, &q).await?;
    let cq = CaseQuery::read(&q, &rules)?;
    let lang = q.explain()?;
    request::content_type(&headers, &[JSON])?;
    let bytes = request::body(&headers, body, app.limits.max_body).await?;
    let case: Json = request::strict_json("case", &bytes)?;
    let outcome = cq.decide(&rules, &case)?;
    Ok(match lang {
        Some(lang) => decided(&rules, 1, TEXT, outcome.explain(lang)),
        None => decided(&rules, 1, JSON, present::outcome(&outcome)),
    })
}

/// Evaluates many cases. NDJSON: one case per line in, one outcome (or one
/// error, with its line) per line out, in order. Arrow IPC: the cases table
/// (and the members table, linked by `key`) in, as two streams one after
/// the other; the results table, then the row problems table, out, as two
/// streams; evaluated by the columnar engine.
#[utoipa::path(post, path = "/v1/rulesets/{id}/evaluate/batch", tag = "decide",
    params(("id" = String, Path, description = "Rule set id."), openapi::BatchQuery),
    request_body(description = "NDJSON: one case (JSON) per line, each item of the array on a line of its own. Arrow: two IPC streams one after the other, the cases table (`household_id`, `registered_locally`, `financial_assets`, …) then the members table (`household_id`, `birth_date`, `monthly_income`, …); money as decimal128, integers, or text.",
        content(
            (Vec<Object> = "application/x-ndjson", example = json!([
                {"registered_locally": true, "financial_assets": "10000", "members": [{"birth_date": "1980-01-01", "monthly_income": "800"}]},
                {"registered_locally": false, "financial_assets": "0", "members": [{"birth_date": "1950-02-01", "monthly_income": "0"}]}
            ])),
            (openapi::ArrowStreams = "application/vnd.apache.arrow.stream"))),
    responses(
        (status = 200, description = "NDJSON: one line per case, in order: the outcome (as `POST …/evaluate`, on one line), or `{\"line\": n, \"error\": problem}`; each item of the array is a line. Arrow: the results table (the key, `error`, and per program `P.eligible` and `P.amount` as decimal128), then the row problems table (`table`, `row`, `household`, `loc`, `code`, `message`); `Bangfu-Row-Errors` counts the problems.",
            content((Vec<openapi::BatchLine> = "application/x-ndjson"), (openapi::ArrowStreams = "application/vnd.apache.arrow.stream"))),
        DecidingProblems))]
pub async fn evaluate_batch(
    State(app): App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    const TAKES: &[&str] = &["on", "program", "entity", "key", "reform", "expected_hash"];
    let q = Query::parse(raw.as_deref(), TAKES)?;
    let rules = rules_for(&app, &id, &q).await?;
    let cq = CaseQuery::read(&q, &rules)?;
    let media = request::content_type(&headers, &[NDJSON, arrow::ARROW_STREAM])?;
    let key = q.one("key")?.map(str::to_string);
    if media == NDJSON && key.is_some() {
        return Err(Problem::query(
            "key",
            "links members to their case in Arrow tables; an NDJSON case holds its members",
        ));
    }
    let permit = app.batch_gate.admit("batches")?;
    let bytes = request::body(&headers, body, app.limits.max_batch_body).await?;
    if media == NDJSON {
        return batch::ndjson(&app, rules, cq, bytes, permit);
    }
    let key = key.unwrap_or_else(|| arrow::DEFAULT_KEY.to_string());
    arrow::batch(app.limits.max_batch_cases, rules, cq, key, bytes).await
}

/// Settles a month of records (`bangfu settle`): CSV in, the settlement out.
#[utoipa::path(post, path = "/v1/rulesets/{id}/settle", tag = "decide",
    params(("id" = String, Path, description = "Rule set id."), openapi::SettleQuery),
    request_body(content = Vec<std::collections::HashMap<String, String>>, content_type = "text/csv",
        description = "The month's records, CSV with a header row (a canteen's meal records: `person,birth_date,date,meal,…`): each item of the array is a row, its keys the columns.",
        example = json!([
            {"person_id": "P001", "birth_date": "1958-03-15", "meal_date": "2023-09-04", "meal_kind": "lunch", "canteen_designated": "true", "price": "12"},
            {"person_id": "P002", "birth_date": "1948-05-20", "meal_date": "2023-09-04", "meal_kind": "breakfast", "canteen_designated": "true", "price": "6"}
        ])),
    responses(
        (status = 200, description = "Accepted and rejected records with reasons, totals per person and in all.",
            content((openapi::Settlement = "application/json"), (String = "text/csv"))),
        DecidingProblems))]
pub async fn settle(
    State(app): App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    const TAKES: &[&str] = &[
        "month",
        "program",
        "strict",
        "format",
        "lang",
        "expected_hash",
    ];
    let q = Query::parse(raw.as_deref(), TAKES)?;
    let rules = rules_for(&app, &id, &q).await?;
    let month = q.required("month", "YYYY-MM")?.to_string();
    let strict = q.flag("strict")?;
    let lang = match q.one("lang")? {
        None => bangfu::Lang::Zh,
        Some(l) => bangfu::Lang::parse(l)
            .ok_or_else(|| Problem::query("lang", format!("`{l}` is not zh or en")))?,
    };
    let csv = match q.one("format")? {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Problem::query(
                "format",
                format!("`{other}` is not json or csv"),
            ))
        }
    };
    let program = read::settled_program(&rules, q.one("program")?.map(str::to_string)).map_err(
        |settled| {
            Problem::new(
                Kind::ProgramRequired,
                format!(
                    "program: say which program to settle ({})",
                    settled.join(", ")
                ),
            )
            .at("program")
        },
    )?;
    rules.program(&program).map_err(|e| Problem::eval(&e))?;
    request::content_type(&headers, &[CSV])?;
    let _permit = app.batch_gate.admit("batches")?;
    let bytes = request::body(&headers, body, app.limits.max_batch_body).await?;
    let decider = rules.clone();
    let limits = bangfu::settle::Limits {
        max_bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        ..bangfu::settle::Limits::default()
    };
    let settled = tokio::task::spawn_blocking(move || {
        bangfu::settle::settle_csv(&decider, &program, &month, &bytes[..], strict, &limits)
    })
    .await
    .map_err(|e| Problem::new(Kind::Internal, format!("settle: {e}")))?
    .map_err(|e| Problem::error("records", &e))?;
    let n = u64::try_from(settled.len()).unwrap_or(u64::MAX);
    let mut out = Vec::new();
    let written = if csv {
        settled.write_csv(&mut out, lang)
    } else {
        settled.write_json(&mut out)
    };
    written.map_err(|e| Problem::new(Kind::Internal, format!("settlement: {e}")))?;
    let text = String::from_utf8(out)
        .map_err(|e| Problem::new(Kind::Internal, format!("settlement: {e}")))?;
    Ok(if csv {
        decided(&rules, n, "text/csv; charset=utf-8", text)
    } else {
        decided(&rules, n, JSON, text)
    })
}

/// Reads the rule sets again from disk and swaps them in, if every one
/// checks; otherwise refuses with the diagnostics, and the old ones keep
/// serving. Off unless the server was started with `--admin-token`.
#[utoipa::path(post, path = "/v1/admin/reload", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Reloaded: the rule sets now served and the hashes they replaced.", body = openapi::Reload),
        (status = 400, response = ProblemAnswer),
        (status = 401, response = ProblemAnswer),
        (status = 404, response = ProblemAnswer),
        (status = 422, response = ProblemAnswer),
        (status = 503, response = ProblemAnswer)))]
pub async fn reload(
    State(app): App,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if !app.admin_enabled() {
        return Err(Problem::new(
            Kind::NotFound,
            "the admin route is off (start the server with --admin-token)",
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !app.admin_token_matches(token) {
        let mut r = Problem::new(
            Kind::Unauthorized,
            "Authorization: Bearer <admin token> is required",
        )
        .into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Ok(r);
    }
    Query::parse(raw.as_deref(), &[])?;
    let (old, new) = app.reload("admin").await?;
    let sets: Vec<Json> = new
        .sets
        .values()
        .map(|r| {
            json!({
                "id": r.id(),
                "version": r.version(),
                "hash": r.hash(),
                "previous_hash": old.sets.get(r.id()).map(|o| o.hash()),
            })
        })
        .collect();
    Ok(json_answer(&json!({"rulesets": sets})))
}
