//! Printing events and command results: human text, or one JSON object per line (SPEC §5).

use std::io::Write;

use dbg_session::{
    Breakpoint, CodePlace, Event, Frame, Instruction, Listing, Reg, RegFormat, RegValue,
    ReturnValue, StopEvent, StopKind, VirtAddr, WatchHit, Watchpoint,
};
use serde_json::{json, Map, Value};

/// Where and how output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Human text on stdout, errors on stderr.
    Human,
    /// JSON lines on stdout only.
    Json,
}

/// What a successful command has to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Nothing beyond its events.
    None,
    /// Register values, in the order asked.
    Registers(Vec<(Reg, RegValue)>),
    /// Help text (human) / the command list (JSON).
    Help(String),
    /// A new breakpoint, and where each of its locations is.
    BreakpointSet(Breakpoint, Vec<Option<CodePlace>>),
    /// Every breakpoint.
    Breakpoints(Vec<Breakpoint>),
    /// Threads: tid, current, pc.
    Threads(Vec<(dbg_session::Pid, bool, VirtAddr)>),
    /// A signal's handling.
    Policy(dbg_session::Signal, dbg_session::SignalPolicy),
    /// A new watchpoint.
    WatchpointSet(Watchpoint),
    /// Every watchpoint.
    Watchpoints(Vec<Watchpoint>),
    /// Bytes read at an address, and where reading stopped if short.
    Memory {
        /// Where.
        address: VirtAddr,
        /// What.
        bytes: Vec<u8>,
        /// Where memory ended, if before the requested length.
        stopped_at: Option<VirtAddr>,
    },
    /// Disassembled instructions, each with its `function+offset` if known.
    Instructions(Vec<Instruction>, Vec<Option<String>>),
    /// The call stack, and the selected frame's index.
    Frames(Vec<Frame>, usize),
    /// The selected frame.
    Frame(Box<Frame>),
    /// What `finish` found the function returned.
    Returned(ReturnValue),
    /// Source lines.
    Listing(Listing),
    /// What the symbols say about an address.
    Symbol(VirtAddr, Option<Box<CodePlace>>),
}

/// The printer.
#[derive(Debug)]
pub struct Printer {
    mode: Mode,
}

impl Printer {
    /// A printer for `mode`.
    pub fn new(mode: Mode) -> Self {
        Printer { mode }
    }

    /// The output mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Print the instructions at a stop (human mode only), the first marked as the pc.
    pub fn code_at_stop(&self, instructions: &[Instruction], symbols: &[Option<String>]) {
        if self.mode == Mode::Human && !instructions.is_empty() {
            out(&instruction_lines(instructions, symbols, true));
        }
    }

    /// Print the source lines around the pc at a stop (human mode only).
    pub fn source_at_stop(&self, listing: &Listing) {
        if self.mode == Mode::Human && !listing.lines.is_empty() {
            out(&listing_lines(listing));
        }
    }

    /// Print events, in order.
    pub fn events(&self, events: &[Event]) {
        for event in events {
            match self.mode {
                Mode::Human => out(&human_event(event)),
                Mode::Json => out(&json_event(event).to_string()),
            }
        }
    }

    /// Print the result of `command`.
    pub fn result(&self, command: &str, result: &Result<Data, String>) {
        match (self.mode, result) {
            (Mode::Human, Ok(data)) => {
                if let Some(text) = human_data(data) {
                    out(&text);
                }
            }
            (Mode::Human, Err(error)) => {
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(stderr, "error: {error}");
            }
            (Mode::Json, Ok(data)) => out(
                &json!({"type": "result", "command": command, "ok": true, "data": json_data(data)})
                    .to_string(),
            ),
            (Mode::Json, Err(error)) => out(
                &json!({"type": "result", "command": command, "ok": false, "error": error})
                    .to_string(),
            ),
        }
    }
}

/// One line (or block) to stdout; a closed stdout is not worth a panic.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

fn human_event(event: &Event) -> String {
    match event {
        Event::Launched { pid } => format!("Process {pid} launched"),
        Event::Attached { pid, threads } => {
            let count = threads.len();
            format!(
                "Process {pid} attached ({count} thread{})",
                if count == 1 { "" } else { "s" }
            )
        }
        Event::ThreadCreated { tid } => format!("Thread {tid} created"),
        Event::ThreadExited { tid } => format!("Thread {tid} exited"),
        Event::Stopped(stop) => human_stop(stop),
        Event::Exited { pid, code } => format!("Process {pid} exited with status {code}"),
        Event::Killed { pid, signal } => {
            format!("Process {pid} killed by signal {}", signal.as_str())
        }
        Event::Detached { pid } => format!("Process {pid} detached"),
        Event::SignalReceived {
            tid,
            signal,
            passed,
        } => format!(
            "Thread {tid} received signal {} ({})",
            signal.as_str(),
            if *passed {
                "passed to the program"
            } else {
                "not passed"
            }
        ),
        Event::Forked { child } => format!("Process forked child {child} (not followed)"),
    }
}

fn human_stop(stop: &StopEvent) -> String {
    let who = if stop.tid == stop.pid {
        format!("Process {}", stop.pid)
    } else {
        format!("Process {} thread {}", stop.pid, stop.tid)
    };
    let why = match stop.kind {
        StopKind::Breakpoint => match stop.breakpoint {
            Some(id) => format!("breakpoint {id}"),
            None => "breakpoint".to_string(),
        },
        StopKind::Watchpoint => match stop.watchpoint {
            Some(hit) => format!(
                "watchpoint {}: old {} new {}",
                hit.id,
                watch_value(hit.old, hit.size),
                watch_value(hit.new, hit.size)
            ),
            None => "watchpoint".to_string(),
        },
        StopKind::SyscallEntry | StopKind::SyscallExit if stop.syscall.is_some() => {
            syscall_text(stop.syscall)
        }
        StopKind::SingleStep => "single step".to_string(),
        StopKind::Exec => "exec".to_string(),
        StopKind::SyscallEntry => "syscall entry".to_string(),
        StopKind::SyscallExit => "syscall exit".to_string(),
        other => other.name().to_string(),
    };
    let fault = stop
        .fault_addr
        .map(|addr| format!(", fault address {addr:#018x}"))
        .unwrap_or_default();
    let place = stop
        .place
        .as_deref()
        .and_then(place_text)
        .map(|text| format!("\n  in {text}"))
        .unwrap_or_default();
    format!(
        "{who} stopped with signal {} at {:#018x} ({why}{fault}){place}",
        stop.signal.as_str(),
        stop.pc
    )
}

/// `main+8 at hello.c:5`, `twice at nested.c:11`, `puts+16 in /lib/.../libc.so.6`.
fn place_text(place: &CodePlace) -> Option<String> {
    let function = place.function.as_ref().map(|name| match place.offset {
        Some(offset) => format!("{name}+{offset}"),
        None => name.clone(),
    });
    match (function, &place.source, &place.module) {
        (Some(function), Some(source), _) => {
            Some(format!("{function} at {}:{}", source.file, source.line))
        }
        (None, Some(source), _) => Some(format!("{}:{}", source.file, source.line)),
        (Some(function), None, Some(module)) => Some(format!("{function} in {module}")),
        (Some(function), None, None) => Some(function),
        (None, None, Some(module)) => Some(format!("?? in {module}")),
        (None, None, None) => None,
    }
}

/// The fields SPEC §5 gives a place: `function`, `offset`, `file`, `line`.
fn place_fields(object: &mut Map<String, Value>, place: Option<&CodePlace>) {
    let Some(place) = place else { return };
    if let Some(function) = &place.function {
        object.insert("function".into(), function.clone().into());
    }
    if let Some(offset) = place.offset {
        object.insert("offset".into(), offset.into());
    }
    if let Some(source) = &place.source {
        object.insert("file".into(), source.file.clone().into());
        object.insert("line".into(), source.line.into());
    }
}

/// Numbered source lines, the current one marked `->`.
fn listing_lines(listing: &Listing) -> String {
    let width = listing
        .lines
        .last()
        .map(|(n, _)| n.to_string().len())
        .unwrap_or(1);
    listing
        .lines
        .iter()
        .map(|(number, text)| {
            let marker = if Some(*number) == listing.current {
                "->"
            } else {
                "  "
            };
            format!("{marker} {number:>width$}  {text}")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `#1  0x000055555555518e in inner+24 at nested.c:20`.
fn frame_line(frame: &Frame) -> String {
    let place = frame
        .place
        .as_ref()
        .and_then(place_text)
        .unwrap_or_else(|| "??".to_string());
    let inlined = if frame.inlined { " [inlined]" } else { "" };
    format!("#{:<2} {:#018x} in {place}{inlined}", frame.index, frame.pc)
}

fn frame_json(frame: &Frame) -> Value {
    let mut object = Map::new();
    object.insert("pc".into(), format!("{:#x}", frame.pc).into());
    place_fields(&mut object, frame.place.as_ref());
    if frame.inlined {
        object.insert("inlined".into(), true.into());
    }
    Value::Object(object)
}

fn json_event(event: &Event) -> Value {
    match event {
        Event::Launched { pid } => json!({"type": "launched", "pid": pid.as_raw()}),
        Event::Attached { pid, threads } => json!({
            "type": "attached",
            "pid": pid.as_raw(),
            "threads": threads.iter().map(|t| t.as_raw()).collect::<Vec<_>>(),
        }),
        Event::ThreadCreated { tid } => {
            json!({"type": "thread", "tid": tid.as_raw(), "event": "created"})
        }
        Event::ThreadExited { tid } => {
            json!({"type": "thread", "tid": tid.as_raw(), "event": "exited"})
        }
        Event::Stopped(stop) => {
            let mut object = Map::new();
            object.insert("type".into(), "stop".into());
            object.insert("pid".into(), stop.pid.as_raw().into());
            object.insert("tid".into(), stop.tid.as_raw().into());
            object.insert("signal".into(), stop.signal.as_str().into());
            object.insert("pc".into(), format!("{:#x}", stop.pc).into());
            object.insert("reason".into(), stop.kind.name().into());
            if let Some(id) = stop.breakpoint {
                object.insert("breakpoint".into(), id.into());
            }
            place_fields(&mut object, stop.place.as_deref());
            if let Some(call) = stop.syscall {
                let mut syscall = Map::new();
                syscall.insert("name".into(), call.name.into());
                syscall.insert("number".into(), call.number.into());
                if let Some(args) = call.args {
                    let args: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
                    syscall.insert("args".into(), args.into());
                }
                if let Some(ret) = call.ret {
                    syscall.insert("ret".into(), ret.into());
                }
                object.insert("syscall".into(), Value::Object(syscall));
            }
            if let Some(WatchHit { id, old, new, size }) = stop.watchpoint {
                object.insert("watchpoint".into(), id.into());
                object.insert("old".into(), watch_value(old, size).into());
                object.insert("new".into(), watch_value(new, size).into());
            }
            if let Some(addr) = stop.fault_addr {
                object.insert("fault_address".into(), format!("{addr:#x}").into());
            }
            Value::Object(object)
        }
        Event::Exited { pid, code } => json!({"type": "exit", "pid": pid.as_raw(), "code": code}),
        Event::Forked { child } => json!({"type": "fork", "child": child.as_raw()}),
        Event::Killed { pid, signal } => {
            json!({"type": "killed", "pid": pid.as_raw(), "signal": signal.as_str()})
        }
        Event::Detached { pid } => json!({"type": "detached", "pid": pid.as_raw()}),
        Event::SignalReceived {
            tid,
            signal,
            passed,
        } => json!({
            "type": "signal",
            "tid": tid.as_raw(),
            "signal": signal.as_str(),
            "passed": passed,
        }),
    }
}

/// A register value as SPEC §5 writes it: integers as zero-padded hex, st/xmm as byte lists.
pub fn register_text(value: &RegValue) -> String {
    match value.format() {
        RegFormat::Uint => format!(
            "{:#0width$x}",
            value.as_u128(),
            width = value.size() * 2 + 2
        ),
        RegFormat::LongDouble | RegFormat::Vector => byte_list(value.bytes()),
    }
}

fn byte_list(bytes: &[u8]) -> String {
    let items: Vec<String> = bytes.iter().map(|b| format!("{b:#04x}")).collect();
    format!("[{}]", items.join(","))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Instructions as `0x... <symbol> bytes text` lines; with `at_pc`, the first is marked `->`.
fn instruction_lines(
    instructions: &[Instruction],
    symbols: &[Option<String>],
    at_pc: bool,
) -> String {
    let labels: Vec<String> = instructions
        .iter()
        .enumerate()
        .map(|(index, _)| match symbols.get(index).cloned().flatten() {
            Some(symbol) => format!("<{symbol}>"),
            None => String::new(),
        })
        .collect();
    let label_width = labels.iter().map(String::len).max().unwrap_or(0);
    let width = instructions
        .iter()
        .map(|i| i.bytes.len())
        .max()
        .unwrap_or(0)
        * 3;
    instructions
        .iter()
        .enumerate()
        .map(|(index, i)| {
            let marker = if at_pc && index == 0 { "->" } else { "  " };
            let bytes: Vec<String> = i.bytes.iter().map(|b| format!("{b:02x}")).collect();
            let label = labels.get(index).map(String::as_str).unwrap_or_default();
            let label = if label_width > 0 {
                format!(" {label:<label_width$}")
            } else {
                String::new()
            };
            format!(
                "{marker} {:#018x}{label}  {:<width$} {}",
                i.address,
                bytes.join(" "),
                i.text
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hex dump: 16 bytes a line, with an ASCII column.
fn hex_dump(address: VirtAddr, bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!(
                "{:#018x}: {:<47}  {ascii}",
                address + row as u64 * 16,
                hex.join(" ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn breakpoint_json(bp: &Breakpoint) -> Value {
    json!({
        "id": bp.id,
        "enabled": bp.enabled,
        "hits": bp.hits,
        "ignore": bp.ignore,
        "hardware": bp.hardware,
        "locations": bp.locations.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>(),
        "location": bp.spec,
    })
}

fn watchpoint_json(wp: &Watchpoint) -> Value {
    json!({
        "id": wp.id,
        "enabled": wp.enabled,
        "hits": wp.hits,
        "ignore": wp.ignore,
        "address": format!("{:#x}", wp.address),
        "kind": wp.kind.name(),
        "size": wp.size,
    })
}

/// `syscall entry write(0x1, 0x5555..., 0xd, ...)` / `syscall exit write = 13`.
fn syscall_text(call: Option<dbg_session::SyscallInfo>) -> String {
    let Some(call) = call else {
        return "syscall".to_string();
    };
    match (call.args, call.ret) {
        (Some(args), _) => {
            let args: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
            format!("syscall entry {}({})", call.name, args.join(", "))
        }
        (None, Some(ret)) => format!("syscall exit {} = {ret}", call.name),
        (None, None) => format!("syscall {}", call.name),
    }
}

/// A watched value: zero-padded hex of its size (SPEC §5).
fn watch_value(value: u64, size: u64) -> String {
    format!("{value:#0width$x}", width = size as usize * 2 + 2)
}

fn human_data(data: &Data) -> Option<String> {
    match data {
        Data::None => None,
        Data::Help(text) => Some(text.clone()),
        Data::BreakpointSet(bp, places) => {
            let kind = if bp.hardware {
                "Hardware breakpoint"
            } else {
                "Breakpoint"
            };
            let described: Vec<String> = bp
                .locations
                .iter()
                .enumerate()
                .map(|(index, address)| {
                    match places
                        .get(index)
                        .cloned()
                        .flatten()
                        .as_ref()
                        .and_then(place_text)
                    {
                        Some(text) => format!("{address:#018x}: {text}"),
                        None => format!("{address:#018x}"),
                    }
                })
                .collect();
            Some(match described.as_slice() {
                [one] => format!("{kind} {} at {one}", bp.id),
                many => format!(
                    "{kind} {} at {} locations:\n{}",
                    bp.id,
                    many.len(),
                    many.iter()
                        .enumerate()
                        .map(|(i, text)| format!("  {}.{}  {text}", bp.id, i + 1))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            })
        }
        Data::Frames(frames, selected) => Some(
            frames
                .iter()
                .map(|frame| {
                    let mark = if frame.index == *selected && *selected != 0 {
                        "*"
                    } else {
                        ""
                    };
                    format!("{mark}{}", frame_line(frame))
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Data::Frame(frame) => Some(frame_line(frame)),
        Data::Returned(value) => Some(format!(
            "Value returned: {} ({})",
            value.value, value.type_name
        )),
        Data::Listing(listing) => Some(listing_lines(listing)),
        Data::Symbol(address, place) => Some(match place.as_deref().and_then(place_text) {
            Some(text) => format!("{address:#018x} is {text}"),
            None => format!("{address:#018x}: no symbol matches"),
        }),
        Data::WatchpointSet(wp) => Some(format!(
            "Watchpoint {} at {:#018x} ({} {} byte{})",
            wp.id,
            wp.address,
            wp.kind.name(),
            wp.size,
            if wp.size == 1 { "" } else { "s" }
        )),
        Data::Threads(threads) => Some(
            threads
                .iter()
                .map(|(tid, current, pc)| {
                    format!(
                        "{} Thread {tid} at {pc:#018x}",
                        if *current { "*" } else { " " }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Data::Policy(signal, policy) => {
            let yes = |b: bool| if b { "Yes" } else { "No" };
            Some(format!(
                "Signal     Stop  Print  Pass\n{:<10} {:<5} {:<6} {}",
                signal.as_str(),
                yes(policy.stop),
                yes(policy.print),
                yes(policy.pass)
            ))
        }
        Data::Watchpoints(list) if list.is_empty() => Some("No watchpoints.".to_string()),
        Data::Watchpoints(list) => {
            let mut lines = vec!["Id  Enabled  Hits  Ignore  Kind     Size  Address".to_string()];
            for wp in list {
                lines.push(format!(
                    "{:<3} {:<8} {:<5} {:<7} {:<8} {:<5} {:#018x}",
                    wp.id,
                    if wp.enabled { "yes" } else { "no" },
                    wp.hits,
                    wp.ignore,
                    wp.kind.name(),
                    wp.size,
                    wp.address
                ));
            }
            Some(lines.join("\n"))
        }
        Data::Breakpoints(list) if list.is_empty() => Some("No breakpoints.".to_string()),
        Data::Breakpoints(list) => {
            let mut lines =
                vec!["Id  Enabled  Hits  Ignore  Type  Address             What".to_string()];
            for bp in list {
                let addresses: Vec<String> =
                    bp.locations.iter().map(|a| format!("{a:#018x}")).collect();
                lines.push(format!(
                    "{:<3} {:<8} {:<5} {:<7} {:<5} {} {}",
                    bp.id,
                    if bp.enabled { "yes" } else { "no" },
                    bp.hits,
                    bp.ignore,
                    if bp.hardware { "hw" } else { "sw" },
                    addresses.join(","),
                    bp.spec
                ));
            }
            Some(lines.join("\n"))
        }
        Data::Memory {
            address,
            bytes,
            stopped_at,
        } => {
            let mut text = hex_dump(*address, bytes);
            if let Some(at) = stopped_at {
                text.push_str(&format!(
                    "\n(memory ends at {at:#x}: not mapped or not readable)"
                ));
            }
            Some(text)
        }
        Data::Instructions(list, symbols) => Some(instruction_lines(list, symbols, false)),
        Data::Registers(values) => {
            let width = values
                .iter()
                .map(|(reg, _)| reg.name().len())
                .max()
                .unwrap_or(0);
            let lines: Vec<String> = values
                .iter()
                .map(|(reg, value)| {
                    let text = register_text(value);
                    match value.format() {
                        RegFormat::LongDouble => {
                            let float = value.as_f64().unwrap_or(f64::NAN);
                            format!("{:>width$} = {float} {text}", reg.name())
                        }
                        _ => format!("{:>width$} = {text}", reg.name()),
                    }
                })
                .collect();
            Some(lines.join("\n"))
        }
    }
}

fn json_data(data: &Data) -> Value {
    match data {
        Data::None => json!({}),
        Data::Help(text) => json!({ "help": text }),
        Data::BreakpointSet(bp, _) => json!({
            "id": bp.id,
            "locations": bp.locations.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>(),
        }),
        Data::Frames(frames, _) => {
            json!({"frames": frames.iter().map(frame_json).collect::<Vec<_>>()})
        }
        Data::Frame(frame) => {
            let mut object = match frame_json(frame) {
                Value::Object(object) => object,
                _ => Map::new(),
            };
            object.insert("index".into(), frame.index.into());
            Value::Object(object)
        }
        Data::Returned(value) => json!({"value": value.value, "type": value.type_name}),
        Data::Listing(listing) => json!({
            "file": listing.file,
            "lines": listing
                .lines
                .iter()
                .map(|(line, text)| json!({"line": line, "text": text}))
                .collect::<Vec<_>>(),
        }),
        Data::Symbol(address, place) => {
            let mut object = Map::new();
            object.insert("address".into(), format!("{address:#x}").into());
            place_fields(&mut object, place.as_deref());
            Value::Object(object)
        }
        Data::Breakpoints(list) => {
            json!({"breakpoints": list.iter().map(breakpoint_json).collect::<Vec<_>>()})
        }
        Data::WatchpointSet(wp) => json!({"id": wp.id}),
        Data::Threads(threads) => json!({
            "threads": threads
                .iter()
                .map(|(tid, current, pc)| json!({"tid": tid.as_raw(), "current": current, "pc": format!("{pc:#x}")}))
                .collect::<Vec<_>>()
        }),
        Data::Policy(signal, policy) => json!({
            "signal": signal.as_str(),
            "stop": policy.stop,
            "print": policy.print,
            "pass": policy.pass,
        }),
        Data::Watchpoints(list) => {
            json!({"watchpoints": list.iter().map(watchpoint_json).collect::<Vec<_>>()})
        }
        Data::Memory {
            address,
            bytes,
            stopped_at,
        } => {
            let mut object = Map::new();
            object.insert("address".into(), format!("{address:#x}").into());
            object.insert("bytes".into(), hex(bytes).into());
            if let Some(at) = stopped_at {
                object.insert("stopped_at".into(), format!("{at:#x}").into());
            }
            Value::Object(object)
        }
        Data::Instructions(list, symbols) => json!({
            "instructions": list
                .iter()
                .enumerate()
                .map(|(index, i)| {
                    let mut object = Map::new();
                    object.insert("address".into(), format!("{:#x}", i.address).into());
                    object.insert("bytes".into(), hex(&i.bytes).into());
                    object.insert("text".into(), i.text.clone().into());
                    if let Some(symbol) = symbols.get(index).cloned().flatten() {
                        object.insert("symbol".into(), symbol.into());
                    }
                    Value::Object(object)
                })
                .collect::<Vec<_>>()
        }),
        Data::Registers(values) => {
            let object: Map<String, Value> = values
                .iter()
                .map(|(reg, value)| (reg.name().to_string(), Value::String(register_text(value))))
                .collect();
            Value::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_text_pads_to_the_register_width() {
        let value = |v: u128, size| RegValue::from_u128(v, size).unwrap_or_else(|| unreachable!());
        assert_eq!(register_text(&value(0x401126, 8)), "0x0000000000401126");
        assert_eq!(register_text(&value(0x7, 1)), "0x07");
        assert_eq!(register_text(&value(0x1f80, 4)), "0x00001f80");
        assert_eq!(
            register_text(&RegValue::long_double(1.0)),
            "[0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x80,0xff,0x3f]"
        );
    }
}
