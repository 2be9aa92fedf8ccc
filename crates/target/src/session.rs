//! The session: one tracee, the commands that drive it, and the events they produce.

use dbg_process::{
    Origin, Pid, Process, Reg, RegValue, Resume, Signal, SignalOrigin, State, Stop, StopReason,
    ThreadEvent, TrapKind,
};

use crate::error::Result;
use crate::event::{Event, StopEvent, StopKind};
use crate::interrupt::Interrupter;
use crate::signals::SignalPolicy;

/// A debugging session over one process.
#[derive(Debug)]
pub struct Session {
    process: Process,
    /// The signal of the last stop, delivered on resume if the policy passes it.
    last_signal: Option<Signal>,
    interrupter: Interrupter,
}

/// `stepi N` above this count runs tracer and tracee on one CPU (PERFORMANCE.md: a stop on
/// the same CPU costs no cross-CPU wake-up, several times cheaper).
const SHARE_CPU_FROM_STEPS: u64 = 16;

impl Session {
    /// Launch a program; it is stopped at its first instruction.
    pub fn launch(launch: dbg_process::Launch) -> Result<(Session, Vec<Event>)> {
        let process = launch.spawn()?;
        let pid = process.pid();
        let mut session = Session::new(process);
        let entry = session.stop_event(entry_stop(pid), StopKind::Entry)?;
        Ok((
            session,
            vec![Event::Launched { pid }, Event::Stopped(entry)],
        ))
    }

    /// Attach to a running process; it is stopped where it was.
    pub fn attach(pid: Pid) -> Result<(Session, Vec<Event>)> {
        let process = Process::attach(pid)?;
        let threads = process.threads().collect();
        let mut session = Session::new(process);
        let mut stop = entry_stop(pid);
        stop.signal = Signal::SIGSTOP;
        let entry = session.stop_event(stop, StopKind::Entry)?;
        Ok((
            session,
            vec![Event::Attached { pid, threads }, Event::Stopped(entry)],
        ))
    }

    fn new(process: Process) -> Session {
        let interrupter = Interrupter::default();
        interrupter.set_pid(process.pid());
        Session {
            process,
            last_signal: None,
            interrupter,
        }
    }

    /// The handle that stops this session's tracee from another thread.
    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// The process id.
    pub fn pid(&self) -> Pid {
        self.process.pid()
    }

    /// Whether the session launched its process (then ending the session kills it).
    pub fn launched(&self) -> bool {
        self.process.origin() == Origin::Launched
    }

    /// Whether the process is still being debugged.
    pub fn is_alive(&self) -> bool {
        !matches!(self.process.state(), State::Ended(_))
    }

    /// Resume every thread until the next stop or the end of the process.
    pub fn resume(&mut self) -> Result<Vec<Event>> {
        let signal = self.signal_to_deliver();
        // Running from before the resume, so that a Ctrl-C racing with it is forwarded (a
        // SIGINT queued while the tracee is still stopped is reported as soon as it runs).
        self.interrupter.set_running(true);
        if let Err(error) = self.guard(|process| process.resume(Resume::Continue, signal)) {
            self.interrupter.set_running(false);
            return Err(error);
        }
        let reason = self.process.wait();
        self.interrupter.set_running(false);
        let reason = self.guard(|_| reason)?;
        self.report(reason, None)
    }

    /// Execute `count` instructions on the current thread, stopping early at anything other
    /// than a completed step (a signal, the end of the process, an interrupt).
    pub fn step_instructions(&mut self, count: u64) -> Result<Vec<Event>> {
        let _shared = if count >= SHARE_CPU_FROM_STEPS {
            self.process.share_cpu().ok()
        } else {
            None
        };
        let mut signal = self.signal_to_deliver();
        let mut done = 0;
        let reason = loop {
            let reason = self.guard(|process| process.step_instruction(signal))?;
            signal = None;
            done += 1;
            let stepped = matches!(
                reason,
                StopReason::Stopped(Stop {
                    trap: Some(TrapKind::SingleStep),
                    ..
                })
            );
            if !stepped || done >= count || self.interrupter.requested() {
                break reason;
            }
        };
        self.report(reason, Some(StopKind::SingleStep))
    }

    /// Read registers of the current thread.
    pub fn read_registers(&mut self, regs: &[Reg]) -> Result<Vec<(Reg, RegValue)>> {
        let mut values = Vec::with_capacity(regs.len());
        for reg in regs {
            let value = self.guard(|process| process.read_register(*reg))?;
            values.push((*reg, value));
        }
        Ok(values)
    }

    /// Write a register of the current thread.
    pub fn write_register(&mut self, reg: Reg, value: RegValue) -> Result<()> {
        self.guard(|process| process.write_register(reg, value))
    }

    /// Kill the process.
    pub fn kill(&mut self) -> Result<Vec<Event>> {
        let reason = self.guard(Process::kill)?;
        self.report(reason, None)
    }

    /// Detach; the process runs on as if it had never been traced.
    pub fn detach(&mut self) -> Result<Vec<Event>> {
        let pid = self.pid();
        self.guard(Process::detach)?;
        Ok(vec![Event::Detached { pid }])
    }

    /// End the session as SPEC §2 says: kill a launched process, detach from an attached one.
    pub fn end(&mut self) -> Vec<Event> {
        if !self.is_alive() {
            return Vec::new();
        }
        let result = if self.launched() {
            self.kill()
        } else {
            self.detach()
        };
        result.unwrap_or_default()
    }

    /// If the process died behind our back (killed from outside), the events that say so.
    pub fn check_alive(&mut self) -> Vec<Event> {
        match self.process.check_alive() {
            Some(reason) => self.report(reason, None).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Run a process request; if it failed because the tracee vanished, the error says how
    /// it ended (the session goes on, with no process).
    fn guard<T>(
        &mut self,
        request: impl FnOnce(&mut Process) -> dbg_process::Result<T>,
    ) -> Result<T> {
        match request(&mut self.process) {
            Ok(value) => Ok(value),
            Err(error) if error.is_gone() => {
                self.process.check_alive();
                match self.process.state() {
                    State::Ended(how) => Err(dbg_process::Error::NoProcess(how).into()),
                    _ => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    fn signal_to_deliver(&self) -> Option<Signal> {
        self.last_signal
            .filter(|signal| SignalPolicy::default_for(*signal).pass)
    }

    /// Turn a stop reason into events (thread events first, then the stop or end).
    fn report(&mut self, reason: StopReason, stepping: Option<StopKind>) -> Result<Vec<Event>> {
        let pid = self.pid();
        let mut events: Vec<Event> = self
            .process
            .take_events()
            .map(|event| match event {
                ThreadEvent::Created(tid) => Event::ThreadCreated { tid },
                ThreadEvent::Exited(tid) => Event::ThreadExited { tid },
            })
            .collect();
        self.last_signal = None;
        match reason {
            StopReason::Exited { code } => events.push(Event::Exited { pid, code }),
            StopReason::Killed { signal } => events.push(Event::Killed { pid, signal }),
            StopReason::Stopped(stop) => {
                let kind = classify(&stop, stepping);
                self.last_signal = Some(stop.signal);
                events.push(Event::Stopped(self.stop_event(stop, kind)?));
            }
        }
        Ok(events)
    }

    fn stop_event(&mut self, stop: Stop, kind: StopKind) -> Result<StopEvent> {
        Ok(StopEvent {
            pid: self.pid(),
            tid: stop.tid,
            signal: stop.signal,
            pc: self.guard(Process::pc)?,
            kind,
            fault_addr: stop.fault_addr,
        })
    }

    /// Whether Ctrl-C came while no command was running.
    pub fn interrupted_while_idle(&self) -> bool {
        self.interrupter.requested_while_idle()
    }
}

/// The stop a fresh launch or attach is in.
fn entry_stop(pid: Pid) -> Stop {
    Stop {
        tid: pid,
        signal: Signal::SIGTRAP,
        trap: None,
        fault_addr: None,
        origin: SignalOrigin::Kernel,
    }
}

fn classify(stop: &Stop, stepping: Option<StopKind>) -> StopKind {
    match stop.trap {
        Some(TrapKind::SingleStep) => stepping.unwrap_or(StopKind::SingleStep),
        // No breakpoint of ours exists yet, so an int3 trap is one compiled into the tracee: a
        // SIGTRAP signal stop, as gdb reports it.
        Some(TrapKind::Breakpoint) => StopKind::Signal,
        Some(TrapKind::Hardware) => StopKind::Watchpoint,
        Some(TrapKind::SyscallEntry) => StopKind::SyscallEntry,
        Some(TrapKind::SyscallExit) => StopKind::SyscallExit,
        Some(TrapKind::Other(_)) | None => {
            let ours = stop.origin == SignalOrigin::Process(std::process::id() as i32);
            if stop.signal == Signal::SIGINT && (stop.origin == SignalOrigin::Kernel || ours) {
                StopKind::Interrupt
            } else {
                StopKind::Signal
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.end();
    }
}
