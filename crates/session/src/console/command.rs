//! The command language (SPEC §3): parsing of one line into a typed [`Command`], and the
//! grammar of each command's arguments.
//!
//! Where things live: the command type and the parsers of each command here; `table` (the
//! command table, and prefix and alias resolution of command and subcommand names); `args`
//! (argument values: numbers, ids and counts, addresses, signals, bytes, registers and
//! register values).

mod args;
mod table;
#[cfg(test)]
mod tests;

use crate::{Location, Reg, RegValue};

use args::{
    one_id, one_watch_id, optional_count, parse_byte_list, parse_hex_string, parse_id, parse_u64,
    register_named,
};
pub use args::{
    parse_address, parse_integer, parse_location, parse_register_value, parse_signal, ProgramArgs,
};
use table::subcommand;
pub use table::{lookup, COMMANDS};

/// A parsed command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `continue [N]`.
    Continue(u64),
    /// `run [ARGS]` and `start [ARGS]` (`stop_at_main`): the program from the beginning, with
    /// new arguments and redirections when given (else those of the last run).
    Run {
        /// `start`: stop at `main`.
        stop_at_main: bool,
        /// The new arguments and redirections.
        args: Option<ProgramArgs>,
    },
    /// `until`: `next`, not back into a loop; `until LOCATION`: run there in this frame.
    Until(Option<Location>),
    /// `advance LOCATION`: run there (in any frame), or until this frame returns.
    Advance(Location),
    /// `stepi [N]`.
    StepInstruction(u64),
    /// `nexti [N]`: like stepi, over calls.
    NextInstruction(u64),
    /// `step [N]`: into the next source line (N times).
    Step(u64),
    /// `next [N]`: over the next source line (N times).
    Next(u64),
    /// `finish`: out of the selected frame.
    Finish,
    /// `backtrace [N]`: the innermost N frames (all by default).
    Backtrace(Option<usize>, bool),
    /// `up [N]`.
    Up(u64),
    /// `down [N]`.
    Down(u64),
    /// `frame [N]`: select frame N, or show the selected one.
    Frame(Option<u64>),
    /// `list [LOCATION]`: source around a location (default: the pc, then on from the last
    /// listing).
    List(Option<Location>),
    /// `list -`: the lines before the last listing.
    ListBefore,
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
        /// Deleted when it is hit (`tbreak`).
        temporary: bool,
        /// Stop only when this expression is non-zero (`break LOC if EXPR`, `--if EXPR`).
        condition: Option<String>,
    },
    /// gdb's `watch LVALUE` (changes) and `awatch LVALUE` (every access).
    WatchExpression {
        /// The lvalue as typed.
        expression: String,
        /// `awatch`.
        access: bool,
    },
    /// `condition ID [EXPR]`, `breakpoint condition ID [EXPR]`: no EXPR removes it.
    Condition(u32, Option<String>),
    /// gdb's top-level `delete [ID...]`, `enable ID...`, `disable ID...`: no id means every
    /// breakpoint.
    Breakpoints(BreakpointAction, Vec<u32>),
    /// `watchpoint set ADDRESS write|rw|execute SIZE [--ignore N]` (and `watch ...`).
    WatchpointSet {
        /// Where.
        address: Location,
        /// What for.
        kind: crate::WatchKind,
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
    /// `memory read [--scratch] ADDRESS [N]` (and `x ADDRESS [N]`).
    MemoryRead {
        /// Where.
        address: Location,
        /// How many bytes.
        len: usize,
        /// `--scratch`: dbg's own scratch area, which reads otherwise never show.
        scratch: bool,
    },
    /// gdb's `x/NFU ADDRESS`.
    Examine {
        /// Where.
        address: Location,
        /// N, F and U.
        spec: crate::console::examine::Spec,
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
    CatchSyscalls(crate::SyscallCatch),
    /// `thread list`.
    ThreadList,
    /// `sharedlibrary list` (`info sharedlibrary`).
    SharedLibraryList,
    /// `thread select TID`.
    ThreadSelect(i32),
    /// `handle SIGNAL [stop|nostop] [print|noprint] [pass|nopass]`.
    Handle {
        /// The signal.
        signal: crate::Signal,
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
    /// `maintenance panic [thread]` (hidden, exact words only): panic on purpose, on the
    /// tracer thread or on a helper thread, to test what a panic does to the tracee.
    MaintenancePanic {
        /// On a helper thread (the command then returns, and the front end ends the session
        /// as the panic hook asked).
        thread: bool,
    },
    /// `maintenance info scratch` (hidden, exact words only): dbg's scratch areas and the
    /// out-of-line copies in them.
    MaintenanceInfoScratch,
    /// `help [COMMAND]`.
    Help(Option<String>),
    /// `print[/F] EXPR` (also `print LVALUE = EXPR`).
    Print {
        /// The expression as typed.
        expression: String,
        /// gdb's format letter.
        format: Option<crate::Format>,
    },
    /// `set var LVALUE = EXPR`.
    SetVar(String),
    /// `locals` / `info locals`.
    Locals,
    /// `args` / `info args`.
    Args,
    /// `ptype EXPR|TYPE`.
    Ptype(String),
    /// `whatis EXPR|TYPE`.
    Whatis(String),
    /// `display[/F] EXPR`: show EXPR now and at every stop; no EXPR shows them all now.
    Display(Option<(String, Option<char>)>),
    /// `undisplay [N...]`: no N removes every display.
    Undisplay(Vec<u32>),
    /// `info display`.
    DisplayList,
}

/// What the top-level `delete`, `enable` and `disable` do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakpointAction {
    /// `delete`.
    Delete,
    /// `enable`.
    Enable,
    /// `disable`.
    Disable,
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

/// Parse one command line (already known not to be blank).
pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Err("empty command".into());
    };
    // Hidden: not listed, not completed, not abbreviated (so that it can never be typed by
    // accident, nor make `m` ambiguous).
    if first == "maintenance" {
        let rest: Vec<&str> = words.clone().collect();
        match rest.as_slice() {
            ["panic"] => return Ok(Command::MaintenancePanic { thread: false }),
            ["panic", "thread"] => return Ok(Command::MaintenancePanic { thread: true }),
            ["info", "scratch"] => return Ok(Command::MaintenanceInfoScratch),
            _ => {}
        }
    }
    // gdb's `x/NFU ADDRESS` (also `x /NFU ADDRESS`).
    if let Some(format) = first.strip_prefix("x/") {
        return parse_examine(format, &words.collect::<Vec<_>>());
    }
    if first == "x" {
        let rest: Vec<&str> = words.clone().collect();
        if let Some((format, address)) = rest.split_first() {
            if let Some(format) = format.strip_prefix('/') {
                return parse_examine(format, address);
            }
        }
    }
    // Commands whose argument is an expression take the rest of the line as typed.
    if let Some(command) = parse_expression_command(line, first)? {
        return Ok(command);
    }
    let spec = lookup(first)?;
    if !spec.available {
        return Err(format!(
            "`{}` is not available in this version of dbg yet",
            spec.name
        ));
    }
    if matches!(spec.name, "run" | "start") {
        // The program's arguments: the rest of the line as typed, split as a shell would.
        let rest = line.trim_start().get(first.len()..).unwrap_or_default();
        return Ok(Command::Run {
            stop_at_main: spec.name == "start",
            args: ProgramArgs::parse(rest)?,
        });
    }
    let rest: Vec<&str> = words.collect();
    // The aliases `b LOCATION` and `x ADDRESS [N]` stand for a subcommand.
    match first {
        "b" | "break" => return parse_breakpoint_set(&rest),
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
        "step" => Ok(Command::Step(optional_count(&rest, spec)?)),
        "next" => Ok(Command::Next(optional_count(&rest, spec)?)),
        "finish" => no_more(&rest).map(|()| Command::Finish),
        "backtrace" => {
            // `bt`, `bt N`, `bt full`, `bt N full`, `bt full N` (gdb also takes `-full`).
            let full = rest.iter().any(|w| matches!(*w, "full" | "-full"));
            let counts: Vec<&&str> = rest
                .iter()
                .filter(|w| !matches!(**w, "full" | "-full"))
                .collect();
            match counts.as_slice() {
                [] => Ok(Command::Backtrace(None, full)),
                [count] => {
                    let count = usize::try_from(parse_u64(count, "frame count")?)
                        .map_err(|_| format!("frame count `{count}` is too large"))?;
                    Ok(Command::Backtrace(Some(count), full))
                }
                [_, extra, ..] => Err(format!("unexpected argument `{extra}` to `backtrace`")),
            }
        }
        "tbreak" => match parse_breakpoint_set(&rest)? {
            Command::BreakpointSet {
                location,
                spec,
                ignore,
                hardware,
                condition,
                ..
            } => Ok(Command::BreakpointSet {
                location,
                spec,
                ignore,
                hardware,
                temporary: true,
                condition,
            }),
            other => Ok(other),
        },
        "hbreak" => match parse_breakpoint_set(&rest)? {
            Command::BreakpointSet {
                location,
                spec,
                ignore,
                temporary,
                condition,
                ..
            } => Ok(Command::BreakpointSet {
                location,
                spec,
                ignore,
                hardware: true,
                temporary,
                condition,
            }),
            other => Ok(other),
        },
        "delete" => parse_ids(&rest).map(|ids| Command::Breakpoints(BreakpointAction::Delete, ids)),
        "enable" => parse_ids(&rest).map(|ids| Command::Breakpoints(BreakpointAction::Enable, ids)),
        "disable" => {
            parse_ids(&rest).map(|ids| Command::Breakpoints(BreakpointAction::Disable, ids))
        }
        "ignore" => match rest.as_slice() {
            [id, count] => Ok(Command::BreakpointIgnore(
                parse_id(id)?,
                parse_u64(count, "count")?,
            )),
            _ => Err("usage: ignore ID N".into()),
        },
        "condition" => parse_condition(&rest),
        "undisplay" => parse_ids(&rest).map(Command::Undisplay),
        "info" => parse_info(spec, &rest),
        "up" => Ok(Command::Up(optional_count(&rest, spec)?)),
        "down" => Ok(Command::Down(optional_count(&rest, spec)?)),
        "frame" => match rest.as_slice() {
            [] => Ok(Command::Frame(None)),
            [n] => Ok(Command::Frame(Some(parse_u64(n, "frame number")?))),
            [_, extra, ..] => Err(format!("unexpected argument `{extra}` to `frame`")),
        },
        "list" => match rest.as_slice() {
            [] => Ok(Command::List(None)),
            ["-"] => Ok(Command::ListBefore),
            words => Ok(Command::List(Some(parse_location(&words.join(" "))?))),
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
                    [id, count] => Ok(Command::BreakpointIgnore(
                        parse_id(id)?,
                        parse_u64(count, "count")?,
                    )),
                    _ => Err("usage: breakpoint ignore ID N".into()),
                },
                _ => parse_condition(args),
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
        "sharedlibrary" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            subcommand(spec, sub.or(Some("list")))?;
            no_more(args).map(|()| Command::SharedLibraryList)
        }
        "thread" => {
            let (sub, args) = rest
                .split_first()
                .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
            // gdb's `thread TID`.
            if let (Some(tid), []) = (sub, args) {
                if tid.starts_with(|c: char| c.is_ascii_digit()) {
                    return parse_thread_select(tid);
                }
            }
            match subcommand(spec, sub)? {
                "list" => no_more(args).map(|()| Command::ThreadList),
                _ => match args {
                    [tid] => parse_thread_select(tid),
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
                [] | ["all"] => crate::SyscallCatch::All,
                ["none"] => crate::SyscallCatch::None,
                list => crate::SyscallCatch::parse_list(&list.join(","))?,
            };
            Ok(Command::CatchSyscalls(catch))
        }
        "until" => match rest.as_slice() {
            [] => Ok(Command::Until(None)),
            words => parse_location(&words.join(" ")).map(|l| Command::Until(Some(l))),
        },
        "advance" => match rest.as_slice() {
            [] => {
                Err("`advance` needs a LOCATION (a function, FILE:LINE, LINE or *ADDRESS)".into())
            }
            words => parse_location(&words.join(" ")).map(Command::Advance),
        },
        "locals" => no_more(&rest).map(|()| Command::Locals),
        "args" => no_more(&rest).map(|()| Command::Args),
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

/// `print[/F] EXPR`, `set var LVALUE = EXPR`, `ptype`, `whatis`: the expression is the rest
/// of the line, spaces and quotes kept. `None` when `first` is no such command.
fn parse_expression_command(line: &str, first: &str) -> Result<Option<Command>, String> {
    // `watch LVALUE` and `awatch LVALUE`; `watch ADDRESS KIND SIZE` is dbg's own form.
    if first == "watch" || first == "awatch" {
        let rest = line
            .trim_start()
            .get(first.len()..)
            .unwrap_or_default()
            .trim();
        let words: Vec<&str> = rest.split_whitespace().collect();
        // Three words, a word then a number last, are no expression: dbg's form (whose
        // own errors then say what is wrong with the kind or size).
        let own_form = first == "watch"
            && match words.as_slice() {
                [_, kind, ..] if crate::WatchKind::parse(kind).is_ok() => true,
                [_, kind, size] => {
                    kind.chars().all(|c| c.is_ascii_alphabetic()) && parse_u64(size, "size").is_ok()
                }
                _ => false,
            };
        if own_form {
            return Ok(None);
        }
        if rest.is_empty() {
            return Err(format!("usage: {first} LVALUE"));
        }
        return Ok(Some(Command::WatchExpression {
            expression: rest.to_string(),
            access: first == "awatch",
        }));
    }
    let (word, format) = match first.split_once('/') {
        Some((word, format)) => (word, Some(format)),
        None => (first, None),
    };
    let Ok(spec) = lookup(word) else {
        return Ok(None);
    };
    if !matches!(spec.name, "print" | "set" | "ptype" | "whatis" | "display") {
        return Ok(None);
    }
    let rest = line
        .trim_start()
        .get(first.len()..)
        .unwrap_or_default()
        .trim();
    if spec.name == "display" {
        return match format {
            None if rest.is_empty() => Ok(Some(Command::Display(None))),
            None => Ok(Some(Command::Display(Some((rest.to_string(), None))))),
            Some(letters) => {
                parse_format(letters)?;
                if rest.is_empty() {
                    return Err("usage: display[/F] EXPR".into());
                }
                Ok(Some(Command::Display(Some((
                    rest.to_string(),
                    letters.chars().next(),
                )))))
            }
        };
    }
    let format = match (format, spec.name) {
        (None, _) => None,
        (Some(letters), "print") => Some(parse_format(letters)?),
        (Some(_), other) => return Err(format!("`{other}` takes no /FORMAT")),
    };
    let needs = |what: &str| -> Result<String, String> {
        if rest.is_empty() {
            Err(format!("usage: {what}"))
        } else {
            Ok(rest.to_string())
        }
    };
    Ok(Some(match spec.name {
        "print" => Command::Print {
            expression: needs("print[/F] EXPR")?,
            format,
        },
        "ptype" => Command::Ptype(needs("ptype EXPR|TYPE")?),
        "whatis" => Command::Whatis(needs("whatis EXPR|TYPE")?),
        _ => {
            let (sub, assignment) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if !matches!(sub, "var" | "variable") {
                return Err("usage: set var LVALUE = EXPR".into());
            }
            let assignment = assignment.trim();
            if assignment.is_empty() {
                return Err("usage: set var LVALUE = EXPR".into());
            }
            Command::SetVar(assignment.to_string())
        }
    }))
}

/// `condition ID [EXPR]`.
fn parse_condition(args: &[&str]) -> Result<Command, String> {
    match args.split_first() {
        Some((id, [])) => Ok(Command::Condition(parse_id(id)?, None)),
        Some((id, expression)) => Ok(Command::Condition(
            parse_id(id)?,
            Some(expression.join(" ")),
        )),
        None => Err("usage: condition ID [EXPR]".into()),
    }
}

/// gdb's `/F` of `print`: one format letter (a count or size is `x`'s, not `print`'s).
fn parse_format(letters: &str) -> Result<crate::Format, String> {
    let mut chars = letters.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), None) => crate::Format::from_letter(letter).ok_or_else(|| {
            format!("undefined output format `{letter}` (use one of x d u o t c f s a z)")
        }),
        _ => Err(format!(
            "bad format `/{letters}`: print takes one letter (x d u o t c f s a z)"
        )),
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
    let kind = crate::WatchKind::parse(kind)?;
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
    let mut temporary = false;
    let mut condition = None;
    let mut rest = args.iter();
    while let Some(word) = rest.next() {
        match *word {
            "--ignore" => {
                let count = rest.next().ok_or("--ignore needs a count")?;
                ignore = parse_u64(count, "ignore count")?;
            }
            "--hardware" => hardware = true,
            "--temporary" => temporary = true,
            // gdb's `break LOC if EXPR`, and `--if EXPR`: the rest of the line.
            "if" | "--if" => {
                let text: Vec<&str> = rest.by_ref().copied().collect();
                if text.is_empty() {
                    return Err("`if` needs a condition: break LOCATION if EXPR".into());
                }
                condition = Some(text.join(" "));
            }
            option if option.starts_with("--") => return Err(format!("unknown option `{option}`")),
            text if location.is_none() => {
                let mut text = text.to_string();
                if text.starts_with('*') {
                    // gdb's `break *EXPR`: the expression runs to `if` or an option.
                    while let Some(next) = rest.as_slice().first() {
                        if matches!(*next, "if" | "--if") || next.starts_with("--") {
                            break;
                        }
                        text.push(' ');
                        text.push_str(next);
                        rest.next();
                    }
                }
                location = Some((parse_location(&text)?, text))
            }
            extra => return Err(format!("unexpected argument `{extra}` to `breakpoint set`")),
        }
    }
    let (location, spec) = location.ok_or("usage: breakpoint set LOCATION [--ignore N]")?;
    Ok(Command::BreakpointSet {
        location,
        spec,
        ignore,
        hardware,
        temporary,
        condition,
    })
}

/// `x/NFU ADDRESS`: `format` is the text after the `/`.
fn parse_examine(format: &str, address: &[&str]) -> Result<Command, String> {
    let spec = crate::console::examine::parse(format)?;
    if address.is_empty() {
        return Err(format!("usage: x/{format} ADDRESS"));
    }
    Ok(Command::Examine {
        address: parse_address(&address.join(" "))?,
        spec,
    })
}

/// `TID` of `thread TID` / `thread select TID`.
fn parse_thread_select(tid: &str) -> Result<Command, String> {
    parse_integer(tid)
        .filter(|t| *t > 0 && *t <= i32::MAX as u128)
        .map(|t| Command::ThreadSelect(t as i32))
        .ok_or_else(|| format!("invalid thread id `{tid}`"))
}

/// Breakpoint ids (none: every breakpoint).
fn parse_ids(args: &[&str]) -> Result<Vec<u32>, String> {
    args.iter().map(|id| parse_id(id)).collect()
}

/// gdb's `info ...`, answered by the dbg command that does the job.
fn parse_info(spec: &table::Spec, rest: &[&str]) -> Result<Command, String> {
    let (sub, args) = rest
        .split_first()
        .map_or((None, &[][..]), |(s, a)| (Some(*s), a));
    let none = |command: Command| match args.first() {
        Some(extra) => Err(format!("unexpected argument `{extra}` to `info`")),
        None => Ok(command),
    };
    // gdb's own short forms: `i r`, `i b`.
    let sub = match sub {
        Some("r") => "registers",
        Some("b") => "breakpoints",
        other => subcommand(spec, other)?,
    };
    match sub {
        "breakpoints" => none(Command::BreakpointList),
        "watchpoints" => none(Command::WatchpointList),
        "registers" => parse_register_read(args),
        "all-registers" => none(Command::RegisterRead(RegisterSet::All)),
        "frame" => none(Command::Frame(None)),
        "threads" => none(Command::ThreadList),
        "signals" => match args {
            [signal] => Ok(Command::Handle {
                signal: parse_signal(signal)?,
                stop: None,
                print: None,
                pass: None,
            }),
            _ => Err("usage: info signals SIGNAL (dbg shows one signal's handling; `handle SIGNAL` does the same)".into()),
        },
        "symbol" => match args {
            [] => Err("usage: info symbol ADDRESS".into()),
            words => Ok(Command::Symbol(parse_address(&words.join(" "))?)),
        },
        "sharedlibrary" => none(Command::SharedLibraryList),
        "locals" => none(Command::Locals),
        "display" => none(Command::DisplayList),
        "args" => none(Command::Args),
        other => Err(format!(
            "`info {other}` is not available in this version of dbg yet"
        )),
    }
}

fn parse_memory_read(args: &[&str]) -> Result<Command, String> {
    const USAGE: &str = "usage: memory read [--scratch] ADDRESS [N]";
    let (scratch, args) = match args.split_first() {
        Some((&"--scratch", rest)) => (true, rest),
        _ => (false, args),
    };
    match args {
        [address] => Ok(Command::MemoryRead {
            address: parse_address(address)?,
            len: 32,
            scratch,
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
                scratch,
            })
        }
        _ => Err(USAGE.into()),
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

/// Every parser of the command language on arbitrary bytes, each line of them as a command
/// line, an `x/` format, an address, a location, `run`'s arguments, a signal and a value for
/// every register: errors are fine; a panic, a hang or unbounded memory is a bug. The fuzz
/// target (`crates/session/fuzz`) and its kept corpus (`tests/console_corpus.rs`) call it.
pub fn parse_everything(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    for line in text.lines() {
        if let Ok(command) = parse(line) {
            // Formatting a parsed command must not fail either.
            let _ = format!("{command:?}");
        }
        let _ = crate::console::examine::parse(line);
        let _ = parse_address(line);
        let _ = parse_location(line);
        let _ = ProgramArgs::parse(line);
        let _ = parse_signal(line);
        let _ = lookup(line);
        let _ = parse_integer(line);
        for info in crate::REGISTERS {
            if let Ok(value) = parse_register_value(info.reg, line) {
                let _ = crate::console::output::register_text(&value);
            }
        }
    }
}
