//! Asking a running process to stop from another thread (a Ctrl-C handler), without touching
//! ptrace, which belongs to the thread that traces.
//!
//! A request is a flag, and the flag is what counts: the SIGSTOP the requester sends only wakes
//! a tracer blocked in `wait`. Two SIGSTOPs pending for one thread merge into one, so the
//! wake-up may be taken for one of the all-stop SIGSTOPs the tracer sent itself; the tracer
//! then still sees the flag and answers the request (see [`crate::Process::wait`]). The
//! requester sends only while the tracer says the process runs (the *gate* is open), under a
//! lock the tracer also takes to close the gate, so after closing it the tracer knows whether
//! a wake-up SIGSTOP was sent and can account for it (see `Process::close_gate`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use dbg_sys::thread as systhread;
use dbg_sys::{Pid, Signal};

/// A handle, shareable across threads, that asks a traced [`crate::Process`] to stop. Get one
/// with [`crate::Process::stop_request`].
#[derive(Debug, Clone, Default)]
pub struct StopRequest(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    requested: AtomicBool,
    gate: Mutex<Gate>,
}

/// Where a wake-up goes while the process runs, and whether one was sent.
#[derive(Debug, Default)]
struct Gate {
    /// (process, thread) to send the wake-up SIGSTOP to; `None` while nothing runs.
    target: Option<(Pid, Pid)>,
    /// A wake-up SIGSTOP was sent since the gate opened.
    sent: bool,
}

impl StopRequest {
    /// Ask for a stop. While the process runs, its next [`crate::Process::wait`] (or the
    /// current one) reports a stop — the interrupt itself, or another stop that came first;
    /// while it is stopped, the request waits for the next resume, which then stops at once.
    /// Returns whether the process was running (the request stands either way).
    pub fn request(&self) -> bool {
        self.0.requested.store(true, Ordering::SeqCst);
        let mut gate = self.gate();
        let Some((pid, tid)) = gate.target else {
            return false;
        };
        if systhread::tgkill(pid, tid, Signal::SIGSTOP).is_ok() {
            gate.sent = true;
        }
        true
    }

    /// Whether a stop was asked for and not answered or cleared yet.
    pub fn is_requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Forget a request (it was answered by a stop reported some other way).
    pub fn clear(&self) {
        self.0.requested.store(false, Ordering::SeqCst);
    }

    /// Whether the process is running (the gate is open).
    pub fn is_running(&self) -> bool {
        self.gate().target.is_some()
    }

    /// Take the request: true if there was one.
    pub(crate) fn take(&self) -> bool {
        self.0.requested.swap(false, Ordering::SeqCst)
    }

    /// From now on a request wakes thread `tid` of `pid`.
    pub(crate) fn open(&self, pid: Pid, tid: Pid) {
        let mut gate = self.gate();
        gate.target = Some((pid, tid));
    }

    /// Thread `from` is exiting: if wake-ups go to it, send them to `to` from now on (a
    /// zombie or vanished thread would swallow them), and if a request is already waiting, wake
    /// `to` now. `to` is `None` when no other thread runs.
    pub(crate) fn retarget(&self, from: Pid, to: Option<Pid>) {
        let mut gate = self.gate();
        let Some((pid, tid)) = gate.target else {
            return;
        };
        if tid != from {
            return;
        }
        // A wake-up sent to `from` dies with it.
        gate.sent = false;
        gate.target = to.map(|to| (pid, to));
        if let (Some(to), true) = (to, self.is_requested()) {
            if systhread::tgkill(pid, to, Signal::SIGSTOP).is_ok() {
                gate.sent = true;
            }
        }
    }

    /// No request sends anything from now on. Returns the thread a wake-up SIGSTOP was sent
    /// to since the gate opened, if one was.
    pub(crate) fn close(&self) -> Option<Pid> {
        let mut gate = self.gate();
        let target = gate.target.take();
        let sent = std::mem::take(&mut gate.sent);
        target.filter(|_| sent).map(|(_, tid)| tid)
    }

    fn gate(&self) -> MutexGuard<'_, Gate> {
        // A requester that panicked while holding the lock left a consistent `Gate` (two
        // plain fields): keep using it.
        self.0
            .gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
