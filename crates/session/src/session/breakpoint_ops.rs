//! The session's breakpoint commands (set, enable, disable, delete, ignore) and the `int3`
//! sites under software breakpoints: inserting and releasing them, planning how to run the
//! instruction each one covers, and forgetting them all when the program execs. The
//! `Breakpoint` type itself is in `crate::breakpoints`.

use dbg_memory::{Memory, SiteOwner};
use dbg_sys::VirtAddr;
use dbg_watch::Watch;

use super::Session;
use crate::breakpoints::Breakpoint;
use crate::error::{Error, Result};
use crate::session::Location;
use crate::watchpoints::SlotOwner;

impl Session {
    /// Set a breakpoint at `addr` (which must be mapped and executable): an `int3`, or with
    /// `hardware` a debug-register slot (invisible to the program, one stop per hit); its next
    /// `ignore` hits will not stop. Several software breakpoints may share an address.
    pub fn set_breakpoint(
        &mut self,
        addr: VirtAddr,
        ignore: u64,
        hardware: bool,
    ) -> Result<Breakpoint> {
        let location = Location::Address(addr);
        self.set_breakpoint_locations(vec![addr], location, format!("{addr:#x}"), ignore, hardware)
    }

    /// Set one breakpoint over `locations` (all inserted, or none), which `location` resolved
    /// to; `spec` is what the user typed. A hardware breakpoint takes one debug register, so
    /// it has one location.
    pub(crate) fn set_breakpoint_locations(
        &mut self,
        locations: Vec<VirtAddr>,
        location: Location,
        spec: String,
        ignore: u64,
        hardware: bool,
    ) -> Result<Breakpoint> {
        self.ensure_stopped()?;
        let pid = self.pid();
        for addr in &locations {
            self.images.check_executable(pid, *addr)?;
        }
        // The id the breakpoint will get owns its slot or sites.
        let id = self.breakpoints.next_id();
        if hardware {
            match locations.as_slice() {
                // Pending: it takes a debug register when its library loads.
                [] => {}
                [addr] => self.take_slot(Watch::execute(*addr)?, SlotOwner::Breakpoint(id))?,
                _ => return Err(Error::HardwareLocations(locations.len())),
            }
        } else {
            self.insert_sites(&locations, SiteOwner::Breakpoint(id))?;
        }
        Ok(self
            .breakpoints
            .add(locations, location, spec, ignore, hardware)
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
                self.insert_sites(&locations, SiteOwner::Breakpoint(id))?;
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
                    self.release_site(addr, SiteOwner::Breakpoint(id))?;
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

    /// Make breakpoint `id` temporary (deleted when it is reported, as gdb's `tbreak`) or not.
    pub fn set_breakpoint_temporary(&mut self, id: u32, temporary: bool) -> Result<()> {
        let bp = self
            .breakpoints
            .get_mut(id)
            .ok_or(Error::UnknownBreakpoint(id))?;
        bp.temporary = temporary;
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

    /// Give the site at `addr` the owner `owner` (inserting its `int3` if it is the first).
    pub(super) fn insert_site(&mut self, addr: VirtAddr, owner: SiteOwner) -> Result<()> {
        self.sites.add(&self.memory, addr, owner)?;
        Ok(())
    }

    /// Insert a site owned by `owner` at each of `locations`: all of them, or (on an error)
    /// none.
    fn insert_sites(&mut self, locations: &[VirtAddr], owner: SiteOwner) -> Result<()> {
        for (done, addr) in locations.iter().enumerate() {
            if let Err(error) = self.insert_site(*addr, owner) {
                for inserted in locations.iter().take(done) {
                    let _ = self.release_site(*inserted, owner);
                }
                return Err(error);
            }
        }
        Ok(())
    }

    /// Take `owner` off the site at `addr` (its `int3` comes out with the last owner).
    pub(super) fn release_site(&mut self, addr: VirtAddr, owner: SiteOwner) -> Result<()> {
        self.sites.release(&self.memory, addr, owner)?;
        Ok(())
    }

    /// A breakpoint set on a function, hit where another function is inlined at that
    /// function's first instruction, stops in the function asked for (as gdb does): the
    /// inlined frames in front of it are hidden. 0 for other breakpoints.
    pub(super) fn breakpoint_inline_skip(&mut self, id: u32, address: VirtAddr) -> usize {
        let Some(Location::Function(name)) = self.breakpoints.get(id).map(|bp| bp.location.clone())
        else {
            return 0;
        };
        let pid = self.pid();
        let Some((image, module)) = self.images.shared_module_at(pid, address) else {
            return 0;
        };
        let frames = module
            .frames_at(image.bias.to_file(address))
            .unwrap_or_default();
        frames
            .iter()
            .position(|frame| {
                frame
                    .function
                    .as_deref()
                    .is_some_and(|function| dbg_symbols::name_matches(function, &name))
            })
            .unwrap_or(0)
    }

    /// After an exec: the old program's memory, and every `int3` in it, are gone. Breakpoints
    /// keep what they were set on and are resolved again in the new program; watchpoints
    /// (addresses of the old program) stay listed, disabled.
    pub(super) fn forget_program(&mut self) {
        self.images.reset();
        self.linker = Default::default();
        self.value_types.clear();
        self.scope_cache.clear();
        // The hits counted in the tracee up to its end (or exec) are the breakpoints'.
        self.settle_final_counts();
        self.sites.forget();
        self.at_breakpoint.clear();
        self.in_copy.clear();
        self.steps_asked.clear();
        self.slots.forget();
        for wp in self.watchpoints.by_id.values_mut() {
            wp.enabled = false;
        }
        self.memory = Memory::new(self.pid());
        self.breakpoints.clear_locations();
    }
}
