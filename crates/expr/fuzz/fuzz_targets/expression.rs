//! Every step from text to printed value, on arbitrary bytes: parse in C, C++ and Rust,
//! evaluate against a sandbox with a variable of every kind, print in every format. Errors
//! are fine; a panic, a hang or unbounded memory is a bug. Add what it finds to
//! `tests/corpus/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dbg_expr::try_everything(data));
