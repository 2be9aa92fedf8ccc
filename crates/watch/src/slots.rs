//! The four debug-register slots of a process: allocation, arming on every thread, and which
//! one fired.

use dbg_process::{Process, VirtAddr};

use crate::dr7;
use crate::error::{Error, Result};
use crate::watch::Watch;

/// How many slots x86-64 has (DR0–DR3).
pub const SLOT_COUNT: usize = 4;

/// The slots, each free or holding a [`Watch`] and its owner's tag (e.g. a watchpoint id).
#[derive(Debug, Clone)]
pub struct Slots<T> {
    slots: [Option<(Watch, T)>; SLOT_COUNT],
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            slots: [None, None, None, None],
        }
    }
}

impl<T: Copy> Slots<T> {
    /// Four free slots.
    pub fn new() -> Self {
        Slots::default()
    }

    /// Arm `watch` in a free slot on every thread of `process`, for `owner`. On failure no
    /// slot and no thread changes.
    pub fn take(&mut self, process: &mut Process, watch: Watch, owner: T) -> Result<usize> {
        let index = self
            .slots
            .iter()
            .position(Option::is_none)
            .ok_or(Error::NoFreeSlot)?;
        let mut next = self.clone();
        if let Some(slot) = next.slots.get_mut(index) {
            *slot = Some((watch, owner));
        }
        let (addresses, control) = next.registers();
        process.set_debug_registers(addresses, control)?;
        *self = next;
        Ok(index)
    }

    /// Disarm slot `index` on every thread.
    pub fn free(&mut self, process: &mut Process, index: usize) -> Result<()> {
        if self.slots.get(index).is_none_or(Option::is_none) {
            return Err(Error::NotInUse(index));
        }
        let mut next = self.clone();
        if let Some(slot) = next.slots.get_mut(index) {
            *slot = None;
        }
        if process.state() == dbg_process::State::Stopped {
            let (addresses, control) = next.registers();
            process.set_debug_registers(addresses, control)?;
        }
        *self = next;
        Ok(())
    }

    /// Forget every slot without touching a process (it is gone, or has exec'd).
    pub fn forget(&mut self) {
        *self = Slots::default();
    }

    /// The slots in use: index, watch, owner.
    pub fn in_use(&self) -> impl Iterator<Item = (usize, &Watch, T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|(w, o)| (i, w, *o)))
    }

    /// Whether every slot is taken.
    pub fn full(&self) -> bool {
        self.slots.iter().all(Option::is_some)
    }

    /// The owners of the slots that fired, according to DR6.
    pub fn fired(&self, dr6: u64) -> Vec<(usize, T)> {
        self.in_use()
            .filter(|(i, _, _)| dr6 & dr7::DR6_SLOTS & (1 << i) != 0)
            .map(|(i, _, o)| (i, o))
            .collect()
    }

    /// DR0–DR3 and DR7 for the slots in use.
    pub fn registers(&self) -> ([VirtAddr; 4], u64) {
        let mut addresses = [VirtAddr::default(); SLOT_COUNT];
        let mut control = 0;
        for (index, watch, _) in self.in_use() {
            if let Some(addr) = addresses.get_mut(index) {
                *addr = watch.addr;
            }
            control |= watch.control_bits(index);
        }
        (addresses, control)
    }
}
