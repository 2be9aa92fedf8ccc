//! Signal policy (`handle`): whether a signal the tracee receives stops it, is printed, and
//! is passed on when it resumes. The `SignalPolicy` type is in `crate::signals`.

use dbg_process::Signal;

use super::Session;
use crate::signals::SignalPolicy;

impl Session {
    pub(super) fn signal_to_deliver(&self) -> Option<Signal> {
        self.last_signal.filter(|signal| self.policy(*signal).pass)
    }

    /// What to do with `signal`: the user's `handle` setting, else gdb's default.
    pub fn policy(&self, signal: Signal) -> SignalPolicy {
        self.policies
            .get(&signal)
            .copied()
            .unwrap_or_else(|| SignalPolicy::default_for(signal))
    }

    /// Change what happens when the tracee receives `signal` (`handle`); `None` leaves a
    /// setting as it is. As in gdb, `stop` implies `print` and `noprint` implies `nostop`.
    pub fn set_policy(
        &mut self,
        signal: Signal,
        stop: Option<bool>,
        print: Option<bool>,
        pass: Option<bool>,
    ) -> SignalPolicy {
        let mut policy = self.policy(signal);
        if let Some(stop) = stop {
            policy.stop = stop;
            if stop {
                policy.print = true;
            }
        }
        if let Some(print) = print {
            policy.print = print;
            if !print {
                policy.stop = false;
            }
        }
        if let Some(pass) = pass {
            policy.pass = pass;
        }
        self.policies.insert(signal, policy);
        policy
    }
}
