//! lldb, the other client that speaks the gdb remote protocol (`gdb-remote HOST:PORT`),
//! against `dbg-gdbserver`: connect, a breakpoint, continue, registers, stepping, memory,
//! values and the run to the end. (Debian's gdbserver is no reference here: lldb 14 with it
//! stops at `_start` instead of the breakpoint.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::process::Command;

use common::{fixture, Server};

/// lldb's stdout for `commands`, run in batch mode after `gdb-remote` to the server.
fn lldb(program: &str, address: &str, commands: &[&str]) -> String {
    let mut lldb = Command::new("lldb");
    lldb.arg("--batch")
        .args(["-o", &format!("gdb-remote {address}")]);
    for command in commands {
        lldb.args(["-o", command]);
    }
    let output = lldb
        .arg(program)
        .output()
        .unwrap_or_else(|e| panic!("lldb is not installed (`bash .ci/run` installs it): {e}"));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn lldb_connects_breaks_steps_and_reads_registers_and_memory() {
    let _deadline = fixtures::deadline("lldb client", 120);
    let program = fixture("nested");
    let server = Server::once(&[&program]);
    let transcript = lldb(
        &program,
        &server.address(),
        &[
            "breakpoint set --name inner",
            "continue",
            "register read rip rdi",
            "thread step-over",
            "frame variable",
            "thread step-in",
            "memory read --size 4 --format x --count 1 &finished",
            "expression finished = 7",
            "memory read --size 4 --format x --count 1 &finished",
            "continue",
        ],
    );
    let (status, stdout, stderr) = server.wait();
    assert!(status.success(), "{stderr}\n--- lldb ---\n{transcript}");
    let expect = [
        "Breakpoint 1: where = nested`inner",
        "stop reason = breakpoint 1.1",
        "rdi = 0x0000000000000004",
        "stop reason = step over",
        "(int) x = 4",
        "(int) r = 10",
        "stop reason = step in",
        ": 0x00000000",
        ": 0x00000007",
        "exited with status = 0",
    ];
    for line in expect {
        assert!(transcript.contains(line), "no `{line}` in:\n{transcript}");
    }
    let rip = transcript
        .lines()
        .find_map(|l| l.trim().strip_prefix("rip = "))
        .unwrap_or_else(|| panic!("no rip in:\n{transcript}"));
    assert!(rip.contains("nested`inner"), "{rip}");
    // The program's own output comes through the server, which ran it.
    assert!(stdout.contains("value 363"), "{stdout}");
}
