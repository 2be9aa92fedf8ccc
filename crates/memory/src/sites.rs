//! Software breakpoint sites: the `int3` bytes dbg writes into the tracee, the original bytes
//! they replace, who wants each one, and how to run the instruction beneath it.
//!
//! One site per address, however many owners want it (a user breakpoint, `finish`'s temporary
//! breakpoint, an internal one such as the dynamic linker's): the `int3` goes in with the first
//! owner and comes out with the last. Reads are patched back to the original bytes before
//! anyone sees them; a user write that covers a site updates the remembered byte (and the plan
//! for its instruction) and keeps the `int3` in place.
//!
//! A site may instead be *counting* ([`Sites::arm_counting`]): its first five bytes are a
//! `jmp` to a trampoline in the scratch area that counts hits in the tracee and traps only
//! when its counter runs out (see `crate::scratch`). Anything else that changes the site (one
//! more owner, a lift, a write over it, the last owner gone) puts the `int3` back first, and
//! the hits counted meanwhile are kept for [`Sites::take_counts`].

use std::collections::{BTreeMap, BTreeSet};

use dbg_process::{Jump, Process, TrapSites};
use dbg_sys::VirtAddr;
use iced_x86::Instruction;

use crate::access::Memory;
use crate::displaced::{self, Displaced};
use crate::error::Result;
use crate::scratch::{Counting, OutOfLine, Place, Scratch};

/// The x86 breakpoint instruction.
pub const INT3: u8 = 0xcc;

/// The longest x86 instruction: what is read to plan how to run the one under a site.
const MAX_INSTRUCTION: usize = 15;

/// Who wants an `int3` at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteOwner {
    /// A user breakpoint, by its id.
    Breakpoint(u32),
    /// A breakpoint of one command (`finish`, `next` over a call, `until`), gone when the
    /// command ends.
    Temporary,
    /// A breakpoint the debugger keeps for itself, by purpose (e.g. the dynamic linker's
    /// rendezvous).
    Internal(&'static str),
}

/// How to run the original instruction under a site when a thread resumes from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Carried out by the debugger, without a stop (`None`: single-stepped with the `int3`
    /// lifted).
    pub displaced: Option<Displaced>,
    /// Whether a SIGTRAP after single-stepping it is the step (false for `int3`, `int1`,
    /// `into` and undecodable bytes).
    pub trusted_step: bool,
    /// Whether it may run out of line, as a relocated copy in the scratch area
    /// ([`Sites::out_of_line`]).
    pub relocatable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Site {
    owners: BTreeSet<SiteOwner>,
    /// False while lifted to step over it.
    inserted: bool,
    /// How to run the instruction, decided when first needed (a site gdb steps over itself
    /// never needs it), and again after a write over its bytes.
    plan: Option<Plan>,
    /// The instruction, decoded at the site when its out-of-line copy is first needed.
    instruction: Option<Instruction>,
    /// Counting in the tracee: a `jmp` replaces the `int3`.
    jump: Option<JumpSite>,
}

/// A counting site's trampoline, the five bytes the `jmp` replaced (the first one the
/// program's, not our `int3`), and its counter's value when last read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct JumpSite {
    counting: Counting,
    original: [u8; 5],
    base: u64,
    /// Whether the counter was below zero when last read (a trap is due or came).
    ran_out: bool,
}

/// The `jmp` instruction (rel32) that replaces a counting site's `int3`.
const JMP_REL32: u8 = 0xe9;
/// Its length: an instruction must be at least this long to be replaced by it.
const JMP_LEN: usize = 5;

/// The breakpoint sites of one process.
///
/// The original bytes are kept in the process layer's [`TrapSites`] table (the only record of
/// them, which the process core reads to classify traps and clean forked children); a `Sites`
/// made with [`Sites::default`] has a table of its own.
#[derive(Debug, Default)]
pub struct Sites {
    sites: BTreeMap<VirtAddr, Site>,
    originals: TrapSites,
    /// The out-of-line copies of the sites' instructions.
    scratch: Scratch,
    /// Hits let pass in the tracee and not taken yet, by the user breakpoint owning the site.
    unsynced: BTreeMap<u32, i64>,
    /// The counting sites.
    counting: BTreeSet<VirtAddr>,
}

impl Sites {
    /// No sites; their original bytes go to `originals` (e.g. [`dbg_process::Process::trap_sites`]).
    pub fn new(originals: TrapSites) -> Self {
        Sites {
            sites: BTreeMap::new(),
            originals,
            scratch: Scratch::default(),
            unsynced: BTreeMap::new(),
            counting: BTreeSet::new(),
        }
    }

    /// Give the site at `addr` the owner `owner`, writing the `int3` if it is the first.
    /// Returns whether this inserted the `int3`.
    pub fn add(&mut self, memory: &Memory, addr: VirtAddr, owner: SiteOwner) -> Result<bool> {
        if self
            .sites
            .get(&addr)
            .is_some_and(|s| !s.owners.contains(&owner))
        {
            // Another owner traps at every hit: the counting stops.
            self.disarm(memory, addr)?;
        }
        if let Some(site) = self.sites.get_mut(&addr) {
            site.owners.insert(owner);
            return Ok(false);
        }
        let original = *memory.read_exact(addr, 1)?.first().unwrap_or(&INT3);
        memory.write(addr, &[INT3])?;
        self.originals.insert(addr, original);
        let site = Site {
            owners: BTreeSet::from([owner]),
            inserted: true,
            plan: None,
            instruction: None,
            jump: None,
        };
        self.sites.insert(addr, site);
        Ok(true)
    }

    /// Take `owner` off the site at `addr`, restoring the original byte when no owner is
    /// left. Returns whether the site is gone.
    pub fn release(&mut self, memory: &Memory, addr: VirtAddr, owner: SiteOwner) -> Result<bool> {
        let Some(site) = self.sites.get_mut(&addr) else {
            return Ok(false);
        };
        if site.owners.len() > 1 || !site.owners.contains(&owner) {
            site.owners.remove(&owner);
            return Ok(false);
        }
        // The last owner: the byte goes back first, so that a failed write leaves the site
        // as it was (owned), never an int3 nobody owns.
        self.disarm(memory, addr)?;
        let Some(site) = self.sites.get(&addr) else {
            return Ok(false);
        };
        if site.inserted {
            memory.write(addr, &[self.original_byte(addr)])?;
        }
        self.sites.remove(&addr);
        self.originals.remove(addr);
        self.scratch.drop_copy(addr);
        Ok(true)
    }

    /// Whether an `int3` of ours is in memory at `addr`.
    pub fn is_inserted(&self, addr: VirtAddr) -> bool {
        self.sites.get(&addr).is_some_and(|s| s.inserted)
    }

    /// Whether there is no site at all.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// The byte our `int3` at `addr` replaced.
    pub fn original(&self, addr: VirtAddr) -> Option<u8> {
        self.sites
            .contains_key(&addr)
            .then(|| self.originals.original(addr))
            .flatten()
    }

    /// The original byte at a known site (an `int3` if the table lost it, which cannot
    /// happen while `self` owns the site).
    fn original_byte(&self, addr: VirtAddr) -> u8 {
        self.originals.original(addr).unwrap_or(INT3)
    }

    /// Who wants the site at `addr` (empty when there is none).
    pub fn owners(&self, addr: VirtAddr) -> impl Iterator<Item = SiteOwner> + '_ {
        self.sites
            .get(&addr)
            .into_iter()
            .flat_map(|s| s.owners.iter().copied())
    }

    /// How to run the instruction under the site at `addr`, decided now if it was not yet
    /// (from the bytes in memory, our other `int3`s and jumps hidden).
    pub fn plan(&mut self, memory: &Memory, addr: VirtAddr) -> Option<Plan> {
        let site = self.sites.get(&addr)?;
        if let Some(plan) = site.plan {
            return Some(plan);
        }
        let code = self.code_at(memory, addr);
        let (plan, instruction) = match displaced::quick_plan(&code) {
            Some(plan) => (plan, None),
            None => Self::decoded(&code, addr),
        };
        let site = self.sites.get_mut(&addr)?;
        site.plan = Some(plan);
        site.instruction = instruction;
        Some(plan)
    }

    /// The instruction under the site at `addr`, decoded, when it may run out of line.
    fn instruction(&mut self, memory: &Memory, addr: VirtAddr) -> Option<Instruction> {
        if !self.plan(memory, addr)?.relocatable {
            return None;
        }
        let site = self.sites.get(&addr)?;
        if site.instruction.is_some() {
            return site.instruction;
        }
        let code = self.code_at(memory, addr);
        let (_, instruction) = Self::decoded(&code, addr);
        self.sites.get_mut(&addr)?.instruction = instruction;
        instruction
    }

    /// Every site address, in order.
    pub fn addresses(&self) -> impl Iterator<Item = VirtAddr> + '_ {
        self.sites.keys().copied()
    }

    /// Take the `int3` at `addr` out (to execute the original instruction).
    pub fn lift(&mut self, memory: &Memory, addr: VirtAddr) -> Result<()> {
        self.disarm(memory, addr)?;
        let original = self.original_byte(addr);
        if let Some(site) = self.sites.get_mut(&addr) {
            if site.inserted {
                memory.poke(addr, &[original])?;
                site.inserted = false;
            }
        }
        Ok(())
    }

    /// Put a lifted `int3` back.
    pub fn lower(&mut self, memory: &Memory, addr: VirtAddr) -> Result<()> {
        if let Some(site) = self.sites.get_mut(&addr) {
            if !site.inserted {
                memory.poke(addr, &[INT3])?;
                site.inserted = true;
            }
        }
        Ok(())
    }

    /// Replace our `int3` (and counting `jmp`) bytes in `bytes` (read at `addr`) with the
    /// original bytes.
    pub fn hide(&self, addr: VirtAddr, bytes: &mut [u8]) {
        let end = addr
            .checked_add(bytes.len() as u64)
            .unwrap_or(VirtAddr::new(u64::MAX));
        let from = VirtAddr::new(addr.get().saturating_sub(JMP_LEN as u64 - 1));
        for (site_addr, site) in self.sites.range(from..end) {
            let Some(jump) = site.jump else { continue };
            for (at, byte) in (site_addr.get()..).zip(jump.original) {
                let offset = at
                    .checked_sub(addr.get())
                    .and_then(|o| usize::try_from(o).ok());
                if let Some(slot) = offset.and_then(|o| bytes.get_mut(o)) {
                    *slot = byte;
                }
            }
        }
        for (site_addr, site) in self.sites.range(addr..end) {
            if site.jump.is_some() {
                continue;
            }
            if !site.inserted {
                continue;
            }
            let offset = site_addr
                .offset_from(addr)
                .and_then(|o| usize::try_from(o).ok());
            if let Some(byte) = offset.and_then(|o| bytes.get_mut(o)) {
                *byte = self.original_byte(*site_addr);
            }
        }
    }

    /// Write `data` at `addr` on the user's behalf: bytes that fall on a site become its new
    /// original byte, and the `int3` stays. The instructions under the sites written over (or
    /// just after them, which an instruction may span) are planned again.
    pub fn write_through(&mut self, memory: &Memory, addr: VirtAddr, data: &[u8]) -> Result<()> {
        let end = addr
            .checked_add(data.len() as u64)
            .unwrap_or(VirtAddr::new(u64::MAX));
        let offset_of =
            |site: VirtAddr| site.offset_from(addr).and_then(|o| usize::try_from(o).ok());
        // A counting site written over (any of its five bytes) gets its `int3` back first.
        let from = VirtAddr::new(addr.get().saturating_sub(JMP_LEN as u64 - 1));
        let counting: Vec<VirtAddr> = self
            .sites
            .range(from..end)
            .filter(|(_, s)| s.jump.is_some())
            .map(|(a, _)| *a)
            .collect();
        for site in counting {
            self.disarm(memory, site)?;
        }
        let mut patched = data.to_vec();
        let covered: Vec<VirtAddr> = self.sites.range(addr..end).map(|(a, _)| *a).collect();
        for site_addr in &covered {
            let site = self.sites.get(site_addr);
            let byte = offset_of(*site_addr).and_then(|o| patched.get_mut(o));
            if let (Some(site), Some(byte)) = (site, byte) {
                if site.inserted {
                    *byte = INT3;
                }
            }
        }
        memory.write(addr, &patched)?;
        for site_addr in covered {
            if let Some(byte) = offset_of(site_addr).and_then(|o| data.get(o)) {
                self.originals.set_original(site_addr, *byte);
            }
        }
        // The instructions these bytes are part of are planned again when next needed.
        let first = VirtAddr::new(addr.get().saturating_sub(MAX_INSTRUCTION as u64 - 1));
        let replan: Vec<VirtAddr> = self.sites.range(first..end).map(|(a, _)| *a).collect();
        for site_addr in replan {
            if let Some(site) = self.sites.get_mut(&site_addr) {
                site.plan = None;
                site.instruction = None;
            }
            self.scratch.drop_copy(site_addr);
        }
        Ok(())
    }

    /// Restore every original byte and forget every site (detach, kill).
    pub fn clear(&mut self, memory: &Memory) -> Result<()> {
        let mut first_error = None;
        let counting: Vec<VirtAddr> = self
            .sites
            .iter()
            .filter(|(_, s)| s.jump.is_some())
            .map(|(a, _)| *a)
            .collect();
        for addr in counting {
            if let Err(error) = self.disarm(memory, addr) {
                first_error.get_or_insert(error);
            }
        }
        self.counting.clear();
        let sites = std::mem::take(&mut self.sites);
        for (addr, site) in &sites {
            if site.inserted {
                match memory.write(*addr, &[self.original_byte(*addr)]) {
                    // Memory that is gone (a library unloaded) holds no int3 to restore.
                    Ok(()) | Err(crate::Error::Unwritable { .. }) => {}
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            self.originals.remove(*addr);
            self.scratch.drop_copy(*addr);
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Forget the sites in `start..end` without touching memory (a library unloaded there:
    /// its memory, and our `int3`s in it, are gone). Returns the addresses forgotten.
    pub fn forget_range(&mut self, start: VirtAddr, end: VirtAddr) -> Vec<VirtAddr> {
        let gone: Vec<VirtAddr> = self.sites.range(start..end).map(|(a, _)| *a).collect();
        for addr in &gone {
            self.counting.remove(addr);
            self.sites.remove(addr);
            self.originals.remove(*addr);
            self.scratch.drop_copy(*addr);
        }
        gone
    }

    /// Forget every site without touching memory (the process is gone, or exec replaced
    /// its memory); the scratch areas went with that memory.
    pub fn forget(&mut self) {
        for addr in std::mem::take(&mut self.sites).into_keys() {
            self.originals.remove(addr);
        }
        self.scratch.forget();
        self.unsynced.clear();
        self.counting.clear();
    }

    /// Count the hits of the site at `addr` in the tracee from now on: its `int3` becomes a
    /// `jmp` to a trampoline that lets `count` hits pass without a stop and traps at the next
    /// one (reported as a hit of the site, the process layer knowing the trampoline's `int3`).
    /// Only for a site with an out-of-line copy already (so no system call is run for it)
    /// whose instruction is long enough for the `jmp`; `Ok(false)` otherwise. Other threads
    /// may be running: the `jmp`'s last four bytes go in first, its first byte last, so a
    /// thread sees either our `int3` or the whole `jmp`.
    pub fn arm_counting(&mut self, memory: &Memory, addr: VirtAddr, count: u64) -> Result<bool> {
        let Some(site) = self.sites.get(&addr) else {
            return Ok(false);
        };
        if site.jump.is_some() {
            self.set_count(memory, addr, count)?;
            return Ok(true);
        }
        let inserted = site.inserted;
        let long_enough = self
            .instruction(memory, addr)
            .is_some_and(|instruction| instruction.len() >= JMP_LEN);
        let crowded = self
            .sites
            .range(addr.wrapping_add(1)..addr.wrapping_add(JMP_LEN as u64))
            .next()
            .is_some();
        if !inserted || !long_enough || crowded || !self.scratch.has_copy(addr) {
            return Ok(false);
        }
        let Some(counting) = self.scratch.counting(memory, addr)? else {
            return Ok(false);
        };
        let Ok(rel) = i32::try_from(
            counting
                .entry
                .get()
                .wrapping_sub(addr.get() + JMP_LEN as u64) as i64,
        ) else {
            return Ok(false);
        };
        let tail = memory.read_exact(addr.wrapping_add(1), JMP_LEN - 1)?;
        let mut original = [self.original_byte(addr); JMP_LEN];
        for (to, from) in original.iter_mut().skip(1).zip(&tail) {
            *to = *from;
        }
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        memory.poke(counting.counter, &count.to_le_bytes())?;
        let rel = rel.to_le_bytes();
        memory.poke(addr.wrapping_add(1), &rel)?;
        memory.poke(addr, &[JMP_REL32])?;
        let patched = [JMP_REL32, rel[0], rel[1], rel[2], rel[3]];
        self.originals
            .set_jump(addr, Jump { original, patched }, counting.trap);
        if let Some(site) = self.sites.get_mut(&addr) {
            site.jump = Some(JumpSite {
                counting,
                original,
                base: count as u64,
                ran_out: false,
            });
        }
        self.counting.insert(addr);
        Ok(true)
    }

    /// Map the counters pages the scratch areas lack (see `Scratch::map_missing_counters`):
    /// every thread of `process` is stopped.
    pub fn map_missing_counters(&mut self, process: &mut Process, memory: &Memory) {
        self.scratch.map_missing_counters(process, memory);
    }

    /// Whether the site at `addr` counts its hits in the tracee.
    pub fn is_counting(&self, addr: VirtAddr) -> bool {
        self.counting.contains(&addr)
    }

    /// The counting sites, in order.
    pub fn counting_sites(&self) -> impl Iterator<Item = VirtAddr> + '_ {
        self.counting.iter().copied()
    }

    /// Whether counting site `addr`'s counter was below zero when last read: a hit reported
    /// at it is then its trampoline's trap (or one due anyway), not an `int3` hit from before
    /// the site counted.
    pub fn ran_out(&self, addr: VirtAddr) -> bool {
        self.sites
            .get(&addr)
            .and_then(|s| s.jump)
            .is_some_and(|j| j.ran_out)
    }

    /// How many hits counting site `addr` lets pass, as last read or written.
    pub fn count_left(&self, addr: VirtAddr) -> Option<u64> {
        self.sites.get(&addr)?.jump.map(|j| j.base)
    }

    /// Whether a thread may be inside a counting trampoline (one was ever written: a site
    /// that stopped counting keeps it until the site goes).
    pub fn trampolines_written(&self) -> bool {
        self.scratch.counting_written()
    }

    /// Let a counting site at `addr` pass `count` more hits (the user changed them); its
    /// hits counted so far are kept for [`Sites::take_counts`].
    pub fn set_count(&mut self, memory: &Memory, addr: VirtAddr, count: u64) -> Result<()> {
        let counted = self.read_counted(memory, addr)?;
        let Some(jump) = self.sites.get_mut(&addr).and_then(|s| s.jump.as_mut()) else {
            return Ok(());
        };
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        memory.poke(jump.counting.counter, &count.to_le_bytes())?;
        jump.base = count as u64;
        jump.ran_out = false;
        self.keep_counted(addr, counted);
        Ok(())
    }

    /// Stop counting at `addr` (if it counts): the `int3` back, its first byte first. Every
    /// thread is stopped, none inside the trampoline.
    pub fn disarm(&mut self, memory: &Memory, addr: VirtAddr) -> Result<()> {
        if !self.is_counting(addr) {
            return Ok(());
        }
        let counted = self.read_counted(memory, addr)?;
        let Some(jump) = self.sites.get(&addr).and_then(|s| s.jump) else {
            return Ok(());
        };
        memory.poke(addr, &[INT3])?;
        memory.poke(
            addr.wrapping_add(1),
            jump.original.get(1..).unwrap_or_default(),
        )?;
        self.originals.clear_jump(addr);
        if let Some(site) = self.sites.get_mut(&addr) {
            site.jump = None;
        }
        self.counting.remove(&addr);
        self.keep_counted(addr, counted);
        Ok(())
    }

    /// The hits let pass in the tracee since last asked (by sites no longer counting too), by
    /// user breakpoint: what their hit counts are to add, and their ignore counts to take off.
    /// A counter below zero means hits that trapped (each reported as a stop of its own): not
    /// counted here.
    pub fn take_counts(&mut self, memory: &Memory) -> Result<Vec<(u32, i64)>> {
        if self.counting.is_empty() && self.unsynced.is_empty() {
            return Ok(Vec::new());
        }
        let counting: Vec<VirtAddr> = self.counting.iter().copied().collect();
        for addr in counting {
            let counted = self.read_counted(memory, addr)?;
            self.keep_counted(addr, counted);
        }
        Ok(std::mem::take(&mut self.unsynced)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect())
    }

    /// Keep `counted` hits of the site at `addr` for its user breakpoints.
    fn keep_counted(&mut self, addr: VirtAddr, counted: i64) {
        if counted == 0 {
            return;
        }
        for owner in self.sites.get(&addr).into_iter().flat_map(|s| &s.owners) {
            if let SiteOwner::Breakpoint(id) = owner {
                *self.unsynced.entry(*id).or_default() += counted;
            }
        }
    }

    /// The hits counting site `addr` let pass since its counter was last read, its base
    /// moved to the counter's value (zero once negative). Negative when hits counted then
    /// were given back since ([`Sites::give_back_hit`]: a thread taken back to its site).
    fn read_counted(&mut self, memory: &Memory, addr: VirtAddr) -> Result<i64> {
        let Some(counter) = self
            .sites
            .get(&addr)
            .and_then(|s| s.jump)
            .map(|j| j.counting.counter)
        else {
            return Ok(0);
        };
        let now = read_counter(memory, counter)?;
        Ok(self.counted_since(addr, now))
    }

    /// [`Sites::read_counted`] with the counter's value `now` read already.
    fn counted_since(&mut self, addr: VirtAddr, now: i64) -> i64 {
        let Some(jump) = self.sites.get_mut(&addr).and_then(|s| s.jump.as_mut()) else {
            return 0;
        };
        jump.ran_out = now < 0;
        let now = now.max(0) as u64;
        let counted = jump.base as i64 - now as i64;
        jump.base = now;
        counted
    }

    /// The counters of the counting sites: what the process keeps the last values of when
    /// it ends ([`dbg_process::Process::keep_at_exit`]).
    pub fn counters(&self) -> Vec<VirtAddr> {
        self.counting
            .iter()
            .filter_map(|addr| self.sites.get(addr)?.jump.map(|j| j.counting.counter))
            .collect()
    }

    /// The process ended: the hits let pass, from its counters' last values (`last`, by
    /// counter address), as [`Sites::take_counts`] gives them.
    pub fn take_final_counts(&mut self, last: &BTreeMap<VirtAddr, u64>) -> Vec<(u32, i64)> {
        let counting: Vec<(VirtAddr, VirtAddr)> = self
            .counting
            .iter()
            .filter_map(|addr| Some((*addr, self.sites.get(addr)?.jump?.counting.counter)))
            .collect();
        for (addr, counter) in counting {
            if let Some(value) = last.get(&counter) {
                let counted = self.counted_since(addr, *value as i64);
                self.keep_counted(addr, counted);
            }
        }
        std::mem::take(&mut self.unsynced)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect()
    }

    /// Give a counter in the scratch area back the decrement of a thread taken back to its
    /// site from inside the trampoline (every thread is stopped).
    pub fn give_back_hit(&self, memory: &Memory, counter: VirtAddr) -> Result<()> {
        let value = read_counter(memory, counter)?.saturating_add(1);
        memory.poke(counter, &value.to_le_bytes())
    }

    /// Where to resume the current thread of `process`, sitting at the site `addr`, so that
    /// the instruction under it runs out of line: its copy in the scratch area (made now if
    /// need be, mapping an area into the tracee the first time). The `int3` stays in.
    pub fn out_of_line(
        &mut self,
        process: &mut Process,
        memory: &Memory,
        addr: VirtAddr,
    ) -> Result<OutOfLine> {
        let Some(instruction) = self.instruction(memory, addr) else {
            return Ok(OutOfLine::Unavailable);
        };
        let sites = &self.sites;
        let is_site = |at: VirtAddr| sites.contains_key(&at);
        self.scratch
            .copy_for(process, memory, addr, &instruction, &is_site)
    }

    /// Whether the site at `addr` has its out-of-line copy already.
    pub fn has_copy(&self, addr: VirtAddr) -> bool {
        self.scratch.has_copy(addr)
    }

    /// What a pc in the scratch area stands for in the program (`None` for any other pc).
    pub fn scratch_place(&self, pc: VirtAddr) -> Option<Place> {
        self.scratch.locate(pc)
    }

    /// Whether `addr` is in the scratch area, which the program never sees.
    pub fn in_scratch(&self, addr: VirtAddr) -> bool {
        self.scratch.contains(addr)
    }

    /// The scratch areas mapped into the tracee, as address ranges.
    pub fn scratch_areas(&self) -> impl Iterator<Item = (VirtAddr, VirtAddr)> + '_ {
        self.scratch.areas()
    }

    /// The out-of-line copies in the scratch areas, in site order.
    pub fn scratch_copies(&self) -> impl Iterator<Item = crate::scratch::CopyInfo> + '_ {
        self.scratch.copies()
    }

    /// Unmap the scratch areas from the tracee, through its current thread (detach: the
    /// process is left as it would be without the debugger). Best effort where the thread
    /// cannot run a system call for us (see `Scratch::unmap`).
    pub fn unmap_scratch(&mut self, process: &mut Process, memory: &Memory) -> Result<()> {
        for addr in self.sites.keys() {
            self.scratch.drop_copy(*addr);
        }
        self.scratch.unmap(process, memory)
    }

    /// The program's bytes of the instruction at the site `addr`: read from memory, with our
    /// `int3`s and jumps (this site's too) hidden.
    fn code_at(&self, memory: &Memory, addr: VirtAddr) -> Vec<u8> {
        let mut code = memory
            .read(addr, MAX_INSTRUCTION)
            .map(|r| r.bytes)
            .unwrap_or_default();
        self.hide(addr, &mut code);
        if let Some(first) = code.first_mut() {
            *first = self.original_byte(addr);
        }
        code
    }

    /// How to run the instruction `code` at `addr`, by decoding it.
    fn decoded(code: &[u8], addr: VirtAddr) -> (Plan, Option<Instruction>) {
        let planned = displaced::plan(code, addr);
        let plan = Plan {
            displaced: planned.displaced,
            trusted_step: planned.trusted_step,
            relocatable: planned.relocatable.is_some(),
        };
        (plan, planned.relocatable)
    }
}

/// The value of a counting site's counter at `counter`.
fn read_counter(memory: &Memory, counter: VirtAddr) -> Result<i64> {
    let raw = memory.read_exact(counter, 8)?;
    let mut word = [0u8; 8];
    for (to, from) in word.iter_mut().zip(&raw) {
        *to = *from;
    }
    Ok(i64::from_le_bytes(word))
}
