//! Project automation for dbg, run as `cargo xtask <task>`: build the C fixtures and run every
//! test, show the debugger working on a sample program, and measure single-stepping against gdb
//! and a bare ptrace loop.
//!
//! Every command it runs is echoed first (`$ ...`), so a failure can be reproduced by hand.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  test [ARGS...]  build the fixtures in test-programs/, then run every test of the workspace
                  (`cargo test --workspace --all-targets` and the doc tests, each run to the
                  end; ARGS go to both)
  demo            build dbg-cli and show it launching, stepping and continuing a sample program
  bench           measure single-stepping (dbg-cli against gdb, dbg-process against a bare
                  ptrace loop, system calls per step) and print a markdown table";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((task, rest)) => match task.as_str() {
            "test" => Workspace::locate().test(rest),
            "demo" => Workspace::locate().demo(),
            "bench" => Workspace::locate().bench(),
            "help" | "-h" | "--help" => {
                println!("{USAGE}");
                Ok(())
            }
            other => Err(format!("unknown task `{other}`\n\n{USAGE}")),
        },
        None => Err(format!("no task given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where things are: the workspace root (every command runs there), the cargo target
/// directory, and the cargo that started us.
#[derive(Debug)]
struct Workspace {
    root: PathBuf,
    target: PathBuf,
    cargo: OsString,
}

impl Workspace {
    fn locate() -> Workspace {
        let fixtures_dir = fixtures::output_dir();
        let target = fixtures_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(fixtures_dir);
        Workspace {
            root: fixtures::workspace_root(),
            target,
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        }
    }

    fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut command = Command::new(&self.cargo);
        command
            .current_dir(&self.root)
            .args(args.into_iter().map(Into::into));
        command
    }

    /// A command line as a user would type it in the workspace root.
    fn shell_line(&self, command: &Command) -> String {
        let program = Path::new(command.get_program());
        let program = if program.is_absolute() {
            self.show_path(program)
        } else {
            program.display().to_string()
        };
        let mut line = if program == self.cargo.to_string_lossy() {
            "cargo".to_string()
        } else {
            quote(&program)
        };
        for arg in command.get_args() {
            let arg = Path::new(arg);
            let shown = if arg.is_absolute() {
                self.show_path(arg)
            } else {
                arg.display().to_string()
            };
            line.push(' ');
            line.push_str(&quote(&shown));
        }
        line
    }

    /// `path` relative to the workspace root when it is inside it.
    fn show_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Echo `command`, run it with our standard streams, and fail if it fails.
    fn run(&self, command: &mut Command) -> Result<(), String> {
        let line = self.shell_line(command);
        println!("$ {line}");
        let status = command
            .status()
            .map_err(|e| format!("cannot run `{line}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{line}` failed ({status})"))
        }
    }

    fn build_fixtures(&self) -> Result<(), String> {
        let dir = self.show_path(&fixtures::output_dir());
        let built = fixtures::build_all().map_err(|e| format!("cannot build the fixtures: {e}"))?;
        if built.is_empty() {
            println!("fixtures: all up to date in {dir}");
        } else {
            println!("fixtures: built {} in {dir}", built.join(", "));
        }
        Ok(())
    }

    // ── test ────────────────────────────────────────────────────────────────────────────

    fn test(&self, extra: &[String]) -> Result<(), String> {
        self.build_fixtures()?;
        let runs = [
            self.cargo(["test", "--workspace", "--all-targets", "--no-fail-fast"]),
            self.cargo(["test", "--workspace", "--doc", "--no-fail-fast"]),
        ];
        let mut failed = Vec::new();
        for mut command in runs {
            command.args(extra);
            if let Err(e) = self.run(&mut command) {
                eprintln!("xtask: {e}");
                failed.push(self.shell_line(&command));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!("failed: {}", failed.join("; ")))
        }
    }

    // ── demo ────────────────────────────────────────────────────────────────────────────

    fn demo(&self) -> Result<(), String> {
        self.run(&mut self.cargo(["build", "--package", "dbg-cli"]))?;
        self.build_fixtures()?;
        let dbg = self.target.join("debug").join("dbg-cli");
        let hello = fixtures::output_dir().join("hello");
        println!();
        println!("dbg-cli launches `hello`, stopped at its first instruction (in the dynamic");
        println!("loader), reads rip, steps three instructions, reads rip and rsp, and lets the");
        println!("program run to its end:");
        println!();
        let mut command = Command::new(&dbg);
        command
            .current_dir(&self.root)
            .args(["run", "--batch", "-e", "register read rip", "-e", "stepi 3"])
            .args(["-e", "register read rip rsp", "-e", "continue"])
            .arg(&hello);
        self.run(&mut command)
    }

    // ── bench ───────────────────────────────────────────────────────────────────────────

    fn bench(&self) -> Result<(), String> {
        self.run(&mut self.cargo(["build", "--release", "--package", "dbg-cli"]))?;
        self.build_fixtures()?;
        let tools = Tools {
            dbg: self.target.join("release").join("dbg-cli"),
            busy: fixtures::output_dir().join("busy"),
            gdb: find_program("gdb"),
            strace: find_program("strace"),
        };
        for (name, found) in [("gdb", &tools.gdb), ("strace", &tools.strace)] {
            if found.is_none() {
                println!(
                    "xtask: `{name}` is not in PATH: its measurements are skipped \
                     (install it with `apt-get install {name}`)"
                );
            }
        }

        println!("\n## a. `stepi {CLI_STEPS}` through the command line\n");
        let rates = self.measure_rates(&tools);
        println!("\n## b. criterion: `Process::step_instruction` against a bare ptrace loop\n");
        let criterion = self.measure_criterion();
        println!("\n## c. system calls per single step (`strace -c`, no `-f`)\n");
        let syscalls = self.measure_syscalls(&tools);

        let report = Report {
            rates,
            criterion,
            syscalls,
        };
        println!("\n{}", report.render(&self.describe_machine(&tools)));
        if report.complete() {
            Ok(())
        } else {
            Err("some measurements failed: see the table above".to_string())
        }
    }

    /// a. Whole-command wall time with `stepi N` and with `stepi 1`, median of each over
    /// [`RUNS`] interleaved runs; the difference is the time of N-1 steps, with launch and
    /// exit costs cancelled.
    fn measure_rates(&self, tools: &Tools) -> Measured<CliRates> {
        let dbg_command = |steps: u64| {
            let mut command = Command::new(&tools.dbg);
            command
                .args(["run", "--batch", "-e", &format!("stepi {steps}")])
                .arg(&tools.busy);
            command
        };
        let gdb_command = |gdb: &Path, steps: u64| {
            let mut command = Command::new(gdb);
            command
                .args([
                    "-batch",
                    "-nx",
                    "-ex",
                    "starti",
                    "-ex",
                    &format!("stepi {steps}"),
                ])
                .arg(&tools.busy)
                .stdout(Stdio::null());
            command
        };
        let mut commands = vec![("dbg", dbg_command(CLI_STEPS), dbg_command(1))];
        if let Some(gdb) = &tools.gdb {
            commands.push(("gdb", gdb_command(gdb, CLI_STEPS), gdb_command(gdb, 1)));
        }
        let dbg_invalid = self.dbg_steps_incomplete(tools, CLI_STEPS);
        for (_, long, short) in &commands {
            println!("$ {}", self.shell_line(long));
            println!("$ {}", self.shell_line(short));
        }
        let mut times: BTreeMap<&str, (Vec<Duration>, Vec<Duration>)> = BTreeMap::new();
        for run in 1..=RUNS {
            for (tool, long, short) in &mut commands {
                let long_time = self.timed(long)?;
                let short_time = self.timed(short)?;
                println!(
                    "run {run}/{RUNS} {tool}: stepi {CLI_STEPS} {:.3} s, stepi 1 {:.3} s",
                    long_time.as_secs_f64(),
                    short_time.as_secs_f64()
                );
                let entry = times.entry(*tool).or_default();
                entry.0.push(long_time);
                entry.1.push(short_time);
            }
        }
        let rate = |tool: &str| -> Result<StepRate, String> {
            let (long, short) = times
                .get(tool)
                .ok_or_else(|| format!("no times measured for {tool}"))?;
            StepRate::new(median(long), median(short))
        };
        Ok(CliRates {
            dbg: rate("dbg")?,
            gdb: tools.gdb.as_ref().map(|_| rate("gdb")).transpose()?,
            dbg_invalid,
        })
    }

    /// Why `dbg-cli`'s `stepi steps` does not stand for `steps` single steps, if it does not:
    /// the same command in JSON mode must end with a `single_step` stop, not an early stop
    /// (a signal, the process ending), or a timing of it measures something else.
    fn dbg_steps_incomplete(&self, tools: &Tools, steps: u64) -> Option<String> {
        let mut command = Command::new(&tools.dbg);
        command
            .current_dir(&self.root)
            .args(["run", "--batch", "--json", "-e", &format!("stepi {steps}")])
            .arg(&tools.busy)
            .stdin(Stdio::null());
        let line = self.shell_line(&command);
        println!("$ {line}    # check: every step completes");
        let output = match command.output() {
            Ok(output) => output,
            Err(e) => return Some(format!("cannot run `{line}`: {e}")),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Some(format!("`{line}` failed ({}): {stdout}", output.status));
        }
        let last_stop = stdout.lines().rev().find(|text| {
            serde_json::from_str::<serde_json::Value>(text)
                .is_ok_and(|value| value.get("type").and_then(|t| t.as_str()) == Some("stop"))
        });
        let reason = last_stop
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .and_then(|value| value.get("reason")?.as_str().map(str::to_string));
        match (reason.as_deref(), last_stop) {
            (Some("single_step"), _) => None,
            (_, Some(stop)) => {
                let problem = format!("`stepi {steps}` ended early: {stop}");
                println!("xtask: {problem}");
                Some(problem)
            }
            (_, None) => Some(format!("`{line}` reported no stop")),
        }
    }

    /// Run `command` with its output captured (unless it goes elsewhere already), and return
    /// its wall time.
    fn timed(&self, command: &mut Command) -> Result<Duration, String> {
        command.current_dir(&self.root).stdin(Stdio::null());
        let start = Instant::now();
        let output = command
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", self.shell_line(command)))?;
        let elapsed = start.elapsed();
        if output.status.success() {
            Ok(elapsed)
        } else {
            Err(format!(
                "`{}` failed ({}):\n{}{}",
                self.shell_line(command),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// b. Run the criterion bench and read the mean of both functions from its estimates.
    fn measure_criterion(&self) -> Measured<CriterionMeans> {
        let started = SystemTime::now();
        self.run(&mut self.cargo(["bench", "--package", "dbg-process", "--bench", "step"]))?;
        let mean = |function: &str| -> Result<f64, String> {
            let path = self
                .target
                .join("criterion")
                .join(BENCH_GROUP)
                .join(function)
                .join("new")
                .join("estimates.json");
            let shown = self.show_path(&path);
            let fresh = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified >= started);
            if !fresh {
                return Err(format!("{shown} was not written by this run"));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
            criterion_mean(&text).map_err(|e| format!("{shown}: {e}"))
        };
        Ok(CriterionMeans {
            dbg_ns: mean("dbg_process")?,
            bare_ns: mean("bare_ptrace")?,
        })
    }

    /// c. `strace -c` on the tool itself (not its children) with two step counts; the
    /// difference in calls divided by the difference in steps. `None` when strace is not
    /// installed.
    fn measure_syscalls(&self, tools: &Tools) -> Measured<Option<SyscallCounts>> {
        let Some(strace) = &tools.strace else {
            println!("skipped: strace is not installed");
            return Ok(None);
        };
        let dbg_invalid = self.dbg_steps_incomplete(tools, SYSCALL_STEPS.1);
        let dir = self.target.join("xtask-bench");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", self.show_path(&dir)))?;
        let count = |tool: &str, program: &Path, before: &[&str], steps: u64| {
            let file = dir.join(format!("strace-{tool}-{steps}.txt"));
            let mut command = Command::new(strace);
            command
                .arg("-c")
                .arg("-o")
                .arg(&file)
                .arg(program)
                .args(before);
            command
                .arg(format!("stepi {steps}"))
                .arg(&tools.busy)
                .stdout(Stdio::null());
            println!("$ {}", self.shell_line(&command));
            self.timed(&mut command)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", self.show_path(&file)))?;
            parse_strace_summary(&text).map_err(|e| format!("{}: {e}", self.show_path(&file)))
        };
        let per_step = |tool: &str, program: &Path, before: &[&str]| {
            let few = count(tool, program, before, SYSCALL_STEPS.0)?;
            let many = count(tool, program, before, SYSCALL_STEPS.1)?;
            Ok::<_, String>(StepCalls::between(&few, &many))
        };
        let dbg = per_step("dbg", &tools.dbg, &["run", "--batch", "-e"])?;
        let gdb = match &tools.gdb {
            Some(gdb) => Some(per_step(
                "gdb",
                gdb,
                &["-batch", "-nx", "-ex", "starti", "-ex"],
            )?),
            None => None,
        };
        Ok(Some(SyscallCounts {
            dbg,
            gdb,
            dbg_invalid,
        }))
    }

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
        text
    }
}

/// Steps in the command-line rate measurement.
const CLI_STEPS: u64 = 100_000;
/// Runs of each command in the rate measurement; the median is used.
const RUNS: usize = 5;
/// The two step counts whose system-call totals are compared.
const SYSCALL_STEPS: (u64, u64) = (1_000, 11_000);
/// The criterion group of `crates/process/benches/step.rs`.
const BENCH_GROUP: &str = "single_step";
/// From PERFORMANCE.md, for the reader of the table.
const BARE_LOOP_CALLS_PER_STEP: f64 = 2.0;
const GDB_CALLS_PER_STEP_MEASURED: f64 = 28.6;

/// The programs the benchmark runs.
#[derive(Debug)]
struct Tools {
    dbg: PathBuf,
    busy: PathBuf,
    gdb: Option<PathBuf>,
    strace: Option<PathBuf>,
}

/// A measurement, or why it could not be made.
type Measured<T> = Result<T, String>;

#[derive(Debug)]
struct StepRate {
    long: Duration,
    short: Duration,
    per_second: f64,
}

impl StepRate {
    fn new(long: Duration, short: Duration) -> Result<StepRate, String> {
        let stepping = long.saturating_sub(short).as_secs_f64();
        if stepping <= 0.0 {
            return Err(format!(
                "stepi {CLI_STEPS} ({long:?}) took no longer than stepi 1 ({short:?})"
            ));
        }
        let per_second = (CLI_STEPS - 1) as f64 / stepping;
        Ok(StepRate {
            long,
            short,
            per_second,
        })
    }
}

#[derive(Debug)]
struct CliRates {
    dbg: StepRate,
    gdb: Option<StepRate>,
    /// Why the dbg rate is not a stepping rate.
    dbg_invalid: Option<String>,
}

#[derive(Debug)]
struct CriterionMeans {
    dbg_ns: f64,
    bare_ns: f64,
}

/// System calls per single step, in total and by name.
#[derive(Debug)]
struct StepCalls {
    total: f64,
    by_name: Vec<(String, f64)>,
}

impl StepCalls {
    fn between(few: &BTreeMap<String, u64>, many: &BTreeMap<String, u64>) -> StepCalls {
        let steps = (SYSCALL_STEPS.1 - SYSCALL_STEPS.0) as f64;
        let per_step = |name: &str| {
            let calls = |map: &BTreeMap<String, u64>| map.get(name).copied().unwrap_or(0) as f64;
            (calls(many) - calls(few)) / steps
        };
        let names: BTreeSet<&String> = few.keys().chain(many.keys()).collect();
        let mut by_name: Vec<(String, f64)> = names
            .into_iter()
            .filter(|name| name.as_str() != "total")
            .map(|name| (name.clone(), per_step(name)))
            .filter(|(_, calls)| calls.abs() >= 0.005)
            .collect();
        by_name.sort_by(|a, b| b.1.total_cmp(&a.1));
        StepCalls {
            total: per_step("total"),
            by_name,
        }
    }

    fn breakdown(&self) -> String {
        let parts: Vec<String> = self
            .by_name
            .iter()
            .map(|(name, calls)| format!("{name} {calls:.2}"))
            .collect();
        parts.join(", ")
    }
}

#[derive(Debug)]
struct SyscallCounts {
    dbg: StepCalls,
    gdb: Option<StepCalls>,
    /// Why the dbg count is not a count per step.
    dbg_invalid: Option<String>,
}

/// The three measurements, rendered as one markdown table with the goals.
#[derive(Debug)]
struct Report {
    rates: Measured<CliRates>,
    criterion: Measured<CriterionMeans>,
    /// `None` when strace is not installed.
    syscalls: Measured<Option<SyscallCounts>>,
}

impl Report {
    fn complete(&self) -> bool {
        self.rates.as_ref().is_ok_and(|r| r.dbg_invalid.is_none())
            && self.criterion.is_ok()
            && self
                .syscalls
                .as_ref()
                .is_ok_and(|c| c.as_ref().is_none_or(|c| c.dbg_invalid.is_none()))
    }

    fn render(&self, machine: &str) -> String {
        let mut rows: Vec<[String; 6]> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let failed = |e: &str| one_line(&format!("failed: {e}"));

        match &self.rates {
            Ok(rates) => {
                let (reference, ratio, met) = match &rates.gdb {
                    _ if rates.dbg_invalid.is_some() => {
                        let reference = rates
                            .gdb
                            .as_ref()
                            .map_or("gdb not installed".into(), |gdb| {
                                format!("gdb: {}", thousands(gdb.per_second))
                            });
                        (reference, "—".into(), "no".into())
                    }
                    Some(gdb) => {
                        let ratio = rates.dbg.per_second / gdb.per_second;
                        (
                            format!("gdb: {}", thousands(gdb.per_second)),
                            format!("{ratio:.2}× gdb"),
                            yes_no(ratio >= 5.0),
                        )
                    }
                    None => ("gdb not installed".into(), "—".into(), "not checked".into()),
                };
                let dbg = match &rates.dbg_invalid {
                    Some(why) => {
                        notes.push(format!("a. dbg is not measured: {}", one_line(why)));
                        "invalid (see below)".into()
                    }
                    None => thousands(rates.dbg.per_second),
                };
                rows.push([
                    format!("a. `dbg-cli run --batch -e \"stepi {CLI_STEPS}\"`, steps/s"),
                    dbg,
                    reference,
                    ratio,
                    "≥ 5× gdb".into(),
                    met,
                ]);
                let valid = rates.dbg_invalid.is_none();
                for (tool, rate, valid) in [
                    ("dbg", Some(&rates.dbg), valid),
                    ("gdb", rates.gdb.as_ref(), true),
                ] {
                    let Some(rate) = rate else { continue };
                    let mut note = format!(
                        "a. {tool}: median of {RUNS} runs: stepi {CLI_STEPS} {:.3} s, \
                         stepi 1 {:.3} s",
                        rate.long.as_secs_f64(),
                        rate.short.as_secs_f64(),
                    );
                    if valid {
                        let _ = write!(
                            note,
                            "; {} steps/s = {} / difference",
                            thousands(rate.per_second),
                            thousands((CLI_STEPS - 1) as f64),
                        );
                    }
                    notes.push(note);
                }
            }
            Err(e) => rows.push([
                "a. `stepi` through the command line".into(),
                failed(e),
                "—".into(),
                "—".into(),
                "≥ 5× gdb".into(),
                "no".into(),
            ]),
        }

        match &self.criterion {
            Ok(means) => {
                let ratio = means.dbg_ns / means.bare_ns;
                rows.push([
                    format!("b. criterion `{BENCH_GROUP}`, mean time per step"),
                    format!(
                        "{:.2} µs ({}/s)",
                        means.dbg_ns / 1e3,
                        thousands(1e9 / means.dbg_ns)
                    ),
                    format!(
                        "bare ptrace loop: {:.2} µs ({}/s)",
                        means.bare_ns / 1e3,
                        thousands(1e9 / means.bare_ns)
                    ),
                    format!("{ratio:.2}× bare"),
                    "≤ 1.3× bare".into(),
                    yes_no(ratio <= 1.3),
                ]);
            }
            Err(e) => rows.push([
                format!("b. criterion `{BENCH_GROUP}`"),
                failed(e),
                "—".into(),
                "—".into(),
                "≤ 1.3× bare".into(),
                "no".into(),
            ]),
        }

        match &self.syscalls {
            Ok(None) => rows.push([
                "c. system calls per single step".into(),
                "skipped: strace not installed".into(),
                "—".into(),
                "—".into(),
                "≤ 3".into(),
                "not checked".into(),
            ]),
            Ok(Some(counts)) => {
                let (reference, ratio) = match &counts.gdb {
                    Some(gdb) => (
                        format!("gdb: {:.1}", gdb.total),
                        format!("{:.2}× gdb", counts.dbg.total / gdb.total),
                    ),
                    None => (
                        format!(
                            "gdb not installed ({GDB_CALLS_PER_STEP_MEASURED} measured earlier)"
                        ),
                        "—".into(),
                    ),
                };
                let (dbg, ratio, met) = match &counts.dbg_invalid {
                    Some(why) => {
                        notes.push(format!("c. dbg is not measured: {}", one_line(why)));
                        ("invalid (see below)".into(), "—".into(), "no".into())
                    }
                    None => (
                        format!("{:.2}", counts.dbg.total),
                        ratio,
                        yes_no(counts.dbg.total <= 3.0),
                    ),
                };
                rows.push([
                    "c. system calls per single step (`strace -c`, no `-f`)".into(),
                    dbg,
                    format!("{reference}; bare loop: {BARE_LOOP_CALLS_PER_STEP}"),
                    ratio,
                    "≤ 3".into(),
                    met,
                ]);
                notes.push(format!("c. dbg per step: {}", counts.dbg.breakdown()));
                if let Some(gdb) = &counts.gdb {
                    notes.push(format!("c. gdb per step: {}", gdb.breakdown()));
                }
            }
            Err(e) => rows.push([
                "c. system calls per single step".into(),
                failed(e),
                "—".into(),
                "—".into(),
                "≤ 3".into(),
                "no".into(),
            ]),
        }

        let mut out = String::from("## Single-step benchmarks\n\n");
        let _ = writeln!(out, "Measured in one run on {machine}.\n");
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

fn yes_no(met: bool) -> String {
    if met { "yes" } else { "no" }.to_string()
}

/// A multi-line error squeezed into a table cell.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `12345.6` as `12,346`.
fn thousands(value: f64) -> String {
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

fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The mean's point estimate, in nanoseconds, from criterion's `estimates.json`.
fn criterion_mean(json: &str) -> Result<f64, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    value
        .pointer("/mean/point_estimate")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| "no mean.point_estimate".to_string())
}

/// Calls per system call name (and `total`) from the table `strace -c` writes. The calls
/// column is read by its position under the header, since the errors column may be blank.
fn parse_strace_summary(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let mut lines = text.lines();
    let header = lines
        .by_ref()
        .find(|line| line.contains("calls") && line.contains("syscall"))
        .ok_or("no `strace -c` header line")?;
    let end = header
        .find("calls")
        .map(|at| at + "calls".len())
        .ok_or("no calls column")?;
    let mut calls = BTreeMap::new();
    for line in lines {
        let Some(name) = line.split_whitespace().last() else {
            continue;
        };
        if line.starts_with("---") {
            continue;
        }
        let column = line.get(..end).unwrap_or(line);
        let count = column
            .split_whitespace()
            .last()
            .and_then(|word| word.parse::<u64>().ok())
            .ok_or_else(|| format!("no call count in line `{line}`"))?;
        calls.insert(name.to_string(), count);
    }
    if calls.contains_key("total") {
        Ok(calls)
    } else {
        Err("no total row".to_string())
    }
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

/// Quote a word for a POSIX shell when it needs it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else if !word.contains(['"', '$', '`', '\\', '!']) {
        format!("\"{word}\"")
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRACE: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.012000           6      2002           ptrace
 35.00    0.007000           7      1001           wait4
  5.00    0.001000          10       100         3 openat
------ ----------- ----------- --------- --------- ----------------
100.00    0.020000           6      3103         3 total
";

    #[test]
    fn strace_summary_reads_the_calls_column() {
        let calls = parse_strace_summary(STRACE);
        let expected: BTreeMap<String, u64> = [
            ("ptrace", 2002),
            ("wait4", 1001),
            ("openat", 100),
            ("total", 3103),
        ]
        .into_iter()
        .map(|(name, count)| (name.to_string(), count))
        .collect();
        assert_eq!(calls, Ok(expected));
    }

    #[test]
    fn strace_summary_without_total_is_an_error() {
        assert!(parse_strace_summary("nothing here\n").is_err());
        let cut: String = STRACE
            .lines()
            .take(4)
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(parse_strace_summary(&cut).is_err());
    }

    #[test]
    fn calls_per_step_is_the_difference_over_the_steps() {
        let map = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs
                .iter()
                .map(|(name, count)| (name.to_string(), *count))
                .collect()
        };
        let few = map(&[
            ("ptrace", 2_000),
            ("wait4", 1_000),
            ("mmap", 40),
            ("total", 3_040),
        ]);
        let many = map(&[
            ("ptrace", 22_000),
            ("wait4", 11_000),
            ("mmap", 40),
            ("total", 33_040),
        ]);
        let calls = StepCalls::between(&few, &many);
        assert!((calls.total - 3.0).abs() < 1e-9);
        assert_eq!(calls.breakdown(), "ptrace 2.00, wait4 1.00");
    }

    #[test]
    fn criterion_mean_is_read_from_estimates() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,
            "lower_bound":1.0,"upper_bound":3.0},"point_estimate":18615.5,"standard_error":0.1},
            "median":{"point_estimate":18000.0}}"#;
        assert_eq!(criterion_mean(json), Ok(18615.5));
        assert!(criterion_mean(r#"{"median":{"point_estimate":1.0}}"#).is_err());
    }

    #[test]
    fn numbers_and_words_are_shown_as_a_user_would_type_them() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(53_720.2), "53,720");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(quote("--batch"), "--batch");
        assert_eq!(quote("stepi 3"), "\"stepi 3\"");
        assert_eq!(quote("it's $x"), "'it'\\''s $x'");
    }

    fn sample_report(dbg_invalid: Option<String>) -> Result<Report, String> {
        let secs = Duration::from_secs_f64;
        Ok(Report {
            rates: Ok(CliRates {
                dbg: StepRate::new(secs(2.0), secs(0.000_01))?,
                gdb: StepRate::new(secs(13.0), secs(0.1)).ok(),
                dbg_invalid,
            }),
            criterion: Ok(CriterionMeans {
                dbg_ns: 18_000.0,
                bare_ns: 16_000.0,
            }),
            syscalls: Ok(None),
        })
    }

    #[test]
    fn report_rows_carry_rates_ratios_and_goals() -> Result<(), String> {
        let report = sample_report(None)?;
        let table = report.render("a test machine");
        assert!(
            report.complete(),
            "a tool that is not installed is skipped, not failed"
        );
        for row in [
            "| a. `dbg-cli run --batch -e \"stepi 100000\"`, steps/s | 50,000 | gdb: 7,752 \
             | 6.45× gdb | ≥ 5× gdb | yes |",
            "| b. criterion `single_step`, mean time per step | 18.00 µs (55,556/s) \
             | bare ptrace loop: 16.00 µs (62,500/s) | 1.12× bare | ≤ 1.3× bare | yes |",
            "| c. system calls per single step | skipped: strace not installed | — | — | ≤ 3 \
             | not checked |",
        ] {
            assert!(table.contains(row), "no row\n{row}\nin\n{table}");
        }
        Ok(())
    }

    #[test]
    fn an_early_stop_makes_the_cli_rate_invalid() -> Result<(), String> {
        let table = sample_report(Some("`stepi 100000` ended early".to_string()))?.render("");
        assert!(table.contains("| invalid (see below) | gdb: 7,752 | — | ≥ 5× gdb | no |"));
        assert!(table.contains("- a. dbg is not measured: `stepi 100000` ended early"));
        assert!(!table.contains("50,000"), "{table}");
        Ok(())
    }

    #[test]
    fn a_missing_gdb_leaves_the_goal_unchecked() -> Result<(), String> {
        let mut report = sample_report(None)?;
        if let Ok(rates) = &mut report.rates {
            rates.gdb = None;
        }
        let table = report.render("");
        assert!(table.contains("| 50,000 | gdb not installed | — | ≥ 5× gdb | not checked |"));
        assert!(report.complete());
        Ok(())
    }

    #[test]
    fn median_takes_the_middle_run() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(5), ms(1), ms(9), ms(3), ms(7)]), ms(5));
    }
}
