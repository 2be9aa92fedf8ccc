//! The front ends that are programs of their own (SPEC §1: front ends never depend on one
//! another): `dbg-cli gdbserver ARGS...` becomes the sibling binary `dbg-gdbserver ARGS...`,
//! found beside `dbg-cli` (as `cargo install` puts them) or else in PATH, the process
//! replaced so that signals, exit status and the terminal are the server's own.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Subcommands served by another binary: (subcommand, binary).
const FRONT_ENDS: &[(&str, &str)] = &[("gdbserver", "dbg-gdbserver"), ("dap", "dbg-dap")];

/// If the invocation names a front end of its own, become that program (this returns only
/// when it cannot be started, with SPEC §2's exit status); otherwise `None`.
pub fn dispatch(exit_usage: u8) -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    let subcommand = args.next()?;
    let (_, binary) = FRONT_ENDS
        .iter()
        .find(|(name, _)| subcommand.to_str() == Some(name))?;
    let rest: Vec<OsString> = args.collect();
    let error = Command::new(locate(binary)).args(rest).exec();
    eprintln!("dbg-cli: cannot start {binary}: {error}");
    Some(ExitCode::from(exit_usage))
}

/// `binary` in the directory of the running `dbg-cli`, or just its name (PATH is searched).
fn locate(binary: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(binary)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(binary))
}
