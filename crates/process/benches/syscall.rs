//! Criterion benchmark of system-call tracing: one iteration is one traced system call of the
//! `syscall_loop` fixture (its entry and its exit stop), through the library against a bare
//! `PTRACE_SYSCALL` + `waitpid` loop written here.
//!
//! - `dbg_process`: the all-stop [`Process`]: [`Process::resume`] with [`Resume::Syscalls`]
//!   and [`Process::wait`] to the entry stop, the same to the exit stop, then the system
//!   call's number, first argument and result read with [`Process::read_register`]
//!   (`orig_rax`, `rdi`, `rax`: one `PTRACE_GETREGS`, cached).
//! - `tracer`: what `examples/trace.rs` does per system call, with the non-stop [`Tracer`]:
//!   [`Tracer::next_event`] to the entry, [`Tracer::resume`], the same to the exit, then
//!   [`Tracer::syscall_regs`] (one `PTRACE_GETREGS`) and [`Tracer::resume`].
//! - `bare_loop`: `PTRACE_SYSCALL` + `waitpid` twice and one `PTRACE_GETREGS` at the exit,
//!   with nix only, on the same kind of tracee.
//!
//! All run with the tracer and the tracee on one CPU ([`Process::share_cpu`],
//! [`Tracer::share_cpu`]), as the example does, so the ratios measure the library's own
//! overhead and not CPU placement (see `PERFORMANCE.md`). `cargo xtask bench` reads the
//! estimates and prints the ratio; the goal is `dbg_process` within 1.2× of `bare_loop`.
#![forbid(unsafe_code)]
// A benchmark that cannot launch or drive its tracee has nothing to measure: it stops loudly
// with the reason instead of reporting numbers for something else.
#![allow(clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use dbg_process::{
    CpuShare, Launch, Pid, Process, Reg, Resume, StopReason, TraceEvent, Tracer, TrapKind,
};
use nix::sys::ptrace;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};

/// System calls each tracee's loop makes: far more than a benchmark run traces, but a tracee
/// is replaced (untimed) before a run could get to its end, so that every timed iteration is
/// a `getppid` or one of the program's start-up calls, never its exit.
const CALLS: u64 = 100_000_000;

/// A `syscall_loop CALLS` tracee, stopped at a system-call exit (or, fresh, at its first
/// instruction), with tracer and tracee on one CPU.
#[derive(Debug)]
struct Tracee {
    program: PathBuf,
    /// Declared before `process` so that the affinities are restored before the tracee dies.
    share: Option<CpuShare>,
    process: Process,
    /// System calls traced so far.
    traced: u64,
}

impl Tracee {
    fn launch(program: PathBuf) -> Tracee {
        let process = Launch::new(&program)
            .arg(CALLS.to_string())
            .stdout("/dev/null")
            .spawn()
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", program.display()));
        let share = Some(
            process
                .share_cpu()
                .unwrap_or_else(|e| panic!("cannot put tracer and tracee on one CPU: {e}")),
        );
        Tracee {
            program,
            share,
            process,
            traced: 0,
        }
    }

    /// Make sure `iters` more system calls can be traced before the program ends: if not,
    /// replace the tracee. The old placement guard is dropped first, so the tracer gets its
    /// own affinity back before it launches and pins again.
    fn make_room(&mut self, iters: u64) {
        if self.traced + iters > CALLS {
            self.share = None;
            *self = Tracee::launch(self.program.clone());
        }
        self.traced += iters;
    }

    /// One system call through the library, as `examples/trace.rs` traces it.
    fn dbg_process_call(&mut self) {
        self.dbg_process_stop(TrapKind::SyscallEntry);
        let tid = self.dbg_process_stop(TrapKind::SyscallExit);
        let process = &mut self.process;
        if let Err(e) = process.select_thread(tid) {
            panic!("cannot select thread {tid}: {e}");
        }
        for reg in [Reg::OrigRax, Reg::Rdi, Reg::Rax] {
            match process.read_register(reg) {
                Ok(value) => {
                    black_box(value.as_u64());
                }
                Err(e) => panic!("cannot read {} at a system-call exit: {e}", reg.name()),
            }
        }
    }

    /// Resume to the next system-call stop, which must be of kind `expected`; its thread.
    fn dbg_process_stop(&mut self, expected: TrapKind) -> Pid {
        if let Err(e) = self.process.resume(Resume::Syscalls, None) {
            panic!("resume to a system-call stop failed: {e}");
        }
        match self.process.wait() {
            Ok(StopReason::Stopped(stop)) if stop.trap == Some(expected) => stop.tid,
            Ok(other) => panic!("expected a {expected:?} stop, got {other:?}"),
            Err(e) => panic!("wait for a {expected:?} stop failed: {e}"),
        }
    }

    /// `iters` system calls through the library.
    fn dbg_process_calls(&mut self, iters: u64) -> Duration {
        self.make_room(iters);
        let start = Instant::now();
        for _ in 0..iters {
            self.dbg_process_call();
        }
        start.elapsed()
    }

    /// `iters` system calls driven with raw ptrace on the tracee's main thread. The `Process`
    /// is only held (for its placement guard, and to kill the tracee when dropped), never
    /// called while the loop drives the thread.
    fn bare_loop_calls(&mut self, iters: u64) -> Duration {
        self.make_room(iters);
        let tid = self.process.current_thread();
        let start = Instant::now();
        for _ in 0..iters {
            bare_stop(tid, "entry");
            bare_stop(tid, "exit");
            match ptrace::getregs(tid) {
                Ok(regs) => {
                    black_box((regs.orig_rax, regs.rdi, regs.rax));
                }
                Err(e) => panic!("PTRACE_GETREGS on {tid} failed: {e}"),
            }
        }
        start.elapsed()
    }
}

/// A `syscall_loop CALLS` tracee under the non-stop [`Tracer`], running, with tracer and
/// tracee on one CPU.
#[derive(Debug)]
struct Traced {
    program: PathBuf,
    /// Declared before `tracer` so that the affinities are restored before the tracee dies.
    share: Option<CpuShare>,
    tracer: Tracer,
    /// System calls traced so far.
    traced: u64,
}

impl Traced {
    fn launch(program: PathBuf) -> Traced {
        let launch = Launch::new(&program)
            .arg(CALLS.to_string())
            .stdout("/dev/null");
        let tracer = Tracer::launch(&launch, Resume::Syscalls)
            .unwrap_or_else(|e| panic!("cannot launch {}: {e}", program.display()));
        let share = Some(
            tracer
                .share_cpu()
                .unwrap_or_else(|e| panic!("cannot put tracer and tracee on one CPU: {e}")),
        );
        Traced {
            program,
            share,
            tracer,
            traced: 0,
        }
    }

    /// As [`Tracee::make_room`].
    fn make_room(&mut self, iters: u64) {
        if self.traced + iters > CALLS {
            self.share = None;
            *self = Traced::launch(self.program.clone());
        }
        self.traced += iters;
    }

    /// One system call as `examples/trace.rs` traces it.
    fn call(&mut self) {
        let tid = match self.tracer.next_event() {
            Ok(Some(TraceEvent::SyscallEntry { tid })) => tid,
            other => panic!("expected a system-call entry, got {other:?}"),
        };
        if let Err(e) = self.tracer.resume(tid, None) {
            panic!("resume after a system-call entry failed: {e}");
        }
        let tid = match self.tracer.next_event() {
            Ok(Some(TraceEvent::SyscallExit { tid })) => tid,
            other => panic!("expected a system-call exit, got {other:?}"),
        };
        match self.tracer.syscall_regs(tid) {
            Ok(call) => {
                black_box((call.number, call.args, call.ret));
            }
            Err(e) => panic!("cannot read the registers at a system-call exit: {e}"),
        }
        if let Err(e) = self.tracer.resume(tid, None) {
            panic!("resume after a system-call exit failed: {e}");
        }
    }

    /// `iters` system calls through the tracer.
    fn calls(&mut self, iters: u64) -> Duration {
        self.make_room(iters);
        let start = Instant::now();
        for _ in 0..iters {
            self.call();
        }
        start.elapsed()
    }
}

/// `PTRACE_SYSCALL` and wait for the next system-call stop (`SIGTRAP | 0x80`: the library set
/// `PTRACE_O_TRACESYSGOOD`) of `tid`.
fn bare_stop(tid: Pid, which: &str) {
    if let Err(e) = ptrace::syscall(tid, None) {
        panic!("PTRACE_SYSCALL on {tid} failed: {e}");
    }
    match waitpid(tid, Some(WaitPidFlag::__WALL)) {
        Ok(WaitStatus::PtraceSyscall(_)) => {}
        Ok(other) => panic!("expected the system-call {which} stop of {tid}, got {other:?}"),
        Err(e) => panic!("waitpid({tid}) failed: {e}"),
    }
}

/// One tracee per function, kept across criterion's samples (a launch costs milliseconds and
/// is not what is measured); the first is gone before the second is launched and pinned.
fn syscall_stop(c: &mut Criterion) {
    let program = fixtures::path("syscall_loop");
    let mut group = c.benchmark_group("syscall_stop");
    {
        let mut tracee = Tracee::launch(program.clone());
        group.bench_function("dbg_process", |b| {
            b.iter_custom(|iters| tracee.dbg_process_calls(iters));
        });
    }
    {
        let mut traced = Traced::launch(program.clone());
        group.bench_function("tracer", |b| {
            b.iter_custom(|iters| traced.calls(iters));
        });
    }
    {
        let mut tracee = Tracee::launch(program);
        group.bench_function("bare_loop", |b| {
            b.iter_custom(|iters| tracee.bare_loop_calls(iters));
        });
    }
    group.finish();
}

criterion_group!(benches, syscall_stop);
criterion_main!(benches);
