//! The session thread: owns the debugging session (through the command-language `Runner`,
//! which the debug console needs), takes requests one at a time from the input thread,
//! answers each, and turns what the session reports into the protocol's events. Requests
//! that run the program are answered first and then run here; while the program runs,
//! later requests wait in the channel (the input thread still stops the program for
//! `pause`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use dbg_session::console::{Runner, Sink};
use dbg_session::{Pid, Session};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::input::{Input, Shared};
use crate::outbox::Outbox;
use crate::protocol::events::OutputEvent;
use crate::protocol::requests::*;
use crate::protocol::{from_body, to_body, Command, Request};

mod breakpoints;
mod data_breakpoints;
mod memory;
mod running;
mod stack;
mod start;
mod variables;

use breakpoints::Breakpoints;
use running::Run;
pub(crate) use stack::thread_info as thread;
use variables::Handle;

/// What to do once a request is answered.
#[derive(Debug)]
enum After {
    /// Say that configuration requests may come.
    Initialized,
    /// Report the stop the program is in (`stopOnEntry`).
    ReportEntry,
    /// Run the program.
    Run(Run),
    /// A debug-console command ran the program: say it ran, then what it reported (its
    /// stop, or its end with the exit code).
    ReportConsoleRun(Vec<dbg_session::Event>),
}

/// The adapter's state on the session thread.
pub(crate) struct Server {
    outbox: Outbox,
    shared: Shared,
    /// The session, inside the runner of the debug console's commands.
    runner: Option<Runner>,
    /// Where the debug console's commands print.
    sink: Sink,
    /// The program launched or the process attached to, for the `process` event.
    program: String,
    stop_on_entry: bool,
    /// The thread the session's registers and steps apply to.
    current_tid: Option<Pid>,
    /// What the client's first line and column are (`linesStartAt1`, `columnsStartAt1`:
    /// 1 unless it said otherwise); dbg's are 1.
    line_base: i64,
    column_base: i64,
    breakpoints: Breakpoints,
    /// Frames given out since the program last ran: frame id - 1 → (thread, index).
    frames: Vec<(Pid, usize)>,
    /// Variables references given out since the program last ran: reference - 1 → what.
    handles: Vec<Handle>,
    /// Library events the session reported while the program ran.
    library_events: Rc<RefCell<Vec<dbg_session::Event>>>,
    /// One receiver per thread forwarding the program's output; each disconnects when its
    /// stream ends.
    output_done: Vec<std::sync::mpsc::Receiver<()>>,
    after: Option<After>,
    /// `terminated` was sent.
    terminated: bool,
    /// `disconnect` was answered: stop reading.
    done: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("program", &self.program)
            .field("current_tid", &self.current_tid)
            .finish_non_exhaustive()
    }
}

/// Route a request to the handler of its command.
macro_rules! route {
    ($self:ident, $request:ident, { $($command:ty => $handler:ident,)* }) => {
        match $request.command.as_str() {
            $(name if name == <$command as Command>::NAME => {
                $self.call::<$command>($request, Server::$handler)
            })*
            other => Err(Error::UnknownCommand(other.to_string())),
        }
    };
}

impl Server {
    /// A line of dbg's (from 1) as the client counts lines.
    pub(super) fn client_line(&self, line: u32) -> i64 {
        i64::from(line) - 1 + self.line_base
    }

    /// A line as the client counts them, as dbg's (from 1); 0 when there is no such line.
    pub(super) fn own_line(&self, line: i64) -> u32 {
        u32::try_from(line + 1 - self.line_base).unwrap_or(0)
    }

    /// The first column of a line as the client counts columns.
    pub(super) fn first_column(&self) -> i64 {
        self.column_base
    }

    pub(crate) fn new(outbox: Outbox, shared: Shared) -> Server {
        Server {
            outbox,
            shared,
            runner: None,
            sink: Sink::buffer(),
            program: String::new(),
            stop_on_entry: false,
            current_tid: None,
            line_base: 1,
            column_base: 1,
            breakpoints: Breakpoints::default(),
            frames: Vec::new(),
            handles: Vec::new(),
            library_events: Rc::default(),
            output_done: Vec::new(),
            after: None,
            terminated: false,
            done: false,
        }
    }

    /// Serve requests until the client disconnects or goes away.
    pub(crate) fn serve(&mut self, requests: &Receiver<Input>) {
        while !self.done {
            match requests.recv() {
                Ok(Input::Request(request)) => self.handle(&request),
                Ok(Input::End) | Err(_) => break,
            }
        }
        // Dropping the session kills a launched program and detaches from an attached one.
        self.runner = None;
    }

    /// Serve the requests already read as [`Server::serve`] does, except that `launch` and
    /// `attach` have their arguments decoded and are then refused: no program runs. For
    /// [`crate::answer_without_program`] (the fuzz target).
    pub(crate) fn serve_without_program(&mut self, requests: &Receiver<Input>) {
        while !self.done {
            let Ok(Input::Request(request)) = requests.try_recv() else {
                break;
            };
            let arguments = request.arguments.as_ref();
            let decoded = match request.command.as_str() {
                name if name == Launch::NAME => from_body::<LaunchArguments>(arguments).map(|_| ()),
                name if name == Attach::NAME => from_body::<AttachArguments>(arguments).map(|_| ()),
                _ => {
                    self.handle(&request);
                    continue;
                }
            };
            let message = match decoded {
                Ok(()) => "no program is started here".to_string(),
                Err(error) => error.to_string(),
            };
            self.outbox
                .response(request.seq, &request.command, Err(message));
        }
        self.runner = None;
    }

    fn handle(&mut self, request: &Request) {
        // For the panic report (a debug-console command notes itself after this).
        dbg_session::note_command(&format!("DAP request {}", request.command));
        let result = self.dispatch(request).map_err(|error| error.to_string());
        if matches!(self.after, Some(After::Run(_))) {
            // Before the client hears that the program runs: from then on, `threads` and
            // `pause` are for the input thread.
            self.shared.running.store(true, Ordering::SeqCst);
        }
        self.outbox.response(request.seq, &request.command, result);
        match self.after.take() {
            None => {}
            Some(After::Initialized) => self
                .outbox
                .event(&crate::protocol::events::InitializedEvent),
            Some(After::ReportEntry) => self.report_entry(),
            Some(After::Run(run)) => self.run(run),
            Some(After::ReportConsoleRun(events)) => self.report_console_run(events),
        }
    }

    fn dispatch(&mut self, request: &Request) -> Result<Option<Value>> {
        route!(self, request, {
            Initialize => initialize,
            Launch => launch,
            Attach => attach,
            ConfigurationDone => configuration_done,
            SetBreakpoints => set_breakpoints,
            SetFunctionBreakpoints => set_function_breakpoints,
            SetExceptionBreakpoints => set_exception_breakpoints,
            DataBreakpointInfo => data_breakpoint_info,
            SetDataBreakpoints => set_data_breakpoints,
            Threads => threads,
            StackTrace => stack_trace,
            Scopes => scopes,
            Variables => variables,
            SetVariable => set_variable,
            SetExpression => set_expression,
            Evaluate => evaluate,
            Continue => continue_,
            Next => next,
            StepIn => step_in,
            StepOut => step_out,
            Pause => pause,
            Disassemble => disassemble,
            ReadMemory => read_memory,
            WriteMemory => write_memory,
            Modules => modules,
            Terminate => terminate,
            Disconnect => disconnect,
        })
    }

    /// Decode the arguments, run the handler, encode its body.
    fn call<C: Command>(
        &mut self,
        request: &Request,
        handler: fn(&mut Server, C::Arguments) -> Result<C::Body>,
    ) -> Result<Option<Value>> {
        let arguments =
            from_body::<C::Arguments>(request.arguments.as_ref()).map_err(|source| {
                Error::Arguments {
                    command: C::NAME,
                    source,
                }
            })?;
        let body = handler(self, arguments)?;
        to_body(&body).map_err(Error::Encode)
    }

    /// The session, once launched or attached.
    fn session(&mut self) -> Result<&mut Session> {
        self.runner
            .as_mut()
            .map(Runner::session_mut)
            .ok_or(Error::NoSession)
    }

    /// A line for the debug console.
    fn console(&self, text: &str) {
        self.outbox.event(&OutputEvent {
            category: Some("console".into()),
            output: format!("{text}\n"),
        });
    }

    /// Forget what was valid only while the program stayed stopped.
    fn forget_stop(&mut self) {
        self.frames.clear();
        self.handles.clear();
    }

    /// Make `tid` the session's current thread.
    fn focus_thread(&mut self, tid: Pid) -> Result<()> {
        if self.current_tid != Some(tid) {
            self.session()?.select_thread(tid)?;
            self.current_tid = Some(tid);
        }
        Ok(())
    }

    /// Select the frame with id `frame_id` (and its thread).
    fn focus_frame(&mut self, frame_id: i64) -> Result<()> {
        let (tid, index) = index_of(frame_id)
            .and_then(|i| self.frames.get(i).copied())
            .ok_or(Error::UnknownFrame(frame_id))?;
        self.focus_thread(tid)?;
        self.session()?.select_frame(index)?;
        Ok(())
    }

    /// The id of frame `index` of thread `tid`.
    fn frame_id(&mut self, tid: Pid, index: usize) -> i64 {
        let position = match self.frames.iter().position(|f| *f == (tid, index)) {
            Some(position) => position,
            None => {
                self.frames.push((tid, index));
                self.frames.len() - 1
            }
        };
        position as i64 + 1
    }

    /// Whether a `disconnect` or `terminate` is on its way.
    fn ending(&self) -> bool {
        self.shared.ending.load(Ordering::SeqCst)
    }
}

/// The position in a table of the id (from 1) a client gave; `None` for ids no table has.
fn index_of(id: i64) -> Option<usize> {
    usize::try_from(id.checked_sub(1)?).ok()
}

/// Text of an address as the protocol's memory references and instruction references write
/// it.
fn hex(address: u64) -> String {
    format!("{address:#x}")
}

/// A memory reference (`0x...` or decimal) and an offset as an address.
fn parse_reference(reference: &str, offset: Option<i64>) -> Result<u64> {
    let text = reference.trim();
    let base = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(digits) => u64::from_str_radix(digits, 16),
        None => text.parse::<u64>(),
    }
    .map_err(|_| Error::MemoryReference(reference.to_string()))?;
    Ok(base.wrapping_add_signed(offset.unwrap_or(0)))
}

/// Paths by which a source file may be known to the session: as given, then by file name
/// (a binary built in another directory).
fn source_names(path: &str) -> Vec<String> {
    let mut names = vec![path.to_string()];
    if let Some(name) = std::path::Path::new(path)
        .file_name()
        .and_then(|name| name.to_str())
    {
        if name != path {
            names.push(name.to_string());
        }
    }
    names
}
