//! Diagnostics: every problem found in a rule set, with a stable code.
//!
//! A [`Diagnostic`] records a code, a message, a help line and a byte span in
//! one rule file. Codes `E…` are errors: the rule set does not load. Codes
//! `W…` are warnings: the rule set loads, and `bangfu check` shows them for a
//! reviewer to read ([`Code::severity`]). Line and column are computed only when a diagnostic is
//! rendered, against the [`Sources`](crate::Sources) it came from. Loading collects every
//! diagnostic it can rather than stopping at the first.

use serde::Serialize;
use std::fmt;
use std::ops::Range;

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $doc:literal;)*) => {
        /// The catalogue of diagnostic codes. Codes and names are stable:
        /// tools may match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code, such as `E0011`.
            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The stable kebab-case name, such as `type-mismatch`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// One sentence on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }

            /// Whether the code is an error (the rule set does not load) or
            /// a warning (it loads; a reviewer should read it): codes
            /// starting `W` are warnings.
            pub fn severity(self) -> Severity {
                if self.code().starts_with('W') {
                    Severity::Warning
                } else {
                    Severity::Error
                }
            }
        }
    };
}

codes! {
    TomlSyntax = "E0001", "toml-syntax", "The file is not valid TOML, or a key or value does not fit the rule-file format.";
    FileTooLarge = "E0002", "file-too-large", "A rule file, or the rule set as a whole, is larger than the loader accepts.";
    FloatLiteral = "E0003", "float-literal", "A number was written as a TOML float; write money and rates as strings (\"1045\", \"1.5\").";
    DuplicateDefinition = "E0004", "duplicate-definition", "The same name is defined twice.";
    MissingRuleset = "E0005", "missing-ruleset", "No file declares the `[ruleset]` header (id and version).";
    UnreadableFile = "E0006", "unreadable-file", "A rule file is not a regular file inside the rule folder (a pipe, a device, a link leading out of the folder), or cannot be read as UTF-8 text.";
    UnknownName = "E0010", "unknown-name", "An expression or template names something that is not defined.";
    TypeMismatch = "E0011", "type-mismatch", "An expression combines values of types that do not fit together.";
    UnitMismatch = "E0012", "unit-mismatch", "Two numbers with different units are combined or compared.";
    MoneyTimesMoney = "E0013", "money-times-money", "Money is multiplied by money, which has no meaning.";
    ExpressionSyntax = "E0014", "expression-syntax", "An expression cannot be parsed.";
    WrongArguments = "E0015", "wrong-arguments", "A function or table is called with the wrong number or kind of arguments.";
    PossibleDivisionByZero = "E0016", "possible-division-by-zero", "A divisor could be zero and is not guarded.";
    DependencyCycle = "E0017", "dependency-cycle", "Values or parameters depend on each other in a cycle.";
    ExpressionTooComplex = "E0018", "expression-too-complex", "An expression is longer or more deeply nested than the loader accepts.";
    TableOverlap = "E0020", "table-overlap", "Two rows of a table with hit policy `unique` match the same key.";
    TableGap = "E0021", "table-gap", "Keys between two rows of a table match no row.";
    TableNotExhaustive = "E0022", "table-not-exhaustive", "Some keys match no row and the table has no default.";
    InvalidBand = "E0023", "invalid-band", "A row's lower bound is above its upper bound, or a bound is written twice.";
    EffectiveDateOverlap = "E0030", "effective-date-overlap", "Two versions of a parameter or formula are in force on the same day.";
    InvalidDateRange = "E0031", "invalid-date-range", "A version ends before it starts.";
    MissingSource = "E0032", "missing-source", "A parameter version has no source: a document and a quote or a note.";
    InvalidStatus = "E0033", "invalid-status", "A status does not fit the version (derived needs a formula; published and assumption need a value; an assumption needs a note).";
    InvalidValue = "E0035", "invalid-value", "A value does not fit its declared type or range.";
    UnknownReference = "E0036", "unknown-reference", "A reference to an entity, enum, source, collection or program that does not exist.";
    MissingLabel = "E0038", "missing-label", "A label or explanation template lacks its Chinese or English text.";
    MissingTranslation = "E0039", "missing-translation", "A note or an assumption shown to users is not written in both Chinese and English (`{ zh = \"…\", en = \"…\" }`).";
    ShadowedRow = "W0024", "shadowed-row", "A row of a table with hit policy `first` matches keys that an earlier row already takes: for those keys it never applies.";
    NoWorkedExamples = "W0040", "no-worked-examples", "A rule set or a program has no worked example: nothing checks its figures against its sources.";
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The rule set does not load.
    Error,
    /// The rule set loads; a reviewer should read it.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

/// One problem in a rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem this is.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The rule file, relative to the rule set's root (`None` for the set as a whole).
    pub file: Option<String>,
    /// Byte range in the file.
    pub span: Option<Range<usize>>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a code and message and no location yet.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            file: None,
            span: None,
            help: None,
        }
    }

    /// Places the diagnostic at `span` in `file`.
    pub fn at(mut self, file: &str, span: Range<usize>) -> Self {
        self.file = Some(file.to_string());
        self.span = Some(span);
        self
    }

    /// Places the diagnostic in `file` without a span.
    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Line and column (1-based, column counted in characters) and the text
    /// of the line, computed against the rule set's sources; the caret's
    /// indent and width are counted in terminal columns (a Chinese
    /// character takes two).
    pub fn location(&self, sources: &dyn FileTexts) -> Option<Location> {
        let text = sources.text(self.file.as_deref()?)?;
        let start = self.span.as_ref().map_or(0, |s| s.start).min(text.len());
        let before = text.get(..start)?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before.get(line_start..)?.chars().count() + 1;
        let line_end = text
            .get(start..)?
            .find('\n')
            .map_or(text.len(), |i| start + i);
        let source_line = text
            .get(line_start..line_end)?
            .trim_end_matches('\r')
            .to_string();
        let end = self
            .span
            .as_ref()
            .map_or(start, |s| s.end)
            .clamp(start, line_end);
        let width = text.get(start..end).map_or(1, |s| display_width(s).max(1));
        let indent = before.get(line_start..).map_or(0, display_width);
        Some(Location {
            line,
            column,
            source_line,
            width,
            indent,
        })
    }

    /// Renders the diagnostic as text: code, message, `file:line:col`, the
    /// source line with a caret under the span, and the help line.
    pub fn render(&self, sources: &dyn FileTexts) -> String {
        let mut out = format!(
            "{}[{}]: {}\n",
            self.code.severity().name(),
            self.code,
            self.message
        );
        match (&self.file, self.location(sources)) {
            (Some(file), Some(loc)) if self.span.is_some() => {
                let gutter = loc.line.to_string().len();
                let pad = " ".repeat(gutter);
                out.push_str(&format!("{pad}--> {file}:{}:{}\n", loc.line, loc.column));
                out.push_str(&format!("{pad} |\n{} | {}\n", loc.line, loc.source_line));
                // Tabs are kept so that the terminal aligns the caret as it
                // aligns the line; every other character becomes as many
                // spaces as the columns it takes.
                let lead: String = loc
                    .source_line
                    .chars()
                    .take(loc.column - 1)
                    .map(|c| {
                        if c == '\t' {
                            "\t".to_string()
                        } else {
                            " ".repeat(char_width(c))
                        }
                    })
                    .collect();
                out.push_str(&format!("{pad} | {lead}{}\n", "^".repeat(loc.width)));
            }
            (Some(file), _) => out.push_str(&format!(" --> {file}\n")),
            _ => {}
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }

    /// The diagnostic as data, with its location resolved.
    pub fn to_record(&self, sources: &dyn FileTexts) -> DiagnosticRecord {
        let loc = self.location(sources);
        DiagnosticRecord {
            code: self.code.code(),
            name: self.code.name(),
            severity: self.code.severity().name(),
            message: self.message.clone(),
            file: self.file.clone(),
            line: loc.as_ref().filter(|_| self.span.is_some()).map(|l| l.line),
            column: loc
                .as_ref()
                .filter(|_| self.span.is_some())
                .map(|l| l.column),
            source_line: loc.filter(|_| self.span.is_some()).map(|l| l.source_line),
            help: self.help.clone(),
        }
    }
}

/// The texts of a rule set's files, by path: what a diagnostic is rendered
/// against ([`crate::Sources`] is one).
pub trait FileTexts {
    /// The text of the file at `path`, if there is one.
    fn text(&self, path: &str) -> Option<&str>;
}

/// A resolved position in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The text of the line.
    pub source_line: String,
    /// Width of the span on that line, in terminal columns (at least 1).
    pub width: usize,
    /// Terminal columns before the span on its line (a tab counts as one).
    pub indent: usize,
}

/// Terminal columns a character takes: two for Chinese characters and
/// other wide ones, none for combining marks, one for a tab or any other
/// control character (shown as one cell by the line above it).
fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(1)
}

/// Terminal columns a text takes.
fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// A diagnostic with its location resolved, for JSON output and bindings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DiagnosticRecord {
    /// Stable code, e.g. `E0011`.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `type-mismatch`.
    pub name: &'static str,
    /// `error` (the rule set does not load) or `warning`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: String,
    /// File relative to the rule set's root.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// The text of the line.
    pub source_line: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Code {
    /// What the code means, in the language asked for ([`Code::summary`]
    /// in English): rule authors' tools show it beside the diagnostic's
    /// own message.
    pub fn summary_in(self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::En => self.summary(),
            crate::Lang::Zh => self.summary_zh(),
        }
    }

    fn summary_zh(self) -> &'static str {
        match self {
            Code::TomlSyntax => "文件不是有效的 TOML，或某个键、值不符合规则文件的格式。",
            Code::FileTooLarge => "规则文件或整个规则集超过了读取的上限。",
            Code::FloatLiteral => "数字写成了 TOML 浮点数；金额和比率请写成字符串（\"1045\"、\"1.5\"）。",
            Code::DuplicateDefinition => "同一个名称定义了两次。",
            Code::MissingRuleset => "没有文件声明 `[ruleset]` 头（id 和 version）。",
            Code::UnreadableFile => "规则文件不是规则目录内的普通文件（管道、设备、指向目录外的链接），或不能按 UTF-8 文本读取。",
            Code::UnknownName => "表达式或模板引用了未定义的名称。",
            Code::TypeMismatch => "表达式组合了类型不相容的值。",
            Code::UnitMismatch => "两个单位不同的数被相加、相减或比较。",
            Code::MoneyTimesMoney => "金额乘以金额，没有意义。",
            Code::ExpressionSyntax => "表达式无法解析。",
            Code::WrongArguments => "函数或表调用的参数个数或种类不对。",
            Code::PossibleDivisionByZero => "除数可能为零，且没有防护。",
            Code::DependencyCycle => "数值或参数之间循环依赖。",
            Code::ExpressionTooComplex => "表达式的长度或嵌套深度超过了读取的上限。",
            Code::TableOverlap => "命中策略为 `unique` 的表中，两行匹配同一个键。",
            Code::TableGap => "表中两行之间的键没有任何一行匹配。",
            Code::TableNotExhaustive => "有些键没有任何一行匹配，且表没有默认值。",
            Code::InvalidBand => "某行的下限高于上限，或同一个界限写了两次。",
            Code::EffectiveDateOverlap => "参数或公式的两个版本在同一天生效。",
            Code::InvalidDateRange => "某个版本的结束日期早于开始日期。",
            Code::MissingSource => "参数版本没有来源：需要文件名称，以及原文引述或说明。",
            Code::InvalidStatus => "状态与版本不符（derived 需要公式；published 和 assumption 需要数值；assumption 需要说明）。",
            Code::InvalidValue => "数值不符合声明的类型或范围。",
            Code::UnknownReference => "引用了不存在的实体、枚举、来源、集合或项目。",
            Code::MissingLabel => "标签或解释模板缺少中文或英文。",
            Code::MissingTranslation => "向用户展示的说明或假设没有同时用中文和英文写出（`{ zh = \"…\", en = \"…\" }`）。",
            Code::ShadowedRow => "命中策略为 `first` 的表中，某行匹配的键已被前面的行取走：对这些键它永远不适用。",
            Code::NoWorkedExamples => "规则集或某个项目没有算例：没有任何东西按来源核对它的数字。",
            // A code added without its Chinese summary (the test below fails).
            #[allow(unreachable_patterns)]
            _ => self.summary(),
        }
    }
}

#[cfg(test)]
mod summary_tests {
    use super::Code;
    use crate::Lang;

    #[test]
    fn every_code_is_summarised_in_chinese_and_english() {
        for code in Code::ALL {
            let (zh, en) = (code.summary_in(Lang::Zh), code.summary_in(Lang::En));
            assert_eq!(en, code.summary());
            assert!(
                zh != en && zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{} has no Chinese summary",
                code.code()
            );
        }
    }
}
