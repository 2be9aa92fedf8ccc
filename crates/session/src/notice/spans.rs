//! When reading symbols is slow enough to say so: the timing rules of the "Reading symbols
//! from ..." notice, as a state machine over instants given by the caller (so that tests
//! drive it without a clock or a sleep). The thread that waits for the deadlines is in
//! the parent module.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dbg_symbols::Part;

use super::Notice;

/// A part that ends and another of the same binary that starts within this long are one
/// reading (a breakpoint by name reads the symbol table, then the DWARF units, then scans
/// them: together they are what the user waits for).
pub(crate) const GAP: Duration = Duration::from_millis(250);

/// How often a reading that was announced says how far it has got (when it knows).
pub(crate) const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// The reading being timed: from the start of its first part to the end of its last.
#[derive(Debug)]
struct Span {
    /// The binary (the first one read, when parts of several nest).
    path: Arc<Path>,
    started: Instant,
    /// Parts started and not finished.
    depth: usize,
    /// Whether "Reading symbols from ..." was said.
    announced: bool,
    /// When its last part finished, while no part is being read.
    ended: Option<Instant>,
    /// The last progress a part reported, while that part is read.
    progress: Option<(Part, usize, usize)>,
    /// When progress is next said, once announced.
    next_progress: Option<Instant>,
}

/// The timing of reads: what to say when a part starts or finishes, and what a timer says
/// when its deadline comes.
#[derive(Debug)]
pub(crate) struct Spans {
    /// Reading that takes longer than this is announced.
    threshold: Duration,
    span: Option<Span>,
}

impl Spans {
    /// Reads longer than `threshold` are announced.
    pub(crate) fn new(threshold: Duration) -> Spans {
        Spans {
            threshold,
            span: None,
        }
    }

    /// A part of the binary at `path` starts being read, at `now`.
    pub(crate) fn started(&mut self, path: &Arc<Path>, now: Instant) -> Vec<Notice> {
        match &mut self.span {
            // A part within a part: the same reading.
            Some(span) if span.depth > 0 => span.depth += 1,
            // The next part of the same binary, right after the last: the same reading.
            Some(span)
                if span.path == *path
                    && span
                        .ended
                        .is_some_and(|ended| now.duration_since(ended) <= GAP) =>
            {
                span.depth = 1;
                span.ended = None;
            }
            _ => {
                self.span = Some(Span {
                    path: path.clone(),
                    started: now,
                    depth: 1,
                    announced: false,
                    ended: None,
                    progress: None,
                    next_progress: None,
                });
            }
        }
        // Late already (a zero threshold, or the earlier parts took it all).
        self.due(now).0
    }

    /// The part being read says it has read `done` of its `total` units.
    pub(crate) fn progress(&mut self, part: Part, done: usize, total: usize) {
        if let Some(span) = self.span.as_mut().filter(|span| span.depth > 0) {
            span.progress = Some((part, done, total));
        }
    }

    /// `part` is read, at `now`. A reading that was announced is said to be done; one that
    /// took longer than the threshold without the timer getting to it (a busy machine) is
    /// announced and done at once, so the notice never depends on a thread's timing.
    pub(crate) fn finished(&mut self, part: Part, now: Instant) -> Vec<Notice> {
        let Some(span) = self.span.as_mut() else {
            return Vec::new();
        };
        if span.progress.is_some_and(|(reading, _, _)| reading == part) {
            span.progress = None;
        }
        span.depth = span.depth.saturating_sub(1);
        if span.depth > 0 {
            return Vec::new();
        }
        let elapsed = now.saturating_duration_since(span.started);
        let mut notices = Vec::new();
        if !span.announced && elapsed >= self.threshold {
            span.announced = true;
            notices.push(Notice::ReadingSymbols {
                path: span.path.to_path_buf(),
            });
        }
        if span.announced {
            notices.push(Notice::SymbolsRead {
                path: span.path.to_path_buf(),
                elapsed,
            });
            self.span = None;
        } else {
            span.ended = Some(now);
        }
        notices
    }

    /// What to say at `now`, and when to look again (`None`: only when a part starts or
    /// finishes).
    pub(crate) fn due(&mut self, now: Instant) -> (Vec<Notice>, Option<Instant>) {
        let Some(span) = self.span.as_mut() else {
            return (Vec::new(), None);
        };
        if span.depth == 0 {
            // Between parts, nothing is being waited for.
            return (Vec::new(), None);
        }
        let mut notices = Vec::new();
        if !span.announced {
            match span.started.checked_add(self.threshold) {
                Some(deadline) if now < deadline => return (notices, Some(deadline)),
                // A threshold past the end of time: never.
                None => return (notices, None),
                Some(_) => {
                    span.announced = true;
                    span.next_progress = now.checked_add(PROGRESS_EVERY);
                    notices.push(Notice::ReadingSymbols {
                        path: span.path.to_path_buf(),
                    });
                }
            }
        }
        if let Some(at) = span.next_progress.filter(|at| now >= *at) {
            if let Some((part, done, total)) = span.progress {
                notices.push(Notice::ReadingProgress {
                    path: span.path.to_path_buf(),
                    part,
                    done,
                    total,
                });
            }
            // Said at most every PROGRESS_EVERY, however late the timer woke.
            span.next_progress = at.max(now).checked_add(PROGRESS_EVERY);
        }
        (notices, span.next_progress)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    const HALF: Duration = Duration::from_millis(500);

    fn ms(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    fn path() -> Arc<Path> {
        Arc::from(Path::new("/bin/big"))
    }

    fn reading(path: &Arc<Path>) -> Notice {
        Notice::ReadingSymbols {
            path: path.to_path_buf(),
        }
    }

    fn read(path: &Arc<Path>, ms: u64) -> Notice {
        Notice::SymbolsRead {
            path: path.to_path_buf(),
            elapsed: Duration::from_millis(ms),
        }
    }

    #[test]
    fn a_quick_read_says_nothing_and_needs_no_timer_after_it() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(HALF);
        assert!(spans.started(&bin, t).is_empty());
        assert_eq!(spans.due(ms(t, 10)), (Vec::new(), Some(ms(t, 500))));
        assert!(spans.finished(Part::Symbols, ms(t, 20)).is_empty());
        assert_eq!(spans.due(ms(t, 600)), (Vec::new(), None));
    }

    #[test]
    fn a_slow_read_is_announced_at_the_deadline_and_done_when_it_ends() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(HALF);
        assert!(spans.started(&bin, t).is_empty());
        assert_eq!(spans.due(ms(t, 499)), (Vec::new(), Some(ms(t, 500))));
        let (said, next) = spans.due(ms(t, 500));
        assert_eq!(said, [reading(&bin)]);
        assert_eq!(next, Some(ms(t, 2500)));
        // Said once.
        assert_eq!(spans.due(ms(t, 501)).0, []);
        assert_eq!(spans.finished(Part::Names, ms(t, 2300)), [read(&bin, 2300)]);
        assert_eq!(spans.due(ms(t, 3000)), (Vec::new(), None));
    }

    #[test]
    fn a_threshold_past_the_end_of_time_never_announces() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(Duration::MAX);
        assert!(spans.started(&bin, t).is_empty());
        assert_eq!(spans.due(ms(t, 10_000)), (Vec::new(), None));
        assert!(spans.finished(Part::Names, ms(t, 20_000)).is_empty());
    }

    #[test]
    fn a_read_the_timer_missed_is_announced_when_it_ends() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(HALF);
        spans.started(&bin, t);
        assert_eq!(
            spans.finished(Part::Units, ms(t, 700)),
            [reading(&bin), read(&bin, 700)]
        );
    }

    #[test]
    fn with_a_zero_threshold_every_read_is_announced_when_it_starts() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(Duration::ZERO);
        assert_eq!(spans.started(&bin, t), [reading(&bin)]);
        assert_eq!(spans.finished(Part::Cfi, t), [read(&bin, 0)]);
    }

    #[test]
    fn parts_in_a_row_are_one_read_and_nested_parts_too() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(HALF);
        spans.started(&bin, t);
        assert!(spans.finished(Part::Symbols, ms(t, 300)).is_empty());
        // The units start 10 ms later, the scan within them.
        assert!(spans.started(&bin, ms(t, 310)).is_empty());
        assert!(spans.started(&bin, ms(t, 320)).is_empty());
        assert_eq!(spans.due(ms(t, 400)).1, Some(ms(t, 500)));
        assert_eq!(spans.due(ms(t, 500)).0, [reading(&bin)]);
        assert!(spans.finished(Part::InlinedCopies, ms(t, 900)).is_empty());
        assert_eq!(spans.finished(Part::Units, ms(t, 950)), [read(&bin, 950)]);
    }

    #[test]
    fn a_later_read_or_another_binary_starts_afresh() {
        let (t, bin) = (Instant::now(), path());
        let other: Arc<Path> = Arc::from(Path::new("/lib/other.so"));
        let mut spans = Spans::new(HALF);
        spans.started(&bin, t);
        spans.finished(Part::Symbols, ms(t, 400));
        // Long after: its own time counts.
        spans.started(&bin, ms(t, 1000));
        assert_eq!(spans.due(ms(t, 1100)).1, Some(ms(t, 1500)));
        spans.finished(Part::Symbols, ms(t, 1400));
        // Right after, but another binary.
        spans.started(&other, ms(t, 1410));
        assert_eq!(spans.due(ms(t, 1500)).1, Some(ms(t, 1910)));
        assert_eq!(spans.due(ms(t, 1910)).0, [reading(&other)]);
    }

    #[test]
    fn progress_is_said_every_two_seconds_while_known() {
        let (t, bin) = (Instant::now(), path());
        let mut spans = Spans::new(HALF);
        // The name index is built within the reading of the units.
        spans.started(&bin, t);
        spans.started(&bin, ms(t, 1));
        spans.progress(Part::Names, 10, 1000);
        assert_eq!(spans.due(ms(t, 500)).0, [reading(&bin)]);
        spans.progress(Part::Names, 400, 1000);
        let (said, next) = spans.due(ms(t, 2500));
        assert_eq!(
            said,
            [Notice::ReadingProgress {
                path: bin.to_path_buf(),
                part: Part::Names,
                done: 400,
                total: 1000
            }]
        );
        assert_eq!(next, Some(ms(t, 4500)));
        // A timer that wakes late does not say it twice in a row.
        spans.progress(Part::Names, 900, 1000);
        assert_eq!(spans.due(ms(t, 6000)).0.len(), 1);
        assert_eq!(spans.due(ms(t, 6100)), (Vec::new(), Some(ms(t, 8000))));
        // A finished part's progress is not said again.
        assert!(spans.finished(Part::Names, ms(t, 6300)).is_empty());
        assert_eq!(spans.due(ms(t, 8000)), (Vec::new(), Some(ms(t, 10000))));
        assert_eq!(spans.finished(Part::Units, ms(t, 8100)), [read(&bin, 8100)]);
    }
}
