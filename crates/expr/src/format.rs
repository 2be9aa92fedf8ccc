//! Values as text, as gdb 13 prints them for C and C++: `{x = 1, y = 2}`, `{0 <repeats 16
//! times>}`, `"abc", '\000' <repeats 12 times>`, `0x4011a0 <main>`, `65 'A'`, floats with
//! as many digits as their type holds, and gdb's `/x /d /u /o /t /c /f /s /a /z` formats.
//!
//! Printing never fails half-way: a member whose memory cannot be read prints as
//! `<error: Cannot access memory at address 0x...>` and the rest goes on. Only the
//! top-level value's own bytes decide an error (`print *p` of a bad pointer is an error, as
//! in gdb).

mod cache;
mod cpp;

use std::fmt::Write as _;

use crate::ast::Language;
use crate::context::Context;
use crate::error::{EvalError, Result};
use crate::types::{EnumType, StructType, Type, TypeRc};
use crate::value::{bytes_to_f64, le_u128, stripped, Value, MAX_FETCH};

/// gdb's `print elements`: the most array elements or string characters printed.
pub const PRINT_MAX: u64 = 200;
/// gdb's `print repeats`: a run longer than this prints as `<repeats N times>`.
pub const REPEAT_THRESHOLD: u64 = 10;
/// Nesting deeper than this prints as `...` (a corrupt or cyclic type must end).
const MAX_DEPTH: u32 = 40;

/// A gdb output format letter (`print/x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `x`: hexadecimal.
    Hex,
    /// `d`: signed decimal.
    Decimal,
    /// `u`: unsigned decimal.
    Unsigned,
    /// `o`: octal.
    Octal,
    /// `t`: binary.
    Binary,
    /// `c`: as a character.
    Char,
    /// `f`: as a floating-point number.
    Float,
    /// `s`: as a string.
    String,
    /// `a`: as an address, with the symbol it is in.
    Address,
    /// `z`: zero-padded hexadecimal.
    ZeroHex,
}

impl Format {
    /// The format a gdb letter names.
    pub fn from_letter(letter: char) -> Option<Format> {
        Some(match letter {
            'x' => Format::Hex,
            'd' => Format::Decimal,
            'u' => Format::Unsigned,
            'o' => Format::Octal,
            't' => Format::Binary,
            'c' => Format::Char,
            'f' => Format::Float,
            's' => Format::String,
            'a' => Format::Address,
            'z' => Format::ZeroHex,
            _ => return None,
        })
    }
}

/// How to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrintOptions {
    /// A format letter, applied to every scalar inside the value.
    pub format: Option<Format>,
}

/// The value as `print` shows it: a pointer with its type first (`(int *) 0x...`), a
/// function as `{int (int)} 0x... <f>`. An error when the value itself cannot be read.
pub fn print_value(ctx: &mut dyn Context, value: &Value, options: PrintOptions) -> Result<String> {
    let mut cached = cache::Cached::around(ctx, value);
    let ctx: &mut dyn Context = &mut cached;
    let ty = stripped(ctx, &value.ty)?;
    // The value's own bytes first: a bad pointer dereference is an error, not a
    // `<error: ...>` inside braces.
    if let Some(size) = ty.size() {
        if size <= MAX_FETCH && !matches!(ty.as_ref(), Type::Array { .. } | Type::Struct(_)) {
            value.fetch(ctx)?;
        } else if size > 0 {
            probe(ctx, value)?;
        }
    }
    if is_rust(ctx, options) {
        return Ok(crate::rust::debug_text(ctx, value));
    }
    let mut printer = Printer {
        ctx,
        options,
        out: String::new(),
    };
    if options.format.is_none() {
        match ty.as_ref() {
            Type::Pointer(target) if !is_plain_char(target) => {
                let _ = write!(printer.out, "({}) ", value.ty.name());
            }
            Type::Reference { .. } => {
                let _ = write!(printer.out, "({}) ", value.ty.name());
            }
            Type::Function { .. } => {
                let _ = write!(printer.out, "{{{}}} ", value.ty.name());
            }
            _ => {}
        }
    }
    printer.value(value, 0);
    Ok(printer.out)
}

/// The value as `info locals` and struct members show it: no type prefix.
pub fn show_value(ctx: &mut dyn Context, value: &Value, options: PrintOptions) -> String {
    let mut cached = cache::Cached::around(ctx, value);
    let ctx: &mut dyn Context = &mut cached;
    if is_rust(ctx, options) {
        return crate::rust::debug_text(ctx, value);
    }
    let mut printer = Printer {
        ctx,
        options,
        out: String::new(),
    };
    printer.value(value, 0);
    printer.out
}

/// Values of a Rust frame print as Rust's `{:?}` does, unless a gdb format letter asks for
/// gdb's way.
fn is_rust(ctx: &mut dyn Context, options: PrintOptions) -> bool {
    options.format.is_none() && ctx.language() == Language::Rust
}

/// Reads the first byte of a large value: an unreadable aggregate is an error at top level.
fn probe(ctx: &mut dyn Context, value: &Value) -> Result<()> {
    if let Some(address) = value.address() {
        ctx.read_memory(address, 1)?;
    } else if matches!(value.place, crate::Place::OptimizedOut) {
        return Err(EvalError::OptimizedOut);
    }
    Ok(())
}

/// A part of a value that has no value, as gdb prints it in place: `<optimized out>`,
/// `<error: Cannot access memory at address 0x...>`, `<error: ...>`.
pub(crate) fn error_text(out: &mut String, error: &EvalError) {
    match error {
        EvalError::OptimizedOut => out.push_str("<optimized out>"),
        EvalError::Memory { address } => {
            let _ = write!(out, "<error: Cannot access memory at address {address:#x}>");
        }
        other => {
            let _ = write!(out, "<error: {other}>");
        }
    }
}

/// A pointer gdb prints without its type: to a type named exactly `char` (qualifiers
/// aside).
fn is_plain_char(target: &TypeRc) -> bool {
    let mut ty = target.as_ref();
    while let Type::Const(inner) | Type::Volatile(inner) = ty {
        ty = inner;
    }
    matches!(ty, Type::Char { name, .. } if name == "char")
}

struct Printer<'c> {
    ctx: &'c mut dyn Context,
    options: PrintOptions,
    out: String,
}

impl Printer<'_> {
    fn value(&mut self, value: &Value, depth: u32) {
        if depth > MAX_DEPTH {
            self.out.push_str("...");
            return;
        }
        let ty = match stripped(self.ctx, &value.ty) {
            Ok(ty) => ty,
            Err(e) => return self.error(&e),
        };
        match ty.as_ref() {
            Type::Struct(s) if self.std_value(value, s, depth) => {}
            Type::Struct(s) => self.aggregate(value, s, depth),
            Type::Array { element, count } => self.array(value, element, *count, depth),
            Type::Function { .. } => match value.address() {
                Some(address) => {
                    let _ = write!(self.out, "{address:#x}");
                    self.symbol(address);
                }
                None => self.out.push_str("<function>"),
            },
            Type::Void => self.out.push_str("void"),
            _ => self.scalar(value, &ty),
        }
    }

    fn error(&mut self, error: &EvalError) {
        error_text(&mut self.out, error);
    }

    fn scalar(&mut self, value: &Value, ty: &TypeRc) {
        let bytes = match value.fetch(self.ctx) {
            Ok(bytes) => bytes,
            Err(e) => return self.error(&e),
        };
        if let Some(format) = self.options.format {
            if format != Format::String {
                return self.formatted(value, ty, &bytes, format);
            }
        }
        match ty.as_ref() {
            Type::Bool { .. } => match value.to_i128(self.ctx) {
                Ok(0) => self.out.push_str("false"),
                Ok(1) => self.out.push_str("true"),
                Ok(n) => {
                    let _ = write!(self.out, "{n}");
                }
                Err(e) => self.error(&e),
            },
            Type::Int { .. } => match value.to_i128(self.ctx) {
                Ok(n) => {
                    let _ = write!(self.out, "{n}");
                }
                Err(e) => self.error(&e),
            },
            Type::Char { size, .. } => match value.to_i128(self.ctx) {
                Ok(n) => self.char_value(n, *size),
                Err(e) => self.error(&e),
            },
            Type::Enum(e) => match value.to_i128(self.ctx) {
                Ok(n) => enum_text(&mut self.out, e, n),
                Err(err) => self.error(&err),
            },
            Type::Float { size, .. } => float_text(&mut self.out, &bytes, *size),
            Type::Pointer(target) => self.pointer(le_u128(&bytes) as u64, target),
            Type::MemberPointer { target, class } => {
                self.member_pointer(value, &bytes, target, class);
            }
            Type::Reference { target, .. } => {
                let address = le_u128(&bytes) as u64;
                let _ = write!(self.out, "@{address:#x}: ");
                let referred = Value::at(target.clone(), address);
                self.value(&referred, 1);
            }
            Type::Unknown { .. } | Type::Lazy { .. } => {
                let _ = write!(self.out, "0x{}", hex_digits(&bytes));
            }
            _ => self.out.push('?'),
        }
    }

    fn char_value(&mut self, n: i128, size: u8) {
        let _ = write!(self.out, "{n} ");
        let prefix = match size {
            1 => "",
            2 => "u",
            _ => "U",
        };
        self.out.push_str(prefix);
        self.out.push('\'');
        push_char(&mut self.out, n as u32 & char_mask(size), '\'');
        self.out.push('\'');
    }

    fn pointer(&mut self, address: u64, target: &TypeRc) {
        let _ = write!(self.out, "{address:#x}");
        let target = match stripped(self.ctx, target) {
            Ok(target) => target,
            Err(_) => return,
        };
        match target.as_ref() {
            Type::Function { .. } => self.symbol(address),
            Type::Char { size: 1, .. } if address != 0 => {
                self.out.push(' ');
                self.c_string_at(address);
            }
            _ => self.symbol(address),
        }
    }

    /// A pointer to member as gdb prints it: `&Holder::plain` for a data member (its
    /// offset), `NULL` for the null one (-1), and a member function by its type, address
    /// and symbol.
    fn member_pointer(&mut self, value: &Value, bytes: &[u8], target: &TypeRc, class: &TypeRc) {
        let word = le_u128(bytes.get(..8).unwrap_or(bytes)) as u64;
        if matches!(target.as_ref(), Type::Function { .. }) {
            let _ = write!(self.out, "({}) {word:#x}", value.ty.name());
            self.symbol(word);
            return;
        }
        if word == u64::MAX {
            self.out.push_str("NULL");
            return;
        }
        let class_name = class.base_name();
        let field = stripped(self.ctx, class)
            .ok()
            .and_then(|ty| match ty.as_ref() {
                Type::Struct(s) => s
                    .fields
                    .iter()
                    .find(|f| f.offset == word && !f.base && f.bits.is_none())
                    .and_then(|f| f.name.clone()),
                _ => None,
            });
        match field {
            Some(name) => {
                let _ = write!(self.out, "&{class_name}::{name}");
            }
            None => {
                let _ = write!(self.out, "{word}");
            }
        }
    }

    /// ` <name+off>` when the address is in a symbol (functions always; data only where a
    /// symbol covers it, as gdb's `print symbol`).
    fn symbol(&mut self, address: u64) {
        if address == 0 {
            return;
        }
        if let Some((name, offset)) = self.ctx.symbolize(address) {
            if offset == 0 {
                let _ = write!(self.out, " <{name}>");
            } else {
                let _ = write!(self.out, " <{name}+{offset}>");
            }
        }
    }

    /// A NUL-terminated string at `address`, at most [`PRINT_MAX`] characters.
    fn c_string_at(&mut self, address: u64) {
        let mut bytes = Vec::new();
        let mut terminated = false;
        let mut cursor = address;
        while (bytes.len() as u64) < PRINT_MAX {
            // Up to the next 64-byte boundary, so that a string ending just before an
            // unmapped page reads.
            let chunk = (64 - (cursor % 64)).min(PRINT_MAX - bytes.len() as u64) as usize;
            let read = match self.ctx.read_memory(cursor, chunk) {
                Ok(read) => read,
                Err(e) => {
                    if bytes.is_empty() {
                        return self.error(&e);
                    }
                    break;
                }
            };
            if let Some(end) = read.iter().position(|b| *b == 0) {
                bytes.extend_from_slice(read.get(..end).unwrap_or_default());
                terminated = true;
                break;
            }
            bytes.extend_from_slice(&read);
            cursor = cursor.wrapping_add(chunk as u64);
        }
        let chars: Vec<u32> = bytes.iter().map(|b| u32::from(*b)).collect();
        string_text(&mut self.out, &chars, !terminated);
    }

    fn aggregate(&mut self, value: &Value, s: &StructType, depth: u32) {
        let fields: Vec<_> = s.fields.iter().collect();
        let statics = s.cpp.as_ref().map_or(0, |cpp| cpp.statics.len());
        if fields.is_empty() && statics == 0 {
            self.out.push_str(if s.incomplete {
                "<incomplete type>"
            } else {
                "{<No data fields>}"
            });
            return;
        }
        self.out.push('{');
        let mut first = true;
        for (i, field) in fields.iter().enumerate() {
            self.static_members(s, i, &mut first, depth);
            if !first {
                self.out.push_str(", ");
            }
            first = false;
            if field.base {
                let _ = write!(self.out, "<{}> = ", field.ty.base_name());
            } else if let Some(name) = &field.name {
                let _ = write!(self.out, "{name} = ");
            }
            let member = match field.bits {
                Some((bit_offset, width)) => value.bitfield(field.ty.clone(), bit_offset, width),
                None => value.part(field.ty.clone(), field.offset),
            };
            self.value(&member, depth + 1);
        }
        self.static_members(s, usize::MAX, &mut first, depth);
        self.out.push('}');
    }

    /// A C++ class's static members declared before field `position` (all that are left
    /// for `usize::MAX`), as gdb prints them: `static count = 3`.
    fn static_members(&mut self, s: &StructType, position: usize, first: &mut bool, depth: u32) {
        let Some(cpp) = &s.cpp else { return };
        let class = s.name.as_deref().unwrap_or_default();
        let before = |p: usize| {
            if position == usize::MAX {
                p >= s.fields.len()
            } else {
                p == position
            }
        };
        for member in cpp.statics.iter().filter(|m| before(m.position)) {
            if !*first {
                self.out.push_str(", ");
            }
            *first = false;
            let _ = write!(self.out, "static {} = ", member.name);
            match self.ctx.lookup(&format!("{class}::{}", member.name)) {
                Ok(Some(found)) => self.value(&found, depth + 1),
                Ok(None) => self.out.push_str("<optimized out>"),
                Err(e) => self.error(&e),
            }
        }
    }

    fn array(&mut self, value: &Value, element: &TypeRc, count: Option<u64>, depth: u32) {
        let element_ty = match stripped(self.ctx, element) {
            Ok(ty) => ty,
            Err(e) => return self.error(&e),
        };
        let size = element_ty.size().unwrap_or(0);
        let count = match count {
            Some(count) if count > 0 && size > 0 => count,
            _ => {
                // A flexible array member (`char text[]`): gdb shows where it starts, and
                // the string there for characters.
                match value.address() {
                    Some(address) => self.pointer(address, element),
                    None => self.out.push_str("{}"),
                }
                return;
            }
        };
        let as_string =
            element_ty.is_byte_char() && matches!(self.options.format, None | Some(Format::String));
        if as_string {
            let shown = count.min(PRINT_MAX);
            let bytes = match fetch_elements(self.ctx, value, size, shown) {
                Ok(bytes) => bytes,
                Err(e) => return self.error(&e),
            };
            let mut chars: Vec<u32> = bytes.iter().map(|b| u32::from(*b)).collect();
            let truncated = count > PRINT_MAX;
            // gdb drops one trailing NUL of a whole array.
            if !truncated && chars.last() == Some(&0) {
                chars.pop();
            }
            string_text(&mut self.out, &chars, truncated);
            return;
        }
        self.out.push('{');
        let mut printed = 0u64;
        let mut i = 0u64;
        while i < count && printed < PRINT_MAX {
            if i > 0 {
                self.out.push_str(", ");
            }
            let item = value.part(element.clone(), i * size);
            let bytes = item.fetch(self.ctx).ok();
            let mut reps = 1u64;
            if let Some(bytes) = &bytes {
                while i + reps < count {
                    let next = value.part(element.clone(), (i + reps) * size);
                    match next.fetch(self.ctx) {
                        Ok(other) if &other == bytes => reps += 1,
                        _ => break,
                    }
                }
            }
            self.value(&item, depth + 1);
            if reps > REPEAT_THRESHOLD {
                let _ = write!(self.out, " <repeats {reps} times>");
                i += reps;
                printed += REPEAT_THRESHOLD;
            } else {
                i += 1;
                printed += 1;
            }
        }
        if i < count {
            self.out.push_str("...");
        }
        self.out.push('}');
    }

    fn formatted(&mut self, value: &Value, ty: &TypeRc, bytes: &[u8], format: Format) {
        // A bitfield is formatted as a value of its declared type (gdb's `/d` of an
        // `unsigned int x : 3` holding 5 is 5).
        let size = match value.bits {
            Some(_) => ty.size().unwrap_or(8).min(16) as usize,
            None => bytes.len().min(16),
        };
        let raw = match value.bits {
            Some(_) => value.to_i128(self.ctx).unwrap_or(0) as u128,
            None => le_u128(bytes),
        };
        let bits = (size * 8) as u32;
        let mask = if bits >= 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        let unsigned = raw & mask;
        let signed = if bits > 0 && bits < 128 && unsigned >> (bits - 1) & 1 == 1 {
            (unsigned | !mask) as i128
        } else {
            unsigned as i128
        };
        let is_float = matches!(ty.as_ref(), Type::Float { .. });
        match format {
            Format::Hex => {
                let _ = write!(self.out, "{unsigned:#x}");
            }
            Format::ZeroHex => {
                let width = (bits as usize).div_ceil(4);
                let _ = write!(self.out, "0x{unsigned:0width$x}");
            }
            Format::Octal => {
                if unsigned == 0 {
                    self.out.push('0');
                } else {
                    let _ = write!(self.out, "0{unsigned:o}");
                }
            }
            Format::Binary => {
                let _ = write!(self.out, "{unsigned:b}");
            }
            Format::Decimal => {
                let _ = write!(self.out, "{signed}");
            }
            Format::Unsigned => {
                let _ = write!(self.out, "{unsigned}");
            }
            Format::Char => {
                let byte = (unsigned & 0xff) as u8 as i8;
                self.char_value(i128::from(byte), 1);
            }
            Format::Float => {
                if is_float {
                    if let Type::Float { size, .. } = ty.as_ref() {
                        float_text(&mut self.out, bytes, *size);
                    }
                } else if matches!(size, 4 | 8) && value.bits.is_none() {
                    float_text(&mut self.out, bytes, size as u8);
                } else {
                    let _ = write!(self.out, "{signed}");
                }
            }
            Format::Address => {
                let address = unsigned as u64;
                let _ = write!(self.out, "{address:#x}");
                self.symbol(address);
            }
            Format::String => {}
        }
    }
}

/// `count` elements of `size` bytes from the start of an array value, in one read.
fn fetch_elements(ctx: &mut dyn Context, value: &Value, size: u64, count: u64) -> Result<Vec<u8>> {
    let total = size.saturating_mul(count);
    if total > MAX_FETCH {
        return Err(EvalError::TooLarge(total));
    }
    let bytes_ty = std::sync::Arc::new(Type::Array {
        element: Type::int(1, false),
        count: Some(total),
    });
    value.part(bytes_ty, 0).fetch(ctx)
}

fn char_mask(size: u8) -> u32 {
    match size {
        1 => 0xff,
        2 => 0xffff,
        _ => u32::MAX,
    }
}

/// Characters as gdb prints a string: quoted runs, with runs of more than
/// [`REPEAT_THRESHOLD`] equal characters as `'c' <repeats N times>`, joined by `, `;
/// `...` after a truncated one.
fn string_text(out: &mut String, chars: &[u32], truncated: bool) {
    if chars.is_empty() {
        out.push_str("\"\"");
        if truncated {
            out.push_str("...");
        }
        return;
    }
    let mut in_quotes = false;
    let mut first = true;
    let mut i = 0usize;
    while i < chars.len() {
        let Some(&c) = chars.get(i) else { break };
        let run = chars
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&other| other == c)
            .count();
        if run as u64 > REPEAT_THRESHOLD {
            if in_quotes {
                out.push('"');
                in_quotes = false;
            }
            if !first {
                out.push_str(", ");
            }
            out.push('\'');
            push_char(out, c, '\'');
            let _ = write!(out, "' <repeats {run} times>");
            i += run;
        } else {
            if !in_quotes {
                if !first {
                    out.push_str(", ");
                }
                out.push('"');
                in_quotes = true;
            }
            push_char(out, c, '"');
            i += 1;
        }
        first = false;
    }
    if in_quotes {
        out.push('"');
    }
    if truncated {
        out.push_str("...");
    }
}

/// One character as C source writes it inside `quote`s: printable ASCII as itself, the
/// usual escapes, and octal for everything else (as gdb does in the C locale).
fn push_char(out: &mut String, c: u32, quote: char) {
    match c {
        0x07 => out.push_str("\\a"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0x0a => out.push_str("\\n"),
        0x0d => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x0b => out.push_str("\\v"),
        0x1b => out.push_str("\\033"),
        0x5c => out.push_str("\\\\"),
        _ if char::from_u32(c) == Some(quote) => {
            out.push('\\');
            out.push(quote);
        }
        0x20..=0x7e => out.push(char::from_u32(c).unwrap_or('?')),
        _ if c <= 0xff => {
            let _ = write!(out, "\\{c:03o}");
        }
        _ => {
            let _ = write!(out, "\\x{c:x}");
        }
    }
}

/// An enum value as gdb prints it: the enumerator's name; for a flag enum (enumerators of
/// disjoint bits) the names of the bits set, `(A | C)`, with any `unknown: 0x..` rest;
/// else the number.
fn enum_text(out: &mut String, e: &EnumType, value: i128) {
    if let Some((name, _)) = e.values.iter().find(|(_, v)| *v == value) {
        out.push_str(name);
        return;
    }
    if !is_flag_enum(e) || value < 0 {
        let _ = write!(out, "{value}");
        return;
    }
    let mut rest = value;
    let mut first = true;
    for (name, bits) in &e.values {
        if rest & bits != 0 {
            out.push_str(if first { "(" } else { " | " });
            first = false;
            rest &= !bits;
            out.push_str(name);
        }
    }
    if rest != 0 {
        out.push_str(if first { "(unknown: " } else { " | unknown: " });
        let _ = write!(out, "{rest:#x})");
    } else if first {
        out.push('0');
    } else {
        out.push(')');
    }
}

/// gdb's flag enum: every enumerator is non-negative and no two share a bit.
fn is_flag_enum(e: &EnumType) -> bool {
    let mut seen = 0i128;
    for (_, value) in &e.values {
        if *value < 0 || seen & value != 0 {
            return false;
        }
        seen |= value;
    }
    true
}

/// A float of `size` bytes as gdb prints it: `%g` with the digits its mantissa holds (9
/// for float, 17 for double, 21 for x87 long double), `inf`, `-nan(0x...)`.
fn float_text(out: &mut String, bytes: &[u8], size: u8) {
    let value = bytes_to_f64(
        bytes
            .get(..usize::from(size).min(bytes.len()))
            .unwrap_or(bytes),
    );
    if value.is_nan() {
        let (negative, payload) = match size {
            4 => {
                let bits = le_u128(bytes.get(..4).unwrap_or_default()) as u32;
                (bits >> 31 != 0, u64::from(bits & 0x7f_ffff))
            }
            8 => {
                let bits = le_u128(bytes.get(..8).unwrap_or_default()) as u64;
                (bits >> 63 != 0, bits & ((1 << 52) - 1))
            }
            _ => {
                let top = le_u128(bytes.get(8..10).unwrap_or_default()) as u64;
                let mantissa = le_u128(bytes.get(..8).unwrap_or_default()) as u64;
                (top & 0x8000 != 0, mantissa & ((1 << 62) - 1))
            }
        };
        let sign = if negative { "-" } else { "" };
        let _ = write!(out, "{sign}nan({payload:#x})");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value < 0.0 { "-inf" } else { "inf" });
        return;
    }
    let digits = match size {
        4 => 9,
        8 => 17,
        _ => 21,
    };
    // A float printed with more digits than an f32 holds shows the f32's exact value, as
    // glibc's printf of the promoted double does.
    out.push_str(&format_g(value, digits));
}

/// C's `%.{precision}g`.
pub(crate) fn format_g(value: f64, precision: usize) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = trim_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        trim_zeros(&format!("{value:.decimals$}")).to_string()
    }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

fn hex_digits(bytes: &[u8]) -> String {
    bytes.iter().rev().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_with_their_types_digits() {
        assert_eq!(format_g(f64::from(1.1f32), 9), "1.10000002");
        assert_eq!(format_g(std::f64::consts::PI, 17), "3.1415926535897931");
        assert_eq!(format_g(1.0 / 3.0, 17), "0.33333333333333331");
        assert_eq!(format_g(1e300, 17), "1.0000000000000001e+300");
        assert_eq!(format_g(5e-324, 17), "4.9406564584124654e-324");
        assert_eq!(format_g(2.5, 21), "2.5");
        assert_eq!(format_g(0.5, 17), "0.5");
        assert_eq!(format_g(100.0, 17), "100");
        assert_eq!(format_g(1e-5, 17), "1.0000000000000001e-05");
    }

    #[test]
    fn strings_group_long_runs() {
        let check = |s: &[u8], truncated: bool, expected: &str| {
            let chars: Vec<u32> = s.iter().map(|b| u32::from(*b)).collect();
            let mut out = String::new();
            string_text(&mut out, &chars, truncated);
            assert_eq!(out, expected);
        };
        check(
            b"abc\0\0\0\0\0\0\0\0\0\0\0\0",
            false,
            r#""abc", '\000' <repeats 12 times>"#,
        );
        check(
            b"square\0\0\0\0\0",
            false,
            r#""square\000\000\000\000\000""#,
        );
        check(b"\0\0\xc0?", false, r#""\000\000\300?""#);
        check(b"tab\there \"q\"", false, r#""tab\there \"q\"""#);
        check(b"", false, r#""""#);
        check(
            b"aaaaaaaaaaaaxy",
            true,
            r#"'a' <repeats 12 times>, "xy"..."#,
        );
    }

    #[test]
    fn flag_enums_decompose() {
        let flags = EnumType {
            name: Some("flags".into()),
            size: 4,
            signed: false,
            values: vec![("A".into(), 1), ("B".into(), 2), ("C".into(), 4)],
            cpp: None,
        };
        let text = |v| {
            let mut out = String::new();
            enum_text(&mut out, &flags, v);
            out
        };
        assert_eq!(text(2), "B");
        assert_eq!(text(5), "(A | C)");
        assert_eq!(text(9), "(A | unknown: 0x8)");
        assert_eq!(text(8), "(unknown: 0x8)");
        assert_eq!(text(0), "0");
    }
}
