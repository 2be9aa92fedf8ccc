//! The debug registers (DR0–DR3, DR6, DR7) the process layer keeps the same on every thread.

use dbg_sys::ptrace;
use dbg_sys::user;
use dbg_sys::{Pid, VirtAddr};

use super::Process;
use crate::error::Result;

impl Process {
    /// Give every thread — and every thread created from now on — these debug registers
    /// (`addresses` in DR0–DR3, `control` in DR7). All threads or none: if a thread refuses
    /// (e.g. an address the kernel rejects), the threads already changed are set back.
    pub fn set_debug_registers(&mut self, addresses: [VirtAddr; 4], control: u64) -> Result<()> {
        self.ensure_stopped()?;
        let new = DebugRegisters { addresses, control };
        let old = self.debug;
        let tids: Vec<Pid> = self.threads().collect();
        for (done, tid) in tids.iter().enumerate() {
            if let Err(error) = new.apply(*tid, &old) {
                for undo in tids.iter().take(done + 1) {
                    let _ = old.apply(*undo, &new);
                }
                return Err(error);
            }
            if let Ok(thread) = self.thread_mut(*tid) {
                // Cached values are stale now.
                thread.regs.debug = [None; 8];
            }
        }
        self.debug = new;
        Ok(())
    }

    /// The debug registers every thread carries: DR0–DR3 and DR7.
    pub fn debug_registers(&self) -> ([VirtAddr; 4], u64) {
        (self.debug.addresses, self.debug.control)
    }

    pub(super) fn read_debug_status(&mut self, tid: Pid) -> Result<u64> {
        let status = ptrace::peek_user(tid, user::debug_reg(6))?;
        if let Ok(thread) = self.thread_mut(tid) {
            thread.regs.debug[6] = Some(status);
        }
        Ok(status)
    }

    /// Clear DR6 of thread `tid` after a hit has been read from it. Only a debug exception
    /// resets DR6; an `int3` (a breakpoint exception) does not, so stale slot bits would
    /// make the next `int3` look like a debug-register hit.
    pub(super) fn clear_debug_status(&mut self, tid: Pid) -> Result<()> {
        ptrace::poke_user(tid, user::debug_reg(6), 0)?;
        if let Ok(thread) = self.thread_mut(tid) {
            thread.regs.debug[6] = Some(0);
        }
        Ok(())
    }
}

/// DR6 bits B0–B3: which debug-register slot fired.
pub(super) const DR6_SLOTS: u64 = 0xf;

/// DR0–DR3 and DR7 as the process layer keeps them for every thread.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct DebugRegisters {
    addresses: [VirtAddr; 4],
    control: u64,
}

impl DebugRegisters {
    /// Whether any slot is enabled.
    pub(super) fn armed(&self) -> bool {
        self.control & 0xff != 0
    }

    /// The one slot enabled, if exactly one is.
    pub(super) fn only_slot(&self) -> Option<u64> {
        let enabled: Vec<u64> = (0..4)
            .filter(|slot| self.control & (0b11 << (slot * 2)) != 0)
            .collect();
        match enabled[..] {
            [slot] => Some(slot),
            _ => None,
        }
    }

    /// Write these registers to thread `tid`, which holds `current`: first take down the slots
    /// that change (the kernel checks each address against DR7 as it is written), then the
    /// addresses, then the final DR7. Registers that do not change are not written.
    pub(super) fn apply(&self, tid: Pid, current: &DebugRegisters) -> Result<()> {
        let dr7 = user::debug_reg(7);
        let changed: Vec<usize> = (0..4)
            .filter(|i| self.addresses.get(*i) != current.addresses.get(*i))
            .collect();
        let mut keep = current.control & self.control;
        for slot in &changed {
            keep &= !(0b11 << (slot * 2));
        }
        if keep != current.control {
            ptrace::poke_user(tid, dr7, keep)?;
        }
        for slot in changed {
            let addr = self.addresses.get(slot).copied().unwrap_or_default();
            ptrace::poke_user(tid, user::debug_reg(slot), addr.get())?;
        }
        if self.control != keep {
            ptrace::poke_user(tid, dr7, self.control)?;
        }
        Ok(())
    }
}
