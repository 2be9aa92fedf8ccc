//! The one error type of the system layer: which call failed, on which thread, with which errno.

use nix::errno::Errno;

/// A failed system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{op} on {pid}: {errno}")]
pub struct Error {
    /// The call, e.g. `ptrace(PTRACE_GETREGS)`.
    pub op: &'static str,
    /// The process or thread the call was made on (0 when none applies).
    pub pid: i32,
    /// What the kernel answered.
    pub errno: Errno,
}

impl Error {
    pub(crate) fn new(op: &'static str, pid: nix::unistd::Pid, errno: Errno) -> Self {
        Error {
            op,
            pid: pid.as_raw(),
            errno,
        }
    }

    /// True when the thread no longer exists or is no longer stopped for us.
    pub fn is_gone(&self) -> bool {
        self.errno == Errno::ESRCH
    }
}

/// Attach operation and thread context to a nix result.
pub(crate) trait Context<T> {
    fn ctx(self, op: &'static str, pid: nix::unistd::Pid) -> Result<T, Error>;
}

impl<T> Context<T> for nix::Result<T> {
    fn ctx(self, op: &'static str, pid: nix::unistd::Pid) -> Result<T, Error> {
        self.map_err(|errno| Error::new(op, pid, errno))
    }
}
