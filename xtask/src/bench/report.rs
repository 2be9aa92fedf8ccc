//! The measurements of one `cargo xtask bench` run, rendered as one markdown table with the
//! goals and notes; each row's cells come from its descriptor's `render`, in the order of the
//! letters. Also the few ways a figure is written in a cell.

use std::fmt::Write as _;

use super::criterion::{
    self, BreakpointMeans, CriterionMeans, ReadMeans, BREAKPOINT_MEANS, STEP_MEANS, SYSCALL_MEANS,
    WATCH_MEANS,
};
use super::hardware::{self, HardwareBreakpoints};
use super::libraries::{LibraryRuns, DLOPEN_STOP, PYTHON_STOP};
use super::rates::{
    CliRates, CATCH_RATE, CONDITIONAL_RATE, GDB_CATCH_RATE, HIT_RATE, LOCALS_RATE, NAMED_HIT_RATE,
    PROLOGUE_RATE, SOURCE_NEXT_RATE, SOURCE_STEP_RATE, STEP_RATE, THREAD_HITS, THREAD_RATE,
    TRACE_RATE, WATCH_RATE,
};
use super::remote::{self, RemoteRuns};
use super::symbols::{SymbolRuns, BACKTRACE_STOP, PRINT_STOP};
use super::syscalls::{
    SyscallCounts, CATCH_SYSCALL_CALLS, HIT_CALLS, NAMED_HIT_CALLS, STEP_CALLS, THREAD_HIT_CALLS,
    TRACED_CALLS, TRACE_SYSCALL_CALLS, WATCH_CALLS,
};
use super::{Measured, Rows};

#[cfg(test)]
mod tests;

/// The measurements, rendered as one markdown table with the goals.
#[derive(Debug)]
pub struct Report {
    /// The rows measured and shown; the measurements of the others are [`NOT_SELECTED`].
    pub rows: Rows,
    pub rates: Measured<CliRates>,
    pub criterion: Measured<CriterionMeans>,
    /// `None` when strace is not installed.
    pub syscalls: Measured<Option<SyscallCounts>>,
    pub hit_rates: Measured<CliRates>,
    pub breakpoint: Measured<BreakpointMeans>,
    pub read: Measured<ReadMeans>,
    /// `None` when strace is not installed.
    pub hit_syscalls: Measured<Option<SyscallCounts>>,
    pub watch_rates: Measured<CliRates>,
    pub watch: Measured<CriterionMeans>,
    pub hardware: Measured<HardwareBreakpoints>,
    /// `None` when strace is not installed.
    pub watch_syscalls: Measured<Option<SyscallCounts>>,
    /// The trace example against strace.
    pub trace_rates: Measured<CliRates>,
    pub syscall_stop: Measured<CriterionMeans>,
    pub thread_hit_rates: Measured<CliRates>,
    /// `None` when strace is not installed.
    pub trace_syscalls: Measured<Option<SyscallCounts>>,
    pub symbols: Measured<SymbolRuns>,
    pub thread_prologue_rates: Measured<CliRates>,
    /// Hits of a breakpoint whose condition is false, against gdb.
    pub conditional_rates: Measured<CliRates>,
    /// As `symbols`, with a `print` of a local of `main` instead of the backtrace.
    pub symbol_print: Measured<SymbolRuns>,
    /// `locals` in a frame of 50 variables, against gdb's `info locals`.
    pub locals_rates: Measured<CliRates>,
    /// A breakpoint at `PyList_Append` in python3, against gdb.
    pub python_stop: Measured<LibraryRuns>,
    /// A pending breakpoint through 200 `dlopen`s, against gdb.
    pub dlopen_stop: Measured<LibraryRuns>,
    /// The gdb client through dbg-cli gdbserver against through gdbserver; `None` when gdb is
    /// not installed.
    pub remote: Measured<Option<RemoteRuns>>,
    /// Uncaught system calls under `catch syscall openat`, against `strace --seccomp-bpf`.
    pub catch_rates: Measured<CliRates>,
    /// `None` when strace is not installed.
    pub catch_syscalls: Measured<Option<SyscallCounts>>,
    /// `step` over a line that loops without calls, against gdb.
    pub source_step_rates: Measured<CliRates>,
    pub source_next_rates: Measured<CliRates>,
    /// Uncaught system calls under `catch syscall openat`, against gdb's.
    pub gdb_catch_rates: Measured<CliRates>,
    /// Ignored hits of `break target_fn` (past the prologue, out of line), against gdb.
    pub named_hit_rates: Measured<CliRates>,
    /// System calls per ignored hit of `break target_fn`; `None` without strace.
    pub named_hit_syscalls: Measured<Option<SyscallCounts>>,
    /// The same from 8 threads; `None` without strace.
    pub thread_hit_syscalls: Measured<Option<SyscallCounts>>,
}

impl Report {
    /// Whether every selected row was measured, and validly: a figure that stands for
    /// something else, or a failed run, fails the bench.
    pub fn complete(&self) -> bool {
        let rates_valid = |rates: &Measured<CliRates>| {
            rates
                .as_ref()
                .is_ok_and(|r| r.dbg_invalid.is_none() && r.reference_invalid.is_none())
        };
        let symbols_valid = |symbols: &Measured<SymbolRuns>| {
            symbols.as_ref().is_ok_and(|symbols| {
                symbols.dbg.is_ok() && symbols.gdb.as_ref().is_none_or(Result::is_ok)
            })
        };
        let library_valid = |runs: &Measured<LibraryRuns>| {
            runs.as_ref()
                .is_ok_and(|runs| runs.dbg.is_ok() && runs.gdb.as_ref().is_none_or(Result::is_ok))
        };
        let calls_valid = |calls: &Measured<Option<SyscallCounts>>| {
            calls
                .as_ref()
                .is_ok_and(|c| c.as_ref().is_none_or(|c| c.dbg_invalid.is_none()))
        };
        [
            ("a", rates_valid(&self.rates)),
            ("b", self.criterion.is_ok()),
            ("c", calls_valid(&self.syscalls)),
            ("d", rates_valid(&self.hit_rates)),
            ("e", self.breakpoint.is_ok()),
            ("f", self.read.is_ok()),
            ("g", calls_valid(&self.hit_syscalls)),
            ("h", rates_valid(&self.watch_rates)),
            ("i", self.watch.is_ok()),
            (
                "j",
                self.hardware.as_ref().is_ok_and(|hardware| {
                    hardware
                        .stops
                        .as_ref()
                        .is_ok_and(|s| s.as_ref().is_none_or(|s| s.invalid.is_none()))
                }),
            ),
            ("k", calls_valid(&self.watch_syscalls)),
            ("l", rates_valid(&self.trace_rates)),
            ("m", self.syscall_stop.is_ok()),
            ("n", rates_valid(&self.thread_hit_rates)),
            ("r", rates_valid(&self.thread_prologue_rates)),
            ("o", calls_valid(&self.trace_syscalls)),
            ("pq", symbols_valid(&self.symbols)),
            ("s", rates_valid(&self.conditional_rates)),
            ("tu", symbols_valid(&self.symbol_print)),
            ("v", rates_valid(&self.locals_rates)),
            ("wx", library_valid(&self.python_stop)),
            ("y", library_valid(&self.dlopen_stop)),
            ("C", rates_valid(&self.named_hit_rates)),
            ("D", calls_valid(&self.named_hit_syscalls)),
            ("E", calls_valid(&self.thread_hit_syscalls)),
            (
                "zAB",
                self.remote
                    .as_ref()
                    .is_ok_and(|r| r.as_ref().is_none_or(|r| r.valid(&self.rows))),
            ),
            ("F", rates_valid(&self.catch_rates)),
            ("G", calls_valid(&self.catch_syscalls)),
            ("H", rates_valid(&self.source_step_rates)),
            ("I", rates_valid(&self.source_next_rates)),
            ("J", rates_valid(&self.gdb_catch_rates)),
        ]
        .into_iter()
        .all(|(letters, valid)| valid || !self.rows.has(letters))
    }

    /// The table: a heading, the machine, a row per measure (two for p. and q., t. and u.)
    /// and the notes, for the selected rows only.
    pub fn render(&self, machine: &str) -> String {
        let mut rows: Vec<[String; 6]> = Vec::new();
        let mut notes: Vec<String> = Vec::new();

        STEP_RATE.render(&self.rates, &mut rows, &mut notes);
        STEP_MEANS.render(dbg_and_bare(&self.criterion), &mut rows, &mut notes);
        STEP_CALLS.render(&self.syscalls, &mut rows, &mut notes);
        HIT_RATE.render(&self.hit_rates, &mut rows, &mut notes);
        let breakpoint = self.breakpoint.as_ref();
        BREAKPOINT_MEANS.render(
            breakpoint.map(|means| (means.dbg_ns, means.bare_ns)),
            &mut rows,
            &mut notes,
        );
        if let Ok(means) = breakpoint {
            notes.push(format!(
                "e. bare ptrace loop with CPU placement left to the scheduler: {:.2} µs \
                 ({}/s) per hit. dbg needs one stop per hit because it emulates the \
                 `push rbp` under the site instead of stepping it; the bare loop stops at \
                 the int3 and again after its single step",
                means.scheduler_ns / 1e3,
                thousands(1e9 / means.scheduler_ns)
            ));
        }
        criterion::render_read(&self.read, &mut rows, &mut notes);
        HIT_CALLS.render(&self.hit_syscalls, &mut rows, &mut notes);
        WATCH_RATE.render(&self.watch_rates, &mut rows, &mut notes);
        WATCH_MEANS.render(dbg_and_bare(&self.watch), &mut rows, &mut notes);
        hardware::render(&self.hardware, &mut rows, &mut notes);
        WATCH_CALLS.render(&self.watch_syscalls, &mut rows, &mut notes);
        self.render_syscall_tracing(&mut rows, &mut notes);
        BACKTRACE_STOP.render(&self.symbols, &mut rows, &mut notes);
        PROLOGUE_RATE.render(&self.thread_prologue_rates, &mut rows, &mut notes);
        CONDITIONAL_RATE.render(&self.conditional_rates, &mut rows, &mut notes);
        PRINT_STOP.render(&self.symbol_print, &mut rows, &mut notes);
        LOCALS_RATE.render(&self.locals_rates, &mut rows, &mut notes);
        PYTHON_STOP.render(&self.python_stop, &mut rows, &mut notes);
        DLOPEN_STOP.render(&self.dlopen_stop, &mut rows, &mut notes);
        remote::render(&self.remote, &mut rows, &mut notes);
        NAMED_HIT_RATE.render(&self.named_hit_rates, &mut rows, &mut notes);
        NAMED_HIT_CALLS.render(&self.named_hit_syscalls, &mut rows, &mut notes);
        THREAD_HIT_CALLS.render(&self.thread_hit_syscalls, &mut rows, &mut notes);
        CATCH_RATE.render(&self.catch_rates, &mut rows, &mut notes);
        CATCH_SYSCALL_CALLS.render(&self.catch_syscalls, &mut rows, &mut notes);
        SOURCE_STEP_RATE.render(&self.source_step_rates, &mut rows, &mut notes);
        SOURCE_NEXT_RATE.render(&self.source_next_rates, &mut rows, &mut notes);
        GDB_CATCH_RATE.render(&self.gdb_catch_rates, &mut rows, &mut notes);
        rows.retain(|row| self.rows.shows(&row[0]));
        notes.retain(|note| self.rows.shows(note));

        let mut out = String::from(
            "## Benchmarks: single steps, breakpoint and watchpoint hits, memory reads, \
             system-call tracing, a breakpoint by name in a large binary, conditional \
             breakpoints and values, programs with shared libraries, remote debugging\n\n",
        );
        match self.rows.partial() {
            Some(letters) => {
                let _ = writeln!(out, "Rows {letters}, measured in one run on {machine}.\n");
            }
            None => {
                let _ = writeln!(out, "Measured in one run on {machine}.\n");
            }
        }
        out.push_str("| measure | dbg | reference | ratio | goal | met |\n");
        out.push_str("|---|---:|---:|---:|---|---|\n");
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        if !notes.is_empty() {
            out.push('\n');
            for note in notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

impl Report {
    /// Rows l. to o.: the trace example against strace, a traced system call through the
    /// library against a bare loop, breakpoint hits from 8 threads against gdb, and system
    /// calls per traced system call; with the notes that tie them together.
    fn render_syscall_tracing(&self, rows: &mut Vec<[String; 6]>, notes: &mut Vec<String>) {
        TRACE_RATE.render(&self.trace_rates, rows, notes);
        if let (Ok(rates), Ok(means)) = (&self.trace_rates, &self.syscall_stop) {
            if rates.dbg_invalid.is_none() {
                notes.push(format!(
                    "l. m.'s bare ptrace loop traces {}/s on one CPU: the example takes {:.2}× \
                     its time per system call (and also formats and writes each line)",
                    thousands(1e9 / means.bare_ns),
                    1e9 / means.bare_ns / rates.dbg.per_second
                ));
            }
        }

        SYSCALL_MEANS.render(dbg_and_bare(&self.syscall_stop), rows, notes);
        THREAD_RATE.render(&self.thread_hit_rates, rows, notes);
        if self.thread_hit_rates.is_ok() {
            notes.push(format!(
                "n. the short run stops at the first hit (`--ignore 0`; gdb `ignore 1 0`) and \
                 kills the program, so launch, thread start-up and one hit cancel; the \
                 difference is {} hits and the rest of the program's run",
                thousands((THREAD_HITS - 1) as f64)
            ));
        }

        TRACED_CALLS.render(&self.trace_syscalls, rows, notes);
        if let Ok(Some(counts)) = &self.trace_syscalls {
            let unlisted = counts.dbg.unlisted();
            if unlisted.abs() >= 0.000_05 {
                notes.push(format!(
                    "o. trace per syscall besides those listed: {unlisted:.4} (calls under \
                     0.005 per syscall each: the example's own output, written through a 1 MiB \
                     buffer)"
                ));
            }
            notes.push(format!(
                "o. `strace -c -o FILE target/release/examples/trace -o /dev/null syscall_loop \
                 N` and `strace -c -o FILE strace -f -o /dev/null syscall_loop N`, N = {} and \
                 {}: the difference in calls over the difference in N",
                TRACE_SYSCALL_CALLS.0, TRACE_SYSCALL_CALLS.1
            ));
        }
    }
}

/// dbg's and the bare loop's mean, as [`criterion::MeanRow::render`] takes them.
fn dbg_and_bare(means: &Measured<CriterionMeans>) -> Result<(f64, f64), &String> {
    means.as_ref().map(|means| (means.dbg_ns, means.bare_ns))
}

pub fn failed(e: &str) -> String {
    one_line(&format!("failed: {e}"))
}

pub fn yes_no(met: bool) -> String {
    if met { "yes" } else { "no" }.to_string()
}

/// A multi-line error squeezed into a table cell.
pub fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `12345.6` as `12,346`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The reference, ratio and met cells of a row whose goal is dbg's figure at most `goal`×
/// the reference's (times, memory). `dbg` is `None` when dbg's measurement failed or is
/// invalid; `reference` is `None` when the reference `name` is not installed, `Some(None)`
/// when its measurement is invalid, else its figure and how the cell shows it.
pub fn at_most_cells(
    name: &str,
    dbg: Option<f64>,
    reference: Option<Option<(f64, String)>>,
    goal: f64,
) -> [String; 3] {
    match (dbg, reference) {
        (Some(_), None) => [
            format!("{name} not installed"),
            "—".into(),
            "not checked".into(),
        ],
        (None, None) => [format!("{name} not installed"), "—".into(), "no".into()],
        (_, Some(None)) => [
            format!("{name}: invalid (see below)"),
            "—".into(),
            "no".into(),
        ],
        (Some(dbg), Some(Some((reference, shown)))) => {
            let ratio = dbg / reference;
            [
                format!("{name}: {shown}"),
                format!("{ratio:.2}× {name}"),
                yes_no(ratio <= goal),
            ]
        }
        (None, Some(Some((_, shown)))) => [format!("{name}: {shown}"), "—".into(), "no".into()],
    }
}
