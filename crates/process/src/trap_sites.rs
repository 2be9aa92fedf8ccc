//! The record of our `int3` bytes in the tracee: one table, written by the layer that inserts
//! them (dbg-memory's `Sites`) and read by the all-stop core, which needs it to recognise
//! their traps without asking the kernel and to take them out of forked children.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use dbg_sys::VirtAddr;

/// Our software breakpoints: address → the byte the `int3` replaced.
///
/// A handle: clones share one table, so the layer that writes the bytes and the process core
/// that classifies traps never hold two copies to keep in step. The table is the only record
/// of the original bytes. It lives on the tracer thread, like [`crate::Process`].
#[derive(Debug, Clone, Default)]
pub struct TrapSites(Rc<RefCell<BTreeMap<VirtAddr, u8>>>);

impl TrapSites {
    /// An `int3` of ours is now at `addr`, in place of `original`.
    pub fn insert(&self, addr: VirtAddr, original: u8) {
        self.0.borrow_mut().insert(addr, original);
    }

    /// The `int3` at `addr` is gone; the byte it replaced.
    pub fn remove(&self, addr: VirtAddr) -> Option<u8> {
        self.0.borrow_mut().remove(&addr)
    }

    /// The byte our `int3` at `addr` replaced, if there is one of ours there.
    pub fn original(&self, addr: VirtAddr) -> Option<u8> {
        self.0.borrow().get(&addr).copied()
    }

    /// Whether an `int3` of ours is at `addr`.
    pub fn contains(&self, addr: VirtAddr) -> bool {
        self.0.borrow().contains_key(&addr)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// Forget every one (the memory they were in is gone).
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// Every one, in address order, with its original byte.
    pub fn all(&self) -> Vec<(VirtAddr, u8)> {
        self.0.borrow().iter().map(|(a, b)| (*a, *b)).collect()
    }

    /// Replace the original byte at `addr` (the user wrote over it); nothing when there is no
    /// `int3` of ours there.
    pub fn set_original(&self, addr: VirtAddr, original: u8) {
        if let Some(byte) = self.0.borrow_mut().get_mut(&addr) {
            *byte = original;
        }
    }
}
