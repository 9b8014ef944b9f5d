//! The rule-file format as data: what a TOML file may contain.
//!
//! Each rule file is a [`Fragment`]. Any file may hold any section; the
//! loader merges the fragments of a rule set and reports names defined twice.
//! Every item keeps its byte span ([`Spanned`]) so that diagnostics point at
//! the text. Money, rates and bounds are read as [`toml::Value`] and checked
//! later, so that a TOML float is reported rather than silently accepted.
//! The format is documented for rule authors in `rules/README.md`.

use crate::money::RoundingMode;
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// A name with its span, used as a map key.
pub type Name = Spanned<String>;
/// A map of named items in document order.
pub type Named<T> = IndexMap<Name, Spanned<T>>;

/// One rule file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Fragment {
    /// The rule set's identity; exactly one file declares it.
    pub ruleset: Option<Spanned<RulesetHeader>>,
    /// Documents cited by parameters and programs.
    #[serde(default)]
    pub sources: Named<SourceDecl>,
    /// Closed sets of choices (meal kinds, disability kinds).
    #[serde(default)]
    pub enums: Named<EnumDecl>,
    /// What rules apply to: persons, households, canteens.
    #[serde(default)]
    pub entities: Named<EntityDecl>,
    /// Figures with a dated history.
    #[serde(default)]
    pub parameters: Named<ParameterDecl>,
    /// Decision tables (bands of a key to an output).
    #[serde(default)]
    pub tables: Named<TableDecl>,
    /// Benefits and statuses.
    #[serde(default)]
    pub programs: Named<ProgramDecl>,
    /// How units read in each language: `"yuan/person/month" = { zh = "元/人/月", en = "yuan/person/month" }`.
    #[serde(default)]
    pub units: IndexMap<String, Text>,
    /// Worked examples checked by `bangfu check`.
    #[serde(default)]
    pub examples: Vec<Spanned<ExampleDecl>>,
}

/// Text in Chinese and English.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Chinese.
    pub zh: Option<String>,
    /// English.
    pub en: Option<String>,
}

/// A text shown to users beside a figure or a rule (a source's note, an
/// assumption's reason): `{ zh = "…", en = "…" }`. A bare string is read too,
/// so that the checker can say what to change (E0039).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Note {
    /// Chinese and English (the checker refuses one missing).
    Texts(Text),
    /// A bare string, in one language only.
    Plain(String),
}

/// `[ruleset]`: identity of the rule set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetHeader {
    /// Stable id, such as `cn-qingdao-chengyang`.
    pub id: String,
    /// Version of the rule set, such as `2024.1`.
    pub version: String,
    /// Name for people.
    pub label: Option<Text>,
    /// What the rule set covers.
    pub description: Option<Text>,
    /// The day its figures were last checked against the published sources;
    /// answers for dates more than a year later say so.
    pub reviewed: Option<Spanned<toml::Value>>,
}

/// `[sources.<id>]`: a cited document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDecl {
    /// Title of the document.
    pub title: String,
    /// Date of the document.
    pub date: Option<Spanned<toml::Value>>,
    /// Issuing body.
    pub publisher: Option<String>,
    /// Where it was found.
    pub url: Option<String>,
    /// Confidence, caveats.
    pub note: Option<String>,
}

/// A citation: a reference to `[sources]` or an inline document, and a quote
/// or a note.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// Id of a `[sources]` entry.
    #[serde(rename = "ref")]
    pub reference: Option<Spanned<String>>,
    /// Inline document title (when there is no `ref`).
    pub document: Option<String>,
    /// Inline document date.
    pub date: Option<Spanned<toml::Value>>,
    /// The words of the source.
    pub quote: Option<String>,
    /// Why the figure is what it is (required for assumptions), in Chinese
    /// and English.
    pub note: Option<Spanned<Note>>,
}

/// `[enums.<id>]`: a closed set of choices.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDecl {
    /// Name for people.
    pub label: Option<Text>,
    /// The choices, in display order.
    pub variants: Vec<Spanned<VariantDecl>>,
}

/// One choice of an enum.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDecl {
    /// Id used in inputs and expressions.
    pub id: String,
    /// Chinese label.
    pub zh: Option<String>,
    /// English label.
    pub en: Option<String>,
}

/// `[entities.<id>]`: a kind of thing rules apply to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityDecl {
    /// Name for people.
    pub label: Option<Text>,
    /// Facts supplied with each case.
    #[serde(default)]
    pub inputs: Named<InputDecl>,
    /// Values computed for every program on this entity (such as `age`).
    #[serde(default)]
    pub values: Named<ValueDecl>,
    /// Lists of other entities (a household's `members`).
    #[serde(default)]
    pub collections: Named<CollectionDecl>,
}

/// An input field of an entity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDecl {
    /// `money`, `number`, `integer`, `bool`, `date`, `enum` or `text`.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Unit of a number (`years`, `households`); money is always yuan.
    pub unit: Option<String>,
    /// The enum, for `type = "enum"`.
    #[serde(rename = "enum")]
    pub enumeration: Option<Spanned<String>>,
    /// Smallest allowed value (inclusive).
    pub min: Option<Spanned<toml::Value>>,
    /// Largest allowed value (inclusive).
    pub max: Option<Spanned<toml::Value>>,
    /// For dates: may not be after the evaluation date.
    #[serde(default)]
    pub not_after_as_of: bool,
    /// For birth dates: the largest age in years the date may imply.
    pub max_age: Option<Spanned<i64>>,
    /// For text: the longest accepted length in characters.
    pub max_length: Option<usize>,
    /// Value used when the input is absent; without it the input is required.
    pub default: Option<Spanned<toml::Value>>,
    /// Label for forms.
    pub label: Option<Text>,
    /// Help text for forms.
    pub help: Option<Text>,
    /// How whole numbers read in explanations, in Chinese and English
    /// (`{ value = 2, zh = "二级", en = " (grade 2)" }`).
    #[serde(default)]
    pub readings: Vec<Reading>,
    /// Whether the input is one a person could change and that is worth
    /// varying to see what would change the answer (income, assets).
    #[serde(default)]
    pub what_if: Option<Spanned<bool>>,
}

/// How one whole number of an input reads in explanations.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// The number.
    pub value: i64,
    /// Chinese (may be empty).
    pub zh: String,
    /// English (may be empty).
    pub en: String,
}

/// A collection of another entity (such as a household's members).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionDecl {
    /// The member entity.
    pub entity: Spanned<String>,
    /// Fewest members accepted.
    #[serde(default)]
    pub min: u32,
    /// Most members accepted.
    pub max: Option<u32>,
    /// Label for forms.
    pub label: Option<Text>,
}

/// A computed value: a formula, or formulas that change at dates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueDecl {
    /// The formula, in force whenever the value is.
    pub formula: Option<Spanned<String>>,
    /// Dated formulas, for values whose rule changes.
    #[serde(default)]
    pub versions: Vec<Spanned<FormulaVersion>>,
    /// Label for explanations.
    pub label: Option<Text>,
    /// Declared rounding, applied to the formula's result.
    pub rounding: Option<Spanned<RoundingDecl>>,
    /// When the formula itself is not in any source: the reason it was chosen.
    /// Every outcome that uses the value lists it among its assumptions.
    pub assumption: Option<Spanned<Note>>,
    /// A boolean formula: the assumption is listed only for cases where it
    /// holds (`month(birth_date) == 2 and day(birth_date) == 29`).
    pub assumption_when: Option<Spanned<String>>,
    /// How an amount reads with its period (`yuan/month`, `yuan/meal`,
    /// `yuan/once`): a key of `[units]`, shown after the amount.
    pub unit: Option<String>,
}

/// A formula in force between two dates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormulaVersion {
    /// First day in force.
    pub from: Spanned<toml::Value>,
    /// Last day in force (inclusive); open-ended when absent.
    pub until: Option<Spanned<toml::Value>>,
    /// The formula.
    pub formula: Spanned<String>,
}

/// Rounding declared on a value or amount.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundingDecl {
    /// `up`, `down`, `half_up` or `half_even`.
    pub mode: RoundingMode,
    /// Multiple to round to, as a string: `"0.01"`, `"1"`.
    pub unit: Spanned<toml::Value>,
}

/// `[parameters.<id>]`: a figure with a dated history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterDecl {
    /// `money`, `number`, `integer`, `bool` or `date`.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Unit, for display (`yuan/person/month`) and, for numbers, for checking.
    pub unit: Option<String>,
    /// Name for people.
    pub label: Option<Text>,
    /// What the figure is.
    pub description: Option<Text>,
    /// Smallest value (money and numbers; money defaults to 0).
    pub min: Option<Spanned<toml::Value>>,
    /// Largest value (money and numbers).
    pub max: Option<Spanned<toml::Value>>,
    /// Versions, each with dates, a value or formula, a status and a source.
    pub history: Vec<Spanned<ParamVersion>>,
}

/// One version of a parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamVersion {
    /// First day in force.
    pub from: Spanned<toml::Value>,
    /// Last day in force (inclusive); when absent, until the next version.
    pub until: Option<Spanned<toml::Value>>,
    /// The value (money and rates as strings).
    pub value: Option<Spanned<toml::Value>>,
    /// For derived versions: the formula over other parameters.
    pub formula: Option<Spanned<String>>,
    /// `published`, `derived` or `assumption`.
    pub status: Spanned<String>,
    /// Whether the first day (`from`) is stated by the source (`published`,
    /// the default) or inferred (`assumption`), apart from the value.
    pub date_status: Option<Spanned<String>>,
    /// Where the figure comes from.
    pub source: Option<Spanned<Citation>>,
}

/// `[tables.<id>]`: bands of a key mapped to an output.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDecl {
    /// Name for people.
    pub label: Option<Text>,
    /// The key's type: `number`, `integer` or `money`.
    pub key: Spanned<String>,
    /// The key's unit (for numbers).
    pub key_unit: Option<String>,
    /// `unique` (rows may not overlap) or `first` (first matching row wins).
    pub hit: Spanned<String>,
    /// Output expression when no row matches.
    pub default: Option<Spanned<String>>,
    /// The rows.
    pub rows: Vec<Spanned<RowDecl>>,
    /// The document the table comes from.
    pub source: Option<Spanned<Citation>>,
}

/// One band of a table. Bounds follow the Civil Code: `at_least` (以上) and
/// `at_most` (以下) include the number, `above` (超过) and `below` (不满,
/// 低于) exclude it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowDecl {
    /// Lower bound, inclusive.
    pub at_least: Option<Spanned<toml::Value>>,
    /// Lower bound, exclusive.
    pub above: Option<Spanned<toml::Value>>,
    /// Upper bound, inclusive.
    pub at_most: Option<Spanned<toml::Value>>,
    /// Upper bound, exclusive.
    pub below: Option<Spanned<toml::Value>>,
    /// Output expression.
    pub output: Spanned<String>,
    /// How the band reads to people.
    pub label: Option<Text>,
    /// The document the row comes from, when it is not the table's.
    pub source: Option<Spanned<Citation>>,
}

/// `[programs.<id>]`: a benefit or status on one entity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramDecl {
    /// The entity it applies to.
    pub entity: Spanned<String>,
    /// Name for people.
    pub label: Option<Text>,
    /// What the program is.
    pub description: Option<Text>,
    /// Legal basis.
    pub source: Option<Spanned<Citation>>,
    /// Intermediate values.
    #[serde(default)]
    pub values: Named<ValueDecl>,
    /// Eligibility conditions; all must hold.
    #[serde(default)]
    pub conditions: Vec<Spanned<ConditionDecl>>,
    /// The benefit amount (absent for a status).
    pub amount: Option<Spanned<ValueDecl>>,
    /// Monthly settlement of per-record claims.
    pub settlement: Option<Spanned<SettlementDecl>>,
    /// A part paid per member of a collection: member-level conditions and
    /// amount; the program's amount adds up the members' amounts.
    pub per_member: Option<Spanned<PerMemberDecl>>,
}

/// The part of a program paid per member (`[programs.P.per_member]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerMemberDecl {
    /// The collection (`members`).
    pub collection: Spanned<String>,
    /// Name for people of each member's part.
    pub label: Option<Text>,
    /// Member-level values.
    #[serde(default)]
    pub values: Named<ValueDecl>,
    /// Member-level conditions (beside the program's own, which apply to
    /// every member).
    #[serde(default)]
    pub conditions: Vec<Spanned<ConditionDecl>>,
    /// Each member's amount.
    pub amount: Option<Spanned<ValueDecl>>,
}

/// One eligibility condition.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionDecl {
    /// Stable id.
    pub id: Spanned<String>,
    /// Boolean expression.
    pub test: Spanned<String>,
    /// Code given to a rejected record when the test fails (default: the id).
    pub reject: Option<String>,
    /// Name for people.
    pub label: Option<Text>,
    /// Explanation when the test holds, with `{name}` placeholders: one
    /// sentence, or sentences chosen by their `when`.
    pub pass: Option<Spanned<Sentences>>,
    /// Explanation when it fails.
    pub fail: Option<Spanned<Sentences>>,
    /// When the test itself is not in any source: the reason it was chosen.
    pub assumption: Option<Spanned<Note>>,
    /// A boolean formula: the assumption is listed only for cases where it
    /// holds.
    pub assumption_when: Option<Spanned<String>>,
}

/// A condition's explanation: one sentence `{ zh, en }`, or a list of
/// sentences `[{ when = "…", zh, en }, …, { zh, en }]` of which the first
/// whose `when` holds is shown (the last, without `when`, otherwise).
#[derive(Debug)]
pub enum Sentences {
    /// One sentence for every case.
    One(Text),
    /// Sentences chosen by the case.
    Cases(Vec<Spanned<Sentence>>),
}

// Read by the kind of TOML value (a table or an array) rather than by
// trying each variant, so that the spans inside survive.
impl<'de> Deserialize<'de> for Sentences {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Sentences;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`{ zh = \"…\", en = \"…\" }` or a list of such with `when`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Sentences, A::Error> {
                Text::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Sentences::One)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Sentences, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Sentences::Cases)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// One of a condition's sentences.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sentence {
    /// A boolean formula: the sentence is shown when it holds (the first
    /// such of the list). The last sentence has none.
    pub when: Option<Spanned<String>>,
    /// Chinese.
    pub zh: Option<String>,
    /// English.
    pub en: Option<String>,
}

/// How records of a per-record program are settled for a month.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementDecl {
    /// Record column holding the date each record is decided on.
    pub date: Spanned<String>,
    /// Record column identifying the person, for per-person totals.
    pub person: Spanned<String>,
    /// Columns that together identify a record; repeats are duplicates.
    pub unique: Vec<Spanned<String>>,
    /// Inputs that describe the person rather than the record (a birth
    /// date): every record of one person must give the same value.
    #[serde(default)]
    pub person_inputs: Vec<Spanned<String>>,
}

/// A worked example: input, date and expected outputs.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExampleDecl {
    /// Stable id.
    pub id: String,
    /// What it shows.
    pub description: Option<String>,
    /// The published figures it reproduces, in the words its parameters quote.
    #[serde(default)]
    pub reproduces: Vec<String>,
    /// The entity of the input.
    pub entity: String,
    /// Evaluation date.
    pub as_of: Spanned<toml::Value>,
    /// Parameter overrides applied before evaluating.
    pub reform: Option<toml::Table>,
    /// The case.
    pub input: toml::Table,
    /// Expected outputs: `program.eligible`, `program.amount`,
    /// `program.<value>`, `program.conditions.<id>`.
    #[serde(default)]
    pub expect: IndexMap<String, toml::Value>,
    /// Expected input or evaluation error.
    pub expect_error: Option<ExpectError>,
}

/// An expected error of a worked example.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExpectError {
    /// Error code.
    pub code: String,
    /// Field path, when the error is about one field.
    pub loc: Option<String>,
}
