//! Watchpoints on expressions (`watch LVALUE`, `awatch LVALUE`): the address and size come
//! from the value's place and type; a value wider than 8 bytes or unaligned takes as many
//! debug registers as its aligned pieces need; `watch` reports only changes, with old and
//! new value as `print` shows them; a local's watchpoint ends when its frame returns.

use dbg_expr::ast::Expr;
use dbg_memory::SiteOwner;
use dbg_process::Pid;
use dbg_sys::VirtAddr;
use dbg_watch::{Watch, WatchKind, WatchSize};

use super::Session;
use crate::error::{Error, Result};
use crate::watchpoints::{SlotOwner, WatchReport, WatchedValue, Watchpoint};

/// The owner of the breakpoint at a watched local's return address.
pub(crate) const WATCH_SCOPE: SiteOwner = SiteOwner::Internal("watchpoint scope");

/// The debug registers there are.
const DEBUG_REGISTERS: usize = 4;

impl Session {
    /// Watch the lvalue `expression` of the selected frame: for writes that change it
    /// (`WatchKind::Write`, gdb's `watch`) or for every access (`WatchKind::ReadWrite`,
    /// `awatch`).
    pub fn watch_expression(&mut self, expression: &str, kind: WatchKind) -> Result<Watchpoint> {
        self.ensure_stopped()?;
        if kind == WatchKind::Execute {
            return Err(Error::WatchExpression {
                expression: expression.into(),
                why: "an expression is watched for writes or accesses, not execution",
            });
        }
        let (value, local) = self.evaluate_lvalue(expression)?;
        let not = |why| Error::WatchExpression {
            expression: expression.into(),
            why,
        };
        let address = value.address().ok_or_else(|| not("it is not in memory"))?;
        let size = value
            .ty
            .size()
            .filter(|size| *size > 0)
            .ok_or_else(|| not("its type has no size"))?;
        let pieces = aligned_pieces(VirtAddr::new(address), size)
            .filter(|pieces| pieces.len() <= DEBUG_REGISTERS)
            .ok_or_else(|| not("it needs more than the 4 debug registers"))?;
        let free = DEBUG_REGISTERS - self.slots.in_use().count();
        if pieces.len() > free {
            return Err(Error::WatchNeedsRegisters {
                needed: pieces.len(),
                free,
            });
        }
        let bytes = self
            .memory
            .read_exact(VirtAddr::new(address), size as usize)?;
        let scope = if local { self.frame_scope()? } else { None };
        let id = self.watchpoints.next_id();
        self.take_watch_slots(id, &pieces, kind)?;
        if let Some((_, return_address)) = scope {
            if let Err(error) = self.insert_site(return_address, WATCH_SCOPE) {
                let _ = self.free_slot(SlotOwner::Watchpoint(id));
                return Err(error);
            }
        }
        let watchpoint = Watchpoint {
            id,
            address: VirtAddr::new(address),
            kind,
            size,
            enabled: true,
            hits: 0,
            ignore: 0,
            value: first_word(&bytes),
            expression: Some(expression.to_string()),
        };
        self.watchpoints.add(watchpoint.clone());
        self.watchpoints.values.insert(
            id,
            WatchedValue {
                ty: value.ty,
                pieces,
                bytes,
                scope,
                last: None,
            },
        );
        Ok(watchpoint)
    }

    /// Watchpoint `id`'s last report as text, for a watchpoint set on an expression.
    pub fn watch_report(&self, id: u32) -> Option<WatchReport> {
        let wp = self.watchpoints.by_id.get(&id)?;
        let (old, new) = self.watchpoints.values.get(&id)?.last.clone()?;
        Some(WatchReport {
            expression: wp.expression.clone()?,
            old,
            new,
        })
    }

    /// Take a debug register for each piece of watchpoint `id`: all of them, or none.
    pub(super) fn take_watch_slots(
        &mut self,
        id: u32,
        pieces: &[(VirtAddr, u64)],
        kind: WatchKind,
    ) -> Result<()> {
        for (address, size) in pieces {
            let taken = Watch::new(*address, kind, WatchSize::from_bytes(*size)?)
                .map_err(Error::from)
                .and_then(|watch| self.take_slot(watch, SlotOwner::Watchpoint(id)));
            if let Err(error) = taken {
                let _ = self.free_slot(SlotOwner::Watchpoint(id));
                return Err(error);
            }
        }
        Ok(())
    }

    /// The selected frame's CFA and return address, which end a watch on one of its
    /// locals; `None` for the outermost frame.
    fn frame_scope(&mut self) -> Result<Option<(VirtAddr, VirtAddr)>> {
        let frame = self.selected_frame()?;
        let frames = self.backtrace()?;
        let caller = frames
            .iter()
            .skip(frame.index + 1)
            .find(|other| other.cfa != frame.cfa);
        Ok(match (frame.cfa, caller) {
            (Some(cfa), Some(caller)) => Some((cfa, caller.pc)),
            _ => None,
        })
    }

    /// The value of an expression hit by a hardware watchpoint, compared with the last one
    /// seen: `None` when a `watch` (writes) saw the same value (not a change, not a hit);
    /// else the old and new first words, and the texts kept for [`Session::watch_report`].
    pub(super) fn watched_change(&mut self, id: u32) -> Result<Option<(u64, u64)>> {
        let (Some(wp), Some(watched)) = (
            self.watchpoints.by_id.get(&id),
            self.watchpoints.values.get(&id),
        ) else {
            return Ok(None);
        };
        let (address, size, kind) = (wp.address, wp.size, wp.kind);
        let (ty, old) = (watched.ty.clone(), watched.bytes.clone());
        let new = self.memory.read_exact(address, size as usize)?;
        if kind == WatchKind::Write && new == old {
            return Ok(None);
        }
        let text = |session: &mut Session, bytes: &[u8]| {
            session
                .format_bytes(&ty, bytes)
                .unwrap_or_else(|e| format!("<error: {e}>"))
        };
        let old_text = text(self, &old);
        let new_text = text(self, &new);
        let words = (first_word(&old), first_word(&new));
        if let Some(watched) = self.watchpoints.values.get_mut(&id) {
            watched.bytes = new;
            watched.last = Some((old_text, new_text));
        }
        if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
            wp.value = words.1;
        }
        Ok(Some(words))
    }

    /// The watchpoints on locals of the frame that returns to `address`, when thread `tid`
    /// is there with that frame gone: they are deleted, and their ids returned.
    pub(super) fn watch_scopes_ended(&mut self, address: VirtAddr, tid: Pid) -> Result<Vec<u32>> {
        let ended: Vec<(u32, VirtAddr)> = self
            .watchpoints
            .values
            .iter()
            .filter_map(|(id, watched)| match watched.scope {
                Some((cfa, back)) if back == address => Some((*id, cfa)),
                _ => None,
            })
            .collect();
        if ended.is_empty() {
            return Ok(Vec::new());
        }
        let here = self.process.current_thread();
        self.guard(|process| process.select_thread(tid))?;
        let sp = self.guard(|process| process.read_register(dbg_process::Reg::Rsp));
        self.guard(|process| process.select_thread(here))?;
        let sp = sp?.as_u64();
        let mut gone = Vec::new();
        for (id, cfa) in ended {
            // Returned: the stack pointer is back at (or above) the frame's CFA. A recursive
            // call returning to the same address from a deeper frame is not the end.
            if sp >= cfa.get() {
                self.delete_watchpoint(id)?;
                gone.push(id);
            }
        }
        Ok(gone)
    }

    /// Free what an expression watchpoint holds beyond its slots: its scope breakpoint.
    pub(super) fn forget_watched_value(&mut self, id: u32) -> Result<()> {
        if let Some(watched) = self.watchpoints.values.remove(&id) {
            if let Some((_, return_address)) = watched.scope {
                if self.is_alive() {
                    self.release_site(return_address, WATCH_SCOPE)?;
                }
            }
        }
        Ok(())
    }

    /// The pieces watchpoint `id` covers: those of its expression, or its one range.
    pub(super) fn watch_pieces(&self, id: u32) -> Vec<(VirtAddr, u64)> {
        match self.watchpoints.values.get(&id) {
            Some(watched) => watched.pieces.clone(),
            None => self
                .watchpoints
                .by_id
                .get(&id)
                .map(|wp| vec![(wp.address, wp.size)])
                .unwrap_or_default(),
        }
    }
}

/// `size` bytes at `address` as the aligned 8-, 4-, 2- and 1-byte pieces debug registers
/// watch, largest first; `None` for an empty or impossibly large range.
fn aligned_pieces(address: VirtAddr, size: u64) -> Option<Vec<(VirtAddr, u64)>> {
    if size == 0 || size > 64 {
        return None;
    }
    let mut pieces = Vec::new();
    let mut at = address.get();
    let end = at.checked_add(size)?;
    while at < end {
        let piece = [8u64, 4, 2, 1]
            .into_iter()
            .find(|piece| at.is_multiple_of(*piece) && at + piece <= end)
            .unwrap_or(1);
        pieces.push((VirtAddr::new(at), piece));
        at += piece;
    }
    Some(pieces)
}

/// The first (up to) 8 bytes, little-endian: what a stop's old/new fields show.
fn first_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    for (slot, byte) in word.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    u64::from_le_bytes(word)
}

/// Whether `expr` assigns: watching it would write the program.
pub(super) fn assigns(expr: &Expr) -> bool {
    matches!(expr, Expr::Assign(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_split_into_aligned_pieces() {
        let pieces = |address, size| {
            aligned_pieces(VirtAddr::new(address), size)
                .map(|p| p.iter().map(|(a, s)| (a.get(), *s)).collect::<Vec<_>>())
        };
        assert_eq!(pieces(0x1000, 8), Some(vec![(0x1000, 8)]));
        assert_eq!(pieces(0x1000, 16), Some(vec![(0x1000, 8), (0x1008, 8)]));
        assert_eq!(pieces(0x1002, 4), Some(vec![(0x1002, 2), (0x1004, 2)]));
        assert_eq!(pieces(0x1001, 3), Some(vec![(0x1001, 1), (0x1002, 2)]));
        assert_eq!(pieces(0x1004, 12), Some(vec![(0x1004, 4), (0x1008, 8)]));
        assert_eq!(pieces(0x1000, 0), None);
    }
}
