//! Hardware breakpoints and watchpoints through the session, against fixtures: invisible to a
//! self-checksumming program, old and new values, every size, slot exhaustion and freeing,
//! threads created later, and nothing left in the debug registers after detach.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dbg_session::{Error, Event, Pid, Reg, Session, StopKind, VirtAddr, WatchHit, WatchKind};

mod common;
use common::{address, exited, launch, output, stop};

fn watch_hit(events: &[Event]) -> WatchHit {
    let stop = stop(events);
    assert_eq!(stop.cause.kind(), StopKind::Watchpoint, "{stop:?}");
    stop.cause.watch_hit().unwrap()
}

#[test]
fn a_hardware_breakpoint_is_invisible_to_a_program_that_checksums_itself() {
    let _deadline = fixtures::deadline("checksum hw", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("checksum", &[], dir.path());
    let victim = address(&session, "checksum", "victim");
    let clean = session.read_memory(victim, 1).unwrap().bytes[0];
    let bp = session.set_breakpoint(victim, 0, true).unwrap();
    assert!(bp.hardware);
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(
        (at.cause.kind(), at.cause.breakpoint(), at.pc),
        (StopKind::Breakpoint, Some(1), victim)
    );
    let printed = output(dir.path());
    assert!(
        printed.starts_with(&format!("bytes {clean:02x} ")),
        "untouched code: {printed}"
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn a_read_write_watchpoint_on_code_stops_inside_the_checksum_loop() {
    let _deadline = fixtures::deadline("checksum rw", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("checksum", &[], dir.path());
    let victim = address(&session, "checksum", "victim");
    let main = address(&session, "checksum", "main");
    session
        .set_watchpoint(victim, WatchKind::ReadWrite, 1, 0)
        .unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(at.cause.kind(), StopKind::Watchpoint);
    assert!(
        at.pc > main && at.pc < main + 0x200,
        "pc {:#x} in main's loop (main at {main:#x})",
        at.pc
    );
    let hit = at.cause.watch_hit().unwrap();
    assert_eq!(
        (hit.old, hit.new),
        (
            hit.new,
            session.read_memory(victim, 1).unwrap().bytes[0] as u64
        )
    );
    session.delete_watchpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn write_watchpoints_report_old_and_new_values_for_every_size() {
    let _deadline = fixtures::deadline("watch values", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_values", &[], dir.path());
    let wide = address(&session, "watch_values", "wide");
    session
        .set_watchpoint(wide, WatchKind::Write, 8, 0)
        .unwrap();
    for (old, new) in [(1, 2), (2, 3), (3, 0x1122334455667788)] {
        let hit = watch_hit(&session.resume(1).unwrap());
        assert_eq!((hit.id, hit.old, hit.new, hit.size), (1, old, new, 8));
    }
    session.delete_watchpoint(1).unwrap();
    for (name, size) in [("byte_value", 1), ("half_value", 2), ("word_value", 4)] {
        let addr = address(&session, "watch_values", name);
        session
            .set_watchpoint(addr, WatchKind::Write, size, 0)
            .unwrap();
    }
    for (id, size, new) in [(2, 1, 0x11), (3, 2, 0x2222), (4, 4, 0x4444_4444)] {
        let hit = watch_hit(&session.resume(1).unwrap());
        assert_eq!((hit.id, hit.old, hit.new, hit.size), (id, 0, new, size));
    }
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "done\n");
    assert!(session.watchpoints().iter().all(|wp| wp.hits == 1));
}

#[test]
fn the_four_slots_run_out_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_values", &[], dir.path());
    let wide = address(&session, "watch_values", "wide");
    let main = address(&session, "watch_values", "main");
    session
        .set_watchpoint(wide, WatchKind::Write, 8, 0)
        .unwrap();
    session
        .set_watchpoint(wide, WatchKind::ReadWrite, 4, 0)
        .unwrap();
    session.set_breakpoint(main, 0, true).unwrap();
    session.set_breakpoint(main + 1, 0, true).unwrap();
    let dr7 = |s: &mut Session| s.read_registers(&[Reg::Dr7]).unwrap()[0].1.as_u64();
    let before = dr7(&mut session);
    let error = session
        .set_watchpoint(wide, WatchKind::Write, 2, 0)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "no free debug register: 4 in use by watchpoints 1, 2 and breakpoints 1, 2"
    );
    let error = session.set_breakpoint(main + 2, 0, true).unwrap_err();
    assert!(matches!(error, Error::NoFreeDebugRegister { .. }));
    assert_eq!(
        dr7(&mut session),
        before,
        "a refused request changes no slot"
    );
    session.disable_watchpoint(2).unwrap();
    session
        .set_watchpoint(wide, WatchKind::Write, 2, 0)
        .unwrap();
    assert!(
        session.enable_watchpoint(2).is_err(),
        "no slot to take back"
    );
    session.delete_breakpoint(2).unwrap();
    session.enable_watchpoint(2).unwrap();
    assert_eq!(
        session.watchpoints().iter().filter(|wp| wp.enabled).count(),
        3
    );
}

#[test]
fn bad_watchpoints_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_values", &[], dir.path());
    let wide = address(&session, "watch_values", "wide");
    fn err<T>(result: Result<T, Error>) -> String {
        result.map(drop).unwrap_err().to_string()
    }
    assert_eq!(
        err(session.set_watchpoint(wide + 1, WatchKind::Write, 8, 0)),
        format!(
            "address {:#x} is not aligned to the watchpoint size 8",
            wide + 1
        )
    );
    assert_eq!(
        err(session.set_watchpoint(wide, WatchKind::Write, 3, 0)),
        "watchpoint size must be 1, 2, 4 or 8, not 3"
    );
    assert_eq!(
        err(session.set_watchpoint(wide, WatchKind::Execute, 4, 0)),
        "an execute watchpoint has size 1, not 4"
    );
    assert_eq!(
        err(session.set_watchpoint(VirtAddr::new(0x7fff_ffff_f000), WatchKind::Write, 8, 0)),
        "address 0x7ffffffff000 is beyond the user address space"
    );
    assert_eq!(
        err(session.set_watchpoint(VirtAddr::new(0x10), WatchKind::Write, 8, 0)),
        "cannot read memory at 0x10: address not mapped or not readable"
    );
    for id in [0, 9] {
        assert_eq!(
            err(session.enable_watchpoint(id)),
            format!("no watchpoint {id}")
        );
        assert_eq!(
            err(session.disable_watchpoint(id)),
            format!("no watchpoint {id}")
        );
        assert_eq!(
            err(session.delete_watchpoint(id)),
            format!("no watchpoint {id}")
        );
    }
    assert!(session.watchpoints().is_empty());
    assert_eq!(
        session.read_registers(&[Reg::Dr7]).unwrap()[0].1.as_u64(),
        0
    );
}

#[test]
fn a_watchpoint_set_before_a_thread_exists_fires_in_it() {
    let _deadline = fixtures::deadline("watch_thread", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_thread", &[], dir.path());
    let shared = address(&session, "watch_thread", "shared");
    session
        .set_watchpoint(shared, WatchKind::Write, 8, 0)
        .unwrap();
    let events = session.resume(1).unwrap();
    let at = stop(&events);
    assert_ne!(at.tid, session.pid(), "the write is in the new thread");
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::ThreadCreated { tid } if *tid == at.tid)));
    assert_eq!(
        at.cause.watch_hit().map(|hit| (hit.old, hit.new)),
        Some((0, 42))
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "shared 42\n");
}

#[test]
fn hardware_hits_honour_ignore_counts_and_continue_n() {
    let _deadline = fixtures::deadline("hw ignore", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_loop", &["50"], dir.path());
    let counter = address(&session, "watch_loop", "counter");
    session
        .set_watchpoint(counter, WatchKind::Write, 8, 9)
        .unwrap();
    let hit = watch_hit(&session.resume(1).unwrap());
    assert_eq!((hit.old, hit.new), (9, 10));
    let hit = watch_hit(&session.resume(5).unwrap());
    assert_eq!((hit.old, hit.new), (14, 15));
    assert_eq!(session.watchpoints()[0].hits, 15);
    session.delete_watchpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "counter 50\n");
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["30"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    session.set_breakpoint(target, 19, true).unwrap();
    stop(&session.resume(1).unwrap());
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        19
    );
    // Resuming from the hardware breakpoint runs its instruction (RF), it does not re-fire.
    stop(&session.resume(1).unwrap());
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        20
    );
    session.delete_breakpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 30 total 435\n");
}

#[test]
fn an_execute_watchpoint_fires_when_continued_to_and_when_stepped_to() {
    let _deadline = fixtures::deadline("execute", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["3"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    session
        .set_watchpoint(target, WatchKind::Execute, 1, 0)
        .unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!((at.cause.kind(), at.pc), (StopKind::Watchpoint, target));
    // Step through the call and back around the loop to the next call: the execute slot fires.
    let at = stop(&session.step_instructions(500).unwrap());
    assert_eq!((at.cause.kind(), at.pc), (StopKind::Watchpoint, target));
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        1
    );
    session.delete_watchpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn detach_clears_the_debug_registers_of_every_thread() {
    let _deadline = fixtures::deadline("detach clears DRs", 60);
    let mut fixture = fixtures::Ready::start("threads_wait", &[]);
    let pid = Pid::from_raw(fixture.pid());
    let (mut session, _) = Session::attach(pid).unwrap();
    let symbol = |name| {
        VirtAddr::new(fixtures::runtime_address(
            pid.as_raw(),
            "threads_wait",
            name,
        ))
    };
    let pipe = symbol("release_pipe");
    session
        .set_watchpoint(pipe, WatchKind::ReadWrite, 4, 0)
        .unwrap();
    let main = symbol("main");
    session.set_breakpoint(main, 0, true).unwrap();
    session.detach().unwrap();
    // Look again with a fresh tracer: every thread's DR0-DR3 and DR7 are zero.
    let mut process = dbg_process::Process::attach(pid).unwrap();
    let threads: Vec<Pid> = process.threads().collect();
    assert_eq!(threads.len(), 4);
    for tid in threads {
        process.select_thread(tid).unwrap();
        for reg in [Reg::Dr0, Reg::Dr1, Reg::Dr2, Reg::Dr3, Reg::Dr7] {
            assert_eq!(
                process.read_register(reg).unwrap().as_u64(),
                0,
                "{reg:?} of {tid}"
            );
        }
    }
    process.detach().unwrap();
    fixture.send_line("go");
    assert_eq!(fixture.read_line(), "joined 3\n");
    assert!(fixture.succeeded());
}

#[test]
fn traps_that_are_no_debug_exception_are_never_taken_for_a_stale_hit() {
    let _deadline = fixtures::deadline("watch stale dr6", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_traps", &[], dir.path());
    let watched = address(&session, "watch_traps", "watched");
    // An access watchpoint: a hit is reported whether or not the value changed, so a stale
    // one could not pass unnoticed.
    session
        .set_watchpoint(watched, WatchKind::ReadWrite, 8, 0)
        .unwrap();
    let hit = watch_hit(&session.resume(1).unwrap());
    assert_eq!(hit.new, 1);
    // The program's own `int3`, right after the hit: a SIGTRAP of the program's.
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(
        (at.cause.kind(), at.signal),
        (StopKind::Signal, dbg_session::Signal::SIGTRAP),
        "{at:?}"
    );
    let hit = watch_hit(&session.resume(1).unwrap());
    assert_eq!(hit.new, 2);
    // The pc is at the `syscall`: a step over it ends with a trap the kernel sends without
    // a debug exception.
    let pc = hit_pc(&mut session);
    let at = stop(&session.step_instructions(1).unwrap());
    assert_eq!(at.cause.kind(), StopKind::SingleStep, "{at:?}");
    assert_eq!(at.pc, pc + 2);
    let hit = watch_hit(&session.resume(1).unwrap());
    assert_eq!(hit.new, 3);
    session.delete_watchpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    // gdb's default for SIGTRAP is not to pass it: the handler never ran.
    assert_eq!(output(dir.path()), "traps 0 watched 3 getppid 1\n");
}

/// The current thread's pc, checked to be at a `syscall` instruction.
fn hit_pc(session: &mut Session) -> VirtAddr {
    let pc = VirtAddr::new(session.read_registers(&[Reg::Rip]).unwrap()[0].1.as_u64());
    assert_eq!(session.read_memory(pc, 2).unwrap().bytes, [0x0f, 0x05]);
    pc
}

#[test]
fn an_ignored_watchpoint_hit_just_before_a_breakpoint_runs_into_it() {
    let _deadline = fixtures::deadline("watch then breakpoint", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("watch_loop", &["20"], dir.path());
    let counter = address(&session, "watch_loop", "counter");
    session
        .set_watchpoint(counter, WatchKind::Write, 8, 0)
        .unwrap();
    let first = stop(&session.resume(1).unwrap());
    assert_eq!(first.cause.watch_hit().unwrap().new, 1);
    // A breakpoint on the instruction after the store, where every hit of the watchpoint
    // leaves the thread; the watchpoint now ignores its next 5 hits.
    session.delete_watchpoint(1).unwrap();
    session
        .set_watchpoint(counter, WatchKind::Write, 8, 5)
        .unwrap();
    let bp = session.set_breakpoint(first.pc, 0, false).unwrap().id;
    // The continue from the breakpoint's address does not hit it; the next store's hit is
    // ignored, and the thread, stopped just before the breakpoint, runs into it (gdb also
    // stops there: it takes the breakpoint at the pc of that stop as hit).
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(
        (at.cause.kind(), at.cause.breakpoint(), at.pc),
        (StopKind::Breakpoint, Some(bp), first.pc)
    );
    assert_eq!(session.watchpoints()[0].hits, 1);
    assert_eq!(session.read_memory(counter, 1).unwrap().bytes, [2]);
    session.delete_breakpoint(bp).unwrap();
    let hit = watch_hit(&session.resume(1).unwrap());
    assert_eq!((hit.old, hit.new), (6, 7));
    session.delete_watchpoint(2).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "counter 20\n");
}
