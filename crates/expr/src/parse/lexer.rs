//! The lexer of the expression language: it turns the text a user typed into tokens, reading
//! numbers, characters and strings into their values so that the parser deals only with
//! structure.

use super::{column, ParseError};
use crate::ast::{HistoryRef, IntKind, Language};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// An integer literal (also a Rust tuple index after `.`).
    Int { value: u128, kind: IntKind },
    /// A floating-point literal.
    Float { value: f64, single: bool },
    /// A character literal, as its code point.
    Char(u32),
    /// A string literal, as its bytes.
    Str(Vec<u8>),
    /// An identifier or keyword: the parser tells them apart, since which words are keywords
    /// depends on where they stand (`sizeof` in C, `as` in Rust).
    Ident(String),
    /// `$name`: a register or convenience variable.
    Register(String),
    /// `$`, `$N`, `$$`, `$$N`.
    History(HistoryRef),
    /// An operator or bracket.
    Punct(&'static str),
    /// The end of the input; the lexer always ends the token list with it.
    Eof,
}

/// A token and where it is in the input (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Operators, longest first so that `<<=` is not read as `<` `<=`. There is no `++` or `--`:
/// the language has no increment, and `--x` must mean `-(-x)`.
const PUNCTS: &[&str] = &[
    "<<=", ">>=", "->", "::", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=", "*=",
    "/=", "%=", "&=", "|=", "^=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "|", "^",
    "?", ":", "(", ")", "[", "]", ".", ",", ";",
];

/// Splits `input` into tokens, ending with [`Tok::Eof`].
pub(super) fn tokenize(input: &str, lang: Language) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        input,
        bytes: input.as_bytes(),
        pos: 0,
        lang,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    input: &'a str,
    bytes: &'a [u8],
    pos: usize,
    lang: Language,
    tokens: Vec<Token>,
}

/// How an escape sequence gave its value: strings store numeric escapes as one byte and
/// Unicode escapes as UTF-8.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Simple,
    Numeric,
    Unicode,
}

impl Lexer<'_> {
    fn run(&mut self) -> Result<(), ParseError> {
        loop {
            while let Some(c) = self.peek_char().filter(|c| c.is_whitespace()) {
                self.pos += c.len_utf8();
            }
            let start = self.pos;
            let Some(c) = self.peek_char() else {
                self.tokens.push(Token {
                    tok: Tok::Eof,
                    start,
                    end: start,
                });
                return Ok(());
            };
            let tok = self.token(c)?;
            self.tokens.push(Token {
                tok,
                start,
                end: self.pos,
            });
        }
    }

    fn token(&mut self, c: char) -> Result<Tok, ParseError> {
        let rust = self.lang == Language::Rust;
        let next = self.peek_at(1);
        match c {
            // After `.` in Rust, digits are a tuple index: `t.0.1` is two field accesses,
            // not `t` and the float `0.1`.
            '0'..='9' if rust && self.after_dot() => self.tuple_index(),
            '0'..='9' => self.number(),
            // Rust has no `.5`; C has no tuple fields, so `.5` there is a float.
            '.' if !rust && next.is_some_and(|b| b.is_ascii_digit()) => self.number(),
            '\'' => self.char_literal(self.pos),
            '"' => self.string_literal(self.pos).map(Tok::Str),
            'b' if rust && next == Some(b'\'') => {
                let start = self.pos;
                self.pos += 1;
                self.char_literal(start)
            }
            'b' if rust && next == Some(b'"') => {
                let start = self.pos;
                self.pos += 1;
                self.string_literal(start).map(Tok::Str)
            }
            '$' => self.dollar(),
            c if c == '_' || c.is_alphabetic() => Ok(Tok::Ident(self.word().to_owned())),
            c => self.punct(c),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.pos.saturating_add(n)).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.input.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn text(&self, start: usize) -> String {
        self.input.get(start..self.pos).unwrap_or("").to_owned()
    }

    fn at(&self, offset: usize) -> (usize, usize) {
        (offset, column(self.input, offset))
    }

    fn after_dot(&self) -> bool {
        matches!(
            self.tokens.last(),
            Some(Token {
                tok: Tok::Punct("."),
                ..
            })
        )
    }

    /// Identifier characters from here on (possibly none).
    fn word(&mut self) -> &str {
        let start = self.pos;
        while let Some(c) = self
            .peek_char()
            .filter(|&c| c == '_' || c.is_alphanumeric())
        {
            self.pos += c.len_utf8();
        }
        self.input.get(start..self.pos).unwrap_or("")
    }

    fn skip_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn punct(&mut self, c: char) -> Result<Tok, ParseError> {
        let rest = self.input.get(self.pos..).unwrap_or("");
        match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                self.pos += p.len();
                Ok(Tok::Punct(p))
            }
            None => {
                let (offset, column) = self.at(self.pos);
                Err(ParseError::BadCharacter {
                    ch: c,
                    offset,
                    column,
                })
            }
        }
    }

    fn tuple_index(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos;
        self.skip_while(|b| b.is_ascii_digit());
        let value = self.digits_value(start, &self.text(start), 10)?;
        Ok(Tok::Int {
            value,
            kind: IntKind::Unsuffixed,
        })
    }

    /// A number. It is scanned as far as anything that can continue a number (letters,
    /// digits, `_`), as C's preprocessor does, so that `1q` or `0x1g` is one bad number rather
    /// than a number followed by a name.
    fn number(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos;
        let rust = self.lang == Language::Rust;
        let radix = match (self.peek(), self.peek_at(1)) {
            (Some(b'0'), Some(b'x' | b'X')) => 16,
            (Some(b'0'), Some(b'b' | b'B')) => 2,
            (Some(b'0'), Some(b'o')) if rust => 8,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
        }
        // Digits of any radix are taken here and checked against the radix below, so that
        // `0b102` is reported as a bad number.
        let digit = |b: u8| {
            if radix == 16 {
                b.is_ascii_hexdigit() || (rust && b == b'_')
            } else {
                b.is_ascii_digit() || (rust && b == b'_')
            }
        };
        let int_start = self.pos;
        self.skip_while(digit);
        let int_digits = self.text(int_start);
        let mut frac_digits: Option<String> = None;
        let floats = radix == 10 || (radix == 16 && !rust);
        if floats && self.peek() == Some(b'.') {
            let after = self.peek_at(1);
            let takes_dot = if rust {
                // `1.5` and `1.` are floats; `1..2` and `1.max` are not.
                after.is_some_and(|b| b.is_ascii_digit())
                    || !after.is_some_and(|b| b == b'.' || b == b'_' || b.is_ascii_alphabetic())
            } else {
                after != Some(b'.')
            };
            if takes_dot {
                self.pos += 1;
                let frac_start = self.pos;
                self.skip_while(digit);
                frac_digits = Some(self.text(frac_start));
            }
        }
        let mut exponent: Option<String> = None;
        let exp_letter = match radix {
            10 => Some(b'e'),
            16 if !rust => Some(b'p'),
            _ => None,
        };
        if let Some(letter) = exp_letter {
            let is_letter = self
                .peek()
                .is_some_and(|b| b.to_ascii_lowercase() == letter);
            let signed = matches!(self.peek_at(1), Some(b'+' | b'-'));
            let digit_at = if signed { 2 } else { 1 };
            if is_letter && self.peek_at(digit_at).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
                let exp_start = self.pos;
                if signed {
                    self.pos += 1;
                }
                self.skip_while(|b| b.is_ascii_digit() || (rust && b == b'_'));
                exponent = Some(self.text(exp_start));
            }
        }
        let suffix_start = self.pos;
        self.word();
        let suffix = self.text(suffix_start);
        // Rust allows `1_u8`.
        let suffix = if rust {
            suffix.trim_start_matches('_')
        } else {
            &suffix
        };
        let strip = |s: &str| -> String { s.chars().filter(|&c| c != '_').collect() };
        let int_digits = strip(&int_digits);
        let frac_digits = frac_digits.map(|f| strip(&f));
        let exponent = exponent.map(|e| strip(&e));
        let bad = || {
            let (offset, column) = self.at(start);
            ParseError::BadNumber {
                text: self.text(start),
                offset,
                column,
            }
        };

        let float_suffix = if rust {
            match suffix {
                "f32" => Some(true),
                "f64" | "" => Some(false),
                _ => None,
            }
        } else {
            match suffix {
                "f" | "F" => Some(true),
                "l" | "L" | "" => Some(false),
                _ => None,
            }
        };
        let is_float = frac_digits.is_some()
            || exponent.is_some()
            || (rust && radix == 10 && matches!(suffix, "f32" | "f64"));
        if is_float {
            let single = float_suffix.ok_or_else(bad)?;
            let frac = frac_digits.unwrap_or_default();
            if int_digits.is_empty() && frac.is_empty() {
                return Err(bad());
            }
            let value = if radix == 16 {
                // C requires the binary exponent of a hexadecimal float.
                let exp = exponent.ok_or_else(bad)?;
                hex_float(&int_digits, &frac, &exp).ok_or_else(bad)?
            } else {
                let int = if int_digits.is_empty() {
                    "0"
                } else {
                    &int_digits
                };
                let frac = if frac.is_empty() { "0" } else { &frac };
                let exp = exponent.as_deref().unwrap_or("0");
                format!("{int}.{frac}e{exp}")
                    .parse::<f64>()
                    .map_err(|_| bad())?
            };
            return Ok(Tok::Float { value, single });
        }

        let kind = if rust {
            match suffix {
                "" => Some(IntKind::Unsuffixed),
                s => rust_int_suffix(s).map(|(size, signed)| IntKind::Rust { size, signed }),
            }
        } else {
            match suffix.to_ascii_lowercase().as_str() {
                "" => Some(IntKind::Unsuffixed),
                "u" => Some(IntKind::Unsigned),
                "l" => Some(IntKind::Long),
                "ul" | "lu" => Some(IntKind::UnsignedLong),
                "ll" => Some(IntKind::LongLong),
                "ull" | "llu" => Some(IntKind::UnsignedLongLong),
                _ => None,
            }
        }
        .ok_or_else(bad)?;
        if int_digits.is_empty() {
            return Err(bad());
        }
        // A leading 0 makes a C integer octal; Rust says `0o`.
        let radix = if !rust && radix == 10 && int_digits.len() > 1 && int_digits.starts_with('0') {
            8
        } else {
            radix
        };
        let value = self.digits_value(start, &int_digits, radix)?;
        let max = match kind {
            // gdb's C parser, like C, has no integer type wider than 64 bits.
            IntKind::Rust { size, signed } => rust_max(size, signed),
            _ if rust => u128::MAX,
            _ => u128::from(u64::MAX),
        };
        if value > max {
            let (offset, column) = self.at(start);
            return Err(ParseError::IntegerTooLarge { offset, column });
        }
        Ok(Tok::Int { value, kind })
    }

    fn digits_value(&self, start: usize, digits: &str, radix: u32) -> Result<u128, ParseError> {
        let mut value: u128 = 0;
        for c in digits.chars() {
            let Some(d) = c.to_digit(radix) else {
                let (offset, column) = self.at(start);
                return Err(ParseError::BadNumber {
                    text: self.text(start),
                    offset,
                    column,
                });
            };
            value = value
                .checked_mul(u128::from(radix))
                .and_then(|v| v.checked_add(u128::from(d)))
                .ok_or_else(|| {
                    let (offset, column) = self.at(start);
                    ParseError::IntegerTooLarge { offset, column }
                })?;
        }
        Ok(value)
    }

    /// A character literal; `start` is where it begins (at `b` for `b'a'`), `self.pos` at
    /// the opening quote.
    fn char_literal(&mut self, start: usize) -> Result<Tok, ParseError> {
        self.pos += 1;
        let mut first = None;
        let mut count = 0usize;
        loop {
            let value = match self.peek_char() {
                None => {
                    let (offset, column) = self.at(start);
                    return Err(ParseError::UnterminatedChar { offset, column });
                }
                Some('\'') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => self.escape(start, false)?.0,
                Some(c) => {
                    self.pos += c.len_utf8();
                    u32::from(c)
                }
            };
            first = first.or(Some(value));
            count += 1;
        }
        let (offset, column) = self.at(start);
        match (first, count) {
            (Some(value), 1) => Ok(Tok::Char(value)),
            (None, _) => Err(ParseError::EmptyChar { offset, column }),
            _ => Err(ParseError::MultiChar { offset, column }),
        }
    }

    /// A string literal; `start` is where it begins, `self.pos` at the opening quote.
    fn string_literal(&mut self, start: usize) -> Result<Vec<u8>, ParseError> {
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            match self.peek_char() {
                None => {
                    let (offset, column) = self.at(start);
                    return Err(ParseError::UnterminatedString { offset, column });
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(bytes);
                }
                Some('\\') => {
                    let escape_start = self.pos;
                    let (value, how) = self.escape(start, true)?;
                    match (how, char::from_u32(value), u8::try_from(value)) {
                        (Escape::Unicode, Some(c), _) => {
                            let mut buf = [0; 4];
                            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        (Escape::Simple | Escape::Numeric, _, Ok(b)) => bytes.push(b),
                        _ => return Err(self.bad_escape(escape_start)),
                    }
                }
                Some(c) => {
                    self.pos += c.len_utf8();
                    let mut buf = [0; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }

    fn bad_escape(&self, escape_start: usize) -> ParseError {
        let (offset, column) = self.at(escape_start);
        ParseError::BadEscape {
            escape: self.text(escape_start),
            offset,
            column,
        }
    }

    /// An escape sequence, `self.pos` at the backslash. `start` is where the literal began,
    /// for the error when the input ends inside it.
    fn escape(&mut self, start: usize, in_string: bool) -> Result<(u32, Escape), ParseError> {
        let escape_start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek_char() else {
            let (offset, column) = self.at(start);
            return Err(if in_string {
                ParseError::UnterminatedString { offset, column }
            } else {
                ParseError::UnterminatedChar { offset, column }
            });
        };
        self.pos += c.len_utf8();
        let rust = self.lang == Language::Rust;
        let simple = |v: u32| Ok((v, Escape::Simple));
        match c {
            'n' => simple(10),
            't' => simple(9),
            'r' => simple(13),
            '\\' => simple(92),
            '\'' => simple(39),
            '"' => simple(34),
            '0' if rust => simple(0),
            'a' if !rust => simple(7),
            'b' if !rust => simple(8),
            'f' if !rust => simple(12),
            'v' if !rust => simple(11),
            '?' if !rust => simple(63),
            // GNU C's escape character, which gdb accepts too.
            'e' if !rust => simple(27),
            '0'..='7' if !rust => {
                let mut value = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|b| char::from(b).to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                Ok((value, Escape::Numeric))
            }
            'x' => {
                // Rust's `\x` takes exactly two digits; C's takes as many as follow.
                let most = if rust { 2 } else { usize::MAX };
                let value = self.hex_digits(escape_start, 1, most)?;
                if rust && self.pos - escape_start != 4 {
                    return Err(self.bad_escape(escape_start));
                }
                Ok((value, Escape::Numeric))
            }
            'u' if rust => {
                if self.peek() != Some(b'{') {
                    return Err(self.bad_escape(escape_start));
                }
                self.pos += 1;
                let value = self.hex_digits(escape_start, 1, 6)?;
                if self.peek() != Some(b'}') {
                    return Err(self.bad_escape(escape_start));
                }
                self.pos += 1;
                if char::from_u32(value).is_none() {
                    return Err(self.bad_escape(escape_start));
                }
                Ok((value, Escape::Unicode))
            }
            'u' | 'U' if !rust => {
                let len = if c == 'u' { 4 } else { 8 };
                let value = self.hex_digits(escape_start, len, len)?;
                if char::from_u32(value).is_none() {
                    return Err(self.bad_escape(escape_start));
                }
                Ok((value, Escape::Unicode))
            }
            _ => Err(self.bad_escape(escape_start)),
        }
    }

    /// Between `least` and `most` hex digits of an escape, as a value that must fit 32 bits.
    fn hex_digits(
        &mut self,
        escape_start: usize,
        least: usize,
        most: usize,
    ) -> Result<u32, ParseError> {
        let mut value: u32 = 0;
        let mut count = 0;
        while count < most {
            let Some(d) = self.peek().and_then(|b| char::from(b).to_digit(16)) else {
                break;
            };
            self.pos += 1;
            count += 1;
            value = value
                .checked_mul(16)
                .and_then(|v| v.checked_add(d))
                .ok_or_else(|| self.bad_escape(escape_start))?;
        }
        if count < least {
            return Err(self.bad_escape(escape_start));
        }
        Ok(value)
    }

    /// `$`, `$$`, `$$N`, `$N` (history) or `$name` (a register or convenience variable).
    fn dollar(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let too_large = |lexer: &Self| {
            let (offset, column) = lexer.at(start);
            ParseError::IntegerTooLarge { offset, column }
        };
        if self.peek() == Some(b'$') {
            self.pos += 1;
            let digits_start = self.pos;
            if self.skip_while(|b| b.is_ascii_digit()) == 0 {
                return Ok(Tok::History(HistoryRef::Relative(1)));
            }
            let n = self
                .text(digits_start)
                .parse::<u64>()
                .map_err(|_| too_large(self))?;
            return Ok(Tok::History(HistoryRef::Relative(n)));
        }
        let name = self.word().to_owned();
        if name.is_empty() {
            Ok(Tok::History(HistoryRef::Relative(0)))
        } else if name.bytes().all(|b| b.is_ascii_digit()) {
            let n = name.parse::<u64>().map_err(|_| too_large(self))?;
            Ok(Tok::History(HistoryRef::Absolute(n)))
        } else {
            Ok(Tok::Register(name))
        }
    }
}

/// The (bytes, signed) of a Rust integer suffix.
fn rust_int_suffix(suffix: &str) -> Option<(u8, bool)> {
    Some(match suffix {
        "i8" => (1, true),
        "i16" => (2, true),
        "i32" => (4, true),
        "i64" | "isize" => (8, true),
        "i128" => (16, true),
        "u8" => (1, false),
        "u16" => (2, false),
        "u32" => (4, false),
        "u64" | "usize" => (8, false),
        "u128" => (16, false),
        _ => return None,
    })
}

/// The largest literal a suffix allows. For a signed type that is one past its maximum, since
/// the literal of `-128i8` is `128i8` negated.
fn rust_max(size: u8, signed: bool) -> u128 {
    let bits = u32::from(size).saturating_mul(8).clamp(8, 128);
    if signed {
        1u128 << (bits - 1)
    } else {
        u128::MAX >> (128 - bits)
    }
}

/// The value of a C hexadecimal float `0x<int>.<frac>p<exp>`.
fn hex_float(int: &str, frac: &str, exp: &str) -> Option<f64> {
    let mut mantissa = 0f64;
    for c in int.chars().chain(frac.chars()) {
        mantissa = mantissa * 16.0 + f64::from(c.to_digit(16)?);
    }
    let (negative, digits) = match exp.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, exp.strip_prefix('+').unwrap_or(exp)),
    };
    let mut e: i32 = 0;
    for c in digits.chars() {
        e = e
            .saturating_mul(10)
            .saturating_add(i32::try_from(c.to_digit(10)?).ok()?);
    }
    let e = if negative { -e } else { e };
    let frac_bits = i32::try_from(frac.len())
        .unwrap_or(i32::MAX)
        .saturating_mul(4);
    Some(mantissa * 2f64.powi(e.saturating_sub(frac_bits)))
}
