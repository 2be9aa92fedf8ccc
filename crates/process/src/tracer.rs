//! Non-stop tracing of a program and of every thread and process it creates, as strace does:
//! an event stops only the thread that reports it, and the caller resumes that thread.
//!
//! A [`Tracer`] launches one program with `PTRACE_O_TRACECLONE | TRACEFORK | TRACEVFORK`, so
//! the kernel attaches every new thread and child to it before they run, and collects state
//! changes with one `waitpid(-1, __WALL | __WNOTHREAD)` each: one wait per event, whichever
//! tracee it comes from. The stops that are only ptrace's bookkeeping (the SIGSTOP a new
//! tracee starts with, the clone/fork/vfork event stops, group-stops) are resumed inside and
//! never reported.

use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;

use dbg_sys::ptrace::{self, Options};
use dbg_sys::thread as systhread;
use dbg_sys::wait::{wait_own_any, wait_tid, WaitStatus};
use dbg_sys::{Errno, Pid, Signal};

use crate::error::{Error, Result};
use crate::launch::Launch;
use crate::process::{CpuShare, Resume};

/// Every tracee carries these options, and auto-attached ones inherit them: threads, forks,
/// vforks and clones are followed, exec is an event, system-call stops are marked
/// (`SIGTRAP | 0x80`), and the kernel kills every tracee if the tracer dies.
const OPTIONS: Options = Options::PTRACE_O_TRACECLONE
    .union(Options::PTRACE_O_TRACEFORK)
    .union(Options::PTRACE_O_TRACEVFORK)
    .union(Options::PTRACE_O_TRACEEXEC)
    .union(Options::PTRACE_O_TRACESYSGOOD)
    .union(Options::PTRACE_O_EXITKILL);

/// What happened to one tracee. Events that stop a thread say so through
/// [`TraceEvent::stopped_thread`]; the caller resumes that thread with [`Tracer::resume`]
/// whenever it likes, and the other tracees run on meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceEvent {
    /// Thread `tid` stopped entering a system call (resume without a signal).
    SyscallEntry {
        /// The thread.
        tid: Pid,
    },
    /// Thread `tid` stopped leaving a system call (resume without a signal);
    /// [`Tracer::syscall_regs`] gives the call, its arguments and its result.
    SyscallExit {
        /// The thread.
        tid: Pid,
    },
    /// `signal` is about to be delivered to thread `tid`, which stopped: resume it with the
    /// signal to pass it on, or without to suppress it.
    Signal {
        /// The thread.
        tid: Pid,
        /// The signal.
        signal: Signal,
    },
    /// Process `pid` executed a new program; it stopped, in `execve`, before the call returns.
    /// Thread `former_tid` did it and goes on as thread `pid`; every other thread of the
    /// process is gone (those other than the old leader are reported as exited).
    Exec {
        /// The process, whose only thread now has this id.
        pid: Pid,
        /// The thread that called `execve`.
        former_tid: Pid,
    },
    /// Process `pid` has a new thread, already running.
    ThreadCreated {
        /// The process.
        pid: Pid,
        /// The new thread.
        tid: Pid,
    },
    /// Thread `tid` of process `parent` created process `child`, already running.
    Forked {
        /// The parent process.
        parent: Pid,
        /// The thread that called `fork`, `vfork` or `clone`.
        tid: Pid,
        /// The new process.
        child: Pid,
        /// Made by `vfork` (or `clone` with `CLONE_VFORK`): the parent waits until the child
        /// execs or exits.
        vfork: bool,
    },
    /// A thread other than the main one of process `pid` ended.
    ThreadExited {
        /// The process.
        pid: Pid,
        /// The thread.
        tid: Pid,
    },
    /// Process `pid` exited, with all of its threads.
    Exited {
        /// The process.
        pid: Pid,
        /// Its exit status (0..=255).
        code: i32,
    },
    /// A signal killed process `pid`.
    Killed {
        /// The process.
        pid: Pid,
        /// The signal.
        signal: Signal,
    },
}

impl TraceEvent {
    /// The thread this event left stopped, which the caller must resume with
    /// [`Tracer::resume`]; `None` for events after which everything runs.
    pub fn stopped_thread(&self) -> Option<Pid> {
        match *self {
            TraceEvent::SyscallEntry { tid }
            | TraceEvent::SyscallExit { tid }
            | TraceEvent::Signal { tid, .. } => Some(tid),
            TraceEvent::Exec { pid, .. } => Some(pid),
            TraceEvent::ThreadCreated { .. }
            | TraceEvent::Forked { .. }
            | TraceEvent::ThreadExited { .. }
            | TraceEvent::Exited { .. }
            | TraceEvent::Killed { .. } => None,
        }
    }
}

/// A system call as the registers of a stopped thread show it, from one `PTRACE_GETREGS`.
///
/// At a system-call exit stop the argument registers still hold the arguments on x86-64 (the
/// kernel saves and restores them), so the whole call can be read there at once. Two calls
/// replace the registers they would show: after a successful `execve` they are the new
/// program's (arguments zero), and `rt_sigreturn` restores those of the code a signal
/// interrupted, `orig_rax` set to -1 (`number` is `u64::MAX`, `ret` the restored `rax`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallRegs {
    /// The system-call number (`orig_rax`; `u64::MAX` at a stop that is not in a system call).
    pub number: u64,
    /// The arguments: rdi, rsi, rdx, r10, r8, r9.
    pub args: [u64; 6],
    /// The result at an exit stop (`rax`; `-ENOSYS` at an entry stop): negative for an errno.
    pub ret: i64,
}

impl SyscallRegs {
    /// The error of a failed call: a result from -4095 to -1 (the kernel's error range).
    pub fn errno(&self) -> Option<Errno> {
        (-4095..0)
            .contains(&self.ret)
            .then(|| Errno::from_raw(self.ret.unsigned_abs() as i32))
    }
}

/// What the tracer knows of one traced thread.
#[derive(Debug, Clone, Copy)]
struct Thread {
    /// Its process (thread group id).
    pid: Pid,
    /// Between a system-call entry stop and its exit stop.
    in_syscall: bool,
    /// Stopped at an event reported to the caller, until the caller resumes it.
    stopped: bool,
    /// Its first stop, the SIGSTOP every auto-attached tracee starts with, is still to come.
    first_stop: bool,
}

impl Thread {
    fn new(pid: Pid) -> Thread {
        Thread {
            pid,
            in_syscall: false,
            stopped: false,
            first_stop: true,
        }
    }
}

/// A non-stop tracer of one launched program and every thread and process it creates.
///
/// ```no_run
/// use dbg_process::{Launch, Resume, TraceEvent, Tracer};
///
/// # fn main() -> Result<(), dbg_process::Error> {
/// let mut tracer = Tracer::launch(&Launch::new("/bin/sh").args(["-c", "ls | wc"]), Resume::Syscalls)?;
/// while let Some(event) = tracer.next_event()? {
///     if let TraceEvent::SyscallExit { tid } = event {
///         let call = tracer.syscall_regs(tid)?;
///         println!("[{tid}] {}(...) = {}", call.number, call.ret);
///     }
///     if let Some(tid) = event.stopped_thread() {
///         let signal = match event {
///             TraceEvent::Signal { signal, .. } => Some(signal),
///             _ => None,
///         };
///         tracer.resume(tid, signal)?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// **One thread drives it.** ptrace answers only the thread that traces, and the tracer
/// collects events with `waitpid(-1, __WALL | __WNOTHREAD)`, which reaps *any* child of the
/// calling thread: create and drive a `Tracer` from a thread whose children are all its
/// tracees (a thread that starts no other process). Other threads of the program may have
/// children of their own. The type is neither `Send` nor `Sync`, so it stays on that thread.
///
/// Every tracee dies with the tracer: dropping it kills every traced process and collects
/// them, and the kernel kills them if the tracer's thread exits first (`PTRACE_O_EXITKILL`).
///
/// Under ptrace a group-stop (SIGSTOP, SIGTSTP, ... passed on to the program) is resumed, not
/// kept: the stopping signal is reported as a [`TraceEvent::Signal`], but the process goes on.
#[derive(Debug)]
pub struct Tracer {
    mode: Resume,
    root: Pid,
    threads: BTreeMap<Pid, Thread>,
    /// State changes of tracees not known yet: a new thread or child whose first stop (held
    /// stopped) or end came before the event of the thread that created it.
    early: BTreeMap<Pid, WaitStatus>,
    /// Events to report before waiting again.
    queued: VecDeque<TraceEvent>,
    /// ptrace requests are answered only on the tracer's thread: keep it there.
    _one_thread: PhantomData<*const ()>,
}

impl Tracer {
    /// Start the program under a non-stop tracer and let it run: in `mode`
    /// [`Resume::Syscalls`] every system-call entry and exit of every thread is an event, in
    /// [`Resume::Continue`] only signals, thread and process life-cycle and exec are.
    ///
    /// The `execve` that starts the program is not reported: the first events come after it.
    pub fn launch(launch: &Launch, mode: Resume) -> Result<Tracer> {
        let pid = launch.start()?;
        let mut tracer = Tracer {
            mode,
            root: pid,
            threads: BTreeMap::new(),
            early: BTreeMap::new(),
            queued: VecDeque::new(),
            _one_thread: PhantomData,
        };
        // Known from here on, so that a failure below kills it (on drop).
        tracer.threads.insert(
            pid,
            Thread {
                first_stop: false,
                ..Thread::new(pid)
            },
        );
        ptrace::set_options(pid, OPTIONS)?;
        tracer.run(pid, None)?;
        Ok(tracer)
    }

    /// The launched process.
    pub fn root(&self) -> Pid {
        self.root
    }

    /// How threads are resumed.
    pub fn mode(&self) -> Resume {
        self.mode
    }

    /// The process of traced thread `tid`.
    pub fn process_of(&self, tid: Pid) -> Option<Pid> {
        self.threads.get(&tid).map(|thread| thread.pid)
    }

    /// Every traced process, in pid order.
    pub fn processes(&self) -> impl Iterator<Item = Pid> + '_ {
        self.threads
            .iter()
            .filter(|(tid, thread)| **tid == thread.pid)
            .map(|(tid, _)| *tid)
    }

    /// Every traced thread, in tid order.
    pub fn threads(&self) -> impl Iterator<Item = Pid> + '_ {
        self.threads.keys().copied()
    }

    /// Wait for the next event of any tracee; `None` once no tracee is left. Fails without
    /// waiting when every traced thread is stopped at a reported event (none was resumed).
    ///
    /// Each call costs one `wait4` per state change it collects, and collects more than one
    /// only when some are internal (see the module documentation).
    pub fn next_event(&mut self) -> Result<Option<TraceEvent>> {
        loop {
            if let Some(event) = self.queued.pop_front() {
                return Ok(Some(event));
            }
            if self.threads.is_empty() {
                self.kill_orphans();
                return Ok(None);
            }
            if self.threads.values().all(|thread| thread.stopped) {
                // Nothing could report anything: waiting would never end.
                return Err(Error::AllThreadsStopped);
            }
            let Some(status) = wait_own_any()? else {
                // No child left to wait for: whatever we believed alive is gone.
                self.threads.clear();
                self.early.clear();
                return Ok(None);
            };
            if let Some(event) = self.handle(status)? {
                return Ok(Some(event));
            }
        }
    }

    /// Resume thread `tid`, stopped at the event [`Tracer::next_event`] last reported for it,
    /// in the tracer's mode, delivering `signal` (pass a [`TraceEvent::Signal`]'s signal on
    /// this way). A thread killed meanwhile is not an error: its end is the next news of it.
    pub fn resume(&mut self, tid: Pid, signal: Option<Signal>) -> Result<()> {
        let thread = self
            .threads
            .get(&tid)
            .ok_or(Error::UnknownThread(tid.as_raw()))?;
        if !thread.stopped {
            return Err(Error::ThreadRunning(tid.as_raw()));
        }
        self.run(tid, signal)
    }

    /// The system call of stopped thread `tid` (one `PTRACE_GETREGS`): at a
    /// [`TraceEvent::SyscallExit`] the number, the arguments and the result.
    pub fn syscall_regs(&self, tid: Pid) -> Result<SyscallRegs> {
        let thread = self
            .threads
            .get(&tid)
            .ok_or(Error::UnknownThread(tid.as_raw()))?;
        if !thread.stopped {
            return Err(Error::ThreadRunning(tid.as_raw()));
        }
        let regs = ptrace::regs(tid)?.0;
        Ok(SyscallRegs {
            number: regs.orig_rax,
            args: [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9],
            ret: regs.rax as i64,
        })
    }

    /// Run the tracer's thread and every traced thread on the CPU the caller runs on until the
    /// guard is dropped; tracees created meanwhile inherit the restriction from their parent.
    /// Tracing is stop-heavy, and each stop is cheaper when tracer and tracee share a CPU
    /// (no cross-CPU wake-up).
    pub fn share_cpu(&self) -> Result<CpuShare> {
        CpuShare::pin(self.threads.keys().copied())
    }

    /// Set `tid` running in the tracer's mode.
    fn run(&mut self, tid: Pid, signal: Option<Signal>) -> Result<()> {
        let result = match self.mode {
            Resume::Continue => ptrace::cont(tid, signal),
            Resume::Syscalls => ptrace::syscall(tid, signal),
        };
        match result {
            Ok(()) => {}
            // Killed meanwhile: its end is collected by a later wait.
            Err(e) if e.is_gone() => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(thread) = self.threads.get_mut(&tid) {
            thread.stopped = false;
        }
        Ok(())
    }

    /// Turn one collected state change into an event, or deal with it here and return `None`.
    fn handle(&mut self, status: WaitStatus) -> Result<Option<TraceEvent>> {
        match status {
            WaitStatus::Exited(tid, code) => {
                Ok(self.ended(tid, status, |pid| TraceEvent::Exited { pid, code }))
            }
            WaitStatus::Signaled(tid, signal, _) => {
                Ok(self.ended(tid, status, |pid| TraceEvent::Killed { pid, signal }))
            }
            WaitStatus::Stopped(tid, signal) => self.signal_stop(tid, signal, status),
            WaitStatus::PtraceSyscall(tid) => {
                let Some(thread) = self.threads.get_mut(&tid) else {
                    self.early.insert(tid, status);
                    return Ok(None);
                };
                thread.first_stop = false;
                thread.stopped = true;
                thread.in_syscall = !thread.in_syscall;
                Ok(Some(if thread.in_syscall {
                    TraceEvent::SyscallEntry { tid }
                } else {
                    TraceEvent::SyscallExit { tid }
                }))
            }
            WaitStatus::PtraceEvent(tid, _, event) => self.ptrace_event(tid, event, status),
            WaitStatus::Continued(_) | WaitStatus::StillAlive => Ok(None),
        }
    }

    /// Thread `tid` is gone. The main thread's end is its process's: the kernel reports it
    /// only once every other thread of the process has been collected.
    fn ended(
        &mut self,
        tid: Pid,
        status: WaitStatus,
        process_end: impl FnOnce(Pid) -> TraceEvent,
    ) -> Option<TraceEvent> {
        let Some(thread) = self.threads.remove(&tid) else {
            // Ended before the event that created it: reported after that event.
            self.early.insert(tid, status);
            return None;
        };
        if thread.pid != tid {
            return Some(TraceEvent::ThreadExited {
                pid: thread.pid,
                tid,
            });
        }
        self.threads.retain(|_, other| other.pid != tid);
        Some(process_end(tid))
    }

    /// A stop with a signal: a new tracee's first SIGSTOP, a group-stop, or a signal about to
    /// be delivered.
    fn signal_stop(
        &mut self,
        tid: Pid,
        signal: Signal,
        status: WaitStatus,
    ) -> Result<Option<TraceEvent>> {
        let Some(thread) = self.threads.get_mut(&tid) else {
            // A new tracee's first stop before its creator's event: held until then.
            self.early.insert(tid, status);
            return Ok(None);
        };
        if std::mem::take(&mut thread.first_stop) && signal == Signal::SIGSTOP {
            self.run(tid, None)?;
            return Ok(None);
        }
        match ptrace::siginfo(tid) {
            Ok(_) => {
                if let Some(thread) = self.threads.get_mut(&tid) {
                    thread.stopped = true;
                }
                Ok(Some(TraceEvent::Signal { tid, signal }))
            }
            // A group-stop has no signal information. Resumed, it goes on (see the type's
            // documentation) instead of staying stopped with nobody to continue it.
            Err(e) if e.errno == Errno::EINVAL => {
                self.run(tid, None)?;
                Ok(None)
            }
            // Killed meanwhile: its end follows.
            Err(e) if e.is_gone() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A `PTRACE_EVENT_*` stop of thread `tid`.
    fn ptrace_event(
        &mut self,
        tid: Pid,
        event: i32,
        status: WaitStatus,
    ) -> Result<Option<TraceEvent>> {
        let Some(thread) = self.threads.get(&tid).copied() else {
            if event == libc::PTRACE_EVENT_EXEC {
                return self.exec(tid, status);
            }
            self.early.insert(tid, status);
            return Ok(None);
        };
        match event {
            libc::PTRACE_EVENT_CLONE | libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK => {
                let Some(new) = self.event_tid(tid)? else {
                    return Ok(None);
                };
                // A clone without CLONE_THREAD makes a process; its task is not in ours.
                let thread_of_ours = event == libc::PTRACE_EVENT_CLONE
                    && std::path::Path::new(&format!("/proc/{}/task/{new}", thread.pid)).exists();
                let (report, new_pid) = if thread_of_ours {
                    let report = TraceEvent::ThreadCreated {
                        pid: thread.pid,
                        tid: new,
                    };
                    (report, thread.pid)
                } else {
                    let report = TraceEvent::Forked {
                        parent: thread.pid,
                        tid,
                        child: new,
                        vfork: event == libc::PTRACE_EVENT_VFORK,
                    };
                    (report, new)
                };
                // Report the creation before anything the new tracee did meanwhile.
                self.queued.push_back(report);
                self.adopt(new, new_pid)?;
                self.run(tid, None)?;
                Ok(self.queued.pop_front())
            }
            libc::PTRACE_EVENT_EXEC => self.exec(tid, status),
            // Events not asked for (VFORK_DONE, EXIT, STOP) carry nothing to report.
            _ => {
                self.run(tid, None)?;
                Ok(None)
            }
        }
    }

    /// The tid a clone/fork/vfork event stop of `tid` announces; `None` if `tid` was killed
    /// meanwhile (its end follows; the new tracee, if any, turns up as an orphan).
    fn event_tid(&self, tid: Pid) -> Result<Option<Pid>> {
        match ptrace::event_message(tid) {
            Ok(message) => Ok(i32::try_from(message).ok().map(Pid::from_raw)),
            Err(e) if e.is_gone() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Process `pid` executed a new program. A thread other than the main one that calls
    /// `execve` takes the process id as its tid: its state moves there, replacing the old main
    /// thread's (whose end the kernel does not report).
    fn exec(&mut self, pid: Pid, status: WaitStatus) -> Result<Option<TraceEvent>> {
        let former = match ptrace::event_message(pid) {
            Ok(message) => i32::try_from(message).map_or(pid, Pid::from_raw),
            Err(e) if e.is_gone() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if former != pid {
            if let Some(thread) = self.threads.remove(&former) {
                self.threads.insert(pid, thread);
            }
        }
        let Some(thread) = self.threads.get_mut(&pid) else {
            self.early.insert(pid, status);
            return Ok(None);
        };
        thread.pid = pid;
        thread.stopped = true;
        Ok(Some(TraceEvent::Exec {
            pid,
            former_tid: former,
        }))
    }

    /// Start following `new`, a thread of process `pid` (or the process itself), announced by
    /// its creator. A state change of it collected earlier is dealt with now, after the
    /// creation: its first stop is resumed, its end queued to be reported.
    fn adopt(&mut self, new: Pid, pid: Pid) -> Result<()> {
        self.threads.insert(new, Thread::new(pid));
        if let Some(status) = self.early.remove(&new) {
            if let Some(event) = self.handle(status)? {
                self.queued.push_back(event);
            }
        }
        Ok(())
    }

    /// Kill and collect the held tracees whose creator's event never came (the creator was
    /// killed between making them and reporting it). They have not run an instruction, and no
    /// traced thread is left that could announce them.
    fn kill_orphans(&mut self) {
        let early = std::mem::take(&mut self.early);
        for (tid, status) in early {
            if matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                continue;
            }
            if systhread::kill(tid, Signal::SIGKILL).is_ok() {
                while let Ok(status) = wait_tid(tid) {
                    if matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                        break;
                    }
                }
            }
        }
    }
}

impl Drop for Tracer {
    /// Kill every traced process and collect every tracee, including children forked while
    /// this runs; nothing traced outlives the tracer.
    fn drop(&mut self) {
        let alive = self.threads.values().map(|thread| thread.pid).chain(
            self.early
                .iter()
                .filter(|(_, status)| {
                    !matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..))
                })
                .map(|(tid, _)| *tid),
        );
        let mut killed: Vec<Pid> = alive.collect();
        killed.sort();
        killed.dedup();
        for pid in &killed {
            let _ = systhread::kill(*pid, Signal::SIGKILL);
        }
        // Until no child of this thread is left (they are all tracees, see the type's
        // documentation): a tracee that turns up now was made just before the kill.
        while let Ok(Some(status)) = wait_own_any() {
            let new = match status {
                WaitStatus::PtraceEvent(
                    tid,
                    _,
                    libc::PTRACE_EVENT_CLONE | libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK,
                ) => self.event_tid(tid).ok().flatten(),
                WaitStatus::Exited(..) | WaitStatus::Signaled(..) => None,
                other => other.pid(),
            };
            if let Some(tid) = new {
                let _ = systhread::kill(tid, Signal::SIGKILL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_results_in_the_kernel_error_range_are_errors() {
        let call = |ret| SyscallRegs {
            number: 0,
            args: [0; 6],
            ret,
        };
        assert_eq!(call(-2).errno(), Some(Errno::ENOENT));
        assert_eq!(call(-4095).errno(), Some(Errno::from_raw(4095)));
        assert_eq!(call(-4096).errno(), None);
        assert_eq!(call(0).errno(), None);
        assert_eq!(call(12).errno(), None);
    }
}
