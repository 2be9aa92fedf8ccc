//! A traced process: its threads, the all-stop resume/step/wait cycle, registers, detach and
//! kill.
//!
//! All-stop: when one thread reports a stop, every other running thread is stopped too
//! (`tgkill(SIGSTOP)`), and any other event a thread reports meanwhile is kept, in order, to be
//! reported by a later [`Process::wait`] before anything runs again.
//!
//! Where things live: the types and accessors here; taking control in `attach`, letting go in
//! `detach`; `resume` (resume and step), `wait` (waiting, and what each wait status does),
//! `threads` (thread births and deaths), `interrupt` (Ctrl-C); `regcache` (registers),
//! `debugregs` (DR0–DR7), `breakpoints` (our `int3`s); `cpu` (sharing a CPU with the tracee).

mod attach;
mod breakpoints;
mod cpu;
mod debugregs;
mod detach;
mod filter;
mod inject;
mod interrupt;
mod regcache;
mod resume;
mod threads;
mod wait;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use dbg_sys::{ptrace, Pid, Signal};

use crate::error::{Ended, Error, Result};
use crate::stop::{Stop, ThreadEvent};
use crate::stop_request::StopRequest;
use crate::trap_sites::TrapSites;

pub use cpu::CpuShare;
use debugregs::DebugRegisters;
pub use inject::Injected;
use regcache::RegCache;
pub use resume::ThreadAction;

/// How the process came under the debugger; decides what happens when the debugger lets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Launched by us: killed when the `Process` is dropped.
    Launched,
    /// Attached by us: detached when the `Process` is dropped.
    Attached,
}

/// Where the process is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Every thread is stopped; registers can be read and written.
    Stopped,
    /// Resumed; [`Process::wait`] will report the next stop.
    Running,
    /// No longer debugged.
    Ended(Ended),
}

/// How to resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Run until a signal or trap (`PTRACE_CONT`).
    Continue,
    /// Also stop at every system-call entry and exit (`PTRACE_SYSCALL`).
    Syscalls,
}

/// One thread as the all-stop core sees it (the state machine is described in
/// docs/ARCHITECTURE.md, "The all-stop core").
#[derive(Debug, Default)]
struct Thread {
    /// Set running (or created) and no stop of it collected since.
    running: bool,
    /// A SIGSTOP is on its way to it and is to be swallowed when it arrives: one of ours, or
    /// the kernel's first one for a new thread.
    sigstop_queued: bool,
    /// Created and not stopped yet: its debug registers are still to be written.
    fresh: bool,
    /// It reported its exit (`PTRACE_EVENT_EXIT`) and was let go to die: it never stops
    /// again. A thread-group leader that exits before the other threads stays a zombie until
    /// they are gone, so it is neither signalled nor waited for.
    exiting: bool,
    /// What it is to do after a stop the core handles itself (our SIGSTOP, a clone or fork
    /// event, a group-stop): go on the same way, or stay stopped.
    want: Want,
    /// Between a syscall-entry (or seccomp) stop and its exit stop.
    in_syscall: bool,
    /// Run with `PTRACE_SYSCALL` instead of `PTRACE_CONT` until the exit of the system call
    /// it is in (a caught call's seccomp stop: its exit is to be reported too).
    exit_wanted: bool,
    /// At a seccomp stop: the kernel's account of the call, asked once when the stop came
    /// (whether it installs a filter decides how calls are caught from then on) and
    /// answered from here by [`Process::syscall_info`] until the thread runs again.
    seccomp_call: Option<ptrace::SyscallStop>,
    /// Running a system call of the debugger's own ([`Process::inject_syscall`]): a seccomp
    /// stop of it (a filter traces that call) is part of it, passed at once, never reported.
    injecting: bool,
    /// Its DR6 may still hold the slot bits of a debug-register hit taken without clearing
    /// them (see `classify_trap_quickly`): cleared before it next single-steps, where DR6 is
    /// read to tell a hit from the step.
    dr6_stale: bool,
    /// How it was last set running.
    stepping: Stepping,
    regs: RegCache,
}

/// What the debugger wants a thread to be doing.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Stopped (all-stop: another thread is being reported, or stepped).
    #[default]
    Hold,
    /// Running with every other thread.
    Run(Resume),
    /// Executing one instruction, the others held.
    Step(Stepping),
}

/// How a thread was last resumed, which decides how its SIGTRAP is classified.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stepping {
    /// Continued: a SIGTRAP one byte past one of our breakpoints is that breakpoint.
    #[default]
    Continue,
    /// Single-stepped: ask the kernel what the SIGTRAP is.
    Step,
    /// Single-stepped over an instruction known not to trap: a SIGTRAP is the step.
    Trusted,
}

/// A process under ptrace control. See the crate documentation for an example.
///
/// ptrace requests are accepted only from the thread that attached or launched the tracee,
/// so the type is neither `Send` nor `Sync`: it stays on that thread. Another thread stops it
/// through a [`StopRequest`]. That thread must have no children but its tracees: waiting
/// collects whichever child of that thread reports first (children of the program's other
/// threads are never touched).
///
/// ```compile_fail
/// fn on_another_thread<T: Send>() {}
/// on_another_thread::<dbg_process::Process>();
/// ```
#[derive(Debug)]
pub struct Process {
    pid: Pid,
    threads: BTreeMap<Pid, Thread>,
    current: Pid,
    origin: Origin,
    state: State,
    /// Stops collected while stopping other threads, reported before anything resumes.
    pending: VecDeque<Stop>,
    /// Our software breakpoints (shared with the layer that writes them): a SIGTRAP one byte
    /// past one of them is ours, and a forked child gets the original bytes back.
    breakpoints: TrapSites,
    /// Forked children whose first stop was collected before their parent's fork event.
    early_children: BTreeSet<Pid>,
    /// New threads seen (stopped or exited) before their creator's clone event: that event
    /// must not add them again.
    early_threads: BTreeSet<Pid>,
    /// Threads the current resume leaves stopped ([`Process::resume_threads`]): their stops
    /// kept in `pending` wait until they are resumed.
    held: BTreeSet<Pid>,
    /// The thread stopped alone by [`Process::wait_alone`] while the others run, until the
    /// caller lets it go on or stops them all.
    alone: Option<Pid>,
    /// Ctrl-C from another thread (see [`StopRequest`]).
    stop_request: StopRequest,
    /// A stop signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) was passed to the program: from
    /// then on a group-stop may report SIGSTOP on a thread that has one of ours queued, so a
    /// SIGSTOP is taken as ours only when it has signal information.
    group_stops: bool,
    /// Our `int3`s are out of the memory a vfork child shares with us, until VFORK_DONE.
    vfork_lifted: bool,
    /// Words of the tracee's memory to read as each thread exits ([`Process::keep_at_exit`]),
    /// and their values as last read.
    exit_words: BTreeMap<dbg_sys::VirtAddr, Option<u64>>,
    /// A seccomp filter of ours is in the process: whoever it reaches must stay traced.
    filtered: bool,
    /// The program made a call that installs a seccomp filter of its own after ours (our
    /// filter traces those calls): its refusals outrank our traces, so our filter no longer
    /// shows every caught call, and no filter of ours is installed again.
    outranked: bool,
    /// The debug registers every thread carries (new threads get them before they run).
    debug: DebugRegisters,
    /// A signal already answered (a terminal Ctrl-C after our interrupt): its stop, when it
    /// comes, is resumed without a report and without delivering it.
    swallow: Option<Signal>,
    events: VecDeque<ThreadEvent>,
    /// Where thread events go as they happen, when someone listens (else into `events`).
    listener: Option<Listener>,
    /// Not `Send`/`Sync` (see the type's documentation).
    _tracer_thread: std::marker::PhantomData<*const ()>,
}

impl Process {
    /// The process id (the thread-group leader).
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// How the process came under the debugger.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Where the process is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// The thread that last stopped, or that the user selected.
    pub fn current_thread(&self) -> Pid {
        self.current
    }

    /// Every thread that can be stopped and inspected, in tid order (a leader that has
    /// exited before its other threads is not one).
    pub fn threads(&self) -> impl Iterator<Item = Pid> + '_ {
        self.threads
            .iter()
            .filter(|(_, t)| !t.exiting)
            .map(|(tid, _)| *tid)
    }

    /// The first thread that can be stopped and inspected (the leader's id if none is).
    fn first_live_thread(&self) -> Pid {
        let first = self.threads().next();
        first.unwrap_or(self.pid)
    }

    /// Make `tid` the thread that registers and stepping apply to.
    pub fn select_thread(&mut self, tid: Pid) -> Result<()> {
        if self.threads.get(&tid).is_none_or(|t| t.exiting) {
            return Err(Error::UnknownThread(tid.as_raw()));
        }
        self.current = tid;
        Ok(())
    }

    /// Thread events seen since the last call, oldest first (none go here while a listener
    /// is set).
    pub fn take_events(&mut self) -> impl Iterator<Item = ThreadEvent> + '_ {
        self.events.drain(..)
    }

    /// Hand every thread event to `listener` the moment the core sees it — a thread created
    /// or exited, a fork — instead of keeping it for [`Process::take_events`] (a front end
    /// then shows it while the process runs, not at the next stop). Events kept so far stay
    /// kept.
    pub fn on_thread_event(&mut self, listener: impl FnMut(ThreadEvent) + 'static) {
        self.listener = Some(Listener(Box::new(listener)));
    }

    /// Hand this process's thread-event listener to `next` (a debugger that starts its
    /// program again keeps showing thread events the same way).
    pub fn pass_thread_listener(&mut self, next: &mut Process) {
        if let Some(listener) = self.listener.take() {
            next.listener = Some(listener);
        }
    }

    /// A thread event: to the listener, or kept.
    pub(super) fn record(&mut self, event: ThreadEvent) {
        match self.listener.as_mut() {
            Some(Listener(listener)) => listener(event),
            None => self.events.push_back(event),
        }
    }

    /// Whether thread `tid` can be inspected and changed now: every thread is stopped, or
    /// `tid` is the one stopped alone ([`Process::wait_alone`]).
    fn ensure_inspectable(&self, tid: Pid) -> Result<()> {
        if self.state == State::Running && self.alone == Some(tid) {
            return Ok(());
        }
        self.ensure_stopped()
    }

    fn ensure_stopped(&self) -> Result<()> {
        match self.state {
            State::Stopped => Ok(()),
            State::Running => Err(Error::Running),
            State::Ended(how) => Err(Error::NoProcess(how)),
        }
    }

    fn ensure_running(&self) -> Result<()> {
        match self.state {
            State::Running => Ok(()),
            State::Stopped => Err(Error::NotResumed),
            State::Ended(how) => Err(Error::NoProcess(how)),
        }
    }

    fn thread_mut(&mut self, tid: Pid) -> Result<&mut Thread> {
        self.threads
            .get_mut(&tid)
            .ok_or(Error::UnknownThread(tid.as_raw()))
    }
}

/// The callback of [`Process::on_thread_event`].
struct Listener(Box<dyn FnMut(ThreadEvent)>);

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}
