//! A traced process: its threads, the all-stop resume/step/wait cycle, registers, detach and
//! kill.
//!
//! All-stop: when one thread reports a stop, every other running thread is stopped too
//! (`tgkill(SIGSTOP)`), and any other event a thread reports meanwhile is kept, in order, to be
//! reported by a later [`Process::wait`] before anything runs again.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use dbg_sys::ptrace::{self, Options};
use dbg_sys::thread::{self as systhread, Cpus};
use dbg_sys::user::{self, FpRegs, Regs};
use dbg_sys::wait::{peek_any, try_wait_tid, wait_tid, WaitStatus};
use dbg_sys::{Errno, Pid, Signal};

use crate::error::{AttachRefusal, Ended, Error, Result};
use crate::regs::{Reg, RegClass, RegValue};
use crate::stop::{SignalOrigin, Stop, StopReason, ThreadEvent, TrapKind};
use crate::stop_request::StopRequest;

/// How the process came under the debugger; decides what happens when the debugger lets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Launched by us: killed when the `Process` is dropped.
    Launched,
    /// Attached by us: detached when the `Process` is dropped.
    Attached,
}

/// Where the process is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Every thread is stopped; registers can be read and written.
    Stopped,
    /// Resumed; [`Process::wait`] will report the next stop.
    Running,
    /// No longer debugged.
    Ended(Ended),
}

/// How to resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Run until a signal or trap (`PTRACE_CONT`).
    Continue,
    /// Also stop at every system-call entry and exit (`PTRACE_SYSCALL`).
    Syscalls,
}

#[derive(Debug, Default)]
struct RegCache {
    gpr: Option<Regs>,
    gpr_dirty: bool,
    fpr: Option<FpRegs>,
    fpr_dirty: bool,
    debug: [Option<u64>; 8],
}

/// One thread as the all-stop core sees it (the state machine is described in
/// docs/ARCHITECTURE.md, "The all-stop core").
#[derive(Debug, Default)]
struct Thread {
    /// Set running (or created) and no stop of it collected since.
    running: bool,
    /// A SIGSTOP is on its way to it and is to be swallowed when it arrives: one of ours, or
    /// the kernel's first one for a new thread.
    sigstop_queued: bool,
    /// Created and not stopped yet: its debug registers are still to be written.
    fresh: bool,
    /// It reported its exit (`PTRACE_EVENT_EXIT`) and was let go to die: it never stops
    /// again. A thread-group leader that exits before the other threads stays a zombie until
    /// they are gone, so it is neither signalled nor waited for.
    exiting: bool,
    /// What it is to do after a stop the core handles itself (our SIGSTOP, a clone or fork
    /// event, a group-stop): go on the same way, or stay stopped.
    want: Want,
    /// Between a syscall-entry stop and its exit stop.
    in_syscall: bool,
    /// How it was last set running.
    stepping: Stepping,
    regs: RegCache,
}

/// What the debugger wants a thread to be doing.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Stopped (all-stop: another thread is being reported, or stepped).
    #[default]
    Hold,
    /// Running with every other thread.
    Run(Resume),
    /// Executing one instruction, the others held.
    Step(Stepping),
}

/// How a thread was last resumed, which decides how its SIGTRAP is classified.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stepping {
    /// Continued: a SIGTRAP one byte past one of our breakpoints is that breakpoint.
    #[default]
    Continue,
    /// Single-stepped: ask the kernel what the SIGTRAP is.
    Step,
    /// Single-stepped over an instruction known not to trap: a SIGTRAP is the step.
    Trusted,
}

/// A process under ptrace control. See the crate documentation for an example.
///
/// ptrace requests are accepted only from the thread that attached or launched the tracee,
/// so the type is neither `Send` nor `Sync`: it stays on that thread. Another thread stops it
/// through a [`StopRequest`].
///
/// ```compile_fail
/// fn on_another_thread<T: Send>() {}
/// on_another_thread::<dbg_process::Process>();
/// ```
#[derive(Debug)]
pub struct Process {
    pid: Pid,
    threads: BTreeMap<Pid, Thread>,
    current: Pid,
    origin: Origin,
    state: State,
    /// Stops collected while stopping other threads, reported before anything resumes.
    pending: VecDeque<Stop>,
    /// Our software breakpoints, address → the byte the `int3` replaced: a SIGTRAP one byte
    /// past one of them is ours, and a forked child gets the original bytes back.
    breakpoints: BTreeMap<u64, u8>,
    /// Forked children whose first stop was collected before their parent's fork event.
    early_children: BTreeSet<Pid>,
    /// New threads seen (stopped or exited) before their creator's clone event: that event
    /// must not add them again.
    early_threads: BTreeSet<Pid>,
    /// Ctrl-C from another thread (see [`StopRequest`]).
    stop_request: StopRequest,
    /// A stop signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) was passed to the program: from
    /// then on a group-stop may report SIGSTOP on a thread that has one of ours queued, so a
    /// SIGSTOP is taken as ours only when it has signal information.
    group_stops: bool,
    /// Our `int3`s are out of the memory a vfork child shares with us, until VFORK_DONE.
    vfork_lifted: bool,
    /// The debug registers every thread carries (new threads get them before they run).
    debug: DebugRegisters,
    /// A signal already answered (a terminal Ctrl-C after our interrupt): its stop, when it
    /// comes, is resumed without a report and without delivering it.
    swallow: Option<Signal>,
    events: VecDeque<ThreadEvent>,
    /// Not `Send`/`Sync` (see the type's documentation).
    _tracer_thread: std::marker::PhantomData<*const ()>,
}

/// Threads are followed; forked children are caught so that our breakpoints can be taken out
/// of them before they run (then they are let go, as gdb's `follow-fork-mode parent`); exec is
/// a stop of its own.
const ATTACH_OPTIONS: Options = Options::PTRACE_O_TRACECLONE
    .union(Options::PTRACE_O_TRACESYSGOOD)
    .union(Options::PTRACE_O_TRACEFORK)
    .union(Options::PTRACE_O_TRACEVFORK)
    .union(Options::PTRACE_O_TRACEVFORKDONE)
    .union(Options::PTRACE_O_TRACEEXEC)
    .union(Options::PTRACE_O_TRACEEXIT);
/// A launched process also dies with the debugger.
const LAUNCH_OPTIONS: Options = ATTACH_OPTIONS.union(Options::PTRACE_O_EXITKILL);

impl Process {
    /// Take control of `pid`, whose threads are all in a ptrace stop. Each thread may carry
    /// a status collected while attaching that must be reported later.
    pub(crate) fn adopt(
        pid: Pid,
        origin: Origin,
        threads: Vec<(Pid, Option<WaitStatus>)>,
    ) -> Result<Process> {
        let options = match origin {
            Origin::Launched => LAUNCH_OPTIONS,
            Origin::Attached => ATTACH_OPTIONS,
        };
        let mut process = Process {
            pid,
            threads: BTreeMap::new(),
            current: pid,
            origin,
            state: State::Stopped,
            pending: VecDeque::new(),
            breakpoints: BTreeMap::new(),
            early_children: BTreeSet::new(),
            early_threads: BTreeSet::new(),
            stop_request: StopRequest::default(),
            group_stops: false,
            vfork_lifted: false,
            debug: DebugRegisters::default(),
            swallow: None,
            events: VecDeque::new(),
            _tracer_thread: std::marker::PhantomData,
        };
        for (tid, early) in threads {
            if let Err(e) = ptrace::set_options(tid, options) {
                if origin == Origin::Launched {
                    let _ = systhread::kill(pid, Signal::SIGKILL);
                    let _ = wait_tid(pid);
                }
                return Err(e.into());
            }
            let sigstop_queued = early.is_some();
            process.threads.insert(
                tid,
                Thread {
                    sigstop_queued,
                    ..Thread::default()
                },
            );
            if let Some(WaitStatus::Stopped(_, signal)) = early {
                let info = ptrace::siginfo(tid)?;
                process
                    .pending
                    .push_back(Stop::from_siginfo(tid, signal, &info));
            }
        }
        Ok(process)
    }

    /// Attach to every thread of `pid` and stop them all.
    pub fn attach(pid: Pid) -> Result<Process> {
        let refuse = |reason| Error::Attach {
            pid: pid.as_raw(),
            reason,
        };
        if pid.as_raw() <= 0 {
            return Err(refuse(AttachRefusal::NoSuchProcess));
        }
        if pid == nix::unistd::getpid() {
            return Err(refuse(AttachRefusal::Itself));
        }
        let mut attached: Vec<(Pid, Option<WaitStatus>)> = Vec::new();
        // Threads may be created while we attach: list again until no new one appears.
        loop {
            let tids = task_ids(pid).map_err(|_| refuse(AttachRefusal::NoSuchProcess))?;
            let new: Vec<Pid> = tids
                .into_iter()
                .filter(|t| !attached.iter().any(|(a, _)| a == t))
                .collect();
            if new.is_empty() {
                break;
            }
            for tid in new {
                match ptrace::attach(tid) {
                    Ok(()) => {}
                    // The thread exited between listing and attaching.
                    Err(e) if e.errno == Errno::ESRCH && tid != pid => continue,
                    Err(e) => {
                        release(&attached);
                        return Err(refuse(diagnose_refusal(pid, e.errno)));
                    }
                }
                match wait_tid(tid)? {
                    WaitStatus::Stopped(_, Signal::SIGSTOP) => attached.push((tid, None)),
                    // Another signal arrived before our SIGSTOP: keep it to report.
                    status @ WaitStatus::Stopped(..) => attached.push((tid, Some(status))),
                    WaitStatus::Exited(..) | WaitStatus::Signaled(..) if tid != pid => {}
                    other => {
                        release(&attached);
                        return Err(Error::Unexpected {
                            tid: tid.as_raw(),
                            during: "attach",
                            status: format!("{other:?}"),
                        });
                    }
                }
            }
        }
        Process::adopt(pid, Origin::Attached, attached)
    }

    /// The process id (the thread-group leader).
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// How the process came under the debugger.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Where the process is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// The thread that last stopped, or that the user selected.
    pub fn current_thread(&self) -> Pid {
        self.current
    }

    /// Every thread that can be stopped and inspected, in tid order (a leader that has
    /// exited before its other threads is not one).
    pub fn threads(&self) -> impl Iterator<Item = Pid> + '_ {
        self.threads
            .iter()
            .filter(|(_, t)| !t.exiting)
            .map(|(tid, _)| *tid)
    }

    /// The first thread that can be stopped and inspected (the leader's id if none is).
    fn first_live_thread(&self) -> Pid {
        let first = self.threads().next();
        first.unwrap_or(self.pid)
    }

    /// Make `tid` the thread that registers and stepping apply to.
    pub fn select_thread(&mut self, tid: Pid) -> Result<()> {
        if self.threads.get(&tid).is_none_or(|t| t.exiting) {
            return Err(Error::UnknownThread(tid.as_raw()));
        }
        self.current = tid;
        Ok(())
    }

    /// Thread events seen since the last call, oldest first.
    pub fn take_events(&mut self) -> impl Iterator<Item = ThreadEvent> + '_ {
        self.events.drain(..)
    }

    fn ensure_stopped(&self) -> Result<()> {
        match self.state {
            State::Stopped => Ok(()),
            State::Running => Err(Error::Running),
            State::Ended(how) => Err(Error::NoProcess(how)),
        }
    }

    fn ensure_running(&self) -> Result<()> {
        match self.state {
            State::Running => Ok(()),
            State::Stopped => Err(Error::Unexpected {
                tid: self.pid.as_raw(),
                during: "wait",
                status: "the process was not resumed".into(),
            }),
            State::Ended(how) => Err(Error::NoProcess(how)),
        }
    }

    // ── Registers ────────────────────────────────────────────────────────────────────────

    /// Read `reg` of the current thread. Register areas are fetched once per stop.
    pub fn read_register(&mut self, reg: Reg) -> Result<RegValue> {
        self.ensure_stopped()?;
        let tid = self.current;
        let info = reg.info();
        let thread = self.thread_mut(tid)?;
        let raw: Vec<u8> = match info.class {
            RegClass::Gpr | RegClass::SubGpr => {
                let regs = gprs(tid, &mut thread.regs)?;
                regs.as_bytes()
                    .get(info.offset..info.offset + info.size)
                    .unwrap_or(&[])
                    .to_vec()
            }
            RegClass::Fpr => {
                let area = fprs(tid, &mut thread.regs)?;
                area.as_bytes()
                    .get(info.offset..info.offset + info.size)
                    .unwrap_or(&[])
                    .to_vec()
            }
            RegClass::Debug => {
                let slot =
                    thread
                        .regs
                        .debug
                        .get_mut(info.offset)
                        .ok_or(Error::ValueDoesNotFit {
                            register: info.name,
                            size: info.size,
                        })?;
                let value = match *slot {
                    Some(value) => value,
                    None => *slot.insert(ptrace::peek_user(tid, user::debug_reg(info.offset))?),
                };
                value.to_le_bytes().to_vec()
            }
        };
        RegValue::from_bytes(&raw, info.format)
            .filter(|v| v.size() == info.size)
            .ok_or(Error::ValueDoesNotFit {
                register: info.name,
                size: info.size,
            })
    }

    /// Write `value` to `reg` of the current thread. General and floating-point registers are
    /// written back to the kernel once, before the thread next runs; debug registers at once.
    pub fn write_register(&mut self, reg: Reg, value: RegValue) -> Result<()> {
        self.ensure_stopped()?;
        let tid = self.current;
        let info = reg.info();
        if value.size() > info.size {
            return Err(Error::ValueDoesNotFit {
                register: info.name,
                size: info.size,
            });
        }
        let mut raw = [0u8; 16];
        raw.get_mut(..value.size())
            .unwrap_or(&mut [])
            .copy_from_slice(value.bytes());
        let raw = raw.get(..info.size).unwrap_or(&[]);
        let thread = self.thread_mut(tid)?;
        match info.class {
            RegClass::Gpr | RegClass::SubGpr => {
                let mut regs = *gprs(tid, &mut thread.regs)?;
                copy_into(regs.as_bytes_mut(), info.offset, raw);
                thread.regs.gpr = Some(regs);
                thread.regs.gpr_dirty = true;
            }
            RegClass::Fpr => {
                let mut area = *fprs(tid, &mut thread.regs)?;
                copy_into(area.as_bytes_mut(), info.offset, raw);
                thread.regs.fpr = Some(area);
                thread.regs.fpr_dirty = true;
            }
            RegClass::Debug => {
                let word = value.as_u64();
                ptrace::poke_user(tid, user::debug_reg(info.offset), word)?;
                if let Some(slot) = thread.regs.debug.get_mut(info.offset) {
                    *slot = Some(word);
                }
            }
        }
        Ok(())
    }

    /// The program counter of the current thread.
    pub fn pc(&mut self) -> Result<u64> {
        Ok(self.read_register(Reg::Rip)?.as_u64())
    }

    fn thread_mut(&mut self, tid: Pid) -> Result<&mut Thread> {
        self.threads
            .get_mut(&tid)
            .ok_or(Error::UnknownThread(tid.as_raw()))
    }

    /// Write back changed registers of `tid` and forget its cached ones (it is about to run).
    fn flush(&mut self, tid: Pid) -> Result<()> {
        let thread = self.thread_mut(tid)?;
        let cache = std::mem::take(&mut thread.regs);
        if cache.gpr_dirty {
            if let Some(regs) = &cache.gpr {
                ptrace::set_regs(tid, regs)?;
            }
        }
        if cache.fpr_dirty {
            if let Some(area) = &cache.fpr {
                ptrace::set_fp_regs(tid, area)?;
            }
        }
        Ok(())
    }

    // ── Running ──────────────────────────────────────────────────────────────────────────

    /// Resume every thread; `signal` is delivered to the current thread. If a stop collected
    /// earlier is still unreported, or a stop was requested ([`StopRequest`]), nothing runs and
    /// the next [`Process::wait`] reports it.
    pub fn resume(&mut self, mode: Resume, signal: Option<Signal>) -> Result<()> {
        self.ensure_stopped()?;
        if let Some(tid) = self.pending.front().map(|stop| stop.tid) {
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
        if self.pending.is_empty() && !self.stop_request.is_requested() {
            self.stop_request.open(self.pid, self.current);
            let tids: Vec<Pid> = self.threads().collect();
            for tid in tids {
                let deliver = if tid == self.current { signal } else { None };
                if let Err(error) = self.set_going(tid, Want::Run(mode), deliver) {
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
    fn set_going(&mut self, tid: Pid, want: Want, signal: Option<Signal>) -> Result<()> {
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
        let result = match want {
            Want::Hold => Ok(()),
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
            Want::Run(_) => {
                thread.running = true;
                thread.stepping = Stepping::Continue;
            }
            Want::Step(kind) => {
                thread.running = true;
                thread.stepping = kind;
            }
        }
        Ok(())
    }

    /// After a stop of `tid` handled inside: let it go on as it was going, unless it is held
    /// or a stop was requested (then it stays stopped, and `wait` or `step` answers the
    /// request).
    fn go_on(&mut self, tid: Pid) -> Result<()> {
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

    fn step(&mut self, signal: Option<Signal>, trusted: bool) -> Result<StopReason> {
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

    /// Wait until the process stops (all-stop: every thread is stopped on return) or ends.
    /// A requested stop ([`StopRequest`]) that no other stop answers is reported as a SIGSTOP
    /// sent by this process, as the interrupt's own SIGSTOP would be.
    pub fn wait(&mut self) -> Result<StopReason> {
        self.ensure_running()?;
        let result = self.wait_inner();
        self.close_gate();
        result
    }

    fn wait_inner(&mut self) -> Result<StopReason> {
        loop {
            let reason = if let Some(stop) = self.pending.pop_front() {
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
                self.handle(tid, status)?
            };
            if let Some(reason) = reason {
                if let StopReason::Stopped(stop) = &reason {
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

    /// A stop by the interrupt's own SIGSTOP answers the request.
    fn answered(&self, stop: &Stop) {
        if stop.signal == Signal::SIGSTOP
            && stop.origin == SignalOrigin::Process(std::process::id() as i32)
        {
            self.stop_request.clear();
        }
    }

    /// Nothing runs now: no more wake-ups for requests. If one was sent and has not arrived
    /// (it is still pending for its thread, which is stopped), it will arrive when the thread
    /// runs again and is swallowed then, like one of ours.
    fn close_gate(&mut self) {
        let Some(tid) = self.stop_request.close() else {
            return;
        };
        // A wake-up is sent to the thread alone (tgkill): its own mask.
        let pending = pending_in(self.pid, tid, Signal::SIGSTOP, &["SigPnd:"]);
        if let Some(thread) = self.threads.get_mut(&tid) {
            if pending {
                thread.sigstop_queued = true;
            }
        }
    }

    /// The handle another thread uses to ask for a stop (Ctrl-C).
    pub fn stop_request(&self) -> StopRequest {
        self.stop_request.clone()
    }

    /// Ask the running process to stop (as Ctrl-C would): the stop is reported by `wait`.
    pub fn interrupt(&self) -> Result<()> {
        systhread::kill(self.pid, Signal::SIGINT).map_err(Error::from)
    }

    /// At a system-call stop of the current thread: the kernel's account of it (entry with
    /// number and arguments, or exit with the result), which also corrects the per-thread
    /// entry/exit bookkeeping should it have drifted (e.g. attached in the middle of a call).
    pub fn syscall_info(&mut self) -> Result<ptrace::SyscallStop> {
        self.ensure_stopped()?;
        let tid = self.current;
        let info = ptrace::syscall_info(tid)?;
        let thread = self.thread_mut(tid)?;
        match info {
            ptrace::SyscallStop::Entry { .. } => thread.in_syscall = true,
            ptrace::SyscallStop::Exit { .. } => thread.in_syscall = false,
            ptrace::SyscallStop::Other => {}
        }
        Ok(info)
    }

    /// Resume the next stop by `signal` without reporting or delivering it (it answers a
    /// request already answered, e.g. the terminal's SIGINT after an interrupt).
    pub fn swallow_next(&mut self, signal: Signal) {
        self.swallow = Some(signal);
    }

    /// Whether `signal` is pending for the process or one of its threads (`/proc`), e.g. a
    /// terminal Ctrl-C that has not been delivered yet.
    pub fn signal_pending(&self, signal: Signal) -> bool {
        self.threads
            .keys()
            .any(|tid| pending_in(self.pid, *tid, signal, &["ShdPnd:", "SigPnd:"]))
    }

    /// The next state change of one of our threads.
    fn next_status(&mut self) -> Result<(Pid, WaitStatus)> {
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
        loop {
            let tid = peek_any()?;
            if self.threads.contains_key(&tid) || self.is_our_thread(tid) {
                return Ok((tid, wait_tid(tid)?));
            }
            if traced_by_caller(tid) {
                // A forked child, stopped before its parent's fork event is seen: keep it
                // stopped for the event's handling.
                wait_tid(tid)?;
                self.early_children.insert(tid);
                continue;
            }
            return Err(Error::ForeignChild(tid.as_raw()));
        }
    }

    /// Whether `tid` is a thread of our process we have not heard of yet (a clone whose first
    /// stop arrives before its parent's clone event).
    fn is_our_thread(&self, tid: Pid) -> bool {
        let path = format!("/proc/{}/task/{}", self.pid, tid);
        std::path::Path::new(&path).exists()
    }

    /// Add a thread that has just come into being: it is running (it has not stopped yet),
    /// its first stop is the kernel's SIGSTOP, and it does what its creator does.
    fn add_thread(&mut self, tid: Pid, want: Want) {
        self.threads.insert(
            tid,
            Thread {
                running: true,
                sigstop_queued: true,
                fresh: true,
                want,
                ..Thread::default()
            },
        );
        self.events.push_back(ThreadEvent::Created(tid));
    }

    /// What a thread created now is to do: run if the others run, else stay stopped.
    fn creator_want(&self, creator: Pid) -> Want {
        match self.threads.get(&creator).map(|t| t.want) {
            Some(Want::Run(mode)) => Want::Run(mode),
            _ => Want::Hold,
        }
    }

    /// Turn one wait status into a stop to report, or handle it inside (thread births and
    /// deaths, our own SIGSTOPs, ptrace's event stops) and return `None`; a thread stopped
    /// for a reason handled inside goes on as it was going (see [`Want`]).
    fn handle(&mut self, tid: Pid, status: WaitStatus) -> Result<Option<StopReason>> {
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

    fn handle_status(&mut self, tid: Pid, status: WaitStatus) -> Result<Option<StopReason>> {
        match status {
            WaitStatus::Exited(_, code) if tid == self.pid => {
                Ok(Some(self.end(StopReason::Exited { code })))
            }
            WaitStatus::Signaled(_, signal, _) if tid == self.pid => {
                Ok(Some(self.end(StopReason::Killed { signal })))
            }
            WaitStatus::Exited(..) | WaitStatus::Signaled(..) => {
                if !self.threads.contains_key(&tid) {
                    // Born and gone before its creator's clone event was collected.
                    self.early_threads.insert(tid);
                }
                self.thread_gone(tid);
                Ok(None)
            }
            WaitStatus::Stopped(_, signal) => {
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
            WaitStatus::PtraceEvent(_, _, event) if event == libc::PTRACE_EVENT_CLONE => {
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
            WaitStatus::PtraceEvent(_, _, event)
                if event == libc::PTRACE_EVENT_FORK || event == libc::PTRACE_EVENT_VFORK =>
            {
                self.thread_mut(tid)?.running = false;
                let child = Pid::from_raw(ptrace::event_message(tid)? as i32);
                self.release_child(child, event == libc::PTRACE_EVENT_VFORK)?;
                self.events.push_back(ThreadEvent::Forked(child));
                self.go_on(tid)?;
                Ok(None)
            }
            WaitStatus::PtraceEvent(_, _, event) if event == libc::PTRACE_EVENT_VFORK_DONE => {
                self.thread_mut(tid)?.running = false;
                if std::mem::take(&mut self.vfork_lifted) {
                    // The child has exec'd or exited: our memory is ours alone again.
                    for addr in self.breakpoints.keys() {
                        poke_byte(tid, *addr, INT3)?;
                    }
                }
                self.go_on(tid)?;
                Ok(None)
            }
            WaitStatus::PtraceEvent(_, _, event)
                if event == libc::PTRACE_EVENT_EXIT && !self.threads.contains_key(&tid) =>
            {
                // A thread killed (the process exiting) before its creator's clone event was
                // collected: its first stop is its last. Let it die; its end follows.
                self.early_threads.insert(tid);
                match ptrace::cont(tid, None) {
                    Err(e) if !e.is_gone() => Err(e.into()),
                    _ => Ok(None),
                }
            }
            WaitStatus::PtraceEvent(_, _, event) if event == libc::PTRACE_EVENT_EXIT => {
                // About to exit: let it. A thread's exit status follows at once; a leader
                // whose other threads live on becomes a zombie and reports nothing until they
                // are gone (waiting for it, or signalling it, would wait forever).
                let zombie_leader = tid == self.pid && self.threads.len() > 1;
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
            WaitStatus::PtraceEvent(_, signal, event) if event == libc::PTRACE_EVENT_EXEC => {
                // A new program: none of our breakpoints exist in it.
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
                    self.events.push_back(ThreadEvent::Exited(other));
                }
                self.pending.retain(|stop| stop.tid == tid);
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
            WaitStatus::PtraceEvent(_, signal, event) => {
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
            WaitStatus::PtraceSyscall(_) => {
                let thread = self.thread_mut(tid)?;
                thread.running = false;
                thread.in_syscall = !thread.in_syscall;
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
            WaitStatus::Continued(_) | WaitStatus::StillAlive => Ok(None),
        }
    }

    /// Classify a SIGTRAP without `PTRACE_GETSIGINFO` where that is certain: after a trusted
    /// step it is the step; after a continue, a pc one byte past one of our breakpoints means
    /// our `int3` ran, and the pc is rewound to the breakpoint (the register write reaches the
    /// kernel only when the thread next runs).
    fn classify_trap_quickly(&mut self, tid: Pid, stepping: Stepping) -> Result<Option<Stop>> {
        let quick = |trap, breakpoint| Stop {
            tid,
            signal: Signal::SIGTRAP,
            trap: Some(trap),
            fault_addr: None,
            origin: SignalOrigin::Kernel,
            breakpoint,
            debug_status: None,
        };
        if self.debug.armed() {
            // A debug-register hit says so in DR6 (which Linux resets at every debug exception,
            // so its slot bits are this trap's alone); that one read replaces GETSIGINFO.
            let status = self.read_debug_status(tid)?;
            if status & DR6_SLOTS != 0 {
                let mut stop = quick(TrapKind::Hardware, None);
                stop.debug_status = Some(status);
                return Ok(Some(stop));
            }
            if stepping == Stepping::Trusted {
                // Not a hardware hit, so the completed step (see `step_known_instruction`).
                return Ok(Some(quick(TrapKind::SingleStep, None)));
            }
        }
        match stepping {
            Stepping::Trusted => Ok(Some(quick(TrapKind::SingleStep, None))),
            Stepping::Step => Ok(None),
            Stepping::Continue if self.breakpoints.is_empty() => Ok(None),
            Stepping::Continue => {
                let thread = self.thread_mut(tid)?;
                let mut regs = *gprs(tid, &mut thread.regs)?;
                let site = regs.0.rip.wrapping_sub(1);
                if !self.breakpoints.contains_key(&site) {
                    return Ok(None);
                }
                regs.0.rip = site;
                let thread = self.thread_mut(tid)?;
                thread.regs.gpr = Some(regs);
                thread.regs.gpr_dirty = true;
                Ok(Some(quick(TrapKind::Breakpoint, Some(site))))
            }
        }
    }

    /// Tell the process layer that an `int3` of ours is at `addr` in place of `original`, so
    /// that its traps are recognised (and the pc rewound to `addr`) without asking the kernel,
    /// and forked children get `original` back before they run.
    pub fn add_breakpoint(&mut self, addr: u64, original: u8) {
        self.breakpoints.insert(addr, original);
    }

    /// Give every thread — and every thread created from now on — these debug registers
    /// (`addresses` in DR0–DR3, `control` in DR7). All threads or none: if a thread refuses
    /// (e.g. an address the kernel rejects), the threads already changed are set back.
    pub fn set_debug_registers(&mut self, addresses: [u64; 4], control: u64) -> Result<()> {
        self.ensure_stopped()?;
        let new = DebugRegisters { addresses, control };
        let old = self.debug;
        let tids: Vec<Pid> = self.threads().collect();
        for (done, tid) in tids.iter().enumerate() {
            if let Err(error) = new.apply(*tid, &old) {
                for undo in tids.iter().take(done + 1) {
                    let _ = old.apply(*undo, &new);
                }
                return Err(error);
            }
            if let Ok(thread) = self.thread_mut(*tid) {
                // Cached values are stale now.
                thread.regs.debug = [None; 8];
            }
        }
        self.debug = new;
        Ok(())
    }

    /// The debug registers every thread carries: DR0–DR3 and DR7.
    pub fn debug_registers(&self) -> ([u64; 4], u64) {
        (self.debug.addresses, self.debug.control)
    }

    fn read_debug_status(&mut self, tid: Pid) -> Result<u64> {
        let status = ptrace::peek_user(tid, user::debug_reg(6))?;
        if let Ok(thread) = self.thread_mut(tid) {
            thread.regs.debug[6] = Some(status);
        }
        Ok(status)
    }

    /// Forget a breakpoint (its `int3` is gone).
    pub fn remove_breakpoint(&mut self, addr: u64) {
        self.breakpoints.remove(&addr);
    }

    /// Let a forked child go unharmed: wait for its first stop, put back the bytes under our
    /// `int3`s and clear the debug registers it inherited, then detach. A vfork child shares
    /// our memory, so the `int3`s stay out until the parent reports VFORK_DONE.
    fn release_child(&mut self, child: Pid, vfork: bool) -> Result<()> {
        if !self.early_children.remove(&child) {
            loop {
                match wait_tid(child)? {
                    WaitStatus::Stopped(..) | WaitStatus::PtraceEvent(..) => break,
                    // It died before it ran: nothing to let go.
                    WaitStatus::Exited(..) | WaitStatus::Signaled(..) => return Ok(()),
                    _ => continue,
                }
            }
        }
        for (addr, original) in &self.breakpoints {
            poke_byte(child, *addr, *original)?;
        }
        if vfork && !self.breakpoints.is_empty() {
            self.vfork_lifted = true;
        }
        let _ = ptrace::poke_user(child, user::debug_reg(7), 0);
        match ptrace::detach(child, None) {
            Err(e) if !e.is_gone() => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn thread_gone(&mut self, tid: Pid) {
        if self.threads.remove(&tid).is_some() {
            self.events.push_back(ThreadEvent::Exited(tid));
        }
        self.pending.retain(|stop| stop.tid != tid);
        if self.current == tid {
            self.current = self.first_live_thread();
        }
        self.retarget_wake_up(tid);
    }

    /// Thread `tid` is exiting or gone: a Ctrl-C wake-up aimed at it goes to a thread that
    /// still runs.
    fn retarget_wake_up(&self, tid: Pid) {
        let to = self
            .threads
            .iter()
            .find(|(other, t)| **other != tid && t.running && !t.exiting)
            .map(|(other, _)| *other);
        self.stop_request.retarget(tid, to);
    }

    fn end(&mut self, reason: StopReason) -> StopReason {
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

    /// Stop every thread still running (all-stop), keeping any other event for later. If the
    /// process ends meanwhile, that end is returned: it is what the caller must report.
    fn stop_others(&mut self) -> Result<Option<StopReason>> {
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
    fn settle(&mut self) -> Result<Option<StopReason>> {
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

    /// Run every thread on the tracer's CPU until the guard is dropped. Stop-heavy work
    /// (stepping, ignore loops) is several times faster when tracer and tracee share a CPU,
    /// because each stop then costs no cross-CPU wake-up.
    pub fn share_cpu(&self) -> Result<CpuShare> {
        CpuShare::pin(self.threads())
    }

    // ── Letting go ──────────────────────────────────────────────────────────────────────

    /// Kill the process and collect every thread.
    pub fn kill(&mut self) -> Result<StopReason> {
        if let State::Ended(how) = self.state {
            return Err(Error::NoProcess(how));
        }
        systhread::kill(self.pid, Signal::SIGKILL)?;
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

/// Restores the CPU affinity of the tracer and tracee threads when dropped.
#[derive(Debug)]
pub struct CpuShare {
    saved: Vec<(Pid, Cpus)>,
}

impl CpuShare {
    /// Restrict the calling thread and threads `tids` to the CPU the caller runs on, keeping
    /// their former masks to restore. A thread that refuses (it exited) is skipped.
    pub(crate) fn pin(tids: impl IntoIterator<Item = Pid>) -> Result<CpuShare> {
        let cpu = systhread::current_cpu()?;
        let one = systhread::single_cpu(cpu)?;
        let me = Pid::from_raw(0);
        let mut saved = vec![(me, systhread::affinity(me)?)];
        systhread::set_affinity(me, &one)?;
        for tid in tids {
            if let Ok(mask) = systhread::affinity(tid) {
                if systhread::set_affinity(tid, &one).is_ok() {
                    saved.push((tid, mask));
                }
            }
        }
        Ok(CpuShare { saved })
    }
}

impl Drop for CpuShare {
    fn drop(&mut self) {
        for (tid, mask) in &self.saved {
            let _ = systhread::set_affinity(*tid, mask);
        }
    }
}

fn gprs(tid: Pid, cache: &mut RegCache) -> Result<&Regs> {
    if cache.gpr.is_none() {
        cache.gpr = Some(ptrace::regs(tid)?);
    }
    cache.gpr.as_ref().ok_or(Error::UnknownThread(tid.as_raw()))
}

fn fprs(tid: Pid, cache: &mut RegCache) -> Result<&FpRegs> {
    if cache.fpr.is_none() {
        cache.fpr = Some(ptrace::fp_regs(tid)?);
    }
    cache.fpr.as_ref().ok_or(Error::UnknownThread(tid.as_raw()))
}

fn copy_into(area: &mut [u8], offset: usize, raw: &[u8]) {
    if let Some(target) = area.get_mut(offset..offset + raw.len()) {
        target.copy_from_slice(raw);
    }
}

/// The thread ids in `/proc/PID/task`.
fn task_ids(pid: Pid) -> std::io::Result<Vec<Pid>> {
    let mut tids: Vec<Pid> = std::fs::read_dir(format!("/proc/{pid}/task"))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .map(Pid::from_raw)
        .collect();
    tids.sort();
    Ok(tids)
}

/// The stop that answers a [`StopRequest`] no other stop answered: what the request's own
/// SIGSTOP to `tid` would have been.
fn interrupt_stop(tid: Pid) -> Stop {
    Stop {
        tid,
        signal: Signal::SIGSTOP,
        trap: None,
        fault_addr: None,
        origin: SignalOrigin::Process(std::process::id() as i32),
        breakpoint: None,
        debug_status: None,
    }
}

/// Whether `signal` is in one of the pending masks `fields` (`SigPnd:`: the thread's own,
/// `ShdPnd:`: the process's) of thread `tid` of `pid`, from its `/proc` status.
fn pending_in(pid: Pid, tid: Pid, signal: Signal, fields: &[&str]) -> bool {
    let bit = 1u64 << (signal as i32 - 1);
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).is_ok_and(|status| {
        status.lines().any(|line| {
            fields
                .iter()
                .find_map(|field| line.strip_prefix(field))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .is_some_and(|mask| mask & bit != 0)
        })
    })
}

/// The x86 breakpoint instruction.
const INT3: u8 = 0xcc;

/// DR6 bits B0–B3: which debug-register slot fired.
const DR6_SLOTS: u64 = 0xf;

/// DR0–DR3 and DR7 as the process layer keeps them for every thread.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct DebugRegisters {
    addresses: [u64; 4],
    control: u64,
}

impl DebugRegisters {
    /// Whether any slot is enabled.
    fn armed(&self) -> bool {
        self.control & 0xff != 0
    }

    /// Write these registers to thread `tid`, which holds `current`: first take down the slots
    /// that change (the kernel checks each address against DR7 as it is written), then the
    /// addresses, then the final DR7. Registers that do not change are not written.
    fn apply(&self, tid: Pid, current: &DebugRegisters) -> Result<()> {
        let dr7 = user::debug_reg(7);
        let changed: Vec<usize> = (0..4)
            .filter(|i| self.addresses.get(*i) != current.addresses.get(*i))
            .collect();
        let mut keep = current.control & self.control;
        for slot in &changed {
            keep &= !(0b11 << (slot * 2));
        }
        if keep != current.control {
            ptrace::poke_user(tid, dr7, keep)?;
        }
        for slot in changed {
            let addr = self.addresses.get(slot).copied().unwrap_or(0);
            ptrace::poke_user(tid, user::debug_reg(slot), addr)?;
        }
        if self.control != keep {
            ptrace::poke_user(tid, dr7, self.control)?;
        }
        Ok(())
    }
}

/// Write one byte into the memory of stopped tracee `tid` with a word-aligned
/// `PEEKDATA`/`POKEDATA` pair (it works on read-only code, and an aligned word never crosses
/// into another page).
fn poke_byte(tid: Pid, addr: u64, byte: u8) -> Result<()> {
    let aligned = addr & !7;
    let shift = (addr - aligned) * 8;
    let word = ptrace::peek_data(tid, aligned)?;
    let word = (word & !(0xff << shift)) | (u64::from(byte) << shift);
    ptrace::poke_data(tid, aligned, word)?;
    Ok(())
}

/// Whether the calling thread is the tracer of `pid` (a child auto-attached on fork).
fn traced_by_caller(pid: Pid) -> bool {
    let me = nix::unistd::gettid().as_raw();
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("TracerPid:"))
                .and_then(|value| value.trim().parse::<i32>().ok())
        })
        == Some(me)
}

/// Undo a partial attach.
fn release(attached: &[(Pid, Option<WaitStatus>)]) {
    for (tid, _) in attached {
        let _ = ptrace::detach(*tid, None);
    }
}

/// Work out from `/proc` why PTRACE_ATTACH failed with `errno`.
fn diagnose_refusal(pid: Pid, errno: Errno) -> AttachRefusal {
    if errno == Errno::ESRCH {
        return AttachRefusal::NoSuchProcess;
    }
    if errno != Errno::EPERM {
        return AttachRefusal::Other(errno);
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let tracer = status
        .lines()
        .find_map(|line| line.strip_prefix("TracerPid:"))
        .and_then(|value| value.trim().parse::<i32>().ok())
        .unwrap_or(0);
    if tracer != 0 {
        let name = std::fs::read_to_string(format!("/proc/{tracer}/comm"))
            .ok()
            .map(|comm| comm.trim().to_string());
        return AttachRefusal::AlreadyTraced { tracer, name };
    }
    let yama = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|scope| scope.trim().parse::<u8>().ok())
        .unwrap_or(0);
    if yama > 0 {
        return AttachRefusal::Yama(yama);
    }
    AttachRefusal::Other(errno)
}
