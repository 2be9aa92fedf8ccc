//! Arbitrary bytes as a gdb client's input to the server, against a launched program that
//! stays stopped at its first instruction (`dbg_gdbserver::replay`): gdbstub's packet parsing
//! and every answer of ours. Errors are fine; a panic, a hang or unbounded memory is a bug.
//! Add what it finds to `tests/packets_corpus/`. The program is `$DBG_FUZZ_PROGRAM`, else
//! `/bin/true`; the server's notes on stderr are noise here (`-close_fd_mask=2`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let program = std::env::var_os("DBG_FUZZ_PROGRAM").unwrap_or_else(|| "/bin/true".into());
    if let Err(error) = dbg_gdbserver::replay(program, data) {
        panic!("cannot launch the program: {error}");
    }
});
