//! Waiting: collecting wait statuses of our threads, turning each into a stop to report or
//! handling it inside (one helper per kind of status or ptrace event), and stopping every
//! other thread when one is reported (all-stop).

use dbg_sys::ptrace;
use dbg_sys::seccomp;
use dbg_sys::thread as systhread;
use dbg_sys::wait::{wait_own_any, wait_tid, WaitStatus};
use dbg_sys::{Errno, Pid, Signal};

use super::attach::traced_by_caller;
use super::breakpoints::{poke_byte, poke_bytes, INT3};
use super::interrupt::interrupt_stop;
use super::{DebugRegisters, Process, RegCache, Resume, State, Thread, Want};
use crate::error::{Error, Result};
use crate::stop::{SignalOrigin, Stop, StopReason, ThreadEvent, TrapKind};

impl Process {
    /// Wait until the process stops (all-stop: every thread is stopped on return) or ends.
    /// A requested stop ([`StopRequest`]) that no other stop answers is reported as a SIGSTOP
    /// sent by this process, as the interrupt's own SIGSTOP would be.
    ///
    /// [`StopRequest`]: crate::StopRequest
    pub fn wait(&mut self) -> Result<StopReason> {
        self.ensure_running()?;
        if self.alone.is_some() {
            return Err(Error::NotResumed);
        }
        let result = self.wait_inner(false);
        self.close_gate();
        result
    }

    /// As [`Process::wait`], but when the next stop is one thread's own — a breakpoint, a
    /// signal, a system-call stop — and every thread was simply running, the other threads
    /// are left running: that thread alone is stopped (and current), its registers and the
    /// memory can be used, and the caller decides. Then either [`Process::resume_alone`] lets
    /// it go on (the process was never all stopped: a stop costs that thread alone) or
    /// [`Process::stop_all`] stops the others, as `wait` would have, to report it. Anything
    /// else (a stop kept from before, an interrupt, an exec, another event, a resume that
    /// holds or steps threads) is reported with every thread stopped, as by `wait`.
    pub fn wait_alone(&mut self) -> Result<StopReason> {
        self.ensure_running()?;
        if self.alone.is_some() {
            return Err(Error::NotResumed);
        }
        let result = self.wait_inner(true);
        if self.alone.is_none() {
            self.close_gate();
        }
        result
    }

    /// The thread [`Process::wait_alone`] stopped alone, while the caller decides.
    pub fn deciding(&self) -> Option<Pid> {
        self.alone
    }

    /// How the thread stopped alone was running, as the others still are: [`Resume`] for
    /// each of them, `None` when no thread is stopped alone.
    pub fn deciding_mode(&self) -> Option<Resume> {
        let thread = self.threads.get(&self.alone?)?;
        match thread.want {
            Want::Run(mode) => Some(mode),
            Want::Hold | Want::Step(_) => None,
        }
    }

    /// Let the thread stopped alone go on as it was going (delivering `signal`), the process
    /// still running. A stop requested meanwhile (Ctrl-C) keeps it stopped instead: the next
    /// wait answers the request, with every thread stopped.
    pub fn resume_alone(&mut self, signal: Option<Signal>) -> Result<()> {
        let tid = self.alone.take().ok_or(Error::NotResumed)?;
        if self.stop_request.is_requested() {
            return Ok(());
        }
        let want = self.thread_mut(tid)?.want;
        self.set_going(tid, want, signal)
    }

    /// Stop every other thread too, after [`Process::wait_alone`] stopped one alone: the
    /// process is then stopped as after [`Process::wait`], on that thread. Nothing to do when
    /// no thread is stopped alone. If the process ends meanwhile, that end is returned.
    pub fn stop_all(&mut self) -> Result<Option<StopReason>> {
        let Some(tid) = self.alone.take() else {
            return Ok(None);
        };
        let ended = self.stop_others();
        self.close_gate();
        if let Some(end) = ended? {
            return Ok(Some(end));
        }
        self.current = tid;
        self.state = State::Stopped;
        Ok(None)
    }

    /// Whether the stop just collected may be decided on its thread alone.
    fn may_stop_alone(&self, stop: &Stop) -> bool {
        // An interrupt's SIGSTOP (ours) answers a request: reported with everything stopped.
        // (The pid is asked for only then: `getpid` is a system call.)
        let interrupt = || {
            stop.signal == Signal::SIGSTOP
                && stop.origin == SignalOrigin::Process(std::process::id() as i32)
        };
        let own = !matches!(stop.trap, Some(TrapKind::Exec | TrapKind::Other(_))) && !interrupt();
        own && self.held.is_empty()
            && !self.stop_request.is_requested()
            && self
                .threads
                .values()
                .all(|t| t.exiting || matches!(t.want, Want::Run(_)))
    }

    fn wait_inner(&mut self, alone: bool) -> Result<StopReason> {
        loop {
            let due = self
                .pending
                .iter()
                .position(|stop| !self.held.contains(&stop.tid));
            let mut fresh = false;
            let reason = if let Some(stop) = due.and_then(|index| self.pending.remove(index)) {
                Some(StopReason::Stopped(stop))
            } else if self.stop_request.take() {
                // Stop everything first: the thread the interrupt is reported on must be one
                // that is still there afterwards (the current one may exit meanwhile).
                if let Some(ended) = self.stop_others()? {
                    return Ok(ended);
                }
                self.state = State::Stopped;
                return Ok(StopReason::Stopped(interrupt_stop(self.current)));
            } else {
                let (tid, status) = self.next_status()?;
                let reason = self.handle(tid, status)?;
                fresh = true;
                if reason.is_none()
                    && !self.held.is_empty()
                    && self.nothing_moves()
                    && !self.held_thread_killed()
                {
                    // Every thread that was resumed is gone (or a zombie leader) and the held
                    // ones never report: the resume is over, as after a step whose thread
                    // exited. Waiting on would block forever.
                    self.state = State::Stopped;
                    return Ok(StopReason::ThreadExited { tid });
                }
                reason
            };
            if let Some(reason) = reason {
                if let StopReason::Stopped(stop) = &reason {
                    if alone && fresh && self.may_stop_alone(stop) {
                        self.alone = Some(stop.tid);
                        self.current = stop.tid;
                        return Ok(reason);
                    }
                    if let Some(ended) = self.stop_others()? {
                        return Ok(ended);
                    }
                    self.answered(stop);
                    self.current = stop.tid;
                    self.state = State::Stopped;
                }
                return Ok(reason);
            }
        }
    }

    /// Whether a held thread was taken out of its ptrace stop, which only SIGKILL does: the
    /// process is dying (killed from outside), and every thread's end is still to come —
    /// they are counted as running again, so that the wait goes on to the process's end.
    fn held_thread_killed(&mut self) -> bool {
        let killed = self
            .held
            .iter()
            .any(|tid| matches!(ptrace::peek_user(*tid, 0), Err(e) if e.is_gone()));
        if killed {
            for thread in self.threads.values_mut() {
                thread.running = !thread.exiting;
            }
        }
        killed
    }

    /// At a system-call stop of the current thread: the kernel's account of it (entry with
    /// number and arguments, or exit with the result), which also corrects the per-thread
    /// entry/exit bookkeeping should it have drifted (e.g. attached in the middle of a call).
    pub fn syscall_info(&mut self) -> Result<ptrace::SyscallStop> {
        let tid = self.current;
        self.ensure_inspectable(tid)?;
        // A seccomp stop was asked about when it came.
        let info = match self.thread_mut(tid)?.seccomp_call {
            Some(call) => call,
            None => ptrace::syscall_info(tid)?,
        };
        let thread = self.thread_mut(tid)?;
        match info {
            ptrace::SyscallStop::Entry { .. } | ptrace::SyscallStop::Seccomp { .. } => {
                thread.in_syscall = true
            }
            ptrace::SyscallStop::Exit { .. } => thread.in_syscall = false,
            ptrace::SyscallStop::Other => {}
        }
        Ok(info)
    }

    /// The next state change of one of our threads.
    pub(super) fn next_status(&mut self) -> Result<(Pid, WaitStatus)> {
        // One thread: only it can report (a thread it creates is announced by its clone
        // event first), so wait for it alone — unless it is exiting: then threads whose clone
        // event never came (killed with the process) must be reaped before its end shows.
        if self.threads.len() == 1
            && self
                .threads
                .get(&self.pid)
                .is_some_and(|leader| !leader.exiting)
        {
            return Ok((self.pid, wait_tid(self.pid)?));
        }
        // Several threads: whichever reports first, collected in one `wait4`. The thread
        // that drives a process has no children but its tracees (the rule of this crate, as
        // of lldb-server's: a waiter on any child of its own thread); children of the
        // debugger's other threads are never touched (`__WNOTHREAD`).
        loop {
            let Some(status) = wait_own_any()? else {
                // No child left at all: the leader's own wait says so (ECHILD).
                return Ok((self.pid, wait_tid(self.pid)?));
            };
            let Some(tid) = status.pid() else {
                continue;
            };
            // A thread's end (one never announced: killed before its creator's clone event
            // was collected) leaves nothing in /proc to ask: the thread has no children but
            // its tracees, so it is ours.
            let ended = matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..));
            if ended || self.threads.contains_key(&tid) || self.is_our_thread(tid) {
                return Ok((tid, status));
            }
            if traced_by_caller(tid) {
                // A forked child, stopped before its parent's fork event is seen: it stays
                // stopped for the event's handling.
                self.early_children.insert(tid);
                continue;
            }
            return Err(Error::ForeignChild(tid.as_raw()));
        }
    }

    /// Turn one wait status into a stop to report, or handle it inside (thread births and
    /// deaths, our own SIGSTOPs, ptrace's event stops) and return `None`; a thread stopped
    /// for a reason handled inside goes on as it was going (see [`Want`]).
    pub(super) fn handle(&mut self, tid: Pid, status: WaitStatus) -> Result<Option<StopReason>> {
        match self.handle_status(tid, status) {
            // The thread was killed while we dealt with its stop (the process is exiting or
            // being killed: SIGKILL takes a thread out of its ptrace stop). Its end, or its
            // exit event, is what it reports next.
            Err(error) if error.is_gone() => {
                if let Some(thread) = self.threads.get_mut(&tid) {
                    thread.running = true;
                    thread.sigstop_queued = false;
                }
                Ok(None)
            }
            other => other,
        }
    }

    /// [`Process::handle`] but for a thread killed meanwhile: one helper per kind of wait
    /// status or ptrace event stop.
    fn handle_status(&mut self, tid: Pid, status: WaitStatus) -> Result<Option<StopReason>> {
        match status {
            WaitStatus::Exited(_, code) if tid == self.pid => {
                Ok(Some(self.end(StopReason::Exited { code })))
            }
            WaitStatus::Signaled(_, signal, _) if tid == self.pid => {
                Ok(Some(self.end(StopReason::Killed { signal })))
            }
            WaitStatus::Exited(..) | WaitStatus::Signaled(..) => {
                self.handle_thread_end(tid);
                Ok(None)
            }
            WaitStatus::Stopped(_, signal) => self.handle_signal_stop(tid, signal),
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_CLONE) => self.handle_clone_event(tid),
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_FORK) => {
                self.handle_fork_event(tid, false)
            }
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_VFORK) => {
                self.handle_fork_event(tid, true)
            }
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_VFORK_DONE) => {
                self.handle_vfork_done_event(tid)
            }
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_EXIT)
                if !self.threads.contains_key(&tid) =>
            {
                self.handle_unannounced_exit_event(tid)
            }
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_EXIT) => self.handle_exit_event(tid),
            WaitStatus::PtraceEvent(_, signal, libc::PTRACE_EVENT_EXEC) => {
                self.handle_exec_event(tid, signal)
            }
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_SECCOMP) => {
                self.handle_seccomp_stop(tid)
            }
            WaitStatus::PtraceEvent(_, signal, event) => {
                self.handle_other_event(tid, signal, event)
            }
            WaitStatus::PtraceSyscall(_) => self.handle_syscall_stop(tid),
            WaitStatus::Continued(_) | WaitStatus::StillAlive => Ok(None),
        }
    }

    /// A thread other than the leader exited or was killed.
    fn handle_thread_end(&mut self, tid: Pid) {
        if !self.threads.contains_key(&tid) {
            // Born and gone before its creator's clone event was collected.
            self.early_threads.insert(tid);
        }
        self.thread_gone(tid);
    }

    /// A signal-delivery stop (or a group-stop). A thread not heard of yet is added, a new one
    /// gets the debug registers; our SIGSTOPs (a new thread's first included), group-stops and
    /// a signal answered already are handled inside; a SIGTRAP is classified; any other signal
    /// is reported.
    fn handle_signal_stop(&mut self, tid: Pid, signal: Signal) -> Result<Option<StopReason>> {
        if !self.threads.contains_key(&tid) {
            // The first stop of a thread whose clone event is still to come. Its
            // creator runs (it has not stopped for the event yet), so it runs too
            // unless everything is being stopped.
            let want = self
                .threads
                .values()
                .find_map(|t| match t.want {
                    Want::Run(mode) if t.running => Some(Want::Run(mode)),
                    _ => None,
                })
                .unwrap_or(Want::Hold);
            self.early_threads.insert(tid);
            self.add_thread(tid, want);
        }
        let debug = self.debug;
        let thread = self.thread_mut(tid)?;
        thread.running = false;
        // A signal stop is on the way back to user mode: whatever call the thread was in has
        // ended (a step from a system-call stop runs the call without an exit stop; an
        // interrupted call shows its exit stop first).
        thread.in_syscall = false;
        if std::mem::take(&mut thread.fresh) {
            // Linux does not copy debug registers to a new thread: arm it before it
            // runs.
            debug.apply(tid, &DebugRegisters::default())?;
        }
        let thread = self.thread_mut(tid)?;
        if signal == Signal::SIGSTOP && thread.sigstop_queued {
            let group_stop = self.group_stops
                && matches!(ptrace::siginfo(tid), Err(e) if e.errno == Errno::EINVAL);
            if !group_stop {
                self.thread_mut(tid)?.sigstop_queued = false;
            }
            // A group-stop is resumed, as below; ours stays on its way.
            self.go_on(tid)?;
            return Ok(None);
        }
        let stepping = thread.stepping;
        if self.swallow == Some(signal) {
            self.swallow = None;
            self.go_on(tid)?;
            return Ok(None);
        }
        if signal == Signal::SIGTRAP {
            if let Some(stop) = self.classify_trap_quickly(tid, stepping)? {
                return Ok(Some(StopReason::Stopped(stop)));
            }
        }
        let info = match ptrace::siginfo(tid) {
            Ok(info) => info,
            // A group-stop (the process was stopped by SIGSTOP/SIGTSTP after the
            // signal's own stop was reported and passed on) has no signal information.
            // Under ptrace the thread can simply be resumed: the process is not left
            // stopped by mistake, and the stop is not reported twice.
            Err(e) if e.errno == Errno::EINVAL => {
                self.go_on(tid)?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Some(StopReason::Stopped(Stop::from_siginfo(
            tid, signal, &info,
        ))))
    }

    /// `PTRACE_EVENT_CLONE`: `tid` created a thread.
    fn handle_clone_event(&mut self, tid: Pid) -> Result<Option<StopReason>> {
        let new = Pid::from_raw(ptrace::event_message(tid)? as i32);
        self.thread_mut(tid)?.running = false;
        // The new thread's first stop may come before this event, after it, or (if it
        // is killed at once) never: it is not waited for here, it is one more running
        // thread whose first SIGSTOP is swallowed when it comes.
        if !self.early_threads.remove(&new) && !self.threads.contains_key(&new) {
            let want = self.creator_want(tid);
            self.add_thread(new, want);
        }
        self.go_on(tid)?;
        Ok(None)
    }

    /// `PTRACE_EVENT_FORK` or `PTRACE_EVENT_VFORK`: `tid` forked a child, which is let go.
    fn handle_fork_event(&mut self, tid: Pid, vfork: bool) -> Result<Option<StopReason>> {
        self.thread_mut(tid)?.running = false;
        let child = Pid::from_raw(ptrace::event_message(tid)? as i32);
        self.release_child(child, vfork)?;
        self.record(ThreadEvent::Forked(child));
        self.go_on(tid)?;
        Ok(None)
    }

    /// `PTRACE_EVENT_VFORK_DONE`: the vfork child of `tid` no longer shares its memory.
    fn handle_vfork_done_event(&mut self, tid: Pid) -> Result<Option<StopReason>> {
        self.thread_mut(tid)?.running = false;
        if std::mem::take(&mut self.vfork_lifted) {
            // The child has exec'd or exited: our memory is ours alone again.
            for (addr, _) in self.breakpoints.all() {
                poke_byte(tid, addr, INT3)?;
            }
            for (addr, jump) in self.breakpoints.jumps() {
                poke_bytes(tid, addr, &jump.patched)?;
            }
        }
        self.go_on(tid)?;
        Ok(None)
    }

    /// `PTRACE_EVENT_EXIT` of a thread whose creator's clone event has not been collected.
    fn handle_unannounced_exit_event(&mut self, tid: Pid) -> Result<Option<StopReason>> {
        // A thread killed (the process exiting) before its creator's clone event was
        // collected: its first stop is its last. Let it die; its end follows.
        self.early_threads.insert(tid);
        match ptrace::cont(tid, None) {
            Err(e) if !e.is_gone() => Err(e.into()),
            _ => Ok(None),
        }
    }

    /// `PTRACE_EVENT_EXIT` of a known thread: it is about to exit.
    fn handle_exit_event(&mut self, tid: Pid) -> Result<Option<StopReason>> {
        // About to exit: let it. A thread's exit status follows at once; a leader
        // whose other threads live on becomes a zombie and reports nothing until they
        // are gone (waiting for it, or signalling it, would wait forever).
        let zombie_leader = tid == self.pid && self.threads.len() > 1;
        // The memory is still there: the words the caller wants to outlive the process.
        for (addr, value) in self.exit_words.iter_mut() {
            if let Ok(word) = ptrace::peek_data(tid, *addr) {
                *value = Some(word);
            }
        }
        let thread = self.thread_mut(tid)?;
        thread.exiting = true;
        thread.sigstop_queued = false;
        thread.running = !zombie_leader;
        thread.regs = RegCache::default();
        match ptrace::cont(tid, None) {
            Err(e) if !e.is_gone() => return Err(e.into()),
            _ => {}
        }
        if self.current == tid {
            self.current = self.first_live_thread();
        }
        self.retarget_wake_up(tid);
        Ok(None)
    }

    /// `PTRACE_EVENT_EXEC`: the process runs a new program; reported.
    fn handle_exec_event(&mut self, tid: Pid, signal: Signal) -> Result<Option<StopReason>> {
        // A new program: none of our breakpoints exist in it, and no stop kept from the old
        // one (not even the old leader's, whose id the exec'ing thread now carries) is due.
        self.pending.clear();
        self.breakpoints.clear();
        self.early_threads.clear();
        // Exec clears the debug registers of the thread that survives it.
        self.debug = DebugRegisters::default();
        // Every other thread is gone. The exec'ing thread carries on under the
        // leader's id (the event comes under it), whichever thread it was; its former
        // id, and the old leader's exit, are never reported by the kernel.
        let gone: Vec<Pid> = self
            .threads
            .keys()
            .filter(|t| **t != tid)
            .copied()
            .collect();
        for other in gone {
            self.threads.remove(&other);
            self.record(ThreadEvent::Exited(other));
        }
        self.threads.insert(tid, Thread::default());
        self.current = tid;
        Ok(Some(StopReason::Stopped(Stop {
            tid,
            signal,
            trap: Some(TrapKind::Exec),
            fault_addr: None,
            origin: SignalOrigin::Kernel,
            breakpoint: None,
            debug_status: None,
        })))
    }

    /// Any other ptrace event stop: reported as it is.
    fn handle_other_event(
        &mut self,
        tid: Pid,
        signal: Signal,
        event: i32,
    ) -> Result<Option<StopReason>> {
        self.thread_mut(tid)?.running = false;
        Ok(Some(StopReason::Stopped(Stop {
            tid,
            signal,
            trap: Some(TrapKind::Other(event << 8 | signal as i32)),
            fault_addr: None,
            origin: SignalOrigin::Kernel,
            breakpoint: None,
            debug_status: None,
        })))
    }

    /// A seccomp stop (a call our filter traces, before it runs): reported as the call's
    /// entry. Its exit is seen only if the thread is resumed with `PTRACE_SYSCALL` (Linux 4.8
    /// and later report no syscall-entry stop after a seccomp stop, only the exit).
    ///
    /// Not reported: the stop of a system call of ours (part of it: the thread goes on with
    /// its step), and one that follows this call's syscall-entry stop (a thread resumed
    /// with `PTRACE_SYSCALL` stops at the entry first, then at the seccomp stop: one call,
    /// seen at its entry already). The kernel's account of the call is asked here, once: a
    /// call that installs a filter marks ours outranked.
    fn handle_seccomp_stop(&mut self, tid: Pid) -> Result<Option<StopReason>> {
        let thread = self.thread_mut(tid)?;
        thread.running = false;
        if thread.injecting {
            // Whatever was requested meanwhile: stopping here would leave the thread inside
            // our call, with our registers.
            let want = thread.want;
            self.set_going(tid, want, None)?;
            return Ok(None);
        }
        if thread.in_syscall {
            self.go_on(tid)?;
            return Ok(None);
        }
        thread.in_syscall = true;
        let call = ptrace::syscall_info(tid)?;
        if let ptrace::SyscallStop::Seccomp { number, args } = call {
            if seccomp::installs_filter(number, &args) {
                self.outranked = true;
            }
        }
        self.thread_mut(tid)?.seccomp_call = Some(call);
        Ok(Some(StopReason::Stopped(Stop {
            tid,
            signal: Signal::SIGTRAP,
            trap: Some(TrapKind::SyscallEntry),
            fault_addr: None,
            origin: SignalOrigin::Kernel,
            breakpoint: None,
            debug_status: None,
        })))
    }

    /// A system-call entry or exit stop (`PTRACE_O_TRACESYSGOOD`); reported.
    fn handle_syscall_stop(&mut self, tid: Pid) -> Result<Option<StopReason>> {
        let thread = self.thread_mut(tid)?;
        thread.running = false;
        thread.in_syscall = !thread.in_syscall;
        if !thread.in_syscall {
            // The exit a seccomp stop asked for: from now on the thread runs freely again.
            thread.exit_wanted = false;
        }
        let trap = if thread.in_syscall {
            TrapKind::SyscallEntry
        } else {
            TrapKind::SyscallExit
        };
        Ok(Some(StopReason::Stopped(Stop {
            tid,
            signal: Signal::SIGTRAP,
            trap: Some(trap),
            fault_addr: None,
            origin: SignalOrigin::Kernel,
            breakpoint: None,
            debug_status: None,
        })))
    }

    /// Stop every thread still running (all-stop), keeping any other event for later. If the
    /// process ends meanwhile, that end is returned: it is what the caller must report.
    pub(super) fn stop_others(&mut self) -> Result<Option<StopReason>> {
        for thread in self.threads.values_mut() {
            thread.want = Want::Hold;
        }
        // A thread that still has a SIGSTOP on its way (ours, or a new thread's first) will
        // stop with it: sending another could leave a second one pending (the first already
        // dequeued, its stop not yet collected), which would later look like a SIGSTOP from
        // outside.
        let running: Vec<Pid> = self
            .threads
            .iter()
            .filter(|(_, t)| t.running && !t.sigstop_queued && !t.exiting)
            .map(|(tid, _)| *tid)
            .collect();
        for tid in &running {
            match systhread::tgkill(self.pid, *tid, Signal::SIGSTOP) {
                Ok(()) => self.thread_mut(*tid)?.sigstop_queued = true,
                // Exiting: its exit is collected below.
                Err(e) if e.is_gone() => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.settle()
    }

    /// Collect events until no thread runs (every thread is held), keeping stops for later.
    /// If the process ends meanwhile, that end is returned.
    pub(super) fn settle(&mut self) -> Result<Option<StopReason>> {
        while self.threads.values().any(|t| t.running) {
            let (tid, status) = self.next_status()?;
            match self.handle(tid, status)? {
                Some(StopReason::Stopped(stop)) => self.pending.push_back(stop),
                Some(ended) => return Ok(Some(ended)),
                None => {}
            }
        }
        Ok(None)
    }
}
