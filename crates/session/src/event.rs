//! What the session reports: process life-cycle events and stops, in the order they happened.

use dbg_process::{Pid, Signal, VirtAddr};

/// Something that happened to the debugged process.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A program was launched.
    Launched {
        /// Its pid.
        pid: Pid,
    },
    /// The debugger attached to a process.
    Attached {
        /// Its pid.
        pid: Pid,
        /// Its threads, in tid order.
        threads: Vec<Pid>,
    },
    /// A thread appeared.
    ThreadCreated {
        /// The new thread.
        tid: Pid,
    },
    /// A thread exited.
    ThreadExited {
        /// The thread.
        tid: Pid,
    },
    /// The process stopped.
    Stopped(StopEvent),
    /// The process exited.
    Exited {
        /// Its pid.
        pid: Pid,
        /// Its exit status.
        code: i32,
    },
    /// A signal arrived that is set not to stop (`handle ... nostop print`).
    SignalReceived {
        /// The thread.
        tid: Pid,
        /// The signal.
        signal: Signal,
        /// Whether it was delivered.
        passed: bool,
    },
    /// A watchpoint on a local was deleted: the frame it belonged to returned (the process
    /// stops there, as in gdb).
    WatchpointScopeEnded {
        /// The watchpoint.
        id: u32,
    },
    /// A breakpoint's condition could not be evaluated at a hit: the process stops there
    /// (as in gdb), and this says why.
    ConditionFailed {
        /// The breakpoint.
        id: u32,
        /// Why the condition has no value.
        error: String,
    },
    /// The process forked a child, which runs on untraced (our breakpoints taken out of it).
    Forked {
        /// The child's pid.
        child: Pid,
    },
    /// The process was killed by a signal.
    Killed {
        /// Its pid.
        pid: Pid,
        /// The signal.
        signal: Signal,
    },
    /// The debugger detached; the process runs on.
    Detached {
        /// Its pid.
        pid: Pid,
    },
    /// The dynamic linker loaded a library (at start-up, or `dlopen`).
    LibraryLoaded {
        /// Its path, as the dynamic linker names it.
        path: std::path::PathBuf,
        /// Its load bias (`l_addr`).
        base: VirtAddr,
    },
    /// The dynamic linker unloaded a library (`dlclose`); breakpoint locations in it are
    /// gone (a breakpoint left with none is pending again).
    LibraryUnloaded {
        /// Its path.
        path: std::path::PathBuf,
    },
    /// A breakpoint gained locations (a library defining what it names was loaded).
    BreakpointResolved {
        /// The breakpoint.
        id: u32,
        /// All its locations now.
        locations: Vec<VirtAddr>,
    },
}

/// A stop of the process: which thread, where, and why. Raw: no symbols are looked up for
/// it (a front end that shows places asks [`crate::Session::stop_place`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StopEvent {
    /// The process.
    pub pid: Pid,
    /// The thread that stopped.
    pub tid: Pid,
    /// The signal it stopped with.
    pub signal: Signal,
    /// Its program counter.
    pub pc: VirtAddr,
    /// Why.
    pub cause: StopCause,
}

/// Why the process stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// The stop after launch or attach.
    Entry,
    /// The process executed a new program.
    Exec,
    /// A user breakpoint (software or hardware) was hit and not ignored.
    Breakpoint {
        /// Which breakpoint.
        id: u32,
    },
    /// A debug-register trap: a user watchpoint with the values it saw (`None` for a trap
    /// no watchpoint of ours claims).
    Watchpoint(Option<crate::WatchHit>),
    /// A completed `stepi` (or a step of one thread requested with
    /// [`crate::ThreadAction::Step`]).
    SingleStep,
    /// A `step`, `next`, `finish` or `until` got where it was going.
    StepDone,
    /// A caught system call's entry, with its number and arguments.
    SyscallEntry(Option<crate::SyscallInfo>),
    /// A caught system call's exit, with its result.
    SyscallExit(Option<crate::SyscallInfo>),
    /// A signal arrived for the tracee (an `int3` compiled into it is a SIGTRAP here).
    Signal {
        /// For fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE): the faulting address.
        fault_addr: Option<VirtAddr>,
    },
    /// The debugger interrupted the running process (Ctrl-C, a front end's pause).
    Interrupt,
}

impl StopCause {
    /// Which kind of stop this is, without its details.
    pub fn kind(&self) -> StopKind {
        match self {
            StopCause::Entry => StopKind::Entry,
            StopCause::Exec => StopKind::Exec,
            StopCause::Breakpoint { .. } => StopKind::Breakpoint,
            StopCause::Watchpoint(_) => StopKind::Watchpoint,
            StopCause::SingleStep => StopKind::SingleStep,
            StopCause::StepDone => StopKind::StepDone,
            StopCause::SyscallEntry(_) => StopKind::SyscallEntry,
            StopCause::SyscallExit(_) => StopKind::SyscallExit,
            StopCause::Signal { .. } => StopKind::Signal,
            StopCause::Interrupt => StopKind::Interrupt,
        }
    }

    /// The breakpoint the stop is at, if any.
    pub fn breakpoint(&self) -> Option<u32> {
        match self {
            StopCause::Breakpoint { id } => Some(*id),
            _ => None,
        }
    }

    /// The watchpoint hit, if any.
    pub fn watch_hit(&self) -> Option<crate::WatchHit> {
        match self {
            StopCause::Watchpoint(hit) => *hit,
            _ => None,
        }
    }

    /// The caught system call, if any.
    pub fn syscall(&self) -> Option<crate::SyscallInfo> {
        match self {
            StopCause::SyscallEntry(call) | StopCause::SyscallExit(call) => *call,
            _ => None,
        }
    }

    /// The faulting address of a fault signal, if any.
    pub fn fault_addr(&self) -> Option<VirtAddr> {
        match self {
            StopCause::Signal { fault_addr } => *fault_addr,
            _ => None,
        }
    }
}

/// The kinds of [`StopCause`], without their details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    /// [`StopCause::Entry`].
    Entry,
    /// [`StopCause::Breakpoint`].
    Breakpoint,
    /// [`StopCause::SingleStep`].
    SingleStep,
    /// [`StopCause::Watchpoint`].
    Watchpoint,
    /// [`StopCause::SyscallEntry`].
    SyscallEntry,
    /// [`StopCause::SyscallExit`].
    SyscallExit,
    /// [`StopCause::Exec`].
    Exec,
    /// [`StopCause::Signal`].
    Signal,
    /// [`StopCause::Interrupt`].
    Interrupt,
    /// [`StopCause::StepDone`].
    StepDone,
}
