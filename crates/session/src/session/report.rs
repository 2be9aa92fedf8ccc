//! Stop reporting: turning what the kernel said (a stop reason) and what the session found
//! out (why) into the events a command returns, with the stop classified as SPEC §5 names it.

use dbg_process::{Process, Signal, SignalOrigin, Stop, StopReason, TrapKind};

use super::{Session, Why};
use crate::error::Result;
use crate::event::{Event, StopCause, StopEvent, StopKind};
use crate::images::CodePlace;

impl Session {
    /// Turn a stop reason into events (thread events first, then the stop or end).
    pub(super) fn report(&mut self, reason: StopReason, why: Why) -> Result<Vec<Event>> {
        let pid = self.pid();
        // A stop decided on its thread alone is reported with every thread stopped.
        let reason = self.gather()?.unwrap_or(reason);
        // No thread is shown in the scratch area: those that ran a copy are moved to the
        // program's own address for where they are.
        if self.is_alive() {
            for tid in std::mem::take(&mut self.in_copy) {
                self.leave_scratch(tid)?;
            }
            // Also those that went into a counting trampoline on their own; then the hits
            // counted in the tracee are the breakpoints' (as `info breakpoints` shows them).
            self.leave_trampolines()?;
            self.settle_counts()?;
        }
        self.forget_frames();
        self.inline_skip = why.inline_skip;
        self.list_state = None;
        // Resolutions after a restart are news again from the first stop on.
        self.previous_locations.clear();
        let mut events = self.thread_events();
        self.last_signal = None;
        self.last_breakpoint = why.breakpoint;
        self.last_watchpoint = why.watchpoint.map(|hit| hit.id);
        self.stopped_by_hardware = why.hardware;
        match reason {
            StopReason::Exited { code } => events.push(Event::Exited { pid, code }),
            StopReason::Killed { signal } => events.push(Event::Killed { pid, signal }),
            // The stepped thread exited: its `thread exited` event (above) is the report; the
            // process is stopped, on its main thread.
            StopReason::ThreadExited { .. } => {}
            StopReason::Stopped(stop) => {
                let kind = classify(&stop, why.kind);
                if kind == StopKind::Exec {
                    self.forget_program();
                    events.extend(self.start_library_tracking());
                    events.extend(self.resolve_everywhere());
                }
                let our_sigstop = kind == StopKind::Interrupt && stop.signal == Signal::SIGSTOP;
                if our_sigstop && self.process.signal_pending(Signal::SIGINT) {
                    // The same Ctrl-C also reached the tracee from the terminal: one stop.
                    self.process.swallow_next(Signal::SIGINT);
                }
                // Whatever the stop, the user sees one: it answers a pending Ctrl-C.
                self.interrupter.clear();
                // An interrupt is the debugger's, never delivered to the program.
                self.last_signal = (kind != StopKind::Interrupt).then_some(stop.signal);
                let event = self.stop_event(stop, kind, &why)?;
                // A temporary breakpoint is gone once it has stopped the program — the one
                // reported and any other due at the same place (best effort: the stop is
                // reported whatever happens to the deletion).
                if why.breakpoint.is_some() {
                    let due: Vec<u32> = self
                        .breakpoints
                        .all()
                        .filter(|bp| bp.temporary && bp.enabled && bp.hits > 0 && bp.ignore == 0)
                        .filter(|bp| bp.locations.contains(&event.pc))
                        .map(|bp| bp.id)
                        .collect();
                    for id in due {
                        let _ = self.delete_breakpoint(id);
                    }
                }
                events.push(Event::Stopped(event));
            }
        }
        if !self.is_alive() {
            // The process is gone, and its memory and debug registers with it.
            // The hits counted in the tracee up to its end (or exec) are the breakpoints'.
            self.settle_final_counts();
            self.sites.forget();
            self.at_breakpoint.clear();
            self.in_copy.clear();
            self.steps_asked.clear();
            self.slots.forget();
        }
        Ok(events)
    }

    pub(super) fn stop_event(
        &mut self,
        stop: Stop,
        kind: StopKind,
        why: &Why,
    ) -> Result<StopEvent> {
        let pc = self.guard(Process::pc)?;
        let cause = match kind {
            StopKind::Entry => StopCause::Entry,
            StopKind::Exec => StopCause::Exec,
            StopKind::Breakpoint => match why.breakpoint {
                Some(id) => StopCause::Breakpoint { id },
                None => StopCause::Signal { fault_addr: None },
            },
            StopKind::Watchpoint => StopCause::Watchpoint(why.watchpoint),
            StopKind::SingleStep => StopCause::SingleStep,
            StopKind::StepDone => StopCause::StepDone,
            StopKind::SyscallEntry => StopCause::SyscallEntry(why.syscall),
            StopKind::SyscallExit => StopCause::SyscallExit(why.syscall),
            StopKind::Signal => StopCause::Signal {
                fault_addr: stop.fault_addr,
            },
            StopKind::Interrupt => StopCause::Interrupt,
        };
        self.stop_place = None;
        // An interrupt is reported the same way whichever signal carried it (the terminal's
        // SIGINT, or our own SIGSTOP): as gdb does, SIGINT.
        let signal = match cause {
            StopCause::Interrupt => Signal::SIGINT,
            _ => stop.signal,
        };
        Ok(StopEvent {
            pid: self.pid(),
            tid: stop.tid,
            signal,
            pc,
            cause,
        })
    }

    /// Where a stop is, as far as the symbols tell: function, source line, binary. At a
    /// step's stop on the call site of an inlined function, the call site (as gdb shows it).
    /// Looked up on demand, once per stop (front ends that need no symbols pay nothing).
    pub fn stop_place(&mut self, stop: &StopEvent) -> Option<CodePlace> {
        let key = (stop.tid, stop.pc, self.inline_skip);
        if let Some((cached, place)) = &self.stop_place {
            if *cached == key {
                return place.clone();
            }
        }
        let place = if self.inline_skip > 0 {
            let pid = self.pid();
            let frames = self.images.logical_frames(pid, stop.pc, false);
            frames.get(self.inline_skip).or(frames.last()).cloned()
        } else {
            self.place(stop.pc)
        };
        self.stop_place = Some((key, place.clone()));
        place
    }
}

fn classify(stop: &Stop, kind: Option<StopKind>) -> StopKind {
    // What the session found out (our breakpoint, a watchpoint, the kernel's word on a system
    // call) overrides the guess from si_code.
    if let Some(
        kind @ (StopKind::Breakpoint
        | StopKind::StepDone
        | StopKind::Watchpoint
        | StopKind::SyscallEntry
        | StopKind::SyscallExit),
    ) = kind
    {
        return kind;
    }
    match stop.trap {
        Some(TrapKind::SingleStep) => kind.unwrap_or(StopKind::SingleStep),
        // Not one of ours (those come with their breakpoint id): an int3 compiled into the
        // tracee, reported as a SIGTRAP signal stop, as gdb does.
        Some(TrapKind::Breakpoint) => StopKind::Signal,
        Some(TrapKind::Hardware) => StopKind::Watchpoint,
        Some(TrapKind::SyscallEntry) => StopKind::SyscallEntry,
        Some(TrapKind::SyscallExit) => StopKind::SyscallExit,
        Some(TrapKind::Exec) => StopKind::Exec,
        Some(TrapKind::Other(_)) | None => {
            let ours = stop.origin == SignalOrigin::Process(std::process::id() as i32);
            let interrupt_signal = stop.signal == Signal::SIGINT || stop.signal == Signal::SIGSTOP;
            if (stop.signal == Signal::SIGINT && stop.origin == SignalOrigin::Kernel)
                || (interrupt_signal && ours)
            {
                StopKind::Interrupt
            } else {
                StopKind::Signal
            }
        }
    }
}
