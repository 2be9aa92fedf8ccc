//! Breakpoint hits counted in the tracee. A breakpoint with hits to ignore, alone at its one
//! site (no condition, no other owner), has them let pass by a counting trampoline
//! (`dbg_memory::scratch`): an ignored hit then costs no stop at all, and the hit after the
//! last one ignored traps and is reported as any other. The breakpoint's hit and ignore counts
//! stay those of gdb: the tracee's counts are taken at every decision at a site and at every
//! stop reported, and a thread found inside a trampoline is taken back to its site as if it
//! had not reached it yet.

use dbg_memory::SiteOwner;
use dbg_process::Pid;
use dbg_sys::VirtAddr;

use super::Session;
use crate::error::Result;

impl Session {
    /// Whether breakpoint hits to ignore may be counted in the tracee (the default) or are
    /// each a stop decided by the debugger.
    pub fn set_counting_in_tracee(&mut self, on: bool) {
        self.count_in_tracee = on;
    }

    /// Which sites count their hits in the tracee now.
    pub fn counting_sites(&self) -> Vec<VirtAddr> {
        self.sites.counting_sites().collect()
    }

    /// How many hits the site at `addr` is to let pass, if it may count them in the tracee.
    fn countable(&self, addr: VirtAddr) -> Option<u64> {
        if !self.count_in_tracee {
            return None;
        }
        let mut owners = self.sites.owners(addr);
        let (Some(SiteOwner::Breakpoint(id)), None) = (owners.next(), owners.next()) else {
            return None;
        };
        let bp = self.breakpoints.get(id)?;
        let plain = bp.enabled
            && bp.ignore > 0
            && bp.condition.is_none()
            && !bp.hardware
            && !bp.temporary
            && bp.locations.len() == 1;
        plain.then_some(bp.ignore)
    }

    /// Before the threads run (every one stopped, none in a trampoline): counts taken, sites
    /// that may no longer count made to trap again, counters given the ignore counts the user
    /// changed, and sites that may count (with an out-of-line copy already) made to.
    pub(super) fn arrange_counting(&mut self) -> Result<()> {
        self.settle_counts()?;
        let counting: Vec<VirtAddr> = self.sites.counting_sites().collect();
        for addr in counting {
            match self.countable(addr) {
                None => self.sites.disarm(&self.memory, addr)?,
                Some(left) if self.sites.count_left(addr) != Some(left) => {
                    self.sites.set_count(&self.memory, addr, left)?;
                }
                Some(_) => {}
            }
        }
        if self.count_in_tracee {
            if self.breakpoints.ignoring() {
                self.sites
                    .map_missing_counters(&mut self.process, &self.memory);
            }
            let candidates: Vec<VirtAddr> = self
                .breakpoints
                .all()
                .filter(|bp| bp.enabled && bp.ignore > 0 && bp.locations.len() == 1)
                .filter_map(|bp| bp.locations.first().copied())
                .collect();
            for addr in candidates {
                self.count_from_now(addr)?;
            }
        }
        self.keep_counters_at_exit();
        self.settle_counts()
    }

    /// After a hit at `addr` was set to run its out-of-line copy: the next hits are counted
    /// in the tracee if the site may count them.
    pub(super) fn count_from_now(&mut self, addr: VirtAddr) -> Result<()> {
        if self.sites.is_counting(addr) {
            return Ok(());
        }
        if let Some(left) = self.countable(addr) {
            if self.sites.arm_counting(&self.memory, addr, left)? {
                self.keep_counters_at_exit();
            }
        }
        Ok(())
    }

    /// A hit at the site at `addr` was counted by the debugger while the site counts in the
    /// tracee (a trap due before the user raised the ignore count, a step onto the site):
    /// the counter no longer matches what the breakpoint ignores, so the site traps again
    /// until a hit next runs out of line and it counts from there. Other threads are stopped
    /// first if they run; one inside a trampoline is taken back to its site.
    pub(super) fn recount(&mut self, addr: VirtAddr) -> Result<Option<dbg_process::StopReason>> {
        if !self.sites.is_counting(addr) {
            return Ok(None);
        }
        if let Some(end) = self.gather()? {
            return Ok(Some(end));
        }
        self.leave_trampolines()?;
        self.sites.disarm(&self.memory, addr)?;
        self.settle_counts()?;
        Ok(None)
    }

    /// Add the hits let pass in the tracee to their breakpoints' counts (and take them off
    /// the hits still to ignore).
    pub(super) fn settle_counts(&mut self) -> Result<()> {
        let counts = self.sites.take_counts(&self.memory)?;
        self.add_counts(counts);
        Ok(())
    }

    /// The process ended: the hits let pass since the last stop, from the counters' values
    /// the process layer read as its threads exited.
    pub(super) fn settle_final_counts(&mut self) {
        let last = self.process.words_at_exit();
        let counts = self.sites.take_final_counts(&last);
        self.add_counts(counts);
    }

    fn add_counts(&mut self, counts: Vec<(u32, i64)>) {
        for (id, passed) in counts {
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.hits = bp.hits.saturating_add_signed(passed);
                bp.ignore = bp.ignore.saturating_add_signed(-passed);
            }
        }
    }

    /// Tell the process layer which counters to read when the process ends.
    fn keep_counters_at_exit(&mut self) {
        let counters = self.sites.counters();
        self.process.keep_at_exit(counters);
    }

    /// With every thread stopped: any thread inside a counting trampoline (or a copy) is
    /// moved to the program's own address for where it is. A thread taken back to a site
    /// stays marked as not having reached it until it is seen anywhere else (it may not have
    /// run at all before the next stop).
    pub(super) fn leave_trampolines(&mut self) -> Result<()> {
        if !self.sites.trampolines_written() {
            self.entering.clear();
            return Ok(());
        }
        let tids: Vec<Pid> = self.process.threads().collect();
        for tid in tids {
            let pc = match self
                .process
                .read_thread_register(tid, dbg_process::Reg::Rip)
            {
                Ok(pc) => VirtAddr::new(pc.as_u64()),
                Err(_) => continue,
            };
            if self.sites.in_scratch(pc) {
                self.leave_scratch(tid)?;
            } else if !self.sites.is_inserted(pc) {
                self.entering.remove(&tid);
            }
        }
        let alive: Vec<Pid> = self.process.threads().collect();
        self.entering.retain(|tid| alive.contains(tid));
        Ok(())
    }
}
