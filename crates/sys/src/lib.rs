//! Raw system interface for dbg: typed, safe wrappers over ptrace, wait, fork/exec and the
//! x86-64 register-area layout.
//!
//! This is the only crate of the workspace that contains `unsafe` code. Every `unsafe` block
//! carries a `// SAFETY:` comment saying which check makes it sound. Everything above this crate
//! is `#![forbid(unsafe_code)]`.
//!
//! Errno becomes an [`Error`] in exactly one place per call, with the operation and the thread
//! it was made on, so that callers can add context without parsing strings.
//!
//! ```no_run
//! use dbg_sys::{ptrace, wait, Pid};
//! # fn main() -> Result<(), dbg_sys::Error> {
//! let tid = Pid::from_raw(4242);
//! ptrace::attach(tid)?;
//! let status = wait::wait_tid(tid)?;
//! println!("{status:?}");
//! ptrace::detach(tid, None)?;
//! # Ok(())
//! # }
//! ```
#![allow(unsafe_code)]

mod addr;
mod error;
pub mod file;
pub mod mem;
pub mod ptrace;
pub mod seccomp;
pub mod spawn;
pub mod thread;
pub mod user;
pub mod wait;

pub use addr::VirtAddr;
pub use error::Error;
pub use nix::errno::Errno;
pub use nix::sys::signal::Signal;
pub use nix::unistd::Pid;
