//! Waiting for tracee events: a named thread ([`wait_tid`], [`try_wait_tid`]), or whichever
//! child of the calling thread changes state first ([`wait_own_any`]) — for a tracer whose
//! thread has no children but its tracees (one `wait4` per event, where a peek and a collect
//! would be two). Children of the process's other threads are never collected.

use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag};
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

/// Block until any child or tracee *of the calling thread* changes state, and collect it
/// (`waitpid(-1, __WALL | __WNOTHREAD)`, one `wait4`), retrying on `EINTR`. `Ok(None)` when the
/// calling thread has no child or tracee left (`ECHILD`).
///
/// This reaps whatever child of the calling thread comes first, tracee or not: use it only on
/// a thread whose children are all tracees of the caller (e.g. a tracer thread that launched
/// one program and spawns nothing else). Children of the process's other threads are left
/// alone (`__WNOTHREAD`).
pub fn wait_own_any() -> Result<Option<WaitStatus>, Error> {
    loop {
        match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::__WNOTHREAD)) {
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(None),
            Err(errno) => return Err(Error::new("waitpid", Pid::from_raw(-1), errno)),
            Ok(status) => return Ok(Some(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The child is collected by `wait_own_any`, which is what this test is about.
    #[allow(clippy::zombie_processes)]
    fn wait_own_any_collects_the_calling_threads_children_only() {
        // A child of this test's thread, which a waiter on another thread must not collect.
        let mut other = std::process::Command::new("true").spawn().unwrap();
        let own = std::thread::spawn(|| {
            let child = std::process::Command::new("true").spawn().unwrap();
            let pid = Pid::from_raw(child.id() as i32);
            let first = wait_own_any().unwrap();
            let second = wait_own_any().unwrap();
            (pid, first, second)
        })
        .join()
        .unwrap();
        let (pid, first, second) = own;
        assert_eq!(first, Some(WaitStatus::Exited(pid, 0)));
        assert_eq!(second, None);
        assert!(other.wait().unwrap().success());
    }
}
