//! Why a process stopped: typed stop reasons, classified from wait statuses and `si_code`.

use dbg_sys::ptrace::{
    SigInfo, SI_KERNEL, SI_QUEUE, SI_TKILL, SI_USER, TRAP_BRKPT, TRAP_HWBKPT, TRAP_TRACE,
};
use dbg_sys::{Pid, Signal, VirtAddr};

/// What happened when the process last changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The process exited with this status.
    Exited {
        /// Exit status (0..=255).
        code: i32,
    },
    /// A signal killed the process.
    Killed {
        /// The signal.
        signal: Signal,
    },
    /// A thread stopped and every other thread was stopped with it.
    Stopped(Stop),
    /// The thread being single-stepped exited (the instruction was its `exit`); the other
    /// threads are stopped, and the current thread is now the main one.
    ThreadExited {
        /// The thread that is gone.
        tid: Pid,
    },
}

/// A stop of one thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    /// The thread that stopped.
    pub tid: Pid,
    /// The signal it stopped with.
    pub signal: Signal,
    /// For SIGTRAP: what kind of trap, from `si_code`.
    pub trap: Option<TrapKind>,
    /// The fault address (`si_addr`) for SIGSEGV, SIGBUS, SIGILL, SIGFPE.
    pub fault_addr: Option<VirtAddr>,
    /// Who raised the signal.
    pub origin: SignalOrigin,
    /// One of our software breakpoints (recorded in [`crate::Process::trap_sites`]) at this
    /// address ran; the pc is rewound to it.
    pub breakpoint: Option<VirtAddr>,
    /// For a debug-register hit: DR6, whose bits 0–3 say which slot fired.
    pub debug_status: Option<u64>,
}

/// Where a signal came from, from `si_code` and `si_pid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalOrigin {
    /// The kernel: a fault, a trap, or a terminal key (Ctrl-C).
    Kernel,
    /// A process, by `kill`, `tgkill` or `sigqueue`.
    Process(i32),
    /// Anything else (timers, I/O, a ptrace event).
    Other,
}

impl SignalOrigin {
    fn from_siginfo(info: &SigInfo) -> SignalOrigin {
        if info.code > 0 {
            SignalOrigin::Kernel
        } else if matches!(info.code, SI_USER | SI_QUEUE | SI_TKILL) {
            SignalOrigin::Process(info.sender_pid)
        } else {
            SignalOrigin::Other
        }
    }
}

/// What raised a SIGTRAP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapKind {
    /// An `int3` (ours or the program's); the pc is one byte past it.
    Breakpoint,
    /// A completed single step.
    SingleStep,
    /// A debug-register breakpoint or watchpoint.
    Hardware,
    /// Entry to a system call (`PTRACE_SYSCALL` with `PTRACE_O_TRACESYSGOOD`).
    SyscallEntry,
    /// Exit from a system call.
    SyscallExit,
    /// The process executed a new program (`PTRACE_EVENT_EXEC`).
    Exec,
    /// A SIGTRAP with another `si_code` (sent by `kill`, raised after `execve`, ...).
    Other(i32),
}

impl TrapKind {
    /// Classify a SIGTRAP by its `si_code`.
    ///
    /// On x86 an `int3` raises `SI_KERNEL`; `TRAP_BRKPT` comes only from a single step over a
    /// `syscall` instruction (the kernel reports the step after the system call that way), so
    /// it is a single step, not a breakpoint.
    pub fn from_code(code: i32) -> TrapKind {
        match code {
            SI_KERNEL => TrapKind::Breakpoint,
            TRAP_TRACE | TRAP_BRKPT => TrapKind::SingleStep,
            TRAP_HWBKPT => TrapKind::Hardware,
            other => TrapKind::Other(other),
        }
    }
}

impl Stop {
    /// A stop by `signal`, classified from its signal information.
    pub(crate) fn from_siginfo(tid: Pid, signal: Signal, info: &SigInfo) -> Stop {
        let trap = (signal == Signal::SIGTRAP).then(|| TrapKind::from_code(info.code));
        let fault = matches!(
            signal,
            Signal::SIGSEGV | Signal::SIGBUS | Signal::SIGILL | Signal::SIGFPE
        ) && info.code > 0;
        Stop {
            tid,
            signal,
            trap,
            fault_addr: fault.then_some(info.addr),
            origin: SignalOrigin::from_siginfo(info),
            breakpoint: None,
            debug_status: None,
        }
    }
}

/// Thread life-cycle events seen while waiting; the session reports them in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadEvent {
    /// A new thread appeared (clone).
    Created(Pid),
    /// A thread exited.
    Exited(Pid),
    /// The process forked this child, which was let go (our breakpoints taken out of it).
    Forked(Pid),
}
