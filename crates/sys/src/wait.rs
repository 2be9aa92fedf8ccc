//! Waiting for tracee events on specific threads. Nothing here waits on "any child": a
//! debugger library must never reap children that are not its tracees.

use nix::errno::Errno;
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag};
use nix::unistd::Pid;

use crate::error::Error;

pub use nix::sys::wait::WaitStatus;

/// Block until thread `tid` changes state (`waitpid(tid, __WALL)`), retrying on `EINTR`.
pub fn wait_tid(tid: Pid) -> Result<WaitStatus, Error> {
    loop {
        match waitpid(tid, Some(WaitPidFlag::__WALL)) {
            Err(Errno::EINTR) => continue,
            other => return other.map_err(|errno| Error::new("waitpid", tid, errno)),
        }
    }
}

/// Collect a state change of `tid` if it has one (`WNOHANG`); `Ok(None)` when it has none.
pub fn try_wait_tid(tid: Pid) -> Result<Option<WaitStatus>, Error> {
    match waitpid(tid, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::StillAlive) => Ok(None),
        Ok(status) => Ok(Some(status)),
        Err(errno) => Err(Error::new("waitpid", tid, errno)),
    }
}

/// Block until a child or tracee *of the calling thread* has a state change, and say which
/// one, without collecting it (`waitid(P_ALL, WNOWAIT | __WNOTHREAD | __WALL)`). The caller
/// collects it with [`wait_tid`] once it knows the thread is its own.
pub fn peek_any() -> Result<Pid, Error> {
    let flags = WaitPidFlag::WEXITED
        | WaitPidFlag::WSTOPPED
        | WaitPidFlag::WNOWAIT
        | WaitPidFlag::__WALL
        | WaitPidFlag::__WNOTHREAD;
    loop {
        match waitid(Id::All, flags) {
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(Error::new("waitid", Pid::from_raw(0), errno)),
            Ok(status) => match status.pid() {
                Some(pid) => return Ok(pid),
                None => continue,
            },
        }
    }
}
