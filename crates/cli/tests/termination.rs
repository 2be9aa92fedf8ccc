//! What dbg-cli promises the tracee when it is ended abruptly: SIGTERM, SIGHUP or SIGQUIT
//! (in batch mode inside a long `continue`, at the REPL's prompt, in the REPL during a
//! command) and a panic end the session as `quit` does — an attached process detached with
//! its code bytes restored, its debug registers cleared, untraced, running on; a launched one
//! killed — and the exit status says why. And the limits on hostile input: huge counts are
//! refused or interruptible, huge lines and scripts are refused in one line.
//!
//! The tracee is `term_target`: its four threads loop calling `hit` (our breakpoint, ignored a
//! billion times, so the `continue` is long and full of step-overs) until SIGUSR1, then write
//! `watched` (our watchpoint) once and prints `done called 42`. A leftover `int3` or debug
//! register would kill it with SIGTRAP instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

use common::{fixture, DBG};
use fixtures::TermTarget;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const TARGET: &str = "term_target";

/// A breakpoint on `hit` that never stops (the loop runs until we end it).
const BREAK_HIT: &str = "breakpoint set hit --ignore 1000000000";
const WATCH: &str = "watch watched";

/// dbg-cli started with `args`, every stream piped, and its stdout read line by line.
struct Dbg {
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// Everything read from its stdout so far (for failure messages).
    seen: String,
}

impl Dbg {
    fn start(args: &[&str]) -> Dbg {
        let mut child = Command::new(DBG)
            .env("DBG_SLOW_NOTICE_MS", "3600000")
            .env("NO_COLOR", "1")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Dbg {
            child,
            stdout,
            seen: String::new(),
        }
    }

    /// Read stdout until a line satisfies `done`; the line.
    fn until(&mut self, done: impl Fn(&str) -> bool) -> String {
        loop {
            let mut line = String::new();
            let read = self.stdout.read_line(&mut line).unwrap();
            assert_ne!(
                read, 0,
                "dbg-cli ended early; stdout so far:\n{}",
                self.seen
            );
            self.seen.push_str(&line);
            if done(&line) {
                return line;
            }
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// Wait for it to end: its exit code and the rest of stdout and stderr.
    fn finish(mut self) -> (Option<i32>, String, String) {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        self.seen.push_str(&rest);
        let output = self.child.wait_with_output().unwrap();
        (
            output.status.code(),
            self.seen,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// Whether process `pid` is gone (a launched tracee after the session ended).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // A zombie not reaped yet by its parent is gone too.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Attach in batch mode, set a breakpoint and a watchpoint, `continue`, and once the tracee
/// runs, send `signal` to dbg-cli.
fn batch_signal_while_running(signal: Signal) {
    let _deadline = fixtures::deadline(&format!("batch {signal}"), 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let mut dbg = Dbg::start(&[
        "attach", "--batch", "-e", BREAK_HIT, "-e", WATCH, "-e", "continue", &pid,
    ]);
    dbg.until(|line| line.contains("attached"));
    tracee.go();
    dbg.signal(signal);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(128 + signal as i32), "{transcript}");
    assert!(
        stderr.contains(&format!(
            "dbg-cli: {} received: detached from process {pid}",
            signal.as_str()
        )),
        "{transcript}"
    );
    tracee.assert_released(&transcript);
}

#[test]
fn sigterm_during_a_batch_continue_detaches_clean() {
    batch_signal_while_running(Signal::SIGTERM);
}

#[test]
fn sighup_during_a_batch_continue_detaches_clean() {
    batch_signal_while_running(Signal::SIGHUP);
}

#[test]
fn sigquit_during_a_batch_continue_detaches_clean() {
    batch_signal_while_running(Signal::SIGQUIT);
}

/// The REPL (human mode, commands on a pipe kept open): `signal` while it waits for a line,
/// the tracee stopped with our breakpoint and watchpoint in.
fn repl_signal_at_prompt(signal: Signal, json: bool) {
    let _deadline = fixtures::deadline(&format!("repl prompt {signal}"), 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let mut args = vec!["attach"];
    if json {
        args.push("--json");
    }
    args.push(&pid);
    let mut dbg = Dbg::start(&args);
    dbg.send(BREAK_HIT);
    dbg.send(WATCH);
    dbg.send("info breakpoints");
    // The breakpoint list's row for the watchpoint: both are in.
    dbg.until(|line| line.contains("watched"));
    if json {
        dbg.until(|line| line.contains("\"command\":\"info breakpoints\""));
    }
    dbg.signal(signal);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(128 + signal as i32), "{transcript}");
    tracee.go();
    tracee.assert_released(&transcript);
}

#[test]
fn sighup_at_the_repl_prompt_detaches_clean() {
    repl_signal_at_prompt(Signal::SIGHUP, false);
}

#[test]
fn sigterm_at_the_json_repl_prompt_detaches_clean() {
    repl_signal_at_prompt(Signal::SIGTERM, true);
}

#[test]
fn sigquit_during_a_repl_continue_detaches_clean() {
    let _deadline = fixtures::deadline("repl continue SIGQUIT", 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let mut dbg = Dbg::start(&["attach", &pid]);
    dbg.until(|line| line.contains("attached"));
    dbg.send(BREAK_HIT);
    dbg.send(WATCH);
    dbg.send("continue");
    tracee.go();
    dbg.signal(Signal::SIGQUIT);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(128 + Signal::SIGQUIT as i32), "{transcript}");
    tracee.assert_released(&transcript);
}

#[test]
fn sigterm_kills_a_launched_tracee() {
    let _deadline = fixtures::deadline("launched SIGTERM", 60);
    let target = fixture(TARGET);
    let mut dbg = Dbg::start(&[
        "run", "--batch", "-e", BREAK_HIT, "-e", WATCH, "-e", "continue", &target,
    ]);
    let launched = dbg.until(|line| line.contains("launched"));
    let pid: i32 = launched
        .split_whitespace()
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .unwrap();
    // The tracee reads our stdin (inherited): let it run, and wait until it says so.
    dbg.send("go");
    dbg.until(|line| line == "running\n");
    dbg.signal(Signal::SIGTERM);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(128 + Signal::SIGTERM as i32), "{transcript}");
    assert!(
        stderr.contains(&format!("SIGTERM received: killed process {pid}")),
        "{transcript}"
    );
    assert!(
        gone(pid),
        "process {pid} outlived the session\n{transcript}"
    );
}

/// A panic on the tracer thread (the hidden `maintenance panic`): a one-line report, the
/// tracee detached clean, exit status 101.
#[test]
fn a_panic_detaches_clean_and_says_how_to_reproduce_it() {
    let _deadline = fixtures::deadline("panic attached", 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let dbg = Dbg::start(&[
        "attach",
        "--batch",
        "-e",
        BREAK_HIT,
        "-e",
        WATCH,
        "-e",
        "maintenance panic",
        &pid,
    ]);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(101), "{transcript}");
    let report: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("panicked"))
        .collect();
    assert_eq!(report.len(), 1, "{transcript}");
    let report = report[0];
    for part in [
        "dbg-cli: internal error",
        "`maintenance panic` was asked for",
        concat!("dbg ", env!("CARGO_PKG_VERSION")),
        "command line: ",
        "attach --batch",
        "last command: `maintenance panic`",
        "run.rs:",
    ] {
        assert!(report.contains(part), "{part:?} missing from {report}");
    }
    tracee.go();
    tracee.assert_released(&transcript);
}

#[test]
fn a_panic_kills_a_launched_tracee() {
    let _deadline = fixtures::deadline("panic launched", 60);
    let target = fixture(TARGET);
    let mut dbg = Dbg::start(&[
        "run",
        "--batch",
        "-e",
        BREAK_HIT,
        "-e",
        WATCH,
        "-e",
        "maintenance panic",
        &target,
    ]);
    let launched = dbg.until(|line| line.contains("launched"));
    let pid: i32 = launched
        .split_whitespace()
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .unwrap();
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(101), "{transcript}");
    assert!(gone(pid), "process {pid} outlived the panic\n{transcript}");
}

/// `stepi` with the largest count, stopped by Ctrl-C (SIGINT) or SIGTERM once the tracee,
/// stepped one instruction at a time, has printed that it runs.
fn endless_stepi(signal: Signal) -> (Option<i32>, String, String, i32) {
    let target = fixture(TARGET);
    let mut dbg = Dbg::start(&[
        "run",
        "--batch",
        "-e",
        "break main",
        "-e",
        "continue",
        "-e",
        "stepi 18446744073709551615",
        "-e",
        "register read rip",
        &target,
    ]);
    let launched = dbg.until(|line| line.contains("launched"));
    let pid: i32 = launched
        .split_whitespace()
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .unwrap();
    dbg.send("go");
    dbg.until(|line| line == "running\n");
    dbg.signal(signal);
    let (code, stdout, stderr) = dbg.finish();
    (code, stdout, stderr, pid)
}

#[test]
fn the_largest_stepi_count_is_interruptible_by_ctrl_c() {
    let _deadline = fixtures::deadline("stepi SIGINT", 60);
    let (code, stdout, stderr, pid) = endless_stepi(Signal::SIGINT);
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    // Ctrl-C ends the stepping with a stop, and the batch after it.
    assert_eq!(code, Some(0), "{transcript}");
    assert!(
        stdout.contains("(interrupt)") || stdout.contains("single step"),
        "{transcript}"
    );
    assert!(gone(pid), "{transcript}");
}

#[test]
fn the_largest_stepi_count_is_interruptible_by_sigterm() {
    let _deadline = fixtures::deadline("stepi SIGTERM", 60);
    let (code, stdout, stderr, pid) = endless_stepi(Signal::SIGTERM);
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(128 + Signal::SIGTERM as i32), "{transcript}");
    assert!(gone(pid), "{transcript}");
}

#[test]
fn huge_counts_and_deep_nesting_are_refused_in_one_line() {
    let target = fixture(TARGET);
    let nested = format!("print {}1{}", "(".repeat(30_000), ")".repeat(30_000));
    let negated = format!("print {}1", "-".repeat(60_000));
    let output = common::dbg(&[
        "run",
        "--batch",
        "-e",
        "x/99999999xg $sp",
        "-e",
        "memory read 0 4294967296",
        "-e",
        "disassemble -c 18446744073709551615",
        "-e",
        &nested,
        "-e",
        &negated,
        &target,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 5, "{stderr}");
    assert!(errors[3].contains("nests too deeply"), "{stderr}");
    assert!(errors[4].contains("nests too deeply"), "{stderr}");
    assert!(errors[0].contains("invalid count `99999999`"), "{stderr}");
    assert!(
        errors[1].contains("cannot read 4294967296 bytes"),
        "{stderr}"
    );
    assert!(
        errors[2].contains("invalid count `18446744073709551615`"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_script_too_large_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("huge.dbg");
    let line = "register read rip\n";
    std::fs::write(&script, line.repeat((2 << 20) / line.len())).unwrap();
    let output = common::dbg(&[
        "run",
        "--batch",
        "-x",
        script.to_str().unwrap(),
        &fixture(TARGET),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "dbg-cli: script {} is larger than 1024 KiB\n",
            script.display()
        )
    );
    let long = dir.path().join("long.dbg");
    std::fs::write(
        &long,
        format!("info breakpoints\n{}\n", "x".repeat(100_000)),
    )
    .unwrap();
    let output = common::dbg(&[
        "run",
        "--batch",
        "-x",
        long.to_str().unwrap(),
        &fixture(TARGET),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "dbg-cli: line 2 of script {} is longer than 65536 bytes\n",
            long.display()
        )
    );
}

#[test]
fn a_line_of_megabytes_at_the_repl_is_refused_and_the_session_goes_on() {
    let _deadline = fixtures::deadline("long line", 60);
    let mut dbg = Dbg::start(&["run", "--json", &fixture(TARGET)]);
    dbg.until(|line| line.contains("\"launched\""));
    let stdin = dbg.child.stdin.as_mut().unwrap();
    let huge = "p ".to_string() + &"1+".repeat(4 << 20) + "1\n";
    stdin.write_all(huge.as_bytes()).unwrap();
    dbg.send("register read rip");
    dbg.send("quit");
    let (code, stdout, _) = dbg.finish();
    assert_eq!(code, Some(0), "{stdout}");
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|value: &serde_json::Value| value["type"] == "result")
        .collect();
    assert_eq!(results.len(), 3, "{stdout}");
    assert_eq!(results[0]["ok"], false);
    assert!(
        results[0]["error"]
            .as_str()
            .unwrap()
            .contains("longer than 65536 bytes"),
        "{stdout}"
    );
    assert!(results[0]["command"].as_str().unwrap().len() < 100);
    assert_eq!(results[1]["command"], "register read rip");
    assert_eq!(results[1]["ok"], true);
}

/// A panic on a helper thread (not the tracer's): the report, then the session ended by the
/// tracer thread the ordinary way once the command returns.
#[test]
fn a_panic_on_a_helper_thread_detaches_clean() {
    let _deadline = fixtures::deadline("panic on a helper thread", 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let dbg = Dbg::start(&[
        "attach",
        "--batch",
        "-e",
        BREAK_HIT,
        "-e",
        WATCH,
        "-e",
        "maintenance panic thread",
        "-e",
        "info breakpoints",
        &pid,
    ]);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(101), "{transcript}");
    assert!(
        stderr.contains("thread 'dbg-maintenance' panicked"),
        "{transcript}"
    );
    assert!(
        stderr.contains(&format!(
            "dbg-cli: a panic received: detached from process {pid}"
        )),
        "{transcript}"
    );
    // The batch stopped at the panic.
    assert!(!stdout.contains("Id  Enabled"), "{transcript}");
    tracee.go();
    tracee.assert_released(&transcript);
}

/// SIGKILL cannot be caught: a launched tracee dies with the debugger all the same (the
/// kernel kills it: `PTRACE_O_EXITKILL`).
#[test]
fn sigkill_of_the_debugger_kills_a_launched_tracee() {
    let _deadline = fixtures::deadline("SIGKILL launched", 60);
    let target = fixture(TARGET);
    let mut dbg = Dbg::start(&[
        "run", "--batch", "-e", BREAK_HIT, "-e", WATCH, "-e", "continue", &target,
    ]);
    let launched = dbg.until(|line| line.contains("launched"));
    let pid: i32 = launched
        .split_whitespace()
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .unwrap();
    dbg.send("go");
    dbg.until(|line| line == "running\n");
    dbg.signal(Signal::SIGKILL);
    let (code, _, _) = dbg.finish();
    assert_eq!(code, None);
    // The kernel kills it as the debugger exits; it is reaped by whoever inherits it.
    while !gone(pid) {
        std::thread::yield_now();
    }
}

/// A process stopped by job control before we attached is left stopped, as it was; it goes
/// on when continued, untouched.
#[test]
fn a_job_control_stopped_process_is_left_stopped() {
    let _deadline = fixtures::deadline("job control stop", 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let state = || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find(|line| line.starts_with("State:"))
            .unwrap_or_default()
            .to_string()
    };
    kill(Pid::from_raw(tracee.pid()), Signal::SIGSTOP).unwrap();
    while !state().contains("(stopped)") {
        std::thread::yield_now();
    }
    let mut dbg = Dbg::start(&["attach", &pid]);
    dbg.send(BREAK_HIT);
    dbg.send(WATCH);
    dbg.send("info breakpoints");
    dbg.until(|line| line.contains("watched"));
    dbg.signal(Signal::SIGTERM);
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(128 + Signal::SIGTERM as i32), "{transcript}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.lines().any(|line| line == "TracerPid:\t0"),
        "{status}\n{transcript}"
    );
    // Each thread, woken by the detach, re-enters the group-stop on its own: until it is
    // scheduled it shows as running. Left running by mistake, it would go back to sleep in
    // its read of the release pipe instead.
    let mut now = state();
    while now.contains("(running)") {
        std::thread::yield_now();
        now = state();
    }
    assert!(now.contains("(stopped)"), "{now}\n{transcript}");
    kill(Pid::from_raw(tracee.pid()), Signal::SIGCONT).unwrap();
    tracee.go();
    tracee.assert_released(&transcript);
}

/// The ordinary ends, with a breakpoint and a watchpoint in: `quit`, `detach` then `quit`,
/// and the end of the REPL's input (Ctrl-D).
fn repl_ends_with(last: Option<&[&str]>) {
    let _deadline = fixtures::deadline(&format!("repl ends with {last:?}"), 60);
    let mut tracee = TermTarget::start();
    let pid = tracee.pid().to_string();
    let mut dbg = Dbg::start(&["attach", &pid]);
    dbg.send(BREAK_HIT);
    dbg.send(WATCH);
    match last {
        Some(commands) => commands.iter().for_each(|command| dbg.send(command)),
        None => dbg.child.stdin = None,
    }
    let (code, stdout, stderr) = dbg.finish();
    let transcript = format!("{stdout}--- stderr ---\n{stderr}");
    assert_eq!(code, Some(0), "{transcript}");
    tracee.go();
    tracee.assert_released(&transcript);
}

#[test]
fn quit_detaches_clean() {
    repl_ends_with(Some(&["quit"]));
}

#[test]
fn detach_leaves_the_process_clean() {
    repl_ends_with(Some(&["detach", "quit"]));
}

#[test]
fn the_end_of_input_detaches_clean() {
    repl_ends_with(None);
}
