//! Values as a gdb user sees them: `print`, `info locals`/`info args`, `ptype`/`whatis`
//! and assignment on the values.c fixture, checked against what gdb prints for the same
//! commands in the same program (gdb runs in the test: its answer is the reference).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::process::Command;

use common::{dbg, fixture, transcript};

/// Expressions printed in `show_values`'s frame (`up` from `checkpoint`), each valid for
/// gdb and dbg alike.
const EXPRESSIONS: &[&str] = &[
    "c",
    "sc",
    "uc",
    "newline",
    "nul",
    "s",
    "us",
    "i",
    "u",
    "l",
    "ul",
    "ll",
    "yes",
    "no",
    "f",
    "d",
    "third",
    "big",
    "tiny",
    "ld",
    "ip",
    "null_ptr",
    "str",
    "buf",
    "full",
    "arr",
    "same",
    "mixed",
    "grid",
    "grid[1]",
    "pt",
    "typed_pt",
    "pts",
    "pts[1]",
    "pts[1].y * 2",
    "second",
    "first.next->value",
    "*first.next",
    "col",
    "odd_col",
    "fl",
    "num",
    "bits",
    "bits.negative",
    "sh",
    "sh.corners",
    "sh.corners[1].x",
    "sh.label",
    "sh.overlay",
    "sh.inner_a",
    "m",
    "typed_u",
    "ci",
    "vl",
    "fn",
    "sum",
    "global_big",
    "*global_message",
    "global_callback",
    "global_greeting",
    "global_origin",
    "global_table",
    "global_zeros",
    "global_ratio * 2",
    "global_counter * 2",
    "thread_value",
    "*ip",
    "ip[0]",
    "ip == &global_counter",
    "arr[1] + 3 * 2",
    "arr + 1",
    "*arr",
    "&arr[2] - &arr[0]",
    "sizeof(struct shape)",
    "sizeof sh",
    "sizeof(int)",
    "c + 1",
    "uc * 2",
    "f * 2",
    "d / 3",
    "ll + 1",
    "u + 1",
    "(long)u * 2",
    "-i",
    "~i",
    "i & 0xff",
    "i | 1",
    "i ^ 3",
    "yes && no",
    "yes || no",
    "!yes",
    "10 / 3.0",
    "1 == 1",
    "!5",
    "-5 % 3",
    "7 >> 1",
    "1.0 / 0",
    "-(1.0 / 0)",
    "0.0 / 0",
    "4000000000",
    "(char)65",
    "'A'",
    "\"abc\"",
    "add",
    "*add",
    "&add",
    "(unsigned char)300",
    "(short)-1",
    "(double)i / 7",
    "(float)1 / 3",
    "global_origin.x < global_origin.y ? 10 : 20",
    "col == GREEN",
    "BLUE",
    "RED + 1",
    "/x d",
    "/x f",
    "/f i",
    "/c i",
    "/x pt",
    "/o 8",
    "/t 10",
    "/z 5",
    "/a fn",
    "/x c",
    "/d uc",
    "/u sc",
    "/x yes",
    "/s buf",
    "/x buf",
    "/c arr",
    "/x -1",
    "/o 0",
    "/t 0",
    "/x col",
    "/d fl",
    "/f 3",
    "/f ll",
    "/x global_ratio",
    "/x sh.corners",
    "/d bits",
    "/x grid",
];

/// Types asked with `whatis` and `ptype`.
const TYPES: &[&str] = &[
    "whatis typed_pt",
    "ptype typed_pt",
    "whatis sh",
    "ptype sh",
    "ptype struct packed_bits",
    "ptype union number",
    "ptype enum color",
    "ptype enum flags",
    "whatis fn",
    "ptype fn",
    "whatis global_callback",
    "whatis &arr",
    "whatis grid",
    "whatis grid[1]",
    "whatis str",
    "whatis ppt",
    "ptype ppt",
    "whatis sizeof(int)",
    "whatis 1 == 1",
    "whatis 4000000000",
    "whatis \"abc\"",
    "whatis &arr[2] - &arr[0]",
    "ptype struct node",
    "whatis u32",
    "ptype u32",
    "whatis point_t",
    "ptype int",
    "ptype unsigned long",
    "whatis (char)1",
    "whatis m.cells",
    "ptype struct matrix",
    "whatis *global_message",
    "ptype struct message",
    "whatis add",
    "ptype add",
];

/// The command for gdb and for dbg: `/x d` is `print/x d`.
fn print_command(expression: &str) -> String {
    match expression.strip_prefix('/') {
        Some(rest) => format!("print/{rest}"),
        None => format!("print {expression}"),
    }
}

/// What both debuggers print for `commands` after stopping in `checkpoint` and going up:
/// value lines (`$N = ...`), variable lines (`name = ...`) and type blocks, with stack
/// addresses made equal (gdb's environment moves the stack).
fn answers(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("#1 "))
        .skip(1)
        .filter(|line| {
            line.starts_with('$')
                || line.starts_with("type = ")
                || line.starts_with("    ")
                || line.starts_with('}')
                || is_variable_line(line)
        })
        .map(hide_stack_addresses)
        .collect()
}

fn is_variable_line(line: &str) -> bool {
    let Some((name, _)) = line.split_once(" = ") else {
        return false;
    };
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `line` with `0x7ff...` stack addresses replaced by `[stack]`.
fn hide_stack_addresses(line: &str) -> String {
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

fn run_gdb(program: &str, commands: &[String]) -> String {
    let mut gdb = Command::new("gdb");
    gdb.args([
        "-batch",
        "-nx",
        "-ex",
        "break checkpoint",
        "-ex",
        "run",
        "-ex",
        "up",
    ]);
    for command in commands {
        gdb.args(["-ex", command]);
    }
    let output = gdb.arg(program).output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run_dbg(program: &str, commands: &[String]) -> (String, String) {
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
fn assert_same(ours: &[String], theirs: &[String], transcript: &str) {
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

#[test]
fn print_shows_values_as_gdb_does() {
    let program = fixture("values");
    let commands: Vec<String> = EXPRESSIONS.iter().map(|e| print_command(e)).collect();
    let (ours, transcript) = run_dbg(&program, &commands);
    let theirs = run_gdb(&program, &commands);
    let (ours, theirs) = (answers(&ours), answers(&theirs));
    assert_eq!(theirs.len(), EXPRESSIONS.len(), "gdb printed: {theirs:#?}");
    assert_same(&ours, &theirs, &transcript);
}

#[test]
fn locals_and_args_are_listed_as_gdb_lists_them() {
    let program = fixture("values");
    let commands: Vec<String> = [
        "info locals",
        "info args",
        "down",
        "info args",
        "info locals",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    let (ours, transcript) = run_dbg(&program, &commands);
    let theirs = run_gdb(&program, &commands);
    let (ours, theirs) = (answers(&ours), answers(&theirs));
    assert!(theirs.len() > 50, "gdb printed: {theirs:#?}");
    assert_same(&ours, &theirs, &transcript);
}

#[test]
fn types_are_described_as_gdb_describes_them() {
    let program = fixture("values");
    let commands: Vec<String> = TYPES.iter().map(|c| c.to_string()).collect();
    let (ours, transcript) = run_dbg(&program, &commands);
    let theirs = run_gdb(&program, &commands);
    let (ours, theirs) = (answers(&ours), answers(&theirs));
    assert!(theirs.len() >= TYPES.len(), "gdb printed: {theirs:#?}");
    assert_same(&ours, &theirs, &transcript);
}
