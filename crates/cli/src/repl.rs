//! The interactive loop: rustyline with persistent history, an empty line repeating the last
//! command, Ctrl-C stopping a running tracee, Ctrl-D quitting. In JSON mode commands are read
//! as plain lines with no prompt, so stdout stays pure JSON.

use std::cell::RefCell;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use dbg_session::Interrupter;
use rustyline::error::ReadlineError;

use crate::complete::Completion;
use dbg_session::console::Mode;
use dbg_session::console::{Flow, Runner};

const PROMPT: &str = "(dbg) ";

/// Run the REPL until `quit`, Ctrl-D or end of input, then end the session (SPEC §2's exit).
pub fn run(mut runner: Runner, mode: Mode) -> ExitCode {
    if mode == Mode::Json {
        run_plain(&mut runner);
        return runner.finish(false);
    }
    let Ok(mut editor) = rustyline::Editor::<Completion, _>::new() else {
        run_plain(&mut runner);
        return runner.finish(false);
    };
    // Completion asks the session about symbols while a line is being typed (no command
    // runs then), so the editor's helper and the loop share the runner.
    let runner = Rc::new(RefCell::new(runner));
    editor.set_helper(Some(Completion::new(Rc::clone(&runner))));
    interactive(&mut editor, &runner);
    let code = runner.borrow_mut().finish(false);
    code
}

fn interactive(
    editor: &mut rustyline::Editor<Completion, rustyline::history::DefaultHistory>,
    runner: &Rc<RefCell<Runner>>,
) {
    let history = history_file();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let mut last = String::new();
    loop {
        match editor.readline(PROMPT) {
            Ok(line) => {
                let line = if line.trim().is_empty() {
                    last.clone()
                } else {
                    line
                };
                if line.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line.as_str());
                if let Some(path) = &history {
                    let _ = editor.append_history(path);
                }
                last = line.clone();
                if runner.borrow().would_restart(&line) && !confirm_restart(editor) {
                    continue;
                }
                if runner.borrow_mut().execute(&line) == Flow::Quit {
                    break;
                }
            }
            // Ctrl-C at the prompt abandons the line.
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => break,
        }
    }
}

/// gdb's question before `run` kills the program it is debugging; anything but yes (or a
/// closed input) keeps it. Asked only of a person at a terminal: piped commands run as given.
fn confirm_restart(
    editor: &mut rustyline::Editor<Completion, rustyline::history::DefaultHistory>,
) -> bool {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return true;
    }
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

fn run_plain(runner: &mut Runner) {
    let stdin = std::io::stdin();
    let mut last = String::new();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let line = if line.trim().is_empty() {
            last.clone()
        } else {
            line
        };
        if line.trim().is_empty() {
            continue;
        }
        last = line.clone();
        if runner.execute(&line) == Flow::Quit {
            break;
        }
    }
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
