//! The error type of the memory layer.

/// Why a memory request failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing could be read at `addr`.
    #[error("cannot read memory at {addr:#x}: {reason}")]
    Read {
        /// Where.
        addr: u64,
        /// Why.
        reason: String,
    },
    /// The write failed at `addr`.
    #[error("cannot write memory at {addr:#x}: {reason}")]
    Write {
        /// Where.
        addr: u64,
        /// Why.
        reason: String,
    },
    /// The request is larger than one read may be.
    #[error("cannot read {len} bytes at once (the limit is {limit})")]
    TooLarge {
        /// Asked for.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The address range wraps around the end of the address space.
    #[error("address range {addr:#x}+{len} is outside the address space")]
    OutOfRange {
        /// Start.
        addr: u64,
        /// Length.
        len: usize,
    },
    /// No mapping contains the address.
    #[error("address {0:#x} is not mapped")]
    NotMapped(u64),
    /// The address is mapped but not executable.
    #[error("address {addr:#x} is not executable (mapped {perms} {path})")]
    NotExecutable {
        /// The address.
        addr: u64,
        /// The mapping's permissions.
        perms: String,
        /// The mapping's file or pseudo-name.
        path: String,
    },
    /// `/proc/PID/maps` could not be read.
    #[error("cannot read /proc/{pid}/maps: {source}")]
    Maps {
        /// The process.
        pid: i32,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
