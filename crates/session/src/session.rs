//! The session: one tracee, the commands that drive it, and the events they produce.

use std::collections::{BTreeMap, BTreeSet};

use dbg_memory::{Memory, Sites};
use dbg_process::{Origin, Pid, Process, Signal, SignalOrigin, State, Stop};
use dbg_sys::VirtAddr;

use dbg_watch::Slots;

use crate::breakpoints::Breakpoints;
use crate::error::Result;
use crate::event::{Event, StopKind};
use crate::images::Images;
use crate::interrupt::Interrupter;
use crate::signals::SignalPolicy;
use crate::syscalls::{SyscallCatch, SyscallInfo};
use crate::watchpoints::{SlotOwner, WatchHit, Watchpoints};

mod breakpoint_ops;
mod conditions;
mod counting;
mod dap_support;
mod frames;
mod hardware_slots;
mod library_ops;
mod listing;
mod memory;
mod notices;
mod remote;
mod report;
mod restart;
mod returns;
mod running;
mod signal_ops;
mod source;
mod stepping;
mod syscall_ops;
mod threads;
mod values;
mod watch_values;
mod watchpoint_ops;

pub use values::{NamedValue, VariableText};

pub use frames::Frame;
pub use listing::Listing;
pub use memory::MAX_MEMORY_READ;
pub use source::Location;
pub use stepping::ReturnValue;
pub use threads::ThreadInfo;

/// A debugging session over one process.
#[derive(Debug)]
pub struct Session {
    process: Process,
    memory: Memory,
    /// The `int3`s in the tracee: original bytes (shared with the process layer), owners,
    /// and how to run the instruction under each.
    sites: Sites,
    breakpoints: Breakpoints,
    /// Threads whose last reported stop was one of our breakpoints (they sit on its `int3`).
    at_breakpoint: BTreeSet<Pid>,
    /// Threads set running at an out-of-line copy since their last stop: until they stop
    /// again their pc may be in the scratch area, which the user never sees.
    in_copy: BTreeSet<Pid>,
    /// Whether breakpoint hits to ignore may be counted in the tracee (`counting`).
    count_in_tracee: bool,
    /// Threads taken back to a site from inside its counting trampoline at the last stop:
    /// they have not reached the site yet, so a resume runs them into it (the trampoline
    /// counts the hit) rather than over it.
    entering: BTreeSet<Pid>,
    /// During `stepi N`: for each address stepped from, whether its instruction may raise a
    /// SIGTRAP of its own (`dbg_memory::may_trap`); one that cannot is stepped without asking
    /// the kernel why the step's SIGTRAP came. Dropped when the command ends (code may
    /// change while the program runs free).
    quiet_code: Option<std::collections::HashMap<VirtAddr, bool>>,
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
    /// What our seccomp filters in the process stop at (see `syscall_ops`).
    syscall_filter: crate::syscalls::SyscallFilter,
    /// `handle` settings that differ from gdb's defaults.
    policies: BTreeMap<Signal, SignalPolicy>,
    interrupter: Interrupter,
    /// The binaries mapped in the process, and their symbols.
    images: Images,
    /// The dynamic linker's rendezvous, hook and library list.
    linker: crate::libraries::Linker,
    /// Where library and breakpoint-resolution events go as they happen (a front end
    /// showing them live), instead of with the command's events.
    library_listener: Option<EventListener>,
    /// Events seen while stepping, returned with the next thread events.
    queued_events: Vec<Event>,
    /// The current thread's call stack, unwound on demand and kept until it runs.
    frames: Option<Vec<Frame>>,
    /// The frame `up`/`down`/`frame` selected (0: the innermost).
    selected_frame: usize,
    /// Where a source-level step, `finish`, `until` or `advance` is running to.
    temporaries: Vec<Temporary>,
    /// At a stop where an inlined function starts, gdb shows the call site first: the
    /// number of inlined frames hidden (the next `step` enters them).
    inline_skip: usize,
    /// Source files read for listings, by path.
    sources: BTreeMap<String, std::rc::Rc<Vec<String>>>,
    /// Where a bare `list` goes on from.
    list_state: Option<listing::ListState>,
    /// Threads a [`Session::resume_threads`] asked to step whose step has not been
    /// reported yet (another thread's stop came first).
    steps_asked: BTreeSet<Pid>,
    /// The place of the last stop asked for (thread, pc, inlined frames hidden), kept until
    /// the next stop.
    stop_place: Option<((Pid, VirtAddr, usize), Option<crate::CodePlace>)>,
    /// Types converted from DWARF for expressions, per binary.
    value_types: crate::value_types::TypeTable,
    /// Printed values (`$1`, `$2`, ...), the oldest dropped past a bound.
    history: Vec<dbg_expr::Value>,
    /// How many values were dropped from the front of `history`.
    history_base: u64,
    /// DWARF scopes by binary and address, for values at hot breakpoints.
    scope_cache: std::collections::HashMap<
        (usize, dbg_symbols::FileAddr),
        std::sync::Arc<Vec<dbg_symbols::FunctionScope>>,
    >,
    /// What `run` starts again.
    launch: Option<dbg_process::Launch>,
    /// Breakpoint locations before the program was started again, until its first stop.
    previous_locations: restart::PreviousLocations,
}

/// A front end's callback for events as they happen.
pub(crate) struct EventListener(pub(crate) Box<dyn FnMut(&Event)>);

impl std::fmt::Debug for EventListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventListener")
    }
}

/// A temporary stop of stepping: thread `tid` at `address`, when its stack pointer is as
/// `sp` says.
#[derive(Debug, Clone, Copy)]
struct Temporary {
    address: VirtAddr,
    tid: Pid,
    sp: SpRule,
}

/// Which frames a temporary stop is for, by the stack pointer there.
#[derive(Debug, Clone, Copy)]
enum SpRule {
    /// Any.
    Any,
    /// Exactly this one (the frame that called, not a recursive one).
    Exact(VirtAddr),
    /// This one or an outer frame (`until LOCATION` does not stop in a deeper recursion).
    AtLeast(VirtAddr),
}

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

impl Session {
    /// Launch a program; it is stopped at its first instruction.
    pub fn launch(launch: dbg_process::Launch) -> Result<(Session, Vec<Event>)> {
        let process = launch.spawn()?;
        let pid = process.pid();
        let mut session = Session::new(process);
        session.launch = Some(launch);
        let entry = session.stop_event(entry_stop(pid), StopKind::Entry, &Why::default())?;
        // At the first instruction the linker has loaded nothing yet: its hook reports the
        // start-up libraries.
        let mut events = vec![Event::Launched { pid }];
        events.extend(session.start_library_tracking());
        events.push(Event::Stopped(entry));
        Ok((session, events))
    }

    /// Attach to a running process; it is stopped where it was.
    pub fn attach(pid: Pid) -> Result<(Session, Vec<Event>)> {
        let process = Process::attach(pid)?;
        let threads = process.threads().collect();
        let mut session = Session::new(process);
        // `run` after attach starts the attached program anew, without arguments (as gdb).
        session.launch = std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .map(dbg_process::Launch::new);
        let mut stop = entry_stop(pid);
        stop.signal = Signal::SIGSTOP;
        let entry = session.stop_event(stop, StopKind::Entry, &Why::default())?;
        let mut events = vec![Event::Attached { pid, threads }];
        events.extend(session.start_library_tracking());
        events.push(Event::Stopped(entry));
        Ok((session, events))
    }

    fn new(process: Process) -> Session {
        let interrupter = Interrupter::new(process.stop_request());
        let memory = Memory::new(process.pid());
        let sites = Sites::new(process.trap_sites());
        Session {
            process,
            memory,
            sites,
            breakpoints: Breakpoints::default(),
            at_breakpoint: BTreeSet::new(),
            in_copy: BTreeSet::new(),
            count_in_tracee: true,
            entering: BTreeSet::new(),
            quiet_code: None,
            last_breakpoint: None,
            last_watchpoint: None,
            stopped_by_hardware: false,
            slots: Slots::new(),
            watchpoints: Watchpoints::default(),
            last_signal: None,
            catch: SyscallCatch::None,
            caught_entries: BTreeMap::new(),
            syscall_filter: crate::syscalls::SyscallFilter::Untried,
            policies: BTreeMap::new(),
            interrupter,
            images: Images::default(),
            linker: Default::default(),
            library_listener: None,
            queued_events: Vec::new(),
            frames: None,
            selected_frame: 0,
            temporaries: Vec::new(),
            inline_skip: 0,
            sources: BTreeMap::new(),
            value_types: Default::default(),
            history: Vec::new(),
            history_base: 0,
            scope_cache: Default::default(),
            list_state: None,
            stop_place: None,
            steps_asked: BTreeSet::new(),
            launch: None,
            previous_locations: Default::default(),
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
            // A stop being decided on its thread alone (the others run): that thread can be
            // looked at, e.g. for a breakpoint's condition.
            State::Running if self.process.deciding().is_some() => Ok(()),
            State::Running => Err(dbg_process::Error::Running.into()),
            State::Ended(how) => Err(dbg_process::Error::NoProcess(how).into()),
        }
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
        // No thread may be left inside the scratch area, which goes.
        self.leave_trampolines()?;
        self.sites.clear(&self.memory)?;
        // The scratch area goes too (best effort: one that cannot be unmapped stays, unused).
        let _ = self.sites.unmap_scratch(&mut self.process, &self.memory);
        self.in_copy.clear();
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
                        // The hits counted in the tracee up to its end (or exec) are the breakpoints'.
                        self.settle_final_counts();
                        self.sites.forget();
                        Err(dbg_process::Error::NoProcess(how).into())
                    }
                    _ => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
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

impl Drop for Session {
    fn drop(&mut self) {
        self.end();
    }
}
