//! Human output: the text a person reads at a terminal, one line (or block) per event and
//! result.

use crate::{CodePlace, Event, Instruction, Listing, RegFormat, StopCause, StopEvent, VirtAddr};

use super::{register_text, watch_value, Data, FrameView};

pub(super) fn event(event: &Event, place: Option<&CodePlace>) -> String {
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
        Event::Stopped(stop) => stop_text(stop, place),
        Event::Exited { pid, code } => format!("Process {pid} exited with status {code}"),
        Event::Killed { pid, signal } => {
            format!("Process {pid} killed by signal {}", signal.as_str())
        }
        Event::Detached { pid } => format!("Process {pid} detached"),
        Event::LibraryLoaded { path, base } => {
            format!("Library loaded: {} at {base:#x}", path.display())
        }
        Event::LibraryUnloaded { path } => format!("Library unloaded: {}", path.display()),
        Event::BreakpointResolved { id, locations } => {
            let addresses: Vec<String> = locations.iter().map(|a| format!("{a:#x}")).collect();
            format!("Breakpoint {id} resolved at {}", addresses.join(", "))
        }
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
        Event::WatchpointScopeEnded { id } => format!(
            "Watchpoint {id} deleted because the program has left the block in\n\
             which its expression is valid."
        ),
        Event::ConditionFailed { id, error } => {
            format!("Error in testing condition for breakpoint {id}:\n{error}")
        }
    }
}

fn stop_text(stop: &StopEvent, place: Option<&CodePlace>) -> String {
    let who = if stop.tid == stop.pid {
        format!("Process {}", stop.pid)
    } else {
        format!("Process {} thread {}", stop.pid, stop.tid)
    };
    let why = match stop.cause {
        StopCause::Exec => "exec".to_string(),
        StopCause::Entry => "entry".to_string(),
        StopCause::Breakpoint { id } => format!("breakpoint {id}"),
        StopCause::Watchpoint(Some(hit)) => format!(
            "watchpoint {}: old {} new {}",
            hit.id,
            watch_value(hit.old, hit.size),
            watch_value(hit.new, hit.size)
        ),
        StopCause::Watchpoint(None) => "watchpoint".to_string(),
        StopCause::SyscallEntry(Some(call)) | StopCause::SyscallExit(Some(call)) => {
            syscall_text(Some(call))
        }
        StopCause::SyscallEntry(None) => "syscall entry".to_string(),
        StopCause::SyscallExit(None) => "syscall exit".to_string(),
        StopCause::SingleStep => "single step".to_string(),
        StopCause::StepDone => "end of step".to_string(),
        StopCause::Signal { .. } => "signal".to_string(),
        StopCause::Interrupt => "interrupt".to_string(),
    };
    let fault = stop
        .cause
        .fault_addr()
        .map(|addr| format!(", fault address {addr:#018x}"))
        .unwrap_or_default();
    let place = place
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
    place_text_with(place, None)
}

/// [`place_text`] with the function's arguments, `(a=1, b=...)`, after its name.
fn place_text_with(place: &CodePlace, args: Option<&str>) -> Option<String> {
    let function = place.function.as_ref().map(|name| match place.offset {
        Some(offset) => format!("{name}+{offset}"),
        None => name.clone(),
    });
    let function = function.map(|f| paint(&f, FUNCTION));
    let function = match (function, args) {
        (Some(function), Some(args)) => Some(format!("{function} {args}")),
        (function, _) => function,
    };
    let file =
        |source: &crate::SourceLine| paint(&format!("{}:{}", source.file, source.line), FILE);
    match (function, &place.source, &place.module) {
        (Some(function), Some(source), _) => Some(format!("{function} at {}", file(source))),
        (None, Some(source), _) => Some(file(source)),
        (Some(function), None, Some(module)) => {
            Some(format!("{function} in {}", paint(module, FILE)))
        }
        (Some(function), None, None) => Some(function),
        (None, None, Some(module)) => Some(format!("?? in {}", paint(module, FILE))),
        (None, None, None) => None,
    }
}

/// Numbered source lines, the current one marked `->`.
pub(super) fn listing_lines(listing: &Listing) -> String {
    let width = listing
        .lines
        .last()
        .map(|(n, _)| n.to_string().len())
        .unwrap_or(1);
    listing
        .lines
        .iter()
        .map(|(number, text)| {
            let line = if Some(*number) == listing.current {
                format!("-> {number:>width$}  {text}")
            } else {
                format!("   {number:>width$}  {text}")
            };
            let line = line.trim_end();
            if Some(*number) == listing.current {
                paint(line, CURRENT)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `#1  0x000055555555518e in inner+24 at nested.c:20`.
fn frame_line(view: &FrameView) -> String {
    let frame = &view.frame;
    let args = view.args.as_ref().map(|args| {
        let list: Vec<String> = args
            .iter()
            .map(|a| format!("{}={}", a.name, a.text))
            .collect();
        format!("({})", list.join(", "))
    });
    let place = frame
        .place
        .as_ref()
        .and_then(|place| place_text_with(place, args.as_deref()))
        .unwrap_or_else(|| "??".to_string());
    let inlined = if frame.inlined { " [inlined]" } else { "" };
    let mut text = format!("#{:<2} {:#018x} in {place}{inlined}", frame.index, frame.pc);
    match &view.locals {
        Some(locals) if locals.is_empty() => text.push_str("\nNo locals."),
        Some(locals) => {
            for local in locals {
                text.push_str(&format!("\n        {} = {}", local.name, local.text));
            }
        }
        None => {}
    }
    text
}

/// Instructions as `0x... <symbol> bytes text` lines; with `at_pc`, the first is marked `->`.
pub(super) fn instruction_lines(
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

/// `syscall entry write(0x1, 0x5555..., 0xd, ...)` / `syscall exit write = 13`.
fn syscall_text(call: Option<crate::SyscallInfo>) -> String {
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

pub(super) fn data(data: &Data) -> Option<String> {
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
                [] => format!(
                    "{kind} {} ({}) pending: will resolve when a library defining it loads",
                    bp.id, bp.spec
                ),
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
                    let mark = if frame.frame.index == *selected && *selected != 0 {
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
        Data::Returned(value) => Some(match value.history {
            Some(number) => format!("Value returned is ${number} = {}", value.value),
            None => format!("Value returned: {} ({})", value.value, value.type_name),
        }),
        Data::Listing(listing) => Some(listing_lines(listing)),
        Data::Value(number, value) => Some(format!("${number} = {}", value.text)),
        Data::Variables(none, variables) if variables.is_empty() => Some((*none).into()),
        Data::Variables(_, variables) => Some(
            variables
                .iter()
                .map(|v| format!("{} = {}", v.name, v.text))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Data::Type(text) => Some(format!("type = {text}")),
        Data::Displays(values) if values.is_empty() => None,
        Data::Displays(values) => Some(display_lines(values)),
        Data::DisplayList(list) if list.is_empty() => {
            Some("There are no auto-display expressions now.".into())
        }
        Data::DisplayList(list) => {
            let mut lines = vec![
                "Auto-display expressions now in effect:".to_string(),
                "Num Enb Expression".to_string(),
            ];
            for (id, expr) in list {
                lines.push(format!("{id}:   y  {expr}"));
            }
            Some(lines.join("\n"))
        }
        Data::Examined(lines) => Some(
            lines
                .iter()
                .map(|line| {
                    let label =
                        crate::console::examine::label(line.address, line.symbol.as_deref());
                    format!("{label}:\t{}", line.values.join("\t"))
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Data::Symbol(address, place) => Some(match place.as_deref().and_then(place_text) {
            Some(text) => format!("{address:#018x} is {text}"),
            None => format!("{address:#018x}: no symbol matches"),
        }),
        Data::WatchpointSet(wp) if wp.expression.is_some() => Some(format!(
            "{} {}: {}",
            if wp.kind == crate::WatchKind::ReadWrite {
                "Hardware access (read/write) watchpoint"
            } else {
                "Hardware watchpoint"
            },
            wp.id,
            wp.expression.as_deref().unwrap_or_default()
        )),
        Data::WatchpointSet(wp) => Some(format!(
            "Watchpoint {} at {:#018x} ({} {} byte{})",
            wp.id,
            wp.address,
            wp.kind.name(),
            wp.size,
            if wp.size == 1 { "" } else { "s" }
        )),
        Data::Scratch(areas, _) if areas.is_empty() => {
            Some("No scratch area: no breakpoint has needed an out-of-line copy.".to_string())
        }
        Data::Scratch(areas, copies) => {
            let mut lines: Vec<String> = areas
                .iter()
                .map(|(start, end)| format!("Scratch area {:#x}-{:#x}", start.get(), end.get()))
                .collect();
            for copy in copies {
                let counting = copy.counter.map_or_else(String::new, |counter| {
                    format!("; counting trampoline, counter at {:#x}", counter.get())
                });
                lines.push(format!(
                    "  site {:#x}: copy at {:#x} ({} byte{}), back to {:#x}{counting}",
                    copy.site.get(),
                    copy.slot.get(),
                    copy.len,
                    if copy.len == 1 { "" } else { "s" },
                    copy.next.get()
                ));
            }
            Some(lines.join("\n"))
        }
        Data::Libraries(libraries) if libraries.is_empty() => {
            Some("No shared libraries loaded at this time.".to_string())
        }
        Data::Libraries(libraries) => {
            let mut lines = vec!["Base                Symbols  Library".to_string()];
            for lib in libraries {
                lines.push(format!(
                    "{:#018x}  {:<7}  {}",
                    lib.base,
                    if lib.symbols { "Yes" } else { "No" },
                    lib.path.display()
                ));
            }
            Some(lines.join("\n"))
        }
        Data::Threads(threads) => Some(
            threads
                .iter()
                .map(|thread| {
                    format!(
                        "{} Thread {} at {:#018x}",
                        if thread.current { "*" } else { " " },
                        thread.tid,
                        thread.pc
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
            let with_expressions = list.iter().any(|wp| wp.expression.is_some());
            let mut header = "Id  Enabled  Hits  Ignore  Kind     Size  Address".to_string();
            if with_expressions {
                header.push_str("             What");
            }
            let mut lines = vec![header];
            for wp in list {
                let mut line = format!(
                    "{:<3} {:<8} {:<5} {:<7} {:<8} {:<5} {:#018x}",
                    wp.id,
                    if wp.enabled { "yes" } else { "no" },
                    wp.hits,
                    wp.ignore,
                    wp.kind.name(),
                    wp.size,
                    wp.address
                );
                if let Some(expression) = &wp.expression {
                    line.push(' ');
                    line.push_str(expression);
                }
                lines.push(line);
            }
            Some(lines.join("\n"))
        }
        Data::Breakpoints(list, catch) if list.is_empty() => Some(match catch {
            crate::SyscallCatch::None => "No breakpoints.".to_string(),
            _ => super::catch_text(catch),
        }),
        Data::Breakpoints(list, catch) => {
            let mut lines =
                vec!["Id  Enabled  Hits  Ignore  Type  Address             What".to_string()];
            for bp in list {
                let mut addresses: Vec<String> =
                    bp.locations.iter().map(|a| format!("{a:#018x}")).collect();
                if bp.is_pending() {
                    addresses.push(format!("{:<18}", "<PENDING>"));
                }
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
                if let Some(condition) = &bp.condition {
                    lines.push(format!("        stop only if {condition}"));
                }
            }
            if !matches!(catch, crate::SyscallCatch::None) {
                lines.push(super::catch_text(catch));
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

/// SGR codes: function names yellow, files green, the current source line bold (gdb's
/// choices for the first two).
const FUNCTION: &str = "33";
const FILE: &str = "32";
const CURRENT: &str = "1";

/// `text` in colour when colour is on (a terminal, no `NO_COLOR`), else as it is.
fn paint(text: &str, code: &str) -> String {
    if super::colour() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// A watched expression's change as gdb shows it (`Value = ...` when an access did not
/// change it).
pub(super) fn watch_report(report: &crate::WatchReport) -> String {
    if report.old == report.new {
        format!("\nValue = {}", report.new)
    } else {
        format!("\nOld value = {}\nNew value = {}", report.old, report.new)
    }
}

/// Displays as gdb shows them at a stop: `1: x = 3`, `2: /x y = 0x3`.
pub(super) fn display_lines(values: &[crate::console::output::DisplayValue]) -> String {
    values
        .iter()
        .map(|d| match d.format {
            Some(letter) => format!("{}: /{letter} {} = {}", d.id, d.expr, d.value),
            None => format!("{}: {} = {}", d.id, d.expr, d.value),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_the_current_line_are_coloured_only_when_colour_is_on() {
        let place = CodePlace {
            function: Some("main".into()),
            offset: Some(4),
            source: Some(crate::SourceLine {
                file: "hello.c".into(),
                path: "/src/hello.c".into(),
                line: 5,
            }),
            module: None,
        };
        let listing = Listing {
            file: "hello.c".into(),
            path: "/src/hello.c".into(),
            lines: vec![(4, "int main(void) {".into()), (5, "    return 0;".into())],
            current: Some(5),
        };
        assert_eq!(place_text(&place).as_deref(), Some("main+4 at hello.c:5"));
        super::super::COLOUR.store(true, std::sync::atomic::Ordering::Relaxed);
        let coloured = place_text(&place);
        let lines = listing_lines(&listing);
        super::super::COLOUR.store(false, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            coloured.as_deref(),
            Some("\x1b[33mmain+4\x1b[0m at \x1b[32mhello.c:5\x1b[0m")
        );
        assert_eq!(
            lines,
            "   4  int main(void) {\n\x1b[1m-> 5      return 0;\x1b[0m"
        );
    }
}
