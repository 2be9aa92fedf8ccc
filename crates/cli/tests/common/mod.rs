//! What every dbg-cli test file needs: the binary, fixture paths, a run to completion and
//! its transcript.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

pub const DBG: &str = env!("CARGO_BIN_EXE_dbg-cli");

pub fn fixture(name: &str) -> String {
    fixtures::path(name).display().to_string()
}

/// Run dbg-cli to completion with `args` and no stdin.
pub fn dbg(args: &[&str]) -> Output {
    let _deadline = fixtures::deadline(&format!("dbg-cli {args:?}"), 60);
    Command::new(DBG)
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// stdout, stderr and the exit code of a run, as one text to snapshot.
pub fn transcript(output: &Output) -> String {
    format!(
        "{}--- stderr ---\n{}--- exit: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        output
            .status
            .code()
            .map_or("signal".to_string(), |c| c.to_string())
    )
}
