//! Tab completion in the REPL: command words and aliases, subcommands, register names (for
//! `register`, `info registers`, `i r`) and signal names (for `handle`, `info signals`).

use std::sync::mpsc::{self, Sender};

use dbg_session::REGISTERS;
use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use dbg_session::console::COMMANDS;

use crate::repl::Heard;

/// The REPL's helper: completion only (no hints, highlighting or validation). It runs on the
/// input thread and asks the loop on the tracer thread, which waits for the line meanwhile,
/// about the session's symbols.
#[derive(Debug)]
pub struct Completion {
    ask: Sender<Heard>,
}

impl Completion {
    /// A helper that asks for locations through `ask`.
    pub fn new(ask: Sender<Heard>) -> Completion {
        Completion { ask }
    }
}

impl Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = line.get(..pos).unwrap_or(line);
        let (start, mut words) = candidates(before);
        if words.is_empty() && takes_location(before) {
            let partial = before.get(start..).unwrap_or_default();
            let (reply, answer) = mpsc::channel();
            if self
                .ask
                .send(Heard::Complete(partial.to_string(), reply))
                .is_ok()
            {
                // No answer (the session ended meanwhile) is no completion.
                words = answer.recv().unwrap_or_default();
            }
        }
        Ok((start, words))
    }
}

/// Whether the word being typed in `before` is a location (or an address): the argument of
/// break, tbreak, hbreak, breakpoint set, list, until, advance, symbol, x.
fn takes_location(before: &str) -> bool {
    let words: Vec<&str> = before.split_whitespace().collect();
    let typing_new_word = before.ends_with(char::is_whitespace);
    let argument = if typing_new_word {
        words.len()
    } else {
        words.len().saturating_sub(1)
    };
    match words
        .first()
        .map(|w| dbg_session::console::lookup(w).map(|spec| spec.name))
    {
        Some(Ok("tbreak" | "hbreak" | "list" | "until" | "advance" | "symbol")) => argument == 1,
        Some(Ok("memory")) if words.first() == Some(&"x") => argument == 1,
        Some(Ok("breakpoint")) => match words.get(1) {
            Some(&"set" | &"s") => argument == 2,
            Some(_) if matches!(words.first(), Some(&"b" | &"break")) => argument == 1,
            _ => argument == 1 && matches!(words.first(), Some(&"b" | &"break")),
        },
        _ => false,
    }
}

impl Hinter for Completion {
    type Hint = String;
}

impl Highlighter for Completion {}

impl Validator for Completion {}

impl Helper for Completion {}

/// Where the word being completed starts in `before` (the line up to the cursor), and the
/// words that can go there, sorted.
pub fn candidates(before: &str) -> (usize, Vec<String>) {
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let partial = before.get(start..).unwrap_or_default();
    let words: Vec<&str> = before
        .get(..start)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let mut found: Vec<String> = match words.as_slice() {
        [] => COMMANDS
            .iter()
            .flat_map(|spec| std::iter::once(spec.name).chain(spec.aliases.iter().copied()))
            .filter(|word| word.starts_with(partial))
            .map(str::to_string)
            .collect(),
        [command, rest @ ..] => {
            let spec = dbg_session::console::lookup(command).ok();
            let subcommands = spec.map_or(&[][..], |spec| spec.subcommands);
            let name = spec.map_or(*command, |spec| spec.name);
            let registers = || {
                REGISTERS
                    .iter()
                    .map(|info| info.name)
                    .filter(|name| name.starts_with(partial))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            let signals = || {
                dbg_session::Signal::iterator()
                    .map(|signal| signal.as_str())
                    .filter(|name| name.starts_with(&partial.to_ascii_uppercase()))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            match (name, rest) {
                ("register", [_, ..]) => registers(),
                ("info", [sub, ..]) if "registers".starts_with(sub) && !sub.is_empty() => {
                    registers()
                }
                ("info", [sub]) if "signals".starts_with(sub) && sub.len() > 1 => signals(),
                ("handle", []) => signals(),
                (_, []) => subcommands
                    .iter()
                    .filter(|sub| sub.starts_with(partial))
                    .map(|sub| sub.to_string())
                    .collect(),
                _ => Vec::new(),
            }
        }
    };
    found.sort();
    found.dedup();
    (start, found)
}

#[cfg(test)]
mod tests {
    use super::{candidates, takes_location};

    #[test]
    fn locations_are_completed_where_a_location_goes() {
        for line in [
            "b ma",
            "break ",
            "tbreak x",
            "breakpoint set ma",
            "list nes",
            "x ",
            "until 1",
        ] {
            assert!(takes_location(line), "{line}");
        }
        for line in [
            "b main ",
            "continue ",
            "breakpoint ",
            "register read r",
            "list a b",
        ] {
            assert!(!takes_location(line), "{line}");
        }
    }

    #[test]
    fn commands_subcommands_registers_and_signals_complete() {
        let words = |line: &str| candidates(line).1;
        assert_eq!(words("cont"), ["continue"]);
        assert!(words("b").contains(&"break".to_string()));
        assert!(words("b").contains(&"backtrace".to_string()));
        assert_eq!(words("breakpoint s"), ["set"]);
        assert_eq!(candidates("breakpoint s"), (11, vec!["set".to_string()]));
        assert_eq!(words("register read ea"), ["eax"]);
        assert!(words("i r x").contains(&"xmm15".to_string()));
        assert_eq!(words("handle SIGUSR"), ["SIGUSR1", "SIGUSR2"]);
        assert_eq!(words("handle sigsegv"), ["SIGSEGV"]);
        assert!(words("frobnicate x").is_empty());
    }
}
