//! Out-of-line execution of the instruction under a breakpoint (issue 14), against
//! `ool_sites`, whose sites cover every class of instruction: ignored hits leave the program's
//! results intact (it checks them itself) with one thread and with eight, hit counts are exact,
//! no thread is ever shown in the scratch area, and detach unmaps it.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dbg_session::{Location, Pid, Reg, Session, StopKind, WatchKind};

mod common;
use common::{address, exited, launch, output, stop};

/// Every site label of `ool_sites`, and how many times one call of `ool_round` passes it.
const SITES: &[(&str, u64)] = &[
    ("ool_load", 1),
    ("ool_lea", 1),
    ("ool_store", 1),
    ("ool_call", 1),
    ("ool_callmem", 1),
    ("ool_jmp", 1),
    ("ool_jcc", 1),
    ("ool_jcc_near", 1),
    ("ool_push", 1),
    ("ool_cmpxchg", 1),
    ("ool_sse", 1),
    ("ool_avx", 1),
    ("ool_prefixed", 1),
    ("ool_syscall", 1),
    ("ool_round_ret", 1),
    ("ool_ret", 2),
];

/// What `ool_sites ARGS` prints without a debugger.
fn undebugged(args: &[&str]) -> String {
    let out = std::process::Command::new(fixtures::path("ool_sites"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with(" OK\n"), "the fixture checks itself: {text}");
    text
}

/// A breakpoint on every site, each ignoring `ignore` hits; their ids in `SITES` order.
fn break_everywhere(session: &mut Session, ignore: u64) -> Vec<u32> {
    SITES
        .iter()
        .map(|(name, _)| {
            let at = address(session, "ool_sites", name);
            session.set_breakpoint(at, ignore, false).unwrap().id
        })
        .collect()
}

fn hits(session: &Session, id: u32) -> u64 {
    session
        .breakpoints()
        .iter()
        .find(|bp| bp.id == id)
        .unwrap()
        .hits
}

#[test]
fn every_site_ignored_keeps_the_results_of_one_thread() {
    let _deadline = fixtures::deadline("ool one thread", 120);
    let rounds = 40;
    let args = [rounds.to_string(), "1".to_string()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &args, dir.path());
    let ids = break_everywhere(&mut session, u64::MAX / 2);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), undebugged(&args));
    for (id, (name, per_round)) in ids.iter().zip(SITES) {
        assert_eq!(hits(&session, *id), rounds * per_round, "hits of {name}");
    }
}

#[test]
fn each_site_stops_after_its_ignored_hits_at_its_own_address() {
    let _deadline = fixtures::deadline("ool stops", 120);
    let args = ["12", "1"];
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &args, dir.path());
    let ids = break_everywhere(&mut session, 3);
    // Single-threaded, the sites are met in program order; `ool_ret` (twice per round) is
    // due first, in the round where the others reach their fourth hit.
    let mut stopped = Vec::new();
    for _ in 0..SITES.len() {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(at.cause.kind(), StopKind::Breakpoint);
        let id = at.cause.breakpoint().unwrap();
        let index = ids.iter().position(|i| *i == id).unwrap();
        let (name, _) = SITES[index];
        assert_eq!(at.pc, address(&session, "ool_sites", name), "pc of {name}");
        let rip = session.read_registers(&[Reg::Rip]).unwrap()[0].1.as_u64();
        assert_eq!(rip, at.pc.get(), "rip of {name}");
        assert_eq!(hits(&session, id), 4, "hits of {name}");
        // The backtrace starts in the program's code, never in the scratch area.
        let frames = session.backtrace().unwrap();
        assert_eq!(frames[0].pc, at.pc);
        session.disable_breakpoint(id).unwrap();
        stopped.push(name);
    }
    stopped.sort_unstable();
    let mut all: Vec<&str> = SITES.iter().map(|(name, _)| *name).collect();
    all.sort_unstable();
    assert_eq!(stopped, all);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), undebugged(&args));
}

#[test]
fn stepi_from_a_site_and_memory_reads_see_the_program_only() {
    let _deadline = fixtures::deadline("ool stepi", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &["5", "1"], dir.path());
    let load = address(&session, "ool_sites", "ool_load");
    let lea = address(&session, "ool_sites", "ool_lea");
    let bp = session.set_breakpoint(load, 2, false).unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!((at.pc, hits(&session, bp.id)), (load, 3));
    // One instruction from the site: `mov rax, [rip+ool_k1]`, then `add rax, rdi` (x = 2).
    session.step_instructions(2).unwrap();
    let regs = session.read_registers(&[Reg::Rip, Reg::Rax]).unwrap();
    assert_eq!(regs[0].1.as_u64(), lea.get());
    assert_eq!(
        regs[1].1.as_u64(),
        0x9e37_79b9_7f4a_7c15_u64.wrapping_add(2)
    );
    // The site's bytes read as the program's.
    let bytes = session.read_memory(load, 3).unwrap().bytes;
    assert_eq!(bytes, [0x48, 0x8b, 0x05]);
    session.delete_breakpoint(bp.id).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert!(output(dir.path()).ends_with(" OK\n"));
}

#[test]
fn eight_threads_through_every_site_count_exactly_and_compute_the_same() {
    let _deadline = fixtures::deadline("ool eight threads", 240);
    let rounds = 100;
    let threads = 8;
    let args = [rounds.to_string(), threads.to_string()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &args, dir.path());
    let ids = break_everywhere(&mut session, 50);
    // Stops after the ignored hits: every thread's pc is the program's (a read of it works;
    // the scratch area reads as unmapped).
    for _ in 0..4 {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(at.cause.kind(), StopKind::Breakpoint);
        for thread in session.threads().unwrap() {
            assert!(
                session.read_memory(thread.pc, 1).is_ok(),
                "thread {} shown at {:#x}",
                thread.tid,
                thread.pc
            );
        }
    }
    for id in &ids {
        session.ignore_breakpoint(*id, u64::MAX / 2).unwrap();
    }
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), undebugged(&args));
    for (id, (name, per_round)) in ids.iter().zip(SITES) {
        let expected = rounds * threads * per_round;
        if *name == "ool_cmpxchg" {
            // Retried under contention: at least once per round.
            assert!(hits(&session, *id) >= expected, "hits of {name}");
        } else {
            assert_eq!(hits(&session, *id), expected, "hits of {name}");
        }
    }
}

#[test]
fn the_scratch_area_is_shown_only_when_asked() {
    let _deadline = fixtures::deadline("ool scratch view", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &["5", "1"], dir.path());
    let load = address(&session, "ool_sites", "ool_load");
    // `mov rax, [rip+ool_k1]` is 7 bytes; `add rax, rdi` follows.
    let next = load.wrapping_add(7);
    let bp = session.set_breakpoint(load, 2, false).unwrap();
    assert_eq!(stop(&session.resume(1).unwrap()).pc, load);
    let (areas, copies) = session.scratch();
    // The program's site has its copy (the dynamic linker's hook may have one too).
    let copy = *copies.iter().find(|c| c.site == load).unwrap();
    assert_eq!(
        copy.next, next,
        "the copy jumps back to the next instruction"
    );
    let (start, end) = *areas
        .iter()
        .find(|(start, end)| *start <= copy.slot && copy.slot < *end)
        .unwrap();
    // Ordinary reads see unmapped memory there.
    assert!(session.read_memory(start, 16).is_err());
    // Asked for, the copy shows: `mov rax, [rip+d]` re-encoded for its slot (the operand
    // reaches the same constant), then an absolute jump back to the next instruction.
    let read = session
        .read_scratch(copy.slot, copy.len as usize + 14)
        .unwrap();
    assert_eq!(&read.bytes[..3], &[0x48, 0x8b, 0x05]);
    let disp = i32::from_le_bytes(read.bytes[3..7].try_into().unwrap());
    let site_disp = i32::from_le_bytes(
        session.read_memory(load.wrapping_add(3), 4).unwrap().bytes[..4]
            .try_into()
            .unwrap(),
    );
    let target = |at: u64, d: i32| at.wrapping_add(7).wrapping_add_signed(i64::from(d));
    assert_eq!(target(copy.slot.get(), disp), target(load.get(), site_disp));
    let jump = &read.bytes[copy.len as usize..];
    assert_eq!(&jump[..6], &[0xff, 0x25, 0, 0, 0, 0], "jmp [rip+0]");
    assert_eq!(
        u64::from_le_bytes(jump[6..14].try_into().unwrap()),
        next.get()
    );
    // A read from the scratch area ends with it; one outside it is refused.
    let tail = session.read_scratch(end.wrapping_sub(4), 64).unwrap();
    assert_eq!((tail.bytes.len(), tail.stopped_at), (4, Some(end)));
    let refused = session.read_scratch(load, 4).unwrap_err().to_string();
    assert!(refused.contains("not in dbg's scratch area"), "{refused}");
    session.delete_breakpoint(bp.id).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn detach_unmaps_the_scratch_area() {
    let _deadline = fixtures::deadline("ool detach", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &["1000000000", "1"], dir.path());
    let pid = session.pid();
    let load = address(&session, "ool_sites", "ool_load");
    session.set_breakpoint(load, 5, false).unwrap();
    stop(&session.resume(1).unwrap());
    let scratch = |pid: Pid| {
        std::fs::read_to_string(format!("/proc/{pid}/maps"))
            .unwrap()
            .lines()
            .filter(|line| {
                let mut fields = line.split_whitespace();
                let range = fields.next().unwrap_or("");
                let perms = fields.next().unwrap_or("");
                let (start, end) = range.split_once('-').unwrap();
                let len =
                    u64::from_str_radix(end, 16).unwrap() - u64::from_str_radix(start, 16).unwrap();
                perms == "r-xp" && line.split_whitespace().count() == 5 && len == 0x10000
            })
            .count()
    };
    // One by the program's code, maybe one by the dynamic linker's (its hook is an internal
    // breakpoint whose hits are passed over the same way).
    assert!(scratch(pid) >= 1, "a scratch area while debugged");
    session.detach().unwrap();
    assert_eq!(scratch(pid), 0, "no scratch area after detach");
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    nix::sys::wait::waitpid(pid, None).unwrap();
}

#[test]
fn forked_children_and_exec_keep_working_with_copies_in_use() {
    let _deadline = fixtures::deadline("ool fork and exec", 60);
    let by_name = Location::parse("target_fn").unwrap();
    for mode in [&[][..], &["vfork"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("forker", mode, dir.path());
        // Past the prologue (`calls++`: a RIP-relative load): the parent's first call runs
        // it out of line, so the scratch area exists when the child is forked with it.
        session
            .set_breakpoint_at(&by_name, "target_fn", 1, false)
            .unwrap();
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(at.cause.breakpoint(), Some(1));
        assert_eq!(session.breakpoints()[0].hits, 2, "{mode:?}");
        assert_eq!(exited(&session.resume(1).unwrap()), 0);
        let expected = if mode.is_empty() {
            "child exited 7, parent calls 2\n"
        } else {
            "child exited 0, parent calls 2\n"
        };
        assert_eq!(output(dir.path()), expected, "{mode:?}");
    }
    // Across an exec the area goes with the old program and is made again in the new one.
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("execer", &[], dir.path());
    session
        .set_breakpoint_at(&by_name, "target_fn", 0, false)
        .unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(1)
    );
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.kind(),
        StopKind::Exec
    );
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(1)
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "round 1\nround 2\n");
}

#[test]
fn a_watchpoint_hit_by_the_copy_is_reported_at_the_programs_next_instruction() {
    let _deadline = fixtures::deadline("ool watchpoint", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("ool_sites", &["3", "1"], dir.path());
    let store = address(&session, "ool_sites", "ool_store");
    let after = address(&session, "ool_sites", "ool_call");
    let sink = address(&session, "ool_sites", "ool_sink");
    // The store under the breakpoint runs out of line (the breakpoint ignores every hit);
    // its write trips the watchpoint with the pc past the copy, in the scratch area.
    session.set_breakpoint(store, u64::MAX / 2, false).unwrap();
    session
        .set_watchpoint(sink, WatchKind::Write, 8, 0)
        .unwrap();
    for _ in 0..3 {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(at.cause.kind(), StopKind::Watchpoint);
        assert_eq!(at.pc, after, "reported where the program is");
        let rip = session.read_registers(&[Reg::Rip]).unwrap()[0].1.as_u64();
        assert_eq!(rip, after.get());
    }
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert!(output(dir.path()).ends_with(" OK\n"));
    assert_eq!(session.breakpoints()[0].hits, 3);
}

/// Where the `jmp rel32` at `site` in process `pid` goes, read from its raw memory.
fn jump_target(pid: Pid, site: dbg_session::VirtAddr) -> Option<u64> {
    let raw = fixtures::read_memory(pid.as_raw(), site.get(), 5);
    (raw[0] == 0xe9).then(|| {
        let rel = i32::from_le_bytes([raw[1], raw[2], raw[3], raw[4]]);
        (site.get() + 5).wrapping_add_signed(i64::from(rel))
    })
}

#[test]
fn ignored_hits_are_counted_in_the_tracee_behind_a_jump_the_program_never_sees() {
    let _deadline = fixtures::deadline("ool counting", 60);
    for in_tracee in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let args = ["3000", "1"];
        let mut session = launch("ool_sites", &args, dir.path());
        session.set_counting_in_tracee(in_tracee);
        let pid = session.pid();
        let load = address(&session, "ool_sites", "ool_load");
        let bp = session.set_breakpoint(load, 2500, false).unwrap();
        let at = stop(&session.resume(1).unwrap());
        assert_eq!((at.pc, hits(&session, bp.id)), (load, 2501), "{in_tracee}");
        if in_tracee {
            // The first hit ran out of line; from then on the site jumps to its counting
            // trampoline in the scratch area, which trapped at the 2501st.
            assert_eq!(session.counting_sites(), [load]);
            let target = jump_target(pid, load).unwrap();
            assert!(
                session
                    .read_memory(dbg_session::VirtAddr::new(target), 1)
                    .is_err(),
                "the trampoline at {target:#x} is in the hidden scratch area"
            );
        } else {
            assert!(session.counting_sites().is_empty());
            assert_eq!(fixtures::read_memory(pid.as_raw(), load.get(), 1), [0xcc]);
        }
        // Reads and disassembly see the program's instruction, whatever replaces it.
        let bytes = session.read_memory(load, 7).unwrap().bytes;
        assert_eq!(bytes[..3], [0x48, 0x8b, 0x05]);
        session.ignore_breakpoint(bp.id, 10_000).unwrap();
        assert_eq!(exited(&session.resume(1).unwrap()), 0);
        // The hits of the last stretch, counted in the tracee up to its end, are counted.
        assert_eq!(hits(&session, bp.id), 3000, "{in_tracee}");
        assert_eq!(output(dir.path()), undebugged(&args));
    }
}

#[test]
fn threads_caught_inside_a_counting_trampoline_are_taken_back_to_the_site() {
    let _deadline = fixtures::deadline("counting trampoline stops", 240);
    let args = ["100000", "8"];
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("count_spin", &args, dir.path());
    let site = address(&session, "count_spin", "spin_site");
    let counted = session
        .set_breakpoint(site, u64::MAX / 2, false)
        .unwrap()
        .id;
    let checkpoint = Location::parse("checkpoint").unwrap();
    let stopping = session
        .set_breakpoint_at(&checkpoint, "checkpoint", 0, false)
        .unwrap()
        .id;
    // Thread 0 stops at `checkpoint` every thousand rounds; the others are stopped wherever
    // they are, often inside the site's counting trampoline: each is then shown at a program
    // address, with its flags, stack pointer and the counter as if it had not reached the
    // site yet, and runs into the site when resumed.
    let mut counting = 0;
    for _ in 0..60 {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(at.cause.breakpoint(), Some(stopping));
        counting += usize::from(session.counting_sites() == [site]);
        for thread in session.threads().unwrap() {
            assert!(
                session.read_memory(thread.pc, 1).is_ok(),
                "thread {} shown at {:#x}",
                thread.tid,
                thread.pc
            );
        }
    }
    // From the first hit on the site counts (it ran out of line once).
    assert!(counting >= 55, "counting at {counting} of 60 stops");
    session.delete_breakpoint(stopping).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    // Every thread's sum is right (the fixture checks), and every call is one hit.
    let printed = output(dir.path());
    let calls: u64 = printed
        .strip_prefix("calls ")
        .and_then(|rest| rest.strip_suffix(" bad 0\n"))
        .unwrap_or_else(|| panic!("{printed}"))
        .parse()
        .unwrap();
    assert_eq!(hits(&session, counted), calls);
}
