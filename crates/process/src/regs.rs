//! The register model: every user-visible x86-64 register with its name, class, size and
//! place in the ptrace register areas, and typed values.
//!
//! Sub-registers (`eax`, `ax`, `al`, `ah`, `r8d`, ...) are views of bytes of their full
//! register, so reading and writing them is the same byte copy as for a full register: writing
//! `eax` changes the low four bytes of `rax` and leaves the upper four as they were (as gdb and
//! lldb do). `mm0`..`mm7` are the low eight bytes of the x87 register slots.

use dbg_sys::user::{fpr, gpr, xstate};

/// Which ptrace register area a register lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegClass {
    /// A full general-purpose, segment or special register in `user_regs_struct`.
    Gpr,
    /// A 32/16/8-bit view of a general-purpose register.
    SubGpr,
    /// A field of the FXSAVE area (`user_fpregs_struct`).
    Fpr,
    /// A debug register, in `u_debugreg`.
    Debug,
    /// A part of the XSAVE area beyond FXSAVE (`PTRACE_GETREGSET(NT_X86_XSTATE)`): the upper
    /// halves of the AVX registers. Not every processor has them.
    Xstate,
}

/// How a register's bytes are meant to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegFormat {
    /// An unsigned integer of the register's size.
    Uint,
    /// An x87 80-bit extended-precision float.
    LongDouble,
    /// A 128-bit vector.
    Vector,
}

/// Static description of one register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegInfo {
    /// The register.
    pub reg: Reg,
    /// Its name, lowercase, as gdb and lldb spell it.
    pub name: &'static str,
    /// Its area.
    pub class: RegClass,
    /// Its size in bytes.
    pub size: usize,
    /// Its byte offset in its area (for debug registers: the index 0..=7).
    pub offset: usize,
    /// How to read it.
    pub format: RegFormat,
}

macro_rules! registers {
    ($($variant:ident $name:literal $class:ident $size:literal $offset:expr, $format:ident;)*) => {
        /// A register, by identity. [`Reg::info`] describes it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Reg { $($variant,)* }

        /// Every register, in display order.
        pub const REGISTERS: &[RegInfo] = &[
            $(RegInfo {
                reg: Reg::$variant,
                name: $name,
                class: RegClass::$class,
                size: $size,
                offset: $offset,
                format: RegFormat::$format,
            },)*
        ];
    };
}

registers! {
    Rax "rax" Gpr 8 gpr::RAX, Uint;
    Rbx "rbx" Gpr 8 gpr::RBX, Uint;
    Rcx "rcx" Gpr 8 gpr::RCX, Uint;
    Rdx "rdx" Gpr 8 gpr::RDX, Uint;
    Rsi "rsi" Gpr 8 gpr::RSI, Uint;
    Rdi "rdi" Gpr 8 gpr::RDI, Uint;
    Rbp "rbp" Gpr 8 gpr::RBP, Uint;
    Rsp "rsp" Gpr 8 gpr::RSP, Uint;
    R8 "r8" Gpr 8 gpr::R8, Uint;
    R9 "r9" Gpr 8 gpr::R9, Uint;
    R10 "r10" Gpr 8 gpr::R10, Uint;
    R11 "r11" Gpr 8 gpr::R11, Uint;
    R12 "r12" Gpr 8 gpr::R12, Uint;
    R13 "r13" Gpr 8 gpr::R13, Uint;
    R14 "r14" Gpr 8 gpr::R14, Uint;
    R15 "r15" Gpr 8 gpr::R15, Uint;
    Rip "rip" Gpr 8 gpr::RIP, Uint;
    Eflags "eflags" Gpr 8 gpr::EFLAGS, Uint;
    Cs "cs" Gpr 8 gpr::CS, Uint;
    Ss "ss" Gpr 8 gpr::SS, Uint;
    Ds "ds" Gpr 8 gpr::DS, Uint;
    Es "es" Gpr 8 gpr::ES, Uint;
    Fs "fs" Gpr 8 gpr::FS, Uint;
    Gs "gs" Gpr 8 gpr::GS, Uint;
    FsBase "fs_base" Gpr 8 gpr::FS_BASE, Uint;
    GsBase "gs_base" Gpr 8 gpr::GS_BASE, Uint;
    OrigRax "orig_rax" Gpr 8 gpr::ORIG_RAX, Uint;

    Eax "eax" SubGpr 4 gpr::RAX, Uint;
    Ebx "ebx" SubGpr 4 gpr::RBX, Uint;
    Ecx "ecx" SubGpr 4 gpr::RCX, Uint;
    Edx "edx" SubGpr 4 gpr::RDX, Uint;
    Esi "esi" SubGpr 4 gpr::RSI, Uint;
    Edi "edi" SubGpr 4 gpr::RDI, Uint;
    Ebp "ebp" SubGpr 4 gpr::RBP, Uint;
    Esp "esp" SubGpr 4 gpr::RSP, Uint;
    R8d "r8d" SubGpr 4 gpr::R8, Uint;
    R9d "r9d" SubGpr 4 gpr::R9, Uint;
    R10d "r10d" SubGpr 4 gpr::R10, Uint;
    R11d "r11d" SubGpr 4 gpr::R11, Uint;
    R12d "r12d" SubGpr 4 gpr::R12, Uint;
    R13d "r13d" SubGpr 4 gpr::R13, Uint;
    R14d "r14d" SubGpr 4 gpr::R14, Uint;
    R15d "r15d" SubGpr 4 gpr::R15, Uint;

    Ax "ax" SubGpr 2 gpr::RAX, Uint;
    Bx "bx" SubGpr 2 gpr::RBX, Uint;
    Cx "cx" SubGpr 2 gpr::RCX, Uint;
    Dx "dx" SubGpr 2 gpr::RDX, Uint;
    Si "si" SubGpr 2 gpr::RSI, Uint;
    Di "di" SubGpr 2 gpr::RDI, Uint;
    Bp "bp" SubGpr 2 gpr::RBP, Uint;
    Sp "sp" SubGpr 2 gpr::RSP, Uint;
    R8w "r8w" SubGpr 2 gpr::R8, Uint;
    R9w "r9w" SubGpr 2 gpr::R9, Uint;
    R10w "r10w" SubGpr 2 gpr::R10, Uint;
    R11w "r11w" SubGpr 2 gpr::R11, Uint;
    R12w "r12w" SubGpr 2 gpr::R12, Uint;
    R13w "r13w" SubGpr 2 gpr::R13, Uint;
    R14w "r14w" SubGpr 2 gpr::R14, Uint;
    R15w "r15w" SubGpr 2 gpr::R15, Uint;

    Al "al" SubGpr 1 gpr::RAX, Uint;
    Bl "bl" SubGpr 1 gpr::RBX, Uint;
    Cl "cl" SubGpr 1 gpr::RCX, Uint;
    Dl "dl" SubGpr 1 gpr::RDX, Uint;
    Sil "sil" SubGpr 1 gpr::RSI, Uint;
    Dil "dil" SubGpr 1 gpr::RDI, Uint;
    Bpl "bpl" SubGpr 1 gpr::RBP, Uint;
    Spl "spl" SubGpr 1 gpr::RSP, Uint;
    R8b "r8b" SubGpr 1 gpr::R8, Uint;
    R9b "r9b" SubGpr 1 gpr::R9, Uint;
    R10b "r10b" SubGpr 1 gpr::R10, Uint;
    R11b "r11b" SubGpr 1 gpr::R11, Uint;
    R12b "r12b" SubGpr 1 gpr::R12, Uint;
    R13b "r13b" SubGpr 1 gpr::R13, Uint;
    R14b "r14b" SubGpr 1 gpr::R14, Uint;
    R15b "r15b" SubGpr 1 gpr::R15, Uint;
    Ah "ah" SubGpr 1 gpr::RAX + 1, Uint;
    Bh "bh" SubGpr 1 gpr::RBX + 1, Uint;
    Ch "ch" SubGpr 1 gpr::RCX + 1, Uint;
    Dh "dh" SubGpr 1 gpr::RDX + 1, Uint;

    Fcw "fcw" Fpr 2 fpr::FCW, Uint;
    Fsw "fsw" Fpr 2 fpr::FSW, Uint;
    Ftw "ftw" Fpr 2 fpr::FTW, Uint;
    Fop "fop" Fpr 2 fpr::FOP, Uint;
    Fip "fip" Fpr 8 fpr::FIP, Uint;
    Fdp "fdp" Fpr 8 fpr::FDP, Uint;
    Mxcsr "mxcsr" Fpr 4 fpr::MXCSR, Uint;
    MxcsrMask "mxcsrmask" Fpr 4 fpr::MXCSR_MASK, Uint;
    St0 "st0" Fpr 10 fpr::ST_SPACE, LongDouble;
    St1 "st1" Fpr 10 fpr::ST_SPACE + 16, LongDouble;
    St2 "st2" Fpr 10 fpr::ST_SPACE + 32, LongDouble;
    St3 "st3" Fpr 10 fpr::ST_SPACE + 48, LongDouble;
    St4 "st4" Fpr 10 fpr::ST_SPACE + 64, LongDouble;
    St5 "st5" Fpr 10 fpr::ST_SPACE + 80, LongDouble;
    St6 "st6" Fpr 10 fpr::ST_SPACE + 96, LongDouble;
    St7 "st7" Fpr 10 fpr::ST_SPACE + 112, LongDouble;
    Mm0 "mm0" Fpr 8 fpr::ST_SPACE, Uint;
    Mm1 "mm1" Fpr 8 fpr::ST_SPACE + 16, Uint;
    Mm2 "mm2" Fpr 8 fpr::ST_SPACE + 32, Uint;
    Mm3 "mm3" Fpr 8 fpr::ST_SPACE + 48, Uint;
    Mm4 "mm4" Fpr 8 fpr::ST_SPACE + 64, Uint;
    Mm5 "mm5" Fpr 8 fpr::ST_SPACE + 80, Uint;
    Mm6 "mm6" Fpr 8 fpr::ST_SPACE + 96, Uint;
    Mm7 "mm7" Fpr 8 fpr::ST_SPACE + 112, Uint;
    Xmm0 "xmm0" Fpr 16 fpr::XMM_SPACE, Vector;
    Xmm1 "xmm1" Fpr 16 fpr::XMM_SPACE + 16, Vector;
    Xmm2 "xmm2" Fpr 16 fpr::XMM_SPACE + 32, Vector;
    Xmm3 "xmm3" Fpr 16 fpr::XMM_SPACE + 48, Vector;
    Xmm4 "xmm4" Fpr 16 fpr::XMM_SPACE + 64, Vector;
    Xmm5 "xmm5" Fpr 16 fpr::XMM_SPACE + 80, Vector;
    Xmm6 "xmm6" Fpr 16 fpr::XMM_SPACE + 96, Vector;
    Xmm7 "xmm7" Fpr 16 fpr::XMM_SPACE + 112, Vector;
    Xmm8 "xmm8" Fpr 16 fpr::XMM_SPACE + 128, Vector;
    Xmm9 "xmm9" Fpr 16 fpr::XMM_SPACE + 144, Vector;
    Xmm10 "xmm10" Fpr 16 fpr::XMM_SPACE + 160, Vector;
    Xmm11 "xmm11" Fpr 16 fpr::XMM_SPACE + 176, Vector;
    Xmm12 "xmm12" Fpr 16 fpr::XMM_SPACE + 192, Vector;
    Xmm13 "xmm13" Fpr 16 fpr::XMM_SPACE + 208, Vector;
    Xmm14 "xmm14" Fpr 16 fpr::XMM_SPACE + 224, Vector;
    Xmm15 "xmm15" Fpr 16 fpr::XMM_SPACE + 240, Vector;

    Ymm0H "ymm0h" Xstate 16 xstate::YMM_HIGH, Vector;
    Ymm1H "ymm1h" Xstate 16 xstate::YMM_HIGH + 16, Vector;
    Ymm2H "ymm2h" Xstate 16 xstate::YMM_HIGH + 32, Vector;
    Ymm3H "ymm3h" Xstate 16 xstate::YMM_HIGH + 48, Vector;
    Ymm4H "ymm4h" Xstate 16 xstate::YMM_HIGH + 64, Vector;
    Ymm5H "ymm5h" Xstate 16 xstate::YMM_HIGH + 80, Vector;
    Ymm6H "ymm6h" Xstate 16 xstate::YMM_HIGH + 96, Vector;
    Ymm7H "ymm7h" Xstate 16 xstate::YMM_HIGH + 112, Vector;
    Ymm8H "ymm8h" Xstate 16 xstate::YMM_HIGH + 128, Vector;
    Ymm9H "ymm9h" Xstate 16 xstate::YMM_HIGH + 144, Vector;
    Ymm10H "ymm10h" Xstate 16 xstate::YMM_HIGH + 160, Vector;
    Ymm11H "ymm11h" Xstate 16 xstate::YMM_HIGH + 176, Vector;
    Ymm12H "ymm12h" Xstate 16 xstate::YMM_HIGH + 192, Vector;
    Ymm13H "ymm13h" Xstate 16 xstate::YMM_HIGH + 208, Vector;
    Ymm14H "ymm14h" Xstate 16 xstate::YMM_HIGH + 224, Vector;
    Ymm15H "ymm15h" Xstate 16 xstate::YMM_HIGH + 240, Vector;

    Dr0 "dr0" Debug 8 0, Uint;
    Dr1 "dr1" Debug 8 1, Uint;
    Dr2 "dr2" Debug 8 2, Uint;
    Dr3 "dr3" Debug 8 3, Uint;
    Dr6 "dr6" Debug 8 6, Uint;
    Dr7 "dr7" Debug 8 7, Uint;
}

impl Reg {
    /// The description of this register.
    pub fn info(self) -> &'static RegInfo {
        // The table is generated in the same order as the enum, so the discriminant indexes it
        // (checked by `table_order_matches_enum`); indexing cannot fail.
        #[allow(clippy::indexing_slicing)]
        &REGISTERS[self as usize]
    }

    /// The register called `name` (lowercase, as gdb spells it), if there is one.
    pub fn from_name(name: &str) -> Option<Reg> {
        REGISTERS
            .iter()
            .find(|info| info.name == name)
            .map(|info| info.reg)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The general-purpose registers `register read` shows by default, in gdb's order.
    pub fn general() -> impl Iterator<Item = Reg> {
        REGISTERS
            .iter()
            .filter(|info| info.class == RegClass::Gpr)
            .map(|info| info.reg)
    }
}

/// The value of a register: up to 16 little-endian bytes and the register's format.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RegValue {
    bytes: [u8; 16],
    size: usize,
    format: RegFormat,
}

impl RegValue {
    /// An integer value for a register of `size` bytes; `None` if it does not fit.
    pub fn from_u128(value: u128, size: usize) -> Option<RegValue> {
        if size < 16 && value >> (size * 8) != 0 {
            return None;
        }
        Some(RegValue {
            bytes: value.to_le_bytes(),
            size,
            format: RegFormat::Uint,
        })
    }

    /// A 64-bit integer value (for the full general-purpose registers).
    pub fn from_u64(value: u64) -> RegValue {
        RegValue {
            bytes: u128::from(value).to_le_bytes(),
            size: 8,
            format: RegFormat::Uint,
        }
    }

    /// A value from raw little-endian bytes in the given format; `bytes` may be at most 16 long.
    pub fn from_bytes(raw: &[u8], format: RegFormat) -> Option<RegValue> {
        let mut bytes = [0u8; 16];
        bytes.get_mut(..raw.len())?.copy_from_slice(raw);
        Some(RegValue {
            bytes,
            size: raw.len(),
            format,
        })
    }

    /// An x87 extended-precision value equal to `value` (exact: every f64 is representable).
    pub fn long_double(value: f64) -> RegValue {
        let raw = x87::from_f64(value);
        RegValue::from_bytes(&raw, RegFormat::LongDouble).unwrap_or(RegValue {
            bytes: [0; 16],
            size: 10,
            format: RegFormat::LongDouble,
        })
    }

    /// The raw bytes, little-endian, as long as the register.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.size).unwrap_or(&self.bytes)
    }

    /// The size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The format.
    pub fn format(&self) -> RegFormat {
        self.format
    }

    /// The bytes as an unsigned integer (the low 16 bytes).
    pub fn as_u128(&self) -> u128 {
        u128::from_le_bytes(self.bytes)
    }

    /// The bytes as an unsigned 64-bit integer (the low 8 bytes).
    pub fn as_u64(&self) -> u64 {
        self.as_u128() as u64
    }

    /// For a long double: its value rounded to the nearest f64.
    pub fn as_f64(&self) -> Option<f64> {
        match self.format {
            RegFormat::LongDouble => {
                let mut raw = [0u8; 10];
                raw.copy_from_slice(self.bytes.get(..10)?);
                Some(x87::to_f64(raw))
            }
            _ => None,
        }
    }
}

impl std::fmt::Debug for RegValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegValue({:?}, {:02x?})", self.format, self.bytes())
    }
}

/// Conversions between f64 and the x87 80-bit extended format (1 sign bit, 15 exponent bits
/// biased by 16383, 64 mantissa bits with an explicit integer bit).
pub mod x87 {
    const F64_BIAS: i32 = 1023;
    const F80_BIAS: i32 = 16383;

    /// The extended value equal to `value`, as 10 little-endian bytes.
    pub fn from_f64(value: f64) -> [u8; 10] {
        let bits = value.to_bits();
        let sign = (bits >> 63) as u16;
        let exponent = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (exp80, mantissa): (u16, u64) = match (exponent, fraction) {
            (0, 0) => (0, 0),
            (0x7ff, _) => (0x7fff, (1 << 63) | (fraction << 11)),
            (0, _) => {
                // Subnormal f64: normalise; the integer bit becomes explicit.
                let shift = fraction.leading_zeros();
                let unbiased = 63 - shift as i32 - 1074;
                ((unbiased + F80_BIAS) as u16, fraction << shift)
            }
            _ => (
                (exponent - F64_BIAS + F80_BIAS) as u16,
                (1 << 63) | (fraction << 11),
            ),
        };
        let mut out = [0u8; 10];
        out[..8].copy_from_slice(&mantissa.to_le_bytes());
        out[8..].copy_from_slice(&((sign << 15) | exp80).to_le_bytes());
        out
    }

    /// `raw` rounded to the nearest f64 (infinities and NaNs kept, out-of-range values
    /// become infinities or zeros).
    pub fn to_f64(raw: [u8; 10]) -> f64 {
        let [m0, m1, m2, m3, m4, m5, m6, m7, e0, e1] = raw;
        let mantissa = u64::from_le_bytes([m0, m1, m2, m3, m4, m5, m6, m7]);
        let top = u16::from_le_bytes([e0, e1]);
        let negative = top & 0x8000 != 0;
        let exponent = i32::from(top & 0x7fff);
        let magnitude = if exponent == 0x7fff {
            if mantissa << 1 == 0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        } else if mantissa == 0 {
            0.0
        } else {
            // value = mantissa / 2^63 * 2^(exponent - bias); denormals use exponent 1.
            let unbiased = exponent.max(1) - F80_BIAS;
            let fraction = mantissa as f64 / 2f64.powi(63);
            scale(fraction, unbiased)
        };
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }

    /// `x * 2^exp` without overflowing or underflowing an intermediate power.
    fn scale(mut x: f64, mut exp: i32) -> f64 {
        while exp > 1000 {
            x *= 2f64.powi(1000);
            exp -= 1000;
            if x.is_infinite() {
                return x;
            }
        }
        while exp < -1000 {
            x *= 2f64.powi(-1000);
            exp += 1000;
            if x == 0.0 {
                return x;
            }
        }
        x * 2f64.powi(exp)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn known_encodings() {
            // 1.0 = 0x3fff_8000000000000000
            assert_eq!(from_f64(1.0), [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
            // -2.5 = 0xc000_a000000000000000
            assert_eq!(from_f64(-2.5), [0, 0, 0, 0, 0, 0, 0, 0xa0, 0x00, 0xc0]);
            assert_eq!(from_f64(0.0), [0; 10]);
        }

        #[test]
        fn round_trips() {
            for v in [
                1.0,
                -2.5,
                42.24,
                1e300,
                -1e-300,
                5e-324,
                f64::MAX,
                f64::MIN_POSITIVE,
            ] {
                assert_eq!(to_f64(from_f64(v)), v, "{v}");
            }
            assert!(to_f64(from_f64(f64::NAN)).is_nan());
            assert_eq!(to_f64(from_f64(f64::INFINITY)), f64::INFINITY);
        }

        #[test]
        fn out_of_range_extended_values() {
            // The largest extended value is far beyond f64.
            let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x7f];
            assert_eq!(to_f64(huge), f64::INFINITY);
            let tiny = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            assert_eq!(to_f64(tiny), 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_enum() {
        for (index, info) in REGISTERS.iter().enumerate() {
            assert_eq!(info.reg as usize, index, "{}", info.name);
            assert_eq!(Reg::from_name(info.name), Some(info.reg));
        }
    }

    #[test]
    fn sub_registers_alias_their_register() {
        assert_eq!(Reg::Ah.info().offset, Reg::Rax.info().offset + 1);
        assert_eq!(Reg::R13b.info().offset, Reg::R13.info().offset);
        assert_eq!(Reg::Mm3.info().offset, Reg::St3.info().offset);
        assert_eq!(Reg::from_name("dr4"), None);
    }

    #[test]
    fn integer_values_must_fit() {
        assert!(RegValue::from_u128(0x100, 1).is_none());
        assert_eq!(RegValue::from_u128(0xff, 1).map(|v| v.as_u64()), Some(0xff));
        assert!(RegValue::from_u128(u128::MAX, 16).is_some());
    }
}
