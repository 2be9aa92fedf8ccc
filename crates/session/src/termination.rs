//! Ending the debugger from outside: SIGTERM, SIGHUP and SIGQUIT, and a panic on a thread
//! that is not the tracer's, become one request — "end the session as `quit` does" — that
//! every front end answers on its tracer thread (ptrace answers no other thread).
//!
//! The signals are caught on a thread of their own (signal-hook's iterator: the handler only
//! writes to a pipe, everything else runs on that thread). What a request does is up to the
//! front end, which registers hooks with [`Termination::on_request`]: stop a running tracee
//! through its [`crate::Interrupter`], wake a loop blocked reading its input, shut a socket.
//! The front end then sees [`Termination::received`] and ends the session the ordinary way
//! (kill what it launched, detach from what it attached to), and exits with
//! [`Cause::exit_code`].
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! let termination = dbg_session::Termination::watch()?;
//! # let interrupter = dbg_session::Interrupter::default();
//! termination.on_request(move |_| interrupter.end());
//! // ... run commands, and after each one:
//! if let Some(cause) = termination.received() {
//!     // end the session, then exit with `cause.exit_code()`
//! #   let _ = cause;
//! }
//! # Ok(())
//! # }
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock, TryLockError};

use dbg_process::Signal;

/// The signals that end the debugger as `quit` does.
pub const TERMINATION_SIGNALS: [Signal; 3] = [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT];

/// The exit status of a debugger that panicked (Rust's own for a panicking `main`).
const PANIC_EXIT: u8 = 101;

/// Why the debugger is asked to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// One of [`TERMINATION_SIGNALS`] arrived.
    Signal(Signal),
    /// A thread other than the tracer's panicked.
    Panic,
}

impl Cause {
    /// The conventional exit status: 128 + the signal's number, or 101 after a panic.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Cause::Signal(signal) => {
                ExitCode::from(u8::try_from(128 + signal as i32).unwrap_or(u8::MAX))
            }
            Cause::Panic => ExitCode::from(PANIC_EXIT),
        }
    }

    /// The encoding kept in an atomic (0: none).
    fn encode(self) -> i32 {
        match self {
            Cause::Signal(signal) => signal as i32,
            Cause::Panic => -1,
        }
    }

    fn decode(raw: i32) -> Option<Cause> {
        match raw {
            0 => None,
            -1 => Some(Cause::Panic),
            signo => Signal::try_from(signo).ok().map(Cause::Signal),
        }
    }
}

type Hook = Box<dyn Fn(Cause) + Send>;

/// The process-wide request to end (signals are process-wide too): get it with
/// [`Termination::watch`].
pub struct Termination {
    /// The first cause received ([`Cause::encode`]); 0 while none.
    cause: AtomicI32,
    hooks: Mutex<Vec<Hook>>,
}

impl std::fmt::Debug for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Termination")
            .field("cause", &self.received())
            .finish_non_exhaustive()
    }
}

static TERMINATION: OnceLock<Termination> = OnceLock::new();
static WATCHING: OnceLock<std::io::Result<()>> = OnceLock::new();

impl Termination {
    /// The process's termination request, without catching any signal (a panic on a helper
    /// thread still reaches it).
    pub fn get() -> &'static Termination {
        TERMINATION.get_or_init(|| Termination {
            cause: AtomicI32::new(0),
            hooks: Mutex::new(Vec::new()),
        })
    }

    /// Catch [`TERMINATION_SIGNALS`] from now on (once per process; later calls return the
    /// same request) and turn each into a request.
    pub fn watch() -> std::io::Result<&'static Termination> {
        let termination = Termination::get();
        let started = WATCHING.get_or_init(|| {
            let numbers = TERMINATION_SIGNALS.map(|signal| signal as i32);
            let mut signals = signal_hook::iterator::Signals::new(numbers)?;
            std::thread::Builder::new()
                .name("dbg-termination".into())
                .spawn(move || {
                    for signo in signals.forever() {
                        if let Ok(signal) = Signal::try_from(signo) {
                            termination.request(Cause::Signal(signal));
                        }
                    }
                })?;
            Ok(())
        });
        match started {
            Ok(()) => Ok(termination),
            Err(error) => Err(std::io::Error::new(error.kind(), error.to_string())),
        }
    }

    /// Ask the front end to end. The first cause is kept; every request runs the hooks
    /// (a second SIGTERM while the first is being answered wakes whatever still blocks).
    pub fn request(&self, cause: Cause) {
        self.record(cause);
        let hooks = self
            .hooks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.run(&hooks, cause);
    }

    /// [`Termination::request`] from a panic hook: the panicking code may be a hook itself,
    /// holding the lock on this very thread, so the lock is only tried (then the request is
    /// recorded, and the front end sees it after its current command).
    pub(crate) fn request_from_panic(&self) {
        self.record(Cause::Panic);
        match self.hooks.try_lock() {
            Ok(hooks) => self.run(&hooks, Cause::Panic),
            Err(TryLockError::Poisoned(poisoned)) => self.run(&poisoned.into_inner(), Cause::Panic),
            Err(TryLockError::WouldBlock) => {}
        }
    }

    fn record(&self, cause: Cause) {
        let _ = self
            .cause
            .compare_exchange(0, cause.encode(), Ordering::SeqCst, Ordering::SeqCst);
    }

    fn run(&self, hooks: &[Hook], cause: Cause) {
        let cause = self.received().unwrap_or(cause);
        for hook in hooks {
            hook(cause);
        }
    }

    /// Run `hook` on every request from now on (on the thread that received it: the signal
    /// thread, or a panicking one); at once if a request came already.
    pub fn on_request(&self, hook: impl Fn(Cause) + Send + 'static) {
        let hook: Hook = Box::new(hook);
        // After registering, not before: a request that came meanwhile ran the other hooks
        // but not this one. Hooks may run twice; each is idempotent.
        self.hooks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(hook);
        if let Some(cause) = self.received() {
            let hooks = self
                .hooks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(hook) = hooks.last() {
                hook(cause);
            }
        }
    }

    /// The first request's cause, if one came.
    pub fn received(&self) -> Option<Cause> {
        Cause::decode(self.cause.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    fn fresh() -> Termination {
        Termination {
            cause: AtomicI32::new(0),
            hooks: Mutex::new(Vec::new()),
        }
    }

    #[test]
    fn causes_round_trip_and_give_the_conventional_status() {
        for cause in [
            Cause::Signal(Signal::SIGTERM),
            Cause::Signal(Signal::SIGHUP),
            Cause::Signal(Signal::SIGQUIT),
            Cause::Panic,
        ] {
            assert_eq!(Cause::decode(cause.encode()), Some(cause));
        }
        assert_eq!(Cause::decode(0), None);
        assert_eq!(
            format!("{:?}", Cause::Signal(Signal::SIGTERM).exit_code()),
            format!("{:?}", ExitCode::from(143))
        );
        assert_eq!(
            format!("{:?}", Cause::Panic.exit_code()),
            format!("{:?}", ExitCode::from(101))
        );
    }

    #[test]
    fn the_first_cause_is_kept_and_every_request_runs_every_hook() {
        let termination = fresh();
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        termination.on_request(move |cause| {
            assert_eq!(cause, Cause::Signal(Signal::SIGHUP));
            counted.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        termination.request(Cause::Signal(Signal::SIGHUP));
        termination.request(Cause::Signal(Signal::SIGTERM));
        termination.request_from_panic();
        assert_eq!(termination.received(), Some(Cause::Signal(Signal::SIGHUP)));
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        // A hook registered after a request runs at once.
        let late = Arc::new(AtomicUsize::new(0));
        let counted = late.clone();
        termination.on_request(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(late.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_panic_inside_a_hook_does_not_wait_for_the_lock_it_holds() {
        let termination = Arc::new(fresh());
        let inner = termination.clone();
        let reentered = Arc::new(AtomicUsize::new(0));
        let counted = reentered.clone();
        termination.on_request(move |_| {
            // What the panic hook does when a hook panics: on this thread, with the lock held.
            inner.request_from_panic();
            counted.fetch_add(1, Ordering::SeqCst);
        });
        termination.request(Cause::Signal(Signal::SIGQUIT));
        assert_eq!(reentered.load(Ordering::SeqCst), 1);
        assert_eq!(termination.received(), Some(Cause::Signal(Signal::SIGQUIT)));
    }
}
