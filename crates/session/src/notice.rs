//! Notices: what a front end tells the user while it happens, outside any command's events.
//! Today one kind, gdb's "Reading symbols from ...": said only when reading a binary's
//! symbols or debug information takes longer than a threshold (0.5 s by default), at the
//! moment the threshold passes — by a timer thread, since the session's thread is busy
//! reading — and then when it is done.
//!
//! The binaries report each part they read ([`dbg_symbols::Module::with_progress`]); the
//! session times them ([`spans`]) and hands [`Notice`]s to the front end's listener, from
//! the reading thread or the timer's. The timer touches neither the process nor the
//! session: it sees only the timing state and the listener, both `Send`.

mod spans;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use dbg_symbols::{Part, Progress, Reading};

use spans::Spans;

/// How long reading a binary's symbols may take before the user is told (gdb's feel: a
/// pause a person notices).
pub const SLOW_READING: Duration = Duration::from_millis(500);

/// Something to tell the user as it happens. Typed: the words are the front end's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// Reading the symbols or debug information of the binary at `path` has taken longer
    /// than the threshold and goes on (gdb's `Reading symbols from PATH...`).
    ReadingSymbols {
        /// The binary, or its separate debug file.
        path: PathBuf,
    },
    /// How far that reading has got: `done` of `total` units of `part` (said every few
    /// seconds of a long reading, when the part counts its units).
    ReadingProgress {
        /// The binary.
        path: PathBuf,
        /// What is being read.
        part: Part,
        /// Units read.
        done: usize,
        /// Units in all.
        total: usize,
    },
    /// The reading announced with [`Notice::ReadingSymbols`] is done, after `elapsed`.
    SymbolsRead {
        /// The binary.
        path: PathBuf,
        /// How long it took, from its first part's start.
        elapsed: Duration,
    },
}

/// A front end's listener for notices; called from the session's thread or the timer's.
type Listener = Arc<dyn Fn(&Notice) + Send + Sync>;

/// What the reading threads and the timer share.
struct Shared {
    state: Mutex<State>,
    /// Wakes the timer: a reading started or ended, or the session is gone.
    wake: Condvar,
}

struct State {
    spans: Spans,
    /// No listener: reports are dropped at once.
    listener: Option<Listener>,
    /// The session is gone: the timer ends.
    closed: bool,
    /// A timer thread runs.
    timer: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent between any two statements that could panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The session's side of notices: hands each binary a progress hook, and owns the timer
/// (ended when this is dropped).
pub(crate) struct Notices {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Notices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notices").finish_non_exhaustive()
    }
}

impl Default for Notices {
    fn default() -> Notices {
        Notices {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    spans: Spans::new(SLOW_READING),
                    listener: None,
                    closed: false,
                    timer: false,
                }),
                wake: Condvar::new(),
            }),
        }
    }
}

impl Drop for Notices {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
    }
}

impl Notices {
    /// Tell `listener` about reading that takes longer than `threshold`, and start the
    /// timer that says so when the threshold passes. Without a timer (no thread could be
    /// made), a slow reading is still announced, when it ends.
    pub(crate) fn listen(&self, threshold: Duration, listener: Listener) {
        let mut state = self.shared.lock();
        state.spans = Spans::new(threshold);
        state.listener = Some(listener);
        if !state.timer {
            let shared = self.shared.clone();
            state.timer = std::thread::Builder::new()
                .name("dbg-notices".into())
                .spawn(move || timer(&shared))
                .is_ok();
        }
    }

    /// The progress hook for the binary (or debug file) at `path`.
    pub(crate) fn hook(&self, path: &Path) -> Progress {
        let shared = self.shared.clone();
        let path: Arc<Path> = Arc::from(path);
        Box::new(move |reading| report(&shared, &path, reading))
    }
}

/// A binary's report: timed, and any notice it makes said now (under the lock, so that
/// the timer's notices and these come out in order).
fn report(shared: &Shared, path: &Arc<Path>, reading: Reading) {
    let mut state = shared.lock();
    let Some(listener) = state.listener.clone() else {
        return;
    };
    let now = Instant::now();
    let notices = match reading {
        Reading::Started(_) => state.spans.started(path, now),
        Reading::Progress { part, done, total } => {
            state.spans.progress(part, done, total);
            return;
        }
        Reading::Finished(part) => state.spans.finished(part, now),
    };
    notices.iter().for_each(|notice| listener(notice));
    // The deadline changed: the timer looks again.
    shared.wake.notify_all();
}

/// The timer: sleeps until the next deadline (or until woken), says what is due.
fn timer(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if state.closed {
            return;
        }
        let (notices, next) = state.spans.due(Instant::now());
        if let Some(listener) = state.listener.clone() {
            notices.iter().for_each(|notice| listener(notice));
        }
        state = match next {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                shared
                    .wake
                    .wait_timeout(state, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::sync::mpsc;

    /// The timer says "Reading symbols" while the part is still being read: the reading
    /// thread waits for it (a channel, no sleep) before finishing.
    #[test]
    fn the_timer_announces_a_reading_while_it_goes_on() {
        let notices = Notices::default();
        let (said, heard) = mpsc::channel();
        let said = Mutex::new(said);
        notices.listen(
            Duration::from_millis(1),
            Arc::new(move |notice: &Notice| {
                let _ = said.lock().unwrap().send(notice.clone());
            }),
        );
        let hook = notices.hook(Path::new("/bin/big"));
        hook(Reading::Started(Part::Names));
        let first = heard.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(
            first,
            Notice::ReadingSymbols {
                path: "/bin/big".into()
            }
        );
        hook(Reading::Finished(Part::Names));
        let done = heard.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(
            matches!(done, Notice::SymbolsRead { ref path, elapsed }
                if path == Path::new("/bin/big") && elapsed >= Duration::from_millis(1)),
            "{done:?}"
        );
        assert!(heard.try_recv().is_err());
    }

    #[test]
    fn without_a_listener_nothing_is_timed() {
        let notices = Notices::default();
        let hook = notices.hook(Path::new("/bin/big"));
        hook(Reading::Started(Part::Symbols));
        hook(Reading::Finished(Part::Symbols));
        assert_eq!(
            notices.shared.lock().spans.due(Instant::now()),
            (vec![], None)
        );
    }
}
