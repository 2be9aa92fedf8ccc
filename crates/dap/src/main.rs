//! `dbg-dap`: the Debug Adapter Protocol server on stdin and stdout (`dbg-cli dap` runs it).

use std::process::ExitCode;

fn main() -> ExitCode {
    dbg_session::install_panic_hook("dbg-dap");
    let termination = match dbg_session::Termination::watch() {
        Ok(termination) => termination,
        Err(error) => {
            eprintln!("dbg-dap: cannot watch termination signals: {error}");
            return ExitCode::from(2);
        }
    };
    match dbg_dap::serve_with(std::io::stdin(), std::io::stdout(), Some(termination)) {
        // After a termination request the session was ended as it asked.
        Ok(()) => termination
            .received()
            .map_or(ExitCode::SUCCESS, dbg_session::Cause::exit_code),
        Err(error) => {
            eprintln!("dbg-dap: {error}");
            ExitCode::from(2)
        }
    }
}
