//! Running one system call inside the tracee, on a stopped thread, for the debugger's own
//! needs (mapping and unmapping its scratch area): the thread's registers are saved, set up for
//! the call at a `syscall` instruction that already exists in the tracee, the thread alone
//! executes that one instruction, and the registers are put back exactly as they were. No
//! byte of the tracee's memory is written.

use dbg_sys::VirtAddr;

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
        let tid = self.current;
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
        let stepped = self.step(None, false);
        // The saved registers go back into the cache, written back before the thread next
        // runs (the step fetched fresh ones).
        let restore = |process: &mut Process| -> Result<()> {
            if let Some(thread) = process.threads.get_mut(&tid) {
                if !thread.exiting {
                    thread.regs.gpr = Some(saved);
                    thread.regs.gpr_dirty = true;
                }
            }
            Ok(())
        };
        let outcome = match stepped {
            Ok(StopReason::Stopped(Stop {
                tid: stopped,
                trap: Some(TrapKind::SingleStep),
                ..
            })) if stopped == tid => {
                let thread = self.thread_mut(tid)?;
                let returned = gprs(tid, &mut thread.regs).map(|regs| regs.0.rax);
                restore(self)?;
                Injected::Returned(returned?)
            }
            Ok(other) => {
                restore(self)?;
                Injected::Stopped(other)
            }
            Err(error) => {
                restore(self)?;
                return Err(error);
            }
        };
        Ok(outcome)
    }
}
