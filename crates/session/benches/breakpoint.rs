//! Criterion benchmark of breakpoint hits on the `bp_loop` fixture, one iteration per hit: a
//! `Session` letting ignored hits pass, with a software and with a hardware breakpoint, against
//! a bare ptrace loop written here that does the classic int3 / rewind / restore / single-step /
//! re-insert dance.
//!
//! - `dbg_session`: [`Session::resume`] with the breakpoint's ignore count set so that it
//!   returns at the `iters`-th hit. The session runs tracer and tracee on one CPU by itself
//!   while hits are ignored, and emulates the `push rbp` under the site: one stop per hit.
//! - `dbg_session_hardware`: the same with a hardware breakpoint (a debug-register slot): one
//!   stop per hit, since the kernel sets RF on the hit and there is nothing to step.
//! - `dbg_session_conditional`: the software breakpoint with a condition on a global
//!   (`total == T`) that is false at every hit but the `iters`-th: what a conditional
//!   breakpoint's false hit costs beyond an ignored one (the condition is evaluated in the
//!   hitting thread's innermost frame, at each hit).
//! - `bare_loop`: `PTRACE_CONT`, `waitpid`, `GETREGS`, rip rewound, `SETREGS`, the original word
//!   poked back, `PTRACE_SINGLESTEP`, `waitpid`, the int3 word poked again: two stops per hit,
//!   tracer and tracee on one CPU ([`Process::share_cpu`]).
//! - `bare_loop_scheduler`: the same loop, CPU placement left to the scheduler.
//!
//! `cargo xtask bench` reads the estimates and prints the ratios; the goal is `dbg_session`
//! within 1.2× of `bare_loop`; hardware against software breakpoint is only reported.
#![forbid(unsafe_code)]
// A benchmark that cannot launch or drive its tracee has nothing to measure: it stops loudly
// with the reason instead of reporting numbers for something else.
#![allow(clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use dbg_process::{CpuShare, Process};
use dbg_session::{Event, Launch, Session, StopCause, StopEvent, VirtAddr};
use nix::sys::ptrace::{self, AddressType};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Calls of `target_fn` each tracee makes: far more than a benchmark run hits, but the
/// tracees are relaunched (untimed) if a run would get there.
const CALLS: u64 = 100_000_000;

/// The fixture and where its breakpoint goes.
#[derive(Debug, Clone)]
struct Fixture {
    program: PathBuf,
    /// `target_fn` in a process launched without ASLR (the default of `Launch`).
    addr: u64,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            program: fixtures::path("bp_loop"),
            addr: fixtures::PIE_BASE_WITHOUT_ASLR + fixtures::symbol("bp_loop", "target_fn"),
        }
    }

    fn launch(&self) -> Launch {
        Launch::new(&self.program)
            .arg(CALLS.to_string())
            .stdout("/dev/null")
    }
}

// ── dbg ─────────────────────────────────────────────────────────────────────────────────────

/// A session stopped at a hit of its one breakpoint.
#[derive(Debug)]
struct DbgTracee {
    fixture: Fixture,
    /// Whether the breakpoint is a hardware one.
    hardware: bool,
    session: Session,
    id: u32,
    /// Hits so far, as the session must count them.
    hits: u64,
}

impl DbgTracee {
    /// Launch, set the breakpoint (in a debug-register slot with `hardware`) and run
    /// (untimed) to its first hit.
    fn launch(fixture: Fixture, hardware: bool) -> DbgTracee {
        let (mut session, _) = Session::launch(fixture.launch())
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", fixture.program.display()));
        let id = session
            .set_breakpoint(VirtAddr::new(fixture.addr), 0, hardware)
            .unwrap_or_else(|e| panic!("cannot set a breakpoint at {:#x}: {e}", fixture.addr))
            .id;
        let mut tracee = DbgTracee {
            fixture,
            hardware,
            session,
            id,
            hits: 0,
        };
        tracee.run_to_hit(1);
        tracee
    }

    /// Let `count - 1` hits pass and stop at the next one; the time that took.
    fn run_to_hit(&mut self, count: u64) -> Duration {
        if let Err(e) = self.session.ignore_breakpoint(self.id, count - 1) {
            panic!("cannot set the ignore count of breakpoint {}: {e}", self.id);
        }
        let start = Instant::now();
        let events = self.session.resume(1);
        let elapsed = start.elapsed();
        let events = events.unwrap_or_else(|e| panic!("resume failed: {e}"));
        self.hits += count;
        match events.last() {
            Some(Event::Stopped(StopEvent {
                cause: StopCause::Breakpoint { id },
                pc,
                ..
            })) if *id == self.id && pc.get() == self.fixture.addr => {}
            _ => panic!("expected a stop at breakpoint {}, got {events:?}", self.id),
        }
        let counted = self
            .session
            .breakpoints()
            .first()
            .map(|bp| (bp.hits, bp.hardware));
        if counted != Some((self.hits, self.hardware)) {
            panic!(
                "the session counts (hits, hardware) {counted:?} of breakpoint {}, expected \
                 ({}, {})",
                self.id, self.hits, self.hardware
            );
        }
        elapsed
    }

    fn hits(&mut self, iters: u64) -> Duration {
        if self.hits + iters > CALLS {
            *self = DbgTracee::launch(self.fixture.clone(), self.hardware);
        }
        self.run_to_hit(iters)
    }
}

/// A session whose breakpoint has a condition that is false but at the hit a run stops at.
#[derive(Debug)]
struct ConditionalTracee {
    fixture: Fixture,
    session: Session,
    id: u32,
    /// Calls of `target_fn` reached so far (the n-th call enters with `total` =
    /// (n-1)(n-2)/2: `target_fn(i)` adds `i`, and the calls pass 0, 1, 2, ...).
    calls: u64,
    /// Hits whose condition held, as the session must count them.
    counted: u64,
}

impl ConditionalTracee {
    fn launch(fixture: Fixture) -> ConditionalTracee {
        let (mut session, _) = Session::launch(fixture.launch())
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", fixture.program.display()));
        let id = session
            .set_breakpoint(VirtAddr::new(fixture.addr), 0, false)
            .unwrap_or_else(|e| panic!("cannot set a breakpoint at {:#x}: {e}", fixture.addr))
            .id;
        let mut tracee = ConditionalTracee {
            fixture,
            session,
            id,
            calls: 0,
            counted: 0,
        };
        // The first three calls, unconditionally: from the third on `total` grows with each.
        for _ in 0..3 {
            tracee.resume_to_hit();
            tracee.calls += 1;
            tracee.counted += 1;
        }
        tracee
    }

    fn resume_to_hit(&mut self) {
        let events = self
            .session
            .resume(1)
            .unwrap_or_else(|e| panic!("resume failed: {e}"));
        match events.last() {
            Some(Event::Stopped(StopEvent {
                cause: StopCause::Breakpoint { id },
                ..
            })) if *id == self.id => {}
            _ => panic!("expected a stop at breakpoint {}, got {events:?}", self.id),
        }
    }

    /// Run through `iters - 1` false hits to the `iters`-th call from here.
    fn hits(&mut self, iters: u64) -> Duration {
        if self.calls + iters > CALLS {
            *self = ConditionalTracee::launch(self.fixture.clone());
        }
        let target = self.calls + iters;
        let total = (target - 1) * (target - 2) / 2;
        if let Err(e) = self
            .session
            .set_breakpoint_condition(self.id, Some(&format!("total == {total}")))
        {
            panic!("cannot set the condition of breakpoint {}: {e}", self.id);
        }
        let start = Instant::now();
        self.resume_to_hit();
        let elapsed = start.elapsed();
        self.calls = target;
        self.counted += 1;
        let counted = self.session.breakpoints().first().map(|bp| bp.hits);
        if counted != Some(self.counted) {
            panic!(
                "the session counts {counted:?} hits of breakpoint {} whose condition held, \
                 expected {}",
                self.id, self.counted
            );
        }
        elapsed
    }
}

// ── bare ptrace ─────────────────────────────────────────────────────────────────────────────

/// A tracee driven with raw ptrace, always stopped with the int3 in place and not at it (at
/// its first instruction, or just past the instruction under the breakpoint).
#[derive(Debug)]
struct BareTracee {
    fixture: Fixture,
    pinned: bool,
    /// Declared before `_process` so that the affinities are restored before the tracee dies.
    share: Option<CpuShare>,
    /// Only held: to pin the threads and to kill the tracee when dropped; never called while
    /// the loop drives the thread.
    _process: Process,
    tid: Pid,
    /// The word at the breakpoint address, and the same with its first byte an int3.
    original: i64,
    patched: i64,
    hits: u64,
}

impl BareTracee {
    fn launch(fixture: Fixture, pinned: bool) -> BareTracee {
        let process = fixture
            .launch()
            .spawn()
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", fixture.program.display()));
        let share = pinned.then(|| {
            process
                .share_cpu()
                .unwrap_or_else(|e| panic!("cannot put tracer and tracee on one CPU: {e}"))
        });
        let tid = process.pid();
        let original = ptrace::read(tid, address(fixture.addr))
            .unwrap_or_else(|e| panic!("PTRACE_PEEKDATA at {:#x} failed: {e}", fixture.addr));
        let patched = (original & !0xff) | 0xcc;
        poke(tid, fixture.addr, patched);
        BareTracee {
            fixture,
            pinned,
            share,
            _process: process,
            tid,
            original,
            patched,
            hits: 0,
        }
    }

    /// Replace the tracee. The old placement guard is dropped first, so the tracer gets its
    /// own affinity back before it launches and pins again.
    fn relaunch(&mut self) {
        self.share = None;
        *self = BareTracee::launch(self.fixture.clone(), self.pinned);
    }

    /// One hit: run to the int3, rewind, put the original word back, step it, re-insert.
    fn hit(&self) {
        let (tid, addr) = (self.tid, self.fixture.addr);
        if let Err(e) = ptrace::cont(tid, None) {
            panic!("PTRACE_CONT on {tid} failed: {e}");
        }
        expect_trap(tid, "running to the breakpoint");
        let mut regs = ptrace::getregs(tid).unwrap_or_else(|e| panic!("GETREGS failed: {e}"));
        regs.rip = addr;
        if let Err(e) = ptrace::setregs(tid, regs) {
            panic!("SETREGS failed: {e}");
        }
        poke(tid, addr, self.original);
        if let Err(e) = ptrace::step(tid, None) {
            panic!("PTRACE_SINGLESTEP on {tid} failed: {e}");
        }
        expect_trap(tid, "stepping over the breakpoint");
        poke(tid, addr, self.patched);
    }

    fn hits(&mut self, iters: u64) -> Duration {
        if self.hits + iters > CALLS {
            self.relaunch();
        }
        let start = Instant::now();
        for _ in 0..iters {
            self.hit();
        }
        let elapsed = start.elapsed();
        self.hits += iters;
        elapsed
    }
}

fn address(addr: u64) -> AddressType {
    addr as AddressType
}

fn poke(tid: Pid, addr: u64, word: i64) {
    if let Err(e) = ptrace::write(tid, address(addr), word) {
        panic!("PTRACE_POKEDATA at {addr:#x} failed: {e}");
    }
}

fn expect_trap(tid: Pid, during: &str) {
    match waitpid(tid, Some(WaitPidFlag::__WALL)) {
        Ok(WaitStatus::Stopped(_, Signal::SIGTRAP)) => {}
        Ok(other) => panic!("unexpected status of {tid} while {during}: {other:?}"),
        Err(e) => panic!("waitpid({tid}) failed while {during}: {e}"),
    }
}

/// One tracee per function, kept across criterion's samples (a launch costs milliseconds and
/// is not what is measured); each is gone before the next is launched.
fn breakpoint_hit(c: &mut Criterion) {
    let fixture = Fixture::new();
    let mut group = c.benchmark_group("breakpoint_hit");
    for (name, hardware) in [("dbg_session", false), ("dbg_session_hardware", true)] {
        let mut tracee = DbgTracee::launch(fixture.clone(), hardware);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| tracee.hits(iters));
        });
    }
    let mut conditional = ConditionalTracee::launch(fixture.clone());
    group.bench_function("dbg_session_conditional", |b| {
        b.iter_custom(|iters| conditional.hits(iters));
    });
    drop(conditional);
    for (name, pinned) in [("bare_loop", true), ("bare_loop_scheduler", false)] {
        let mut tracee = BareTracee::launch(fixture.clone(), pinned);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| tracee.hits(iters));
        });
    }
    group.finish();
}

criterion_group!(benches, breakpoint_hit);
criterion_main!(benches);
