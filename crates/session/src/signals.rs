//! What to do with each signal the tracee receives: stop, print, pass — with gdb's defaults.

use dbg_process::Signal;

/// Per-signal handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalPolicy {
    /// Report a stop to the user.
    pub stop: bool,
    /// Mention it when it does not stop.
    pub print: bool,
    /// Deliver it to the tracee when it resumes.
    pub pass: bool,
}

impl SignalPolicy {
    /// gdb's default for `signal`: SIGINT and SIGTRAP are the debugger's and are not passed;
    /// SIGALRM, SIGCHLD, SIGURG, SIGWINCH and SIGPROF neither stop nor print; the rest stop,
    /// print and pass.
    pub fn default_for(signal: Signal) -> SignalPolicy {
        match signal {
            Signal::SIGINT | Signal::SIGTRAP => SignalPolicy {
                stop: true,
                print: true,
                pass: false,
            },
            Signal::SIGALRM
            | Signal::SIGCHLD
            | Signal::SIGURG
            | Signal::SIGWINCH
            | Signal::SIGPROF => SignalPolicy {
                stop: false,
                print: false,
                pass: true,
            },
            _ => SignalPolicy {
                stop: true,
                print: true,
                pass: true,
            },
        }
    }
}
