//! The command language's parsers on arbitrary bytes, line by line: errors are fine; a panic,
//! a hang or unbounded memory is a bug. Add what it finds to `tests/console_corpus/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dbg_session::console::parse_everything(data));
