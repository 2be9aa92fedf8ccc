//! The scratch area: executable memory dbg maps into the tracee so that the instruction under
//! a breakpoint can run out of line.
//!
//! Each site whose instruction may run elsewhere ([`crate::Plan::relocatable`]) gets a slot
//! holding a copy of that instruction, re-encoded for the slot's address (a RIP-relative
//! operand still reaches the same byte), followed by an absolute `jmp` back to the next
//! original instruction. A thread resuming from an ignored hit is simply set to the slot and
//! continued: one stop per hit, the `int3` never lifted, no other thread held.
//!
//! An area is a private anonymous mapping (`PROT_READ | PROT_EXEC`; dbg writes it through
//! `/proc/PID/mem`) of [`AREA_SIZE`] bytes, placed within reach of a RIP-relative displacement
//! of the sites it serves (±2 GiB), below them and never in the gap above the heap, where the
//! program's `brk` grows. It is mapped by running `mmap` in the tracee on a stopped thread
//! ([`dbg_process::Process::inject_syscall`]), at a `syscall` instruction found in the
//! tracee's own code (the vDSO first), so that no byte of the program is written for it;
//! `MAP_FIXED_NOREPLACE` makes sure nothing of the program's is replaced. Areas are made when
//! first needed (so again after an exec, and after attach) and unmapped the same way on detach.

use std::collections::{BTreeMap, BTreeSet};

use dbg_process::{Injected, Process, StopReason};
use dbg_sys::VirtAddr;
use iced_x86::{Encoder, Instruction};

use crate::access::Memory;
use crate::error::Result;
use crate::maps::Mappings;

/// Bytes per area.
pub const AREA_SIZE: u64 = 64 * 1024;
/// Bytes per slot: the longest instruction (15) and the absolute jump back (14), rounded up.
const SLOT_SIZE: u64 = 32;
/// How far an area may be from the sites it serves: a rel32 displacement's reach, less the
/// area itself and a margin for operands a little beyond their instruction.
const REACH: u64 = (1 << 31) - AREA_SIZE - (16 << 20);
/// Where an area goes, ideally: this far below the site that needs it.
const BELOW: u64 = 1 << 30;
/// Kept free above the heap (the program's `brk` grows there) and below the stack.
const HEAP_ROOM: u64 = 1 << 30;
/// Nothing is placed below this (`vm.mmap_min_addr` and the null page region).
const LOWEST: u64 = 1 << 20;
/// The top of user space.
const HIGHEST: u64 = 0x7fff_ffff_f000;
/// How much code is searched for a `syscall` instruction per mapping.
const SEARCH: usize = 1 << 20;

const SYS_MMAP: u64 = 9;
const SYS_MUNMAP: u64 = 11;
const PROT_READ: u64 = 1;
const PROT_EXEC: u64 = 4;
const MAP_PRIVATE: u64 = 0x02;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;

/// Where a pc inside the scratch area stands for, in the program's own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// At the start of a site's copy: the site's instruction has not run yet.
    Site(VirtAddr),
    /// Past the copied instruction (at the jump back): the instruction after the site's.
    After(VirtAddr),
}

/// What asking for a site's copy came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfLine {
    /// The copy is at this address: resume the thread there.
    Copy(VirtAddr),
    /// The instruction cannot run out of line (or no area could be had): step it.
    Unavailable,
    /// Mapping an area was cut short by another stop of the thread (a signal due before the
    /// `mmap` ran): its registers are back as they were and this stop is to be handled.
    Stopped(StopReason),
}

/// One site's copy, as `maintenance info scratch` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyInfo {
    /// The breakpoint site whose instruction is copied.
    pub site: VirtAddr,
    /// Where the copy starts in the scratch area.
    pub slot: VirtAddr,
    /// The copied instruction's length there (the absolute jump back follows it).
    pub len: u64,
    /// Where the jump back goes: the instruction after the site's.
    pub next: VirtAddr,
}

#[derive(Debug, Clone, Copy)]
struct Copy {
    slot: VirtAddr,
    /// The copied instruction's length in the slot (it may differ from the original's).
    encoded: u64,
    site: VirtAddr,
    /// The instruction after the site's.
    next: VirtAddr,
}

#[derive(Debug)]
struct Area {
    base: VirtAddr,
    /// Offset of the first slot never used.
    used: u64,
    /// Slots given back (their site gone), to be used again.
    free: Vec<VirtAddr>,
}

impl Area {
    fn serves(&self, site: VirtAddr) -> bool {
        let (lo, hi) = (self.base.get(), self.base.get() + AREA_SIZE);
        site.get().abs_diff(lo) < REACH && site.get().abs_diff(hi) < REACH
    }

    fn take_slot(&mut self) -> Option<VirtAddr> {
        if let Some(slot) = self.free.pop() {
            return Some(slot);
        }
        (self.used + SLOT_SIZE <= AREA_SIZE).then(|| {
            let slot = self.base.wrapping_add(self.used);
            self.used += SLOT_SIZE;
            slot
        })
    }

    fn contains(&self, addr: VirtAddr) -> bool {
        (self.base.get()..self.base.get() + AREA_SIZE).contains(&addr.get())
    }
}

/// The scratch areas of one process and the copies in them.
#[derive(Debug, Default)]
pub struct Scratch {
    areas: Vec<Area>,
    /// Site → its copy.
    copies: BTreeMap<VirtAddr, Copy>,
    /// Slot → site, to map a pc in the area back.
    slots: BTreeMap<VirtAddr, VirtAddr>,
    /// Sites whose copy could not be made (out of reach, no area): stepped, not tried again.
    refused: BTreeSet<VirtAddr>,
    /// A `syscall` instruction of the tracee's own, found once per program.
    syscall_at: Option<VirtAddr>,
}

impl Scratch {
    /// The copy of the instruction at `site` (`instruction`, decoded there), made now if
    /// there is none. `is_site` says whether an address is one of our `int3`s (the `syscall`
    /// used to map an area must not be one).
    pub(crate) fn copy_for(
        &mut self,
        process: &mut Process,
        memory: &Memory,
        site: VirtAddr,
        instruction: &Instruction,
        is_site: &dyn Fn(VirtAddr) -> bool,
    ) -> Result<OutOfLine> {
        if let Some(copy) = self.copies.get(&site) {
            return Ok(OutOfLine::Copy(copy.slot));
        }
        if self.refused.contains(&site) {
            return Ok(OutOfLine::Unavailable);
        }
        let slot = match self.areas.iter_mut().find(|a| a.serves(site)) {
            Some(area) => area.take_slot(),
            None => None,
        };
        let slot = match slot {
            Some(slot) => slot,
            None => match self.map_area(process, memory, site, is_site)? {
                Ok(Some(slot)) => slot,
                Ok(None) => {
                    self.refused.insert(site);
                    return Ok(OutOfLine::Unavailable);
                }
                Err(stopped) => return Ok(OutOfLine::Stopped(stopped)),
            },
        };
        let next = site.wrapping_add(instruction.len() as u64);
        let Some(code) = relocate(instruction, slot, next) else {
            // Out of reach of its RIP-relative operand, or not encodable: stepped.
            self.give_back(slot);
            self.refused.insert(site);
            return Ok(OutOfLine::Unavailable);
        };
        if let Err(error) = memory.poke(slot, &code.bytes) {
            self.give_back(slot);
            return Err(error);
        }
        self.copies.insert(
            site,
            Copy {
                slot,
                encoded: code.encoded,
                site,
                next,
            },
        );
        self.slots.insert(slot, site);
        Ok(OutOfLine::Copy(slot))
    }

    /// Whether `site` has its copy.
    pub fn has_copy(&self, site: VirtAddr) -> bool {
        self.copies.contains_key(&site)
    }

    /// What a pc inside a copy stands for in the program; `None` outside the scratch areas.
    pub fn locate(&self, pc: VirtAddr) -> Option<Place> {
        let (_, site) = self.slots.range(..=pc).next_back()?;
        let copy = self.copies.get(site)?;
        let offset = pc.offset_from(copy.slot)?;
        if offset >= SLOT_SIZE {
            return None;
        }
        Some(if offset == 0 {
            Place::Site(copy.site)
        } else if offset >= copy.encoded {
            Place::After(copy.next)
        } else {
            // Inside an instruction: cannot be a pc. Closest meaning: not run yet.
            Place::Site(copy.site)
        })
    }

    /// Whether `addr` is in one of the scratch areas.
    pub fn contains(&self, addr: VirtAddr) -> bool {
        self.areas.iter().any(|a| a.contains(addr))
    }

    /// Every site's copy, in site order.
    pub fn copies(&self) -> impl Iterator<Item = CopyInfo> + '_ {
        self.copies.values().map(|copy| CopyInfo {
            site: copy.site,
            slot: copy.slot,
            len: copy.encoded,
            next: copy.next,
        })
    }

    /// The scratch areas, as address ranges.
    pub fn areas(&self) -> impl Iterator<Item = (VirtAddr, VirtAddr)> + '_ {
        self.areas
            .iter()
            .map(|a| (a.base, a.base.wrapping_add(AREA_SIZE)))
    }

    /// Forget the copy of `site` (the site is gone, or its code changed); its slot is used
    /// again. No thread runs in it: copies are dropped only while the process is stopped, and
    /// a stopped thread's pc is never left in a copy.
    pub(crate) fn drop_copy(&mut self, site: VirtAddr) {
        self.refused.remove(&site);
        if let Some(copy) = self.copies.remove(&site) {
            self.slots.remove(&copy.slot);
            self.give_back(copy.slot);
        }
    }

    /// Forget everything without touching the tracee (its memory is gone: exec, death).
    pub(crate) fn forget(&mut self) {
        *self = Scratch::default();
    }

    /// Unmap every area from the tracee (detach) on its current thread; forgotten either way.
    /// Best effort: an area that cannot be unmapped (the thread is at a system-call entry, a
    /// signal came first) stays, unused and harmless.
    pub(crate) fn unmap(&mut self, process: &mut Process, memory: &Memory) -> Result<()> {
        let areas: Vec<VirtAddr> = self.areas.iter().map(|a| a.base).collect();
        let syscall_at = self.syscall_instruction(process, memory, &|_| false);
        self.forget();
        let Some(at) = syscall_at else {
            return Ok(());
        };
        for base in areas {
            match process.inject_syscall(at, SYS_MUNMAP, [base.get(), AREA_SIZE, 0, 0, 0, 0]) {
                Ok(Injected::Returned(_)) => {}
                Ok(Injected::Stopped(StopReason::Stopped(stop))) => {
                    // A signal became due first and was taken from the thread's queue: it
                    // goes back there, for the program to receive after detach.
                    if stop.trap.is_none() && stop.signal != dbg_sys::Signal::SIGSTOP {
                        let _ = dbg_sys::thread::tgkill(memory.pid(), stop.tid, stop.signal);
                    }
                    break;
                }
                Ok(Injected::Stopped(_)) | Err(dbg_process::Error::InSyscall(_)) => break,
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    fn give_back(&mut self, slot: VirtAddr) {
        if let Some(area) = self.areas.iter_mut().find(|a| a.contains(slot)) {
            area.free.push(slot);
        }
    }

    /// Map a new area within reach of `site` and take its first slot: `Ok(None)` when no
    /// place or no `syscall` instruction was found or the kernel refused (the tracee is as it
    /// was), `Err(stop)` when the thread stopped for something else first.
    fn map_area(
        &mut self,
        process: &mut Process,
        memory: &Memory,
        site: VirtAddr,
        is_site: &dyn Fn(VirtAddr) -> bool,
    ) -> Result<Result<Option<VirtAddr>, StopReason>> {
        let Ok(maps) = Mappings::read(memory.pid()) else {
            return Ok(Ok(None));
        };
        let Some(base) = place(&maps, site) else {
            return Ok(Ok(None));
        };
        let Some(at) = self.syscall_instruction(process, memory, is_site) else {
            return Ok(Ok(None));
        };
        let args = [
            base.get(),
            AREA_SIZE,
            PROT_READ | PROT_EXEC,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
            u64::MAX,
            0,
        ];
        let mapped = match process.inject_syscall(at, SYS_MMAP, args) {
            Ok(Injected::Returned(mapped)) => mapped,
            Ok(Injected::Stopped(stop)) => return Ok(Err(stop)),
            Err(dbg_process::Error::InSyscall(_)) => return Ok(Ok(None)),
            Err(error) => return Err(error.into()),
        };
        if mapped != base.get() {
            // A kernel without MAP_FIXED_NOREPLACE takes the address as a hint: a mapping
            // elsewhere is of no use (maybe out of reach) and goes again.
            if mapped < u64::MAX - 4095 {
                let undo = [mapped, AREA_SIZE, 0, 0, 0, 0];
                let _ = process.inject_syscall(at, SYS_MUNMAP, undo);
            }
            return Ok(Ok(None));
        }
        let mut area = Area {
            base,
            used: 0,
            free: Vec::new(),
        };
        let slot = area.take_slot();
        self.areas.push(area);
        Ok(Ok(slot))
    }

    /// The address of two bytes `0f 05` in the tracee's code, checked still to be there.
    fn syscall_instruction(
        &mut self,
        process: &mut Process,
        memory: &Memory,
        is_site: &dyn Fn(VirtAddr) -> bool,
    ) -> Option<VirtAddr> {
        let _ = process;
        let usable = |at: VirtAddr| {
            !is_site(at)
                && !is_site(at.wrapping_add(1))
                && memory.read_exact(at, 2).is_ok_and(|b| b == [0x0f, 0x05])
        };
        if let Some(at) = self.syscall_at.filter(|at| usable(*at)) {
            return Some(at);
        }
        let maps = Mappings::read(memory.pid()).ok()?;
        // The vDSO first (small, always there, never unloaded), then the other code.
        let mut code: Vec<_> = maps.0.iter().filter(|m| m.executable()).collect();
        code.sort_by_key(|m| m.path != "[vdso]");
        for mapping in code {
            let len = usize::try_from(mapping.end.get() - mapping.start.get())
                .unwrap_or(SEARCH)
                .min(SEARCH);
            let Ok(read) = memory.read(mapping.start, len) else {
                continue;
            };
            let found = read
                .bytes
                .windows(2)
                .enumerate()
                .filter(|(_, pair)| *pair == [0x0f, 0x05])
                .map(|(offset, _)| mapping.start.wrapping_add(offset as u64))
                .find(|at| !is_site(*at) && !is_site(at.wrapping_add(1)));
            if let Some(at) = found {
                self.syscall_at = Some(at);
                return Some(at);
            }
        }
        None
    }
}

/// An instruction re-encoded for its slot, followed by the jump back.
struct Relocated {
    bytes: Vec<u8>,
    /// Length of the re-encoded instruction alone.
    encoded: u64,
}

/// `instruction` re-encoded at `slot` (RIP-relative operands re-targeted), then
/// `jmp qword [rip+0]` with `next` after it. `None` when it cannot be encoded there.
fn relocate(instruction: &Instruction, slot: VirtAddr, next: VirtAddr) -> Option<Relocated> {
    let mut encoder = Encoder::new(64);
    let encoded = encoder.encode(instruction, slot.get()).ok()? as u64;
    let mut bytes = encoder.take_buffer();
    bytes.extend_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
    bytes.extend_from_slice(&next.get().to_le_bytes());
    (bytes.len() as u64 <= SLOT_SIZE).then_some(Relocated { bytes, encoded })
}

/// Where to put an area serving `site`: a free, 64 KiB-aligned range within [`REACH`] of it,
/// as close as possible to [`BELOW`] under it, not in the first [`HEAP_ROOM`] above the heap
/// nor in the last below the stack.
fn place(maps: &Mappings, site: VirtAddr) -> Option<VirtAddr> {
    const ALIGN: u64 = 64 * 1024;
    let site = site.get();
    let heap_end = maps.find_named("[heap]").map(|m| m.end.get());
    let low = site.saturating_sub(REACH).max(LOWEST);
    let stack = maps
        .find_named("[stack]")
        .map_or(HIGHEST, |m| m.start.get());
    let high = site
        .saturating_add(REACH)
        .min(HIGHEST)
        .min(stack.saturating_sub(HEAP_ROOM));
    let goal = site.saturating_sub(BELOW).max(low);
    let mut starts = vec![0u64];
    let mut ends = Vec::new();
    for mapping in &maps.0 {
        ends.push(mapping.start.get());
        starts.push(mapping.end.get());
    }
    ends.push(HIGHEST);
    let mut best: Option<u64> = None;
    for (gap_start, gap_end) in starts.into_iter().zip(ends) {
        let mut from = gap_start.max(low);
        if heap_end == Some(gap_start) {
            from = from.max(gap_start.saturating_add(HEAP_ROOM));
        }
        let from = from.div_ceil(ALIGN) * ALIGN;
        let to = gap_end.min(high);
        if to < from.saturating_add(AREA_SIZE) {
            continue;
        }
        let last = (to - AREA_SIZE) / ALIGN * ALIGN;
        let here = (goal / ALIGN * ALIGN).clamp(from, last);
        if best.is_none_or(|b| here.abs_diff(goal) < b.abs_diff(goal)) {
            best = Some(here);
        }
    }
    best.map(VirtAddr::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced_x86::{Decoder, DecoderOptions};

    fn decode(code: &[u8], ip: u64) -> Instruction {
        Decoder::with_ip(64, code, ip, DecoderOptions::NONE).decode()
    }

    #[test]
    fn relocation_keeps_rip_relative_targets() {
        // mov rax, [rip+0x2edb] at 0x555555555125: reads 0x555555558007.
        let original = decode(
            &[0x48, 0x8b, 0x05, 0xdb, 0x2e, 0x00, 0x00],
            0x5555_5555_5125,
        );
        let slot = VirtAddr::new(0x5555_1555_0000);
        let next = VirtAddr::new(0x5555_5555_512c);
        let copy = relocate(&original, slot, next).unwrap();
        let again = decode(&copy.bytes, slot.get());
        assert_eq!(again.ip_rel_memory_address(), 0x5555_5555_8007);
        assert_eq!(copy.encoded, 7);
        // The jump back: jmp qword [rip+0], then the next instruction's address.
        let tail = copy.bytes.get(7..).unwrap();
        assert_eq!(tail.get(..6).unwrap(), [0xff, 0x25, 0, 0, 0, 0]);
        assert_eq!(tail.get(6..).unwrap(), next.get().to_le_bytes());
    }

    #[test]
    fn pcs_in_a_copy_stand_for_the_site_or_the_next_instruction() {
        let mut scratch = Scratch::default();
        let slot = VirtAddr::new(0x1000_0020);
        let site = VirtAddr::new(0x4000_1000);
        scratch.copies.insert(
            site,
            Copy {
                slot,
                encoded: 7,
                site,
                next: VirtAddr::new(0x4000_1007),
            },
        );
        scratch.slots.insert(slot, site);
        assert_eq!(scratch.locate(slot), Some(Place::Site(site)));
        assert_eq!(
            scratch.locate(VirtAddr::new(0x1000_0027)),
            Some(Place::After(VirtAddr::new(0x4000_1007)))
        );
        assert_eq!(scratch.locate(VirtAddr::new(0x1000_001f)), None);
        assert_eq!(scratch.locate(VirtAddr::new(0x1000_0040)), None);
    }

    #[test]
    fn relocation_out_of_reach_is_refused() {
        let original = decode(
            &[0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00],
            0x7fff_f000_0000,
        );
        assert!(relocate(&original, VirtAddr::new(0x1000_0000), VirtAddr::new(0)).is_none());
    }

    #[test]
    fn placement_below_the_code_and_clear_of_the_heap() {
        let maps = Mappings::parse(
            "555555554000-555555559000 r-xp 00000000 08:01 1 /bin/prog\n\
             555555559000-55555557a000 rw-p 00000000 00:00 0 [heap]\n\
             7ffff7dd0000-7ffff7fff000 r-xp 00000000 08:01 2 /lib/libc.so.6\n\
             7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]\n",
        );
        let exe = place(&maps, VirtAddr::new(0x5555_5555_5125)).unwrap();
        assert_eq!(exe.get(), (0x5555_5555_5125 - BELOW) / 0x10000 * 0x10000);
        let lib = place(&maps, VirtAddr::new(0x7fff_f7dd_1000)).unwrap();
        assert!(lib.get() < 0x7fff_f7dd_0000 && lib.get() > 0x5555_5557_a000 + HEAP_ROOM);
        // A non-PIE program low in memory: the area fits under it.
        let low = Mappings::parse("400000-402000 r-xp 00000000 08:01 1 /bin/prog\n");
        let area = place(&low, VirtAddr::new(0x401000)).unwrap();
        assert!(area.get() >= LOWEST && area.get() + AREA_SIZE <= 0x400000);
    }
}
