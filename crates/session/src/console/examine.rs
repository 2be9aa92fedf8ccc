//! gdb's `x/NFU ADDRESS`: N units of U bytes (b, h, w, g) shown in format F (x d u o t c a f z),
//! or N strings (`s`) or N instructions (`i`), laid out as gdb lays them out.

/// How `x` shows memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `x`: hex, zero-padded to the unit.
    Hex,
    /// `z`: hex, zero-padded (as `x`).
    ZeroHex,
    /// `d`: signed decimal.
    Signed,
    /// `u`: unsigned decimal.
    Unsigned,
    /// `o`: octal.
    Octal,
    /// `t`: binary.
    Binary,
    /// `c`: a byte as number and character.
    Char,
    /// `a`: an address, with the symbol it is in.
    Address,
    /// `f`: a floating-point number (units w and g).
    Float,
    /// `s`: a NUL-terminated string.
    String,
    /// `i`: machine instructions.
    Instruction,
}

/// A parsed `/NFU`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// N: how many units, strings or instructions.
    pub count: usize,
    /// F.
    pub format: Format,
    /// U in bytes: 1, 2, 4 or 8.
    pub unit: usize,
}

/// The most units one `x` shows.
const MAX_COUNT: usize = 4096;

/// Parse the text after `x/` (`4xg`, `3i`, `s`, `10c`); defaults as gdb's: one unit, hex,
/// words (giant words for `a`, bytes for `c` and `s`).
pub fn parse(text: &str) -> Result<Spec, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (count, letters) = text.split_at(digits);
    let count = match count {
        "" => 1,
        count => count
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or_else(|| {
                format!("invalid count `{count}` in `x/{text}`: expected 1 to {MAX_COUNT}")
            })?,
    };
    let (mut format, mut unit) = (None, None);
    for letter in letters.chars() {
        let size = match letter {
            'b' => Some(1),
            'h' => Some(2),
            'w' => Some(4),
            'g' => Some(8),
            _ => None,
        };
        if let Some(size) = size {
            unit = Some(size);
            continue;
        }
        format = Some(match letter {
            'x' => Format::Hex,
            'z' => Format::ZeroHex,
            'd' => Format::Signed,
            'u' => Format::Unsigned,
            'o' => Format::Octal,
            't' => Format::Binary,
            'c' => Format::Char,
            'a' => Format::Address,
            'f' => Format::Float,
            's' => Format::String,
            'i' => Format::Instruction,
            other => return Err(format!("invalid format letter `{other}` in `x/{text}`: expected x, z, d, u, o, t, c, a, f, s, i and a size b, h, w or g")),
        });
    }
    let format = format.unwrap_or(Format::Hex);
    let unit = match (format, unit) {
        (Format::Address, _) => 8,
        (Format::Char | Format::String, None) => 1,
        (Format::Float, None) => 8,
        (Format::Float, Some(size)) if size < 4 => {
            return Err(format!("x/{text}: floats are 4 (w) or 8 (g) bytes"))
        }
        (_, Some(size)) => size,
        (_, None) => 4,
    };
    Ok(Spec {
        count,
        format,
        unit,
    })
}

/// How many units gdb puts on one line.
pub fn per_line(spec: &Spec) -> usize {
    match (spec.format, spec.unit) {
        (Format::Address, _) | (_, 8) => 2,
        (Format::Char, _) => 8,
        (Format::Float, 4) | (_, 4) => 4,
        _ => 8,
    }
}

/// One unit (little-endian `bytes`, `unit` long) as `format` shows it.
pub fn unit_text(format: Format, bytes: &[u8], symbol: Option<&str>) -> String {
    let mut raw = [0u8; 8];
    for (slot, byte) in raw.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    let value = u64::from_le_bytes(raw);
    let bits = bytes.len() * 8;
    let signed = if bits >= 64 {
        value as i64
    } else {
        let shift = 64 - bits;
        ((value << shift) as i64) >> shift
    };
    match format {
        Format::Hex | Format::ZeroHex => format!("{value:#0width$x}", width = bytes.len() * 2 + 2),
        Format::Signed => signed.to_string(),
        Format::Unsigned => value.to_string(),
        Format::Octal if value == 0 => "0".to_string(),
        Format::Octal => format!("0{value:o}"),
        Format::Binary => format!("{value:0width$b}", width = bits),
        Format::Char => {
            let byte = bytes.first().copied().unwrap_or(0);
            format!("{} {}", byte as i8, char_literal(byte))
        }
        Format::Address => match symbol {
            Some(symbol) => format!("{value:#x} <{symbol}>"),
            None => format!("{value:#x}"),
        },
        Format::Float if bytes.len() == 4 => f32::from_bits(value as u32).to_string(),
        Format::Float => f64::from_bits(value).to_string(),
        Format::String | Format::Instruction => String::new(),
    }
}

/// A byte as gdb writes a character: `'a'`, `'\n'`, `'\000'`.
fn char_literal(byte: u8) -> String {
    format!("'{}'", escaped(byte, '\''))
}

/// A byte inside a C literal quoted with `quote`.
fn escaped(byte: u8, quote: char) -> String {
    match byte {
        b'\n' => "\\n".into(),
        b'\t' => "\\t".into(),
        b'\r' => "\\r".into(),
        b'\\' => "\\\\".into(),
        0x07 => "\\a".into(),
        0x08 => "\\b".into(),
        0x0c => "\\f".into(),
        0x0b => "\\v".into(),
        0x1b => "\\033".into(),
        byte if byte as char == quote => format!("\\{quote}"),
        byte if byte.is_ascii_graphic() || byte == b' ' => (byte as char).to_string(),
        byte => format!("\\{byte:03o}"),
    }
}

/// A C string as gdb shows it: `"text"` (escapes as C writes them).
pub fn string_text(bytes: &[u8]) -> String {
    let body: String = bytes.iter().map(|b| escaped(*b, '"')).collect();
    format!("\"{body}\"")
}

/// `0x555555558010 <total>` / `<total+4>`: an address with the symbol it is in.
pub fn label(address: crate::VirtAddr, symbol: Option<&str>) -> String {
    match symbol {
        Some(symbol) => format!("{address:#x} <{}>", symbol.trim_end_matches("+0")),
        None => format!("{address:#x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_units_as_gdb_writes_them() {
        let spec = |text| parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            spec("4xg"),
            Spec {
                count: 4,
                format: Format::Hex,
                unit: 8
            }
        );
        assert_eq!(spec("3i").format, Format::Instruction);
        assert_eq!(
            spec("s"),
            Spec {
                count: 1,
                format: Format::String,
                unit: 1
            }
        );
        assert_eq!(spec("").unit, 4);
        assert_eq!(spec("2a").unit, 8);
        assert!(parse("4q").is_err());
        assert!(parse("0x").is_err());
        assert!(parse("1hf").is_err());
        assert_eq!(unit_text(Format::Hex, &[1, 0, 0, 0], None), "0x00000001");
        assert_eq!(unit_text(Format::Signed, &[0xff], None), "-1");
        assert_eq!(unit_text(Format::Unsigned, &[0xff], None), "255");
        assert_eq!(unit_text(Format::Octal, &[8], None), "010");
        assert_eq!(unit_text(Format::Binary, &[5], None), "00000101");
        assert_eq!(unit_text(Format::Char, b"a", None), "97 'a'");
        assert_eq!(unit_text(Format::Char, &[0], None), "0 '\\000'");
        assert_eq!(unit_text(Format::Float, &1.5f64.to_le_bytes(), None), "1.5");
        assert_eq!(string_text(b"a\tb\"c"), "\"a\\tb\\\"c\"");
        assert_eq!(per_line(&spec("4xg")), 2);
        assert_eq!(per_line(&spec("8xb")), 8);
    }
}
