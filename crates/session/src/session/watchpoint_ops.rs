//! The session's watchpoint commands (set, enable, disable, delete) and the watched values
//! they compare against. The `Watchpoint` type itself is in `crate::watchpoints`; the
//! debug-register slots a watchpoint takes are in `hardware_slots`.

use dbg_sys::VirtAddr;
use dbg_watch::{Watch, WatchKind, WatchSize};

use super::Session;
use crate::error::{Error, Result};
use crate::watchpoints::{SlotOwner, Watchpoint};

impl Session {
    /// Watch `size` bytes at `addr` (aligned to `size`) for `kind` accesses, in a debug-register
    /// slot on every thread; its next `ignore` hits will not stop.
    pub fn set_watchpoint(
        &mut self,
        addr: VirtAddr,
        kind: WatchKind,
        size: u64,
        ignore: u64,
    ) -> Result<Watchpoint> {
        self.ensure_stopped()?;
        let watch = Watch::new(addr, kind, WatchSize::from_bytes(size)?)?;
        let value = if kind == WatchKind::Execute {
            0
        } else {
            self.read_watched(addr, size)?
        };
        let id = self.watchpoints.next_id();
        self.take_slot(watch, SlotOwner::Watchpoint(id))?;
        let watchpoint = Watchpoint {
            id,
            address: addr,
            kind,
            size,
            enabled: true,
            hits: 0,
            ignore,
            value,
            expression: None,
        };
        self.watchpoints.add(watchpoint.clone());
        Ok(watchpoint)
    }

    /// Every watchpoint, by id.
    pub fn watchpoints(&self) -> Vec<Watchpoint> {
        self.watchpoints.by_id.values().cloned().collect()
    }

    /// Enable watchpoint `id`: it takes a slot again.
    pub fn enable_watchpoint(&mut self, id: u32) -> Result<()> {
        let wp = self
            .watchpoints
            .by_id
            .get(&id)
            .ok_or(Error::UnknownWatchpoint(id))?;
        if !wp.enabled {
            self.ensure_stopped()?;
            let (addr, size, kind) = (wp.address, wp.size, wp.kind);
            let pieces = self.watch_pieces(id);
            self.take_watch_slots(id, &pieces, kind)?;
            let value = if kind == WatchKind::Execute {
                0
            } else {
                self.read_watched(addr, size).unwrap_or(0)
            };
            if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                wp.enabled = true;
                wp.value = value;
            }
            // The value it compares with is the value of now.
            if let Ok(bytes) = self.memory.read_exact(addr, size as usize) {
                if let Some(watched) = self.watchpoints.values.get_mut(&id) {
                    watched.bytes = bytes;
                }
            }
        }
        Ok(())
    }

    /// Disable watchpoint `id`: its slot is freed.
    pub fn disable_watchpoint(&mut self, id: u32) -> Result<()> {
        let wp = self
            .watchpoints
            .by_id
            .get(&id)
            .ok_or(Error::UnknownWatchpoint(id))?;
        if wp.enabled {
            self.ensure_stopped()?;
            self.free_slot(SlotOwner::Watchpoint(id))?;
            if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                wp.enabled = false;
            }
        }
        Ok(())
    }

    /// Delete watchpoint `id`.
    pub fn delete_watchpoint(&mut self, id: u32) -> Result<()> {
        let wp = self
            .watchpoints
            .by_id
            .get(&id)
            .ok_or(Error::UnknownWatchpoint(id))?;
        if wp.enabled && self.is_alive() {
            self.disable_watchpoint(id)?;
        }
        self.forget_watched_value(id)?;
        self.watchpoints.by_id.remove(&id);
        if self.last_watchpoint == Some(id) {
            self.last_watchpoint = None;
        }
        Ok(())
    }

    /// The watched value: the first (up to 8) of `size` bytes at `addr`, little-endian.
    pub(super) fn read_watched(&self, addr: VirtAddr, size: u64) -> Result<u64> {
        let bytes = self.memory.read_exact(addr, size.min(8) as usize)?;
        let mut word = [0u8; 8];
        for (slot, byte) in word.iter_mut().zip(bytes) {
            *slot = byte;
        }
        Ok(u64::from_le_bytes(word))
    }

    pub(super) fn refresh_watch_values(&mut self) {
        let ids: Vec<u32> = self
            .watchpoints
            .by_id
            .values()
            .filter(|wp| wp.enabled && wp.kind != WatchKind::Execute)
            .map(|wp| wp.id)
            .collect();
        for id in ids {
            self.refresh_watch_value(id);
        }
    }

    pub(super) fn refresh_watch_value(&mut self, id: u32) {
        let Some(wp) = self.watchpoints.by_id.get(&id) else {
            return;
        };
        let (address, size) = (wp.address, wp.size);
        if let Ok(value) = self.read_watched(address, size) {
            if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                wp.value = value;
            }
        }
        if self.watchpoints.values.contains_key(&id) {
            if let Ok(bytes) = self.memory.read_exact(address, size as usize) {
                if let Some(watched) = self.watchpoints.values.get_mut(&id) {
                    watched.bytes = bytes;
                }
            }
        }
    }
}
