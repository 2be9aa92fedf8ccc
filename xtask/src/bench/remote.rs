//! Rows z., A. and B. (issue 15): the same gdb client, in batch mode, through the gdb remote
//! protocol against `dbg-cli gdbserver` and against Debian's `gdbserver`. z.: a session of
//! `stepi 20000`; A.: a session of 20,000 ignored hits of a breakpoint; each timed from the
//! server's start (it launches the program) to its exit after gdb's `kill`. B.: the server's
//! own peak memory, `VmHWM` of its process read by the client (`shell grep VmHWM
//! /proc/PID/status`) after the work and before the kill: the tracee is a process of its own
//! and is never counted. The two sessions are the [`Session`] values below.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::report::{at_most_cells, failed, one_line};
use super::tools::Tools;
use super::{Measured, NOT_SELECTED, RUNS};
use crate::rusage::RunUsage;
use crate::workspace::{quote, Workspace};

/// Instructions z. steps.
pub const REMOTE_STEPS: u64 = 20_000;
/// Breakpoint hits A. ignores; the program calls the function once more, where it stops.
pub const REMOTE_HITS: u64 = 20_000;
/// How long a server may take to exit after gdb's `kill` before it is killed and its
/// session fails.
const SERVER_EXIT_DEADLINE: Duration = Duration::from_secs(30);
/// What the time goal of z. and A. is: at least 1.2× faster, so at most 1/1.2 of the time.
const TIME_GOAL: f64 = 0.83;
/// The goal of B.: no more peak memory than gdbserver.
const PEAK_GOAL: f64 = 1.0;

/// What gdb does through the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// z.: `stepi 20000` on `busy` from its first instruction, then `print $pc`.
    Steps,
    /// A.: `break target_fn`, `ignore 1 20000`, `continue` on `bp_loop 20001`, which stops
    /// at the 20,001st call; then `info breakpoints`.
    Hits,
}

impl Session {
    /// The row this session's wall time is.
    pub fn letter(self) -> char {
        match self {
            Session::Steps => 'z',
            Session::Hits => 'A',
        }
    }

    /// The program the server launches, and its arguments.
    fn program(self, tools: &Tools) -> (&Path, Vec<OsString>) {
        match self {
            Session::Steps => (&tools.busy, Vec::new()),
            Session::Hits => (&tools.bp_loop, vec![(REMOTE_HITS + 1).to_string().into()]),
        }
    }

    /// gdb's commands between the connection and the memory reading.
    fn commands(self) -> Vec<String> {
        match self {
            Session::Steps => vec![format!("stepi {REMOTE_STEPS}"), "print $pc".into()],
            Session::Hits => vec![
                "break target_fn".into(),
                format!("ignore 1 {REMOTE_HITS}"),
                "continue".into(),
                "info breakpoints".into(),
            ],
        }
    }

    /// The whole gdb command line for a server on `port` whose process is `pid`: the local
    /// files are read locally (`set sysroot /` and the program as gdb's file), so that
    /// neither server is asked to transfer them (Debian's gdbserver can, ours cannot).
    fn gdb_args(self, tools: &Tools, port: u16, pid: u32) -> Vec<OsString> {
        let mut commands = vec!["set sysroot /".to_string()];
        commands.push(format!("target remote 127.0.0.1:{port}"));
        commands.extend(self.commands());
        commands.push(format!("shell grep VmHWM /proc/{pid}/status"));
        commands.push("kill".into());
        let mut args: Vec<OsString> = vec!["-nx".into(), "-batch".into()];
        for command in commands {
            args.extend(["-ex".into(), command.into()]);
        }
        args.push(self.program(tools).0.into());
        args
    }

    /// What is wrong with gdb's output of one session, if anything; else the server's
    /// `VmHWM` in KiB and, for [`Session::Steps`], what `print $pc` printed (the servers
    /// must agree on where 20,000 steps end).
    pub fn check(self, output: &str) -> Result<(u64, Option<String>), String> {
        let last = || {
            output
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .to_string()
        };
        let pc = match self {
            Session::Steps => {
                if output.contains("exited") {
                    return Err(format!(
                        "the program ended before {REMOTE_STEPS} steps (last line: {})",
                        last()
                    ));
                }
                // Not always at a line's start: a step that ends inside a source line prints
                // the address first, with the line's text on stderr (`0x...\t$1 = ...`).
                let Some(pc) = output
                    .lines()
                    .find_map(|line| line.split_once("$1 = "))
                    .map(|(_, pc)| pc.to_string())
                else {
                    return Err(format!("gdb printed no `$1 = ` pc (last line: {})", last()));
                };
                Some(pc)
            }
            Session::Hits => {
                let counted = format!("breakpoint already hit {} times", REMOTE_HITS + 1);
                if !output
                    .lines()
                    .any(|line| line.starts_with("Breakpoint 1, target_fn"))
                {
                    return Err(format!(
                        "gdb did not stop at `Breakpoint 1, target_fn` (last line: {})",
                        last()
                    ));
                }
                if !output.contains(&counted) {
                    return Err(format!("`info breakpoints` did not say `{counted}`"));
                }
                None
            }
        };
        let peak = output
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<u64>().ok())
            .ok_or_else(|| {
                format!(
                    "no `VmHWM: N kB` line: the server was gone before the kill (last \
                     line: {})",
                    last()
                )
            })?;
        if !output.contains("killed]") {
            return Err(format!(
                "gdb did not kill the program (last line: {})",
                last()
            ));
        }
        Ok((peak, pc))
    }
}

/// The medians of one server's runs of one session.
#[derive(Debug)]
pub struct SessionMedians {
    /// The session's median wall time and the server's median `VmHWM`.
    pub usage: RunUsage,
    /// What `print $pc` printed after the steps (z.).
    pub pc: Option<String>,
}

/// One session through each server.
#[derive(Debug)]
pub struct ServerPair {
    pub dbg: Measured<SessionMedians>,
    /// `None` when gdbserver is not installed.
    pub gdbserver: Option<Measured<SessionMedians>>,
}

impl ServerPair {
    /// Why z.'s dbg figure does not stand for 20,000 steps, if it does not: the two servers
    /// must end at the same pc.
    pub fn invalid(&self) -> Option<String> {
        match (&self.dbg, &self.gdbserver) {
            (Ok(dbg), Some(Ok(reference))) if dbg.pc != reference.pc => Some(format!(
                "after {REMOTE_STEPS} steps gdb shows `$1 = {}` through dbg-cli gdbserver but \
                 `$1 = {}` through gdbserver",
                dbg.pc.as_deref().unwrap_or("?"),
                reference.pc.as_deref().unwrap_or("?")
            )),
            _ => None,
        }
    }
}

/// Rows z., A. and B.
#[derive(Debug)]
pub struct RemoteRuns {
    /// z.'s sessions ([`NOT_SELECTED`] when neither z. nor B. is).
    pub steps: Measured<ServerPair>,
    /// A.'s sessions ([`NOT_SELECTED`] when neither A. nor B. is).
    pub hits: Measured<ServerPair>,
}

impl RemoteRuns {
    /// Whether every selected row (z., A., B.) was measured validly.
    pub fn valid(&self, rows: &super::Rows) -> bool {
        let pair_valid = |pair: &Measured<ServerPair>| {
            pair.as_ref().is_ok_and(|pair| {
                pair.dbg.is_ok()
                    && pair.gdbserver.as_ref().is_none_or(Result::is_ok)
                    && pair.invalid().is_none()
            })
        };
        (!rows.has("zB") || pair_valid(&self.steps)) && (!rows.has("AB") || pair_valid(&self.hits))
    }
}

/// A server: ours or the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Dbg,
    Reference,
}

impl Workspace {
    /// z., A. and B.: [`RUNS`] interleaved runs of each selected session (z. for z. and B.,
    /// A. for A. and B.) through each server, and the medians. A server whose session fails
    /// or does not do its work is not run again in that session, and its figures say why.
    /// `None` when gdb, the client, is not installed.
    pub fn measure_remote(
        &self,
        tools: &Tools,
        rows: &super::Rows,
    ) -> Measured<Option<RemoteRuns>> {
        let Some(gdb) = &tools.gdb else {
            return Ok(None);
        };
        let mut servers = vec![Server::Dbg];
        if tools.gdbserver.is_some() {
            servers.push(Server::Reference);
        } else {
            println!(
                "xtask: `gdbserver` is not in PATH: z., A. and B. measure dbg-cli gdbserver \
                 alone (install it with `apt-get install gdbserver`)"
            );
        }
        let sessions: Vec<Session> = [(Session::Steps, "zB"), (Session::Hits, "AB")]
            .into_iter()
            .filter(|(_, letters)| rows.has(letters))
            .map(|(session, _)| session)
            .collect();
        type Runs = Measured<Vec<(RunUsage, Option<String>)>>;
        let mut runs: Vec<(Session, Server, Runs)> = sessions
            .iter()
            .flat_map(|session| {
                servers
                    .iter()
                    .map(|server| (*session, *server, Ok(Vec::new())))
            })
            .collect();
        for run in 1..=RUNS {
            for (session, server, measured) in runs.iter_mut() {
                let Ok(usages) = measured else { continue };
                let name = self.server_name(*server);
                match self.remote_session(tools, gdb, *server, *session, run == 1) {
                    Ok((usage, pc)) => {
                        println!(
                            "run {run}/{RUNS} {}. {name}: {:.3} s, server VmHWM {}",
                            session.letter(),
                            usage.wall.as_secs_f64(),
                            usage.peak_shown()
                        );
                        usages.push((usage, pc));
                    }
                    Err(e) => {
                        println!("xtask: {}. {name}: {e}", session.letter());
                        *measured = Err(e);
                    }
                }
            }
        }
        let pair = |wanted: Session| -> Measured<ServerPair> {
            if !sessions.contains(&wanted) {
                return Err(NOT_SELECTED.into());
            }
            let medians = |server: Server| {
                runs.iter()
                    .find(|(session, of, _)| *session == wanted && *of == server)
                    .map(|(_, _, measured)| session_medians(measured))
            };
            Ok(ServerPair {
                dbg: medians(Server::Dbg)
                    .unwrap_or_else(|| Err("dbg-cli gdbserver was not run".into())),
                gdbserver: medians(Server::Reference),
            })
        };
        Ok(Some(RemoteRuns {
            steps: pair(Session::Steps),
            hits: pair(Session::Hits),
        }))
    }

    /// How a server is named in the progress lines.
    fn server_name(&self, server: Server) -> &'static str {
        match server {
            Server::Dbg => "dbg-cli gdbserver",
            Server::Reference => "gdbserver",
        }
    }

    /// One session: start the server on a free port (`--once 127.0.0.1:0 PROGRAM ARGS`),
    /// wait for `Listening on port N`, run gdb against it, and wait for the server to exit.
    /// The wall time from the server's start to its exit, the server's `VmHWM` as gdb read
    /// it, and the pc for z.; with `echo`, the command lines are printed first.
    fn remote_session(
        &self,
        tools: &Tools,
        gdb: &Path,
        server: Server,
        session: Session,
        echo: bool,
    ) -> Measured<(RunUsage, Option<String>)> {
        let (program, program_args) = session.program(tools);
        let mut command = match (server, &tools.gdbserver) {
            (Server::Dbg, _) => {
                let mut command = Command::new(&tools.dbg);
                command.arg("gdbserver");
                command
            }
            (Server::Reference, Some(gdbserver)) => {
                // Ours execs the program itself; gdbserver would start it through `/bin/sh`,
                // which changes its environment (so where 20,000 steps of ld.so end) and
                // costs an exec more.
                let mut command = Command::new(gdbserver);
                command.arg("--no-startup-with-shell");
                command
            }
            (Server::Reference, None) => return Err("gdbserver is not installed".into()),
        };
        command
            .args(["--once", "127.0.0.1:0"])
            .arg(program)
            .args(program_args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let line = self.shell_line(&command);
        if echo {
            println!("$ {line} &");
        }
        let start = Instant::now();
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run `{line}`: {e}"))?;
        let result = self.serve_gdb(tools, gdb, session, &mut child, &line, echo, start);
        if result.is_err() {
            // A server left running would hold the port and the tracee.
            let _ = child.kill();
            let _ = child.wait();
        }
        result
    }

    /// The part of [`Workspace::remote_session`] once the server runs.
    #[allow(clippy::too_many_arguments)]
    fn serve_gdb(
        &self,
        tools: &Tools,
        gdb: &Path,
        session: Session,
        child: &mut Child,
        line: &str,
        echo: bool,
        start: Instant,
    ) -> Measured<(RunUsage, Option<String>)> {
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| format!("`{line}`: no pipe for its stderr"))?;
        let mut stderr = BufReader::new(stderr);
        let mut said = String::new();
        let port = loop {
            let mut text = String::new();
            let read = stderr
                .read_line(&mut text)
                .map_err(|e| format!("`{line}`: cannot read its stderr: {e}"))?;
            if read == 0 {
                return Err(format!(
                    "`{line}` ended before listening: {}",
                    one_line(&said)
                ));
            }
            said.push_str(&text);
            if let Some(port) = text.trim().strip_prefix("Listening on port ") {
                break port
                    .parse::<u16>()
                    .map_err(|e| format!("`{line}`: a bad port in `{}`: {e}", text.trim()))?;
            }
        };
        // The rest of the server's stderr, read so that it never blocks on a full pipe.
        let drain = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            rest
        });
        let mut client = Command::new(gdb);
        client
            .args(session.gdb_args(tools, port, child.id()))
            .current_dir(&self.root)
            .stdin(Stdio::null());
        let client_line = self.shell_line(&client);
        if echo {
            println!("$ {client_line}");
        }
        let output = client
            .output()
            .map_err(|e| format!("cannot run `{client_line}`: {e}"))?;
        let status =
            wait_for_exit(child, SERVER_EXIT_DEADLINE).map_err(|e| format!("`{line}`: {e}"))?;
        let wall = start.elapsed();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            return Err(format!(
                "gdb failed ({}): {}",
                output.status,
                one_line(&text)
            ));
        }
        let rest = drain.join().unwrap_or_default();
        if !status.success() {
            return Err(format!(
                "the server ended with {status}: {}",
                one_line(&format!("{said}{rest}"))
            ));
        }
        let (peak_kib, pc) = session.check(&text)?;
        Ok((RunUsage { wall, peak_kib }, pc))
    }
}

/// Wait for `child` to exit, for at most `deadline`; then kill it and say so. (std has no
/// wait with a timeout: this polls every millisecond, which bounds the error of the timed
/// session's end.)
fn wait_for_exit(child: &mut Child, deadline: Duration) -> Result<ExitStatus, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running {} s after gdb ended: killed",
                    deadline.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    }
}

/// The median wall time, median `VmHWM` and first pc of one server's runs of a session.
fn session_medians(runs: &Measured<Vec<(RunUsage, Option<String>)>>) -> Measured<SessionMedians> {
    let runs = runs.as_ref().map_err(Clone::clone)?;
    let usages: Vec<RunUsage> = runs.iter().map(|(usage, _)| *usage).collect();
    Ok(SessionMedians {
        usage: RunUsage::median(&usages),
        pc: runs.first().and_then(|(_, pc)| pc.clone()),
    })
}

/// The section heading.
pub const HEADING: &str = "z., A. and B. the same gdb client through `dbg-cli gdbserver` and \
                           through `gdbserver`: `stepi 20000`, 20,000 ignored breakpoint hits, \
                           the server's peak memory";

/// Rows z., A. and B. and their notes.
pub fn render(
    remote: &Measured<Option<RemoteRuns>>,
    rows: &mut Vec<[String; 6]>,
    notes: &mut Vec<String>,
) {
    let time_goal = format!("≤ {TIME_GOAL}× gdbserver (≥ 1.2× faster)");
    let peak_goal = format!("≤ {PEAK_GOAL}× gdbserver");
    let measures = [
        (
            'z',
            format!(
                "z. `gdb -batch -ex \"target remote HOST:PORT\" -ex \"stepi {REMOTE_STEPS}\" \
                 ... busy` through `dbg-cli gdbserver` against through `gdbserver`, session \
                 wall time"
            ),
            time_goal.clone(),
        ),
        (
            'A',
            format!(
                "A. the same with `break target_fn`, `ignore 1 {REMOTE_HITS}`, `continue` \
                 (`bp_loop {}`: {REMOTE_HITS} ignored hits, then a stop), session wall time",
                REMOTE_HITS + 1
            ),
            time_goal,
        ),
        (
            'B',
            "B. the server's peak memory (`VmHWM` of its process, the larger of z.'s and A.'s \
             medians)"
                .to_string(),
            peak_goal,
        ),
    ];
    let runs = match remote {
        Ok(Some(runs)) => runs,
        Ok(None) => {
            for (_, measure, goal) in measures {
                rows.push([
                    measure,
                    "skipped: gdb (the client) not installed".into(),
                    "—".into(),
                    "—".into(),
                    goal,
                    "not checked".into(),
                ]);
            }
            return;
        }
        Err(e) => {
            for (_, measure, goal) in measures {
                rows.push([
                    measure,
                    failed(e),
                    "—".into(),
                    "—".into(),
                    goal,
                    "no".into(),
                ]);
            }
            return;
        }
    };
    let wall_shown =
        |medians: &SessionMedians| format!("{:.3} s", medians.usage.wall.as_secs_f64());
    for ((letter, measure, goal), pair) in measures.iter().zip([&runs.steps, &runs.hits]) {
        let pair = match pair {
            Ok(pair) => pair,
            Err(e) => {
                rows.push([
                    measure.clone(),
                    failed(e),
                    "—".into(),
                    "—".into(),
                    goal.clone(),
                    "no".into(),
                ]);
                continue;
            }
        };
        let invalid = pair.invalid();
        let dbg = match (&pair.dbg, &invalid) {
            (Err(e), _) => failed(e),
            (Ok(_), Some(why)) => {
                notes.push(format!("{letter}. dbg is not measured: {}", one_line(why)));
                "invalid (see below)".into()
            }
            (Ok(medians), None) => wall_shown(medians),
        };
        let reference = pair.gdbserver.as_ref().map(|reference| {
            reference
                .as_ref()
                .ok()
                .map(|medians| (medians.usage.wall.as_secs_f64(), wall_shown(medians)))
        });
        let dbg_figure = match (&pair.dbg, &invalid) {
            (Ok(medians), None) => Some(medians.usage.wall.as_secs_f64()),
            _ => None,
        };
        let [reference, ratio, met] = at_most_cells("gdbserver", dbg_figure, reference, TIME_GOAL);
        rows.push([measure.clone(), dbg, reference, ratio, goal.clone(), met]);
        for (name, medians) in [
            ("dbg", Some(&pair.dbg)),
            ("gdbserver", pair.gdbserver.as_ref()),
        ] {
            match medians {
                Some(Ok(medians)) => notes.push(format!(
                    "{letter}. {name}: median of {RUNS} sessions: {:.3} s, server VmHWM {}{}",
                    medians.usage.wall.as_secs_f64(),
                    medians.usage.peak_shown(),
                    medians
                        .pc
                        .as_ref()
                        .map(|pc| format!(", then `print $pc`: {pc}"))
                        .unwrap_or_default()
                )),
                Some(Err(why)) if name == "gdbserver" => notes.push(format!(
                    "{letter}. gdbserver is not measured: {}",
                    one_line(why)
                )),
                _ => {}
            }
        }
    }
    render_peak(runs, &measures[2], rows, notes);
}

/// Row B.: each server's peak, the larger of its median `VmHWM` in z.'s and A.'s sessions
/// (those measured).
fn render_peak(
    runs: &RemoteRuns,
    (_, measure, goal): &(char, String, String),
    rows: &mut Vec<[String; 6]>,
    notes: &mut Vec<String>,
) {
    let pairs: Vec<&ServerPair> = [&runs.steps, &runs.hits]
        .into_iter()
        .filter_map(|pair| pair.as_ref().ok())
        .collect();
    let selected_failed = [&runs.steps, &runs.hits]
        .into_iter()
        .find_map(|pair| pair.as_ref().err().filter(|e| *e != NOT_SELECTED));
    if let Some(e) = selected_failed {
        rows.push([
            measure.clone(),
            failed(e),
            "—".into(),
            "—".into(),
            goal.clone(),
            "no".into(),
        ]);
        return;
    }
    let peak = |of: &dyn Fn(&ServerPair) -> Option<&Measured<SessionMedians>>| {
        let mut peaks = Vec::new();
        for pair in &pairs {
            match of(pair) {
                Some(Ok(medians)) => peaks.push(medians.usage.peak_kib),
                Some(Err(e)) => return Some(Err(e.clone())),
                None => return None,
            }
        }
        Some(Ok(peaks.into_iter().max().unwrap_or_default()))
    };
    let dbg = peak(&|pair| Some(&pair.dbg)).unwrap_or_else(|| Err("not run".into()));
    let reference = peak(&|pair| pair.gdbserver.as_ref());
    let shown = |kib: u64| {
        RunUsage {
            wall: Duration::ZERO,
            peak_kib: kib,
        }
        .peak_shown()
    };
    let mb = |kib: u64| (kib * 1024) as f64 / 1e6;
    let cell = match &dbg {
        Ok(kib) => shown(*kib),
        Err(e) => failed(e),
    };
    let [reference, ratio, met] = at_most_cells(
        "gdbserver",
        dbg.as_ref().ok().map(|kib| mb(*kib)),
        reference.map(|peak| peak.ok().map(|kib| (mb(kib), shown(kib)))),
        PEAK_GOAL,
    );
    rows.push([measure.clone(), cell, reference, ratio, goal.clone(), met]);
    notes.push(format!(
        "z. each session: the server started as `dbg-cli gdbserver --once 127.0.0.1:0 PROGRAM \
         ARGS` (which becomes dbg-gdbserver, same process) or `gdbserver \
         --no-startup-with-shell --once 127.0.0.1:0 PROGRAM ARGS` (both exec the program \
         directly, with the same environment), then `gdb -nx -batch -ex \"set sysroot /\" -ex \"target remote \
         127.0.0.1:PORT\" COMMANDS -ex \"shell grep VmHWM /proc/SERVER_PID/status\" -ex kill \
         PROGRAM`, timed from the server's start (it launches the program) to its exit. gdb \
         reads the program and its libraries from the local files (`set sysroot /`): Debian's \
         gdbserver could serve them over the protocol, ours cannot, and neither is asked to. \
         z.'s COMMANDS are `{}` on `busy` from its first instruction, and both servers must \
         end at the same pc; A.'s are `{}` on `bp_loop {}`, and `info breakpoints` must say \
         `already hit {} times`: gdb itself counts the ignored hits, so each is a stop \
         reported to it",
        shown_commands(Session::Steps).trim_end(),
        shown_commands(Session::Hits).trim_end(),
        REMOTE_HITS + 1,
        REMOTE_HITS + 1
    ));
    notes.push(
        "B. `VmHWM` of the server's own process (after the exec, for dbg-cli gdbserver), read \
         once the work is done and before the kill: the tracee is another process and is not \
         counted"
            .to_string(),
    );
}

/// A session's commands as they follow `-ex` on a command line: `-ex "stepi 20000" `.
fn shown_commands(session: Session) -> String {
    session
        .commands()
        .iter()
        .map(|command| format!("-ex {} ", quote(command)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steps_session_yields_the_server_peak_and_the_pc() {
        let output = "0x00007ffff7fe4b70 in _start () from /lib64/ld-linux-x86-64.so.2\n\
                      $1 = (void (*)()) 0x7ffff7fdf548 <update_active+984>\n\
                      VmHWM:\t    5036 kB\n\
                      [Inferior 1 (process 25247) killed]\n";
        assert_eq!(
            Session::Steps.check(output),
            Ok((
                5036,
                Some("(void (*)()) 0x7ffff7fdf548 <update_active+984>".to_string())
            ))
        );
        let mid_line = output.replace("$1 = ", "0x00007ffff7fdda7e\t$1 = ");
        assert_eq!(
            Session::Steps.check(&mid_line).map(|(_, pc)| pc),
            Ok(Some(
                "(void (*)()) 0x7ffff7fdf548 <update_active+984>".to_string()
            ))
        );
        let exited = output.replace("killed]", "exited normally]");
        assert!(Session::Steps
            .check(&exited)
            .unwrap_err()
            .contains("ended before"));
        let gone = output.replace(
            "VmHWM:\t    5036 kB\n",
            "grep: /proc/1/status: No such file\n",
        );
        assert!(Session::Steps
            .check(&gone)
            .unwrap_err()
            .contains("no `VmHWM"));
        assert_eq!(
            shown_commands(Session::Steps),
            "-ex \"stepi 20000\" -ex 'print $pc' "
        );
    }

    #[test]
    fn a_hits_session_must_stop_after_every_ignored_hit() {
        let output = "Breakpoint 1 at 0x555555555191: file bp_loop.c, line 12.\n\n\
                      Breakpoint 1, target_fn (i=20000) at bp_loop.c:12\n\
                      \tbreakpoint already hit 20001 times\n\
                      VmHWM:\t    4152 kB\n\
                      [Inferior 1 (process 19990) killed]\n";
        assert_eq!(Session::Hits.check(output), Ok((4152, None)));
        let fewer = output.replace("20001 times", "2 times");
        assert!(Session::Hits
            .check(&fewer)
            .unwrap_err()
            .contains("already hit 20001 times"));
        let ran = "calls 20001 total 1\n[Inferior 1 (process 8) exited normally]\n";
        assert!(Session::Hits
            .check(ran)
            .unwrap_err()
            .contains("did not stop"));
    }

    #[test]
    fn servers_that_end_at_different_pcs_make_the_steps_invalid() {
        let medians = |pc: &str| {
            Ok(SessionMedians {
                usage: RunUsage {
                    wall: Duration::from_secs(1),
                    peak_kib: 1,
                },
                pc: Some(pc.to_string()),
            })
        };
        let pair = ServerPair {
            dbg: medians("0x1"),
            gdbserver: Some(medians("0x1")),
        };
        assert_eq!(pair.invalid(), None);
        let pair = ServerPair {
            dbg: medians("0x1"),
            gdbserver: Some(medians("0x2")),
        };
        assert!(pair
            .invalid()
            .unwrap_or_default()
            .contains("`$1 = 0x2` through gdbserver"));
    }
}
