//! `cargo xtask rusage PROGRAM [ARGS...]`: run a program and report its wall time and peak
//! memory in one line; and the reader of that line, which the bench uses for rows p, q, t,
//! u, w, x and y.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use nix::sys::resource::{getrusage, UsageWho};

use crate::bench::median;
use crate::USAGE;

/// The line `xtask rusage` ends its standard output with: this, the wall time in nanoseconds
/// and the peak RSS in KiB.
pub const RUSAGE_LINE: &str = "xtask-rusage:";

/// `xtask rusage PROGRAM [ARGS...]`: run PROGRAM with our standard streams, then print its
/// wall time and `ru_maxrss` of `getrusage(RUSAGE_CHILDREN)` as the last line of standard
/// output ([`RUSAGE_LINE`]), and exit with PROGRAM's status (128 + the signal that killed it).
/// The bench runs a fresh one per measurement so that PROGRAM is the only child it has waited
/// for: the figure is the largest peak of PROGRAM and of the processes PROGRAM waited for (the
/// kernel folds a reaped child's peak into its parent's), never the helper's own or that of an
/// earlier run.
pub fn rusage(args: &[String]) -> ExitCode {
    let Some((program, args)) = args.split_first() else {
        eprintln!("xtask: rusage: no program given\n\n{USAGE}");
        return ExitCode::FAILURE;
    };
    let start = Instant::now();
    let status = match Command::new(program).args(args).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("xtask: cannot run `{program}`: {e}");
            return ExitCode::FAILURE;
        }
    };
    let wall = start.elapsed();
    match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(usage) => println!("{RUSAGE_LINE} {} {}", wall.as_nanos(), usage.max_rss()),
        Err(e) => {
            eprintln!("xtask: getrusage(RUSAGE_CHILDREN) failed: {e}");
            return ExitCode::FAILURE;
        }
    }
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .and_then(|code| u8::try_from(code).ok())
        .unwrap_or(1);
    ExitCode::from(code)
}

/// The wall time and peak RSS of one run under `xtask rusage`, or the medians of several.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunUsage {
    pub wall: Duration,
    /// `ru_maxrss`, in KiB.
    pub peak_kib: u64,
}

impl RunUsage {
    /// The usage from the [`RUSAGE_LINE`] that ends `stdout`, and the output before it.
    pub fn parse(stdout: &str) -> Result<(RunUsage, &str), String> {
        let at = stdout
            .rfind(RUSAGE_LINE)
            .ok_or_else(|| format!("no `{RUSAGE_LINE}` line"))?;
        let (before, line) = stdout.split_at(at);
        let numbers: Vec<u64> = line
            .get(RUSAGE_LINE.len()..)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("a bad `{RUSAGE_LINE}` line ({e}): {}", line.trim_end()))?;
        match numbers.as_slice() {
            &[wall_ns, peak_kib] => Ok((
                RunUsage {
                    wall: Duration::from_nanos(wall_ns),
                    peak_kib,
                },
                before,
            )),
            _ => Err(format!(
                "a `{RUSAGE_LINE}` line without two numbers: {}",
                line.trim_end()
            )),
        }
    }

    /// The median wall time and the median peak, each over `runs`.
    pub fn median(runs: &[RunUsage]) -> RunUsage {
        let walls: Vec<Duration> = runs.iter().map(|run| run.wall).collect();
        let peaks: Vec<u64> = runs.iter().map(|run| run.peak_kib).collect();
        RunUsage {
            wall: median(&walls),
            peak_kib: median(&peaks),
        }
    }

    /// The peak in MB (10^6 bytes).
    pub fn peak_mb(&self) -> f64 {
        (self.peak_kib * 1024) as f64 / 1e6
    }

    pub fn peak_shown(&self) -> String {
        format!("{:.1} MB", self.peak_mb())
    }
}
