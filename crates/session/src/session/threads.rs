//! The tracee's threads: listing them, selecting the current one, and the thread events
//! (created, exited, forked) that the process layer collected since the last report.

use dbg_process::{Pid, Reg, ThreadEvent};
use dbg_sys::VirtAddr;

use super::Session;
use crate::error::Result;
use crate::event::Event;

/// One thread of the stopped process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadInfo {
    /// Its id.
    pub tid: Pid,
    /// Whether it is the current thread (the one registers and `stepi` apply to).
    pub current: bool,
    /// Its program counter.
    pub pc: VirtAddr,
}

impl Session {
    /// Every thread, in tid order.
    pub fn threads(&mut self) -> Result<Vec<ThreadInfo>> {
        self.ensure_stopped()?;
        let current = self.process.current_thread();
        let tids: Vec<Pid> = self.process.threads().collect();
        let mut threads = Vec::with_capacity(tids.len());
        for tid in tids {
            let pc = self.guard(|process| process.read_thread_register(tid, Reg::Rip))?;
            threads.push(ThreadInfo {
                tid,
                current: tid == current,
                pc: VirtAddr::new(pc.as_u64()),
            });
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
        let mut events: Vec<Event> = self.process.take_events().map(thread_event).collect();
        // Library events seen where no event list was at hand (a step onto the linker's
        // hook) go out with the next ones.
        events.append(&mut self.queued_events);
        events
    }

    /// Hand library events (`LibraryLoaded`, `LibraryUnloaded`) and the breakpoint
    /// resolutions they cause to `listener` as they happen, while the process runs, instead
    /// of returning them with the command's other events.
    pub fn on_library_event(&mut self, listener: impl FnMut(&Event) + 'static) {
        self.library_listener = Some(super::EventListener(Box::new(listener)));
    }

    /// Events of the dynamic linker's hook: to the library listener when there is one,
    /// else into `events`.
    pub(super) fn library_events(&mut self, produced: Vec<Event>, events: &mut Vec<Event>) {
        match &mut self.library_listener {
            Some(listener) => produced.iter().for_each(|event| (listener.0)(event)),
            None => events.extend(produced),
        }
    }

    /// Hand thread events (`ThreadCreated`, `ThreadExited`, `Forked`) to `listener` as they
    /// happen, while the process runs, instead of returning them with the command's other
    /// events: a front end shows them then, as gdb shows `[New Thread ...]`.
    pub fn on_thread_event(&mut self, mut listener: impl FnMut(&Event) + 'static) {
        self.process
            .on_thread_event(move |event| listener(&thread_event(event)));
    }
}

/// The session's event for a thread event of the process layer.
fn thread_event(event: ThreadEvent) -> Event {
    match event {
        ThreadEvent::Created(tid) => Event::ThreadCreated { tid },
        ThreadEvent::Exited(tid) => Event::ThreadExited { tid },
        ThreadEvent::Forked(child) => Event::Forked { child },
    }
}
