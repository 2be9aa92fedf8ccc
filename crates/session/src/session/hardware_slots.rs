//! The four debug-register slots that watchpoints and hardware breakpoints share: taking and
//! freeing one, telling which owners a hit (DR6) is for, and the resume flag that lets a
//! thread run on from a hardware execution breakpoint.

use dbg_process::{Pid, Process, Reg, RegValue, VirtAddr};
use dbg_watch::{Watch, WatchKind};

use super::{Session, Why};
use crate::error::{Error, Result};
use crate::event::StopKind;
use crate::watchpoints::{SlotOwner, WatchHit};

/// The resume flag of EFLAGS: the next instruction's execution breakpoint does not fire.
const EFLAGS_RF: u64 = 1 << 16;

impl Session {
    pub(super) fn take_slot(&mut self, watch: Watch, owner: SlotOwner) -> Result<()> {
        if self.slots.full() {
            let owners: Vec<SlotOwner> = self.slots.in_use().map(|(_, _, owner)| owner).collect();
            let watchpoints = owners
                .iter()
                .filter_map(|o| {
                    if let SlotOwner::Watchpoint(id) = o {
                        Some(*id)
                    } else {
                        None
                    }
                })
                .collect();
            let breakpoints = owners
                .iter()
                .filter_map(|o| {
                    if let SlotOwner::Breakpoint(id) = o {
                        Some(*id)
                    } else {
                        None
                    }
                })
                .collect();
            return Err(Error::NoFreeDebugRegister {
                watchpoints,
                breakpoints,
            });
        }
        self.slots.take(&mut self.process, watch, owner)?;
        Ok(())
    }

    /// Free every slot `owner` holds (a watchpoint on a wide value holds several).
    pub(super) fn free_slot(&mut self, owner: SlotOwner) -> Result<()> {
        let held: Vec<usize> = self
            .slots
            .in_use()
            .filter(|(_, _, o)| *o == owner)
            .map(|(index, _, _)| index)
            .collect();
        for index in held {
            self.slots.free(&mut self.process, index)?;
        }
        Ok(())
    }

    /// Count a debug-register hit (DR6 `status`) on every owner that fired; the stop to report,
    /// or `None` when every one of them lets it pass.
    pub(super) fn hardware_hit(&mut self, status: u64, tid: Pid) -> Result<Option<Why>> {
        let mut report = None;
        let mut seen = std::collections::BTreeSet::new();
        for (_, owner) in self.slots.fired(status) {
            match owner {
                SlotOwner::Breakpoint(id) => {
                    // A condition that cannot be evaluated stops, as a true one does.
                    if !self.condition_holds(id, tid).unwrap_or(true) {
                        continue;
                    }
                    if self.breakpoints.hit_id(id) && report.is_none() {
                        report = Some(Why {
                            hardware: true,
                            ..Why::breakpoint(id)
                        });
                    }
                }
                SlotOwner::Watchpoint(id) => {
                    // A wide value's pieces may fire together: one hit per watchpoint.
                    if !seen.insert(id) {
                        continue;
                    }
                    let change = if self.watchpoints.values.contains_key(&id) {
                        match self.watched_change(id)? {
                            Some(words) => Some(words),
                            // `watch` of an expression: a write of the same value is not
                            // a change, and not a hit (as in gdb).
                            None => continue,
                        }
                    } else {
                        None
                    };
                    let Some(wp) = self.watchpoints.by_id.get_mut(&id) else {
                        continue;
                    };
                    wp.hits += 1;
                    if wp.ignore > 0 {
                        wp.ignore -= 1;
                        if wp.ignore == 0 {
                            // The next hit is reported: its "old" is the value as of now.
                            self.refresh_watch_value(id);
                        }
                        continue;
                    }
                    if report.is_some() {
                        continue;
                    }
                    let (addr, size, old, kind) = (wp.address, wp.size, wp.value, wp.kind);
                    let (old, new) = match change {
                        Some(words) => words,
                        None if kind == WatchKind::Execute => (old, 0),
                        None => (old, self.read_watched(addr, size)?),
                    };
                    let size = size.min(8);
                    if let Some(wp) = self.watchpoints.by_id.get_mut(&id) {
                        wp.value = new;
                    }
                    report = Some(Why {
                        kind: Some(StopKind::Watchpoint),
                        watchpoint: Some(WatchHit { id, old, new, size }),
                        hardware: true,
                        ..Why::default()
                    });
                }
            }
        }
        Ok(report)
    }

    /// Resuming at the address of a hardware execution breakpoint would fire it at once: set
    /// the resume flag so the instruction runs (the kernel does so itself after a hit).
    pub(super) fn set_resume_flag_at_hardware_breakpoint(&mut self) -> Result<()> {
        let hardware: Vec<VirtAddr> = self
            .breakpoints
            .all()
            .filter(|bp| bp.hardware && bp.enabled)
            .flat_map(|bp| bp.locations.iter().copied())
            .collect();
        if hardware.is_empty() {
            return Ok(());
        }
        let pc = self.guard(Process::pc)?;
        if hardware.contains(&pc) {
            let flags = self
                .guard(|process| process.read_register(Reg::Eflags))?
                .as_u64();
            self.guard(|process| {
                process.write_register(Reg::Eflags, RegValue::from_u64(flags | EFLAGS_RF))
            })?;
        }
        Ok(())
    }
}
