//! Thread bookkeeping: threads coming into being (possibly seen before their creator's clone
//! event) and going away.

use dbg_sys::Pid;

use super::{Process, Thread, Want};
use crate::stop::ThreadEvent;

impl Process {
    /// Whether `tid` is a thread of our process we have not heard of yet (a clone whose first
    /// stop arrives before its parent's clone event).
    pub(super) fn is_our_thread(&self, tid: Pid) -> bool {
        let path = format!("/proc/{}/task/{}", self.pid, tid);
        std::path::Path::new(&path).exists()
    }

    /// Add a thread that has just come into being: it is running (it has not stopped yet),
    /// its first stop is the kernel's SIGSTOP, and it does what its creator does.
    pub(super) fn add_thread(&mut self, tid: Pid, want: Want) {
        self.threads.insert(
            tid,
            Thread {
                running: true,
                sigstop_queued: true,
                fresh: true,
                want,
                ..Thread::default()
            },
        );
        self.record(ThreadEvent::Created(tid));
    }

    /// Whether no thread is running or due to report: nothing the current resume set going
    /// is left (the held threads never report).
    pub(super) fn nothing_moves(&self) -> bool {
        !self.threads.values().any(|thread| thread.running)
            && !self
                .pending
                .iter()
                .any(|stop| !self.held.contains(&stop.tid))
    }

    /// What a thread created now is to do: run if the others run, else stay stopped.
    pub(super) fn creator_want(&self, creator: Pid) -> Want {
        match self.threads.get(&creator).map(|t| t.want) {
            Some(Want::Run(mode)) => Want::Run(mode),
            _ => Want::Hold,
        }
    }

    pub(super) fn thread_gone(&mut self, tid: Pid) {
        if self.threads.remove(&tid).is_some() {
            self.record(ThreadEvent::Exited(tid));
        }
        self.pending.retain(|stop| stop.tid != tid);
        if self.current == tid {
            self.current = self.first_live_thread();
        }
        self.retarget_wake_up(tid);
    }

    /// Thread `tid` is exiting or gone: a Ctrl-C wake-up aimed at it goes to a thread that
    /// still runs.
    pub(super) fn retarget_wake_up(&self, tid: Pid) {
        let to = self
            .threads
            .iter()
            .find(|(other, t)| **other != tid && t.running && !t.exiting)
            .map(|(other, _)| *other);
        self.stop_request.retarget(tid, to);
    }
}
