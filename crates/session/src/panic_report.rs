//! The debugger's panic hook: a panic is a bug, and the tracee must not pay for it.
//!
//! The hook prints one line — what panicked, where, the dbg version, the command line and the
//! last command, which is how to reproduce it — and nothing else. It does not touch the
//! tracee itself. On the tracer thread the panic then unwinds to the front end's `main`, and
//! dropping the [`crate::Session`] on the way ends it as `quit` does (a launched program
//! killed, an attached one detached with every `int3` restored and every debug register
//! cleared; a process caught running is stopped first). That path cannot deadlock on a lock
//! the panicking code held: the session's state lives in `RefCell`s and stack-held guards of
//! the tracer thread, which unwinding releases before the session is dropped, and the one
//! mutex it shares with other threads (the Ctrl-C gate) is poison-tolerant and never held
//! across a blocking call. On any other thread (a signal watcher, an input reader, a timer)
//! the hook asks the front end to end through [`crate::Termination`], trying its lock only,
//! and the tracer thread ends the session the ordinary way.
//!
//! `maintenance panic` and `maintenance panic thread`, hidden commands of the command
//! language (as gdb's `maintenance internal-error`), panic on purpose, on the tracer thread
//! or on a helper thread, so that tests can prove all this.

use std::io::Write;
use std::sync::{Mutex, OnceLock, TryLockError};
use std::thread::ThreadId;

use crate::termination::Termination;

/// The longest command remembered for the report.
const MAX_NOTED: usize = 200;

static PROGRAM: OnceLock<&'static str> = OnceLock::new();
static TRACER_THREAD: OnceLock<ThreadId> = OnceLock::new();
static LAST_COMMAND: Mutex<String> = Mutex::new(String::new());

/// Install the hook for the program `program` (its name, for the report); the calling thread
/// is the tracer thread, whose panics unwind to `main`. Once per process.
pub fn install_panic_hook(program: &'static str) {
    let _ = PROGRAM.set(program);
    let _ = TRACER_THREAD.set(std::thread::current().id());
    std::panic::set_hook(Box::new(report));
}

/// Remember `command` as the last one run, for the report.
pub fn note_command(command: &str) {
    let mut noted = match LAST_COMMAND.try_lock() {
        Ok(noted) => noted,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        // Only the panic hook holds it besides us, and only for a moment.
        Err(TryLockError::WouldBlock) => return,
    };
    noted.clear();
    noted.push_str(bounded(command, MAX_NOTED));
}

/// The one-line report, then, off the tracer thread, the request to end.
fn report(info: &std::panic::PanicHookInfo<'_>) {
    let program = PROGRAM.get().copied().unwrap_or("dbg");
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_else(|| "an unknown place".into());
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let thread = std::thread::current();
    let thread_name = thread.name().unwrap_or("unnamed");
    let last = match LAST_COMMAND.try_lock() {
        Ok(noted) => noted.clone(),
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().clone(),
        Err(TryLockError::WouldBlock) => String::new(),
    };
    let last = if last.is_empty() {
        "none".to_string()
    } else {
        format!("`{last}`")
    };
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let command_line = shell_words::join(args);
    let line = format!(
        "{program}: internal error (a bug): thread '{thread_name}' panicked at {location}: \
         {message}; dbg {version}; command line: {command_line}; last command: {last}; ending \
         the session (a launched program is killed, an attached one detached); please report \
         this line",
        version = env!("CARGO_PKG_VERSION"),
    );
    // One line, whatever the message holds.
    let line: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let _ = writeln!(std::io::stderr().lock(), "{line}");
    let on_tracer = TRACER_THREAD.get() == Some(&thread.id());
    if !on_tracer {
        Termination::get().request_from_panic();
    }
}

/// At most `limit` bytes of `text`, cut at a character boundary.
fn bounded(text: &str, limit: usize) -> &str {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// `maintenance panic`: panic on purpose (tests of the hook and of the tracee's safety). A
/// hidden test hook for front ends that have their own way to say it (dbg-gdbserver's
/// `monitor maintenance panic`); the command language has the command itself.
#[allow(
    clippy::panic,
    reason = "the one deliberate panic, asked for by the user"
)]
#[track_caller]
pub fn maintenance_panic() -> ! {
    panic!("`maintenance panic` was asked for")
}

/// `maintenance panic thread`: panic on a helper thread, and wait for it (the hook has asked
/// the front end to end by then).
pub(crate) fn provoked_on_thread() {
    let helper = std::thread::Builder::new()
        .name("dbg-maintenance".into())
        .spawn(|| maintenance_panic());
    if let Ok(helper) = helper {
        let _ = helper.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noted_command_is_cut_at_a_character_boundary() {
        assert_eq!(bounded("stepi 5", MAX_NOTED), "stepi 5");
        let long = "é".repeat(MAX_NOTED);
        let cut = bounded(&long, MAX_NOTED);
        assert!(cut.len() <= MAX_NOTED && cut.len() >= MAX_NOTED - 1);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
