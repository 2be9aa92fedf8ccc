//! `run` and `start` in a session (the program started again, what the user set up kept),
//! `until` and `advance`: where they stop is checked against gdb's answer to the same
//! commands.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::process::Command;

use common::{dbg, fixture, transcript};
use serde_json::Value;

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// The `$N = ...` lines both debuggers print for `commands` (`-e` for dbg, `-ex` for gdb),
/// run on `program` launched with `args`.
fn values_of_both(
    program: &str,
    args: &[&str],
    commands: &[&str],
) -> (Vec<String>, Vec<String>, String) {
    let values = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with('$'))
            .map(str::to_string)
            .collect()
    };
    let mut ours = vec!["run", "--batch"];
    for command in commands {
        ours.extend(["-e", command]);
    }
    ours.push(program);
    ours.extend(args);
    let output = dbg(&ours);
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx"]);
    for command in commands {
        gdb.args(["-ex", command]);
    }
    let theirs = gdb.arg("--args").arg(program).args(args).output().unwrap();
    (
        values(&String::from_utf8_lossy(&output.stdout)),
        values(&String::from_utf8_lossy(&theirs.stdout)),
        transcript(&output),
    )
}

#[test]
fn until_leaves_a_loop_where_gdbs_does() {
    let program = fixture("bp_loop");
    let commands = [
        "break bp_loop.c:25",
        "run 3",
        "p/x $pc",
        "next",
        "p/x $pc",
        "delete",
        "until",
        "p/x $pc",
        "until",
        "p/x $pc",
    ];
    let (ours, theirs, transcript) = values_of_both(&program, &[], &commands);
    assert_eq!(ours.len(), 4, "{transcript}");
    assert_eq!(ours, theirs, "{transcript}");
}

#[test]
fn until_and_advance_to_a_location_stop_where_gdbs_do_through_recursion() {
    let program = fixture("nested");
    // factorial(5) recurses: `advance 38` stops in the deeper call, `until 38` only in this
    // frame or an outer one, so it runs until the frame returns.
    let commands = [
        "break main",
        "run",
        "advance factorial",
        "p n",
        "advance 40",
        "p n",
        "advance 38",
        "p n",
        "until 40",
        "p n",
        "until 38",
        "p n",
        "p/x $pc",
        "until",
        "p/x $pc",
        "until",
        "p/x $pc",
        "advance ratio",
        "p/x $pc",
        "until",
        "p/x $pc",
        "until",
        "p/x $pc",
        "until",
        "p/x $pc",
    ];
    let (ours, theirs, transcript) = values_of_both(&program, &[], &commands);
    assert_eq!(ours.len(), 12, "{transcript}");
    assert_eq!(ours, theirs, "{transcript}");
}

#[test]
fn run_again_keeps_breakpoints_and_their_hit_counts_add_up() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break target_fn",
        "-e",
        "run 2",
        "-e",
        "continue",
        "-e",
        "continue",
        "-e",
        "run",
        "-e",
        "breakpoint list",
        "-e",
        "kill",
        "-e",
        "r 1",
        "-e",
        "breakpoint list",
        &fixture("bp_loop"),
    ]);
    let lines = json_lines(&output.stdout);
    let launched: Vec<i64> = lines
        .iter()
        .filter(|l| l["type"] == "launched")
        .map(|l| l["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(
        launched.len(),
        4,
        "the first launch and three runs: {lines:#?}"
    );
    let mut pids = launched.clone();
    pids.dedup();
    assert_eq!(pids.len(), 4, "each run is a new process");
    // Each run stops at the breakpoint (same address, same id).
    let stops: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "stop" && l["reason"] == "breakpoint")
        .collect();
    assert_eq!(stops.len(), 4, "{lines:#?}");
    assert!(stops
        .iter()
        .all(|s| s["breakpoint"] == 1 && s["pc"] == stops[0]["pc"]));
    assert!(lines.iter().any(|l| l["type"] == "exit" && l["code"] == 0));
    // The first launch is killed by `run 2`, the third run's process by `kill`.
    assert_eq!(lines.iter().filter(|l| l["type"] == "killed").count(), 2);
    let hits: Vec<&Value> = lines
        .iter()
        .filter(|l| l["command"] == "breakpoint list")
        .map(|l| &l["data"]["breakpoints"][0]["hits"])
        .collect();
    // run 2: hits 1 and 2, then it exits on the next continue; run: hit 3; r 1: hit 4.
    assert_eq!(hits, [3, 4], "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l["type"] == "breakpoint"),
        "a breakpoint regained where it was is no news: {lines:#?}"
    );
}

#[test]
fn start_stops_at_main_with_a_temporary_breakpoint_and_new_arguments_and_redirections() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let run = format!("run 4 > {}", out.display());
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "start 7",
        "-e",
        "print argc",
        "-e",
        "print count",
        "-e",
        "next",
        "-e",
        "print count",
        "-e",
        "info breakpoints",
        "-e",
        &run,
        &fixture("bp_loop"),
    ]);
    let text = transcript(&output);
    assert!(text.contains("(breakpoint 1)\n  in main+"), "{text}");
    assert!(text.contains("$1 = 2\n"), "{text}");
    assert!(text.contains("$3 = 7\n"), "{text}");
    assert!(text.contains("No breakpoints."), "{text}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "calls 4 total 6\n");
    assert!(text.contains("exited with status 0"), "{text}");
}

#[test]
fn watchpoints_on_globals_catchpoints_signals_and_displays_carry_over_to_the_next_run() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break main",
        "-e",
        "continue",
        "-e",
        "watch total",
        "-e",
        "display total",
        "-e",
        "catchpoint syscall exit_group",
        "-e",
        "delete 1",
        "-e",
        "run 3",
        "-e",
        "continue",
        "-e",
        "watchpoint delete 2",
        "-e",
        "continue",
        &fixture("bp_loop"),
    ]);
    let lines = json_lines(&output.stdout);
    let stops: Vec<&Value> = lines.iter().filter(|l| l["type"] == "stop").collect();
    // entry, main, then in the second run: total 0 -> 1 (i = 1), 1 -> 3, exit_group caught.
    let watch: Vec<(&Value, &Value)> = stops
        .iter()
        .filter(|s| s["reason"] == "watchpoint")
        .map(|s| (&s["old_value"], &s["new_value"]))
        .collect();
    assert_eq!(
        watch,
        [
            (&Value::from("0"), &Value::from("1")),
            (&Value::from("1"), &Value::from("3"))
        ],
        "{lines:#?}"
    );
    let last = stops.last().unwrap();
    assert_eq!(last["reason"], "syscall_entry", "{lines:#?}");
    assert_eq!(last["syscall"]["name"], "exit_group");
    assert_eq!(last["displays"][0]["value"], "3", "{lines:#?}");
}

#[test]
fn a_pending_breakpoint_in_a_plugin_resolves_again_in_every_run() {
    let plugin = fixture("libplugin.so");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break plugin_work",
        "-e",
        "continue",
        "-e",
        "run",
        "-e",
        "continue",
        "-e",
        "breakpoint list",
        &fixture("dlopener"),
        &plugin,
    ]);
    let lines = json_lines(&output.stdout);
    let hits = lines
        .iter()
        .filter(|l| l["type"] == "stop" && l["breakpoint"] == 1)
        .count();
    assert_eq!(hits, 3, "{lines:#?}");
    let list = lines
        .iter()
        .find(|l| l["command"] == "breakpoint list")
        .unwrap();
    assert_eq!(list["data"]["breakpoints"][0]["hits"], 3, "{lines:#?}");
}

#[test]
fn until_and_advance_need_a_process_and_advance_needs_a_location() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "advance",
        "-e",
        "advance nope_not_here",
        "-e",
        "continue",
        "-e",
        "until",
        "-e",
        "advance main",
        "-e",
        "run",
        &fixture("hello"),
    ]);
    let text = transcript(&output);
    assert!(text.contains("error: `advance` needs a LOCATION"), "{text}");
    assert!(
        text.contains("error: no function or symbol named `nope_not_here`"),
        "{text}"
    );
    assert_eq!(
        text.matches("error: the process is not being debugged")
            .count(),
        2,
        "{text}"
    );
    // `run` after the end starts it again.
    assert_eq!(text.matches("launched").count(), 2, "{text}");
}

/// A person at a terminal is asked before `run` kills the program, as gdb asks.
#[test]
fn at_a_terminal_run_asks_before_killing_the_program() {
    use std::io::{Read, Write};
    use std::os::fd::AsFd;
    use std::sync::mpsc;

    let _deadline = fixtures::deadline("run at a terminal", 60);
    let pty = nix::pty::openpty(None, None).unwrap();
    let home = tempfile::tempdir().unwrap();
    let stdio = || std::process::Stdio::from(pty.slave.as_fd().try_clone_to_owned().unwrap());
    let mut child = Command::new(common::DBG)
        // No "Reading symbols" notices: their timing is the machine's (see `common::dbg`).
        .env("DBG_SLOW_NOTICE_MS", "3600000")
        .args(["run", &fixture("bp_loop"), "1"])
        .env("NO_COLOR", "1")
        .env("HOME", home.path())
        .env("TERM", "dumb")
        .stdin(stdio())
        .stdout(stdio())
        .stderr(stdio())
        .spawn()
        .unwrap();
    drop(pty.slave);
    let mut terminal = std::fs::File::from(pty.master);
    let mut reader = terminal.try_clone().unwrap();
    let (sender, received) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0
                || sender
                    .send(String::from_utf8_lossy(&buffer[..n]).into_owned())
                    .is_err()
            {
                break;
            }
        }
    });
    let mut seen = String::new();
    let mut wait_for = |text: &str| {
        while !seen.contains(text) {
            match received.recv_timeout(std::time::Duration::from_secs(30)) {
                Ok(more) => seen.push_str(&more),
                Err(_) => panic!("no `{text}` in:\n{seen}"),
            }
        }
        seen = seen.split_once(text).unwrap().1.to_string();
    };
    wait_for("(dbg) ");
    terminal.write_all(b"run\n").unwrap();
    wait_for("Start it from the beginning? (y or n)");
    terminal.write_all(b"n\n").unwrap();
    wait_for("Program not restarted.");
    wait_for("(dbg) ");
    terminal.write_all(b"run\n").unwrap();
    wait_for("Start it from the beginning? (y or n)");
    terminal.write_all(b"y\n").unwrap();
    wait_for("killed by signal SIGKILL");
    wait_for("launched");
    wait_for("calls 1 total 0");
    wait_for("exited with status 0");
    wait_for("(dbg) ");
    // Once it has exited, `run` asks nothing.
    terminal.write_all(b"run\n").unwrap();
    wait_for("launched");
    wait_for("exited with status 0");
    wait_for("(dbg) ");
    terminal.write_all(b"quit\n").unwrap();
    assert!(child.wait().unwrap().success());
}
