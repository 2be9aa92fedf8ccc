//! User watchpoints (ids, kinds, hit and ignore counts, the last value seen) and the owners of
//! the four debug-register slots, which watchpoints share with hardware breakpoints.

use std::collections::BTreeMap;

use dbg_sys::VirtAddr;
use dbg_watch::WatchKind;

/// A hardware watchpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchpoint {
    /// Its id, from 1, never reused in a session.
    pub id: u32,
    /// The address watched.
    pub address: VirtAddr,
    /// What for.
    pub kind: WatchKind,
    /// How many bytes (1, 2, 4 or 8).
    pub size: u64,
    /// Whether it holds a slot and can stop the process.
    pub enabled: bool,
    /// How many times it fired while enabled, ignored hits included.
    pub hits: u64,
    /// How many more hits to let pass without stopping.
    pub ignore: u64,
    /// The value last seen, for the next hit's "old" (little-endian, `size` bytes).
    pub(crate) value: u64,
}

/// What a stop at a watchpoint saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchHit {
    /// The watchpoint.
    pub id: u32,
    /// The value before (as of the previous stop or hit).
    pub old: u64,
    /// The value now.
    pub new: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// Who holds a debug-register slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotOwner {
    /// A watchpoint, by id.
    Watchpoint(u32),
    /// A hardware breakpoint, by id.
    Breakpoint(u32),
}

/// The watchpoints of a session, by id.
#[derive(Debug, Default)]
pub(crate) struct Watchpoints {
    pub(crate) by_id: BTreeMap<u32, Watchpoint>,
    next_id: u32,
}

impl Watchpoints {
    pub(crate) fn next_id(&self) -> u32 {
        self.next_id + 1
    }

    pub(crate) fn add(&mut self, watchpoint: Watchpoint) {
        self.next_id = watchpoint.id;
        self.by_id.insert(watchpoint.id, watchpoint);
    }
}
