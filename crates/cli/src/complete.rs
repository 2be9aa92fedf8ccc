//! Tab completion in the REPL: command words and aliases, subcommands, register names (for
//! `register`, `info registers`, `i r`) and signal names (for `handle`, `info signals`).

use dbg_session::REGISTERS;
use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::command::COMMANDS;

/// The REPL's helper: completion only (no hints, highlighting or validation).
#[derive(Debug, Default)]
pub struct Completion;

impl Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(candidates(line.get(..pos).unwrap_or(line)))
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
            let spec = crate::command::lookup(command).ok();
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
    use super::candidates;

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
