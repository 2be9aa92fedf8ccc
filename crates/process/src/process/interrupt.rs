//! Ctrl-C: the stop request's gate, the stop that answers a request, interrupting the
//! program, and signals already answered or still pending.

use dbg_sys::thread as systhread;
use dbg_sys::{Pid, Signal};

use super::Process;
use crate::error::{Error, Result};
use crate::stop::{SignalOrigin, Stop};
use crate::stop_request::StopRequest;

impl Process {
    /// A stop by the interrupt's own SIGSTOP answers the request.
    pub(super) fn answered(&self, stop: &Stop) {
        if stop.signal == Signal::SIGSTOP
            && stop.origin == SignalOrigin::Process(std::process::id() as i32)
        {
            self.stop_request.clear();
        }
    }

    /// Nothing runs now: no more wake-ups for requests. If one was sent and has not arrived
    /// (it is still pending for its thread, which is stopped), it will arrive when the thread
    /// runs again and is swallowed then, like one of ours.
    pub(super) fn close_gate(&mut self) {
        let Some(tid) = self.stop_request.close() else {
            return;
        };
        // A wake-up is sent to the thread alone (tgkill): its own mask.
        let pending = pending_in(self.pid, tid, Signal::SIGSTOP, &["SigPnd:"]);
        if let Some(thread) = self.threads.get_mut(&tid) {
            if pending {
                thread.sigstop_queued = true;
            }
        }
    }

    /// The handle another thread uses to ask for a stop (Ctrl-C).
    pub fn stop_request(&self) -> StopRequest {
        self.stop_request.clone()
    }

    /// Answer stop requests made through `request` from now on, instead of through this
    /// process's own handle: a debugger that starts its program again keeps the handle its
    /// Ctrl-C watcher holds. A request still standing from before is forgotten.
    pub fn share_stop_request(&mut self, request: StopRequest) {
        let _ = request.close();
        request.clear();
        self.stop_request = request;
    }

    /// Ask the running process to stop (as Ctrl-C would): the stop is reported by `wait`.
    pub fn interrupt(&self) -> Result<()> {
        systhread::kill(self.pid, Signal::SIGINT).map_err(Error::from)
    }

    /// Resume the next stop by `signal` without reporting or delivering it (it answers a
    /// request already answered, e.g. the terminal's SIGINT after an interrupt).
    pub fn swallow_next(&mut self, signal: Signal) {
        self.swallow = Some(signal);
    }

    /// Whether `signal` is pending for the process or one of its threads (`/proc`), e.g. a
    /// terminal Ctrl-C that has not been delivered yet.
    pub fn signal_pending(&self, signal: Signal) -> bool {
        self.threads
            .keys()
            .any(|tid| pending_in(self.pid, *tid, signal, &["ShdPnd:", "SigPnd:"]))
    }
}

/// The stop that answers a [`StopRequest`] no other stop answered: what the request's own
/// SIGSTOP to `tid` would have been.
pub(super) fn interrupt_stop(tid: Pid) -> Stop {
    Stop {
        tid,
        signal: Signal::SIGSTOP,
        trap: None,
        fault_addr: None,
        origin: SignalOrigin::Process(std::process::id() as i32),
        breakpoint: None,
        debug_status: None,
    }
}

/// Whether `signal` is in one of the pending masks `fields` (`SigPnd:`: the thread's own,
/// `ShdPnd:`: the process's) of thread `tid` of `pid`, from its `/proc` status.
fn pending_in(pid: Pid, tid: Pid, signal: Signal, fields: &[&str]) -> bool {
    let bit = 1u64 << (signal as i32 - 1);
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).is_ok_and(|status| {
        status.lines().any(|line| {
            fields
                .iter()
                .find_map(|field| line.strip_prefix(field))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .is_some_and(|mask| mask & bit != 0)
        })
    })
}
