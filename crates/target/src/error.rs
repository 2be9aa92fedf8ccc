//! The error type of the session layer.

/// Why a command could not do its work. The tracee is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The process layer refused or failed.
    #[error(transparent)]
    Process(#[from] dbg_process::Error),
    /// No process is being debugged.
    #[error("no process is being debugged")]
    NoProcess,
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
