//! Our software breakpoints as the core knows them: recognising their traps without asking
//! the kernel, and keeping their `int3`s out of forked children.

use dbg_sys::ptrace;
use dbg_sys::user;
use dbg_sys::wait::{wait_tid, WaitStatus};
use dbg_sys::{Pid, Signal, VirtAddr};

use super::debugregs::DR6_SLOTS;
use super::regcache::gprs;
use super::{Process, Stepping};
use crate::error::Result;
use crate::stop::{SignalOrigin, Stop, TrapKind};
use crate::trap_sites::TrapSites;
use dbg_sys::ptrace::{SI_KERNEL, TRAP_HWBKPT};

/// The x86 breakpoint instruction.
pub(super) const INT3: u8 = 0xcc;

impl Process {
    /// The table of our `int3` bytes, shared: whoever writes an `int3` into the tracee
    /// records it there, so that its traps are recognised (and the pc rewound to it) without
    /// asking the kernel, and forked children get the original byte back before they run.
    pub fn trap_sites(&self) -> TrapSites {
        self.breakpoints.clone()
    }

    /// Read these words of the tracee's memory as each of its threads exits (its memory is
    /// still there then), so that their last values outlive the process: the counters of
    /// breakpoint hits counted in the tracee, typically. Replaces the previous set; words
    /// kept from it are dropped unless named again.
    pub fn keep_at_exit(&mut self, words: Vec<VirtAddr>) {
        let old = std::mem::take(&mut self.exit_words);
        for addr in words {
            let value = old.get(&addr).copied().flatten();
            self.exit_words.insert(addr, value);
        }
    }

    /// The words named by [`Process::keep_at_exit`], as read when a thread last exited
    /// (those read at all).
    pub fn words_at_exit(&self) -> std::collections::BTreeMap<VirtAddr, u64> {
        self.exit_words
            .iter()
            .filter_map(|(addr, value)| Some((*addr, (*value)?)))
            .collect()
    }

    /// Classify a SIGTRAP without `PTRACE_GETSIGINFO` where that is certain: after a trusted
    /// step it is the step; after a continue, a pc one byte past one of our breakpoints means
    /// our `int3` ran, and the pc is rewound to the breakpoint (the register write reaches the
    /// kernel only when the thread next runs).
    pub(super) fn classify_trap_quickly(
        &mut self,
        tid: Pid,
        stepping: Stepping,
    ) -> Result<Option<Stop>> {
        let quick = |trap, breakpoint| Stop {
            tid,
            signal: Signal::SIGTRAP,
            trap: Some(trap),
            fault_addr: None,
            origin: SignalOrigin::Kernel,
            breakpoint,
            debug_status: None,
        };
        if self.debug.armed() && stepping == Stepping::Continue {
            // One GETSIGINFO tells a debug-register hit (TRAP_HWBKPT) from an `int3`
            // (SI_KERNEL) or a SIGTRAP sent by someone. DR6, which Linux resets at every
            // debug exception, is read only to tell which of several armed slots fired; it
            // is not cleared (an `int3` leaves it alone, so its bits may go stale: trusted
            // from here only with the kernel's word, and cleared before a step reads it).
            let info = ptrace::siginfo(tid)?;
            if info.code == TRAP_HWBKPT {
                let status = match self.debug.only_slot() {
                    Some(slot) => 1 << slot,
                    None => self.read_debug_status(tid)?,
                };
                self.thread_mut(tid)?.dr6_stale = true;
                let mut stop = quick(TrapKind::Hardware, None);
                stop.debug_status = Some(status);
                return Ok(Some(stop));
            }
            if info.code != SI_KERNEL {
                return Ok(Some(Stop::from_siginfo(tid, Signal::SIGTRAP, &info)));
            }
            return Ok(Some(
                self.our_breakpoint(tid)?
                    .map(|site| quick(TrapKind::Breakpoint, Some(site)))
                    .unwrap_or_else(|| Stop::from_siginfo(tid, Signal::SIGTRAP, &info)),
            ));
        }
        if self.debug.armed() {
            // Stepped: a debug-register hit says so in DR6 (which Linux resets at every
            // debug exception, a completed step being one; cleared after each hit here), so
            // its slot bits are this trap's; that one read replaces GETSIGINFO.
            let status = self.read_debug_status(tid)?;
            if status & DR6_SLOTS != 0 {
                self.clear_debug_status(tid)?;
                let mut stop = quick(TrapKind::Hardware, None);
                stop.debug_status = Some(status);
                return Ok(Some(stop));
            }
            if stepping == Stepping::Trusted {
                // Not a hardware hit, so the completed step (see `step_known_instruction`).
                return Ok(Some(quick(TrapKind::SingleStep, None)));
            }
        }
        match stepping {
            Stepping::Trusted => Ok(Some(quick(TrapKind::SingleStep, None))),
            Stepping::Step => Ok(None),
            Stepping::Continue if self.breakpoints.is_empty() => Ok(None),
            Stepping::Continue => Ok(self
                .our_breakpoint(tid)?
                .map(|site| quick(TrapKind::Breakpoint, Some(site)))),
        }
    }

    /// After a SIGTRAP of continued thread `tid`: if its pc is one byte past one of our
    /// breakpoints (or past the `int3` of one's counting trampoline), that breakpoint's
    /// address, the pc set to it (the register write reaches the kernel only when the thread
    /// next runs).
    fn our_breakpoint(&mut self, tid: Pid) -> Result<Option<VirtAddr>> {
        if self.breakpoints.is_empty() {
            return Ok(None);
        }
        let thread = self.thread_mut(tid)?;
        let mut regs = *gprs(tid, &mut thread.regs)?;
        let trap = VirtAddr::new(regs.0.rip.wrapping_sub(1));
        // A counting trampoline's `int3` (its site's hits ran out) is a hit of the site.
        let site = match self.breakpoints.trap_site(trap) {
            Some(site) => site,
            None if self.breakpoints.contains(trap) => trap,
            None => return Ok(None),
        };
        regs.0.rip = site.get();
        let thread = self.thread_mut(tid)?;
        thread.regs.gpr = Some(regs);
        thread.regs.gpr_dirty = true;
        Ok(Some(site))
    }

    /// Let a forked child go unharmed: wait for its first stop, put back the bytes under our
    /// `int3`s and clear the debug registers it inherited, then detach. A vfork child shares
    /// our memory, so the `int3`s stay out until the parent reports VFORK_DONE.
    pub(super) fn release_child(&mut self, child: Pid, vfork: bool) -> Result<()> {
        if !self.early_children.remove(&child) {
            loop {
                match wait_tid(child)? {
                    WaitStatus::Stopped(..) | WaitStatus::PtraceEvent(..) => break,
                    // It died before it ran: nothing to let go.
                    WaitStatus::Exited(..) | WaitStatus::Signaled(..) => return Ok(()),
                    _ => continue,
                }
            }
        }
        // Each site on its own: one in memory the child no longer has (a library unloaded, a
        // MADV_DONTFORK region) must not keep the others in, or the child from running.
        for (addr, original) in self.breakpoints.all() {
            let _ = poke_byte(child, addr, original);
        }
        for (addr, jump) in self.breakpoints.jumps() {
            let _ = poke_bytes(child, addr, &jump.original);
        }
        if vfork && !self.breakpoints.is_empty() {
            self.vfork_lifted = true;
        }
        let _ = ptrace::poke_user(child, user::debug_reg(7), 0);
        if self.filtered {
            // It carries our filter: it must stay traced, by a custodian.
            return self.hand_over_child(child);
        }
        match ptrace::detach(child, None) {
            Err(e) if !e.is_gone() => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Write one byte into the memory of stopped tracee `tid` with a word-aligned
/// `PEEKDATA`/`POKEDATA` pair (it works on read-only code, and an aligned word never crosses
/// into another page).
pub(super) fn poke_byte(tid: Pid, addr: VirtAddr, byte: u8) -> Result<()> {
    let aligned = addr.align_down(8);
    let shift = (addr.get() - aligned.get()) * 8;
    let word = ptrace::peek_data(tid, aligned)?;
    let word = (word & !(0xff << shift)) | (u64::from(byte) << shift);
    ptrace::poke_data(tid, aligned, word)?;
    Ok(())
}

/// Write `bytes` into the memory of stopped tracee `tid` at `addr`, a byte at a time (see
/// [`poke_byte`]).
pub(super) fn poke_bytes(tid: Pid, addr: VirtAddr, bytes: &[u8]) -> Result<()> {
    for (at, byte) in (0u64..).zip(bytes) {
        poke_byte(tid, addr.wrapping_add(at), *byte)?;
    }
    Ok(())
}
