//! Breakpoints and watchpoints the client sets (`Z0`–`Z4`), as session breakpoints and
//! watchpoints: which session ids stand for which of the client's addresses, so that `z`
//! removes them and a stop names the address the client knows.
//!
//! gdb inserts every breakpoint before each resume and removes them at each stop, so these
//! calls are frequent and cheap. A watched region is split into the aligned pieces of 1, 2, 4
//! or 8 bytes that debug registers watch (as gdbserver does), all set or none.

use std::collections::BTreeMap;

use dbg_session::{VirtAddr, WatchKind};
use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwBreakpoint, HwWatchpoint, SwBreakpoint, WatchKind as GdbWatchKind,
};
use gdbstub::target::{TargetError, TargetResult};

use super::Inferior;

/// The client's breakpoints and watchpoints and the session's ids for them.
#[derive(Debug, Default)]
pub(crate) struct Points {
    software: BTreeMap<u64, u32>,
    hardware: BTreeMap<u64, u32>,
    /// Watched regions (address, length, kind) and the session watchpoints covering them.
    watches: BTreeMap<(u64, u64, bool), Vec<u32>>,
    /// A session watchpoint's region start and kind, for stop replies.
    watch_owner: BTreeMap<u32, (u64, WatchKind)>,
}

impl Points {
    /// Whether session breakpoint `id` is one of the client's hardware breakpoints.
    pub(crate) fn is_hardware(&self, id: u32) -> bool {
        self.hardware.values().any(|hw| *hw == id)
    }

    /// The region start and kind of session watchpoint `id`.
    pub(crate) fn watched(&self, id: u32) -> Option<(u64, WatchKind)> {
        self.watch_owner.get(&id).copied()
    }
}

/// The aligned pieces (address, size) that cover `len` bytes at `addr`.
fn pieces(addr: u64, len: u64) -> Vec<(u64, u64)> {
    let mut pieces = Vec::new();
    let (mut at, end) = (addr, addr.saturating_add(len));
    while at < end {
        let size = [8u64, 4, 2, 1]
            .into_iter()
            .find(|size| at % size == 0 && at.checked_add(*size).is_some_and(|e| e <= end))
            .unwrap_or(1);
        pieces.push((at, size));
        at += size;
    }
    pieces
}

/// More pieces than there are debug registers can never be set.
const MAX_PIECES: usize = 4;

impl Breakpoints for Inferior {
    #[inline(always)]
    fn support_sw_breakpoint(
        &mut self,
    ) -> Option<gdbstub::target::ext::breakpoints::SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_breakpoint(
        &mut self,
    ) -> Option<gdbstub::target::ext::breakpoints::HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_watchpoint(
        &mut self,
    ) -> Option<gdbstub::target::ext::breakpoints::HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl Inferior {
    fn add_breakpoint(&mut self, addr: u64, hardware: bool) -> TargetResult<bool, Self> {
        let known = if hardware {
            &self.points.hardware
        } else {
            &self.points.software
        };
        if known.contains_key(&addr) {
            return Ok(true);
        }
        let session = self.session().ok_or(TargetError::NonFatal)?;
        let bp = session
            .set_breakpoint(VirtAddr::new(addr), 0, hardware)
            .map_err(|_| TargetError::Errno(1))?;
        let known = if hardware {
            &mut self.points.hardware
        } else {
            &mut self.points.software
        };
        known.insert(addr, bp.id);
        Ok(true)
    }

    fn remove_breakpoint(&mut self, addr: u64, hardware: bool) -> TargetResult<bool, Self> {
        let known = if hardware {
            &mut self.points.hardware
        } else {
            &mut self.points.software
        };
        let Some(id) = known.remove(&addr) else {
            return Ok(false);
        };
        let session = self.session().ok_or(TargetError::NonFatal)?;
        session
            .delete_breakpoint(id)
            .map_err(|_| TargetError::Errno(1))?;
        Ok(true)
    }
}

impl SwBreakpoint for Inferior {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.add_breakpoint(addr, false)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove_breakpoint(addr, false)
    }
}

impl HwBreakpoint for Inferior {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.add_breakpoint(addr, true)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.remove_breakpoint(addr, true)
    }
}

impl HwWatchpoint for Inferior {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        // x86 debug registers cannot watch reads alone.
        let (kind, write) = match kind {
            GdbWatchKind::Write => (WatchKind::Write, true),
            GdbWatchKind::ReadWrite => (WatchKind::ReadWrite, false),
            GdbWatchKind::Read => return Ok(false),
        };
        if self.points.watches.contains_key(&(addr, len, write)) {
            return Ok(true);
        }
        let pieces = pieces(addr, len);
        if pieces.is_empty() || pieces.len() > MAX_PIECES {
            return Ok(false);
        }
        let session = self.session().ok_or(TargetError::NonFatal)?;
        let mut ids = Vec::new();
        for (at, size) in pieces {
            match session.set_watchpoint(VirtAddr::new(at), kind, size, 0) {
                Ok(wp) => ids.push(wp.id),
                Err(_) => {
                    for id in ids {
                        let _ = session.delete_watchpoint(id);
                    }
                    return Ok(false);
                }
            }
        }
        for id in &ids {
            self.points.watch_owner.insert(*id, (addr, kind));
        }
        self.points.watches.insert((addr, len, write), ids);
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: GdbWatchKind,
    ) -> TargetResult<bool, Self> {
        let write = matches!(kind, GdbWatchKind::Write);
        let Some(ids) = self.points.watches.remove(&(addr, len, write)) else {
            return Ok(false);
        };
        for id in &ids {
            self.points.watch_owner.remove(id);
        }
        let session = self.session().ok_or(TargetError::NonFatal)?;
        for id in ids {
            session
                .delete_watchpoint(id)
                .map_err(|_| TargetError::Errno(1))?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_split_into_aligned_pieces() {
        assert_eq!(pieces(0x1000, 8), vec![(0x1000, 8)]);
        assert_eq!(pieces(0x1004, 4), vec![(0x1004, 4)]);
        assert_eq!(
            pieces(0x1002, 8),
            vec![(0x1002, 2), (0x1004, 4), (0x1008, 2)]
        );
        assert_eq!(pieces(0x1001, 1), vec![(0x1001, 1)]);
        assert!(pieces(0x1000, 0).is_empty());
        assert_eq!(pieces(u64::MAX, 4), vec![]);
    }
}
