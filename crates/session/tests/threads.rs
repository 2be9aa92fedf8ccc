//! The all-stop core under thread churn (`thread_churn`: threads created and joined by a
//! non-main thread while the main thread calls a function and then sleeps, or by the main
//! thread while another calls it): plain continue, breakpoints after a prologue (stepped over
//! with the other threads held) reported and ignored, a watchpoint, and Ctrl-C at random
//! moments. Each scenario runs 50 times and checks exact hit counts and the exact output.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use dbg_session::{Event, Location, Session, StopKind, VirtAddr, WatchKind};

mod common;
use common::{address, exited, launch, output, stop};

const RUNS: usize = 50;
/// Calls of `hit()` per run (see the fixture), each adding one to `counter`.
const CALLS: u64 = 1000;
const MODES: [&str; 2] = ["other", "main"];

fn churn(mode: &str, dir: &std::path::Path) -> Session {
    launch("thread_churn", &[mode], dir)
}

fn ends_well(session: &mut Session, dir: &std::path::Path, what: &str) {
    let events = session.resume(1).unwrap();
    assert_eq!(exited(&events), 0, "{what}: {events:?}");
    assert_eq!(output(dir), format!("calls {CALLS}\n"), "{what}");
}

/// `hit` as a user's `break hit` places it: past the prologue, on an instruction dbg does not
/// emulate, so that every ignored hit is a step with the other threads held.
fn break_at_hit(session: &mut Session, ignore: u64) -> VirtAddr {
    let location = Location::parse("hit").unwrap();
    let bp = session
        .set_breakpoint_at(&location, "hit", ignore, false)
        .unwrap();
    let entry = address(session, "thread_churn", "hit");
    assert!(bp.locations[0] > entry, "past the prologue: {bp:?}");
    bp.locations[0]
}

#[test]
fn continue_runs_to_the_end_while_threads_come_and_go() {
    let _deadline = fixtures::deadline("churn continue", 240);
    for mode in MODES {
        for run in 0..RUNS {
            let dir = tempfile::tempdir().unwrap();
            let mut session = churn(mode, dir.path());
            ends_well(&mut session, dir.path(), &format!("{mode} run {run}"));
        }
    }
}

#[test]
fn breakpoints_after_a_prologue_stop_and_ignore_exactly_while_threads_come_and_go() {
    let _deadline = fixtures::deadline("churn breakpoint", 240);
    for mode in MODES {
        for run in 0..RUNS {
            let what = format!("{mode} run {run}");
            let dir = tempfile::tempdir().unwrap();
            let mut session = churn(mode, dir.path());
            let site = break_at_hit(&mut session, 99);
            // Every hundredth hit is reported (threads sit at the site, others are being
            // created or are exiting as the process is stopped); the rest are stepped over.
            for stops in 1..CALLS / 100 {
                let at = stop(&session.resume(1).unwrap());
                assert_eq!(
                    (at.cause.kind(), at.cause.breakpoint(), at.pc),
                    (StopKind::Breakpoint, Some(1), site),
                    "{what}"
                );
                assert_eq!(session.breakpoints()[0].hits, stops * 100, "{what}");
                session.ignore_breakpoint(1, 99).unwrap();
            }
            session.ignore_breakpoint(1, CALLS).unwrap();
            ends_well(&mut session, dir.path(), &what);
            // The hits of the last stretch are counted too (no site reports after the exit).
            assert_eq!(session.breakpoints()[0].hits, CALLS, "{what}");
        }
    }
}

#[test]
fn a_watchpoint_sees_every_write_from_every_thread_while_threads_come_and_go() {
    let _deadline = fixtures::deadline("churn watchpoint", 240);
    for mode in MODES {
        for run in 0..RUNS {
            let what = format!("{mode} run {run}");
            let dir = tempfile::tempdir().unwrap();
            let mut session = churn(mode, dir.path());
            let counter = address(&session, "thread_churn", "counter");
            // New threads must carry the debug registers before they run: a write from a
            // thread that missed them would make the count come short.
            session
                .set_watchpoint(counter, WatchKind::Write, 8, CALLS / 2 - 1)
                .unwrap();
            let at = stop(&session.resume(1).unwrap());
            let hit = at
                .cause
                .watch_hit()
                .unwrap_or_else(|| panic!("{what}: not a watchpoint hit: {at:?}"));
            assert_eq!((hit.old, hit.new), (CALLS / 2 - 1, CALLS / 2), "{what}");
            session.delete_watchpoint(hit.id).unwrap();
            ends_well(&mut session, dir.path(), &what);
        }
    }
}

/// A small deterministic generator for the moments interrupts are sent at.
struct Moments(u64);

impl Moments {
    /// A delay in [0, limit).
    fn next(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let nanos = u64::try_from(limit.as_nanos()).unwrap().max(1);
        Duration::from_nanos(self.0 % nanos)
    }
}

#[test]
fn ctrl_c_at_any_moment_stops_the_tracee_exactly_once() {
    let _deadline = fixtures::deadline("churn interrupt", 240);
    let mut moments = Moments(0x9e37_79b9_7f4a_7c15);
    for mode in MODES {
        let mut interrupted = 0;
        for run in 0..RUNS {
            let what = format!("{mode} run {run}");
            let dir = tempfile::tempdir().unwrap();
            let mut session = churn(mode, dir.path());
            // Every hit ignored: the interrupt lands during step-overs, between them, during
            // thread creations and exits.
            break_at_hit(&mut session, u64::MAX);
            let interrupter = session.interrupter();
            let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let over = done.clone();
            // Within the first few milliseconds: a run with every hit decided on its thread
            // alone takes not many more.
            let delay = moments.next(Duration::from_millis(4));
            let waiter = std::thread::spawn(move || {
                // The program may run its course between two looks: nothing to interrupt.
                while !interrupter.tracee_running() {
                    if over.load(std::sync::atomic::Ordering::SeqCst) {
                        return;
                    }
                    std::thread::yield_now();
                }
                // A busy wait, not a sleep: the moment is the point, and it stays short.
                let start = Instant::now();
                while start.elapsed() < delay {
                    std::hint::spin_loop();
                }
                interrupter.interrupt();
            });
            let events = session.resume(1).unwrap();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            waiter.join().unwrap();
            match events.last() {
                Some(Event::Stopped(at)) => {
                    assert_eq!(at.cause.kind(), StopKind::Interrupt, "{what}: {events:?}");
                    interrupted += 1;
                }
                // The program may be through before a late interrupt: then there is nothing
                // to stop, and the run checks the rest.
                Some(Event::Exited { code: 0, .. }) => {
                    assert_eq!(output(dir.path()), format!("calls {CALLS}\n"), "{what}");
                    continue;
                }
                other => panic!("{what}: {other:?}"),
            }
            // Exactly once: the program runs on to its end with no second stop.
            ends_well(&mut session, dir.path(), &what);
            assert_eq!(session.breakpoints()[0].hits, CALLS, "{what}");
        }
        // The moments fall within the run (which usually takes longer than the longest
        // delay; on a loaded machine the interrupting thread may come late), so most runs
        // are interrupted.
        assert!(
            interrupted > RUNS * 3 / 4,
            "{mode}: {interrupted} of {RUNS}"
        );
    }
}

#[test]
fn breakpoints_work_after_the_main_thread_exits_before_the_others() {
    let _deadline = fixtures::deadline("leader exit", 60);
    for run in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("leader_exit", &[], dir.path());
        let hit = address(&session, "leader_exit", "hit");
        session.set_breakpoint(hit, 0, false).unwrap();
        for calls in 1..=3 {
            // Stopping every thread must not wait for the zombie leader.
            let at = stop(&session.resume(1).unwrap());
            assert_eq!(
                (at.cause.kind(), at.pc),
                (StopKind::Breakpoint, hit),
                "run {run}"
            );
            // The zombie leader has no memory map to show: symbols come through a live thread.
            let function = session.stop_place(&at).and_then(|p| p.function);
            assert_eq!(function.as_deref(), Some("hit"), "run {run}");
            assert_eq!(session.breakpoints()[0].hits, calls);
            // Only the live thread is listed, and it is the one stopped.
            let threads = session.threads().unwrap();
            assert_eq!(threads.len(), 1, "run {run}: {threads:?}");
            assert_eq!(threads[0].tid, at.tid);
        }
        let events = session.resume(1).unwrap();
        assert_eq!(exited(&events), 0, "run {run}: {events:?}");
        assert_eq!(output(dir.path()), "calls 3\n");
    }
}
