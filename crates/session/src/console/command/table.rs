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

/// Every command of SPEC §3, in help order. gdb's one-letter abbreviations are exact aliases
/// here, so they keep gdb's meaning and win over prefixes (`r` is `run`, `u` is `until`, `d` is
/// `delete`).
pub const COMMANDS: &[Spec] = &[
    spec!("continue", ["c"], [], "continue [N]", "resume all threads (N: ignore the current breakpoint N-1 more times)", true),
    spec!("stepi", ["si"], [], "stepi [N]", "execute one machine instruction (N times) on the current thread", true),
    spec!("nexti", ["ni"], [], "nexti [N]", "like stepi, but step over calls", true),
    spec!("step", ["s"], [], "step [N]", "run to the next source line (N times), entering functions that have line information", true),
    spec!("next", ["n"], [], "next [N]", "run to the next source line of this function (N times), over calls", true),
    spec!("finish", ["fin"], [], "finish", "run until the selected frame returns, and show the returned value", true),
    spec!("run", ["r"], [], "run [ARGS] [<IN] [>OUT] [2>ERR]", "start the program from the beginning (a running one is killed) and run it to its first stop; ARGS and redirections replace the last run's", true),
    spec!("start", [], [], "start [ARGS] [<IN] [>OUT] [2>ERR]", "like run, stopping at main (a temporary breakpoint)", true),
    spec!("until", ["u"], [], "until [LOCATION]", "like next, but not back into a loop; with LOCATION: run to it in this frame, or until this frame returns", true),
    spec!("advance", [], [], "advance LOCATION", "run to LOCATION (in any frame), or until this frame returns", true),
    spec!("register", [], ["read", "write"], "register read [all | NAME...] | register write NAME VALUE", "read or write registers of the current thread", true),
    spec!("breakpoint", ["b", "break"], ["set", "list", "enable", "disable", "delete", "ignore", "condition"], "breakpoint set LOCATION [--hardware] [--temporary] [--ignore N] [--if EXPR] | list | enable ID | disable ID | delete ID | ignore ID N | condition ID [EXPR]; b LOCATION [if EXPR]", "manage breakpoints (a LOCATION that is a bare number is a line of the current source file)", true),
    spec!("tbreak", [], [], "tbreak LOCATION", "a temporary breakpoint: deleted when it is hit", true),
    spec!("hbreak", [], [], "hbreak LOCATION", "a hardware breakpoint (a debug register)", true),
    spec!("delete", ["d"], [], "delete [ID...]", "delete breakpoints (no ID: every breakpoint and watchpoint)", true),
    spec!("enable", [], [], "enable ID...", "enable breakpoints", true),
    spec!("disable", [], [], "disable ID...", "disable breakpoints", true),
    spec!("ignore", [], [], "ignore ID N", "let the next N hits of a breakpoint pass", true),
    spec!("condition", [], [], "condition ID [EXPR]", "stop at a breakpoint only when EXPR is non-zero (no EXPR: always)", true),
    spec!("watchpoint", ["watch"], ["set", "list", "enable", "disable", "delete"], "watchpoint set ADDRESS write|rw|execute SIZE [--ignore N] | list | enable ID | disable ID | delete ID; watch LVALUE; watch ADDRESS KIND SIZE", "manage hardware watchpoints (they share the 4 debug registers with hardware breakpoints); watch LVALUE stops when the value changes", true),
    spec!("awatch", [], [], "awatch LVALUE", "a watchpoint that stops at every read or write of LVALUE", true),
    spec!("catchpoint", [], ["syscall"], "catchpoint syscall [all | none | LIST]", "stop at the entry and exit of system calls (LIST: names or numbers, comma-separated)", true),
    spec!("handle", [], [], "handle SIGNAL [stop|nostop] [print|noprint] [pass|nopass]", "set what happens when the tracee receives SIGNAL (no keyword: show it)", true),
    spec!("memory", ["x"], ["read", "write"], "memory read [--scratch] ADDRESS [N] | memory write ADDRESS BYTES; x ADDRESS [N]; x/NFU ADDRESS", "read (N bytes, default 32) or write tracee memory; --scratch: dbg's out-of-line copies; BYTES as [0x01,0x02] or 0102; gdb's x/NFU (F: x z d u o t c a f s i, U: b h w g)", true),
    spec!("disassemble", [], [], "disassemble [-a ADDRESS] [-c COUNT]", "disassemble COUNT instructions (default 5) from ADDRESS (default: the pc)", true),
    spec!("backtrace", ["bt", "where"], [], "backtrace [N]", "show the call stack of the current thread (N: the innermost N frames)", true),
    spec!("up", [], [], "up [N]", "select the caller's frame (N frames up)", true),
    spec!("down", [], [], "down [N]", "select the callee's frame (N frames down)", true),
    spec!("frame", ["f"], [], "frame [N]", "select frame N (no N: show the selected frame)", true),
    spec!("print", ["p", "inspect"], [], "print[/F] EXPR | print LVALUE = EXPR", "show the value of an expression in the selected frame (F: x d u o t c f s a z); `$N` is the Nth value printed", true),
    spec!("set", [], ["var", "variable"], "set var LVALUE = EXPR", "assign to a variable, a member, an element or a register ($rax)", true),
    spec!("locals", [], [], "locals", "show the local variables of the selected frame, innermost block first", true),
    spec!("args", [], [], "args", "show the arguments of the selected frame's function", true),
    spec!("ptype", [], [], "ptype EXPR|TYPE", "show a type with its members written out", true),
    spec!("display", [], [], "display[/F] [EXPR]", "show EXPR now and at every stop (no EXPR: show every display now)", true),
    spec!("undisplay", [], [], "undisplay [N...]", "stop showing displays N (no N: all of them)", true),
    spec!("whatis", [], [], "whatis EXPR|TYPE", "show the name of a type", true),
    spec!("list", ["l"], [], "list [LOCATION]", "show source around a location (a bare number: a line of the current file)", true),
    spec!("info", ["i"], ["breakpoints", "watchpoints", "registers", "all-registers", "frame", "threads", "signals", "symbol", "sharedlibrary", "locals", "args", "display"], "info breakpoints | watchpoints | registers [NAME...] | all-registers | frame | threads | signals SIGNAL | symbol ADDRESS | sharedlibrary", "gdb's info commands, answered by their dbg forms", true),
    spec!("sharedlibrary", [], ["list"], "sharedlibrary list; info sharedlibrary", "list the loaded shared libraries: path, load address, whether symbols were found", true),
    spec!("thread", [], ["list", "select"], "thread list | thread select TID; thread TID", "list the threads, or select the one registers and stepi apply to", true),
    spec!("symbol", [], [], "symbol ADDRESS|NAME", "which function and line an address belongs to, or where a symbol is", true),
    spec!("kill", ["k"], [], "kill", "kill the process", true),
    spec!("detach", [], [], "detach", "detach from the process and let it run", true),
    spec!("quit", ["q"], [], "quit", "leave the debugger (kills a launched process, detaches an attached one)", true),
    spec!("help", [], [], "help [COMMAND]", "list commands, or describe one", true),
];

/// gdb commands dbg does not have, with the dbg command that does the job.
const GDB_EQUIVALENTS: &[(&str, &str)] = &[
    (
        "rwatch",
        "awatch LVALUE (x86 has no read-only watchpoints: awatch stops at reads and writes)",
    ),
    ("examine", "memory read ADDRESS [N], or x"),
    ("registers", "register read"),
    ("attach", "dbg-cli attach PID (from the shell)"),
    ("file", "dbg-cli run PROGRAM (from the shell)"),
    ("stop", "Ctrl-C"),
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
        [] => match GDB_EQUIVALENTS.iter().find(|(gdb, _)| *gdb == word) {
            Some((_, dbg)) => Err(format!(
                "dbg has no `{word}` command: use `{dbg}` (try `help`)"
            )),
            None => Err(format!("unknown command `{word}` (try `help`)")),
        },
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

/// The command reference (docs/COMMANDS.md), rendered from the table above so that the two
/// cannot drift: a test compares the file with this text.
#[cfg(test)]
pub fn reference() -> String {
    let mut text = String::from(
        "# dbg command reference\n\n\
         Generated from the command table (`crates/session/src/console/command/table.rs`); a test\n\
         fails when the two differ (`DBG_UPDATE_DOCS=1 cargo test -p dbg-session --lib` rewrites\n\
         this file). `help` and `help COMMAND` print the same text in the debugger.\n\n\
         Every command word and subcommand may be abbreviated to any unambiguous prefix;\n\
         aliases are exact words, and gdb's one-letter abbreviations keep gdb's meaning (`r`\n\
         run, `s` step, `n` next, `c` continue, `b` break, `p` print, `i` info, `u` until, `d`\n\
         delete, `f` frame, `l` list, `k` kill, `q` quit). Numbers are decimal, or hex with\n\
         `0x`. An ADDRESS is a number, a symbol, `symbol+offset`, a register (`$sp`, `$pc+8`)\n\
         or, as in gdb, an expression (`&total`, `ptr->next`, a local variable's name: a\n\
         pointer's or integer's value, an array's or function's address); a LOCATION is a number, a symbol, `symbol+offset`,\n\
         a register, `*EXPR` (gdb's `break *($pc + 4)`), a FUNCTION, `FILE:LINE` or a bare\n\
         `LINE` of the current source file.\n\n\
         | command | aliases | usage | what it does |\n\
         |---|---|---|---|\n",
    );
    for spec in COMMANDS {
        let aliases: Vec<String> = spec.aliases.iter().map(|a| format!("`{a}`")).collect();
        let note = if spec.available {
            ""
        } else {
            " (not available yet)"
        };
        text.push_str(&format!(
            "| `{}` | {} | `{}` | {}{note} |\n",
            spec.name,
            aliases.join(", "),
            spec.usage.replace('|', "\\|"),
            spec.summary.replace('|', "\\|"),
        ));
    }
    text
}
