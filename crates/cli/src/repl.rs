//! The interactive loop: rustyline with persistent history, an empty line repeating the last
//! command, Ctrl-C stopping a running tracee, Ctrl-D quitting, SIGTERM/SIGHUP/SIGQUIT ending
//! the session as `quit` does. In JSON mode commands are read as plain lines with no prompt,
//! so stdout stays pure JSON.
//!
//! Lines are read on a thread of their own and handed to the tracer thread, which runs the
//! commands: a read blocked on the terminal cannot be interrupted (rustyline and the standard
//! library retry after a signal), and the tracer thread must be free to hear a termination
//! request and end the session while nobody types. The reader reads only when the loop asks
//! for a line, so the prompt comes after a command's output, and completion asks the loop
//! (the session is not `Send`) while the loop waits for the line.

use std::io::{BufRead, IsTerminal, Read};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};

use dbg_session::console::Mode;
use dbg_session::console::{Flow, Runner};
use dbg_session::{Interrupter, Termination};
use rustyline::error::ReadlineError;

use crate::complete::Completion;

const PROMPT: &str = "(dbg) ";

/// The longest command line read (a longer one is refused, and skipped without being kept).
pub const MAX_LINE: usize = 64 << 10;

/// What the loop on the tracer thread hears.
#[derive(Debug)]
pub(crate) enum Heard {
    /// A command line (an empty one already replaced by the last).
    Line(String),
    /// A line longer than [`MAX_LINE`] was skipped; its first bytes.
    TooLong(String),
    /// The input ended (Ctrl-D, end of file, a closed terminal).
    End,
    /// Completions of a location being typed are wanted.
    Complete(String, Sender<Vec<String>>),
    /// The answer to "start it from the beginning?".
    Answer(bool),
    /// A termination signal (or a panic on another thread) asks the session to end.
    Terminate,
}

/// What the reader thread is asked to do.
#[derive(Debug)]
enum Ask {
    Line,
    Confirm,
}

/// Run the REPL until `quit`, Ctrl-D, end of input or a termination request. The caller ends
/// the session (SPEC §2's exit).
pub fn run(runner: &mut Runner, mode: Mode, termination: &'static Termination) {
    let (heard_tx, heard) = mpsc::channel::<Heard>();
    let (asks_tx, asks) = mpsc::channel::<Ask>();
    let terminal = Terminal::save();
    {
        let heard_tx = heard_tx.clone();
        termination.on_request(move |_| {
            let _ = heard_tx.send(Heard::Terminate);
        });
    }
    let reader = std::thread::Builder::new()
        .name("dbg-input".into())
        .spawn(move || read_lines(mode, &heard_tx, &asks));
    if reader.is_err() {
        eprintln!("dbg-cli: cannot start the input thread");
        return;
    }
    serve(runner, &heard, &asks_tx);
    if termination.received().is_some() {
        // The reader may be inside rustyline with the terminal in raw mode, and will never
        // return from it.
        terminal.restore();
    }
}

/// Answer what the reader and the termination hook say until the session is to end.
fn serve(runner: &mut Runner, heard: &Receiver<Heard>, asks: &Sender<Ask>) {
    if asks.send(Ask::Line).is_err() {
        return;
    }
    loop {
        let Ok(message) = heard.recv() else { return };
        match message {
            Heard::Line(line) => {
                if runner.would_restart(&line) {
                    match confirm(runner, heard, asks) {
                        Some(true) => {}
                        Some(false) => {
                            if asks.send(Ask::Line).is_err() {
                                return;
                            }
                            continue;
                        }
                        None => return,
                    }
                }
                if runner.execute(&line) == Flow::Quit {
                    return;
                }
                if asks.send(Ask::Line).is_err() {
                    return;
                }
            }
            Heard::TooLong(start) => {
                runner.refuse(
                    &start,
                    format!("command line longer than {MAX_LINE} bytes: not run"),
                );
                if asks.send(Ask::Line).is_err() {
                    return;
                }
            }
            Heard::Complete(prefix, reply) => {
                let _ = reply.send(runner.complete_location(&prefix));
            }
            Heard::Answer(_) => {}
            Heard::End | Heard::Terminate => return,
        }
    }
}

/// Ask the reader for a yes or no, answering completions meanwhile; `None` when the session
/// is to end instead.
fn confirm(runner: &mut Runner, heard: &Receiver<Heard>, asks: &Sender<Ask>) -> Option<bool> {
    asks.send(Ask::Confirm).ok()?;
    loop {
        match heard.recv().ok()? {
            Heard::Answer(yes) => return Some(yes),
            Heard::Complete(prefix, reply) => {
                let _ = reply.send(runner.complete_location(&prefix));
            }
            Heard::End | Heard::Terminate => return None,
            Heard::Line(_) | Heard::TooLong(_) => {}
        }
    }
}

/// The reader thread: read a line (or an answer) each time the loop asks.
fn read_lines(mode: Mode, heard: &Sender<Heard>, asks: &Receiver<Ask>) {
    let mut input = Input::new(mode, heard.clone());
    let mut last = String::new();
    for ask in asks {
        let message = match ask {
            Ask::Line => loop {
                match input.line() {
                    Got::Line(line) if line.trim().is_empty() && last.is_empty() => continue,
                    Got::Line(line) => {
                        let line = if line.trim().is_empty() {
                            last.clone()
                        } else {
                            line
                        };
                        input.remember(&line);
                        last.clone_from(&line);
                        break Heard::Line(line);
                    }
                    Got::TooLong(start) => break Heard::TooLong(start),
                    Got::End => break Heard::End,
                }
            },
            Ask::Confirm => Heard::Answer(input.confirm()),
        };
        let end = matches!(message, Heard::End);
        if heard.send(message).is_err() || end {
            return;
        }
    }
}

/// One read of the input.
enum Got {
    Line(String),
    TooLong(String),
    End,
}

/// Where lines come from: rustyline at a terminal (in human mode), else bounded reads of
/// stdin; history kept in human mode either way.
struct Input {
    editor: Option<rustyline::Editor<Completion, rustyline::history::DefaultHistory>>,
    terminal: bool,
    history: Option<PathBuf>,
    stdin: std::io::Stdin,
}

impl Input {
    fn new(mode: Mode, heard: Sender<Heard>) -> Input {
        let editor = if mode == Mode::Human {
            rustyline::Editor::<Completion, _>::new().ok()
        } else {
            None
        };
        let mut input = Input {
            terminal: editor.is_some() && std::io::stdin().is_terminal(),
            editor,
            history: None,
            stdin: std::io::stdin(),
        };
        if let Some(editor) = input.editor.as_mut() {
            editor.set_helper(Some(Completion::new(heard)));
            input.history = history_file();
            if let Some(path) = &input.history {
                let _ = editor.load_history(path);
            }
        }
        input
    }

    fn line(&mut self) -> Got {
        if let (true, Some(editor)) = (self.terminal, self.editor.as_mut()) {
            loop {
                match editor.readline(PROMPT) {
                    Ok(line) => return Got::Line(line),
                    // Ctrl-C at the prompt abandons the line.
                    Err(ReadlineError::Interrupted) => continue,
                    Err(_) => return Got::End,
                }
            }
        }
        bounded_line(&mut self.stdin.lock())
    }

    /// Keep `line` in the history.
    fn remember(&mut self, line: &str) {
        if let Some(editor) = self.editor.as_mut() {
            let _ = editor.add_history_entry(line);
            if let Some(path) = &self.history {
                let _ = editor.append_history(path);
            }
        }
    }

    /// gdb's question before `run` kills the program it is debugging; anything but yes (or a
    /// closed input) keeps it. Asked only of a person at a terminal: piped commands run as
    /// given.
    fn confirm(&mut self) -> bool {
        let (true, Some(editor)) = (self.terminal, self.editor.as_mut()) else {
            return true;
        };
        println!("The program being debugged has been started already.");
        loop {
            match editor.readline("Start it from the beginning? (y or n) ") {
                Ok(answer) => match answer.trim() {
                    "y" | "Y" | "yes" => return true,
                    "n" | "N" | "no" => {
                        println!("Program not restarted.");
                        return false;
                    }
                    _ => println!("Please answer y or n."),
                },
                Err(_) => return false,
            }
        }
    }
}

/// One line of at most [`MAX_LINE`] bytes (without its newline); a longer one is skipped to
/// its end without being kept whole.
fn bounded_line(input: &mut impl BufRead) -> Got {
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX) + 1;
    match input.by_ref().take(limit).read_until(b'\n', &mut bytes) {
        Ok(0) | Err(_) => return Got::End,
        Ok(_) => {}
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() > MAX_LINE {
        let _ = input.skip_until(b'\n');
        bytes.truncate(40);
        return Got::TooLong(String::from_utf8_lossy(&bytes).into_owned() + "...");
    }
    Got::Line(String::from_utf8_lossy(&bytes).into_owned())
}

/// `$XDG_STATE_HOME/dbg/history` (default `~/.local/state/dbg/history`), created with mode
/// 0600 so other users cannot read what was debugged.
fn history_file() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"))
        })?;
    let dir = state.join("dbg");
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("history");
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .ok()?;
    Some(path)
}

/// The terminal's settings before the REPL, to put back when the session ends while the
/// reader thread is inside rustyline (which restores them itself only when a read returns).
struct Terminal(Option<nix::sys::termios::Termios>);

impl Terminal {
    fn save() -> Terminal {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Terminal(None);
        }
        Terminal(nix::sys::termios::tcgetattr(&stdin).ok())
    }

    fn restore(&self) {
        if let Some(settings) = &self.0 {
            let stdin = std::io::stdin();
            let _ =
                nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, settings);
            // rustyline turns bracketed paste on for each read, and off when it returns.
            if std::io::stdout().is_terminal() {
                print!("\x1b[?2004l");
            }
            println!();
        }
    }
}

/// Watch for SIGINT on a thread of its own: a running tracee is stopped (reported as an
/// interrupt) and long commands end early; the debugger itself never dies of Ctrl-C.
pub fn watch_ctrl_c(interrupter: Interrupter) {
    use signal_hook::consts::SIGINT;
    use signal_hook::iterator::Signals;

    let Ok(mut signals) = Signals::new([SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        // A key press on the terminal may also have reached the tracee (same process group);
        // the session swallows whichever of the two stops comes second.
        for _ in signals.forever() {
            interrupter.interrupt();
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<String> {
        let mut reader = std::io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            match bounded_line(&mut reader) {
                Got::Line(line) => out.push(line),
                Got::TooLong(start) => out.push(format!("too long: {start}")),
                Got::End => return out,
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_whole() {
        let mut input = b"first\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'a', MAX_LINE + 1));
        input.extend_from_slice(b"\nafter\nlast without newline");
        assert_eq!(
            lines(&input),
            [
                "first".to_string(),
                format!("too long: {}...", "a".repeat(40)),
                "after".to_string(),
                "last without newline".to_string(),
            ]
        );
        // Exactly the limit is fine.
        let mut input = vec![b'b'; MAX_LINE];
        input.push(b'\n');
        assert_eq!(lines(&input), ["b".repeat(MAX_LINE)]);
    }
}
