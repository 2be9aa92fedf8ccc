//! Registers of a stopped thread: fetched from the kernel once per stop, written back once
//! before the thread runs again.

use dbg_sys::ptrace;
use dbg_sys::user::{self, xstate, FpRegs, Regs};
use dbg_sys::{Pid, VirtAddr};

use super::Process;
use crate::error::{Error, Result};
use crate::regs::{Reg, RegClass, RegValue};

#[derive(Debug, Default)]
pub(super) struct RegCache {
    pub(super) gpr: Option<Regs>,
    pub(super) gpr_dirty: bool,
    pub(super) fpr: Option<FpRegs>,
    pub(super) fpr_dirty: bool,
    /// The XSAVE area, read when an AVX register is first asked for.
    pub(super) xstate: Option<Vec<u8>>,
    pub(super) xstate_dirty: bool,
    pub(super) debug: [Option<u64>; 8],
}

impl Process {
    /// Read `reg` of the current thread. Register areas are fetched once per stop.
    pub fn read_register(&mut self, reg: Reg) -> Result<RegValue> {
        self.read_thread_register(self.current, reg)
    }

    /// Read `reg` of thread `tid` (any thread: all are stopped). Register areas are fetched
    /// once per stop of each thread.
    pub fn read_thread_register(&mut self, tid: Pid, reg: Reg) -> Result<RegValue> {
        self.ensure_inspectable(tid)?;
        let info = reg.info();
        let thread = self.thread_mut(tid)?;
        let raw: Vec<u8> = match info.class {
            RegClass::Gpr | RegClass::SubGpr => {
                let regs = gprs(tid, &mut thread.regs)?;
                regs.as_bytes()
                    .get(info.offset..info.offset + info.size)
                    .unwrap_or(&[])
                    .to_vec()
            }
            RegClass::Fpr => {
                let area = fprs(tid, &mut thread.regs)?;
                area.as_bytes()
                    .get(info.offset..info.offset + info.size)
                    .unwrap_or(&[])
                    .to_vec()
            }
            RegClass::Xstate => {
                let area = xstate_area(tid, &mut thread.regs, info.name)?;
                area.get(info.offset..info.offset + info.size)
                    .unwrap_or(&[])
                    .to_vec()
            }
            RegClass::Debug => {
                let slot =
                    thread
                        .regs
                        .debug
                        .get_mut(info.offset)
                        .ok_or(Error::ValueDoesNotFit {
                            register: info.name,
                            size: info.size,
                        })?;
                let value = match *slot {
                    Some(value) => value,
                    None => *slot.insert(ptrace::peek_user(tid, user::debug_reg(info.offset))?),
                };
                value.to_le_bytes().to_vec()
            }
        };
        RegValue::from_bytes(&raw, info.format)
            .filter(|v| v.size() == info.size)
            .ok_or(Error::ValueDoesNotFit {
                register: info.name,
                size: info.size,
            })
    }

    /// Write `value` to `reg` of the current thread. General and floating-point registers are
    /// written back to the kernel once, before the thread next runs; debug registers at once.
    pub fn write_register(&mut self, reg: Reg, value: RegValue) -> Result<()> {
        self.write_thread_register(self.current, reg, value)
    }

    /// Write `value` to `reg` of thread `tid`, as [`Process::write_register`] does.
    pub fn write_thread_register(&mut self, tid: Pid, reg: Reg, value: RegValue) -> Result<()> {
        self.ensure_inspectable(tid)?;
        let info = reg.info();
        if value.size() > info.size {
            return Err(Error::ValueDoesNotFit {
                register: info.name,
                size: info.size,
            });
        }
        let mut raw = [0u8; 16];
        raw.get_mut(..value.size())
            .unwrap_or(&mut [])
            .copy_from_slice(value.bytes());
        let raw = raw.get(..info.size).unwrap_or(&[]);
        let thread = self.thread_mut(tid)?;
        match info.class {
            RegClass::Gpr | RegClass::SubGpr => {
                let mut regs = *gprs(tid, &mut thread.regs)?;
                copy_into(regs.as_bytes_mut(), info.offset, raw);
                thread.regs.gpr = Some(regs);
                thread.regs.gpr_dirty = true;
            }
            RegClass::Fpr => {
                let mut area = *fprs(tid, &mut thread.regs)?;
                copy_into(area.as_bytes_mut(), info.offset, raw);
                thread.regs.fpr = Some(area);
                thread.regs.fpr_dirty = true;
            }
            RegClass::Xstate => {
                let mut area = xstate_area(tid, &mut thread.regs, info.name)?.to_vec();
                copy_into(&mut area, info.offset, raw);
                // The component is loaded from the area only when marked as in use.
                let in_use = area
                    .get(xstate::XSTATE_BV..xstate::XSTATE_BV + 8)
                    .map_or(0, le_u64);
                copy_into(
                    &mut area,
                    xstate::XSTATE_BV,
                    &(in_use | xstate::AVX_BIT).to_le_bytes(),
                );
                thread.regs.xstate = Some(area);
                thread.regs.xstate_dirty = true;
            }
            RegClass::Debug => {
                let word = value.as_u64();
                ptrace::poke_user(tid, user::debug_reg(info.offset), word)?;
                if let Some(slot) = thread.regs.debug.get_mut(info.offset) {
                    *slot = Some(word);
                }
            }
        }
        Ok(())
    }

    /// The program counter of the current thread.
    pub fn pc(&mut self) -> Result<VirtAddr> {
        Ok(VirtAddr::new(self.read_register(Reg::Rip)?.as_u64()))
    }

    /// Write back changed registers of `tid` and forget its cached ones (it is about to run).
    pub(super) fn flush(&mut self, tid: Pid) -> Result<()> {
        let thread = self.thread_mut(tid)?;
        let cache = std::mem::take(&mut thread.regs);
        if cache.gpr_dirty {
            if let Some(regs) = &cache.gpr {
                ptrace::set_regs(tid, regs)?;
            }
        }
        match (&cache.xstate, cache.xstate_dirty) {
            // The XSAVE area holds the FXSAVE one: written at once, with any change made to
            // the x87/SSE registers (the kernel's own bytes after them left as read).
            (Some(xstate), true) => {
                let mut area = xstate.clone();
                if let Some(fpr) = &cache.fpr {
                    let legacy = fpr.as_bytes().get(..xstate::SW_RESERVED).unwrap_or(&[]);
                    copy_into(&mut area, 0, legacy);
                }
                ptrace::set_xstate(tid, &area)?;
            }
            _ => {
                if cache.fpr_dirty {
                    if let Some(area) = &cache.fpr {
                        ptrace::set_fp_regs(tid, area)?;
                    }
                }
            }
        }
        Ok(())
    }
}

pub(super) fn gprs(tid: Pid, cache: &mut RegCache) -> Result<&Regs> {
    if cache.gpr.is_none() {
        cache.gpr = Some(ptrace::regs(tid)?);
    }
    cache.gpr.as_ref().ok_or(Error::UnknownThread(tid.as_raw()))
}

fn fprs(tid: Pid, cache: &mut RegCache) -> Result<&FpRegs> {
    if cache.fpr.is_none() {
        cache.fpr = Some(ptrace::fp_regs(tid)?);
    }
    cache.fpr.as_ref().ok_or(Error::UnknownThread(tid.as_raw()))
}

/// The thread's XSAVE area, read once per stop; refused for `register` when the kernel has
/// not enabled the AVX component (a processor without AVX).
fn xstate_area<'c>(tid: Pid, cache: &'c mut RegCache, register: &'static str) -> Result<&'c [u8]> {
    if cache.xstate.is_none() {
        cache.xstate = Some(ptrace::xstate(tid)?);
    }
    let area = cache.xstate.as_deref().unwrap_or(&[]);
    let enabled = area
        .get(xstate::XFEATURES..xstate::XFEATURES + 8)
        .map_or(0, le_u64);
    if enabled & xstate::AVX_BIT == 0 || area.len() < xstate::YMM_HIGH + 256 {
        return Err(Error::Unavailable { register });
    }
    Ok(area)
}

fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
}

fn copy_into(area: &mut [u8], offset: usize, raw: &[u8]) {
    if let Some(target) = area.get_mut(offset..offset + raw.len()) {
        target.copy_from_slice(raw);
    }
}
