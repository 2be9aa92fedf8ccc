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

use common::Client;
use dbg_dap::protocol::events::*;
use dbg_dap::protocol::requests::*;
use fixtures::TermTarget;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Attach the adapter to a fresh `term_target`, and through the debug console set a
/// breakpoint on `hit` that never stops (the loop runs on) and a watchpoint on `watched`.
fn attached(client: &mut Client) -> TermTarget {
    let program = TermTarget::start();
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
    program
}

fn signal_while_running(signal: Signal) {
    let mut client = Client::start(&format!("dap {signal} while running"));
    let mut program = attached(&mut client);
    program.ready.send_line("go");
    client.request::<Continue>(ThreadArguments {
        thread_id: program.pid().into(),
        single_thread: None,
    });
    assert_eq!(program.ready.read_line(), "running\n");
    kill(Pid::from_raw(client.pid() as i32), signal).unwrap();
    let status = client.exit_status();
    assert_eq!(
        status.code(),
        Some(128 + signal as i32),
        "{}",
        client.transcript()
    );
    program.assert_released(&client.transcript());
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
    let program = attached(&mut client);
    kill(Pid::from_raw(client.pid() as i32), Signal::SIGHUP).unwrap();
    let status = client.exit_status();
    assert_eq!(
        status.code(),
        Some(128 + Signal::SIGHUP as i32),
        "{}",
        client.transcript()
    );
    let mut program = program;
    program.ready.send_line("go");
    assert_eq!(program.ready.read_line(), "running\n");
    program.assert_released(&client.transcript());
}

#[test]
fn a_panic_detaches_clean() {
    let mut client = Client::start("dap panic");
    let program = attached(&mut client);
    client.send::<Evaluate>(EvaluateArguments {
        expression: "maintenance panic".into(),
        frame_id: None,
        context: Some("repl".into()),
    });
    let status = client.exit_status();
    assert_eq!(status.code(), Some(101), "{}", client.transcript());
    let mut program = program;
    program.ready.send_line("go");
    assert_eq!(program.ready.read_line(), "running\n");
    program.assert_released(&client.transcript());
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
