//! Criterion benchmark of hardware watchpoint hits on the `watch_loop` fixture, one iteration
//! per hit (a write of the watched 8-byte global `counter`): a `Session` letting ignored hits
//! pass against a bare ptrace loop written here on a debug register armed by hand.
//!
//! - `dbg_session`: [`Session::set_watchpoint`] with an ignore count of `iters - 1`, then one
//!   [`Session::resume`] that returns at the `iters`-th hit (the watchpoint is deleted again,
//!   untimed, after each sample). The session runs tracer and tracee on one CPU by itself while
//!   hits are ignored.
//! - `bare_loop`: DR0 = the address of `counter`, DR7 = [`DR7_SLOT0_WRITE_8`] written with
//!   `PTRACE_POKEUSER`, then per hit `PTRACE_CONT` and `waitpid`: one stop and two system calls
//!   per hit, tracer and tracee on one CPU ([`Process::share_cpu`]).
//!
//! `cargo xtask bench` reads the estimates and prints the ratio; the goal is `dbg_session`
//! within 1.2× of `bare_loop`.
#![forbid(unsafe_code)]
// A benchmark that cannot launch or drive its tracee has nothing to measure: it stops loudly
// with the reason instead of reporting numbers for something else.
#![allow(clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use dbg_process::{CpuShare, Process};
use dbg_session::{Event, Launch, Session, StopCause, StopEvent, VirtAddr, WatchHit, WatchKind};
use nix::sys::ptrace::{self, AddressType};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Writes of `counter` each tracee makes: far more than a benchmark run hits, but the tracees
/// are relaunched (untimed) if a run would get there.
const WRITES: u64 = 100_000_000;

/// DR7 for slot 0 only: local enable (bit 0), R/W0 = 01 (data writes, bits 16–17), LEN0 = 10
/// (8 bytes, bits 18–19).
const DR7_SLOT0_WRITE_8: i64 = 0x9_0001;

/// DR6 bit B0: slot 0 fired.
const DR6_B0: i64 = 1;

/// The fixture and the address it writes.
#[derive(Debug, Clone)]
struct Fixture {
    program: PathBuf,
    /// `counter` in a process launched without ASLR (the default of `Launch`).
    addr: u64,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            program: fixtures::path("watch_loop"),
            addr: fixtures::PIE_BASE_WITHOUT_ASLR + fixtures::symbol("watch_loop", "counter"),
        }
    }

    fn launch(&self) -> Launch {
        Launch::new(&self.program)
            .arg(WRITES.to_string())
            .stdout("/dev/null")
    }
}

// ── dbg ─────────────────────────────────────────────────────────────────────────────────────

/// A session stopped just after a write of `counter` (or at the first instruction).
#[derive(Debug)]
struct DbgTracee {
    fixture: Fixture,
    session: Session,
    /// Writes so far: the value of `counter` now.
    hits: u64,
}

impl DbgTracee {
    /// Launch and run (untimed) to the first write.
    fn launch(fixture: Fixture) -> DbgTracee {
        let (session, _) = Session::launch(fixture.launch())
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", fixture.program.display()));
        let mut tracee = DbgTracee {
            fixture,
            session,
            hits: 0,
        };
        tracee.run_to_hit(1);
        tracee
    }

    /// Watch `counter` letting `count - 1` writes pass, run to the next one and delete the
    /// watchpoint; the time the run took.
    fn run_to_hit(&mut self, count: u64) -> Duration {
        let addr = self.fixture.addr;
        let id = self
            .session
            .set_watchpoint(VirtAddr::new(addr), WatchKind::Write, 8, count - 1)
            .unwrap_or_else(|e| panic!("cannot set a watchpoint at {addr:#x}: {e}"))
            .id;
        let start = Instant::now();
        let events = self.session.resume(1);
        let elapsed = start.elapsed();
        let events = events.unwrap_or_else(|e| panic!("resume failed: {e}"));
        let (old, new) = (self.hits + count - 1, self.hits + count);
        self.hits = new;
        match events.last() {
            Some(Event::Stopped(StopEvent {
                cause:
                    StopCause::Watchpoint(Some(WatchHit {
                        id: hit,
                        old: o,
                        new: n,
                        ..
                    })),
                ..
            })) if *hit == id && *o == old && *n == new => {}
            _ => panic!(
                "expected a stop at watchpoint {id} with `counter` going from {old} to {new}, \
                 got {events:?}"
            ),
        }
        let counted = self
            .session
            .watchpoints()
            .iter()
            .find(|wp| wp.id == id)
            .map(|wp| wp.hits);
        if counted != Some(count) {
            panic!("the session counts {counted:?} hits of watchpoint {id}, expected {count}");
        }
        if let Err(e) = self.session.delete_watchpoint(id) {
            panic!("cannot delete watchpoint {id}: {e}");
        }
        elapsed
    }

    fn hits(&mut self, iters: u64) -> Duration {
        if self.hits + iters > WRITES {
            *self = DbgTracee::launch(self.fixture.clone());
        }
        self.run_to_hit(iters)
    }
}

// ── bare ptrace ─────────────────────────────────────────────────────────────────────────────

/// A tracee driven with raw ptrace, with DR0/DR7 watching `counter` for writes, stopped just
/// after a write (or at its first instruction).
#[derive(Debug)]
struct BareTracee {
    fixture: Fixture,
    /// Declared before `_process` so that the affinities are restored before the tracee dies.
    share: Option<CpuShare>,
    /// Only held: to pin the threads and to kill the tracee when dropped; never called after
    /// the debug registers are written by hand.
    _process: Process,
    tid: Pid,
    /// Writes so far: the value of `counter` now.
    hits: u64,
}

impl BareTracee {
    /// Launch, put tracer and tracee on one CPU, arm slot 0 and check (untimed) that the first
    /// write stops the tracee with slot 0 reported in DR6.
    fn launch(fixture: Fixture) -> BareTracee {
        let process = fixture
            .launch()
            .spawn()
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", fixture.program.display()));
        let share = process
            .share_cpu()
            .unwrap_or_else(|e| panic!("cannot put tracer and tracee on one CPU: {e}"));
        let tid = process.pid();
        poke_user(tid, 0, fixture.addr as i64);
        poke_user(tid, 7, DR7_SLOT0_WRITE_8);
        let mut tracee = BareTracee {
            fixture,
            share: Some(share),
            _process: process,
            tid,
            hits: 0,
        };
        tracee.hit();
        tracee.hits = 1;
        let status = ptrace::read_user(tid, user_offset(6))
            .unwrap_or_else(|e| panic!("PTRACE_PEEKUSER of DR6 failed: {e}"));
        if status & DR6_B0 == 0 {
            panic!("the first stop is not a hit of slot 0: DR6 = {status:#x}");
        }
        tracee.check_counter();
        tracee
    }

    /// Replace the tracee. The old placement guard is dropped first, so the tracer gets its
    /// own affinity back before it launches and pins again.
    fn relaunch(&mut self) {
        self.share = None;
        *self = BareTracee::launch(self.fixture.clone());
    }

    /// One hit: run to the next write.
    fn hit(&self) {
        let tid = self.tid;
        if let Err(e) = ptrace::cont(tid, None) {
            panic!("PTRACE_CONT on {tid} failed: {e}");
        }
        match waitpid(tid, Some(WaitPidFlag::__WALL)) {
            Ok(WaitStatus::Stopped(_, Signal::SIGTRAP)) => {}
            Ok(other) => panic!("unexpected status of {tid} while running to a write: {other:?}"),
            Err(e) => panic!("waitpid({tid}) failed while running to a write: {e}"),
        }
    }

    /// `counter` must hold the number of hits: every write stopped the tracee exactly once.
    fn check_counter(&self) {
        let addr = self.fixture.addr;
        let value = ptrace::read(self.tid, addr as AddressType)
            .unwrap_or_else(|e| panic!("PTRACE_PEEKDATA at {addr:#x} failed: {e}"));
        if u64::try_from(value).ok() != Some(self.hits) {
            panic!(
                "`counter` is {value} after {} hits of the bare loop",
                self.hits
            );
        }
    }

    fn hits(&mut self, iters: u64) -> Duration {
        if self.hits + iters > WRITES {
            self.relaunch();
        }
        let start = Instant::now();
        for _ in 0..iters {
            self.hit();
        }
        let elapsed = start.elapsed();
        self.hits += iters;
        self.check_counter();
        elapsed
    }
}

/// Where debug register `index` is in the user area `PTRACE_PEEKUSER`/`POKEUSER` address.
fn user_offset(index: usize) -> AddressType {
    dbg_sys::user::debug_reg(index) as AddressType
}

fn poke_user(tid: Pid, index: usize, value: i64) {
    if let Err(e) = ptrace::write_user(tid, user_offset(index), value) {
        panic!("PTRACE_POKEUSER of DR{index} = {value:#x} failed: {e}");
    }
}

/// One tracee per function, kept across criterion's samples (a launch costs milliseconds and
/// is not what is measured); each is gone before the next is launched.
fn watchpoint_hit(c: &mut Criterion) {
    let fixture = Fixture::new();
    let mut group = c.benchmark_group("watchpoint_hit");
    {
        let mut tracee = DbgTracee::launch(fixture.clone());
        group.bench_function("dbg_session", |b| {
            b.iter_custom(|iters| tracee.hits(iters));
        });
    }
    {
        let mut tracee = BareTracee::launch(fixture);
        group.bench_function("bare_loop", |b| {
            b.iter_custom(|iters| tracee.hits(iters));
        });
    }
    group.finish();
}

criterion_group!(benches, watchpoint_hit);
criterion_main!(benches);
