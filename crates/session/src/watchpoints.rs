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
    /// The expression watched (`watch LVALUE`), when it was set by one.
    pub expression: Option<String>,
}

/// What a watchpoint set on an expression keeps beyond the address: the type its values
/// print with, the whole value last seen (it may be wider than 8 bytes and span several
/// debug registers), and the frame it belongs to when it watches a local.
#[derive(Debug, Clone)]
pub(crate) struct WatchedValue {
    /// The value's type.
    pub(crate) ty: dbg_expr::TypeRc,
    /// The pieces each debug register covers (aligned 1, 2, 4 or 8 bytes).
    pub(crate) pieces: Vec<(VirtAddr, u64)>,
    /// The bytes last seen.
    pub(crate) bytes: Vec<u8>,
    /// For a local: the frame's CFA and the address the frame returns to.
    pub(crate) scope: Option<(VirtAddr, VirtAddr)>,
    /// The last reported change, as text: old and new value.
    pub(crate) last: Option<(String, String)>,
}

/// A watchpoint's last report as text (`watch LVALUE`): the expression and its old and new
/// values as `print` shows them (the same when an `awatch` saw a read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchReport {
    /// The watched expression.
    pub expression: String,
    /// The value before.
    pub old: String,
    /// The value now.
    pub new: String,
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
    /// The expression watchpoints' values, by id.
    pub(crate) values: BTreeMap<u32, WatchedValue>,
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
