//! `cargo xtask bench [ROW...]`: measure dbg against gdb, strace and bare ptrace loops and
//! print one markdown table with the goals.
//!
//! Each row of the table is a descriptor in the file of its kind: command-line rates
//! ([`rates`]: a, d, h, l, n, r, s, v), criterion means ([`criterion`]: b, e, f, i, m), system
//! calls per event ([`syscalls`]: c, g, k, o), hardware against software breakpoints
//! ([`hardware`]: j), a breakpoint by name in a large binary ([`symbols`]: p, q, t, u) and in
//! programs with shared libraries ([`libraries`]: w, x, y), and the gdb remote-protocol
//! server against gdbserver ([`remote`]: z, A, B). One
//! driver per kind runs any of its descriptors; the programs and their arguments are in
//! [`tools`], the checks that a run did its work in [`checks`] and [`parse`], and the table
//! in [`report`]. [`Workspace::bench`] below lists every row in the order it is measured.

mod checks;
mod criterion;
mod hardware;
mod libraries;
mod parse;
mod rates;
mod remote;
mod report;
mod symbols;
mod syscalls;
mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use report::Report;
use tools::Tools;

use crate::rusage::RunUsage;
use crate::workspace::Workspace;
use crate::USAGE;

/// Runs of each command in the rate measurements; the median is used.
pub const RUNS: usize = 5;
/// The last row of the table: rows are the letters `a` to `z`, then `A` to this one, in the
/// order the table shows them; `cargo xtask bench` measures them all.
const LAST_ROW: char = 'J';
/// The error of a measurement whose rows were not asked for (never shown: the rows are left out).
const NOT_SELECTED: &str = "not selected";

/// A measurement, or why it could not be made.
pub type Measured<T> = Result<T, String>;

impl Workspace {
    /// Build what the selected rows run, measure them in the order below, and print the table;
    /// fail when a selected row failed or measured something else.
    pub fn bench(&self, rows: &Rows) -> Result<(), String> {
        self.run(&mut self.cargo(["build", "--release", "--package", "dbg-cli"]))?;
        if rows.has("zAB") {
            // `dbg-cli gdbserver` becomes the sibling binary dbg-gdbserver.
            self.run(&mut self.cargo(["build", "--release", "--package", "dbg-gdbserver"]))?;
        }
        if rows.has("lo") {
            self.run(&mut self.cargo([
                "build",
                "--release",
                "--package",
                "dbg-process",
                "--example",
                "trace",
            ]))?;
        }
        // Every criterion bench is built now, so that no build runs between measurements.
        for suite in criterion::SUITES {
            if rows.has(suite.letters) {
                self.run(&mut self.cargo([
                    "bench",
                    "--no-run",
                    "--package",
                    suite.package,
                    "--bench",
                    suite.bench,
                ]))?;
            }
        }
        self.build_fixtures()?;
        // A failed build of bigbin (it needs crates.io the first time) fails its rows only.
        let bigbin_built = if rows.has("pqtu") {
            self.build_bigbin()
        } else {
            Err(NOT_SELECTED.into())
        };
        let tools = Tools::locate(self);
        for (name, found) in [
            ("gdb", &tools.gdb),
            ("strace", &tools.strace),
            ("gdbserver", &tools.gdbserver),
        ] {
            if found.is_none() {
                println!(
                    "xtask: `{name}` is not in PATH: its measurements are skipped \
                     (install it with `apt-get install {name}`)"
                );
            }
        }

        let tools = &tools;
        let rate = |row: &rates::RateRow| {
            rows.measure(row.letter, row.heading(tools), || {
                self.measure_rates(tools, row)
            })
        };
        let means = |row: &criterion::MeanRow| {
            rows.measure(row.letter, row.heading, || self.measure_means(row))
        };
        let calls = |row: &syscalls::CallsRow| {
            rows.measure(row.letter, row.heading(), || self.measure_calls(tools, row))
        };

        let rates = rate(&rates::STEP_RATE);
        let criterion = means(&criterion::STEP_MEANS);
        let syscalls = calls(&syscalls::STEP_CALLS);
        let hit_rates = rate(&rates::HIT_RATE);
        // e. and j. share one criterion run: e. takes the software times, j. the hardware.
        let (breakpoint, hardware_means) = if rows.has("ej") {
            println!("\n## {}\n", criterion::BREAKPOINT_MEANS.heading);
            self.measure_breakpoint_criterion()
        } else {
            (Err(NOT_SELECTED.into()), Err(NOT_SELECTED.into()))
        };
        let read = rows.measure('f', criterion::READ_HEADING, || {
            self.measure_read_criterion()
        });
        let hit_syscalls = calls(&syscalls::HIT_CALLS);
        let watch_rates = rate(&rates::WATCH_RATE);
        let watch = means(&criterion::WATCH_MEANS);
        let hardware = rows.measure('j', hardware::HEADING, || match hardware_means {
            Ok(means) => Ok(hardware::HardwareBreakpoints {
                means,
                stops: self.measure_breakpoint_stops(tools),
            }),
            Err(e) => {
                println!("skipped: e.'s criterion run failed");
                Err(e)
            }
        });
        let watch_syscalls = calls(&syscalls::WATCH_CALLS);
        let trace_rates = rate(&rates::TRACE_RATE);
        let syscall_stop = means(&criterion::SYSCALL_MEANS);
        let thread_hit_rates = rate(&rates::THREAD_RATE);
        let thread_prologue_rates = rate(&rates::PROLOGUE_RATE);
        let trace_syscalls = calls(&syscalls::TRACED_CALLS);
        let symbol_runs = |stop: &symbols::BigbinStop| {
            rows.measure_any(&stop.letters(), stop.heading(), || {
                self.measure_symbols(tools, &bigbin_built, stop)
            })
        };
        let symbols = symbol_runs(&symbols::BACKTRACE_STOP);
        let conditional_rates = rate(&rates::CONDITIONAL_RATE);
        let symbol_print = symbol_runs(&symbols::PRINT_STOP);
        let locals_rates = rate(&rates::LOCALS_RATE);
        let library_runs = |stop: &libraries::LibraryStop| {
            rows.measure_any(&stop.letters(), stop.heading(), || {
                self.measure_library_stop(tools, stop)
            })
        };
        let python_stop = library_runs(&libraries::PYTHON_STOP);
        let dlopen_stop = library_runs(&libraries::DLOPEN_STOP);
        let remote = rows.measure_any("zAB", remote::HEADING, || self.measure_remote(tools, rows));
        let catch_rates = rate(&rates::CATCH_RATE);
        let catch_syscalls = calls(&syscalls::CATCH_SYSCALL_CALLS);
        let source_step_rates = rate(&rates::SOURCE_STEP_RATE);
        let source_next_rates = rate(&rates::SOURCE_NEXT_RATE);
        let gdb_catch_rates = rate(&rates::GDB_CATCH_RATE);
        let named_hit_rates = rate(&rates::NAMED_HIT_RATE);
        let named_hit_syscalls = calls(&syscalls::NAMED_HIT_CALLS);
        let thread_hit_syscalls = calls(&syscalls::THREAD_HIT_CALLS);

        let report = Report {
            rows: rows.clone(),
            rates,
            criterion,
            syscalls,
            hit_rates,
            breakpoint,
            read,
            hit_syscalls,
            watch_rates,
            watch,
            hardware,
            watch_syscalls,
            trace_rates,
            syscall_stop,
            thread_hit_rates,
            trace_syscalls,
            symbols,
            thread_prologue_rates,
            conditional_rates,
            symbol_print,
            locals_rates,
            python_stop,
            dlopen_stop,
            remote,
            catch_rates,
            catch_syscalls,
            source_step_rates,
            source_next_rates,
            gdb_catch_rates,
            named_hit_rates,
            named_hit_syscalls,
            thread_hit_syscalls,
        };
        println!("\n{}", report.render(&self.describe_machine(tools)));
        if report.complete() {
            Ok(())
        } else {
            Err("some measurements failed: see the table above".to_string())
        }
    }

    /// Time each tool's long and short command over [`RUNS`] interleaved runs (each command
    /// echoed once first) and return the medians per tool. `check(tool, long, output)` looks
    /// at every run: a run that did not do its work fails the measurement.
    fn interleaved_medians(
        &self,
        commands: &mut [(&'static str, Command, Command)],
        [long_label, short_label]: [&str; 2],
        check: impl Fn(&str, bool, &Output) -> Result<(), String>,
    ) -> Measured<BTreeMap<&'static str, (Duration, Duration)>> {
        for (_, long, short) in commands.iter() {
            println!("$ {}", self.shell_line(long));
            println!("$ {}", self.shell_line(short));
        }
        let mut times: BTreeMap<&str, (Vec<Duration>, Vec<Duration>)> = BTreeMap::new();
        for run in 1..=RUNS {
            for (tool, long, short) in commands.iter_mut() {
                let time = |command: &mut Command, is_long: bool| {
                    let (elapsed, output) = self.timed_output(command)?;
                    check(tool, is_long, &output)
                        .map_err(|e| format!("`{}`: {e}", self.shell_line(command)))?;
                    Ok::<_, String>(elapsed)
                };
                let long_time = time(long, true)?;
                let short_time = time(short, false)?;
                println!(
                    "run {run}/{RUNS} {tool}: {long_label} {:.3} s, {short_label} {:.3} s",
                    long_time.as_secs_f64(),
                    short_time.as_secs_f64()
                );
                let entry = times.entry(*tool).or_default();
                entry.0.push(long_time);
                entry.1.push(short_time);
            }
        }
        Ok(times
            .into_iter()
            .map(|(tool, (long, short))| (tool, (median(&long), median(&short))))
            .collect())
    }

    /// Run each tool's command over [`RUNS`] interleaved runs (each command echoed once
    /// first), every run under a fresh `xtask rusage` process ([`Workspace::rusage_output`]),
    /// and return each tool's median wall time and median peak RSS, in the order given.
    /// `problem(tool, output)` looks at every run: a tool whose run fails or does not do its
    /// work is not run again, and its figures say why.
    fn interleaved_usages(
        &self,
        commands: Vec<(&'static str, Command)>,
        problem: impl Fn(&str, &str) -> Option<String>,
    ) -> Vec<(&'static str, Measured<RunUsage>)> {
        for (_, command) in &commands {
            println!("$ {}", self.shell_line(command));
        }
        let mut runs: Vec<(&str, Command, Measured<Vec<RunUsage>>)> = commands
            .into_iter()
            .map(|(tool, command)| (tool, command, Ok(Vec::new())))
            .collect();
        for run in 1..=RUNS {
            for (tool, command, usages) in runs.iter_mut() {
                let Ok(measured) = usages else { continue };
                let usage = self
                    .rusage_output(command)
                    .and_then(|(usage, output)| problem(tool, &output).map_or(Ok(usage), Err));
                match usage {
                    Ok(usage) => {
                        println!(
                            "run {run}/{RUNS} {tool}: {:.3} s, peak {}",
                            usage.wall.as_secs_f64(),
                            usage.peak_shown()
                        );
                        measured.push(usage);
                    }
                    Err(e) => {
                        println!("xtask: {e}");
                        *usages = Err(e);
                    }
                }
            }
        }
        runs.into_iter()
            .map(|(tool, _, usages)| (tool, usages.map(|usages| RunUsage::median(&usages))))
            .collect()
    }

    /// Run `command` under a fresh `xtask rusage` process, with no input: its wall time and
    /// peak RSS, and its output (stdout, then stderr, without the helper's line). A run that
    /// fails is an error that says why in a line: the program, its status and the first line
    /// it wrote to stderr that says why.
    pub fn rusage_output(&self, command: &Command) -> Measured<(RunUsage, String)> {
        let line = self.shell_line(command);
        let helper = std::env::current_exe()
            .map_err(|e| format!("cannot find xtask's own executable: {e}"))?;
        let output = Command::new(helper)
            .arg("rusage")
            .arg(command.get_program())
            .args(command.get_args())
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run `{line}`: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            let program = Path::new(command.get_program())
                .file_name()
                .unwrap_or_default()
                .to_string_lossy();
            // dbg-cli's first error is the cause (the later ones follow from it); gdb says
            // what went wrong last, after its warnings.
            let said = stderr
                .lines()
                .find(|text| text.starts_with("error"))
                .or_else(|| stderr.lines().rev().find(|text| !text.trim().is_empty()))
                .unwrap_or("nothing on stderr");
            return Err(format!("{program} failed ({}): {said}", output.status));
        }
        let (usage, stdout) =
            RunUsage::parse(&stdout).map_err(|e| format!("`xtask rusage {line}`: {e}"))?;
        Ok((usage, format!("{stdout}\n{stderr}")))
    }

    /// The machine the table was measured on: CPUs, kernel, and the versions of gdb, strace
    /// and gdbserver.
    fn describe_machine(&self, tools: &Tools) -> String {
        let first_line = |program: &Path, arg: &str| {
            Command::new(program)
                .arg(arg)
                .output()
                .ok()
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .next()
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "unknown version".to_string())
        };
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string());
        let mut text = format!("{cpus} CPUs, Linux {kernel}");
        if let Some(gdb) = &tools.gdb {
            let _ = write!(text, "; {}", first_line(gdb, "--version"));
        }
        if let Some(strace) = &tools.strace {
            let _ = write!(text, "; {}", first_line(strace, "-V"));
        }
        if let Some(gdbserver) = &tools.gdbserver {
            let _ = write!(text, "; {}", first_line(gdbserver, "--version"));
        }
        text
    }
}

/// The median of `values` (the upper one of an even count).
pub fn median<T: Ord + Copy + Default>(values: &[T]) -> T {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The rows `cargo xtask bench [ROW...]` measures and shows: the letters given, or all.
#[derive(Debug, Clone)]
pub struct Rows(BTreeSet<char>);

impl Rows {
    /// Every row's letter in the table's order: `a` to `z`, then `A` to [`LAST_ROW`].
    pub fn letters() -> impl Iterator<Item = char> {
        ('a'..='z').chain('A'..=LAST_ROW)
    }

    /// The rows named by `args`, each one letter or several (`p q` or `pq`, `w A`) from
    /// [`Rows::letters`]; every row when there are none.
    pub fn parse(args: &[String]) -> Result<Rows, String> {
        let all: BTreeSet<char> = Rows::letters().collect();
        if args.is_empty() {
            return Ok(Rows(all));
        }
        let mut rows = BTreeSet::new();
        for arg in args {
            for letter in arg.chars() {
                if !all.contains(&letter) {
                    return Err(format!(
                        "`{arg}` is not a row: rows are the letters a to z and A to \
                         {LAST_ROW}\n\n{USAGE}"
                    ));
                }
                rows.insert(letter);
            }
        }
        Ok(Rows(rows))
    }

    /// Whether any of the rows `letters` is selected.
    pub fn has(&self, letters: &str) -> bool {
        letters.chars().any(|letter| self.0.contains(&letter))
    }

    /// When row `letter` is selected, print `heading` and `measure`; otherwise measure nothing.
    fn measure<T>(
        &self,
        letter: char,
        heading: impl std::fmt::Display,
        measure: impl FnOnce() -> Measured<T>,
    ) -> Measured<T> {
        self.measure_any(letter.encode_utf8(&mut [0; 4]), heading, measure)
    }

    /// When a row of `letters` is selected, print `heading` and `measure`; otherwise measure
    /// nothing.
    fn measure_any<T>(
        &self,
        letters: &str,
        heading: impl std::fmt::Display,
        measure: impl FnOnce() -> Measured<T>,
    ) -> Measured<T> {
        if !self.has(letters) {
            return Err(NOT_SELECTED.into());
        }
        println!("\n## {heading}\n");
        measure()
    }

    /// Whether a table row or a note (which starts with its row's letter: `p. ...`) belongs
    /// to a selected row.
    fn shows(&self, text: &str) -> bool {
        let mut chars = text.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(letter), Some('.'), Some(' ')) if letter.is_ascii_alphabetic() => {
                self.0.contains(&letter)
            }
            _ => true,
        }
    }

    /// The selected letters in the table's order, when not every row is: `p, q`, `z, A`.
    fn partial(&self) -> Option<String> {
        let all = Rows::letters().count();
        (self.0.len() < all).then(|| {
            let letters: Vec<String> = Rows::letters()
                .filter(|letter| self.0.contains(letter))
                .map(String::from)
                .collect();
            letters.join(", ")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle_run() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(5), ms(1), ms(9), ms(3), ms(7)]), ms(5));
    }
}
