//! System-call catchpoints picked out by a seccomp filter in a launched program: exactly the
//! caught calls stop, and no process is harmed by the filter — children the debugger does not
//! follow, the program after `detach`, catchpoints changed mid-run (`seccomp_mix` checks the
//! result of every call it makes and says how many failed).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use dbg_session::{Event, Launch, Session, StopKind, SyscallCatch};

const GETSID: u64 = 124;
const GETPPID: u64 = 110;

/// Fixture `name` launched with `args`, its output going to `dir`.
fn launch_fixture(name: &str, dir: &Path, args: &[&str]) -> Session {
    Session::launch(
        Launch::new(fixtures::path(name))
            .args(args)
            .stdout(dir.join("out")),
    )
    .unwrap()
    .0
}

fn launch(dir: &Path, args: &[&str]) -> Session {
    launch_fixture("seccomp_mix", dir, args)
}

fn output(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out")).unwrap()
}

fn catch(session: &mut Session, numbers: &[u64]) {
    session
        .catch_syscalls(SyscallCatch::Only(numbers.iter().copied().collect()))
        .unwrap();
}

/// Resume until the program exits: the (number, entry?) of every system-call stop, and the
/// exit code.
fn run_to_end(session: &mut Session) -> (Vec<(u64, bool)>, i32) {
    let mut stops = Vec::new();
    loop {
        let events = session.resume(1).unwrap();
        match events.last() {
            Some(Event::Stopped(stop)) => {
                let call = stop.cause.syscall().unwrap_or_else(|| panic!("{stop:?}"));
                match stop.cause.kind() {
                    StopKind::SyscallEntry => stops.push((call.number, true)),
                    StopKind::SyscallExit => {
                        assert!(call.ret.unwrap() >= 0, "{call:?}");
                        stops.push((call.number, false));
                    }
                    other => panic!("{other:?}"),
                }
            }
            Some(Event::Exited { code, .. }) => return (stops, *code),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn only_the_caught_calls_stop_entry_then_exit() {
    let _deadline = fixtures::deadline("seccomp exact", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch(dir.path(), &["1000"]);
    catch(&mut session, &[GETSID]);
    assert!(session.syscalls_filtered_by_kernel());
    let (stops, code) = run_to_end(&mut session);
    let expected: Vec<(u64, bool)> = (0..100)
        .flat_map(|_| [(GETSID, true), (GETSID, false)])
        .collect();
    assert_eq!(stops, expected);
    assert_eq!(code, 0);
    assert_eq!(output(dir.path()), "getsid 100 failed 0 child -1\n");
}

#[test]
fn children_not_followed_make_their_calls_unharmed() {
    let _deadline = fixtures::deadline("seccomp fork", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch(dir.path(), &["300", "fork"]);
    catch(&mut session, &[GETSID]);
    let (stops, code) = run_to_end(&mut session);
    // The parent's own 30 calls; the child's run under the custodian, unreported.
    assert_eq!(stops.iter().filter(|(_, entry)| *entry).count(), 30);
    assert_eq!(code, 0);
    assert_eq!(output(dir.path()), "getsid 30 failed 0 child 0\n");
}

#[test]
fn after_detach_every_call_succeeds() {
    let _deadline = fixtures::deadline("seccomp detach", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch(dir.path(), &["5000", "fork"]);
    catch(&mut session, &[GETSID]);
    let events = session.resume(1).unwrap();
    assert!(
        matches!(events.last(), Some(Event::Stopped(stop)) if stop.cause.kind() == StopKind::SyscallEntry),
        "{events:?}"
    );
    let pid = session.pid();
    session.detach().unwrap();
    // The hand-over's stop is over: the parent does not see its child stopped. (It may
    // have ended already on a busy machine: asked with WEXITED too, or a zombie would
    // answer ECHILD; WNOWAIT leaves its end to collect below.)
    use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
    let flags =
        WaitPidFlag::WSTOPPED | WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    let state = waitid(Id::Pid(pid), flags);
    assert!(
        matches!(state, Ok(WaitStatus::StillAlive | WaitStatus::Exited(_, 0))),
        "{state:?}"
    );
    // The program is still our child: its end is ours to collect.
    let status = nix::sys::wait::waitpid(pid, None).unwrap();
    assert_eq!(status, nix::sys::wait::WaitStatus::Exited(pid, 0));
    assert_eq!(output(dir.path()), "getsid 500 failed 0 child 0\n");
}

#[test]
fn catchpoints_added_and_deleted_mid_run() {
    let _deadline = fixtures::deadline("seccomp change", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch(dir.path(), &["1000"]);
    catch(&mut session, &[GETSID]);
    let entries = |session: &mut Session, n: usize| {
        let mut seen = Vec::new();
        while seen.len() < n {
            let events = session.resume(1).unwrap();
            let Some(Event::Stopped(stop)) = events.last() else {
                panic!("{events:?}")
            };
            if stop.cause.kind() == StopKind::SyscallEntry {
                seen.push(stop.cause.syscall().unwrap().number);
            }
        }
        seen
    };
    assert_eq!(entries(&mut session, 3), [GETSID; 3]);
    // Another call added (a second filter stacks on the first), the first one deleted.
    catch(&mut session, &[GETPPID]);
    assert_eq!(entries(&mut session, 25), [GETPPID; 25]);
    catch(&mut session, &[GETSID, GETPPID]);
    let both = entries(&mut session, 30);
    assert!(
        both.contains(&GETSID) && both.contains(&GETPPID),
        "{both:?}"
    );
    // Nothing caught: the calls the filters still stop at are passed over.
    session.catch_syscalls(SyscallCatch::None).unwrap();
    let (stops, code) = run_to_end(&mut session);
    assert_eq!((stops, code), (vec![], 0));
    assert_eq!(output(dir.path()), "getsid 100 failed 0 child -1\n");
}

const SECCOMP: u64 = 317;
const PRCTL: u64 = 157;
const MMAP: u64 = 9;
const MUNMAP: u64 = 11;
const EXIT_GROUP: u64 = 231;
const EPERM: i64 = 1;

/// A system-call stop as the tests compare them: the call's entry, or its exit with the
/// errno it failed with (`None`: it succeeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Entry(u64),
    Exit(u64, Option<i64>),
}

/// Resume until the program exits: every system-call stop, and the exit code.
fn calls_to_end(session: &mut Session) -> (Vec<Call>, i32) {
    let mut calls = Vec::new();
    loop {
        let events = session.resume(1).unwrap();
        match events.last() {
            Some(Event::Stopped(stop)) => {
                let call = stop.cause.syscall().unwrap_or_else(|| panic!("{stop:?}"));
                calls.push(match stop.cause.kind() {
                    StopKind::SyscallEntry => Call::Entry(call.number),
                    StopKind::SyscallExit => {
                        let ret = call.ret.unwrap();
                        Call::Exit(call.number, (ret < 0).then_some(-ret))
                    }
                    other => panic!("{other:?}"),
                });
            }
            Some(Event::Exited { code, .. }) => return (calls, *code),
            other => panic!("after {calls:?}: {other:?}"),
        }
    }
}

/// What fixture `name` prints with `args`, run without a debugger.
fn undebugged(name: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(fixtures::path(name))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{name} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `count` rounds of `seccomp_late`'s getppid and getsid, with getppid failing with `eperm`.
fn late_rounds(count: usize, eperm: Option<i64>) -> Vec<Call> {
    (0..count)
        .flat_map(|_| {
            [
                Call::Entry(GETPPID),
                Call::Exit(GETPPID, eperm),
                Call::Entry(GETSID),
                Call::Exit(GETSID, None),
            ]
        })
        .collect()
}

#[test]
fn a_filter_the_program_installs_after_ours_hides_no_caught_call() {
    let _deadline = fixtures::deadline("seccomp late", 60);
    // Its filter makes getppid fail with EPERM, which outranks our filter's trace: from
    // then on every call stops at its entry (PTRACE_SYSCALL), and a call our filter still
    // traces is reported once, not again at its seccomp stop.
    for how in ["seccomp", "prctl", "thread"] {
        let dir = tempfile::tempdir().unwrap();
        let args = ["20", how];
        let mut session = launch_fixture("seccomp_late", dir.path(), &args);
        catch(&mut session, &[GETPPID, GETSID]);
        assert!(session.syscalls_filtered_by_kernel(), "{how}");
        let (calls, code) = calls_to_end(&mut session);
        let mut expected = late_rounds(20, None);
        expected.extend(late_rounds(20, Some(EPERM)));
        assert_eq!(calls, expected, "{how}");
        assert!(!session.syscalls_filtered_by_kernel(), "{how}");
        assert_eq!(code, 0, "{how}");
        assert_eq!(
            output(dir.path()),
            undebugged("seccomp_late", &args),
            "{how}"
        );
    }
}

#[test]
fn the_call_that_installs_the_programs_filter_is_reported_once_when_caught() {
    let _deadline = fixtures::deadline("seccomp late caught", 60);
    for (how, number, calls) in [("seccomp", SECCOMP, 1), ("prctl", PRCTL, 2)] {
        let dir = tempfile::tempdir().unwrap();
        let args = ["3", how];
        let mut session = launch_fixture("seccomp_late", dir.path(), &args);
        catch(&mut session, &[GETPPID, number]);
        let (got, code) = calls_to_end(&mut session);
        let rounds =
            |eperm| (0..3).flat_map(move |_| [Call::Entry(GETPPID), Call::Exit(GETPPID, eperm)]);
        // prctl: PR_SET_NO_NEW_PRIVS first, then PR_SET_SECCOMP.
        let install = (0..calls).flat_map(|_| [Call::Entry(number), Call::Exit(number, None)]);
        let expected: Vec<Call> = rounds(None)
            .chain(install)
            .chain(rounds(Some(EPERM)))
            .collect();
        assert_eq!(got, expected, "{how}");
        assert_eq!(code, 0, "{how}");
        assert_eq!(
            output(dir.path()),
            undebugged("seccomp_late", &args),
            "{how}"
        );
    }
}

/// `mmap_hits` stopped at its `main` (a breakpoint on its first instruction, which is
/// emulated: no scratch area is needed for it), with the calls `caught` caught and a
/// breakpoint on `hit` past its prologue that ignores `ignore` hits (each runs `hit`'s
/// RIP-relative load out of line, in a scratch area mapped at the first one).
fn mmap_hits_at_main(dir: &Path, count: &str, caught: &[u64], ignore: u64) -> (Session, usize) {
    let mut session = launch_fixture("mmap_hits", dir, &[count]);
    let main = dbg_session::VirtAddr::new(fixtures::runtime_address(
        session.pid().as_raw(),
        "mmap_hits",
        "main",
    ));
    session.set_breakpoint(main, 0, false).unwrap();
    let events = session.resume(1).unwrap();
    assert!(
        matches!(events.last(), Some(Event::Stopped(stop)) if stop.pc == main),
        "{events:?}"
    );
    let areas = fixtures::scratch_areas(session.pid().as_raw());
    catch(&mut session, caught);
    assert!(session.syscalls_filtered_by_kernel());
    let hit = dbg_session::Location::parse("hit").unwrap();
    session
        .set_breakpoint_at(&hit, "hit", ignore, false)
        .unwrap();
    (session, areas)
}

#[test]
fn caught_mmap_shows_the_programs_calls_and_never_the_debuggers_own() {
    let _deadline = fixtures::deadline("seccomp mmap", 60);
    let dir = tempfile::tempdir().unwrap();
    let (mut session, areas) =
        mmap_hits_at_main(dir.path(), "5", &[MMAP, MUNMAP, EXIT_GROUP], u64::MAX / 2);
    // hit(i) maps i + 1 pages and unmaps them; the scratch area is mapped by an injected
    // mmap at the first hit, under our filter, which traces mmap.
    let mut got = Vec::new();
    let mut mapped = 0;
    loop {
        let stop = match session.resume(1).unwrap().last() {
            Some(Event::Stopped(stop)) => stop.clone(),
            other => panic!("after {got:?}: {other:?}"),
        };
        let call = stop.cause.syscall().unwrap();
        match (stop.cause.kind(), call.number) {
            (StopKind::SyscallEntry, EXIT_GROUP) => break,
            (StopKind::SyscallEntry, MMAP) => {
                let [addr, len, ..] = call.args.unwrap();
                got.push(("mmap", addr, len));
            }
            (StopKind::SyscallEntry, MUNMAP) => {
                let [addr, len, ..] = call.args.unwrap();
                assert_eq!(addr, mapped, "munmap what was mapped");
                got.push(("munmap", 0, len));
            }
            (StopKind::SyscallExit, MMAP) => {
                mapped = call.ret.unwrap() as u64;
                got.push(("mmap returned", 0, 0));
            }
            (StopKind::SyscallExit, MUNMAP) => {
                assert_eq!(call.ret, Some(0));
                got.push(("munmap returned", 0, 0));
            }
            other => panic!("{other:?}"),
        }
    }
    let expected: Vec<(&str, u64, u64)> = (1..=5u64)
        .flat_map(|pages| {
            [
                ("mmap", 0, pages * 4096),
                ("mmap returned", 0, 0),
                ("munmap", 0, pages * 4096),
                ("munmap returned", 0, 0),
            ]
        })
        .collect();
    assert_eq!(got, expected);
    // The hits ran out of line, in an area mapped meanwhile.
    assert_eq!(fixtures::scratch_areas(session.pid().as_raw()), areas + 1);
    assert_eq!(session.breakpoints()[1].hits, 5);
    let events = session.resume(1).unwrap();
    assert!(
        matches!(events.last(), Some(Event::Exited { code: 0, .. })),
        "{events:?}"
    );
    assert_eq!(output(dir.path()), undebugged("mmap_hits", &["5"]));
}

/// Kills a process that a failed test would leave running — through a pidfd, so that a
/// process reaped meanwhile (its pid perhaps given to another) is never hit.
struct KillOnDrop(dbg_sys::thread::PidFd);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(nix::sys::signal::Signal::SIGKILL);
    }
}

#[test]
fn detach_with_munmap_caught_unmaps_the_scratch_area() {
    let _deadline = fixtures::deadline("seccomp munmap detach", 60);
    let dir = tempfile::tempdir().unwrap();
    let (mut session, areas) = mmap_hits_at_main(dir.path(), "1000000000", &[MUNMAP], 1);
    let pid = session.pid();
    let _kill = KillOnDrop(dbg_sys::thread::PidFd::open(pid).unwrap());
    // The first hit is ignored, out of line; then its munmap, entry and exit; then the
    // second hit stops (not inside a system call, so detach can run one there).
    let mut calls = Vec::new();
    loop {
        let stop = match session.resume(1).unwrap().last() {
            Some(Event::Stopped(stop)) => stop.clone(),
            other => panic!("after {calls:?}: {other:?}"),
        };
        if stop.cause.kind() == StopKind::Breakpoint {
            break;
        }
        let number = stop.cause.syscall().unwrap().number;
        calls.push((stop.cause.kind(), number));
    }
    use StopKind::{SyscallEntry, SyscallExit};
    assert_eq!(calls, [(SyscallEntry, MUNMAP), (SyscallExit, MUNMAP)]);
    assert_eq!(fixtures::scratch_areas(pid.as_raw()), areas + 1);
    // Detach unmaps every area with an injected munmap, which our filter traces: passed as
    // part of it, and the program goes on under the custodian.
    session.detach().unwrap();
    assert_eq!(
        fixtures::scratch_areas(pid.as_raw()),
        0,
        "no scratch area after detach"
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    assert_eq!(
        nix::sys::wait::waitpid(pid, None).unwrap(),
        nix::sys::wait::WaitStatus::Signaled(pid, nix::sys::signal::Signal::SIGKILL, false)
    );
}
