//! `dbg-cli gdbserver ARGS...` is the sibling binary `dbg-gdbserver ARGS...`: found beside
//! dbg-cli, given the arguments unchanged, and a clear error when it is missing.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

mod common;

/// A directory holding a copy of dbg-cli (so that its siblings are what the test puts there).
fn lone_dbg_cli() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("dbg-cli");
    std::fs::copy(common::DBG, &copy).unwrap();
    (dir, copy)
}

/// One test, not two: a script written while another test thread forks could be held open
/// by that child (ETXTBSY when executed).
#[test]
fn gdbserver_runs_the_sibling_binary_or_says_it_is_missing() {
    missing_sibling_is_one_line_and_exit_2();
    sibling_gets_the_arguments_unchanged();
}

fn sibling_gets_the_arguments_unchanged() {
    let (dir, dbg) = lone_dbg_cli();
    let sibling = dir.path().join("dbg-gdbserver");
    std::fs::write(&sibling, "#!/bin/sh\nprintf '[%s]' \"$@\"\nexit 7\n").unwrap();
    std::fs::set_permissions(&sibling, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _deadline = fixtures::deadline("dbg-cli gdbserver (sibling)", 60);
    let output = Command::new(&dbg)
        .args(["gdbserver", "--once", "127.0.0.1:0", "prog", "-e", "a b"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "[--once][127.0.0.1:0][prog][-e][a b]"
    );
    assert_eq!(output.status.code(), Some(7), "{output:?}");
}

fn missing_sibling_is_one_line_and_exit_2() {
    let (dir, dbg) = lone_dbg_cli();
    let _deadline = fixtures::deadline("dbg-cli gdbserver (missing)", 60);
    let output = Command::new(&dbg)
        .args(["gdbserver", "127.0.0.1:0", "prog"])
        .env("PATH", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "dbg-cli: cannot start dbg-gdbserver: No such file or directory (os error 2)\n"
    );
    assert_eq!(output.status.code(), Some(2));
}
