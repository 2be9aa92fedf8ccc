//! Separate debug files through the session: a copy of `nested` stripped with `objcopy`
//! debugs at source level through its debug file, found by build-id in a directory set with
//! [`Session::set_debug_file_directories`] or by `.gnu_debuglink` beside the binary; and
//! the C library's frames are named from the system's `libc6-dbg`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{exited, output, stop};
use dbg_session::{Launch, Location, Session};

/// The line of `// L:NAME` in `nested.c`.
fn marker(name: &str) -> u32 {
    let text = std::fs::read_to_string(fixtures::source_dir().join("nested.c")).unwrap();
    let tag = format!("// L:{name}");
    let index = text
        .lines()
        .position(|line| line.trim_end().ends_with(&tag))
        .unwrap_or_else(|| panic!("no marker {name}"));
    u32::try_from(index + 1).unwrap()
}

fn objcopy(args: &[&str]) {
    let status = Command::new("objcopy")
        .args(args)
        .status()
        .expect("objcopy");
    assert!(status.success(), "objcopy {args:?}");
}

/// `nested` stripped of everything but `.dynsym` into `dir/bin/nested`, its DWARF and
/// `.symtab` in `debug` (a path), with a `.gnu_debuglink` naming it.
fn stripped_nested(dir: &Path, debug: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let program = bin.join("nested");
    std::fs::copy(fixtures::path("nested"), &program).unwrap();
    let (program_arg, debug_arg) = (program.to_str().unwrap(), debug.to_str().unwrap());
    objcopy(&["--only-keep-debug", program_arg, debug_arg]);
    objcopy(&["--strip-all", program_arg]);
    objcopy(&[&format!("--add-gnu-debuglink={debug_arg}"), program_arg]);
    program
}

/// The build-id path of the debug file of `binary` under `root`: `.build-id/xx/rest.debug`.
fn build_id_path(root: &Path, binary: &Path) -> PathBuf {
    let text = Command::new("readelf")
        .arg("-n")
        .arg(binary)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    let id = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Build ID: "))
        .expect("a build-id note")
        .to_string();
    root.join(".build-id")
        .join(&id[..2])
        .join(format!("{}.debug", &id[2..]))
}

/// Break at `leaf`'s first line by `FILE:LINE`, run there, and check the backtrace's
/// functions and lines and a local's value: all from the debug file.
fn debug_at_source_level(mut session: Session, program: &Path, debug: &Path, dir: &Path) {
    let line = marker("leaf-first");
    let spec = format!("nested.c:{line}");
    let bp = session
        .set_breakpoint_at(&Location::parse(&spec).unwrap(), &spec, 0, false)
        .unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(at.cause.breakpoint(), Some(bp.id));
    let frames = session.backtrace().unwrap();
    let named: Vec<(String, u32)> = frames
        .iter()
        .take(5)
        .map(|frame| {
            let place = frame.place.as_ref().expect("a place");
            let line = place.source.as_ref().map_or(0, |s| s.line);
            (place.function.clone().unwrap_or_default(), line)
        })
        .collect();
    let expected: Vec<(String, u32)> = [
        ("leaf", marker("leaf-first")),
        ("inner", marker("inner-call")),
        ("middle", marker("middle-call")),
        ("outer", marker("outer-call")),
        ("main", marker("main-outer")),
    ]
    .iter()
    .map(|(f, l)| (f.to_string(), *l))
    .collect();
    assert_eq!(named, expected, "{frames:#?}");
    let x = session.evaluate("x").unwrap();
    assert_eq!(session.format_value(&x, None, true).unwrap(), "4");
    let found = session.debug_files();
    let ours = found
        .iter()
        .find(|(path, _)| path == program)
        .unwrap_or_else(|| panic!("{program:?} in {found:?}"));
    assert_eq!(ours.1.as_deref(), Some(debug));
    session.delete_breakpoint(bp.id).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert!(!output(dir).is_empty());
}

fn launch(program: &Path, dir: &Path, directories: Vec<PathBuf>) -> Session {
    let launch = Launch::new(program).stdout(dir.join("out"));
    let mut session = Session::launch(launch).unwrap().0;
    session.set_debug_file_directories(directories);
    session
}

#[test]
fn a_debug_file_found_by_build_id_in_a_set_directory() {
    let _deadline = fixtures::deadline("nested, stripped, build-id", 60);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("debug");
    let scratch = dir.path().join("nested.debug.tmp");
    let program = stripped_nested(dir.path(), &scratch);
    // Only the build-id layout has it: the debuglink name finds nothing.
    let debug = build_id_path(&root, &program);
    std::fs::create_dir_all(debug.parent().unwrap()).unwrap();
    std::fs::rename(&scratch, &debug).unwrap();
    let session = launch(&program, dir.path(), vec![root]);
    debug_at_source_level(session, &program, &debug, dir.path());
}

#[test]
fn a_debug_file_found_by_debuglink_beside_the_binary() {
    let _deadline = fixtures::deadline("nested, stripped, debuglink", 60);
    let dir = tempfile::tempdir().unwrap();
    let debug = dir.path().join("bin/.debug/nested.debug");
    std::fs::create_dir_all(debug.parent().unwrap()).unwrap();
    let program = stripped_nested(dir.path(), &debug);
    let session = launch(&program, dir.path(), Vec::new());
    debug_at_source_level(session, &program, &debug, dir.path());
}

#[test]
fn a_debug_file_whose_crc_differs_is_not_used() {
    let _deadline = fixtures::deadline("nested, stripped, wrong crc", 60);
    let dir = tempfile::tempdir().unwrap();
    let debug = dir.path().join("bin/nested.debug");
    let program = stripped_nested(dir.path(), &debug);
    // Another build's debug file under the linked name: gdb refuses it by its CRC.
    let mut bytes = std::fs::read(&debug).unwrap();
    bytes.push(0);
    std::fs::write(&debug, bytes).unwrap();
    let mut session = launch(&program, dir.path(), Vec::new());
    let found = session.debug_files();
    let ours = found.iter().find(|(path, _)| path == &program).unwrap();
    assert_eq!(ours.1, None, "{found:?}");
    // Without the debug file there is no line information for nested.c: the breakpoint
    // waits, pending, for a library that might have some.
    let bp = session
        .set_breakpoint_at(
            &Location::parse("nested.c:20").unwrap(),
            "nested.c:20",
            0,
            false,
        )
        .unwrap();
    assert!(bp.is_pending(), "{bp:?}");
}
