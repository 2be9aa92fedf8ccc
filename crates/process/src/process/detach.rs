//! Letting go: detaching, killing, collecting a process that died under us, and what
//! dropping a `Process` does (kill what we launched, detach from what we attached to).

use std::collections::{BTreeMap, BTreeSet};

use dbg_sys::ptrace;
use dbg_sys::thread as systhread;
use dbg_sys::wait::{try_wait_tid, wait_tid, WaitStatus};
use dbg_sys::{Pid, Signal};

use super::attach::task_ids;
use super::{DebugRegisters, Origin, Process, State};
use crate::error::{Ended, Error, Result};
use crate::stop::StopReason;

impl Process {
    pub(super) fn end(&mut self, reason: StopReason) -> StopReason {
        let how = match reason {
            StopReason::Exited { code } => Ended::Exited(code),
            StopReason::Killed { signal } => Ended::Killed(signal),
            StopReason::Stopped(_) | StopReason::ThreadExited { .. } => Ended::Detached,
        };
        self.threads.clear();
        self.pending.clear();
        self.stop_request.close();
        self.state = State::Ended(how);
        reason
    }

    /// Kill the process and collect every thread.
    pub fn kill(&mut self) -> Result<StopReason> {
        if let State::Ended(how) = self.state {
            return Err(Error::NoProcess(how));
        }
        systhread::kill(self.pid, Signal::SIGKILL)?;
        self.alone = None;
        Ok(self.collect_death())
    }

    /// After a request failed with ESRCH on a thread we believed stopped: the process is being
    /// killed from outside. Collect it and say how it ended.
    pub fn collect_death(&mut self) -> StopReason {
        // Every thread must be reaped before the leader's end is reported, including threads
        // whose clone event was never collected (the kernel lists them in /proc while they
        // exist). A dying thread may still stop once, at its exit event (PTRACE_O_TRACEEXIT),
        // even when killed: it is let go each time it stops, until its end is collected.
        let mut others: BTreeSet<Pid> = self.threads.keys().copied().collect();
        others.extend(task_ids(self.pid).unwrap_or_default());
        others.remove(&self.pid);
        for tid in others {
            while let Ok(status) = wait_tid(tid) {
                if matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                    break;
                }
                let _ = ptrace::cont(tid, None);
            }
        }
        let reason = loop {
            match wait_tid(self.pid) {
                Ok(WaitStatus::Exited(_, code)) => break StopReason::Exited { code },
                Ok(WaitStatus::Signaled(_, signal, _)) => break StopReason::Killed { signal },
                Ok(_) => {
                    let _ = ptrace::cont(self.pid, None);
                }
                Err(_) => {
                    break StopReason::Killed {
                        signal: Signal::SIGKILL,
                    }
                }
            }
        };
        self.end(reason)
    }

    /// Whether the process died while we believed it stopped (killed from outside); if so,
    /// collect it and say how it ended.
    pub fn check_alive(&mut self) -> Option<StopReason> {
        if matches!(self.state, State::Ended(_)) {
            return None;
        }
        let dead = match try_wait_tid(self.pid) {
            Ok(Some(WaitStatus::Exited(_, code))) => Some(self.end(StopReason::Exited { code })),
            Ok(Some(WaitStatus::Signaled(_, signal, _))) => {
                Some(self.end(StopReason::Killed { signal }))
            }
            // Its exit event while we believed it stopped: it was killed (nothing else ends a
            // stopped process). Let it die and collect every thread.
            Ok(Some(WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_EXIT))) => {
                let _ = ptrace::cont(self.pid, None);
                Some(self.collect_death())
            }
            Ok(Some(status)) => {
                if let Ok(Some(StopReason::Stopped(stop))) = self.handle(self.pid, status) {
                    self.pending.push_back(stop);
                }
                None
            }
            Ok(None) => None,
            Err(_) => Some(self.end(StopReason::Killed {
                signal: Signal::SIGKILL,
            })),
        };
        dead.or_else(|| {
            // A thread we believe stopped that ptrace no longer reaches is dying. (A running
            // thread does not answer ptrace either: nothing can be concluded then.)
            let tid = self.current;
            let stopped = self.state == State::Stopped
                && self
                    .threads
                    .get(&tid)
                    .is_some_and(|t| !t.running && !t.exiting);
            if !stopped {
                return None;
            }
            match ptrace::siginfo(tid) {
                Err(e) if e.is_gone() => Some(self.collect_death()),
                _ => None,
            }
        })
    }

    /// Detach from every thread; the process runs on as if never traced: registers written
    /// back, our queued SIGSTOPs consumed, pending SIGTRAPs of ours dropped.
    pub fn detach(&mut self) -> Result<()> {
        self.ensure_stopped()?;
        let tids: Vec<Pid> = self.threads.keys().copied().collect();
        // Whoever wrote our int3s should have taken them out (dbg-memory's Sites does); any
        // still recorded go now, best effort, so the process never runs into one untraced.
        if let Some(tid) = tids.first() {
            for (addr, original) in self.breakpoints.all() {
                let _ = super::breakpoints::poke_byte(*tid, addr, original);
            }
            self.breakpoints.clear();
        }
        let mut deliver: BTreeMap<Pid, Signal> = BTreeMap::new();
        for stop in self.pending.drain(..) {
            if !matches!(stop.signal, Signal::SIGTRAP | Signal::SIGSTOP) && stop.trap.is_none() {
                deliver.insert(stop.tid, stop.signal);
            }
        }
        for tid in &tids {
            self.flush(*tid)?;
            if self.threads.get(tid).is_some_and(|t| t.sigstop_queued) {
                // Let our SIGSTOP arrive now, or it would stop the process after we leave.
                if ptrace::cont(*tid, None).is_ok() {
                    loop {
                        match wait_tid(*tid) {
                            Ok(WaitStatus::Stopped(_, Signal::SIGSTOP)) => break,
                            Ok(WaitStatus::Stopped(_, signal)) => {
                                deliver.insert(*tid, signal);
                                let _ = ptrace::cont(*tid, None);
                            }
                            Ok(WaitStatus::PtraceEvent(..) | WaitStatus::PtraceSyscall(..)) => {
                                let _ = ptrace::cont(*tid, None);
                            }
                            _ => break,
                        }
                    }
                }
            }
        }
        // No debug register of ours may outlive us.
        for tid in &tids {
            let _ = DebugRegisters::default().apply(*tid, &self.debug);
        }
        self.debug = DebugRegisters::default();
        if self.filtered {
            // The process carries our filter: a custodian traces it from here on. (A signal
            // a thread was stopped with is sent again after the hand-over.)
            self.hand_over_threads(&tids)?;
            for (tid, signal) in &deliver {
                let _ = systhread::tgkill(self.pid, *tid, *signal);
            }
            self.threads.clear();
            self.stop_request.close();
            self.state = State::Ended(Ended::Detached);
            return Ok(());
        }
        for tid in tids {
            match ptrace::detach(tid, deliver.get(&tid).copied()) {
                Ok(()) => {}
                Err(e) if e.is_gone() => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.threads.clear();
        // No request may signal a process we no longer trace.
        self.stop_request.close();
        self.state = State::Ended(Ended::Detached);
        Ok(())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // A wake-up sent but not arrived is marked as ours, so that detach consumes it.
        self.close_gate();
        match (self.state, self.origin) {
            (State::Ended(_), _) => {}
            (_, Origin::Launched) => {
                let _ = self.kill();
            }
            (State::Stopped, Origin::Attached) => {
                let _ = self.detach();
            }
            (State::Running, Origin::Attached) => {
                // Stop it first: ptrace can only detach stopped threads.
                if self.interrupt_and_wait().is_ok() {
                    let _ = self.detach();
                }
            }
        }
    }
}

impl Process {
    fn interrupt_and_wait(&mut self) -> Result<()> {
        self.state = State::Running;
        match self.stop_others()? {
            Some(_) => Ok(()),
            None => {
                self.state = State::Stopped;
                Ok(())
            }
        }
    }
}
