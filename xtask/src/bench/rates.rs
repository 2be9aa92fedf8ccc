//! The command-line rate rows a, d, h, l, n, r, s and v: events per second of dbg-cli (for l.,
//! the trace example) against gdb (for l., `strace -f`), each from whole-command wall times of
//! a run with many events and a run with one, so that launch and exit costs cancel. The rows
//! are the descriptors below; [`Workspace::measure_rates`] runs any of them. Most are judged
//! on the rate; v. on the time per event (the same ratio, inverted).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Output, Stdio};
use std::time::Duration;

use super::parse::{
    conditional_run_problem, gdb_watch_problem, locals_run_problem, program_finished,
    syscall_loop_finished, thread_run_problem, watch_loop_finished,
};
use super::report::{failed, one_line, thousands, yes_no};
use super::tools::{command, Tools, Workload};
use super::{Measured, RUNS};
use crate::workspace::Workspace;

/// Steps in the command-line rate measurement.
pub const CLI_STEPS: u64 = 100_000;
/// Breakpoint hits (all ignored) in the command-line hit rate measurement.
pub const CLI_HITS: u64 = 100_000;
/// Watchpoint hits (all ignored) in the command-line watchpoint hit rate measurement.
pub const CLI_WATCH_HITS: u64 = 100_000;
/// System calls of `syscall_loop` in the tracing rate measurement (l.).
pub const TRACE_CALLS: u64 = 200_000;
/// Calls of `target_fn` by each of the 8 threads of `threads_bp` (its argument; issue 14
/// measures 8 × 2,000).
pub const THREAD_CALLS: u64 = 2_000;
/// Breakpoint hits of `threads_bp`: 8 threads each call `target_fn` [`THREAD_CALLS`] times
/// (n., r., E.).
pub const THREAD_HITS: u64 = 8 * THREAD_CALLS;
/// Ignored hits of `break target_fn` in dbg's long runs of C. and r., which count them in the
/// tracee at native speed (gdb's runs have [`CLI_HITS`] and [`THREAD_HITS`]: the rate is per
/// hit, and dbg's cost per hit is below the noise of a launch at those counts).
pub const COUNTED_HITS: u64 = 20_000_000;
/// Hits of a breakpoint whose condition is false (s.).
pub const CONDITIONAL_HITS: u64 = 100_000;
/// `locals` commands in one session (v.).
pub const LOCALS_QUERIES: u64 = 200;

/// a. Single steps through the command line.
pub const STEP_RATE: RateRow = RateRow {
    letter: 'a',
    heading: "a. `stepi {N}` through the command line",
    workload: Workload::Steps,
    tool: "dbg",
    reference: "gdb",
    measure: "a. `dbg-cli run --batch -e \"stepi {N}\"`, steps/s",
    short_measure: "a. `stepi` through the command line",
    runs: ["stepi {N}", "stepi 1"],
    events: CLI_STEPS,
    unit: "steps/s",
    goal: Goal::Rate(5.0),
};

/// d. Ignored breakpoint hits through the command line.
pub const HIT_RATE: RateRow = RateRow {
    letter: 'd',
    heading: "d. {N} ignored breakpoint hits through the command line (`target_fn` of \
              `bp_loop` at {ADDR})",
    workload: Workload::Hits,
    tool: "dbg",
    reference: "gdb",
    measure: "d. `dbg-cli run --batch -e \"breakpoint set ADDR --ignore {N}\" -e continue`, \
              hits/s",
    short_measure: "d. ignored breakpoint hits through the command line",
    runs: ["{N} hits", "1 hit"],
    events: CLI_HITS,
    unit: "hits/s",
    goal: Goal::Rate(3.0),
};

/// h. Ignored watchpoint hits through the command line. gdb watches from `starti`, when the
/// process exists, so that it can use a debug register; a gdb that does not say `Hardware
/// watchpoint` is not timed and its rate is marked invalid.
pub const WATCH_RATE: RateRow = RateRow {
    letter: 'h',
    heading: "h. {N} ignored watchpoint hits through the command line (`counter` of \
              `watch_loop` at {ADDR})",
    workload: Workload::Watch,
    tool: "dbg",
    reference: "gdb",
    measure: "h. `dbg-cli run --batch -e \"watchpoint set ADDR write 8 --ignore {N}\" -e \
              continue`, hits/s",
    short_measure: "h. ignored watchpoint hits through the command line",
    runs: ["{N} hits", "1 hit"],
    events: CLI_WATCH_HITS,
    unit: "hits/s",
    goal: Goal::Rate(3.0),
};

/// l. System-call tracing: the trace example and `strace -f`, both writing their trace to
/// /dev/null; the difference is the time of N-1 traced `getppid` calls (the program's
/// start-up calls are in both runs and cancel).
pub const TRACE_RATE: RateRow = RateRow {
    letter: 'l',
    heading: "l. system-call tracing: the trace example of dbg-process against `strace -f`, \
              `syscall_loop {N}`",
    workload: Workload::Trace,
    tool: "trace",
    reference: "strace",
    measure: "l. `target/release/examples/trace -o /dev/null syscall_loop {N}` (dbg-process's \
              strace-like example) against `strace -f -o /dev/null`, system calls/s",
    short_measure: "l. system-call tracing by the trace example",
    runs: ["{N} calls", "1 call"],
    events: TRACE_CALLS,
    unit: "syscalls/s",
    goal: Goal::Rate(2.0),
};

/// n. The 8 threads of `threads_bp` hitting `target_fn` 16,000 times in all, every hit
/// ignored; the short run stops at the first hit and kills the program (launch, thread
/// start-up and one hit cancel).
pub const THREAD_RATE: RateRow = RateRow {
    letter: 'n',
    heading: "n. {N} ignored breakpoint hits from 8 threads through the command line \
              (`target_fn` of `threads_bp` at {ADDR})",
    workload: Workload::Threads { by_name: false },
    tool: "dbg",
    reference: "gdb",
    measure: "n. `dbg-cli run --batch -e \"breakpoint set ADDR --ignore {N}\" -e continue \
              threads_bp 2000`, 8 threads, hits/s",
    short_measure: "n. ignored breakpoint hits of 8 threads through the command line",
    runs: ["{N} hits", "1 hit + kill"],
    events: THREAD_HITS,
    unit: "hits/s",
    goal: Goal::Rate(3.0),
};

/// r. As n., with the breakpoint where `break target_fn` puts it (dbg and gdb agree): past
/// the prologue, on an instruction dbg runs out of line (issue 14) — and, from the first hit
/// on, counts the ignored hits of in the tracee. dbg's run makes [`COUNTED_HITS`] of them,
/// gdb's 8 × 2,000.
pub const PROLOGUE_RATE: RateRow = RateRow {
    letter: 'r',
    heading: "r. {N} ignored hits from 8 threads (gdb: {R}) of a breakpoint past the prologue \
              (`break target_fn`: counted in the tracee)",
    workload: Workload::Threads { by_name: true },
    tool: "dbg",
    reference: "gdb",
    measure: "r. as n. with `breakpoint set target_fn --ignore {N}` (past the prologue: the \
              hits counted in the tracee; gdb: {R} hits), hits/s",
    short_measure: "r. ignored hits of 8 threads past a prologue",
    runs: ["{N} hits (gdb: {R})", "1 hit + kill"],
    events: COUNTED_HITS,
    unit: "hits/s",
    // Issue 14: one stop of one thread per hit.
    goal: Goal::Rate(15.0),
};

/// C. Ignored hits of `break target_fn` (issue 14): past the prologue, on `mov rdx, [rip+x]`,
/// which dbg runs out of line, and from then on counts the ignored hits of in the tracee
/// ([`COUNTED_HITS`] of them; gdb's run has [`CLI_HITS`]).
pub const NAMED_HIT_RATE: RateRow = RateRow {
    letter: 'C',
    heading: "C. {N} ignored hits (gdb: {R}) of `break target_fn` through the command line \
              (`bp_loop`, past the prologue on a RIP-relative load: counted in the tracee)",
    workload: Workload::NamedHits,
    tool: "dbg",
    reference: "gdb",
    measure: "C. `dbg-cli run --batch -e \"breakpoint set target_fn --ignore {N}\" -e continue \
              bp_loop {N}` (past the prologue; gdb: {R} hits), hits/s",
    short_measure: "C. ignored hits of `break target_fn`",
    runs: ["{N} hits (gdb: {R})", "1 hit"],
    events: COUNTED_HITS,
    unit: "hits/s",
    goal: Goal::Rate(20.0),
};

/// s. Hits of a conditional breakpoint whose condition is false (issue 11): each hit
/// evaluates `i == -1` in `target_fn`'s frame without unwinding, is not counted, and lets the
/// program go on.
pub const CONDITIONAL_RATE: RateRow = RateRow {
    letter: 's',
    heading: "s. {N} hits of `break target_fn if i == -1` (never true) through the command line \
              (`bp_loop {N}`)",
    workload: Workload::ConditionalHits,
    tool: "dbg",
    reference: "gdb",
    measure: "s. `dbg-cli run --batch -e \"break target_fn if i == -1\" -e continue bp_loop \
              {N}`, a condition false at every hit, hits/s",
    short_measure: "s. hits of a conditional breakpoint whose condition is false",
    runs: ["{N} hits", "1 hit"],
    events: CONDITIONAL_HITS,
    unit: "hits/s",
    goal: Goal::Rate(10.0),
};

/// v. `locals` (gdb: `info locals`) in a frame of 50 variables (issue 11), {N} times in one
/// session; the short run lists them once, so launch, the stop and `up` cancel.
pub const LOCALS_RATE: RateRow = RateRow {
    letter: 'v',
    heading: "v. {N} `locals` (gdb: `info locals`) in `fifty_locals` of `locals50`, a frame of \
              50 variables",
    workload: Workload::Locals,
    tool: "dbg",
    reference: "gdb",
    measure: "v. `dbg-cli run --batch -e \"break checkpoint\" -e continue -e up -e locals \
              (×{N}) locals50`, 50 locals of mixed types, time per `locals`",
    short_measure: "v. `locals` in a frame of 50 variables",
    runs: ["{N} queries", "1 query"],
    events: LOCALS_QUERIES,
    unit: "locals/s",
    goal: Goal::Time(0.5),
};

/// Uncaught system calls of `syscall_loop` in the syscall-catchpoint rows (F., G.).
pub const CATCH_CALLS: u64 = 1_000_000;

/// F. A syscall catchpoint (issue 14): `catch syscall openat` while the program makes
/// {N} other calls, against `strace -f --seccomp-bpf -e trace=openat`; the difference is the
/// time of N-1 uncaught calls (the loader's caught `openat`s are in both runs and cancel).
pub const CATCH_RATE: RateRow = RateRow {
    letter: 'F',
    heading: "F. `catch syscall openat` over {N} other system calls (`syscall_loop {N}`) \
              against `strace -f --seccomp-bpf -e trace=openat`",
    workload: Workload::CatchSyscall { gdb: false },
    tool: "dbg",
    reference: "strace --seccomp-bpf",
    measure: "F. `dbg-cli run --batch -e \"catch syscall openat\" -e continue (×5) \
              syscall_loop {N}`, time per uncaught system call",
    short_measure: "F. uncaught system calls under `catch syscall openat`",
    runs: ["{N} calls", "1 call"],
    events: CATCH_CALLS,
    unit: "syscalls/s",
    goal: Goal::Time(1.5),
};

/// J. The same catchpoint against gdb's `catch syscall openat` (issue 14: ≥ 50× gdb), which
/// stops at every call's entry and exit; gdb's long run makes fewer calls
/// ([`GDB_CATCH_CALLS`]), the rate being per call.
pub const GDB_CATCH_RATE: RateRow = RateRow {
    letter: 'J',
    heading: "J. `catch syscall openat` over {N} other system calls (`syscall_loop {N}`; gdb: \
              {R}) against gdb's `catch syscall openat`",
    workload: Workload::CatchSyscall { gdb: true },
    tool: "dbg",
    reference: "gdb",
    measure: "J. `dbg-cli run --batch -e \"catch syscall openat\" -e continue (×5) \
              syscall_loop {N}` against gdb's, uncaught system calls/s",
    short_measure: "J. uncaught system calls under `catch syscall openat`, against gdb",
    runs: ["{N} calls (gdb: {R})", "1 call"],
    events: CATCH_CALLS,
    unit: "syscalls/s",
    goal: Goal::Rate(50.0),
};

/// Iterations of the loop line of `step_loop` stepped over by `step` (H.).
pub const STEP_LOOP_ITERATIONS: u64 = 20_000;

/// H. `step` over a line whose loop runs without calls (issue 14: the line's address range
/// computed once), against gdb's `step`; the difference is the time of N-1 iterations.
pub const SOURCE_STEP_RATE: RateRow = RateRow {
    letter: 'H',
    heading: "H. `step` over a line whose loop runs {N} iterations without calls (`step_loop \
              {N}`)",
    workload: Workload::SourceStep,
    tool: "dbg",
    reference: "gdb",
    measure: "H. `dbg-cli run --batch -e \"break main\" -e continue -e next (×4) -e step -e \
              continue step_loop {N}`, loop iterations/s",
    short_measure: "H. `step` over a line that loops without calls",
    runs: ["{N} iterations", "1 iteration"],
    events: STEP_LOOP_ITERATIONS,
    unit: "iterations/s",
    goal: Goal::Rate(2.0),
};

/// Iterations of `spin` in I.: eight instructions each, 10,000,000 instructions in all (the
/// function issue 14's `next` runs over).
pub const NEXT_SPIN_ITERATIONS: u64 = 1_250_000;

/// Rounds of I.'s call line, each a `next` over it and one over its `for` line.
pub const NEXT_ROUNDS: u64 = 100;

/// I. `next` over a line calling a function that runs 10,000,000 instructions (issue 14),
/// against gdb's `next`: the difference between {N} rounds and one is {N}-1 calls' own run
/// (native in both tools: each `next` runs the callee to a breakpoint at its return address)
/// and the two `next`s' work around it.
pub const SOURCE_NEXT_RATE: RateRow = RateRow {
    letter: 'I',
    heading: "I. `next` over a line calling a function that runs 10,000,000 instructions, and \
              over its `for` line, {N} times (`step_loop 1 1250000 {N}`)",
    workload: Workload::SourceNext,
    tool: "dbg",
    reference: "gdb",
    measure: "I. `dbg-cli run --batch -e \"break step_loop.c:LINE\" -e continue -e next \
              (×2N) -e continue step_loop 1 1250000 {N}` (LINE calls `spin`), rounds/s",
    short_measure: "I. `next` over a call that runs 10,000,000 instructions",
    runs: ["{N} rounds", "1 round"],
    events: NEXT_ROUNDS,
    unit: "rounds/s",
    goal: Goal::Rate(2.0),
};

/// What a rate row must reach against its reference.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// At least this many times the reference's rate.
    Rate(f64),
    /// At most this many times the reference's time per event (shown as times, not rates).
    Time(f64),
}

impl Goal {
    /// The goal column: `≥ 3× gdb`, `≤ 0.5× gdb`.
    fn shown(self, reference: &str) -> String {
        match self {
            Goal::Rate(times) => format!("≥ {times}× {reference}"),
            Goal::Time(times) => format!("≤ {times}× {reference}"),
        }
    }

    /// The ratio shown and judged, from the tool's and the reference's rates: of the rates,
    /// or of the times per event.
    fn ratio(self, tool: f64, reference: f64) -> f64 {
        match self {
            Goal::Rate(_) => tool / reference,
            Goal::Time(_) => reference / tool,
        }
    }

    fn met(self, ratio: f64) -> bool {
        match self {
            Goal::Rate(times) => ratio >= times,
            Goal::Time(times) => ratio <= times,
        }
    }

    /// A figure as its row shows it: a rate, or the time per event (`1.23 ms`).
    fn figure(self, per_second: f64) -> String {
        match self {
            Goal::Rate(_) => thousands(per_second),
            Goal::Time(_) => time_shown(1.0 / per_second),
        }
    }
}

/// Seconds as ms or µs, with three significant digits or more.
pub fn time_shown(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.2} µs", seconds * 1e6)
    }
}

/// A command-line rate row: what runs, and how the row is labelled and judged. In the texts,
/// `{N}` stands for `events` and `{ADDR}` for the address the workload stops at.
#[derive(Debug)]
pub struct RateRow {
    pub letter: char,
    /// The section heading while measuring.
    heading: &'static str,
    workload: Workload,
    /// Whose rate the dbg column shows, in the notes: "dbg" (for l., "trace").
    tool: &'static str,
    /// The tool compared with: "gdb" (for l., "strace").
    reference: &'static str,
    /// The measure column.
    measure: &'static str,
    /// The measure column when the measurement failed.
    short_measure: &'static str,
    /// What the long and the short run do, for the progress lines and the notes.
    runs: [&'static str; 2],
    events: u64,
    /// "steps/s".
    unit: &'static str,
    goal: Goal,
}

impl RateRow {
    /// `text` with `{N}` replaced by the row's events, `{R}` by the reference's.
    fn text(&self, text: &str) -> String {
        text.replace("{N}", &self.events.to_string()).replace(
            "{R}",
            &self.workload.reference_events(self.events).to_string(),
        )
    }

    /// The section heading, with the address the workload stops at.
    pub fn heading(&self, tools: &Tools) -> String {
        let heading = self.text(self.heading);
        match self.workload.address(tools) {
            Some(addr) => heading.replace("{ADDR}", &format!("{addr:#x}")),
            None => heading,
        }
    }
}

impl Workspace {
    /// Any rate row: whole-command wall time of the tool and of the reference with the row's
    /// events and with [`Workload::short_events`], median of each over [`RUNS`] interleaved
    /// runs. The tool's run is checked first in a form that shows its work (a JSON transcript,
    /// a trace file); the reference, when it could measure something else (h.), too. Every
    /// timed run must have let the program finish (or, for a short run of n. and r., stop at
    /// the breakpoint).
    pub fn measure_rates(&self, tools: &Tools, row: &RateRow) -> Measured<CliRates> {
        let workload = row.workload;
        let short_events = workload.short_events();
        let program = workload.program(tools);
        let mut commands = vec![(
            row.tool,
            command(program, workload.args(tools, row.events)),
            command(program, workload.args(tools, short_events)),
        )];
        let tool_invalid = self.incomplete(tools, workload, row.events);
        let reference = workload.reference(tools);
        let reference_invalid =
            reference.and_then(|program| self.reference_unusable(tools, workload, program));
        if let (Some(program), None) = (reference, &reference_invalid) {
            let events = workload.reference_events(row.events);
            let mut long = command(program, workload.reference_args(tools, events));
            let mut short = command(program, workload.reference_args(tools, short_events));
            if let Workload::Steps = workload {
                long.stdout(Stdio::null());
                short.stdout(Stdio::null());
            }
            commands.push((row.reference, long, short));
        }
        if let Workload::CatchSyscall { .. } = workload {
            // `cargo run` sets LD_LIBRARY_PATH, which makes the loader try more `openat`s
            // (each a caught stop) than the script continues over.
            for (_, long, short) in &mut commands {
                long.env_remove("LD_LIBRARY_PATH");
                short.env_remove("LD_LIBRARY_PATH");
            }
        }
        let [long, short] = row.runs.map(|run| row.text(run));
        let medians =
            self.interleaved_medians(&mut commands, [&long, &short], |tool, long, out| {
                let events = if tool == row.tool {
                    row.events
                } else {
                    workload.reference_events(row.events)
                };
                run_problem(workload, tool, long, events, out)
            })?;
        let timed_reference = reference.is_some() && reference_invalid.is_none();
        Ok(CliRates {
            reference_invalid,
            ..tool_rates(
                [row.events, workload.reference_events(row.events)],
                &medians,
                row.tool,
                timed_reference.then_some(row.reference),
                tool_invalid,
            )?
        })
    }
}

/// What is wrong with the output of one timed run of `workload`, if anything: the program
/// must have run to its end (for a long run of [`Workload::Threads`], also said by gdb; for
/// a short one, the program must have stopped at the breakpoint), and a gdb watching must
/// have used a hardware watchpoint.
fn run_problem(
    workload: Workload,
    tool: &str,
    long: bool,
    events: u64,
    out: &Output,
) -> Result<(), String> {
    let n = if long { events } else { 1 };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let both = || format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    match workload {
        Workload::Steps => Ok(()),
        Workload::Hits | Workload::NamedHits => program_finished(&stdout, n),
        Workload::Watch if tool == "gdb" => gdb_watch_problem(&both(), n).map_or(Ok(()), Err),
        Workload::Watch => watch_loop_finished(&both(), n),
        Workload::Trace => syscall_loop_finished(&stdout, n),
        Workload::CatchSyscall { .. }
            if tool == "dbg" && !stdout.contains("syscall entry openat") =>
        {
            Err("dbg-cli did not stop at an `openat`".to_string())
        }
        Workload::CatchSyscall { .. } => syscall_loop_finished(&stdout, n),
        Workload::SourceStep | Workload::SourceNext
            if stdout.lines().any(|line| line.starts_with("sum ")) =>
        {
            Ok(())
        }
        Workload::SourceStep | Workload::SourceNext => {
            Err("the program did not print `sum ...`: it did not run to its end".to_string())
        }
        Workload::Threads { .. } => {
            thread_run_problem(tool, long, &both(), events).map_or(Ok(()), Err)
        }
        Workload::ConditionalHits => conditional_run_problem(tool, &both(), n).map_or(Ok(()), Err),
        Workload::Locals => locals_run_problem(&both(), n).map_or(Ok(()), Err),
    }
}

/// Events per second from a run with many events and a run with one.
#[derive(Debug)]
pub struct Rate {
    pub long: Duration,
    pub short: Duration,
    pub per_second: f64,
}

impl Rate {
    /// `events - 1` events in the difference between `long` (the run with `events` events)
    /// and `short` (the run with one): launch and exit costs cancel.
    pub fn new(events: u64, long: Duration, short: Duration) -> Result<Rate, String> {
        let busy = long.saturating_sub(short).as_secs_f64();
        if busy <= 0.0 {
            return Err(format!(
                "the run with {events} ({long:?}) took no longer than the run with 1 ({short:?})"
            ));
        }
        let per_second = (events - 1) as f64 / busy;
        Ok(Rate {
            long,
            short,
            per_second,
        })
    }
}

/// The rates of dbg (for l., its trace example) and of the tool it is compared with (gdb; for
/// l., strace).
#[derive(Debug)]
pub struct CliRates {
    pub dbg: Rate,
    /// `None` when the reference tool is not installed (or not timed, see `reference_invalid`).
    pub reference: Option<Rate>,
    /// Why the dbg rate does not stand for what it claims to measure.
    pub dbg_invalid: Option<String>,
    /// Why the reference was not timed although it is installed (it would measure something
    /// else).
    pub reference_invalid: Option<String>,
}

/// The rates of `tool` and, if measured, `reference` from their median times (`events` of
/// each in its long run).
fn tool_rates(
    [events, reference_events]: [u64; 2],
    medians: &BTreeMap<&str, (Duration, Duration)>,
    tool: &str,
    reference: Option<&str>,
    dbg_invalid: Option<String>,
) -> Measured<CliRates> {
    let rate = |tool: &str, events: u64| -> Result<Rate, String> {
        let (long, short) = medians
            .get(tool)
            .ok_or_else(|| format!("no times measured for {tool}"))?;
        Rate::new(events, *long, *short).map_err(|e| format!("{tool}: {e}"))
    };
    Ok(CliRates {
        dbg: rate(tool, events)?,
        reference: reference
            .map(|reference| rate(reference, reference_events))
            .transpose()?,
        dbg_invalid,
        reference_invalid: None,
    })
}

impl RateRow {
    /// The row, and its notes: the medians and how the rate follows from them.
    pub fn render(
        &self,
        rates: &Measured<CliRates>,
        rows: &mut Vec<[String; 6]>,
        notes: &mut Vec<String>,
    ) {
        let (letter, tool, reference) = (self.letter, self.tool, self.reference);
        let goal = self.goal.shown(reference);
        let rates = match rates {
            Ok(rates) => rates,
            Err(e) => {
                rows.push([
                    self.short_measure.to_string(),
                    failed(e),
                    "—".into(),
                    "—".into(),
                    goal,
                    "no".into(),
                ]);
                return;
            }
        };
        let (shown, ratio, met) = match &rates.reference {
            _ if rates.reference_invalid.is_some() => (
                format!("{reference}: invalid (see below)"),
                "—".into(),
                "no".into(),
            ),
            _ if rates.dbg_invalid.is_some() => {
                let shown = rates
                    .reference
                    .as_ref()
                    .map_or(format!("{reference} not installed"), |rate| {
                        format!("{reference}: {}", self.goal.figure(rate.per_second))
                    });
                (shown, "—".into(), "no".into())
            }
            Some(rate) => {
                let ratio = self.goal.ratio(rates.dbg.per_second, rate.per_second);
                (
                    format!("{reference}: {}", self.goal.figure(rate.per_second)),
                    format!("{ratio:.2}× {reference}"),
                    yes_no(self.goal.met(ratio)),
                )
            }
            None => (
                format!("{reference} not installed"),
                "—".into(),
                "not checked".into(),
            ),
        };
        let dbg = match &rates.dbg_invalid {
            Some(why) => {
                notes.push(format!(
                    "{letter}. {tool} is not measured: {}",
                    one_line(why)
                ));
                "invalid (see below)".into()
            }
            None => self.goal.figure(rates.dbg.per_second),
        };
        if let Some(why) = &rates.reference_invalid {
            notes.push(format!(
                "{letter}. {reference} is not measured: {}",
                one_line(why)
            ));
        }
        rows.push([self.text(self.measure), dbg, shown, ratio, goal, met]);
        let valid = rates.dbg_invalid.is_none();
        let [long, short] = self.runs.map(|run| self.text(run));
        let reference_events = self.workload.reference_events(self.events);
        for (tool, rate, valid, events) in [
            (tool, Some(&rates.dbg), valid, self.events),
            (reference, rates.reference.as_ref(), true, reference_events),
        ] {
            let Some(rate) = rate else { continue };
            let mut note = format!(
                "{letter}. {tool}: median of {RUNS} runs: {long} {:.3} s, {short} {:.3} s",
                rate.long.as_secs_f64(),
                rate.short.as_secs_f64(),
            );
            if valid {
                let _ = write!(
                    note,
                    "; {} {} = {} / difference",
                    thousands(rate.per_second),
                    self.unit,
                    thousands((events - 1) as f64),
                );
                if let Goal::Time(_) = self.goal {
                    let _ = write!(note, " ({} each)", time_shown(1.0 / rate.per_second));
                }
            }
            notes.push(note);
        }
    }
}
