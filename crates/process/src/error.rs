//! The error type of the process layer.

use dbg_sys::Errno;

/// Why a process-control request failed. Tracee exits and deaths are not errors: they are
/// [`crate::StopReason`]s.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The program could not be started.
    #[error("cannot launch {program}: {}", .errno.desc())]
    Launch {
        /// The program as the user named it.
        program: String,
        /// Why: `ENOENT`, `EACCES`, `ENOEXEC`, ...
        errno: Errno,
    },
    /// The program is not an x86-64 ELF executable (SPEC §2).
    #[error("cannot debug {program}: {kind}")]
    NotX86_64 {
        /// The program as the user named it.
        program: String,
        /// What it is.
        kind: crate::launch::ProgramKind,
    },
    /// A redirection file could not be opened.
    #[error("cannot open {path} for the tracee's {stream}: {source}")]
    Redirect {
        /// `stdin`, `stdout` or `stderr`.
        stream: &'static str,
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An argument or environment string contains a NUL byte.
    #[error("argument contains a NUL byte: {0:?}")]
    NulInArgument(String),
    /// Attaching was refused; the reason names the cause where it can be found.
    #[error("cannot attach to process {pid}: {reason}")]
    Attach {
        /// The process.
        pid: i32,
        /// Why, as found in `/proc`.
        reason: AttachRefusal,
    },
    /// A system call failed.
    #[error(transparent)]
    Sys(#[from] dbg_sys::Error),
    /// The launch channel failed.
    #[error(transparent)]
    Pipe(#[from] dbg_pipe::Error),
    /// The request needs a live, stopped process and there is none.
    #[error("the process is not being debugged (it {0})")]
    NoProcess(Ended),
    /// The request needs the process stopped, and it is running.
    #[error("the process is running")]
    Running,
    /// The request needs this thread stopped at an event the caller was given, and it is
    /// running.
    #[error("thread {0} is running")]
    ThreadRunning(i32),
    /// Every traced thread is stopped at an event the caller was given: waiting for another
    /// would never end.
    #[error("every traced thread is stopped; resume one before waiting")]
    AllThreadsStopped,
    /// No thread with this id belongs to the process.
    #[error("no thread {0} in the process")]
    UnknownThread(i32),
    /// The value cannot be written to this register.
    #[error("register {register} is not available on this processor")]
    Unavailable {
        /// The register.
        register: &'static str,
    },

    #[error("value does not fit register {register} ({size} bytes)")]
    ValueDoesNotFit {
        /// The register's name.
        register: &'static str,
        /// Its size.
        size: usize,
    },
    /// A child of the tracing thread that is not a tracee changed state. The thread that
    /// drives a process must have no children but its tracees: its status was collected and
    /// is lost to its owner.
    #[error("child {0} of the debugger thread is not a tracee (its status was collected)")]
    ForeignChild(i32),
    /// The kernel reported a state the process layer did not expect.
    #[error("unexpected state of thread {tid} after {during}: {status:?}")]
    Unexpected {
        /// The thread.
        tid: i32,
        /// What we were doing.
        during: &'static str,
        /// The wait status.
        status: dbg_sys::wait::WaitStatus,
    },
    /// Waiting was asked for, but nothing was resumed since the last stop.
    #[error("the process was not resumed")]
    NotResumed,
    /// Resuming was asked for with every thread to stay stopped.
    #[error("no thread to resume: every thread is to stay stopped")]
    NothingToResume,
    /// A system-call filter could not be installed in the process.
    #[error("cannot filter system calls in the kernel: {0}")]
    SyscallFilter(FilterRefusal),
    /// The debugger's own system call cannot run on a thread at a system-call entry stop
    /// (its registers are the call it is making).
    #[error("thread {0} is at a system-call entry")]
    InSyscall(i32),
}

/// Why a system-call filter was not installed (the caller falls back to stopping at every
/// system call, or, with a filter already in place, refuses the change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterRefusal {
    /// Only a launched process gets one: an attached process goes on after the debugger.
    Attached,
    /// The program has a seccomp filter of its own: where it answers a call with an error
    /// (or kills), that answer comes before ours, and the call would never be seen.
    OwnFilter,
    /// Yama's `ptrace_scope` keeps a custodian from tracing the process after us.
    NoCustody,
    /// The set of calls is too long for one filter program.
    TooManyCalls,
    /// Every thread is inside a system call, so none can run `seccomp(2)` now.
    EveryThreadInSyscall,
    /// The injected call did not complete (a signal or the process's end came first).
    Interrupted,
    /// The kernel refused `prctl(PR_SET_NO_NEW_PRIVS)` or `seccomp(2)` with this errno (or, for
    /// `SECCOMP_FILTER_FLAG_TSYNC`, a thread id given as a positive number).
    Kernel {
        /// `prctl` or `seccomp`.
        call: &'static str,
        /// What the call returned.
        ret: i64,
    },
}

impl std::fmt::Display for FilterRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilterRefusal::Attached => write!(f, "the process was attached, not launched"),
            FilterRefusal::OwnFilter => write!(f, "the program has a seccomp filter of its own"),
            FilterRefusal::NoCustody => write!(f, "ptrace_scope does not allow a custodian"),
            FilterRefusal::TooManyCalls => write!(f, "too many system calls for one filter"),
            FilterRefusal::EveryThreadInSyscall => {
                write!(
                    f,
                    "every thread is inside a system call; step out of it first"
                )
            }
            FilterRefusal::Interrupted => write!(f, "the injected system call was interrupted"),
            FilterRefusal::Kernel { call, ret } if *ret < 0 => {
                let errno = Errno::from_raw(i32::try_from(-ret).unwrap_or(0));
                write!(f, "{call} failed: {}", errno.desc())
            }
            FilterRefusal::Kernel { call, ret } => {
                write!(f, "{call} could not synchronise thread {ret}")
            }
        }
    }
}

/// How a process stopped being debugged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// A signal killed it.
    Killed(dbg_sys::Signal),
    /// The debugger detached from it.
    Detached,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ended::Exited(code) => write!(f, "exited with status {code}"),
            Ended::Killed(signal) => write!(f, "was killed by {}", signal.as_str()),
            Ended::Detached => write!(f, "was detached"),
        }
    }
}

/// Why the kernel refused `PTRACE_ATTACH`, as far as `/proc` tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachRefusal {
    /// No such process.
    NoSuchProcess,
    /// The debugger itself.
    Itself,
    /// Another tracer holds it.
    AlreadyTraced {
        /// The tracer's pid.
        tracer: i32,
        /// The tracer's command name, when readable.
        name: Option<String>,
    },
    /// Yama's `ptrace_scope` forbids it.
    Yama(u8),
    /// It has exited and waits for its parent to reap it: nothing runs any more.
    Zombie,
    /// A kernel thread: it runs no user code.
    KernelThread,
    /// The kernel lets no debugger inspect it, even with CAP_SYS_PTRACE (not dumpable, or
    /// owned by an outer user namespace).
    NotInspectable,
    /// Some other refusal (`EPERM` without a visible cause, ...).
    Other(Errno),
}

impl std::fmt::Display for AttachRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttachRefusal::NoSuchProcess => write!(f, "no such process"),
            AttachRefusal::Itself => write!(f, "that is the debugger itself"),
            AttachRefusal::AlreadyTraced { tracer, name: Some(name) } => {
                write!(f, "already traced by process {tracer} ({name})")
            }
            AttachRefusal::AlreadyTraced { tracer, name: None } => {
                write!(f, "already traced by process {tracer}")
            }
            AttachRefusal::Yama(scope) => write!(
                f,
                "ptrace refused by Yama: /proc/sys/kernel/yama/ptrace_scope is {scope}{}",
                if *scope >= 3 { " (attaching is disabled)" } else { " (run as root or set it to 0)" }
            ),
            AttachRefusal::Zombie => write!(
                f,
                "it is a zombie: it has exited and waits for its parent to collect its status"
            ),
            AttachRefusal::KernelThread => {
                write!(f, "it is a kernel thread, which runs no program to debug")
            }
            AttachRefusal::NotInspectable => write!(
                f,
                "the kernel lets no debugger inspect it, even with CAP_SYS_PTRACE (it is not dumpable, or it belongs to an outer user namespace, as a container's init does)"
            ),
            AttachRefusal::Other(Errno::EPERM) => write!(
                f,
                "operation not permitted (the process may belong to another user; CAP_SYS_PTRACE is needed)"
            ),
            AttachRefusal::Other(errno) => write!(f, "{}", errno.desc()),
        }
    }
}

impl Error {
    /// True when the thread the request was made on no longer exists (killed from outside).
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Sys(e) if e.is_gone())
    }
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
