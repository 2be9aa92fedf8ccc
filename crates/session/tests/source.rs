//! Source-level debugging through the session, against the `nested` fixtures: symbolic
//! locations (where gdb puts them), stops with function and line, backtraces through nested,
//! inlined, recursive and libc frames, and `step`/`next`/`finish` sequences recorded from gdb
//! 13 on the same binaries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{exited, launch, output, stop};
use dbg_session::{Event, Location, Reg, Session, StopEvent, StopKind, VirtAddr};

/// The line of `// L:NAME` in a fixture source.
fn marker(source: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(fixtures::source_dir().join(source)).unwrap();
    let tag = format!("// L:{name}");
    let index = text
        .lines()
        .position(|line| line.trim_end().ends_with(&tag))
        .unwrap_or_else(|| panic!("no marker {name} in {source}"));
    u32::try_from(index + 1).unwrap()
}

/// `(function, line)` where `next` stops.
fn next_at(session: &mut Session) -> (String, u32) {
    let stop = stop(&session.next_line().unwrap());
    at(session, &stop)
}

fn location(text: &str) -> Location {
    Location::parse(text).unwrap()
}

/// `(function, line)` of a stop.
fn at(session: &mut Session, stop: &StopEvent) -> (String, u32) {
    let place = session.stop_place(stop).expect("symbols for the stop");
    (
        place.function.clone().unwrap_or_default(),
        place.source.as_ref().map_or(0, |s| s.line),
    )
}

fn run_to(session: &mut Session, spec: &str) -> StopEvent {
    let bp = session
        .set_breakpoint_at(&location(spec), spec, 0, false)
        .unwrap();
    let stop = stop(&session.resume(1).unwrap());
    assert_eq!(stop.cause.breakpoint(), Some(bp.id), "{spec}");
    session.delete_breakpoint(bp.id).unwrap();
    stop
}

/// gdb 13's answers on `nested` (recorded once): `break main`, `run`, then `step` ×12 and
/// `next` ×6, as (function, line).
fn gdb_step_sequence() -> Vec<(&'static str, u32)> {
    let m = |name| marker("nested.c", name);
    vec![
        ("outer", m("outer-call")),
        ("middle", m("middle-call")),
        ("inner", m("inner-call")),
        ("leaf", m("leaf-first")),
        ("leaf", m("leaf-return")),
        ("twice", m("twice")),
        ("leaf", m("leaf-return") + 1),
        ("inner", m("inner-call") + 1),
        ("inner", m("inner-call") + 2),
        ("middle", m("middle-call") + 1),
        ("middle", m("middle-call") + 2),
        ("outer", m("outer-util")),
        // next ×6
        ("outer", m("outer-util") + 1),
        ("outer", m("outer-util") + 2),
        ("main", m("main-fact")),
        ("main", m("main-ratio")),
        ("main", m("main-print")),
        ("main", m("main-print") + 1),
    ]
}

#[test]
fn step_and_next_follow_gdb_on_pie_and_non_pie_builds() {
    for fixture in ["nested", "nested_dwarf4"] {
        let _deadline = fixtures::deadline(fixture, 60);
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch(fixture, &[], dir.path());
        let first = run_to(&mut session, "main");
        assert_eq!(
            at(&mut session, &first),
            ("main".into(), marker("nested.c", "main-outer"))
        );
        let mut seen = Vec::new();
        for index in 0..18 {
            let events = if index < 12 {
                session.step_line().unwrap()
            } else {
                session.next_line().unwrap()
            };
            let stop = stop(&events);
            assert_eq!(
                stop.cause.kind(),
                StopKind::StepDone,
                "{fixture}: step {index}"
            );
            seen.push(at(&mut session, &stop));
        }
        let expected: Vec<(String, u32)> = gdb_step_sequence()
            .into_iter()
            .map(|(f, l)| (f.to_string(), l))
            .collect();
        assert_eq!(seen, expected, "{fixture}");
        assert_eq!(exited(&session.resume(1).unwrap()), 0);
        assert_eq!(output(dir.path()), "value 363\nfactorial 120 ratio 3.50\n");
    }
}

#[test]
fn next_over_recursion_and_finish_with_values() {
    let _deadline = fixtures::deadline("nested", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("nested", &[], dir.path());
    let bp = session
        .set_breakpoint_at(&location("factorial"), "factorial", 0, false)
        .unwrap();
    let first = stop(&session.resume(1).unwrap());
    assert_eq!(
        at(&mut session, &first),
        ("factorial".into(), marker("nested.c", "fact-test"))
    );
    let recurse = marker("nested.c", "fact-recurse");
    assert_eq!(next_at(&mut session).1, recurse);
    // The recursive call hits the breakpoint (n = 4), as in gdb: `next` ends there.
    let hit = stop(&session.next_line().unwrap());
    assert_eq!(
        (hit.cause.kind(), hit.cause.breakpoint()),
        (StopKind::Breakpoint, Some(bp.id))
    );
    let frames = session.backtrace().unwrap();
    let names: Vec<&str> = frames
        .iter()
        .map(|f| {
            f.place
                .as_ref()
                .and_then(|p| p.function.as_deref())
                .unwrap_or("?")
        })
        .collect();
    assert_eq!(names, ["factorial", "factorial", "main"]);
    assert_eq!(next_at(&mut session).1, recurse);
    session.delete_breakpoint(bp.id).unwrap();
    // Out of the n = 4 call: back in the n = 5 frame, on the same line, with 4! returned.
    let (events, value) = session.finish().unwrap();
    let back = stop(&events);
    assert_eq!(
        (back.cause.kind(), at(&mut session, &back)),
        (StopKind::StepDone, ("factorial".into(), recurse))
    );
    let value = value.unwrap();
    assert_eq!(
        (value.value.as_str(), value.type_name.as_str()),
        ("24", "int")
    );
    // With the breakpoint gone, `next` over the line's call does not stop inside the
    // recursion: it gets to the end of this frame's function.
    assert_eq!(next_at(&mut session).1, recurse + 1);
    // A double comes back in xmm0.
    run_to(&mut session, "ratio");
    let (events, value) = session.finish().unwrap();
    assert_eq!(
        at(&mut session, &stop(&events)),
        ("main".into(), marker("nested.c", "main-ratio"))
    );
    let value = value.unwrap();
    assert_eq!(
        (value.value.as_str(), value.type_name.as_str()),
        ("3.5", "double")
    );
    assert!(
        session.move_frame(true, 1).is_err(),
        "main is the outermost frame"
    );
    assert!(session.finish().is_err(), "finish in the outermost frame");
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn backtrace_through_nested_and_inlined_frames_selects_frames() {
    let _deadline = fixtures::deadline("nested_o2", 60);
    for fixture in ["nested", "nested_o2"] {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch(fixture, &[], dir.path());
        let twice = marker("nested.c", "twice");
        let stop = run_to(&mut session, &format!("nested.c:{twice}"));
        let frames = session.backtrace().unwrap();
        let names: Vec<&str> = frames
            .iter()
            .map(|f| {
                f.place
                    .as_ref()
                    .and_then(|p| p.function.as_deref())
                    .unwrap_or("?")
            })
            .collect();
        assert_eq!(
            names,
            ["twice", "leaf", "inner", "middle", "outer", "main"],
            "{fixture}"
        );
        assert!(frames[0].inlined && !frames[1].inlined);
        assert_eq!(frames[0].pc, stop.pc);
        let line = |index: usize| {
            frames[index]
                .place
                .as_ref()
                .unwrap()
                .source
                .as_ref()
                .unwrap()
                .line
        };
        assert_eq!(line(0), twice);
        assert_eq!(line(1), marker("nested.c", "leaf-return"));
        assert_eq!(line(2), marker("nested.c", "inner-call"));
        assert_eq!(line(5), marker("nested.c", "main-outer"));
        if fixture == "nested" {
            // Frames up the stack see their own stack and frame pointers.
            let outer = session.select_frame(4).unwrap();
            let rsp = session.read_registers(&[Reg::Rsp, Reg::Rip]).unwrap();
            assert_eq!(rsp[1].1.as_u64(), outer.pc.get());
            assert_eq!(Some(rsp[0].1.as_u64()), outer.register(Reg::Rsp));
            // Views of a register follow the frame's value too.
            let esp = session.read_registers(&[Reg::Esp]).unwrap()[0].1.as_u64();
            assert_eq!(esp, rsp[0].1.as_u64() & 0xffff_ffff);
            assert!(outer.register(Reg::Rsp) > frames[0].register(Reg::Rsp));
            assert!(session
                .write_register(Reg::Rax, dbg_session::RegValue::from_u128(1, 8).unwrap())
                .is_err());
            assert_eq!(session.move_frame(false, 10).unwrap().index, 0);
            // `finish` out of middle (frame 3): back in outer with 33.
            session.select_frame(3).unwrap();
            let (events, value) = session.finish().unwrap();
            assert_eq!(at(&mut session, &common::stop(&events)).0, "outer");
            assert_eq!(value.unwrap().value, "33");
        }
        assert_eq!(exited(&session.resume(1).unwrap()), 0);
    }
}

#[test]
fn breakpoints_by_function_and_line_and_symbolic_addresses() {
    let _deadline = fixtures::deadline("nested", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("nested", &[], dir.path());
    // FILE:LINE in the second compile unit, by path suffix.
    let util = marker("parts/nested_util.c", "util-body");
    let stop = run_to(&mut session, &format!("parts/nested_util.c:{util}"));
    assert_eq!(at(&mut session, &stop), ("util_scale".into(), util));
    assert_eq!(
        session.stop_place(&stop).unwrap().source.unwrap().file,
        "parts/nested_util.c"
    );
    // symbol and symbol+offset are exact addresses; a function name as an address is its entry.
    let main = session.resolve_address(&location("main")).unwrap();
    assert_eq!(main, common::address(&session, "nested", "main"));
    assert_eq!(
        session.resolve_address(&location("main+4")).unwrap(),
        main.wrapping_add(4)
    );
    let place = session.place(main.wrapping_add(4)).unwrap();
    assert_eq!(
        (place.function.as_deref(), place.offset),
        (Some("main"), Some(4))
    );
    assert_eq!(
        session.symbolize(main.wrapping_add(4)).as_deref(),
        Some("main+4")
    );
    // Library functions resolve in the loaded C library.
    let puts = session.resolve_address(&location("puts")).unwrap();
    assert!(session
        .place(puts)
        .unwrap()
        .module
        .unwrap()
        .contains("libc"));
    // A line past the code of a loaded file changes nothing.
    let error = session
        .set_breakpoint_at(&location("nested.c:100000"), "nested.c:100000", 0, false)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no code at or after line 100000 of nested.c"),
        "{error}"
    );
    assert!(session.breakpoints().is_empty());
    // A name or file no loaded binary has may come with a library: pending (SPEC §3).
    for bad in ["nosuchfunction", "factorail", "nope.c:3"] {
        let bp = session
            .set_breakpoint_at(&location(bad), bad, 0, false)
            .unwrap();
        assert!(bp.is_pending(), "{bad}: {bp:?}");
        session.delete_breakpoint(bp.id).unwrap();
    }
    assert!(session.breakpoints().is_empty());
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn overloads_get_one_location_each_and_a_stripped_binary_has_no_lines() {
    let _deadline = fixtures::deadline("overloads", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("overloads", &[], dir.path());
    let bp = session
        .set_breakpoint_at(&location("add"), "add", 0, false)
        .unwrap();
    assert_eq!(bp.locations.len(), 2);
    let mut seen = Vec::new();
    for _ in 0..2 {
        let stop = stop(&session.resume(1).unwrap());
        assert_eq!(stop.cause.breakpoint(), Some(bp.id));
        seen.push(session.stop_place(&stop).unwrap().function.unwrap());
    }
    seen.sort();
    assert_eq!(seen, ["add(double, double)", "add(int, int)"]);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "5 3.5 9.0\n");

    let mut session = launch("nested_stripped", &[], dir.path());
    // No line information here, but a library with some may load: pending.
    let bp = session
        .set_breakpoint_at(&location("nested.c:20"), "nested.c:20", 0, false)
        .unwrap();
    assert!(bp.is_pending(), "{bp:?}");
    session.delete_breakpoint(bp.id).unwrap();
    let error = session.step_line().unwrap_err();
    assert!(error.to_string().contains("no line information"), "{error}");
    // Still a backtrace from the dynamic loader's CFI, and a clean run.
    assert!(!session.backtrace().unwrap().is_empty());
    assert!(matches!(
        session.resume(1).unwrap().last(),
        Some(Event::Exited { code: 0, .. })
    ));
}

#[test]
fn backtrace_from_inside_the_c_library_reaches_main() {
    let _deadline = fixtures::deadline("crash", 60);
    let dir = tempfile::tempdir().unwrap();
    // `crash` writes with printf + fflush from main (then faults).
    let mut session = launch("crash", &[], dir.path());
    session
        .catch_syscalls(dbg_session::SyscallCatch::parse_list("write").unwrap())
        .unwrap();
    let entry = stop(&session.resume(1).unwrap());
    assert_eq!(entry.cause.kind(), StopKind::SyscallEntry);
    let frames = session.backtrace().unwrap();
    let module = |index: usize| {
        frames[index]
            .place
            .as_ref()
            .and_then(|p| p.module.clone())
            .unwrap_or_default()
    };
    assert!(module(0).contains("libc"), "{frames:?}");
    let last = frames.last().unwrap();
    let place = last.place.as_ref().unwrap();
    assert_eq!(place.function.as_deref(), Some("main"), "{frames:?}");
    // The call of fflush that led here.
    let source = place.source.as_ref().unwrap();
    assert!(source.file.ends_with("crash.c"), "{source:?}");
    let text = std::fs::read_to_string(fixtures::source_dir().join("crash.c")).unwrap();
    let line = text.lines().nth(source.line as usize - 1).unwrap();
    assert!(line.contains("fflush"), "{line}");
    assert!(frames.len() > 2);
    session.kill().unwrap();
}

#[test]
fn nexti_steps_over_a_call_as_one_instruction() {
    let _deadline = fixtures::deadline("nested", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("nested", &[], dir.path());
    let start = run_to(&mut session, "inner");
    // inner: mov eax, [rbp-0x14]; mov edi, eax; call leaf; mov [rbp-4], eax
    let code = session.disassemble(Some(start.pc), 4).unwrap();
    assert!(code[2].text.starts_with("call"), "{code:?}");
    let after_call = code[3].address;
    let stop = stop(&session.next_instructions(3).unwrap());
    assert_eq!(
        (stop.cause.kind(), stop.pc),
        (StopKind::SingleStep, after_call)
    );
    let rax = session.read_registers(&[Reg::Rax]).unwrap()[0].1.as_u64();
    assert_eq!(rax, 10, "leaf(4) ran and returned");
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "value 363\nfactorial 120 ratio 3.50\n");
}

#[test]
fn a_signal_during_next_ends_the_step_and_is_still_delivered() {
    let _deadline = fixtures::deadline("sigusr", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("sigusr", &[], dir.path());
    run_to(&mut session, "main");
    session.next_line().unwrap();
    let at_raise = stop(&session.next_line().unwrap());
    assert_eq!(at_raise.cause.kind(), StopKind::StepDone);
    // `next` over raise(SIGUSR1): the signal stops the process inside the C library.
    let signal = stop(&session.next_line().unwrap());
    assert_eq!(
        (signal.cause.kind(), signal.signal),
        (StopKind::Signal, dbg_session::Signal::SIGUSR1)
    );
    // `next` from there delivers the signal. With the C library's line information
    // (libc6-dbg, which CI installs) it steps a line of `__pthread_kill_implementation`
    // and, as gdb does, stops at the handler's first line; without it, it runs out to main.
    let back = stop(&session.next_line().unwrap());
    let function = at(&mut session, &back).0;
    assert!(function == "on_usr1" || function == "main", "{function}");
    if function == "main" {
        assert_eq!(back.cause.kind(), StopKind::StepDone);
    }
    for _ in 0..2 {
        let again = stop(&session.resume(1).unwrap());
        assert_eq!(again.signal, dbg_session::Signal::SIGUSR1);
    }
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "handled 3\n");
}

#[test]
fn a_breakpoint_on_an_always_inlined_function_stops_in_each_copy() {
    let _deadline = fixtures::deadline("nested_o2", 60);
    for fixture in ["nested", "nested_o2"] {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch(fixture, &[], dir.path());
        // `twice` has no symbol of its own: its locations are DWARF's inlined copies.
        let bp = session
            .set_breakpoint_at(&location("twice"), "twice", 0, false)
            .unwrap();
        assert_eq!(bp.locations.len(), 1, "{fixture}");
        let hit = stop(&session.resume(1).unwrap());
        assert_eq!(hit.cause.breakpoint(), Some(bp.id));
        assert_eq!(
            at(&mut session, &hit),
            ("twice".into(), marker("nested.c", "twice")),
            "{fixture}"
        );
        assert_eq!(exited(&session.resume(1).unwrap()), 0);
    }
}

#[test]
fn stepping_out_of_a_call_made_as_a_statement_stops_at_the_next_line() {
    let _deadline = fixtures::deadline("nested", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("nested", &[], dir.path());
    let first = run_to(&mut session, "note_done");
    assert_eq!(
        at(&mut session, &first),
        ("note_done".into(), marker("nested.c", "note-done"))
    );
    // gdb 13 on the same binary: 47 (`}`), then main at the line after the call (its `ret`
    // lands on that line's first instruction), then main's `}`.
    let expected = [
        ("note_done", marker("nested.c", "note-done") + 1),
        ("main", marker("nested.c", "main-return")),
        ("main", marker("nested.c", "main-return") + 1),
    ];
    for (function, line) in expected {
        let step = stop(&session.step_line().unwrap());
        assert_eq!(step.cause.kind(), StopKind::StepDone);
        assert_eq!(at(&mut session, &step), (function.to_string(), line));
    }
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn the_vdso_has_symbols_and_unwinds_to_main() {
    let _deadline = fixtures::deadline("vdso_time", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("vdso_time", &[], dir.path());
    // A function of the vdso (mapped without a file) by name, and its CFI for the backtrace.
    let hit = run_to(&mut session, "__vdso_clock_gettime");
    let place = session.stop_place(&hit).unwrap();
    assert_eq!(place.function.as_deref(), Some("__vdso_clock_gettime"));
    assert_eq!(place.module.as_deref(), Some("[vdso]"));
    let frames = session.backtrace().unwrap();
    let names: Vec<&str> = frames
        .iter()
        .filter_map(|f| f.place.as_ref().and_then(|p| p.function.as_deref()))
        .collect();
    assert_eq!(names.first(), Some(&"__vdso_clock_gettime"), "{frames:?}");
    assert_eq!(names.last(), Some(&"main"), "{frames:?}");
    assert!(names.contains(&"read_clock"), "{frames:?}");
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "ok\n");
}

#[test]
fn a_binary_whose_symbols_cannot_be_read_is_said_once() {
    let _deadline = fixtures::deadline("symbol warning", 60);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("hello");
    std::fs::copy(fixtures::path("hello"), &copy).unwrap();
    let launch = dbg_session::Launch::new(&copy).stdout(dir.path().join("out"));
    let (mut session, events) = Session::launch(launch).unwrap();
    // Rebuilt (replaced) while being debugged: the process runs the old file, which is gone.
    std::fs::remove_file(&copy).unwrap();
    std::fs::write(&copy, b"not an ELF file").unwrap();
    let entry = stop(&events);
    let place = session.stop_place(&entry);
    assert!(
        place.as_ref().is_none_or(|p| p.function.is_none()),
        "{place:?}"
    );
    let warnings = session.symbol_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let text = warnings[0].to_string();
    assert!(
        text.starts_with("cannot open ") && text.contains("hello (deleted) for its symbols"),
        "{text}"
    );
    // Said once: asking again about the same binary adds nothing.
    session.backtrace().unwrap();
    assert!(session.symbol_warnings().is_empty());
}

#[test]
fn locations_complete_from_functions_and_source_files() {
    let _deadline = fixtures::deadline("complete", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("nested", &[], dir.path());
    let words = session.complete_location("ma", 50);
    assert!(words.contains(&"main".to_string()), "{words:?}");
    let words = session.complete_location("nes", 50);
    assert!(words.contains(&"nested.c:".to_string()), "{words:?}");
    assert!(session.complete_location("zzz_no_such", 50).is_empty());
}

#[test]
fn addresses_by_expression_as_gdb_takes_them_for_x_and_break_star() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["3"], dir.path());
    run_to(&mut session, "target_fn");
    let total = session
        .resolve_address(&Location::Function("total".into()))
        .unwrap();
    let address = |session: &mut Session, text: &str| {
        session.resolve_address(&Location::parse_address(text).unwrap())
    };
    assert_eq!(address(&mut session, "&total").unwrap(), total);
    assert_eq!(
        address(&mut session, "(char *)&total + 2").unwrap(),
        total + 2
    );
    let pc = session.read_registers(&[Reg::Rip]).unwrap()[0].1.as_u64();
    let plus_four = Location::parse("*($pc + 4)").unwrap();
    assert_eq!(
        session.breakpoint_addresses(&plus_four).unwrap(),
        [VirtAddr::new(pc + 4)]
    );
    // An integer is an address (`total` is still 0; `total + 16`, a plain name and an
    // offset, is 16 bytes past it); a double is not (one line, nothing changed).
    assert_eq!(address(&mut session, "(long)total + 16").unwrap().get(), 16);
    assert_eq!(address(&mut session, "total + 16").unwrap(), total + 16);
    let error = address(&mut session, "(double)total")
        .unwrap_err()
        .to_string();
    assert_eq!(error, "`(double)total` is a double, not an address");
    let star = Location::parse("*1.5").unwrap();
    let error = session.breakpoint_addresses(&star).unwrap_err().to_string();
    assert_eq!(error, "`1.5` is a double, not an address");
    session.kill().unwrap();
}
