//! Shared libraries through the session: start-up libraries and `dlopen`/`dlclose` seen as
//! typed events from the dynamic linker's hook, pending breakpoints that resolve when their
//! library loads (and again after it is unloaded and loaded again), the library list, and
//! attach reading the list from the process.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

use dbg_session::{Event, Location, Session, StopKind};

mod common;
use common::{exited, launch, output, stop};

/// The paths of the libraries loaded in `events`.
fn loaded(events: &[Event]) -> Vec<PathBuf> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::LibraryLoaded { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect()
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn start_up_libraries_are_events_and_listed_with_their_symbols() {
    let _deadline = fixtures::deadline("solib_linked", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("solib_linked", &[], dir.path());
    assert!(
        session.libraries().is_empty(),
        "nothing loaded at the entry"
    );
    let bp = session
        .set_breakpoint_at(
            &Location::Function("solib_add".into()),
            "solib_add",
            0,
            false,
        )
        .unwrap();
    assert!(bp.is_pending(), "{bp:?}");
    let events = session.resume(1).unwrap();
    let names: Vec<String> = loaded(&events).iter().map(|p| file_name(p)).collect();
    assert!(names.contains(&"libsolib_util.so".to_string()), "{names:?}");
    assert!(names.contains(&"libc.so.6".to_string()), "{names:?}");
    let resolved = events.iter().find_map(|event| match event {
        Event::BreakpointResolved { id, locations } => Some((*id, locations.clone())),
        _ => None,
    });
    let (id, locations) = resolved.expect("a resolved event");
    assert_eq!((id, locations.len()), (1, 1));
    let at = stop(&events);
    assert_eq!(
        (at.cause.kind(), at.pc),
        (StopKind::Breakpoint, locations[0])
    );
    let libraries = session.libraries();
    let util = libraries
        .iter()
        .find(|lib| file_name(&lib.path) == "libsolib_util.so")
        .expect("libsolib_util.so listed");
    assert!(util.symbols);
    assert_eq!(util.debuginfo, None);
    assert!(libraries
        .iter()
        .all(|lib| !lib.path.ends_with("solib_linked")));
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(output(dir.path()), "sum 5\n");
}

#[test]
fn a_pending_breakpoint_in_a_plugin_hits_after_each_dlopen() {
    let _deadline = fixtures::deadline("dlopener", 60);
    let dir = tempfile::tempdir().unwrap();
    let plugin = fixtures::path("libplugin.so");
    let plugin_arg = plugin.to_string_lossy().into_owned();
    let mut session = launch("dlopener", &[&plugin_arg], dir.path());
    let by_name = session
        .set_breakpoint_at(
            &Location::Function("plugin_work".into()),
            "plugin_work",
            0,
            false,
        )
        .unwrap();
    assert!(by_name.is_pending());
    assert!(by_name.locations.is_empty());
    // Round 0 loads the plugin; round 1 has dlclose'd it first, then loads it again.
    for round in 0..2u64 {
        let events = session.resume(1).unwrap();
        assert!(
            loaded(&events).contains(&plugin),
            "round {round}: {events:?}"
        );
        let unloaded = events.iter().any(|e| {
            matches!(
                e,
                Event::LibraryUnloaded { path } if *path == plugin
            )
        });
        assert_eq!(unloaded, round == 1, "round {round}: {events:?}");
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::BreakpointResolved { id: 1, .. })));
        let at = stop(&events);
        assert_eq!(at.cause.breakpoint(), Some(1), "round {round}");
        assert_eq!(session.breakpoints()[0].hits, round + 1);
        let place = session.stop_place(&at).unwrap();
        assert_eq!(place.function.as_deref(), Some("plugin_work"));
    }
    let events = session.resume(1).unwrap();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::LibraryUnloaded { .. })));
    assert!(session.breakpoints()[0].is_pending(), "unloaded again");
    assert_eq!(exited(&events), 0);
    assert_eq!(output(dir.path()), "round 0: 1\nround 1: 3\n");
}

#[test]
fn a_pending_line_breakpoint_resolves_in_the_plugin() {
    let _deadline = fixtures::deadline("dlopener line", 60);
    let dir = tempfile::tempdir().unwrap();
    let plugin = fixtures::path("libplugin.so")
        .to_string_lossy()
        .into_owned();
    let mut session = launch("dlopener", &[&plugin], dir.path());
    let location = Location::Line {
        file: "libplugin.c".into(),
        line: 6,
    };
    let bp = session
        .set_breakpoint_at(&location, "libplugin.c:6", 0, false)
        .unwrap();
    assert!(bp.is_pending());
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(at.cause.breakpoint(), Some(1));
    let line = session
        .stop_place(&at)
        .and_then(|p| p.source)
        .map(|s| s.line);
    assert_eq!(line, Some(6));
}

#[test]
fn attach_reads_the_libraries_already_loaded() {
    let _deadline = fixtures::deadline("attach libraries", 60);
    let ready = fixtures::Ready::start("wait_stdin", &[]);
    let pid = dbg_session::Pid::from_raw(ready.pid());
    let (mut session, events) = Session::attach(pid).unwrap();
    let names: Vec<String> = loaded(&events).iter().map(|p| file_name(p)).collect();
    assert!(names.contains(&"libc.so.6".to_string()), "{events:?}");
    assert!(session
        .libraries()
        .iter()
        .any(|lib| file_name(&lib.path) == "libc.so.6" && lib.symbols));
    drop(session);
}

#[test]
fn a_program_loading_nothing_after_start_up_stops_only_at_its_breakpoints() {
    let _deadline = fixtures::deadline("no extra stops", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("hello", &[], dir.path());
    // Past start-up: the hook is hit at each library change, none after.
    session
        .set_breakpoint_at(&Location::Function("main".into()), "main", 0, false)
        .unwrap();
    let events = session.resume(1).unwrap();
    assert_eq!(stop(&events).cause.breakpoint(), Some(1));
    let events = session.resume(1).unwrap();
    assert!(
        events.iter().all(|e| !matches!(
            e,
            Event::LibraryLoaded { .. } | Event::LibraryUnloaded { .. }
        )),
        "{events:?}"
    );
    assert_eq!(exited(&events), 0);
}

#[test]
fn attach_to_a_process_with_the_plugin_loaded_and_break_in_it() {
    let _deadline = fixtures::deadline("attach plugin", 60);
    let plugin = fixtures::path("libplugin.so");
    let plugin_arg = plugin.to_string_lossy().into_owned();
    let mut ready = fixtures::Ready::start("plugin_waiter", &[&plugin_arg]);
    let pid = dbg_session::Pid::from_raw(ready.pid());
    let (mut session, events) = Session::attach(pid).unwrap();
    assert!(loaded(&events).contains(&plugin), "{events:?}");
    let bp = session
        .set_breakpoint_at(
            &Location::Function("plugin_work".into()),
            "plugin_work",
            0,
            false,
        )
        .unwrap();
    assert!(!bp.is_pending(), "{bp:?}");
    ready.send_line("go");
    let at = stop(&session.resume(1).unwrap());
    assert_eq!(at.cause.breakpoint(), Some(bp.id));
    session.delete_breakpoint(bp.id).unwrap();
    session.detach().unwrap();
    drop(session);
    assert_eq!(ready.read_line(), "work 11\n");
    assert!(ready.succeeded());
}

/// Library tracking costs a program that loads nothing after start-up no stop at all: the
/// linker's hook is hit around start-up (before `main`) and never again; each `dlopen` and
/// `dlclose` costs two hits (the linker calls it before and after a change).
#[test]
fn library_tracking_adds_no_stop_after_start_up_and_two_per_dlopen_or_dlclose() {
    let _deadline = fixtures::deadline("linker hook hits", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut session = launch("bp_loop", &["1000"], dir.path());
    let main = Location::Function("main".into());
    let bp = session.set_breakpoint_at(&main, "main", 0, false).unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(bp.id)
    );
    let at_main = session.linker_hook_hits();
    assert!(at_main >= 2, "start-up: {at_main}");
    let target = Location::Function("target_fn".into());
    let hits = session
        .set_breakpoint_at(&target, "target_fn", 0, false)
        .unwrap();
    session.ignore_breakpoint(hits.id, 999).unwrap();
    assert_eq!(
        stop(&session.resume(1).unwrap()).cause.breakpoint(),
        Some(hits.id)
    );
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    assert_eq!(session.linker_hook_hits(), at_main, "no hit after start-up");
    assert_eq!(output(dir.path()), "calls 1000 total 499500\n");

    let plugin = fixtures::path("libplugin.so");
    let mut session = launch("dlopener", &[plugin.to_str().unwrap()], dir.path());
    assert_eq!(stop(&session.resume_to_main()).cause.breakpoint(), Some(1));
    let at_main = session.linker_hook_hits();
    assert_eq!(exited(&session.resume(1).unwrap()), 0);
    // Two rounds of dlopen and dlclose.
    assert_eq!(session.linker_hook_hits() - at_main, 8);
}

/// Run to `main` through a breakpoint there (id 1).
trait ToMain {
    fn resume_to_main(&mut self) -> Vec<Event>;
}

impl ToMain for Session {
    fn resume_to_main(&mut self) -> Vec<Event> {
        let main = Location::Function("main".into());
        self.set_breakpoint_at(&main, "main", 0, false).unwrap();
        self.resume(1).unwrap()
    }
}
