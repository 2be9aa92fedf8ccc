//! Taking control: attaching to a running process (every thread, diagnosing a refusal) and
//! adopting one whose threads are all in a ptrace stop, launched or attached.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use dbg_sys::ptrace::{self, Options};
use dbg_sys::thread as systhread;
use dbg_sys::wait::{wait_tid, WaitStatus};
use dbg_sys::{Errno, Pid, Signal};

use super::{DebugRegisters, Origin, Process, State, Thread};
use crate::error::{AttachRefusal, Error, Result};
use crate::stop::Stop;
use crate::stop_request::StopRequest;
use crate::trap_sites::TrapSites;

/// Threads are followed; forked children are caught so that our breakpoints can be taken out
/// of them before they run (then they are let go, as gdb's `follow-fork-mode parent`); exec is
/// a stop of its own.
const ATTACH_OPTIONS: Options = Options::PTRACE_O_TRACECLONE
    .union(Options::PTRACE_O_TRACESYSGOOD)
    .union(Options::PTRACE_O_TRACEFORK)
    .union(Options::PTRACE_O_TRACEVFORK)
    .union(Options::PTRACE_O_TRACEVFORKDONE)
    .union(Options::PTRACE_O_TRACEEXEC)
    .union(Options::PTRACE_O_TRACEEXIT);
/// A launched process also dies with the debugger.
pub(super) const LAUNCH_OPTIONS: Options = ATTACH_OPTIONS.union(Options::PTRACE_O_EXITKILL);

impl Process {
    /// Take control of `pid`, whose threads are all in a ptrace stop. Each thread may carry
    /// a status collected while attaching that must be reported later.
    pub(crate) fn adopt(
        pid: Pid,
        origin: Origin,
        threads: Vec<(Pid, Option<WaitStatus>)>,
    ) -> Result<Process> {
        let options = match origin {
            Origin::Launched => LAUNCH_OPTIONS,
            Origin::Attached => ATTACH_OPTIONS,
        };
        let mut process = Process {
            pid,
            threads: BTreeMap::new(),
            current: pid,
            origin,
            state: State::Stopped,
            pending: VecDeque::new(),
            breakpoints: TrapSites::default(),
            early_children: BTreeSet::new(),
            early_threads: BTreeSet::new(),
            held: BTreeSet::new(),
            alone: None,
            stop_request: StopRequest::default(),
            group_stops: false,
            vfork_lifted: false,
            exit_words: BTreeMap::new(),
            filtered: false,
            outranked: false,
            debug: DebugRegisters::default(),
            swallow: None,
            events: VecDeque::new(),
            listener: None,
            _tracer_thread: std::marker::PhantomData,
        };
        for (tid, early) in threads {
            if let Err(e) = ptrace::set_options(tid, options) {
                if origin == Origin::Launched {
                    let _ = systhread::kill(pid, Signal::SIGKILL);
                    let _ = wait_tid(pid);
                }
                return Err(e.into());
            }
            let sigstop_queued = early.is_some();
            process.threads.insert(
                tid,
                Thread {
                    sigstop_queued,
                    ..Thread::default()
                },
            );
            if let Some(WaitStatus::Stopped(_, signal)) = early {
                let info = ptrace::siginfo(tid)?;
                process
                    .pending
                    .push_back(Stop::from_siginfo(tid, signal, &info));
            }
        }
        Ok(process)
    }

    /// Attach to every thread of `pid` and stop them all.
    pub fn attach(pid: Pid) -> Result<Process> {
        let refuse = |reason| Error::Attach {
            pid: pid.as_raw(),
            reason,
        };
        if pid.as_raw() <= 0 {
            return Err(refuse(AttachRefusal::NoSuchProcess));
        }
        if pid == nix::unistd::getpid() {
            return Err(refuse(AttachRefusal::Itself));
        }
        let mut attached: Vec<(Pid, Option<WaitStatus>)> = Vec::new();
        // Threads may be created while we attach: list again until no new one appears.
        loop {
            let tids = task_ids(pid).map_err(|_| refuse(AttachRefusal::NoSuchProcess))?;
            let new: Vec<Pid> = tids
                .into_iter()
                .filter(|t| !attached.iter().any(|(a, _)| a == t))
                .collect();
            if new.is_empty() {
                break;
            }
            for tid in new {
                match ptrace::attach(tid) {
                    Ok(()) => {}
                    // The thread exited between listing and attaching.
                    Err(e) if e.errno == Errno::ESRCH && tid != pid => continue,
                    Err(e) => {
                        release(&attached);
                        return Err(refuse(diagnose_refusal(pid, e.errno)));
                    }
                }
                match wait_tid(tid)? {
                    WaitStatus::Stopped(_, Signal::SIGSTOP) => attached.push((tid, None)),
                    // Another signal arrived before our SIGSTOP: keep it to report.
                    status @ WaitStatus::Stopped(..) => attached.push((tid, Some(status))),
                    WaitStatus::Exited(..) | WaitStatus::Signaled(..) if tid != pid => {}
                    other => {
                        release(&attached);
                        return Err(Error::Unexpected {
                            tid: tid.as_raw(),
                            during: "attach",
                            status: other,
                        });
                    }
                }
            }
        }
        Process::adopt(pid, Origin::Attached, attached)
    }
}

/// The thread ids in `/proc/PID/task`.
pub(super) fn task_ids(pid: Pid) -> std::io::Result<Vec<Pid>> {
    let mut tids: Vec<Pid> = std::fs::read_dir(format!("/proc/{pid}/task"))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .map(Pid::from_raw)
        .collect();
    tids.sort();
    Ok(tids)
}

/// Whether the calling thread is the tracer of `pid` (a child auto-attached on fork).
pub(super) fn traced_by_caller(pid: Pid) -> bool {
    let me = nix::unistd::gettid().as_raw();
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("TracerPid:"))
                .and_then(|value| value.trim().parse::<i32>().ok())
        })
        == Some(me)
}

/// Undo a partial attach.
fn release(attached: &[(Pid, Option<WaitStatus>)]) {
    for (tid, _) in attached {
        let _ = ptrace::detach(*tid, None);
    }
}

/// Work out from `/proc` why PTRACE_ATTACH failed with `errno`.
fn diagnose_refusal(pid: Pid, errno: Errno) -> AttachRefusal {
    if errno == Errno::ESRCH {
        return AttachRefusal::NoSuchProcess;
    }
    if errno != Errno::EPERM {
        return AttachRefusal::Other(errno);
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name (which may hold spaces and parentheses): state, ppid, pgrp,
    // session, tty, tpgid, flags.
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    if fields.first() == Some(&"Z") {
        return AttachRefusal::Zombie;
    }
    const PF_KTHREAD: u64 = 0x0020_0000;
    let flags = fields
        .get(6)
        .and_then(|f| f.parse::<u64>().ok())
        .unwrap_or(0);
    if flags & PF_KTHREAD != 0 {
        return AttachRefusal::KernelThread;
    }
    // The comm line may hold any bytes the tracee chose: read lossily.
    let status = std::fs::read(format!("/proc/{pid}/status"))
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let tracer = status
        .lines()
        .find_map(|line| line.strip_prefix("TracerPid:"))
        .and_then(|value| value.trim().parse::<i32>().ok())
        .unwrap_or(0);
    if tracer != 0 {
        let name = std::fs::read_to_string(format!("/proc/{tracer}/comm"))
            .ok()
            .map(|comm| comm.trim().to_string());
        return AttachRefusal::AlreadyTraced { tracer, name };
    }
    // With CAP_SYS_PTRACE neither another owner nor Yama stands in the way.
    let own = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let capabilities = own
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|value| u64::from_str_radix(value.trim(), 16).ok())
        .unwrap_or(0);
    const CAP_SYS_PTRACE: u64 = 1 << 19;
    let privileged = capabilities & CAP_SYS_PTRACE != 0;
    let owner = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|value| value.split_whitespace().next()?.parse::<u32>().ok());
    // Our effective uid: the second field of our own `Uid:` line.
    let euid = own
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|value| value.split_whitespace().nth(1)?.parse::<u32>().ok());
    if !privileged && owner.is_some() && owner != euid {
        // Another user's process: that, not Yama, is the reason.
        return AttachRefusal::Other(errno);
    }
    let yama = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|scope| scope.trim().parse::<u8>().ok())
        .unwrap_or(0);
    if yama > 0 {
        return AttachRefusal::Yama(yama);
    }
    // With CAP_SYS_PTRACE, a process whose /proc entries are closed even to us is one the
    // kernel lets nobody inspect: not dumpable, or owned by an outer user namespace (a
    // container's init, seen from inside).
    let closed = matches!(
        std::fs::read_link(format!("/proc/{pid}/exe")),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied
    );
    if privileged && closed {
        return AttachRefusal::NotInspectable;
    }
    AttachRefusal::Other(errno)
}
