//! The command-line rate rows a, d, h, l, n and r: events per second of dbg-cli (for l., the
//! trace example) against gdb (for l., `strace -f`), each from whole-command wall times of a
//! run with many events and a run with one, so that launch and exit costs cancel. The rows
//! are the descriptors below; [`Workspace::measure_rates`] runs any of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Output, Stdio};
use std::time::Duration;

use super::parse::{
    gdb_watch_problem, program_finished, syscall_loop_finished, thread_run_problem,
    watch_loop_finished,
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
/// Breakpoint hits of `threads_bp`: 8 threads each call `target_fn` 1,000 times (n.).
pub const THREAD_HITS: u64 = 8_000;

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
    times_reference: 5.0,
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
    times_reference: 3.0,
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
    times_reference: 3.0,
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
    times_reference: 2.0,
};

/// n. The 8 threads of `threads_bp` hitting `target_fn` 8,000 times in all, every hit
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
              threads_bp`, 8 threads, hits/s",
    short_measure: "n. ignored breakpoint hits of 8 threads through the command line",
    runs: ["{N} hits", "1 hit + kill"],
    events: THREAD_HITS,
    unit: "hits/s",
    times_reference: 3.0,
};

/// r. As n., with the breakpoint where `break target_fn` puts it (dbg and gdb agree): past
/// the prologue, on an instruction dbg does not emulate, so every ignored hit is a step with
/// the other threads held.
pub const PROLOGUE_RATE: RateRow = RateRow {
    letter: 'r',
    heading: "r. {N} ignored hits from 8 threads of a breakpoint past the prologue (`break \
              target_fn`: an instruction dbg steps with the other threads held)",
    workload: Workload::Threads { by_name: true },
    tool: "dbg",
    reference: "gdb",
    measure: "r. as n. with `breakpoint set target_fn --ignore {N}` (past the prologue, each \
              hit stepped with the other threads held), hits/s",
    short_measure: "r. ignored hits of 8 threads past a prologue",
    runs: ["{N} hits", "1 hit + kill"],
    events: THREAD_HITS,
    unit: "hits/s",
    // Each hit stops and restarts all 8 threads to step one instruction; issue 14
    // (out-of-line execution) is to raise this to the other rows' 3×.
    times_reference: 1.0,
};

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
    /// The goal: this many times the reference's rate.
    times_reference: f64,
}

impl RateRow {
    /// `text` with `{N}` replaced by the row's events.
    fn text(&self, text: &str) -> String {
        text.replace("{N}", &self.events.to_string())
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
            let mut long = command(program, workload.reference_args(tools, row.events));
            let mut short = command(program, workload.reference_args(tools, short_events));
            if let Workload::Steps = workload {
                long.stdout(Stdio::null());
                short.stdout(Stdio::null());
            }
            commands.push((row.reference, long, short));
        }
        let [long, short] = row.runs.map(|run| row.text(run));
        let medians =
            self.interleaved_medians(&mut commands, [&long, &short], |tool, long, out| {
                run_problem(workload, tool, long, row.events, out)
            })?;
        let timed_reference = reference.is_some() && reference_invalid.is_none();
        Ok(CliRates {
            reference_invalid,
            ..tool_rates(
                row.events,
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
        Workload::Hits => program_finished(&stdout, n),
        Workload::Watch if tool == "gdb" => gdb_watch_problem(&both(), n).map_or(Ok(()), Err),
        Workload::Watch => watch_loop_finished(&both(), n),
        Workload::Trace => syscall_loop_finished(&stdout, n),
        Workload::Threads { .. } => {
            thread_run_problem(tool, long, &both(), events).map_or(Ok(()), Err)
        }
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

/// The rates of `tool` and, if measured, `reference` from their median times.
fn tool_rates(
    events: u64,
    medians: &BTreeMap<&str, (Duration, Duration)>,
    tool: &str,
    reference: Option<&str>,
    dbg_invalid: Option<String>,
) -> Measured<CliRates> {
    let rate = |tool: &str| -> Result<Rate, String> {
        let (long, short) = medians
            .get(tool)
            .ok_or_else(|| format!("no times measured for {tool}"))?;
        Rate::new(events, *long, *short).map_err(|e| format!("{tool}: {e}"))
    };
    Ok(CliRates {
        dbg: rate(tool)?,
        reference: reference.map(rate).transpose()?,
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
        let goal = format!("≥ {}× {reference}", self.times_reference);
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
                        format!("{reference}: {}", thousands(rate.per_second))
                    });
                (shown, "—".into(), "no".into())
            }
            Some(rate) => {
                let ratio = rates.dbg.per_second / rate.per_second;
                (
                    format!("{reference}: {}", thousands(rate.per_second)),
                    format!("{ratio:.2}× {reference}"),
                    yes_no(ratio >= self.times_reference),
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
            None => thousands(rates.dbg.per_second),
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
        for (tool, rate, valid) in [
            (tool, Some(&rates.dbg), valid),
            (reference, rates.reference.as_ref(), true),
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
                    thousands((self.events - 1) as f64),
                );
            }
            notes.push(note);
        }
    }
}
