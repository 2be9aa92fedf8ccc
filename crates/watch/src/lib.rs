//! Hardware breakpoints and watchpoints for dbg: the x86-64 debug registers DR0–DR3 (four
//! addresses), DR7 (what each slot watches) and DR6 (which slot fired), armed identically on
//! every thread of a process — threads created later included, since Linux does not copy debug
//! registers on clone (the process layer arms new threads before they run).
//!
//! - [`dr7`] is the bit layout, with named constants and an encoder.
//! - [`Watch`] is one validated request (address, [`WatchKind`], [`WatchSize`]).
//! - [`Slots`] allocates the four slots and arms them through [`dbg_process::Process`].
//!
//! Usable on its own: watching an address of a process given only its pid:
//!
//! ```no_run
//! use dbg_process::{Pid, Process, Resume, StopReason, VirtAddr};
//! use dbg_watch::{Slots, Watch, WatchKind, WatchSize};
//!
//! # fn main() -> Result<(), dbg_watch::Error> {
//! let mut process = Process::attach(Pid::from_raw(4242))?;
//! let mut slots = Slots::new();
//! let counter = VirtAddr::new(0x5555_5555_8010);
//! let watch = Watch::new(counter, WatchKind::Write, WatchSize::Eight)?;
//! let slot = slots.take(&mut process, watch, "counter")?;
//! process.resume(Resume::Continue, None)?;
//! if let StopReason::Stopped(stop) = process.wait()? {
//!     let fired = slots.fired(stop.debug_status.unwrap_or(0));
//!     println!("slot {slot} written: {fired:?}");
//! }
//! slots.free(&mut process, slot)?;
//! process.detach()?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod dr7;
mod error;
mod slots;
mod watch;

pub use error::{Error, Result};
pub use slots::{Slots, SLOT_COUNT};
pub use watch::{Watch, WatchKind, WatchSize, USER_SPACE_END};
