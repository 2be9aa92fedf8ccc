//! dbg-cli driven as a user would: invocation, batch and JSON transcripts (snapshot-tested
//! with insta, pids and loader/stack addresses filtered), errors, exit codes, attach and
//! detach, Ctrl-C, the REPL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

mod common;
use common::{dbg, fixture, transcript, DBG};

/// Snapshot a transcript with pids, tids, loader and stack addresses and paths filtered.
macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"(Process|Thread|thread|process) \d+", "$1 [PID]"),
                (r#""(pid|tid)":\d+"#, r#""$1":[PID]"#),
                (r"0x(0000)?7ff[0-9a-f]{9}", "[ADDR]"),
                (r"ready \d+", "ready [PID]"),
                // Code in the dynamic loader and libc depends on the machine's glibc build.
                (r"(?m)^(->|  ) \[ADDR\]( <[^>]*>)?  .*$", "$1 [ADDR]  [library code]"),
                (r"(?m)^  in .* in /\S+\.so[.\d]*$", "  in [library code]"),
                (r#""function":"_[^"]*","offset":\d+,"#, r#""function":"[library code]","offset":[N],"#),
                // With the C library's debug file (libc6-dbg), its relative source paths.
                (r"(?m)^  in \S+ at [^/\s]\S*:\d+$", "  in [library code]"),
                (r#""file":"[^/"][^"]*","line":\d+,"#, ""),
                (r"0x0*5555[0-9a-f]{8}", "[EXE]"),
                (r#"/[^\s"]*/test-programs/"#, "[FIXTURES]/"),
            ],
        }, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn batch_session_on_hello() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "register read rip",
        "-e",
        "stepi 3",
        "-e",
        "register write rax 0x10",
        "-e",
        "register write ah 0x7f",
        "-e",
        "register read rax eax ax al ah",
        "-e",
        "continue",
        &fixture("hello"),
    ]);
    snapshot!("batch_hello", transcript(&output));
}

#[test]
fn json_session_on_hello() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "register read rip",
        "-e",
        "si",
        "-e",
        "register read st0 xmm0 mxcsr",
        "-e",
        "c",
        &fixture("hello"),
    ]);
    snapshot!("json_hello", transcript(&output));
    // Every stdout line is a JSON object with a type; the tracee's output went to stderr.
    let stdout = String::from_utf8(output.stdout).unwrap();
    for line in stdout.lines() {
        assert!(line.starts_with("{\"type\":\""), "{line}");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("hello, world"));
}

#[test]
fn bad_commands_fail_in_one_line_change_nothing_and_exit_1() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "register read eax",
        "-e",
        "frob",
        "-e",
        "d",
        "-e",
        "register read foo",
        "-e",
        "register read dr4",
        "-e",
        "register write eax 0x100000000",
        "-e",
        "register write al -129",
        "-e",
        "register write st0 [1,2]",
        "-e",
        "register write rip",
        "-e",
        "stepi 0",
        "-e",
        "breakpoint set mian",
        "-e",
        "register read eax",
        "-e",
        "continue",
        "-e",
        "stepi",
        "-e",
        "register read rip",
        "-e",
        "kill",
        &fixture("hello"),
    ]);
    snapshot!("bad_commands", transcript(&output));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn launch_failures_exit_2_with_a_reason() {
    let output = dbg(&["run", "./no-such-program"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "dbg-cli: cannot launch ./no-such-program: No such file or directory\n"
    );
    let source = fixtures::source_dir().join("hello.c");
    let output = dbg(&["run", source.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).ends_with(": Permission denied\n"));
    assert!(output.stdout.is_empty());
    // Wrong arguments are exit 2 as well.
    assert_eq!(dbg(&["run"]).status.code(), Some(2));
    assert_eq!(dbg(&["attach", "notapid"]).status.code(), Some(2));
    assert_eq!(dbg(&["frobnicate"]).status.code(), Some(2));
    let output = dbg(&["run", "--batch", "-x", "/no/such/script", &fixture("hello")]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn attach_failures_exit_2_and_name_the_cause() {
    let output = dbg(&["attach", "999999999"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "dbg-cli: cannot attach to process 999999999: no such process\n"
    );
    let mut traced = dbg_process::Launch::new(fixtures::path("hello"))
        .spawn()
        .unwrap();
    let pid = traced.pid().to_string();
    let output = dbg(&["attach", &pid]);
    assert_eq!(output.status.code(), Some(2));
    let tracer = nix::unistd::gettid();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "dbg-cli: cannot attach to process {pid}: already traced by process {tracer}"
        )),
        "{stderr}"
    );
    traced.kill().unwrap();
}

#[test]
fn registers_the_tracee_set_read_back() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "c",
        "-e",
        "register read rax eax ax al ah rsi sil r13 r13d r13w r13b",
        "-e",
        "c",
        "-e",
        "register read st0",
        "-e",
        "c",
        "-e",
        "register read mm0",
        "-e",
        "c",
        "-e",
        "register read xmm0",
        "-e",
        "c",
        &fixture("reg_read"),
    ]);
    snapshot!("reg_read", transcript(&output));
}

#[test]
fn register_writes_reach_the_tracee() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = dbg(&[
        "run",
        "--batch",
        "--stdout",
        out.to_str().unwrap(),
        "-e",
        "c",
        "-e",
        "register write r13 0xfeedfacecafebeef",
        "-e",
        "register write r12 0x1111111111111111",
        "-e",
        "register write r12d 0x22222222",
        "-e",
        "register write r12b 0x33",
        "-e",
        "register write rbx 0",
        "-e",
        "register write bh 0x7f",
        "-e",
        "register write st0 42.24",
        "-e",
        "register write xmm0 -3.75",
        "-e",
        "c",
        "-e",
        "register write mm0 0x0123456789abcdef",
        "-e",
        "c",
        &fixture("reg_write"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert_eq!(
        std::fs::read_to_string(out).unwrap(),
        "r13=0xfeedfacecafebeef r12=0x1111111122222233 rbx=0x7f00\n\
         st0=42.240000000000002 xmm0=-3.75\n\
         mm0=0x123456789abcdef\n"
    );
}

#[test]
fn a_fault_is_reported_then_kills_the_tracee() {
    let output = dbg(&["run", "--batch", "-e", "c", "-e", "c", &fixture("crash")]);
    snapshot!("crash", transcript(&output));
}

#[test]
fn arguments_and_stdin_reach_the_tracee() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "c",
        "--",
        &fixture("exit_code"),
        "7",
    ]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("exited with status 7\n"));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::write(&input, "from a file\n").unwrap();
    let out = dir.path().join("out");
    let output = dbg(&[
        "run",
        "--batch",
        "--stdin",
        input.to_str().unwrap(),
        "--stdout",
        out.to_str().unwrap(),
        "-e",
        "c",
        &fixture("wait_stdin"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let printed = std::fs::read_to_string(out).unwrap();
    assert!(printed.ends_with("got from a file\n"), "{printed}");
}

#[test]
fn attach_then_detach_leaves_the_process_running() {
    let _deadline = fixtures::deadline("attach/detach", 60);
    let mut fixture = fixtures::Ready::start("threads_wait", &[]);
    let pid = fixture.pid().to_string();
    let output = dbg(&[
        "attach",
        "--batch",
        "-e",
        "register read orig_rax",
        "-e",
        "detach",
        &pid,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("Process {pid} attached (4 threads)\n")),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(&format!("Process {pid} detached\n")),
        "{stdout}"
    );
    fixture.send_line("go");
    assert_eq!(fixture.read_line(), "joined 3\n");
    assert!(fixture.succeeded());
}

#[test]
fn ending_the_session_detaches_from_an_attached_process() {
    let _deadline = fixtures::deadline("attach/quit", 60);
    let mut fixture = fixtures::Ready::start("wait_stdin", &[]);
    let pid = fixture.pid().to_string();
    let output = dbg(&[
        "attach",
        "--json",
        "--batch",
        "-e",
        "register read rip",
        "-e",
        "quit",
        &pid,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    fixture.send_line("still alive");
    assert_eq!(fixture.read_line(), "got still alive\n");
    assert!(fixture.succeeded());
}

#[test]
fn ctrl_c_stops_a_running_tracee_and_the_session_goes_on() {
    let _deadline = fixtures::deadline("ctrl-c", 60);
    let mut child = Command::new(DBG)
        // No "Reading symbols" notices: their timing is the machine's (see `common::dbg`).
        .env("DBG_SLOW_NOTICE_MS", "3600000")
        .args([
            "run",
            "--batch",
            "-e",
            "continue",
            "-e",
            "register read rip",
            "-e",
            "kill",
        ])
        .arg(fixture("wait_stdin"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut transcript = String::new();
    loop {
        let mut line = String::new();
        assert_ne!(
            reader.read_line(&mut line).unwrap(),
            0,
            "dbg-cli ended early: {transcript}"
        );
        transcript.push_str(&line);
        // The tracee says it is running (blocked reading our pipe): interrupt the debugger.
        if line.starts_with("ready ") {
            kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
            break;
        }
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    transcript.push_str(&rest);
    let status = child.wait().unwrap();
    snapshot!(
        "ctrl_c",
        format!("{transcript}--- exit: {:?}", status.code())
    );
}

#[test]
fn a_tracee_killed_from_outside_is_reported_and_the_session_goes_on() {
    let _deadline = fixtures::deadline("killed from outside", 60);
    let mut child = Command::new(DBG)
        // No "Reading symbols" notices: their timing is the machine's (see `common::dbg`).
        .env("DBG_SLOW_NOTICE_MS", "3600000")
        .args(["run", "--json"])
        .arg(fixture("hello"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let pid: i32 = first
        .trim()
        .trim_start_matches("{\"type\":\"launched\",\"pid\":")
        .trim_end_matches('}')
        .parse()
        .unwrap();
    let mut entry = String::new();
    reader.read_line(&mut entry).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    stdin
        .write_all(b"register read rip\nhelp stepi\nquit\n")
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    snapshot!("killed_from_outside", rest);
}

#[test]
fn thread_creation_and_exit_are_reported() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "continue",
        &fixture("threads_run"),
    ]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let count = |event: &str| {
        stdout
            .lines()
            .filter(|l| l.contains("\"type\":\"thread\"") && l.contains(event))
            .count()
    };
    assert_eq!((count("created"), count("exited")), (4, 4), "{stdout}");
    assert!(stdout.contains("{\"type\":\"exit\",\"pid\":"), "{stdout}");
    assert!(stdout.contains(",\"code\":0}"), "{stdout}");
}

#[test]
fn scripts_and_evals_run_in_command_line_order() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(
        &script,
        "# a comment\nregister read rax   # trailing comment\n\nstepi\n",
    )
    .unwrap();
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "register read rip",
        "-x",
        script.to_str().unwrap(),
        "-e",
        "register read rsp",
        &fixture("hello"),
    ]);
    let commands: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split("\"command\":\"")
                .nth(1)
                .map(|c| c.split('"').next().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        commands,
        [
            "register read rip",
            "register read rax",
            "stepi",
            "register read rsp"
        ]
    );
}

#[test]
fn the_repl_repeats_an_empty_line_and_keeps_history_private() {
    let _deadline = fixtures::deadline("repl", 60);
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(DBG)
        // No "Reading symbols" notices: their timing is the machine's (see `common::dbg`).
        .env("DBG_SLOW_NOTICE_MS", "3600000")
        .args(["run", &fixture("hello")])
        .env("XDG_STATE_HOME", state.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"stepi\n\nregister read rip\nquit\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.matches("(single step)").count(), 2, "{stdout}");
    let history = state.path().join("dbg/history");
    let text = std::fs::read_to_string(&history).unwrap();
    assert!(
        text.contains("stepi\n") && text.contains("register read rip\n"),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&history).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(Path::new(&history).exists());
}

#[test]
fn help_lists_commands_and_describes_one() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "help",
        "-e",
        "help si",
        "-e",
        "help reg",
        &fixture("hello"),
    ]);
    snapshot!("help", transcript(&output));
}

#[test]
fn real_programs_run_under_the_debugger() {
    // A program from PATH (no slash), and /bin/ls: stripped, PIE, dynamically linked.
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "stepi 2000",
        "-e",
        "continue",
        "true",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("exited with status 0\n"));
    let listing = fixtures::source_dir();
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "stepi 5000",
        "-e",
        "continue",
        "/bin/ls",
        listing.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(
        stdout.contains("hello.c\n") && stdout.ends_with("exited with status 0\n"),
        "{stdout}"
    );
}

#[test]
fn breakpoints_memory_and_disassembly_in_a_batch_session() {
    let target = fixtures::launched_address("bp_loop", "target_fn");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = dbg(&[
        "run",
        "--batch",
        "--stdout",
        out.to_str().unwrap(),
        "-e",
        &format!("b {target}"),
        "-e",
        "continue",
        "-e",
        "breakpoint list",
        "-e",
        &format!("x {target} 20"),
        "-e",
        "disassemble -c 4",
        "-e",
        "continue 3",
        "-e",
        "register read rdi",
        "-e",
        &format!("breakpoint set {target} --ignore 1"),
        "-e",
        "continue",
        "-e",
        "breakpoint list",
        "-e",
        "breakpoint disable 1",
        "-e",
        "breakpoint delete 2",
        "-e",
        "continue",
        &fixture("bp_loop"),
        "10",
    ]);
    snapshot!("breakpoints_human", transcript(&output));
    assert_eq!(std::fs::read_to_string(out).unwrap(), "calls 10 total 45\n");
}

#[test]
fn breakpoints_and_memory_in_json() {
    let target = fixtures::launched_address("bp_loop", "target_fn");
    let total = fixtures::launched_address("bp_loop", "total");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "--stdout",
        out.to_str().unwrap(),
        "-e",
        &format!("breakpoint set {target} --ignore 2"),
        "-e",
        "c",
        "-e",
        &format!("memory read {total} 8"),
        "-e",
        &format!("memory write {total} [0x00,0x10,0,0,0,0,0,0]"),
        "-e",
        &format!("memory read {total} 8"),
        "-e",
        &format!("disassemble -a {target} -c 2"),
        "-e",
        "breakpoint list",
        "-e",
        "breakpoint delete 1",
        "-e",
        "c",
        &fixture("bp_loop"),
        "5",
    ]);
    snapshot!("breakpoints_json", transcript(&output));
    // Stopped before the third call (0 + 1 added), total set to 0x1000, then 2 + 3 + 4.
    assert_eq!(
        std::fs::read_to_string(out).unwrap(),
        "calls 5 total 4105\n"
    );
}

#[test]
fn bad_breakpoint_and_memory_commands() {
    let total = fixtures::launched_address("bp_loop", "total");
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "breakpoint set 0x10",
        "-e",
        &format!("breakpoint set {total}"),
        "-e",
        "breakpoint set mian",
        "-e",
        "breakpoint set nested.c:5",
        "-e",
        "breakpoint delete 9",
        "-e",
        "breakpoint enable 0",
        "-e",
        "breakpoint ignore 3 1",
        "-e",
        "memory read 0x10",
        "-e",
        &format!("memory read {total} 100000"),
        "-e",
        "memory write 0x10 00",
        "-e",
        "memory write 0x10 zz",
        "-e",
        "disassemble -a 0x10",
        "-e",
        "breakpoint list",
        &fixture("bp_loop"),
        "1",
    ]);
    snapshot!("bad_breakpoints", transcript(&output));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_launched_tracee_dies_with_the_debugger() {
    let _deadline = fixtures::deadline("exitkill", 60);
    let mut child = Command::new(DBG)
        // No "Reading symbols" notices: their timing is the machine's (see `common::dbg`).
        .env("DBG_SLOW_NOTICE_MS", "3600000")
        .args(["run", "--json"])
        .arg(fixture("spin"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let pid: i32 = first
        .trim()
        .trim_start_matches("{\"type\":\"launched\",\"pid\":")
        .trim_end_matches('}')
        .parse()
        .unwrap();
    // Let the tracee run, then kill the debugger outright: no cleanup code of ours runs.
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"continue\n")
        .unwrap();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
    child.wait().unwrap();
    // PTRACE_O_EXITKILL: the kernel kills the tracee as the tracer exits.
    let gone = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| {
                stat.rsplit(')')
                    .next()
                    .is_some_and(|rest| rest.trim_start().starts_with(['Z', 'X']))
            })
            .unwrap_or(true)
    };
    while !gone() {
        std::thread::yield_now();
    }
}

#[test]
fn watchpoints_and_hardware_breakpoints_in_a_batch_session() {
    let wide = fixtures::launched_address("watch_values", "wide");
    let main = fixtures::launched_address("watch_values", "main");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = dbg(&[
        "run",
        "--batch",
        "--stdout",
        out.to_str().unwrap(),
        "-e",
        &format!("breakpoint set {main} --hardware"),
        "-e",
        "continue",
        "-e",
        &format!("watch {wide} write 8"),
        "-e",
        "continue",
        "-e",
        "continue 2",
        "-e",
        "watchpoint list",
        "-e",
        "breakpoint list",
        "-e",
        "register read dr0 dr1 dr7",
        "-e",
        "watchpoint disable 1",
        "-e",
        "continue",
        &fixture("watch_values"),
    ]);
    snapshot!("watchpoints_human", transcript(&output));
    assert_eq!(std::fs::read_to_string(out).unwrap(), "done\n");
}

#[test]
fn watchpoints_in_json_and_bad_watchpoint_commands() {
    let wide = fixtures::launched_address("watch_values", "wide");
    let half = fixtures::launched_address("watch_values", "half_value");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        &format!("watchpoint set {wide} write 8"),
        "-e",
        &format!("watchpoint set {half} rw 2"),
        "-e",
        "c",
        "-e",
        "watchpoint list",
        "-e",
        &format!("watchpoint set {wide} read 8"),
        "-e",
        "watchpoint set 0x1001 write 8",
        "-e",
        "watchpoint set 0x1000 write 3",
        "-e",
        "watchpoint set 0x1000 execute 2",
        "-e",
        "watchpoint set 0x7ffffffff000 write 8",
        "-e",
        &format!("watchpoint set {wide} rw 4"),
        "-e",
        &format!("watchpoint set {wide} rw 1"),
        "-e",
        &format!("watchpoint set {wide} write 2"),
        "-e",
        "watchpoint delete 7",
        "-e",
        "watchpoint delete 1",
        "-e",
        "watchpoint delete 2",
        "-e",
        "c",
        &fixture("watch_values"),
    ]);
    snapshot!("watchpoints_json", transcript(&output));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn handle_and_thread_commands() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "thread list",
        "-e",
        "handle SIGUSR1",
        "-e",
        "handle usr1 nostop pass",
        "-e",
        "handle SIGFOO stop",
        "-e",
        "thread select 1",
        "-e",
        "continue",
        &fixture("sigusr"),
    ]);
    snapshot!("handle_thread_json", transcript(&output));
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "handle SIGUSR1 nostop noprint nopass",
        "-e",
        "c",
        &fixture("sigusr"),
    ]);
    snapshot!("handle_human", transcript(&output));
}

#[test]
fn syscall_catchpoints_in_json() {
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "catchpoint syscall write",
        "-e",
        "c",
        "-e",
        "c",
        "-e",
        "catchpoint syscall frob",
        "-e",
        "catchpoint syscall none",
        "-e",
        "c",
        &fixture("hello"),
    ]);
    snapshot!("catchpoints_json", transcript(&output));
}

#[test]
fn info_breakpoints_lists_the_caught_system_calls_as_gdb_does() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "catch syscall write",
        "-e",
        "info breakpoints",
        "-e",
        "break main",
        "-e",
        "info breakpoints",
        "-e",
        "catch syscall none",
        "-e",
        "info breakpoints",
        &fixture("hello"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|line| {
            line.starts_with("Catching") || line.starts_with("No ") || line.starts_with("1 ")
        })
        .collect();
    assert_eq!(
        lines,
        [
            "Catching system calls: write (1).",
            "Catching system calls: write (1).",
            lines.get(2).copied().unwrap_or("(missing breakpoint line)"),
            "Catching system calls: write (1).",
            "No system calls are caught.",
            lines.get(5).copied().unwrap_or("(missing breakpoint line)"),
        ],
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("1   yes") && lines[5] == lines[2],
        "{stdout}"
    );
}

#[test]
fn source_level_session() {
    let args = [
        "break main",
        "continue",
        "step",
        "step",
        "next",
        "backtrace",
        "up",
        "frame",
        "down",
        "finish",
        "list",
        "list nested.c:46",
        "symbol main+4",
        "symbol 0x10",
        "disassemble -a factorial -c 2",
        "b nested.c:9999",
        "b factorail",
        "breakpoint list",
        "kill",
    ];
    let mut command: Vec<String> = vec!["run".into(), "--batch".into()];
    for arg in args {
        command.push("-e".into());
        command.push(arg.into());
    }
    command.push(fixture("nested"));
    let refs: Vec<&str> = command.iter().map(String::as_str).collect();
    let output = dbg(&refs);
    snapshot!("source_human", transcript(&output));
    assert_eq!(output.status.code(), Some(1));

    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "b leaf",
        "-e",
        "c",
        "-e",
        "bt",
        "-e",
        "finish",
        "-e",
        "symbol leaf",
        "-e",
        "list leaf",
        "-e",
        "disassemble -a leaf -c 1",
        "-e",
        "kill",
        &fixture("nested"),
    ]);
    snapshot!("source_json", transcript(&output));
    assert_eq!(output.status.code(), Some(0));
}

/// Ctrl-C (SIGINT to dbg-cli) while a `continue` steps over ignored hits of a breakpoint
/// after a prologue, threads coming and going: the tracee stops exactly once, reported as an
/// interrupt, whether the signal lands during a step-over or between two; the next `continue`
/// runs the program to its end with its exact output.
#[test]
fn ctrl_c_during_ignored_hits_stops_exactly_once() {
    let _deadline = fixtures::deadline("ctrl-c during ignored hits", 120);
    let mut moment: u64 = 0x2545_f491_4f6c_dd1d;
    let mut interrupted = 0;
    for run in 0..20 {
        let mut child = Command::new(DBG)
            // No "Reading symbols" notices: their timing is the machine's (see `common::dbg`).
            .env("DBG_SLOW_NOTICE_MS", "3600000")
            .args([
                "run",
                "--batch",
                "-e",
                "break hit --ignore 1000000",
                "-e",
                "continue",
                "-e",
                "continue",
            ])
            .arg(fixture("thread_churn"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("NO_COLOR", "1")
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut transcript = String::new();
        let mut tracee = 0;
        loop {
            let mut line = String::new();
            assert_ne!(reader.read_line(&mut line).unwrap(), 0, "{transcript}");
            transcript.push_str(&line);
            if let Some(rest) = line.strip_prefix("Process ") {
                if let Some(pid) = rest.strip_suffix(" launched\n") {
                    tracee = pid.parse().unwrap();
                }
            }
            if line.starts_with("Breakpoint 1 at") {
                break;
            }
        }
        // The first `continue` runs once the tracee has threads of its own (a Ctrl-C before
        // that, between two commands, would end the batch instead).
        let tasks = format!("/proc/{tracee}/task");
        while std::fs::read_dir(&tasks).unwrap().count() < 2 {
            std::hint::spin_loop();
        }
        // Then interrupt within 5 ms (a busy wait, so that the moment varies and the test
        // never sleeps).
        moment ^= moment << 13;
        moment ^= moment >> 7;
        moment ^= moment << 17;
        let delay = std::time::Duration::from_micros(moment % 3000);
        let start = std::time::Instant::now();
        while start.elapsed() < delay {
            std::hint::spin_loop();
        }
        kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
        transcript.push_str(&rest);
        let status = child.wait().unwrap();
        let interrupts = transcript.matches("(interrupt)").count();
        if interrupts == 0 && transcript.contains("calls 1000\nProcess ") {
            // The program ran its course (hits decided on their own thread are quick) before
            // the Ctrl-C, which then ended the batch between its two commands.
            assert!(
                transcript.contains("exited with status 0\n"),
                "run {run}: {transcript}"
            );
            continue;
        }
        interrupted += 1;
        assert_eq!(status.code(), Some(0), "run {run}: {status:?} {transcript}");
        assert_eq!(interrupts, 1, "run {run}: {transcript}");
        assert_eq!(
            transcript.matches(" stopped ").count(),
            2,
            "run {run}: {transcript}"
        );
        assert!(
            transcript.contains("calls 1000\n"),
            "run {run}: {transcript}"
        );
        assert!(
            transcript.ends_with("exited with status 0\n"),
            "run {run}: {transcript}"
        );
    }
    // The moments fall within the run nearly always: most runs are interrupted.
    assert!(interrupted >= 15, "{interrupted} of 20 runs interrupted");
}

#[test]
fn every_argument_after_the_program_goes_to_the_program() {
    // `-e` after PROGRAM is echo's (interpret escapes), not dbg's.
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "continue",
        "/bin/echo",
        "-e",
        r"a\tb",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("a\tb\n"), "{}", transcript(&output));
    assert!(
        stdout.contains("exited with status 0"),
        "{}",
        transcript(&output)
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    // `--help` after PROGRAM is the program's; `--` before PROGRAM is accepted.
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "c",
        "--",
        "/bin/echo",
        "--help",
        "-x",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("--help -x\n") || stdout.contains("Usage: /bin/echo"),
        "{}",
        transcript(&output)
    );
    assert!(!stdout.contains("debugger"), "{}", transcript(&output));
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    // The help of `run` says so.
    let help = dbg(&["run", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("every argument after PROGRAM goes to the program"),
        "{help}"
    );
}

#[test]
fn gdb_habits_reach_their_dbg_commands() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "b main",
        "-e",
        "c",
        "-e",
        "l 12",
        "-e",
        "tbreak 12",
        "-e",
        "info breakpoints",
        "-e",
        "c",
        "-e",
        "i b",
        "-e",
        "where 1",
        "-e",
        "i r rip",
        "-e",
        "next 2",
        "-e",
        "continue 2",
        &fixture("bp_loop"),
        "3",
    ]);
    snapshot!("gdb_habits", transcript(&output));
    assert_eq!(output.status.code(), Some(0));
}

/// The lines `x` printed (they start with an address and its symbol), from a transcript.
fn examine_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("0x") && line.contains(" <") && line.contains(">:\t"))
        .map(str::to_string)
        .collect()
}

#[test]
fn examine_shows_memory_as_gdb_does() {
    let bp_loop = fixture("bp_loop");
    // Memory that does not depend on the environment (the stack does: gdb sets LINES and
    // COLUMNS): a global, and the code at the pc.
    let dbg_commands = [
        "x/8xb total",
        "x/2dw total",
        "x/4c $pc",
        "x/3xw target_fn",
        "x/2ug $pc-8",
    ];
    let gdb_commands = [
        "x/8xb &total",
        "x/2dw &total",
        "x/4c $pc",
        "x/3xw target_fn",
        "x/2ug $pc-8",
    ];
    let mut args = vec!["run", "--batch", "-e", "break target_fn", "-e", "continue"];
    for command in dbg_commands {
        args.extend(["-e", command]);
    }
    args.extend([bp_loop.as_str(), "3"]);
    let ours = dbg(&args);
    assert_eq!(ours.status.code(), Some(0), "{}", transcript(&ours));
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", "break target_fn", "-ex", "run"]);
    for command in gdb_commands {
        gdb.args(["-ex", command]);
    }
    let theirs = gdb.args(["--args", &bp_loop, "3"]).output().unwrap();
    let ours = examine_lines(&String::from_utf8_lossy(&ours.stdout));
    let theirs = examine_lines(&String::from_utf8_lossy(&theirs.stdout));
    assert_eq!(ours.len(), 5, "{ours:#?}");
    assert_eq!(ours, theirs);
}

#[test]
fn examine_takes_a_local_or_an_expression_as_gdb_does() {
    let values = fixture("values");
    // `label` is a parameter (no symbol): its value, the string's address; `&count` an
    // expression.
    let commands = ["x/s label", "x/s (char *)label + 6", "x/xw &count"];
    let mut args = vec!["run", "--batch", "-e", "break checkpoint", "-e", "continue"];
    for command in commands {
        args.extend(["-e", command]);
    }
    args.push(values.as_str());
    let ours = dbg(&args);
    assert_eq!(ours.status.code(), Some(0), "{}", transcript(&ours));
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", "break checkpoint", "-ex", "run"]);
    for command in commands {
        gdb.args(["-ex", command]);
    }
    let theirs = gdb.arg(&values).output().unwrap();
    let lines = |stdout: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(stdout)
            .lines()
            .filter(|line| line.starts_with("0x") && line.contains(":\t"))
            .map(str::to_string)
            .collect()
    };
    let (ours, theirs) = (lines(&ours.stdout), lines(&theirs.stdout));
    // The stack differs between the two (gdb sets LINES and COLUMNS): the stack word's
    // line is compared by its value alone.
    assert_eq!(ours.len(), 3, "{ours:#?}");
    assert_eq!(ours[..2], theirs[..2]);
    let value = |line: &String| line.rsplit('\t').next().map(str::to_string);
    assert_eq!(value(&ours[2]), theirs.get(2).and_then(value));
}

#[test]
fn programs_that_are_not_x86_64_executables_are_refused_with_what_they_are() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    };
    let mut elf32 = b"\x7fELF\x01\x01\x01".to_vec();
    elf32.resize(64, 0);
    let mut arm64 = b"\x7fELF\x02\x01\x01".to_vec();
    arm64.resize(64, 0);
    arm64[18] = 183; // EM_AARCH64
    let cases = [
        (dir.path().display().to_string(), "it is a directory"),
        (
            write("script", b"#!/bin/sh -e\necho hi\n"),
            "it is a script for `/bin/sh -e`",
        ),
        (write("elf32", &elf32), "it is a 32-bit program"),
        (
            write("arm64", &arm64),
            "it is a program for another machine (ELF e_machine 183)",
        ),
        (write("text", b"hello\n"), "it is not an executable program"),
    ];
    for (program, why) in cases {
        let output = dbg(&["run", "--batch", "-e", "c", &program]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("dbg-cli: cannot debug {program}: {why}")),
            "{program}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert_eq!(output.status.code(), Some(2), "{program}");
        assert!(output.stdout.is_empty(), "{program}");
    }
}

#[test]
fn list_takes_lines_of_the_current_file_and_goes_back_with_a_dash() {
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "b main",
        "-e",
        "c",
        "-e",
        "list 20",
        "-e",
        "list -",
        "-e",
        "list -",
        "-e",
        "list",
        "-e",
        "list 99999",
        "-e",
        "help print",
        &fixture("bp_loop"),
        "1",
    ]);
    snapshot!("list_habits", transcript(&output));
}

#[test]
fn fork_and_thread_notices_come_as_they_happen() {
    // The fork notice is printed when the fork happens, before the program's own last line
    // (it used to come with the exit, after the program's output).
    let output = dbg(&["run", "--batch", "-e", "continue", &fixture("forker")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let notice = stdout.find("forked child").expect("a fork notice");
    let program = stdout.find("child exited 7").expect("the program's line");
    assert!(notice < program, "{}", transcript(&output));
    // Threads created before a breakpoint stop are announced before the stop.
    let output = dbg(&[
        "run",
        "--batch",
        "--json",
        "-e",
        "break target_fn",
        "-e",
        "continue",
        &fixture("threads_bp"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let created = stdout.find(r#""event":"created""#).expect("thread events");
    let stop = stdout
        .find(r#""reason":"breakpoint""#)
        .expect("a breakpoint stop");
    assert!(created < stop, "{}", transcript(&output));
}
