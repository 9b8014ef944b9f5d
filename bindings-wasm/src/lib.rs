//! bangfu in the browser: the `bangfu-wasm` ES module.
//!
//! One class, `RuleSet`, loaded from in-memory rule files
//! (`RuleSet.fromFiles`) or from a bundle written at build time
//! (`RuleSet.fromBundle`, see [`bundle`]). It lists the programs and their
//! input schemas, evaluates a case as of a date and explains the answer in
//! Chinese or English. Everything that decides lives in core (`bangfu`);
//! this crate moves values across the boundary and nothing else:
//!
//! - JSON crosses as JSON text (`JSON.stringify` / `JSON.parse`), so money
//!   stays an exact decimal string both ways and never becomes a JS number;
//! - every export returns `Result<_, JsValue>`, and the error is always a JS
//!   `Error` named `BangfuError` with `code`, `loc` and `errors` (see
//!   [`failure`]); nothing on these paths can panic (the workspace denies
//!   `unwrap`, `expect` and `panic`), since a panic in WASM kills the module.
//!
//! The calls themselves live in [`calls`] as plain Rust and are tested on the
//! host; the methods below are one-line adapters.

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

/** The rule bundle written by the build (`bangfu-rules.json`). */
export interface RuleBundle { format: "bangfu-rules/1"; ruleset: string; files: RuleFiles }

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
}

/** The input schema of a program, for generating a form. */
export interface ProgramSchema {
  program: string; label: Text; description: Text;
  entity: string; entity_label: Text; pays_amount: boolean;
  fields: Field[];
  collections: { name: string; entity: string; label: Text; min: number; max: number; fields: Field[] }[];
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
}

export interface Assumption { kind: "parameter" | "formula" | "reform"; name: string; note: string; text?: { zh: string; en: string } }

export interface ParameterUse {
  label: Text; value: string | boolean | null; unit: string | null;
  status: "published" | "derived" | "assumption";
  from: string; until: string | null; formula: string | null;
  source: { source: string | null; document: string; date: string | null; quote: string | null; note: string | null };
}

/** The outcome of an evaluation. */
export interface Outcome {
  ruleset: { id: string; version: string; hash: string };
  as_of: string;
  entity: string;
  programs: Record<string, ProgramOutcome>;
  parameters: Record<string, ParameterUse>;
  assumptions: Assumption[];
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
    bangfu::json::parse_strict(&text).map_err(|e| {
        let at = if e.loc.is_empty() {
            loc
        } else {
            e.loc.as_str()
        };
        Failure::at(e.code, at, format!("`{loc}`: {}", e.msg))
    })
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
    /// (relative to the rule set's root) to its TOML text.
    ///
    /// # Errors
    /// `rule_set_invalid` with every diagnostic; `wrong_type`.
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(
        #[wasm_bindgen(unchecked_param_type = "RuleFiles")] files: JsValue,
    ) -> Result<RuleSet, JsValue> {
        let load = || calls::load(bundle::files_of(&from_js(&files, "files")?, "files")?);
        load().map(|inner| RuleSet { inner }).map_err(throw)
    }

    /// Loads a rule set from a bundle (the object, or its JSON text).
    ///
    /// # Errors
    /// `invalid_bundle`, `invalid_json`, `rule_set_invalid`.
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(
        #[wasm_bindgen(unchecked_param_type = "RuleBundle | string")] bundle: JsValue,
    ) -> Result<RuleSet, JsValue> {
        let load = || calls::load(bundle::read(&from_js(&bundle, "bundle")?)?);
        load().map(|inner| RuleSet { inner }).map_err(throw)
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

    /// The input schema of a program, to generate a form from.
    ///
    /// # Errors
    /// `unknown_program`.
    #[wasm_bindgen(unchecked_return_type = "ProgramSchema")]
    pub fn schema(&self, program: &str) -> Result<JsValue, JsValue> {
        to_js(&calls::program_schema(&self.inner, program).map_err(throw)?)
    }

    /// Evaluates a case as of `date` (`YYYY-MM-DD`). `target` is a program
    /// (evaluated alone), an entity (every program of it in force), or
    /// `{entity, programs}`. With `lang` (`"zh"` or `"en"`), the outcome also
    /// carries its explanation as text under `explanation`.
    ///
    /// # Errors
    /// Input errors (all of them, in `errors`), `invalid_date`,
    /// `invalid_lang`, `unknown_program`, `wrong_entity`, `no_rules_in_force`.
    #[wasm_bindgen(unchecked_return_type = "Outcome")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CaseInput | string")] input: JsValue,
        date: &str,
        lang: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let run = || {
            let lang = lang_of(lang)?;
            let outcome = self.outcome(&target, &input, date)?;
            calls::outcome_text(&outcome, lang)
        };
        json_parse(&run().map_err(throw)?)
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
        date: &str,
        lang: Option<String>,
    ) -> Result<String, JsValue> {
        let run = || {
            let lang = lang_of(lang)?.unwrap_or(bangfu::Lang::Zh);
            Ok(self.outcome(&target, &input, date)?.explain(lang))
        };
        run().map_err(throw)
    }

    /// A reform: this rule set with parameters overridden, given as an
    /// object mapping parameter names to values written as text
    /// (`{dibao_standard: "1100"}`). Derived parameters follow.
    ///
    /// # Errors
    /// `rule_set_invalid` when a name is not a parameter or a value does not
    /// fit; `wrong_type`.
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
        date: &str,
    ) -> Result<bangfu::Outcome, Failure> {
        let target = match target.as_string() {
            Some(name) => calls::target_named(&self.inner, &name)?,
            None => calls::target_of(&from_js(target, "target")?)?,
        };
        calls::evaluate(
            &self.inner,
            &target,
            &from_js(input, "input")?,
            calls::date(date)?,
        )
    }
}
