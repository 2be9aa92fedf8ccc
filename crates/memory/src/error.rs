//! The error type of the memory layer.

use dbg_sys::{Errno, VirtAddr};

/// Why a memory request failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Memory ends (or is unreadable) at `addr`.
    #[error("cannot read memory at {addr:#x}: address not mapped or not readable")]
    Unreadable {
        /// The first address that could not be read.
        addr: VirtAddr,
    },
    /// A write was refused before anything was written: the range is not all mapped.
    #[error("cannot write memory at {addr:#x}: address not mapped or not readable")]
    Unwritable {
        /// The first address that is not mapped.
        addr: VirtAddr,
    },
    /// The kernel refused a write through `/proc/PID/mem`.
    #[error("cannot write memory at {addr:#x}: {source}")]
    Write {
        /// Where.
        addr: VirtAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The kernel wrote only part of the bytes.
    #[error("cannot write memory at {addr:#x}: short write")]
    ShortWrite {
        /// The first byte not written.
        addr: VirtAddr,
    },
    /// `/proc/PID/mem` could not be opened.
    #[error("cannot open /proc/{pid}/mem: {source}")]
    ProcMem {
        /// The process.
        pid: i32,
        /// Why.
        source: Errno,
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
        addr: VirtAddr,
        /// Length.
        len: usize,
    },
    /// No mapping contains the address.
    #[error("address {0:#x} is not mapped")]
    NotMapped(VirtAddr),
    /// The address is mapped but not executable.
    #[error("address {addr:#x} is not executable (mapped {perms} {path})")]
    NotExecutable {
        /// The address.
        addr: VirtAddr,
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
    /// A register of the tracee could not be read or written (carrying out an instruction
    /// in place of the tracee).
    #[error(transparent)]
    Process(#[from] dbg_process::Error),
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
