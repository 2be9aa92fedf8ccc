//! The protocol below gdb: Ctrl-C while the program runs, clients that vanish, and packets
//! gdb would never send. The server must answer each with a stop, a reply, an error or a
//! closed connection — never a panic, never a program left stopped with nobody to serve it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::{alive, fixture, Raw, Server, SERVER};

fn tracee_pid(server: &Server) -> u32 {
    let stderr = server.stderr();
    stderr
        .split("pid = ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|pid| pid.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in: {stderr}"))
}

/// Wait until process `pid` is running (not in a ptrace stop), by watching its state.
fn wait_until_running(pid: u32) {
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let state = stat.rsplit(')').next().unwrap().trim_start().chars().next();
        if state == Some('R') {
            return;
        }
        std::thread::yield_now();
    }
}

#[test]
fn ctrl_c_stops_the_running_program() {
    let _deadline = fixtures::deadline("ctrl_c_stops_the_running_program", 60);
    let server = Server::once(&[&fixture("spin")]);
    let pid = tracee_pid(&server);
    let mut raw = Raw::connect(&server.address());
    assert!(raw.ask("?").unwrap().starts_with("T05"));
    // A Ctrl-C right behind the resume packet, before the program even runs.
    raw.send("vCont;c");
    raw.send_bytes(&[0x03]);
    let stop = raw.reply().unwrap();
    assert!(stop.starts_with("T02"), "{stop}");
    // And one while it runs.
    raw.send("vCont;c");
    wait_until_running(pid);
    raw.send_bytes(&[0x03]);
    let stop = raw.reply().unwrap();
    assert!(stop.starts_with("T02"), "{stop}");
    assert_eq!(raw.ask("k").as_deref(), Some("OK"));
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
    assert!(!alive(pid));
}

#[test]
fn a_vanished_client_with_once_kills_the_program() {
    let _deadline = fixtures::deadline("a_vanished_client_with_once_kills_the_program", 60);
    let server = Server::once(&[&fixture("spin")]);
    let pid = tracee_pid(&server);
    let mut raw = Raw::connect(&server.address());
    raw.send("vCont;c");
    wait_until_running(pid);
    drop(raw);
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
    assert!(!alive(pid), "{stderr}");
}

#[test]
fn a_vanished_client_leaves_the_program_to_the_next() {
    let _deadline = fixtures::deadline("a_vanished_client_leaves_the_program_to_the_next", 60);
    let server = Server::start_with(SERVER, &["127.0.0.1:0", &fixture("spin")]);
    let pid = tracee_pid(&server);
    let mut first = Raw::connect(&server.address());
    first.send("vCont;c");
    wait_until_running(pid);
    drop(first);
    let mut second = Raw::connect(&server.address());
    let stop = second.ask("?").unwrap();
    assert!(stop.starts_with("T05"), "{stop}");
    assert!(alive(pid));
    assert_eq!(second.ask("k").as_deref(), Some("OK"));
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("GDBserver will reopen the connection"),
        "{stderr}"
    );
    assert!(!alive(pid));
}

#[test]
fn garbage_gets_errors_or_a_closed_connection_never_a_panic() {
    let _deadline = fixtures::deadline("garbage_gets_errors_or_a_closed_connection", 120);
    let server = Server::start_with(SERVER, &["127.0.0.1:0", &fixture("nested")]);
    let pid = tracee_pid(&server);
    let long = format!("${}#00", "m".repeat(40_000));
    let hostile: Vec<Vec<u8>> = [
        "m zz,4",
        "mffffffffffffffff,10000000",
        "m0,ffffffffffffffffff",
        "Mffffffffffffffff,2:0000",
        "X0,4:abcd",
        "Z0,0,1",
        "Z2,1,99",
        "Z4,ffffffffffffffff,8",
        "z0,1234,1",
        "p9999",
        "pffffffffffffffffff",
        "P10=zz",
        "P3b=00",
        "G00",
        "vCont;x",
        "vCont;s",
        "vCont;C99:7fffffff",
        "Hgp1.ffff",
        "g",
        "qXfer:features:read:target.xml:ffffffff,ffffffff",
        "qXfer:auxv:read::ffffffffffff,10",
        "QCatchSyscalls:1;zz",
        "T0",
        "vAttach;0",
        "vRun;",
        "vRun;2f6e6f6e6578697374656e74",
        "qRcmd,6869",
        "QDisableRandomization:7",
        "QPassSignals:1e;;zz",
        "QPassSignals:fff",
    ]
    .iter()
    .map(|body| {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        format!("${body}#{sum:02x}").into_bytes()
    })
    .chain([
        b"\x00\xff$$$###".to_vec(),
        b"$g#00".to_vec(),
        b"-".to_vec(),
        long.into_bytes(),
    ])
    .collect();
    let mut raw = Raw::connect(&server.address());
    for input in &hostile {
        raw.send_bytes(input);
        // Whatever became of it, the server answers `?` — on this connection, or on a new
        // one if it closed this one.
        loop {
            raw.send("?");
            match raw.reply() {
                Some(reply) if reply.starts_with('T') || reply.starts_with('W') => break,
                Some(_) => continue,
                None => raw = Raw::connect(&server.address()),
            }
        }
    }
    assert!(alive(pid), "{}", server.stderr());
    raw.send("k");
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!alive(pid));
}

#[test]
fn only_the_address_given_is_listened_on() {
    let _deadline = fixtures::deadline("only_the_address_given_is_listened_on", 60);
    let server = Server::once(&[&fixture("hello")]);
    let elsewhere = std::net::TcpStream::connect(("::1", server.port));
    assert!(elsewhere.is_err(), "the server answers on ::1 too");
    let mut raw = Raw::connect(&server.address());
    assert_eq!(raw.ask("k").as_deref(), Some("OK"));
    assert!(server.wait().0.success());
}

#[test]
fn bad_invocations_fail_with_a_reason_and_status_2() {
    let _deadline = fixtures::deadline("bad_invocations_fail_with_a_reason", 60);
    for (args, reason) in [
        (
            vec!["127.0.0.1:0", "/nonexistent/program"],
            "/nonexistent/program",
        ),
        (
            vec!["nohostport", &fixture("hello")],
            "bad address `nohostport`",
        ),
        (vec!["127.0.0.1:0", "--attach", "999999999"], "999999999"),
    ] {
        let output = std::process::Command::new(SERVER)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("dbg-gdbserver: "), "{stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// The CPUs a process may run on, as `/proc/PID/status` lists them.
fn cpus_allowed(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim()
        .to_string()
}

/// While the client steps, the tracee shares the server's CPU; it gets its own CPU set back
/// when the client continues, and when it detaches.
#[test]
fn stepping_pins_the_tracee_to_the_servers_cpu_and_continue_and_detach_restore_it() {
    let _deadline = fixtures::deadline("stepping affinity", 60);
    let server = Server::once(&[&fixture("spin")]);
    let pid = tracee_pid(&server);
    let free = cpus_allowed(pid);
    let mut raw = Raw::connect(&server.address());
    let step = format!("vCont;s:p{pid:x}.{pid:x}");
    for _ in 0..3 {
        let stop = raw.ask(&step).unwrap();
        assert!(stop.starts_with("T05"), "{stop}");
    }
    if std::thread::available_parallelism().map_or(1, usize::from) > 1 {
        assert_ne!(cpus_allowed(pid), free, "pinned while stepping");
    }
    // Continuing frees it: the program runs on its own CPU set until the Ctrl-C.
    raw.send("vCont;c");
    while cpus_allowed(pid) != free {
        std::thread::yield_now();
    }
    raw.send_bytes(&[0x03]);
    let stop = raw.reply().unwrap();
    assert!(stop.starts_with('T'), "{stop}");
    assert!(raw.ask(&step).unwrap().starts_with("T05"));
    // gdbstub replies before the server detaches: the CPU set comes back just after (the
    // deadline catches a set never restored).
    assert_eq!(raw.ask("D").as_deref(), Some("OK"));
    while cpus_allowed(pid) != free {
        std::thread::yield_now();
    }
    wait_until_running(pid);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The detached program held the server's output pipes: it is gone now.
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
}

/// `QPassSignals` (which the server offers): a signal in the set is delivered without a stop,
/// an empty set clears it, and a client that leaves takes its set with it — the next one
/// starts clean, as with gdbserver.
#[test]
fn passed_signals_hold_until_cleared_or_the_client_leaves() {
    let _deadline = fixtures::deadline("passed_signals_hold_until_cleared", 60);
    let server = Server::start_with(SERVER, &["127.0.0.1:0", &fixture("sigusr_loop"), "3"]);
    // gdbstub drops the signal of an action for every thread: name the thread, as gdb does.
    let deliver = format!("vCont;C1e:{:x}", tracee_pid(&server));
    let mut first = Raw::connect(&server.address());
    let supported = first.ask("qSupported:multiprocess+").unwrap();
    assert!(supported.ends_with(";QPassSignals+"), "{supported}");
    assert_eq!(first.ask("QPassSignals:1e;").as_deref(), Some("OK"));
    assert_eq!(first.ask("QPassSignals:").as_deref(), Some("OK"));
    let stop = first.ask("vCont;c").unwrap();
    assert!(stop.starts_with("T1e"), "cleared, SIGUSR1 stops: {stop}");
    assert_eq!(first.ask("QPassSignals:1e").as_deref(), Some("OK"));
    drop(first);
    let mut second = Raw::connect(&server.address());
    let stop = second.ask(&deliver).unwrap();
    assert!(
        stop.starts_with("T1e"),
        "the first client's set survived: {stop}"
    );
    assert_eq!(second.ask("QPassSignals:e;1e;").as_deref(), Some("OK"));
    let end = second.ask(&deliver);
    let (status, tracee_out, stderr) = server.wait();
    assert_eq!(end.as_deref(), Some("W00"), "{tracee_out}{stderr}");
    assert!(status.success(), "{stderr}");
    assert_eq!(tracee_out, "handled 3 of 3\n", "{stderr}");
}

/// A malformed `QPassSignals` list gets an error and the connection goes on; after
/// `QStartNoAckMode` the answer comes without an acknowledgement; one with a bad checksum is
/// treated as gdbstub treats every such packet (the connection ends).
#[test]
fn pass_signals_errors_acks_and_checksums() {
    let _deadline = fixtures::deadline("pass_signals_errors_acks_and_checksums", 60);
    let server = Server::once(&[&fixture("sigusr_loop"), "3"]);
    let pid = tracee_pid(&server);
    let mut raw = Raw::connect(&server.address());
    for list in ["zz", "1e;;", ";", "100"] {
        assert_eq!(
            raw.ask(&format!("QPassSignals:{list}")).as_deref(),
            Some("E01"),
            "{list}"
        );
    }
    assert!(raw.ask("?").unwrap().starts_with("T05"));
    assert_eq!(raw.ask("QStartNoAckMode").as_deref(), Some("OK"));
    raw.send("QPassSignals:1e");
    let mut answer = [0u8; 6];
    std::io::Read::read_exact(&mut raw.stream, &mut answer).unwrap();
    assert_eq!(&answer, b"$OK#9a");
    raw.send_bytes(b"$QPassSignals:1e#00");
    assert_eq!(raw.reply(), None);
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("closing the connection"), "{stderr}");
    assert!(!alive(pid));
}

/// gdb sends its set only when it changes, so the set holds for a program the extended-remote
/// client runs again (as gdbserver's does).
#[test]
fn passed_signals_hold_for_a_program_run_again() {
    let _deadline = fixtures::deadline("passed_signals_hold_for_a_program_run_again", 60);
    let server = Server::once(&[&fixture("sigusr_loop"), "3"]);
    let mut raw = Raw::connect(&server.address());
    assert_eq!(raw.ask("!").as_deref(), Some("OK"));
    assert_eq!(raw.ask("QPassSignals:1e").as_deref(), Some("OK"));
    // gdb kills the first process before `run`.
    let first = tracee_pid(&server);
    assert_eq!(raw.ask(&format!("vKill;{first:x}")).as_deref(), Some("OK"));
    let stop = raw.ask("vRun;").unwrap();
    assert!(stop.starts_with("T05"), "{stop}");
    assert_eq!(raw.ask("vCont;c").as_deref(), Some("W00"));
    drop(raw);
    let (status, tracee_out, stderr) = server.wait();
    assert!(status.success(), "{stderr}");
    assert_eq!(tracee_out, "handled 3 of 3\n", "{stderr}");
    assert_eq!(stderr.matches(" created; pid = ").count(), 2, "{stderr}");
}
