//! `cargo xtask rusage PROGRAM [ARGS...]`: run a program and report its wall time and peak
//! memory in one line; and the reader of that line, which the bench uses for rows p and q.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};
use std::time::Instant;

use nix::sys::resource::{getrusage, UsageWho};

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
