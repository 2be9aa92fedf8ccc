//! Criterion benchmark of single-stepping: `Process::step_instruction` in a loop against a bare
//! `PTRACE_SINGLESTEP` + `waitpid` loop written here, on the `busy` fixture, one iteration per
//! step.
//!
//! Both loops run with the tracer and the tracee on one CPU ([`Process::share_cpu`]), as
//! `dbg-cli` does for `stepi N`, so the ratio measures the library's own overhead and not CPU
//! placement (see `PERFORMANCE.md`). `cargo xtask bench` reads the estimates and prints the
//! ratio; the goal is `dbg_process` within 1.3× of `bare_ptrace`.
#![forbid(unsafe_code)]
// A benchmark that cannot launch or step its tracee has nothing to measure: it stops loudly
// with the reason instead of reporting numbers for something else.
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use dbg_process::{CpuShare, Launch, Process, StopReason};
use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};

/// A `busy` tracee and the CPU placement it is measured with.
#[derive(Debug)]
struct Tracee {
    program: PathBuf,
    /// Declared before `process` so that the affinities are restored before the tracee dies.
    share: Option<CpuShare>,
    process: Process,
}

impl Tracee {
    fn launch(program: PathBuf) -> Tracee {
        let process = spawn(&program);
        let share = Some(share_cpu(&process));
        Tracee {
            program,
            share,
            process,
        }
    }

    /// Replace an ended tracee. The old placement guard is dropped first, so the tracer gets
    /// its own affinity back before it launches and pins again.
    fn relaunch(&mut self) {
        self.share = None;
        self.process = spawn(&self.program);
        self.share = Some(share_cpu(&self.process));
    }
}

fn spawn(program: &Path) -> Process {
    Launch::new(program)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot launch {}: {e}", program.display()))
}

fn share_cpu(process: &Process) -> CpuShare {
    process
        .share_cpu()
        .unwrap_or_else(|e| panic!("cannot put tracer and tracee on one CPU: {e}"))
}

/// `iters` single steps through the library; a tracee that ends is replaced, and the
/// relaunch is not timed.
fn dbg_process_steps(tracee: &mut Tracee, iters: u64) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let start = Instant::now();
        let mut ended = false;
        while left > 0 {
            left -= 1;
            match tracee.process.step_instruction(None) {
                Ok(StopReason::Stopped(_) | StopReason::ThreadExited { .. }) => {}
                Ok(StopReason::Exited { .. } | StopReason::Killed { .. }) => {
                    ended = true;
                    break;
                }
                Err(e) => panic!("step_instruction failed: {e}"),
            }
        }
        elapsed += start.elapsed();
        if ended {
            tracee.relaunch();
        }
    }
    elapsed
}

/// `iters` single steps driven with raw ptrace on the tracee's main thread. The `Process` is
/// only held (for its placement guard, and to kill the tracee when dropped), never called
/// while the loop drives the thread; between steps the thread is in a single-step stop, just
/// as the `Process` last saw it.
fn bare_ptrace_steps(tracee: &mut Tracee, iters: u64) -> Duration {
    let mut elapsed = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let tid = tracee.process.current_thread();
        let start = Instant::now();
        let mut ended = false;
        while left > 0 {
            left -= 1;
            if let Err(e) = ptrace::step(tid, None) {
                panic!("PTRACE_SINGLESTEP on {tid} failed: {e}");
            }
            match waitpid(tid, Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::Stopped(_, Signal::SIGTRAP)) => {}
                Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) => {
                    ended = true;
                    break;
                }
                Ok(other) => panic!("unexpected stop of {tid} while stepping: {other:?}"),
                Err(e) => panic!("waitpid({tid}) failed: {e}"),
            }
        }
        elapsed += start.elapsed();
        if ended {
            // The raw loop already reaped the tracee; the `Process` only has to forget it.
            let _ = tracee.process.check_alive();
            tracee.relaunch();
        }
    }
    elapsed
}

/// One tracee per function, kept across criterion's samples (a launch costs milliseconds and
/// is not what is measured); the first is gone before the second is launched and pinned.
fn single_step(c: &mut Criterion) {
    let program = fixtures::path("busy");
    let mut group = c.benchmark_group("single_step");
    {
        let mut tracee = Tracee::launch(program.clone());
        group.bench_function("dbg_process", |b| {
            b.iter_custom(|iters| dbg_process_steps(&mut tracee, iters));
        });
    }
    {
        let mut tracee = Tracee::launch(program);
        group.bench_function("bare_ptrace", |b| {
            b.iter_custom(|iters| bare_ptrace_steps(&mut tracee, iters));
        });
    }
    group.finish();
}

criterion_group!(benches, single_step);
criterion_main!(benches);
