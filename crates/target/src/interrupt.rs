//! Stopping a running tracee from another thread (the Ctrl-C handler), without touching
//! ptrace, which belongs to the session's thread.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use dbg_process::Pid;

#[derive(Debug, Default)]
pub(crate) struct Shared {
    pid: AtomicI32,
    running: AtomicBool,
    requested: AtomicBool,
    requested_idle: AtomicBool,
    /// A SIGSTOP was sent and its stop not seen yet.
    stop_sent: AtomicBool,
}

/// A handle, shareable across threads, that asks the session to stop.
#[derive(Debug, Clone, Default)]
pub struct Interrupter(pub(crate) Arc<Shared>);

impl Interrupter {
    /// Ask for a stop: long commands (`stepi N`) end early, and a running tracee is sent a
    /// SIGSTOP, which it cannot block (a SIGINT from the terminal may reach it too; whichever
    /// stop comes first is the interrupt, and the session swallows the other).
    pub fn interrupt(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        let pid = self.0.pid.load(Ordering::SeqCst);
        if !self.0.running.load(Ordering::SeqCst) {
            self.0.requested_idle.store(true, Ordering::SeqCst);
        } else if pid > 0 && dbg_process::request_stop(Pid::from_raw(pid)).is_ok() {
            self.0.stop_sent.store(true, Ordering::SeqCst);
        }
    }

    /// Whether a SIGSTOP was sent since the last call.
    pub(crate) fn take_stop_sent(&self) -> bool {
        self.0.stop_sent.swap(false, Ordering::SeqCst)
    }

    /// Whether the tracee is running (a `continue` is waiting for it).
    pub fn tracee_running(&self) -> bool {
        self.0.running.load(Ordering::SeqCst)
    }

    /// Whether an interrupt came while no command was running (a batch run stops then).
    pub fn requested_while_idle(&self) -> bool {
        self.0.requested_idle.load(Ordering::SeqCst)
    }

    /// Whether an interrupt was asked for since the last [`Interrupter::clear`].
    pub fn requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Forget a request.
    pub fn clear(&self) {
        self.0.requested.store(false, Ordering::SeqCst);
    }

    pub(crate) fn set_pid(&self, pid: Pid) {
        self.0.pid.store(pid.as_raw(), Ordering::SeqCst);
    }

    pub(crate) fn set_running(&self, running: bool) {
        self.0.running.store(running, Ordering::SeqCst);
    }
}
