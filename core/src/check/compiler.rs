//! The checker's state, shared by every pass: what is declared so far, the
//! plans being built, and the diagnostics.

use super::Diags;
use crate::date::Date;
use crate::money::RoundingMode;
use crate::plan::*;
use crate::value::Type;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::ops::Range;

/// Where an unqualified name in an entity's scope points.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    Input(usize),
    Computed(usize),
    Collection(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Todo,
    InProgress,
    Done,
    Failed,
}

pub(crate) struct SrcVersion {
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub text: String,
    pub offset: usize,
    pub span: Range<usize>,
}

pub(crate) struct ComputedSrc {
    pub file: usize,
    pub span: Range<usize>,
    pub versions: Vec<SrcVersion>,
    pub rounding: Option<(RoundingMode, Decimal)>,
}

pub(crate) struct Compiler<'d, 's> {
    pub diags: &'d mut Diags<'s>,
    pub enums: Vec<EnumPlan>,
    pub enum_index: HashMap<String, usize>,
    pub params: Vec<ParamPlan>,
    pub param_index: HashMap<String, usize>,
    pub tables: Vec<TablePlan>,
    pub table_index: HashMap<String, usize>,
    pub table_types: Vec<Option<Type>>,
    pub table_key_types: Vec<Option<Type>>,
    pub table_deps: Vec<Vec<usize>>,
    pub entities: Vec<EntityPlan>,
    pub entity_index: HashMap<String, usize>,
    pub entity_names: Vec<HashMap<String, Target>>,
    pub programs: Vec<ProgramPlan>,
    pub program_index: HashMap<String, usize>,
    pub program_values: Vec<HashMap<String, usize>>,
    /// Programs whose entity is unknown: their formulas are not checked.
    pub program_broken: Vec<bool>,
    pub computeds: Vec<Computed>,
    pub computed_state: Vec<State>,
    pub computed_src: Vec<ComputedSrc>,
    pub deps: Vec<Deps>,
    pub chain_depth: usize,
    /// Programs with a per-member part: program → (part, collection index,
    /// whether the members' sum is added to the program's own amount).
    pub parts: HashMap<usize, (usize, usize, bool)>,
    /// Computed values in the order their compilation finished: one
    /// dependency order over every entity.
    pub order: Vec<usize>,
}

/// Whether a value of type `got` may be stored where `want` is declared.
pub(crate) fn types_fit(got: &Type, want: &Type) -> bool {
    match (got, want) {
        (Type::Number(None), Type::Number(_)) => true,
        (Type::Number(a), Type::Number(b)) => a == b || b.is_none(),
        _ => got == want,
    }
}

/// What names an expression may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Parameters and literals only (derived parameters, table outputs).
    Params,
    /// An entity's inputs and values, and a program's values.
    Entity {
        entity: usize,
        program: Option<usize>,
    },
}

/// What an expression reads.
#[derive(Debug, Default, Clone)]
pub(crate) struct Deps {
    pub params: Vec<usize>,
    pub computeds: Vec<usize>,
    pub inputs: Vec<usize>,
    pub member_inputs: Vec<(usize, usize)>,
    pub member_computeds: Vec<usize>,
    pub owner_inputs: Vec<usize>,
    pub owner_computeds: Vec<usize>,
}
