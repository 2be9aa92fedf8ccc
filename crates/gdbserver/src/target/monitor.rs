//! `monitor` commands (gdb's `qRcmd`). There is one, hidden: `maintenance panic` panics on
//! purpose (as dbg-cli's command of that name), so that tests can prove what a panic in the
//! server does to the program; anything else is answered with a line saying it is unknown.

use gdbstub::outputln;
use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd};

use super::Inferior;

impl MonitorCmd for Inferior {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), Self::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        if cmd.split_whitespace().eq(["maintenance", "panic"]) {
            dbg_session::maintenance_panic();
        }
        outputln!(out, "dbg-gdbserver has no monitor command `{}`", cmd.trim());
        Ok(())
    }
}
