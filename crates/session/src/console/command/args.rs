//! Argument values of commands: numbers, ids and counts, addresses, signals, byte strings,
//! and register names and values.

use crate::{Location, Reg, RegFormat, RegValue};

use super::table::Spec;

/// An address: a number (hex with `0x`, or decimal), `symbol`, `symbol+offset`, `$REG` or
/// an expression (`&total`); resolved when the command runs.
pub fn parse_address(text: &str) -> Result<Location, String> {
    Location::parse_address(text).map_err(|e| e.to_string())
}

/// A location as `break` and `list` take it: a bare decimal number is a line of the current
/// source file (as in gdb).
pub fn parse_location(text: &str) -> Result<Location, String> {
    Location::parse_location(text).map_err(|e| e.to_string())
}

/// The program's arguments and redirections as `run` takes them (`run ARGS < in > out`):
/// words split and unquoted as a shell does; `<FILE`, `>FILE` and `2>FILE` (with or without a
/// space) redirect its standard streams.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgramArgs {
    /// The arguments after the program name.
    pub args: Vec<String>,
    /// Standard input from this file.
    pub stdin: Option<String>,
    /// Standard output to this file.
    pub stdout: Option<String>,
    /// Standard error to this file.
    pub stderr: Option<String>,
}

impl ProgramArgs {
    /// `None` for an empty line (the last run's arguments are used again).
    pub fn parse(text: &str) -> Result<Option<ProgramArgs>, String> {
        let words = shell_words::split(text).map_err(|e| format!("invalid arguments: {e}"))?;
        if words.is_empty() {
            return Ok(None);
        }
        let mut parsed = ProgramArgs::default();
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let (target, file) = if let Some(file) = word.strip_prefix("2>") {
                (&mut parsed.stderr, file.to_string())
            } else if let Some(file) = word.strip_prefix('>') {
                (&mut parsed.stdout, file.to_string())
            } else if let Some(file) = word.strip_prefix('<') {
                (&mut parsed.stdin, file.to_string())
            } else {
                parsed.args.push(word);
                continue;
            };
            let file = match file.is_empty() {
                true => words
                    .next()
                    .ok_or_else(|| format!("`{word}` needs a file name after it"))?,
                false => file,
            };
            *target = Some(file);
        }
        Ok(Some(parsed))
    }
}

pub(super) fn parse_u64(text: &str, what: &str) -> Result<u64, String> {
    match parse_integer(text) {
        Some(value) if value <= u128::from(u64::MAX) => Ok(value as u64),
        _ => Err(format!("invalid {what} `{text}`: expected a number")),
    }
}

pub(super) fn parse_id(text: &str) -> Result<u32, String> {
    match parse_integer(text) {
        Some(value) if value <= u128::from(u32::MAX) => Ok(value as u32),
        _ => Err(format!("invalid breakpoint id `{text}`")),
    }
}

pub(super) fn one_id(args: &[&str], sub: &str) -> Result<u32, String> {
    match args {
        [id] => parse_id(id),
        _ => Err(format!("usage: breakpoint {sub} ID")),
    }
}

pub(super) fn one_watch_id(args: &[&str], sub: &str) -> Result<u32, String> {
    match args {
        [id] => parse_integer(id)
            .filter(|v| *v <= u128::from(u32::MAX))
            .map(|v| v as u32)
            .ok_or_else(|| format!("invalid watchpoint id `{id}`")),
        _ => Err(format!("usage: watchpoint {sub} ID")),
    }
}

/// `0102ff` → `[1, 2, 255]`.
pub(super) fn parse_hex_string(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty()
        || !digits.len().is_multiple_of(2)
        || !digits.iter().all(u8::is_ascii_hexdigit)
    {
        return Err(format!(
            "invalid bytes `{text}`: expected [0x01,0x02] or a hex string like 0102"
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("invalid bytes `{text}`"))
        })
        .collect()
}

/// A signal by name (`SIGUSR1`, `usr1`) or number.
pub fn parse_signal(text: &str) -> Result<crate::Signal, String> {
    if let Some(number) = parse_integer(text) {
        return i32::try_from(number)
            .ok()
            .and_then(|n| crate::Signal::try_from(n).ok())
            .ok_or_else(|| format!("no signal number {text}"));
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse::<crate::Signal>()
        .map_err(|_| format!("unknown signal `{text}`"))
}

pub(super) fn optional_count(rest: &[&str], spec: &Spec) -> Result<u64, String> {
    match rest {
        [] => Ok(1),
        [count] => match parse_integer(count) {
            Some(n) if n >= 1 && n <= u128::from(u64::MAX) => Ok(n as u64),
            _ => Err(format!(
                "invalid count `{count}`: expected a positive number"
            )),
        },
        [_, extra, ..] => Err(format!("unexpected argument `{extra}` to `{}`", spec.name)),
    }
}

pub(super) fn register_named(name: &str) -> Result<Reg, String> {
    let lower = name.trim_start_matches('$').to_ascii_lowercase();
    Reg::from_name(&lower).ok_or_else(|| match lower.as_str() {
        "dr4" | "dr5" => {
            format!("no such register `{name}` (dr4 and dr5 are reserved aliases of dr6 and dr7)")
        }
        _ => format!("no such register `{name}`"),
    })
}

/// A number: decimal, or hex with `0x`; `None` if it is neither.
pub fn parse_integer(text: &str) -> Option<u128> {
    let text = text.replace('_', "");
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u128::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() => text.parse().ok(),
        None => None,
    }
}

/// A byte list `[0x01,0x02,...]`; `None` if `text` is not bracketed, an error if it is
/// malformed.
pub(super) fn parse_byte_list(text: &str) -> Option<Result<Vec<u8>, String>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Err("empty byte list".into()));
    }
    Some(
        inner
            .split(',')
            .map(|item| {
                let item = item.trim();
                match parse_integer(item) {
                    Some(byte) if byte <= 0xff => Ok(byte as u8),
                    _ => Err(format!("invalid byte `{item}` in byte list")),
                }
            })
            .collect(),
    )
}

fn parse_float(text: &str) -> Option<f64> {
    if let Some(n) = parse_integer(text) {
        return Some(n as f64);
    }
    let lower = text.to_ascii_lowercase();
    let valid = lower
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.e".contains(&b))
        || matches!(
            lower.trim_start_matches(['-', '+']),
            "inf" | "infinity" | "nan"
        );
    if valid {
        lower.parse::<f64>().ok()
    } else {
        None
    }
}

/// Parse `text` as a value for `reg`: an integer for integer registers, a float for `st*` and
/// `xmm*` (xmm as a double in the low lane), or a byte list for any register.
pub fn parse_register_value(reg: Reg, text: &str) -> Result<RegValue, String> {
    let info = reg.info();
    let too_big = || {
        format!(
            "value `{text}` does not fit register {} ({} bytes)",
            info.name, info.size
        )
    };
    if let Some(bytes) = parse_byte_list(text) {
        let bytes = bytes?;
        if bytes.len() != info.size {
            return Err(format!(
                "register {} takes exactly {} bytes, the list has {}",
                info.name,
                info.size,
                bytes.len()
            ));
        }
        return RegValue::from_bytes(&bytes, info.format).ok_or_else(too_big);
    }
    match info.format {
        RegFormat::Uint => {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let magnitude = parse_integer(digits).ok_or_else(|| {
                format!(
                    "invalid value `{text}` for register {}: expected an integer",
                    info.name
                )
            })?;
            let bits = info.size * 8;
            let value = if negative {
                // Two's complement within the register's width, if it fits as a signed value.
                if magnitude == 0 || magnitude > 1u128 << (bits - 1) {
                    return if magnitude == 0 {
                        Ok(RegValue::from_u128(0, info.size).ok_or_else(too_big)?)
                    } else {
                        Err(too_big())
                    };
                }
                let modulus_minus_one = if bits == 128 {
                    u128::MAX
                } else {
                    (1u128 << bits) - 1
                };
                modulus_minus_one - magnitude + 1
            } else {
                magnitude
            };
            RegValue::from_u128(value, info.size).ok_or_else(too_big)
        }
        RegFormat::LongDouble => {
            let value = parse_float(text).ok_or_else(|| {
                format!(
                    "invalid value `{text}` for register {}: expected a number",
                    info.name
                )
            })?;
            Ok(RegValue::long_double(value))
        }
        RegFormat::Vector => {
            let value = parse_float(text).ok_or_else(|| {
                format!(
                    "invalid value `{text}` for register {}: expected a number or a byte list",
                    info.name
                )
            })?;
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&value.to_le_bytes());
            RegValue::from_bytes(&bytes, RegFormat::Vector).ok_or_else(too_big)
        }
    }
}
