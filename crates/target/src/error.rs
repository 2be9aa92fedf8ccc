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
    /// A hardware breakpoint was asked for on several locations.
    #[error("a hardware breakpoint takes one debug register, so one location; this one has {0}")]
    HardwareLocations(usize),
    /// No symbol or function has this name.
    #[error("no function or symbol named `{name}`{}", suggest(.suggestions))]
    NoSymbol {
        /// What was asked for.
        name: String,
        /// Close names that exist.
        suggestions: Vec<String>,
    },
    /// No source file of the program has this name.
    #[error("no source file named `{file}`{}", suggest(.suggestions))]
    NoSourceFile {
        /// What was asked for.
        file: String,
        /// Close names that exist.
        suggestions: Vec<String>,
    },
    /// The file has no code at or after this line.
    #[error("no code at or after line {line} of {file}")]
    NoCodeAtLine {
        /// The file.
        file: String,
        /// The line.
        line: u32,
    },
    /// The program has no line information.
    #[error("no line information in {0} (built without -g?); use a function name or an address")]
    NoLineInfo(String),
    /// Source-level stepping needs line information where the thread is.
    #[error("{0}")]
    Source(String),
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

/// `; did you mean `a`, `b`?` or nothing.
fn suggest(names: &[String]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("; did you mean {}?", quoted.join(", "))
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
