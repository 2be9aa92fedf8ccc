//! Starting the program again in the same session (`run` and `start` after the first run, or
//! after `kill`): the old process is killed, a new one launched, and what the user set up —
//! breakpoints with their ids, hit counts, conditions and enabled state, watchpoints on
//! globals, syscall catchpoints, signal handling, value history — carries over. Breakpoints
//! are resolved again from what they were set on, as after an exec.

use std::collections::BTreeMap;

use dbg_process::Launch;
use dbg_sys::VirtAddr;

use super::Session;
use crate::error::Result;
use crate::event::Event;

impl Session {
    /// What `run` starts again: how the program was launched, or after `attach`, the attached
    /// program's executable without arguments.
    pub fn launch_config(&self) -> Option<&Launch> {
        self.launch.as_ref()
    }

    /// Kill the process if it is still there and launch `launch` in its place, stopped at its
    /// first instruction as [`Session::launch`] leaves it. Events: the old process's end,
    /// [`Event::Launched`], the libraries the dynamic linker reports, and watchpoints on
    /// locals that went with the old process. Breakpoints are resolved again (pending ones
    /// wait for their library as before; a location regained where it was is not reported
    /// again); enabled watchpoints on globals watch the same addresses again.
    pub fn restart(&mut self, launch: Launch) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        if self.is_alive() {
            self.ensure_stopped()?;
            events.extend(self.drop_local_watchpoints());
            events.extend(self.kill()?);
        }
        let mut process = launch.spawn()?;
        process.share_stop_request(self.interrupter.stop_request());
        self.process.pass_thread_listener(&mut process);
        let pid = process.pid();
        let old = std::mem::replace(self, Session::new(process));
        let watching = self.carry_over(old);
        self.launch = Some(launch);
        events.push(Event::Launched { pid });
        events.extend(self.start_library_tracking());
        events.extend(self.resolve_everywhere());
        for id in watching {
            // One that cannot be armed (its address is not mapped yet) stays disabled.
            let _ = self.enable_watchpoint(id);
        }
        Ok(events)
    }

    /// Take from the session of the old process what belongs to the user, not the process.
    /// Returns the watchpoints that were enabled (they are disabled until armed again).
    fn carry_over(&mut self, mut old: Session) -> Vec<u32> {
        let previous = old
            .breakpoints
            .all()
            .map(|bp| (bp.id, bp.locations.clone()))
            .collect();
        self.breakpoints = std::mem::take(&mut old.breakpoints);
        self.breakpoints.clear_locations();
        self.previous_locations = previous;
        self.watchpoints = std::mem::take(&mut old.watchpoints);
        let mut watching = Vec::new();
        for wp in self.watchpoints.by_id.values_mut() {
            if wp.enabled {
                watching.push(wp.id);
            }
            wp.enabled = false;
        }
        self.catch = std::mem::replace(&mut old.catch, crate::SyscallCatch::None);
        self.policies = std::mem::take(&mut old.policies);
        self.interrupter = std::mem::take(&mut old.interrupter);
        self.library_listener = std::mem::take(&mut old.library_listener);
        self.history = std::mem::take(&mut old.history);
        self.history_base = old.history_base;
        self.sources = std::mem::take(&mut old.sources);
        // Binaries already read stay read (a rerun does not read its symbols again).
        self.images = std::mem::take(&mut old.images);
        self.images.reset();
        watching
    }

    /// Watchpoints on locals end with their frame, and with the process: deleted, as gdb
    /// does, each with its event.
    fn drop_local_watchpoints(&mut self) -> Vec<Event> {
        let local: Vec<u32> = self
            .watchpoints
            .values
            .iter()
            .filter(|(_, watched)| watched.scope.is_some())
            .map(|(id, _)| *id)
            .collect();
        local
            .into_iter()
            .filter(|id| self.delete_watchpoint(*id).is_ok())
            .map(|id| Event::WatchpointScopeEnded { id })
            .collect()
    }

    /// In a new program (after exec or restart): every breakpoint resolved again in the
    /// binaries mapped now; libraries loaded later resolve the rest as they come.
    pub(super) fn resolve_everywhere(&mut self) -> Vec<Event> {
        let pid = self.pid();
        let images = self.images.all(pid);
        self.resolve_in(&images)
    }

    /// Whether a breakpoint's locations are the ones it had before the program started again
    /// (its resolution is then no news).
    pub(super) fn same_as_before(&self, id: u32, locations: &[VirtAddr]) -> bool {
        self.previous_locations
            .get(&id)
            .is_some_and(|before| locations.iter().all(|a| before.contains(a)))
    }
}

/// The locations breakpoints had before a restart, by id.
pub(super) type PreviousLocations = BTreeMap<u32, Vec<VirtAddr>>;
