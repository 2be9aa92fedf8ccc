//! SIGTERM, SIGHUP and SIGQUIT to the server end the session as `quit` does, wherever the
//! server is: waiting for a client, waiting for the client's next packet with the program
//! stopped on a breakpoint, or waiting for the running program. An attached process is left
//! untraced with its code bytes restored and no debug register armed, and runs on to its
//! normal end; a launched one is killed. The exit status is 128 + the signal's number.
//!
//! The tracee is `term_target` (see its source): its four threads loop calling `hit` until
//! SIGUSR1, then write `watched`, and main prints `done called 42`; a leftover `int3` or
//! watchpoint would kill it with SIGTRAP instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{alive, fixture, Raw, Server, SERVER};
use fixtures::TermTarget;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const TARGET: &str = "term_target";

/// Attach the server (serving clients one after another), connect, set a software
/// breakpoint (at `hit`, or where nothing runs) and a write watchpoint on `watched`.
fn attached(break_at_hit: bool) -> (TermTarget, Server, Raw) {
    let tracee = TermTarget::start();
    let pid = tracee.ready.pid().to_string();
    let server = Server::start_with(SERVER, &["127.0.0.1:0", "--attach", &pid]);
    let mut raw = Raw::connect(&server.address());
    assert!(raw.ask("?").unwrap().starts_with('T'));
    let breakpoint = if break_at_hit {
        tracee.hit
    } else {
        // `main`'s first instruction: never run again.
        fixtures::runtime_address(tracee.ready.pid(), TARGET, "main")
    };
    assert_eq!(
        raw.ask(&format!("Z0,{breakpoint:x},1")).as_deref(),
        Some("OK")
    );
    assert_eq!(
        raw.ask(&format!("Z2,{:x},8", tracee.watched)).as_deref(),
        Some("OK")
    );
    (tracee, server, raw)
}

fn signal_server(server: &Server, signal: Signal) {
    kill(Pid::from_raw(server.pid() as i32), signal).unwrap();
}

#[test]
fn sigterm_while_the_client_thinks_detaches_clean() {
    let _deadline = fixtures::deadline("gdbserver SIGTERM at a breakpoint", 60);
    let (mut tracee, server, mut raw) = attached(true);
    tracee.ready.send_line("go");
    let stop = raw.ask("vCont;c").unwrap();
    assert!(stop.starts_with("T05"), "{stop}");
    // Stopped on the int3 at `hit` (its pc just past it), the server reading packets.
    signal_server(&server, Signal::SIGTERM);
    let (status, _, stderr) = server.wait();
    assert_eq!(
        status.code(),
        Some(128 + Signal::SIGTERM as i32),
        "{stderr}"
    );
    assert_eq!(tracee.ready.read_line(), "running\n");
    tracee.assert_released(&stderr);
}

#[test]
fn sighup_while_the_program_runs_detaches_clean() {
    let _deadline = fixtures::deadline("gdbserver SIGHUP while running", 60);
    let (mut tracee, server, mut raw) = attached(false);
    tracee.ready.send_line("go");
    raw.send("vCont;c");
    assert_eq!(tracee.ready.read_line(), "running\n");
    signal_server(&server, Signal::SIGHUP);
    let (status, _, stderr) = server.wait();
    assert_eq!(status.code(), Some(128 + Signal::SIGHUP as i32), "{stderr}");
    tracee.assert_released(&stderr);
}

#[test]
fn sigquit_while_waiting_for_a_client_detaches_clean() {
    let _deadline = fixtures::deadline("gdbserver SIGQUIT at accept", 60);
    let (mut tracee, server, raw) = attached(true);
    // The client leaves; the server waits for the next one, the program stopped.
    drop(raw);
    while !server.stderr().contains("reopen the connection") {
        std::thread::yield_now();
    }
    signal_server(&server, Signal::SIGQUIT);
    let (status, _, stderr) = server.wait();
    assert_eq!(
        status.code(),
        Some(128 + Signal::SIGQUIT as i32),
        "{stderr}"
    );
    tracee.ready.send_line("go");
    assert_eq!(tracee.ready.read_line(), "running\n");
    tracee.assert_released(&stderr);
}

#[test]
fn sigterm_kills_a_launched_program() {
    let _deadline = fixtures::deadline("gdbserver SIGTERM launched", 60);
    let server = Server::start_with(SERVER, &["127.0.0.1:0", &fixture("spin")]);
    let stderr = server.stderr();
    let pid: u32 = stderr
        .split("pid = ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|pid| pid.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in: {stderr}"));
    let mut raw = Raw::connect(&server.address());
    raw.send("vCont;c");
    signal_server(&server, Signal::SIGTERM);
    let (status, _, stderr) = server.wait();
    assert_eq!(
        status.code(),
        Some(128 + Signal::SIGTERM as i32),
        "{stderr}"
    );
    assert!(!alive(pid), "{stderr}");
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A panic in the server (`monitor maintenance panic`, the hidden test hook): the one-line
/// report, the program released, exit status 101. Other monitor commands are unknown.
#[test]
fn a_panic_detaches_clean() {
    let _deadline = fixtures::deadline("gdbserver panic", 60);
    let (mut tracee, server, mut raw) = attached(true);
    let unknown = raw.ask(&format!("qRcmd,{}", hex("frobnicate"))).unwrap();
    assert!(unknown.starts_with('O'), "{unknown}");
    assert_eq!(raw.reply().as_deref(), Some("OK"));
    raw.send(&format!("qRcmd,{}", hex("maintenance panic")));
    let (status, _, stderr) = server.wait();
    assert_eq!(status.code(), Some(101), "{stderr}");
    assert!(
        stderr.contains("dbg-gdbserver: internal error (a bug): thread 'main' panicked at"),
        "{stderr}"
    );
    tracee.ready.send_line("go");
    assert_eq!(tracee.ready.read_line(), "running\n");
    tracee.assert_released(&stderr);
}
