//! Running the tracee: `continue` (with `continue N`) and `stepi`, and the machinery under
//! them: stepping threads off our breakpoint sites (emulated when possible), waiting for the
//! next stop, and deciding which stops to report and which to pass over (ignored hits,
//! uncaught system calls, `nostop` signals).

use dbg_memory::scratch::{OutOfLine, Place};
use dbg_memory::{displaced, SiteOwner, Sites};
use dbg_process::{
    Pid, Process, Reg, RegValue, Resume, Signal, SignalOrigin, State, Stop, StopReason,
    ThreadAction, TrapKind,
};
use dbg_sys::VirtAddr;
use dbg_watch::WatchKind;

use super::{Session, SpRule, Why};
use crate::error::{Error, Result};
use crate::event::{Event, StopKind};

/// `stepi N` above this count runs tracer and tracee on one CPU (PERFORMANCE.md: a stop on
/// the same CPU costs no cross-CPU wake-up, several times cheaper).
pub(super) const SHARE_CPU_FROM_STEPS: u64 = 16;

/// What one single step of the current thread did.
pub(super) enum SingleStep {
    /// One instruction ran; nothing to report.
    Done(StopReason),
    /// Something to report instead (a signal, a breakpoint, the end of the process).
    Report(StopReason, Why),
}

/// What stepping the current thread off a breakpoint site did.
enum StepOff {
    /// The thread is not on a site.
    NotOnSite,
    /// The instruction under the site ran (or was emulated): one instruction done.
    Done,
    /// Something else happened first (a signal, the end of the process).
    Stopped(StopReason),
}

impl Session {
    /// Resume every thread until the next stop or the end of the process. With `count` > 1
    /// and the current thread at a breakpoint, that breakpoint's next `count - 1` hits are
    /// ignored (gdb's `continue N`).
    pub fn resume(&mut self, count: u64) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.resume_inner(count);
        self.death_as_event(alive, result)
    }

    /// A process that died during a command (killed from outside) is that command's last
    /// event, not an error: the session goes on without it.
    pub(super) fn death_as_event(
        &mut self,
        was_alive: bool,
        result: Result<Vec<Event>>,
    ) -> Result<Vec<Event>> {
        let Err(error) = result else { return result };
        if !was_alive {
            return Err(error);
        }
        // A failed memory write or register read may be the first sign of the death.
        if self.is_alive() {
            self.process.check_alive();
        }
        let pid = self.pid();
        let end = match self.process.state() {
            State::Ended(dbg_process::Ended::Exited(code)) => Event::Exited { pid, code },
            State::Ended(dbg_process::Ended::Killed(signal)) => Event::Killed { pid, signal },
            _ => return Err(error),
        };
        let mut events = self.thread_events();
        events.push(end);
        // The hits counted in the tracee up to its end (or exec) are the breakpoints'.
        self.settle_final_counts();
        self.sites.forget();
        self.at_breakpoint.clear();
        self.in_copy.clear();
        self.steps_asked.clear();
        self.slots.forget();
        Ok(events)
    }

    /// Resume the threads each as `action` says — run, execute one instruction, or stay
    /// stopped (gdb's `vCont`) — until the next stop to report. A thread to step that sits
    /// on a breakpoint site steps off it (the others held) and that is its step. Hits that
    /// breakpoints ignore, uncaught system calls and `nostop` signals are passed over as by
    /// [`Session::resume`].
    pub fn resume_threads(&mut self, action: &dyn Fn(Pid) -> ThreadAction) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.resume_threads_inner(action);
        self.death_as_event(alive, result)
    }

    fn resume_threads_inner(&mut self, action: &dyn Fn(Pid) -> ThreadAction) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let threads: Vec<Pid> = self.process.threads().collect();
        if threads.iter().all(|tid| action(*tid) == ThreadAction::Hold) {
            return Err(dbg_process::Error::NothingToResume.into());
        }
        let current = self.process.current_thread();
        for tid in &threads {
            if action(*tid) == ThreadAction::Step {
                self.steps_asked.insert(*tid);
            }
        }
        for tid in threads {
            if action(tid) == ThreadAction::Step && self.on_site(tid) {
                self.steps_asked.remove(&tid);
                self.guard(|process| process.select_thread(tid))?;
                // The last stop's signal belongs to the thread that stopped with it.
                let signal = self.last_signal.take();
                if tid == current {
                    self.last_signal = signal;
                }
                let result = self.step_instructions_inner(1);
                if self.is_alive() && tid != current {
                    let _ = self.process.select_thread(current);
                }
                return result;
            }
        }
        self.run_loop(1, action)
    }

    pub(super) fn resume_inner(&mut self, count: u64) -> Result<Vec<Event>> {
        self.run_loop(count, &|_| ThreadAction::Run)
    }

    /// Run with `action` per thread until a stop to report; `count` as for `continue N`.
    fn run_loop(&mut self, count: u64, action: &dyn Fn(Pid) -> ThreadAction) -> Result<Vec<Event>> {
        let result = self.run_loop_inner(count, action);
        if result.is_err() && self.process.deciding().is_some() {
            // Whatever failed, the command ends with the process stopped (best effort: a
            // failure here is the process's end, which the next command finds).
            let _ = self.process.stop_all();
        }
        result
    }

    fn run_loop_inner(
        &mut self,
        count: u64,
        action: &dyn Fn(Pid) -> ThreadAction,
    ) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        if count > 1 {
            if let Some(id) = self.last_watchpoint {
                if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                    wp.ignore = count - 1;
                }
            } else {
                let id = self.last_breakpoint.ok_or(Error::NotAtBreakpoint)?;
                if let Some(bp) = self.breakpoints.get_mut(id) {
                    bp.ignore = count - 1;
                }
            }
        }
        // The values watchpoints compare against are those of now (the user may have written
        // memory since the last stop).
        self.refresh_watch_values();
        self.arrange_counting()?;
        let mut after_hardware_hit = self.stopped_by_hardware;
        // Hits to ignore mean many stops: run tracer and tracee on one CPU meanwhile.
        let ignoring = self.breakpoints.ignoring()
            || self
                .watchpoints
                .by_id
                .values()
                .any(|wp| wp.enabled && wp.ignore > 0);
        let _shared = if ignoring {
            self.process.share_cpu().ok()
        } else {
            None
        };
        // The last stop's signal goes to the current thread, when that thread runs.
        let current = self.process.current_thread();
        let mut signal = if action(current) == ThreadAction::Hold {
            None
        } else {
            self.signal_to_deliver()
        };
        let mut events = Vec::new();
        // At the user's resume the current thread is stepped off a site it sits on (gdb: a
        // `continue` from a breakpoint's address does not hit it again); after a stop passed
        // over inside the loop, only threads that hit a site are (one stopped just before a
        // site by anything else hits it when it runs on, and its pc is not read for that).
        let mut from_user = true;
        loop {
            let stepped_off = self.step_off_breakpoints(&mut signal, action, from_user)?;
            from_user = false;
            if let Some(reason) = stepped_off {
                // A debug register that fired during the step (the instruction under the
                // site wrote a watched value) is a hit like any other: counted, and passed
                // over when every owner lets it pass (a `watch` that saw no change).
                let why = match reason {
                    StopReason::Stopped(Stop {
                        trap: Some(TrapKind::Hardware),
                        debug_status: Some(status),
                        tid,
                        ..
                    }) => self.hardware_hit(status, tid)?,
                    // The instruction under the site is a `syscall` a filter of ours traces:
                    // reported when caught, else the call runs on with the resume.
                    StopReason::Stopped(Stop {
                        trap: Some(TrapKind::SyscallEntry),
                        tid,
                        ..
                    }) => self.syscall_stop(tid, true)?,
                    _ => Some(Why::default()),
                };
                match why {
                    Some(why) => {
                        events.extend(self.report(reason, why)?);
                        return Ok(events);
                    }
                    None => {
                        events.extend(self.thread_events());
                        continue;
                    }
                }
            }
            if !self
                .process
                .threads()
                .any(|tid| action(tid) != ThreadAction::Hold)
            {
                if self.is_alive() && self.process.threads().next().is_none() {
                    // No thread is left that is not exiting (killed from outside, or an
                    // exit_group while others were held): the process's end is what follows.
                    let end = self.process.collect_death();
                    events.extend(self.report(end, Why::default())?);
                    return Ok(events);
                }
                // Every thread that was to move is gone (it exited stepping off its site):
                // the resume is over, with its exit.
                events.extend(self.thread_events());
                return Ok(events);
            }
            if !after_hardware_hit {
                self.set_resume_flag_at_hardware_breakpoint()?;
            }
            let reason = self.run_until_stop(signal.take(), action)?;
            after_hardware_hit = false;
            if let StopReason::Stopped(Stop { tid, .. }) = reason {
                if self.in_copy.remove(&tid) {
                    self.leave_scratch(tid)?;
                }
            }
            if let StopReason::Stopped(Stop {
                trap: Some(TrapKind::SingleStep),
                tid,
                ..
            }) = reason
            {
                let asked = self.steps_asked.remove(&tid);
                if asked && action(tid) != ThreadAction::Step {
                    // A step asked for by an earlier resume, completed while another
                    // thread's stop was reported: nobody waits for it any more.
                    events.extend(self.thread_events());
                    continue;
                }
            }
            if let StopReason::Stopped(Stop {
                trap: Some(trap @ (TrapKind::SyscallEntry | TrapKind::SyscallExit)),
                tid,
                ..
            }) = reason
            {
                match self.syscall_stop(tid, trap == TrapKind::SyscallEntry)? {
                    Some(why) => {
                        events.extend(self.report(reason, why)?);
                        return Ok(events);
                    }
                    None => {
                        events.extend(self.thread_events());
                        continue;
                    }
                }
            }
            if let StopReason::Stopped(Stop {
                trap: Some(TrapKind::Hardware),
                debug_status: Some(status),
                tid,
                ..
            }) = reason
            {
                match self.hardware_hit(status, tid)? {
                    Some(why) => {
                        events.extend(self.report(reason, why)?);
                        return Ok(events);
                    }
                    None => {
                        // Every owner ignores this hit; the kernel set RF for an execution
                        // breakpoint, so going on does not fire it again.
                        after_hardware_hit = true;
                        events.extend(self.thread_events());
                        continue;
                    }
                }
            }
            if let StopReason::Stopped(Stop {
                trap: None,
                signal: received,
                tid,
                ..
            }) = reason
            {
                let policy = self.policy(received);
                if !policy.stop {
                    // `nostop` signals (by default SIGCHLD, SIGALRM, ...): deliver them (if
                    // `pass`) and go on, saying so if `print`.
                    signal = policy.pass.then_some(received);
                    events.extend(self.thread_events());
                    if policy.print {
                        events.push(Event::SignalReceived {
                            tid,
                            signal: received,
                            passed: policy.pass,
                        });
                    }
                    continue;
                }
            }
            if let StopReason::Stopped(Stop {
                breakpoint: Some(addr),
                tid,
                ..
            }) = reason
            {
                if self.sites.is_counting(addr) {
                    self.settle_counts()?;
                    if !self.sites.ran_out(addr) {
                        // An `int3` hit from before the site counted (or a trap due before
                        // the user raised the ignore count): the thread, at the site, runs
                        // into its trampoline, which counts it.
                        events.extend(self.thread_events());
                        continue;
                    }
                }
                self.at_breakpoint.insert(tid);
                // The dynamic linker's hook: its list may have changed (the hit itself is
                // internal, passed over below unless a user breakpoint shares the site).
                if self.linker.is_hook(addr) {
                    // Libraries and breakpoints change here: with every thread stopped.
                    if let Some(end) = self.gather()? {
                        events.extend(self.report(end, Why::default())?);
                        return Ok(events);
                    }
                    let produced = self.linker_hook_hit();
                    self.library_events(produced, &mut events);
                }
                // Conditions first: a hit whose condition is false is not counted (gdb);
                // one that cannot be evaluated stops, with the reason.
                let owners: Vec<u32> = user_owners(&self.sites, addr).collect();
                // The hits let pass in the tracee first (this one may be the first to trap).
                self.settle_counts()?;
                let (counted, failed) = self.hits_holding(&owners, tid);
                if let Some((id, error)) = failed {
                    self.breakpoints.hit(counted);
                    events.push(Event::ConditionFailed { id, error });
                    events.extend(self.report(reason, Why::breakpoint(id))?);
                    return Ok(events);
                }
                match self.breakpoints.hit(counted) {
                    Some(id) => {
                        let why = Why {
                            inline_skip: self.breakpoint_inline_skip(id, addr),
                            ..Why::breakpoint(id)
                        };
                        events.extend(self.report(reason, why)?);
                        return Ok(events);
                    }
                    None if self.reached_temporary(addr, tid)? => {
                        let why = Why {
                            kind: Some(StopKind::StepDone),
                            ..Why::default()
                        };
                        events.extend(self.report(reason, why)?);
                        return Ok(events);
                    }
                    None => {
                        let ended = self.watch_scopes_ended(addr, tid)?;
                        if !ended.is_empty() {
                            events.extend(
                                ended
                                    .into_iter()
                                    .map(|id| Event::WatchpointScopeEnded { id }),
                            );
                            let why = Why {
                                kind: Some(StopKind::Watchpoint),
                                ..Why::default()
                            };
                            events.extend(self.report(reason, why)?);
                            return Ok(events);
                        }
                        // Every breakpoint here ignores this hit: keep going.
                        events.extend(self.thread_events());
                    }
                }
                continue;
            }
            events.extend(self.report(reason, Why::default())?);
            return Ok(events);
        }
    }

    /// Whether thread `tid`, at our `int3` at `addr`, is where a step is running to.
    fn reached_temporary(&mut self, addr: VirtAddr, tid: Pid) -> Result<bool> {
        let rules: Vec<SpRule> = self
            .temporaries
            .iter()
            .filter(|t| t.address == addr && t.tid == tid)
            .map(|t| t.sp)
            .collect();
        if rules.is_empty() {
            return Ok(false);
        }
        if rules.iter().any(|rule| matches!(rule, SpRule::Any)) {
            return Ok(true);
        }
        let here = self.process.current_thread();
        self.guard(|process| process.select_thread(tid))?;
        let rsp = self.guard(|process| process.read_register(Reg::Rsp));
        self.guard(|process| process.select_thread(here))?;
        let rsp = rsp?.as_u64();
        Ok(rules.iter().any(|rule| match rule {
            SpRule::Any => true,
            SpRule::Exact(sp) => rsp == sp.get(),
            SpRule::AtLeast(sp) => rsp >= sp.get(),
        }))
    }

    /// Resume the threads as `action` says and wait for the next stop.
    fn run_until_stop(
        &mut self,
        signal: Option<Signal>,
        action: &dyn Fn(Pid) -> ThreadAction,
    ) -> Result<StopReason> {
        // With the linker's list tracked, libraries are learnt as they load; otherwise the
        // mappings may have changed whenever the process ran.
        if !self.linker.tracking() {
            self.images.mark_stale();
        }
        // Syscall stops only when some are caught: otherwise the tracee runs at full speed.
        // With our filter, only caught calls stop (and the threads that are to see a caught
        // call's exit run to it with PTRACE_SYSCALL, as the process layer knows).
        // Installing one more filter runs a system call in the program, with every thread
        // stopped: a stop being decided on its thread alone is gathered first.
        if self.process.deciding().is_some() && self.filter_install_needed() {
            if let Some(end) = self.gather()? {
                return Ok(end);
            }
        }
        let mode = if self.catch.is_empty() || self.syscalls_filtered()? {
            Resume::Continue
        } else {
            Resume::Syscalls
        };
        // The others run as the thread stopped alone did; when they are to run another way
        // (every call stops now: the program, stopped alone at the call that installs a
        // filter of its own, may refuse caught calls before our filter is heard), they are
        // stopped first and resumed that way, before that call runs.
        if self
            .process
            .deciding_mode()
            .is_some_and(|running| running != mode)
        {
            if let Some(end) = self.gather()? {
                return Ok(end);
            }
        }
        // A plain resume of every thread decides each stop on its thread alone (see
        // `Process::wait_alone`) — also a command's own breakpoints (another thread's hit, or
        // a recursive call's, is passed over) and debug-register hits (an ignored or
        // unchanged one): each decision reads that thread's registers and the memory only.
        let alone = self
            .process
            .threads()
            .all(|tid| action(tid) == ThreadAction::Run);
        if self.process.deciding().is_some() {
            self.guard(|process| process.resume_alone(signal))?;
        } else {
            self.guard(|process| process.resume_threads(mode, action, signal))?;
        }
        let reason = if alone {
            self.process.wait_alone()
        } else {
            self.process.wait()
        };
        self.guard(|_| reason)
    }

    /// Stop the other threads if a stop was taken on its thread alone and is now to be
    /// reported, or needs them held: `Some(end)` if the process ended meanwhile.
    pub(super) fn gather(&mut self) -> Result<Option<StopReason>> {
        if self.process.deciding().is_none() {
            return Ok(None);
        }
        self.guard(Process::stop_all)
    }

    /// Move every thread that hit one of our `int3`s (and, `with_current`, the current
    /// thread if it sits on one) past the instruction under it, the other threads held. A stop other than the completed step (a signal, the end of the
    /// process) is returned for the caller to report. `signal` goes to the current thread.
    fn step_off_breakpoints(
        &mut self,
        signal: &mut Option<Signal>,
        action: &dyn Fn(Pid) -> ThreadAction,
        with_current: bool,
    ) -> Result<Option<StopReason>> {
        let current = self.process.current_thread();
        let (mut threads, held): (Vec<Pid>, Vec<Pid>) = std::mem::take(&mut self.at_breakpoint)
            .into_iter()
            .partition(|tid| action(*tid) != ThreadAction::Hold);
        // Threads that stay stopped stay on their sites.
        self.at_breakpoint.extend(held);
        if with_current
            && !threads.contains(&current)
            && !self.entering.contains(&current)
            && action(current) != ThreadAction::Hold
        {
            threads.push(current);
        }
        let mut rest = threads.into_iter();
        while let Some(tid) = rest.next() {
            if self.process.select_thread(tid).is_err() {
                continue;
            }
            // The signal goes with the current thread's step off its site, and then not again
            // when everything resumes.
            let deliver = if tid == current && signal.is_some() && self.on_site(tid) {
                signal.take()
            } else {
                None
            };
            let outcome = self.step_off_site(deliver, true);
            if self.is_alive() {
                let _ = self.process.select_thread(current);
            }
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(error) => {
                    self.at_breakpoint.extend(rest);
                    return Err(error);
                }
            };
            if let StepOff::Stopped(reason) = outcome {
                // A thread that ran its exit is simply gone: the others go on.
                if let StopReason::ThreadExited { .. } = reason {
                    continue;
                }
                // The threads not stepped off yet still sit on their sites (and this one
                // too, if the step did not complete): the next resume steps them off.
                self.at_breakpoint.extend(rest);
                if self.is_alive() && self.on_site(tid) {
                    self.at_breakpoint.insert(tid);
                }
                return Ok(Some(reason));
            }
        }
        Ok(None)
    }

    /// Whether thread `tid` sits at one of our inserted `int3`s.
    fn on_site(&mut self, tid: Pid) -> bool {
        let here = self.process.current_thread();
        if self.process.select_thread(tid).is_err() {
            return false;
        }
        let pc = self.process.pc();
        let _ = self.process.select_thread(here);
        pc.is_ok_and(|pc| self.sites.is_inserted(pc))
    }

    /// If thread `tid` stopped inside the scratch area (in or just past an out-of-line copy,
    /// or in a counting trampoline), move its pc to the address in the program that stands
    /// for: the site (the copied instruction has not run; the thread sits on the site again),
    /// the next instruction (it has; the jump back is all that was left), or — from a
    /// trampoline — the site as if the thread had not reached it: stack pointer and flags as
    /// they were there, the counter's decrement given back, and the thread marked to run
    /// into the site rather than over it.
    pub(super) fn leave_scratch(&mut self, tid: Pid) -> Result<()> {
        let pc = match self.process.read_thread_register(tid, Reg::Rip) {
            Ok(pc) => VirtAddr::new(pc.as_u64()),
            // Gone meanwhile (exited, or the process ended): nothing to move.
            Err(_) => return Ok(()),
        };
        let to = match self.sites.scratch_place(pc) {
            None => return Ok(()),
            Some(Place::Site(site)) => {
                if self.sites.is_inserted(site) {
                    self.at_breakpoint.insert(tid);
                }
                site
            }
            Some(Place::After(next)) => next,
            Some(Place::Entering {
                site,
                rsp_add,
                flags_on_stack,
                counter,
            }) => {
                let rsp = self.process.read_thread_register(tid, Reg::Rsp)?.as_u64();
                if flags_on_stack {
                    let saved = self.memory.read_exact(VirtAddr::new(rsp), 8)?;
                    let mut word = [0u8; 8];
                    for (to, from) in word.iter_mut().zip(&saved) {
                        *to = *from;
                    }
                    let flags = RegValue::from_u64(u64::from_le_bytes(word));
                    self.guard(|process| process.write_thread_register(tid, Reg::Eflags, flags))?;
                }
                let up = RegValue::from_u64(rsp.wrapping_add(rsp_add));
                self.guard(|process| process.write_thread_register(tid, Reg::Rsp, up))?;
                if let Some(counter) = counter {
                    self.sites.give_back_hit(&self.memory, counter)?;
                }
                self.entering.insert(tid);
                site
            }
        };
        self.guard(|process| {
            process.write_thread_register(tid, Reg::Rip, RegValue::from_u64(to.get()))
        })
    }

    /// Run the instruction under the site at the current thread's pc, if there is one:
    /// emulated when dbg can (the tracee does not stop at all); else, with `out_of_line`
    /// (the thread is about to run on), set to run its relocated copy in the scratch area
    /// (no stop either: the copy jumps back); else lift the `int3`, single-step with the
    /// other threads held, and put it back.
    fn step_off_site(&mut self, signal: Option<Signal>, out_of_line: bool) -> Result<StepOff> {
        if self.sites.is_empty() {
            return Ok(StepOff::NotOnSite);
        }
        let pc = self.guard(Process::pc)?;
        if !self.sites.is_inserted(pc) {
            return Ok(StepOff::NotOnSite);
        }
        let plan = self.sites.plan(&self.memory, pc);
        let relocatable = plan.is_some_and(|p| p.relocatable);
        let (plan, trusted) = plan.map_or((None, false), |p| (p.displaced, p.trusted_step));
        // A displaced write (push) must trap a watchpoint over it: step it for real then.
        let watching_data = self
            .slots
            .in_use()
            .any(|(_, watch, _)| watch.kind != WatchKind::Execute);
        if let (Some(displaced), None, false) = (plan, signal, watching_data) {
            if displaced::emulate(displaced, pc, &mut self.process, &self.memory)? {
                return Ok(StepOff::Done);
            }
        }
        // A signal to deliver goes with a real step: its handler must see the program's pc.
        if out_of_line && relocatable && signal.is_none() {
            if !self.sites.has_copy(pc) {
                // Mapping the scratch area runs a system call on this thread, stepped with
                // the others held.
                if let Some(end) = self.gather()? {
                    return Ok(StepOff::Stopped(end));
                }
            }
            let tid = self.process.current_thread();
            match self.sites.out_of_line(&mut self.process, &self.memory, pc) {
                Ok(OutOfLine::Copy(slot)) => {
                    self.guard(|process| {
                        process.write_register(Reg::Rip, RegValue::from_u64(slot.get()))
                    })?;
                    self.in_copy.insert(tid);
                    // The next hits to ignore, in the tracee.
                    self.count_from_now(pc)?;
                    return Ok(StepOff::Done);
                }
                Ok(OutOfLine::Unavailable) => {}
                // The thread stopped for something else before the scratch area was
                // mapped; its registers are as they were.
                Ok(OutOfLine::Stopped(reason)) => return Ok(StepOff::Stopped(reason)),
                Err(dbg_memory::Error::Process(error)) => {
                    return self.guard(|_| Err(error));
                }
                Err(error) => return Err(error.into()),
            }
        }
        // The classic step: the int3 is lifted, so every other thread must be held.
        if let Some(end) = self.gather()? {
            return Ok(StepOff::Stopped(end));
        }
        self.sites.lift(&self.memory, pc)?;
        let stepped = self.guard(|process| {
            if trusted {
                process.step_known_instruction(signal)
            } else {
                process.step_instruction(signal)
            }
        });
        let execed = matches!(
            stepped,
            Ok(StopReason::Stopped(Stop {
                trap: Some(TrapKind::Exec),
                ..
            }))
        );
        // After an exec the old program's memory, and the site in it, are gone: nothing to
        // put back (the exec stop, reported, makes the session forget the old program).
        let lowered = if self.is_alive() && !execed {
            self.sites.lower(&self.memory, pc)
        } else {
            Ok(())
        };
        let reason = stepped?;
        let completed = matches!(
            reason,
            StopReason::Stopped(Stop {
                trap: Some(TrapKind::SingleStep),
                ..
            })
        );
        // Something else that happened is reported first; a failed lowering is the error only
        // when the step simply completed.
        if completed {
            lowered?;
        }
        Ok(match reason {
            StopReason::Stopped(Stop {
                trap: Some(TrapKind::SingleStep),
                ..
            }) => StepOff::Done,
            other => StepOff::Stopped(other),
        })
    }

    /// Execute `count` instructions on the current thread, stopping early at anything other
    /// than a completed step (a signal, the end of the process, an interrupt, an enabled
    /// breakpoint stepped onto).
    pub fn step_instructions(&mut self, count: u64) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.step_instructions_inner(count);
        self.death_as_event(alive, result)
    }

    fn step_instructions_inner(&mut self, count: u64) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let _shared = if count >= SHARE_CPU_FROM_STEPS {
            self.process.share_cpu().ok()
        } else {
            None
        };
        let mut signal = self.signal_to_deliver();
        let mut done = 0;
        self.quiet_code = Some(std::collections::HashMap::new());
        let result = loop {
            let step = match self.single_step(signal.take()) {
                Ok(step) => step,
                Err(error) => break Err(error),
            };
            done += 1;
            match step {
                SingleStep::Report(reason, why) => break Ok((reason, why)),
                SingleStep::Done(reason) => {
                    if done >= count || self.interrupter.requested() {
                        break Ok((reason, Why::stepping()));
                    }
                }
            }
        };
        self.quiet_code = None;
        let (reason, why) = result?;
        self.report(reason, why)
    }

    /// Step the current thread off an address that is not a site of ours: without asking
    /// the kernel why the SIGTRAP came when the instruction cannot raise one itself (known
    /// only during `stepi N`, see `quiet_code`) and no signal goes with the step.
    fn step_plain(&mut self, signal: Option<Signal>) -> Result<StopReason> {
        let quiet = match (&self.quiet_code, signal) {
            (Some(_), None) => {
                let pc = self.current_pc()?;
                match self.quiet_code.as_ref().and_then(|known| known.get(&pc)) {
                    Some(quiet) => *quiet,
                    None => {
                        /// Bytes decoded ahead: the instructions after this one are likely
                        /// the next steps.
                        const AHEAD: usize = 64;
                        let decoded = match self.memory.read(pc, AHEAD) {
                            Ok(mut read) => {
                                self.sites.hide(pc, &mut read.bytes);
                                dbg_memory::trap_map(&read.bytes, pc)
                            }
                            Err(_) => Vec::new(),
                        };
                        let known = self.quiet_code.get_or_insert_with(Default::default);
                        for (at, traps) in decoded {
                            known.entry(at).or_insert(!traps);
                        }
                        *known.entry(pc).or_insert(false)
                    }
                }
            }
            _ => false,
        };
        self.guard(|process| {
            if quiet {
                process.step_known_instruction(signal)
            } else {
                process.step_instruction(signal)
            }
        })
    }

    /// Execute one instruction on the current thread (stepping off a breakpoint site the
    /// way resuming does). Anything but a plain completed step — a signal, the end of the
    /// process, a hardware hit to report, an enabled breakpoint stepped onto — comes back as
    /// a stop to report, with why.
    pub(super) fn single_step(&mut self, signal: Option<Signal>) -> Result<SingleStep> {
        let tid = self.process.current_thread();
        self.at_breakpoint.remove(&tid);
        let reason = match self.step_off_site(signal, false)? {
            StepOff::NotOnSite => self.step_plain(signal)?,
            StepOff::Done => StopReason::Stopped(Stop {
                tid,
                signal: Signal::SIGTRAP,
                trap: Some(TrapKind::SingleStep),
                fault_addr: None,
                origin: SignalOrigin::Kernel,
                breakpoint: None,
                debug_status: None,
            }),
            StepOff::Stopped(other) => other,
        };
        // A seccomp stop on the way (the instruction is a `syscall` a filter of ours traces;
        // a step makes no other system-call stop): a caught call is reported as its entry,
        // any other — no longer caught, or one that installs a filter — runs, as the step.
        let reason = match reason {
            StopReason::Stopped(Stop {
                trap: Some(TrapKind::SyscallEntry),
                tid: stopped,
                ..
            }) if stopped == tid => match self.syscall_stop(tid, true)? {
                Some(why) => return Ok(SingleStep::Report(reason, why)),
                None => self.guard(|process| process.step_instruction(None))?,
            },
            other => other,
        };
        let stepped = matches!(
            reason,
            StopReason::Stopped(Stop {
                trap: Some(TrapKind::SingleStep),
                ..
            })
        );
        if stepped {
            // A step runs a call it starts, or was stopped in, to its end without an exit
            // stop: no exit of a call caught before is to be reported for this thread.
            self.caught_entries.remove(&tid);
        }
        if let StopReason::Stopped(Stop {
            trap: Some(TrapKind::Hardware),
            debug_status: Some(status),
            tid,
            ..
        }) = reason
        {
            if let Some(why) = self.hardware_hit(status, tid)? {
                return Ok(SingleStep::Report(reason, why));
            }
        } else if !stepped {
            return Ok(SingleStep::Report(reason, Why::stepping()));
        }
        // Stepping onto an enabled breakpoint is a hit of it, as in gdb.
        if !self.sites.is_empty() {
            let pc = self.guard(Process::pc)?;
            if self.sites.is_inserted(pc) {
                self.at_breakpoint.insert(tid);
                // Stepped onto the linker's hook: its list may have changed.
                if self.linker.is_hook(pc) {
                    let produced = self.linker_hook_hit();
                    let mut queued = std::mem::take(&mut self.queued_events);
                    self.library_events(produced, &mut queued);
                    self.queued_events = queued;
                }
                let owners: Vec<u32> = user_owners(&self.sites, pc).collect();
                self.settle_counts()?;
                let (counted, _) = self.hits_holding(&owners, tid);
                if let Some(id) = self.breakpoints.hit(counted) {
                    return Ok(SingleStep::Report(reason, Why::breakpoint(id)));
                }
                if let Some(end) = self.recount(pc)? {
                    return Ok(SingleStep::Report(end, Why::default()));
                }
            }
        }
        Ok(SingleStep::Done(reason))
    }
}

/// The user breakpoints among the owners of the site at `addr`.
fn user_owners(sites: &Sites, addr: VirtAddr) -> impl Iterator<Item = u32> + '_ {
    sites.owners(addr).filter_map(|owner| match owner {
        SiteOwner::Breakpoint(id) => Some(id),
        SiteOwner::Temporary | SiteOwner::Internal(_) => None,
    })
}
