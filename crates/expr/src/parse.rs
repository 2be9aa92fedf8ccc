//! Parsing of the expression language: the text a user types after `print`, `watch`,
//! `display`, `ptype` or in a breakpoint condition, into the syntax tree of [`crate::ast`].
//!
//! C, C++ and Rust share one parser that follows the language's precedence (Rust's bitwise
//! operators bind tighter than its comparisons, C's do not). C's `(x) - 1` is a subtraction
//! or a cast of `-1` depending on whether `x` names a type, so the caller says which names
//! are types, as gdb's lexer asks its symbol tables.
//!
//! The parser never panics and never recurses without bound: nesting deeper than
//! [`MAX_DEPTH`] (in the parser's recursion or in the tree it builds, which the evaluator
//! walks recursively) is [`ParseError::TooDeep`], and input longer than [`MAX_INPUT_LEN`]
//! is [`ParseError::TooLong`].

mod lexer;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::ast::{BinaryOp, Expr, Language, Literal, TypeName, TypeOp, UnaryOp};
use lexer::{Tok, Token};

/// The longest input accepted, in bytes: far more than anyone types, small enough that
/// tokens of any input take little memory.
pub const MAX_INPUT_LEN: usize = 64 * 1024;

/// How deeply expressions may nest: parentheses, prefix operators, operands of operands.
/// It keeps the parser's recursion, and the evaluator's walk of the tree, well within a
/// thread's stack.
pub const MAX_DEPTH: usize = 200;

/// Why an expression or type could not be parsed. Positions are the byte `offset` in the
/// input and the 1-based `column` in characters, for pointing at the spot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input is longer than [`MAX_INPUT_LEN`].
    #[error("expression is too long ({len} bytes, the limit is {limit})")]
    TooLong {
        /// The input's length in bytes.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The expression nests deeper than [`MAX_DEPTH`].
    #[error("expression nests too deeply at column {column} (the limit is {limit} levels)")]
    TooDeep {
        /// Where the limit was reached.
        offset: usize,
        /// Column of `offset`.
        column: usize,
        /// The limit.
        limit: usize,
    },
    /// An operand is missing or is not something that can start an expression.
    #[error("expected an expression at column {column}, found {found}")]
    ExpectedExpression {
        /// What stands where the expression should be.
        found: Found,
        /// Where.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// A particular token or construct is missing.
    #[error("expected {expected} at column {column}, found {found}")]
    Expected {
        /// What was expected: "`)`", "a type", "a field name", ...
        expected: &'static str,
        /// What stands there instead.
        found: Found,
        /// Where.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// Input is left after a complete expression or type.
    #[error("unexpected {found} at column {column}")]
    Unexpected {
        /// The first token left.
        found: Found,
        /// Where.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// A character that starts no token (`@`, `#`, a backtick).
    #[error("unexpected character `{ch}` at column {column}")]
    BadCharacter {
        /// The character.
        ch: char,
        /// Where.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// A string literal without its closing quote.
    #[error("unterminated string literal at column {column}")]
    UnterminatedString {
        /// Where the literal begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// A character literal without its closing quote.
    #[error("unterminated character literal at column {column}")]
    UnterminatedChar {
        /// Where the literal begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// `''`.
    #[error("empty character literal at column {column}")]
    EmptyChar {
        /// Where the literal begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// `'ab'`.
    #[error("character literal with more than one character at column {column}")]
    MultiChar {
        /// Where the literal begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// An escape sequence the language does not have, or whose value does not fit.
    #[error("invalid escape sequence `{escape}` at column {column}")]
    BadEscape {
        /// The escape as written.
        escape: String,
        /// Where it begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// An integer literal too large for any integer type (C: 64 bits; Rust: its suffix's
    /// type, or 128 bits), a history number, or an array length too large.
    #[error("integer literal too large at column {column}")]
    IntegerTooLarge {
        /// Where the literal begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// A malformed number: `0x`, `1e`, `08`, `1q`, `1.5u8`.
    #[error("invalid number `{text}` at column {column}")]
    BadNumber {
        /// The number as written.
        text: String,
        /// Where it begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// A type was required and the name there is not one (see the `is_type` argument of
    /// [`parse_type`]; a C struct tag needs its `struct`).
    #[error("unknown type name `{name}` at column {column}")]
    UnknownType {
        /// The name.
        name: String,
        /// Where it begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
    /// C type keywords that do not combine: `long char`, `signed float`, `short short`.
    #[error("invalid type `{text}` at column {column}")]
    BadTypeCombination {
        /// The keywords, as written (qualifiers left out).
        text: String,
        /// Where the type begins.
        offset: usize,
        /// Column of `offset`.
        column: usize,
    },
}

impl ParseError {
    /// The byte offset in the input the error points at, if it points at one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::TooLong { .. } => None,
            Self::TooDeep { offset, .. }
            | Self::ExpectedExpression { offset, .. }
            | Self::Expected { offset, .. }
            | Self::Unexpected { offset, .. }
            | Self::BadCharacter { offset, .. }
            | Self::UnterminatedString { offset, .. }
            | Self::UnterminatedChar { offset, .. }
            | Self::EmptyChar { offset, .. }
            | Self::MultiChar { offset, .. }
            | Self::BadEscape { offset, .. }
            | Self::IntegerTooLarge { offset, .. }
            | Self::BadNumber { offset, .. }
            | Self::UnknownType { offset, .. }
            | Self::BadTypeCombination { offset, .. } => Some(*offset),
        }
    }

    /// The 1-based column (in characters) the error points at, if it points at one.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::TooLong { .. } => None,
            Self::TooDeep { column, .. }
            | Self::ExpectedExpression { column, .. }
            | Self::Expected { column, .. }
            | Self::Unexpected { column, .. }
            | Self::BadCharacter { column, .. }
            | Self::UnterminatedString { column, .. }
            | Self::UnterminatedChar { column, .. }
            | Self::EmptyChar { column, .. }
            | Self::MultiChar { column, .. }
            | Self::BadEscape { column, .. }
            | Self::IntegerTooLarge { column, .. }
            | Self::BadNumber { column, .. }
            | Self::UnknownType { column, .. }
            | Self::BadTypeCombination { column, .. } => Some(*column),
        }
    }
}

/// What the parser found where it expected something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The end of the input.
    End,
    /// A token, as written (shortened when long).
    Token(String),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::End => f.write_str("end of input"),
            Self::Token(text) => write!(f, "`{text}`"),
        }
    }
}

/// Parses an expression written in `language`. `is_type` says whether a name (an
/// identifier, or in C++ a `::` path) names a type, which decides whether `(x) - 1` is a
/// subtraction or a cast; type keywords (`int`, `unsigned long`, `struct point`) are always
/// types.
///
/// ```
/// use dbg_expr::ast::{Expr, Language};
///
/// let no_types = |_: &str| false;
/// let e = dbg_expr::parse("p->next", Language::C, &no_types).unwrap();
/// assert_eq!(e, Expr::Arrow(Box::new(Expr::Name("p".into())), "next".into()));
/// ```
pub fn parse(
    input: &str,
    language: Language,
    is_type: &dyn Fn(&str) -> bool,
) -> Result<Expr, ParseError> {
    let mut parser = Parser::new(input, language, is_type)?;
    let node = parser.parse_expr()?;
    parser.expect_end()?;
    Ok(node.expr)
}

/// Parses a type as `ptype`, `whatis` and `sizeof` take it: `int *`, `struct point`,
/// `unsigned long [4]` in C and C++, `*const u8`, `[i32; 4]` in Rust. A name that is not a
/// type keyword must be one `is_type` accepts, or the result is [`ParseError::UnknownType`],
/// so that a caller can fall back to parsing an expression.
pub fn parse_type(
    input: &str,
    language: Language,
    is_type: &dyn Fn(&str) -> bool,
) -> Result<TypeName, ParseError> {
    let mut parser = Parser::new(input, language, is_type)?;
    let ty = if language == Language::Rust {
        let start = parser.peek().start;
        let ty = parser.parse_rust_type()?;
        let base = ty.base.as_str();
        if !RUST_PRIMITIVES.contains(&base) && base != "()" && !is_type(base) {
            let (offset, column) = parser.at(start);
            return Err(ParseError::UnknownType {
                name: ty.base,
                offset,
                column,
            });
        }
        ty
    } else {
        parser.parse_c_type()?
    };
    parser.expect_end()?;
    Ok(ty)
}

/// Parses `input` (as lossy UTF-8) in every language, as an expression and as a type,
/// with names starting with `T` as types, ignoring the results: the body of a fuzz target,
/// which looks for panics and stack overflows.
#[doc(hidden)]
pub fn parse_anything(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let is_type = |name: &str| name.starts_with('T');
    for language in [Language::C, Language::Cpp, Language::Rust] {
        let _ = parse(&text, language, &is_type);
        let _ = parse_type(&text, language, &is_type);
    }
}

/// The 1-based column, in characters, of a byte offset.
fn column(input: &str, offset: usize) -> usize {
    input
        .get(..offset)
        .map_or(offset, |before| before.chars().count())
        .saturating_add(1)
}

/// C and C++ keywords that make up a built-in type.
const C_TYPE_KEYWORDS: &[&str] = &[
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool",
    "bool",
];
/// C++'s further built-in type keywords.
const CPP_TYPE_KEYWORDS: &[&str] = &["wchar_t", "char8_t", "char16_t", "char32_t"];
/// Qualifiers, which a debugger's casts and `sizeof` ignore.
const QUALIFIERS: &[&str] = &["const", "volatile", "restrict", "__restrict"];
/// Rust's primitive types, which are always types.
const RUST_PRIMITIVES: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
    "f64", "bool", "char", "str",
];

/// Stands in for a token past the end, which the parser never reaches since the token list
/// ends with `Eof` and the parser does not move past it.
static EOF: Token = Token {
    tok: Tok::Eof,
    start: 0,
    end: 0,
};

/// An expression and the depth of its tree, kept so that no tree deeper than [`MAX_DEPTH`]
/// is built (chains like `a.b.c.d...` or `1+1+1...` deepen the tree without recursing).
struct Node {
    expr: Expr,
    depth: usize,
}

/// The parser over the token list: an operator-precedence parser with explicit stacks for
/// expressions, and a direct reading of types.
struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    lang: Language,
    is_type: &'a dyn Fn(&str) -> bool,
}

impl<'a> Parser<'a> {
    fn new(
        input: &'a str,
        lang: Language,
        is_type: &'a dyn Fn(&str) -> bool,
    ) -> Result<Self, ParseError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(ParseError::TooLong {
                len: input.len(),
                limit: MAX_INPUT_LEN,
            });
        }
        Ok(Self {
            input,
            tokens: lexer::tokenize(input, lang)?,
            pos: 0,
            lang,
            is_type,
        })
    }

    // ---- Tokens ----

    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        self.tokens
            .get(self.pos.saturating_add(n))
            .or_else(|| self.tokens.last())
            .unwrap_or(&EOF)
    }

    fn bump(&mut self) {
        if self.pos.saturating_add(1) < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn punct_at(&self, n: usize, p: &str) -> bool {
        matches!(self.peek_at(n).tok, Tok::Punct(q) if q == p)
    }

    fn is_punct(&self, p: &str) -> bool {
        self.punct_at(0, p)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let is = self.is_punct(p);
        if is {
            self.bump();
        }
        is
    }

    fn expect_punct(&mut self, p: &str, expected: &'static str) -> Result<(), ParseError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.expected(expected))
        }
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    fn eat_ident(&mut self, word: &str) -> bool {
        let is = self.is_ident(word);
        if is {
            self.bump();
        }
        is
    }

    fn expect_end(&self) -> Result<(), ParseError> {
        if matches!(self.peek().tok, Tok::Eof) {
            Ok(())
        } else {
            let (found, offset, column) = self.found();
            Err(ParseError::Unexpected {
                found,
                offset,
                column,
            })
        }
    }

    // ---- Errors ----

    fn at(&self, offset: usize) -> (usize, usize) {
        (offset, column(self.input, offset))
    }

    /// The current token for an error: what it is and where.
    fn found(&self) -> (Found, usize, usize) {
        let token = self.peek();
        let found = match token.tok {
            Tok::Eof => Found::End,
            _ => {
                let text = self.input.get(token.start..token.end).unwrap_or("");
                // A long string literal would drown the message.
                let mut short: String = text.chars().take(40).collect();
                if short.len() < text.len() {
                    short.push('…');
                }
                Found::Token(short)
            }
        };
        let (offset, column) = self.at(token.start);
        (found, offset, column)
    }

    fn expected(&self, expected: &'static str) -> ParseError {
        let (found, offset, column) = self.found();
        ParseError::Expected {
            expected,
            found,
            offset,
            column,
        }
    }

    fn expected_expression(&self) -> ParseError {
        let (found, offset, column) = self.found();
        ParseError::ExpectedExpression {
            found,
            offset,
            column,
        }
    }

    fn too_deep(&self) -> ParseError {
        let (offset, column) = self.at(self.peek().start);
        ParseError::TooDeep {
            offset,
            column,
            limit: MAX_DEPTH,
        }
    }

    // ---- Expressions ----

    /// A node of the given tree depth, unless that is too deep for the evaluator's walk.
    fn node(&self, expr: Expr, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        Ok(Node { expr, depth })
    }

    /// An expression, parsed without recursion: the state lives in a stack of [`Frame`]s,
    /// one for each open `(`, `[` and `?`. Debug builds spend kilobytes of stack on each
    /// frame of a recursive-descent parser, which would overflow a thread's stack well
    /// before any useful nesting limit.
    fn parse_expr(&mut self) -> Result<Node, ParseError> {
        let mut frames: Vec<Frame> = vec![Frame::new(Close::End)];
        let mut state = State::Operand;
        loop {
            let Some(frame) = frames.last_mut() else {
                return Err(self.expected_expression());
            };
            state = match state {
                State::Operand => match self.operand_start(&mut frame.prefixes)? {
                    Some(node) => State::Postfix(node),
                    None => {
                        self.open(&mut frames, Close::Paren)?;
                        State::Operand
                    }
                },
                State::Postfix(node) => {
                    if self.eat_punct("[") {
                        self.open(&mut frames, Close::Bracket(node))?;
                        State::Operand
                    } else if self.is_punct(".")
                        || (self.lang != Language::Rust && self.is_punct("->"))
                    {
                        State::Postfix(self.field_access(node)?)
                    } else {
                        State::After(self.apply_prefixes(&mut frame.prefixes, node)?)
                    }
                }
                State::After(node) => {
                    if self.lang == Language::Rust && self.is_ident("as") {
                        // `as` binds tighter than every binary operator: it applies to the
                        // operand just read.
                        self.bump();
                        let ty = self.parse_rust_type()?;
                        let depth = node.depth.saturating_add(1);
                        State::After(self.node(Expr::Cast(ty, Box::new(node.expr)), depth)?)
                    } else if let Some((op, precedence)) = self.binary_op() {
                        // Left-associative: apply the pending operators that bind as
                        // tightly or more before this one.
                        frame.operands.push(node);
                        while frame
                            .operators
                            .last()
                            .is_some_and(|&(_, top)| top >= precedence)
                        {
                            self.reduce(frame)?;
                        }
                        frame.operators.push((op, precedence));
                        self.bump();
                        State::Operand
                    } else {
                        frame.operands.push(node);
                        while !frame.operators.is_empty() {
                            self.reduce(frame)?;
                        }
                        let value = self.pop_operand(&mut frame.operands)?;
                        if self.lang != Language::Rust && self.eat_punct("?") {
                            frame.condition = Some(value);
                            self.open(&mut frames, Close::Colon)?;
                            State::Operand
                        } else {
                            let value = self.fold_arms(frame, value)?;
                            if let Some(op) = self.assign_op() {
                                self.bump();
                                frame.targets.push((value, op));
                                State::Operand
                            } else {
                                let value = self.fold_targets(frame, value)?;
                                match self.close(&mut frames, value)? {
                                    Ok(state) => state,
                                    Err(value) => return Ok(value),
                                }
                            }
                        }
                    }
                }
            };
        }
    }

    /// Opens a nested frame, unless nesting is already at the limit.
    fn open(&self, frames: &mut Vec<Frame>, close: Close) -> Result<(), ParseError> {
        if frames.len() >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        frames.push(Frame::new(close));
        Ok(())
    }

    /// Ends the innermost frame with its value: `Ok(state)` to go on in the enclosing frame,
    /// `Err(value)` when the outermost frame, the whole expression, is done.
    fn close(
        &mut self,
        frames: &mut Vec<Frame>,
        value: Node,
    ) -> Result<Result<State, Node>, ParseError> {
        let Some(frame) = frames.pop() else {
            return Err(self.expected_expression());
        };
        Ok(Ok(match frame.close {
            Close::End => return Ok(Err(value)),
            Close::Paren => {
                self.expect_punct(")", "`)`")?;
                State::Postfix(value)
            }
            Close::Bracket(base) => {
                self.expect_punct("]", "`]`")?;
                let depth = base.depth.max(value.depth).saturating_add(1);
                State::Postfix(self.node(
                    Expr::Index(Box::new(base.expr), Box::new(value.expr)),
                    depth,
                )?)
            }
            Close::Colon => {
                self.expect_punct(":", "`:`")?;
                let parent = frames.last_mut();
                let Some((parent, condition)) =
                    parent.and_then(|p| p.condition.take().map(|c| (p, c)))
                else {
                    return Err(self.expected_expression());
                };
                parent.arms.push((condition, value));
                State::Operand
            }
        }))
    }

    /// The prefixes of an operand (`-`, `*`, `&`, `sizeof`, C casts) into `prefixes`, then
    /// its primary expression; `None` when that is a `(` the caller must open a frame for.
    fn operand_start(&mut self, prefixes: &mut Vec<Prefix>) -> Result<Option<Node>, ParseError> {
        let rust = self.lang == Language::Rust;
        loop {
            // Each prefix deepens the tree, so more than the limit is too deep anyway.
            if prefixes.len() > MAX_DEPTH {
                return Err(self.too_deep());
            }
            let op = match self.peek().tok {
                Tok::Punct("-") => Some(UnaryOp::Neg),
                Tok::Punct("+") => Some(UnaryOp::Plus),
                Tok::Punct("!") => Some(UnaryOp::Not),
                Tok::Punct("~") => Some(UnaryOp::BitNot),
                Tok::Punct("*") => Some(UnaryOp::Deref),
                Tok::Punct("&" | "&&") => Some(UnaryOp::AddrOf),
                _ => None,
            };
            if let Some(op) = op {
                // The lexer reads `&&x` as the `&&` operator; in prefix position it is `&(&x)`.
                if self.is_punct("&&") {
                    prefixes.push(Prefix::Op(UnaryOp::AddrOf));
                }
                prefixes.push(Prefix::Op(op));
                self.bump();
                if rust && op == UnaryOp::AddrOf {
                    self.eat_ident("mut");
                }
                continue;
            }
            if !rust && self.is_ident("sizeof") {
                self.bump();
                if self.is_punct("(") && self.type_starts_at(1) {
                    self.bump();
                    let ty = self.parse_c_type()?;
                    self.expect_punct(")", "`)`")?;
                    return self.node(Expr::SizeOfType(ty), 1).map(Some);
                }
                prefixes.push(Prefix::SizeOf);
                continue;
            }
            if self.is_punct("(") {
                self.bump();
                if rust || !self.type_starts_at(0) {
                    return Ok(None);
                }
                let ty = self.parse_c_type()?;
                self.expect_punct(")", "`)`")?;
                prefixes.push(Prefix::Cast(ty));
                continue;
            }
            return self.parse_primary().map(Some);
        }
    }

    /// Applies the prefixes read before an operand, innermost (last read) first.
    fn apply_prefixes(
        &self,
        prefixes: &mut Vec<Prefix>,
        mut node: Node,
    ) -> Result<Node, ParseError> {
        while let Some(prefix) = prefixes.pop() {
            let operand = Box::new(node.expr);
            let expr = match prefix {
                Prefix::Op(op) => Expr::Unary(op, operand),
                Prefix::SizeOf => Expr::SizeOfExpr(operand),
                Prefix::Cast(ty) => Expr::Cast(ty, operand),
            };
            node = self.node(expr, node.depth.saturating_add(1))?;
        }
        Ok(node)
    }

    /// `.field` or `->field` after `node`.
    fn field_access(&mut self, node: Node) -> Result<Node, ParseError> {
        let arrow = self.is_punct("->");
        self.bump();
        let field = self.field_name()?;
        let operand = Box::new(node.expr);
        let expr = if arrow {
            Expr::Arrow(operand, field)
        } else {
            Expr::Field(operand, field)
        };
        self.node(expr, node.depth.saturating_add(1))
    }

    /// Applies a frame's top binary operator to its top two operands.
    fn reduce(&self, frame: &mut Frame) -> Result<(), ParseError> {
        let rhs = self.pop_operand(&mut frame.operands)?;
        let lhs = self.pop_operand(&mut frame.operands)?;
        let Some((op, _)) = frame.operators.pop() else {
            return Err(self.expected_expression());
        };
        let depth = lhs.depth.max(rhs.depth).saturating_add(1);
        let node = self.node(
            Expr::Binary(op, Box::new(lhs.expr), Box::new(rhs.expr)),
            depth,
        )?;
        frame.operands.push(node);
        Ok(())
    }

    /// The operand stack is never short (each operator follows an operand), but an error
    /// is better than a panic should that ever change.
    fn pop_operand(&self, operands: &mut Vec<Node>) -> Result<Node, ParseError> {
        operands.pop().ok_or_else(|| self.expected_expression())
    }

    /// `a ? b : c ? d : e`, read as arms (a, b), (c, d) and a last value e, folded from the
    /// right.
    fn fold_arms(&self, frame: &mut Frame, mut value: Node) -> Result<Node, ParseError> {
        while let Some((condition, then)) = frame.arms.pop() {
            let depth = condition
                .depth
                .max(then.depth)
                .max(value.depth)
                .saturating_add(1);
            value = self.node(
                Expr::Conditional(
                    Box::new(condition.expr),
                    Box::new(then.expr),
                    Box::new(value.expr),
                ),
                depth,
            )?;
        }
        Ok(value)
    }

    /// `a = b += c`, read as targets a and b and a last value c, folded from the right
    /// (assignment is right-associative).
    fn fold_targets(&self, frame: &mut Frame, mut value: Node) -> Result<Node, ParseError> {
        while let Some((target, op)) = frame.targets.pop() {
            let depth = target.depth.max(value.depth).saturating_add(1);
            value = self.node(
                Expr::Assign(Box::new(target.expr), op, Box::new(value.expr)),
                depth,
            )?;
        }
        Ok(value)
    }

    /// The assignment operator here: `Some(None)` for `=`, `Some(Some(op))` for `op=`.
    fn assign_op(&self) -> Option<Option<BinaryOp>> {
        let Tok::Punct(p) = self.peek().tok else {
            return None;
        };
        Some(match p {
            "=" => None,
            "+=" => Some(BinaryOp::Add),
            "-=" => Some(BinaryOp::Sub),
            "*=" => Some(BinaryOp::Mul),
            "/=" => Some(BinaryOp::Div),
            "%=" => Some(BinaryOp::Rem),
            "<<=" => Some(BinaryOp::Shl),
            ">>=" => Some(BinaryOp::Shr),
            "&=" => Some(BinaryOp::BitAnd),
            "|=" => Some(BinaryOp::BitOr),
            "^=" => Some(BinaryOp::BitXor),
            _ => return None,
        })
    }

    /// The binary operator here and its precedence in the language (higher binds tighter).
    fn binary_op(&self) -> Option<(BinaryOp, u8)> {
        let Tok::Punct(p) = self.peek().tok else {
            return None;
        };
        // (operator, C precedence, Rust precedence)
        let (op, c, rust) = match p {
            "||" => (BinaryOp::Or, 1, 1),
            "&&" => (BinaryOp::And, 2, 2),
            "|" => (BinaryOp::BitOr, 3, 4),
            "^" => (BinaryOp::BitXor, 4, 5),
            "&" => (BinaryOp::BitAnd, 5, 6),
            "==" => (BinaryOp::Eq, 6, 3),
            "!=" => (BinaryOp::Ne, 6, 3),
            "<" => (BinaryOp::Lt, 7, 3),
            "<=" => (BinaryOp::Le, 7, 3),
            ">" => (BinaryOp::Gt, 7, 3),
            ">=" => (BinaryOp::Ge, 7, 3),
            "<<" => (BinaryOp::Shl, 8, 7),
            ">>" => (BinaryOp::Shr, 8, 7),
            "+" => (BinaryOp::Add, 9, 8),
            "-" => (BinaryOp::Sub, 9, 8),
            "*" => (BinaryOp::Mul, 10, 9),
            "/" => (BinaryOp::Div, 10, 9),
            "%" => (BinaryOp::Rem, 10, 9),
            _ => return None,
        };
        Some((op, if self.lang == Language::Rust { rust } else { c }))
    }

    /// The name after `.` or `->`: an identifier, or in Rust a tuple index.
    fn field_name(&mut self) -> Result<String, ParseError> {
        let token = self.peek();
        let name = match &token.tok {
            Tok::Ident(name) => name.clone(),
            Tok::Int { .. } if self.lang == Language::Rust => self
                .input
                .get(token.start..token.end)
                .unwrap_or("")
                .to_owned(),
            _ => return Err(self.expected("a field name")),
        };
        self.bump();
        Ok(name)
    }

    /// A literal, name, register or history reference (parentheses are the caller's).
    fn parse_primary(&mut self) -> Result<Node, ParseError> {
        let rust = self.lang == Language::Rust;
        let literal = match &self.peek().tok {
            Tok::Int { value, kind } => Some(Literal::Int {
                value: *value,
                kind: *kind,
            }),
            Tok::Float { value, single } => Some(Literal::Float {
                value: *value,
                single: *single,
            }),
            Tok::Char(c) => Some(Literal::Char(*c)),
            Tok::Ident(w) if w == "true" => Some(Literal::Bool(true)),
            Tok::Ident(w) if w == "false" => Some(Literal::Bool(false)),
            Tok::Ident(w) if w == "nullptr" && self.lang == Language::Cpp => Some(Literal::Null),
            _ => None,
        };
        if let Some(literal) = literal {
            self.bump();
            return self.node(Expr::Literal(literal), 1);
        }
        let expr = match &self.peek().tok {
            Tok::Str(bytes) => {
                let mut bytes = bytes.clone();
                self.bump();
                // C concatenates adjacent strings, `"ab" "cd"`; Rust does not.
                while let (false, Tok::Str(more)) = (rust, &self.peek().tok) {
                    bytes.extend_from_slice(more);
                    self.bump();
                }
                Expr::Literal(Literal::Str(bytes))
            }
            Tok::Register(name) => {
                let expr = Expr::Register(name.clone());
                self.bump();
                expr
            }
            Tok::History(h) => {
                let expr = Expr::History(*h);
                self.bump();
                expr
            }
            Tok::Ident(_) | Tok::Punct("::") => match self.path_at(0) {
                Some((path, len)) => {
                    self.pos = self.pos.saturating_add(len);
                    Expr::Name(path)
                }
                None => return Err(self.expected_expression()),
            },
            _ => return Err(self.expected_expression()),
        };
        self.node(expr, 1)
    }

    /// Words that cannot be a name in an expression.
    fn is_reserved(&self, word: &str) -> bool {
        match self.lang {
            Language::Rust => matches!(word, "as" | "mut"),
            Language::C | Language::Cpp => {
                word == "sizeof"
                    || self.is_type_keyword(word)
                    || self.is_tag_keyword(word)
                    || QUALIFIERS.contains(&word)
            }
        }
    }

    /// The name or path starting `n` tokens ahead, and how many tokens it takes. C++ and
    /// Rust join `a::b::c` (and a leading `::`, kept so the global scope can be told apart).
    fn path_at(&self, n: usize) -> Option<(String, usize)> {
        let paths = self.lang != Language::C;
        let mut i = n;
        let mut path = String::new();
        if paths && self.punct_at(i, "::") {
            path.push_str("::");
            i += 1;
        }
        let Tok::Ident(first) = &self.peek_at(i).tok else {
            return None;
        };
        if self.is_reserved(first) {
            return None;
        }
        path.push_str(first);
        i += 1;
        while paths && self.punct_at(i, "::") {
            let Tok::Ident(next) = &self.peek_at(i.saturating_add(1)).tok else {
                break;
            };
            path.push_str("::");
            path.push_str(next);
            i += 2;
        }
        Some((path, i - n))
    }

    // ---- Types ----

    fn is_type_keyword(&self, word: &str) -> bool {
        C_TYPE_KEYWORDS.contains(&word)
            || (self.lang == Language::Cpp && CPP_TYPE_KEYWORDS.contains(&word))
    }

    fn is_tag_keyword(&self, word: &str) -> bool {
        matches!(word, "struct" | "union" | "enum")
            || (self.lang == Language::Cpp && word == "class")
    }

    /// Whether a C or C++ type begins `n` tokens ahead: what tells a cast `(t) -1` from a
    /// parenthesised operand `(x) - 1`.
    fn type_starts_at(&self, n: usize) -> bool {
        if let Tok::Ident(w) = &self.peek_at(n).tok {
            if self.is_type_keyword(w) || self.is_tag_keyword(w) || QUALIFIERS.contains(&w.as_str())
            {
                return true;
            }
            if matches!(w.as_str(), "true" | "false")
                || (w == "nullptr" && self.lang == Language::Cpp)
            {
                return false;
            }
        }
        self.path_at(n)
            .is_some_and(|(path, _)| (self.is_type)(&path))
    }

    /// A C or C++ type: qualifiers, a base (keywords, a tagged name, or a name `is_type`
    /// accepts), then `*`s and `[N]`s.
    fn parse_c_type(&mut self) -> Result<TypeName, ParseError> {
        let start = self.peek().start;
        let mut keywords: Vec<String> = Vec::new();
        let mut base: Option<String> = None;
        loop {
            let word = match &self.peek().tok {
                Tok::Ident(w) => Some(w.clone()),
                _ => None,
            };
            match word {
                Some(w) if QUALIFIERS.contains(&w.as_str()) => self.bump(),
                Some(w) if base.is_none() && self.is_type_keyword(&w) => {
                    keywords.push(w);
                    self.bump();
                }
                Some(w) if base.is_none() && keywords.is_empty() && self.is_tag_keyword(&w) => {
                    self.bump();
                    let Some((tag, len)) = self.path_at(0) else {
                        return Err(self.expected("a tag name"));
                    };
                    self.pos = self.pos.saturating_add(len);
                    base = Some(format!("{w} {tag}"));
                }
                _ if base.is_none() && keywords.is_empty() => match self.path_at(0) {
                    Some((path, len)) if self.type_starts_at(0) => {
                        self.pos = self.pos.saturating_add(len);
                        base = Some(path);
                    }
                    Some((path, _)) => {
                        let (offset, column) = self.at(self.peek().start);
                        return Err(ParseError::UnknownType {
                            name: path,
                            offset,
                            column,
                        });
                    }
                    None => return Err(self.expected("a type")),
                },
                _ => break,
            }
        }
        let base = match base {
            Some(base) => base,
            None => c_keyword_type(&keywords).ok_or_else(|| {
                let (offset, column) = self.at(start);
                ParseError::BadTypeCombination {
                    text: keywords.join(" "),
                    offset,
                    column,
                }
            })?,
        };
        let mut ops = Vec::new();
        while self.eat_punct("*") {
            ops.push(TypeOp::Pointer);
            while let Tok::Ident(w) = &self.peek().tok {
                if !QUALIFIERS.contains(&w.as_str()) {
                    break;
                }
                self.bump();
            }
            if ops.len() > MAX_DEPTH {
                return Err(self.too_deep());
            }
        }
        // `int [2][3]` is an array of 2 arrays of 3: the last bracket is innermost.
        let mut dims = Vec::new();
        while self.eat_punct("[") {
            dims.push(self.array_len()?);
            self.expect_punct("]", "`]`")?;
            if ops.len().saturating_add(dims.len()) > MAX_DEPTH {
                return Err(self.too_deep());
            }
        }
        ops.extend(dims.into_iter().rev().map(TypeOp::Array));
        Ok(TypeName { base, ops })
    }

    fn array_len(&mut self) -> Result<u64, ParseError> {
        let Tok::Int { value, .. } = self.peek().tok else {
            return Err(self.expected("an array length"));
        };
        let len = u64::try_from(value).map_err(|_| {
            let (offset, column) = self.at(self.peek().start);
            ParseError::IntegerTooLarge { offset, column }
        })?;
        self.bump();
        Ok(len)
    }

    /// A Rust type: `*const T`, `*mut T`, `&T`, `&mut T`, `[T; N]`, `()`, or a path. The
    /// prefixes and `[` are read in a loop, then the base, then the `; N]` of each `[` from
    /// the inside out, so that nesting does not recurse.
    fn parse_rust_type(&mut self) -> Result<TypeName, ParseError> {
        let mut opens: Vec<RustOpen> = Vec::new();
        loop {
            if opens.len() > MAX_DEPTH {
                return Err(self.too_deep());
            }
            if self.eat_punct("*") {
                if !(self.eat_ident("const") || self.eat_ident("mut")) {
                    return Err(self.expected("`const` or `mut`"));
                }
                opens.push(RustOpen::Pointer);
            } else if self.is_punct("&") || self.is_punct("&&") {
                if self.is_punct("&&") {
                    opens.push(RustOpen::Pointer);
                }
                opens.push(RustOpen::Pointer);
                self.bump();
                self.eat_ident("mut");
            } else if self.eat_punct("[") {
                opens.push(RustOpen::Array);
            } else {
                break;
            }
        }
        let base = if self.eat_punct("(") {
            self.expect_punct(")", "`)`")?;
            "()".to_owned()
        } else {
            match self.path_at(0) {
                Some((path, len)) => {
                    self.pos = self.pos.saturating_add(len);
                    path
                }
                None => return Err(self.expected("a type")),
            }
        };
        let mut ops = Vec::new();
        while let Some(open) = opens.pop() {
            match open {
                RustOpen::Pointer => ops.push(TypeOp::Pointer),
                RustOpen::Array => {
                    self.expect_punct(";", "`;`")?;
                    let len = self.array_len()?;
                    self.expect_punct("]", "`]`")?;
                    ops.push(TypeOp::Array(len));
                }
            }
        }
        Ok(TypeName { base, ops })
    }
}

/// What ends a [`Frame`], and what to do with its value then.
enum Close {
    /// The end of the input: the value is the expression.
    End,
    /// `)`: the value is a parenthesised operand.
    Paren,
    /// `]`: the value is the index of this base.
    Bracket(Node),
    /// `:`: the value is the middle of the enclosing frame's `condition ? value : ...`.
    Colon,
}

/// The state of one nesting level of an expression being parsed: from the loosest binding
/// (assignment targets) to the tightest (prefixes of the operand being read).
struct Frame {
    close: Close,
    /// `a = b += ...`: each target and its operator.
    targets: Vec<(Node, Option<BinaryOp>)>,
    /// `a ? b : c ? d : ...`: each finished condition and value.
    arms: Vec<(Node, Node)>,
    /// The condition whose middle operand an inner [`Close::Colon`] frame is reading.
    condition: Option<Node>,
    /// Binary operands and operators not applied yet, in increasing precedence.
    operands: Vec<Node>,
    operators: Vec<(BinaryOp, u8)>,
    /// Prefixes of the operand being read, outermost first.
    prefixes: Vec<Prefix>,
}

impl Frame {
    fn new(close: Close) -> Self {
        Self {
            close,
            targets: Vec::new(),
            arms: Vec::new(),
            condition: None,
            operands: Vec::new(),
            operators: Vec::new(),
            prefixes: Vec::new(),
        }
    }
}

/// Where [`Parser::parse_expr`] is within an operand.
enum State {
    /// Before an operand: prefixes, then a primary expression or `(`.
    Operand,
    /// After a primary expression: `[`, `.` and `->` may follow.
    Postfix(Node),
    /// After a whole operand: `as`, a binary operator, `?`, an assignment, or the end of
    /// the frame.
    After(Node),
}

/// A prefix of an operand: an operator, `sizeof` or a C cast.
enum Prefix {
    Op(UnaryOp),
    SizeOf,
    Cast(TypeName),
}

/// What opens a Rust type around its base: a pointer or reference, or `[`.
enum RustOpen {
    Pointer,
    Array,
}

/// The canonical name of a C built-in type written as keywords in any order (`long
/// unsigned int` is `unsigned long`), or `None` if they do not make a type.
fn c_keyword_type(words: &[String]) -> Option<String> {
    let count = |k: &str| words.iter().filter(|w| *w == k).count();
    let (signed, unsigned, int) = (count("signed"), count("unsigned"), count("int"));
    let (char_, short, long) = (count("char"), count("short"), count("long"));
    let (float, double) = (count("float"), count("double"));
    if signed + unsigned > 1 || int > 1 {
        return None;
    }
    let total = words.len();
    // Words other than a sign and `int`, which only modify.
    let rest = total - signed - unsigned - int;
    let u = if unsigned == 1 { "unsigned " } else { "" };
    let name = match (char_, short, long, float, double) {
        (0, 0, 0, 0, 0) if rest == 0 => format!("{u}int"),
        (1, 0, 0, 0, 0) if rest == 1 && int == 0 => match (signed, unsigned) {
            (1, _) => "signed char".to_owned(),
            (_, 1) => "unsigned char".to_owned(),
            _ => "char".to_owned(),
        },
        (0, 1, 0, 0, 0) if rest == 1 => format!("{u}short"),
        (0, 0, 1, 0, 0) if rest == 1 => format!("{u}long"),
        (0, 0, 2, 0, 0) if rest == 2 => format!("{u}long long"),
        (0, 0, 0, 1, 0) if total == 1 => "float".to_owned(),
        (0, 0, 0, 0, 1) if total == 1 => "double".to_owned(),
        (0, 0, 1, 0, 1) if total == 2 => "long double".to_owned(),
        // `void`, `_Bool`, `bool`, `wchar_t`...: alone.
        (0, 0, 0, 0, 0) if total == 1 => words.first()?.clone(),
        _ => return None,
    };
    Some(name)
}
