//! bangfu in the browser: the `bangfu-wasm` ES module.
//!
//! One class, `RuleSet`, loaded from a precompiled bundle
//! (`RuleSet.fromBundle`, written by `bangfu bundle`, see [`bundle`]) or, in
//! the authoring module only (feature `authoring`), from in-memory rule
//! files (`RuleSet.fromFiles`, checked in the browser) and with parameters
//! overridden (`withOverrides`). The lean runtime citizens' pages load is
//! built without `authoring`: no TOML parser, no checker. It lists the programs and their
//! input schemas, checks one field of a form as typed (`checkField`, with
//! core's own checks and messages), evaluates a case as of a date and
//! explains the answer in Chinese or English. Everything that decides lives
//! in core (`bangfu`); this crate moves values across the boundary and
//! nothing else:
//!
//! - JSON crosses as JSON text (`JSON.stringify` / `JSON.parse`), so money
//!   stays an exact decimal string both ways and never becomes a JS number;
//! - arguments cross as `JsValue` and their JS types are checked here
//!   (`wrong_type` at the argument), since wasm-bindgen's own string
//!   conversion would throw a plain `TypeError` for a number or `null`;
//! - every export returns `Result<_, JsValue>`, and the error is always a JS
//!   `Error` named `BangfuError` with `code`, `loc` and `errors` (see
//!   [`failure`]); nothing on these paths can panic (the workspace denies
//!   `unwrap`, `expect` and `panic`), since a panic in WASM kills the module.
//!
//! The calls themselves live in [`calls`] as plain Rust and are tested on the
//! host; the methods below only check and convert their arguments.

#[cfg(feature = "authoring")]
pub mod authoring;
pub mod bundle;
pub mod calls;
pub mod failure;

use failure::Failure;
use serde_json::Value as Json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Text in Chinese and English. */
export interface Text { zh: string; en: string }

/** A rule set's files: path relative to the rule set's root → TOML text. */
export type RuleFiles = Record<string, string>;


/** A diagnostic of the checker, located (authoring module). */
export interface Located {
  code: string; name: string; severity: "error" | "warning"; message: string;
  /** What the code means. */
  summary: Text;
  file: string | null; line: number | null; column: number | null;
  /** `file:line:col` */
  loc: string; source_line: string | null; help: string | null;
}

/** What `RuleSet.checkFiles` found. */
export interface CheckReport { loads: boolean; errors: number; warnings: number; diagnostics: Located[] }

/** One worked example run (authoring module). */
export interface ExampleRun {
  id: string; file: string; passed: boolean;
  checks: { key: string; expected: string; got: string | null; passed: boolean }[];
  failures: string[];
}

/** Eligibility and amount of one program, without the explanation. */
export interface Decision { program: string; eligible: boolean; amount: string | null }

/** A program of the rule set. */
export interface ProgramInfo { program: string; entity: string; label: Text; pays_amount: boolean }

/** One input field. Money, numbers, min and max are decimal strings. */
export interface Field {
  name: string;
  type: "money" | "integer" | "number" | "bool" | "date" | "enum";
  unit: string | null;
  required: boolean;
  default: string | boolean | null;
  min: string | null;
  max: string | null;
  not_after_as_of: boolean;
  max_age: number | null;
  choices: { id: string; label: Text }[] | null;
  label: Text;
  help: Text;
  /** False for a field the input check demands but the program does not read. */
  used: boolean;
  /** Whether a number must be whole. */
  integer: boolean;
  /** How the unit reads ("元" / "yuan" for money), or null. */
  unit_label: Text | null;
  /**
   * The message a form shows for each problem the field can have, by input
   * error code ("missing", "invalid_money", "too_small", "date_after_as_of", …),
   * with the field's limits filled in (the evaluation date is filled in by `checkField`).
   */
  messages: Record<string, Text>;
}

/** The input schema of a program, for generating a form. */
export interface ProgramSchema {
  program: string; label: Text; description: Text;
  entity: string; entity_label: Text; pays_amount: boolean;
  fields: Field[];
  collections: {
    name: string; entity: string; label: Text; min: number; max: number; fields: Field[];
    /** The message a form shows for each problem the collection can have, by input error code. */
    messages: Record<string, Text>;
  }[];
  /** The evaluation date, described as a field (a required date). */
  as_of: Field;
  /** How the unit of the amount reads ("元" / "yuan" for money); null when the program pays none. */
  amount_unit_label: Text | null;
}

/** A problem with one field's value, as `checkField` reports it. */
export interface FieldProblem {
  /** The input error code evaluation gives for the same value: "missing", "invalid_money", "too_small", … */
  code: string;
  /** What to enter instead, in the language asked for. */
  message: string;
}

/** What to evaluate: a program name (that program alone), an entity name (every program of it in force), or both explicitly. */
export type Target = string | { entity: string; programs?: string[] };

/** A case's input: field name → value (money as a decimal string such as "1045.50"). */
export type CaseInput = Record<string, unknown>;

export interface ConditionOutcome {
  id: string; passed: boolean; reject: string | null;
  label: Text; explanation: Text; compared: Record<string, string | boolean | null>;
}

export interface ProgramOutcome {
  label: Text; eligible: boolean;
  /** Exact decimal string, e.g. "735.00"; null when the program pays no amount. */
  amount: string | null;
  values: Record<string, string | boolean | null>;
  conditions: ConditionOutcome[];
  parameters: string[];
  assumptions: Assumption[];
  /** How the amount reads with its period ("元/月"); null when not declared. */
  amount_unit: Text | null;
  /** How the amount is made up, from its formula and the case's values. */
  computation: Text | null;
  /** The rows of decision tables that applied, with their sources (present when one did). */
  table_rows?: { value: string; table: string; table_label: Text; row: Text; source: ParameterUse["source"] | null }[];
}

/** One member's results of member programs, as the core gives them. */
export interface MemberOutcome {
  collection: string; index: number; label: Text;
  programs: Record<string, ProgramOutcome>;
}

export interface Assumption { kind: "parameter" | "formula" | "reform"; name: string; note: string; note_text: Text; label: Text }

export interface ParameterUse {
  label: Text; value: string | boolean | null; unit: string | null;
  status: "published" | "derived" | "assumption";
  from: string; until: string | null; formula: string | null;
  source: { source: string | null; document: string; date: string | null; quote: string | null; note: string | null; note_text: Text | null };
  /** A derived value's formula in words, with the values it was computed from. */
  formula_words: Text | null;
  /** Whether the version's first day is stated by the source or assumed. */
  date_status: "published" | "assumption";
}

/** The outcome of an evaluation. */
export interface Outcome {
  ruleset: { id: string; version: string; hash: string };
  as_of: string;
  entity: string;
  programs: Record<string, ProgramOutcome>;
  /** Each member's results (present when member programs were evaluated). */
  members?: MemberOutcome[];
  parameters: Record<string, ParameterUse>;
  assumptions: Assumption[];
  /** A notice when the date is more than a year after the figures were last reviewed. */
  staleness: Text | null;
  /** Programs of the entity not in force on the date, with the day each starts. */
  not_in_force: { program: string; label: Text; from: string | null; explanation: Text }[];
  /** The explanation as text, when a language was asked for. */
  explanation?: string;
}

/**
 * Every error thrown by this module is an `Error` named "BangfuError" with:
 * `code` (stable, snake_case: "invalid_money", "missing", "unknown_program",
 * "rule_set_invalid", …), `loc` (the path of the first problem, such as
 * "members[1].birth_date", or the argument at fault: "program", "date",
 * "lang") and `errors` (every problem: {code, loc, msg, input}, or for a rule
 * set that does not load, diagnostics {code: "E0xxx", name, loc: "file:line:col",
 * msg, file, line, column, source_line, help}).
 */
export interface BangfuError extends Error { code: string; loc: string; errors: Record<string, unknown>[] }
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = assign)]
    fn object_assign(target: &JsValue, source: &JsValue) -> JsValue;
}

/// Moves a failure across the boundary as a JS `Error` named `BangfuError`
/// with `code`, `loc` and `errors`.
fn throw(f: Failure) -> JsValue {
    let error: JsValue = JsError::new(&f.message).into();
    let mut details = f.details();
    if let Json::Object(map) = &mut details {
        map.insert("name".into(), Json::String("BangfuError".into()));
    }
    if let Ok(details) = to_js(&details) {
        object_assign(&error, &details);
    }
    error
}

/// JSON to a JS value, through JSON text.
fn to_js(json: &Json) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(json).map_err(|e| JsValue::from(JsError::new(&e.to_string())))?;
    json_parse(&text)
}

/// A JS value (or JSON text) to JSON. Numbers keep their exact text.
fn from_js(value: &JsValue, loc: &str) -> Result<Json, Failure> {
    let from_object = value.as_string().is_none();
    let text = match value.as_string() {
        Some(text) => text,
        None => json_stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                Failure::at(
                    "wrong_type",
                    loc,
                    format!("`{loc}` must be an object (or JSON text)"),
                )
            })?,
    };
    // Strict: a key given twice in JSON text is refused, not read last-wins.
    // `JSON.stringify` of an object cannot repeat a key.
    let parsed = if from_object {
        bangfu::json::parse_serialized(&text)
    } else {
        bangfu::json::parse_strict(&text)
    };
    let json = parsed.map_err(|e| {
        let at = if e.loc.is_empty() {
            loc
        } else {
            e.loc.as_str()
        };
        Failure::at(e.code, at, format!("`{loc}`: {}", e.msg))
    })?;
    if from_object {
        let prefix = if loc == "input" { "" } else { loc };
        exact_numbers(&json, prefix)?;
    }
    Ok(json)
}

/// Refuses a number of a JS object that a JavaScript number cannot hold
/// exactly (beyond ±(2^53 − 1)): JavaScript has already rounded it before
/// bangfu sees it, so the answer would be for another value. Text
/// (`"9007199254740993"`) keeps every digit and is accepted.
///
/// # Errors
/// `unsafe_number` at the number's place.
fn exact_numbers(json: &Json, loc: &str) -> Result<(), Failure> {
    match first_unsafe_number(json) {
        None => Ok(()),
        Some((path, text)) => {
            // The place, as `members[1].monthly_income` (after `loc`).
            let mut at = loc.to_string();
            for step in path.iter().rev() {
                match step {
                    Step::Key(k) if at.is_empty() => at.push_str(k),
                    Step::Key(k) => {
                        at.push('.');
                        at.push_str(k);
                    }
                    Step::Index(i) => at.push_str(&format!("[{i}]")),
                }
            }
            Err(Failure::at(
                "unsafe_number",
                &at,
                format!(
                    "`{at}`: {text} is beyond what a JavaScript number holds exactly \
                     (2^53 − 1); pass it as text, e.g. \"{text}\""
                ),
            ))
        }
    }
}

/// One step of a path into JSON.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The first number of `json` (in document order) beyond 2^53 − 1, with
/// its path (innermost step first) and its text; no path is formed unless
/// one is found.
fn first_unsafe_number(json: &Json) -> Option<(Vec<Step<'_>>, &str)> {
    match json {
        Json::Number(n) => {
            let text = n.as_str();
            beyond_safe_integer(text).then(|| (Vec::new(), text))
        }
        Json::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            first_unsafe_number(v).map(|(mut path, text)| {
                path.push(Step::Index(i));
                (path, text)
            })
        }),
        Json::Object(map) => map.iter().find_map(|(k, v)| {
            first_unsafe_number(v).map(|(mut path, text)| {
                path.push(Step::Key(k));
                (path, text)
            })
        }),
        _ => None,
    }
}

/// Whether JSON number text (`-12.5`, `1e+21`, `2.5E-7`) is larger in
/// magnitude than 2^53 − 1, read from its digits (no number is formed, so
/// no exponent is too large to read).
fn beyond_safe_integer(text: &str) -> bool {
    let text = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, "0"),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The exponent, saturated: a number's digits are far fewer than 10^9.
    let (negative, exp_digits) = match exponent.as_bytes().first() {
        Some(b'-') => (true, &exponent[1..]),
        Some(b'+') => (false, &exponent[1..]),
        _ => (false, exponent),
    };
    let magnitude = exp_digits.bytes().fold(0i64, |acc, b| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(b.wrapping_sub(b'0')))
            .min(1_000_000_000)
    });
    let exp = if negative { -magnitude } else { magnitude };
    // The digits, and where the decimal point falls among them.
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let point = i64::try_from(whole.len())
        .unwrap_or(i64::MAX)
        .saturating_add(exp);
    let skip = digits.iter().take_while(|&&d| d == b'0').count();
    let significant = &digits[skip..];
    let point = point.saturating_sub(i64::try_from(skip).unwrap_or(0));
    if significant.is_empty() || point <= 0 {
        return false;
    }
    // Digits of the whole part: the significant ones before the point,
    // then zeros up to it.
    const MAX: &[u8] = b"9007199254740991";
    let max_len = i64::try_from(MAX.len()).unwrap_or(16);
    if point != max_len {
        return point > max_len;
    }
    let whole_part = |i: usize| significant.get(i).copied().unwrap_or(b'0');
    for (i, &m) in MAX.iter().enumerate() {
        match whole_part(i).cmp(&m) {
            std::cmp::Ordering::Greater => return true,
            std::cmp::Ordering::Less => return false,
            std::cmp::Ordering::Equal => {}
        }
    }
    // Equal whole part: beyond only with a fraction after it.
    significant.iter().skip(MAX.len()).any(|&d| d != b'0')
}

/// A string argument, or `None` for `null` or `undefined`.
///
/// # Errors
/// `wrong_type` at `loc` for a value of another type.
fn optional_text(value: &JsValue, loc: &str) -> Result<Option<String>, Failure> {
    match value.as_string() {
        Some(text) => Ok(Some(text)),
        None if value.is_null_or_undefined() => Ok(None),
        None => Err(Failure::at(
            "wrong_type",
            loc,
            format!("`{loc}` must be a string or null"),
        )),
    }
}

/// A string argument that must be given.
///
/// # Errors
/// `wrong_type` at `loc` for a value of another type.
fn text(value: &JsValue, loc: &str) -> Result<String, Failure> {
    value
        .as_string()
        .ok_or_else(|| Failure::at("wrong_type", loc, format!("`{loc}` must be a string")))
}

/// The evaluation date and the optional language of a call.
///
/// # Errors
/// `wrong_type`, `invalid_date`, `invalid_lang`.
fn date_and_lang(
    date: &JsValue,
    lang: &JsValue,
) -> Result<(bangfu::Date, Option<bangfu::Lang>), Failure> {
    let date = calls::date(&text(date, "date")?)?;
    Ok((date, lang_of(optional_text(lang, "lang")?)?))
}

fn lang_of(lang: Option<String>) -> Result<Option<bangfu::Lang>, Failure> {
    lang.as_deref().map(calls::lang).transpose()
}

/// A loaded, checked rule set.
#[wasm_bindgen]
pub struct RuleSet {
    inner: bangfu::RuleSet,
}

#[wasm_bindgen]
impl RuleSet {
    /// Loads a rule set from its files: an object mapping each path
    /// (relative to the rule set's root) to its TOML text. Authoring
    /// module only.
    ///
    /// # Errors
    /// `rule_set_invalid` with every diagnostic; `wrong_type`.
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(
        #[wasm_bindgen(unchecked_param_type = "RuleFiles")] files: JsValue,
    ) -> Result<RuleSet, JsValue> {
        let load = || calls::load(bundle::files_of(&from_js(&files, "files")?, "files")?);
        load().map(|inner| RuleSet { inner }).map_err(throw)
    }

    /// Checks rule files without keeping the rule set: every error (or,
    /// when the rule set loads, every warning) located at its file, line
    /// and column, with what its code means in Chinese and English.
    /// Authoring module only.
    ///
    /// # Errors
    /// `wrong_type` when `files` is not an object of texts.
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = checkFiles, unchecked_return_type = "CheckReport")]
    pub fn check_files(
        #[wasm_bindgen(unchecked_param_type = "RuleFiles")] files: JsValue,
    ) -> Result<JsValue, JsValue> {
        let run = || bundle::files_of(&from_js(&files, "files")?, "files");
        to_js(&authoring::check_files(run().map_err(throw)?))
    }

    /// Runs the rule set's worked examples (a rule set loaded from its
    /// files): each with whether it passed, every expected output against
    /// what the case gave, and what went wrong otherwise. Authoring module
    /// only.
    ///
    /// # Errors
    /// None in practice; the conversion to JS is fallible in principle.
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = runExamples, unchecked_return_type = "ExampleRun[]")]
    pub fn run_examples(&self) -> Result<JsValue, JsValue> {
        to_js(&authoring::run_examples(&self.inner))
    }

    /// Loads a precompiled rule bundle (`bangfu bundle`), its bytes as a
    /// `Uint8Array`: magic, format version, checksum and content hash are
    /// checked; nothing is parsed or compiled.
    ///
    /// # Errors
    /// `bundle_not_a_bundle`, `bundle_version`, `bundle_length`,
    /// `bundle_checksum`, `bundle_hash`, `bundle_corrupt`, each with its
    /// message in Chinese and English in `errors[0].message`.
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(bundle: &[u8]) -> Result<RuleSet, JsValue> {
        bundle::read(bundle)
            .map(|inner| RuleSet { inner })
            .map_err(throw)
    }

    /// The rule set's id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The rule set's version (with `+reform` after overrides).
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version().to_string()
    }

    /// SHA-256 of the rule files (and overrides), `sha256:…`.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> String {
        self.inner.hash().to_string()
    }

    /// Every program: name, entity, label, whether it pays an amount.
    ///
    /// # Errors
    /// None in practice; the conversion to JS is fallible in principle.
    #[wasm_bindgen(unchecked_return_type = "ProgramInfo[]")]
    pub fn programs(&self) -> Result<JsValue, JsValue> {
        to_js(&calls::programs(&self.inner))
    }

    /// The input schema of a program, to generate a form from: each field
    /// with its rules, labels, unit and the message a form shows for each
    /// problem it can have, in Chinese and English.
    ///
    /// # Errors
    /// `unknown_program`; `wrong_type` when `program` is not a string.
    #[wasm_bindgen(unchecked_return_type = "ProgramSchema")]
    pub fn schema(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] program: JsValue,
    ) -> Result<JsValue, JsValue> {
        let run = || calls::program_schema(&self.inner, &text(&program, "program")?);
        to_js(&run().map_err(throw)?)
    }

    /// Checks one field of a program's form as typed (`raw`, the text in
    /// the field; `"true"`/`"false"` for a yes/no field; `""` when left
    /// empty) with the same checks evaluation makes: `null` when it is
    /// acceptable, else `{code, message}` with the message a form shows, in
    /// `lang` (`"zh"` by default). `collection` names the members'
    /// collection the field belongs to, or is `null`; with no collection,
    /// `"as_of"` is the evaluation date itself. `date` (`YYYY-MM-DD`, or
    /// `null` when not known) is the evaluation date the field is checked
    /// against.
    ///
    /// # Errors
    /// `wrong_type` when an argument is not a string (or null where
    /// allowed); `unknown_program`, `unknown_field`, `invalid_date`,
    /// `invalid_lang`.
    #[wasm_bindgen(js_name = checkField, unchecked_return_type = "FieldProblem | null")]
    pub fn check_field(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] program: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | null")] collection: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] field: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] raw: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] date: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] lang: JsValue,
    ) -> Result<JsValue, JsValue> {
        let run = || {
            let program = text(&program, "program")?;
            let collection = optional_text(&collection, "collection")?;
            let field = text(&field, "field")?;
            let raw = text(&raw, "raw")?;
            let date = optional_text(&date, "date")?;
            let lang = lang_of(optional_text(&lang, "lang")?)?;
            calls::check_field(
                &self.inner,
                &program,
                collection.as_deref(),
                &field,
                &raw,
                date.as_deref().map(calls::date).transpose()?,
                lang.unwrap_or(bangfu::Lang::Zh),
            )
        };
        to_js(&run().map_err(throw)?)
    }

    /// Evaluates a case as of `date` (`YYYY-MM-DD`). `target` is a program
    /// (evaluated alone), an entity (every program of it in force), or
    /// `{entity, programs}`. With `lang` (`"zh"` or `"en"`), the outcome also
    /// carries its explanation as text under `explanation`.
    ///
    /// # Errors
    /// Input errors (all of them, in `errors`), `wrong_type` (an argument of
    /// another JS type), `invalid_date`, `invalid_lang`, `unknown_program`,
    /// `wrong_entity`, `no_rules_in_force`.
    #[wasm_bindgen(unchecked_return_type = "Outcome")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CaseInput | string")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] date: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] lang: JsValue,
    ) -> Result<JsValue, JsValue> {
        let run = || {
            let (date, lang) = date_and_lang(&date, &lang)?;
            let outcome = self.outcome(&target, &input, date)?;
            calls::outcome_text(&outcome, lang)
        };
        json_parse(&run().map_err(throw)?)
    }

    /// Decides a case as `evaluate` does, without the explanation:
    /// `[{program, eligible, amount}]` (amount a decimal string, or null
    /// when the program pays none) — the form's instant answer, several
    /// times cheaper than the full outcome.
    ///
    /// # Errors
    /// As `evaluate`.
    #[wasm_bindgen(unchecked_return_type = "Decision[]")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CaseInput | string")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] date: JsValue,
    ) -> Result<JsValue, JsValue> {
        let run = || {
            let date = calls::date(&text(&date, "date")?)?;
            let target = self.target(&target)?;
            calls::decide(&self.inner, &target, &from_js(&input, "input")?, date)
        };
        to_js(&run().map_err(throw)?)
    }

    /// Evaluates a case as `evaluate` does and explains the answer for
    /// people, in `lang` (`"zh"` by default).
    ///
    /// # Errors
    /// As `evaluate`.
    pub fn explain(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CaseInput | string")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] date: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] lang: JsValue,
    ) -> Result<String, JsValue> {
        let run = || {
            let (date, lang) = date_and_lang(&date, &lang)?;
            let outcome = self.outcome(&target, &input, date)?;
            Ok(outcome.explain(lang.unwrap_or(bangfu::Lang::Zh)))
        };
        run().map_err(throw)
    }

    /// What would change each program's answer, searched value by value
    /// along every input the rule set marks `what_if` (household income,
    /// assets) with the batch engine: an array of findings, one per program
    /// and input, each with `finding`, `threshold`, `eligible` and
    /// `sentence` (`{zh, en}`). Empty when no input is marked.
    ///
    /// # Errors
    /// As `evaluate`.
    #[wasm_bindgen(js_name = whatWouldChange)]
    pub fn what_would_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CaseInput | string")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] date: JsValue,
    ) -> Result<JsValue, JsValue> {
        let run = || {
            let date = calls::date(&text(&date, "date")?)?;
            let target = match target.as_string() {
                Some(name) => calls::target_named(&self.inner, &name)?,
                None => calls::target_of(&from_js(&target, "target")?)?,
            };
            calls::what_would_change(&self.inner, &target, &from_js(&input, "input")?, date)
        };
        to_js(&run().map_err(throw)?)
    }

    /// A reform: this rule set with parameters overridden, given as an
    /// object mapping parameter names to values written as text
    /// (`{dibao_standard: "1100"}`). Derived parameters follow.
    ///
    /// # Errors
    /// `rule_set_invalid` when a name is not a parameter or a value does not
    /// fit; `wrong_type`.
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = withOverrides)]
    pub fn with_overrides(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] overrides: JsValue,
    ) -> Result<RuleSet, JsValue> {
        let run = || calls::with_overrides(&self.inner, &from_js(&overrides, "overrides")?);
        run().map(|inner| RuleSet { inner }).map_err(throw)
    }
}

impl RuleSet {
    fn outcome(
        &self,
        target: &JsValue,
        input: &JsValue,
        date: bangfu::Date,
    ) -> Result<bangfu::Outcome, Failure> {
        let target = self.target(target)?;
        calls::evaluate(&self.inner, &target, &from_js(input, "input")?, date)
    }

    fn target(&self, target: &JsValue) -> Result<calls::Target, Failure> {
        match target.as_string() {
            Some(name) => calls::target_named(&self.inner, &name),
            None => calls::target_of(&from_js(target, "target")?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::beyond_safe_integer;

    #[test]
    fn safe_integers_are_read_from_the_digits() {
        for within in [
            "0",
            "-0",
            "9007199254740991",
            "-9007199254740991",
            "9007199254740991.0",
            "900719925474099.1e1",
            "1045.50",
            "1e15",
            "2.5E-7",
            "1e-999999999999",
            "0.000e30",
            "0009007199254740991",
        ] {
            assert!(!beyond_safe_integer(within), "{within}");
        }
        for beyond in [
            "9007199254740992",
            "-9007199254740993",
            "9007199254740991.5",
            "1e16",
            "1e+21",
            "-1e300",
            "1e999999999999",
            "90071992547409911e-1",
            "1152921504606846976",
        ] {
            assert!(beyond_safe_integer(beyond), "{beyond}");
        }
    }
}
