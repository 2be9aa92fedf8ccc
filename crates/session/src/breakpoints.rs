//! User breakpoints: ids, enabled flags, hit and ignore counts, over the sites of dbg-memory.

use std::collections::BTreeMap;

/// A software breakpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    /// Its id, from 1, never reused in a session.
    pub id: u32,
    /// Where it is: one address per location (a function with several copies has several).
    pub locations: Vec<u64>,
    /// What the user asked for (`main`, `hello.c:5`, `0x401126`).
    pub spec: String,
    /// Whether it is inserted and can stop the process.
    pub enabled: bool,
    /// How many times the process reached it while enabled, ignored hits included.
    pub hits: u64,
    /// How many more hits to let pass without stopping.
    pub ignore: u64,
    /// A hardware (debug-register) breakpoint rather than an `int3`.
    pub hardware: bool,
}

/// The breakpoints of a session, by id.
#[derive(Debug, Default)]
pub(crate) struct Breakpoints {
    by_id: BTreeMap<u32, Breakpoint>,
    next_id: u32,
}

impl Breakpoints {
    pub(crate) fn add(
        &mut self,
        locations: Vec<u64>,
        spec: String,
        ignore: u64,
        hardware: bool,
    ) -> &Breakpoint {
        self.next_id += 1;
        let id = self.next_id;
        self.by_id.entry(id).or_insert(Breakpoint {
            id,
            locations,
            spec,
            enabled: true,
            hits: 0,
            ignore,
            hardware,
        })
    }

    /// The id the next breakpoint will get.
    pub(crate) fn next_id(&self) -> u32 {
        self.next_id + 1
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
        self.by_id.remove(&id)
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &Breakpoint> {
        self.by_id.values()
    }

    /// Count a hit at `address` on every enabled breakpoint there; the id of the first one
    /// whose ignore count is used up (the one to report), or `None` when all let it pass.
    pub(crate) fn hit(&mut self, address: u64) -> Option<u32> {
        let mut report = None;
        for bp in self
            .by_id
            .values_mut()
            .filter(|bp| bp.enabled && !bp.hardware && bp.locations.contains(&address))
        {
            bp.hits += 1;
            if bp.ignore > 0 {
                bp.ignore -= 1;
            } else if report.is_none() {
                report = Some(bp.id);
            }
        }
        report
    }

    /// Whether some enabled breakpoint still has hits to ignore (the next continue is then
    /// stop-heavy and worth running tracer and tracee on one CPU).
    pub(crate) fn ignoring(&self) -> bool {
        self.by_id.values().any(|bp| bp.enabled && bp.ignore > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_count_ignored_ones_and_report_the_first_due() {
        let mut bps = Breakpoints::default();
        let one = bps.add(vec![0x10], "a".into(), 2, false).id;
        let two = bps.add(vec![0x30, 0x10], "b".into(), 0, false).id;
        bps.add(vec![0x20], "c".into(), 0, false);
        assert_eq!(bps.hit(0x10), Some(two));
        assert_eq!(bps.hit(0x10), Some(two));
        if let Some(bp) = bps.get_mut(two) {
            bp.enabled = false;
        }
        assert_eq!(bps.hit(0x10), Some(one));
        assert_eq!(bps.get(one).map(|bp| (bp.hits, bp.ignore)), Some((3, 0)));
        assert_eq!(bps.get(two).map(|bp| bp.hits), Some(2));
        assert_eq!(bps.hit(0x40), None);
        assert_eq!(bps.hit(0x30), None, "two is disabled");
    }
}
