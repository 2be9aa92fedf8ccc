//! The command language of SPEC §3, shared by every front end that offers it: the `dbg-cli`
//! REPL and batch mode, and the debug console of the DAP server. A line is parsed into a
//! [`Command`], run on the session by a [`Runner`], and what it produces (events, then a
//! result) is written as human text or JSON lines to the [`Printer`]'s sink.

pub mod command;
pub mod examine;
pub mod output;
pub mod run;

pub use command::{lookup, parse, parse_everything, Command, COMMANDS};
pub use output::{Mode, Printer, Sink, Stream};
pub use run::{Flow, Runner};
