//! System-call catchpoints picked out by a seccomp filter in a launched program: exactly the
//! caught calls stop, and no process is harmed by the filter — children the debugger does not
//! follow, the program after `detach`, catchpoints changed mid-run (`seccomp_mix` checks the
//! result of every call it makes and says how many failed).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use dbg_session::{Event, Launch, Session, StopKind, SyscallCatch};

const GETSID: u64 = 124;
const GETPPID: u64 = 110;

fn launch(dir: &Path, args: &[&str]) -> Session {
    Session::launch(
        Launch::new(fixtures::path("seccomp_mix"))
            .args(args)
            .stdout(dir.join("out")),
    )
    .unwrap()
    .0
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
    // The hand-over's stop is over: the parent does not see its child stopped.
    use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
    let flags = WaitPidFlag::WSTOPPED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    assert_eq!(waitid(Id::Pid(pid), flags), Ok(WaitStatus::StillAlive));
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
