//! Resuming as the client says (`vCont`: per thread continue, step, with or without a signal,
//! the others running or — scheduler locking — held), and turning the session's events into
//! the stop reply the client expects.

use std::collections::BTreeMap;

use dbg_session::{Event, Pid, StopCause, StopEvent, ThreadAction, WatchKind};
use gdbstub::common::{Signal as GdbSignal, Tid};
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::multithread::{
    MultiThreadResume, MultiThreadSchedulerLocking, MultiThreadSingleStep,
};
use gdbstub::target::ext::breakpoints::WatchKind as GdbWatchKind;
use gdbstub::target::ext::catch_syscalls::CatchSyscallPosition;

use super::{pid_of, tid_of, Inferior};
use crate::signals;

/// The stop reply type.
pub(crate) type StopReason = MultiThreadStopReason<u64>;

/// One resume the client asked for.
#[derive(Debug, Default)]
pub(crate) struct Resume {
    /// Threads named in the request: step or not, and the signal to deliver.
    actions: BTreeMap<Pid, (bool, Option<GdbSignal>)>,
    /// Threads not named stay stopped (the request had no default `c`).
    locked: bool,
}

impl Resume {
    /// A legacy `c` or `s` packet (lldb's) before the client named a thread with `Hc`
    /// reaches us as an action for gdbstub's default thread 1, which does not exist: it is
    /// for the current thread, and a continue lets every thread run, as gdbserver's `c`
    /// does.
    fn legacy_to_current(&mut self, threads: &[dbg_session::ThreadInfo]) {
        let Some(current) = threads.iter().find(|t| t.current).map(|t| t.tid) else {
            return;
        };
        // gdbstub's placeholder thread; any other unknown thread is the client's mistake,
        // and the resume fails as before.
        let placeholder = Pid::from_raw(1);
        if threads.iter().any(|t| t.tid == placeholder) {
            return;
        }
        if let Some((step, signal)) = self.actions.remove(&placeholder) {
            if !step {
                self.locked = false;
            }
            self.actions.entry(current).or_insert((step, signal));
        }
    }

    fn action(&self, tid: Pid) -> ThreadAction {
        match self.actions.get(&tid) {
            Some((true, _)) => ThreadAction::Step,
            Some((false, _)) => ThreadAction::Run,
            None if self.locked => ThreadAction::Hold,
            None => ThreadAction::Run,
        }
    }
}

impl Inferior {
    /// Carry out the resume the client asked for, until the next stop to report; the
    /// client's stop reply for it.
    pub(crate) fn run(&mut self) -> StopReason {
        let mut resume = std::mem::take(&mut self.resume);
        self.registers.clear();
        self.apply_catch();
        // Stepping: tracee and server on one CPU (one stop per instruction, each a round
        // trip); anything else runs the program free again.
        let stepping = resume.actions.values().any(|(step, _)| *step);
        if !stepping {
            self.pinned = None;
        } else if self.pinned.is_none() {
            self.pinned = self.session().and_then(|session| session.share_cpu().ok());
        }
        let Some(session) = self.session() else {
            return StopReason::Exited(0);
        };
        let threads = session.threads().unwrap_or_default();
        resume.legacy_to_current(&threads);
        let signalled = resume
            .actions
            .iter()
            .find_map(|(tid, (_, signal))| signal.map(|signal| (*tid, signal)));
        let current = session.pid();
        let (tid, signal) = match signalled {
            Some((tid, signal)) => (tid, signals::from_gdb(signal)),
            None => (current, None),
        };
        if let Err(error) = session.deliver_on_resume(tid, signal) {
            eprintln!("dbg-gdbserver: cannot resume: {error}");
        }
        let result = session.resume_threads(&|tid| resume.action(tid));
        let events = match result {
            Ok(events) => events,
            Err(error) => {
                eprintln!("dbg-gdbserver: cannot resume: {error}");
                Vec::new()
            }
        };
        let reason = self.stop_reason(&events);
        self.note_events(&events);
        reason
    }

    /// Answer the resume the client asked for without running the program (the replay of
    /// arbitrary bytes, [`crate::replay`], runs nothing a client wrote): the actions are taken
    /// as [`Inferior::run`] takes them, and the reply says the current thread was interrupted
    /// at once.
    pub(crate) fn hold(&mut self) -> StopReason {
        let mut resume = std::mem::take(&mut self.resume);
        self.registers.clear();
        self.apply_catch();
        let Some(session) = self.session() else {
            return StopReason::Exited(0);
        };
        let threads = session.threads().unwrap_or_default();
        resume.legacy_to_current(&threads);
        for (_, signal) in resume.actions.values() {
            let _ = signal.map(signals::from_gdb);
        }
        match tid_of(session.pid()) {
            Some(tid) => StopReason::SignalWithThread {
                tid,
                signal: GdbSignal::SIGINT,
            },
            None => StopReason::Signal(GdbSignal::SIGINT),
        }
    }

    /// The stop reply for a resume's events: its stop or the end of the process.
    fn stop_reason(&mut self, events: &[Event]) -> StopReason {
        for event in events.iter().rev() {
            match event {
                Event::Stopped(stop) => return self.reply_for(stop),
                Event::Exited { pid, code } => {
                    eprintln!("\nChild exited with status {code}");
                    let _ = pid;
                    return StopReason::Exited(u8::try_from(*code & 0xff).unwrap_or(0));
                }
                Event::Killed { signal, .. } => {
                    eprintln!("\nChild terminated with signal = {}", *signal as i32);
                    return StopReason::Terminated(signals::to_gdb(*signal));
                }
                _ => {}
            }
        }
        // No stop (the stepped thread exited, or the resume failed): the process is stopped
        // on some thread; say so.
        match self.threads().first().copied().and_then(tid_of) {
            Some(tid) => StopReason::SignalWithThread {
                tid,
                signal: GdbSignal::SIGTRAP,
            },
            None => StopReason::Exited(0),
        }
    }

    fn reply_for(&mut self, stop: &StopEvent) -> StopReason {
        let Some(tid) = tid_of(stop.tid) else {
            return StopReason::Signal(GdbSignal::SIGTRAP);
        };
        let trap = StopReason::SignalWithThread {
            tid,
            signal: GdbSignal::SIGTRAP,
        };
        match stop.cause {
            StopCause::Breakpoint { id } => {
                if self.points.is_hardware(id) {
                    StopReason::HwBreak(tid)
                } else {
                    StopReason::SwBreak(tid)
                }
            }
            StopCause::Watchpoint(Some(hit)) => match self.points.watched(hit.id) {
                Some((addr, kind)) => StopReason::Watch {
                    tid,
                    kind: match kind {
                        WatchKind::Write => GdbWatchKind::Write,
                        WatchKind::ReadWrite => GdbWatchKind::ReadWrite,
                        WatchKind::Execute => return StopReason::HwBreak(tid),
                    },
                    addr,
                },
                None => trap,
            },
            StopCause::SyscallEntry(call) | StopCause::SyscallExit(call) => {
                let Some(call) = call else { return trap };
                StopReason::CatchSyscall {
                    tid: Some(tid),
                    number: call.number,
                    position: if matches!(stop.cause, StopCause::SyscallEntry(_)) {
                        CatchSyscallPosition::Entry
                    } else {
                        CatchSyscallPosition::Return
                    },
                }
            }
            StopCause::Signal { .. } => StopReason::SignalWithThread {
                tid,
                signal: signals::to_gdb(stop.signal),
            },
            StopCause::Interrupt => StopReason::SignalWithThread {
                tid,
                signal: GdbSignal::SIGINT,
            },
            StopCause::Watchpoint(None)
            | StopCause::Entry
            | StopCause::Exec
            | StopCause::SingleStep
            | StopCause::StepDone => trap,
        }
    }

    /// The registers gdbserver sends in a stop reply (frame pointer, stack pointer, pc) of
    /// the thread that stopped, so that a client stepping needs no `g` round trip per stop.
    pub(crate) fn expedited(
        &mut self,
        reason: &StopReason,
    ) -> Vec<(crate::registers::RegNumber, [u8; 8])> {
        let tid = match reason {
            StopReason::SignalWithThread { tid, .. }
            | StopReason::SwBreak(tid)
            | StopReason::HwBreak(tid)
            | StopReason::Watch { tid, .. }
            | StopReason::CatchSyscall { tid: Some(tid), .. } => *tid,
            _ => return Vec::new(),
        };
        let Some(session) = self.session() else {
            return Vec::new();
        };
        const EXPEDITED: [(usize, dbg_session::Reg); 3] = [
            (6, dbg_session::Reg::Rbp),
            (7, dbg_session::Reg::Rsp),
            (16, dbg_session::Reg::Rip),
        ];
        let regs: Vec<dbg_session::Reg> = EXPEDITED.iter().map(|(_, reg)| *reg).collect();
        let Ok(values) = session.thread_registers(pid_of(tid), &regs) else {
            return Vec::new();
        };
        EXPEDITED
            .iter()
            .zip(values)
            .map(|((number, _), (_, value))| {
                (
                    crate::registers::RegNumber(*number),
                    value.as_u64().to_le_bytes(),
                )
            })
            .collect()
    }

    /// The interrupter of the process being run, for the connection's Ctrl-C.
    pub(crate) fn interrupter(&mut self) -> Option<dbg_session::Interrupter> {
        self.session().map(|session| session.interrupter())
    }
}

impl MultiThreadResume for Inferior {
    fn resume(&mut self) -> Result<(), Self::Error> {
        // The resume is carried out when the server waits for its stop (`Inferior::run`).
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.resume = Resume::default();
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        tid: Tid,
        signal: Option<GdbSignal>,
    ) -> Result<(), Self::Error> {
        self.resume.actions.insert(pid_of(tid), (false, signal));
        Ok(())
    }

    #[inline(always)]
    fn support_single_step(
        &mut self,
    ) -> Option<gdbstub::target::ext::base::multithread::MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_scheduler_locking(
        &mut self,
    ) -> Option<gdbstub::target::ext::base::multithread::MultiThreadSchedulerLockingOps<'_, Self>>
    {
        Some(self)
    }
}

impl MultiThreadSingleStep for Inferior {
    fn set_resume_action_step(
        &mut self,
        tid: Tid,
        signal: Option<GdbSignal>,
    ) -> Result<(), Self::Error> {
        self.resume.actions.insert(pid_of(tid), (true, signal));
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for Inferior {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        self.resume.locked = true;
        Ok(())
    }
}
