//! `dbg-gdbserver` (also run as `dbg-cli gdbserver`): serve a program to a gdb client, as
//! gdbserver does. Parses the invocation (SPEC §2) and calls the library.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Arg, ArgAction};
use dbg_gdbserver::{serve, Options, Start};

/// Exit status when the arguments are wrong or the program cannot be started (SPEC §2).
const EXIT_USAGE: u8 = 2;

fn cli() -> clap::Command {
    clap::Command::new("dbg-gdbserver")
        .about("serve a program to a gdb client over TCP (gdb's remote serial protocol)")
        .version(env!("CARGO_PKG_VERSION"))
        .override_usage(
            "dbg-gdbserver [--once] <HOST:PORT> <PROGRAM> [ARGS...]\n       \
             dbg-gdbserver [--once] <HOST:PORT> --attach <PID>",
        )
        .arg(
            Arg::new("once")
                .long("once")
                .action(ArgAction::SetTrue)
                .help("serve only the first client, then end"),
        )
        .arg(
            Arg::new("attach")
                .long("attach")
                .value_name("PID")
                .value_parser(clap::value_parser!(i32))
                .conflicts_with("command")
                .help("attach to the running process PID instead of launching a program"),
        )
        .arg(
            Arg::new("address")
                .value_name("HOST:PORT")
                .required(true)
                .help("where to listen, e.g. 127.0.0.1:1234 (port 0: any free port)"),
        )
        .arg(
            Arg::new("command")
                .value_name("PROGRAM [ARGS]")
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(OsString))
                .required_unless_present("attach")
                .help("the program to launch, then its arguments (all go to the program)"),
        )
}

fn main() -> ExitCode {
    dbg_session::install_panic_hook("dbg-gdbserver");
    let termination = match dbg_session::Termination::watch() {
        Ok(termination) => termination,
        Err(error) => {
            eprintln!("dbg-gdbserver: cannot watch termination signals: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let matches = match cli().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let start = match matches.get_one::<i32>("attach") {
        Some(pid) => Start::Attach(dbg_session::Pid::from_raw(*pid)),
        None => {
            let mut command = matches
                .get_many::<OsString>("command")
                .into_iter()
                .flatten()
                .cloned();
            let program = command.next().unwrap_or_default();
            let program = match program.to_str() {
                Some("--") => command.next().unwrap_or_default(),
                _ => program,
            };
            Start::Launch {
                program,
                args: command.collect(),
            }
        }
    };
    let options = Options {
        once: matches.get_flag("once"),
        address: matches
            .get_one::<String>("address")
            .cloned()
            .unwrap_or_default(),
        start,
        termination: Some(termination),
    };
    match serve(&options) {
        Ok(()) => match termination.received() {
            // The session was ended (and said so) as the request asked.
            Some(cause) => cause.exit_code(),
            None => ExitCode::SUCCESS,
        },
        Err(error) => {
            eprintln!("dbg-gdbserver: {error}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
