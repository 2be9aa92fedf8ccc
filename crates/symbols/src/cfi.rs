//! Call-frame information (`.eh_frame` through `.eh_frame_hdr`'s search table, else
//! `.debug_frame`) through gimli's unwinder: given one frame's registers and a way to read
//! memory, the caller's registers.

use std::sync::{Mutex, TryLockError};

use gimli::{
    BaseAddresses, CfaRule, EhFrame, EvaluationResult, Location, RegisterRule, RunTimeEndian,
    UnwindContext, UnwindSection, UnwindTableRow, Value,
};
use object::{Object, ObjectSection};

use crate::dwarf::Reader;
use crate::error::{Error, Result};

/// The number of x86-64 DWARF registers kept while unwinding: rax, rdx, rcx, rbx, rsi, rdi,
/// rbp, rsp, r8–r15, and 16, the return address (the pc of the frame).
pub const UNWIND_REGISTERS: usize = 17;
/// DWARF number of rsp.
pub const RSP: usize = 7;
/// DWARF number of rbp.
pub const RBP: usize = 6;
/// DWARF number of the return-address column (rip).
pub const RIP: usize = 16;

/// The registers of one frame, by DWARF number; `None` where unwinding could not recover one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnwindRegs(pub [Option<u64>; UNWIND_REGISTERS]);

impl UnwindRegs {
    /// Register `n` (DWARF numbering), if known.
    pub fn get(&self, n: usize) -> Option<u64> {
        self.0.get(n).copied().flatten()
    }

    /// Set register `n`; numbers past the table are ignored.
    pub fn set(&mut self, n: usize, value: Option<u64>) {
        if let Some(slot) = self.0.get_mut(n) {
            *slot = value;
        }
    }

    /// The frame's pc.
    pub fn pc(&self) -> Option<u64> {
        self.get(RIP)
    }

    /// The frame's stack pointer.
    pub fn sp(&self) -> Option<u64> {
        self.get(RSP)
    }
}

/// What unwinding one frame found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unwound {
    /// The frame's canonical frame address (the caller's rsp before its `call`), which
    /// identifies the frame.
    pub cfa: u64,
    /// The caller's registers.
    pub caller: UnwindRegs,
}

pub(crate) struct Cfi<'a> {
    eh_frame: Option<(EhFrame<Reader<'a>>, Option<SearchTable<'a>>)>,
    debug_frame: Option<gimli::DebugFrame<Reader<'a>>>,
    bases: BaseAddresses,
    /// Scratch space for gimli's CFI evaluator, kept between lookups because a fresh one
    /// allocates and zeroes some 25 KB. A thread that finds it busy (another thread is
    /// unwinding) makes its own instead of waiting, so unwinds never serialize or deadlock.
    context: Mutex<Box<UnwindContext<usize>>>,
}

impl std::fmt::Debug for Cfi<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cfi")
            .field("eh_frame", &self.eh_frame.is_some())
            .field("debug_frame", &self.debug_frame.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Cfi<'a> {
    pub(crate) fn read(elf: &object::read::elf::ElfFile64<'a>) -> Cfi<'a> {
        let endian = RunTimeEndian::Little;
        let section = |name: &str| {
            elf.section_by_name(name)
                .and_then(|s| Some((s.address(), s.data().ok()?)))
                .filter(|(_, data)| !data.is_empty())
        };
        let mut bases = BaseAddresses::default();
        if let Some(text) = elf.section_by_name(".text") {
            bases = bases.set_text(text.address());
        }
        if let Some(got) = elf.section_by_name(".got") {
            bases = bases.set_got(got.address());
        }
        let eh_frame = section(".eh_frame").map(|(address, data)| {
            bases = bases.clone().set_eh_frame(address);
            let header = section(".eh_frame_hdr").and_then(|(hdr_address, hdr)| {
                bases = bases.clone().set_eh_frame_hdr(hdr_address);
                SearchTable::parse(hdr_address, hdr, address)
            });
            let mut frame = EhFrame::new(data, endian);
            frame.set_address_size(8);
            (frame, header)
        });
        let debug_frame = section(".debug_frame").map(|(_, data)| {
            let mut frame = gimli::DebugFrame::new(data, endian);
            frame.set_address_size(8);
            frame
        });
        Cfi {
            eh_frame,
            debug_frame,
            bases,
            context: Mutex::new(Box::new(UnwindContext::new())),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.eh_frame.is_none() && self.debug_frame.is_none()
    }

    /// Unwind the frame whose registers are `regs` (runtime values) and whose pc is `pc` in
    /// the binary's addresses. `caller_frame` says `regs` belong to a caller (its pc is a
    /// return address, so the call instruction is looked up, at pc − 1). `Ok(None)` when no
    /// CFI covers the pc.
    pub(crate) fn unwind(
        &self,
        regs: &UnwindRegs,
        pc: u64,
        caller_frame: bool,
        memory: &mut dyn FnMut(u64) -> Option<u64>,
    ) -> Result<Option<Unwound>> {
        let lookup = pc.wrapping_sub(u64::from(caller_frame));
        let Some((row, source)) = self.row(lookup)? else {
            return Ok(None);
        };
        self.apply(&row, source, regs, memory).map(Some)
    }

    /// The unwind row for `address` (a binary address), and which section it came from.
    fn row(&self, address: u64) -> Result<Option<(UnwindTableRow<usize>, Source)>> {
        // The lock is held for the table lookup only: the row comes out cloned, and the
        // caller's memory reader runs after it is released.
        let mut shared;
        let mut own;
        let context: &mut UnwindContext<usize> = match self.context.try_lock() {
            Ok(guard) => {
                shared = guard;
                &mut shared
            }
            // gimli resets the context at the start of every lookup, so one left behind by a
            // panic is as good as new.
            Err(TryLockError::Poisoned(poisoned)) => {
                shared = poisoned.into_inner();
                &mut shared
            }
            Err(TryLockError::WouldBlock) => {
                own = Box::new(UnwindContext::new());
                &mut own
            }
        };
        if let Some((frame, header)) = &self.eh_frame {
            let found = match header {
                Some(header) => {
                    fde_from_header(header, frame, &self.bases, address).and_then(|fde| {
                        fde.unwind_info_for_address(frame, &self.bases, context, address)
                            .cloned()
                    })
                }
                None => frame
                    .unwind_info_for_address(
                        &self.bases,
                        context,
                        address,
                        EhFrame::cie_from_offset,
                    )
                    .cloned(),
            };
            match found {
                Ok(row) => return Ok(Some((row, Source::EhFrame))),
                Err(gimli::Error::NoUnwindInfoForAddress) => {}
                Err(e) => return Err(Error::dwarf(".eh_frame", e)),
            }
        }
        if let Some(frame) = &self.debug_frame {
            match frame.unwind_info_for_address(
                &self.bases,
                context,
                address,
                gimli::DebugFrame::cie_from_offset,
            ) {
                Ok(row) => return Ok(Some((row.clone(), Source::DebugFrame))),
                Err(gimli::Error::NoUnwindInfoForAddress) => {}
                Err(e) => return Err(Error::dwarf(".debug_frame", e)),
            }
        }
        Ok(None)
    }

    fn apply(
        &self,
        row: &UnwindTableRow<usize>,
        source: Source,
        regs: &UnwindRegs,
        memory: &mut dyn FnMut(u64) -> Option<u64>,
    ) -> Result<Unwound> {
        let cfa = match row.cfa() {
            CfaRule::RegisterAndOffset { register, offset } => regs
                .get(usize::from(register.0))
                .ok_or(Error::MissingRegister {
                    register: register.0,
                })?
                .wrapping_add_signed(*offset),
            CfaRule::Expression(expression) => {
                self.evaluate(expression, source, regs, None, memory)?
            }
        };
        let mut caller = UnwindRegs::default();
        for n in 0..UNWIND_REGISTERS {
            let number = gimli::Register(u16::try_from(n).unwrap_or(u16::MAX));
            let value = match row.register(number) {
                None if n == RSP => Some(cfa),
                // Callee-saved registers survive a call unless the CFI says where they went.
                None if matches!(n, 3 | 6 | 12..=15) => regs.get(n),
                None => None,
                Some(rule) => match rule {
                    RegisterRule::Undefined => None,
                    RegisterRule::SameValue => regs.get(n),
                    RegisterRule::Offset(offset) => memory(cfa.wrapping_add_signed(offset)),
                    RegisterRule::ValOffset(offset) => Some(cfa.wrapping_add_signed(offset)),
                    RegisterRule::Register(other) => regs.get(usize::from(other.0)),
                    RegisterRule::Expression(expression) => {
                        let at = self.evaluate(&expression, source, regs, Some(cfa), memory)?;
                        memory(at)
                    }
                    RegisterRule::ValExpression(expression) => {
                        Some(self.evaluate(&expression, source, regs, Some(cfa), memory)?)
                    }
                    RegisterRule::Constant(value) => Some(value),
                    RegisterRule::Architectural => None,
                },
            };
            caller.set(n, value);
        }
        Ok(Unwound { cfa, caller })
    }

    /// Run a CFI expression (`initial` is pushed first: the CFA, for register rules) and
    /// return the value it leaves.
    fn evaluate(
        &self,
        expression: &gimli::UnwindExpression<usize>,
        source: Source,
        regs: &UnwindRegs,
        initial: Option<u64>,
        memory: &mut dyn FnMut(u64) -> Option<u64>,
    ) -> Result<u64> {
        let bad = |e| Error::dwarf("call-frame expression", e);
        let expression = match (source, &self.eh_frame, &self.debug_frame) {
            (Source::EhFrame, Some((frame, _)), _) => expression.get(frame),
            (Source::DebugFrame, _, Some(frame)) => expression.get(frame),
            _ => return Err(bad(gimli::Error::NoUnwindInfoForAddress)),
        }
        .map_err(bad)?;
        let encoding = gimli::Encoding {
            format: gimli::Format::Dwarf32,
            version: 4,
            address_size: 8,
        };
        let mut evaluation = expression.evaluation(encoding);
        // A hostile expression may branch backwards forever: bound the operations it runs.
        evaluation.set_max_iterations(10_000);
        if let Some(value) = initial {
            evaluation.set_initial_value(value);
        }
        let mut state = evaluation.evaluate().map_err(bad)?;
        // Each resumption answers one request for a register or memory; expressions need a
        // handful.
        for _ in 0..256 {
            state = match state {
                EvaluationResult::Complete => {
                    let pieces = evaluation.result();
                    return match pieces.first().map(|p| &p.location) {
                        Some(Location::Address { address }) => Ok(*address),
                        Some(Location::Value { value }) => Ok(value.to_u64(u64::MAX).unwrap_or(0)),
                        _ => Err(bad(gimli::Error::UnsupportedEvaluation)),
                    };
                }
                EvaluationResult::RequiresMemory { address, size, .. } => {
                    let word = memory(address).ok_or(Error::UnreadableMemory { address })?;
                    let value = match size {
                        1 => word & 0xff,
                        2 => word & 0xffff,
                        4 => word & 0xffff_ffff,
                        _ => word,
                    };
                    evaluation
                        .resume_with_memory(Value::Generic(value))
                        .map_err(bad)?
                }
                EvaluationResult::RequiresRegister { register, .. } => {
                    let value =
                        regs.get(usize::from(register.0))
                            .ok_or(Error::MissingRegister {
                                register: register.0,
                            })?;
                    evaluation
                        .resume_with_register(Value::Generic(value))
                        .map_err(bad)?
                }
                _ => return Err(bad(gimli::Error::UnsupportedEvaluation)),
            };
        }
        Err(bad(gimli::Error::UnsupportedEvaluation))
    }
}

/// `.eh_frame_hdr`'s binary-search table, in the encoding every x86-64 linker writes
/// (entries of two `datarel sdata4` values), read with checked arithmetic: gimli's own lookup
/// multiplies and subtracts the table's counts unchecked, which a corrupt header overflows.
/// Another encoding is not used (the FDEs are searched linearly instead).
#[derive(Debug, Clone, Copy)]
struct SearchTable<'a> {
    /// The header section's address, which the entries are relative to.
    base: u64,
    /// `count` entries of 8 bytes: (initial location, FDE address).
    entries: &'a [u8],
    count: usize,
    /// Where `.eh_frame` is, to turn an FDE address into an offset in it.
    eh_frame: u64,
}

/// `DW_EH_PE_udata4`.
const UDATA4: u8 = 0x03;
/// `DW_EH_PE_datarel | DW_EH_PE_sdata4`.
const DATAREL_SDATA4: u8 = 0x3b;

impl<'a> SearchTable<'a> {
    fn parse(base: u64, hdr: &'a [u8], eh_frame: u64) -> Option<SearchTable<'a>> {
        let [version, eh_frame_ptr_encoding, count_encoding, table_encoding, ..] = *hdr else {
            return None;
        };
        // The eh_frame pointer is 4 bytes in every encoding linkers use; anything else is
        // read linearly.
        let pointer_is_4 = matches!(eh_frame_ptr_encoding & 0x0f, 0x03 | 0x0b);
        if version != 1
            || count_encoding != UDATA4
            || table_encoding != DATAREL_SDATA4
            || !pointer_is_4
        {
            return None;
        }
        let count = u32::from_le_bytes(hdr.get(8..12)?.try_into().ok()?);
        let count = usize::try_from(count).ok()?;
        let entries = hdr.get(12..)?.get(..count.checked_mul(8)?)?;
        Some(SearchTable {
            base,
            entries,
            count,
            eh_frame,
        })
    }

    fn entry(&self, index: usize) -> Option<(u64, u64)> {
        let at = index.checked_mul(8)?;
        let field = |offset: usize| -> Option<u64> {
            let bytes = self.entries.get(at + offset..at + offset + 4)?;
            let value = i32::from_le_bytes(bytes.try_into().ok()?);
            Some(self.base.wrapping_add_signed(i64::from(value)))
        };
        Some((field(0)?, field(4)?))
    }

    /// The offset in `.eh_frame` of the FDE whose range may contain `address`: the last
    /// entry starting at or before it.
    fn fde_offset(&self, address: u64) -> Option<usize> {
        let (mut low, mut high) = (0usize, self.count);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.entry(middle)?.0 <= address {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        let (_, fde) = self.entry(low.checked_sub(1)?)?;
        usize::try_from(fde.checked_sub(self.eh_frame)?).ok()
    }
}

/// The FDE for `address` through the search table (its `contains` checked).
fn fde_from_header<'a>(
    table: &SearchTable<'a>,
    frame: &EhFrame<Reader<'a>>,
    bases: &BaseAddresses,
    address: u64,
) -> gimli::Result<gimli::FrameDescriptionEntry<Reader<'a>>> {
    let offset = table
        .fde_offset(address)
        .ok_or(gimli::Error::NoUnwindInfoForAddress)?;
    let fde = frame.fde_from_offset(
        bases,
        gimli::EhFrameOffset(offset),
        EhFrame::cie_from_offset,
    )?;
    if fde.contains(address) {
        Ok(fde)
    } else {
        Err(gimli::Error::NoUnwindInfoForAddress)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    EhFrame,
    DebugFrame,
}
