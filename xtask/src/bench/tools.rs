//! The programs the benchmark runs (dbg-cli, the trace example, the fixtures, python3, gdb,
//! gdbserver and strace when installed) and the arguments rows a. to v. give them (rows w.
//! to B. build theirs in [`super::libraries`] and [`super::remote`]).

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::libraries::PYTHON3;
use super::rates::{CLI_HITS, NEXT_SPIN_ITERATIONS, THREAD_HITS};
use super::symbols::{BigbinStop, BIGBIN_MAIN};
use crate::workspace::Workspace;

/// The programs the benchmark runs.
#[derive(Debug)]
pub struct Tools {
    pub dbg: PathBuf,
    pub busy: PathBuf,
    pub bp_loop: PathBuf,
    /// `target_fn` of `bp_loop` when it runs without ASLR, as dbg and gdb launch it.
    pub bp_addr: u64,
    pub watch_loop: PathBuf,
    /// `counter` of `watch_loop` when it runs without ASLR.
    pub watch_addr: u64,
    /// The strace-like example of dbg-process, built in release mode.
    pub trace: PathBuf,
    pub syscall_loop: PathBuf,
    /// A line whose loop runs without calls (E.).
    pub step_loop: PathBuf,
    /// The line of `step_loop.c` that calls `spin` (marked `the call line`).
    pub step_loop_call_line: usize,
    pub threads_bp: PathBuf,
    /// `target_fn` of `threads_bp` when it runs without ASLR.
    pub threads_addr: u64,
    /// The frame of 50 local variables that v. lists.
    pub locals50: PathBuf,
    /// The debug build of xtask/bigbin.
    pub bigbin: PathBuf,
    /// The Python interpreter w. and x. stop in, by its absolute path: `PATH` may find a shim
    /// first (pyenv's is a shell script).
    pub python3: PathBuf,
    /// The fixture that loads y.'s libraries with `dlopen`.
    pub dlopen_many: PathBuf,
    /// Where the bench builds the libraries `dlopen_many` loads.
    pub many_libraries: PathBuf,
    pub gdb: Option<PathBuf>,
    /// Debian's gdbserver, the reference of rows z., A. and B.
    pub gdbserver: Option<PathBuf>,
    pub strace: Option<PathBuf>,
}

impl Tools {
    /// Where the programs are once `bench` has built them; gdb, gdbserver and strace are
    /// looked up in `PATH`.
    pub fn locate(workspace: &Workspace) -> Tools {
        Tools {
            dbg: workspace.target.join("release").join("dbg-cli"),
            busy: fixtures::output_dir().join("busy"),
            bp_loop: fixtures::output_dir().join("bp_loop"),
            bp_addr: fixtures::PIE_BASE_WITHOUT_ASLR + fixtures::symbol("bp_loop", "target_fn"),
            watch_loop: fixtures::output_dir().join("watch_loop"),
            watch_addr: fixtures::PIE_BASE_WITHOUT_ASLR + fixtures::symbol("watch_loop", "counter"),
            trace: workspace
                .target
                .join("release")
                .join("examples")
                .join("trace"),
            syscall_loop: fixtures::output_dir().join("syscall_loop"),
            step_loop: fixtures::output_dir().join("step_loop"),
            step_loop_call_line: step_loop_call_line(),
            threads_bp: fixtures::output_dir().join("threads_bp"),
            threads_addr: fixtures::PIE_BASE_WITHOUT_ASLR
                + fixtures::symbol("threads_bp", "target_fn"),
            locals50: fixtures::output_dir().join("locals50"),
            bigbin: workspace.bigbin_target().join("debug").join("bigbin"),
            python3: PathBuf::from(PYTHON3),
            dlopen_many: fixtures::output_dir().join("dlopen_many"),
            many_libraries: workspace.target.join("bench-libraries"),
            gdb: find_program("gdb"),
            gdbserver: find_program("gdbserver"),
            strace: find_program("strace"),
        }
    }

    /// `dbg-cli` arguments: launch `busy` and step `steps` instructions.
    pub fn dbg_stepi(&self, steps: u64) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch", "-e", &format!("stepi {steps}")]);
        args.push(self.busy.clone().into());
        args
    }

    /// gdb arguments: start `busy` and step `steps` instructions.
    pub fn gdb_stepi(&self, steps: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex", "starti", "-ex"]);
        args.push(format!("stepi {steps}").into());
        args.push(self.busy.clone().into());
        args
    }

    /// `dbg-cli` arguments: run `bp_loop hits` to its end with a breakpoint at `target_fn`
    /// that ignores all `hits` hits; with `json`, in JSON mode and listing the breakpoints
    /// at the end.
    pub fn dbg_hits(&self, hits: u64, json: bool) -> Vec<OsString> {
        self.dbg_breakpoint_hits(Breakpoint::Software, hits, json)
    }

    /// [`Tools::dbg_hits`] with a software or a hardware breakpoint.
    pub fn dbg_breakpoint_hits(&self, kind: Breakpoint, hits: u64, json: bool) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        if json {
            args.push("--json".into());
        }
        let hardware = match kind {
            Breakpoint::Software => "",
            Breakpoint::Hardware => " --hardware",
        };
        args.extend(os_args([
            "-e",
            &format!(
                "breakpoint set {:#x}{hardware} --ignore {hits}",
                self.bp_addr
            ),
            "-e",
            "continue",
        ]));
        if json {
            args.extend(os_args(["-e", "breakpoint list"]));
        }
        args.push(self.bp_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// `dbg-cli` arguments: run `bp_loop hits` to its end with `breakpoint set target_fn
    /// --ignore HITS` (where gdb puts `break target_fn`: past the prologue); with `json`, in
    /// JSON mode and listing the breakpoints at the end.
    pub fn dbg_named_hits(&self, hits: u64, json: bool) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        if json {
            args.push("--json".into());
        }
        args.extend(os_args([
            "-e",
            &format!("breakpoint set target_fn --ignore {hits}"),
            "-e",
            "continue",
        ]));
        if json {
            args.extend(os_args(["-e", "breakpoint list"]));
        }
        args.push(self.bp_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_named_hits`] with `break target_fn`, `ignore 1
    /// N`, `run`.
    pub fn gdb_named_hits(&self, hits: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex", "break target_fn", "-ex"]);
        args.push(format!("ignore 1 {hits}").into());
        args.extend(os_args(["-ex", "run", "--args"]));
        args.push(self.bp_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_hits`] with `break *ADDR`, `ignore 1 N`, `run`.
    pub fn gdb_hits(&self, hits: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex"]);
        args.push(format!("break *{:#x}", self.bp_addr).into());
        args.push("-ex".into());
        args.push(format!("ignore 1 {hits}").into());
        args.extend(os_args(["-ex", "run", "--args"]));
        args.push(self.bp_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// `dbg-cli` arguments: run `bp_loop hits` to its end with `break target_fn if
    /// CONDITION`; the timed runs' [`FALSE_CONDITION`] is never true, so every hit is
    /// evaluated and passes. With `json`, in JSON mode, continuing once more (a true condition
    /// stops the program once) and listing the breakpoints at the end.
    pub fn dbg_conditional_hits(&self, hits: u64, condition: &str, json: bool) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        if json {
            args.push("--json".into());
        }
        args.extend(os_args([
            "-e",
            &format!("break target_fn if {condition}"),
            "-e",
            "continue",
        ]));
        if json {
            args.extend(os_args(["-e", "continue", "-e", "breakpoint list"]));
        }
        args.push(self.bp_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_conditional_hits`] (not in JSON) with `break
    /// target_fn if CONDITION` and `run`.
    pub fn gdb_conditional_hits(&self, hits: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex"]);
        args.push(format!("break target_fn if {FALSE_CONDITION}").into());
        args.extend(os_args(["-ex", "run", "--args"]));
        args.push(self.bp_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// `dbg-cli` arguments: stop in `checkpoint` of `locals50`, go `up` to `fifty_locals` and
    /// list its 50 locals `queries` times.
    pub fn dbg_locals(&self, queries: u64) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch", "-e", "break checkpoint"]);
        args.extend(os_args(["-e", "continue", "-e", "up"]));
        for _ in 0..queries {
            args.extend(os_args(["-e", "locals"]));
        }
        args.push(self.locals50.clone().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_locals`] with `break checkpoint`, `run`, `up`
    /// and `info locals`.
    pub fn gdb_locals(&self, queries: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex", "break checkpoint"]);
        args.extend(os_args(["-ex", "run", "-ex", "up"]));
        for _ in 0..queries {
            args.extend(os_args(["-ex", "info locals"]));
        }
        args.push(self.locals50.clone().into());
        args
    }

    /// `dbg-cli` arguments: run `watch_loop hits` to its end with a write watchpoint on
    /// `counter` that ignores all `hits` writes; with `json`, in JSON mode and listing the
    /// watchpoints at the end.
    pub fn dbg_watch(&self, hits: u64, json: bool) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        if json {
            args.push("--json".into());
        }
        args.extend(os_args([
            "-e",
            &format!(
                "watchpoint set {:#x} write 8 --ignore {hits}",
                self.watch_addr
            ),
            "-e",
            "continue",
        ]));
        if json {
            args.extend(os_args(["-e", "watchpoint list"]));
        }
        args.push(self.watch_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_watch`] with `starti` (so that the process
    /// exists and gdb can use a debug register), `watch`, `ignore 1 N`, `continue`.
    pub fn gdb_watch(&self, hits: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex", "starti", "-ex"]);
        args.push(format!("watch *(long *){:#x}", self.watch_addr).into());
        args.push("-ex".into());
        args.push(format!("ignore 1 {hits}").into());
        args.extend(os_args(["-ex", "continue", "--args"]));
        args.push(self.watch_loop.clone().into());
        args.push(hits.to_string().into());
        args
    }

    /// Trace example arguments: trace `syscall_loop calls`, the trace written to `out`.
    pub fn trace_args(&self, calls: u64, out: impl Into<OsString>) -> Vec<OsString> {
        vec![
            "-o".into(),
            out.into(),
            self.syscall_loop.clone().into(),
            calls.to_string().into(),
        ]
    }

    /// `dbg-cli` arguments: run `syscall_loop calls` to its end with `catch syscall openat`
    /// (the dynamic loader's `openat`s stop, entry and exit; the program's `getppid`s do not).
    pub fn dbg_catch_openat(&self, calls: u64) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch", "-e", "catch syscall openat"]);
        // Two `openat`s of the loader (the cache, libc; with no LD_LIBRARY_PATH, see
        // `measure_rates`), entry and exit each, then the end.
        for _ in 0..5 {
            args.extend(os_args(["-e", "continue"]));
        }
        args.push(self.syscall_loop.clone().into());
        args.push(calls.to_string().into());
        args
    }

    /// `dbg-cli` arguments: `step` over the loop line of `step_loop iterations` (after
    /// `break main` and four `next`s), then on to the end.
    pub fn dbg_source_step(&self, iterations: u64) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        for command in [
            "break main",
            "continue",
            "next",
            "next",
            "next",
            "next",
            "step",
            "continue",
        ] {
            args.extend(os_args(["-e", command]));
        }
        args.push(self.step_loop.clone().into());
        args.push(iterations.to_string().into());
        args
    }

    /// `dbg-cli` arguments: `next` over the call line of `step_loop 1 SPIN rounds` (a call
    /// of a function looping [`NEXT_SPIN_ITERATIONS`] times) and over its `for` line, `rounds`
    /// times, from a breakpoint on the call line, then run to the end.
    pub fn dbg_source_next(&self, rounds: u64) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        let at = format!("break step_loop.c:{}", self.step_loop_call_line);
        args.extend(os_args(["-e", at.as_str(), "-e", "continue"]));
        for _ in 0..rounds * 2 {
            args.extend(os_args(["-e", "next"]));
        }
        args.extend(os_args(["-e", "continue"]));
        args.push(self.step_loop.clone().into());
        args.extend(source_next_program_args(rounds));
        args
    }

    /// gdb arguments for [`Tools::dbg_source_next`]'s work.
    pub fn gdb_source_next(&self, rounds: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx"]);
        let at = format!("break step_loop.c:{}", self.step_loop_call_line);
        args.extend(os_args(["-ex", at.as_str(), "-ex", "run"]));
        for _ in 0..rounds * 2 {
            args.extend(os_args(["-ex", "next"]));
        }
        args.extend(os_args(["-ex", "continue", "--args"]));
        args.push(self.step_loop.clone().into());
        args.extend(source_next_program_args(rounds));
        args
    }

    /// gdb arguments for [`Tools::dbg_source_step`]'s work.
    pub fn gdb_source_step(&self, iterations: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx"]);
        for command in [
            "break main",
            "run",
            "next",
            "next",
            "next",
            "next",
            "step",
            "continue",
        ] {
            args.extend(os_args(["-ex", command]));
        }
        args.push("--args".into());
        args.push(self.step_loop.clone().into());
        args.push(iterations.to_string().into());
        args
    }

    /// strace arguments for [`Tools::dbg_catch_openat`]'s work: the kernel picks out the
    /// `openat`s (`--seccomp-bpf`, which needs `-f`).
    pub fn strace_seccomp_args(&self, calls: u64) -> Vec<OsString> {
        let mut args = os_args([
            "-f",
            "--seccomp-bpf",
            "-e",
            "trace=openat",
            "-o",
            "/dev/null",
        ]);
        args.push(self.syscall_loop.clone().into());
        args.push(calls.to_string().into());
        args
    }

    /// gdb arguments for [`Tools::dbg_catch_openat`]'s work: `catch syscall openat`, run
    /// (no shell, whose own calls would stop), on through the loader's two `openat`s (entry and
    /// exit each) to the end.
    pub fn gdb_catch_openat(&self, calls: u64) -> Vec<OsString> {
        let mut args = os_args([
            "-batch",
            "-nx",
            "-ex",
            "set startup-with-shell off",
            "-ex",
            "catch syscall openat",
            "-ex",
            "run",
        ]);
        for _ in 0..4 {
            args.extend(os_args(["-ex", "continue"]));
        }
        args.push("--args".into());
        args.push(self.syscall_loop.clone().into());
        args.push(calls.to_string().into());
        args
    }

    /// strace arguments: the same as [`Tools::trace_args`] with `strace -f -o /dev/null`.
    pub fn strace_args(&self, calls: u64) -> Vec<OsString> {
        let mut args = os_args(["-f", "-o", "/dev/null"]);
        args.push(self.syscall_loop.clone().into());
        args.push(calls.to_string().into());
        args
    }

    /// `dbg-cli` arguments: run `threads_bp` with a breakpoint at `target_fn` that ignores
    /// `ignore` hits. With all of its hits ignored the program runs to its end; with fewer, it
    /// stops at the next hit and is killed. With `json`, in JSON mode and listing the
    /// breakpoints at the end.
    pub fn dbg_thread_hits(&self, at: &str, ignore: u64, json: bool) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch"]);
        if json {
            args.push("--json".into());
        }
        args.extend(os_args([
            "-e",
            &format!("breakpoint set {at} --ignore {ignore}"),
            "-e",
            "continue",
        ]));
        let calls = thread_calls(ignore);
        if ignore < 8 * calls {
            args.extend(os_args(["-e", "kill"]));
        }
        if json {
            args.extend(os_args(["-e", "breakpoint list"]));
        }
        args.push(self.threads_bp.clone().into());
        args.push(calls.to_string().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_thread_hits`] with `break *ADDR`, `ignore 1 N`,
    /// `run` (and `kill` when the program stops at a hit).
    pub fn gdb_thread_hits(&self, at: &str, ignore: u64) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex"]);
        args.push(format!("break {at}").into());
        args.push("-ex".into());
        args.push(format!("ignore 1 {ignore}").into());
        args.extend(os_args(["-ex", "run"]));
        let calls = thread_calls(ignore);
        if ignore < 8 * calls {
            args.extend(os_args(["-ex", "kill"]));
        }
        args.push("--args".into());
        args.push(self.threads_bp.clone().into());
        args.push(calls.to_string().into());
        args
    }

    /// `dbg-cli` arguments: launch bigbin, stop at `bigbin::main`, run `stop`'s commands
    /// there, kill.
    pub fn dbg_symbol_stop(&self, stop: &BigbinStop) -> Vec<OsString> {
        let mut args = os_args(["run", "--batch", "-e"]);
        args.push(format!("breakpoint set {BIGBIN_MAIN}").into());
        args.extend(os_args(["-e", "continue"]));
        for command in stop.dbg_commands {
            args.extend(os_args(["-e", command]));
        }
        args.extend(os_args(["-e", "kill"]));
        args.push(self.bigbin.clone().into());
        args
    }

    /// gdb arguments: the same as [`Tools::dbg_symbol_stop`] with `break`, `run`, `stop`'s
    /// gdb commands, `kill`.
    pub fn gdb_symbol_stop(&self, stop: &BigbinStop) -> Vec<OsString> {
        let mut args = os_args(["-batch", "-nx", "-ex"]);
        args.push(format!("break {BIGBIN_MAIN}").into());
        args.extend(os_args(["-ex", "run"]));
        for command in stop.gdb_commands {
            args.extend(os_args(["-ex", command]));
        }
        args.extend(os_args(["-ex", "kill"]));
        args.push(self.bigbin.clone().into());
        args
    }
}

/// A software (`int3`) or hardware (debug-register) breakpoint.
#[derive(Debug, Clone, Copy)]
pub enum Breakpoint {
    Software,
    Hardware,
}

/// The condition of s.'s timed runs: never true, so every one of `bp_loop`'s calls is a hit
/// whose condition dbg evaluates and that passes.
pub const FALSE_CONDITION: &str = "i == -1";

/// Arguments from string literals.
pub fn os_args<const N: usize>(args: [&str; N]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// `program` with `args`.
pub fn command(program: &Path, args: Vec<OsString>) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// `name` looked up in `PATH`, as a shell would.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

/// `step_loop`'s arguments for I.: no loop iteration to speak of, the spinning call `rounds`
/// times.
fn source_next_program_args(rounds: u64) -> Vec<OsString> {
    os_args(["1", &NEXT_SPIN_ITERATIONS.to_string(), &rounds.to_string()])
}

/// Uncaught system calls in gdb's long run of J. (about 150 µs each: 1,000,000 would take
/// minutes a run).
pub const GDB_CATCH_CALLS: u64 = 20_000;

/// What a timed or counted run makes the program under test do, N times; each row of the
/// table names one. The tool is dbg-cli (for [`Workload::Trace`], the trace example); the
/// reference is gdb (for [`Workload::Trace`], `strace -f`).
#[derive(Debug, Clone, Copy)]
pub enum Workload {
    /// `stepi N` on `busy`.
    Steps,
    /// `bp_loop N` with every hit of a breakpoint at `target_fn` ignored.
    Hits,
    /// `watch_loop N` with every write of `counter` ignored by a write watchpoint.
    Watch,
    /// `syscall_loop N` traced, the trace written to /dev/null.
    Trace,
    /// `bp_loop N` with every hit of `break target_fn` ignored: past the prologue, on a
    /// RIP-relative load (issue 14: run out of line).
    NamedHits,
    /// `threads_bp` with N hits of a breakpoint ignored (with fewer than all of its
    /// [`THREAD_HITS`], it stops at the next and is killed): at the address of `target_fn`, or
    /// with `by_name`, where `break target_fn` puts it.
    Threads { by_name: bool },
    /// `bp_loop N` with a breakpoint at `target_fn` whose condition ([`FALSE_CONDITION`]) is
    /// false at every hit.
    ConditionalHits,
    /// `locals50` stopped in `fifty_locals` (`up` from `checkpoint`), its 50 locals listed N
    /// times.
    Locals,
    /// `syscall_loop N` run to its end with `catch syscall openat` (dbg-cli) or
    /// `strace -f --seccomp-bpf -e trace=openat` (`gdb`: gdb's `catch syscall openat`): N
    /// uncaught calls, the loader's `openat`s caught.
    CatchSyscall { gdb: bool },
    /// `step_loop N` stopped at `main`, `next` four times to its loop line, `step` over that line
    /// (N iterations, about seven instructions each, no call), then run to its end.
    SourceStep,
    /// `step_loop 1 N` stopped at its call line, `next` over the call (a function looping N
    /// times, eight instructions each), then run to its end.
    SourceNext,
}

impl Workload {
    /// The tool run: dbg-cli, or the trace example.
    pub fn program(self, tools: &Tools) -> &Path {
        match self {
            Workload::Trace => &tools.trace,
            _ => &tools.dbg,
        }
    }

    /// The tool's arguments for `n` events.
    pub fn args(self, tools: &Tools, n: u64) -> Vec<OsString> {
        match self {
            Workload::Steps => tools.dbg_stepi(n),
            Workload::Hits => tools.dbg_hits(n, false),
            Workload::NamedHits => tools.dbg_named_hits(n, false),
            Workload::Watch => tools.dbg_watch(n, false),
            Workload::Trace => tools.trace_args(n, "/dev/null"),
            Workload::CatchSyscall { .. } => tools.dbg_catch_openat(n),
            Workload::SourceStep => tools.dbg_source_step(n),
            Workload::SourceNext => tools.dbg_source_next(n),
            Workload::Threads { .. } => tools.dbg_thread_hits(&self.dbg_at(tools), n, false),
            Workload::ConditionalHits => tools.dbg_conditional_hits(n, FALSE_CONDITION, false),
            Workload::Locals => tools.dbg_locals(n),
        }
    }

    /// The reference tool, when it is installed: gdb, or strace.
    pub fn reference(self, tools: &Tools) -> Option<&Path> {
        match self {
            Workload::Trace | Workload::CatchSyscall { gdb: false } => tools.strace.as_deref(),
            _ => tools.gdb.as_deref(),
        }
    }

    /// The reference tool's arguments for the same `n` events.
    pub fn reference_args(self, tools: &Tools, n: u64) -> Vec<OsString> {
        match self {
            Workload::Steps => tools.gdb_stepi(n),
            Workload::Hits => tools.gdb_hits(n),
            Workload::NamedHits => tools.gdb_named_hits(n),
            Workload::Watch => tools.gdb_watch(n),
            Workload::Trace => tools.strace_args(n),
            Workload::CatchSyscall { gdb: false } => tools.strace_seccomp_args(n),
            Workload::CatchSyscall { gdb: true } => tools.gdb_catch_openat(n),
            Workload::SourceStep => tools.gdb_source_step(n),
            Workload::SourceNext => tools.gdb_source_next(n),
            Workload::Threads { .. } => tools.gdb_thread_hits(&self.gdb_at(tools), n),
            Workload::ConditionalHits => tools.gdb_conditional_hits(n),
            Workload::Locals => tools.gdb_locals(n),
        }
    }

    /// The reference's events in its long run, when the row's `events` would keep it busy
    /// too long: gdb's `catch syscall` stops twice at every call (the rate is per event, so
    /// the ratio holds).
    pub fn reference_events(self, events: u64) -> u64 {
        match self {
            Workload::CatchSyscall { gdb: true } => events.min(GDB_CATCH_CALLS),
            // dbg's ignored hits of these are counted in the tracee, at native speed: its
            // run has many more of them than gdb's can in the same time.
            Workload::NamedHits => events.min(CLI_HITS),
            Workload::Threads { by_name: true } => events.min(THREAD_HITS),
            _ => events,
        }
    }

    /// The events of the short run a rate is measured against: one, or for
    /// [`Workload::Threads`] none ignored (the first hit stops the program, which is killed).
    pub fn short_events(self) -> u64 {
        match self {
            Workload::Threads { .. } => 0,
            _ => 1,
        }
    }

    /// The address the workload stops at, shown in its row's heading.
    pub fn address(self, tools: &Tools) -> Option<u64> {
        match self {
            Workload::Hits => Some(tools.bp_addr),
            Workload::Watch => Some(tools.watch_addr),
            Workload::Threads { .. } => Some(tools.threads_addr),
            Workload::Steps
            | Workload::NamedHits
            | Workload::Trace
            | Workload::ConditionalHits
            | Workload::Locals
            | Workload::CatchSyscall { .. }
            | Workload::SourceStep
            | Workload::SourceNext => None,
        }
    }

    /// The breakpoint location of [`Workload::Threads`] as dbg-cli is told it.
    pub fn dbg_at(self, tools: &Tools) -> String {
        match self {
            Workload::Threads { by_name: true } => "target_fn".to_string(),
            _ => format!("{:#x}", tools.threads_addr),
        }
    }

    /// The breakpoint location of [`Workload::Threads`] as gdb is told it.
    fn gdb_at(self, tools: &Tools) -> String {
        match self {
            Workload::Threads { by_name: true } => "target_fn".to_string(),
            _ => format!("*{:#x}", tools.threads_addr),
        }
    }
}

/// The line of `test-programs/step_loop.c` marked `the call line` (1-based); 0 if the source
/// cannot be read (dbg and gdb then both refuse the breakpoint, and the row says so).
fn step_loop_call_line() -> usize {
    let source = fixtures::source_dir().join("step_loop.c");
    std::fs::read_to_string(source)
        .ok()
        .and_then(|text| text.lines().position(|line| line.contains("the call line")))
        .map_or(0, |index| index + 1)
}

/// Calls of `target_fn` by each of `threads_bp`'s 8 threads in a run that ignores `ignore`
/// hits: [`THREAD_CALLS`], or enough for `ignore` (a run that ignores fewer than all stops at
/// the next hit and is killed).
fn thread_calls(ignore: u64) -> u64 {
    ignore.max(THREAD_HITS).div_ceil(8)
}
