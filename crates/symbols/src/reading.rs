//! Reports of reading: which part of a binary is being read, when it starts and ends, and
//! how far a scan of all its units has got, told to a hook the caller installs
//! ([`Module::with_progress`](crate::Module::with_progress)). The crate only reports; timing
//! and telling a person belong to the caller (a debugger says "Reading symbols from ..."
//! only when reading is slow).

use std::sync::OnceLock;

/// A part of a binary that is read on first need (or a scan of all of its DWARF), as a
/// [`Reading`] report names it. On a small binary each takes microseconds; on a large debug
/// build some take seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The ELF symbol table: read, sorted by address, names demangled.
    Symbols,
    /// The DWARF compile units and their address ranges (compressed sections decompressed
    /// first).
    Units,
    /// Every unit's line table (a question by file and line, or about source files).
    LineTables,
    /// The names of the types, global variables and enumerators of every unit.
    Names,
    /// A scan of all of `.debug_info` for the inlined copies of a function (made for
    /// each name looked up).
    InlinedCopies,
    /// A breakpoint's search for a function by name, as one reading: the symbol table and
    /// the units, when read for it, and the scan for inlined copies nest within it.
    FunctionSearch,
    /// A breakpoint's search for a source line, as one reading: the units and the line
    /// tables, when read for it, nest within it.
    LineSearch,
    /// A unit's index of its functions, for the frames at an address.
    Frames,
    /// The call-frame information.
    Cfi,
}

/// One report of reading, in order: `Started`, any number of `Progress`, `Finished`. Parts
/// may nest (reading the units while a scan starts), each `Started` with its `Finished`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The part is being read now (for the first time: a part read already is not
    /// reported again).
    Started(Part),
    /// `done` of the part's `total` units are read (reported when the percentage changes,
    /// so at most about a hundred times per part).
    Progress {
        /// The part.
        part: Part,
        /// Units read.
        done: usize,
        /// Units in all.
        total: usize,
    },
    /// The part is read (or failed to be: the failure is the answer's).
    Finished(Part),
}

/// How a [`Module`](crate::Module) reports its reading: called on the thread that reads,
/// while it reads, so it must be quick (note the time, wake a timer).
pub type Progress = Box<dyn Fn(Reading) + Send + Sync>;

/// The hook of one module, installed at most once; reports go nowhere without one.
#[derive(Default)]
pub(crate) struct Reporter(OnceLock<Progress>);

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Reporter")
            .field(&self.0.get().is_some())
            .finish()
    }
}

impl Reporter {
    /// Install `hook`; a second hook is refused (given back).
    pub(crate) fn install(&self, hook: Progress) -> Result<(), Progress> {
        self.0.set(hook)
    }

    fn report(&self, reading: Reading) {
        if let Some(hook) = self.0.get() {
            hook(reading);
        }
    }

    /// Report that `part` starts now; the guard reports its end when dropped (an early
    /// return or an error included).
    pub(crate) fn part(&self, part: Part) -> PartGuard<'_> {
        self.report(Reading::Started(part));
        PartGuard {
            reporter: self,
            part,
            percent: None,
        }
    }
}

/// A part being read: [`Reading::Finished`] is reported when it is dropped.
#[derive(Debug)]
pub(crate) struct PartGuard<'r> {
    reporter: &'r Reporter,
    part: Part,
    /// The last percentage reported.
    percent: Option<usize>,
}

impl PartGuard<'_> {
    /// `done` of `total` units are read: reported when the percentage changes.
    pub(crate) fn progress(&mut self, done: usize, total: usize) {
        let percent = done.saturating_mul(100).checked_div(total).unwrap_or(100);
        if self.percent != Some(percent) {
            self.percent = Some(percent);
            self.reporter.report(Reading::Progress {
                part: self.part,
                done,
                total,
            });
        }
    }
}

impl Drop for PartGuard<'_> {
    fn drop(&mut self) {
        self.reporter.report(Reading::Finished(self.part));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::sync::{Arc, Mutex};

    fn recording() -> (Reporter, Arc<Mutex<Vec<Reading>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let reporter = Reporter::default();
        let sink = seen.clone();
        assert!(reporter
            .install(Box::new(move |r| sink.lock().unwrap().push(r)))
            .is_ok());
        (reporter, seen)
    }

    #[test]
    fn a_part_reports_its_start_its_percentages_once_each_and_its_end() {
        let (reporter, seen) = recording();
        {
            let mut guard = reporter.part(Part::Names);
            for done in 0..=1000 {
                guard.progress(done, 1000);
            }
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.first(), Some(&Reading::Started(Part::Names)));
        assert_eq!(seen.last(), Some(&Reading::Finished(Part::Names)));
        // 0% to 100%, each once.
        assert_eq!(seen.len(), 2 + 101);
    }

    #[test]
    fn no_units_is_done_and_a_second_hook_is_refused() {
        let (reporter, seen) = recording();
        reporter.part(Part::LineTables).progress(0, 0);
        assert!(reporter.install(Box::new(|_| {})).is_err());
        assert_eq!(
            *seen.lock().unwrap(),
            [
                Reading::Started(Part::LineTables),
                Reading::Progress {
                    part: Part::LineTables,
                    done: 0,
                    total: 0
                },
                Reading::Finished(Part::LineTables),
            ]
        );
    }
}
