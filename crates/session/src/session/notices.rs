//! Notices for the front end while they happen: reading a binary's symbols that takes
//! noticeable time (see `crate::notice`).

use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::notice::Notice;

impl Session {
    /// Hand `listener` a [`Notice`] when reading a binary's symbols or debug information
    /// takes longer than `threshold` ([`SLOW_READING`](crate::SLOW_READING), 0.5 s, is
    /// gdb's feel): [`Notice::ReadingSymbols`] as soon as the threshold passes, while the
    /// reading goes on, [`Notice::ReadingProgress`] every few seconds of a long one, and
    /// [`Notice::SymbolsRead`] when it is done. Nothing for quick reading.
    ///
    /// The first notice comes from a timer thread (the session's thread is busy reading),
    /// so `listener` is `Send + Sync` and must not need the session: it writes to the
    /// terminal, or queues a message. Binaries opened before this call are timed too.
    pub fn on_notice(
        &mut self,
        threshold: Duration,
        listener: impl Fn(&Notice) + Send + Sync + 'static,
    ) {
        self.images.notices().listen(threshold, Arc::new(listener));
    }
}
