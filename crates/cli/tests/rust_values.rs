//! Rust values as a Rust user sees them: `print` of every local of the values_rs fixture
//! must be exactly the `{:?}` text the program printed for it before stopping (the program
//! is the reference, HashMap order included), and Rust's expression syntax (`v[i]`, `t.0`,
//! `*b`, `x as u8`), `info locals`, `whatis` and `ptype` work in a Rust frame.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::process::Command;

use common::{dbg, fixture, transcript};

/// dbg-cli stopped in `checkpoint`, gone up to `main`, running `commands`.
fn in_main(commands: &[String]) -> std::process::Output {
    let path = fixture("values_rs");
    let mut args: Vec<&str> = vec![
        "run",
        "--batch",
        "-e",
        "break values_rs::checkpoint",
        "-e",
        "continue",
        "-e",
        "up",
    ];
    for command in commands {
        args.push("-e");
        args.push(command);
    }
    args.push(&path);
    dbg(&args)
}

/// The `$N = TEXT` answers in order, with the commands' error lines in their place.
fn answers(stdout: &str, stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = stdout
        .lines()
        .filter(|line| line.starts_with('$'))
        .map(|line| line.split_once(" = ").map_or("", |(_, v)| v).to_string())
        .collect();
    out.extend(
        stderr
            .lines()
            .filter(|line| line.starts_with("error: "))
            .map(str::to_string),
    );
    out
}

/// The names the fixture prints `name=...` for, from a run of its own.
fn fixture_names() -> Vec<String> {
    let output = Command::new(fixture("values_rs")).output().unwrap();
    assert!(output.status.success(), "values_rs failed: {output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn every_local_prints_as_its_debug_text() {
    let names = fixture_names();
    assert!(names.len() > 50, "too few values: {names:?}");
    let commands: Vec<String> = names.iter().map(|name| format!("print {name}")).collect();
    let output = in_main(&commands);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let text = transcript(&output);
    assert!(output.status.success(), "{text}");
    let printed: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with('$'))
        .collect();
    assert_eq!(printed.len(), names.len(), "{text}");
    for (i, (name, line)) in names.iter().zip(&printed).enumerate() {
        // The program's own line from this very run: a HashMap's order is per process.
        let expected = stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("the program printed no {name}=\n{text}"));
        assert_eq!(
            *line,
            format!("${} = {expected}", i + 1),
            "print {name}\n{text}"
        );
    }
}

#[test]
fn rust_expressions_evaluate_in_a_rust_frame() {
    let cases: &[(&str, &str)] = &[
        ("numbers[1]", "2"),
        ("words[1]", "\"two\""),
        ("bytes[2]", "255"),
        ("array[3]", "40"),
        ("nested[1][0]", "2"),
        ("atomic[1]", "5"),
        ("pair.0", "1"),
        ("pair.1", "\"two\""),
        ("triple.2", "'c'"),
        ("meters.0", "2.5"),
        ("point.x + 1", "2"),
        ("line.to.y", "-4"),
        ("point_ref.x", "1"),
        ("*boxed", "42"),
        ("boxed_point.y", "6"),
        ("*reference", "123456"),
        ("*shared", "\"shared\""),
        ("int as u8", "64"),
        ("byte as i8", "-56"),
        ("small as i32 * 2", "-10"),
        ("whole as i32", "2"),
        ("point.x == 1", "true"),
        ("point.x == point.y", "false"),
    ];
    let mut commands: Vec<String> = cases.iter().map(|(e, _)| format!("print {e}")).collect();
    commands.push("print numbers[3]".into());
    commands.push("print array[4]".into());
    let output = in_main(&commands);
    let text = transcript(&output);
    let got = answers(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    );
    let mut expected: Vec<String> = cases.iter().map(|(_, v)| v.to_string()).collect();
    expected.push("error: index out of bounds: the len is 3 but the index is 3".into());
    expected.push("error: index out of bounds: the len is 4 but the index is 4".into());
    assert_eq!(got, expected, "{text}");
    assert_eq!(output.status.code(), Some(1), "{text}");
}

#[test]
fn assignment_keeps_the_selected_frame() {
    let commands = [
        "print numbers[1] = 7".to_string(),
        "print numbers".to_string(),
        "print counter = 9".to_string(),
        "print *mutable".to_string(),
    ];
    let output = in_main(&commands);
    let text = transcript(&output);
    let got = answers(&String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(got, ["7", "[1, 7, 3]", "9", "9"], "{text}");
}

#[test]
fn locals_show_debug_text() {
    let output = in_main(&["info locals".to_string()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let text = transcript(&output);
    assert!(output.status.success(), "{text}");
    for line in [
        "point = Point { x: 1, y: 2 }",
        "numbers = [1, 2, 3]",
        "some = Some(5)",
        "none_box = None",
        "err = Err(\"bad\")",
        "tree = {1: \"one\", 2: \"two\", 3: \"three\"}",
        "text = \"hello\"",
        "crab = '🦀'",
    ] {
        assert!(stdout.lines().any(|l| l == line), "no `{line}`\n{text}");
    }
}

#[test]
fn types_have_rust_names() {
    let commands: Vec<String> = [
        "whatis point",
        "whatis numbers",
        "whatis boxed",
        "whatis array",
        "whatis text",
        "whatis pair",
        "whatis reference",
        "whatis int as u8",
        "ptype point",
        "ptype meters",
        "ptype circle",
        "ptype color",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    let output = in_main(&commands);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let text = transcript(&output);
    assert!(output.status.success(), "{text}");
    let from = stdout.find("type = ").unwrap_or(0);
    let expected = "\
type = values_rs::Point
type = alloc::vec::Vec<i32, alloc::alloc::Global>
type = alloc::boxed::Box<i32, alloc::alloc::Global>
type = [i32; 4]
type = &str
type = (i32, &str)
type = &i32
type = u8
type = struct values_rs::Point {
    x: i32,
    y: i32,
}
type = struct values_rs::Meters(f64, u8)
type = enum values_rs::Shape {
    Circle{radius: f32},
    Rect(i32, i32),
    Empty,
}
type = enum values_rs::Color {
    Red,
    Green,
    Blue,
}
";
    assert_eq!(&stdout[from..], expected, "{text}");
}

#[test]
fn containers_expand_into_their_elements_in_json() {
    let program = fixture("values_rs");
    let output = dbg(&[
        "run",
        "--json",
        "--batch",
        "-e",
        "break values_rs::checkpoint",
        "-e",
        "continue",
        "-e",
        "up",
        "-e",
        "print words",
        "-e",
        "print atomic",
        "-e",
        "print some",
        &program,
    ]);
    let results: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|v: &serde_json::Value| v["type"] == "result" && v["command"] != "up")
        .collect();
    let data = |command: &str| {
        results
            .iter()
            .find(|r| r["command"] == command)
            .map(|r| r["data"].clone())
            .unwrap_or_else(|| panic!("no {command}: {}", transcript(&output)))
    };
    let words = data("print words");
    assert_eq!(words["value"], "[\"one\", \"two\"]");
    assert_eq!(words["children"][1]["name"], "[1]");
    assert_eq!(words["children"][1]["value"], "\"two\"");
    // A String is a leaf, not its Vec<u8>.
    assert!(words["children"][1].get("children").is_none(), "{words}");
    // An Arc shows what it holds.
    assert_eq!(data("print atomic")["children"][0]["value"], "4");
    let some = data("print some");
    assert_eq!(some["children"][0]["name"], "0");
    assert_eq!(some["children"][0]["value"], "5");
}
