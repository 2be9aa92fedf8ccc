//! The dbg debugging session: owns one tracee and answers a front end's requests with typed
//! results and events. Front ends — the `dbg-cli` REPL and JSON mode, a gdb remote-protocol
//! server, a DAP server — talk only to this crate, and none of them is special: stops come
//! raw (thread, pc, a [`StopCause`]), symbols are looked up when asked ([`Session::stop_place`],
//! [`Session::backtrace`]), any thread's registers can be read without selecting it, and each
//! thread can be resumed its own way ([`ThreadAction`], gdb's `vCont`). Addresses are
//! [`VirtAddr`] (runtime) or [`FileAddr`] (a binary's own); only [`LoadBias`] converts.
//!
//! A front end in thirty lines: launch, break at `main`, step the thread that hit it while the
//! others stay stopped, and read its registers.
//!
//! ```no_run
//! use dbg_session::{Event, Launch, Location, Reg, Session, StopCause, ThreadAction};
//!
//! # fn main() -> Result<(), dbg_session::Error> {
//! let (mut session, _events) = Session::launch(Launch::new("./threads"))?;
//! let main = Location::parse("main")?;
//! let bp = session.set_breakpoint_at(&main, "main", 0, false)?;
//! let events = session.resume(1)?;
//! let Some(Event::Stopped(stop)) = events.last() else {
//!     return Ok(()); // it exited (or was killed) first
//! };
//! assert_eq!(stop.cause, StopCause::Breakpoint { id: bp.id });
//! if let Some(place) = session.stop_place(stop) {
//!     println!("stopped in {:?} at {:?}", place.function, place.source);
//! }
//! let hit = stop.tid;
//! let step = |tid| if tid == hit { ThreadAction::Step } else { ThreadAction::Hold };
//! for event in session.resume_threads(&step)? {
//!     if let Event::Stopped(stop) = event {
//!         let regs = session.thread_registers(stop.tid, &[Reg::Rip, Reg::Rsp])?;
//!         for (reg, value) in regs {
//!             println!("{} = {:#x}", reg.info().name, value.as_u64());
//!         }
//!     }
//! }
//! session.kill()?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod breakpoints;
pub mod console;
mod error;
mod event;
mod images;
mod interrupt;
mod libraries;
mod load_bias;
mod notice;
mod panic_report;
mod session;
mod signals;
mod syscalls;
pub mod termination;
mod value_types;
mod watchpoints;

pub use crate::syscalls::{syscall_name, SyscallCatch, SyscallInfo};
pub use breakpoints::Breakpoint;
pub use dbg_expr::{Format, Value};
pub use dbg_memory::scratch::CopyInfo as ScratchCopy;
pub use dbg_memory::{Instruction, Read};
pub use dbg_process::regs::REGISTERS;
pub use dbg_process::CpuShare;
pub use dbg_process::Error as ProcessError;
pub use dbg_process::{
    Launch, Pid, Reg, RegClass, RegFormat, RegInfo, RegValue, Signal, ThreadAction,
};
pub use dbg_symbols::{FileAddr, Part, SourceLine};
pub use dbg_sys::VirtAddr;
pub use dbg_watch::{WatchKind, WatchSize};
pub use error::{Error, Result, SymbolWarning};
pub use event::{Event, StopCause, StopEvent, StopKind};
pub use images::CodePlace;
pub use interrupt::{Busy, Interrupter};
pub use libraries::{LibraryInfo, LinkMapEntry};
pub use load_bias::LoadBias;
pub use notice::{Notice, SLOW_READING};
pub use panic_report::{install_panic_hook, maintenance_panic, note_command};
pub use session::{
    Frame, Listing, Location, NamedValue, ReturnValue, Session, ThreadInfo, VariableText,
    MAX_MEMORY_READ,
};
pub use signals::SignalPolicy;
pub use termination::{Cause, Termination};
pub use watchpoints::{WatchHit, WatchReport, Watchpoint};
