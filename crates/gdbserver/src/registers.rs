//! gdb's x86-64 GNU/Linux register layout, as gdbserver describes it: the general registers,
//! eflags, the segment registers, x87, SSE, `orig_rax`, `fs_base` and `gs_base`, and on a
//! processor with AVX the upper halves of `ymm0`..`ymm15` (from which gdb makes `$ymm0`...),
//! in the order of the target description (`target.xml` plus the AVX feature), and how each
//! maps onto the session's registers.
//!
//! Most are a register of the session's model as it is (zero-extended or truncated to gdb's
//! width); the x87 control registers are gdb's view of the FXSAVE area: the full tag word
//! (FXSAVE keeps one bit per register), and the instruction and operand pointers split into
//! selector and offset.

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use dbg_session::{Reg, RegValue};

/// Where a gdb register's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A register of the session, its low bytes (zero-extended to gdb's width).
    Direct(Reg),
    /// The x87 tag word, two bits per physical register, computed from FXSAVE's one bit.
    TagWord,
    /// Bits 32..48 of an x87 pointer register (`fiseg`, `foseg`).
    Selector(Reg),
    /// The low 32 bits of an x87 pointer register (`fioff`, `fooff`).
    Offset(Reg),
    /// The x87 opcode (11 bits).
    Opcode,
}

/// One register of gdb's layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GdbReg {
    /// Its name in the target description (the tests check `target.xml` against it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) name: &'static str,
    /// Its size in bytes.
    pub(crate) size: usize,
    /// Where its value comes from.
    pub(crate) source: Source,
}

const fn direct(name: &'static str, size: usize, reg: Reg) -> GdbReg {
    GdbReg {
        name,
        size,
        source: Source::Direct(reg),
    }
}

const fn derived(name: &'static str, source: Source) -> GdbReg {
    GdbReg {
        name,
        size: 4,
        source,
    }
}

/// Every register, in gdb's numbering (the order of the target description); the AVX ones
/// last, only where the processor has them ([`layout`]).
pub(crate) const LAYOUT: &[GdbReg] = &[
    direct("rax", 8, Reg::Rax),
    direct("rbx", 8, Reg::Rbx),
    direct("rcx", 8, Reg::Rcx),
    direct("rdx", 8, Reg::Rdx),
    direct("rsi", 8, Reg::Rsi),
    direct("rdi", 8, Reg::Rdi),
    direct("rbp", 8, Reg::Rbp),
    direct("rsp", 8, Reg::Rsp),
    direct("r8", 8, Reg::R8),
    direct("r9", 8, Reg::R9),
    direct("r10", 8, Reg::R10),
    direct("r11", 8, Reg::R11),
    direct("r12", 8, Reg::R12),
    direct("r13", 8, Reg::R13),
    direct("r14", 8, Reg::R14),
    direct("r15", 8, Reg::R15),
    direct("rip", 8, Reg::Rip),
    direct("eflags", 4, Reg::Eflags),
    direct("cs", 4, Reg::Cs),
    direct("ss", 4, Reg::Ss),
    direct("ds", 4, Reg::Ds),
    direct("es", 4, Reg::Es),
    direct("fs", 4, Reg::Fs),
    direct("gs", 4, Reg::Gs),
    direct("st0", 10, Reg::St0),
    direct("st1", 10, Reg::St1),
    direct("st2", 10, Reg::St2),
    direct("st3", 10, Reg::St3),
    direct("st4", 10, Reg::St4),
    direct("st5", 10, Reg::St5),
    direct("st6", 10, Reg::St6),
    direct("st7", 10, Reg::St7),
    direct("fctrl", 4, Reg::Fcw),
    direct("fstat", 4, Reg::Fsw),
    derived("ftag", Source::TagWord),
    derived("fiseg", Source::Selector(Reg::Fip)),
    derived("fioff", Source::Offset(Reg::Fip)),
    derived("foseg", Source::Selector(Reg::Fdp)),
    derived("fooff", Source::Offset(Reg::Fdp)),
    derived("fop", Source::Opcode),
    direct("xmm0", 16, Reg::Xmm0),
    direct("xmm1", 16, Reg::Xmm1),
    direct("xmm2", 16, Reg::Xmm2),
    direct("xmm3", 16, Reg::Xmm3),
    direct("xmm4", 16, Reg::Xmm4),
    direct("xmm5", 16, Reg::Xmm5),
    direct("xmm6", 16, Reg::Xmm6),
    direct("xmm7", 16, Reg::Xmm7),
    direct("xmm8", 16, Reg::Xmm8),
    direct("xmm9", 16, Reg::Xmm9),
    direct("xmm10", 16, Reg::Xmm10),
    direct("xmm11", 16, Reg::Xmm11),
    direct("xmm12", 16, Reg::Xmm12),
    direct("xmm13", 16, Reg::Xmm13),
    direct("xmm14", 16, Reg::Xmm14),
    direct("xmm15", 16, Reg::Xmm15),
    direct("mxcsr", 4, Reg::Mxcsr),
    direct("orig_rax", 8, Reg::OrigRax),
    direct("fs_base", 8, Reg::FsBase),
    direct("gs_base", 8, Reg::GsBase),
    direct("ymm0h", 16, Reg::Ymm0H),
    direct("ymm1h", 16, Reg::Ymm1H),
    direct("ymm2h", 16, Reg::Ymm2H),
    direct("ymm3h", 16, Reg::Ymm3H),
    direct("ymm4h", 16, Reg::Ymm4H),
    direct("ymm5h", 16, Reg::Ymm5H),
    direct("ymm6h", 16, Reg::Ymm6H),
    direct("ymm7h", 16, Reg::Ymm7H),
    direct("ymm8h", 16, Reg::Ymm8H),
    direct("ymm9h", 16, Reg::Ymm9H),
    direct("ymm10h", 16, Reg::Ymm10H),
    direct("ymm11h", 16, Reg::Ymm11H),
    direct("ymm12h", 16, Reg::Ymm12H),
    direct("ymm13h", 16, Reg::Ymm13H),
    direct("ymm14h", 16, Reg::Ymm14H),
    direct("ymm15h", 16, Reg::Ymm15H),
];

/// How many registers come before the AVX ones in [`LAYOUT`].
const WITHOUT_AVX: usize = 60;

/// Whether the processor has AVX and the kernel enabled its state: gdbserver then describes
/// the upper halves of the ymm registers, and so do we.
pub(crate) fn avx() -> bool {
    static AVX: OnceLock<bool> = OnceLock::new();
    *AVX.get_or_init(|| std::arch::is_x86_feature_detected!("avx"))
}

/// The registers of this machine's layout: [`LAYOUT`], without the AVX ones where there is
/// no AVX.
pub(crate) fn layout() -> &'static [GdbReg] {
    if avx() {
        LAYOUT
    } else {
        LAYOUT.get(..WITHOUT_AVX).unwrap_or(LAYOUT)
    }
}

/// The session registers every gdb register is computed from, each once (the AVX ones
/// last).
const SOURCES: &[Reg] = &[
    Reg::Rax,
    Reg::Rbx,
    Reg::Rcx,
    Reg::Rdx,
    Reg::Rsi,
    Reg::Rdi,
    Reg::Rbp,
    Reg::Rsp,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
    Reg::R12,
    Reg::R13,
    Reg::R14,
    Reg::R15,
    Reg::Rip,
    Reg::Eflags,
    Reg::Cs,
    Reg::Ss,
    Reg::Ds,
    Reg::Es,
    Reg::Fs,
    Reg::Gs,
    Reg::St0,
    Reg::St1,
    Reg::St2,
    Reg::St3,
    Reg::St4,
    Reg::St5,
    Reg::St6,
    Reg::St7,
    Reg::Fcw,
    Reg::Fsw,
    Reg::Ftw,
    Reg::Fip,
    Reg::Fdp,
    Reg::Fop,
    Reg::Xmm0,
    Reg::Xmm1,
    Reg::Xmm2,
    Reg::Xmm3,
    Reg::Xmm4,
    Reg::Xmm5,
    Reg::Xmm6,
    Reg::Xmm7,
    Reg::Xmm8,
    Reg::Xmm9,
    Reg::Xmm10,
    Reg::Xmm11,
    Reg::Xmm12,
    Reg::Xmm13,
    Reg::Xmm14,
    Reg::Xmm15,
    Reg::Mxcsr,
    Reg::OrigRax,
    Reg::FsBase,
    Reg::GsBase,
    Reg::Ymm0H,
    Reg::Ymm1H,
    Reg::Ymm2H,
    Reg::Ymm3H,
    Reg::Ymm4H,
    Reg::Ymm5H,
    Reg::Ymm6H,
    Reg::Ymm7H,
    Reg::Ymm8H,
    Reg::Ymm9H,
    Reg::Ymm10H,
    Reg::Ymm11H,
    Reg::Ymm12H,
    Reg::Ymm13H,
    Reg::Ymm14H,
    Reg::Ymm15H,
];

/// The session registers this machine's layout is computed from.
pub(crate) fn sources() -> &'static [Reg] {
    if avx() {
        SOURCES
    } else {
        SOURCES.get(..SOURCES.len() - 16).unwrap_or(SOURCES)
    }
}

/// The size of the `g` packet's register block.
pub(crate) fn total() -> usize {
    layout().iter().map(|reg| reg.size).sum()
}

/// The values of the session registers of one thread, as read at a stop.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionValues(pub(crate) Vec<(Reg, RegValue)>);

impl SessionValues {
    fn get(&self, reg: Reg) -> Option<RegValue> {
        self.0.iter().find(|(r, _)| *r == reg).map(|(_, v)| *v)
    }

    fn u64(&self, reg: Reg) -> u64 {
        self.get(reg).map_or(0, |value| value.as_u64())
    }

    /// gdb register `index`'s bytes (little-endian, gdb's width).
    pub(crate) fn gdb_bytes(&self, index: usize) -> Option<Vec<u8>> {
        let reg = layout().get(index)?;
        let mut bytes = match reg.source {
            Source::Direct(source) => self.get(source)?.bytes().to_vec(),
            Source::TagWord => full_tag_word(self).to_le_bytes().to_vec(),
            Source::Selector(source) => ((self.u64(source) >> 32) & 0xffff).to_le_bytes().to_vec(),
            Source::Offset(source) => (self.u64(source) & 0xffff_ffff).to_le_bytes().to_vec(),
            Source::Opcode => (self.u64(Reg::Fop) & 0x7ff).to_le_bytes().to_vec(),
        };
        bytes.resize(reg.size, 0);
        Some(bytes)
    }

    /// The session register writes that make gdb register `index` hold `bytes`.
    pub(crate) fn writes_for(&self, index: usize, bytes: &[u8]) -> Option<(Reg, RegValue)> {
        let reg = layout().get(index)?;
        let bytes = bytes.get(..reg.size)?;
        let number = little_endian(bytes);
        match reg.source {
            Source::Direct(source) => {
                let info = source.info();
                let mut raw = bytes.to_vec();
                raw.resize(info.size, 0);
                Some((source, RegValue::from_bytes(&raw, info.format)?))
            }
            Source::TagWord => {
                let abridged = abridged_tag(number as u16);
                Some((Reg::Ftw, RegValue::from_u128(u128::from(abridged), 2)?))
            }
            Source::Selector(source) => {
                let old = self.u64(source);
                let value = (old & !0xffff_0000_0000) | ((number & 0xffff) << 32);
                Some((source, RegValue::from_u64(value)))
            }
            Source::Offset(source) => {
                let old = self.u64(source);
                let value = (old & !0xffff_ffff) | (number & 0xffff_ffff);
                Some((source, RegValue::from_u64(value)))
            }
            Source::Opcode => Some((
                Reg::Fop,
                RegValue::from_u128(u128::from(number & 0x7ff), 2)?,
            )),
        }
    }
}

fn little_endian(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .rev()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
}

/// gdb's full x87 tag word from FXSAVE's abridged one: for each physical register whose bit
/// is set, whether it holds a valid number (0), zero (1) or something special (2); 3 is empty.
fn full_tag_word(values: &SessionValues) -> u32 {
    let abridged = values.u64(Reg::Ftw) as u8;
    let top = ((values.u64(Reg::Fsw) >> 11) & 7) as usize;
    let stack = [
        Reg::St0,
        Reg::St1,
        Reg::St2,
        Reg::St3,
        Reg::St4,
        Reg::St5,
        Reg::St6,
        Reg::St7,
    ];
    let mut word = 0u32;
    for physical in 0..8usize {
        let tag = if abridged & (1 << physical) == 0 {
            3
        } else {
            let st = stack.get((physical + 8 - top) % 8).copied();
            match st.and_then(|reg| values.get(reg)) {
                Some(value) => classify(value.bytes()),
                None => 2,
            }
        };
        word |= tag << (2 * physical);
    }
    word
}

/// The x87 tag of an 80-bit value: valid (0), zero (1) or special (2).
fn classify(bytes: &[u8]) -> u32 {
    let mantissa = little_endian(bytes.get(..8).unwrap_or(&[]));
    let exponent = little_endian(bytes.get(8..10).unwrap_or(&[])) & 0x7fff;
    match exponent {
        0x7fff => 2,
        0 if mantissa == 0 => 1,
        0 => 2,
        _ if mantissa >> 63 == 1 => 0,
        _ => 2,
    }
}

/// FXSAVE's abridged tag (one bit per physical register: not empty) from the full word.
fn abridged_tag(full: u16) -> u8 {
    (0..8).fold(0u8, |acc, physical| {
        if (full >> (2 * physical)) & 3 == 3 {
            acc
        } else {
            acc | (1 << physical)
        }
    })
}

/// A thread's registers in gdb's layout (the `g`/`G` block).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registers {
    /// [`total`] bytes, each register at its place in [`layout`] order; empty when unknown.
    pub(crate) bytes: Vec<u8>,
}

impl Registers {
    /// The block for a thread's session register values.
    pub(crate) fn from_values(values: &SessionValues) -> Registers {
        let mut bytes = Vec::with_capacity(total());
        for index in 0..layout().len() {
            match values.gdb_bytes(index) {
                Some(reg) => bytes.extend(reg),
                None => return Registers::default(),
            }
        }
        Registers { bytes }
    }

    /// The bytes of gdb register `index`.
    pub(crate) fn register(&self, index: usize) -> Option<&[u8]> {
        let start: usize = layout().iter().take(index).map(|reg| reg.size).sum();
        let size = layout().get(index)?.size;
        self.bytes.get(start..start.checked_add(size)?)
    }
}

impl gdbstub::arch::Registers for Registers {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.register(16).map_or(0, little_endian)
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for index in 0..total() {
            write_byte(self.bytes.get(index).copied());
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let block = bytes.get(..total()).ok_or(())?;
        self.bytes = block.to_vec();
        Ok(())
    }
}

/// A register by its number in gdb's layout (`p`/`P` packets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegNumber(pub(crate) usize);

impl gdbstub::arch::RegId for RegNumber {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let reg = layout().get(id)?;
        Some((RegNumber(id), NonZeroUsize::new(reg.size)))
    }

    fn to_raw_id(&self) -> Option<usize> {
        Some(self.0)
    }
}

/// x86-64 GNU/Linux as gdbserver presents it.
#[derive(Debug)]
pub enum X86_64Linux {}

impl gdbstub::arch::Arch for X86_64Linux {
    type Usize = u64;
    type Registers = Registers;
    type RegId = RegNumber;
    type BreakpointKind = usize;

    fn target_description_xml() -> Option<&'static str> {
        Some(target_xml())
    }
}

/// The target description without AVX: gdb's features `i386.core`, `i386.sse`,
/// `i386.linux` (`orig_rax`) and `i386.segments` (`fs_base`, `gs_base`), registers in
/// [`LAYOUT`] order.
const TARGET_XML: &str = include_str!("target.xml");

/// This machine's target description: [`TARGET_XML`], with gdb's feature `i386.avx` (the
/// ymm upper halves) where the processor has AVX.
pub(crate) fn target_xml() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(|| {
        if !avx() {
            return TARGET_XML.to_string();
        }
        let mut feature = String::from("  <feature name=\"org.gnu.gdb.i386.avx\">\n");
        for (index, reg) in LAYOUT.iter().enumerate().skip(WITHOUT_AVX) {
            feature.push_str(&format!(
                "    <reg name=\"{}\" bitsize=\"128\" type=\"uint128\" regnum=\"{index}\"/>\n",
                reg.name
            ));
        }
        feature.push_str("  </feature>\n");
        TARGET_XML.replacen("</target>", &format!("{feature}</target>"), 1)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use dbg_session::RegFormat;

    #[test]
    fn description_lists_the_layout_in_order() {
        let names: Vec<&str> = target_xml()
            .split("<reg name=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        let names_in_layout: Vec<&str> = layout().iter().map(|reg| reg.name).collect();
        assert_eq!(names, names_in_layout);
        for (reg, text) in layout()
            .iter()
            .zip(target_xml().split("<reg name=\"").skip(1))
        {
            let bits: usize = text
                .split("bitsize=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(bits, reg.size * 8, "{}", reg.name);
        }
    }

    #[test]
    fn every_source_is_read() {
        for reg in layout() {
            if let Source::Direct(source) | Source::Selector(source) | Source::Offset(source) =
                reg.source
            {
                assert!(sources().contains(&source), "{}", reg.name);
            }
        }
        assert_eq!(LAYOUT.get(WITHOUT_AVX).map(|r| r.name), Some("ymm0h"));
        assert_eq!(total(), if avx() { 560 + 256 } else { 560 });
    }

    #[test]
    fn tag_words_convert_both_ways() {
        // st0 = 1.0 (valid) in physical register 7 (top 7), the rest empty.
        let one = [0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f];
        let values = SessionValues(vec![
            (Reg::Ftw, RegValue::from_u128(0x80, 2).unwrap()),
            (Reg::Fsw, RegValue::from_u128(7 << 11, 2).unwrap()),
            (
                Reg::St0,
                RegValue::from_bytes(&one, RegFormat::LongDouble).unwrap(),
            ),
        ]);
        assert_eq!(full_tag_word(&values), 0x3fff);
        assert_eq!(abridged_tag(0x3fff), 0x80);
        assert_eq!(abridged_tag(0xffff), 0);
        assert_eq!(classify(&[0; 10]), 1);
    }

    #[test]
    fn pointer_halves_write_back_into_their_register() {
        let values = SessionValues(vec![(Reg::Fip, RegValue::from_u64(0x1234_5678_9abc_def0))]);
        let fioff = LAYOUT.iter().position(|r| r.name == "fioff").unwrap();
        let fiseg = LAYOUT.iter().position(|r| r.name == "fiseg").unwrap();
        assert_eq!(
            values.gdb_bytes(fioff).unwrap(),
            0x9abc_def0u32.to_le_bytes()
        );
        assert_eq!(values.gdb_bytes(fiseg).unwrap(), 0x5678u32.to_le_bytes());
        let (reg, value) = values.writes_for(fioff, &1u32.to_le_bytes()).unwrap();
        assert_eq!((reg, value.as_u64()), (Reg::Fip, 0x1234_5678_0000_0001));
    }
}
