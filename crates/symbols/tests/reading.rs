//! The progress hook (`Module::with_progress`): each part a question reads is reported once,
//! started and finished in nested pairs, with the progress of scans over all units; parts
//! read already are not reported again.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use dbg_symbols::{Module, Part, Reading};

/// `fixture` opened with a hook that records every report.
fn recorded(fixture: &str) -> (Module, Arc<Mutex<Vec<Reading>>>) {
    let bytes = std::fs::read(fixtures::path(fixture)).expect("fixture readable");
    let seen: Arc<Mutex<Vec<Reading>>> = Arc::default();
    let sink = seen.clone();
    let module = Module::parse(Box::new(bytes))
        .expect("fixture is ELF")
        .with_progress(Box::new(move |reading| sink.lock().unwrap().push(reading)));
    (module, seen)
}

/// The reports since the last call, checked to be well nested (every start finished, in
/// reverse order, progress only inside its part), as the parts that started, in order.
fn take_parts(seen: &Mutex<Vec<Reading>>) -> Vec<Part> {
    let readings = std::mem::take(&mut *seen.lock().unwrap());
    let mut open: Vec<Part> = Vec::new();
    let mut started = Vec::new();
    for reading in &readings {
        match *reading {
            Reading::Started(part) => {
                open.push(part);
                started.push(part);
            }
            Reading::Progress { part, done, total } => {
                assert_eq!(open.last(), Some(&part), "{readings:?}");
                assert!(done < total, "{readings:?}");
            }
            Reading::Finished(part) => assert_eq!(open.pop(), Some(part), "{readings:?}"),
        }
    }
    assert!(open.is_empty(), "unfinished: {readings:?}");
    started
}

#[test]
fn a_breakpoint_by_name_reads_symbols_and_units_once_and_scans_every_time() {
    let (module, seen) = recorded("nested");
    assert!(take_parts(&seen).is_empty(), "opening reads nothing");
    assert!(!module.breakpoint_addresses("main").unwrap().is_empty());
    let parts = take_parts(&seen);
    // One reading, with the parts read for it within.
    assert_eq!(parts.first(), Some(&Part::FunctionSearch), "{parts:?}");
    for part in [Part::Symbols, Part::Units, Part::InlinedCopies] {
        assert!(parts.contains(&part), "{part:?} not in {parts:?}");
    }
    // The tables are kept; the scan for inlined copies is made for each name.
    assert!(!module.breakpoint_addresses("leaf").unwrap().is_empty());
    assert_eq!(
        take_parts(&seen),
        [Part::FunctionSearch, Part::InlinedCopies]
    );
}

#[test]
fn scans_of_all_units_report_their_progress() {
    let (module, seen) = recorded("nested");
    let units = module.unit_count().unwrap();
    assert!(units > 1, "nested has several units");
    take_parts(&seen);
    let _ = module.type_named("struct no_such_type");
    let progress: Vec<(usize, usize)> = seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|reading| match *reading {
            Reading::Progress {
                part: Part::Names,
                done,
                total,
            } => Some((done, total)),
            _ => None,
        })
        .collect();
    assert_eq!(take_parts(&seen), [Part::Names]);
    assert_eq!(progress.first(), Some(&(0, units)));
    assert!(progress.windows(2).all(|pair| pair[0].0 < pair[1].0));
    // Built once.
    let _ = module.type_named("struct other");
    assert!(take_parts(&seen).is_empty());
}

#[test]
fn line_tables_and_cfi_are_reported_the_first_time_only() {
    let (module, seen) = recorded("nested");
    let _ = module.source_files().unwrap();
    let parts = take_parts(&seen);
    assert!(parts.contains(&Part::LineTables), "{parts:?}");
    let _ = module.source_files().unwrap();
    assert!(take_parts(&seen).is_empty());
    assert!(module.has_cfi());
    assert_eq!(take_parts(&seen), [Part::Cfi]);
    assert!(module.has_cfi());
    assert!(take_parts(&seen).is_empty());
}
