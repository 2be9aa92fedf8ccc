//! Registers, memory and disassembly of the stopped tracee, as the program sees them: our
//! `int3`s hidden from reads, and writes over a breakpoint site kept under it.

use dbg_memory::{Instruction, Read};
use dbg_process::{Pid, Process, Reg, RegValue};
use dbg_sys::VirtAddr;

use super::Session;
use crate::error::{Error, Result};
use crate::ScratchCopy;

/// The most bytes one `memory read` shows.
pub const MAX_MEMORY_READ: usize = 1 << 16;

/// The longest x86-64 instruction.
const MAX_INSTRUCTION: usize = 15;

impl Session {
    /// Read registers of the current thread, as its selected frame sees them.
    pub fn read_registers(&mut self, regs: &[Reg]) -> Result<Vec<(Reg, RegValue)>> {
        let mut values = Vec::with_capacity(regs.len());
        for reg in regs {
            values.push((*reg, self.frame_register(*reg)?));
        }
        Ok(values)
    }

    /// Read registers of thread `tid` (any thread of the stopped process, its innermost
    /// frame), whichever thread is current.
    pub fn thread_registers(&mut self, tid: Pid, regs: &[Reg]) -> Result<Vec<(Reg, RegValue)>> {
        self.ensure_stopped()?;
        let mut values = Vec::with_capacity(regs.len());
        for reg in regs {
            values.push((*reg, self.guard(|p| p.read_thread_register(tid, *reg))?));
        }
        Ok(values)
    }

    /// Write register `reg` of thread `tid` (its innermost frame).
    pub fn write_thread_register(&mut self, tid: Pid, reg: Reg, value: RegValue) -> Result<()> {
        self.ensure_stopped()?;
        self.guard(|process| process.write_thread_register(tid, reg, value))?;
        if tid == self.process.current_thread() {
            self.forget_frames();
        }
        Ok(())
    }

    /// Write a register of the current thread.
    pub fn write_register(&mut self, reg: Reg, value: RegValue) -> Result<()> {
        if self.selected_frame != 0 {
            return Err(Error::OuterFrameWrite);
        }
        self.guard(|process| process.write_register(reg, value))?;
        self.forget_frames();
        Ok(())
    }

    /// Read up to `len` bytes at `addr` as the program sees them (our `int3`s hidden). Short
    /// where memory ends; [`Read::stopped_at`] says where.
    pub fn read_memory(&mut self, addr: VirtAddr, len: usize) -> Result<Read> {
        self.ensure_stopped()?;
        if len > MAX_MEMORY_READ {
            return Err(dbg_memory::Error::TooLarge {
                len,
                limit: MAX_MEMORY_READ,
            }
            .into());
        }
        let mut read = self.memory.read(addr, len)?;
        self.hide_scratch(addr, &mut read);
        if read.bytes.is_empty() && len > 0 {
            return Err(dbg_memory::Error::Unreadable { addr }.into());
        }
        self.sites.hide(addr, &mut read.bytes);
        Ok(read)
    }

    /// dbg's scratch areas (address ranges) and the out-of-line copies in them, which
    /// ordinary reads hide (`maintenance info scratch`).
    pub fn scratch(&self) -> (Vec<(VirtAddr, VirtAddr)>, Vec<ScratchCopy>) {
        (
            self.sites.scratch_areas().collect(),
            self.sites.scratch_copies().collect(),
        )
    }

    /// Read up to `len` bytes of dbg's own scratch area at `addr`, which
    /// [`Session::read_memory`] never shows (`memory read --scratch`). Short at the area's
    /// end; an address outside every area is refused.
    pub fn read_scratch(&mut self, addr: VirtAddr, len: usize) -> Result<Read> {
        self.ensure_stopped()?;
        if len > MAX_MEMORY_READ {
            return Err(dbg_memory::Error::TooLarge {
                len,
                limit: MAX_MEMORY_READ,
            }
            .into());
        }
        let (_, end) = self
            .sites
            .scratch_areas()
            .find(|(start, end)| *start <= addr && addr < *end)
            .ok_or(Error::NotInScratch(addr.get()))?;
        let room = usize::try_from(end.get() - addr.get()).unwrap_or(usize::MAX);
        let mut read = self.memory.read(addr, len.min(room))?;
        if len > room && read.stopped_at.is_none() {
            read.stopped_at = Some(end);
        }
        if read.bytes.is_empty() && len > 0 {
            return Err(dbg_memory::Error::Unreadable { addr }.into());
        }
        Ok(read)
    }

    /// The program never sees the scratch area (dbg's out-of-line copies): a read ends where
    /// it starts, as at unmapped memory.
    fn hide_scratch(&self, addr: VirtAddr, read: &mut Read) {
        let end = addr.wrapping_add(read.bytes.len() as u64);
        let first = self
            .sites
            .scratch_areas()
            .filter(|(start, stop)| *start < end && *stop > addr)
            .map(|(start, _)| start.max(addr))
            .min();
        if let Some(first) = first {
            let keep = first.offset_from(addr).unwrap_or(0);
            read.bytes.truncate(usize::try_from(keep).unwrap_or(0));
            read.stopped_at = Some(first);
        }
    }

    /// Write `data` at `addr`; bytes over a breakpoint site change what the program will run
    /// there, and the breakpoint stays.
    pub fn write_memory(&mut self, addr: VirtAddr, data: &[u8]) -> Result<()> {
        self.ensure_stopped()?;
        self.forget_frames();
        self.sites.write_through(&self.memory, addr, data)?;
        Ok(())
    }

    /// Disassemble `count` instructions from `addr` (the pc by default).
    pub fn disassemble(
        &mut self,
        addr: Option<VirtAddr>,
        count: usize,
    ) -> Result<Vec<Instruction>> {
        self.ensure_stopped()?;
        let addr = match addr {
            Some(addr) => addr,
            None => self.guard(Process::pc)?,
        };
        let len = count.saturating_mul(MAX_INSTRUCTION).min(MAX_MEMORY_READ);
        let mut read = self.memory.read(addr, len)?;
        self.hide_scratch(addr, &mut read);
        if read.bytes.is_empty() && len > 0 {
            return Err(dbg_memory::Error::Unreadable { addr }.into());
        }
        self.sites.hide(addr, &mut read.bytes);
        Ok(dbg_memory::disassemble(&read.bytes, addr, count))
    }
}
