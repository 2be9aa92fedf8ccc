//! A small strace built only on dbg-process: runs a program, prints each system call of every
//! thread with its arguments and result, passes signals on, and reports how the program ended.
//!
//! ```text
//! cargo run -p dbg-process --example trace -- [-o FILE] PROGRAM [ARGS...]
//! ```
//!
//! It is the proof that the process layer is usable on its own. Per system call it makes five
//! system calls of its own: PTRACE_SYSCALL and wait4 at the entry, PTRACE_SYSCALL, wait4 and
//! one PTRACE_GETREGS at the exit (the argument registers survive the call on x86-64, so the
//! whole line is printed then, from one register read). Forked children are let go by the
//! process layer (gdb's follow-fork-mode parent), so they are not traced.

use std::io::Write;

use dbg_process::{Launch, Reg, Resume, Signal, StopReason, ThreadEvent, TrapKind};

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
        out = Box::new(std::io::BufWriter::with_capacity(1 << 16, file));
        args.drain(..2);
    }
    let (program, rest) = args
        .split_first()
        .ok_or("usage: trace [-o FILE] PROGRAM [ARGS...]")?;
    let mut process = Launch::new(program)
        .args(rest)
        .spawn()
        .map_err(|e| e.to_string())?;
    // Every system call is two stops: run tracer and tracee on one CPU meanwhile.
    let _shared = process.share_cpu().ok();
    let mut signal: Option<Signal> = None;
    loop {
        process
            .resume(Resume::Syscalls, signal.take())
            .map_err(|e| e.to_string())?;
        let reason = process.wait().map_err(|e| e.to_string())?;
        for event in process.take_events() {
            match event {
                ThreadEvent::Created(tid) => writeln!(out, "[{tid}] +++ thread created +++"),
                ThreadEvent::Exited(tid) => writeln!(out, "[{tid}] +++ thread exited +++"),
                ThreadEvent::Forked(child) => {
                    writeln!(out, "+++ forked child {child} (not traced) +++")
                }
            }
            .map_err(|e| e.to_string())?;
        }
        match reason {
            StopReason::Exited { code } => {
                writeln!(out, "+++ exited with {code} +++").map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
                return Ok(code as u8);
            }
            StopReason::Killed { signal } => {
                writeln!(out, "+++ killed by {} +++", signal.as_str())
                    .map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
                return Ok(128 + signal as u8);
            }
            StopReason::ThreadExited { .. } => {}
            StopReason::Stopped(stop) => match stop.trap {
                Some(TrapKind::SyscallEntry) => {}
                Some(TrapKind::SyscallExit) => {
                    process.select_thread(stop.tid).map_err(|e| e.to_string())?;
                    let mut regs = [0u64; 8];
                    let names = [
                        Reg::OrigRax,
                        Reg::Rdi,
                        Reg::Rsi,
                        Reg::Rdx,
                        Reg::R10,
                        Reg::R8,
                        Reg::R9,
                        Reg::Rax,
                    ];
                    for (value, reg) in regs.iter_mut().zip(names) {
                        *value = process
                            .read_register(reg)
                            .map_err(|e| e.to_string())?
                            .as_u64();
                    }
                    let [number, a0, a1, a2, a3, a4, a5, ret] = regs;
                    let name = syscalls::Sysno::new(number as usize).map_or("?", |s| s.name());
                    writeln!(
                        out,
                        "[{}] {name}({a0:#x}, {a1:#x}, {a2:#x}, {a3:#x}, {a4:#x}, {a5:#x}) = {}",
                        stop.tid, ret as i64
                    )
                    .map_err(|e| e.to_string())?;
                }
                // The SIGTRAP after exec and our own traps are not the program's.
                Some(_) => {}
                None => {
                    writeln!(out, "[{}] --- {} ---", stop.tid, stop.signal.as_str())
                        .map_err(|e| e.to_string())?;
                    signal = Some(stop.signal);
                }
            },
        }
    }
}
