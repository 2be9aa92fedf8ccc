//! A small strace built only on dbg-process: runs a program and follows every thread and every
//! process it forks, prints each system call with its arguments and result, passes signals
//! on, and reports how each process ended.
//!
//! ```text
//! cargo run -p dbg-process --example trace -- [-o FILE] PROGRAM [ARGS...]
//! ```
//!
//! Lines start with the thread id: `[tid] name(a0, a1, a2, a3, a4, a5) = result` at each
//! system call's exit, `[tid] --- SIGNAL ---` for a signal passed on, and lines for threads,
//! forks and execs. A process other than the program's own ends with
//! `[pid] +++ exited with N +++` (or `+++ killed by SIGNAL +++`); the program's own end is
//! printed without the prefix, as strace does, and its status is this tool's exit status.
//!
//! It is the proof that the process layer is usable on its own: [`Tracer`] is non-stop, so
//! each thread stops only for its own events. Per system call it makes five system calls of
//! its own: PTRACE_SYSCALL and wait4 at the entry, PTRACE_SYSCALL, wait4 and one
//! PTRACE_GETREGS at the exit (the argument registers survive the call on x86-64, so the
//! whole line is printed then, from one register read). The trace goes through a 1 MiB buffer
//! when written to a file, so its writes add next to nothing per call.

use std::io::Write;

use dbg_process::{Launch, Resume, TraceEvent, Tracer};

/// Size of the buffer in front of a trace file: a write every few thousand lines.
const FILE_BUFFER: usize = 1 << 20;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(code) => std::process::ExitCode::from(code),
        Err(message) => {
            eprintln!("trace: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<u8, String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut out: Box<dyn Write> = Box::new(std::io::stderr());
    if args.first().map(String::as_str) == Some("-o") {
        let path = args.get(1).ok_or("-o needs a file")?.clone();
        let file =
            std::fs::File::create(&path).map_err(|e| format!("cannot create {path}: {e}"))?;
        out = Box::new(std::io::BufWriter::with_capacity(FILE_BUFFER, file));
        args.drain(..2);
    }
    let (program, rest) = args
        .split_first()
        .ok_or("usage: trace [-o FILE] PROGRAM [ARGS...]")?;
    let launch = Launch::new(program).args(rest);
    let mut tracer = Tracer::launch(&launch, Resume::Syscalls).map_err(|e| e.to_string())?;
    // Every system call is two stops: run tracer and tracees on one CPU meanwhile (a stop
    // then costs no cross-CPU wake-up; forked tracees inherit the restriction).
    let _shared = tracer.share_cpu().ok();
    let root = tracer.root();
    let mut status = None;
    let write_error = |e: std::io::Error| format!("cannot write the trace: {e}");
    while let Some(event) = tracer.next_event().map_err(|e| e.to_string())? {
        let mut deliver = None;
        match event {
            TraceEvent::SyscallEntry { .. } => {}
            TraceEvent::SyscallExit { tid } => match tracer.syscall_regs(tid) {
                Ok(call) => {
                    // rt_sigreturn restores the interrupted code's registers, and sets
                    // orig_rax to -1: the only exit stop with that number.
                    let name = match call.number {
                        u64::MAX => "rt_sigreturn",
                        number => syscalls::Sysno::new(number as usize).map_or("?", |s| s.name()),
                    };
                    let [a0, a1, a2, a3, a4, a5] = call.args;
                    writeln!(
                        out,
                        "[{tid}] {name}({a0:#x}, {a1:#x}, {a2:#x}, {a3:#x}, {a4:#x}, {a5:#x}) = {}",
                        call.ret
                    )
                    .map_err(write_error)?;
                }
                // Killed meanwhile: its end is the next news of it.
                Err(e) if e.is_gone() => {}
                Err(e) => return Err(e.to_string()),
            },
            TraceEvent::Signal { tid, signal } => {
                writeln!(out, "[{tid}] --- {} ---", signal.as_str()).map_err(write_error)?;
                deliver = Some(signal);
            }
            TraceEvent::Exec { pid, former_tid } if former_tid != pid => {
                writeln!(out, "[{pid}] +++ exec by thread {former_tid} +++")
                    .map_err(write_error)?;
            }
            TraceEvent::Exec { pid, .. } => {
                writeln!(out, "[{pid}] +++ exec +++").map_err(write_error)?;
            }
            TraceEvent::ThreadCreated { tid, .. } => {
                writeln!(out, "[{tid}] +++ thread created +++").map_err(write_error)?;
            }
            TraceEvent::Forked {
                tid, child, vfork, ..
            } => {
                let how = if vfork { "vforked" } else { "forked" };
                writeln!(out, "[{tid}] +++ {how} {child} +++").map_err(write_error)?;
            }
            TraceEvent::ThreadExited { tid, .. } => {
                writeln!(out, "[{tid}] +++ thread exited +++").map_err(write_error)?;
            }
            TraceEvent::Exited { pid, code } => {
                if pid == root {
                    status = Some(code as u8);
                    writeln!(out, "+++ exited with {code} +++")
                } else {
                    writeln!(out, "[{pid}] +++ exited with {code} +++")
                }
                .map_err(write_error)?;
            }
            TraceEvent::Killed { pid, signal } => {
                if pid == root {
                    status = Some(128 + signal as u8);
                    writeln!(out, "+++ killed by {} +++", signal.as_str())
                } else {
                    writeln!(out, "[{pid}] +++ killed by {} +++", signal.as_str())
                }
                .map_err(write_error)?;
            }
        }
        if let Some(tid) = event.stopped_thread() {
            tracer.resume(tid, deliver).map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(write_error)?;
    status.ok_or_else(|| format!("lost track of process {root}: its end was not seen"))
}
