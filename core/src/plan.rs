//! The compiled plan: a checked rule set with every name resolved.
//!
//! Names become indices: parameters into [`Segment::params`], inputs and
//! computed values into an entity's frame of slots. Time is cut into
//! [`Segment`]s, the intervals between consecutive effective dates; within
//! one segment every parameter has one value and every computed value one
//! formula. Evaluating a case looks up its segment once and then runs
//! [`Node`] trees over the frame, with no string look-ups.

use crate::date::Date;
use crate::money::RoundingMode;
use crate::value::{Type, Value};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Text in Chinese and English, resolved (missing languages are reported at
/// load time and filled with the other language). Shared, so that outcomes
/// copy a pointer rather than the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text {
    /// Chinese.
    pub zh: Arc<str>,
    /// English.
    pub en: Arc<str>,
}

/// A language for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses `zh` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// The status of a parameter version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Stated by the cited source.
    Published,
    /// Computed from other parameters by a formula.
    Derived,
    /// Not stated by any source; chosen so the rules can run, with a reason.
    Assumption,
}

impl Status {
    /// The status as written in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Derived => "derived",
            Status::Assumption => "assumption",
        }
    }

    /// The status for people: 已公布 / published, 推算 / derived, 假设 / assumption.
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Zh, Status::Published) => "已公布",
            (Lang::Zh, Status::Derived) => "推算",
            (Lang::Zh, Status::Assumption) => "假设",
            (Lang::En, s) => s.name(),
        }
    }
}

/// A resolved citation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Citation {
    /// Id of the `[sources]` entry, if referenced.
    pub source_id: Option<Arc<str>>,
    /// Document title.
    pub document: Arc<str>,
    /// Document date.
    pub date: Option<Date>,
    /// Words quoted from the source.
    pub quote: Option<Arc<str>>,
    /// Note (reason for an assumption, confidence), in Chinese and English.
    pub note: Option<Text>,
}

/// The rule set's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Stable id.
    pub id: Arc<str>,
    /// Version.
    pub version: Arc<str>,
    /// Name.
    pub label: Text,
    /// Content hash of the files (`sha256:…`), combined with the reform's
    /// when there is one.
    pub hash: Arc<str>,
    /// Content hash of the reform applied, if any.
    pub reform: Option<Arc<str>>,
    /// The day the figures were last reviewed (`reviewed` in `[ruleset]`).
    pub reviewed: Option<Date>,
}

/// An enum.
#[derive(Debug, Clone)]
pub struct EnumPlan {
    /// Name.
    pub name: String,
    /// Label.
    pub label: Text,
    /// Variants: id and label.
    pub variants: Vec<(String, Text)>,
}

/// A parameter with its history.
#[derive(Debug, Clone)]
pub struct ParamPlan {
    /// Name.
    pub name: Arc<str>,
    /// Type.
    pub ty: Type,
    /// Unit for display.
    pub unit: Option<Arc<str>>,
    /// Label.
    pub label: Text,
    /// Versions in date order.
    pub versions: Vec<ParamVersion>,
    /// Parameters that derived versions read.
    pub deps: Vec<usize>,
    /// Whether a number must be whole (`integer` parameters).
    pub integer: bool,
    /// Smallest value allowed (money: 0 unless the rule file says less).
    pub min: Option<Value>,
    /// Largest value allowed.
    pub max: Option<Value>,
}

impl ParamPlan {
    /// What is wrong with `value` as a value of this parameter: a fraction
    /// of a fen for money, or a value outside the declared range.
    pub fn misfit(&self, value: Value) -> Option<String> {
        let Value::Num(d) = value else {
            return None;
        };
        if self.ty == Type::Money && d.normalize().scale() > 2 {
            return Some(format!(
                "{d} has a fraction of a fen; money has at most two decimals"
            ));
        }
        if let Some(Value::Num(m)) = self.min {
            if d < m {
                return Some(format!(
                    "{d} is below the smallest value of `{}`, {m}",
                    self.name
                ));
            }
        }
        if let Some(Value::Num(m)) = self.max {
            if d > m {
                return Some(format!(
                    "{d} is above the largest value of `{}`, {m}",
                    self.name
                ));
            }
        }
        None
    }
}

/// One version of a parameter.
#[derive(Debug, Clone)]
pub struct ParamVersion {
    /// First day in force.
    pub from: Date,
    /// Last day in force, if bounded.
    pub until: Option<Date>,
    /// A fixed value, or a formula over other parameters.
    pub rule: ParamRule,
    /// Status.
    pub status: Status,
    /// Whether the first day is inferred rather than stated by the source
    /// (`date_status = "assumption"`), whatever the value's status.
    pub from_assumed: bool,
    /// Source.
    pub citation: Citation,
}

/// How a parameter version gets its value.
#[derive(Debug, Clone)]
pub enum ParamRule {
    /// A fixed value.
    Fixed(Value),
    /// A formula, with its text for display.
    Derived(Node, Arc<str>),
}

/// A decision table.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// Name.
    pub name: String,
    /// Label.
    pub label: Text,
    /// Rows in file order (hit policy `first` uses this order).
    pub rows: Vec<RowPlan>,
    /// Output when no row matches.
    pub default: Option<Node>,
    /// The document the table comes from.
    pub citation: Option<Citation>,
}

/// One band: `lo ≤/< key ≤/< hi`.
#[derive(Debug, Clone)]
pub struct RowPlan {
    /// Lower bound and whether it is included.
    pub lo: Option<(Decimal, bool)>,
    /// Upper bound and whether it is included.
    pub hi: Option<(Decimal, bool)>,
    /// Output expression (parameters and literals only).
    pub output: Node,
    /// How the band reads.
    pub label: Text,
    /// The document the row comes from (its own, else the table's).
    pub citation: Option<Citation>,
}

impl RowPlan {
    /// Whether `key` falls in the band.
    pub fn contains(&self, key: Decimal) -> bool {
        within(key, self.lo, self.hi)
    }
}

/// Whether `key` lies between the bounds (each with whether it is
/// included; none: unbounded).
pub fn within<T: Ord>(key: T, lo: Option<(T, bool)>, hi: Option<(T, bool)>) -> bool {
    let lo_ok = match lo {
        None => true,
        Some((b, true)) => key >= b,
        Some((b, false)) => key > b,
    };
    let hi_ok = match hi {
        None => true,
        Some((b, true)) => key <= b,
        Some((b, false)) => key < b,
    };
    lo_ok && hi_ok
}

/// An input of an entity, with its validation rules.
#[derive(Debug, Clone)]
pub struct InputPlan {
    /// Field name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Whether a number must be whole.
    pub integer: bool,
    /// Unit for display.
    pub unit: Option<String>,
    /// Smallest value (inclusive).
    pub min: Option<Value>,
    /// Largest value (inclusive).
    pub max: Option<Value>,
    /// Dates: not after the evaluation date.
    pub not_after_as_of: bool,
    /// Birth dates: largest implied age.
    pub max_age: Option<i32>,
    /// Default when absent.
    pub default: Option<Value>,
    /// How whole numbers read in explanations (`readings`).
    pub readings: Vec<(i64, Text)>,
    /// Label.
    pub label: Text,
    /// Help.
    pub help: Text,
    /// Worth varying to see what would change the answer (`what_if`).
    pub what_if: bool,
}

/// A collection of member entities.
#[derive(Debug, Clone)]
pub struct CollectionPlan {
    /// Field name (`members`).
    pub name: String,
    /// Member entity index.
    pub entity: usize,
    /// Fewest members.
    pub min: u32,
    /// Most members.
    pub max: u32,
    /// Label.
    pub label: Text,
}

/// An entity: its inputs, collections and frame layout.
#[derive(Debug, Clone)]
pub struct EntityPlan {
    /// Name.
    pub name: String,
    /// Label.
    pub label: Text,
    /// Inputs, occupying slots `0..inputs.len()`.
    pub inputs: Vec<InputPlan>,
    /// Collections.
    pub collections: Vec<CollectionPlan>,
    /// Number of slots in a frame.
    pub n_slots: usize,
    /// Entity-level values (computed for members too), in dependency order.
    pub value_order: Vec<usize>,
    /// Every computed value of the entity, in dependency order.
    pub order: Vec<usize>,
}

/// What a computed value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputedKind {
    /// An entity-level value.
    EntityValue,
    /// A program's intermediate value.
    ProgramValue,
    /// A program's condition.
    Condition,
    /// A program's eligibility (all conditions).
    Eligible,
    /// A program's amount.
    Amount,
    /// A boolean read only by explanations: which sentence of a condition
    /// is shown, whether an assumption applies to the case. Evaluations
    /// leave it out; the outcome computes it.
    Note,
}

/// A value computed by formula into a frame slot.
#[derive(Debug, Clone)]
pub struct Computed {
    /// Name (`per_capita_income`; `eligible`; a condition id).
    pub name: Arc<str>,
    /// Entity index.
    pub entity: usize,
    /// Program index, for program values.
    pub program: Option<usize>,
    /// Slot in the entity's frame.
    pub slot: usize,
    /// Kind.
    pub kind: ComputedKind,
    /// Type of the result.
    pub ty: Type,
    /// Label.
    pub label: Text,
    /// Formulas with their dates (one undated version is `from = None`).
    pub versions: Vec<FormulaPlan>,
    /// Parameters read, directly or through tables.
    pub param_deps: Vec<usize>,
    /// Computed values read from the same frame.
    pub computed_deps: Vec<usize>,
    /// Inputs read, directly or through other values (slots).
    pub input_deps: Vec<usize>,
    /// Member inputs read: (collection, member input slot).
    pub member_input_deps: Vec<(usize, usize)>,
    /// Computed values of members read (entity values and member programs'
    /// results, inside aggregations).
    pub member_computed_deps: Vec<usize>,
    /// Inputs of the owner read by a member's formula (`household.x`):
    /// slots of the owner's frame.
    pub owner_input_deps: Vec<usize>,
    /// Computed values of the owner read by a member's formula
    /// (`household.dibao.eligible`).
    pub owner_computed_deps: Vec<usize>,
    /// Note when the formula itself is an assumption.
    pub assumption: Option<Text>,
    /// The computed boolean (of kind [`ComputedKind::Note`], same frame)
    /// that says whether the assumption applies to the case; none: always.
    pub assumption_when: Option<usize>,
    /// The rounding the rules declare for the result (mode and unit).
    pub rounding: Option<(RoundingMode, Decimal)>,
}

impl Computed {
    /// A computed value with no formula and no dependencies yet (the
    /// checker fills them in), in slot 0 until slots are laid out.
    pub fn new(
        name: Arc<str>,
        entity: usize,
        program: Option<usize>,
        kind: ComputedKind,
        ty: Type,
        label: Text,
    ) -> Self {
        Computed {
            name,
            entity,
            program,
            slot: 0,
            kind,
            ty,
            label,
            versions: Vec::new(),
            param_deps: Vec::new(),
            computed_deps: Vec::new(),
            input_deps: Vec::new(),
            member_input_deps: Vec::new(),
            member_computed_deps: Vec::new(),
            owner_input_deps: Vec::new(),
            owner_computed_deps: Vec::new(),
            assumption: None,
            assumption_when: None,
            rounding: None,
        }
    }
}

/// A formula in force between dates.
#[derive(Debug, Clone)]
pub struct FormulaPlan {
    /// First day (none: always).
    pub from: Option<Date>,
    /// Last day (none: open-ended).
    pub until: Option<Date>,
    /// The compiled formula.
    pub node: Node,
    /// The formula as written.
    pub text: String,
}

/// A name a template or condition refers to, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// The name as written.
    pub name: Arc<str>,
    /// Its label.
    pub label: Text,
    /// Where its value is.
    pub target: RefTarget,
    /// Its type.
    pub ty: Type,
    /// How whole numbers of an input read in explanations.
    pub readings: Vec<(i64, Text)>,
}

/// Where a referenced value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget {
    /// A parameter.
    Param(usize),
    /// A slot of the case's frame.
    Slot(usize),
    /// A slot of the owner's frame, for a member (`household.x`).
    Owner(usize),
    /// The evaluation date.
    AsOf,
}

/// A part of an explanation template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Lit(String),
    /// A value, formatted for people.
    Ref(Ref),
}

/// A condition of a program.
#[derive(Debug, Clone)]
pub struct ConditionPlan {
    /// Id.
    pub id: Arc<str>,
    /// The computed boolean.
    pub computed: usize,
    /// Rejection code.
    pub reject: Arc<str>,
    /// Label.
    pub label: Text,
    /// Explanation when it holds: zh, en.
    pub pass: [Arc<[TemplatePart]>; 2],
    /// Explanation when it fails: zh, en.
    pub fail: [Arc<[TemplatePart]>; 2],
    /// Sentences shown instead of `pass` when their computed boolean (of
    /// kind [`ComputedKind::Note`]) holds: the first that holds.
    pub pass_cases: Vec<(usize, [Arc<[TemplatePart]>; 2])>,
    /// The same for `fail`.
    pub fail_cases: Vec<(usize, [Arc<[TemplatePart]>; 2])>,
    /// Names the test compares, for the trace.
    pub refs: Vec<Ref>,
}

/// How a program's records are settled.
#[derive(Debug, Clone)]
pub struct SettlementPlan {
    /// Date column.
    pub date: String,
    /// Person column.
    pub person: String,
    /// Uniqueness columns.
    pub unique: Vec<String>,
    /// Inputs every record of one person must agree on.
    pub person_inputs: Vec<String>,
}

/// A program.
#[derive(Debug, Clone)]
pub struct ProgramPlan {
    /// Id.
    pub name: Arc<str>,
    /// Entity index.
    pub entity: usize,
    /// Label.
    pub label: Text,
    /// Description.
    pub description: Text,
    /// Legal basis.
    pub citation: Option<Citation>,
    /// Intermediate values.
    pub values: Vec<usize>,
    /// Conditions.
    pub conditions: Vec<ConditionPlan>,
    /// Eligibility.
    pub eligible: usize,
    /// Amount, if the program pays one.
    pub amount: Option<usize>,
    /// How the amount reads with its period (a key of `[units]`).
    pub amount_unit: Option<Arc<str>>,
    /// Every computed value the program needs, in dependency order.
    pub needed: Vec<usize>,
    /// Inputs the program reads (slot indices), for form generation.
    pub inputs: Vec<usize>,
    /// Collections the program reads, with the member inputs read.
    pub member_inputs: Vec<(usize, Vec<usize>)>,
    /// Settlement, for per-record programs.
    pub settlement: Option<SettlementPlan>,
    /// The part paid per member: the collection, and the program (of the
    /// members' entity, with the same name) holding each member's
    /// conditions and amount.
    pub per_member: Option<(usize, usize)>,
    /// For the per-member part of a program: that program.
    pub part_of: Option<usize>,
}

/// Why a program is not in force in a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotInForce {
    /// A parameter has no version in force.
    Parameter(String),
    /// A value has no formula in force.
    Formula(String),
}

/// An interval of time in which every rule has one version.
#[derive(Debug, Clone)]
pub struct Segment {
    /// First day.
    pub start: Date,
    /// Parameter values (`Missing` when not in force).
    pub params: Vec<Value>,
    /// Index of the version of each parameter in force.
    pub param_version: Vec<Option<u32>>,
    /// Index of the formula version of each computed value in force.
    pub choice: Vec<Option<u32>>,
    /// Per computed value: whether it is in force.
    pub computed_in_force: Vec<bool>,
    /// Per program: in force, or why not.
    pub program_status: Vec<Result<(), NotInForce>>,
    /// Per program: parameters it reads (directly, through tables or derived
    /// parameters), sorted.
    pub program_params: Vec<Vec<usize>>,
    /// Position in [`Plan::segments`].
    pub index: usize,
}

/// A part of a date, read by `year(d)`, `month(d)` and `day(d)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// The year.
    Year,
    /// The month, 1 to 12.
    Month,
    /// The day of the month, 1 to 31.
    Day,
}

impl DatePart {
    /// The part of `d`.
    pub fn of(self, d: crate::date::Date) -> i64 {
        let (y, m, day) = d.ymd();
        match self {
            DatePart::Year => i64::from(y),
            DatePart::Month => i64::from(m),
            DatePart::Day => i64::from(day),
        }
    }

    /// The function's name in formulas.
    pub fn name(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Month => "month",
            DatePart::Day => "day",
        }
    }
}

/// Built-in aggregations over a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    /// Sum of the body.
    Sum,
    /// Number of members (where the body holds).
    Count,
    /// Whether the body holds for any member.
    Any,
    /// Whether it holds for all.
    All,
    /// Smallest value of the body.
    Min,
    /// Largest value of the body.
    Max,
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// +
    Add,
    /// -
    Sub,
    /// *
    Mul,
    /// /
    Div,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// <
    Lt,
    /// <=
    Le,
    /// >
    Gt,
    /// >=
    Ge,
    /// ==
    Eq,
    /// !=
    Ne,
}

impl Cmp {
    /// Whether two values whose ordering is `ord` satisfy the comparison.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        match self {
            Cmp::Lt => ord.is_lt(),
            Cmp::Le => ord.is_le(),
            Cmp::Gt => ord.is_gt(),
            Cmp::Ge => ord.is_ge(),
            Cmp::Eq => ord.is_eq(),
            Cmp::Ne => ord.is_ne(),
        }
    }
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum Node {
    /// A constant.
    Const(Value),
    /// A parameter of the current segment.
    Param(usize),
    /// A slot of the case's frame.
    Slot(usize),
    /// A slot of the current member's frame (inside an aggregation).
    MemberSlot(usize),
    /// A slot of the owner's frame, read by a member's formula
    /// (`household.registered_locally`, `household.dibao.eligible`).
    OwnerSlot(usize),
    /// The evaluation date.
    AsOf,
    /// Negation.
    Neg(Box<Node>),
    /// Logical not.
    Not(Box<Node>),
    /// Arithmetic.
    Arith(Arith, Box<Node>, Box<Node>),
    /// Comparison.
    Cmp(Cmp, Box<Node>, Box<Node>),
    /// Short-circuit and.
    And(Box<Node>, Box<Node>),
    /// Short-circuit or.
    Or(Box<Node>, Box<Node>),
    /// Conditional.
    If(Box<Node>, Box<Node>, Box<Node>),
    /// Membership.
    In(Box<Node>, Vec<Node>),
    /// Smallest argument.
    Min(Vec<Node>),
    /// Largest argument.
    Max(Vec<Node>),
    /// Rounding to a unit.
    Round(RoundingMode, Decimal, Box<Node>),
    /// Completed years from a birth date to the evaluation date.
    Age(Box<Node>),
    /// The year, month or day of a date.
    DatePart(DatePart, Box<Node>),
    /// Aggregation over a collection of the case.
    Agg(AggKind, usize, Option<Box<Node>>),
    /// Table look-up.
    Table(usize, Box<Node>),
    /// All of these slots are true (a program's eligibility).
    AllSlots(Vec<usize>),
    /// The formula if the eligibility slot holds, else zero.
    IfEligible(usize, Box<Node>),
}

/// A checked, compiled rule set.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Identity.
    pub header: Header,
    /// Enums.
    pub enums: Vec<EnumPlan>,
    /// Parameters.
    pub params: Vec<ParamPlan>,
    /// Tables.
    pub tables: Vec<TablePlan>,
    /// Entities.
    pub entities: Vec<EntityPlan>,
    /// Computed values of all entities.
    pub computeds: Vec<Computed>,
    /// Programs.
    pub programs: Vec<ProgramPlan>,
    /// Time segments, by start date.
    pub segments: Vec<Segment>,
    /// Every computed value of every entity in one dependency order: a
    /// value comes after everything it reads, on its own entity, its
    /// members or its owner.
    pub order: Vec<usize>,
    /// How units read in each language.
    pub units: Vec<(String, Text)>,
}

impl Plan {
    /// The segment in force on `day`, if any rules are.
    pub fn segment_at(&self, day: Date) -> Option<&Segment> {
        let i = self.segments.partition_point(|s| s.start <= day);
        i.checked_sub(1).and_then(|i| self.segments.get(i))
    }

    /// Index of the program named `name`.
    pub fn program_index(&self, name: &str) -> Option<usize> {
        self.programs.iter().position(|p| &*p.name == name)
    }

    /// The entity owning members of `entity` (through a collection), with
    /// the collection's index, if any.
    pub fn owner_of(&self, entity: usize) -> Option<(usize, usize)> {
        self.entities.iter().enumerate().find_map(|(e, ent)| {
            ent.collections
                .iter()
                .position(|c| c.entity == entity)
                .map(|c| (e, c))
        })
    }

    /// Index of the entity named `name`.
    pub fn entity_index(&self, name: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.name == name)
    }

    /// How `unit` reads in both languages (the unit itself when the rule
    /// set does not label it).
    pub fn unit_text(&self, unit: &Arc<str>) -> Text {
        self.units.iter().find(|(u, _)| **u == **unit).map_or_else(
            || Text {
                zh: unit.clone(),
                en: unit.clone(),
            },
            |(_, t)| t.clone(),
        )
    }

    /// How `unit` reads in `lang` (the unit itself when the rule set does
    /// not label it).
    pub fn unit_label<'a>(&'a self, unit: &'a str, lang: Lang) -> &'a str {
        self.units
            .iter()
            .find(|(u, _)| u == unit)
            .map_or(unit, |(_, t)| t.get(lang))
    }

    /// Index of the parameter named `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| &*p.name == name)
    }
}
