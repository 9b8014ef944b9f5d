//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error the service answers is a [`Problem`]: a `type`, a `title` in
//! English and Chinese (`title_zh`), the HTTP `status`, a `detail` written
//! as the command line writes it, and the stable `code` and `loc` of the
//! core (`members[1].birth_date`, `date_after_as_of`), with every problem
//! in `errors` when there are several. Which status a core error gets is
//! decided here, once.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu::{DiagnosticRecord, Error, EvalError, InputError, ReformError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A kind of problem: its status, class code and titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A case or record does not fit the rule set's inputs (400).
    InvalidInput,
    /// The body is not JSON (400).
    InvalidJson,
    /// A query parameter is missing, repeated, unknown or malformed (400).
    InvalidQuery,
    /// The reform does not fit the rule set (400).
    InvalidReform,
    /// Meal records are not CSV (400).
    /// The body is not the Arrow IPC streams expected (400).
    InvalidArrow,
    /// The case's fields fit no entity, or several (400).
    AmbiguousCase,
    /// Several programs settle records and none was named (400).
    ProgramRequired,
    /// A program does not apply to the case's entity (400).
    WrongEntity,
    /// No admin token, or the wrong one (401).
    Unauthorized,
    /// No rule set with that id (404).
    UnknownRuleset,
    /// No program with that name (404).
    UnknownProgram,
    /// No entity with that name (404).
    UnknownEntity,
    /// No such route (404).
    NotFound,
    /// The route does not take that method (405).
    MethodNotAllowed,
    /// `expected_hash` is not the hash of the rules being served (409).
    HashMismatch,
    /// The body is larger than the limit (413).
    TooLarge,
    /// The batch has more cases than the limit (413).
    TooManyCases,
    /// The body's content type is not one the route reads (415).
    UnsupportedMediaType,
    /// No rules are in force on the date asked for (422).
    NoRulesInForce,
    /// A value is too large to compute exactly (422).
    Overflow,
    /// A rule set on disk does not check; the old one keeps serving (422).
    RuleSetInvalid,
    /// The server failed; nothing the client sent (500).
    Internal,
    /// Too many requests at once (503).
    Overloaded,
    /// The answer took longer than the limit (503).
    Timeout,
    /// The server is shutting down (503).
    NotReady,
}

impl Kind {
    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        use Kind::*;
        match self {
            InvalidInput | InvalidJson | InvalidQuery | InvalidReform | InvalidArrow
            | AmbiguousCase | ProgramRequired | WrongEntity => StatusCode::BAD_REQUEST,
            Unauthorized => StatusCode::UNAUTHORIZED,
            UnknownRuleset | UnknownProgram | UnknownEntity | NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HashMismatch => StatusCode::CONFLICT,
            TooLarge | TooManyCases => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            NoRulesInForce | Overflow | RuleSetInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Overloaded | Timeout | NotReady => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The class code: the problem's `type` ends with it, and it is the
    /// `code` unless a more precise one is known (`too_small` for invalid
    /// input).
    pub fn code(self) -> &'static str {
        use Kind::*;
        match self {
            InvalidInput => "invalid_input",
            InvalidJson => "invalid_json",
            InvalidQuery => "invalid_query",
            InvalidReform => ReformError::CODE,
            InvalidArrow => "invalid_arrow",
            AmbiguousCase => "ambiguous_case",
            ProgramRequired => "program_required",
            WrongEntity => "wrong_entity",
            Unauthorized => "unauthorized",
            UnknownRuleset => "unknown_ruleset",
            UnknownProgram => "unknown_program",
            UnknownEntity => "unknown_entity",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            HashMismatch => "hash_mismatch",
            TooLarge => "too_large",
            TooManyCases => "too_many_cases",
            UnsupportedMediaType => "unsupported_media_type",
            NoRulesInForce => "no_rules_in_force",
            Overflow => "overflow",
            RuleSetInvalid => "rule_set_invalid",
            Internal => "internal_error",
            Overloaded => "overloaded",
            Timeout => "timeout",
            NotReady => "not_ready",
        }
    }

    /// The title in English and in Chinese.
    pub fn titles(self) -> (&'static str, &'static str) {
        use Kind::*;
        match self {
            InvalidInput => ("Invalid input", "输入有误"),
            InvalidJson => ("The body is not valid JSON", "请求体不是有效的 JSON"),
            InvalidQuery => ("Invalid query parameter", "查询参数有误"),
            InvalidReform => ("Invalid reform", "改革方案有误"),
            InvalidArrow => (
                "The body is not the Arrow IPC streams expected",
                "请求体不是所需的 Arrow IPC 流",
            ),
            AmbiguousCase => (
                "The case does not say which entity it is",
                "无法确定案例属于哪个实体",
            ),
            ProgramRequired => ("Say which program to settle", "请指明要结算的项目"),
            WrongEntity => (
                "The program does not apply to this entity",
                "该项目不适用于此实体",
            ),
            Unauthorized => ("Unauthorized", "未授权"),
            UnknownRuleset => ("Unknown rule set", "未知的规则集"),
            UnknownProgram => ("Unknown program", "未知的项目"),
            UnknownEntity => ("Unknown entity", "未知的实体"),
            NotFound => ("Not found", "未找到"),
            MethodNotAllowed => ("Method not allowed", "不允许的请求方法"),
            HashMismatch => (
                "The rule set's hash is not the one expected",
                "规则集哈希值与预期不符",
            ),
            TooLarge => ("The request body is too large", "请求体过大"),
            TooManyCases => ("The batch has too many cases", "批量案例过多"),
            UnsupportedMediaType => ("Unsupported content type", "不支持的内容类型"),
            NoRulesInForce => ("No rules are in force on that date", "该日期没有有效的规则"),
            Overflow => (
                "A value is too large to compute exactly",
                "数值过大，无法精确计算",
            ),
            RuleSetInvalid => ("The rule set does not check", "规则集未通过检查"),
            Internal => ("Internal error", "内部错误"),
            Overloaded => ("The server is busy", "服务器繁忙"),
            Timeout => ("The answer took too long", "处理超时"),
            NotReady => ("The server is not ready", "服务器尚未就绪"),
        }
    }
}

/// One problem of several: an input error, a reform error, a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemItem {
    /// Stable code (`too_small`, `date_after_as_of`, `invalid_reform`).
    pub code: String,
    /// Where: `members[1].birth_date`, `overrides.dibao_standard`,
    /// `records[3].date` (empty for the case as a whole).
    pub loc: String,
    /// What is wrong and what is expected.
    pub msg: String,
    /// The value as given, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// What to enter instead, in Chinese and English: the message a form
    /// shows beside the field (for a case's fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Hint>,
}

/// A message for people, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Hint {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A rule set that was refused on reload, with its diagnostics.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefusedRuleSet {
    /// The folder it was read from.
    pub folder: String,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Every diagnostic (code, file, line, column, message, help).
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: Vec<DiagnosticRecord>,
    /// Worked examples that fail, by id.
    pub failed_examples: Vec<String>,
}

/// An error answer (RFC 9457 problem details), boxed: errors travel in
/// `Result`s on every path, which stay small.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Problem(Box<ProblemDetails>);

impl std::ops::Deref for Problem {
    type Target = ProblemDetails;
    fn deref(&self) -> &ProblemDetails {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0
    }
}

/// The members of a problem (RFC 9457, with bangfu's `code`, `loc` and
/// `errors`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDetails {
    /// A URI naming the kind of problem: `urn:bangfu:problem:invalid_input`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What kind of problem, in English.
    pub title: String,
    /// The same in Chinese.
    pub title_zh: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong here, as the command line says it.
    pub detail: String,
    /// The stable code (`date_after_as_of`, `unknown_ruleset`, …); for
    /// several input errors, the first one's.
    pub code: String,
    /// Where (a field path, or the query parameter), when there is one place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loc: Option<String>,
    /// Every problem, when the input has several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemItem>,
    /// With `hash_mismatch`: the hash the client expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_hash: Option<String>,
    /// With `hash_mismatch`: the hash of the rules being served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_hash: Option<String>,
    /// With `rule_set_invalid`: the rule sets refused and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedRuleSet>,
}

impl Problem {
    /// A problem of a kind with a detail.
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        let (title, title_zh) = kind.titles();
        Problem(Box::new(ProblemDetails {
            kind: format!("urn:bangfu:problem:{}", kind.code()),
            title: title.into(),
            title_zh: title_zh.into(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            code: kind.code().into(),
            loc: None,
            errors: Vec::new(),
            expected_hash: None,
            actual_hash: None,
            refused: Vec::new(),
        }))
    }

    /// The same problem, located.
    #[must_use]
    pub fn at(mut self, loc: impl Into<String>) -> Problem {
        let loc = loc.into();
        self.loc = (!loc.is_empty()).then_some(loc);
        self
    }

    /// A query parameter that is missing or wrong.
    pub fn query(name: &str, detail: impl Into<String>) -> Problem {
        Problem::new(Kind::InvalidQuery, format!("{name}: {}", detail.into())).at(name)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Input errors: every one in `errors`, the first one's code and place
    /// at the top; the detail as the command line writes it.
    pub fn input(what: &str, errors: &[InputError]) -> Problem {
        let n = errors.len();
        let detail = if what == "records" {
            let note = "; lines of the records, the header is line 1";
            crate::present::input_errors(what, "invalid records", n, note, errors)
        } else {
            crate::present::input_errors(what, "invalid input", n, "", errors)
        };
        let detail = detail.trim_end();
        let mut p = Problem::new(Kind::InvalidInput, detail);
        if let Some(first) = errors.first() {
            p.code = first.code.into();
            p = p.at(first.loc.clone());
        }
        p.errors = errors
            .iter()
            .map(|e| ProblemItem {
                code: e.code.into(),
                loc: e.loc.clone(),
                msg: e.msg.clone(),
                input: e.input.clone(),
                hint: None,
            })
            .collect();
        p
    }

    /// The same problem with each input error's form message, from
    /// `hint` (the core's catalogue), where it has one.
    #[must_use]
    pub fn with_hints(
        mut self,
        errors: &[InputError],
        hint: impl Fn(&InputError) -> Option<bangfu::Text>,
    ) -> Problem {
        for (item, e) in self.0.errors.iter_mut().zip(errors) {
            item.hint = hint(e).map(|t| Hint {
                zh: t.zh.to_string(),
                en: t.en.to_string(),
            });
        }
        self
    }

    /// Reform errors, each at its place (`overrides.dibao_standard`).
    pub fn reform(errors: &[ReformError]) -> Problem {
        let mut detail = "reform: invalid reform".to_string();
        for e in errors {
            detail.push_str(&format!("\n  {e}"));
        }
        let mut p = Problem::new(Kind::InvalidReform, detail);
        if let Some(first) = errors.first() {
            p = p.at(first.loc.clone());
        }
        p.errors = errors
            .iter()
            .map(|e| ProblemItem {
                code: ReformError::CODE.into(),
                loc: e.loc.clone(),
                msg: e.message.clone(),
                input: None,
                hint: None,
            })
            .collect();
        p
    }

    /// An evaluation error: unknown names are 404, a date with no rules in
    /// force or a value too large 422, a program of another entity 400.
    pub fn eval(e: &EvalError) -> Problem {
        let kind = match e {
            EvalError::NoRulesInForce { .. } => Kind::NoRulesInForce,
            EvalError::UnknownProgram { .. } => Kind::UnknownProgram,
            EvalError::UnknownEntity { .. } => Kind::UnknownEntity,
            EvalError::UnknownParameter { .. } => Kind::InvalidReform,
            EvalError::WrongEntity { .. } => Kind::WrongEntity,
            EvalError::Overflow { .. } => Kind::Overflow,
            EvalError::PopulationMismatch { .. } => Kind::InvalidInput,
            EvalError::OwnerRequired { .. } => Kind::InvalidInput,
            _ => Kind::Internal,
        };
        let mut p = Problem::new(kind, format!("{e} [{}]", e.code()));
        p.code = e.code().into();
        match e {
            EvalError::UnknownProgram { .. }
            | EvalError::WrongEntity { .. }
            | EvalError::OwnerRequired { .. } => p.at("program"),
            EvalError::UnknownEntity { .. } => p.at("entity"),
            EvalError::NoRulesInForce { .. } => p.at("on"),
            _ => p,
        }
    }

    /// Any core error; `what` names the input (`case`, `records`).
    pub fn error(what: &str, e: &Error) -> Problem {
        match e {
            Error::Input(errors) => Problem::input(what, errors),
            Error::Reform(errors) => Problem::reform(errors),
            Error::Eval(e) => Problem::eval(e),
            Error::Case(msg) => Problem::new(
                Kind::AmbiguousCase,
                format!("{what}: {msg} (entity=household or program=dibao)"),
            ),
            Error::Load(l) => {
                let mut p = Problem::new(
                    Kind::InvalidReform,
                    format!(
                        "reform: the reformed rule set does not load\n{}",
                        l.render()
                    ),
                );
                p.code = e.code().into();
                p.at("reform")
            }
            other => Problem::new(Kind::Internal, other.to_string()),
        }
    }

    /// A rule set's hash is not the one the client pinned.
    pub fn hash_mismatch(id: &str, expected: &str, actual: &str) -> Problem {
        let mut p = Problem::new(
            Kind::HashMismatch,
            format!("expected_hash: rule set {id} is {actual}, not {expected}"),
        )
        .at("expected_hash");
        p.expected_hash = Some(expected.into());
        p.actual_hash = Some(actual.into());
        p
    }
}

/// The error code of an answer, for the access log and the metrics.
#[derive(Debug, Clone)]
pub struct ErrorCode(pub String);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if matches!(self.code.as_str(), "overloaded" | "not_ready") {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(ErrorCode(self.0.code));
        response
    }
}

/// The problem for a status answered without one (a route that does not
/// exist, a method a route does not take, a rejected body): what the
/// safety net in front of every route sends instead.
pub fn for_status(status: StatusCode) -> Problem {
    let kind = match status.as_u16() {
        404 => Kind::NotFound,
        405 => Kind::MethodNotAllowed,
        413 => Kind::TooLarge,
        415 => Kind::UnsupportedMediaType,
        401 => Kind::Unauthorized,
        408 | 504 => Kind::Timeout,
        503 => Kind::Overloaded,
        s if s >= 500 => Kind::Internal,
        _ => Kind::InvalidQuery,
    };
    let reason = status.canonical_reason().unwrap_or("error");
    let mut p = Problem::new(kind, reason);
    p.status = status.as_u16();
    p
}
