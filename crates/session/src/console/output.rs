//! Printing events and command results: human text (`human`), or one JSON object per line
//! (`json`, SPEC §5). What a command returns is [`Data`]; where a stop is comes from the
//! session on demand, through the `place` callback.

use std::io::Write;

use crate::{
    Breakpoint, CodePlace, Event, Frame, Instruction, Listing, Reg, RegFormat, RegValue,
    ReturnValue, StopEvent, ThreadInfo, VirtAddr, Watchpoint,
};
use serde_json::json;

mod human;
mod json;
pub mod notice;

pub use notice::NoticePrinter;

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
    /// dbg's scratch areas (start, end) and the out-of-line copies in them.
    Scratch(Vec<(VirtAddr, VirtAddr)>, Vec<crate::ScratchCopy>),
    /// A new breakpoint, and where each of its locations is.
    BreakpointSet(Breakpoint, Vec<Option<CodePlace>>),
    /// Every breakpoint, and the system calls caught (which gdb lists among them).
    Breakpoints(Vec<Breakpoint>, crate::SyscallCatch),
    /// Threads, in tid order.
    Threads(Vec<ThreadInfo>),
    /// The loaded shared libraries.
    Libraries(Vec<crate::LibraryInfo>),
    /// A signal's handling.
    Policy(crate::Signal, crate::SignalPolicy),
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
    Frames(Vec<FrameView>, usize),
    /// The selected frame.
    Frame(Box<FrameView>),
    /// What `finish` found the function returned.
    Returned(ReturnValue),
    /// Source lines.
    Listing(Listing),
    /// What the symbols say about an address.
    Symbol(VirtAddr, Option<Box<CodePlace>>),
    /// `x/NFU`: lines of units, each line's address with the symbol it is in.
    Examined(Vec<ExaminedLine>),
    /// A value `print` showed, with its history number (`$N`).
    Value(u64, ValueView),
    /// Variables (`locals`, `args`), in order, and what to say when there are none.
    Variables(&'static str, Vec<ValueView>),
    /// A type (`ptype`, `whatis`).
    Type(String),
    /// Display expressions' values (`display` with or without an expression).
    Displays(Vec<DisplayValue>),
    /// The display list (`info display`): id, enabled, expression with its format.
    DisplayList(Vec<(u32, String)>),
}

/// A frame as shown: where it is, its function's arguments, and for `backtrace full` its
/// locals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameView {
    /// The frame.
    pub frame: Frame,
    /// Its arguments (scalars by value, aggregates as `...`); `None` without debug
    /// information for the function.
    pub args: Option<Vec<crate::VariableText>>,
    /// Its local variables (`backtrace full`).
    pub locals: Option<Vec<crate::VariableText>>,
}

/// What the session says about a stop beyond the event: where it is, and for a watchpoint
/// on an expression, its old and new value as text.
#[derive(Debug, Clone, Default)]
pub struct StopDetails {
    /// Function and source line.
    pub place: Option<CodePlace>,
    /// The watched expression's change.
    pub watch: Option<crate::WatchReport>,
}

/// One `display` expression's value at a stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayValue {
    /// Its number.
    pub id: u32,
    /// The expression as typed.
    pub expr: String,
    /// Its format letter, as typed (`x` of `display/x`).
    pub format: Option<char>,
    /// The value, or `<error: ...>`.
    pub value: String,
}

/// A value as shown: its text, its type's name, and for structs and arrays its members
/// (expanded as far as [`ValueView`]s were built).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueView {
    /// The name it is shown under (a variable, a member, `[3]`); empty for `print`.
    pub name: String,
    /// Its type's name.
    pub type_name: String,
    /// The value as gdb prints it.
    pub text: String,
    /// Members or elements.
    pub children: Vec<ValueView>,
}

/// One line of `x/NFU` output.
#[derive(Debug, Clone, PartialEq)]
pub struct ExaminedLine {
    /// The first unit's address.
    pub address: VirtAddr,
    /// The symbol that address is in (`total`, `main+4`).
    pub symbol: Option<String>,
    /// The units, formatted.
    pub values: Vec<String>,
}

/// Which of a terminal's two streams a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Events, results, notices.
    Out,
    /// Errors and warnings (and notices in JSON mode, where stdout is for JSON).
    Err,
}

/// Where a printer writes.
#[derive(Debug, Clone, Default)]
pub enum Sink {
    /// The process's stdout and stderr (the CLI).
    #[default]
    Terminal,
    /// Lines kept in memory, in order, for the caller to take (a DAP debug console).
    Buffer(std::rc::Rc<std::cell::RefCell<Vec<(Stream, String)>>>),
}

impl Sink {
    /// A new, empty in-memory sink.
    pub fn buffer() -> Sink {
        Sink::Buffer(Default::default())
    }

    /// The lines written to an in-memory sink since the last call (none for the terminal).
    pub fn take(&self) -> Vec<(Stream, String)> {
        match self {
            Sink::Terminal => Vec::new(),
            Sink::Buffer(lines) => std::mem::take(&mut *lines.borrow_mut()),
        }
    }

    fn write(&self, stream: Stream, text: &str) {
        match self {
            Sink::Terminal => write_terminal(stream, text),
            Sink::Buffer(lines) => lines.borrow_mut().push((stream, text.to_string())),
        }
    }
}

/// A line to the process's stdout or stderr (from any thread: each line is written whole).
fn write_terminal(stream: Stream, text: &str) {
    match stream {
        Stream::Out => {
            // A closed stdout is not worth a panic.
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{text}");
            let _ = stdout.flush();
        }
        Stream::Err => {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}

/// The printer.
#[derive(Debug, Clone)]
pub struct Printer {
    mode: Mode,
    sink: Sink,
}

impl Printer {
    /// A printer for `mode`.
    pub fn new(mode: Mode) -> Self {
        // Colour only for a person at a terminal who has not asked for none
        // (https://no-color.org): never in JSON mode, in a pipe or a file.
        use std::io::IsTerminal;
        let wanted = mode == Mode::Human
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
        COLOUR.store(wanted, std::sync::atomic::Ordering::Relaxed);
        Printer {
            mode,
            sink: Sink::Terminal,
        }
    }

    /// A printer for `mode` that writes to `sink`, without colour.
    pub fn with_sink(mode: Mode, sink: Sink) -> Self {
        Printer { mode, sink }
    }

    /// The output mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A printer of notices for any thread, when this printer writes to the terminal
    /// (`None` for an in-memory sink, which only its own thread may fill).
    pub fn notices(&self) -> Option<NoticePrinter> {
        match self.sink {
            Sink::Terminal => Some(NoticePrinter { mode: self.mode }),
            Sink::Buffer(_) => None,
        }
    }

    /// Print the instructions at a stop (human mode only), the first marked as the pc.
    pub fn code_at_stop(&self, instructions: &[Instruction], symbols: &[Option<String>]) {
        if self.mode == Mode::Human && !instructions.is_empty() {
            self.out(&human::instruction_lines(instructions, symbols, true));
        }
    }

    /// A one-line notice, as gdb prints them ("Not stopped at any breakpoint; argument
    /// ignored."): on stdout in human mode, on stderr in JSON mode (stdout is for JSON).
    pub fn notice(&self, text: &str) {
        match self.mode {
            Mode::Human => self.out(text),
            Mode::Json => self.sink.write(Stream::Err, text),
        }
    }

    /// Print the source lines around the pc at a stop (human mode only).
    pub fn source_at_stop(&self, listing: &Listing) {
        if self.mode == Mode::Human && !listing.lines.is_empty() {
            self.out(&human::listing_lines(listing));
        }
    }

    /// Print events, in order; `place` says where a stop is (asked only for stops). In JSON
    /// mode the last stop carries `displays` (human mode prints them after the source
    /// line, with [`Printer::displays`]).
    pub fn events(
        &self,
        events: &[Event],
        place: &mut dyn FnMut(&StopEvent) -> StopDetails,
        displays: &[DisplayValue],
    ) {
        let last_stop = events
            .iter()
            .rposition(|event| matches!(event, Event::Stopped(_)));
        for (index, event) in events.iter().enumerate() {
            let details = match event {
                Event::Stopped(stop) => place(stop),
                _ => StopDetails::default(),
            };
            let at = details.place.as_ref();
            match self.mode {
                Mode::Human => {
                    self.out(&human::event(event, at));
                    if let Some(report) = &details.watch {
                        self.out(&human::watch_report(report));
                    }
                }
                Mode::Json => {
                    let mut object = json::event(event, at);
                    if let (Some(report), Some(fields)) = (&details.watch, object.as_object_mut()) {
                        fields.insert("expression".into(), report.expression.clone().into());
                        fields.insert("old_value".into(), report.old.clone().into());
                        fields.insert("new_value".into(), report.new.clone().into());
                    }
                    if Some(index) == last_stop && !displays.is_empty() {
                        if let Some(fields) = object.as_object_mut() {
                            fields.insert("displays".into(), json::displays(displays));
                        }
                    }
                    self.out(&object.to_string());
                }
            }
        }
    }

    /// Print the displays shown at a stop (human mode: `1: x = 3`).
    pub fn displays(&self, displays: &[DisplayValue]) {
        if self.mode == Mode::Human && !displays.is_empty() {
            self.out(&human::display_lines(displays));
        }
    }

    /// Print warnings (symbols that could not be read) to stderr, in either mode: JSON mode
    /// keeps stdout for its objects (SPEC §5).
    pub fn warnings(&self, warnings: &[crate::SymbolWarning]) {
        for warning in warnings {
            self.sink.write(Stream::Err, &format!("warning: {warning}"));
        }
    }

    /// One line (or block) of ordinary output.
    fn out(&self, text: &str) {
        self.sink.write(Stream::Out, text);
    }

    /// Print the result of `command`.
    pub fn result(&self, command: &str, result: &Result<Data, String>) {
        match (self.mode, result) {
            (Mode::Human, Ok(data)) => {
                if let Some(text) = human::data(data) {
                    self.out(&text);
                }
            }
            (Mode::Human, Err(error)) => self.sink.write(Stream::Err, &format!("error: {error}")),
            (Mode::Json, Ok(data)) => self.out(
                &json!({"type": "result", "command": command, "ok": true, "data": json::data(data)})
                    .to_string(),
            ),
            (Mode::Json, Err(error)) => self.out(
                &json!({"type": "result", "command": command, "ok": false, "error": error})
                    .to_string(),
            ),
        }
    }
}

/// Whether human output is coloured: set once, when the printer is made.
static COLOUR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether to colour human output.
fn colour() -> bool {
    COLOUR.load(std::sync::atomic::Ordering::Relaxed)
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

/// A watched value: zero-padded hex of its size (SPEC §5).
pub(super) fn watch_value(value: u64, size: u64) -> String {
    format!("{value:#0width$x}", width = size as usize * 2 + 2)
}

/// The confirmation of `catchpoint syscall`: what is caught now.
pub(crate) fn catch_text(catch: &crate::SyscallCatch) -> String {
    match catch {
        crate::SyscallCatch::None => "No system calls are caught.".to_string(),
        crate::SyscallCatch::All => "Catching every system call.".to_string(),
        crate::SyscallCatch::Only(numbers) => {
            let names: Vec<String> = numbers
                .iter()
                .map(|number| match crate::syscall_name(*number) {
                    Some(name) => format!("{name} ({number})"),
                    None => number.to_string(),
                })
                .collect();
            format!("Catching system calls: {}.", names.join(", "))
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
