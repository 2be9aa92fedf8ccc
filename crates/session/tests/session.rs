//! The session against fixtures: the events each command produces, stop classification, the
//! default signal policy, and ending a session.

#![allow(clippy::unwrap_used, clippy::panic)]

use dbg_session::{Event, Launch, Reg, Session, Signal, StopEvent, StopKind, VirtAddr};

fn launch(name: &str) -> (Session, Vec<Event>) {
    Session::launch(Launch::new(fixtures::path(name)).stdout("/dev/null")).unwrap()
}

fn stop(events: &[Event]) -> &StopEvent {
    match events.last() {
        Some(Event::Stopped(stop)) => stop,
        other => panic!("expected a stop, got {other:?}"),
    }
}

#[test]
fn launch_reports_launched_then_an_entry_stop() {
    let (session, events) = launch("hello");
    let pid = session.pid();
    assert_eq!(events.first(), Some(&Event::Launched { pid }));
    let entry = stop(&events);
    assert_eq!(
        (entry.cause.kind(), entry.signal, entry.tid),
        (StopKind::Entry, Signal::SIGTRAP, pid)
    );
}

#[test]
fn stepping_n_instructions_reports_one_stop_at_the_end() {
    let (mut session, _) = launch("hello");
    let events = session.step_instructions(25).unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let step = stop(&events);
    assert_eq!(step.cause.kind(), StopKind::SingleStep);
    let rip = session.read_registers(&[Reg::Rip]).unwrap();
    assert_eq!(rip.first().map(|(_, v)| v.as_u64()), Some(step.pc.get()));
}

#[test]
fn the_tracees_own_sigtrap_is_a_signal_stop_and_is_not_delivered() {
    let _deadline = fixtures::deadline("reg_read", 30);
    let (mut session, _) = launch("reg_read");
    for _ in 0..4 {
        let events = session.resume(1).unwrap();
        let trap = stop(&events);
        assert_eq!(
            (trap.cause.kind(), trap.signal),
            (StopKind::Signal, Signal::SIGTRAP)
        );
    }
    // Were SIGTRAP passed on, the tracee would have died of it.
    let events = session.resume(1).unwrap();
    assert_eq!(
        events.last(),
        Some(&Event::Exited {
            pid: session.pid(),
            code: 0
        })
    );
    assert!(!session.is_alive());
}

#[test]
fn a_fault_is_passed_on_by_default_and_kills() {
    let _deadline = fixtures::deadline("crash", 30);
    let (mut session, _) = launch("crash");
    let events = session.resume(1).unwrap();
    let fault = stop(&events);
    assert_eq!(
        (fault.cause.kind(), fault.signal, fault.cause.fault_addr()),
        (StopKind::Signal, Signal::SIGSEGV, Some(VirtAddr::new(0x10)))
    );
    let events = session.resume(1).unwrap();
    assert_eq!(
        events,
        vec![Event::Killed {
            pid: session.pid(),
            signal: Signal::SIGSEGV
        }]
    );
}

#[test]
fn an_interrupt_is_reported_as_such_even_when_the_tracee_blocks_every_signal() {
    for fixture in ["spin", "blocker"] {
        let _deadline = fixtures::deadline("interrupt", 30);
        let (mut session, _) = launch(fixture);
        let interrupter = session.interrupter();
        // The tracee spins forever, so resume only returns once the interrupt lands; the waiter
        // interrupts as soon as the session marks the tracee running.
        let waiter = std::thread::spawn(move || {
            while !interrupter.tracee_running() {
                std::thread::yield_now();
            }
            interrupter.interrupt();
        });
        let events = session.resume(1).unwrap();
        waiter.join().unwrap();
        let interrupt = stop(&events);
        assert_eq!(
            (interrupt.cause.kind(), interrupt.signal),
            (StopKind::Interrupt, Signal::SIGINT),
            "{fixture}: an interrupt is reported as SIGINT, whichever signal carried it"
        );
        // The interrupt is not delivered: the tracee runs on, and a second one stops it again.
        let interrupter = session.interrupter();
        let waiter = std::thread::spawn(move || {
            while !interrupter.tracee_running() {
                std::thread::yield_now();
            }
            interrupter.interrupt();
        });
        assert_eq!(
            stop(&session.resume(1).unwrap()).cause.kind(),
            StopKind::Interrupt
        );
        waiter.join().unwrap();
        let events = session.kill().unwrap();
        assert_eq!(
            events,
            vec![Event::Killed {
                pid: session.pid(),
                signal: Signal::SIGKILL
            }]
        );
    }
}

#[test]
fn ending_a_session_kills_the_process_it_launched() {
    let (mut session, _) = launch("busy");
    let pid = session.pid();
    assert_eq!(
        session.end(),
        vec![Event::Killed {
            pid,
            signal: Signal::SIGKILL
        }]
    );
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}
