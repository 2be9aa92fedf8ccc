//! Printing events and command results: human text, or one JSON object per line (SPEC §5).

use std::io::Write;

use dbg_target::{
    Breakpoint, Event, Instruction, Reg, RegFormat, RegValue, StopEvent, StopKind, WatchHit,
    Watchpoint,
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
    /// A new breakpoint.
    BreakpointSet(Breakpoint),
    /// Every breakpoint.
    Breakpoints(Vec<Breakpoint>),
    /// Threads: tid, current, pc.
    Threads(Vec<(dbg_target::Pid, bool, u64)>),
    /// A signal's handling.
    Policy(dbg_target::Signal, dbg_target::SignalPolicy),
    /// A new watchpoint.
    WatchpointSet(Watchpoint),
    /// Every watchpoint.
    Watchpoints(Vec<Watchpoint>),
    /// Bytes read at an address, and where reading stopped if short.
    Memory {
        /// Where.
        address: u64,
        /// What.
        bytes: Vec<u8>,
        /// Where memory ended, if before the requested length.
        stopped_at: Option<u64>,
    },
    /// Disassembled instructions.
    Instructions(Vec<Instruction>),
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
    pub fn code_at_stop(&self, instructions: &[Instruction]) {
        if self.mode == Mode::Human && !instructions.is_empty() {
            out(&instruction_lines(instructions, true));
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
    format!(
        "{who} stopped with signal {} at {:#018x} ({why}{fault})",
        stop.signal.as_str(),
        stop.pc
    )
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

/// Instructions as `0x... bytes text` lines; with `at_pc`, the first is marked `->`.
fn instruction_lines(instructions: &[Instruction], at_pc: bool) -> String {
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
            format!(
                "{marker} {:#018x}  {:<width$} {}",
                i.address,
                bytes.join(" "),
                i.text
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hex dump: 16 bytes a line, with an ASCII column.
fn hex_dump(address: u64, bytes: &[u8]) -> String {
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
        "locations": [format!("{:#x}", bp.address)],
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
fn syscall_text(call: Option<dbg_target::SyscallInfo>) -> String {
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
        Data::BreakpointSet(bp) => Some(format!(
            "{} {} at {:#018x}",
            if bp.hardware {
                "Hardware breakpoint"
            } else {
                "Breakpoint"
            },
            bp.id,
            bp.address
        )),
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
            let mut lines = vec!["Id  Enabled  Hits  Ignore  Type  Address".to_string()];
            for bp in list {
                lines.push(format!(
                    "{:<3} {:<8} {:<5} {:<7} {:<5} {:#018x}",
                    bp.id,
                    if bp.enabled { "yes" } else { "no" },
                    bp.hits,
                    bp.ignore,
                    if bp.hardware { "hw" } else { "sw" },
                    bp.address
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
        Data::Instructions(list) => Some(instruction_lines(list, false)),
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
        Data::BreakpointSet(bp) => {
            json!({"id": bp.id, "locations": [format!("{:#x}", bp.address)]})
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
        Data::Instructions(list) => json!({
            "instructions": list
                .iter()
                .map(|i| json!({"address": format!("{:#x}", i.address), "bytes": hex(&i.bytes), "text": i.text}))
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
