//! The error type of the session layer.

/// Why a command could not do its work. The tracee is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The process layer refused or failed.
    #[error(transparent)]
    Process(#[from] dbg_process::Error),
    /// The memory layer refused or failed.
    #[error(transparent)]
    Memory(#[from] dbg_memory::Error),
    /// No breakpoint has this id.
    #[error("no breakpoint {0}")]
    UnknownBreakpoint(u32),
    /// `continue N` needs the current thread to be at a breakpoint.
    #[error("not stopped at a breakpoint: `continue N` ignores the current breakpoint N-1 times")]
    NotAtBreakpoint,
    /// A feature that this version does not have yet.
    #[error("{0} not available in this version of dbg yet")]
    NotYet(&'static str),
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
