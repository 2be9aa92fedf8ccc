//! Running the program (`continue`, `next`, `stepIn`, `stepOut`, `pause`) and reporting what
//! the session says happened as the protocol's events: `stopped` with its reason and the
//! breakpoints hit, `exited` and `terminated`, `module`, `breakpoint`, console lines.
//! Logpoints and hit conditions are decided here, at the stop, and the program goes on
//! without the client seeing a stop.

use std::sync::atomic::Ordering;

use dbg_session::{Event, Pid, StopCause, StopEvent};

use super::breakpoints::{Kind, Verdict};
use super::{After, Server};
use crate::error::Result;
use crate::protocol::events::{
    ContinuedEvent, ExitedEvent, ModuleEvent, StoppedEvent, TerminatedEvent,
};
use crate::protocol::requests::{ContinueBody, StepArguments, ThreadArguments};
use crate::protocol::types::SteppingGranularity;

/// How the program is to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Run {
    /// Every thread, until something stops it.
    Continue,
    /// Over calls to the next line (or instruction).
    Next { instruction: bool },
    /// Into calls, to the next line (or instruction).
    StepIn { instruction: bool },
    /// Until the selected frame returns.
    StepOut,
}

/// What became of the program after a run.
pub(super) enum Outcome {
    /// It stopped and the client was told.
    Stopped,
    /// It stopped where the client does not want to see it (a logpoint, a hit condition not
    /// met): it goes on.
    GoOn,
    /// It ended (or nothing was reported).
    Over,
}

impl Server {
    pub(super) fn continue_(&mut self, _: ThreadArguments) -> Result<ContinueBody> {
        self.session()?;
        self.after = Some(After::Run(Run::Continue));
        Ok(ContinueBody {
            all_threads_continued: Some(true),
        })
    }

    pub(super) fn next(&mut self, args: StepArguments) -> Result<()> {
        self.prepare_step(&args)?;
        self.after = Some(After::Run(Run::Next {
            instruction: by_instruction(&args),
        }));
        Ok(())
    }

    pub(super) fn step_in(&mut self, args: StepArguments) -> Result<()> {
        self.prepare_step(&args)?;
        self.after = Some(After::Run(Run::StepIn {
            instruction: by_instruction(&args),
        }));
        Ok(())
    }

    pub(super) fn step_out(&mut self, args: StepArguments) -> Result<()> {
        self.prepare_step(&args)?;
        self.after = Some(After::Run(Run::StepOut));
        Ok(())
    }

    /// The stepping thread becomes the current one, at its innermost frame.
    fn prepare_step(&mut self, args: &StepArguments) -> Result<()> {
        let tid = i32::try_from(args.thread_id).map(Pid::from_raw).ok();
        if let Some(tid) = tid {
            self.focus_thread(tid)?;
        }
        self.session()?.select_frame(0)?;
        Ok(())
    }

    pub(super) fn pause(&mut self, _: ThreadArguments) -> Result<()> {
        // The input thread interrupted the program if it ran. A request it made after the
        // program had stopped by itself is forgotten: the next run must not stop at once.
        let runner = self.runner.as_ref().ok_or(crate::error::Error::NoSession)?;
        let interrupter = runner.interrupter();
        if interrupter.requested() {
            interrupter.clear();
        }
        Ok(())
    }

    /// Run the program as asked and report how it stopped; go on past logpoints and hits
    /// their hit condition skips.
    pub(super) fn run(&mut self, mut run: Run) {
        loop {
            self.forget_stop();
            self.shared.running.store(true, Ordering::SeqCst);
            let result = match self.session() {
                Err(error) => {
                    self.shared.running.store(false, Ordering::SeqCst);
                    self.console(&format!("error: {error}"));
                    return;
                }
                Ok(session) => match run {
                    Run::Continue => session.resume(1),
                    Run::Next { instruction: false } => session.next_line(),
                    Run::Next { instruction: true } => session.next_instructions(1),
                    Run::StepIn { instruction: false } => session.step_line(),
                    Run::StepIn { instruction: true } => session.step_instructions(1),
                    Run::StepOut => session.finish().map(|(events, _)| events),
                },
            };
            self.shared.running.store(false, Ordering::SeqCst);
            let events = match result {
                Ok(events) => events,
                Err(error) => {
                    // It did not run: say why, and show it where it is.
                    self.console(&format!("error: {error}"));
                    self.report_current("step");
                    return;
                }
            };
            match self.report(events) {
                Outcome::GoOn => run = Run::Continue,
                Outcome::Stopped | Outcome::Over => return,
            }
        }
    }

    /// `stopped` for the current thread, where it is (after `stopOnEntry`, or a run that
    /// did not start).
    pub(super) fn report_current(&mut self, reason: &str) {
        let Some(tid) = self.current_tid else { return };
        self.outbox.event(&StoppedEvent {
            reason: reason.into(),
            description: None,
            thread_id: Some(tid.as_raw().into()),
            text: None,
            all_threads_stopped: Some(true),
            hit_breakpoint_ids: None,
        });
    }

    pub(super) fn report_entry(&mut self) {
        self.report_current("entry");
    }

    /// Tell the client what the session reported.
    pub(super) fn report(&mut self, events: Vec<Event>) -> Outcome {
        let mut outcome = Outcome::Over;
        let queued: Vec<Event> = std::mem::take(&mut *self.library_events.borrow_mut());
        for event in queued.into_iter().chain(events) {
            match event {
                Event::Stopped(stop) => outcome = self.report_stop(&stop),
                Event::Exited { code, .. } => self.report_end(i64::from(code)),
                Event::Killed { signal, .. } => self.report_end(128 + signal as i64),
                Event::Detached { .. } => self.send_terminated(),
                Event::LibraryLoaded { path, .. } => {
                    let module = self.module(&path);
                    self.outbox.event(&ModuleEvent {
                        reason: "new".into(),
                        module,
                    });
                }
                Event::LibraryUnloaded { path } => {
                    let module = self.module(&path);
                    self.outbox.event(&ModuleEvent {
                        reason: "removed".into(),
                        module,
                    });
                }
                Event::BreakpointResolved { id, .. } => self.breakpoint_resolved(id),
                Event::SignalReceived { signal, passed, .. } => {
                    let passed = if passed { "passed to" } else { "not passed to" };
                    self.console(&format!("signal {signal}, {passed} the program"));
                }
                Event::ConditionFailed { id, error } => self.console(&format!(
                    "error in the condition of breakpoint {}: {error}",
                    self.breakpoints.dap_id(id).unwrap_or(i64::from(id))
                )),
                Event::WatchpointScopeEnded { id } => {
                    self.breakpoints.forget_watch(id);
                    self.console(
                        "data breakpoint deleted: the frame of the variable it watched returned",
                    );
                }
                Event::Forked { child } => self.console(&format!(
                    "forked child process {child}, which runs on untraced"
                )),
                Event::Launched { .. }
                | Event::Attached { .. }
                | Event::ThreadCreated { .. }
                | Event::ThreadExited { .. } => {}
            }
        }
        outcome
    }

    /// `stopped` for a stop, unless a logpoint or hit condition says to go on.
    fn report_stop(&mut self, stop: &StopEvent) -> Outcome {
        self.current_tid = Some(stop.tid);
        if self.ending() {
            // The stop a `disconnect` or `terminate` caused: nobody wants to see it.
            return Outcome::Over;
        }
        let (reason, ids, description, text) = match stop.cause {
            StopCause::Breakpoint { id } => match self.breakpoint_verdict(id) {
                Verdict::GoOn => return Outcome::GoOn,
                Verdict::Stop { dap_id, kind } => match kind {
                    Kind::Line => ("breakpoint", Some(vec![dap_id]), None, None),
                    Kind::Function => ("function breakpoint", Some(vec![dap_id]), None, None),
                    Kind::Exception(filter) => (
                        "exception",
                        Some(vec![dap_id]),
                        Some(filter.description.to_string()),
                        Some(filter.label.to_string()),
                    ),
                },
            },
            StopCause::Watchpoint(hit) => {
                let ids = hit
                    .and_then(|hit| self.breakpoints.watch_dap_id(hit.id))
                    .map(|id| vec![id]);
                let description = hit.and_then(|hit| {
                    self.session()
                        .ok()
                        .and_then(|session| session.watch_report(hit.id))
                        .map(|report| {
                            format!("{}: {} → {}", report.expression, report.old, report.new)
                        })
                });
                ("data breakpoint", ids, description, None)
            }
            StopCause::SingleStep | StopCause::StepDone => ("step", None, None, None),
            StopCause::SyscallEntry(_) | StopCause::SyscallExit(_) => {
                ("step", None, Some("system call".to_string()), None)
            }
            StopCause::Interrupt => ("pause", None, None, None),
            StopCause::Entry => ("entry", None, None, None),
            StopCause::Exec => (
                "entry",
                None,
                Some("the program executed a new program".into()),
                None,
            ),
            StopCause::Signal { fault_addr } => {
                let name = format!("{}", stop.signal);
                let description = match fault_addr {
                    Some(address) => format!("signal {name} at address {address:#x}"),
                    None => format!("signal {name}"),
                };
                ("exception", None, Some(description), Some(name))
            }
        };
        self.outbox.event(&StoppedEvent {
            reason: reason.into(),
            description,
            thread_id: Some(stop.tid.as_raw().into()),
            text,
            all_threads_stopped: Some(true),
            hit_breakpoint_ids: ids,
        });
        Outcome::Stopped
    }

    /// A debug-console command ran the program (`continue`, `next`, `run` typed there):
    /// `continued`, then its events as a request's run reports them — a stop with its
    /// reason, or the end with its exit code; a stop the client does not want to see (a
    /// logpoint) goes on as a `continue` would.
    pub(super) fn report_console_run(&mut self, events: Vec<Event>) {
        let thread = self.current_tid.map_or(0, |tid| i64::from(tid.as_raw()));
        self.outbox.event(&ContinuedEvent {
            thread_id: thread,
            all_threads_continued: Some(true),
        });
        if let Outcome::GoOn = self.report(events) {
            self.run(Run::Continue);
        }
    }

    /// `exited` then `terminated`, once the program's last output is out.
    fn report_end(&mut self, code: i64) {
        self.drain_output();
        self.outbox.event(&ExitedEvent { exit_code: code });
        self.send_terminated();
    }

    pub(super) fn send_terminated(&mut self) {
        if !self.terminated {
            self.terminated = true;
            self.outbox.event(&TerminatedEvent::default());
        }
    }
}

/// Whether a step is by instruction.
fn by_instruction(args: &StepArguments) -> bool {
    args.granularity == Some(SteppingGranularity::Instruction)
}
