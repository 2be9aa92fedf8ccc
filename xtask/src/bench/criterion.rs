//! The criterion rows b, e, f, i and m (and the times of j.): a library operation's mean time
//! against a bare ptrace (or `process_vm_readv`) loop in the same bench, read from the
//! estimates criterion writes. [`SUITES`] lists the benches; b, e, i and m are the
//! [`MeanRow`] descriptors below, judged alike; f is a bandwidth.

use std::path::PathBuf;
use std::time::SystemTime;

use super::hardware::HardwareMeans;
use super::parse::{criterion_bytes, criterion_mean};
use super::report::{failed, thousands, yes_no};
use super::Measured;
use crate::workspace::Workspace;

/// A criterion bench: `cargo bench --package PACKAGE --bench BENCH` writes the estimates of
/// the functions of `group`.
#[derive(Debug)]
pub struct Suite {
    pub package: &'static str,
    pub bench: &'static str,
    pub group: &'static str,
    /// The rows that use it.
    pub letters: &'static str,
}

/// `crates/process/benches/step.rs`.
pub const STEP: Suite = Suite {
    package: "dbg-process",
    bench: "step",
    group: "single_step",
    letters: "b",
};
/// `crates/session/benches/breakpoint.rs`.
pub const BREAKPOINT: Suite = Suite {
    package: "dbg-session",
    bench: "breakpoint",
    group: "breakpoint_hit",
    letters: "ej",
};
/// `crates/memory/benches/read.rs`.
pub const READ: Suite = Suite {
    package: "dbg-memory",
    bench: "read",
    group: "read_256mib",
    letters: "f",
};
/// `crates/session/benches/watchpoint.rs`.
pub const WATCH: Suite = Suite {
    package: "dbg-session",
    bench: "watchpoint",
    group: "watchpoint_hit",
    letters: "i",
};
/// `crates/process/benches/syscall.rs`.
pub const SYSCALL: Suite = Suite {
    package: "dbg-process",
    bench: "syscall",
    group: "syscall_stop",
    letters: "m",
};

/// Every criterion bench, built before anything is measured.
pub const SUITES: [&Suite; 5] = [&STEP, &BREAKPOINT, &READ, &WATCH, &SYSCALL];

/// b. `Process::step_instruction` against a bare ptrace loop.
pub const STEP_MEANS: MeanRow = MeanRow {
    letter: 'b',
    heading: "b. criterion: `Process::step_instruction` against a bare ptrace loop",
    suite: &STEP,
    functions: ["dbg_process", "bare_ptrace"],
    per: "step",
    dbg_stops: "",
    bare: "bare ptrace loop",
    bare_stops: "",
    goal: 1.3,
    note: None,
};

/// e. Breakpoint hits of a `Session` against a bare ptrace loop; measured with j.'s times
/// ([`Workspace::measure_breakpoint_criterion`]), so its heading is printed there.
pub const BREAKPOINT_MEANS: MeanRow = MeanRow {
    letter: 'e',
    heading: "e. criterion: breakpoint hits of a `Session` (software, and hardware for j.) \
              against a bare ptrace loop",
    suite: &BREAKPOINT,
    functions: ["dbg_session", "bare_loop"],
    per: "hit",
    dbg_stops: ", 1 stop per hit",
    bare: "bare ptrace loop, same CPU",
    bare_stops: ", 2 stops per hit",
    goal: 1.2,
    note: None,
};

/// i. Watchpoint hits of a `Session` against a bare ptrace loop.
pub const WATCH_MEANS: MeanRow = MeanRow {
    letter: 'i',
    heading: "i. criterion: watchpoint hits of a `Session` against a bare ptrace loop",
    suite: &WATCH,
    functions: ["dbg_session", "bare_loop"],
    per: "hit",
    dbg_stops: ", 1 stop per hit",
    bare: "bare ptrace loop, same CPU",
    bare_stops: ", 1 stop per hit",
    goal: 1.2,
    note: Some(
        "i. one hit = one write of `counter` by `watch_loop`, a debug-register (#DB) stop; \
         the bare loop arms DR0/DR7 with `PTRACE_POKEUSER` and does `PTRACE_CONT` + \
         `waitpid` per hit",
    ),
};

/// m. A traced system call through `Process` against a bare ptrace loop.
pub const SYSCALL_MEANS: MeanRow = MeanRow {
    letter: 'm',
    heading: "m. criterion: a traced system call through `Process` against a bare ptrace loop",
    suite: &SYSCALL,
    functions: ["dbg_process", "bare_loop"],
    per: "traced system call (entry + exit stop)",
    dbg_stops: "",
    bare: "bare ptrace loop, same CPU",
    bare_stops: "",
    goal: 1.2,
    note: Some(
        "m. one iteration = one `getppid` of `syscall_loop`: `Process::resume(\
         Resume::Syscalls)` + `wait` to the entry and to the exit, then `read_register` of \
         orig_rax, rdi and rax (one cached GETREGS), as the trace example does; the bare \
         loop does `PTRACE_SYSCALL` + `waitpid` twice and one `PTRACE_GETREGS`; both with \
         tracer and tracee on one CPU",
    ),
};

/// f.'s section heading.
pub const READ_HEADING: &str =
    "f. criterion: 256 MiB read by `Memory::read_into` against bare `process_vm_readv`";

/// A row that compares the mean time of dbg's function with a bare loop's, in one bench.
#[derive(Debug)]
pub struct MeanRow {
    pub letter: char,
    /// The section heading while measuring.
    pub heading: &'static str,
    suite: &'static Suite,
    /// dbg's function and the bare loop's.
    functions: [&'static str; 2],
    /// What one iteration is, in "mean time per ...".
    per: &'static str,
    /// After dbg's time: its stops per iteration, if said.
    dbg_stops: &'static str,
    /// What the bare loop is called.
    bare: &'static str,
    /// After the bare loop's time: its stops per iteration, if said.
    bare_stops: &'static str,
    /// The goal: at most this many times the bare loop's time.
    goal: f64,
    /// What one iteration does, for the notes.
    note: Option<&'static str>,
}

/// Mean time per iteration of dbg's function and of the bare loop.
#[derive(Debug)]
pub struct CriterionMeans {
    pub dbg_ns: f64,
    pub bare_ns: f64,
}

/// Mean time per breakpoint hit of `crates/session/benches/breakpoint.rs`.
#[derive(Debug)]
pub struct BreakpointMeans {
    pub dbg_ns: f64,
    /// The bare loop with tracer and tracee on one CPU.
    pub bare_ns: f64,
    /// The bare loop with CPU placement left to the scheduler.
    pub scheduler_ns: f64,
}

/// Mean time per read of `crates/memory/benches/read.rs`, and the bytes of one read.
#[derive(Debug)]
pub struct ReadMeans {
    pub dbg_ns: f64,
    pub bare_ns: f64,
    pub bytes: u64,
}

impl ReadMeans {
    /// Bandwidth in MB/s (10^6 bytes per second) of a read taking `ns`.
    fn mb_per_s(&self, ns: f64) -> f64 {
        self.bytes as f64 * 1e3 / ns
    }
}

impl Workspace {
    /// b., i. or m.: run the row's bench and read the mean of both functions.
    pub fn measure_means(&self, row: &MeanRow) -> Measured<CriterionMeans> {
        let suite = row.suite;
        let started = self.run_criterion(suite)?;
        let [dbg_ns, bare_ns] = self.read_means(suite.group, row.functions, started)?;
        Ok(CriterionMeans { dbg_ns, bare_ns })
    }

    /// e. and j. Run the breakpoint bench and read the mean time per hit of its functions: the
    /// software breakpoint against the bare loops for e., hardware against software for j.
    pub fn measure_breakpoint_criterion(
        &self,
    ) -> (Measured<BreakpointMeans>, Measured<HardwareMeans>) {
        let started = match self.run_criterion(&BREAKPOINT) {
            Ok(started) => started,
            Err(e) => return (Err(e.clone()), Err(e)),
        };
        let [dbg, bare] = BREAKPOINT_MEANS.functions;
        let software = self
            .read_means(
                BREAKPOINT.group,
                [dbg, bare, "bare_loop_scheduler"],
                started,
            )
            .map(|[dbg_ns, bare_ns, scheduler_ns]| BreakpointMeans {
                dbg_ns,
                bare_ns,
                scheduler_ns,
            });
        let hardware = self
            .read_means(
                BREAKPOINT.group,
                ["dbg_session_hardware", "dbg_session"],
                started,
            )
            .map(|[hardware_ns, software_ns]| HardwareMeans {
                hardware_ns,
                software_ns,
            });
        (software, hardware)
    }

    /// f. Run the memory bench and read the mean time per read of both functions, and the
    /// bytes one read reads (the throughput the bench declares).
    pub fn measure_read_criterion(&self) -> Measured<ReadMeans> {
        let started = self.run_criterion(&READ)?;
        let [dbg_ns, bare_ns] =
            self.read_means(READ.group, ["dbg_memory", "bare_process_vm_readv"], started)?;
        let path = self.criterion_file(READ.group, "dbg_memory", "benchmark.json");
        let shown = self.show_path(&path);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        let bytes = criterion_bytes(&text).map_err(|e| format!("{shown}: {e}"))?;
        Ok(ReadMeans {
            dbg_ns,
            bare_ns,
            bytes,
        })
    }

    /// Run the criterion bench of `suite`; when it started.
    fn run_criterion(&self, suite: &Suite) -> Measured<SystemTime> {
        let started = SystemTime::now();
        self.run(&mut self.cargo(["bench", "--package", suite.package, "--bench", suite.bench]))?;
        Ok(started)
    }

    /// The mean of each function of `group` from the estimates a run that began at `started`
    /// wrote.
    fn read_means<const N: usize>(
        &self,
        group: &str,
        functions: [&str; N],
        started: SystemTime,
    ) -> Measured<[f64; N]> {
        let mut means = [0.0; N];
        for (mean, function) in means.iter_mut().zip(functions) {
            let path = self.criterion_file(group, function, "estimates.json");
            let shown = self.show_path(&path);
            let fresh = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified >= started);
            if !fresh {
                return Err(format!("{shown} was not written by this run"));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
            *mean = criterion_mean(&text).map_err(|e| format!("{shown}: {e}"))?;
        }
        Ok(means)
    }

    /// A file criterion writes for the newest run of `group/function`.
    fn criterion_file(&self, group: &str, function: &str, file: &str) -> PathBuf {
        self.target
            .join("criterion")
            .join(group)
            .join(function)
            .join("new")
            .join(file)
    }
}

impl MeanRow {
    /// The row (`means` are dbg's and the bare loop's), and what one iteration does.
    pub fn render(
        &self,
        means: Result<(f64, f64), &String>,
        rows: &mut Vec<[String; 6]>,
        notes: &mut Vec<String>,
    ) {
        let (letter, group) = (self.letter, self.suite.group);
        let goal = format!("≤ {}× bare", self.goal);
        let (dbg_ns, bare_ns) = match means {
            Ok(means) => means,
            Err(e) => {
                rows.push([
                    format!("{letter}. criterion `{group}`"),
                    failed(e),
                    "—".into(),
                    "—".into(),
                    goal,
                    "no".into(),
                ]);
                return;
            }
        };
        let ratio = dbg_ns / bare_ns;
        rows.push([
            format!("{letter}. criterion `{group}`, mean time per {}", self.per),
            format!(
                "{:.2} µs ({}/s){}",
                dbg_ns / 1e3,
                thousands(1e9 / dbg_ns),
                self.dbg_stops
            ),
            format!(
                "{}: {:.2} µs ({}/s){}",
                self.bare,
                bare_ns / 1e3,
                thousands(1e9 / bare_ns),
                self.bare_stops
            ),
            format!("{ratio:.2}× bare"),
            goal,
            yes_no(ratio <= self.goal),
        ]);
        if let Some(note) = self.note {
            notes.push(note.to_string());
        }
    }
}

/// f.: the bandwidth of `Memory::read_into` against bare `process_vm_readv`, and the mean time
/// per read in a note.
pub fn render_read(
    read: &Measured<ReadMeans>,
    rows: &mut Vec<[String; 6]>,
    notes: &mut Vec<String>,
) {
    let group = READ.group;
    match read {
        Ok(means) => {
            let (dbg, bare) = (means.mb_per_s(means.dbg_ns), means.mb_per_s(means.bare_ns));
            let ratio = dbg / bare;
            rows.push([
                format!(
                    "f. criterion `{group}`, {} MiB of a stopped tracee, MB/s",
                    means.bytes >> 20
                ),
                thousands(dbg),
                format!(
                    "bare `process_vm_readv`, 1 MiB per call: {}",
                    thousands(bare)
                ),
                format!("{ratio:.2}× bare"),
                "≥ 0.8× bare".into(),
                yes_no(ratio >= 0.8),
            ]);
            notes.push(format!(
                "f. mean time per read: dbg {:.1} ms, bare {:.1} ms (MB = 10^6 bytes); \
                 both read into one buffer allocated once (`Memory::read_into`; \
                 `Memory::read` also page-faults a fresh 256 MiB buffer each time)",
                means.dbg_ns / 1e6,
                means.bare_ns / 1e6
            ));
        }
        Err(e) => rows.push([
            format!("f. criterion `{group}`"),
            failed(e),
            "—".into(),
            "—".into(),
            "≥ 0.8× bare".into(),
            "no".into(),
        ]),
    }
}
