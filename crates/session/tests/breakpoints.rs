//! Breakpoints, memory and disassembly through the session, against fixtures: stops at the
//! right pc, step-over keeps the program's behaviour, ignore counts, shared sites, the
//! tracee's own int3, detach leaving no int3, and bad input changing nothing.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dbg_session::{Error, Event, Pid, Reg, Session, Signal, StopKind, VirtAddr};

mod common;
use common::{address, exited, launch, output, stop};

#[test]
fn a_breakpoint_at_a_function_stops_there_and_the_program_runs_on_intact() {
    let _deadline = fixtures::deadline("bp_loop", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["10"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    let bp = session.set_breakpoint(target, 0, false).unwrap();
    assert_eq!(
        (bp.id, bp.locations.clone(), bp.enabled, bp.hits),
        (1, vec![target], true, 0)
    );
    for hit in 1..=3 {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(
            (at.cause.kind(), at.cause.breakpoint(), at.pc),
            (StopKind::Breakpoint, Some(1), target)
        );
        let rip = VirtAddr::new(session.read_registers(&[Reg::Rip]).unwrap()[0].1.as_u64());
        assert_eq!(rip, target, "pc rewound to the site");
        let rdi = session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64();
        assert_eq!(rdi, hit - 1, "argument of call {hit}");
        assert_eq!(session.breakpoints()[0].hits, hit);
    }
    session.delete_breakpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 10 total 45\n");
}

#[test]
fn ignore_counts_and_continue_n_skip_hits_but_count_them() {
    let _deadline = fixtures::deadline("ignore", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["20"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    session.set_breakpoint(target, 4, false).unwrap();
    session.resume(1).unwrap();
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        4
    );
    assert_eq!(session.breakpoints()[0].hits, 5);
    // continue 3: ignore this breakpoint twice more, stop at the third hit.
    session.resume(3).unwrap();
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        7
    );
    session.ignore_breakpoint(1, 10).unwrap();
    session.resume(1).unwrap();
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        18
    );
    assert_eq!(session.breakpoints()[0].hits, 19);
    session.disable_breakpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(
        session.breakpoints()[0].hits,
        19,
        "disabled breakpoints do not count"
    );
    assert_eq!(output(dir.path()), "calls 20 total 190\n");
}

#[test]
fn continue_n_needs_a_breakpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("hello", &[], dir.path());
    assert!(matches!(session.resume(2), Err(Error::NotAtBreakpoint)));
}

#[test]
fn the_program_sees_the_int3_but_reads_and_disassembly_do_not() {
    let _deadline = fixtures::deadline("checksum", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("checksum", &[], dir.path());
    let victim = address(&session, "checksum", "victim");
    let clean = session.read_memory(victim, 8).unwrap().bytes;
    session.set_breakpoint(victim, 0, false).unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!((at.cause.kind(), at.pc), (StopKind::Breakpoint, victim));
    let printed = output(dir.path());
    assert!(
        printed.starts_with("bytes cc "),
        "the program reads its own int3: {printed}"
    );
    assert_eq!(session.read_memory(victim, 8).unwrap().bytes, clean);
    let code = session.disassemble(Some(victim), 2).unwrap();
    assert_eq!(code[0].text, "push rbp");
    assert_eq!(code[0].bytes, [0x55]);
    assert_eq!(
        exited(&session.resume(1).unwrap()),
        0,
        "victim(2) still returns 7"
    );
}

#[test]
fn a_local_is_read_and_rewritten_at_the_programs_own_trap() {
    let _deadline = fixtures::deadline("local_addr", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("local_addr", &[], dir.path());
    let main = address(&session, "local_addr", "main");
    session.set_breakpoint(main, 0, false).unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.kind(),
        StopKind::Breakpoint
    );
    // The program's own int3 is a SIGTRAP signal stop, not one of ours.
    let trap = stop(&session.resume(1).unwrap());
    assert_eq!(
        (trap.cause.kind(), trap.signal, trap.cause.breakpoint()),
        (StopKind::Signal, Signal::SIGTRAP, None)
    );
    let buf = u64::from_str_radix(output(dir.path()).trim().trim_start_matches("0x"), 16).unwrap();
    let buf = VirtAddr::new(buf);
    assert_eq!(&session.read_memory(buf, 9).unwrap().bytes, b"original\0");
    session.write_memory(buf, b"changed\0").unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert!(output(dir.path()).ends_with("\nchanged\n"));
}

#[test]
fn breakpoints_share_a_site_and_delete_restores_the_byte() {
    let _deadline = fixtures::deadline("shared site", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["5"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    let raw = dbg_memory_raw(session.pid(), target);
    session.set_breakpoint(target, 0, false).unwrap();
    session.set_breakpoint(target, 0, false).unwrap();
    assert_eq!(dbg_memory_raw(session.pid(), target), 0xcc);
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(at.cause.breakpoint(), Some(1));
    assert!(session.breakpoints().iter().all(|bp| bp.hits == 1));
    session.delete_breakpoint(1).unwrap();
    assert_eq!(
        dbg_memory_raw(session.pid(), target),
        0xcc,
        "breakpoint 2 still uses it"
    );
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(2)
    );
    session.delete_breakpoint(2).unwrap();
    assert_eq!(dbg_memory_raw(session.pid(), target), raw);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 5 total 10\n");
}

/// The byte really in the tracee's memory (our int3 not hidden).
fn dbg_memory_raw(pid: Pid, addr: VirtAddr) -> u8 {
    use std::os::unix::fs::FileExt;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut byte = [0u8];
    mem.read_exact_at(&mut byte, addr.get()).unwrap();
    byte[0]
}

#[test]
fn stepi_steps_off_a_breakpoint_and_onto_one() {
    let _deadline = fixtures::deadline("stepi and breakpoints", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["3"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    session.set_breakpoint(target, 0, false).unwrap();
    session.resume(1).unwrap();
    // Off the breakpoint: push rbp (emulated), then mov rbp, rsp.
    let step = stop(&session.step_instructions(1).unwrap());
    assert_eq!(
        (step.cause.kind(), step.pc),
        (StopKind::SingleStep, target + 1)
    );
    let step = stop(&session.step_instructions(1).unwrap());
    assert_eq!(
        (step.cause.kind(), step.pc),
        (StopKind::SingleStep, target + 4)
    );
    // Many steps: through the return, the loop, and onto the breakpoint at the next call.
    let at = stop(&session.step_instructions(1000).unwrap());
    assert_eq!(
        (at.cause.kind(), at.pc, at.cause.breakpoint()),
        (StopKind::Breakpoint, target, Some(1))
    );
    assert_eq!(session.breakpoints()[0].hits, 2);
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        1
    );
    session.delete_breakpoint(1).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 3 total 3\n");
}

#[test]
fn detach_with_breakpoints_leaves_no_int3_and_the_process_finishes() {
    let _deadline = fixtures::deadline("detach with breakpoints", 60);
    let mut fixture = fixtures::Ready::start("bp_loop", &["1000", "--wait"]);
    let pid = Pid::from_raw(fixture.pid());
    let (mut session, _) = Session::attach(pid).unwrap();
    let target = VirtAddr::new(fixtures::runtime_address(
        pid.as_raw(),
        "bp_loop",
        "target_fn",
    ));
    let raw = dbg_memory_raw(pid, target);
    session.set_breakpoint(target, 0, false).unwrap();
    session.set_breakpoint(target + 1, 0, false).unwrap();
    session.detach().unwrap();
    assert_eq!(dbg_memory_raw(pid, target), raw);
    fixture.send_line("go");
    assert_eq!(fixture.read_line(), "calls 1000 total 499500\n");
    assert!(fixture.succeeded());
}

#[test]
fn bad_breakpoints_and_memory_requests_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["1"], dir.path());
    fn err<T>(result: Result<T, Error>) -> String {
        result.map(drop).unwrap_err().to_string()
    }
    assert_eq!(
        err(session.set_breakpoint(VirtAddr::new(0x10), 0, false)),
        "address 0x10 is not mapped"
    );
    let total = address(&session, "bp_loop", "total");
    assert!(err(session.set_breakpoint(total, 0, false)).contains("is not executable"));
    assert!(session.breakpoints().is_empty());
    for id in [0, 7] {
        assert_eq!(
            err(session.enable_breakpoint(id)),
            format!("no breakpoint {id}")
        );
        assert_eq!(
            err(session.disable_breakpoint(id)),
            format!("no breakpoint {id}")
        );
        assert_eq!(
            err(session.delete_breakpoint(id)),
            format!("no breakpoint {id}")
        );
        assert_eq!(
            err(session.ignore_breakpoint(id, 1)),
            format!("no breakpoint {id}")
        );
    }
    assert_eq!(
        err(session.read_memory(VirtAddr::new(0x10), 4)),
        "cannot read memory at 0x10: address not mapped or not readable"
    );
    assert!(
        err(session.read_memory(total, 1 << 20)).starts_with("cannot read 1048576 bytes at once")
    );
    let before = session.read_memory(total, 8).unwrap().bytes;
    assert!(err(session.write_memory(VirtAddr::new(0x10), &[1]))
        .starts_with("cannot write memory at 0x10"));
    // A write running off the end of a mapping writes nothing.
    let maps = dbg_memory::Mappings::read(session.pid()).unwrap();
    let end = maps.find(total).unwrap().end;
    let tail = session.read_memory(end - 2, 2).unwrap().bytes;
    assert!(session.write_memory(end - 2, &[9, 9, 9, 9]).is_err());
    assert_eq!(session.read_memory(end - 2, 2).unwrap().bytes, tail);
    assert_eq!(session.read_memory(total, 8).unwrap().bytes, before);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    // Breakpoint commands after the exit fail cleanly.
    assert!(session.set_breakpoint(total, 0, false).is_err());
}

#[test]
fn a_forked_child_runs_unharmed_by_our_breakpoints() {
    let _deadline = fixtures::deadline("forker", 60);
    for mode in [&[][..], &["vfork"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("forker", mode, dir.path());
        let target = address(&session, "forker", "target_fn");
        session.set_breakpoint(target, 0, false).unwrap();
        assert_eq!(
            stop(&session.resume(1).unwrap()).cause.breakpoint(),
            Some(1)
        );
        // The next hit is the parent's call after the child ended: the child hit nothing.
        let events = session.resume(1).unwrap();
        assert!(
            events.iter().any(|e| matches!(e, Event::Forked { .. })),
            "{events:?}"
        );
        assert_eq!(stop(&events).cause.breakpoint(), Some(1));
        assert_eq!(session.breakpoints()[0].hits, 2);
        assert_eq!(exited(&session.resume(1).unwrap()), 0);
        let expected = if mode.is_empty() {
            "child exited 7, parent calls 2\n"
        } else {
            "child exited 0, parent calls 2\n"
        };
        assert_eq!(output(dir.path()), expected, "{mode:?}");
    }
}

#[test]
fn an_exec_is_a_stop_and_the_new_program_can_be_debugged() {
    let _deadline = fixtures::deadline("execer", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("execer", &[], dir.path());
    let target = address(&session, "execer", "target_fn");
    session.set_breakpoint(target, 0, false).unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(1)
    );
    let exec = stop(&session.resume(1).unwrap());
    assert_eq!(exec.cause.kind(), StopKind::Exec);
    // The breakpoint is resolved again in the new program (the same binary, at the same
    // address without ASLR), as gdb does.
    assert_eq!(session.breakpoints()[0].locations, vec![target]);
    assert!(session.breakpoints()[0].enabled);
    let again = stop(&session.resume(1).unwrap());
    assert_eq!((again.cause.breakpoint(), again.pc), (Some(1), target));
    assert_eq!(
        session.read_registers(&[Reg::Rdi]).unwrap()[0].1.as_u64(),
        2
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "round 1\nround 2\n");
}

#[test]
fn eight_threads_hitting_one_breakpoint_give_exactly_8000_stops() {
    let _deadline = fixtures::deadline("threads_bp", 240);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("threads_bp", &[], dir.path());
    let target = address(&session, "threads_bp", "target_fn");
    session.set_breakpoint(target, 0, false).unwrap();
    let mut stops = 0;
    let mut threads = std::collections::BTreeSet::new();
    loop {
        let events = session.resume(1).unwrap();
        match events.last() {
            Some(Event::Stopped(stop)) => {
                assert_eq!(
                    (stop.cause.breakpoint(), stop.pc),
                    (Some(1), target),
                    "{stop:?}"
                );
                threads.insert(stop.tid);
                stops += 1;
            }
            Some(Event::Exited { code: 0, .. }) => break,
            other => panic!("after {stops} stops: {other:?}"),
        }
    }
    assert_eq!(stops, 8000);
    assert_eq!(threads.len(), 8);
    assert_eq!(session.breakpoints()[0].hits, 8000);
    assert_eq!(output(dir.path()), "calls 8000\n");
}

#[test]
fn eight_threads_with_an_ignore_count_lose_no_hit() {
    let _deadline = fixtures::deadline("threads_bp ignore", 240);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("threads_bp", &[], dir.path());
    let target = address(&session, "threads_bp", "target_fn");
    session.set_breakpoint(target, 7999, false).unwrap();
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(at.cause.breakpoint(), Some(1));
    assert_eq!(session.breakpoints()[0].hits, 8000);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 8000\n");
}

#[test]
fn a_hundred_forked_children_run_unharmed() {
    let _deadline = fixtures::deadline("fork100", 120);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("fork100", &[], dir.path());
    let target = address(&session, "fork100", "target_fn");
    session.set_breakpoint(target, 0, false).unwrap();
    let events = session.resume(1).unwrap();
    let forks = events
        .iter()
        .filter(|e| matches!(e, Event::Forked { .. }))
        .count();
    assert_eq!(forks, 100);
    assert_eq!(
        stop(&events).cause.breakpoint(),
        Some(1),
        "only the parent's own call stops"
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "100 ok\n");
}

#[test]
fn a_multithreaded_tracee_killed_from_outside_is_reported_and_nothing_hangs() {
    let _deadline = fixtures::deadline("killed threads", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("threads_bp", &[], dir.path());
    let target = address(&session, "threads_bp", "target_fn");
    session.set_breakpoint(target, 0, false).unwrap();
    stop(&session.resume(1).unwrap());
    // Killed while stopped, every thread in all-stop.
    nix::sys::signal::kill(session.pid(), nix::sys::signal::Signal::SIGKILL).unwrap();
    let events = session.resume(1).unwrap();
    assert!(
        matches!(
            events.last(),
            Some(Event::Killed {
                signal: dbg_session::Signal::SIGKILL,
                ..
            })
        ),
        "{events:?}"
    );
    assert!(!session.is_alive());
    assert!(session.resume(1).is_err());
}

#[test]
fn a_thread_that_exits_while_stepping_over_a_breakpoint_does_not_hang_anything() {
    let _deadline = fixtures::deadline("thread_exit", 60);
    for stepi in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut session = launch("thread_exit", &[], dir.path());
        let site = address(&session, "thread_exit", "exit_site");
        session.set_breakpoint(site, 0, false).unwrap();
        let at = stop(&session.resume(1).unwrap());
        assert_ne!(at.tid, session.pid());
        if stepi {
            let events = session.step_instructions(1).unwrap();
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, Event::ThreadExited { tid } if *tid == at.tid)),
                "{events:?}"
            );
        }
        let events = session.resume(1).unwrap();
        assert_eq!(exited(&events), 0, "{events:?}");
        assert_eq!(output(dir.path()), "joined\n");
    }
}

#[test]
fn restart_launches_a_new_process_and_keeps_breakpoints_hits_and_hardware_slots() {
    let _deadline = fixtures::deadline("bp_loop restart", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["5"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    session.set_breakpoint(target, 0, false).unwrap();
    let main = address(&session, "bp_loop", "main");
    session.set_breakpoint(main, 0, true).unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(2)
    );
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(1)
    );
    let first = session.pid();
    let launch = session.launch_config().unwrap().clone().with_args(["2"]);
    let events = session.restart(launch).unwrap();
    assert!(
        matches!(events.first(), Some(Event::Killed { pid, signal: Signal::SIGKILL }) if *pid == first),
        "{events:?}"
    );
    let second = session.pid();
    assert!(events.contains(&Event::Launched { pid: second }));
    assert_ne!(first, second);
    // The hardware breakpoint took a debug register in the new process, the software one an
    // int3 at the same address (no ASLR): both stop again, and hits add up.
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(2)
    );
    for _ in 0..2 {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!((at.cause.breakpoint(), at.pc), (Some(1), target));
    }
    let hits: Vec<u64> = session.breakpoints().iter().map(|bp| bp.hits).collect();
    assert_eq!(hits, [3, 2]);
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 2 total 1\n");
    // After the exit, the program starts again (with the last arguments).
    let launch = session.launch_config().unwrap().clone();
    session.restart(launch).unwrap();
    session.delete_breakpoint(1).unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(2)
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
}

#[test]
fn a_breakpoint_on_a_ret_is_stepped_over_by_emulation_and_the_program_runs_on_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["4"], dir.path());
    let target = address(&session, "bp_loop", "target_fn");
    let ret = session
        .disassemble(Some(target), 16)
        .unwrap()
        .into_iter()
        .find(|instruction| instruction.bytes == [0xc3])
        .expect("target_fn ends with a plain ret")
        .address;
    session.set_breakpoint(ret, 0, false).unwrap();
    let mut returns = Vec::new();
    for call in 1..=4u64 {
        let at = stop(&session.resume(1).unwrap());
        assert_eq!(
            (at.pc, at.cause.breakpoint()),
            (ret, Some(1)),
            "call {call}"
        );
        if call % 2 == 0 {
            // Continued from the site at the next resume.
            continue;
        }
        let rsp = session.read_registers(&[Reg::Rsp]).unwrap()[0].1.as_u64();
        let word = session.read_memory(VirtAddr::new(rsp), 8).unwrap();
        let back = u64::from_le_bytes(word.bytes.try_into().unwrap());
        // One instruction from the site: at the return address, the slot popped.
        let step = stop(&session.step_instructions(1).unwrap());
        assert_eq!(
            (step.cause.kind(), step.pc.get()),
            (StopKind::SingleStep, back)
        );
        assert_eq!(
            session.read_registers(&[Reg::Rsp]).unwrap()[0].1.as_u64(),
            rsp + 8
        );
        returns.push(back);
    }
    assert!(returns.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(session.breakpoints()[0].hits, 4);
    // Carried out by dbg, never run out of line.
    assert!(session.scratch().1.iter().all(|copy| copy.site != ret));
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 4 total 6\n");
}
