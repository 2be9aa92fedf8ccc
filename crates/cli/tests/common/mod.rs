//! What every dbg-cli test file needs: the binary, fixture paths, a run to completion and
//! its transcript; and for the value tests, gdb's and dbg's answers to the same commands.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use std::process::{Command, Output, Stdio};

pub const DBG: &str = env!("CARGO_BIN_EXE_dbg-cli");

pub fn fixture(name: &str) -> String {
    fixtures::path(name).display().to_string()
}

/// Run dbg-cli to completion with `args` and no stdin. "Reading symbols" notices are off
/// (an hour's threshold): whether reading takes half a second depends on the machine, and
/// transcripts must not.
pub fn dbg(args: &[&str]) -> Output {
    dbg_noticing(args, Some("3600000"))
}

/// [`dbg`] with `DBG_SLOW_NOTICE_MS` (the notices' threshold) set to `threshold`, or unset
/// (the default threshold) with `None`.
pub fn dbg_noticing(args: &[&str], threshold: Option<&str>) -> Output {
    let _deadline = fixtures::deadline(&format!("dbg-cli {args:?}"), 60);
    let mut command = Command::new(DBG);
    command.args(args).stdin(Stdio::null()).env("NO_COLOR", "1");
    match threshold {
        Some(ms) => command.env("DBG_SLOW_NOTICE_MS", ms),
        None => command.env_remove("DBG_SLOW_NOTICE_MS"),
    };
    command.output().unwrap()
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

/// The command for gdb and for dbg: `/x d` is `print/x d`.
pub fn print_command(expression: &str) -> String {
    match expression.strip_prefix('/') {
        Some(rest) => format!("print/{rest}"),
        None => format!("print {expression}"),
    }
}

/// What both debuggers print for `commands` after stopping in `checkpoint` and going up:
/// value lines (`$N = ...`), variable lines (`name = ...`) and type blocks, with stack
/// addresses made equal (gdb's environment moves the stack).
pub fn answers(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("#1 "))
        .skip(1)
        .filter(|line| {
            line.starts_with('$')
                || is_display_line(line)
                || line.starts_with("type = ")
                || line.starts_with("    ")
                || line.starts_with('}')
                || is_variable_line(line)
        })
        .map(hide_stack_addresses)
        .collect()
}

/// `1: x = 3`, `2: /x y = 0x3`.
pub fn is_display_line(line: &str) -> bool {
    line.split_once(": ")
        .is_some_and(|(number, rest)| number.parse::<u32>().is_ok() && rest.contains(" = "))
}

pub fn is_variable_line(line: &str) -> bool {
    let Some((name, _)) = line.split_once(" = ") else {
        return false;
    };
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `line` with `0x7ff...` stack addresses replaced by `[stack]`.
pub fn hide_stack_addresses(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("0x7ff") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let digits = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        out.push_str("[stack]");
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// gdb's answer to `commands` after stopping in `checkpoint` and going up.
pub fn run_gdb(program: &str, commands: &[String]) -> String {
    run_gdb_after(program, &[], commands)
}

/// [`run_gdb`] with `setup` commands (`-ex`) first.
pub fn run_gdb_after(program: &str, setup: &[&str], commands: &[String]) -> String {
    let mut gdb = Command::new("gdb");
    gdb.arg("-batch").arg("-nx");
    for command in setup {
        gdb.args(["-ex", command]);
    }
    gdb.args(["-ex", "break checkpoint", "-ex", "run", "-ex", "up"]);
    for command in commands {
        gdb.args(["-ex", command]);
    }
    let output = gdb.arg(program).output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// dbg's stdout and transcript for `commands` after stopping in `checkpoint` and going up.
pub fn run_dbg(program: &str, commands: &[String]) -> (String, String) {
    let mut args = vec![
        "run",
        "--batch",
        "-e",
        "break checkpoint",
        "-e",
        "continue",
        "-e",
        "up",
    ];
    for command in commands {
        args.extend(["-e", command.as_str()]);
    }
    args.push(program);
    let output = dbg(&args);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        transcript(&output),
    )
}

/// Compare the two answers line by line, listing every difference.
pub fn assert_same(ours: &[String], theirs: &[String], transcript: &str) {
    let differences: Vec<String> = ours
        .iter()
        .zip(theirs)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("dbg: {a}\ngdb: {b}"))
        .collect();
    assert!(
        differences.is_empty() && ours.len() == theirs.len(),
        "{} of {} lines differ ({} vs {} lines):\n{}\n--- dbg transcript ---\n{transcript}",
        differences.len(),
        theirs.len(),
        ours.len(),
        theirs.len(),
        differences.join("\n")
    );
}
