//! The real gdb, in batch mode, against `dbg-gdbserver`: breakpoints, stepping, the stack,
//! registers, memory, globals, watchpoints, threads, system-call catchpoints, detach, kill
//! and running to the end — and the same script against Debian's gdbserver, whose
//! transcript ours must match once pids and addresses are masked.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{fixture, gdb, gdb_target, normalize, Server};

/// Run `commands` with gdb against a server started by `start`; gdb's stdout and the
/// server's stderr.
fn session(server: Server, commands: &[&str]) -> (String, String, String) {
    let (stdout, gdb_stderr) = gdb(&server.address(), commands);
    let (status, _, stderr) = server.wait();
    assert!(
        status.success(),
        "server ended with {status}\n--- gdb ---\n{stdout}{gdb_stderr}\n--- server ---\n{stderr}"
    );
    (stdout, gdb_stderr, stderr)
}

const NESTED_SCRIPT: &[&str] = &[
    "break inner",
    "continue",
    "backtrace",
    "next",
    "step",
    "finish",
    "print finished",
    "info registers rip",
    "break note_done",
    "continue",
    "finish",
    "print finished",
    "set var finished = 4",
    "print finished",
    "x/4xb &finished",
    "info registers orig_rax",
    "print $fs_base != 0",
    "continue",
];

#[test]
fn stepping_and_values_match_gdbserver() {
    let _deadline = fixtures::deadline("stepping_and_values_match_gdbserver", 120);
    let program = fixture("nested");
    let (ours, ours_err, _) = session(Server::once(&[&program]), NESTED_SCRIPT);
    let (theirs, theirs_err, _) = session(Server::reference(&[&program]), NESTED_SCRIPT);
    assert_eq!(
        normalize(&ours),
        normalize(&theirs),
        "\n--- ours ---\n{ours}{ours_err}\n--- gdbserver ---\n{theirs}{theirs_err}"
    );
    for expected in [
        "Breakpoint 1, inner (x=4)",
        "#1  0x",
        "Value returned is $1 = 11",
        "$2 = 0",
        "$4 = 4",
        "orig_rax       0xffffffffffffffff  -1",
        "$5 = 1",
        "[Inferior 1 (process ",
        "exited with code 03]",
    ] {
        assert!(
            ours.contains(expected),
            "no `{expected}` in:\n{ours}{ours_err}"
        );
    }
}

/// Our transcript and gdbserver's for the same script match (masked); ours is returned.
fn matches_reference(fixture_args: &[&str], commands: &[&str]) -> String {
    let (ours, ours_err, _) = session(Server::once(fixture_args), commands);
    let (theirs, theirs_err, _) = session(Server::reference(fixture_args), commands);
    assert_eq!(
        normalize(&ours),
        normalize(&theirs),
        "\n--- ours ---\n{ours}{ours_err}\n--- gdbserver ---\n{theirs}{theirs_err}"
    );
    ours
}

fn assert_has(transcript: &str, expected: &[&str]) {
    for line in expected {
        assert!(transcript.contains(line), "no `{line}` in:\n{transcript}");
    }
}

#[test]
fn watchpoints_stop_where_the_value_changes() {
    let _deadline = fixtures::deadline("watchpoints_stop_where_the_value_changes", 120);
    let program = fixture("watch_loop");
    let ours = matches_reference(
        &[&program, "3"],
        &[
            "break main",
            "continue",
            "watch counter",
            "continue",
            "continue",
            "delete",
            "continue",
        ],
    );
    assert_has(
        &ours,
        &[
            "Hardware watchpoint 2: counter",
            "Old value = 0\nNew value = 1",
            "Old value = 1\nNew value = 2",
            "exited normally]",
        ],
    );
}

#[test]
fn system_call_catchpoints_stop_at_entry_and_return() {
    let _deadline = fixtures::deadline("system_call_catchpoints_stop_at_entry_and_return", 120);
    let program = fixture("syscall_loop");
    let ours = matches_reference(
        &[&program, "2"],
        &[
            "catch syscall getppid",
            "continue",
            "continue",
            "continue",
            "delete",
            "continue",
        ],
    );
    assert_has(
        &ours,
        &[
            "Catchpoint 1 (call to syscall getppid)",
            "Catchpoint 1 (returned from syscall getppid)",
            "exited normally]",
        ],
    );
}

#[test]
fn signals_stop_and_are_passed_as_gdb_says() {
    let _deadline = fixtures::deadline("signals_stop_and_are_passed_as_gdb_says", 120);
    let program = fixture("sigusr");
    let commands = [
        "continue",
        "continue",
        "handle SIGUSR1 nostop noprint",
        "continue",
    ];
    let ours = matches_reference(&[&program], &commands);
    assert_has(
        &ours,
        &["Program received signal SIGUSR1", "exited normally]"],
    );
    let (_, stdout, _) = Server::once(&[&program]).wait_after_gdb(&commands);
    assert_eq!(stdout, "handled 3\n");
}

#[test]
fn hardware_breakpoints_and_threads() {
    let _deadline = fixtures::deadline("hardware_breakpoints_and_threads", 120);
    let program = fixture("threads_bp");
    let server = Server::once(&[&program]);
    let (stdout, stderr) = gdb(
        &server.address(),
        &[
            "hbreak target_fn",
            "continue",
            "info threads",
            "delete",
            "continue",
        ],
    );
    let (status, tracee_out, _) = server.wait();
    assert!(status.success());
    assert_has(
        &stdout,
        &[
            "Hardware assisted breakpoint 1 at",
            "Breakpoint 1, target_fn ()",
            "exited normally]",
        ],
    );
    let threads = stdout
        .lines()
        .filter(|line| line.contains(" Thread ") && line.contains("(threads_bp)"))
        .count();
    assert!(threads >= 2, "one thread listed:\n{stdout}{stderr}");
    assert_eq!(tracee_out, "calls 8000\n");
}

#[test]
fn detach_lets_the_program_run_on() {
    let _deadline = fixtures::deadline("detach_lets_the_program_run_on", 120);
    let server = Server::once(&[&fixture("hello")]);
    let (stdout, stderr) = gdb(&server.address(), &["break main", "continue", "detach"]);
    let (status, tracee_out, server_err) = server.wait();
    assert!(status.success(), "{server_err}");
    assert_has(&stdout, &["Breakpoint 1, main ()", "detached]"]);
    assert_eq!(tracee_out, "hello, world\n", "{stdout}{stderr}{server_err}");
}

#[test]
fn kill_ends_the_program_and_the_server() {
    let _deadline = fixtures::deadline("kill_ends_the_program_and_the_server", 120);
    let server = Server::once(&[&fixture("spin")]);
    let pid = tracee_pid(&server.stderr());
    let (stdout, _) = gdb(&server.address(), &["info registers rip", "kill"]);
    let (status, _, _) = server.wait();
    assert!(status.success());
    assert_has(&stdout, &["rip ", "killed]"]);
    assert!(!common::alive(pid), "the program {pid} survived its kill");
}

#[test]
fn registers_are_gdbs_x86_64_linux_set() {
    let _deadline = fixtures::deadline("registers_are_gdbs_x86_64_linux_set", 120);
    let program = fixture("nested");
    let commands = [
        "break leaf",
        "continue",
        "info registers",
        "info registers orig_rax fs_base gs_base",
        "info registers xmm0 mxcsr st0 fctrl ftag fop",
        "p $rip == &leaf || $pc > &leaf",
        "set var $rax = 0x1234",
        "p/x $rax",
        "p $eax",
        "kill",
    ];
    let names = |text: &str| -> Vec<String> {
        normalize(text)
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|word| word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            // gdbserver's description has AVX-512's mask registers too; ours stops at AVX.
            .filter(|word| !(word.len() == 2 && word.starts_with('k')))
            .map(str::to_string)
            .collect()
    };
    let (ours, ours_err, _) = session(Server::once(&[&program]), &commands);
    let (theirs, _, _) = session(Server::reference(&[&program]), &commands);
    assert_eq!(
        names(&ours),
        names(&theirs),
        "\n{ours}{ours_err}\n---\n{theirs}"
    );
    assert_has(
        &ours,
        &[
            "orig_rax       0xffffffffffffffff  -1",
            "fs_base        0x7ff",
            "$2 = 0x1234",
            "$3 = 4660",
        ],
    );
}

#[test]
fn extended_remote_runs_the_program_again() {
    let _deadline = fixtures::deadline("extended_remote_runs_the_program_again", 120);
    let server = Server::once(&[&fixture("exit_code"), "5"]);
    let (stdout, stderr) = gdb_target(
        "extended-remote",
        &server.address(),
        &["break main", "run", "next", "continue"],
    );
    let (status, _, server_err) = server.wait();
    assert!(status.success(), "{server_err}");
    assert_has(&stdout, &["Breakpoint 1, main (", "exited with code 05]"]);
    assert_eq!(
        server_err.matches(" created; pid = ").count(),
        2,
        "{stdout}{stderr}{server_err}"
    );
}

/// The pid the server said it created.
fn tracee_pid(server_stderr: &str) -> u32 {
    server_stderr
        .split("pid = ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|pid| pid.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in: {server_stderr}"))
}

/// Shared libraries reach gdb through `qXfer:libraries-svr4` (the session's tracking of the
/// dynamic linker's list): a pending breakpoint in a `dlopen`ed plugin hits after each load,
/// and `info sharedlibrary` lists what gdbserver's does.
#[test]
fn shared_libraries_and_a_pending_breakpoint_in_a_plugin_match_gdbserver() {
    let _deadline = fixtures::deadline("shared libraries through the server", 120);
    let program = fixture("dlopener");
    let plugin = fixture("libplugin.so");
    let ours = matches_reference(
        &[&program, &plugin],
        &[
            "set breakpoint pending on",
            "break plugin_work",
            "continue",
            "info sharedlibrary",
            "continue",
            "backtrace 1",
            "continue",
        ],
    );
    assert_has(
        &ours,
        &[
            "Breakpoint 1, plugin_work (x=0)",
            "Breakpoint 1, plugin_work (x=1)",
            "libplugin.so",
            "libc.so.6",
            "exited normally]",
        ],
    );
}

#[test]
fn the_library_list_is_served_in_gdbs_svr4_format() {
    let _deadline = fixtures::deadline("libraries-svr4", 60);
    let program = fixture("nested");
    let server = Server::once(&[&program]);
    let mut raw = common::Raw::connect(&server.address());
    assert!(raw
        .ask("qSupported:xmlRegisters=i386")
        .unwrap()
        .contains("qXfer:libraries-svr4:read+"));
    // Run to main: the start-up libraries are loaded then.
    let pid = tracee_pid(&server.stderr());
    let main = fixtures::runtime_address(i32::try_from(pid).unwrap(), "nested", "main");
    assert_eq!(raw.ask(&format!("Z0,{main:x},1")).as_deref(), Some("OK"));
    let stop = raw.ask("vCont;c").unwrap();
    assert!(stop.starts_with('T'), "{stop}");
    // `m`: part of the document (the client reads on until an empty `l`); replies may be
    // run-length encoded (`0x7f* 7...`).
    let list = raw.ask("qXfer:libraries-svr4:read::0,ffff").unwrap();
    assert!(
        list.starts_with("m<library-list-svr4 version=\"1.0\" main-lm=\"0x"),
        "{list}"
    );
    assert!(list.contains("libc.so.6\" lm=\"0x"), "{list}");
    assert!(
        list.contains(" l_addr=\"0x7f") && list.contains(" l_ld=\"0x7f"),
        "{list}"
    );
    assert!(list.contains(" lmid=\"0x"), "{list}");
    assert!(list.ends_with("</library-list-svr4>"), "{list}");
}

/// On a processor with AVX, gdb builds `$ymm0`... from the SSE registers and the upper halves
/// the server describes; a write goes to the thread's XSAVE area and stays there.
#[test]
fn avx_registers_read_and_write_as_through_gdbserver() {
    let _deadline = fixtures::deadline("avx_registers_read_and_write_as_through_gdbserver", 120);
    assert!(
        std::arch::is_x86_feature_detected!("avx"),
        "this test needs a processor with AVX (every x86-64 machine CI runs on has it)"
    );
    let program = fixture("nested");
    let commands = [
        "break leaf",
        "continue",
        "p sizeof($ymm0)",
        "set var $ymm0.v8_int32 = {1, 2, 3, 4, 5, 6, 7, 8}",
        "set var $ymm15.v4_int64 = {-1, 0x1234, 0, 0x7fffffffffffffff}",
        "p $ymm0.v8_int32",
        "stepi",
        "p $ymm0.v8_int32",
        "p/x $ymm15.v4_int64",
        "p $xmm15.v2_int64",
        "kill",
    ];
    let printed = |text: &str| -> Vec<String> {
        normalize(text)
            .lines()
            .filter(|line| line.starts_with('$'))
            .map(str::to_string)
            .collect()
    };
    let (ours, ours_err, _) = session(Server::once(&[&program]), &commands);
    let (theirs, _, _) = session(Server::reference(&[&program]), &commands);
    assert_eq!(
        printed(&ours),
        printed(&theirs),
        "\n{ours}{ours_err}\n---\n{theirs}"
    );
    assert_eq!(
        printed(&ours),
        [
            "$1 = 32",
            "$2 = {1, 2, 3, 4, 5, 6, 7, 8}",
            "$3 = {1, 2, 3, 4, 5, 6, 7, 8}",
            // Long hex numbers are normalized (addresses differ between runs).
            "$4 = {0xN, 0x1234, 0x0, 0xN}",
            "$5 = {-1, 4660}",
        ],
        "\n{ours}{ours_err}"
    );
}

/// SIGUSR1 stop replies (`T1e`: gdb numbers it 30) in gdb's log of the packets
/// (`set debug remote 1`, on stderr).
fn sigusr1_stops(log: &str) -> usize {
    log.lines()
        .filter(|line| line.contains("Packet received: T1e"))
        .count()
}

/// Whether gdb's log shows a `QPassSignals` with SIGUSR1 in it, answered `OK`.
fn passes_sigusr1(log: &str) -> bool {
    let mut lines = log.lines();
    while let Some(line) = lines.next() {
        let Some(list) = line
            .split("Sending packet: $QPassSignals:")
            .nth(1)
            .and_then(|rest| rest.split('#').next())
        else {
            continue;
        };
        if list.split(';').any(|number| number == "1e") {
            let reply = lines.find(|line| line.contains("Packet received:"));
            return reply.is_some_and(|line| line.trim_end().ends_with("Packet received: OK"));
        }
    }
    false
}

/// `handle SIGUSR1 nostop noprint pass`: we offer `QPassSignals`, gdb sends it with SIGUSR1
/// in the set, and the server delivers the program's 1000 SIGUSR1s without reporting one stop
/// — as Debian's gdbserver does, with the same transcript, program output and exit status.
/// The control: with the packet turned off in gdb the same log counts all 1000 stops.
#[test]
fn passed_signals_are_delivered_without_a_stop_as_through_gdbserver() {
    let _deadline = fixtures::deadline("passed_signals_are_delivered_without_a_stop", 180);
    let program = fixture("sigusr_loop");
    let run = |server: Server, packet: bool| {
        // `handle` sends the set at once: the log and the switch come first.
        let mut commands = vec!["set debug remote 1"];
        if !packet {
            commands.push("set remote pass-signals-packet off");
        }
        commands.extend(["handle SIGUSR1 nostop noprint pass", "continue"]);
        let (stdout, log) = gdb(&server.address(), &commands);
        let (status, tracee_out, server_err) = server.wait();
        let what = format!("--- gdb ---\n{stdout}\n--- server ---\n{server_err}");
        assert!(status.success(), "server ended with {status}\n{what}");
        (stdout, log, tracee_out, what)
    };
    let (ours, ours_log, ours_out, ours_what) = run(Server::once(&[&program, "1000"]), true);
    let (theirs, theirs_log, theirs_out, theirs_what) =
        run(Server::reference(&[&program, "1000"]), true);
    assert_eq!(
        normalize(&ours),
        normalize(&theirs),
        "\n--- ours ---\n{ours_what}\n--- gdbserver ---\n{theirs_what}"
    );
    assert_has(&ours, &["exited normally]"]);
    assert_eq!(ours_out, "handled 1000 of 1000\n", "{ours_what}");
    assert_eq!(ours_out, theirs_out);
    for (name, log, what) in [
        ("ours", &ours_log, &ours_what),
        ("gdbserver", &theirs_log, &theirs_what),
    ] {
        assert!(
            passes_sigusr1(log),
            "{name}: no QPassSignals with 1e answered OK\n{what}"
        );
        assert_eq!(
            sigusr1_stops(log),
            0,
            "{name} reported SIGUSR1 stops\n{what}"
        );
    }
    let (plain, plain_log, plain_out, plain_what) = run(Server::once(&[&program, "1000"]), false);
    assert_eq!(normalize(&plain), normalize(&ours), "{plain_what}");
    assert_eq!(plain_out, "handled 1000 of 1000\n", "{plain_what}");
    assert!(!passes_sigusr1(&plain_log), "{plain_what}");
    assert_eq!(sigusr1_stops(&plain_log), 1000, "{plain_what}");
}
