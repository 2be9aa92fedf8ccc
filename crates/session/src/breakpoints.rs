//! User breakpoints: ids, enabled flags, hit and ignore counts, conditions, over the sites
//! of dbg-memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use dbg_expr::ast::Expr;
use dbg_sys::VirtAddr;

use crate::session::Location;

/// A software breakpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    /// Its id, from 1, never reused in a session.
    pub id: u32,
    /// Where it is: one address per location (a function with several copies has several).
    pub locations: Vec<VirtAddr>,
    /// What it was set on, parsed: what is resolved again when the program changes.
    pub location: Location,
    /// What the user typed (`main`, `hello.c:5`, `0x401126`).
    pub spec: String,
    /// Whether it is inserted and can stop the process.
    pub enabled: bool,
    /// How many times the process reached it while enabled, ignored hits included.
    pub hits: u64,
    /// How many more hits to let pass without stopping.
    pub ignore: u64,
    /// A hardware (debug-register) breakpoint rather than an `int3`.
    pub hardware: bool,
    /// Deleted when it is reported (`tbreak`).
    pub temporary: bool,
    /// Stops only when this expression is non-zero (as typed).
    pub condition: Option<String>,
}

impl Breakpoint {
    /// Whether it waits for a library to load: it resolved nowhere (yet, or any more).
    pub fn is_pending(&self) -> bool {
        self.locations.is_empty()
    }
}

/// The breakpoints of a session, by id.
#[derive(Debug, Default)]
pub(crate) struct Breakpoints {
    by_id: BTreeMap<u32, Breakpoint>,
    next_id: u32,
    /// Conditions, parsed once when set.
    conditions: BTreeMap<u32, Arc<Expr>>,
}

impl Breakpoints {
    pub(crate) fn add(
        &mut self,
        locations: Vec<VirtAddr>,
        location: Location,
        spec: String,
        ignore: u64,
        hardware: bool,
    ) -> &Breakpoint {
        self.next_id += 1;
        let id = self.next_id;
        self.by_id.entry(id).or_insert(Breakpoint {
            id,
            locations,
            location,
            spec,
            enabled: true,
            hits: 0,
            ignore,
            hardware,
            temporary: false,
            condition: None,
        })
    }

    /// The id the next breakpoint will get.
    pub(crate) fn next_id(&self) -> u32 {
        self.next_id + 1
    }

    /// Forget every breakpoint's locations (a new program: they are resolved again).
    pub(crate) fn clear_locations(&mut self) {
        for bp in self.by_id.values_mut() {
            bp.locations.clear();
        }
    }

    /// Count a hit of hardware breakpoint `id`; true when it is to be reported.
    pub(crate) fn hit_id(&mut self, id: u32) -> bool {
        let Some(bp) = self.by_id.get_mut(&id) else {
            return false;
        };
        bp.hits += 1;
        if bp.ignore > 0 {
            bp.ignore -= 1;
            false
        } else {
            true
        }
    }

    pub(crate) fn get(&self, id: u32) -> Option<&Breakpoint> {
        self.by_id.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut Breakpoint> {
        self.by_id.get_mut(&id)
    }

    pub(crate) fn remove(&mut self, id: u32) -> Option<Breakpoint> {
        self.conditions.remove(&id);
        self.by_id.remove(&id)
    }

    /// Set (or with `None` remove) breakpoint `id`'s condition.
    pub(crate) fn set_condition(&mut self, id: u32, condition: Option<(String, Expr)>) {
        let Some(bp) = self.by_id.get_mut(&id) else {
            return;
        };
        match condition {
            Some((text, expr)) => {
                bp.condition = Some(text);
                self.conditions.insert(id, Arc::new(expr));
            }
            None => {
                bp.condition = None;
                self.conditions.remove(&id);
            }
        }
    }

    /// Breakpoint `id`'s parsed condition, if it has one and is enabled.
    pub(crate) fn condition(&self, id: u32) -> Option<Arc<Expr>> {
        self.by_id
            .get(&id)
            .filter(|bp| bp.enabled)
            .and_then(|_| self.conditions.get(&id).cloned())
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &Breakpoint> {
        self.by_id.values()
    }

    /// Count a hit on every breakpoint of `ids` (the user owners of the site that was hit);
    /// the id of the first one whose ignore count is used up (the one to report), or `None`
    /// when all let it pass.
    pub(crate) fn hit(&mut self, ids: impl IntoIterator<Item = u32>) -> Option<u32> {
        let mut report = None;
        for id in ids {
            let Some(bp) = self.by_id.get_mut(&id).filter(|bp| bp.enabled) else {
                continue;
            };
            bp.hits += 1;
            if bp.ignore > 0 {
                bp.ignore -= 1;
            } else if report.is_none() {
                report = Some(bp.id);
            }
        }
        report
    }

    /// Whether some enabled breakpoint still has hits to ignore or a condition that may be
    /// false (the next continue is then stop-heavy and worth running tracer and tracee on
    /// one CPU).
    pub(crate) fn ignoring(&self) -> bool {
        self.by_id
            .values()
            .any(|bp| bp.enabled && (bp.ignore > 0 || self.conditions.contains_key(&bp.id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_count_ignored_ones_and_report_the_first_due() {
        let at = VirtAddr::new;
        let mut bps = Breakpoints::default();
        let add = |bps: &mut Breakpoints, locations: Vec<VirtAddr>, ignore| {
            let location = Location::Address(locations[0]);
            bps.add(locations, location, "x".into(), ignore, false).id
        };
        let one = add(&mut bps, vec![at(0x10)], 2);
        let two = add(&mut bps, vec![at(0x30), at(0x10)], 0);
        add(&mut bps, vec![at(0x20)], 0);
        // The owners of the site at 0x10, in the order the site lists them.
        let at_0x10 = [one, two];
        assert_eq!(bps.hit(at_0x10), Some(two));
        assert_eq!(bps.hit(at_0x10), Some(two));
        if let Some(bp) = bps.get_mut(two) {
            bp.enabled = false;
        }
        assert_eq!(bps.hit(at_0x10), Some(one));
        assert_eq!(bps.get(one).map(|bp| (bp.hits, bp.ignore)), Some((3, 0)));
        assert_eq!(bps.get(two).map(|bp| bp.hits), Some(2));
        assert_eq!(bps.hit([]), None);
        assert_eq!(bps.hit([two]), None, "two is disabled");
    }
}
