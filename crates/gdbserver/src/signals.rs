//! Signal numbers on the wire: the remote protocol speaks gdb's own numbering (`SIGUSR1` is
//! 30 there, 10 on Linux), so every signal crossing the connection is translated here.

use dbg_session::Signal;
use gdbstub::common::Signal as GdbSignal;

/// Linux signals and their gdb numbers.
const TABLE: &[(Signal, GdbSignal)] = &[
    (Signal::SIGHUP, GdbSignal::SIGHUP),
    (Signal::SIGINT, GdbSignal::SIGINT),
    (Signal::SIGQUIT, GdbSignal::SIGQUIT),
    (Signal::SIGILL, GdbSignal::SIGILL),
    (Signal::SIGTRAP, GdbSignal::SIGTRAP),
    (Signal::SIGABRT, GdbSignal::SIGABRT),
    (Signal::SIGBUS, GdbSignal::SIGBUS),
    (Signal::SIGFPE, GdbSignal::SIGFPE),
    (Signal::SIGKILL, GdbSignal::SIGKILL),
    (Signal::SIGUSR1, GdbSignal::SIGUSR1),
    (Signal::SIGSEGV, GdbSignal::SIGSEGV),
    (Signal::SIGUSR2, GdbSignal::SIGUSR2),
    (Signal::SIGPIPE, GdbSignal::SIGPIPE),
    (Signal::SIGALRM, GdbSignal::SIGALRM),
    (Signal::SIGTERM, GdbSignal::SIGTERM),
    (Signal::SIGCHLD, GdbSignal::SIGCHLD),
    (Signal::SIGCONT, GdbSignal::SIGCONT),
    (Signal::SIGSTOP, GdbSignal::SIGSTOP),
    (Signal::SIGTSTP, GdbSignal::SIGTSTP),
    (Signal::SIGTTIN, GdbSignal::SIGTTIN),
    (Signal::SIGTTOU, GdbSignal::SIGTTOU),
    (Signal::SIGURG, GdbSignal::SIGURG),
    (Signal::SIGXCPU, GdbSignal::SIGXCPU),
    (Signal::SIGXFSZ, GdbSignal::SIGXFSZ),
    (Signal::SIGVTALRM, GdbSignal::SIGVTALRM),
    (Signal::SIGPROF, GdbSignal::SIGPROF),
    (Signal::SIGWINCH, GdbSignal::SIGWINCH),
    (Signal::SIGIO, GdbSignal::SIGIO),
    (Signal::SIGPWR, GdbSignal::SIGPWR),
    (Signal::SIGSYS, GdbSignal::SIGSYS),
];

/// gdb's "unknown signal" number (`GDB_SIGNAL_UNKNOWN`).
const UNKNOWN: GdbSignal = GdbSignal(143);

/// gdb's number for a Linux signal.
pub(crate) fn to_gdb(signal: Signal) -> GdbSignal {
    TABLE
        .iter()
        .find(|(linux, _)| *linux == signal)
        .map_or(UNKNOWN, |(_, gdb)| *gdb)
}

/// The Linux signal for gdb's number, if Linux has it.
pub(crate) fn from_gdb(signal: GdbSignal) -> Option<Signal> {
    TABLE
        .iter()
        .find(|(_, gdb)| *gdb == signal)
        .map(|(linux, _)| *linux)
}

/// Every signal the table knows, for setting policies.
pub(crate) fn all() -> impl Iterator<Item = Signal> {
    TABLE.iter().map(|(linux, _)| *linux)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_translate_both_ways() {
        assert_eq!(to_gdb(Signal::SIGUSR1), GdbSignal(30));
        assert_eq!(to_gdb(Signal::SIGCHLD), GdbSignal(20));
        assert_eq!(to_gdb(Signal::SIGSTKFLT), UNKNOWN);
        assert_eq!(from_gdb(GdbSignal(11)), Some(Signal::SIGSEGV));
        assert_eq!(from_gdb(GdbSignal(7)), None);
        for (linux, _) in TABLE {
            assert_eq!(from_gdb(to_gdb(*linux)), Some(*linux));
        }
    }
}
