//! Starting and ending: `initialize` (the capabilities), `launch` (with the program's
//! output forwarded as `output` events), `attach`, `configurationDone`, `terminate` and
//! `disconnect`.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::sync::PoisonError;

use dbg_session::console::{Mode, Printer, Runner};
use dbg_session::{Event, Launch, Pid, Session};

use super::{After, Server};
use crate::error::{Error, Result};
use crate::outbox::Outbox;
use crate::protocol::events::{OutputEvent, ProcessEvent, ThreadEvent};
use crate::protocol::requests::{
    AttachArguments, DisconnectArguments, InitializeArguments, LaunchArguments, TerminateArguments,
};
use crate::protocol::types::{Capabilities, ExceptionBreakpointsFilter};

/// How long the end of the program waits for its last output to be forwarded (a child it
/// forked may hold the pipe open for longer: its output goes on being forwarded).
const OUTPUT_DRAIN: std::time::Duration = std::time::Duration::from_secs(2);

impl Server {
    pub(super) fn initialize(&mut self, args: InitializeArguments) -> Result<Capabilities> {
        self.line_base = if args.lines_start_at1 == Some(false) {
            0
        } else {
            1
        };
        self.column_base = if args.columns_start_at1 == Some(false) {
            0
        } else {
            1
        };
        let yes = Some(true);
        Ok(Capabilities {
            supports_configuration_done_request: yes,
            supports_function_breakpoints: yes,
            supports_conditional_breakpoints: yes,
            supports_hit_conditional_breakpoints: yes,
            supports_evaluate_for_hovers: yes,
            exception_breakpoint_filters: Some(
                super::breakpoints::EXCEPTION_FILTERS
                    .iter()
                    .map(|filter| ExceptionBreakpointsFilter {
                        filter: filter.filter.into(),
                        label: filter.label.into(),
                    })
                    .collect(),
            ),
            supports_set_variable: yes,
            supports_modules_request: yes,
            support_terminate_debuggee: yes,
            supports_delayed_stack_trace_loading: yes,
            supports_log_points: yes,
            supports_terminate_request: yes,
            supports_data_breakpoints: yes,
            supports_read_memory_request: yes,
            supports_write_memory_request: yes,
            supports_disassemble_request: yes,
            supports_stepping_granularity: yes,
            supports_clipboard_context: yes,
            supports_set_expression: yes,
        })
    }

    pub(super) fn launch(&mut self, args: LaunchArguments) -> Result<()> {
        if self.runner.is_some() {
            return Err(Error::AlreadyDebugging);
        }
        if let Some(cwd) = &args.cwd {
            // The adapter serves one client: its own directory is the program's.
            std::env::set_current_dir(cwd).map_err(|source| Error::Cwd {
                path: cwd.clone(),
                source,
            })?;
        }
        let (stdout, stdout_writer) = std::io::pipe().map_err(Error::Pipe)?;
        let (stderr, stderr_writer) = std::io::pipe().map_err(Error::Pipe)?;
        // The adapter's stdin is the client's channel: the program must not read it.
        let mut launch = Launch::new(&args.program)
            .args(&args.args)
            .stdin("/dev/null")
            .stdout_fd(OwnedFd::from(stdout_writer))
            .stderr_fd(OwnedFd::from(stderr_writer));
        for (key, value) in &args.env {
            launch = launch.env(key, value.as_ref().map(Into::into));
        }
        // The launch (and the writing ends it holds) is dropped here, so that the pipes end
        // when the program and its children have closed them.
        let (session, events) = Session::launch(launch)?;
        self.forward_output(stdout, "stdout");
        self.forward_output(stderr, "stderr");
        self.program = args.program;
        self.start(
            session,
            &events,
            "launch",
            args.stop_on_entry.unwrap_or(false),
        );
        Ok(())
    }

    pub(super) fn attach(&mut self, args: AttachArguments) -> Result<()> {
        if self.runner.is_some() {
            return Err(Error::AlreadyDebugging);
        }
        let pid = i32::try_from(args.pid)
            .ok()
            .filter(|pid| *pid > 0)
            .ok_or(Error::Unsupported("pid must be a positive process id"))?;
        let (session, events) = Session::attach(Pid::from_raw(pid))?;
        self.program = std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|path| path.display().to_string())
            .unwrap_or_else(|_| format!("process {pid}"));
        self.start(
            session,
            &events,
            "attach",
            args.stop_on_entry.unwrap_or(false),
        );
        Ok(())
    }

    /// Take the new session: listen to its thread and library events, let the input thread
    /// interrupt it, and say `initialized` once the request is answered.
    fn start(&mut self, session: Session, events: &[Event], method: &str, stop_on_entry: bool) {
        let printer = Printer::with_sink(Mode::Human, self.sink.clone());
        let mut runner = Runner::new(session, printer);
        let outbox = self.outbox.clone();
        let threads = self.shared.threads.clone();
        {
            let session = runner.session_mut();
            let tids = session
                .threads()
                .map(|list| list.iter().map(|thread| thread.tid.as_raw()).collect())
                .unwrap_or_default();
            *threads.lock().unwrap_or_else(PoisonError::into_inner) =
                (session.pid().as_raw(), tids);
        }
        runner
            .session_mut()
            .on_thread_event(move |event| match event {
                Event::ThreadCreated { tid } => {
                    let mut list = threads.lock().unwrap_or_else(PoisonError::into_inner);
                    list.1.insert(tid.as_raw());
                    drop(list);
                    outbox.event(&ThreadEvent {
                        reason: "started".into(),
                        thread_id: tid.as_raw().into(),
                    })
                }
                Event::ThreadExited { tid } => {
                    let mut list = threads.lock().unwrap_or_else(PoisonError::into_inner);
                    list.1.remove(&tid.as_raw());
                    drop(list);
                    outbox.event(&ThreadEvent {
                        reason: "exited".into(),
                        thread_id: tid.as_raw().into(),
                    })
                }
                Event::Forked { child } => outbox.event(&OutputEvent {
                    category: Some("console".into()),
                    output: format!("forked child process {child}, which runs on untraced\n"),
                }),
                _ => {}
            });
        let library_events = self.library_events.clone();
        runner
            .session_mut()
            .on_library_event(move |event| library_events.borrow_mut().push(event.clone()));
        *self
            .shared
            .interrupter
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(runner.interrupter());
        let pid = runner.session().pid();
        self.runner = Some(runner);
        self.stop_on_entry = stop_on_entry;
        self.current_tid = events.iter().rev().find_map(|event| match event {
            Event::Stopped(stop) => Some(stop.tid),
            _ => None,
        });
        self.outbox.event(&ProcessEvent {
            name: self.program.clone(),
            system_process_id: Some(pid.as_raw().into()),
            is_local_process: Some(true),
            start_method: Some(method.into()),
            pointer_size: Some(64),
        });
        let others: Vec<Event> = events
            .iter()
            .filter(|event| !matches!(event, Event::Stopped(_)))
            .cloned()
            .collect();
        self.report(others);
        self.after = Some(After::Initialized);
    }

    /// Forward what the program writes to `stream` as `output` events, from a thread of its
    /// own (the session thread may be waiting for the program).
    fn forward_output(&mut self, mut stream: std::io::PipeReader, category: &'static str) {
        let outbox: Outbox = self.outbox.clone();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name(format!("dap-{category}"))
            .spawn(move || {
                let _done = done;
                let mut buffer = vec![0u8; 64 * 1024];
                // Bytes of a character cut by the end of a read, kept for the next one.
                let mut carry: Vec<u8> = Vec::new();
                loop {
                    let n = match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    carry.extend_from_slice(buffer.get(..n).unwrap_or_default());
                    let valid = match std::str::from_utf8(&carry) {
                        Ok(text) => text.len(),
                        Err(error) if error.error_len().is_none() => error.valid_up_to(),
                        Err(_) => carry.len(),
                    };
                    let rest = carry.split_off(valid);
                    let text = String::from_utf8_lossy(&carry).into_owned();
                    carry = rest;
                    if !text.is_empty() {
                        outbox.event(&OutputEvent {
                            category: Some(category.into()),
                            output: text,
                        });
                    }
                }
                if !carry.is_empty() {
                    outbox.event(&OutputEvent {
                        category: Some(category.into()),
                        output: String::from_utf8_lossy(&carry).into_owned(),
                    });
                }
            });
        if spawned.is_ok() {
            self.output_done.push(finished);
        }
    }

    /// Wait (a bounded time) until the program's output has all been forwarded.
    pub(super) fn drain_output(&mut self) {
        for finished in self.output_done.drain(..) {
            let _ = finished.recv_timeout(OUTPUT_DRAIN);
        }
    }

    pub(super) fn configuration_done(&mut self, (): ()) -> Result<()> {
        self.session()?;
        self.after = Some(if self.stop_on_entry {
            After::ReportEntry
        } else {
            After::Run(super::Run::Continue)
        });
        Ok(())
    }

    pub(super) fn terminate(&mut self, _: TerminateArguments) -> Result<()> {
        let result = self.kill();
        self.shared
            .ending
            .store(false, std::sync::atomic::Ordering::SeqCst);
        result
    }

    fn kill(&mut self) -> Result<()> {
        let session = self.session()?;
        if !session.is_alive() {
            return Ok(());
        }
        let events = session.kill()?;
        self.report(events);
        Ok(())
    }

    pub(super) fn disconnect(&mut self, args: DisconnectArguments) -> Result<()> {
        self.done = true;
        let Some(runner) = self.runner.as_mut() else {
            return Ok(());
        };
        let session = runner.session_mut();
        if !session.is_alive() {
            return Ok(());
        }
        let kill = args.terminate_debuggee.unwrap_or(session.launched());
        if kill {
            session.kill()?;
        } else {
            session.detach()?;
        }
        Ok(())
    }
}
