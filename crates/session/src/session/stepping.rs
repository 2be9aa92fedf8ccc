//! Source-level stepping with gdb's semantics: `step` (into functions that have line
//! information), `next` (over calls, recursion included) and `finish` (out of the selected
//! frame, with the returned value).
//!
//! Stepping runs the current thread one instruction at a time within the line (the other
//! threads held), except straight-line code, which runs to its last instruction at one stop
//! (every thread running meanwhile, as over a call); a call is stepped over by running every thread to its return address,
//! where the stack pointer tells the returning frame from a recursive one. Anything else
//! that happens on the way — a breakpoint, a signal, the end of the process — ends the step
//! and is reported as itself.
//!
//! As gdb does, the line's address range is computed once, from the line table
//! ([`Session::line_range`]): while the thread stays inside it, each instruction costs the
//! step, its registers and a decode of the next instruction (call or return?), without
//! formatting it, looking up lines, statement starts or inlined functions, or reading the
//! memory maps; those questions are asked only where the thread leaves the range.

use dbg_memory::SiteOwner;
use dbg_process::{Pid, Reg};
use dbg_symbols::SourceLine;
use dbg_sys::VirtAddr;

use super::running::{SingleStep, SHARE_CPU_FROM_STEPS};
use super::{Location, Session, SpRule, Temporary, Why};
use crate::error::{Error, Result};
use crate::event::{Event, StopCause, StopKind};

/// What an instruction does to the flow of control, for stepping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// A call of `length` bytes.
    Call { length: u64 },
    /// A return.
    Return,
    /// Anything else.
    Other,
}

impl Flow {
    /// The flow of the instruction at `pc` that took the thread to `now`: a call of the
    /// next instruction (position-independent code reading its own address) returns
    /// nowhere, so it is an ordinary instruction.
    fn filter_call_to(self, pc: VirtAddr, now: VirtAddr) -> Flow {
        match self {
            Flow::Call { length } if now == pc.wrapping_add(length) => Flow::Other,
            flow => flow,
        }
    }
}

/// The current line's address range during a source step, and the flow of the instructions
/// decoded in it: a loop on the line runs the same instructions again, and its code cannot
/// change under a step (it is running), so each is read and decoded once.
#[derive(Default)]
struct Flows {
    range: Option<(VirtAddr, VirtAddr)>,
    known: std::collections::HashMap<VirtAddr, Flow>,
    /// Where straight-line code from an address of the range can be run to instead of
    /// stepped (`None`: stepped), for a loop that comes back to it.
    runs: std::collections::HashMap<VirtAddr, Option<VirtAddr>>,
}

impl Flows {
    fn in_range(&self, pc: VirtAddr) -> bool {
        self.range.is_some_and(|(low, high)| low <= pc && pc < high)
    }

    fn set_range(&mut self, range: Option<(VirtAddr, VirtAddr)>) {
        self.range = range;
        self.known.clear();
        self.runs.clear();
    }

    fn known(&self, pc: VirtAddr) -> Option<Flow> {
        self.known.get(&pc).copied()
    }

    /// Keep `flow` for `pc` when it is in the line's range (elsewhere, code may come and go).
    fn learn(&mut self, pc: VirtAddr, flow: Flow) {
        if self.in_range(pc) {
            self.known.insert(pc, flow);
        }
    }
}

/// One instruction executed by stepping: where it was, what it was, the stack pointer
/// before it, and where the thread is now.
struct Stepped {
    pc: VirtAddr,
    flow: Flow,
    sp: VirtAddr,
    now: VirtAddr,
    reason: dbg_process::StopReason,
}

/// How running to an address ended.
enum RunTo {
    /// The thread got there; these events happened meanwhile, the last one the stop there.
    Reached(Vec<Event>),
    /// Something else stopped the process first: report these events.
    Stopped(Vec<Event>),
}

impl RunTo {
    /// Add the events to `events` — without the stop at the address, when the thread got
    /// there (stepping goes on from it) — and say whether it did.
    fn passed(self, events: &mut Vec<Event>) -> bool {
        match self {
            RunTo::Reached(mut more) => {
                more.pop();
                events.extend(more);
                true
            }
            RunTo::Stopped(more) => {
                events.extend(more);
                false
            }
        }
    }
}

/// A value a function returned, as `finish` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnValue {
    /// The value, as C would print it.
    pub value: String,
    /// Its type's name.
    pub type_name: String,
    /// Its number in the value history (`$N`).
    pub history: Option<u64>,
}

impl Session {
    /// `step`: run to the next source line, entering called functions that have line
    /// information (stopping past their prologue) and stepping over the others.
    pub fn step_line(&mut self) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.source_step(false, false);
        self.death_as_event(alive, result)
    }

    /// `next`: run to the next source line of this function, over calls.
    pub fn next_line(&mut self) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.source_step(true, false);
        self.death_as_event(alive, result)
    }

    /// `until` without argument: `next`, but a jump back (the end of a loop) does not end it:
    /// it runs on until a line past the current one is reached, or the function returns.
    pub fn until_line(&mut self) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.source_step(true, true);
        self.death_as_event(alive, result)
    }

    /// `finish`: run until the selected frame returns to its caller; the value it returned
    /// (when DWARF gives its type).
    pub fn finish(&mut self) -> Result<(Vec<Event>, Option<ReturnValue>)> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let mut value = None;
        let result = self.finish_inner(&mut value);
        self.death_as_event(alive, result)
            .map(|events| (events, value))
    }

    /// `nexti N`: `count` instructions of the current thread, a call counting as one (it runs
    /// to its return, the other threads too).
    pub fn next_instructions(&mut self, count: u64) -> Result<Vec<Event>> {
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.next_instructions_inner(count);
        self.death_as_event(alive, result)
    }

    fn next_instructions_inner(&mut self, count: u64) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let mut flows = Flows::default();
        let tid = self.process.current_thread();
        let mut signal = self.signal_to_deliver();
        let mut events = Vec::new();
        for done in 1..=count {
            let Some(Stepped {
                pc,
                flow,
                sp,
                now,
                reason,
            }) = self.step_traced(signal.take(), &mut events, &mut flows)?
            else {
                return Ok(events);
            };
            if let Flow::Call { length } = flow.filter_call_to(pc, now) {
                if !self
                    .run_to(pc.wrapping_add(length), tid, Some(sp))?
                    .passed(&mut events)
                {
                    return Ok(events);
                }
            }
            if done == count || self.interrupter.requested() {
                let now = self.process.current_thread();
                let stop = match reason {
                    dbg_process::StopReason::Stopped(stop) => {
                        dbg_process::Stop { tid: now, ..stop }
                    }
                    other => {
                        events.extend(self.report(other, Why::stepping())?);
                        return Ok(events);
                    }
                };
                events
                    .extend(self.report(dbg_process::StopReason::Stopped(stop), Why::stepping())?);
                return Ok(events);
            }
        }
        Ok(events)
    }

    fn source_step(&mut self, over: bool, until: bool) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let pid = self.pid();
        let tid = self.process.current_thread();
        let pc = self.current_pc()?;
        let mut start = pc;
        let mut events = Vec::new();
        let mut line = match self.stepping_line(pc) {
            Some(line) => line,
            None => {
                // As gdb: "single stepping until exit from a function without line
                // information" — out to the first caller that has some, then on to its next
                // line.
                let has_lines = self
                    .backtrace()?
                    .iter()
                    .skip(1)
                    .any(|f| f.place.as_ref().is_some_and(|p| p.source.is_some()));
                if !has_lines {
                    let name = self
                        .place(pc)
                        .and_then(|p| p.function)
                        .map_or_else(|| format!("{pc:#x}"), |f| format!("`{f}`"));
                    return Err(Error::NoLineInfoHere { place: name });
                }
                loop {
                    if !self.leave_frame(tid)?.passed(&mut events) {
                        return Ok(events);
                    }
                    let here = self.current_pc()?;
                    if let Some(line) = self.images.line_at(pid, here) {
                        break line;
                    }
                }
            }
        };
        if self.inline_skip > 0 && !over {
            // Stopped at an inlined call site: `step` enters the inlined function, which
            // starts right here (as in gdb, nothing runs).
            let skip = self.inline_skip - 1;
            return self.step_done_at_call_site(Vec::new(), skip);
        }
        let mut depth = self
            .images
            .inline_depth(pid, pc)
            .saturating_sub(self.inline_skip);
        self.inline_skip = 0;
        let here = self.current_pc()?;
        let mut flows = Flows {
            range: self.line_range(here, &line, depth),
            ..Flows::default()
        };
        let mut signal = self.signal_to_deliver();
        // The stepping thread runs on our CPU (a stop across CPUs costs more than the stop);
        // a line that runs many instructions, every thread, as `stepi N` does. Restored when
        // the step ends.
        let mut steps: u64 = 0;
        let mut _shared = self.process.share_cpu_with(tid).ok();
        loop {
            // Ctrl-C ends the step where the thread is.
            if self.interrupter.requested() {
                return self.step_done(events);
            }
            steps += 1;
            if steps == SHARE_CPU_FROM_STEPS {
                // The thread's own guard goes first: the new one saves the masks to restore.
                drop(_shared.take());
                _shared = self.process.share_cpu().ok();
            }
            // Straight-line code inside the line runs to its last instruction (or the jump,
            // call or return that ends it) at one stop, instead of a stop per instruction;
            // that instruction is stepped, as below.
            if signal.is_none() {
                if let Some(target) = self.straight_target(&mut flows)? {
                    if !self.run_to(target, tid, None)?.passed(&mut events) {
                        return Ok(events);
                    }
                }
            }
            let Some(Stepped {
                pc,
                flow,
                sp,
                mut now,
                reason,
            }) = self.step_traced(signal.take(), &mut events, &mut flows)?
            else {
                return Ok(events);
            };
            match flow.filter_call_to(pc, now) {
                Flow::Call { length } => {
                    let mut into = !over && self.images.line_at(pid, now).is_some();
                    if !over && !into {
                        // A call through a PLT stub: `step` goes on through it (and the
                        // dynamic linker's lazy binding) to the function, as gdb does, when
                        // that has line information.
                        if let Some(target) = self.plt_target(now) {
                            if self.images.line_at(pid, target).is_some() {
                                if !self.run_to(target, tid, None)?.passed(&mut events) {
                                    return Ok(events);
                                }
                                now = target;
                                into = true;
                            }
                        }
                    }
                    if into {
                        // Into the function, to where its body starts.
                        let entry = now;
                        let mut body = entry;
                        if let Some(after) = self.images.after_prologue(pid, entry) {
                            if after != entry && !self.run_to(after, tid, None)?.passed(&mut events)
                            {
                                return Ok(events);
                            }
                            body = after;
                        }
                        // Inlined functions that start where the body does are entered by
                        // the next `step`: the function itself is shown first, as gdb does.
                        let depth = self.images.inline_depth(pid, body);
                        let skip = if body == entry {
                            depth.saturating_sub(1)
                        } else {
                            depth
                                .saturating_sub(self.images.inline_depth(pid, body.wrapping_sub(1)))
                        };
                        return self.step_done_at_call_site(events, skip);
                    }
                    // Over the call: on to the return address, in this frame (the stack
                    // pointer as before the call), not in a recursive call's.
                    if !self
                        .run_to(pc.wrapping_add(length), tid, Some(sp))?
                        .passed(&mut events)
                    {
                        return Ok(events);
                    }
                    now = self.current_pc()?;
                }
                Flow::Return => {
                    match self.images.line_at(pid, now) {
                        // Back in the caller at the start of a line (`f();` returns to the
                        // next line's first instruction): that line is where the step ends.
                        // Where the return address starts an inlined function (the call
                        // was its caller's last), its call site is shown first, as gdb does.
                        Some(caller)
                            if self.images.is_statement_start(pid, now)
                                && !same_line(&caller, &line) =>
                        {
                            let skip = self
                                .images
                                .inline_depth(pid, now)
                                .saturating_sub(self.images.inline_depth(pid, now.wrapping_sub(1)));
                            return self.step_done_at_call_site(events, skip);
                        }
                        // Back in the caller, mid-line: on to the caller's next line.
                        Some(caller) => {
                            line = caller;
                            start = now;
                            flows.set_range(None);
                        }
                        // Out of a signal handler, into the kernel's sigreturn trampoline:
                        // through it to where the signal interrupted the program, where gdb
                        // stops.
                        None if self.at_signal_return(now) => {
                            for _ in 0..2 {
                                if self.step_traced(None, &mut events, &mut flows)?.is_none() {
                                    return Ok(events);
                                }
                            }
                            return self.step_done(events);
                        }
                        // A caller without line information (the C library calling main):
                        // stop here, as there is no line to step to.
                        None => return self.step_done(events),
                    }
                    depth = self.images.inline_depth(pid, now);
                    if flows.range.is_none() {
                        let range = self.line_range(now, &line, depth);
                        flows.set_range(range);
                    }
                    continue;
                }
                Flow::Other => {}
            }
            let _ = reason;
            if flows.in_range(now) {
                // Still inside the line's range: nothing there ends the step.
                continue;
            }
            let now_depth = self.images.inline_depth(pid, now);
            if now_depth > depth {
                if over {
                    // Inside an inlined call: `next` goes over it like over a call.
                    continue;
                }
                // Into an inlined function: first stop at its call site, as gdb does.
                return self.step_done_at_call_site(events, now_depth - depth);
            }
            if now_depth < depth {
                depth = now_depth;
            }
            if self.images.is_statement_start(pid, now) {
                if let Some(here) = self.images.line_at(pid, now) {
                    // `until` goes on through a jump back, as gdb's does: only code past
                    // where it started ends it.
                    if !same_line(&here, &line) && (!until || now > start) {
                        return self.step_done(events);
                    }
                }
            } else if self.images.line_at(pid, now).is_none() && !matches!(flow, Flow::Call { .. })
            {
                // Jumped into code without line information (not by a call): out of it, back
                // to where lines are.
                if !self.leave_frame(tid)?.passed(&mut events) {
                    return Ok(events);
                }
                let here = self.current_pc()?;
                if let Some(caller) = self.images.line_at(pid, here) {
                    line = caller;
                    flows.set_range(None);
                }
            }
        }
    }

    /// Where the current thread, inside the line's range, can run to instead of stepping
    /// there: the end of the straight-line code from its pc (`dbg_memory::straight_run`),
    /// when that saves steps. `None` outside the range, or where the code cannot be read.
    fn straight_target(&mut self, flows: &mut Flows) -> Result<Option<VirtAddr>> {
        /// Fewer instructions than this before the end are stepped: a run costs a
        /// breakpoint's insertion and removal besides its stop.
        const MIN_RUN: usize = 2;
        /// The most bytes of the line decoded ahead at once.
        const AHEAD: u64 = 256;
        let pc = self.current_pc()?;
        let Some((_, high)) = flows.range.filter(|_| flows.in_range(pc)) else {
            return Ok(None);
        };
        if let Some(known) = flows.runs.get(&pc) {
            return Ok(*known);
        }
        let length = (high.get() - pc.get()).min(AHEAD) as usize;
        let target = match self.memory.read(pc, length) {
            Ok(mut read) => {
                self.sites.hide(pc, &mut read.bytes);
                let (target, before) = dbg_memory::straight_run(&read.bytes, pc);
                (before >= MIN_RUN).then_some(target)
            }
            Err(_) => None,
        };
        flows.runs.insert(pc, target);
        Ok(target)
    }

    /// The line stepping starts from: the pc's, or an inlined call site's when the stop
    /// presented one.
    fn stepping_line(&mut self, pc: VirtAddr) -> Option<SourceLine> {
        let pid = self.pid();
        if self.inline_skip > 0 {
            let frames = self.images.logical_frames(pid, pc, false);
            if let Some(source) = frames.get(self.inline_skip).and_then(|f| f.source.clone()) {
                return Some(source);
            }
        }
        self.images.line_at(pid, pc)
    }

    /// Execute one instruction of the current thread, noting what it was: `None` when
    /// something else happened instead (a breakpoint, a signal, the end of the process),
    /// whose events are added to `events`.
    fn step_traced(
        &mut self,
        signal: Option<dbg_process::Signal>,
        events: &mut Vec<Event>,
        flows: &mut Flows,
    ) -> Result<Option<Stepped>> {
        let pc = self.current_pc()?;
        let flow = match flows.known(pc) {
            Some(flow) => flow,
            None => {
                let flow = self.flow_at(pc)?;
                flows.learn(pc, flow);
                flow
            }
        };
        let sp = VirtAddr::new(
            self.guard(|process| process.read_register(Reg::Rsp))?
                .as_u64(),
        );
        let reason = match self.single_step(signal)? {
            SingleStep::Report(reason, why) => {
                events.extend(self.report(reason, why)?);
                return Ok(None);
            }
            SingleStep::Done(reason) => reason,
        };
        let now = self.current_pc()?;
        Ok(Some(Stepped {
            pc,
            flow,
            sp,
            now,
            reason,
        }))
    }

    /// Report the end of a step where the current thread is now.
    fn step_done(&mut self, events: Vec<Event>) -> Result<Vec<Event>> {
        self.step_done_at_call_site(events, 0)
    }

    /// Report the end of a step, presenting the stop at the call site of the `skip`
    /// innermost inlined functions (which the next `step` enters).
    fn step_done_at_call_site(
        &mut self,
        mut events: Vec<Event>,
        skip: usize,
    ) -> Result<Vec<Event>> {
        let tid = self.process.current_thread();
        let stop = dbg_process::Stop {
            tid,
            signal: dbg_process::Signal::SIGTRAP,
            trap: Some(dbg_process::TrapKind::SingleStep),
            fault_addr: None,
            origin: dbg_process::SignalOrigin::Kernel,
            breakpoint: None,
            debug_status: None,
        };
        let why = Why {
            kind: Some(StopKind::StepDone),
            inline_skip: skip,
            ..Why::default()
        };
        events.extend(self.report(dbg_process::StopReason::Stopped(stop), why)?);
        Ok(events)
    }

    fn finish_inner(&mut self, value: &mut Option<ReturnValue>) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let pid = self.pid();
        let frames = self.backtrace()?;
        let selected = self.selected_frame.min(frames.len().saturating_sub(1));
        let Some(frame) = frames.get(selected) else {
            return Err(Error::NoFrames);
        };
        if frame.inlined {
            return Err(Error::FinishInlined);
        }
        let Some(caller) = frames.get(selected + 1) else {
            return Err(Error::FinishOutermost);
        };
        let (return_address, cfa) = (caller.pc, frame.cfa);
        let returns = self.return_type(pid, frame.pc);
        let tid = self.process.current_thread();
        match self.run_to(return_address, tid, cfa)? {
            RunTo::Reached(events) => {
                *value = match returns {
                    Some(ty) => self.return_value(&ty)?,
                    None => None,
                };
                Ok(events)
            }
            RunTo::Stopped(events) => Ok(events),
        }
    }

    /// Run out of the current thread's innermost frame, to its return address.
    fn leave_frame(&mut self, tid: Pid) -> Result<RunTo> {
        let frames = self.backtrace()?;
        let physical = frames.iter().position(|f| !f.inlined).unwrap_or(0);
        let (Some(frame), Some(caller)) = (frames.get(physical), frames.get(physical + 1)) else {
            return Err(Error::NoCaller);
        };
        let (address, cfa) = (caller.pc, frame.cfa);
        self.run_to(address, tid, cfa)
    }

    /// Run every thread until thread `tid` reaches `address` (with the stack pointer at
    /// `sp`, when given), through a temporary breakpoint there.
    fn run_to(&mut self, address: VirtAddr, tid: Pid, sp: Option<VirtAddr>) -> Result<RunTo> {
        let sp = sp.map_or(SpRule::Any, SpRule::Exact);
        self.run_to_any(&[Temporary { address, tid, sp }])
    }

    /// Run every thread until one of `temporaries` is reached, through temporary
    /// breakpoints there.
    fn run_to_any(&mut self, temporaries: &[Temporary]) -> Result<RunTo> {
        let mut inserted: Vec<VirtAddr> = Vec::new();
        for temporary in temporaries {
            if inserted.contains(&temporary.address) {
                continue;
            }
            if let Err(error) = self.insert_site(temporary.address, SiteOwner::Temporary) {
                for address in inserted {
                    let _ = self.release_site(address, SiteOwner::Temporary);
                }
                return Err(error);
            }
            inserted.push(temporary.address);
        }
        self.temporaries = temporaries.to_vec();
        let result = self.resume_inner(1);
        self.temporaries.clear();
        let mut released = Ok(());
        if self.is_alive() {
            for address in inserted {
                let release = self.release_site(address, SiteOwner::Temporary);
                released = released.and(release);
            }
        }
        // What happened is reported first; a failed release after it is the error only
        // when there is nothing else to say.
        let events = result?;
        released?;
        let reached = matches!(
            events.last(),
            Some(Event::Stopped(stop)) if stop.cause == StopCause::StepDone
        );
        Ok(if reached {
            RunTo::Reached(events)
        } else {
            RunTo::Stopped(events)
        })
    }

    /// `advance LOCATION` (`until_frame: false`) and `until LOCATION` (true): run until the
    /// current thread reaches `location` (any of its addresses) — for `until`, in the selected frame or an
    /// outer one, not in a deeper recursive call — or the selected frame returns.
    pub fn advance(&mut self, location: &Location, until_frame: bool) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let location = match location {
            Location::CurrentLine(line) => self.in_current_file(*line)?,
            other => other.clone(),
        };
        let addresses = self.breakpoint_addresses(&location)?;
        let alive = self.is_alive();
        let _busy = self.interrupter.busy();
        let result = self.advance_inner(&addresses, until_frame);
        self.death_as_event(alive, result)
    }

    fn advance_inner(&mut self, addresses: &[VirtAddr], until_frame: bool) -> Result<Vec<Event>> {
        self.ensure_stopped()?;
        let tid = self.process.current_thread();
        let frames = self.backtrace()?;
        let selected = self.selected_frame.min(frames.len().saturating_sub(1));
        if frames.is_empty() {
            return Err(Error::NoFrames);
        }
        // The selected frame's stack pointer: the thread's for the innermost frame, else the
        // CFA of the frame it called (its stack pointer at that call).
        let sp = if !until_frame {
            SpRule::Any
        } else if selected == 0 {
            SpRule::AtLeast(VirtAddr::new(
                self.guard(|p| p.read_register(Reg::Rsp))?.as_u64(),
            ))
        } else {
            frames
                .get(selected - 1)
                .and_then(|callee| callee.cfa)
                .map_or(SpRule::Any, SpRule::AtLeast)
        };
        let mut temporaries: Vec<Temporary> = addresses
            .iter()
            .map(|&address| Temporary { address, tid, sp })
            .collect();
        // The selected frame returning ends it too (the outermost frame never returns).
        let physical = frames
            .iter()
            .skip(selected)
            .position(|f| !f.inlined)
            .map(|i| i + selected);
        if let Some(index) = physical {
            if let (Some(frame), Some(caller)) = (frames.get(index), frames.get(index + 1)) {
                temporaries.push(Temporary {
                    address: caller.pc,
                    tid,
                    sp: frame.cfa.map_or(SpRule::Any, SpRule::Exact),
                });
            }
        }
        Ok(match self.run_to_any(&temporaries)? {
            RunTo::Reached(events) | RunTo::Stopped(events) => events,
        })
    }

    /// Whether `pc` is at the C library's signal-return trampoline (`__restore_rt`: `mov
    /// rax, 15` (`rt_sigreturn`), `syscall`), where a signal handler returns to.
    fn at_signal_return(&self, pc: VirtAddr) -> bool {
        const RESTORE_RT: [u8; 9] = [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05];
        self.memory
            .read_exact(pc, RESTORE_RT.len())
            .is_ok_and(|bytes| bytes == RESTORE_RT)
    }

    /// Where the PLT stub at `stub` leads: the value of the GOT slot it jumps through once
    /// the dynamic linker has bound it, else (lazy binding, the slot still pointing back
    /// into the PLT) the function its relocation names, in the first other binary that
    /// defines it. `None` when `stub` is no PLT stub.
    fn plt_target(&mut self, stub: VirtAddr) -> Option<VirtAddr> {
        let pid = self.pid();
        let (image, module) = self.images.shared_module_at(pid, stub)?;
        if !module.in_plt(image.bias.to_file(stub)) {
            return None;
        }
        // `jmp [rip+X]`, after an `endbr64` and a `bnd` prefix at most.
        let code = self.disassemble(Some(stub), 3).ok()?;
        let slot = code.iter().find_map(|i| i.memory_target)?;
        let bytes = self.memory.read_exact(slot, 8).ok()?;
        let value = VirtAddr::new(u64::from_le_bytes(bytes.try_into().ok()?));
        let bound = match self.images.shared_module_at(pid, value) {
            Some((at, there)) => !(at.path == image.path && there.in_plt(at.bias.to_file(value))),
            None => false,
        };
        if bound {
            return Some(value);
        }
        let name = module.got_slot_symbol(image.bias.to_file(slot))?;
        self.images
            .shared_modules(pid)
            .into_iter()
            .filter(|(other, _)| other.path != image.path)
            .find_map(|(other, binary)| {
                binary
                    .symbols_named(&name)
                    .into_iter()
                    .find(|symbol| symbol.is_function && symbol.address.get() != 0)
                    .map(|symbol| other.bias.to_virt(symbol.address))
            })
    }

    /// What the instruction at `pc` does to the flow of control: decoded, not formatted
    /// (this is asked at every instruction a step executes).
    fn flow_at(&mut self, pc: VirtAddr) -> Result<Flow> {
        /// The longest x86-64 instruction.
        const MAX_INSTRUCTION: usize = 15;
        let mut read = self.memory.read(pc, MAX_INSTRUCTION)?;
        if read.bytes.is_empty() {
            return Err(dbg_memory::Error::Unreadable { addr: pc }.into());
        }
        self.sites.hide(pc, &mut read.bytes);
        Ok(match dbg_memory::flow_of(&read.bytes, pc) {
            Some((dbg_memory::Flow::Call, length)) => Flow::Call {
                length: length as u64,
            },
            Some((dbg_memory::Flow::Return, _)) => Flow::Return,
            Some((dbg_memory::Flow::Other, _)) | None => Flow::Other,
        })
    }

    /// The addresses around `pc` — a half-open range — where a step from `line` at inline
    /// depth `depth` goes on whatever instruction it lands on: the row intervals of the line
    /// table, contiguous with pc's, whose first address has `line` as its line and `depth`
    /// inlined functions (every address of an interval has its first address's line, and
    /// is no statement start). `None` when pc's own interval is not such (a step that
    /// starts at an inlined call site, or without a line).
    fn line_range(
        &mut self,
        pc: VirtAddr,
        line: &SourceLine,
        depth: usize,
    ) -> Option<(VirtAddr, VirtAddr)> {
        /// Rows looked at either side: a line has a handful; a loop's line a few more.
        const REACH: usize = 32;
        let pid = self.pid();
        let starts = self.images.row_starts(pid, pc, REACH)?;
        let at = starts.partition_point(|a| *a <= pc).checked_sub(1)?;
        let inside = |session: &mut Session, start: VirtAddr| {
            session
                .images
                .line_at(pid, start)
                .is_some_and(|here| same_line(&here, line))
                && session.images.inline_depth(pid, start) == depth
        };
        let first = *starts.get(at)?;
        if !inside(self, first) {
            return None;
        }
        let mut low = first;
        for start in starts.get(..at)?.iter().rev() {
            if !inside(self, *start) {
                break;
            }
            low = *start;
        }
        // The last start listed ends the range when every one before it is inside (the
        // sequence's end, or as far as the rows were read).
        let mut high = *starts.last()?;
        for start in starts.get(at + 1..)?.iter() {
            if *start == high || !inside(self, *start) {
                high = *start;
                break;
            }
        }
        Some((low, high))
    }

    /// The return type of the function containing `pc`, from its DWARF; `None` without
    /// DWARF for it.
    fn return_type(&mut self, pid: Pid, pc: VirtAddr) -> Option<dbg_expr::TypeRc> {
        let (image, module) = self.images.shared_module_at(pid, pc)?;
        let function = module.function_at(image.bias.to_file(pc))?;
        match module.function_type(function.low).ok()?? {
            dbg_symbols::TypeDesc::Function { ret, .. } => {
                Some(self.value_types.convert(&module, ret))
            }
            _ => None,
        }
    }

    /// The value a function of type `ty` just returned (SysV ABI), printed as `print`
    /// prints it and kept in the value history, as gdb's `Value returned is $N`.
    fn return_value(&mut self, ty: &dbg_expr::TypeRc) -> Result<Option<ReturnValue>> {
        let Some(value) = self.returned_value(ty)? else {
            return Ok(None);
        };
        let text = self.format_value(&value, None, true)?;
        let history = self.record_value(value);
        Ok(Some(ReturnValue {
            value: text,
            type_name: ty.name(),
            history: Some(history),
        }))
    }
}

fn same_line(a: &SourceLine, b: &SourceLine) -> bool {
    a.line == b.line && a.path == b.path
}
