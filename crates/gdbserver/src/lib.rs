//! dbg's gdb remote serial protocol server: a program runs under a `dbg-session` session
//! here, and gdb (`target remote HOST:PORT`, or `target extended-remote`), lldb
//! (`gdb-remote`) or an IDE debugs it over TCP, as with gdbserver. The `gdbstub` crate does
//! the protocol — packets, framing, the target description — and this crate answers it from
//! the session: registers in gdb's x86-64 GNU/Linux layout (with `orig_rax`, `fs_base`,
//! `gs_base`), memory with our `int3`s hidden, software and hardware breakpoints,
//! watchpoints, threads, per-thread `vCont`, signals (those gdb passes without a stop through
//! `QPassSignals`, which this crate adds around gdbstub), system-call catchpoints, the auxiliary
//! vector, the executable's path, detach and kill.
//!
//! ```no_run
//! use dbg_gdbserver::{serve, Options, Start};
//!
//! # fn main() -> Result<(), dbg_gdbserver::Error> {
//! let options = Options {
//!     once: true,
//!     address: "127.0.0.1:1234".into(),
//!     start: Start::Launch { program: "./hello".into(), args: Vec::new() },
//!     // SIGTERM, SIGHUP and SIGQUIT end the session as a client's detach or kill would.
//!     termination: dbg_session::Termination::watch().ok(),
//! };
//! serve(&options)?; // `gdb -ex 'target remote 127.0.0.1:1234'` connects
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod error;
mod link;
mod pass_signals;
mod registers;
mod replay;
mod server;
mod signals;
mod target;

pub use error::{Error, Result};
pub use registers::{RegNumber, Registers, X86_64Linux};
pub use replay::replay;
pub use server::{serve, Options};
pub use target::Start;
