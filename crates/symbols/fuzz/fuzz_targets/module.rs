//! Every question dbg-symbols answers, on arbitrary bytes: it must return errors, never panic,
//! loop or read out of bounds. Seed the corpus with real binaries (the fixtures) to reach the
//! DWARF and CFI parsers quickly.
#![no_main]

use dbg_symbols::{Module, UnwindRegs, RIP, RSP};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(module) = Module::parse(Box::new(data.to_vec())) else {
        return;
    };
    let entry = module.entry();
    let _ = module.symbols_named("main");
    let _ = module.symbol_at(entry);
    let _ = module.similar_names("mian", 3);
    let _ = module.breakpoint_addresses("main");
    let _ = module.line_at(entry);
    let _ = module.is_statement_start(entry);
    let _ = module.frames_at(entry);
    let _ = module.line_addresses("a.c", 3);
    let _ = module.source_files();
    let _ = module.return_type(entry);
    let mut regs = UnwindRegs::default();
    regs.set(RIP, Some(entry));
    regs.set(RSP, Some(0x7fff_0000));
    let _ = module.unwind(&regs, 0, false, &mut |address| Some(address ^ 0x5555));
});
