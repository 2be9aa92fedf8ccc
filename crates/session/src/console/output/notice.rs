//! Notices printed the moment they happen, from any thread: "Reading symbols from ...",
//! said by the session's timer while the session's thread is busy reading (see
//! `crate::notice`). Human text on stdout, or on stderr in JSON mode (stdout carries only
//! JSON, SPEC §5), straight to the terminal: the printer's in-memory sink is for one
//! thread, so a front end with one (the DAP console) listens to notices itself.

use std::time::Duration;

use crate::Notice;

use super::{write_terminal, Mode, Stream};

/// The environment variable that sets how long reading symbols may take, in
/// milliseconds, before "Reading symbols from ..." is said (default 500; `0` says it for
/// every binary read, which is what tests use).
pub const SLOW_NOTICE_VARIABLE: &str = "DBG_SLOW_NOTICE_MS";

/// Prints notices to the terminal from any thread.
#[derive(Debug, Clone, Copy)]
pub struct NoticePrinter {
    pub(super) mode: Mode,
}

impl NoticePrinter {
    /// Print `notice`: on stdout in human mode, on stderr in JSON mode.
    pub fn print(&self, notice: &Notice) {
        let stream = match self.mode {
            Mode::Human => Stream::Out,
            Mode::Json => Stream::Err,
        };
        write_terminal(stream, &text(notice));
    }

    /// How long reading may take before it is said: [`SLOW_NOTICE_VARIABLE`] when set to a
    /// number, else [`crate::SLOW_READING`].
    pub fn threshold(&self) -> Duration {
        threshold_from(std::env::var(SLOW_NOTICE_VARIABLE).ok().as_deref())
    }
}

/// The threshold a value of [`SLOW_NOTICE_VARIABLE`] sets.
fn threshold_from(value: Option<&str>) -> Duration {
    value
        .and_then(|ms| ms.trim().parse().ok())
        .map_or(crate::SLOW_READING, Duration::from_millis)
}

/// A notice as gdb says it.
pub fn text(notice: &Notice) -> String {
    match notice {
        Notice::ReadingSymbols { path } => format!("Reading symbols from {}...", path.display()),
        Notice::ReadingProgress {
            path, done, total, ..
        } => {
            let percent = done.saturating_mul(100).checked_div(*total).unwrap_or(100);
            format!(
                "Reading symbols from {}... {percent}% ({done} of {total} units)",
                path.display()
            )
        }
        Notice::SymbolsRead { path, elapsed } => format!(
            "Reading symbols from {}... done ({:.1} s)",
            path.display(),
            elapsed.as_secs_f64()
        ),
        // A kind of notice added later is still said, if plainly.
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_as_gdb_says_them() {
        let path = std::path::PathBuf::from("/bin/big");
        assert_eq!(
            text(&Notice::ReadingSymbols { path: path.clone() }),
            "Reading symbols from /bin/big..."
        );
        assert_eq!(
            text(&Notice::ReadingProgress {
                path: path.clone(),
                part: crate::Part::Names,
                done: 1234,
                total: 2740
            }),
            "Reading symbols from /bin/big... 45% (1234 of 2740 units)"
        );
        assert_eq!(
            text(&Notice::SymbolsRead {
                path,
                elapsed: Duration::from_millis(2345)
            }),
            "Reading symbols from /bin/big... done (2.3 s)"
        );
    }

    #[test]
    fn the_threshold_is_the_variable_in_milliseconds_or_half_a_second() {
        assert_eq!(threshold_from(Some("0")), Duration::ZERO);
        assert_eq!(threshold_from(Some(" 1500 ")), Duration::from_millis(1500));
        assert_eq!(threshold_from(Some("soon")), Duration::from_millis(500));
        assert_eq!(threshold_from(None), Duration::from_millis(500));
    }
}
