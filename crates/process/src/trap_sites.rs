//! The record of our `int3` bytes in the tracee: one table, written by the layer that inserts
//! them (dbg-memory's `Sites`) and read by the all-stop core, which needs it to recognise
//! their traps without asking the kernel and to take them out of forked children.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use dbg_sys::VirtAddr;

/// Our software breakpoints: address → the byte the `int3` replaced (and, for a site whose
/// hits are counted in the tracee, the `jmp` that replaces the `int3`).
///
/// A handle: clones share one table, so the layer that writes the bytes and the process core
/// that classifies traps never hold two copies to keep in step. The table is the only record
/// of the original bytes. It lives on the tracer thread, like [`crate::Process`].
#[derive(Debug, Clone, Default)]
pub struct TrapSites(Rc<RefCell<Table>>);

#[derive(Debug, Default)]
struct Table {
    /// Site → the byte its `int3` replaced.
    originals: BTreeMap<VirtAddr, u8>,
    /// Site → its first five bytes as the program has them and as patched, while a `jmp` to
    /// a counting trampoline replaces its `int3` (see [`TrapSites::set_jump`]).
    jumps: BTreeMap<VirtAddr, Jump>,
    /// The `int3` of a counting trampoline → the site it stands for.
    traps: BTreeMap<VirtAddr, VirtAddr>,
}

/// A site patched with a `jmp`: its five bytes, original and patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub original: [u8; 5],
    pub patched: [u8; 5],
}

impl TrapSites {
    /// An `int3` of ours is now at `addr`, in place of `original`.
    pub fn insert(&self, addr: VirtAddr, original: u8) {
        self.0.borrow_mut().originals.insert(addr, original);
    }

    /// The `int3` at `addr` is gone; the byte it replaced.
    pub fn remove(&self, addr: VirtAddr) -> Option<u8> {
        let mut table = self.0.borrow_mut();
        table.jumps.remove(&addr);
        table.traps.retain(|_, site| *site != addr);
        table.originals.remove(&addr)
    }

    /// The byte our `int3` at `addr` replaced, if there is one of ours there.
    pub fn original(&self, addr: VirtAddr) -> Option<u8> {
        self.0.borrow().originals.get(&addr).copied()
    }

    /// Whether an `int3` of ours is at `addr`.
    pub fn contains(&self, addr: VirtAddr) -> bool {
        self.0.borrow().originals.contains_key(&addr)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().originals.is_empty()
    }

    /// Forget every one (the memory they were in is gone).
    pub fn clear(&self) {
        *self.0.borrow_mut() = Table::default();
    }

    /// Every one, in address order, with its original byte.
    pub fn all(&self) -> Vec<(VirtAddr, u8)> {
        self.0
            .borrow()
            .originals
            .iter()
            .map(|(a, b)| (*a, *b))
            .collect()
    }

    /// Replace the original byte at `addr` (the user wrote over it); nothing when there is no
    /// `int3` of ours there.
    pub fn set_original(&self, addr: VirtAddr, original: u8) {
        if let Some(byte) = self.0.borrow_mut().originals.get_mut(&addr) {
            *byte = original;
        }
    }

    /// The site at `addr` (one of ours) now starts with a `jmp` to a counting trampoline,
    /// whose own `int3` is at `trap`: forked children get `jump.original` back, and a trap
    /// at `trap` is reported as a hit of the site.
    pub fn set_jump(&self, addr: VirtAddr, jump: Jump, trap: VirtAddr) {
        let mut table = self.0.borrow_mut();
        table.jumps.insert(addr, jump);
        table.traps.insert(trap, addr);
    }

    /// The site at `addr` has its `int3` back (its trampoline's trap stays known: a thread
    /// may still be on its way to it).
    pub fn clear_jump(&self, addr: VirtAddr) {
        self.0.borrow_mut().jumps.remove(&addr);
    }

    /// Every site patched with a `jmp`, with its bytes.
    pub fn jumps(&self) -> Vec<(VirtAddr, Jump)> {
        self.0
            .borrow()
            .jumps
            .iter()
            .map(|(a, j)| (*a, *j))
            .collect()
    }

    /// The site a counting trampoline's `int3` at `trap` stands for.
    pub fn trap_site(&self, trap: VirtAddr) -> Option<VirtAddr> {
        self.0.borrow().traps.get(&trap).copied()
    }
}
