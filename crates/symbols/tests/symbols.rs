//! dbg-symbols against the C and C++ fixtures: ELF symbols, line tables, breakpoint
//! placement compared with gdb's own choice on the same binary, and corrupt input.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Command;

use dbg_symbols::{FileAddr, Kind, LineLookup, Module};

fn module(fixture: &str) -> Module {
    let bytes = std::fs::read(fixtures::path(fixture)).expect("fixture readable");
    Module::parse(Box::new(bytes)).expect("fixture is ELF")
}

/// The line of `// L:NAME` in a fixture source.
fn marker(source: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(fixtures::source_dir().join(source)).expect("source");
    let tag = format!("// L:{name}");
    let index = text
        .lines()
        .position(|line| line.trim_end().ends_with(&tag))
        .unwrap_or_else(|| panic!("no marker {name} in {source}"));
    u32::try_from(index + 1).expect("small file")
}

/// Where gdb puts `break SPEC` in `fixture`, before running it (binary addresses), from
/// `info breakpoints`. gdb is installed by `.ci/run`; without it the test fails, loudly.
fn gdb_breakpoint(fixture: &str, spec: &str) -> Vec<FileAddr> {
    let output = Command::new("gdb")
        .args(["-nx", "-batch", "-ex"])
        .arg(format!("break {spec}"))
        .args(["-ex", "info breakpoints"])
        .arg(fixtures::path(fixture))
        .output()
        .expect("gdb is installed (.ci/run installs it)");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut addresses: Vec<FileAddr> = text
        .lines()
        .filter(|line| line.contains(" in "))
        .filter_map(|line| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix("0x"))
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                .map(FileAddr::new)
        })
        .collect();
    addresses.sort_unstable();
    assert!(!addresses.is_empty(), "gdb set no breakpoint: {text}");
    addresses
}

fn our_breakpoint(module: &Module, name: &str) -> Vec<FileAddr> {
    let mut addresses: Vec<FileAddr> = module
        .breakpoint_addresses(name)
        .expect("lookup")
        .into_iter()
        .map(|(_, address)| address)
        .collect();
    addresses.sort_unstable();
    addresses
}

#[test]
fn start_and_main_by_name_and_by_address() {
    for fixture in ["nested", "nested_dwarf4", "hello"] {
        let module = module(fixture);
        for name in ["_start", "main"] {
            let found = module.symbols_named(name);
            assert_eq!(found.len(), 1, "{fixture}: {name}: {found:?}");
            let symbol = &found[0];
            assert_eq!(symbol.address.get(), fixtures::symbol(fixture, name));
            assert!(symbol.is_function);
            let (at, offset) = module
                .symbol_at(symbol.address.wrapping_add(3))
                .expect("symbol");
            assert_eq!((at.name.as_str(), offset), (name, 3));
        }
    }
    assert_eq!(module("nested").kind(), Kind::Dynamic);
    assert_eq!(module("nested_dwarf4").kind(), Kind::Executable);
    assert!(module("nested_dwarf4").base_address().get() >= 0x400000);
}

#[test]
fn line_table_of_a_small_fixture() {
    // Compressed DWARF (SHF_COMPRESSED zlib, and GNU `.zdebug_*`) reads as plain DWARF.
    for fixture in ["nested", "nested_dwarf4", "nested_gz", "nested_zdebug"] {
        let module = module(fixture);
        assert!(module.has_debug_info());
        let (_, leaf) = module.breakpoint_addresses("leaf").expect("leaf")[0].clone();
        let line = module.line_at(leaf).expect("lines").expect("a line");
        // Named as gdb names them: the unit's file as compiled (an absolute path here), a
        // file of another unit compiled by relative path as it was given.
        let nested = fixtures::source_dir().join("nested.c");
        assert_eq!(line.file, nested.to_string_lossy(), "{fixture}");
        assert_eq!(line.path, line.file);
        assert_eq!(line.line, marker("nested.c", "leaf-first"), "{fixture}");
        assert!(module.is_statement_start(leaf).expect("lines"));
        // The second compile unit has its own line table.
        let (_, util) = module.breakpoint_addresses("util_scale").expect("util")[0].clone();
        let line = module.line_at(util).expect("lines").expect("a line");
        assert_eq!(line.file, "parts/nested_util.c");
        let util = fixtures::source_dir().join("parts/nested_util.c");
        assert_eq!(line.path, util.to_string_lossy());
        assert_eq!(line.line, marker("parts/nested_util.c", "util-body"));
        assert!(module.unit_count().expect("units") >= 2);
    }
}

#[test]
fn function_breakpoints_go_where_gdb_puts_them() {
    for fixture in [
        "nested",
        "nested_dwarf4",
        "nested_o2",
        "hello",
        "nested_gz",
        "nested_zdebug",
    ] {
        let module = module(fixture);
        let names: &[&str] = if fixture == "hello" {
            &["main"]
        } else {
            &[
                "main",
                "leaf",
                "inner",
                "outer",
                "factorial",
                "ratio",
                "util_scale",
                // Always inlined: no symbol, only DWARF's inlined copies.
                "twice",
            ]
        };
        for name in names {
            assert_eq!(
                our_breakpoint(&module, name),
                gdb_breakpoint(fixture, name),
                "{fixture}: break {name}"
            );
        }
    }
}

#[test]
fn an_overloaded_cpp_function_gets_one_location_per_overload() {
    let module = module("overloads");
    let found = module.breakpoint_addresses("add").expect("lookup");
    let mut names: Vec<&str> = found.iter().map(|(f, _)| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["add(double, double)", "add(int, int)"]);
    assert_eq!(
        our_breakpoint(&module, "add"),
        gdb_breakpoint("overloads", "add")
    );
    let area = module.breakpoint_addresses("Square::area").expect("lookup");
    assert_eq!(area.len(), 1);
    assert_eq!(area[0].0.name, "geo::Square::area() const");
    assert_eq!(
        our_breakpoint(&module, "geo::Square::area"),
        gdb_breakpoint("overloads", "geo::Square::area")
    );
    let line = module.line_at(area[0].1).expect("lines").expect("line");
    assert_eq!(line.line, marker("overloads.cpp", "area"));
}

#[test]
fn file_and_line_breakpoints_go_where_gdb_puts_them() {
    for fixture in ["nested", "nested_dwarf4"] {
        let module = module(fixture);
        for (file, name) in [
            ("nested.c", "inner-call"),
            ("nested.c", "main-print"),
            ("nested.c", "fact-recurse"),
            ("nested_util.c", "util-body"),
        ] {
            let source = if file == "nested.c" {
                "nested.c"
            } else {
                "parts/nested_util.c"
            };
            let line = marker(source, name);
            let LineLookup::Found {
                line: found,
                addresses,
                ..
            } = module.line_addresses(file, line).expect("lookup")
            else {
                panic!("{fixture}: {file}:{line} not found");
            };
            assert_eq!(found, line);
            assert_eq!(
                addresses,
                gdb_breakpoint(fixture, &format!("{file}:{line}")),
                "{fixture}: {file}:{line}"
            );
        }
        // A line without code (a blank line) moves to the next line with code, as in gdb.
        let blank = marker("nested.c", "main-ratio") + 1;
        let LineLookup::Found {
            line, addresses, ..
        } = module.line_addresses("nested.c", blank).expect("lookup")
        else {
            panic!("blank line not moved");
        };
        assert_eq!(line, marker("nested.c", "main-print"));
        assert_eq!(
            addresses,
            gdb_breakpoint(fixture, &format!("nested.c:{blank}"))
        );
        assert_eq!(
            module.line_addresses("nope.c", 3).expect("lookup"),
            LineLookup::NoFile
        );
        assert!(matches!(
            module.line_addresses("nested.c", 100_000).expect("lookup"),
            LineLookup::NoCode { .. }
        ));
    }
}

#[test]
fn inlined_function_frames() {
    let module = module("nested_o2");
    let line = marker("nested.c", "twice");
    let LineLookup::Found { addresses, .. } =
        module.line_addresses("nested.c", line).expect("lookup")
    else {
        panic!("no code for twice");
    };
    let frames = module.frames_at(addresses[0]).expect("frames");
    assert!(frames.len() >= 2, "{frames:?}");
    assert_eq!(frames[0].function.as_deref(), Some("twice"));
    assert!(frames[0].inlined);
    assert_eq!(frames[0].location.as_ref().map(|l| l.line), Some(line));
    // The function it is inlined into, at the inlined call.
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[1].function.as_deref(), Some("leaf"));
    assert!(!frames[1].inlined);
    let call = frames[1].location.as_ref().expect("call site");
    assert_eq!(call.line, marker("nested.c", "leaf-return"));
    assert_eq!(
        Some(&call.file),
        frames[0].location.as_ref().map(|l| &l.file)
    );
    assert!(call.path.ends_with("/nested.c"), "{call:?}");
}

#[test]
fn a_stripped_binary_falls_back_to_dynamic_symbols() {
    let module = module("nested_stripped");
    assert!(!module.has_symtab());
    assert!(!module.has_debug_info());
    assert!(module.symbols_named("leaf").is_empty());
    assert!(module.line_at(module.entry()).expect("no error").is_none());
    // /bin/ls is a stripped PIE with .dynsym only.
    let ls = Module::parse(Box::new(std::fs::read("/bin/ls").expect("/bin/ls"))).expect("ELF");
    assert!(!ls.has_symtab());
    assert!(ls.symbol_count() > 0);
    assert!(ls.has_cfi());
}

#[test]
fn rust_names_are_demangled() {
    assert_eq!(
        dbg_symbols::demangle("_ZN6bigbin4main17h0123456789abcdefE"),
        "bigbin::main"
    );
    assert!(dbg_symbols::name_matches("bigbin::main", "main"));
}

#[test]
fn similar_names_are_suggested() {
    let module = module("nested");
    let names = module.similar_names("factorail", 5);
    assert!(names.iter().any(|n| n == "factorial"), "{names:?}");
}

/// Every question on truncated and bit-flipped copies of real binaries: errors, never panics.
#[test]
fn corrupt_binaries_give_errors_not_panics() {
    for fixture in ["nested", "overloads"] {
        let bytes = std::fs::read(fixtures::path(fixture)).expect("fixture");
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for cut in [
            0,
            3,
            16,
            63,
            64,
            200,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            cases.push(bytes[..cut].to_vec());
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..60 {
            let mut copy = bytes.clone();
            for _ in 0..64 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % copy.len();
                copy[at] ^= (state >> 32) as u8 | 1;
            }
            cases.push(copy);
        }
        for case in cases {
            dbg_symbols::ask_everything(&case);
        }
    }
}

/// Inputs the fuzz target found that once made a parser panic (`crates/symbols/fuzz`).
#[test]
fn fuzz_findings_give_errors_not_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/corpus") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        dbg_symbols::ask_everything(&bytes);
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}

/// Every answer about the code of a few functions, as text: line, statement start, frames
/// and one unwind step at each address, then the line lookups by file; sorted.
fn answers(module: &Module, reverse: bool) -> Vec<String> {
    let mut addresses: Vec<FileAddr> = ["_start", "main", "leaf", "util_scale", "factorial"]
        .iter()
        .flat_map(|name| module.symbols_named(name))
        .filter(|symbol| symbol.is_function)
        .flat_map(|symbol| (0..symbol.size).map(move |offset| symbol.address.wrapping_add(offset)))
        .collect();
    if reverse {
        // Another order makes another thread the first to read each table.
        addresses.reverse();
    }
    let mut found = Vec::new();
    for address in addresses {
        let mut regs = dbg_symbols::UnwindRegs::default();
        regs.set(dbg_symbols::RIP, Some(address.get()));
        regs.set(dbg_symbols::RSP, Some(0x7fff_0000));
        let unwound = module.unwind(&regs, address, false, &mut |at| Some(at ^ 0x5555));
        found.push(format!(
            "{address:#x} {:?} {:?} {:?} {unwound:?}",
            module.line_at(address),
            module.is_statement_start(address),
            module.frames_at(address),
        ));
    }
    for line in [1, 20, 40, 60] {
        found.push(format!(
            "{line} {:?}",
            module.line_addresses("nested.c", line)
        ));
    }
    found.sort();
    found
}

#[test]
fn one_module_answers_several_threads_as_it_answers_one() {
    let fixture = "nested_o2";
    let expected = answers(&module(fixture), false);
    assert!(expected.len() > 20, "too few addresses asked: {expected:?}");
    assert!(
        expected.iter().any(|a| a.contains("inlined: true")),
        "no inlined frame asked for: {expected:?}"
    );
    // A fresh module, so that the threads race to read each part of it.
    let shared = std::sync::Arc::new(module(fixture));
    let (sender, receiver) = std::sync::mpsc::channel();
    let threads = 4;
    for thread in 0..threads {
        let module = std::sync::Arc::clone(&shared);
        let sender = sender.clone();
        std::thread::spawn(move || {
            let _ = sender.send((thread, answers(&module, thread % 2 == 1)));
        });
    }
    // A deadlock fails the test instead of hanging it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    for _ in 0..threads {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let (thread, found) = receiver
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("{fixture}: a thread did not answer in time ({e})"));
        assert!(
            found == expected,
            "{fixture}: thread {thread} answered otherwise"
        );
    }
}

#[test]
fn a_weak_alias_yields_to_the_global_name_as_in_gdb() {
    // glibc's `gsignal` is a weak alias of `raise`: gdb names that address `raise`.
    let path = "/lib/x86_64-linux-gnu/libc.so.6";
    let bytes = std::fs::read(path).expect("the C library");
    let libc = Module::parse(Box::new(bytes)).expect("libc is ELF");
    let alias = libc
        .symbols_named("gsignal")
        .into_iter()
        .next()
        .expect("gsignal in libc");
    let ours = libc
        .symbol_at(alias.address)
        .expect("a symbol there")
        .0
        .name;
    let output = Command::new("gdb")
        .args(["-batch", "-nx", "-ex"])
        .arg(format!("info symbol {:#x}", alias.address.get()))
        .arg(path)
        .output()
        .expect("gdb runs");
    let theirs = String::from_utf8_lossy(&output.stdout);
    let theirs = theirs.split_whitespace().next().unwrap_or_default();
    assert_eq!(ours, theirs, "gdb: {theirs}");
    assert_eq!(ours, "raise");
}

#[test]
fn exported_symbols_are_found_in_the_dynamic_table_alone() {
    let path = "/lib64/ld-linux-x86-64.so.2";
    let linker =
        Module::parse(Box::new(std::fs::read(path).expect("the dynamic linker"))).expect("ELF");
    for name in ["_r_debug", "_dl_debug_state"] {
        let exported = linker.exported_symbol(name);
        assert!(exported.is_some(), "{path} exports no {name}");
        let named = linker.symbols_named(name);
        assert_eq!(exported, named.first().map(|s| s.address), "{name}");
    }
    // A function the program imports is in its `.dynsym` too, undefined: not exported.
    let program = module("hello");
    assert_eq!(program.exported_symbol("puts"), None);
    assert_eq!(program.exported_symbol("no_such_symbol"), None);
}

#[test]
fn an_assembly_label_in_code_is_a_place_to_break_as_in_gdb() {
    // `ool_load` is a global label of inline assembly: a symbol without a type.
    let module = module("ool_sites");
    let ours = our_breakpoint(&module, "ool_load");
    let output = Command::new("gdb")
        .args([
            "-nx",
            "-batch",
            "-ex",
            "break ool_load",
            "-ex",
            "info breakpoints",
        ])
        .arg(fixtures::path("ool_sites"))
        .output()
        .expect("gdb is installed (.ci/run installs it)");
    let text = String::from_utf8_lossy(&output.stdout);
    let gdb: Vec<FileAddr> = text
        .lines()
        .filter(|line| line.contains("<ool_load>"))
        .filter_map(|line| {
            let hex = line.split_whitespace().find_map(|w| w.strip_prefix("0x"))?;
            u64::from_str_radix(hex, 16).ok().map(FileAddr::new)
        })
        .collect();
    assert_eq!(ours, gdb, "gdb: {text}");
    let (symbol, offset) = module.symbol_at(ours[0]).unwrap();
    assert_eq!(
        (symbol.name.as_str(), symbol.is_function, offset),
        ("ool_load", true, 0)
    );
}
