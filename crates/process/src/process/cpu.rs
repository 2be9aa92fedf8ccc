//! Running tracer and tracee on one CPU, which makes stop-heavy work several times faster.

use dbg_sys::thread::{self as systhread, Cpus};
use dbg_sys::Pid;

use super::Process;
use crate::error::Result;

impl Process {
    /// Run every thread on the tracer's CPU until the guard is dropped. Stop-heavy work
    /// (stepping, ignore loops) is several times faster when tracer and tracee share a CPU,
    /// because each stop then costs no cross-CPU wake-up.
    pub fn share_cpu(&self) -> Result<CpuShare> {
        CpuShare::pin(self.threads())
    }

    /// Run thread `tid` alone on the tracer's CPU until the guard is dropped: a source step's
    /// handful of stops cost no cross-CPU wake-up, and the other threads keep every CPU.
    pub fn share_cpu_with(&self, tid: Pid) -> Result<CpuShare> {
        CpuShare::pin([tid])
    }
}

/// Restores the CPU affinity of the tracer and tracee threads when dropped.
#[derive(Debug)]
pub struct CpuShare {
    saved: Vec<(Pid, Cpus)>,
}

impl CpuShare {
    /// Restrict the calling thread and threads `tids` to the CPU the caller runs on, keeping
    /// their former masks to restore. A thread that refuses (it exited) is skipped.
    pub(crate) fn pin(tids: impl IntoIterator<Item = Pid>) -> Result<CpuShare> {
        let cpu = systhread::current_cpu()?;
        let one = systhread::single_cpu(cpu)?;
        let me = Pid::from_raw(0);
        let mut saved = vec![(me, systhread::affinity(me)?)];
        systhread::set_affinity(me, &one)?;
        for tid in tids {
            if let Ok(mask) = systhread::affinity(tid) {
                if systhread::set_affinity(tid, &one).is_ok() {
                    saved.push((tid, mask));
                }
            }
        }
        Ok(CpuShare { saved })
    }
}

impl Drop for CpuShare {
    fn drop(&mut self) {
        for (tid, mask) in &self.saved {
            let _ = systhread::set_affinity(*tid, mask);
        }
    }
}
