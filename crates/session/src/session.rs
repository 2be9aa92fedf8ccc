//! The session: one tracee, the commands that drive it, and the events they produce.

use std::collections::{BTreeMap, BTreeSet};

use dbg_memory::displaced::{self, Displaced};
use dbg_memory::{Instruction, Mappings, Memory, Read, Sites};
use dbg_process::{
    Origin, Pid, Process, Reg, RegValue, Resume, Signal, SignalOrigin, State, Stop, StopReason,
    ThreadEvent, TrapKind,
};
use dbg_sys::VirtAddr;

use dbg_watch::{Slots, Watch, WatchKind, WatchSize};

use crate::breakpoints::{Breakpoint, Breakpoints};
use crate::error::{Error, Result};
use crate::event::{Event, StopEvent, StopKind};
use crate::images::Images;
use crate::interrupt::Interrupter;
use crate::signals::SignalPolicy;
use crate::syscalls::{SyscallCatch, SyscallInfo};
use crate::watchpoints::{SlotOwner, WatchHit, Watchpoint, Watchpoints};

mod frames;
mod listing;
mod source;
mod stepping;

pub use frames::Frame;
pub use listing::Listing;
pub use source::Location;
pub use stepping::ReturnValue;

/// A debugging session over one process.
#[derive(Debug)]
pub struct Session {
    process: Process,
    memory: Memory,
    sites: Sites,
    /// How to run the instruction under each site: emulated if possible, and whether a
    /// single step of it may be trusted.
    plans: BTreeMap<u64, (Option<Displaced>, bool)>,
    breakpoints: Breakpoints,
    /// Threads whose last reported stop was one of our breakpoints (they sit on its `int3`).
    at_breakpoint: BTreeSet<Pid>,
    /// The breakpoint the current thread last stopped at, for `continue N`.
    last_breakpoint: Option<u32>,
    /// The watchpoint the last stop was at, for `continue N`.
    last_watchpoint: Option<u32>,
    /// Whether the last stop was a debug-register hit.
    stopped_by_hardware: bool,
    /// The four debug-register slots, shared by watchpoints and hardware breakpoints.
    slots: Slots<SlotOwner>,
    watchpoints: Watchpoints,
    /// The signal of the last stop, delivered on resume if the policy passes it.
    last_signal: Option<Signal>,
    /// The system calls to stop at (`catchpoint syscall`).
    catch: SyscallCatch,
    /// Threads stopped at the entry of a caught system call (and its number), whose exit is
    /// caught too.
    caught_entries: BTreeMap<Pid, u64>,
    /// `handle` settings that differ from gdb's defaults.
    policies: BTreeMap<Signal, SignalPolicy>,
    interrupter: Interrupter,
    /// The binaries mapped in the process, and their symbols.
    images: Images,
    /// The current thread's call stack, unwound on demand and kept until it runs.
    frames: Option<Vec<Frame>>,
    /// The frame `up`/`down`/`frame` selected (0: the innermost).
    selected_frame: usize,
    /// Where a source-level step or `finish` is running to.
    temporary: Option<Temporary>,
    /// At a stop where an inlined function starts, gdb shows the call site first: the
    /// number of inlined frames hidden (the next `step` enters them).
    inline_skip: usize,
    /// Source files read for listings, by path.
    sources: BTreeMap<String, std::rc::Rc<Vec<String>>>,
    /// Where a bare `list` goes on from.
    list_state: Option<listing::ListState>,
}

/// A temporary stop of stepping: thread `tid` at `address`, with the stack pointer at `sp`
/// when given (the frame that called, not a recursive one).
#[derive(Debug, Clone, Copy)]
struct Temporary {
    address: u64,
    tid: Pid,
    sp: Option<u64>,
}

/// `stepi N` above this count runs tracer and tracee on one CPU (PERFORMANCE.md: a stop on
/// the same CPU costs no cross-CPU wake-up, several times cheaper).
const SHARE_CPU_FROM_STEPS: u64 = 16;

/// The longest x86-64 instruction.
const MAX_INSTRUCTION: usize = 15;

/// The most bytes one `memory read` shows.
pub const MAX_MEMORY_READ: usize = 1 << 16;

/// Why a stop is reported, beyond what the kernel said: the kind the command implies and the
/// breakpoint or watchpoint that caused it.
#[derive(Debug, Default, Clone, Copy)]
struct Why {
    kind: Option<StopKind>,
    breakpoint: Option<u32>,
    watchpoint: Option<WatchHit>,
    syscall: Option<SyscallInfo>,
    /// A debug-register hit (the kernel set RF, so resuming will not fire it again).
    hardware: bool,
    /// A step stopped at the call site of this many inlined functions (see
    /// `Session::inline_skip`).
    inline_skip: usize,
}

impl Why {
    fn breakpoint(id: u32) -> Why {
        Why {
            kind: Some(StopKind::Breakpoint),
            breakpoint: Some(id),
            ..Why::default()
        }
    }

    fn stepping() -> Why {
        Why {
            kind: Some(StopKind::SingleStep),
            ..Why::default()
        }
    }
}

/// The resume flag of EFLAGS: the next instruction's execution breakpoint does not fire.
const EFLAGS_RF: u64 = 1 << 16;

/// What one single step of the current thread did.
enum SingleStep {
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
    /// Launch a program; it is stopped at its first instruction.
    pub fn launch(launch: dbg_process::Launch) -> Result<(Session, Vec<Event>)> {
        let process = launch.spawn()?;
        let pid = process.pid();
        let mut session = Session::new(process);
        let entry = session.stop_event(entry_stop(pid), StopKind::Entry, &Why::default())?;
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
        let entry = session.stop_event(stop, StopKind::Entry, &Why::default())?;
        Ok((
            session,
            vec![Event::Attached { pid, threads }, Event::Stopped(entry)],
        ))
    }

    fn new(process: Process) -> Session {
        let interrupter = Interrupter::new(process.stop_request());
        let memory = Memory::new(process.pid());
        Session {
            process,
            memory,
            sites: Sites::new(),
            plans: BTreeMap::new(),
            breakpoints: Breakpoints::default(),
            at_breakpoint: BTreeSet::new(),
            last_breakpoint: None,
            last_watchpoint: None,
            stopped_by_hardware: false,
            slots: Slots::new(),
            watchpoints: Watchpoints::default(),
            last_signal: None,
            catch: SyscallCatch::None,
            caught_entries: BTreeMap::new(),
            policies: BTreeMap::new(),
            interrupter,
            images: Images::default(),
            frames: None,
            selected_frame: 0,
            temporary: None,
            inline_skip: 0,
            sources: BTreeMap::new(),
            list_state: None,
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

    fn ensure_stopped(&self) -> Result<()> {
        match self.process.state() {
            State::Stopped => Ok(()),
            State::Running => Err(dbg_process::Error::Running.into()),
            State::Ended(how) => Err(dbg_process::Error::NoProcess(how).into()),
        }
    }

    // ── Running ──────────────────────────────────────────────────────────────────────────

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
    fn death_as_event(
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
        self.sites.forget();
        self.plans.clear();
        self.at_breakpoint.clear();
        self.slots.forget();
        Ok(events)
    }

    fn resume_inner(&mut self, count: u64) -> Result<Vec<Event>> {
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
        let mut signal = self.signal_to_deliver();
        let mut events = Vec::new();
        loop {
            if let Some(reason) = self.step_off_breakpoints(signal)? {
                events.extend(self.report(reason, Why::default())?);
                return Ok(events);
            }
            if !after_hardware_hit {
                self.set_resume_flag_at_hardware_breakpoint()?;
            }
            let reason = self.run_until_stop(signal.take())?;
            after_hardware_hit = false;
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
                ..
            }) = reason
            {
                match self.hardware_hit(status)? {
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
                self.at_breakpoint.insert(tid);
                match self.breakpoints.hit(addr) {
                    Some(id) => {
                        events.extend(self.report(reason, Why::breakpoint(id))?);
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
                    // Every breakpoint here ignores this hit: keep going.
                    None => events.extend(self.thread_events()),
                }
                continue;
            }
            events.extend(self.report(reason, Why::default())?);
            return Ok(events);
        }
    }

    /// Whether thread `tid`, at our `int3` at `addr`, is where a step is running to.
    fn reached_temporary(&mut self, addr: u64, tid: Pid) -> Result<bool> {
        let Some(temporary) = self.temporary else {
            return Ok(false);
        };
        if temporary.address != addr || temporary.tid != tid {
            return Ok(false);
        }
        let Some(sp) = temporary.sp else {
            return Ok(true);
        };
        let here = self.process.current_thread();
        self.guard(|process| process.select_thread(tid))?;
        let rsp = self.guard(|process| process.read_register(Reg::Rsp));
        self.guard(|process| process.select_thread(here))?;
        Ok(rsp?.as_u64() == sp)
    }

    /// Resume every thread and wait for the next stop.
    fn run_until_stop(&mut self, signal: Option<Signal>) -> Result<StopReason> {
        self.images.mark_stale();
        // Syscall stops only when some are caught: otherwise the tracee runs at full speed.
        let mode = if self.catch.is_empty() {
            Resume::Continue
        } else {
            Resume::Syscalls
        };
        self.guard(|process| process.resume(mode, signal))?;
        let reason = self.process.wait();
        self.guard(|_| reason)
    }

    /// Move every thread that sits on one of our `int3`s past the instruction under it, the
    /// other threads held. A stop other than the completed step (a signal, the end of the
    /// process) is returned for the caller to report. `signal` goes to the current thread.
    fn step_off_breakpoints(&mut self, signal: Option<Signal>) -> Result<Option<StopReason>> {
        let current = self.process.current_thread();
        let mut threads: Vec<Pid> = std::mem::take(&mut self.at_breakpoint)
            .into_iter()
            .collect();
        if !threads.contains(&current) {
            threads.push(current);
        }
        let mut rest = threads.into_iter();
        while let Some(tid) = rest.next() {
            if self.process.select_thread(tid).is_err() {
                continue;
            }
            let deliver = if tid == current { signal } else { None };
            let outcome = self.step_off_site(deliver);
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

    /// Run the instruction under the site at the current thread's pc, if there is one:
    /// emulated when dbg can (the tracee does not stop at all), else lift the `int3`,
    /// single-step with the other threads held, and put it back.
    fn step_off_site(&mut self, signal: Option<Signal>) -> Result<StepOff> {
        if self.sites.addresses().next().is_none() {
            return Ok(StepOff::NotOnSite);
        }
        let pc = self.guard(Process::pc)?;
        if !self.sites.is_inserted(pc) {
            return Ok(StepOff::NotOnSite);
        }
        let (plan, trusted) = self.plans.get(&pc).copied().unwrap_or((None, false));
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
        self.sites.lift(&self.memory, pc)?;
        let stepped = self.guard(|process| {
            if trusted {
                process.step_known_instruction(signal)
            } else {
                process.step_instruction(signal)
            }
        });
        let lowered = if self.is_alive() {
            self.sites.lower(&self.memory, pc)
        } else {
            Ok(())
        };
        let reason = stepped?;
        lowered?;
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
        loop {
            let step = self.single_step(signal.take())?;
            done += 1;
            match step {
                SingleStep::Report(reason, why) => return self.report(reason, why),
                SingleStep::Done(reason) => {
                    if done >= count || self.interrupter.requested() {
                        return self.report(reason, Why::stepping());
                    }
                }
            }
        }
    }

    /// Execute one instruction on the current thread (stepping off a breakpoint site the
    /// way resuming does). Anything but a plain completed step — a signal, the end of the
    /// process, a hardware hit to report, an enabled breakpoint stepped onto — comes back as
    /// a stop to report, with why.
    fn single_step(&mut self, signal: Option<Signal>) -> Result<SingleStep> {
        let tid = self.process.current_thread();
        self.at_breakpoint.remove(&tid);
        let reason = match self.step_off_site(signal)? {
            StepOff::NotOnSite => self.guard(|process| process.step_instruction(signal))?,
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
        let stepped = matches!(
            reason,
            StopReason::Stopped(Stop {
                trap: Some(TrapKind::SingleStep),
                ..
            })
        );
        if let StopReason::Stopped(Stop {
            trap: Some(TrapKind::Hardware),
            debug_status: Some(status),
            ..
        }) = reason
        {
            if let Some(why) = self.hardware_hit(status)? {
                return Ok(SingleStep::Report(reason, why));
            }
        } else if !stepped {
            return Ok(SingleStep::Report(reason, Why::stepping()));
        }
        // Stepping onto an enabled breakpoint is a hit of it, as in gdb.
        if self.sites.addresses().next().is_some() {
            let pc = self.guard(Process::pc)?;
            if self.sites.is_inserted(pc) {
                self.at_breakpoint.insert(tid);
                if let Some(id) = self.breakpoints.hit(pc) {
                    return Ok(SingleStep::Report(reason, Why::breakpoint(id)));
                }
            }
        }
        Ok(SingleStep::Done(reason))
    }

    // ── Registers and memory ───────────────────────────────────────────────────────────

    /// Read registers of the current thread, as its selected frame sees them.
    pub fn read_registers(&mut self, regs: &[Reg]) -> Result<Vec<(Reg, RegValue)>> {
        let mut values = Vec::with_capacity(regs.len());
        for reg in regs {
            values.push((*reg, self.frame_register(*reg)?));
        }
        Ok(values)
    }

    /// Write a register of the current thread.
    pub fn write_register(&mut self, reg: Reg, value: RegValue) -> Result<()> {
        if self.selected_frame != 0 {
            return Err(Error::OuterFrameWrite);
        }
        self.guard(|process| process.write_register(reg, value))?;
        self.forget_frames();
        Ok(())
    }

    /// Read up to `len` bytes at `addr` as the program sees them (our `int3`s hidden). Short
    /// where memory ends; [`Read::stopped_at`] says where.
    pub fn read_memory(&mut self, addr: u64, len: usize) -> Result<Read> {
        self.ensure_stopped()?;
        if len > MAX_MEMORY_READ {
            return Err(dbg_memory::Error::TooLarge {
                len,
                limit: MAX_MEMORY_READ,
            }
            .into());
        }
        let mut read = self.memory.read(addr, len)?;
        if read.bytes.is_empty() && len > 0 {
            return Err(dbg_memory::Error::Read {
                addr,
                reason: "address not mapped or not readable".into(),
            }
            .into());
        }
        self.sites.hide(addr, &mut read.bytes);
        Ok(read)
    }

    /// Write `data` at `addr`; bytes over a breakpoint site change what the program will run
    /// there, and the breakpoint stays.
    pub fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        self.ensure_stopped()?;
        self.forget_frames();
        self.sites.write_through(&self.memory, addr, data)?;
        // The instruction under a site may have changed.
        let end = addr.saturating_add(data.len() as u64);
        let touched: Vec<u64> = self
            .plans
            .keys()
            .copied()
            .filter(|site| *site + MAX_INSTRUCTION as u64 > addr && *site < end)
            .collect();
        for site in touched {
            self.plan_site(site);
            if let Some(original) = self.sites.original(site) {
                self.process.add_breakpoint(site, original);
            }
        }
        Ok(())
    }

    /// Disassemble `count` instructions from `addr` (the pc by default).
    pub fn disassemble(&mut self, addr: Option<u64>, count: usize) -> Result<Vec<Instruction>> {
        self.ensure_stopped()?;
        let addr = match addr {
            Some(addr) => addr,
            None => self.guard(Process::pc)?,
        };
        let len = count.saturating_mul(MAX_INSTRUCTION).min(MAX_MEMORY_READ);
        let mut read = self.memory.read(addr, len)?;
        if read.bytes.is_empty() && len > 0 {
            return Err(dbg_memory::Error::Read {
                addr,
                reason: "address not mapped or not readable".into(),
            }
            .into());
        }
        self.sites.hide(addr, &mut read.bytes);
        Ok(dbg_memory::disassemble(&read.bytes, addr, count))
    }

    // ── Breakpoints ─────────────────────────────────────────────────────────────────────

    /// Set a breakpoint at `addr` (which must be mapped and executable): an `int3`, or with
    /// `hardware` a debug-register slot (invisible to the program, one stop per hit); its next
    /// `ignore` hits will not stop. Several software breakpoints may share an address.
    pub fn set_breakpoint(&mut self, addr: u64, ignore: u64, hardware: bool) -> Result<Breakpoint> {
        self.set_breakpoint_locations(vec![addr], format!("{addr:#x}"), ignore, hardware)
    }

    /// Set one breakpoint over `locations` (all inserted, or none); `spec` is what the user
    /// typed. A hardware breakpoint takes one debug register, so it has one location.
    pub(crate) fn set_breakpoint_locations(
        &mut self,
        locations: Vec<u64>,
        spec: String,
        ignore: u64,
        hardware: bool,
    ) -> Result<Breakpoint> {
        self.ensure_stopped()?;
        let mappings = Mappings::read(self.pid())?;
        for addr in &locations {
            mappings.check_executable(*addr)?;
        }
        if hardware {
            let [addr] = locations.as_slice() else {
                return Err(Error::HardwareLocations(locations.len()));
            };
            let id = self.breakpoints.next_id();
            self.take_slot(Watch::execute(*addr)?, SlotOwner::Breakpoint(id))?;
        } else {
            self.insert_sites(&locations)?;
        }
        Ok(self
            .breakpoints
            .add(locations, spec, ignore, hardware)
            .clone())
    }

    /// Every breakpoint, by id.
    pub fn breakpoints(&self) -> Vec<Breakpoint> {
        self.breakpoints.all().cloned().collect()
    }

    /// Enable breakpoint `id` (its `int3` goes back in, or it takes a slot again).
    pub fn enable_breakpoint(&mut self, id: u32) -> Result<()> {
        let bp = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        if !bp.enabled {
            self.ensure_stopped()?;
            let (locations, hardware) = (bp.locations.clone(), bp.hardware);
            if hardware {
                for addr in &locations {
                    self.take_slot(Watch::execute(*addr)?, SlotOwner::Breakpoint(id))?;
                }
            } else {
                self.insert_sites(&locations)?;
            }
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.enabled = true;
            }
        }
        Ok(())
    }

    /// Disable breakpoint `id` (its `int3` comes out unless another breakpoint uses the site;
    /// a hardware one frees its slot).
    pub fn disable_breakpoint(&mut self, id: u32) -> Result<()> {
        let bp = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        if bp.enabled {
            self.ensure_stopped()?;
            let (locations, hardware) = (bp.locations.clone(), bp.hardware);
            if hardware {
                self.free_slot(SlotOwner::Breakpoint(id))?;
            } else {
                for addr in locations {
                    self.release_site(addr)?;
                }
            }
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.enabled = false;
            }
        }
        Ok(())
    }

    /// Delete breakpoint `id`.
    pub fn delete_breakpoint(&mut self, id: u32) -> Result<()> {
        let bp = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        if bp.enabled && self.is_alive() {
            self.disable_breakpoint(id)?;
        }
        self.breakpoints.remove(id);
        if self.last_breakpoint == Some(id) {
            self.last_breakpoint = None;
        }
        Ok(())
    }

    /// Let the next `count` hits of breakpoint `id` pass.
    pub fn ignore_breakpoint(&mut self, id: u32, count: u64) -> Result<()> {
        let bp = self
            .breakpoints
            .get_mut(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        bp.ignore = count;
        Ok(())
    }

    // ── Watchpoints ─────────────────────────────────────────────────────────────────────

    /// Watch `size` bytes at `addr` (aligned to `size`) for `kind` accesses, in a debug-register
    /// slot on every thread; its next `ignore` hits will not stop.
    pub fn set_watchpoint(
        &mut self,
        addr: u64,
        kind: WatchKind,
        size: u64,
        ignore: u64,
    ) -> Result<Watchpoint> {
        self.ensure_stopped()?;
        let watch = Watch::new(addr, kind, WatchSize::from_bytes(size)?)?;
        let value = if kind == WatchKind::Execute {
            0
        } else {
            self.read_watched(addr, size)?
        };
        let id = self.watchpoints.next_id();
        self.take_slot(watch, SlotOwner::Watchpoint(id))?;
        let watchpoint = Watchpoint {
            id,
            address: addr,
            kind,
            size,
            enabled: true,
            hits: 0,
            ignore,
            value,
        };
        self.watchpoints.add(watchpoint.clone());
        Ok(watchpoint)
    }

    /// Every watchpoint, by id.
    pub fn watchpoints(&self) -> Vec<Watchpoint> {
        self.watchpoints.by_id.values().cloned().collect()
    }

    /// Enable watchpoint `id`: it takes a slot again.
    pub fn enable_watchpoint(&mut self, id: u32) -> Result<()> {
        let wp = self
            .watchpoints
            .by_id
            .get(&id)
            .ok_or(Error::UnknownWatchpoint(id))?;
        if !wp.enabled {
            self.ensure_stopped()?;
            let watch = Watch::new(wp.address, wp.kind, WatchSize::from_bytes(wp.size)?)?;
            let (addr, size, kind) = (wp.address, wp.size, wp.kind);
            self.take_slot(watch, SlotOwner::Watchpoint(id))?;
            let value = if kind == WatchKind::Execute {
                0
            } else {
                self.read_watched(addr, size).unwrap_or(0)
            };
            if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                wp.enabled = true;
                wp.value = value;
            }
        }
        Ok(())
    }

    /// Disable watchpoint `id`: its slot is freed.
    pub fn disable_watchpoint(&mut self, id: u32) -> Result<()> {
        let wp = self
            .watchpoints
            .by_id
            .get(&id)
            .ok_or(Error::UnknownWatchpoint(id))?;
        if wp.enabled {
            self.ensure_stopped()?;
            self.free_slot(SlotOwner::Watchpoint(id))?;
            if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                wp.enabled = false;
            }
        }
        Ok(())
    }

    /// Delete watchpoint `id`.
    pub fn delete_watchpoint(&mut self, id: u32) -> Result<()> {
        let wp = self
            .watchpoints
            .by_id
            .get(&id)
            .ok_or(Error::UnknownWatchpoint(id))?;
        if wp.enabled && self.is_alive() {
            self.disable_watchpoint(id)?;
        }
        self.watchpoints.by_id.remove(&id);
        if self.last_watchpoint == Some(id) {
            self.last_watchpoint = None;
        }
        Ok(())
    }

    fn take_slot(&mut self, watch: Watch, owner: SlotOwner) -> Result<()> {
        if self.slots.full() {
            let owners: Vec<SlotOwner> = self.slots.in_use().map(|(_, _, owner)| owner).collect();
            let watchpoints = owners
                .iter()
                .filter_map(|o| {
                    if let SlotOwner::Watchpoint(id) = o {
                        Some(*id)
                    } else {
                        None
                    }
                })
                .collect();
            let breakpoints = owners
                .iter()
                .filter_map(|o| {
                    if let SlotOwner::Breakpoint(id) = o {
                        Some(*id)
                    } else {
                        None
                    }
                })
                .collect();
            return Err(Error::NoFreeDebugRegister {
                watchpoints,
                breakpoints,
            });
        }
        self.slots.take(&mut self.process, watch, owner)?;
        Ok(())
    }

    fn free_slot(&mut self, owner: SlotOwner) -> Result<()> {
        let index = self
            .slots
            .in_use()
            .find(|(_, _, o)| *o == owner)
            .map(|(index, _, _)| index);
        if let Some(index) = index {
            self.slots.free(&mut self.process, index)?;
        }
        Ok(())
    }

    /// The watched value: `size` bytes at `addr`, little-endian.
    fn read_watched(&self, addr: u64, size: u64) -> Result<u64> {
        let bytes = self.memory.read_exact(addr, size as usize)?;
        let mut word = [0u8; 8];
        for (slot, byte) in word.iter_mut().zip(bytes) {
            *slot = byte;
        }
        Ok(u64::from_le_bytes(word))
    }

    fn refresh_watch_values(&mut self) {
        let ids: Vec<u32> = self
            .watchpoints
            .by_id
            .values()
            .filter(|wp| wp.enabled && wp.kind != WatchKind::Execute)
            .map(|wp| wp.id)
            .collect();
        for id in ids {
            self.refresh_watch_value(id);
        }
    }

    fn refresh_watch_value(&mut self, id: u32) {
        let Some(wp) = self.watchpoints.by_id.get(&id) else {
            return;
        };
        if let Ok(value) = self.read_watched(wp.address, wp.size) {
            if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                wp.value = value;
            }
        }
    }

    /// Count a debug-register hit (DR6 `status`) on every owner that fired; the stop to report,
    /// or `None` when every one of them lets it pass.
    fn hardware_hit(&mut self, status: u64) -> Result<Option<Why>> {
        let mut report = None;
        for (_, owner) in self.slots.fired(status) {
            match owner {
                SlotOwner::Breakpoint(id) => {
                    if self.breakpoints.hit_id(id) && report.is_none() {
                        report = Some(Why {
                            hardware: true,
                            ..Why::breakpoint(id)
                        });
                    }
                }
                SlotOwner::Watchpoint(id) => {
                    let Some(wp) = self.watchpoints.by_id.get_mut(&id) else {
                        continue;
                    };
                    wp.hits += 1;
                    if wp.ignore > 0 {
                        wp.ignore -= 1;
                        if wp.ignore == 0 {
                            // The next hit is reported: its "old" is the value as of now.
                            self.refresh_watch_value(id);
                        }
                        continue;
                    }
                    if report.is_some() {
                        continue;
                    }
                    let (addr, size, old, kind) = (wp.address, wp.size, wp.value, wp.kind);
                    let new = if kind == WatchKind::Execute {
                        0
                    } else {
                        self.read_watched(addr, size)?
                    };
                    if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                        wp.value = new;
                    }
                    report = Some(Why {
                        kind: Some(StopKind::Watchpoint),
                        watchpoint: Some(WatchHit { id, old, new, size }),
                        hardware: true,
                        ..Why::default()
                    });
                }
            }
        }
        Ok(report)
    }

    /// Resuming at the address of a hardware execution breakpoint would fire it at once: set
    /// the resume flag so the instruction runs (the kernel does so itself after a hit).
    fn set_resume_flag_at_hardware_breakpoint(&mut self) -> Result<()> {
        let hardware: Vec<u64> = self
            .breakpoints
            .all()
            .filter(|bp| bp.hardware && bp.enabled)
            .flat_map(|bp| bp.locations.iter().copied())
            .collect();
        if hardware.is_empty() {
            return Ok(());
        }
        let pc = self.guard(Process::pc)?;
        if hardware.contains(&pc) {
            let flags = self
                .guard(|process| process.read_register(Reg::Eflags))?
                .as_u64();
            self.guard(|process| {
                process.write_register(Reg::Eflags, RegValue::from_u64(flags | EFLAGS_RF))
            })?;
        }
        Ok(())
    }

    fn insert_site(&mut self, addr: u64) -> Result<()> {
        self.sites.add(&self.memory, addr)?;
        if let Some(original) = self.sites.original(addr) {
            self.process.add_breakpoint(addr, original);
        }
        if !self.plans.contains_key(&addr) {
            self.plan_site(addr);
        }
        Ok(())
    }

    /// Insert a site at each of `locations`: all of them, or (on an error) none.
    fn insert_sites(&mut self, locations: &[u64]) -> Result<()> {
        for (done, addr) in locations.iter().enumerate() {
            if let Err(error) = self.insert_site(*addr) {
                for inserted in locations.iter().take(done) {
                    let _ = self.release_site(*inserted);
                }
                return Err(error);
            }
        }
        Ok(())
    }

    fn release_site(&mut self, addr: u64) -> Result<()> {
        self.sites.release(&self.memory, addr)?;
        if self.sites.original(addr).is_none() {
            self.process.remove_breakpoint(addr);
            self.plans.remove(&addr);
        }
        Ok(())
    }

    /// After an exec: the old program's memory, and every `int3` in it, are gone. Breakpoints
    /// stay listed, disabled; enabling one inserts it into the new program.
    fn forget_program(&mut self) {
        self.images.reset();
        self.sites.forget();
        self.plans.clear();
        self.at_breakpoint.clear();
        self.slots.forget();
        for wp in self.watchpoints.by_id.values_mut() {
            wp.enabled = false;
        }
        self.memory = Memory::new(self.pid());
        let ids: Vec<u32> = self.breakpoints.all().map(|bp| bp.id).collect();
        for id in ids {
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.enabled = false;
            }
        }
    }

    /// Decide how to run the original instruction at site `addr`.
    fn plan_site(&mut self, addr: u64) {
        let mut code = self
            .memory
            .read(addr, MAX_INSTRUCTION)
            .map(|r| r.bytes)
            .unwrap_or_default();
        self.sites.hide(addr, &mut code);
        self.plans.insert(addr, displaced::plan(&code, addr));
    }

    // ── Ending ──────────────────────────────────────────────────────────────────────────

    /// Kill the process.
    pub fn kill(&mut self) -> Result<Vec<Event>> {
        let reason = self.guard(Process::kill)?;
        self.report(reason, Why::default())
    }

    /// Detach; the process runs on as if it had never been traced: every `int3` of ours is
    /// restored first.
    pub fn detach(&mut self) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let pid = self.pid();
        self.sites.clear(&self.memory)?;
        for addr in std::mem::take(&mut self.plans).into_keys() {
            self.process.remove_breakpoint(addr);
        }
        self.guard(Process::detach)?;
        self.slots.forget();
        Ok(vec![Event::Detached { pid }])
    }

    /// End the session as SPEC §2 says: kill a launched process, detach from an attached one.
    pub fn end(&mut self) -> Vec<Event> {
        if !self.is_alive() {
            return Vec::new();
        }
        if self.process.state() == State::Running {
            // Cannot happen through the session's API; nothing safe to do but let the
            // process layer's drop handle it.
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
            Some(reason) => self.report(reason, Why::default()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Whether Ctrl-C came while no command was running.
    pub fn interrupted_while_idle(&self) -> bool {
        self.interrupter.requested_while_idle()
    }

    // ── Reporting ───────────────────────────────────────────────────────────────────────

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
                    State::Ended(how) => {
                        self.sites.forget();
                        Err(dbg_process::Error::NoProcess(how).into())
                    }
                    _ => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    fn signal_to_deliver(&self) -> Option<Signal> {
        self.last_signal.filter(|signal| self.policy(*signal).pass)
    }

    /// Stop at the entry and exit of these system calls from now on.
    pub fn catch_syscalls(&mut self, catch: SyscallCatch) -> Result<()> {
        self.ensure_stopped()?;
        self.catch = catch;
        self.caught_entries.clear();
        Ok(())
    }

    /// At a system-call stop of thread `tid`: the stop to report when the call is caught.
    /// The kernel says whether it is an entry or an exit (`PTRACE_GET_SYSCALL_INFO`, one call,
    /// the same cost as reading the registers), so our bookkeeping cannot drift.
    fn syscall_stop(&mut self, tid: Pid, _entry_by_count: bool) -> Result<Option<Why>> {
        let current = self.process.current_thread();
        self.process.select_thread(tid)?;
        let info = self.guard(Process::syscall_info);
        if self.is_alive() {
            let _ = self.process.select_thread(current);
        }
        let name =
            |number: u64| syscalls::Sysno::new(number as usize).map_or("unknown", |s| s.name());
        let (kind, info) = match info? {
            dbg_process::SyscallStop::Entry { number, args } => {
                if !self.catch.catches(number) {
                    return Ok(None);
                }
                self.caught_entries.insert(tid, number);
                let info = SyscallInfo {
                    name: name(number),
                    number,
                    args: Some(args),
                    ret: None,
                };
                (StopKind::SyscallEntry, info)
            }
            dbg_process::SyscallStop::Exit { ret } => {
                let Some(number) = self.caught_entries.remove(&tid) else {
                    return Ok(None);
                };
                let info = SyscallInfo {
                    name: name(number),
                    number,
                    args: None,
                    ret: Some(ret),
                };
                (StopKind::SyscallExit, info)
            }
            dbg_process::SyscallStop::Other => return Ok(None),
        };
        Ok(Some(Why {
            kind: Some(kind),
            syscall: Some(info),
            ..Why::default()
        }))
    }

    /// What to do with `signal`: the user's `handle` setting, else gdb's default.
    pub fn policy(&self, signal: Signal) -> SignalPolicy {
        self.policies
            .get(&signal)
            .copied()
            .unwrap_or_else(|| SignalPolicy::default_for(signal))
    }

    /// Change what happens when the tracee receives `signal` (`handle`); `None` leaves a
    /// setting as it is. As in gdb, `stop` implies `print` and `noprint` implies `nostop`.
    pub fn set_policy(
        &mut self,
        signal: Signal,
        stop: Option<bool>,
        print: Option<bool>,
        pass: Option<bool>,
    ) -> SignalPolicy {
        let mut policy = self.policy(signal);
        if let Some(stop) = stop {
            policy.stop = stop;
            if stop {
                policy.print = true;
            }
        }
        if let Some(print) = print {
            policy.print = print;
            if !print {
                policy.stop = false;
            }
        }
        if let Some(pass) = pass {
            policy.pass = pass;
        }
        self.policies.insert(signal, policy);
        policy
    }

    /// Every thread, in tid order: whether it is the current one, and its pc.
    pub fn threads(&mut self) -> Result<Vec<(Pid, bool, u64)>> {
        self.ensure_stopped()?;
        let current = self.process.current_thread();
        let tids: Vec<Pid> = self.process.threads().collect();
        let mut threads = Vec::with_capacity(tids.len());
        for tid in tids {
            self.process.select_thread(tid)?;
            let pc = self.guard(Process::pc);
            if self.is_alive() {
                self.process.select_thread(current)?;
            }
            threads.push((tid, tid == current, pc?));
        }
        Ok(threads)
    }

    /// Make `tid` the thread that registers and `stepi` apply to.
    pub fn select_thread(&mut self, tid: Pid) -> Result<()> {
        self.ensure_stopped()?;
        self.process.select_thread(tid)?;
        self.forget_frames();
        Ok(())
    }

    fn thread_events(&mut self) -> Vec<Event> {
        self.process
            .take_events()
            .map(|event| match event {
                ThreadEvent::Created(tid) => Event::ThreadCreated { tid },
                ThreadEvent::Exited(tid) => Event::ThreadExited { tid },
                ThreadEvent::Forked(child) => Event::Forked { child },
            })
            .collect()
    }

    /// Turn a stop reason into events (thread events first, then the stop or end).
    fn report(&mut self, reason: StopReason, why: Why) -> Result<Vec<Event>> {
        let pid = self.pid();
        self.forget_frames();
        self.inline_skip = why.inline_skip;
        self.list_state = None;
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
                events.push(Event::Stopped(self.stop_event(stop, kind, &why)?));
            }
        }
        if !self.is_alive() {
            // The process is gone, and its memory and debug registers with it.
            self.sites.forget();
            self.plans.clear();
            self.at_breakpoint.clear();
            self.slots.forget();
        }
        Ok(events)
    }

    fn stop_event(&mut self, stop: Stop, kind: StopKind, why: &Why) -> Result<StopEvent> {
        let pc = self.guard(Process::pc)?;
        let place = if self.inline_skip > 0 {
            let pid = self.pid();
            let frames = self.images.logical_frames(pid, VirtAddr::new(pc), false);
            frames.get(self.inline_skip).or(frames.last()).cloned()
        } else {
            self.place(VirtAddr::new(pc))
        };
        Ok(StopEvent {
            pid: self.pid(),
            tid: stop.tid,
            signal: stop.signal,
            pc,
            place: place.map(Box::new),
            kind,
            fault_addr: stop.fault_addr,
            breakpoint: why.breakpoint,
            watchpoint: why.watchpoint,
            syscall: why.syscall,
        })
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
        breakpoint: None,
        debug_status: None,
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

impl Drop for Session {
    fn drop(&mut self) {
        self.end();
    }
}
