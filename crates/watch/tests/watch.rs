//! dbg-watch used on its own over dbg-process, against fixtures: a write watchpoint fires in
//! the right slot, every thread carries the slots, freeing disarms, and refusals change nothing.
#![allow(clippy::unwrap_used, clippy::panic)]

use dbg_process::{Launch, Process, Reg, Resume, StopReason, TrapKind, VirtAddr};
use dbg_watch::{Error, Slots, Watch, WatchKind, WatchSize};

fn launch(name: &str) -> Process {
    Launch::new(fixtures::path(name))
        .stdout("/dev/null")
        .spawn()
        .unwrap()
}

fn dr(process: &mut Process, reg: Reg) -> u64 {
    process.read_register(reg).unwrap().as_u64()
}

#[test]
fn a_write_watchpoint_fires_in_its_slot_and_freeing_disarms_it() {
    let _deadline = fixtures::deadline("watch slots", 30);
    let mut process = launch("watch_values");
    let pid = process.pid().as_raw();
    let wide = VirtAddr::new(fixtures::runtime_address(pid, "watch_values", "wide"));
    let word = VirtAddr::new(fixtures::runtime_address(pid, "watch_values", "word_value"));
    let mut slots = Slots::new();
    let first = slots
        .take(
            &mut process,
            Watch::new(word, WatchKind::Write, WatchSize::Four).unwrap(),
            'w',
        )
        .unwrap();
    let second = slots
        .take(
            &mut process,
            Watch::new(wide, WatchKind::Write, WatchSize::Eight).unwrap(),
            'x',
        )
        .unwrap();
    assert_eq!((first, second), (0, 1));
    assert_eq!(dr(&mut process, Reg::Dr1), wide.get());
    // Slot 0: L0, write (bit 16), 4 bytes (bits 18-19); slot 1: L1, write (bit 20), 8 bytes (bit 23).
    assert_eq!(dr(&mut process, Reg::Dr7), 0x009d_0005);
    process.resume(Resume::Continue, None).unwrap();
    let StopReason::Stopped(stop) = process.wait().unwrap() else {
        panic!()
    };
    assert_eq!(stop.trap, Some(TrapKind::Hardware));
    assert_eq!(slots.fired(stop.debug_status.unwrap()), vec![(1, 'x')]);
    slots.free(&mut process, second).unwrap();
    assert_eq!(dr(&mut process, Reg::Dr7), 0x000d_0001);
    // The next stop is the write of the 4-byte global in slot 0.
    process.resume(Resume::Continue, None).unwrap();
    let StopReason::Stopped(stop) = process.wait().unwrap() else {
        panic!()
    };
    assert_eq!(slots.fired(stop.debug_status.unwrap()), vec![(0, 'w')]);
    slots.free(&mut process, first).unwrap();
    assert_eq!(dr(&mut process, Reg::Dr7), 0);
    process.resume(Resume::Continue, None).unwrap();
    assert_eq!(process.wait().unwrap(), StopReason::Exited { code: 0 });
}

#[test]
fn refused_requests_change_no_slot() {
    let mut process = launch("watch_values");
    let mut slots: Slots<u8> = Slots::new();
    for index in 0..4u8 {
        slots
            .take(
                &mut process,
                Watch::execute(VirtAddr::new(0x1000 + u64::from(index))).unwrap(),
                index,
            )
            .unwrap();
    }
    let before = dr(&mut process, Reg::Dr7);
    assert!(matches!(
        slots.take(
            &mut process,
            Watch::execute(VirtAddr::new(0x2000)).unwrap(),
            9
        ),
        Err(Error::NoFreeSlot)
    ));
    assert!(matches!(
        slots.free(&mut process, 7),
        Err(Error::NotInUse(7))
    ));
    assert_eq!(dr(&mut process, Reg::Dr7), before);
    assert_eq!(slots.in_use().count(), 4);
    process.kill().unwrap();
}
