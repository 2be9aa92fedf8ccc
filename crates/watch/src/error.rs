//! The error type of the watch layer.

use dbg_process::VirtAddr;

/// Why a watchpoint or hardware breakpoint request was refused. No slot changes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The size is not 1, 2, 4 or 8.
    #[error("watchpoint size must be 1, 2, 4 or 8, not {0}")]
    BadSize(u64),
    /// The address is not a multiple of the size.
    #[error("address {addr:#x} is not aligned to the watchpoint size {size}")]
    Unaligned {
        /// The address.
        addr: VirtAddr,
        /// The size.
        size: u64,
    },
    /// Execution breakpoints watch one byte.
    #[error("an execute watchpoint has size 1, not {0}")]
    ExecuteSize(u64),
    /// x86 cannot watch reads alone.
    #[error("x86 has no read-only watchpoints: use rw (reads and writes)")]
    ReadOnly,
    /// The range is not in user space.
    #[error("address {0:#x} is beyond the user address space")]
    NotUserSpace(VirtAddr),
    /// All four slots are taken.
    #[error("no free debug register: all 4 are in use")]
    NoFreeSlot,
    /// There is no such slot in use.
    #[error("debug register {0} is not in use")]
    NotInUse(usize),
    /// The process layer refused.
    #[error(transparent)]
    Process(#[from] dbg_process::Error),
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
