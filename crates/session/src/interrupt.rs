//! Stopping a running tracee from another thread (the Ctrl-C handler), without touching
//! ptrace, which belongs to the session's thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use dbg_process::StopRequest;

#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Commands in progress (a front end marks a whole command, the session the ones that
    /// run the tracee; they nest).
    busy: AtomicUsize,
    requested_idle: AtomicBool,
    /// The session is to end (a termination signal): every later question about a request
    /// says yes, so no loop of steps or stops carries on.
    ending: AtomicBool,
}

/// A handle, shareable across threads, that asks the session to stop.
#[derive(Debug, Clone, Default)]
pub struct Interrupter {
    stop: StopRequest,
    shared: Arc<Shared>,
}

impl Interrupter {
    pub(crate) fn new(stop: StopRequest) -> Interrupter {
        Interrupter {
            stop,
            shared: Arc::default(),
        }
    }

    /// The process-layer handle requests go through (kept for the next process when the
    /// program is started again).
    pub(crate) fn stop_request(&self) -> StopRequest {
        self.stop.clone()
    }

    /// Ask for a stop: long commands (`stepi N`, `next`) end early, and a running tracee
    /// stops — exactly once, reported as an interrupt unless another stop comes first — even
    /// when the request lands between two of the many stops one command makes (a step over
    /// a breakpoint, an ignored hit).
    pub fn interrupt(&self) {
        let busy = self.shared.busy.load(Ordering::SeqCst) > 0;
        self.stop.request();
        if !busy {
            self.shared.requested_idle.store(true, Ordering::SeqCst);
        }
    }

    /// Ask the session to end: as [`Interrupter::interrupt`], and the request stands until
    /// the end ([`Interrupter::requested`] stays true), so that a command that makes many
    /// stops returns at its next one instead of running on.
    pub fn end(&self) {
        self.shared.ending.store(true, Ordering::SeqCst);
        self.interrupt();
    }

    /// Whether the tracee is running (a command is waiting for it to stop).
    pub fn tracee_running(&self) -> bool {
        self.stop.is_running()
    }

    /// Whether an interrupt came while no command was running (a batch run stops then).
    pub fn requested_while_idle(&self) -> bool {
        self.shared.requested_idle.load(Ordering::SeqCst)
    }

    /// Whether an interrupt was asked for and not answered or cleared since, or the session
    /// is ending ([`Interrupter::end`]).
    pub fn requested(&self) -> bool {
        self.stop.is_requested() || self.shared.ending.load(Ordering::SeqCst)
    }

    /// Forget a request.
    pub fn clear(&self) {
        self.stop.clear();
    }

    /// Mark a command as in progress until the guard is dropped: an interrupt meanwhile is
    /// a request to that command ([`Interrupter::requested`]), not one while idle.
    pub fn busy(&self) -> Busy {
        self.shared.busy.fetch_add(1, Ordering::SeqCst);
        Busy(self.shared.clone())
    }
}

/// Marks a command in progress; see [`Interrupter::busy`].
#[derive(Debug)]
pub struct Busy(Arc<Shared>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}
