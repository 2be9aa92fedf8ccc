//! Running one system call inside the tracee, on a stopped thread, for the debugger's own
//! needs (mapping and unmapping its scratch area, installing a system-call filter): the
//! thread's registers are saved, set up for the call at a `syscall` instruction in the
//! tracee, the thread alone executes that one instruction, and the registers are put back
//! exactly as they were. This module writes no byte of the tracee's memory (the filter's
//! installation writes its own `syscall` instruction first, `filter.rs`).
//!
//! A seccomp stop of the call (a filter of ours, or of the program's, traces it: the user
//! catches `mmap`, or every filter of ours traces `seccomp(2)`) is part of it: the core passes
//! it at once (`Thread::injecting`), so it is never reported, nor taken for a call of the
//! program's.

use dbg_sys::{Pid, VirtAddr};

use super::regcache::gprs;
use super::Process;
use crate::error::{Error, Result};
use crate::stop::{Stop, StopReason, TrapKind};

/// What running an injected system call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// The call ran; its raw return value (`-errno` on failure, as the kernel returns it).
    Returned(u64),
    /// Something else happened to the thread first (a signal reported before the call ran,
    /// the end of the process). The thread's registers are as they were before the call (if
    /// it still exists) and this stop is the thread's own: the caller reports it (or handles
    /// it) as if the thread had just stopped with it.
    Stopped(StopReason),
}

impl Process {
    /// Run system call `number` with `args` on the current thread, using the two bytes
    /// `0f 05` at `syscall_at` (which must be in executable memory and must not be one of our
    /// breakpoint sites). The other threads stay as they are. The thread's general registers
    /// are restored on every path; `orig_rax` is set to -1 meanwhile, so that an interrupted
    /// system call the thread was in is neither restarted nor failed by our call (the kernel
    /// restarts it later, when the thread runs with its own registers again).
    ///
    /// Refused (nothing changed) when the thread is at a system-call entry stop, where
    /// changing its registers would change the call it is making.
    pub fn inject_syscall(
        &mut self,
        syscall_at: VirtAddr,
        number: u64,
        args: [u64; 6],
    ) -> Result<Injected> {
        self.ensure_stopped()?;
        self.run_syscall(self.current, syscall_at, number, args)
    }

    /// [`Process::inject_syscall`] on thread `tid`, which is the current thread meanwhile (and
    /// afterwards, unless the current one is gone). The one way the debugger runs a system
    /// call in the tracee.
    pub(super) fn run_syscall(
        &mut self,
        tid: Pid,
        syscall_at: VirtAddr,
        number: u64,
        args: [u64; 6],
    ) -> Result<Injected> {
        self.ensure_stopped()?;
        let thread = self.thread_mut(tid)?;
        if thread.in_syscall {
            return Err(Error::InSyscall(tid.as_raw()));
        }
        let saved = *gprs(tid, &mut thread.regs)?;
        let mut call = saved;
        let [a0, a1, a2, a3, a4, a5] = args;
        call.0.rax = number;
        call.0.orig_rax = u64::MAX;
        call.0.rdi = a0;
        call.0.rsi = a1;
        call.0.rdx = a2;
        call.0.r10 = a3;
        call.0.r8 = a4;
        call.0.r9 = a5;
        call.0.rip = syscall_at.get();
        thread.regs.gpr = Some(call);
        thread.regs.gpr_dirty = true;
        thread.injecting = true;
        let current = std::mem::replace(&mut self.current, tid);
        let stepped = self.step(None, false);
        // The saved registers go back into the cache, written back before the thread next
        // runs (the step fetched fresh ones).
        let mut returned = None;
        if let Some(thread) = self.threads.get_mut(&tid) {
            thread.injecting = false;
            if let Ok(StopReason::Stopped(Stop {
                tid: stopped,
                trap: Some(TrapKind::SingleStep),
                ..
            })) = stepped
            {
                if stopped == tid {
                    returned = Some(gprs(tid, &mut thread.regs).map(|regs| regs.0.rax));
                }
            }
            if !thread.exiting {
                thread.regs.gpr = Some(saved);
                thread.regs.gpr_dirty = true;
            }
        }
        if self.threads.get(&current).is_some_and(|t| !t.exiting) {
            self.current = current;
        }
        let stepped = stepped?;
        match returned {
            Some(rax) => Ok(Injected::Returned(rax?)),
            None => Ok(Injected::Stopped(stepped)),
        }
    }
}
