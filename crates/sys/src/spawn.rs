//! Starting a traced program: `fork`, then in the child only raw, async-signal-safe system
//! calls (`personality`, `dup2`, `sigprocmask`, `ptrace(PTRACE_TRACEME)`, `execve`) and `_exit`.
//!
//! Everything the child needs (C strings, pointer arrays, the empty signal mask) is built
//! before `fork`, so no Rust code allocates in the child. If any step fails, the child writes
//! an [`ExecFailure`] record to the close-on-exec error pipe and `_exit`s; when `execve`
//! succeeds the pipe closes and the parent reads end-of-file.

use std::ffi::{c_char, CString};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use nix::errno::Errno;
use nix::unistd::Pid;

use crate::error::Error;

/// The step of the child's set-up that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecStage {
    /// Redirecting a standard stream.
    Redirect,
    /// `ptrace(PTRACE_TRACEME)`.
    TraceMe,
    /// `execve`.
    Exec,
}

/// What the child reports through the error pipe: the stage and the errno, five bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecFailure {
    /// Which step failed.
    pub stage: ExecStage,
    /// Why.
    pub errno: Errno,
}

/// Length of an encoded [`ExecFailure`].
pub const EXEC_FAILURE_LEN: usize = 5;

impl ExecFailure {
    /// Decode the record a failed child wrote; `None` if the bytes are not one.
    pub fn decode(bytes: &[u8]) -> Option<ExecFailure> {
        let [stage, a, b, c, d] = *bytes else {
            return None;
        };
        let stage = match stage {
            0 => ExecStage::Redirect,
            1 => ExecStage::TraceMe,
            2 => ExecStage::Exec,
            _ => return None,
        };
        Some(ExecFailure {
            stage,
            errno: Errno::from_raw(i32::from_le_bytes([a, b, c, d])),
        })
    }
}

/// A program image ready to be executed in a forked child: the resolved path, its argument
/// and environment vectors as null-terminated pointer arrays, and the child's settings.
pub struct ExecSpec {
    path: CString,
    // The pointer arrays point into these strings; they are kept alive alongside.
    _args: Vec<CString>,
    _env: Vec<CString>,
    argv: Vec<*const c_char>,
    envp: Vec<*const c_char>,
    disable_aslr: bool,
    empty_mask: libc::sigset_t,
}

impl std::fmt::Debug for ExecSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSpec")
            .field("path", &self.path)
            .field("args", &self._args)
            .field("disable_aslr", &self.disable_aslr)
            .finish()
    }
}

impl ExecSpec {
    /// Prepare `path` to be run with `args` (including `argv[0]`) and `env`.
    pub fn new(path: CString, args: Vec<CString>, env: Vec<CString>, disable_aslr: bool) -> Self {
        let argv = args
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        let envp = env
            .iter()
            .map(|e| e.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        let mut empty_mask = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigemptyset initialises the set it is given; it cannot fail for a valid pointer.
        let empty_mask = unsafe {
            libc::sigemptyset(empty_mask.as_mut_ptr());
            empty_mask.assume_init()
        };
        ExecSpec {
            path,
            _args: args,
            _env: env,
            argv,
            envp,
            disable_aslr,
            empty_mask,
        }
    }
}

/// Fork a child that asks to be traced and executes `spec`, with its standard streams
/// redirected to `stdio` where given. Failures in the child are written to `error_pipe`
/// (which must be close-on-exec); the parent reads them through `dbg-pipe`.
///
/// On success the child is either stopped with SIGTRAP after `execve` or has exited with
/// status 127 after reporting an [`ExecFailure`].
pub fn spawn_traced(
    spec: &ExecSpec,
    stdio: [Option<BorrowedFd<'_>>; 3],
    error_pipe: BorrowedFd<'_>,
) -> Result<Pid, Error> {
    let redirects: [RawFd; 3] = stdio.map(|fd| fd.map_or(-1, |fd| fd.as_raw_fd()));
    let error_fd = error_pipe.as_raw_fd();
    // SAFETY: after fork the child runs only `child_after_fork`, which makes raw system calls
    // on data prepared before the fork and never returns; the parent continues normally.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(Error::new("fork", Pid::from_raw(0), Errno::last())),
        0 => child_after_fork(spec, redirects, error_fd),
        child => Ok(Pid::from_raw(child)),
    }
}

/// The child side of [`spawn_traced`]. Only async-signal-safe system calls; never returns.
fn child_after_fork(spec: &ExecSpec, redirects: [RawFd; 3], error_fd: RawFd) -> ! {
    let fail = |stage: u8| -> ! {
        // SAFETY: `__errno_location` returns this thread's errno slot; `write` and `_exit` are
        // async-signal-safe and only read the local buffer.
        unsafe {
            let errno = *libc::__errno_location();
            let [a, b, c, d] = errno.to_le_bytes();
            let record = [stage, a, b, c, d];
            libc::write(error_fd, record.as_ptr().cast(), record.len());
            libc::_exit(127)
        }
    };
    if spec.disable_aslr {
        // SAFETY: personality only reads its integer argument; 0xffffffff queries.
        unsafe {
            let current = libc::personality(0xffff_ffff);
            if current != -1 {
                libc::personality(
                    (current as libc::c_ulong) | libc::ADDR_NO_RANDOMIZE as libc::c_ulong,
                );
            }
        }
    }
    for (target, fd) in (0..).zip(redirects) {
        // SAFETY: dup2 on descriptors the parent keeps open across the fork.
        if fd >= 0 && unsafe { libc::dup2(fd, target) } < 0 {
            fail(0);
        }
    }
    // SAFETY: restoring default SIGPIPE handling and an empty mask (both prepared before
    // fork) so the tracee starts as a shell would start it, not with the debugger's settings.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::sigprocmask(libc::SIG_SETMASK, &spec.empty_mask, std::ptr::null_mut());
    }
    // SAFETY: PTRACE_TRACEME takes no pointers.
    if unsafe { libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) } < 0 {
        fail(1);
    }
    // SAFETY: `path` is a C string and `argv`/`envp` are null-terminated arrays of pointers
    // into C strings owned by `spec`, which outlives this call (it returns only on failure).
    unsafe { libc::execve(spec.path.as_ptr(), spec.argv.as_ptr(), spec.envp.as_ptr()) };
    fail(2)
}
