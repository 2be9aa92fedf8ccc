//! Project automation for dbg, run as `cargo xtask <task>`: build the C fixtures and run every
//! test, show the debugger working on a sample program, and measure single-stepping, breakpoint
//! and watchpoint hits, memory reads, system-call tracing, a breakpoint by name in a large
//! binary and in programs with shared libraries against gdb, strace and bare ptrace loops.
//!
//! Every command it runs is echoed first (`$ ...`), so a failure can be reproduced by hand.
#![forbid(unsafe_code)]

mod bench;
mod demo;
mod hot_text;
mod rusage;
mod test;
mod workspace;

use std::process::ExitCode;

use bench::Rows;
use workspace::Workspace;

/// What `cargo xtask help` prints, and every usage error after its message.
pub const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  test [ARGS...]  build the fixtures in test-programs/, then run every test of the workspace
                  (`cargo test --workspace --all-targets` and the doc tests, each run to the
                  end; ARGS go to both)
  demo            build dbg-cli and show it stopping in a function of a sample program, its
                  call stack, finish and next
  bench [ROW...]  measure single-stepping, breakpoint hits and watchpoint hits (dbg-cli
                  against gdb, the library against bare ptrace loops, system calls per step
                  and per hit), hardware against software breakpoints, 256 MiB memory
                  reads (against bare process_vm_readv), system-call tracing (the trace
                  example against strace and a bare ptrace loop, system calls per traced
                  call), breakpoint hits from 8 threads (against gdb), the time and peak
                  memory of stopping at `bigbin::main` in the 80+ MB debug build of
                  xtask/bigbin and showing the backtrace or printing main's local (against
                  gdb), hits of a conditional breakpoint whose condition is false and
                  `locals` in a frame of 50 variables (against gdb), the time and peak
                  memory of stopping at `PyList_Append` in /usr/bin/python3 and the time of
                  a pending breakpoint through 200 `dlopen`s (against gdb), and print a
                  markdown table; with ROWs (letters a to z, then A, B; e.g. `bench p q`
                  or `bench wxy`), measure and show only those rows
  rusage PROGRAM [ARGS...]
                  run PROGRAM, then print its wall time and the peak RSS of it and of the
                  processes it waited for (`getrusage(RUSAGE_CHILDREN)`), as bench does for
                  rows p, q, t, u, w, x and y; exit with PROGRAM's status
  hot-text        profile gdb sessions through the release dbg-gdbserver under valgrind's
                  callgrind and write crates/gdbserver/hot-text.ld, which links the functions
                  they execute together (row B: far fewer of the server's pages mapped)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((task, rest)) => match task.as_str() {
            "test" => Workspace::locate().test(rest),
            "demo" => Workspace::locate().demo(),
            "bench" => Rows::parse(rest).and_then(|rows| Workspace::locate().bench(&rows)),
            "rusage" => return rusage::rusage(rest),
            "hot-text" => Workspace::locate().hot_text(),
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
