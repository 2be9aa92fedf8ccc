//! The command table of SPEC §3 (names, aliases, subcommands, usage and help text), and
//! resolution of a typed word to a command or subcommand: exact alias, exact name, or unique
//! prefix.

/// One entry of the command table.
#[derive(Debug)]
pub struct Spec {
    /// The full command word.
    pub name: &'static str,
    /// Exact-word aliases.
    pub aliases: &'static [&'static str],
    /// Subcommand words, if any.
    pub subcommands: &'static [&'static str],
    /// Usage line.
    pub usage: &'static str,
    /// One-line description.
    pub summary: &'static str,
    /// Whether this build of dbg implements it.
    pub available: bool,
}

macro_rules! spec {
    ($name:literal, [$($alias:literal),*], [$($sub:literal),*], $usage:literal, $summary:literal, $available:expr) => {
        Spec {
            name: $name,
            aliases: &[$($alias),*],
            subcommands: &[$($sub),*],
            usage: $usage,
            summary: $summary,
            available: $available,
        }
    };
}

/// Every command of SPEC §3, in help order.
pub const COMMANDS: &[Spec] = &[
    spec!("continue", ["c"], [], "continue [N]", "resume all threads (N: ignore the current breakpoint N-1 more times)", true),
    spec!("stepi", ["si"], [], "stepi [N]", "execute one machine instruction (N times) on the current thread", true),
    spec!("nexti", ["ni"], [], "nexti [N]", "like stepi, but step over calls", true),
    spec!("step", ["s"], [], "step", "run to the next source line, entering functions that have line information", true),
    spec!("next", ["n"], [], "next", "run to the next source line of this function, over calls", true),
    spec!("finish", ["fin"], [], "finish", "run until the selected frame returns, and show the returned value", true),
    spec!("register", [], ["read", "write"], "register read [all | NAME...] | register write NAME VALUE", "read or write registers of the current thread", true),
    spec!("breakpoint", ["b"], ["set", "list", "enable", "disable", "delete", "ignore", "condition"], "breakpoint set LOCATION [--hardware] [--if EXPR] [--ignore N] | list | enable ID | disable ID | delete ID | ignore ID N | condition ID [EXPR]; b LOCATION", "manage breakpoints", true),
    spec!("watchpoint", ["watch"], ["set", "list", "enable", "disable", "delete"], "watchpoint set ADDRESS write|rw|execute SIZE [--ignore N] | list | enable ID | disable ID | delete ID; watch ADDRESS KIND SIZE", "manage hardware watchpoints (they share the 4 debug registers with hardware breakpoints)", true),
    spec!("catchpoint", [], ["syscall"], "catchpoint syscall [all | none | LIST]", "stop at the entry and exit of system calls (LIST: names or numbers, comma-separated)", true),
    spec!("handle", [], [], "handle SIGNAL [stop|nostop] [print|noprint] [pass|nopass]", "set what happens when the tracee receives SIGNAL (no keyword: show it)", true),
    spec!("memory", ["x"], ["read", "write"], "memory read ADDRESS [N] | memory write ADDRESS BYTES; x ADDRESS [N]", "read (N bytes, default 32) or write tracee memory; BYTES as [0x01,0x02] or 0102", true),
    spec!("disassemble", [], [], "disassemble [-a ADDRESS] [-c COUNT]", "disassemble COUNT instructions (default 5) from ADDRESS (default: the pc)", true),
    spec!("backtrace", ["bt"], [], "backtrace", "show the call stack of the current thread", true),
    spec!("up", [], [], "up [N]", "select the caller's frame (N frames up)", true),
    spec!("down", [], [], "down [N]", "select the callee's frame (N frames down)", true),
    spec!("frame", [], [], "frame [N]", "select frame N (no N: show the selected frame)", true),
    spec!("print", ["p"], [], "print EXPR", "show the value of an expression", false),
    spec!("locals", [], [], "locals", "show the local variables of the selected frame", false),
    spec!("list", ["l"], [], "list [LOCATION]", "show source around a location", true),
    spec!("thread", [], ["list", "select"], "thread list | thread select TID", "list the threads, or select the one registers and stepi apply to", true),
    spec!("symbol", [], [], "symbol ADDRESS|NAME", "which function and line an address belongs to, or where a symbol is", true),
    spec!("kill", [], [], "kill", "kill the process", true),
    spec!("detach", [], [], "detach", "detach from the process and let it run", true),
    spec!("quit", ["q"], [], "quit", "leave the debugger (kills a launched process, detaches an attached one)", true),
    spec!("help", [], [], "help [COMMAND]", "list commands, or describe one", true),
];

/// Find the command named by `word`: an exact alias, an exact name, or a unique prefix.
pub fn lookup(word: &str) -> Result<&'static Spec, String> {
    if let Some(spec) = COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
    {
        return Ok(spec);
    }
    let matches: Vec<&Spec> = COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(word))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("unknown command `{word}` (try `help`)")),
        many => Err(format!(
            "ambiguous command `{word}`: {}",
            many.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        )),
    }
}

pub(super) fn subcommand(spec: &Spec, word: Option<&str>) -> Result<&'static str, String> {
    let Some(word) = word else {
        return Err(format!(
            "`{}` needs a subcommand: {}",
            spec.name,
            spec.subcommands.join(", ")
        ));
    };
    if let Some(exact) = spec.subcommands.iter().find(|s| **s == word) {
        return Ok(exact);
    }
    let matches: Vec<&&str> = spec
        .subcommands
        .iter()
        .filter(|s| s.starts_with(word))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "unknown subcommand `{word}` of `{}`: {}",
            spec.name,
            spec.subcommands.join(", ")
        )),
        many => Err(format!(
            "ambiguous subcommand `{word}` of `{}`: {}",
            spec.name,
            many.iter().map(|s| **s).collect::<Vec<_>>().join(", ")
        )),
    }
}
