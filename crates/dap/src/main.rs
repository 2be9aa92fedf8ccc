//! `dbg-dap`: the Debug Adapter Protocol server on stdin and stdout (`dbg-cli dap` runs it).

use std::process::ExitCode;

fn main() -> ExitCode {
    match dbg_dap::serve(std::io::stdin(), std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dbg-dap: {error}");
            ExitCode::from(2)
        }
    }
}
