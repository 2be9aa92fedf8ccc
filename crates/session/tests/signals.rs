//! Signal policy (`handle`) and threads through the session, against fixtures.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use dbg_session::{Event, Launch, Pid, Reg, Session, Signal, StopKind, VirtAddr};

fn launch(name: &str, dir: &Path) -> Session {
    Session::launch(Launch::new(fixtures::path(name)).stdout(dir.join("out")))
        .unwrap()
        .0
}

fn output(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out")).unwrap()
}

#[test]
fn a_signal_stops_the_tracee_and_then_reaches_its_handler() {
    let _deadline = fixtures::deadline("sigusr default", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("sigusr", dir.path());
    for _ in 0..3 {
        let events = session.resume(1).unwrap();
        let Some(Event::Stopped(stop)) = events.last() else {
            panic!("{events:?}")
        };
        assert_eq!(
            (stop.cause.kind(), stop.signal),
            (StopKind::Signal, Signal::SIGUSR1)
        );
    }
    assert!(matches!(
        session.resume(1).unwrap().last(),
        Some(Event::Exited { code: 0, .. })
    ));
    assert_eq!(output(dir.path()), "handled 3\n");
}

#[test]
fn nostop_pass_delivers_without_stopping_and_nopass_swallows() {
    let _deadline = fixtures::deadline("sigusr handle", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("sigusr", dir.path());
    let policy = session.set_policy(Signal::SIGUSR1, Some(false), None, Some(true));
    assert!(!policy.stop && policy.print && policy.pass);
    let events = session.resume(1).unwrap();
    let said = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::SignalReceived {
                    signal: Signal::SIGUSR1,
                    passed: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(said, 3, "{events:?}");
    assert!(matches!(events.last(), Some(Event::Exited { code: 0, .. })));
    assert_eq!(output(dir.path()), "handled 3\n");

    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("sigusr", dir.path());
    let policy = session.set_policy(Signal::SIGUSR1, None, Some(false), Some(false));
    assert!(
        !policy.stop && !policy.print && !policy.pass,
        "noprint implies nostop"
    );
    let events = session.resume(1).unwrap();
    // Nothing but the start-up libraries and the exit.
    let others: Vec<&Event> = events
        .iter()
        .filter(|e| !matches!(e, Event::LibraryLoaded { .. }))
        .collect();
    assert_eq!(others.len(), 1, "{events:?}");
    assert_eq!(output(dir.path()), "handled 0\n");
}

#[test]
fn threads_are_listed_and_selected() {
    let _deadline = fixtures::deadline("threads", 30);
    let mut fixture = fixtures::Ready::start("threads_wait", &[]);
    let pid = Pid::from_raw(fixture.pid());
    let (mut session, _) = Session::attach(pid).unwrap();
    let threads = session.threads().unwrap();
    assert_eq!(threads.len(), 4);
    assert_eq!(threads.iter().filter(|t| t.current).count(), 1);
    assert!(threads.iter().any(|t| t.tid == pid && t.current));
    let other = threads.iter().copied().find(|t| t.tid != pid).unwrap();
    // Any thread's registers, without selecting it.
    assert_eq!(
        session.thread_registers(other.tid, &[Reg::Rip]).unwrap()[0]
            .1
            .as_u64(),
        other.pc.get()
    );
    session.select_thread(other.tid).unwrap();
    assert_eq!(
        session.read_registers(&[Reg::Rip]).unwrap()[0].1.as_u64(),
        other.pc.get()
    );
    assert!(session
        .threads()
        .unwrap()
        .iter()
        .any(|t| t.tid == other.tid && t.current));
    assert!(session.select_thread(Pid::from_raw(1)).is_err());
    session.detach().unwrap();
    fixture.send_line("go");
    assert_eq!(fixture.read_line(), "joined 3\n");
    assert!(fixture.succeeded());
}

#[test]
fn syscall_catchpoints_see_entry_and_exit_of_write() {
    let _deadline = fixtures::deadline("catch write", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("hello", dir.path());
    session
        .catch_syscalls(dbg_session::SyscallCatch::parse_list("write").unwrap())
        .unwrap();
    let events = session.resume(1).unwrap();
    let Some(Event::Stopped(entry)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(entry.cause.kind(), StopKind::SyscallEntry);
    let call = entry.cause.syscall().unwrap();
    assert_eq!((call.name, call.number, call.ret), ("write", 1, None));
    let args = call.args.unwrap();
    assert_eq!((args[0], args[2]), (1, 13));
    let text = session
        .read_memory(VirtAddr::new(args[1]), 13)
        .unwrap()
        .bytes;
    assert_eq!(text, b"hello, world\n");
    let events = session.resume(1).unwrap();
    let Some(Event::Stopped(exit)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(exit.cause.kind(), StopKind::SyscallExit);
    assert_eq!(
        exit.cause.syscall().map(|c| (c.name, c.ret)),
        Some(("write", Some(13)))
    );
    session
        .catch_syscalls(dbg_session::SyscallCatch::None)
        .unwrap();
    assert!(matches!(
        session.resume(1).unwrap().last(),
        Some(Event::Exited { code: 0, .. })
    ));
    assert_eq!(output(dir.path()), "hello, world\n");
    assert!(
        session
            .catch_syscalls(dbg_session::SyscallCatch::All)
            .is_err(),
        "no process"
    );
}

#[test]
fn catching_every_syscall_pairs_entries_with_exits() {
    let _deadline = fixtures::deadline("catch all", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("hello", dir.path());
    session
        .catch_syscalls(dbg_session::SyscallCatch::All)
        .unwrap();
    let mut last_entry = None;
    let mut calls = 0;
    loop {
        let events = session.resume(1).unwrap();
        match events.last() {
            Some(Event::Stopped(stop)) if stop.cause.kind() == StopKind::SyscallEntry => {
                assert_eq!(last_entry, None, "two entries in a row");
                last_entry = stop.cause.syscall().map(|c| c.number);
            }
            Some(Event::Stopped(stop)) if stop.cause.kind() == StopKind::SyscallExit => {
                assert_eq!(
                    stop.cause.syscall().map(|c| c.number),
                    last_entry.take(),
                    "exit of the call entered"
                );
                calls += 1;
            }
            Some(Event::Exited { code: 0, .. }) => break,
            other => panic!("{other:?}"),
        }
    }
    // exit_group has an entry and no exit.
    assert_eq!(last_entry, Some(231));
    assert!(calls > 10, "{calls}");
}
