//! Helpers shared by the session's integration tests: launch a fixture with its output in a
//! file, find its symbols, and take the stop or exit out of a command's events.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use dbg_session::{Event, Launch, Session, StopEvent, VirtAddr};

/// Launch fixture `name` with `args`, its stdout going to `dir/out`.
pub fn launch(name: &str, args: &[&str], dir: &Path) -> Session {
    let launch = Launch::new(fixtures::path(name))
        .args(args)
        .stdout(dir.join("out"));
    Session::launch(launch).unwrap().0
}

/// What the fixture printed.
pub fn output(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out")).unwrap()
}

/// The runtime address of `symbol` of `fixture` in the session's process.
pub fn address(session: &Session, fixture: &str, symbol: &str) -> VirtAddr {
    VirtAddr::new(fixtures::runtime_address(
        session.pid().as_raw(),
        fixture,
        symbol,
    ))
}

/// The stop a command ended with.
pub fn stop(events: &[Event]) -> StopEvent {
    match events.last() {
        Some(Event::Stopped(stop)) => stop.clone(),
        other => panic!("expected a stop, got {other:?}"),
    }
}

/// The exit status a command ended with.
pub fn exited(events: &[Event]) -> i32 {
    match events.last() {
        Some(Event::Exited { code, .. }) => *code,
        other => panic!("expected an exit, got {other:?}"),
    }
}
