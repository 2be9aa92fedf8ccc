//! The session API as a front end other than the CLI drives it (a gdb server, a DAP server):
//! raw stops with places looked up only when asked, any thread's registers without selecting
//! it, and resume actions per thread (step one thread while the others stay stopped or run).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use dbg_session::{Error, Reg, StopCause, ThreadAction, ThreadInfo};

mod common;
use common::{address, exited, launch, output, stop};

#[test]
fn one_thread_steps_while_the_others_stay_stopped_or_run() {
    let _deadline = fixtures::deadline("front end", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("threads_bp", &[], dir.path());
    let site = address(&session, "threads_bp", "target_fn");
    let bp = session.set_breakpoint(site, 0, false).unwrap();
    let hit = stop(&session.resume(1).unwrap());
    assert_eq!(
        (hit.cause, hit.pc),
        (StopCause::Breakpoint { id: bp.id }, site)
    );
    let place = session.stop_place(&hit).unwrap();
    assert_eq!(place.function.as_deref(), Some("target_fn"));
    let stepper = hit.tid;
    let others = |session: &mut dbg_session::Session| -> Vec<ThreadInfo> {
        let threads = session.threads().unwrap();
        threads.into_iter().filter(|t| t.tid != stepper).collect()
    };
    let before = others(&mut session);
    assert!(!before.is_empty(), "workers are running");
    // Step the thread at the breakpoint, the others held: off the site (dbg's own step-off),
    // then a plain step; each is a single-step stop of that thread alone.
    let mut pc = site;
    for _ in 0..3 {
        let action = |tid| {
            if tid == stepper {
                ThreadAction::Step
            } else {
                ThreadAction::Hold
            }
        };
        let step = stop(&session.resume_threads(&action).unwrap());
        assert_eq!((step.cause, step.tid), (StopCause::SingleStep, stepper));
        assert_ne!(step.pc, pc, "the thread moved");
        pc = step.pc;
        let rip = session.thread_registers(stepper, &[Reg::Rip]).unwrap();
        assert_eq!(rip[0].1.as_u64(), pc.get());
        assert_eq!(
            others(&mut session),
            before,
            "the held threads did not move"
        );
    }
    // Nothing to run is refused, and changes nothing.
    let error = session.resume_threads(&|_| ThreadAction::Hold).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Process(dbg_session::ProcessError::NothingToResume)
        ),
        "{error}"
    );
    assert_eq!(others(&mut session), before);
    // Step one while the others run: whichever stops first is reported, as in all-stop.
    let action = |tid| {
        if tid == stepper {
            ThreadAction::Step
        } else {
            ThreadAction::Run
        }
    };
    let next = stop(&session.resume_threads(&action).unwrap());
    match next.cause {
        StopCause::SingleStep => assert_eq!(next.tid, stepper),
        StopCause::Breakpoint { id } => assert_eq!((id, next.pc), (bp.id, site)),
        other => panic!("unexpected stop {other:?}"),
    }
    session.delete_breakpoint(bp.id).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "calls 8000\n");
}

#[test]
fn a_resume_whose_only_running_thread_exits_ends_instead_of_waiting_forever() {
    let _deadline = fixtures::deadline("front end exit", 60);
    // At `worker`'s entry the thread exits while running (the process layer's wait sees it);
    // at `exit_site` it exits while stepping off the breakpoint (the session sees it).
    for symbol in ["worker", "exit_site"] {
        exits_alone(symbol);
    }
}

fn exits_alone(symbol: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("thread_exit", &[], dir.path());
    let site = address(&session, "thread_exit", symbol);
    let bp = session.set_breakpoint(site, 0, false).unwrap();
    let hit = stop(&session.resume(1).unwrap());
    assert_eq!(hit.cause, StopCause::Breakpoint { id: bp.id });
    let worker = hit.tid;
    assert_ne!(worker, session.pid(), "the worker thread hit it");
    // Only the worker runs, and it exits: the main thread (held) never reports, so the
    // resume must end with the thread's exit rather than wait.
    let action = |tid| {
        if tid == worker {
            ThreadAction::Run
        } else {
            ThreadAction::Hold
        }
    };
    let events = session.resume_threads(&action).unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, dbg_session::Event::ThreadExited { tid } if *tid == worker)),
        "{events:?}"
    );
    assert!(session.threads().unwrap().iter().all(|t| t.tid != worker));
    // The main thread goes on from where it was held.
    session.delete_breakpoint(bp.id).unwrap();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "joined\n");
}
