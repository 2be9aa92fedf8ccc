//! SIGTERM, SIGHUP and SIGQUIT to the adapter, and a panic in it, end the session as a
//! `disconnect` does: an attached process is left untraced with its code bytes restored and
//! no debug register armed, and runs on to its normal end; a launched one is killed. The
//! exit status is 128 + the signal's number, or 101 after a panic.
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

use std::os::unix::fs::FileExt;

use common::Client;
use dbg_dap::protocol::events::*;
use dbg_dap::protocol::requests::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const TARGET: &str = "term_target";

fn read_memory(pid: i32, address: u64, len: usize) -> Vec<u8> {
    let file = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut bytes = vec![0; len];
    file.read_exact_at(&mut bytes, address).unwrap();
    bytes
}

/// Attach the adapter to a fresh `term_target`, and through the debug console set a
/// breakpoint on `hit` that never stops (the loop runs on) and a watchpoint on `watched`.
/// The tracee, the address of `hit` and its bytes before anything touched them.
fn attached(client: &mut Client) -> (fixtures::Ready, u64, Vec<u8>) {
    let program = fixtures::Ready::start(TARGET, &[]);
    let hit = fixtures::runtime_address(program.pid(), TARGET, "hit");
    let original = read_memory(program.pid(), hit, 16);
    client.initialize();
    client.request::<Attach>(AttachArguments {
        pid: program.pid().into(),
        stop_on_entry: Some(true),
    });
    client.event::<InitializedEvent>();
    client.request::<ConfigurationDone>(());
    let (_, frame) = client.stopped_at("entry");
    for command in ["breakpoint set hit --ignore 1000000000", "watch watched"] {
        let answer = client.try_request::<Evaluate>(EvaluateArguments {
            expression: command.into(),
            frame_id: Some(frame.id),
            context: Some("repl".into()),
        });
        assert!(answer.is_ok(), "{command}: {answer:?}");
    }
    (program, hit, original)
}

/// Untraced, not stopped, its code as it was, and it runs on to its normal end.
fn assert_released(mut program: fixtures::Ready, hit: u64, original: &[u8], transcript: &str) {
    let pid = program.pid();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.lines().any(|line| line == "TracerPid:\t0"),
        "still traced:\n{status}\n{transcript}"
    );
    let state = status
        .lines()
        .find(|line| line.starts_with("State:"))
        .unwrap_or_default();
    assert!(
        !state.contains("stopped") && !state.contains("tracing stop"),
        "left stopped: {state}\n{transcript}"
    );
    assert_eq!(read_memory(pid, hit, 16), original, "{transcript}");
    kill(Pid::from_raw(pid), Signal::SIGUSR1).unwrap();
    let mut line = program.read_line();
    if line == "running\n" {
        line = program.read_line();
    }
    assert_eq!(line, "done called 42\n", "{transcript}");
    assert!(program.succeeded(), "{transcript}");
}

fn signal_while_running(signal: Signal) {
    let mut client = Client::start(&format!("dap {signal} while running"));
    let (mut program, hit, original) = attached(&mut client);
    program.send_line("go");
    client.request::<Continue>(ThreadArguments {
        thread_id: program.pid().into(),
        single_thread: None,
    });
    assert_eq!(program.read_line(), "running\n");
    kill(Pid::from_raw(client.pid() as i32), signal).unwrap();
    let status = client.exit_status();
    assert_eq!(
        status.code(),
        Some(128 + signal as i32),
        "{}",
        client.transcript()
    );
    assert_released(program, hit, &original, &client.transcript());
}

#[test]
fn sigterm_while_the_program_runs_detaches_clean() {
    signal_while_running(Signal::SIGTERM);
}

#[test]
fn sigquit_while_the_program_runs_detaches_clean() {
    signal_while_running(Signal::SIGQUIT);
}

#[test]
fn sighup_while_waiting_for_a_request_detaches_clean() {
    let mut client = Client::start("dap SIGHUP idle");
    let (program, hit, original) = attached(&mut client);
    kill(Pid::from_raw(client.pid() as i32), Signal::SIGHUP).unwrap();
    let status = client.exit_status();
    assert_eq!(
        status.code(),
        Some(128 + Signal::SIGHUP as i32),
        "{}",
        client.transcript()
    );
    let mut program = program;
    program.send_line("go");
    assert_eq!(program.read_line(), "running\n");
    assert_released(program, hit, &original, &client.transcript());
}

#[test]
fn a_panic_detaches_clean() {
    let mut client = Client::start("dap panic");
    let (program, hit, original) = attached(&mut client);
    client.send::<Evaluate>(EvaluateArguments {
        expression: "maintenance panic".into(),
        frame_id: None,
        context: Some("repl".into()),
    });
    let status = client.exit_status();
    assert_eq!(status.code(), Some(101), "{}", client.transcript());
    let mut program = program;
    program.send_line("go");
    assert_eq!(program.read_line(), "running\n");
    assert_released(program, hit, &original, &client.transcript());
}

#[test]
fn sigterm_kills_a_launched_program() {
    let mut client = Client::start("dap SIGTERM launched");
    client.launch(&common::fixture("spin"), &[], true);
    client.request::<ConfigurationDone>(());
    let (stop, _) = client.stopped_at("entry");
    let pid = stop.thread_id.unwrap();
    kill(Pid::from_raw(client.pid() as i32), Signal::SIGTERM).unwrap();
    let status = client.exit_status();
    assert_eq!(
        status.code(),
        Some(128 + Signal::SIGTERM as i32),
        "{}",
        client.transcript()
    );
    let gone = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    };
    assert!(gone, "{}", client.transcript());
}

/// Hostile input costs one error response per message, in bounded memory, and the adapter
/// goes on: nesting deeper than any parser stack, a megabyte of garbage.
#[test]
fn hostile_messages_get_one_error_each_and_the_adapter_goes_on() {
    let mut client = Client::start("dap hostile messages");
    let nested = "[".repeat(100_000);
    client.send_raw(format!("Content-Length: {}\r\n\r\n{nested}", nested.len()).as_bytes());
    let error = client.response(0);
    assert!(!error.success);
    assert!(
        error
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("not JSON"),
        "{error:?}"
    );
    let garbage = "x".repeat(1 << 20);
    client.send_raw(format!("Content-Length: {}\r\n\r\n{garbage}", garbage.len()).as_bytes());
    assert!(!client.response(0).success);
    let capabilities = client.initialize();
    assert_eq!(capabilities.supports_configuration_done_request, Some(true));
    assert!(client.disconnect(None));
}
