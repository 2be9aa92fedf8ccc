//! System-call catchpoints (`catchpoint syscall`): which calls to stop at, and what a
//! system-call stop is (entry or exit, with the kernel's word on it). The `SyscallCatch` and
//! `SyscallInfo` types are in `crate::syscalls`.

use dbg_process::{Pid, Process};

use super::{Session, Why};
use crate::error::Result;
use crate::event::StopKind;
use crate::syscalls::{SyscallCatch, SyscallInfo};

impl Session {
    /// Stop at the entry and exit of these system calls from now on.
    pub fn catch_syscalls(&mut self, catch: SyscallCatch) -> Result<()> {
        self.ensure_stopped()?;
        self.catch = catch;
        self.caught_entries.clear();
        Ok(())
    }

    /// At a system-call stop of thread `tid`: the stop to report when the call is caught.
    /// The kernel says whether it is an entry or an exit (`PTRACE_GET_SYSCALL_INFO`, one call,
    /// the same cost as reading the registers), so our bookkeeping cannot drift.
    pub(super) fn syscall_stop(&mut self, tid: Pid, _entry_by_count: bool) -> Result<Option<Why>> {
        let current = self.process.current_thread();
        self.process.select_thread(tid)?;
        let info = self.guard(Process::syscall_info);
        if self.is_alive() {
            let _ = self.process.select_thread(current);
        }
        let name =
            |number: u64| syscalls::Sysno::new(number as usize).map_or("unknown", |s| s.name());
        let (kind, info) = match info? {
            dbg_process::SyscallStop::Entry { number, args } => {
                if !self.catch.catches(number) {
                    return Ok(None);
                }
                self.caught_entries.insert(tid, number);
                let info = SyscallInfo {
                    name: name(number),
                    number,
                    args: Some(args),
                    ret: None,
                };
                (StopKind::SyscallEntry, info)
            }
            dbg_process::SyscallStop::Exit { ret } => {
                let Some(number) = self.caught_entries.remove(&tid) else {
                    return Ok(None);
                };
                let info = SyscallInfo {
                    name: name(number),
                    number,
                    args: None,
                    ret: Some(ret),
                };
                (StopKind::SyscallExit, info)
            }
            dbg_process::SyscallStop::Other => return Ok(None),
        };
        Ok(Some(Why {
            kind: Some(kind),
            syscall: Some(info),
            ..Why::default()
        }))
    }
}
