//! System-call filters: installing a seccomp-bpf filter in the traced process (by running
//! `prctl` and `seccomp` in one of its threads at a stop), the per-thread wish to see a caught
//! call's exit, and handing a process that carries a filter to a custodian when we let go.
//!
//! The rule (docs/ARCHITECTURE.md, "System-call catchpoints"): a filter is installed only in a
//! launched process, and only where a custodian can trace it after us. A filter returns
//! `SECCOMP_RET_TRACE` for caught calls; with no tracer those would fail with `ENOSYS`, so
//! every process that carries one stays traced until it ends — by us while we debug it, by a
//! custodian ([`dbg_sys::seccomp::keep_traced`]) after `detach` and for forked children we do
//! not follow.

use dbg_sys::ptrace;
use dbg_sys::seccomp;
use dbg_sys::thread as systhread;
use dbg_sys::{Pid, Signal, VirtAddr};

use super::attach::LAUNCH_OPTIONS;
use super::breakpoints::poke_byte;
use super::regcache::gprs;
use super::{Injected, Origin, Process};
use crate::error::{Error, FilterRefusal, Result};
use crate::stop::StopReason;

/// `syscall`, the instruction an injected call runs.
const SYSCALL_INSN: [u8; 2] = [0x0f, 0x05];
/// How many signals may come before an injected call runs, each kept for the next wait,
/// before the installation gives up (a flood of signals must not hold the debugger).
const SIGNALS_FIRST: usize = 8;
/// `PR_SET_NO_NEW_PRIVS`: required of an unprivileged process before `seccomp(2)`.
const PR_SET_NO_NEW_PRIVS: u64 = 38;
/// The System V red zone below the stack pointer, which the program may be using.
const RED_ZONE: u64 = 128;

impl Process {
    /// Whether a seccomp filter of ours is in the process (from then on every process that
    /// carries it is kept traced).
    pub fn syscall_filtered(&self) -> bool {
        self.filtered
    }

    /// Whether the program made a call that installs a seccomp filter of its own after ours
    /// (every filter of ours traces those calls; the call may have failed). Its answers
    /// outrank ours (seccomp runs every filter and the strictest action wins: an error or a
    /// kill before our trace), so a caught call it refuses never stops at our filter: from
    /// then on calls are to be caught with `PTRACE_SYSCALL`, which stops at every call's
    /// entry whatever the filters say. A seccomp stop that follows an entry stop is the
    /// same call, passed over here; no filter of ours is installed again.
    pub fn syscall_filter_outranked(&self) -> bool {
        self.outranked
    }

    /// Whether a filter may be installed: a launched process, and a custodian can take over.
    pub fn can_filter_syscalls(&self) -> std::result::Result<(), FilterRefusal> {
        if self.origin != Origin::Launched {
            return Err(FilterRefusal::Attached);
        }
        if !seccomp::custody_possible() {
            return Err(FilterRefusal::NoCustody);
        }
        // A filter's SECCOMP_RET_ERRNO, _TRAP or _KILL outranks our SECCOMP_RET_TRACE: a
        // call the program's own filter refuses would never stop. (`Seccomp: 2` is filter
        // mode; once ours is in, further filters of ours stack on it.)
        if self.outranked || (!self.filtered && own_seccomp_filter(self.pid)) {
            return Err(FilterRefusal::OwnFilter);
        }
        Ok(())
    }

    /// Install, on every thread, a filter that stops the system calls `numbers` (every call
    /// when `None`) at a seccomp stop and lets the others run without stopping. A filter added
    /// later stacks on the earlier ones: a call stops when any filter says so. The process is
    /// as it was on return (registers, memory) but for the filter and `no_new_privs` — and
    /// for a signal that became due on the installing thread meanwhile, which is that thread's
    /// stop, reported by the next wait.
    pub fn install_syscall_filter(&mut self, numbers: Option<&[u64]>) -> Result<()> {
        self.ensure_stopped()?;
        self.can_filter_syscalls().map_err(Error::SyscallFilter)?;
        let program = seccomp::trace_filter(numbers)
            .ok_or(Error::SyscallFilter(FilterRefusal::TooManyCalls))?;
        // A thread stopped inside a system call cannot run another one without losing its
        // own; one stopped anywhere else can.
        let tid = std::iter::once(self.current)
            .chain(self.threads())
            .find(|tid| {
                self.threads
                    .get(tid)
                    .is_some_and(|t| !t.in_syscall && !t.exiting)
            })
            .ok_or(Error::SyscallFilter(FilterRefusal::EveryThreadInSyscall))?;
        // Every thread must report seccomp stops before any carries the filter (threads
        // created later inherit the option). Only now: a program's own filter that traces
        // a call expects it to fail with ENOSYS while nobody traces seccomp stops.
        let options = LAUNCH_OPTIONS.union(ptrace::Options::PTRACE_O_TRACESECCOMP);
        let tids: Vec<Pid> = self.threads().collect();
        for other in tids {
            ptrace::set_options(other, options)?;
        }
        let regs = *gprs(tid, &mut self.thread_mut(tid)?.regs)?;
        let (pc, sp) = (VirtAddr::new(regs.0.rip), regs.0.rsp);
        // The program and its `struct sock_fprog` go below the red zone: memory the program
        // does not count on keeping (a signal handler's frame would go there too).
        let program_len = program.len() as u64;
        let program_at = sp.wrapping_sub(RED_ZONE + program_len + 16) & !15;
        let fprog_at = program_at.wrapping_sub(16);
        write_words(tid, VirtAddr::new(program_at), &program)?;
        // `struct sock_fprog`: the instruction count (an unsigned short, then padding) and a
        // pointer to the instructions.
        let count = program_len / seccomp::INSTRUCTION_SIZE as u64;
        let fprog: Vec<u8> = count
            .to_le_bytes()
            .into_iter()
            .chain(program_at.to_le_bytes())
            .collect();
        write_words(tid, VirtAddr::new(fprog_at), &fprog)?;
        let no_new_privs = [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0];
        match self.run_syscall_at_pc(tid, pc, seccomp::SYS_PRCTL, no_new_privs)? {
            0 => {}
            ret => {
                return Err(Error::SyscallFilter(FilterRefusal::Kernel {
                    call: "prctl",
                    ret,
                }))
            }
        }
        let filter = [
            seccomp::SET_MODE_FILTER,
            seccomp::FILTER_FLAG_TSYNC,
            fprog_at,
            0,
            0,
            0,
        ];
        match self.run_syscall_at_pc(tid, pc, seccomp::SYS_SECCOMP, filter)? {
            0 => {
                self.filtered = true;
                Ok(())
            }
            ret => Err(Error::SyscallFilter(FilterRefusal::Kernel {
                call: "seccomp",
                ret,
            })),
        }
    }

    /// Run system call `number` with `args` on stopped thread `tid` (`Process::run_syscall`,
    /// registers restored), from a `syscall` instruction written for the moment at its pc,
    /// `pc` (the bytes put back whatever happens): the call's result. A signal that becomes
    /// due first is kept as the thread's stop, for the next wait to report (as if it came
    /// just after), and the call is tried again.
    fn run_syscall_at_pc(
        &mut self,
        tid: Pid,
        pc: VirtAddr,
        number: u64,
        args: [u64; 6],
    ) -> Result<i64> {
        let original = [read_byte(tid, pc)?, read_byte(tid, pc.wrapping_add(1))?];
        write_bytes(tid, pc, &SYSCALL_INSN)?;
        let mut result = Err(Error::SyscallFilter(FilterRefusal::Interrupted));
        for _ in 0..SIGNALS_FIRST {
            match self.run_syscall(tid, pc, number, args) {
                Ok(Injected::Returned(ret)) => result = Ok(ret as i64),
                Ok(Injected::Stopped(StopReason::Stopped(stop)))
                    if stop.tid == tid && stop.trap.is_none() =>
                {
                    self.pending.push_back(stop);
                    continue;
                }
                // Something else (the end of the thread or process, a trap at the
                // instruction itself): the call did not run.
                Ok(Injected::Stopped(_)) => {}
                Err(error) => result = Err(error),
            }
            break;
        }
        let restored = write_bytes(tid, pc, &original);
        let ret = result?;
        restored?;
        Ok(ret)
    }

    /// From now on, resuming thread `tid` to run (not step) also stops it at the exit of the
    /// system call it is in (it is at a seccomp stop); after that exit it runs as before.
    pub fn want_syscall_exit(&mut self, tid: Pid) -> Result<()> {
        self.thread_mut(tid)?.exit_wanted = true;
        Ok(())
    }

    /// Let forked child `child` (stopped, our breakpoints already out of it) go on under a
    /// custodian, since it carries our filter.
    pub(super) fn hand_over_child(&mut self, child: Pid) -> Result<()> {
        hand_over(child, &[child])
    }

    /// Let every thread go on under a custodian (detach with a filter in place). The threads
    /// are stopped, their registers written back.
    pub(super) fn hand_over_threads(&mut self, tids: &[Pid]) -> Result<()> {
        hand_over(self.pid, tids)
    }
}

/// Stop each of `tids` (threads of `pid`, in a ptrace stop) with a SIGSTOP of ours, detach,
/// and have a custodian trace them: none runs a user instruction untraced.
fn hand_over(pid: Pid, tids: &[Pid]) -> Result<()> {
    let mut live = Vec::with_capacity(tids.len());
    for tid in tids {
        match systhread::tgkill(pid, *tid, Signal::SIGSTOP) {
            Ok(()) => live.push(*tid),
            Err(e) if e.is_gone() => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Only threads we let go go to the custodian (a zombie leader, not in a ptrace stop,
    // cannot be detached, nor seized).
    let mut detached = Vec::with_capacity(live.len());
    for tid in live {
        match ptrace::detach(tid, None) {
            Ok(()) => detached.push(tid),
            Err(e) if e.is_gone() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if !detached.is_empty() {
        seccomp::keep_traced(&detached)?;
    }
    Ok(())
}

fn read_byte(tid: Pid, addr: VirtAddr) -> Result<u8> {
    let aligned = addr.align_down(8);
    let shift = (addr.get() - aligned.get()) * 8;
    Ok((ptrace::peek_data(tid, aligned)? >> shift) as u8)
}

fn write_bytes(tid: Pid, at: VirtAddr, bytes: &[u8]) -> Result<()> {
    for (offset, byte) in (0u64..).zip(bytes) {
        poke_byte(tid, at.wrapping_add(offset), *byte)?;
    }
    Ok(())
}

/// Write `bytes` (a multiple of eight long) at the word-aligned `at`, a word at a time.
fn write_words(tid: Pid, at: VirtAddr, bytes: &[u8]) -> Result<()> {
    for (offset, word) in (0u64..).step_by(8).zip(bytes.chunks(8)) {
        let mut raw = [0u8; 8];
        for (to, from) in raw.iter_mut().zip(word) {
            *to = *from;
        }
        ptrace::poke_data(tid, at.wrapping_add(offset), u64::from_le_bytes(raw))?;
    }
    Ok(())
}

/// Whether process `pid` runs under a seccomp filter (`Seccomp: 2` in its status).
fn own_seccomp_filter(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|status| {
        status
            .lines()
            .any(|line| line.split_whitespace().collect::<Vec<_>>() == ["Seccomp:", "2"])
    })
}
