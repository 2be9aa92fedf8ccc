//! Executing parsed commands against the session and printing what they produce.

use std::process::ExitCode;

use crate::{Interrupter, Reg, RegClass, Session, VirtAddr, REGISTERS};

use crate::console::command::{self, BreakpointAction, Command, RegisterSet};
use crate::console::examine;
use crate::console::output::{
    Data, DisplayValue, ExaminedLine, FrameView, Printer, StopDetails, ValueView,
};

/// How many levels of members a printed value's JSON `children` go down.
const CHILD_DEPTH: u32 = 3;

/// Instructions shown after each human stop.
const STOP_CONTEXT: usize = 3;

/// What the caller does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next command.
    Continue,
    /// The user asked to quit.
    Quit,
}

/// Runs commands on one session.
#[derive(Debug)]
pub struct Runner {
    session: Session,
    printer: Printer,
    last_failed: bool,
    /// `display` expressions: number, expression, format letter.
    displays: Vec<(u32, String, Option<char>)>,
    /// The number the last display got.
    last_display: u32,
    /// The events the last command produced, for a front end that reports them its own
    /// way too (the DAP server's debug console).
    last_events: Vec<crate::Event>,
}

impl Runner {
    /// A runner over `session`.
    pub fn new(mut session: Session, printer: Printer) -> Self {
        // Threads created or exited and forks are shown when they happen, while the program
        // runs (as gdb's `[New Thread ...]`), not held until the next stop.
        let threads = printer.clone();
        session.on_thread_event(move |event| {
            let printer = &threads;
            printer.events(
                std::slice::from_ref(event),
                &mut |_| StopDetails::default(),
                &[],
            );
        });
        // Library loads and unloads, and the breakpoints they resolve, likewise.
        let libraries = printer.clone();
        session.on_library_event(move |event| {
            let printer = &libraries;
            printer.events(
                std::slice::from_ref(event),
                &mut |_| StopDetails::default(),
                &[],
            );
        });
        // Reading symbols that takes noticeable time is said while it goes on (by the
        // session's timer thread, straight to the terminal), as gdb's "Reading symbols".
        if let Some(notices) = printer.notices() {
            session.on_notice(notices.threshold(), move |notice| notices.print(notice));
        }
        Runner {
            session,
            printer,
            last_failed: false,
            displays: Vec::new(),
            last_display: 0,
            last_events: Vec::new(),
        }
    }

    /// The session commands run on.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session the commands run on, for a front end that also drives it directly (the
    /// DAP server answers most requests through the session API and only `repl` lines
    /// through the command language).
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Whether `line` would kill the program to start it again (`run` or `start` while it
    /// lives): an interactive front end asks first, as gdb does.
    pub fn would_restart(&self, line: &str) -> bool {
        matches!(command::parse(line.trim()), Ok(Command::Run { .. })) && self.session.is_alive()
    }

    /// The handle the Ctrl-C watcher uses.
    pub fn interrupter(&self) -> Interrupter {
        self.session.interrupter()
    }

    /// Whether Ctrl-C was pressed while nothing was running (batch mode stops then).
    pub fn interrupted_idle(&self) -> bool {
        self.session.interrupted_while_idle()
    }

    /// Report a command line refused before it could run (too long to read whole), as a
    /// command that failed; `excerpt` stands for the line.
    pub fn refuse(&mut self, excerpt: &str, error: String) {
        self.last_failed = true;
        self.printer.result(excerpt, &Err(error));
    }

    /// Whether the last command failed.
    pub fn last_failed(&self) -> bool {
        self.last_failed
    }

    /// Completions for a location being typed (function and source file names).
    pub fn complete_location(&mut self, prefix: &str) -> Vec<String> {
        self.session.complete_location(prefix, 200)
    }

    /// Parse and run one command line, printing its events and result.
    pub fn execute(&mut self, line: &str) -> Flow {
        let line = line.trim();
        crate::note_command(line);
        self.last_events.clear();
        // A process killed from outside between commands is reported first.
        let events = self.session.check_alive();
        self.print_events(&events);
        let interrupter = self.session.interrupter();
        let _busy = interrupter.busy();
        let parsed = command::parse(line);
        let mut flow = Flow::Continue;
        let result = parsed.and_then(|command| {
            if command == Command::Quit {
                flow = Flow::Quit;
            }
            self.run(command)
        });
        self.last_failed = result.is_err();
        self.printer.result(line, &result);
        self.printer.warnings(&self.session.symbol_warnings());
        flow
    }

    /// `run` / `start`: the program from the beginning (the old process killed), with new
    /// arguments and redirections when given, run to its first stop (`start`: `main`).
    fn restart(
        &mut self,
        stop_at_main: bool,
        args: Option<command::ProgramArgs>,
    ) -> Result<Data, String> {
        let mut launch = self
            .session
            .launch_config()
            .cloned()
            .ok_or("no program to run: the session did not launch or attach one")?;
        if let Some(args) = args {
            launch = launch.with_args(args.args);
            if let Some(path) = args.stdin {
                launch = launch.stdin(path);
            }
            if let Some(path) = args.stdout {
                launch = launch.stdout(path);
            }
            if let Some(path) = args.stderr {
                launch = launch.stderr(path);
            }
        }
        let events = self.session.restart(launch).map_err(|e| e.to_string())?;
        self.print_events(&events);
        if stop_at_main {
            let main = crate::Location::Function("main".into());
            let bp = self
                .session
                .set_breakpoint_at(&main, "main", 0, false)
                .map_err(|e| format!("cannot stop at main: {e}"))?;
            self.session
                .set_breakpoint_temporary(bp.id, true)
                .map_err(|e| e.to_string())?;
        }
        let events = self.session.resume(1).map_err(|e| e.to_string())?;
        self.print_events(&events);
        Ok(Data::None)
    }

    /// The values of the displays (only display `only` when given), each as `print` shows
    /// it or the error it gives.
    fn display_values(&mut self, only: Option<u32>) -> Vec<DisplayValue> {
        let displays: Vec<_> = self
            .displays
            .iter()
            .filter(|(id, _, _)| only.is_none_or(|only| only == *id))
            .cloned()
            .collect();
        displays
            .into_iter()
            .map(|(id, expr, format)| {
                let format_of = format.and_then(crate::Format::from_letter);
                let value = self
                    .session
                    .evaluate(&expr)
                    .and_then(|value| self.session.format_value(&value, format_of, true))
                    .unwrap_or_else(|e| format!("<error: {e}>"));
                DisplayValue {
                    id,
                    expr,
                    format,
                    value,
                }
            })
            .collect()
    }

    /// A value as shown, with its members `depth` levels down (JSON `children`).
    fn value_view(
        &mut self,
        name: String,
        value: &crate::Value,
        format: Option<crate::Format>,
        depth: u32,
    ) -> ValueView {
        let text = self
            .session
            .format_value(value, format, false)
            .unwrap_or_else(|e| format!("<error: {e}>"));
        let children = if depth == 0 || self.printer.mode() != crate::console::output::Mode::Json {
            Vec::new()
        } else {
            self.session
                .value_children(value, false)
                .unwrap_or_default()
                .into_iter()
                .map(|child| self.value_view(child.name, &child.value, format, depth - 1))
                .collect()
        };
        ValueView {
            name,
            type_name: value.ty.name(),
            text,
            children,
        }
    }

    fn run(&mut self, command: Command) -> Result<Data, String> {
        self.session.interrupter().clear();
        let events = match command {
            Command::Continue(count) => match self.session.resume(count) {
                // As gdb: the count needs a breakpoint to apply to; without one, say so and
                // continue anyway.
                Err(crate::Error::NotAtBreakpoint) if count > 1 => {
                    self.printer
                        .notice("Not stopped at any breakpoint; argument ignored.");
                    self.session.resume(1)
                }
                other => other,
            },
            Command::Run { stop_at_main, args } => return self.restart(stop_at_main, args),
            Command::Until(None) => self.session.until_line(),
            Command::Until(Some(location)) => self.session.advance(&location, true),
            Command::Advance(location) => self.session.advance(&location, false),
            Command::StepInstruction(count) => self.session.step_instructions(count),
            Command::RegisterRead(set) => {
                let regs: Vec<Reg> = match set {
                    RegisterSet::General => Reg::general().collect(),
                    // The AVX upper halves are parts of registers, as the 8/16/32-bit views
                    // are, and absent on some processors: asked for by name only.
                    RegisterSet::All => REGISTERS
                        .iter()
                        .filter(|r| !matches!(r.class, RegClass::SubGpr | RegClass::Xstate))
                        .map(|r| r.reg)
                        .collect(),
                    RegisterSet::Named(regs) => regs,
                };
                let values = self
                    .session
                    .read_registers(&regs)
                    .map_err(|e| e.to_string())?;
                return Ok(Data::Registers(values));
            }
            Command::RegisterWrite(reg, value) => {
                self.session
                    .write_register(reg, value)
                    .map_err(|e| e.to_string())?;
                return Ok(Data::None);
            }
            Command::BreakpointSet {
                location,
                spec,
                ignore,
                hardware,
                temporary,
                condition,
            } => {
                let mut bp = self
                    .session
                    .set_breakpoint_at(&location, &spec, ignore, hardware)
                    .map_err(|e| e.to_string())?;
                if let Some(condition) = &condition {
                    // A condition that does not compile leaves no breakpoint behind.
                    if let Err(error) = self
                        .session
                        .set_breakpoint_condition(bp.id, Some(condition))
                    {
                        let _ = self.session.delete_breakpoint(bp.id);
                        return Err(error.to_string());
                    }
                    bp.condition = Some(condition.clone());
                }
                if temporary {
                    self.session
                        .set_breakpoint_temporary(bp.id, true)
                        .map_err(|e| e.to_string())?;
                    bp.temporary = true;
                }
                if bp.is_pending() {
                    // Pending may be a typo rather than a library to come: say what is close.
                    if let Err(crate::Error::NoSymbol { name, suggestions }) =
                        self.session.resolve_address(&location)
                    {
                        if let Some(close) = suggestions.first() {
                            self.printer.notice(&format!(
                                "No loaded binary defines `{name}`; did you mean `{close}`?"
                            ));
                        }
                    }
                }
                let places = bp
                    .locations
                    .iter()
                    .map(|address| self.session.place(*address))
                    .collect();
                return Ok(Data::BreakpointSet(bp, places));
            }
            Command::NextInstruction(count) => self.session.next_instructions(count),
            Command::Step(count) => self.repeat_steps(count, Session::step_line),
            Command::Next(count) => self.repeat_steps(count, Session::next_line),
            Command::Breakpoints(action, ids) => {
                // As gdb: `delete`, `enable` and `disable` without ids take every breakpoint
                // and every watchpoint.
                let all = ids.is_empty();
                let ids = if all {
                    self.session.breakpoints().iter().map(|bp| bp.id).collect()
                } else {
                    ids
                };
                if all {
                    for wp in self.session.watchpoints() {
                        match action {
                            BreakpointAction::Delete => self.session.delete_watchpoint(wp.id),
                            BreakpointAction::Enable => self.session.enable_watchpoint(wp.id),
                            BreakpointAction::Disable => self.session.disable_watchpoint(wp.id),
                        }
                        .map_err(|e| e.to_string())?;
                    }
                }
                for id in ids {
                    match action {
                        BreakpointAction::Delete => self.session.delete_breakpoint(id),
                        BreakpointAction::Enable => self.session.enable_breakpoint(id),
                        BreakpointAction::Disable => self.session.disable_breakpoint(id),
                    }
                    .map_err(|e| e.to_string())?;
                }
                return Ok(Data::None);
            }
            Command::Finish => {
                let (events, value) = self.session.finish().map_err(|e| e.to_string())?;
                self.print_events(&events);
                return Ok(match value {
                    Some(value) => Data::Returned(value),
                    None => Data::None,
                });
            }
            Command::Backtrace(limit, full) => {
                let mut frames = self.session.backtrace().map_err(|e| e.to_string())?;
                if let Some(limit) = limit {
                    frames.truncate(limit);
                }
                let selected = self.session.selected_frame().map(|f| f.index).unwrap_or(0);
                let views = frames
                    .into_iter()
                    .map(|frame| self.frame_view(frame, full))
                    .collect();
                return Ok(Data::Frames(views, selected));
            }
            Command::Up(count) | Command::Down(count) => {
                let up = matches!(command, Command::Up(_));
                let frame = self
                    .session
                    .move_frame(up, count)
                    .map_err(|e| e.to_string())?;
                return Ok(self.frame_data(frame));
            }
            Command::Frame(index) => {
                let frame = match index {
                    Some(index) => self
                        .session
                        .select_frame(usize::try_from(index).unwrap_or(usize::MAX)),
                    None => self.session.selected_frame(),
                }
                .map_err(|e| e.to_string())?;
                return Ok(self.frame_data(frame));
            }
            Command::ListBefore => {
                let listing = self.session.list_before().map_err(|e| e.to_string())?;
                return Ok(Data::Listing(listing));
            }
            Command::List(location) => {
                let listing = self
                    .session
                    .list(location.as_ref())
                    .map_err(|e| e.to_string())?;
                return Ok(Data::Listing(listing));
            }
            Command::Symbol(location) => {
                let address = self
                    .session
                    .resolve_address(&location)
                    .map_err(|e| e.to_string())?;
                let place = self.session.place(address).map(Box::new);
                return Ok(Data::Symbol(address, place));
            }
            Command::WatchpointSet {
                address,
                kind,
                size,
                ignore,
            } => {
                let address = self.address(&address)?;
                let wp = self
                    .session
                    .set_watchpoint(address, kind, size, ignore)
                    .map_err(|e| e.to_string())?;
                return Ok(Data::WatchpointSet(wp));
            }
            Command::WatchpointList => return Ok(Data::Watchpoints(self.session.watchpoints())),
            Command::WatchpointEnable(id) => {
                return self
                    .session
                    .enable_watchpoint(id)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::WatchpointDisable(id) => {
                return self
                    .session
                    .disable_watchpoint(id)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::WatchpointDelete(id) => {
                return self
                    .session
                    .delete_watchpoint(id)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::BreakpointList => {
                return Ok(Data::Breakpoints(
                    self.session.breakpoints(),
                    self.session.syscall_catch().clone(),
                ))
            }
            Command::BreakpointEnable(id) => {
                return self
                    .session
                    .enable_breakpoint(id)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::BreakpointDisable(id) => {
                return self
                    .session
                    .disable_breakpoint(id)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::BreakpointDelete(id) => {
                return self
                    .session
                    .delete_breakpoint(id)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::BreakpointIgnore(id, count) => {
                return self
                    .session
                    .ignore_breakpoint(id, count)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string())
            }
            Command::MemoryRead {
                address,
                len,
                scratch,
            } => {
                let address = self.address(&address)?;
                let read = if scratch {
                    self.session.read_scratch(address, len)
                } else {
                    self.session.read_memory(address, len)
                }
                .map_err(|e| e.to_string())?;
                return Ok(Data::Memory {
                    address,
                    bytes: read.bytes,
                    stopped_at: read.stopped_at,
                });
            }
            Command::Examine { address, spec } => {
                let address = self.address(&address)?;
                return self.examine(address, spec);
            }
            Command::MemoryWrite { address, bytes } => {
                let address = self.address(&address)?;
                return self
                    .session
                    .write_memory(address, &bytes)
                    .map(|()| Data::None)
                    .map_err(|e| e.to_string());
            }
            Command::Disassemble { address, count } => {
                let address = match address {
                    Some(location) => Some(self.address(&location)?),
                    None => None,
                };
                let list = self
                    .session
                    .disassemble(address, count)
                    .map_err(|e| e.to_string())?;
                let symbols = self.symbols(&list);
                return Ok(Data::Instructions(list, symbols));
            }
            Command::CatchSyscalls(catch) => {
                let said = crate::console::output::catch_text(&catch);
                self.session
                    .catch_syscalls(catch)
                    .map_err(|e| e.to_string())?;
                self.printer.notice(&said);
                return Ok(Data::None);
            }
            Command::SharedLibraryList => {
                return Ok(Data::Libraries(self.session.libraries()));
            }
            Command::ThreadList => {
                let threads = self.session.threads().map_err(|e| e.to_string())?;
                return Ok(Data::Threads(threads));
            }
            Command::ThreadSelect(tid) => {
                self.session
                    .select_thread(crate::Pid::from_raw(tid))
                    .map_err(|e| e.to_string())?;
                return Ok(Data::None);
            }
            Command::Handle {
                signal,
                stop,
                print,
                pass,
            } => {
                let policy = self.session.set_policy(signal, stop, print, pass);
                return Ok(Data::Policy(signal, policy));
            }
            Command::Kill => self.session.kill(),
            Command::Detach => self.session.detach(),
            Command::Quit => return Ok(Data::None),
            Command::MaintenancePanic { thread: false } => crate::panic_report::maintenance_panic(),
            Command::MaintenancePanic { thread: true } => {
                crate::panic_report::provoked_on_thread();
                return Ok(Data::None);
            }
            Command::MaintenanceInfoScratch => {
                let (areas, copies) = self.session.scratch();
                return Ok(Data::Scratch(areas, copies));
            }
            Command::Help(topic) => return help(topic.as_deref()).map(Data::Help),
            Command::Print { expression, format } => {
                let value = self
                    .session
                    .evaluate(&expression)
                    .map_err(|e| e.to_string())?;
                let text = self
                    .session
                    .format_value(&value, format, true)
                    .map_err(|e| e.to_string())?;
                let mut view = self.value_view(String::new(), &value, format, CHILD_DEPTH);
                view.text = text;
                let number = self.session.record_value(value);
                return Ok(Data::Value(number, view));
            }
            Command::WatchExpression { expression, access } => {
                let kind = if access {
                    crate::WatchKind::ReadWrite
                } else {
                    crate::WatchKind::Write
                };
                let wp = self
                    .session
                    .watch_expression(&expression, kind)
                    .map_err(|e| e.to_string())?;
                return Ok(Data::WatchpointSet(wp));
            }
            Command::Condition(id, condition) => {
                self.session
                    .set_breakpoint_condition(id, condition.as_deref())
                    .map_err(|e| e.to_string())?;
                return Ok(Data::None);
            }
            Command::Display(None) => return Ok(Data::Displays(self.display_values(None))),
            Command::Display(Some((expr, format))) => {
                // As gdb: shown now (an error now refuses it), then at every stop.
                let format_of = format.and_then(crate::Format::from_letter);
                let value = self.session.evaluate(&expr).map_err(|e| e.to_string())?;
                self.session
                    .format_value(&value, format_of, true)
                    .map_err(|e| e.to_string())?;
                self.last_display += 1;
                let id = self.last_display;
                self.displays.push((id, expr, format));
                return Ok(Data::Displays(self.display_values(Some(id))));
            }
            Command::Undisplay(ids) => {
                if let Some(unknown) = ids
                    .iter()
                    .find(|id| !self.displays.iter().any(|(d, _, _)| d == *id))
                {
                    return Err(format!("no display number {unknown}"));
                }
                self.displays
                    .retain(|(id, _, _)| !ids.is_empty() && !ids.contains(id));
                return Ok(Data::None);
            }
            Command::DisplayList => {
                let list = self
                    .displays
                    .iter()
                    .map(|(id, expr, format)| {
                        let text = match format {
                            Some(letter) => format!("/{letter} {expr}"),
                            None => expr.clone(),
                        };
                        (*id, text)
                    })
                    .collect();
                return Ok(Data::DisplayList(list));
            }
            Command::SetVar(assignment) => {
                self.session
                    .evaluate(&assignment)
                    .map_err(|e| e.to_string())?;
                return Ok(Data::None);
            }
            Command::Locals | Command::Args => {
                let (variables, none) = if command == Command::Locals {
                    (self.session.locals(), "No locals.")
                } else {
                    (self.session.args(), "No arguments.")
                };
                let variables = variables.map_err(|e| e.to_string())?;
                let views = variables
                    .iter()
                    .map(|v| self.value_view(v.name.clone(), &v.value, None, 0))
                    .collect();
                return Ok(Data::Variables(none, views));
            }
            Command::Ptype(ref text) | Command::Whatis(ref text) => {
                let expand = matches!(command, Command::Ptype(_));
                let ty = self
                    .session
                    .describe_type(text, expand)
                    .map_err(|e| e.to_string())?;
                return Ok(Data::Type(ty));
            }
        };
        let events = events.map_err(|e| e.to_string())?;
        self.print_events(&events);
        Ok(Data::None)
    }

    /// `step N` / `next N`: the step `count` times, each one's events printed, ending early
    /// at anything but a completed step (a breakpoint, a signal, the end) or a Ctrl-C.
    fn repeat_steps(
        &mut self,
        count: u64,
        step: fn(&mut Session) -> crate::Result<Vec<crate::Event>>,
    ) -> crate::Result<Vec<crate::Event>> {
        for done in 1..=count {
            let events = step(&mut self.session)?;
            let completed = matches!(
                events.last(),
                Some(crate::Event::Stopped(stop))
                    if stop.cause == crate::StopCause::StepDone
            );
            if done == count || !completed || self.session.interrupter().requested() {
                return Ok(events);
            }
            self.print_events(&events);
        }
        Ok(Vec::new())
    }

    /// `x/NFU`: units, strings or instructions from `address`, as gdb lays them out.
    fn examine(&mut self, address: VirtAddr, spec: examine::Spec) -> Result<Data, String> {
        use examine::Format;
        match spec.format {
            Format::Instruction => {
                let list = self
                    .session
                    .disassemble(Some(address), spec.count)
                    .map_err(|e| e.to_string())?;
                let symbols = self.symbols(&list);
                Ok(Data::Instructions(list, symbols))
            }
            Format::String => {
                let mut lines = Vec::new();
                let mut at = address;
                for _ in 0..spec.count {
                    let read = self
                        .session
                        .read_memory(at, 4096)
                        .map_err(|e| e.to_string())?;
                    let end = read.bytes.iter().position(|b| *b == 0);
                    let text = read
                        .bytes
                        .get(..end.unwrap_or(read.bytes.len()))
                        .unwrap_or(&[]);
                    lines.push(ExaminedLine {
                        address: at,
                        symbol: self.session.symbolize(at),
                        values: vec![examine::string_text(text)],
                    });
                    at = at + text.len() as u64 + 1;
                }
                Ok(Data::Examined(lines))
            }
            format => {
                let len = spec.count.saturating_mul(spec.unit);
                let read = self
                    .session
                    .read_memory(address, len)
                    .map_err(|e| e.to_string())?;
                let per_line = examine::per_line(&spec);
                let mut lines = Vec::new();
                for (index, chunk) in read.bytes.chunks(spec.unit * per_line).enumerate() {
                    let at = address + (index * spec.unit * per_line) as u64;
                    let values = chunk
                        .chunks_exact(spec.unit)
                        .map(|unit| {
                            let symbol = (format == Format::Address)
                                .then(|| {
                                    let mut raw = [0u8; 8];
                                    raw.iter_mut().zip(unit).for_each(|(s, b)| *s = *b);
                                    self.session
                                        .symbolize(VirtAddr::new(u64::from_le_bytes(raw)))
                                })
                                .flatten();
                            examine::unit_text(format, unit, symbol.as_deref())
                        })
                        .collect();
                    lines.push(ExaminedLine {
                        address: at,
                        symbol: self.session.symbolize(at),
                        values,
                    });
                }
                if let Some(stopped) = read.stopped_at {
                    return Err(format!(
                        "cannot read memory at {stopped:#x} (read {} of {len} bytes)",
                        read.bytes.len()
                    ));
                }
                Ok(Data::Examined(lines))
            }
        }
    }

    /// Print events; after a stop, in human mode, the source lines around the pc, or the
    /// next instructions where there is no line information.
    /// The events the last command produced (as printed), taken.
    pub fn take_events(&mut self) -> Vec<crate::Event> {
        std::mem::take(&mut self.last_events)
    }

    pub fn print_events(&mut self, events: &[crate::Event]) {
        self.last_events.extend_from_slice(events);
        let stopped = matches!(events.last(), Some(crate::Event::Stopped(_)));
        let displays = if stopped {
            self.display_values(None)
        } else {
            Vec::new()
        };
        let session = &mut self.session;
        let mut describe = |stop: &crate::StopEvent| StopDetails {
            place: session.stop_place(stop),
            watch: stop
                .cause
                .watch_hit()
                .and_then(|hit| session.watch_report(hit.id)),
        };
        self.printer.events(events, &mut describe, &displays);
        if stopped && self.printer.mode() == crate::console::output::Mode::Human {
            if let Some(listing) = self.session.source_at_pc() {
                self.printer.source_at_stop(&listing);
            } else if let Ok(code) = self.session.disassemble(None, STOP_CONTEXT) {
                let symbols = self.symbols(&code);
                self.printer.code_at_stop(&code, &symbols);
            }
            self.printer.displays(&displays);
        }
        self.printer.warnings(&self.session.symbol_warnings());
    }

    /// Resolve an address expression (a number, `symbol`, `symbol+offset`).
    fn address(&mut self, location: &crate::Location) -> Result<VirtAddr, String> {
        self.session
            .resolve_address(location)
            .map_err(|e| e.to_string())
    }

    /// `function+offset` of each instruction, where the symbols say.
    fn symbols(&mut self, code: &[crate::Instruction]) -> Vec<Option<String>> {
        code.iter()
            .map(|i| self.session.symbolize(i.address))
            .collect()
    }

    /// A selected frame, with the source line it is at.
    fn frame_data(&mut self, frame: crate::Frame) -> Data {
        Data::Frame(Box::new(self.frame_view(frame, false)))
    }

    /// A frame with its arguments (and with `full`, its locals), where DWARF describes its
    /// function.
    fn frame_view(&mut self, frame: crate::Frame, full: bool) -> FrameView {
        let args = self.session.frame_arguments(frame.index).ok();
        let locals = if full {
            Some(self.session.frame_locals(frame.index).unwrap_or_default())
        } else {
            None
        };
        FrameView {
            frame,
            args,
            locals,
        }
    }

    /// End the session (kill a launched process, detach an attached one) and give the exit
    /// status.
    pub fn finish(&mut self, failed: bool) -> ExitCode {
        let _ = self.session.end();
        if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

fn help(topic: Option<&str>) -> Result<String, String> {
    match topic {
        None => {
            let width = command::COMMANDS
                .iter()
                .map(|c| c.name.len())
                .max()
                .unwrap_or(0);
            let mut lines = vec!["Commands (any unambiguous prefix works):".to_string()];
            for spec in command::COMMANDS {
                let aliases = if spec.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" (alias {})", spec.aliases.join(", "))
                };
                let note = if spec.available {
                    ""
                } else {
                    " [not yet available]"
                };
                lines.push(format!(
                    "  {:width$}  {}{aliases}{note}",
                    spec.name, spec.summary
                ));
            }
            Ok(lines.join("\n"))
        }
        Some(word) => {
            let spec = command::lookup(word)?;
            let aliases = if spec.aliases.is_empty() {
                String::new()
            } else {
                format!("\nAliases: {}", spec.aliases.join(", "))
            };
            let note = if spec.available {
                ""
            } else {
                "\n(not available in this version of dbg yet)"
            };
            Ok(format!(
                "Usage: {}\n{}{aliases}{note}",
                spec.usage, spec.summary
            ))
        }
    }
}
