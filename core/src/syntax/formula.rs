//! The expression language of formulas, conditions and table outputs.
//!
//! A small, total language: arithmetic, comparisons, `and`/`or`/`not`,
//! `if … then … else …`, `x in ["a", "b"]`, calls of built-in functions and
//! tables, and names (`dibao_standard`, `dibao.eligible`). There are no loops,
//! no recursion and no I/O, so every expression terminates. Numbers are exact
//! decimals; `60000 CNY` is money. Parsing is bounded in length and depth so
//! that untrusted text cannot exhaust the stack.

use rust_decimal::Decimal;
use std::ops::Range;

/// The longest expression accepted, in bytes.
pub const MAX_EXPR_BYTES: usize = 4096;
/// The deepest nesting accepted.
pub const MAX_DEPTH: usize = 48;

/// A parsed expression with its byte span in the formula text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Byte range in the formula text.
    pub span: Range<usize>,
}

/// The forms of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A plain number: `1.5`, `60`.
    Number(Decimal),
    /// An amount of money: `60000 CNY`.
    Money(Decimal),
    /// A string, used for enum variants: `"lunch"`.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// A name, possibly dotted: `dibao.eligible`.
    Name(Vec<String>),
    /// `-x` or `not x`.
    Unary(UnOp, Box<Expr>),
    /// `a + b`, `a < b`, `a and b`, …
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `f(a, b)`.
    Call(String, Range<usize>, Vec<Expr>),
    /// `x in [a, b]`.
    In(Box<Expr>, Vec<Expr>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// Arithmetic negation.
    Neg,
    /// Logical negation.
    Not,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `and`
    And,
    /// `or`
    Or,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

/// A syntax error with its span in the formula text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Range<usize>,
    /// Whether the expression was refused for its size or depth.
    pub too_complex: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Decimal),
    Ident(String),
    Str(String),
    Sym(&'static str),
    End,
}

fn lex(text: &str) -> Result<Vec<(Tok, Range<usize>)>, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |message: String, span: Range<usize>| ParseError {
        message,
        span,
        too_complex: false,
    };
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_')
            {
                i += 1;
            }
            let raw: String = text
                .get(start..i)
                .unwrap_or("")
                .chars()
                .filter(|&c| c != '_')
                .collect();
            let value = crate::money::parse_decimal(&raw)
                .ok_or_else(|| err(format!("`{raw}` is not a number"), start..i))?;
            out.push((Tok::Num(value), start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((
                Tok::Ident(text.get(start..i).unwrap_or("").to_string()),
                start..i,
            ));
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            if i >= bytes.len() {
                return Err(err("this string is not closed with `\"`".into(), start..i));
            }
            out.push((
                Tok::Str(text.get(start + 1..i).unwrap_or("").to_string()),
                start..i + 1,
            ));
            i += 1;
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let sym: &'static str = match two {
                "<=" => "<=",
                ">=" => ">=",
                "==" => "==",
                "!=" => "!=",
                _ => match c {
                    b'+' => "+",
                    b'-' => "-",
                    b'*' => "*",
                    b'/' => "/",
                    b'(' => "(",
                    b')' => ")",
                    b'[' => "[",
                    b']' => "]",
                    b',' => ",",
                    b'.' => ".",
                    b'<' => "<",
                    b'>' => ">",
                    b'=' => {
                        return Err(err("use `==` to compare".into(), i..i + 1));
                    }
                    _ => {
                        let ch = text.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                        return Err(err(
                            format!("unexpected character `{ch}`"),
                            i..i + ch.len_utf8(),
                        ));
                    }
                },
            };
            i += sym.len();
            out.push((Tok::Sym(sym), start..i));
        }
    }
    out.push((Tok::End, text.len()..text.len()));
    Ok(out)
}

/// Parses an expression.
///
/// # Errors
/// Returns the first syntax error, or a refusal when the text is longer than
/// [`MAX_EXPR_BYTES`] or nested deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    if text.len() > MAX_EXPR_BYTES {
        return Err(ParseError {
            message: format!(
                "expression is {} bytes long; at most {MAX_EXPR_BYTES} are accepted",
                text.len()
            ),
            span: 0..0,
            too_complex: true,
        });
    }
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.expr()?;
    match p.peek() {
        Tok::End => Ok(e),
        _ => Err(p.error("expected an operator or the end of the expression")),
    }
}

struct Parser {
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    depth: usize,
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "if", "then", "else", "true", "false", "in",
];

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::End, |t| &t.0)
    }
    fn span(&self) -> Range<usize> {
        self.toks.get(self.pos).map_or(0..0, |t| t.1.clone())
    }
    fn bump(&mut self) -> (Tok, Range<usize>) {
        let t = self.toks.get(self.pos).cloned().unwrap_or((Tok::End, 0..0));
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn error(&self, message: &str) -> ParseError {
        let found = match self.peek() {
            Tok::End => "the end".to_string(),
            Tok::Num(n) => format!("`{n}`"),
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Sym(s) => format!("`{s}`"),
        };
        ParseError {
            message: format!("{message}, found {found}"),
            span: self.span(),
            too_complex: false,
        }
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }
    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Tok::Sym(s) if *s == sym)
    }
    fn expect_sym(&mut self, sym: &str) -> Result<Range<usize>, ParseError> {
        if self.is_sym(sym) {
            Ok(self.bump().1)
        } else {
            Err(self.error(&format!("expected `{sym}`")))
        }
    }
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError {
                message: format!("expression is nested more than {MAX_DEPTH} levels deep"),
                span: self.span(),
                too_complex: true,
            });
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let e = if self.is_kw("if") {
            let start = self.bump().1.start;
            let c = self.expr()?;
            if !self.is_kw("then") {
                return Err(self.error("expected `then`"));
            }
            self.bump();
            let a = self.expr()?;
            if !self.is_kw("else") {
                return Err(self.error("expected `else` (every `if` needs one)"));
            }
            self.bump();
            let b = self.expr()?;
            let end = b.span.end;
            Expr {
                kind: ExprKind::If(Box::new(c), Box::new(a), Box::new(b)),
                span: start..end,
            }
        } else {
            self.or()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn binary_chain(
        &mut self,
        next: fn(&mut Parser) -> Result<Expr, ParseError>,
        ops: &[(&str, BinOp, bool)],
    ) -> Result<Expr, ParseError> {
        let mut left = next(self)?;
        'outer: loop {
            for &(word, op, is_kw) in ops {
                let hit = if is_kw {
                    self.is_kw(word)
                } else {
                    self.is_sym(word)
                };
                if hit {
                    self.bump();
                    self.enter()?;
                    let right = next(self)?;
                    self.depth -= 1;
                    let span = left.span.start..right.span.end;
                    left = Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span,
                    };
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        self.binary_chain(Parser::and, &[("or", BinOp::Or, true)])
    }
    fn and(&mut self) -> Result<Expr, ParseError> {
        self.binary_chain(Parser::not, &[("and", BinOp::And, true)])
    }
    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.is_kw("not") {
            let start = self.bump().1.start;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            let span = start..inner.span.end;
            return Ok(Expr {
                kind: ExprKind::Unary(UnOp::Not, Box::new(inner)),
                span,
            });
        }
        self.comparison()
    }
    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Tok::Sym("<") => BinOp::Lt,
            Tok::Sym("<=") => BinOp::Le,
            Tok::Sym(">") => BinOp::Gt,
            Tok::Sym(">=") => BinOp::Ge,
            Tok::Sym("==") => BinOp::Eq,
            Tok::Sym("!=") => BinOp::Ne,
            Tok::Ident(s) if s == "in" => {
                self.bump();
                self.expect_sym("[")?;
                let mut items = Vec::new();
                while !self.is_sym("]") {
                    items.push(self.expr()?);
                    if !self.is_sym("]") {
                        self.expect_sym(",")?;
                    }
                }
                let end = self.expect_sym("]")?.end;
                let span = left.span.start..end;
                return Ok(Expr {
                    kind: ExprKind::In(Box::new(left), items),
                    span,
                });
            }
            _ => return Ok(left),
        };
        self.bump();
        let right = self.additive()?;
        if matches!(self.peek(), Tok::Sym("<" | "<=" | ">" | ">=" | "==" | "!=")) {
            return Err(self.error("comparisons do not chain; join them with `and`"));
        }
        let span = left.span.start..right.span.end;
        Ok(Expr {
            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        })
    }
    fn additive(&mut self) -> Result<Expr, ParseError> {
        self.binary_chain(
            Parser::multiplicative,
            &[("+", BinOp::Add, false), ("-", BinOp::Sub, false)],
        )
    }
    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        self.binary_chain(
            Parser::unary,
            &[("*", BinOp::Mul, false), ("/", BinOp::Div, false)],
        )
    }
    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.is_sym("-") {
            let start = self.bump().1.start;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let span = start..inner.span.end;
            return Ok(Expr {
                kind: ExprKind::Unary(UnOp::Neg, Box::new(inner)),
                span,
            });
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Expr, ParseError> {
        let (tok, span) = self.bump();
        match tok {
            Tok::Num(n) => {
                if matches!(self.peek(), Tok::Ident(s) if s == "CNY") {
                    let end = self.bump().1.end;
                    return Ok(Expr {
                        kind: ExprKind::Money(n),
                        span: span.start..end,
                    });
                }
                Ok(Expr {
                    kind: ExprKind::Number(n),
                    span,
                })
            }
            Tok::Str(s) => Ok(Expr {
                kind: ExprKind::Str(s),
                span,
            }),
            Tok::Sym("(") => {
                let inner = self.expr()?;
                let end = self.expect_sym(")")?.end;
                Ok(Expr {
                    kind: inner.kind,
                    span: span.start..end,
                })
            }
            Tok::Ident(word) => match word.as_str() {
                "true" | "false" => Ok(Expr {
                    kind: ExprKind::Bool(word == "true"),
                    span,
                }),
                w if KEYWORDS.contains(&w) => {
                    self.pos -= 1;
                    Err(self.error("expected a value"))
                }
                _ if self.is_sym("(") => {
                    self.bump();
                    let mut args = Vec::new();
                    while !self.is_sym(")") {
                        args.push(self.expr()?);
                        if !self.is_sym(")") {
                            self.expect_sym(",")?;
                        }
                    }
                    let end = self.expect_sym(")")?.end;
                    Ok(Expr {
                        kind: ExprKind::Call(word, span.clone(), args),
                        span: span.start..end,
                    })
                }
                _ => {
                    let mut path = vec![word];
                    let mut end = span.end;
                    while self.is_sym(".") {
                        self.bump();
                        match self.bump() {
                            (Tok::Ident(part), s) => {
                                path.push(part);
                                end = s.end;
                            }
                            _ => {
                                self.pos -= 1;
                                return Err(self.error("expected a name after `.`"));
                            }
                        }
                    }
                    Ok(Expr {
                        kind: ExprKind::Name(path),
                        span: span.start..end,
                    })
                }
            },
            _ => {
                self.pos -= 1;
                Err(self.error("expected a value"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_precedence() {
        let e = parse("a + b * 2 < c and not d or e").unwrap();
        assert!(matches!(e.kind, ExprKind::Binary(BinOp::Or, _, _)));
        let e = parse("if x > 0 then y / x else 0 CNY").unwrap();
        assert!(matches!(e.kind, ExprKind::If(..)));
        let e = parse("kind in [\"lunch\", \"dinner\"]").unwrap();
        assert!(matches!(e.kind, ExprKind::In(_, ref v) if v.len() == 2));
        let e = parse("sum(members, monthly_income) / count(members)").unwrap();
        assert!(matches!(e.kind, ExprKind::Binary(BinOp::Div, _, _)));
        assert_eq!(
            parse("dibao.eligible").unwrap().kind,
            ExprKind::Name(vec!["dibao".into(), "eligible".into()])
        );
    }

    #[test]
    fn reports_errors_with_spans() {
        let e = parse("a = b").unwrap_err();
        assert_eq!(e.span, 2..3);
        let e = parse("if a then b").unwrap_err();
        assert!(e.message.contains("else"));
        let e = parse("1 < 2 < 3").unwrap_err();
        assert!(e.message.contains("chain"));
        assert!(parse("(((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))").unwrap_err().too_complex);
        assert!(parse("1e5").is_err());
        assert!(parse("").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_expression_like_text(s in "[a-z0-9_ .,()\\[\\]+*/<>=!\"-]{0,300}") {
            let _ = parse(&s);
        }
    }
}
