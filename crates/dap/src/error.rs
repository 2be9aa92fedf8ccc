//! Why a request failed: the text of its error response.

/// A request's failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The session refused (no such symbol, no process, memory not mapped, ...).
    #[error(transparent)]
    Session(#[from] dbg_session::Error),
    /// The request's arguments do not match the command's schema.
    #[error("bad arguments for {command}: {source}")]
    Arguments {
        /// The command.
        command: &'static str,
        /// What serde found wrong.
        source: serde_json::Error,
    },
    /// A response body that cannot be written as JSON (cannot happen with these types).
    #[error("cannot encode the response: {0}")]
    Encode(serde_json::Error),
    /// A command this adapter does not have.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// A request that needs a program before `launch` or `attach`.
    #[error("no program is being debugged: launch or attach first")]
    NoSession,
    /// A second `launch` or `attach`.
    #[error("a program is already being debugged")]
    AlreadyDebugging,
    /// A frame id not given out since the program last ran.
    #[error("no frame with id {0} (frames are valid until the program runs)")]
    UnknownFrame(i64),
    /// A variables reference not given out since the program last ran.
    #[error("no variables with reference {0} (references are valid until the program runs)")]
    UnknownReference(i64),
    /// `setVariable` or `dataBreakpointInfo` on a part that has no expression.
    #[error("{0:?} cannot be named in an expression")]
    Unnamed(String),
    /// A memory reference that is not an address.
    #[error("bad memory reference {0:?}: expected an address such as 0x401000")]
    MemoryReference(String),
    /// `writeMemory` data that is not base64.
    #[error("data is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// A hit condition this adapter does not understand.
    #[error("bad hit condition {0:?}: expected N, >= N, > N, == N or % N")]
    HitCondition(String),
    /// A `setBreakpoints` source without a path.
    #[error("the source has no path")]
    NoSourcePath,
    /// An exception filter this adapter does not offer.
    #[error("unknown exception filter {0:?}: rust_panic and cpp_throw are offered")]
    UnknownFilter(String),
    /// A `dataId` not given out by `dataBreakpointInfo`.
    #[error("unknown data breakpoint id {0:?}")]
    UnknownDataId(String),
    /// `launch`'s `cwd` is not a directory we can enter.
    #[error("cannot change to directory {path}: {source}")]
    Cwd {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The pipes for the program's output could not be made.
    #[error("cannot make a pipe for the program's output: {0}")]
    Pipe(std::io::Error),
    /// Something the protocol allows that this adapter does not do.
    #[error("{0}")]
    Unsupported(&'static str),
    /// A debug-console command that failed, with what it printed.
    #[error("{0}")]
    Console(String),
}

/// A request's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
