//! Process control for Linux x86-64 tracees through ptrace: launch or attach, resume, single
//! step, wait for typed stop reasons, read and write every register, detach or kill.
//!
//! [`Process`] is all-stop, as in gdb: when one thread stops, every thread is stopped; when
//! the process resumes, every thread runs. Exits and deaths are [`StopReason`]s, not errors.
//!
//! [`Tracer`] is non-stop, as strace: it follows every thread and every forked process of a
//! launched program, an event ([`TraceEvent`]: system-call entry and exit, signal, exec, thread
//! and process births and ends) stops only the thread that reports it, and each event costs
//! one `wait4`. `examples/trace.rs` is a small strace built on it.
//!
//! ```no_run
//! use dbg_process::{Launch, Reg, Resume, StopReason};
//!
//! # fn main() -> Result<(), dbg_process::Error> {
//! let mut process = Launch::new("/bin/true").spawn()?;
//! println!("stopped at {:#x}", process.pc()?);
//! process.step_instruction(None)?;
//! let rsp = process.read_register(Reg::Rsp)?.as_u64();
//! println!("rsp = {rsp:#x}");
//! process.resume(Resume::Continue, None)?;
//! assert_eq!(process.wait()?, StopReason::Exited { code: 0 });
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod error;
mod launch;
mod process;
pub mod regs;
mod stop;
mod stop_request;
mod tracer;
mod trap_sites;

pub use dbg_sys::ptrace::SyscallStop;
pub use dbg_sys::VirtAddr;
pub use dbg_sys::{Pid, Signal};
pub use error::{AttachRefusal, Ended, Error, FilterRefusal, Result};
pub use launch::{Launch, ProgramKind};
pub use process::{CpuShare, Injected, Origin, Process, Resume, State, ThreadAction};
pub use regs::{Reg, RegClass, RegFormat, RegInfo, RegValue};
pub use stop::{SignalOrigin, Stop, StopReason, ThreadEvent, TrapKind};
pub use stop_request::StopRequest;
pub use tracer::{SyscallRegs, TraceEvent, Tracer};
pub use trap_sites::{Jump, TrapSites};
