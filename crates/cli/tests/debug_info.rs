//! Debug information as distributions ship it: compressed DWARF sections debug like plain
//! ones, and the C library's frames are named from its separate debug file (`libc6-dbg`,
//! found by build-id) as gdb names them, checked against gdb on the same stop.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::process::Command;

use common::{dbg, fixture, transcript};

/// The lines of a run that show the program's state (frames, values, locals, listing).
fn state_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| {
            line.starts_with('#')
                || line.starts_with('$')
                || line.starts_with("->")
                || line.starts_with("   ")
                || line.contains(" = ")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn compressed_debug_sections_debug_like_plain_ones() {
    let commands = [
        "break leaf",
        "continue",
        "backtrace",
        "print x",
        "up",
        "info locals",
        "list",
    ];
    let run = |program: &str| {
        let mut args = vec!["run", "--batch"];
        for command in &commands {
            args.extend(["-e", command]);
        }
        args.push(program);
        let output = dbg(&args);
        assert!(output.status.success(), "{}", transcript(&output));
        (
            state_lines(&String::from_utf8_lossy(&output.stdout)),
            transcript(&output),
        )
    };
    let (plain, plain_transcript) = run(&fixture("nested"));
    assert!(
        plain.iter().any(|l| l.starts_with("#4 ")) && plain.iter().any(|l| l == "$1 = 4"),
        "{plain_transcript}"
    );
    // zlib in SHF_COMPRESSED sections, GNU's `.zdebug_*` sections, and zstd in
    // SHF_COMPRESSED sections (made here: this toolchain's gcc and objcopy cannot).
    let dir = tempfile::tempdir().unwrap();
    let zstd = zstd_copy(&fixture("nested_gz"), &dir.path().join("nested_zstd"));
    for program in [fixture("nested_gz"), fixture("nested_zdebug"), zstd] {
        let (ours, transcript) = run(&program);
        assert_eq!(ours, plain, "{program}:\n{transcript}");
    }
}

/// A copy of `zlib_binary` at `to` with each zlib-compressed (SHF_COMPRESSED) debug section
/// compressed with zstd instead: its `Elf64_Chdr` says `ELFCOMPRESS_ZSTD` (2), its bytes are
/// one zstd frame. objcopy replaces the raw bytes of a compressed section as given.
fn zstd_copy(zlib_binary: &str, to: &std::path::Path) -> String {
    use std::io::Read;
    const ELFCOMPRESS_ZLIB: u32 = 1;
    const ELFCOMPRESS_ZSTD: u32 = 2;
    let dir = to.parent().unwrap();
    let mut objcopy = Command::new("objcopy");
    for section in [
        ".debug_info",
        ".debug_abbrev",
        ".debug_line",
        ".debug_aranges",
    ] {
        let raw_path = dir.join(format!("{section}.zlib"));
        let status = Command::new("objcopy")
            .arg(format!("--dump-section={section}={}", raw_path.display()))
            .arg(zlib_binary)
            .arg(dir.join("scratch.o"))
            .status()
            .unwrap();
        assert!(status.success(), "objcopy --dump-section {section}");
        let raw = std::fs::read(&raw_path).unwrap();
        let word = |at: usize| u32::from_le_bytes(raw[at..at + 4].try_into().unwrap());
        assert_eq!(word(0), ELFCOMPRESS_ZLIB, "{section} is zlib-compressed");
        let mut plain = Vec::new();
        flate2::read::ZlibDecoder::new(&raw[24..])
            .read_to_end(&mut plain)
            .unwrap();
        let mut section_bytes = raw[..24].to_vec();
        section_bytes[0..4].copy_from_slice(&ELFCOMPRESS_ZSTD.to_le_bytes());
        section_bytes.extend(ruzstd::encoding::compress_to_vec(
            plain.as_slice(),
            ruzstd::encoding::CompressionLevel::Fastest,
        ));
        let zstd_path = dir.join(format!("{section}.zstd"));
        std::fs::write(&zstd_path, section_bytes).unwrap();
        objcopy.arg(format!(
            "--update-section={section}={}",
            zstd_path.display()
        ));
    }
    let status = objcopy.arg(zlib_binary).arg(to).status().unwrap();
    assert!(status.success(), "objcopy --update-section");
    to.display().to_string()
}

/// A frame line's function name, without dbg's `+offset`: `#1  0x... in NAME+37 (...)`,
/// `#0  NAME (...)`.
fn frame_function(line: &str) -> String {
    let rest = line
        .split_once("  ")
        .map_or(line, |(_, rest)| rest)
        .trim_start();
    let rest = match rest.split_once(" in ") {
        Some((address, name)) if address.starts_with("0x") => name,
        _ => rest,
    };
    let name = rest.split([' ', '(']).next().unwrap_or_default();
    name.split('+').next().unwrap_or_default().to_string()
}

/// A frame line's `FILE:LINE` as (file name without directories, line).
fn frame_source(line: &str) -> Option<(String, String)> {
    let (_, at) = line.rsplit_once(" at ")?;
    let (file, number) = at.rsplit_once(':')?;
    let base = file.rsplit('/').next()?;
    Some((base.to_string(), number.trim().to_string()))
}

#[test]
fn c_library_frames_are_named_as_gdb_names_them() {
    let libc = "/lib/x86_64-linux-gnu/libc.so.6";
    let notes = Command::new("readelf").args(["-n", libc]).output().unwrap();
    let notes = String::from_utf8_lossy(&notes.stdout).into_owned();
    let id = notes
        .lines()
        .find_map(|line| line.trim().strip_prefix("Build ID: "))
        .expect("libc has a build-id");
    let debug = format!("/usr/lib/debug/.build-id/{}/{}.debug", &id[..2], &id[2..]);
    assert!(
        std::path::Path::new(&debug).exists(),
        "{debug} is missing: install libc6-dbg (.ci/run does) for this test"
    );

    let program = fixture("hello");
    let output = dbg(&[
        "run",
        "--batch",
        "-e",
        "break main",
        "-e",
        "continue",
        "-e",
        "break write",
        "-e",
        "continue",
        "-e",
        "backtrace",
        &program,
    ]);
    let transcript = transcript(&output);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let ours: Vec<&str> = stdout.lines().filter(|l| l.starts_with('#')).collect();

    let gdb = Command::new("gdb")
        .args(["-nx", "-batch"])
        .args(["-ex", "break main", "-ex", "run", "-ex", "break write"])
        .args(["-ex", "continue", "-ex", "backtrace"])
        .arg(&program)
        .output()
        .expect("gdb is installed (.ci/run installs it)");
    let gdb = String::from_utf8_lossy(&gdb.stdout).into_owned();
    let theirs: Vec<&str> = gdb.lines().filter(|l| l.starts_with('#')).collect();

    let names = |lines: &[&str]| lines.iter().map(|l| frame_function(l)).collect::<Vec<_>>();
    assert!(theirs.len() > 3, "gdb's backtrace:\n{gdb}");
    assert_eq!(
        names(&ours),
        names(&theirs),
        "dbg:\n{transcript}\ngdb:\n{gdb}"
    );
    // `__GI___libc_write`: the DWARF name, not the `write` or `__write` alias.
    assert_eq!(frame_function(ours[0]), "__GI___libc_write", "{transcript}");
    // Where both name the same file, the same line.
    let mut compared = 0;
    for (our, their) in ours.iter().zip(&theirs) {
        if let (Some(a), Some(b)) = (frame_source(our), frame_source(their)) {
            if a.0 == b.0 {
                assert_eq!(a, b, "dbg: {our}\ngdb: {their}");
                compared += 1;
            }
        }
    }
    assert!(compared >= 5, "dbg:\n{transcript}\ngdb:\n{gdb}");
}

/// `--debug-file-directory DIR`: a copy of `nested` stripped of everything, its debug file
/// under DIR's build-id layout, debugs at source level as the original does.
#[test]
fn a_debug_file_directory_given_on_the_command_line_is_searched_by_build_id() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("nested");
    std::fs::copy(fixture("nested"), &program).unwrap();
    let notes = Command::new("readelf")
        .arg("-n")
        .arg(&program)
        .output()
        .unwrap();
    let notes = String::from_utf8_lossy(&notes.stdout).into_owned();
    let id = notes
        .lines()
        .find_map(|line| line.trim().strip_prefix("Build ID: "))
        .unwrap()
        .to_string();
    let root = dir.path().join("debug");
    let debug = root
        .join(".build-id")
        .join(&id[..2])
        .join(format!("{}.debug", &id[2..]));
    std::fs::create_dir_all(debug.parent().unwrap()).unwrap();
    let objcopy = |args: &[&std::ffi::OsStr]| {
        assert!(Command::new("objcopy")
            .args(args)
            .status()
            .unwrap()
            .success());
    };
    objcopy(&[
        "--only-keep-debug".as_ref(),
        program.as_os_str(),
        debug.as_os_str(),
    ]);
    objcopy(&["--strip-all".as_ref(), program.as_os_str()]);
    let program = program.to_str().unwrap();
    let root = root.to_str().unwrap();
    let commands = [
        "break leaf",
        "continue",
        "backtrace",
        "print x",
        "sharedlibrary list",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--batch"];
        args.extend(extra);
        for command in &commands {
            args.extend(["-e", command]);
        }
        args.push(program);
        let output = dbg(&args);
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            transcript(&output),
        )
    };
    let (found, found_transcript) = run(&["--debug-file-directory", root]);
    assert!(found.contains("$1 = 4"), "{found_transcript}");
    assert!(
        found.contains("#0  ") && found.contains("nested.c:"),
        "{found_transcript}"
    );
    let (without, without_transcript) = run(&[]);
    assert!(!without.contains("$1 = 4"), "{without_transcript}");
}

/// The `$N = ...` lines dbg and gdb print for the same `commands` on `program`.
fn values_of_both(program: &str, commands: &[&str]) -> (Vec<String>, Vec<String>, String) {
    let mut args = vec!["run", "--batch"];
    for command in commands {
        args.extend(["-e", command]);
    }
    args.push(program);
    let output = dbg(&args);
    let values = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with('$'))
            .map(str::to_string)
            .collect()
    };
    let mut gdb = Command::new("gdb");
    gdb.args(["-nx", "-batch"]);
    for command in commands {
        gdb.args(["-ex", command]);
    }
    let gdb = gdb.arg(program).output().unwrap();
    let gdb = String::from_utf8_lossy(&gdb.stdout).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (
        values(&stdout),
        values(&gdb),
        format!("dbg:\n{}\ngdb:\n{gdb}", transcript(&output)),
    )
}

/// Each motion followed by `p/x $pc`.
fn with_pcs<'a>(setup: &[&'a str], motions: &[&'a str]) -> Vec<&'a str> {
    let mut commands = setup.to_vec();
    for motion in motions {
        commands.extend([*motion, "p/x $pc"]);
    }
    commands
}

/// With libc6-dbg, `step` on a line calling `printf` goes through the PLT stub (and the
/// dynamic linker's lazy binding) into the C library's `puts`, past its prologue; `step`,
/// `finish` and `next` then go where gdb's go in the C library's own lines (the lines gdb
/// picks where optimised code puts several at one address). Compared by pc, which is the
/// same in both without ASLR.
#[test]
fn step_into_the_c_library_through_the_plt_goes_where_gdbs_does() {
    let motions = [
        "step", "step", "step", "step", "finish", "next", "step", "next", "next",
    ];
    let commands = with_pcs(&["break main", "run"], &motions);
    let (ours, theirs, both) = values_of_both(&fixture("hello"), &commands);
    assert_eq!(theirs.len(), 9, "{both}");
    assert_eq!(ours, theirs, "{both}");
    assert!(both.contains("in __GI__IO_puts+0 at ioputs.c:35"), "{both}");
}

/// `step` through `raise` into the C library: functions whose first instruction starts an
/// inlined function are shown first, the inlined one entered by the next `step` (at the same
/// pc); and `next` out of a signal handler goes through the kernel's sigreturn trampoline to
/// where the signal interrupted the program, as gdb's do.
#[test]
fn step_through_inlined_entries_and_out_of_a_signal_handler_goes_where_gdbs_does() {
    let setup = [
        "handle SIGUSR1 nostop noprint pass",
        "break sigusr.c:16",
        "run",
    ];
    let mut commands = with_pcs(&setup, &["step"; 10]);
    commands.extend(with_pcs(&["break on_usr1", "continue"], &["next"; 4]));
    let (ours, theirs, both) = values_of_both(&fixture("sigusr"), &commands);
    assert_eq!(theirs.len(), 14, "{both}");
    assert_eq!(ours, theirs, "{both}");
}

/// `next` over a line whose straight-line code dbg runs rather than steps still stops at a
/// breakpoint inside that line — on the line's second instruction, or on its call — and the
/// `next` after it goes on to the following line, as gdb's do. The addresses come from gdb.
#[test]
fn a_breakpoint_inside_the_stepped_line_ends_next_where_gdbs_does() {
    let program = fixture("step_loop");
    let source = std::fs::read_to_string(fixtures::source_dir().join("step_loop.c")).unwrap();
    let line = 1 + source
        .lines()
        .position(|text| text.contains("the call line"))
        .unwrap();
    let at = format!("break step_loop.c:{line}");
    let listing = Command::new("gdb")
        .args(["-nx", "-batch", "-ex", &at, "-ex", "run", "-ex", "x/3i $pc"])
        .arg(&program)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let addresses: Vec<&str> = listing
        .lines()
        .filter(|text| {
            let text = text.trim_start();
            text.starts_with("=> 0x") || text.starts_with("0x")
        })
        .filter_map(|text| text.split_whitespace().find(|word| word.starts_with("0x")))
        .collect();
    assert_eq!(addresses.len(), 3, "{listing}");
    for inside in [addresses[1], addresses[2]] {
        let stop = format!("break *{inside}");
        let commands = with_pcs(&[&at, "run", &stop], &["next", "next", "next"]);
        let (ours, theirs, both) = values_of_both(&program, &commands);
        assert_eq!(theirs.len(), 3, "{both}");
        assert_eq!(ours, theirs, "{both}");
        assert_eq!(theirs[0], format!("$1 = {inside}"), "{both}");
    }
}
