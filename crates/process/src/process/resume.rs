//! Setting threads going: resuming every thread, and stepping one instruction on one thread
//! while the others are held.

use dbg_sys::ptrace;
use dbg_sys::wait::try_wait_tid;
use dbg_sys::{Pid, Signal};

use super::interrupt::interrupt_stop;
use super::{Process, Resume, State, Stepping, Want};
use crate::error::{Error, Result};
use crate::stop::{StopReason, TrapKind};

/// What one thread is to do when the process resumes ([`Process::resume_threads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadAction {
    /// Run until something stops the process.
    Run,
    /// Execute one instruction.
    Step,
    /// Stay stopped.
    Hold,
}

impl Process {
    /// Resume every thread; `signal` is delivered to the current thread. If a stop collected
    /// earlier is still unreported, or a stop was requested ([`StopRequest`]), nothing runs and
    /// the next [`Process::wait`] reports it.
    ///
    /// [`StopRequest`]: crate::StopRequest
    pub fn resume(&mut self, mode: Resume, signal: Option<Signal>) -> Result<()> {
        self.resume_threads(mode, &|_| ThreadAction::Run, signal)
    }

    /// Resume the threads each as `action` says (gdb's `vCont`): running (in `mode`),
    /// executing one instruction, or staying stopped; `signal` is delivered to the current
    /// thread. The next [`Process::wait`] reports the first stop of any of them — a thread's
    /// completed step is its `SingleStep` trap — and stops the others, as always in all-stop.
    /// A pending or requested stop is handled as by [`Process::resume`].
    pub fn resume_threads(
        &mut self,
        mode: Resume,
        action: &dyn Fn(Pid) -> ThreadAction,
        signal: Option<Signal>,
    ) -> Result<()> {
        self.ensure_stopped()?;
        if self.threads().all(|tid| action(tid) == ThreadAction::Hold) {
            return Err(Error::NothingToResume);
        }
        self.held = self
            .threads()
            .filter(|tid| action(*tid) == ThreadAction::Hold)
            .collect();
        // Stops kept from before are reported first — those of threads that are to move;
        // a held thread's wait until it is resumed.
        let due = |process: &Process| {
            process
                .pending
                .iter()
                .find(|stop| !process.held.contains(&stop.tid))
                .map(|stop| stop.tid)
        };
        if let Some(tid) = due(self) {
            // A stop kept from before is stale if the process was killed since: SIGKILL takes
            // a thread out of its ptrace stop (ptrace no longer reaches it), and it may
            // already have stopped again at its exit event (a new status to collect). Then
            // its death is what `wait` reports.
            let mut killed = matches!(ptrace::peek_user(tid, 0), Err(e) if e.is_gone());
            let mut late = None;
            if !killed {
                if let Ok(Some(status)) = try_wait_tid(tid) {
                    killed = true;
                    late = Some(status);
                }
            }
            if killed {
                self.pending.clear();
                for thread in self.threads.values_mut() {
                    thread.running = !thread.exiting;
                }
                if let Some(status) = late {
                    // Its exit event: let it die (nothing else can end a held thread).
                    self.handle(tid, status)?;
                }
            }
        }
        if due(self).is_none() && !self.stop_request.is_requested() {
            // A Ctrl-C's wake-up goes to a thread that runs: a held one would not report it.
            let target = if self.held.contains(&self.current) {
                self.threads()
                    .find(|tid| !self.held.contains(tid))
                    .unwrap_or(self.current)
            } else {
                self.current
            };
            self.stop_request.open(self.pid, target);
            let tids: Vec<Pid> = self.threads().collect();
            for tid in tids {
                let deliver = if tid == self.current { signal } else { None };
                let want = match action(tid) {
                    ThreadAction::Run => Want::Run(mode),
                    ThreadAction::Step => Want::Step(Stepping::Step),
                    ThreadAction::Hold => Want::Hold,
                };
                if let Err(error) = self.set_going(tid, want, deliver) {
                    self.close_gate();
                    return Err(error);
                }
            }
        }
        self.state = State::Running;
        Ok(())
    }

    /// Make `tid` do `want` now (write back its registers first), and after every stop of
    /// it that the core handles itself.
    pub(super) fn set_going(&mut self, tid: Pid, want: Want, signal: Option<Signal>) -> Result<()> {
        match self.flush(tid) {
            Ok(()) => {}
            // Killed from outside: the resume below fails the same way, and its end is
            // collected by wait.
            Err(e) if e.is_gone() => {}
            Err(e) => return Err(e),
        }
        if matches!(
            signal,
            Some(Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU)
        ) {
            self.group_stops = true;
        }
        if matches!(want, Want::Step(_)) && std::mem::take(&mut self.thread_mut(tid)?.dr6_stale) {
            // A step's trap that is no debug exception (a step over `syscall`, an `int3`)
            // leaves DR6 as it was: no stale hit may be read from it then.
            self.clear_debug_status(tid)?;
        }
        let thread = self.thread_mut(tid)?;
        // The call at a seccomp stop is as the kernel said only until the thread runs.
        thread.seccomp_call = None;
        let exit_wanted = thread.exit_wanted;
        let result = match want {
            Want::Hold => Ok(()),
            // A caught call's exit is to be reported: this thread alone stops at it.
            Want::Run(Resume::Continue) if exit_wanted => ptrace::syscall(tid, signal),
            Want::Run(Resume::Continue) => ptrace::cont(tid, signal),
            Want::Run(Resume::Syscalls) => ptrace::syscall(tid, signal),
            Want::Step(_) => ptrace::step(tid, signal),
        };
        match result {
            Ok(()) => {}
            // Killed from outside or gone with the process: its exit is collected by wait.
            Err(e) if e.is_gone() => {}
            Err(e) => return Err(e.into()),
        }
        let thread = self.thread_mut(tid)?;
        thread.want = want;
        match want {
            Want::Hold => {}
            Want::Run(mode) => {
                thread.running = true;
                thread.stepping = Stepping::Continue;
                if mode == Resume::Continue && !thread.exit_wanted {
                    // Whatever call it was in completes without a stop we see.
                    thread.in_syscall = false;
                }
            }
            Want::Step(kind) => {
                thread.running = true;
                thread.stepping = kind;
                // A step out of a seccomp stop runs the call without an exit stop.
                if std::mem::take(&mut thread.exit_wanted) {
                    thread.in_syscall = false;
                }
            }
        }
        Ok(())
    }

    /// After a stop of `tid` handled inside: let it go on as it was going, unless it is held
    /// or a stop was requested (then it stays stopped, and `wait` or `step` answers the
    /// request).
    pub(super) fn go_on(&mut self, tid: Pid) -> Result<()> {
        let want = self.thread_mut(tid)?.want;
        if want == Want::Hold || self.stop_request.is_requested() {
            return Ok(());
        }
        self.set_going(tid, want, None)
    }

    /// Execute one instruction on the current thread, the others held stopped.
    pub fn step_instruction(&mut self, signal: Option<Signal>) -> Result<StopReason> {
        self.step(signal, false)
    }

    /// Execute one instruction the caller has decoded and knows cannot trap by itself (not
    /// `int3`, `int1` or `into`), on a thread with no hardware breakpoint armed — typically the
    /// original instruction under a breakpoint. A SIGTRAP then can only be the completed step,
    /// so it is taken as one without asking the kernel why (one system call less per step).
    pub fn step_known_instruction(&mut self, signal: Option<Signal>) -> Result<StopReason> {
        self.step(signal, true)
    }

    pub(super) fn step(&mut self, signal: Option<Signal>, trusted: bool) -> Result<StopReason> {
        self.ensure_stopped()?;
        let tid = self.current;
        let kind = if trusted {
            Stepping::Trusted
        } else {
            Stepping::Step
        };
        self.stop_request.open(self.pid, tid);
        if let Err(error) = self.set_going(tid, Want::Step(kind), signal) {
            self.close_gate();
            return Err(error);
        }
        self.state = State::Running;
        let result = self.finish_step(tid);
        if let Some(thread) = self.threads.get_mut(&tid) {
            thread.want = Want::Hold;
        }
        // Threads the step created are stopped too before anything else happens.
        let settled = match &result {
            Ok(StopReason::Stopped(_) | StopReason::ThreadExited { .. }) => self.settle(),
            _ => Ok(None),
        };
        self.close_gate();
        match settled? {
            Some(ended) => Ok(ended),
            None => result,
        }
    }

    /// Wait for the end of a step of `tid` (the other threads are held).
    fn finish_step(&mut self, tid: Pid) -> Result<StopReason> {
        loop {
            let (who, status) = self.next_status()?;
            let reason = self.handle(who, status)?;
            let Some(reason) = reason else {
                let Some(thread) = self.threads.get(&tid).filter(|t| !t.exiting || t.running)
                else {
                    // The stepped instruction ended the thread (its `exit`), or made the leader
                    // a zombie that will not report again while other threads live; the others
                    // are still stopped, so the step is over.
                    self.state = State::Stopped;
                    return Ok(StopReason::ThreadExited { tid });
                };
                if !thread.running && self.stop_request.take() {
                    // Stopped by a SIGSTOP that an interrupt's merged into, and not let go
                    // because of the request: the step ends with the interrupt.
                    self.state = State::Stopped;
                    return Ok(StopReason::Stopped(interrupt_stop(tid)));
                }
                continue;
            };
            if let StopReason::Stopped(stop) = reason {
                if stop.tid != tid && stop.trap != Some(TrapKind::Exec) {
                    // Another thread cannot run now; keep whatever it says for later. (An
                    // exec by the stepped thread comes under the leader's id.)
                    self.pending.push_back(stop);
                    continue;
                }
                self.answered(&stop);
                self.current = stop.tid;
                self.state = State::Stopped;
                return Ok(StopReason::Stopped(stop));
            }
            return Ok(reason);
        }
    }
}
