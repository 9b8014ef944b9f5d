//! The errors bangfu reports: a rule set that does not load, invalid input,
//! a case that cannot be evaluated.

use crate::diagnostic::{Diagnostic, DiagnosticRecord};
use crate::reform::ReformError;
use crate::run::input::InputError;
use crate::run::runner::EvalError;
use crate::syntax::Sources;
use std::fmt;

/// Any error bangfu reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rule set does not load.
    #[error("the rule set does not load:\n{0}")]
    Load(Box<LoadError>),
    /// The case's input is invalid.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Input(Vec<InputError>),
    /// A reform does not fit the rule set: every problem, each with its place.
    #[error("invalid reform: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Reform(Vec<ReformError>),
    /// What was asked does not say which case or program is meant.
    #[error("{0}")]
    Case(String),
    /// The case cannot be evaluated.
    #[error(transparent)]
    Eval(#[from] EvalError),
}

impl Error {
    /// Stable snake-case code of the error (the first, for input errors).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Load(_) => "rule_set_invalid",
            Error::Input(errors) => errors.first().map_or("invalid_input", |e| e.code),
            Error::Eval(e) => e.code(),
            Error::Reform(_) => ReformError::CODE,
            Error::Case(_) => "ambiguous_case",
        }
    }
}

/// The diagnostics of a rule set that failed to load, with the sources they
/// point into.
#[derive(Debug, Clone)]
pub struct LoadError {
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The files that were read, for rendering.
    pub sources: Sources,
}

impl LoadError {
    /// Renders every diagnostic as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&d.render(&self.sources));
            out.push('\n');
        }
        out.push_str(&format!(
            "{} problem{} found\n",
            self.diagnostics.len(),
            if self.diagnostics.len() == 1 { "" } else { "s" }
        ));
        out
    }

    /// Every diagnostic as data.
    pub fn records(&self) -> Vec<DiagnosticRecord> {
        self.diagnostics
            .iter()
            .map(|d| d.to_record(&self.sources))
            .collect()
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for LoadError {}
