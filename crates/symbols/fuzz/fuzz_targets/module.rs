//! Every question dbg-symbols answers, on arbitrary bytes: it must return errors, never panic,
//! loop or read out of bounds. Seed the corpus with real binaries (the fixtures) to reach the
//! DWARF and CFI parsers quickly; add what it finds to `tests/corpus/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dbg_symbols::ask_everything(data));
