//! The OpenAPI 3.1 document served at `/openapi.json`.
//!
//! Each route documents itself (`#[utoipa::path]` beside its handler in
//! `routes`), and the router is built from the same list, so a route cannot
//! be served undocumented. The types below describe the JSON answers that
//! the core writes (an outcome, the parameters in force, a settlement):
//! they exist for the document only, and the contract test holds every
//! answer of the running server to them.

#![allow(dead_code)]

use super::errors::{ProblemDetails, PROBLEM_JSON};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToResponse, ToSchema};

/// The document's fixed part: title, description, tags, shared components.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "bangfu",
        description = "Social-assistance rules as code, as a service for district systems: who qualifies, for how much (exactly, to the fen), and why, for any date. 社会救助规则即代码：任一日期谁符合条件、金额多少（精确到分）、为什么。\n\nEvery answer that decides something names the rule set's id, version and content hash (and the reform's hash), in its body and in the `Bangfu-Ruleset-*` headers. Errors are RFC 9457 problem details with the same `code` and `loc` as the command line.",
        license(name = "Apache-2.0")
    ),
    components(
        schemas(ProblemDetails, ExplainLang),
        responses(ProblemAnswer)
    ),
    tags(
        (name = "operations", description = "Liveness, readiness, metrics, this document. 运行状态。"),
        (name = "rules", description = "The rule sets served: programs, schemas, parameters, changes. 规则集。"),
        (name = "decide", description = "Evaluating cases and settling records. 评估与结算。"),
        (name = "admin", description = "Reloading the rule sets (off unless --admin-token is given). 管理。")
    ),
    modifiers(&AdminToken)
)]
pub struct ApiDoc;

/// Adds the admin bearer token scheme.
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "admin_token",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// An error answer: `application/problem+json`.
pub struct ProblemAnswer;

impl<'r> ToResponse<'r> for ProblemAnswer {
    fn response() -> (&'r str, RefOr<utoipa::openapi::response::Response>) {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        (
            "Problem",
            ResponseBuilder::new()
                .description(
                    "A problem (RFC 9457): `code` and `loc` say what and where; `title`/`title_zh` in English and Chinese. 错误说明。",
                )
                .content(PROBLEM_JSON, content)
                .build()
                .into(),
        )
    }
}

/// The problems a route answers, each the `Problem` response.
fn problems(statuses: &[u16]) -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
    statuses
        .iter()
        .map(|s| (s.to_string(), Ref::from_response_name("Problem").into()))
        .collect()
}

/// The problems of a route that decides (evaluate, batch, settle): bad
/// input, unknown names, a pinned hash, limits, content types, dates with
/// no rules in force, a busy server.
pub struct DecidingProblems;

impl IntoResponses for DecidingProblems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        problems(&[400, 404, 409, 413, 415, 422, 503])
    }
}

/// The problems of a route that describes a rule set: a bad query, an
/// unknown name, a busy server.
pub struct LookupProblems;

impl IntoResponses for LookupProblems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        problems(&[400, 404, 503])
    }
}

/// The language of an explanation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExplainLang {
    /// Chinese.
    Zh,
    /// English.
    En,
}

/// A text in both languages.
#[derive(Serialize, ToSchema)]
pub struct Texts {
    /// Chinese.
    zh: String,
    /// English.
    en: String,
}

/// What identifies the rules that answered.
#[derive(Serialize, ToSchema)]
pub struct Stamp {
    /// Rule set id.
    id: String,
    /// Version (`+reform` when a reform applied).
    version: String,
    /// Content hash, `sha256:…` (combined with the reform's when one applied).
    hash: String,
    /// The reform's own hash, when one applied.
    reform: Option<String>,
}

/// `{"status": "ok"}`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    status: String,
}

/// Ready, with the rule sets served.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    status: String,
    /// The rule sets served.
    rulesets: Vec<Stamp>,
}

/// A program of a rule set.
#[derive(Serialize, ToSchema)]
pub struct Program {
    /// Name (`dibao`).
    name: String,
    /// The entity it decides for (`household`).
    entity: String,
    /// Label.
    label: Texts,
    /// What it is.
    description: Texts,
    /// Whether it pays an amount.
    pays_amount: bool,
    /// Whether the amount is money.
    pays_money: bool,
    /// Whether it settles monthly records (`POST …/settle`).
    settles_records: bool,
}

/// A collection of members.
#[derive(Serialize, ToSchema)]
pub struct Collection {
    /// Name (`members`).
    name: String,
    /// The members' entity (`person`).
    entity: String,
}

/// An entity: what a case is.
#[derive(Serialize, ToSchema)]
pub struct Entity {
    /// Name (`household`).
    name: String,
    /// Label.
    label: Texts,
    /// Input fields.
    inputs: Vec<String>,
    /// Member collections.
    collections: Vec<Collection>,
    /// Programs deciding for it.
    programs: Vec<String>,
}

/// A rule set described.
#[derive(Serialize, ToSchema)]
pub struct RuleSet {
    /// Id.
    id: String,
    /// Version.
    version: String,
    /// Content hash of the rule files, `sha256:…` (what `expected_hash` pins).
    hash: String,
    /// Name.
    label: Texts,
    /// Programs.
    programs: Vec<Program>,
    /// Entities.
    entities: Vec<Entity>,
}

/// The rule sets served.
#[derive(Serialize, ToSchema)]
pub struct RuleSets {
    /// Rule sets, by id.
    rulesets: Vec<RuleSet>,
}

/// A citation.
#[derive(Serialize, ToSchema)]
pub struct Citation {
    /// Source id.
    source: Option<String>,
    /// Document title.
    document: String,
    /// Document date.
    date: Option<String>,
    /// The words quoted.
    quote: Option<String>,
    /// A note.
    note: Option<String>,
}

/// A parameter as used or in force.
#[derive(Serialize, ToSchema)]
pub struct Parameter {
    /// Label.
    label: Texts,
    /// Value: money and numbers as exact decimal strings.
    value: Value,
    /// Unit.
    unit: Option<String>,
    /// Unit label.
    unit_label: Option<Texts>,
    /// `published`, `derived` or `assumption`.
    status: String,
    /// First day of this version.
    from: String,
    /// Last day, if any.
    until: Option<String>,
    /// Formula of a derived value.
    formula: Option<String>,
    /// Source.
    source: Citation,
}

/// A parameter in force on a day, with its name.
#[derive(Serialize, ToSchema)]
pub struct ParameterInForce {
    /// Name.
    name: String,
    /// The parameter as used.
    #[serde(flatten)]
    parameter: Parameter,
}

/// The parameters in force on a day (`bangfu params --format json`).
#[derive(Serialize, ToSchema)]
pub struct Parameters {
    /// The rules.
    ruleset: Stamp,
    /// The day.
    on: String,
    /// Parameters, in rule-set order.
    parameters: Vec<ParameterInForce>,
}

/// One change between two days.
#[derive(Serialize, ToSchema)]
pub struct Change {
    /// `parameter` or `formula`.
    kind: String,
    /// Name.
    name: String,
    /// Before (`null`: not in force).
    from: Value,
    /// After.
    to: Value,
    /// Status of a parameter's later version.
    status: Option<String>,
}

/// What changed between two days (`bangfu diff --format json`).
#[derive(Serialize, ToSchema)]
pub struct Changes {
    /// The rules.
    ruleset: Stamp,
    /// Earlier day.
    from: String,
    /// Later day.
    to: String,
    /// Changes.
    changes: Vec<Change>,
}

/// An assumption an answer rests on.
#[derive(Serialize, ToSchema)]
pub struct Assumption {
    /// `parameter` or `formula`.
    kind: String,
    /// Name.
    name: String,
    /// Why it is assumed.
    note: String,
}

/// A condition of a program, checked.
#[derive(Serialize, ToSchema)]
pub struct Condition {
    /// Id.
    id: String,
    /// Whether it holds.
    passed: bool,
    /// Reason code when it does not.
    reject: Option<String>,
    /// Label.
    label: Texts,
    /// Explanation with the figures.
    explanation: Texts,
    /// The values compared.
    compared: BTreeMap<String, Value>,
}

/// One program's outcome.
#[derive(Serialize, ToSchema)]
pub struct ProgramOutcome {
    /// Label.
    label: Texts,
    /// Eligibility.
    eligible: bool,
    /// Amount, exact decimal string (`"735.00"`).
    amount: Option<String>,
    /// Computed values.
    values: BTreeMap<String, Value>,
    /// Conditions.
    conditions: Vec<Condition>,
    /// Parameters used.
    parameters: Vec<String>,
    /// Assumptions.
    assumptions: Vec<Assumption>,
}

/// An outcome (`bangfu eval`'s JSON).
#[derive(Serialize, ToSchema)]
pub struct Outcome {
    /// The rules that decided.
    ruleset: Stamp,
    /// Evaluation date.
    as_of: String,
    /// The case's entity.
    entity: String,
    /// Per program.
    programs: BTreeMap<String, ProgramOutcome>,
    /// Parameters used, by name.
    parameters: BTreeMap<String, Parameter>,
    /// Assumptions.
    assumptions: Vec<Assumption>,
}

/// A line of a batch answer that is an error: the case's line number
/// (1-based) and the problem.
#[derive(Serialize, ToSchema)]
pub struct BatchError {
    /// Line of the request body (1-based).
    line: usize,
    /// What is wrong with that case.
    error: ProblemDetails,
}

/// Arrow IPC streams, one after the other (binary).
#[derive(Serialize, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ArrowStreams(Vec<u8>);

/// One line of an NDJSON batch answer: an outcome, or an error.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum BatchLine {
    /// The case's outcome.
    Outcome(Outcome),
    /// The case's error.
    Error(BatchError),
}

/// A record's decision.
#[derive(Serialize, ToSchema)]
pub struct RecordDecision {
    /// The record's line in the CSV (the header is line 1).
    line: u64,
    /// Person id.
    person: String,
    /// Date.
    date: String,
    /// Amount.
    amount: String,
    /// Why it was rejected: each reason's code and its text in both languages.
    reasons: Vec<Reason>,
}

/// Why a record was rejected.
#[derive(Serialize, ToSchema)]
pub struct Reason {
    /// Stable code (`too_young`, `duplicate`, …).
    code: String,
    /// The reason in Chinese.
    zh: String,
    /// The reason in English.
    en: String,
}

/// A person's total.
#[derive(Serialize, ToSchema)]
pub struct PersonTotal {
    /// Person id.
    person: String,
    /// Records accepted.
    records: usize,
    /// Amount.
    amount: String,
}

/// A month's settlement (`bangfu settle`'s JSON).
#[derive(Serialize, ToSchema)]
pub struct Settlement {
    /// The rules.
    ruleset: Stamp,
    /// Program.
    program: String,
    /// Month.
    month: String,
    /// Total.
    total: String,
    /// Records accepted.
    accepted_count: usize,
    /// Records rejected.
    rejected_count: usize,
    /// Per person.
    per_person: Vec<PersonTotal>,
    /// Accepted records.
    accepted: Vec<RecordDecision>,
    /// Rejected records, with reasons.
    rejected: Vec<RecordDecision>,
}

/// A rule set after a reload, with the version it replaced.
#[derive(Serialize, ToSchema)]
pub struct Reloaded {
    /// Id.
    id: String,
    /// Version now served.
    version: String,
    /// Hash now served.
    hash: String,
    /// Hash served before (none for a new rule set).
    previous_hash: Option<String>,
}

/// The result of a reload.
#[derive(Serialize, ToSchema)]
pub struct Reload {
    /// The rule sets now served.
    rulesets: Vec<Reloaded>,
}

/// The query of `POST …/evaluate`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluateQuery {
    /// Evaluation date, YYYY-MM-DD. 评估日期。
    #[param(format = Date, example = "2023-09-06")]
    on: String,
    /// Program(s) to evaluate, repeatable (default: every program of the case's entity). 项目。
    #[param(style = Form, explode)]
    program: Option<Vec<String>>,
    /// The case's entity (default: the entity of the first program, else the one its fields fit).
    entity: Option<String>,
    /// Answer with the explanation for people, as text, in this language (`bangfu eval --explain --lang`).
    #[param(inline)]
    explain: Option<ExplainLang>,
    /// A reform, as a JSON object: `{"dibao_standard": "1100"}` or `{"dibao_standard": {"value": "1100", "from": "2024-01-01"}}`.
    reform: Option<String>,
    /// The rule set's hash the client expects (`GET /v1/rulesets/{id}`); another is 409.
    expected_hash: Option<String>,
}

/// The query of `POST …/evaluate/batch`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// Evaluation date, YYYY-MM-DD.
    #[param(format = Date, example = "2023-09-06")]
    on: String,
    /// Program(s) to evaluate, repeatable.
    #[param(style = Form, explode)]
    program: Option<Vec<String>>,
    /// The cases' entity (Arrow: default `household`).
    entity: Option<String>,
    /// Arrow only: the column linking members to their case (default `household_id`).
    key: Option<String>,
    /// A reform, as a JSON object.
    reform: Option<String>,
    /// The rule set's hash the client expects.
    expected_hash: Option<String>,
}

/// The query of `GET …/parameters`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// Date, YYYY-MM-DD.
    #[param(format = Date, example = "2023-09-06")]
    on: String,
}

/// The query of `GET …/diff`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// Earlier date, YYYY-MM-DD.
    #[param(format = Date, example = "2022-12-31")]
    from: String,
    /// Later date, YYYY-MM-DD.
    #[param(format = Date, example = "2023-01-01")]
    to: String,
}

/// How a settlement is written.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SettleFormat {
    /// JSON (`bangfu settle`).
    Json,
    /// CSV (`bangfu settle --format csv`).
    Csv,
}

/// The query of `POST …/settle`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SettleQuery {
    /// Month, YYYY-MM.
    #[param(example = "2023-09")]
    month: String,
    /// Program (default: the only program that settles records).
    program: Option<String>,
    /// Duplicate records are an error (400) instead of rejected records.
    strict: Option<bool>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    format: Option<SettleFormat>,
    /// Language of the reasons' text in CSV (`zh`, the default, or `en`;
    /// JSON gives both).
    #[param(inline)]
    lang: Option<ExplainLang>,
    /// The rule set's hash the client expects.
    expected_hash: Option<String>,
}
