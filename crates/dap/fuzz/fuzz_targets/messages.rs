//! Arbitrary bytes as a client's input to the Debug Adapter Protocol server, without a
//! program: framing, message parsing, argument decoding, every request's answer and its
//! encoding. Errors are fine; a panic, a hang or unbounded memory is a bug. Add what it finds
//! to `tests/messages_corpus/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dbg_dap::answer_without_program(data));
