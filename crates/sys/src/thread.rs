//! Signals to single threads and CPU placement of threads.

use nix::sched::{sched_getaffinity, sched_getcpu, sched_setaffinity, CpuSet};
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::error::{Context, Error};

/// Send `signal` to thread `tid` of thread group `pid` (`tgkill(2)`).
pub fn tgkill(pid: Pid, tid: Pid, signal: Signal) -> Result<(), Error> {
    // SAFETY: tgkill takes three integers and touches no memory of ours.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            pid.as_raw(),
            tid.as_raw(),
            signal as libc::c_int,
        )
    };
    nix::errno::Errno::result(ret).map(drop).ctx("tgkill", tid)
}

/// Send `signal` to the whole thread group `pid` (`kill(2)`).
pub fn kill(pid: Pid, signal: Signal) -> Result<(), Error> {
    nix::sys::signal::kill(pid, signal).ctx("kill", pid)
}

/// The CPUs thread `tid` may run on (0 means the calling thread).
pub fn affinity(tid: Pid) -> Result<CpuSet, Error> {
    sched_getaffinity(tid).ctx("sched_getaffinity", tid)
}

/// Restrict thread `tid` to the CPUs in `set` (0 means the calling thread).
pub fn set_affinity(tid: Pid, set: &CpuSet) -> Result<(), Error> {
    sched_setaffinity(tid, set).ctx("sched_setaffinity", tid)
}

/// The CPU the calling thread is running on.
pub fn current_cpu() -> Result<usize, Error> {
    sched_getcpu().ctx("sched_getcpu", Pid::from_raw(0))
}

/// A set holding just `cpu`.
pub fn single_cpu(cpu: usize) -> Result<CpuSet, Error> {
    let mut set = CpuSet::new();
    set.set(cpu).ctx("CpuSet::set", Pid::from_raw(0))?;
    Ok(set)
}

pub use nix::sched::CpuSet as Cpus;

/// A process held by a pidfd (`pidfd_open(2)`): a signal sent through it reaches that process
/// or nobody — never another process that was given the same pid after it was reaped.
#[derive(Debug)]
pub struct PidFd(std::os::fd::OwnedFd);

impl PidFd {
    /// Hold process `pid` (it must exist now: a live process or a zombie not yet reaped).
    pub fn open(pid: Pid) -> Result<PidFd, Error> {
        // SAFETY: pidfd_open takes a pid and flags and touches no memory of ours.
        let ret = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
        let fd = nix::errno::Errno::result(ret).ctx("pidfd_open", pid)?;
        let fd = libc::c_int::try_from(fd)
            .map_err(|_| Error::new("pidfd_open", pid, nix::errno::Errno::EBADF))?;
        // SAFETY: the kernel just returned this descriptor, owned by nothing else.
        Ok(PidFd(unsafe {
            <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
        }))
    }

    /// Send `signal` to the process (`pidfd_send_signal(2)`); `ESRCH` once it has ended.
    pub fn send(&self, signal: Signal) -> Result<(), nix::errno::Errno> {
        use std::os::fd::AsRawFd;
        // SAFETY: a null siginfo makes the kernel fill it in as kill(2) would; no memory of
        // ours is touched.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                signal as libc::c_int,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        nix::errno::Errno::result(ret).map(drop)
    }
}
