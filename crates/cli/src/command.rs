//! The command language (SPEC §3): the command table, prefix and alias resolution, and parsing
//! of one line into a typed [`Command`].

use dbg_session::{Location, Reg, RegFormat, RegValue};

/// A parsed command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `continue [N]`.
    Continue(u64),
    /// `stepi [N]`.
    StepInstruction(u64),
    /// `nexti [N]`: like stepi, over calls.
    NextInstruction(u64),
    /// `step`: into the next source line.
    Step,
    /// `next`: over the next source line.
    Next,
    /// `finish`: out of the selected frame.
    Finish,
    /// `backtrace`.
    Backtrace,
    /// `up [N]`.
    Up(u64),
    /// `down [N]`.
    Down(u64),
    /// `frame [N]`: select frame N, or show the selected one.
    Frame(Option<u64>),
    /// `list [LOCATION]`: source around a location (default: the pc, then on from the last
    /// listing).
    List(Option<Location>),
    /// `symbol ADDRESS|NAME`.
    Symbol(Location),
    /// `register read [all | NAME...]`; an empty list means the general registers.
    RegisterRead(RegisterSet),
    /// `register write NAME VALUE`.
    RegisterWrite(Reg, RegValue),
    /// `breakpoint set LOCATION [--hardware] [--ignore N]` (and `b LOCATION`).
    BreakpointSet {
        /// Where.
        location: Location,
        /// The location as written.
        spec: String,
        /// Hits to let pass.
        ignore: u64,
        /// A debug-register breakpoint.
        hardware: bool,
    },
    /// `watchpoint set ADDRESS write|rw|execute SIZE [--ignore N]` (and `watch ...`).
    WatchpointSet {
        /// Where.
        address: Location,
        /// What for.
        kind: dbg_session::WatchKind,
        /// How many bytes.
        size: u64,
        /// Hits to let pass.
        ignore: u64,
    },
    /// `watchpoint list`.
    WatchpointList,
    /// `watchpoint enable ID`.
    WatchpointEnable(u32),
    /// `watchpoint disable ID`.
    WatchpointDisable(u32),
    /// `watchpoint delete ID`.
    WatchpointDelete(u32),
    /// `breakpoint list`.
    BreakpointList,
    /// `breakpoint enable ID`.
    BreakpointEnable(u32),
    /// `breakpoint disable ID`.
    BreakpointDisable(u32),
    /// `breakpoint delete ID`.
    BreakpointDelete(u32),
    /// `breakpoint ignore ID N`.
    BreakpointIgnore(u32, u64),
    /// `memory read ADDRESS [N]` (and `x ADDRESS [N]`).
    MemoryRead {
        /// Where.
        address: Location,
        /// How many bytes.
        len: usize,
    },
    /// `memory write ADDRESS BYTES`.
    MemoryWrite {
        /// Where.
        address: Location,
        /// What.
        bytes: Vec<u8>,
    },
    /// `disassemble [-a ADDRESS] [-c COUNT]`.
    Disassemble {
        /// From where (default: the pc).
        address: Option<Location>,
        /// How many instructions.
        count: usize,
    },
    /// `catchpoint syscall [all | none | LIST]`.
    CatchSyscalls(dbg_session::SyscallCatch),
    /// `thread list`.
    ThreadList,
    /// `thread select TID`.
    ThreadSelect(i32),
    /// `handle SIGNAL [stop|nostop] [print|noprint] [pass|nopass]`.
    Handle {
        /// The signal.
        signal: dbg_session::Signal,
        /// `stop`/`nostop`, if given.
        stop: Option<bool>,
        /// `print`/`noprint`, if given.
        print: Option<bool>,
        /// `pass`/`nopass`, if given.
        pass: Option<bool>,
    },
    /// `kill`.
    Kill,
    /// `detach`.
    Detach,
    /// `quit`.
    Quit,
    /// `help [COMMAND]`.
    Help(Option<String>),
}

/// Which registers `register read` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterSet {
    /// rax … orig_rax.
    General,
    /// Every register but the sub-register views.
    All,
    /// These.
    Named(Vec<Reg>),
}

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

fn subcommand(spec: &Spec, word: Option<&str>) -> Result<&'static str, String> {
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

/// Parse one command line (already known not to be blank).
pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Err("empty command".into());
    };
    let spec = lookup(first)?;
    if !spec.available {
        return Err(format!(
            "`{}` is not available in this version of dbg yet",
            spec.name
        ));
    }
    let rest: Vec<&str> = words.collect();
    // The aliases `b LOCATION` and `x ADDRESS [N]` stand for a subcommand.
    match first {
        "b" => return parse_breakpoint_set(&rest),
        "x" => return parse_memory_read(&rest),
        "watch" => return parse_watchpoint_set(&rest),
        _ => {}
    }
    let no_more = |rest: &[&str]| match rest.first() {
        Some(extra) => Err(format!("unexpected argument `{extra}` to `{}`", spec.name)),
        None => Ok(()),
    };
    match spec.name {
        "continue" => {
            let count = optional_count(&rest, spec)?;
            Ok(Command::Continue(count))
        }
        "stepi" => Ok(Command::StepInstruction(optional_count(&rest, spec)?)),
        "nexti" => Ok(Command::NextInstruction(optional_count(&rest, spec)?)),
        "step" => no_more(&rest).map(|()| Command::Step),
        "next" => no_more(&rest).map(|()| Command::Next),
        "finish" => no_more(&rest).map(|()| Command::Finish),
        "backtrace" => no_more(&rest).map(|()| Command::Backtrace),
        "up" => Ok(Command::Up(optional_count(&rest, spec)?)),
        "down" => Ok(Command::Down(optional_count(&rest, spec)?)),
        "frame" => match rest.as_slice() {
            [] => Ok(Command::Frame(None)),
            [n] => Ok(Command::Frame(Some(parse_u64(n, "frame number")?))),
            [_, extra, ..] => Err(format!("unexpected argument `{extra}` to `frame`")),
        },
        "list" => match rest.as_slice() {
            [] => Ok(Command::List(None)),
            words => Ok(Command::List(Some(parse_address(&words.join(" "))?))),
        },
        "symbol" => match rest.as_slice() {
            [] => Err("usage: symbol ADDRESS|NAME".into()),
            words => Ok(Command::Symbol(parse_address(&words.join(" "))?)),
        },
        "register" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            match subcommand(spec, sub)? {
                "read" => parse_register_read(args),
                _ => parse_register_write(args),
            }
        }
        "breakpoint" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            // `break main`, as gdb users type it: a word that is no subcommand is a location.
            if let Some(word) = sub {
                if !spec.subcommands.iter().any(|s| s.starts_with(word)) {
                    return parse_breakpoint_set(&rest);
                }
            }
            match subcommand(spec, sub)? {
                "set" => parse_breakpoint_set(args),
                "list" => no_more(args).map(|()| Command::BreakpointList),
                "enable" => one_id(args, "enable").map(Command::BreakpointEnable),
                "disable" => one_id(args, "disable").map(Command::BreakpointDisable),
                "delete" => one_id(args, "delete").map(Command::BreakpointDelete),
                "ignore" => match args {
                    [id, count] => Ok(Command::BreakpointIgnore(parse_id(id)?, parse_u64(count, "count")?)),
                    _ => Err("usage: breakpoint ignore ID N".into()),
                },
                _ => Err("breakpoint conditions need expressions, which are not available in this version of dbg yet".into()),
            }
        }
        "watchpoint" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            match subcommand(spec, sub)? {
                "set" => parse_watchpoint_set(args),
                "list" => no_more(args).map(|()| Command::WatchpointList),
                "enable" => one_watch_id(args, "enable").map(Command::WatchpointEnable),
                "disable" => one_watch_id(args, "disable").map(Command::WatchpointDisable),
                _ => one_watch_id(args, "delete").map(Command::WatchpointDelete),
            }
        }
        "memory" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            match subcommand(spec, sub)? {
                "read" => parse_memory_read(args),
                _ => parse_memory_write(args),
            }
        }
        "disassemble" => parse_disassemble(&rest),
        "thread" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            match subcommand(spec, sub)? {
                "list" => no_more(args).map(|()| Command::ThreadList),
                _ => match args {
                    [tid] => parse_integer(tid)
                        .filter(|t| *t > 0 && *t <= i32::MAX as u128)
                        .map(|t| Command::ThreadSelect(t as i32))
                        .ok_or_else(|| format!("invalid thread id `{tid}`")),
                    _ => Err("usage: thread select TID".into()),
                },
            }
        }
        "handle" => parse_handle(&rest),
        "catchpoint" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            subcommand(spec, sub)?;
            let catch = match args {
                [] | ["all"] => dbg_session::SyscallCatch::All,
                ["none"] => dbg_session::SyscallCatch::None,
                list => dbg_session::SyscallCatch::parse_list(&list.join(","))?,
            };
            Ok(Command::CatchSyscalls(catch))
        }
        "kill" => no_more(&rest).map(|()| Command::Kill),
        "detach" => no_more(&rest).map(|()| Command::Detach),
        "quit" => no_more(&rest).map(|()| Command::Quit),
        "help" => match rest.as_slice() {
            [] => Ok(Command::Help(None)),
            [topic] => Ok(Command::Help(Some((*topic).to_string()))),
            [_, extra, ..] => Err(format!("unexpected argument `{extra}` to `help`")),
        },
        other => Err(format!(
            "`{other}` is not available in this version of dbg yet"
        )),
    }
}

/// An address: a number (hex with `0x`, or decimal), `symbol` or `symbol+offset`; resolved
/// against the program's symbols when the command runs.
pub fn parse_address(text: &str) -> Result<Location, String> {
    Location::parse(text).map_err(|e| e.to_string())
}

fn parse_u64(text: &str, what: &str) -> Result<u64, String> {
    match parse_integer(text) {
        Some(value) if value <= u128::from(u64::MAX) => Ok(value as u64),
        _ => Err(format!("invalid {what} `{text}`: expected a number")),
    }
}

fn parse_id(text: &str) -> Result<u32, String> {
    match parse_integer(text) {
        Some(value) if value <= u128::from(u32::MAX) => Ok(value as u32),
        _ => Err(format!("invalid breakpoint id `{text}`")),
    }
}

fn one_id(args: &[&str], sub: &str) -> Result<u32, String> {
    match args {
        [id] => parse_id(id),
        _ => Err(format!("usage: breakpoint {sub} ID")),
    }
}

fn one_watch_id(args: &[&str], sub: &str) -> Result<u32, String> {
    match args {
        [id] => parse_integer(id)
            .filter(|v| *v <= u128::from(u32::MAX))
            .map(|v| v as u32)
            .ok_or_else(|| format!("invalid watchpoint id `{id}`")),
        _ => Err(format!("usage: watchpoint {sub} ID")),
    }
}

fn parse_watchpoint_set(args: &[&str]) -> Result<Command, String> {
    let usage = "usage: watchpoint set ADDRESS write|rw|execute SIZE [--ignore N]";
    let mut positional = Vec::new();
    let mut ignore = 0;
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        match *word {
            "--ignore" => {
                let count = rest.next().ok_or("--ignore needs a count")?;
                ignore = parse_u64(count, "ignore count")?;
            }
            option if option.starts_with("--") => return Err(format!("unknown option `{option}`")),
            value => positional.push(value),
        }
    }
    let [address, kind, size] = positional.as_slice() else {
        return Err(usage.into());
    };
    let address = parse_address(address)?;
    let kind = dbg_session::WatchKind::parse(kind)?;
    let size = parse_u64(size, "size")?;
    Ok(Command::WatchpointSet {
        address,
        kind,
        size,
        ignore,
    })
}

fn parse_breakpoint_set(args: &[&str]) -> Result<Command, String> {
    let mut location = None;
    let mut ignore = 0;
    let mut hardware = false;
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        match *word {
            "--ignore" => {
                let count = rest.next().ok_or("--ignore needs a count")?;
                ignore = parse_u64(count, "ignore count")?;
            }
            "--hardware" => hardware = true,
            "--if" => {
                return Err("breakpoint conditions need expressions, which are not available in this version of dbg yet".into())
            }
            option if option.starts_with("--") => return Err(format!("unknown option `{option}`")),
            text if location.is_none() => location = Some((parse_address(text)?, text.to_string())),
            extra => return Err(format!("unexpected argument `{extra}` to `breakpoint set`")),
        }
    }
    let (location, spec) = location.ok_or("usage: breakpoint set LOCATION [--ignore N]")?;
    Ok(Command::BreakpointSet {
        location,
        spec,
        ignore,
        hardware,
    })
}

fn parse_memory_read(args: &[&str]) -> Result<Command, String> {
    match args {
        [address] => Ok(Command::MemoryRead {
            address: parse_address(address)?,
            len: 32,
        }),
        [address, len_text] => {
            let len = parse_u64(len_text, "length")?;
            if len == 0 {
                return Err(format!("invalid length `{len_text}`: expected at least 1"));
            }
            let len = usize::try_from(len).map_err(|_| format!("length {len} is too large"))?;
            Ok(Command::MemoryRead {
                address: parse_address(address)?,
                len,
            })
        }
        _ => Err("usage: memory read ADDRESS [N]".into()),
    }
}

fn parse_memory_write(args: &[&str]) -> Result<Command, String> {
    let [address, bytes @ ..] = args else {
        return Err("usage: memory write ADDRESS BYTES".into());
    };
    if bytes.is_empty() {
        return Err("usage: memory write ADDRESS BYTES".into());
    }
    let text = bytes.join(" ");
    let bytes = match parse_byte_list(&text) {
        Some(list) => list?,
        None => parse_hex_string(&text)?,
    };
    Ok(Command::MemoryWrite {
        address: parse_address(address)?,
        bytes,
    })
}

/// `0102ff` → `[1, 2, 255]`.
fn parse_hex_string(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty()
        || !digits.len().is_multiple_of(2)
        || !digits.iter().all(u8::is_ascii_hexdigit)
    {
        return Err(format!(
            "invalid bytes `{text}`: expected [0x01,0x02] or a hex string like 0102"
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("invalid bytes `{text}`"))
        })
        .collect()
}

/// A signal by name (`SIGUSR1`, `usr1`) or number.
pub fn parse_signal(text: &str) -> Result<dbg_session::Signal, String> {
    if let Some(number) = parse_integer(text) {
        return i32::try_from(number)
            .ok()
            .and_then(|n| dbg_session::Signal::try_from(n).ok())
            .ok_or_else(|| format!("no signal number {text}"));
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse::<dbg_session::Signal>()
        .map_err(|_| format!("unknown signal `{text}`"))
}

fn parse_handle(args: &[&str]) -> Result<Command, String> {
    let [signal, keywords @ ..] = args else {
        return Err("usage: handle SIGNAL [stop|nostop] [print|noprint] [pass|nopass]".into());
    };
    let signal = parse_signal(signal)?;
    let (mut stop, mut print, mut pass) = (None, None, None);
    for keyword in keywords {
        match keyword.to_ascii_lowercase().as_str() {
            "stop" => stop = Some(true),
            "nostop" => stop = Some(false),
            "print" => print = Some(true),
            "noprint" => print = Some(false),
            "pass" | "noignore" => pass = Some(true),
            "nopass" | "ignore" => pass = Some(false),
            other => {
                return Err(format!(
                "unknown keyword `{other}`: expected stop, nostop, print, noprint, pass or nopass"
            ))
            }
        }
    }
    Ok(Command::Handle {
        signal,
        stop,
        print,
        pass,
    })
}

fn parse_disassemble(args: &[&str]) -> Result<Command, String> {
    let mut address = None;
    let mut count = 5;
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        match *word {
            "-a" | "--address" => {
                address = Some(parse_address(rest.next().ok_or("-a needs an address")?)?);
            }
            "-c" | "--count" => {
                let text = rest.next().ok_or("-c needs a count")?;
                count = match parse_integer(text) {
                    Some(n) if (1..=4096).contains(&n) => n as usize,
                    _ => return Err(format!("invalid count `{text}`: expected 1 to 4096")),
                };
            }
            other => return Err(format!("unexpected argument `{other}` to `disassemble`")),
        }
    }
    Ok(Command::Disassemble { address, count })
}

fn optional_count(rest: &[&str], spec: &Spec) -> Result<u64, String> {
    match rest {
        [] => Ok(1),
        [count] => match parse_integer(count) {
            Some(n) if n >= 1 && n <= u128::from(u64::MAX) => Ok(n as u64),
            _ => Err(format!(
                "invalid count `{count}`: expected a positive number"
            )),
        },
        [_, extra, ..] => Err(format!("unexpected argument `{extra}` to `{}`", spec.name)),
    }
}

fn register_named(name: &str) -> Result<Reg, String> {
    let lower = name.trim_start_matches('$').to_ascii_lowercase();
    Reg::from_name(&lower).ok_or_else(|| match lower.as_str() {
        "dr4" | "dr5" => {
            format!("no such register `{name}` (dr4 and dr5 are reserved aliases of dr6 and dr7)")
        }
        _ => format!("no such register `{name}`"),
    })
}

fn parse_register_read(args: &[&str]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::RegisterRead(RegisterSet::General)),
        ["all"] => Ok(Command::RegisterRead(RegisterSet::All)),
        names => {
            let regs = names
                .iter()
                .map(|n| register_named(n))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Command::RegisterRead(RegisterSet::Named(regs)))
        }
    }
}

fn parse_register_write(args: &[&str]) -> Result<Command, String> {
    let [name, value @ ..] = args else {
        return Err("usage: register write NAME VALUE".into());
    };
    if value.is_empty() {
        return Err("usage: register write NAME VALUE".into());
    }
    let reg = register_named(name)?;
    // A byte list may contain spaces after its commas.
    let text = value.join(" ");
    Ok(Command::RegisterWrite(
        reg,
        parse_register_value(reg, &text)?,
    ))
}

/// A number: decimal, or hex with `0x`; `None` if it is neither.
pub fn parse_integer(text: &str) -> Option<u128> {
    let text = text.replace('_', "");
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u128::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() => text.parse().ok(),
        None => None,
    }
}

/// A byte list `[0x01,0x02,...]`; `None` if `text` is not bracketed, an error if it is
/// malformed.
fn parse_byte_list(text: &str) -> Option<Result<Vec<u8>, String>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Err("empty byte list".into()));
    }
    Some(
        inner
            .split(',')
            .map(|item| {
                let item = item.trim();
                match parse_integer(item) {
                    Some(byte) if byte <= 0xff => Ok(byte as u8),
                    _ => Err(format!("invalid byte `{item}` in byte list")),
                }
            })
            .collect(),
    )
}

fn parse_float(text: &str) -> Option<f64> {
    if let Some(n) = parse_integer(text) {
        return Some(n as f64);
    }
    let lower = text.to_ascii_lowercase();
    let valid = lower
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.e".contains(&b))
        || matches!(
            lower.trim_start_matches(['-', '+']),
            "inf" | "infinity" | "nan"
        );
    if valid {
        lower.parse::<f64>().ok()
    } else {
        None
    }
}

/// Parse `text` as a value for `reg`: an integer for integer registers, a float for `st*` and
/// `xmm*` (xmm as a double in the low lane), or a byte list for any register.
pub fn parse_register_value(reg: Reg, text: &str) -> Result<RegValue, String> {
    let info = reg.info();
    let too_big = || {
        format!(
            "value `{text}` does not fit register {} ({} bytes)",
            info.name, info.size
        )
    };
    if let Some(bytes) = parse_byte_list(text) {
        let bytes = bytes?;
        if bytes.len() != info.size {
            return Err(format!(
                "register {} takes exactly {} bytes, the list has {}",
                info.name,
                info.size,
                bytes.len()
            ));
        }
        return RegValue::from_bytes(&bytes, info.format).ok_or_else(too_big);
    }
    match info.format {
        RegFormat::Uint => {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let magnitude = parse_integer(digits).ok_or_else(|| {
                format!(
                    "invalid value `{text}` for register {}: expected an integer",
                    info.name
                )
            })?;
            let bits = info.size * 8;
            let value = if negative {
                // Two's complement within the register's width, if it fits as a signed value.
                if magnitude == 0 || magnitude > 1u128 << (bits - 1) {
                    return if magnitude == 0 {
                        Ok(RegValue::from_u128(0, info.size).ok_or_else(too_big)?)
                    } else {
                        Err(too_big())
                    };
                }
                let modulus_minus_one = if bits == 128 {
                    u128::MAX
                } else {
                    (1u128 << bits) - 1
                };
                modulus_minus_one - magnitude + 1
            } else {
                magnitude
            };
            RegValue::from_u128(value, info.size).ok_or_else(too_big)
        }
        RegFormat::LongDouble => {
            let value = parse_float(text).ok_or_else(|| {
                format!(
                    "invalid value `{text}` for register {}: expected a number",
                    info.name
                )
            })?;
            Ok(RegValue::long_double(value))
        }
        RegFormat::Vector => {
            let value = parse_float(text).ok_or_else(|| {
                format!(
                    "invalid value `{text}` for register {}: expected a number or a byte list",
                    info.name
                )
            })?;
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&value.to_le_bytes());
            RegValue::from_bytes(&bytes, RegFormat::Vector).ok_or_else(too_big)
        }
    }
}

#[cfg(test)]
mod tests;
