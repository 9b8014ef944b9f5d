//! Errors as data, ready to become JS `Error` objects.
//!
//! Every exported function returns `Result<_, JsValue>`; the error side is
//! always built from a [`Failure`]: a stable snake-case `code`, a `message`
//! for people, a `loc` (the path of the first problem, `members[1].birth_date`,
//! or the argument at fault: `program`, `date`, `lang`) and `errors`, every
//! problem as `{code, loc, msg, input}` (input errors) or, for a rule set
//! that does not load, as a diagnostic `{code, name, loc, msg, file, line,
//! column, source_line, help}` whose `code` is the `E0xxx` code and `loc` is
//! `file:line:col`.
//! Nothing here can panic, so no error path can kill the module.

use bangfu::{Error, EvalError, InputError, LoadError};
use serde_json::{json, Value as Json};

/// An error on its way to JavaScript.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Stable snake-case code: an input error's code (`invalid_money`,
    /// `missing`, …), an evaluation error's (`unknown_program`,
    /// `no_rules_in_force`, …), `rule_set_invalid`, or one of the binding's
    /// own (`invalid_json`, `wrong_type`, `invalid_date`, `invalid_lang`,
    /// `invalid_bundle`).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// Where: the path of the first problem in the input, or the argument.
    pub loc: String,
    /// Every problem, as JSON objects.
    pub errors: Vec<Json>,
}

impl Failure {
    /// A failure with one problem at `loc`.
    pub fn at(code: &'static str, loc: &str, message: impl Into<String>) -> Failure {
        Failure::one(code, loc, message.into())
    }

    /// [`Failure::at`], compiled once rather than for each kind of message.
    fn one(code: &'static str, loc: &str, message: String) -> Failure {
        Failure {
            code,
            loc: loc.to_string(),
            errors: vec![json!({"code": code, "loc": loc, "msg": message})],
            message,
        }
    }

    /// The fields set on the JS `Error` beside its message, as JSON.
    pub fn details(&self) -> Json {
        json!({"code": self.code, "loc": self.loc, "errors": self.errors})
    }
}

fn input_error_json(e: &InputError) -> Json {
    json!({"code": e.code, "loc": e.loc, "msg": e.msg, "input": e.input})
}

impl From<Vec<InputError>> for Failure {
    fn from(errors: Vec<InputError>) -> Failure {
        let code = errors.first().map_or("invalid_input", |e| e.code);
        let loc = errors.first().map(|e| e.loc.clone()).unwrap_or_default();
        let message = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        Failure {
            code,
            message: format!("invalid input: {message}"),
            loc,
            errors: errors.iter().map(input_error_json).collect(),
        }
    }
}

impl From<EvalError> for Failure {
    fn from(e: EvalError) -> Failure {
        // The argument each kind of evaluation error points at.
        let loc = match &e {
            EvalError::NoRulesInForce { .. } => "date",
            EvalError::UnknownEntity { .. } => "entity",
            EvalError::UnknownProgram { .. }
            | EvalError::WrongEntity { .. }
            | EvalError::OwnerRequired { .. } => "program",
            _ => "",
        };
        Failure::at(e.code(), loc, e.to_string())
    }
}

impl From<Box<LoadError>> for Failure {
    fn from(e: Box<LoadError>) -> Failure {
        let errors: Vec<Json> = e
            .records()
            .into_iter()
            .map(|r| {
                let loc = match (&r.file, r.line, r.column) {
                    (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
                    (Some(f), _, _) => f.clone(),
                    _ => String::new(),
                };
                json!({"code": r.code, "name": r.name, "loc": loc, "msg": r.message,
                       "file": r.file, "line": r.line, "column": r.column,
                       "source_line": r.source_line, "help": r.help})
            })
            .collect();
        let loc = errors
            .first()
            .and_then(|r| r.get("loc"))
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        Failure {
            code: "rule_set_invalid",
            message: format!("the rule set does not load:\n{}", e.render()),
            loc,
            errors,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            Error::Input(errors) => Failure::from(errors),
            Error::Eval(e) => Failure::from(e),
            Error::Load(e) => Failure::from(e),
            Error::Reform(errors) => {
                let errors: Vec<InputError> = errors.iter().map(|e| e.to_input_error()).collect();
                Failure::from(errors)
            }
            other => Failure::at(other.code(), "", other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_keep_every_problem_and_the_first_loc() {
        let errors = vec![
            InputError {
                code: "invalid_money",
                loc: "members[0].monthly_income".into(),
                msg: "bad".into(),
                input: Some("8.001".into()),
            },
            InputError {
                code: "missing",
                loc: "financial_assets".into(),
                msg: "required".into(),
                input: None,
            },
        ];
        let f = Failure::from(errors);
        assert_eq!(f.code, "invalid_money");
        assert_eq!(f.loc, "members[0].monthly_income");
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.errors[1]["loc"], "financial_assets");
        assert_eq!(f.errors[0]["input"], "8.001");
    }

    #[test]
    fn evaluation_errors_point_at_the_argument() {
        let f = Failure::from(EvalError::UnknownProgram { name: "x".into() });
        assert_eq!((f.code, f.loc.as_str()), ("unknown_program", "program"));
        assert_eq!(f.details()["errors"][0]["code"], "unknown_program");
    }
}
