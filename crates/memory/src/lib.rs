//! Tracee memory for dbg: bulk reads and writes, software breakpoint sites, disassembly.
//!
//! - [`Memory`] reads another process's memory with `process_vm_readv` (one call per MiB when
//!   every page is readable), falling back page by page to `/proc/PID/mem` for pages that are
//!   present but not readable. A read that reaches an unmapped page returns the bytes read so
//!   far and where it stopped — never zero-filled bytes passed off as memory. Writes go through
//!   `/proc/PID/mem`, which can write read-only code.
//! - [`Sites`] keeps the `int3` bytes of software breakpoints: one site per address however
//!   many breakpoints use it, the original byte remembered, and reads shown with the original
//!   bytes (never our 0xcc); and, in a [`scratch`] area mapped into the tracee, a relocated
//!   copy of each site's instruction, so that resuming from a hit needs no step.
//! - [`disassemble`] decodes x86-64 with iced-x86 in Intel syntax.
//! - [`Mappings`] parses `/proc/PID/maps`.
//!
//! It is usable on its own; reading a process's memory takes only its pid:
//!
//! ```no_run
//! use dbg_memory::Memory;
//! use dbg_process::Pid;
//!
//! # fn main() -> Result<(), dbg_memory::Error> {
//! let pid = Pid::from_raw(4242);
//! let memory = Memory::new(pid);
//! let stack = dbg_memory::Mappings::read(pid)?.find_named("[stack]").map(|m| m.start);
//! if let Some(start) = stack {
//!     let read = memory.read(start, 64)?;
//!     println!("{:02x?} (stopped at {:?})", read.bytes, read.stopped_at);
//! }
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod access;
mod disasm;
pub mod displaced;
mod error;
mod maps;
pub mod scratch;
mod sites;

pub use access::{Filled, Memory, Read, MAX_READ};
pub use disasm::{disassemble, flow_of, may_trap, straight_run, trap_map, Flow, Instruction};
pub use error::{Error, Result};
pub use maps::{Mapping, Mappings};
pub use sites::{Plan, SiteOwner, Sites, INT3};
