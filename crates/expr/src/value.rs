//! Values: a type and where the value lives. A value is not read when it is made: its bytes
//! are fetched when something needs them (a struct prints its fields one by one, an array
//! only its first 200 elements), so a value may be as large as the program's memory.

use std::sync::Arc;

use crate::context::Context;
use crate::error::{EvalError, Result};
use crate::types::{Type, TypeRc};

/// The most bytes one value fetches at once (a struct or array larger than this is read
/// member by member, element by element).
pub const MAX_FETCH: u64 = 1 << 20;

/// Where a value lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// In the tracee's memory at this runtime address.
    Memory(u64),
    /// In a register of the selected frame (DWARF number), from byte `offset`.
    Register {
        /// The register.
        number: u16,
        /// Bytes into it.
        offset: u8,
    },
    /// Computed: not in the program (a literal, the result of arithmetic, a DWARF stack
    /// value).
    Bytes(Arc<[u8]>),
    /// Split across places (DWARF pieces), in order, each of `bit_size` bits.
    Pieces(Vec<(Place, u64)>),
    /// Bytes from `offset` of a value split across pieces (a member of such a value).
    Within {
        /// The whole value's place (pieces).
        whole: Box<Place>,
        /// Bytes into it.
        offset: u64,
    },
    /// The compiler kept no value.
    OptimizedOut,
}

/// A value: its type and its place; for a bitfield, which bits of the place.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// Its type.
    pub ty: TypeRc,
    /// Where its bytes are.
    pub place: Place,
    /// A bitfield: the offset in bits from the start of the place and the width.
    pub bits: Option<(u64, u64)>,
}

impl Value {
    /// A value in memory.
    pub fn at(ty: TypeRc, address: u64) -> Value {
        Value {
            ty,
            place: Place::Memory(address),
            bits: None,
        }
    }

    /// A computed value of `bytes`.
    pub fn bytes(ty: TypeRc, bytes: Vec<u8>) -> Value {
        Value {
            ty,
            place: Place::Bytes(bytes.into()),
            bits: None,
        }
    }

    /// An integer of type `ty`, truncated to the type's size.
    pub fn int(ty: TypeRc, value: i128) -> Value {
        let size = ty.size().unwrap_or(8).min(16) as usize;
        let bytes = value.to_le_bytes();
        Value::bytes(ty, bytes.get(..size).unwrap_or(&bytes).to_vec())
    }

    /// A floating-point value of type `ty` (4, 8 or 16 bytes).
    pub fn float(ty: TypeRc, value: f64) -> Value {
        let bytes = match ty.size() {
            Some(4) => (value as f32).to_le_bytes().to_vec(),
            Some(16 | 10 | 12) => {
                let mut bytes = f64_to_f80(value).to_vec();
                bytes.resize(16, 0);
                bytes
            }
            _ => value.to_le_bytes().to_vec(),
        };
        Value::bytes(ty, bytes)
    }

    /// The value's address, when it is in memory.
    pub fn address(&self) -> Option<u64> {
        match self.place {
            Place::Memory(address) if self.bits.is_none() => Some(address),
            _ => None,
        }
    }

    /// Whether the value has a place an assignment can write.
    pub fn is_lvalue(&self) -> bool {
        matches!(self.place, Place::Memory(_) | Place::Register { .. })
    }

    /// The part of this value at `offset` bytes in, of type `ty` (a member, an element).
    pub fn part(&self, ty: TypeRc, offset: u64) -> Value {
        let place = match &self.place {
            Place::Memory(address) => Place::Memory(address.wrapping_add(offset)),
            Place::Register { number, offset: at } => match u8::try_from(offset) {
                Ok(more) => Place::Register {
                    number: *number,
                    offset: at.saturating_add(more),
                },
                Err(_) => Place::OptimizedOut,
            },
            Place::Bytes(bytes) => {
                let size = ty.size().unwrap_or(0);
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                let end = usize::try_from(offset.saturating_add(size)).unwrap_or(usize::MAX);
                match bytes.get(start..end) {
                    Some(slice) => Place::Bytes(slice.into()),
                    None => Place::OptimizedOut,
                }
            }
            // Fetching assembles the whole and slices it (pieces are small: registers and
            // stack values).
            Place::Pieces(_) => Place::Within {
                whole: Box::new(self.place.clone()),
                offset,
            },
            Place::Within { whole, offset: at } => Place::Within {
                whole: whole.clone(),
                offset: at.saturating_add(offset),
            },
            Place::OptimizedOut => Place::OptimizedOut,
        };
        Value {
            ty,
            place,
            bits: None,
        }
    }

    /// A bitfield of this value: `width` bits from bit `bit_offset`.
    pub fn bitfield(&self, ty: TypeRc, bit_offset: u64, width: u64) -> Value {
        let byte = bit_offset / 8;
        let mut part = self.part(self.ty.clone(), 0);
        if let Place::Memory(address) = part.place {
            part.place = Place::Memory(address.wrapping_add(byte));
            part.bits = Some((bit_offset % 8, width));
        } else {
            part.bits = Some((bit_offset, width));
        }
        part.ty = ty;
        part
    }

    /// The value's bytes: `size` of its type (for a bitfield, the bytes covering it).
    pub fn fetch(&self, ctx: &mut dyn Context) -> Result<Vec<u8>> {
        let size = match self.bits {
            Some((offset, width)) => offset.saturating_add(width).div_ceil(8),
            None => self
                .ty
                .size()
                .ok_or_else(|| EvalError::NoSize(self.ty.name()))?,
        };
        if size > MAX_FETCH {
            return Err(EvalError::TooLarge(size));
        }
        fetch_place(ctx, &self.place, 0, size)
    }

    /// The value as an integer (integers, chars, bools, enums, pointers; a bitfield's bits,
    /// sign-extended when its type is signed).
    pub fn to_i128(&self, ctx: &mut dyn Context) -> Result<i128> {
        let bytes = self.fetch(ctx)?;
        let signed = self.ty.is_signed();
        if let Some((offset, width)) = self.bits {
            let raw = le_u128(&bytes);
            let width = width.min(128) as u32;
            let shifted = raw >> (offset.min(127) as u32);
            let mask = if width >= 128 {
                u128::MAX
            } else {
                (1u128 << width) - 1
            };
            let value = shifted & mask;
            return Ok(
                if signed && width > 0 && width < 128 && value >> (width - 1) & 1 == 1 {
                    (value | !mask) as i128
                } else {
                    value as i128
                },
            );
        }
        Ok(if signed {
            le_i128(&bytes)
        } else {
            le_u128(&bytes) as i128
        })
    }

    /// The value as a float (floats only).
    pub fn to_f64(&self, ctx: &mut dyn Context) -> Result<f64> {
        let bytes = self.fetch(ctx)?;
        Ok(bytes_to_f64(&bytes))
    }
}

/// `size` bytes of `place` from `offset`.
fn fetch_place(ctx: &mut dyn Context, place: &Place, offset: u64, size: u64) -> Result<Vec<u8>> {
    let len = usize::try_from(size).map_err(|_| EvalError::TooLarge(size))?;
    match place {
        Place::Memory(address) => ctx.read_memory(address.wrapping_add(offset), len),
        Place::Register { number, offset: at } => {
            let bytes = ctx.read_register(*number)?;
            let start = usize::from(*at).saturating_add(offset as usize);
            let mut out = bytes.get(start..).unwrap_or_default().to_vec();
            out.resize(len, 0);
            Ok(out)
        }
        Place::Bytes(bytes) => {
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let end = start.saturating_add(len);
            bytes
                .get(start..end)
                .map(<[u8]>::to_vec)
                .ok_or(EvalError::OptimizedOut)
        }
        Place::Pieces(pieces) => {
            let mut bits: Vec<u8> = Vec::new();
            let mut bit_len = 0u64;
            for (piece, bit_size) in pieces {
                let bytes = fetch_place(ctx, piece, 0, bit_size.div_ceil(8))?;
                for bit in 0..*bit_size {
                    let set = bytes
                        .get((bit / 8) as usize)
                        .is_some_and(|b| b >> (bit % 8) & 1 == 1);
                    if bit_len.is_multiple_of(8) {
                        bits.push(0);
                    }
                    if set {
                        if let Some(last) = bits.last_mut() {
                            *last |= 1 << (bit_len % 8);
                        }
                    }
                    bit_len += 1;
                }
                if bits.len() > MAX_FETCH as usize {
                    return Err(EvalError::TooLarge(bits.len() as u64));
                }
            }
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            bits.get(start..start.saturating_add(len))
                .map(<[u8]>::to_vec)
                .ok_or(EvalError::OptimizedOut)
        }
        Place::Within { whole, offset: at } => {
            fetch_place(ctx, whole, offset.saturating_add(*at), size)
        }
        Place::OptimizedOut => Err(EvalError::OptimizedOut),
    }
}

/// Little-endian bytes as an unsigned integer (at most 16 used).
pub(crate) fn le_u128(bytes: &[u8]) -> u128 {
    bytes
        .iter()
        .take(16)
        .enumerate()
        .fold(0u128, |acc, (i, b)| acc | u128::from(*b) << (8 * i))
}

/// Little-endian bytes as a sign-extended integer.
pub(crate) fn le_i128(bytes: &[u8]) -> i128 {
    let len = bytes.len().min(16);
    let raw = le_u128(bytes);
    if len == 0 || len == 16 {
        return raw as i128;
    }
    let shift = 128 - 8 * len as u32;
    ((raw << shift) as i128) >> shift
}

/// A float of 4, 8 or 10+ (x87 extended) bytes as an `f64`.
pub(crate) fn bytes_to_f64(bytes: &[u8]) -> f64 {
    match bytes.len() {
        4 => f32::from_le_bytes([
            byte(bytes, 0),
            byte(bytes, 1),
            byte(bytes, 2),
            byte(bytes, 3),
        ])
        .into(),
        8 => f64::from_bits(le_u128(bytes) as u64),
        n if n >= 10 => f80_to_f64(bytes),
        _ => f64::NAN,
    }
}

fn byte(bytes: &[u8], i: usize) -> u8 {
    bytes.get(i).copied().unwrap_or(0)
}

/// An x87 80-bit extended-precision float (64-bit mantissa with explicit integer bit,
/// 15-bit exponent, sign) as the nearest `f64`.
pub(crate) fn f80_to_f64(bytes: &[u8]) -> f64 {
    let mantissa = le_u128(bytes.get(..8).unwrap_or_default()) as u64;
    let top = u16::from(byte(bytes, 8)) | u16::from(byte(bytes, 9)) << 8;
    let negative = top & 0x8000 != 0;
    let exponent = i32::from(top & 0x7fff);
    let sign = if negative { -1.0 } else { 1.0 };
    if exponent == 0 && mantissa == 0 {
        return sign * 0.0;
    }
    if exponent == 0x7fff {
        return if mantissa << 1 == 0 {
            sign * f64::INFINITY
        } else {
            f64::NAN
        };
    }
    // value = mantissa * 2^(exponent - 16383 - 63)
    let power = exponent - 16383 - 63;
    // Two steps: 2^power alone underflows for the smallest results.
    let half = power / 2;
    sign * (mantissa as f64) * 2f64.powi(half) * 2f64.powi(power - half)
}

/// An `f64` as x87 80-bit extended precision (exact: every f64 is representable).
pub(crate) fn f64_to_f80(value: f64) -> [u8; 10] {
    let bits = value.to_bits();
    let negative = bits >> 63 != 0;
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (exp80, mantissa): (u16, u64) = if exponent == 0 && fraction == 0 {
        (0, 0)
    } else if exponent == 0x7ff {
        (
            0x7fff,
            if fraction == 0 {
                1 << 63
            } else {
                0xc000_0000_0000_0000
            },
        )
    } else if exponent == 0 {
        // Subnormal f64: normalise.
        let shift = fraction.leading_zeros() - 11;
        let mantissa = fraction << (shift + 11);
        let exp = 1 - 1023 - shift as i32 + 16383;
        (exp as u16, mantissa)
    } else {
        (
            (exponent - 1023 + 16383) as u16,
            (1 << 63) | (fraction << 11),
        )
    };
    let mut out = [0u8; 10];
    let (low, high) = out.split_at_mut(8);
    low.copy_from_slice(&mantissa.to_le_bytes());
    let top = exp80 | if negative { 0x8000 } else { 0 };
    high.copy_from_slice(&top.to_le_bytes());
    out
}

/// The type a value of `ty` has after following a lazy handle (one level; typedefs kept).
pub fn resolved(ctx: &mut dyn Context, ty: &TypeRc) -> Result<TypeRc> {
    let mut current = ty.clone();
    for _ in 0..16 {
        match current.as_ref() {
            Type::Lazy { id, .. } => current = ctx.resolve_type(*id)?,
            _ => return Ok(current),
        }
    }
    Ok(current)
}

/// The type with lazy handles, typedefs and qualifiers looked through.
pub fn stripped(ctx: &mut dyn Context, ty: &TypeRc) -> Result<TypeRc> {
    let mut current = ty.clone();
    for _ in 0..64 {
        let next = match current.as_ref() {
            Type::Lazy { id, .. } => ctx.resolve_type(*id)?,
            Type::Typedef { target, .. } | Type::Const(target) | Type::Volatile(target) => {
                target.clone()
            }
            _ => return Ok(current),
        };
        current = next;
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_precision_round_trips_doubles() {
        for value in [
            0.0,
            -0.0,
            1.0,
            2.5,
            -3.75,
            1e300,
            5e-324,
            1.0 / 3.0,
            f64::MAX,
        ] {
            let bytes = f64_to_f80(value);
            assert_eq!(f80_to_f64(&bytes).to_bits(), value.to_bits(), "{value}");
        }
        assert!(f80_to_f64(&f64_to_f80(f64::INFINITY)).is_infinite());
    }

    #[test]
    fn integers_sign_extend_from_their_size() {
        assert_eq!(le_i128(&[0xff]), -1);
        assert_eq!(le_i128(&[0xfe, 0xff]), -2);
        assert_eq!(le_i128(&[0x7f]), 127);
        assert_eq!(le_u128(&[0xff, 0xff]), 0xffff);
    }
}
