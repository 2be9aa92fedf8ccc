//! Stress and fault tests (issue 17): breakpoints with ignore counts and a watchpoint at once
//! while threads come and go, a hundred fork-and-exec children under a breakpoint in the
//! parent, thirty attach/set/delete/detach cycles on a four-thread program, a tracee killed
//! from outside while dbg steps over a breakpoint, evaluates a condition or catches system
//! calls, an exec from a thread other than main, a tracee that blocks every signal and one
//! under its own seccomp filter. Each has a deadline; none sleeps: they wait on stops, exits
//! and the fixtures' output.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dbg_session::{
    Event, Location, Pid, Session, Signal, StopCause, StopKind, SyscallCatch, VirtAddr, WatchKind,
};

mod common;
use common::{address, exited, launch, output, stop};

/// `hit` of `fixture` as `break hit` places it (past the prologue, so hits are stepped over
/// with the other threads held), with `ignore` hits to let pass.
fn break_at_hit(session: &mut Session, ignore: u64) -> VirtAddr {
    let location = Location::parse("hit").unwrap();
    let bp = session
        .set_breakpoint_at(&location, "hit", ignore, false)
        .unwrap();
    bp.locations[0]
}

#[test]
fn ignore_counts_and_a_watchpoint_together_count_exactly_while_threads_come_and_go() {
    let _deadline = fixtures::deadline("churn breakpoint and watchpoint", 240);
    for mode in ["other", "main"] {
        for run in 0..5 {
            let what = format!("{mode} run {run}");
            let dir = tempfile::tempdir().unwrap();
            let mut session = launch("thread_churn", &[mode], dir.path());
            let site = break_at_hit(&mut session, 299);
            let counter = address(&session, "thread_churn", "counter");
            let watch = session
                .set_watchpoint(counter, WatchKind::Write, 8, 499)
                .unwrap();
            // hit() is entered before it writes the counter, and at most the five threads
            // alive at once are between the two: the 500th write comes after the 300th hit
            // and before the 600th.
            let at = stop(&session.resume(1).unwrap());
            assert_eq!((at.cause.breakpoint(), at.pc), (Some(1), site), "{what}");
            assert_eq!(session.breakpoints()[0].hits, 300, "{what}");
            session.ignore_breakpoint(1, 299).unwrap();
            let at = stop(&session.resume(1).unwrap());
            let hit = at
                .cause
                .watch_hit()
                .unwrap_or_else(|| panic!("{what}: not a watchpoint hit: {at:?}"));
            assert_eq!((hit.id, hit.old, hit.new), (watch.id, 499, 500), "{what}");
            session.delete_watchpoint(watch.id).unwrap();
            for hits in [600, 900] {
                let at = stop(&session.resume(1).unwrap());
                assert_eq!((at.cause.breakpoint(), at.pc), (Some(1), site), "{what}");
                assert_eq!(session.breakpoints()[0].hits, hits, "{what}");
                session.ignore_breakpoint(1, 299).unwrap();
            }
            assert_eq!(exited(&session.resume(1).unwrap()), 0, "{what}");
            assert_eq!(session.breakpoints()[0].hits, 1000, "{what}");
            assert_eq!(output(dir.path()), "calls 1000\n", "{what}");
        }
    }
}

#[test]
fn a_hundred_children_fork_and_exec_unharmed_under_a_breakpoint_in_the_parent() {
    let _deadline = fixtures::deadline("fork_exec100", 120);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("fork_exec100", &[], dir.path());
    let target = address(&session, "fork_exec100", "target_fn");
    session.set_breakpoint(target, 49, false).unwrap();
    let mut events = session.resume(1).unwrap();
    let at = stop(&events);
    assert_eq!((at.cause.breakpoint(), at.pid), (Some(1), session.pid()));
    assert_eq!(session.breakpoints()[0].hits, 50);
    session.ignore_breakpoint(1, u64::MAX).unwrap();
    let rest = session.resume(1).unwrap();
    assert_eq!(exited(&rest), 0, "{rest:?}");
    events.extend(rest);
    let forks = events
        .iter()
        .filter(|e| matches!(e, Event::Forked { .. }))
        .count();
    assert_eq!(forks, 100);
    assert_eq!(session.breakpoints()[0].hits, 100);
    assert_eq!(output(dir.path()), "100 ok, 100 calls\n");
}

/// A line from `reader`, which the deadline around the test bounds.
fn line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

#[test]
fn thirty_attach_set_delete_detach_cycles_leave_a_four_thread_program_unharmed() {
    let _deadline = fixtures::deadline("four_workers attach cycles", 240);
    let mut child = Command::new(fixtures::path("four_workers"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let ready = line(&mut stdout);
    assert!(ready.starts_with("ready "), "{ready:?}");
    let work = VirtAddr::new(fixtures::runtime_address(
        pid.as_raw(),
        "four_workers",
        "work",
    ));
    for cycle in 0..30 {
        let (mut session, _) = Session::attach(pid).unwrap();
        assert_eq!(session.threads().unwrap().len(), 5, "cycle {cycle}");
        // Software and hardware in turn: int3 bytes and debug registers both go away.
        let hardware = cycle % 2 == 1;
        let bp = session.set_breakpoint(work, 0, hardware).unwrap();
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(
            (at.cause.breakpoint(), at.pc),
            (Some(bp.id), work),
            "cycle {cycle}"
        );
        session.delete_breakpoint(bp.id).unwrap();
        session.detach().unwrap();
    }
    drop(child.stdin.take());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(rest, "checksum unchanged, 0 bad sums\n");
    assert!(status.success(), "{status}");
}

/// A small deterministic generator for the moments a kill is sent at.
struct Moments(u64);

impl Moments {
    fn next(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let nanos = u64::try_from(limit.as_nanos()).unwrap().max(1);
        Duration::from_nanos(self.0 % nanos)
    }
}

/// SIGKILL the session's process from another thread `delay` after it first runs.
fn kill_after(session: &Session, delay: Duration) -> Killer {
    let interrupter = session.interrupter();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let over = done.clone();
    // Through a pidfd: once the program is reaped its pid may be given to another process
    // (pid_max is small in containers), which a plain kill would hit.
    let target = dbg_sys::thread::PidFd::open(session.pid()).unwrap();
    let thread = std::thread::spawn(move || {
        // The program may run its course between two looks (then there is nothing to kill).
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
        // The program may have reached its end first.
        match target.send(nix::sys::signal::Signal::SIGKILL) {
            Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
            Err(e) => panic!("pidfd_send_signal: {e}"),
        }
    });
    Killer { done, thread }
}

/// The thread [`kill_after`] started.
struct Killer {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Killer {
    /// Wait for it, once the session is over.
    fn join(self) {
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().unwrap();
    }
}

/// Resume until the process is gone: it must be reported killed by SIGKILL (or, for a kill
/// that came too late, exited), with no error on the way.
fn resume_until_gone(session: &mut Session, what: &str) -> bool {
    for _ in 0..1_000_000 {
        let events = session
            .resume(1)
            .unwrap_or_else(|e| panic!("{what}: resume failed: {e}"));
        match events.last() {
            Some(Event::Killed {
                signal: Signal::SIGKILL,
                ..
            }) => {
                assert!(!session.is_alive(), "{what}");
                return true;
            }
            Some(Event::Exited { .. }) => return false,
            // A thread of the dying process reported its end before the process did (or,
            // the process dying under a decision, nothing was reported yet).
            None | Some(Event::Stopped(_) | Event::ThreadExited { .. }) => {
                if std::env::var_os("STRESS_DEBUG").is_some() {
                    eprintln!("EXTRA {what}: {events:?}");
                }
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    panic!("{what}: still alive after a million stops");
}

#[test]
fn a_tracee_killed_from_outside_while_dbg_steps_over_a_breakpoint_is_reported_killed() {
    let _deadline = fixtures::deadline("killed during step-over", 120);
    let mut moments = Moments(0x2545_f491_4f6c_dd1d);
    let mut killed = 0;
    for run in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("thread_churn", &["main"], dir.path());
        // Every hit is stepped over with the other threads held.
        break_at_hit(&mut session, u64::MAX);
        let killer = kill_after(&session, moments.next(Duration::from_millis(20)));
        killed += usize::from(resume_until_gone(&mut session, &format!("run {run}")));
        killer.join();
    }
    assert!(killed >= 8, "{killed} of 10 runs killed before their end");
}

#[test]
fn a_tracee_killed_from_outside_while_dbg_evaluates_a_condition_is_reported_killed() {
    let _deadline = fixtures::deadline("killed during a condition", 120);
    let mut moments = Moments(0x9e37_79b9_7f4a_7c15);
    let mut killed = 0;
    for run in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("thread_churn", &["main"], dir.path());
        break_at_hit(&mut session, 0);
        // Never true (every call adds 1): each hit evaluates it and goes on.
        session.set_breakpoint_condition(1, Some("n == 2")).unwrap();
        let killer = kill_after(&session, moments.next(Duration::from_millis(20)));
        killed += usize::from(resume_until_gone(&mut session, &format!("run {run}")));
        killer.join();
    }
    assert!(killed >= 8, "{killed} of 10 runs killed before their end");
}

#[test]
fn a_tracee_killed_from_outside_while_dbg_catches_system_calls_is_reported_killed() {
    let _deadline = fixtures::deadline("killed during a syscall catch", 120);
    let mut moments = Moments(0x1234_5678_9abc_def1);
    for run in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("syscall_loop", &["100000000"], dir.path());
        session.catch_syscalls(SyscallCatch::All).unwrap();
        let killer = kill_after(&session, moments.next(Duration::from_millis(20)));
        assert!(
            resume_until_gone(&mut session, &format!("run {run}")),
            "run {run}: a hundred million calls ended first"
        );
        killer.join();
    }
}

#[test]
fn an_exec_from_a_thread_other_than_main_is_followed() {
    let _deadline = fixtures::deadline("exec_thread", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("exec_thread", &[], dir.path());
    let marker = address(&session, "exec_thread", "marker");
    session.set_breakpoint(marker, 0, false).unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!((at.cause.breakpoint(), at.pc), (Some(1), marker));
    assert_ne!(
        at.tid,
        session.pid(),
        "the first call is in the second thread"
    );
    let exec = stop(&session.resume(1).unwrap());
    assert_eq!(exec.cause.kind(), StopKind::Exec, "{exec:?}");
    // The kernel made the exec'ing thread the leader: one thread is left, with the pid.
    let threads = session.threads().unwrap();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0].tid, session.pid());
    let again = stop(&session.resume(1).unwrap());
    assert_eq!((again.cause.breakpoint(), again.pc), (Some(1), marker));
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "phase 1\nphase 2\n");
}

#[test]
fn a_tracee_that_blocks_every_signal_still_stops_steps_and_is_interrupted() {
    let _deadline = fixtures::deadline("blocks_signals", 120);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("blocks_signals", &[], dir.path());
    let hit = address(&session, "blocks_signals", "hit");
    session.set_breakpoint(hit, 49, false).unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!((at.cause.breakpoint(), at.pc), (Some(1), hit));
    assert_eq!(session.breakpoints()[0].hits, 50);
    let steps = session.step_instructions(3).unwrap();
    assert_eq!(stop(&steps).cause, StopCause::SingleStep, "{steps:?}");
    session.delete_breakpoint(1).unwrap();
    let counter = address(&session, "blocks_signals", "counter");
    let watch = session
        .set_watchpoint(counter, WatchKind::Write, 8, 0)
        .unwrap();
    let at = stop(&session.resume(1).unwrap());
    let seen = at.cause.watch_hit().unwrap_or_else(|| panic!("{at:?}"));
    assert_eq!((seen.old, seen.new), (49, 50));
    session.delete_watchpoint(watch.id).unwrap();
    // Interrupted as it runs: dbg's stop request is not a signal it can block.
    let interrupter = session.interrupter();
    let waiter = std::thread::spawn(move || {
        while !interrupter.tracee_running() {
            std::thread::yield_now();
        }
        interrupter.interrupt();
    });
    let events = session.resume(1).unwrap();
    waiter.join().unwrap();
    assert_eq!(
        stop(&events).cause.kind(),
        StopKind::Interrupt,
        "{events:?}"
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "counter 100, SIGINT blocked\n");
}

#[test]
fn a_tracee_under_its_own_seccomp_filter_is_debugged_and_its_denied_calls_caught() {
    let _deadline = fixtures::deadline("seccomp_self", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("seccomp_self", &[], dir.path());
    let hit = address(&session, "seccomp_self", "hit");
    session.set_breakpoint(hit, 4, false).unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!((at.cause.breakpoint(), at.pc), (Some(1), hit));
    assert_eq!(session.breakpoints()[0].hits, 5);
    let getppid = 110;
    session
        .catch_syscalls(SyscallCatch::Only([getppid].into()))
        .unwrap();
    let entry = stop(&session.resume(1).unwrap());
    match entry.cause {
        StopCause::SyscallEntry(Some(call)) => assert_eq!(call.number, getppid),
        other => panic!("not the getppid entry: {other:?}"),
    }
    let exit = stop(&session.resume(1).unwrap());
    match exit.cause {
        StopCause::SyscallExit(Some(call)) => {
            assert_eq!((call.number, call.ret), (getppid, Some(-1)), "-EPERM")
        }
        other => panic!("not the getppid exit: {other:?}"),
    }
    session.catch_syscalls(SyscallCatch::None).unwrap();
    session.delete_breakpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(
        output(dir.path()),
        "hit 10, getppid failed 10 times with EPERM\n"
    );
}
