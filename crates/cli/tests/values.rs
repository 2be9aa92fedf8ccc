//! Values as a gdb user sees them: `print`, `info locals`/`info args`, `ptype`/`whatis`
//! and assignment on the values.c fixture, checked against what gdb prints for the same
//! commands in the same program (gdb runs in the test: its answer is the reference).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::process::Command;

use common::{answers, assert_same, dbg, fixture, print_command, run_dbg, run_gdb, transcript};

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
fn locals_args_backtrace_full_and_displays_are_listed_as_gdb_lists_them() {
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

#[test]
fn assignments_reach_the_program() {
    let program = fixture("values");
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "break checkpoint",
        "-e",
        "continue",
        "-e",
        "set var global_counter = 99",
        "-e",
        "print global_origin.x = 5",
        "-e",
        "print global_origin.y += 10",
        "-e",
        "set var count = -count",
        "-e",
        "print count",
        "-e",
        "continue",
        &program,
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("$1 = 5\n$2 = 11\n$3 = -102\n"),
        "{}",
        transcript(&output)
    );
    // checkpoint returns count + 11 + 3 + 3 + 1 with count now -102: the program's own
    // output shows every assignment.
    assert!(
        text.contains("global_counter=99 global_origin=5,11"),
        "{}",
        transcript(&output)
    );
}

#[test]
fn bad_expressions_fail_in_one_line_and_change_nothing() {
    let program = fixture("values");
    let deep = format!("print {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let negations = format!("print {}1", "-".repeat(10_000));
    let bad = [
        "print 1 +",
        "print nosuch",
        "print *null_ptr",
        "print 5 / 0",
        "print pt.nosuch",
        "print (struct nosuch *)0",
        "print *vp",
        "print &1",
        "print \"abc",
        "set var 1 = 2",
        "print ip[0] = pt",
        deep.as_str(),
        negations.as_str(),
        "ptype struct nosuch",
    ];
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
    for command in bad {
        args.extend(["-e", command]);
    }
    args.extend(["-e", "print global_counter", "-e", "print pt", &program]);
    let output = dbg(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), bad.len(), "{}", transcript(&output));
    for error in &errors {
        assert!(error.len() < 200, "not one short line: {error}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("$1 = 42\n$2 = {x = 3, y = -4}\n"),
        "{}",
        transcript(&output)
    );
    // A batch session goes on after a failed command and says so in its exit code.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn values_in_json_have_types_and_children() {
    let program = fixture("values");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break checkpoint",
        "-e",
        "continue",
        "-e",
        "print where",
        "-e",
        "info args",
        "-e",
        "ptype struct point",
        "-e",
        "up",
        "-e",
        "print/x grid",
        &program,
    ]);
    let results: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|v: &serde_json::Value| v["type"] == "result")
        .collect();
    let data = |command: &str| {
        results
            .iter()
            .find(|r| r["command"] == command)
            .unwrap_or_else(|| panic!("no result for {command}: {results:#?}"))["data"]
            .clone()
    };
    assert_eq!(
        data("print where"),
        serde_json::json!({
            "type": "struct point",
            "value": "{x = 3, y = -4}",
            "children": [
                {"name": "x", "type": "int", "value": "3"},
                {"name": "y", "type": "int", "value": "-4"},
            ]
        })
    );
    let args = data("info args");
    let names: Vec<&str> = args["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["count", "label", "where", "ratio"]);
    assert_eq!(args["variables"][0]["type"], "int");
    assert_eq!(
        data("ptype struct point")["type"],
        "struct point {\n    int x;\n    int y;\n}"
    );
    let grid = data("print/x grid");
    assert_eq!(grid["value"], "{{0x1, 0x2, 0x3}, {0x4, 0x5, 0x6}}");
    assert_eq!(grid["children"][1]["name"], "[1]");
    assert_eq!(grid["children"][1]["children"][2]["value"], "0x6");
}

#[test]
fn conditional_breakpoints_stop_only_when_the_condition_holds() {
    let bp_loop = fixture("bp_loop");
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "break target_fn if i % 1000 == 999",
        "-e",
        "continue",
        "-e",
        "print i",
        "-e",
        "continue",
        "-e",
        "print i",
        "-e",
        "info breakpoints",
        "-e",
        "condition 1 nosuch > 1",
        "-e",
        "break target_fn if (",
        "-e",
        "condition 1 *(long *)0 == 1",
        "-e",
        "continue",
        "-e",
        "condition 1",
        "-e",
        "continue",
        "-e",
        "print i",
        &bp_loop,
        "3000",
    ]);
    let text = transcript(&output);
    assert!(text.contains("$1 = 999\n"), "{text}");
    assert!(text.contains("$2 = 1999\n"), "{text}");
    // Only the hits whose condition held are counted, as in gdb.
    assert!(
        text.contains("1   yes      2     0       sw    ")
            && text.contains("stop only if i % 1000 == 999"),
        "{text}"
    );
    assert!(
        text.contains("error: no symbol \"nosuch\" in current context"),
        "{text}"
    );
    assert!(
        text.contains("error: expected an expression at column"),
        "{text}"
    );
    // A condition that cannot be evaluated stops with the reason; without a condition
    // every hit stops.
    assert!(
        text.contains(
            "Error in testing condition for breakpoint 1:\ncannot access memory at address 0x0"
        ),
        "{text}"
    );
    assert!(text.contains("$3 = 2001\n"), "{text}");
    // The refused `break ... if (` left no breakpoint behind.
    assert!(!text.contains("Breakpoint 2 at"), "{text}");
}

/// The lines that say what a watchpoint on an expression saw, from either debugger (ids
/// differ: gdb numbers watchpoints with breakpoints).
fn watch_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| {
            line.starts_with("Old value = ")
                || line.starts_with("New value = ")
                || line.starts_with("Value = ")
                || line.starts_with("which its expression is valid")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn watchpoints_on_expressions_report_as_gdb_does() {
    let program = fixture("watch_expr");
    let mut commands = vec![
        "break main",
        "run",
        "watch counter",
        "watch pair_global",
        "watch bytes[3]",
        "continue",
        "continue",
        "continue",
        "delete",
        "break bump",
        "continue",
        "watch local",
        "awatch times",
    ];
    commands.extend(["continue"; 12]);
    let mut gdb = Command::new("gdb");
    gdb.arg("-batch").arg("-nx");
    for command in &commands {
        gdb.args(["-ex", command]);
    }
    let theirs = gdb.arg(&program).output().unwrap();
    let mut args = vec!["run", "--batch"];
    for command in &commands {
        let command = if *command == "run" {
            "continue"
        } else {
            command
        };
        args.extend(["-e", command]);
    }
    args.push(&program);
    let ours = dbg(&args);
    let text = transcript(&ours);
    let (ours, theirs) = (
        watch_lines(&String::from_utf8_lossy(&ours.stdout)),
        watch_lines(&String::from_utf8_lossy(&theirs.stdout)),
    );
    // counter 0 -> 5 (the write of the same 0 is no change), the 16-byte pair in two debug
    // registers, a char at an odd address, then the local's changes, the argument's reads
    // and the end of both with their frame.
    assert!(ours.len() >= 14, "{ours:#?}\n{text}");
    assert_eq!(ours, theirs, "{text}");
    assert!(text.contains("Hardware watchpoint 1: counter"), "{text}");
    assert!(
        text.contains("Hardware access (read/write) watchpoint 5: times"),
        "{text}"
    );
}

#[test]
fn watch_refuses_what_it_cannot_watch() {
    let program = fixture("watch_expr");
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "break bump",
        "-e",
        "continue",
        "-e",
        "watch times + 1",
        "-e",
        "watch local = 3",
        "-e",
        "watch nosuch",
        "-e",
        "watch $rax",
        "-e",
        "watch pair_global",
        "-e",
        "watch pair_global",
        "-e",
        "watch counter",
        "-e",
        "print local",
        &program,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        errors,
        [
            "error: cannot watch `times + 1`: it is not in memory",
            "error: cannot watch `local = 3`: it assigns",
            "error: no symbol \"nosuch\" in current context",
            "error: cannot watch `$rax`: it is not in memory",
            "error: watching it needs 1 debug registers, and 0 are free",
        ],
        "{}",
        transcript(&output)
    );
    // Nothing was written: `local` was not assigned.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("$1 = "),
        "{}",
        transcript(&output)
    );
}

#[test]
fn finish_shows_every_kind_of_returned_value_as_gdb_does() {
    let program = fixture("returns");
    let functions = [
        "ret_int",
        "ret_uchar",
        "ret_char",
        "ret_bool",
        "ret_long",
        "ret_string",
        "ret_float",
        "ret_double",
        "ret_long_double",
        "ret_two_ints",
        "ret_mixed",
        "ret_two_doubles",
        "ret_floats",
        "ret_big",
        "ret_chars",
        "ret_union",
        "ret_enum",
    ];
    let breaks: Vec<String> = functions.iter().map(|f| format!("break {f}")).collect();
    let mut gdb = Command::new("gdb");
    gdb.arg("-batch").arg("-nx");
    let mut args = vec!["run".to_string(), "--batch".to_string()];
    for command in &breaks {
        gdb.args(["-ex", command]);
        args.extend(["-e".to_string(), command.clone()]);
    }
    gdb.args(["-ex", "run"]);
    args.extend(["-e".to_string(), "continue".to_string()]);
    for _ in functions {
        gdb.args(["-ex", "finish", "-ex", "continue"]);
        args.extend(["-e", "finish", "-e", "continue"].map(String::from));
    }
    args.push(program.clone());
    let theirs = gdb.arg(&program).output().unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ours = dbg(&args);
    let returned = |stdout: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(stdout)
            .lines()
            .filter(|line| line.starts_with("Value returned"))
            .map(str::to_string)
            .collect()
    };
    let (mine, gdbs) = (returned(&ours.stdout), returned(&theirs.stdout));
    assert_eq!(gdbs.len(), functions.len(), "gdb: {gdbs:#?}");
    assert_eq!(mine, gdbs, "{}", transcript(&ours));
}

/// `name = value` and `$N = value` lines of a whole run.
fn variable_lines(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| line.starts_with('$') || common::is_variable_line(line))
        .map(str::to_string)
        .collect()
}

#[test]
fn optimized_code_shows_what_gdb_shows() {
    // -O2: location lists, values in registers, `<optimized out>`, an inlined function's
    // argument at the address where it is inlined (an empty location range with views).
    let program = fixture("nested_o2");
    for function in ["outer", "middle", "inner", "leaf", "twice"] {
        let commands = [
            format!("break {function}"),
            "info args".into(),
            "info locals".into(),
            "print x * 10".into(),
            "finish".into(),
        ];
        let mut gdb = Command::new("gdb");
        gdb.arg("-batch")
            .arg("-nx")
            .args(["-ex", &commands[0], "-ex", "run"]);
        let mut args = vec!["run", "--batch", "-e", &commands[0], "-e", "continue"];
        for command in &commands[1..] {
            gdb.args(["-ex", command]);
            args.extend(["-e", command.as_str()]);
        }
        args.push(&program);
        let theirs = gdb.arg(&program).output().unwrap();
        let ours = dbg(&args);
        let (mine, gdbs) = (variable_lines(&ours.stdout), variable_lines(&theirs.stdout));
        assert!(gdbs.len() >= 2, "{function}: gdb printed {gdbs:#?}");
        assert_eq!(mine, gdbs, "{function}\n{}", transcript(&ours));
    }
}

#[test]
fn thread_locals_of_a_shared_library_print_as_gdb_prints_them() {
    // libsolib_util.so's __thread variables live in its TLS block, found through the
    // thread's DTV at the library's module id (the executable's own TLS is below the
    // thread pointer: values.c's thread_value covers it).
    let program = fixture("solib_linked");
    let commands = ["p solib_calls", "p solib_last", "finish", "p solib_calls"];
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx", "-ex", "break solib_add", "-ex", "run"]);
    let mut args = vec!["run", "--batch", "-e", "break solib_add", "-e", "continue"];
    for command in commands {
        gdb.args(["-ex", command]);
        args.extend(["-e", command]);
    }
    args.push(&program);
    let theirs = gdb.arg(&program).output().unwrap();
    let ours = dbg(&args);
    let values = |stdout: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(stdout)
            .lines()
            .filter(|line| line.starts_with('$') || line.starts_with("Value returned"))
            .map(str::to_string)
            .collect()
    };
    let (mine, gdbs) = (values(&ours.stdout), values(&theirs.stdout));
    assert_eq!(gdbs.len(), 4, "gdb: {gdbs:#?}");
    assert_eq!(mine, gdbs, "{}", transcript(&ours));
}
