//! `dbg-cli`: a native Linux x86-64 debugger. Parses the invocation (SPEC §2), starts a
//! `dbg-session` session, runs `-e`/`-x` commands and the REPL, and prints events and results
//! as human text or JSON lines.
#![forbid(unsafe_code)]

mod complete;
mod frontends;
mod repl;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches};
use dbg_session::{Launch, Pid, Session, Termination};

use dbg_session::console::Runner;
use dbg_session::console::{Mode, Printer};

/// Exit status when the arguments are wrong or the program cannot be launched or attached.
const EXIT_USAGE: u8 = 2;

/// The largest `-x` script read (commands are kept in memory until they run).
const MAX_SCRIPT: u64 = 1 << 20;

fn cli() -> clap::Command {
    let common = [
        Arg::new("eval")
            .short('e')
            .long("eval")
            .value_name("CMD")
            .action(ArgAction::Append)
            .help("run one debugger command (repeatable, in order)"),
        Arg::new("script")
            .short('x')
            .long("script")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .action(ArgAction::Append)
            .help("run the commands in FILE, one per line (# starts a comment)"),
        Arg::new("batch")
            .long("batch")
            .action(ArgAction::SetTrue)
            .help("exit after the last -e/-x command instead of starting the REPL"),
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("machine mode: stdout carries only JSON lines"),
        Arg::new("debug-file-directory")
            .long("debug-file-directory")
            .value_name("DIR")
            .value_parser(clap::value_parser!(PathBuf))
            .action(ArgAction::Append)
            .help(
                "look for separate debug files in DIR (by build-id in DIR/.build-id/, by \
                 .gnu_debuglink in DIR/<the binary's directory>/) before /usr/lib/debug; \
                 repeatable",
            ),
    ];
    let redirect = |name: &'static str, what: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help(what)
    };
    clap::Command::new("dbg-cli")
        .about("dbg: a native debugger for Linux x86-64 programs")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            clap::Command::new("run")
                .about("launch PROGRAM under the debugger, stopped at its first instruction")
                .args(common.clone())
                .arg(redirect(
                    "stdin",
                    "read the tracee's standard input from FILE",
                ))
                .arg(redirect(
                    "stdout",
                    "write the tracee's standard output to FILE",
                ))
                .arg(redirect(
                    "stderr",
                    "write the tracee's standard error to FILE",
                ))
                .arg(
                    Arg::new("aslr")
                        .long("aslr")
                        .action(ArgAction::SetTrue)
                        .help("keep address-space randomisation on (off by default, as in gdb)"),
                )
                .arg(
                    // One positional for PROGRAM and its arguments, so that everything after
                    // PROGRAM — options like `-e` or `--help` included — goes to the program
                    // (SPEC §2), as after gdb's `--args`.
                    Arg::new("command")
                        .value_name("PROGRAM [ARGS]")
                        .required(true)
                        .num_args(1..)
                        .trailing_var_arg(true)
                        .value_parser(clap::value_parser!(OsString))
                        .help(
                            "the program to debug (without a `/`, looked up in PATH, then in the \
                             current directory), then its arguments: every argument after \
                             PROGRAM goes to the program unchanged, options included; put `--` \
                             before PROGRAM if its name starts with `-`",
                        ),
                ),
        )
        .subcommand(
            clap::Command::new("attach")
                .about("attach to the running process PID")
                .args(common)
                .arg(
                    Arg::new("pid")
                        .value_name("PID")
                        .required(true)
                        .value_parser(clap::value_parser!(i32)),
                ),
        )
        // Served by the sibling binaries (see `frontends`); listed here for `--help`.
        .subcommand(
            clap::Command::new("gdbserver")
                .about(
                    "serve gdb or lldb over the gdb remote protocol: \
                     gdbserver [--once] HOST:PORT PROGRAM [ARGS...] | --attach PID",
                )
                .disable_help_flag(true),
        )
        .subcommand(
            clap::Command::new("dap")
                .about("serve an editor with the Debug Adapter Protocol on stdin/stdout")
                .disable_help_flag(true),
        )
}

/// The `-e` and `-x` commands in command-line order.
fn scripted_commands(args: &ArgMatches) -> Result<Vec<String>, String> {
    let mut ordered: Vec<(usize, String)> = Vec::new();
    if let (Some(values), Some(indices)) =
        (args.get_many::<String>("eval"), args.indices_of("eval"))
    {
        ordered.extend(indices.zip(values.cloned()));
    }
    if let (Some(files), Some(indices)) = (
        args.get_many::<PathBuf>("script"),
        args.indices_of("script"),
    ) {
        for (index, file) in indices.zip(files) {
            let text = read_script(file)?;
            for (number, line) in text.lines().enumerate() {
                if line.len() > repl::MAX_LINE {
                    return Err(format!(
                        "line {} of script {} is longer than {} bytes",
                        number + 1,
                        file.display(),
                        repl::MAX_LINE
                    ));
                }
                let line = line.split('#').next().unwrap_or("").trim();
                if !line.is_empty() {
                    ordered.push((index, line.to_string()));
                }
            }
        }
    }
    // A stable sort keeps a script's lines in order.
    ordered.sort_by_key(|(index, _)| *index);
    Ok(ordered.into_iter().map(|(_, command)| command).collect())
}

/// A script's text, refused when larger than [`MAX_SCRIPT`] (without reading more of it).
fn read_script(file: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read script {}: {e}", file.display());
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(cannot)?
        .take(MAX_SCRIPT + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SCRIPT {
        return Err(format!(
            "script {} is larger than {} KiB",
            file.display(),
            MAX_SCRIPT >> 10
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("script {} is not UTF-8 text", file.display()))
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("dbg-cli: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn start(
    name: &str,
    args: &ArgMatches,
    mode: Mode,
) -> Result<(Session, Vec<dbg_session::Event>), String> {
    match name {
        "run" => {
            let mut command = args
                .get_many::<OsString>("command")
                .into_iter()
                .flatten()
                .cloned();
            let program = command.next().unwrap_or_default();
            let mut launch = Launch::new(program)
                .args(command)
                .aslr(args.get_flag("aslr"));
            if let Some(path) = args.get_one::<PathBuf>("stdin") {
                launch = launch.stdin(path);
            }
            if let Some(path) = args.get_one::<PathBuf>("stdout") {
                launch = launch.stdout(path);
            } else if mode == Mode::Json {
                // stdout carries only JSON: the tracee's output goes to our stderr.
                use std::os::fd::AsFd;
                if let Ok(stderr) = std::io::stderr().as_fd().try_clone_to_owned() {
                    launch = launch.stdout_fd(stderr);
                }
            }
            if let Some(path) = args.get_one::<PathBuf>("stderr") {
                launch = launch.stderr(path);
            }
            Session::launch(launch).map_err(|e| e.to_string())
        }
        _ => {
            let pid = args.get_one::<i32>("pid").copied().unwrap_or(0);
            Session::attach(Pid::from_raw(pid)).map_err(|e| e.to_string())
        }
    }
}

fn main() -> ExitCode {
    if let Some(code) = frontends::dispatch(EXIT_USAGE) {
        return code;
    }
    dbg_session::install_panic_hook("dbg-cli");
    let matches = match cli().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let Some((name, args)) = matches.subcommand() else {
        return fail("a subcommand is required (run or attach)");
    };
    let mode = if args.get_flag("json") {
        Mode::Json
    } else {
        Mode::Human
    };
    let batch = args.get_flag("batch");
    let commands = match scripted_commands(args) {
        Ok(commands) => commands,
        Err(message) => return fail(message),
    };
    // SIGTERM, SIGHUP, SIGQUIT: a running tracee stops, the command in progress ends, and
    // the session ends as `quit` ends it. Caught from before the launch or attach, so that
    // one arriving meanwhile ends the session once it exists instead of killing dbg halfway.
    let termination = match Termination::watch() {
        Ok(termination) => termination,
        Err(error) => return fail(format!("cannot watch termination signals: {error}")),
    };
    let (session, events) = match start(name, args, mode) {
        Ok(started) => started,
        Err(message) => return fail(message),
    };
    let mut session = session;
    if let Some(directories) = args.get_many::<PathBuf>("debug-file-directory") {
        session.set_debug_file_directories(directories.cloned().collect());
    }
    let mut runner = Runner::new(session, Printer::new(mode));
    runner.print_events(&events);
    repl::watch_ctrl_c(runner.interrupter());
    let interrupter = runner.interrupter();
    termination.on_request(move |_| interrupter.end());
    let mut failed = false;
    for line in &commands {
        // Ctrl-C between commands, or during one that did not answer it with a stop (a
        // `break`, a `list`), ends the batch.
        if runner.interrupted_idle()
            || runner.interrupter().requested()
            || termination.received().is_some()
        {
            break;
        }
        match runner.execute(line) {
            dbg_session::console::Flow::Quit => {
                let failed = failed || runner.last_failed();
                return runner.finish(failed);
            }
            dbg_session::console::Flow::Continue => failed |= runner.last_failed(),
        }
    }
    if !batch && termination.received().is_none() {
        repl::run(&mut runner, mode, termination);
    }
    if let Some(cause) = termination.received() {
        return terminated(&mut runner, cause);
    }
    runner.finish(failed && batch)
}

/// End the session after a termination request, say so in one line, and give the
/// conventional status (128 + the signal's number).
fn terminated(runner: &mut Runner, cause: dbg_session::Cause) -> ExitCode {
    let session = runner.session();
    let what = match cause {
        dbg_session::Cause::Signal(signal) => signal.as_str().to_string(),
        dbg_session::Cause::Panic => "a panic".to_string(),
    };
    let done = match (session.is_alive(), session.launched()) {
        (false, _) => "no process left".to_string(),
        (true, true) => format!("killed process {}", session.pid()),
        (true, false) => format!("detached from process {}", session.pid()),
    };
    let _ = runner.finish(false);
    eprintln!("dbg-cli: {what} received: {done}");
    cause.exit_code()
}
