//! The session's breakpoint commands (set, enable, disable, delete, ignore) and the `int3`
//! sites under software breakpoints: inserting and releasing them, planning how to run the
//! instruction each one covers, and forgetting them all when the program execs. The
//! `Breakpoint` type itself is in `crate::breakpoints`.

use dbg_memory::{displaced, Mappings, Memory};
use dbg_watch::Watch;

use super::{Session, MAX_INSTRUCTION};
use crate::breakpoints::Breakpoint;
use crate::error::{Error, Result};
use crate::watchpoints::SlotOwner;

impl Session {
    /// Set a breakpoint at `addr` (which must be mapped and executable): an `int3`, or with
    /// `hardware` a debug-register slot (invisible to the program, one stop per hit); its next
    /// `ignore` hits will not stop. Several software breakpoints may share an address.
    pub fn set_breakpoint(&mut self, addr: u64, ignore: u64, hardware: bool) -> Result<Breakpoint> {
        self.set_breakpoint_locations(vec![addr], format!("{addr:#x}"), ignore, hardware)
    }

    /// Set one breakpoint over `locations` (all inserted, or none); `spec` is what the user
    /// typed. A hardware breakpoint takes one debug register, so it has one location.
    pub(crate) fn set_breakpoint_locations(
        &mut self,
        locations: Vec<u64>,
        spec: String,
        ignore: u64,
        hardware: bool,
    ) -> Result<Breakpoint> {
        self.ensure_stopped()?;
        let mappings = Mappings::read(self.pid())?;
        for addr in &locations {
            mappings.check_executable(*addr)?;
        }
        if hardware {
            let [addr] = locations.as_slice() else {
                return Err(Error::HardwareLocations(locations.len()));
            };
            let id = self.breakpoints.next_id();
            self.take_slot(Watch::execute(*addr)?, SlotOwner::Breakpoint(id))?;
        } else {
            self.insert_sites(&locations)?;
        }
        Ok(self
            .breakpoints
            .add(locations, spec, ignore, hardware)
            .clone())
    }

    /// Every breakpoint, by id.
    pub fn breakpoints(&self) -> Vec<Breakpoint> {
        self.breakpoints.all().cloned().collect()
    }

    /// Enable breakpoint `id` (its `int3` goes back in, or it takes a slot again).
    pub fn enable_breakpoint(&mut self, id: u32) -> Result<()> {
        let bp = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        if !bp.enabled {
            self.ensure_stopped()?;
            let (locations, hardware) = (bp.locations.clone(), bp.hardware);
            if hardware {
                for addr in &locations {
                    self.take_slot(Watch::execute(*addr)?, SlotOwner::Breakpoint(id))?;
                }
            } else {
                self.insert_sites(&locations)?;
            }
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.enabled = true;
            }
        }
        Ok(())
    }

    /// Disable breakpoint `id` (its `int3` comes out unless another breakpoint uses the site;
    /// a hardware one frees its slot).
    pub fn disable_breakpoint(&mut self, id: u32) -> Result<()> {
        let bp = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        if bp.enabled {
            self.ensure_stopped()?;
            let (locations, hardware) = (bp.locations.clone(), bp.hardware);
            if hardware {
                self.free_slot(SlotOwner::Breakpoint(id))?;
            } else {
                for addr in locations {
                    self.release_site(addr)?;
                }
            }
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.enabled = false;
            }
        }
        Ok(())
    }

    /// Delete breakpoint `id`.
    pub fn delete_breakpoint(&mut self, id: u32) -> Result<()> {
        let bp = self
            .breakpoints
            .get(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        if bp.enabled && self.is_alive() {
            self.disable_breakpoint(id)?;
        }
        self.breakpoints.remove(id);
        if self.last_breakpoint == Some(id) {
            self.last_breakpoint = None;
        }
        Ok(())
    }

    /// Let the next `count` hits of breakpoint `id` pass.
    pub fn ignore_breakpoint(&mut self, id: u32, count: u64) -> Result<()> {
        let bp = self
            .breakpoints
            .get_mut(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        bp.ignore = count;
        Ok(())
    }

    pub(super) fn insert_site(&mut self, addr: u64) -> Result<()> {
        self.sites.add(&self.memory, addr)?;
        if let Some(original) = self.sites.original(addr) {
            self.process.add_breakpoint(addr, original);
        }
        if !self.plans.contains_key(&addr) {
            self.plan_site(addr);
        }
        Ok(())
    }

    /// Insert a site at each of `locations`: all of them, or (on an error) none.
    fn insert_sites(&mut self, locations: &[u64]) -> Result<()> {
        for (done, addr) in locations.iter().enumerate() {
            if let Err(error) = self.insert_site(*addr) {
                for inserted in locations.iter().take(done) {
                    let _ = self.release_site(*inserted);
                }
                return Err(error);
            }
        }
        Ok(())
    }

    pub(super) fn release_site(&mut self, addr: u64) -> Result<()> {
        self.sites.release(&self.memory, addr)?;
        if self.sites.original(addr).is_none() {
            self.process.remove_breakpoint(addr);
            self.plans.remove(&addr);
        }
        Ok(())
    }

    /// After an exec: the old program's memory, and every `int3` in it, are gone. Breakpoints
    /// stay listed, disabled; enabling one inserts it into the new program.
    pub(super) fn forget_program(&mut self) {
        self.images.reset();
        self.sites.forget();
        self.plans.clear();
        self.at_breakpoint.clear();
        self.slots.forget();
        for wp in self.watchpoints.by_id.values_mut() {
            wp.enabled = false;
        }
        self.memory = Memory::new(self.pid());
        let ids: Vec<u32> = self.breakpoints.all().map(|bp| bp.id).collect();
        for id in ids {
            if let Some(bp) = self.breakpoints.get_mut(id) {
                bp.enabled = false;
            }
        }
    }

    /// Decide how to run the original instruction at site `addr`.
    pub(super) fn plan_site(&mut self, addr: u64) {
        let mut code = self
            .memory
            .read(addr, MAX_INSTRUCTION)
            .map(|r| r.bytes)
            .unwrap_or_default();
        self.sites.hide(addr, &mut code);
        self.plans.insert(addr, displaced::plan(&code, addr));
    }
}
