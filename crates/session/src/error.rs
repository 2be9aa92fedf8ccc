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
    /// A binary's symbols or debug information could not be read.
    #[error("cannot read the symbols of {path}: {source}")]
    Symbols {
        /// The binary.
        path: String,
        /// What the symbol layer said.
        source: dbg_symbols::Error,
    },
    /// The stack could not be unwound into even one frame.
    #[error("no stack frames")]
    NoFrames,
    /// `frame N` past the outermost frame.
    #[error("no frame {index}: the stack has {count} frame{}", if *.count == 1 { "" } else { "s" })]
    NoFrame {
        /// The frame asked for.
        index: usize,
        /// How many there are.
        count: usize,
    },
    /// `up` from the outermost frame.
    #[error("the outermost frame is selected: there is no frame above it")]
    OutermostFrame,
    /// `down` from the innermost frame.
    #[error("the innermost frame is selected: there is no frame below it")]
    InnermostFrame,
    /// A register write with an outer frame selected.
    #[error("registers can be written in the innermost frame only (`frame 0` first)")]
    OuterFrameWrite,
    /// `finish` with the outermost frame selected.
    #[error("`finish` is not meaningful in the outermost frame")]
    FinishOutermost,
    /// `finish` with an inlined function's frame selected.
    #[error("`finish` out of an inlined function is not supported yet; use `next`")]
    FinishInlined,
    /// Stepping out of a function whose caller cannot be found.
    #[error("cannot find the caller to step back to")]
    NoCaller,
    /// `step`/`next` where neither the function nor its callers have line information.
    #[error("no line information for {place} or its callers; use `stepi` or `finish`")]
    NoLineInfoHere {
        /// The function (or address) the thread is in.
        place: String,
    },
    /// `list` without a location, stopped where there is no line information.
    #[error("no line information where the program is stopped")]
    NoLineInfoAtStop,
    /// `list ADDRESS` of an address without line information.
    #[error("no line information for {address:#x}")]
    NoLineInfoAt {
        /// The address.
        address: dbg_sys::VirtAddr,
    },
    /// A source file could not be read.
    #[error("cannot read source file {path}: {source}")]
    SourceUnreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file of the process in `/proc` (auxiliary vector, executable) could not be read.
    #[error("cannot read {path}: {source}")]
    ProcFile {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A source file named by the program's DWARF is a device, FIFO or directory.
    #[error("cannot read source file {path}: not a regular file")]
    SourceNotAFile {
        /// The file.
        path: String,
    },
    /// A source file larger than listings read.
    #[error("cannot read source file {path}: larger than {limit_mib} MiB")]
    SourceTooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit_mib: u64,
    },
    /// `list FILE:LINE` past the end of the file.
    #[error("line {line} is beyond the end of {file} ({count} lines)")]
    LineBeyondEnd {
        /// The line asked for.
        line: u32,
        /// The file.
        file: String,
        /// Its length in lines.
        count: u32,
    },
    /// An address or location that does not parse.
    #[error("invalid address `{0}`")]
    InvalidAddress(String),
    /// An address expression whose value is no address (a float, a struct).
    #[error("`{expression}` is {ty}, not an address")]
    NotAnAddress {
        /// The expression.
        expression: String,
        /// Its type, with an article (`a double`).
        ty: String,
    },
    /// A number beyond 64 bits.
    #[error("address `{0}` is beyond 64 bits")]
    AddressTooLarge(String),
    /// `symbol+offset` with a bad offset.
    #[error("invalid offset in `{0}`")]
    InvalidOffset(String),
    /// `FILE:LINE` with a bad line.
    #[error("invalid line number in `{0}`")]
    InvalidLine(String),
    /// No location given.
    #[error("missing location")]
    MissingLocation,
    /// `$NAME` names no general register.
    #[error(
        "no such register `{0}` (in an address: a general register such as $rsp, $pc, $sp or $fp)"
    )]
    UnknownRegister(String),
    /// `list -` before anything was listed.
    #[error("nothing listed yet: `list -` shows the lines before the last listing")]
    NothingListed,
    /// `list -` when the last listing began at line 1.
    #[error("already at the start of {file}")]
    AlreadyAtStart {
        /// The file.
        file: String,
    },
    /// `break LINE` or `list LINE` with no current source file to take the line from.
    #[error("no current source file: stop where there is line information, or write FILE:LINE")]
    NoCurrentSourceFile,
    /// An expression that does not parse.
    #[error(transparent)]
    Parse(#[from] dbg_expr::ParseError),
    /// An expression without a value (unknown name, bad operands, unreadable memory).
    #[error(transparent)]
    Expression(#[from] dbg_expr::EvalError),
    /// `watch EXPR` of something that cannot be watched.
    #[error("cannot watch `{expression}`: {why}")]
    WatchExpression {
        /// The expression.
        expression: String,
        /// Why.
        why: &'static str,
    },
    /// `watch EXPR` of a value that needs more debug registers than are free.
    #[error("watching it needs {needed} debug registers, and {free} are free")]
    WatchNeedsRegisters {
        /// How many its aligned pieces take.
        needed: usize,
        /// How many are free.
        free: usize,
    },
    /// `whatis`/`ptype` of an assignment, which would write the program to find a type.
    /// `memory read --scratch` outside dbg's scratch areas.
    #[error("{0:#x} is not in dbg's scratch area (`maintenance info scratch` shows where it is)")]
    NotInScratch(u64),
    #[error("the expression assigns: whatis and ptype do not change the program")]
    TypeOfAssignment,
    /// `locals`/`args` where the debug information describes no function.
    #[error("no symbol table info available for this frame")]
    NoScope,
}

/// A binary whose symbols could not be read: said once per binary (its places then show as
/// `??`), not an error of the command that came across it.
#[derive(Debug, thiserror::Error)]
pub enum SymbolWarning {
    /// The file could not be opened or mapped.
    #[error("cannot open {} for its symbols: {source}", .path.display())]
    Open {
        /// The binary.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not an ELF binary dbg can read, or its symbols or debug information are
    /// corrupt.
    #[error("cannot read the symbols of {}: {source}", .path.display())]
    Symbols {
        /// The binary.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: dbg_symbols::Error,
    },
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
