//! What a remote-protocol front end (the gdb server) needs beyond the CLI's commands: the
//! client decides the signal of every resume itself, and asks for the process's auxiliary
//! vector, executable and thread names as raw facts.

use std::path::PathBuf;

use dbg_process::{Pid, Signal};

use super::Session;
use crate::error::{Error, Result};

/// The longest auxiliary vector read (Linux's is a few hundred bytes).
const MAX_AUXV: u64 = 1 << 16;

impl Session {
    /// Resume with `signal` delivered to thread `tid` (which becomes the current thread), or
    /// with no signal at all, instead of the signal of the last stop: a remote client says
    /// at every resume which signal goes to which thread (gdb's `vCont;C`). The signal is
    /// delivered when its policy passes it (a remote front end sets every signal to pass).
    pub fn deliver_on_resume(&mut self, tid: Pid, signal: Option<Signal>) -> Result<()> {
        self.ensure_stopped()?;
        if signal.is_some() && self.process.current_thread() != tid {
            self.select_thread(tid)?;
        }
        self.last_signal = signal;
        Ok(())
    }

    /// Run the tracee's threads on the calling thread's CPU until the guard is dropped
    /// (which restores every thread's former CPU set): a remote client stepping makes one
    /// resume per instruction, and each stop then costs no cross-CPU wake-up. Drop it before
    /// detaching so that the process runs on as it was.
    pub fn share_cpu(&self) -> Result<dbg_process::CpuShare> {
        Ok(self.process.share_cpu()?)
    }

    /// The process's auxiliary vector, as the kernel gave it (`/proc/PID/auxv`).
    pub fn auxv(&self) -> Result<Vec<u8>> {
        let path = format!("/proc/{}/auxv", self.pid());
        read_bounded(&path, MAX_AUXV)
    }

    /// The file the process executes (`/proc/PID/exe`).
    pub fn executable(&self) -> Result<PathBuf> {
        let path = format!("/proc/{}/exe", self.pid());
        std::fs::read_link(&path).map_err(|source| Error::ProcFile { path, source })
    }

    /// Thread `tid`'s name (`/proc/PID/task/TID/comm`), if it still has one.
    pub fn thread_name(&self, tid: Pid) -> Option<String> {
        let path = format!("/proc/{}/task/{tid}/comm", self.pid());
        let bytes = read_bounded(&path, 64).ok()?;
        let name = String::from_utf8_lossy(&bytes);
        Some(name.trim_end_matches('\n').to_string())
    }
}

/// Read at most `limit` bytes of a `/proc` file.
fn read_bounded(path: &str, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let error = |source| Error::ProcFile {
        path: path.to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(error)?;
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::ProcFile {
            path: path.to_string(),
            source,
        })?;
    Ok(bytes)
}
