//! The dbg debugging session: owns one tracee and answers the debugger's commands with typed
//! results and events. Front ends (the `dbg-cli` REPL and JSON mode, later a gdbserver or DAP
//! adapter) talk only to this crate.
//!
//! ```no_run
//! use dbg_session::{Event, Session};
//! use dbg_process::Launch;
//!
//! # fn main() -> Result<(), dbg_session::Error> {
//! let (mut session, events) = Session::launch(Launch::new("/bin/true"))?;
//! for event in events.iter().chain(&session.step_instructions(10)?) {
//!     println!("{event:?}");
//! }
//! let events = session.resume(1)?;
//! assert!(matches!(events.last(), Some(Event::Exited { code: 0, .. })));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod breakpoints;
mod error;
mod event;
mod images;
mod interrupt;
mod load_bias;
mod session;
mod signals;
mod syscalls;
mod watchpoints;

pub use crate::syscalls::{SyscallCatch, SyscallInfo};
pub use breakpoints::Breakpoint;
pub use dbg_memory::{Instruction, Read};
pub use dbg_process::regs::REGISTERS;
pub use dbg_process::{
    Launch, Pid, Reg, RegClass, RegFormat, RegInfo, RegValue, Signal, ThreadAction,
};
pub use dbg_symbols::{FileAddr, SourceLine};
pub use dbg_sys::VirtAddr;
pub use dbg_watch::{WatchKind, WatchSize};
pub use error::{Error, Result};
pub use event::{Event, StopCause, StopEvent, StopKind};
pub use images::CodePlace;
pub use interrupt::{Busy, Interrupter};
pub use load_bias::LoadBias;
pub use session::{Frame, Listing, Location, ReturnValue, Session, ThreadInfo, MAX_MEMORY_READ};
pub use signals::SignalPolicy;
pub use watchpoints::{WatchHit, Watchpoint};
