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
    /// The watch layer refused (alignment, size, kind).
    #[error(transparent)]
    Watch(#[from] dbg_watch::Error),
    /// All four debug registers are taken.
    #[error("no free debug register: 4 in use by {}", describe_owners(.watchpoints, .breakpoints))]
    NoFreeDebugRegister {
        /// Watchpoints holding a slot.
        watchpoints: Vec<u32>,
        /// Hardware breakpoints holding a slot.
        breakpoints: Vec<u32>,
    },
    /// No watchpoint has this id.
    #[error("no watchpoint {0}")]
    UnknownWatchpoint(u32),
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

/// `watchpoints 1, 2 and breakpoints 3, 4`.
fn describe_owners(watchpoints: &[u32], breakpoints: &[u32]) -> String {
    let list = |ids: &[u32]| {
        ids.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let part = |noun: &str, ids: &[u32]| {
        let plural = if ids.len() == 1 { "" } else { "s" };
        format!("{noun}{plural} {}", list(ids))
    };
    match (watchpoints.is_empty(), breakpoints.is_empty()) {
        (false, false) => format!(
            "{} and {}",
            part("watchpoint", watchpoints),
            part("breakpoint", breakpoints)
        ),
        (false, true) => part("watchpoint", watchpoints),
        _ => part("breakpoint", breakpoints),
    }
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
