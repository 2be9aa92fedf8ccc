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
}

/// A stop of the process, with everything a front end shows about it.
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
    /// Where the pc is, as far as the symbols tell.
    pub place: Option<Box<crate::CodePlace>>,
    /// Why.
    pub kind: StopKind,
    /// For fault signals: the faulting address.
    pub fault_addr: Option<VirtAddr>,
    /// For a breakpoint stop: which breakpoint.
    pub breakpoint: Option<u32>,
    /// For a watchpoint stop: which watchpoint, and the values before and after.
    pub watchpoint: Option<crate::WatchHit>,
    /// For a system-call stop: which call, with its arguments (entry) or result (exit).
    pub syscall: Option<crate::SyscallInfo>,
}

/// Why the process stopped, as SPEC §5's `reason` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    /// The stop after exec (launch) or attach.
    Entry,
    /// An `int3` trap.
    Breakpoint,
    /// A completed `stepi`.
    SingleStep,
    /// A hardware breakpoint or watchpoint trap.
    Watchpoint,
    /// A system-call entry.
    SyscallEntry,
    /// A system-call exit.
    SyscallExit,
    /// The process executed a new program (reported as SPEC §5's `entry`).
    Exec,
    /// A signal arrived for the tracee.
    Signal,
    /// The user interrupted the running process (Ctrl-C).
    Interrupt,
    /// A `step`, `next` or `finish` got where it was going.
    StepDone,
}

impl StopKind {
    /// The name SPEC §5 gives this reason in JSON.
    pub fn name(self) -> &'static str {
        match self {
            StopKind::Entry | StopKind::Exec => "entry",
            StopKind::Breakpoint => "breakpoint",
            StopKind::SingleStep => "single_step",
            StopKind::Watchpoint => "watchpoint",
            StopKind::SyscallEntry => "syscall_entry",
            StopKind::SyscallExit => "syscall_exit",
            StopKind::Signal => "signal",
            StopKind::Interrupt => "interrupt",
            StopKind::StepDone => "step_done",
        }
    }
}
