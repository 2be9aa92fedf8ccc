//! "Reading symbols from ..." notices: said for every binary read when the threshold is
//! zero (`DBG_SLOW_NOTICE_MS=0`), each with its "done" line, on stdout in human mode and on
//! stderr only in JSON mode; never for a small program at the default threshold.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;
use common::{dbg_noticing, fixture, transcript};

/// The notice lines of `text`, checked to come in pairs: each "Reading symbols from X..."
/// followed by "Reading symbols from X... done (N s)", with nothing between them but the
/// progress of X.
fn notices(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("Reading symbols from "))
        .collect();
    let mut reading: Option<&str> = None;
    let mut binaries = Vec::new();
    for line in &lines {
        let (path, rest) = line
            .trim_start_matches("Reading symbols from ")
            .split_once("...")
            .unwrap_or_else(|| panic!("`{line}` in:\n{text}"));
        match (reading, rest) {
            (None, "") => {
                reading = Some(path);
                binaries.push(path.to_string());
            }
            (Some(open), done) if open == path && done.starts_with(" done (") => {
                assert!(done.ends_with(" s)"), "`{line}` in:\n{text}");
                reading = None;
            }
            (Some(open), progress) if open == path && progress.ends_with(" units)") => {}
            _ => panic!("`{line}` out of order in:\n{text}"),
        }
    }
    assert!(reading.is_none(), "not done: {reading:?} in:\n{text}");
    binaries
}

#[test]
fn with_a_zero_threshold_every_reading_is_said_on_stdout_before_what_it_was_for() {
    let program = fixture("nested");
    let output = dbg_noticing(&["run", "--batch", "-e", "break main", &program], Some("0"));
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(notices(&stdout).contains(&program), "{text}");
    // Said as the breakpoint's lookup reads the program, before the breakpoint is shown.
    let said = stdout
        .find(&format!("Reading symbols from {program}..."))
        .unwrap();
    assert!(said < stdout.find("Breakpoint 1 at").unwrap(), "{text}");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("Reading symbols"),
        "{text}"
    );
}

#[test]
fn in_json_mode_notices_go_to_stderr_and_stdout_stays_json() {
    let program = fixture("nested");
    let output = dbg_noticing(
        &["run", "--json", "--batch", "-e", "break main", &program],
        Some("0"),
    );
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        assert!(line.starts_with("{\"type\":\""), "{line} in:\n{text}");
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(notices(&stderr).contains(&program), "{text}");
}

#[test]
fn at_the_default_threshold_a_small_program_reads_silently() {
    let program = fixture("nested");
    let output = dbg_noticing(
        &[
            "run",
            "--batch",
            "-e",
            "break main",
            "-e",
            "list main",
            "-e",
            "break nested.c:60",
            &program,
        ],
        None,
    );
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("Breakpoint 2 at"), "{text}");
    assert!(!text.contains("Reading symbols"), "{text}");
}
