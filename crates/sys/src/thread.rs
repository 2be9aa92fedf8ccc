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
