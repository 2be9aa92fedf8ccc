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
