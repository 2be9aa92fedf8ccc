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
    ///
    /// In a launched process the kernel picks them out: a seccomp filter stops the caught
    /// calls and lets every other one run without a stop. A filter cannot be taken back, so a
    /// call no longer caught still stops (and is passed over at once); one more filter for
    /// calls added is installed now, or, while every thread is inside a system call, at the
    /// next resume that finds one outside. A refusal by the kernel, with a filter in place,
    /// fails the command and changes nothing.
    pub fn catch_syscalls(&mut self, catch: SyscallCatch) -> Result<()> {
        self.ensure_stopped()?;
        self.filter_for(&catch)?;
        self.catch = catch;
        self.caught_entries.clear();
        Ok(())
    }

    /// The system calls caught now.
    pub fn syscall_catch(&self) -> &SyscallCatch {
        &self.catch
    }

    /// Whether a seccomp filter of ours picks the caught system calls out in the kernel (so
    /// that the others run without a stop), rather than a stop at every call. No longer once
    /// the program installed a filter of its own after ours (which may refuse a caught call
    /// before ours is heard).
    pub fn syscalls_filtered_by_kernel(&self) -> bool {
        self.process.syscall_filtered() && !self.process.syscall_filter_outranked()
    }

    /// How to run while `self.catch` is caught: `true` when our filter picks the calls out
    /// (run with `PTRACE_CONT`), `false` when every call must stop (`PTRACE_SYSCALL`).
    pub(super) fn syscalls_filtered(&mut self) -> Result<bool> {
        let catch = self.catch.clone();
        self.filter_for(&catch)
    }

    /// Whether the next resume installs a filter (one more, or the first) for the calls
    /// caught now.
    pub(super) fn filter_install_needed(&self) -> bool {
        use crate::syscalls::SyscallFilter;
        match &self.syscall_filter {
            SyscallFilter::Unavailable => false,
            _ if self.catch.is_empty() => false,
            SyscallFilter::Covers(covered) => !covered.covers(&self.catch),
            SyscallFilter::Untried => true,
        }
    }

    /// Make our filter stop at every call `catch` catches, installing one more if needed:
    /// whether it does. Without a filter yet, a refusal is no error (system calls are then
    /// caught the classic way, from then on); with one, it is, because the classic way would
    /// see the filtered calls twice.
    fn filter_for(&mut self, catch: &SyscallCatch) -> Result<bool> {
        use crate::syscalls::SyscallFilter;
        if self.process.syscall_filter_outranked() {
            // The program installed a filter over ours (our filters trace the calls that do):
            // every call stops at its entry from now on, our filter's seccomp stops after
            // those entries passed over by the process layer.
            self.syscall_filter = SyscallFilter::Unavailable;
            return Ok(false);
        }
        let covered = match &self.syscall_filter {
            SyscallFilter::Unavailable => return Ok(false),
            _ if catch.is_empty() => return Ok(true),
            SyscallFilter::Covers(covered) if covered.covers(catch) => return Ok(true),
            SyscallFilter::Covers(covered) => covered.clone(),
            SyscallFilter::Untried => SyscallCatch::None,
        };
        let numbers: Option<Vec<u64>> = match catch {
            SyscallCatch::Only(set) => Some(set.iter().copied().collect()),
            SyscallCatch::All | SyscallCatch::None => None,
        };
        let installed = self.guard(|process| process.install_syscall_filter(numbers.as_deref()));
        match installed {
            Ok(()) => {
                self.syscall_filter = SyscallFilter::Covers(covered.union(catch));
                Ok(true)
            }
            // Every thread is inside a system call (typically the one thread, stopped at a
            // caught call's entry): the filter goes in at the next resume that finds a thread
            // outside one — for that thread, once the call's exit stop is reached, before it
            // runs anything else.
            Err(crate::error::Error::Process(dbg_process::Error::SyscallFilter(
                dbg_process::FilterRefusal::EveryThreadInSyscall,
            ))) if self.process.syscall_filtered() => Ok(true),
            Err(error) if self.process.syscall_filtered() || !self.is_alive() => Err(error),
            Err(_) => {
                self.syscall_filter = SyscallFilter::Unavailable;
                Ok(false)
            }
        }
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
            dbg_process::SyscallStop::Seccomp { number, args } => {
                // A call our filter stops (or stopped: filters stay) before it runs — or
                // one that installs a filter, which our filters trace for the process layer
                // to notice: shown only when caught.
                if !self.catch.catches(number) {
                    return Ok(None);
                }
                self.caught_entries.insert(tid, number);
                // Its exit is reported too: that thread alone runs to it with PTRACE_SYSCALL.
                self.process.want_syscall_exit(tid)?;
                let info = SyscallInfo {
                    name: name(number),
                    number,
                    args: Some(args),
                    ret: None,
                };
                (StopKind::SyscallEntry, info)
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
