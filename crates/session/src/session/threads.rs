//! The tracee's threads: listing them, selecting the current one, and the thread events
//! (created, exited, forked) that the process layer collected since the last report.

use dbg_process::{Pid, Process, ThreadEvent};

use super::Session;
use crate::error::Result;
use crate::event::Event;

impl Session {
    /// Every thread, in tid order: whether it is the current one, and its pc.
    pub fn threads(&mut self) -> Result<Vec<(Pid, bool, dbg_sys::VirtAddr)>> {
        self.ensure_stopped()?;
        let current = self.process.current_thread();
        let tids: Vec<Pid> = self.process.threads().collect();
        let mut threads = Vec::with_capacity(tids.len());
        for tid in tids {
            self.process.select_thread(tid)?;
            let pc = self.guard(Process::pc);
            if self.is_alive() {
                self.process.select_thread(current)?;
            }
            threads.push((tid, tid == current, pc?));
        }
        Ok(threads)
    }

    /// Make `tid` the thread that registers and `stepi` apply to.
    pub fn select_thread(&mut self, tid: Pid) -> Result<()> {
        self.ensure_stopped()?;
        self.process.select_thread(tid)?;
        self.forget_frames();
        Ok(())
    }

    pub(super) fn thread_events(&mut self) -> Vec<Event> {
        self.process
            .take_events()
            .map(|event| match event {
                ThreadEvent::Created(tid) => Event::ThreadCreated { tid },
                ThreadEvent::Exited(tid) => Event::ThreadExited { tid },
                ThreadEvent::Forked(child) => Event::Forked { child },
            })
            .collect()
    }
}
