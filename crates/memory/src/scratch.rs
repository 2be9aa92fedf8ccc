//! The scratch area: executable memory dbg maps into the tracee so that the instruction under
//! a breakpoint can run out of line.
//!
//! Each site whose instruction may run elsewhere ([`crate::Plan::relocatable`]) gets a slot
//! holding a copy of that instruction, re-encoded for the slot's address (a RIP-relative
//! operand still reaches the same byte), followed by an absolute `jmp` back to the next
//! original instruction. A thread resuming from an ignored hit is simply set to the slot and
//! continued: one stop per hit, the `int3` never lifted, no other thread held.
//!
//! A site whose hits are to be counted in the tracee (a breakpoint with hits to ignore) also
//! gets a *counting trampoline* in its slot: the site's first five bytes become a `jmp` to it,
//! and it decrements the site's counter (`lock dec`, flags saved below the red zone) and goes
//! on to the copy while the counter stays non-negative, else reaches an `int3` of its own,
//! which the process layer reports as a hit of the site ([`dbg_process::TrapSites`]). Ignored
//! hits then cost no stop at all. The counters are in a page of their own (`PROT_READ |
//! PROT_WRITE`) mapped just above the area.
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
/// Bytes per slot: the copy (the longest instruction, 15, and the absolute jump back, 14) in
/// the first 32, the counting trampoline from [`PROLOGUE`] on.
const SLOT_SIZE: u64 = 128;
/// Where a slot's counting trampoline starts.
const PROLOGUE: u64 = 32;
/// Where a slot's counting trampoline's trap path starts.
const TRAP_PATH: u64 = 64;
/// The counters page above each area.
const COUNTERS_SIZE: u64 = 4096;
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
const PROT_WRITE: u64 = 2;
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
    /// In a counting trampoline, before the copy: the thread is to go back to the site as
    /// if it had not reached it yet — `rsp` raised by `rsp_add`, the flags taken back from
    /// the stack when `flags_on_stack` (at `rsp`, before raising it), and the counter given
    /// back its decrement when `counter` is set.
    Entering {
        site: VirtAddr,
        rsp_add: u64,
        flags_on_stack: bool,
        counter: Option<VirtAddr>,
    },
}

/// A site's counting trampoline, written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counting {
    /// Where the site's `jmp` goes.
    pub entry: VirtAddr,
    /// The trampoline's `int3`, reached when the counter goes negative.
    pub trap: VirtAddr,
    /// The site's counter: hits still to let pass.
    pub counter: VirtAddr,
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
    /// The counter of its counting trampoline, if it has one (the site may not count now).
    pub counter: Option<VirtAddr>,
}

#[derive(Debug, Clone, Copy)]
struct Copy {
    slot: VirtAddr,
    /// The copied instruction's length in the slot (it may differ from the original's).
    encoded: u64,
    site: VirtAddr,
    /// The instruction after the site's.
    next: VirtAddr,
    /// Its counter, once its counting trampoline is written.
    counter: Option<VirtAddr>,
}

#[derive(Debug)]
struct Area {
    base: VirtAddr,
    /// Offset of the first slot never used.
    used: u64,
    /// Slots given back (their site gone), to be used again.
    free: Vec<VirtAddr>,
    /// The counters page above the area, if it could be mapped.
    counters: Option<VirtAddr>,
    /// Offset of the first counter never used.
    counters_used: u64,
    /// Counters given back.
    counters_free: Vec<VirtAddr>,
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

    fn take_counter(&mut self) -> Option<VirtAddr> {
        let page = self.counters?;
        if let Some(counter) = self.counters_free.pop() {
            return Some(counter);
        }
        (self.counters_used + 8 <= COUNTERS_SIZE).then(|| {
            let counter = page.wrapping_add(self.counters_used);
            self.counters_used += 8;
            counter
        })
    }

    fn contains(&self, addr: VirtAddr) -> bool {
        let end = match self.counters {
            Some(page) => page.get() + COUNTERS_SIZE,
            None => self.base.get() + AREA_SIZE,
        };
        (self.base.get()..end).contains(&addr.get())
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
                counter: None,
            },
        );
        self.slots.insert(slot, site);
        Ok(OutOfLine::Copy(slot))
    }

    /// Whether `site` has its copy.
    pub fn has_copy(&self, site: VirtAddr) -> bool {
        self.copies.contains_key(&site)
    }

    /// Map the counters page of every area that has none yet (its mapping was cut short by a
    /// signal, or the page was taken), through the current thread of `process` (every thread
    /// stopped). Best effort: a signal that becomes due first goes back to the thread's
    /// queue, for the program, and the rest waits for another time.
    pub(crate) fn map_missing_counters(&mut self, process: &mut Process, memory: &Memory) {
        if self.areas.iter().all(|a| a.counters.is_some()) {
            return;
        }
        let Some(at) = self.syscall_instruction(process, memory, &|_| false) else {
            return;
        };
        for area in self.areas.iter_mut().filter(|a| a.counters.is_none()) {
            match map_counters(process, at, area) {
                Ok(Injected::Returned(_)) => {}
                Ok(Injected::Stopped(StopReason::Stopped(stop))) => {
                    if stop.trap.is_none() && stop.signal != dbg_sys::Signal::SIGSTOP {
                        let _ = dbg_sys::thread::tgkill(memory.pid(), stop.tid, stop.signal);
                    }
                    return;
                }
                _ => return,
            }
        }
    }

    /// Whether some copy has a counting trampoline.
    pub fn counting_written(&self) -> bool {
        self.copies.values().any(|copy| copy.counter.is_some())
    }

    /// The counting trampoline of `site`, written now if need be after its copy: `None` when
    /// the site has no copy yet or its area no counters page (or none free).
    pub(crate) fn counting(&mut self, memory: &Memory, site: VirtAddr) -> Result<Option<Counting>> {
        let Some(copy) = self.copies.get(&site).copied() else {
            return Ok(None);
        };
        let trap = copy.slot.wrapping_add(TRAP_INT3);
        let entry = copy.slot.wrapping_add(PROLOGUE);
        if let Some(counter) = copy.counter {
            return Ok(Some(Counting {
                entry,
                trap,
                counter,
            }));
        }
        let Some(area) = self.areas.iter_mut().find(|a| a.contains(copy.slot)) else {
            return Ok(None);
        };
        let Some(counter) = area.take_counter() else {
            return Ok(None);
        };
        let Some(code) = trampoline(copy.slot, counter) else {
            area.counters_free.push(counter);
            return Ok(None);
        };
        if let Err(error) = memory.poke(entry, &code) {
            area.counters_free.push(counter);
            return Err(error);
        }
        if let Some(copy) = self.copies.get_mut(&site) {
            copy.counter = Some(counter);
        }
        Ok(Some(Counting {
            entry,
            trap,
            counter,
        }))
    }

    /// What a pc inside a copy stands for in the program; `None` outside the scratch areas.
    pub fn locate(&self, pc: VirtAddr) -> Option<Place> {
        let (_, site) = self.slots.range(..=pc).next_back()?;
        let copy = self.copies.get(site)?;
        let offset = pc.offset_from(copy.slot)?;
        if offset >= SLOT_SIZE {
            return None;
        }
        if offset >= PROLOGUE {
            let counter = copy.counter?;
            let (rsp_add, flags_on_stack, counted) = entering(offset)?;
            return Some(Place::Entering {
                site: copy.site,
                rsp_add,
                flags_on_stack,
                counter: counted.then_some(counter),
            });
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
            counter: copy.counter,
        })
    }

    /// The scratch areas (with their counters pages), as address ranges.
    pub fn areas(&self) -> impl Iterator<Item = (VirtAddr, VirtAddr)> + '_ {
        self.areas.iter().map(|a| {
            let end = match a.counters {
                Some(page) => page.wrapping_add(COUNTERS_SIZE),
                None => a.base.wrapping_add(AREA_SIZE),
            };
            (a.base, end)
        })
    }

    /// Forget the copy of `site` (the site is gone, or its code changed); its slot is used
    /// again. No thread runs in it: copies are dropped only while the process is stopped, and
    /// a stopped thread's pc is never left in a copy.
    pub(crate) fn drop_copy(&mut self, site: VirtAddr) {
        self.refused.remove(&site);
        if let Some(copy) = self.copies.remove(&site) {
            self.slots.remove(&copy.slot);
            self.give_back(copy.slot);
            if let Some(counter) = copy.counter {
                if let Some(area) = self.areas.iter_mut().find(|a| a.contains(counter)) {
                    area.counters_free.push(counter);
                }
            }
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
        let areas: Vec<(VirtAddr, u64)> = self
            .areas
            .iter()
            .map(|a| {
                let len = AREA_SIZE + a.counters.map_or(0, |_| COUNTERS_SIZE);
                (a.base, len)
            })
            .collect();
        let syscall_at = self.syscall_instruction(process, memory, &|_| false);
        self.forget();
        let Some(at) = syscall_at else {
            return Ok(());
        };
        for (base, len) in areas {
            match process.inject_syscall(at, SYS_MUNMAP, [base.get(), len, 0, 0, 0, 0]) {
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
            counters: None,
            counters_used: 0,
            counters_free: Vec::new(),
        };
        let slot = area.take_slot();
        // The counters page just above (`place` left room for it); without it, the area's
        // sites are not counted in the tracee.
        let counters = map_counters(process, at, &mut area);
        self.areas.push(area);
        match counters {
            // The area is there: the slot is taken by the next try.
            Ok(Injected::Stopped(stop)) => Ok(Err(stop)),
            _ => Ok(Ok(slot)),
        }
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

/// Map `area`'s counters page just above it by running `mmap` at the `syscall` instruction
/// `at`; the area knows its page when that worked. A mapping the kernel put elsewhere (no
/// `MAP_FIXED_NOREPLACE`) goes again.
fn map_counters(
    process: &mut Process,
    at: VirtAddr,
    area: &mut Area,
) -> dbg_process::Result<Injected> {
    let page = area.base.wrapping_add(AREA_SIZE);
    let args = [
        page.get(),
        COUNTERS_SIZE,
        PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
        u64::MAX,
        0,
    ];
    let injected = process.inject_syscall(at, SYS_MMAP, args)?;
    if let Injected::Returned(mapped) = injected {
        if mapped == page.get() {
            area.counters = Some(page);
        } else if mapped < u64::MAX - 4095 {
            let undo = [mapped, COUNTERS_SIZE, 0, 0, 0, 0];
            let _ = process.inject_syscall(at, SYS_MUNMAP, undo);
        }
    }
    Ok(injected)
}

/// Offset in a slot of the trampoline's `int3`.
const TRAP_INT3: u64 = TRAP_PATH + 9;

/// The counting trampoline of the slot at `slot`, from [`PROLOGUE`] on, with its counter at
/// `counter` (within a rel32 of the slot). Red zone skipped, flags saved, counter decremented
/// atomically; non-negative: flags and `rsp` back, on to the copy at the slot's start;
/// negative: the same, then the `int3` at [`TRAP_INT3`].
fn trampoline(slot: VirtAddr, counter: VirtAddr) -> Option<Vec<u8>> {
    const LEA_DOWN: [u8; 5] = [0x48, 0x8d, 0x64, 0x24, 0x80]; // lea rsp, [rsp-0x80]
    const LEA_UP: [u8; 8] = [0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0]; // lea rsp, [rsp+0x80]
    const PUSHFQ: u8 = 0x9c;
    const POPFQ: u8 = 0x9d;
    const INT3: u8 = 0xcc;
    // `lock dec qword [rip+disp32]` at PROLOGUE + 6, 8 bytes long.
    let dec_end = slot.get().wrapping_add(PROLOGUE + 14);
    let disp = i32::try_from(counter.get().wrapping_sub(dec_end) as i64).ok()?;
    let mut code = Vec::with_capacity((SLOT_SIZE - PROLOGUE) as usize);
    code.extend_from_slice(&LEA_DOWN); // 32
    code.push(PUSHFQ); // 37
    code.extend_from_slice(&[0xf0, 0x48, 0xff, 0x0d]); // 38
    code.extend_from_slice(&disp.to_le_bytes());
    code.extend_from_slice(&[0x78, (TRAP_PATH - (PROLOGUE + 16)) as u8]); // 46: js TRAP_PATH
    code.push(POPFQ); // 48
    code.extend_from_slice(&LEA_UP); // 49
    code.extend_from_slice(&[0xeb, (-(PROLOGUE as i64 + 27)) as u8]); // 57: jmp slot
    code.resize((TRAP_PATH - PROLOGUE) as usize, INT3); // 59..64
    code.push(POPFQ); // 64
    code.extend_from_slice(&LEA_UP); // 65
    code.push(INT3); // 73 = TRAP_INT3
    code.resize((SLOT_SIZE - PROLOGUE) as usize, INT3);
    Some(code)
}

/// For a pc at `offset` in a slot's counting trampoline (an instruction's start): how far
/// `rsp` is below the program's, whether the program's flags are on the stack (and the
/// thread's own not to be trusted), and whether the counter was decremented. `None` inside
/// an instruction or the padding.
fn entering(offset: u64) -> Option<(u64, bool, bool)> {
    Some(match offset {
        32 => (0, false, false),
        37 => (128, false, false),
        38 => (136, false, false),
        46 | 48 => (136, true, true),
        49 => (128, false, true),
        57 => (0, false, true),
        64 => (136, true, true),
        65 => (128, false, true),
        73 => (0, false, true),
        _ => return None,
    })
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
        // Room for the counters page above the area too.
        let room = AREA_SIZE + COUNTERS_SIZE;
        if to < from.saturating_add(room) {
            continue;
        }
        let last = (to - room) / ALIGN * ALIGN;
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
                counter: None,
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
    fn the_counting_trampoline_decrements_then_runs_the_copy_or_traps() {
        use iced_x86::{Formatter, IntelFormatter};
        let slot = 0x1000_0080u64;
        let counter = VirtAddr::new(0x1001_0010);
        let code = trampoline(VirtAddr::new(slot), counter).unwrap();
        assert_eq!(code.len() as u64, SLOT_SIZE - PROLOGUE);
        let mut decoder = Decoder::with_ip(64, &code, slot + PROLOGUE, DecoderOptions::NONE);
        let mut formatter = IntelFormatter::new();
        let mut listing = Vec::new();
        while decoder.can_decode() {
            let instruction = decoder.decode();
            let offset = instruction.ip() - slot;
            if offset > TRAP_INT3 {
                break;
            }
            let mut text = String::new();
            formatter.format(&instruction, &mut text);
            // Every instruction start but the padding is a pc the session can take back.
            let padding = text == "int3" && offset != TRAP_INT3;
            assert_eq!(entering(offset).is_some(), !padding, "{offset}: {text}");
            listing.push(format!("{offset}: {text}"));
        }
        let listing: Vec<&str> = listing
            .iter()
            .map(String::as_str)
            .filter(|line| !line.ends_with("int3") || line.starts_with("73:"))
            .collect();
        assert_eq!(
            listing,
            [
                "32: lea rsp,[rsp-80h]",
                "37: pushfq",
                "38: lock dec qword ptr [10010010h]",
                "46: js short 00000000100000C0h",
                "48: popfq",
                "49: lea rsp,[rsp+80h]",
                "57: jmp short 0000000010000080h",
                "64: popfq",
                "65: lea rsp,[rsp+80h]",
                "73: int3",
            ]
        );
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
