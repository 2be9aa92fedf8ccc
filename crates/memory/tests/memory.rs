//! dbg-memory against fixtures: bulk and partial reads, unreadable-but-present pages, writes
//! to read-only code, sites hidden from reads.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use dbg_memory::displaced::Displaced;
use dbg_memory::{Error, Mappings, Memory, SiteOwner, Sites, INT3};
use dbg_process::{Launch, Process, Resume, StopReason, VirtAddr};

/// Launch `name` with stdout to a file, run it to its own `int3`, and return the first line
/// it printed, parsed as an address.
fn run_to_trap(name: &str, dir: &Path) -> (Process, VirtAddr) {
    let out = dir.join("out");
    let mut process = Launch::new(fixtures::path(name))
        .stdout(&out)
        .spawn()
        .unwrap();
    process.resume(Resume::Continue, None).unwrap();
    assert!(matches!(process.wait().unwrap(), StopReason::Stopped(_)));
    let text = std::fs::read_to_string(out).unwrap();
    let addr = u64::from_str_radix(text.trim().trim_start_matches("0x"), 16).unwrap();
    (process, VirtAddr::new(addr))
}

#[test]
fn reads_through_unreadable_pages_and_stops_where_memory_ends() {
    let _deadline = fixtures::deadline("guarded", 30);
    let dir = tempfile::tempdir().unwrap();
    let (process, pages) = run_to_trap("guarded", dir.path());
    let memory = Memory::new(process.pid());
    // Across the readable page into the PROT_NONE one: /proc/PID/mem reads it.
    let read = memory.read(pages.wrapping_add(4096 - 4), 10).unwrap();
    assert_eq!(read.bytes, b"aaaahidden");
    assert_eq!(read.stopped_at, None);
    // Into the unmapped third page: the bytes up to it, and where it stopped.
    let read = memory.read(pages.wrapping_add(2 * 4096 - 8), 64).unwrap();
    assert_eq!(read.bytes.len(), 8);
    assert_eq!(read.stopped_at, Some(pages.wrapping_add(2 * 4096)));
    assert!(matches!(
        memory.read_exact(pages.wrapping_add(2 * 4096 - 8), 64),
        Err(Error::Unreadable { addr }) if addr == pages.wrapping_add(2 * 4096)
    ));
    // Nothing mapped at all.
    let low = VirtAddr::new(0x10);
    let read = memory.read(low, 16).unwrap();
    assert_eq!((read.bytes.len(), read.stopped_at), (0, Some(low)));
}

#[test]
fn big_reads_are_capped_and_ranges_checked() {
    let process = Launch::new(fixtures::path("hello")).spawn().unwrap();
    let memory = Memory::new(process.pid());
    assert!(matches!(
        memory.read(VirtAddr::new(0x1000), dbg_memory::MAX_READ + 1),
        Err(Error::TooLarge { .. })
    ));
    assert!(matches!(
        memory.read(VirtAddr::new(u64::MAX - 2), 8),
        Err(Error::OutOfRange { .. })
    ));
    assert_eq!(
        memory.read(VirtAddr::new(0x1000), 0).unwrap().bytes,
        Vec::<u8>::new()
    );
}

#[test]
fn a_megabyte_of_stack_and_code_reads_in_bulk() {
    let process = Launch::new(fixtures::path("hello")).spawn().unwrap();
    let maps = Mappings::read(process.pid()).unwrap();
    let stack = maps.find_named("[stack]").unwrap();
    let memory = Memory::new(process.pid());
    let read = memory
        .read(
            stack.start,
            stack.end.offset_from(stack.start).unwrap() as usize,
        )
        .unwrap();
    assert_eq!(read.stopped_at, None);
    assert_eq!(
        Some(read.bytes.len() as u64),
        stack.end.offset_from(stack.start)
    );
}

#[test]
fn writes_reach_read_only_code_and_refuse_unmapped_memory() {
    let mut process = Launch::new(fixtures::path("hello")).spawn().unwrap();
    let main = VirtAddr::new(fixtures::runtime_address(
        process.pid().as_raw(),
        "hello",
        "main",
    ));
    let maps = Mappings::read(process.pid()).unwrap();
    assert!(!maps.find(main).unwrap().perms.contains('w'));
    let memory = Memory::new(process.pid());
    let before = memory.read_exact(main, 4).unwrap();
    memory.write(main, &[0x90, 0x90]).unwrap();
    assert_eq!(memory.read_exact(main, 2).unwrap(), [0x90, 0x90]);
    memory.write(main, &before).unwrap();
    assert_eq!(memory.read_exact(main, 4).unwrap(), before);
    assert!(matches!(
        memory.write(VirtAddr::new(0x10), &[1]),
        Err(Error::Unwritable { .. })
    ));
    process.kill().unwrap();
}

#[test]
fn sites_hide_their_int3_and_share_an_address() {
    let mut process = Launch::new(fixtures::path("hello")).spawn().unwrap();
    let main = VirtAddr::new(fixtures::runtime_address(
        process.pid().as_raw(),
        "hello",
        "main",
    ));
    let memory = Memory::new(process.pid());
    let original = memory.read_exact(main, 8).unwrap();
    let originals = process.trap_sites();
    let mut sites = Sites::new(originals.clone());
    let (first, second) = (SiteOwner::Breakpoint(1), SiteOwner::Temporary);
    assert!(sites.add(&memory, main, first).unwrap());
    assert!(!sites.add(&memory, main, second).unwrap());
    assert_eq!(sites.owners(main).collect::<Vec<_>>(), [first, second]);
    // The process layer sees the site (to recognise its traps) in the one shared table.
    assert_eq!(originals.original(main), Some(original[0]));
    assert!(sites.plan(&memory, main).is_some());
    let mut raw = memory.read_exact(main, 8).unwrap();
    assert_eq!(raw[0], INT3);
    sites.hide(main, &mut raw);
    assert_eq!(raw, original);
    // A user write over the site changes the remembered byte and keeps the int3.
    sites.write_through(&memory, main, &[0x90]).unwrap();
    assert_eq!(memory.read_exact(main, 1).unwrap(), [INT3]);
    assert_eq!(sites.original(main), Some(0x90));
    // ... and the instruction is planned again: now a `nop`, skipped.
    assert_eq!(
        sites.plan(&memory, main).and_then(|plan| plan.displaced),
        Some(Displaced::Skip { len: 1 })
    );
    sites.write_through(&memory, main, &original[..1]).unwrap();
    assert!(!sites.release(&memory, main, first).unwrap());
    assert_eq!(
        memory.read_exact(main, 1).unwrap(),
        [INT3],
        "still used by the second"
    );
    assert!(sites.release(&memory, main, second).unwrap());
    assert_eq!(memory.read_exact(main, 8).unwrap(), original);
    assert!(originals.is_empty());
    process.kill().unwrap();
}
