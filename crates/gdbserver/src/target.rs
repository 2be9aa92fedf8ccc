//! The debugged process as gdbstub sees it: an [`Inferior`] holds the session (none between
//! a kill and the next `run` of an extended-remote client) and answers the base requests —
//! registers of any thread, memory with our `int3`s hidden, the thread list and names. The
//! protocol extensions live beside it: resuming (`target/resume.rs`), breakpoints and
//! watchpoints (`target/breakpoints.rs`), extended mode (`target/extended.rs`) and the
//! queries for files, the auxiliary vector and system-call catching (`target/queries.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::num::NonZeroUsize;

use dbg_session::{Event, Launch, Pid, Reg, RegValue, Session, Signal, SignalPolicy, VirtAddr};
use gdbstub::common::{Signal as GdbSignal, Tid};
use gdbstub::target::ext::base::multithread::MultiThreadBase;
use gdbstub::target::ext::base::single_register_access::SingleRegisterAccess;
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::{TargetError, TargetResult};

use crate::registers::{layout, sources, RegNumber, Registers, SessionValues, X86_64Linux};

mod breakpoints;
mod extended;
mod monitor;
mod queries;
mod resume;

pub(crate) use resume::Resume;

/// What to start: a program to launch, or a process to attach to.
#[derive(Debug, Clone)]
pub enum Start {
    /// Launch `program` with `args`.
    Launch {
        /// The program (looked up in PATH when it has no `/`).
        program: OsString,
        /// Its arguments.
        args: Vec<OsString>,
    },
    /// Attach to a running process.
    Attach(Pid),
}

/// The debugged process and what the client set up in it.
#[derive(Debug)]
pub(crate) struct Inferior {
    session: Option<Session>,
    /// The program a `run` without a file name starts again (the one launched first).
    program: Option<(OsString, Vec<OsString>)>,
    /// Whether the next launch keeps address-space randomisation on.
    aslr: bool,
    /// The client spoke extended-remote (`!`): the server outlives the process.
    pub(crate) extended: bool,
    /// The resume the client asked for, carried out by [`Inferior::run`].
    resume: Resume,
    /// Breakpoints and watchpoints the client set: addresses to session ids.
    points: breakpoints::Points,
    /// Each thread's registers, read once per stop.
    registers: BTreeMap<Pid, SessionValues>,
    /// The system calls the session catches.
    catching: dbg_session::SyscallCatch,
    /// The system calls the client wants caught from the next resume on.
    catch_wanted: dbg_session::SyscallCatch,
    /// `qXfer:libraries-svr4`'s document, made at each stop (gdbstub asks through `&self`).
    libraries: String,
    /// While the client steps, the tracee runs on the server's CPU (restored when it
    /// continues, detaches or the process ends).
    pub(crate) pinned: Option<dbg_session::CpuShare>,
    /// The signals the client passes to the program without a stop (`QPassSignals`).
    passed: BTreeSet<Signal>,
    /// The session's policies of the passed signals before they were passed.
    unpassed: BTreeMap<Signal, SignalPolicy>,
    /// The replay of arbitrary bytes ([`crate::replay`]): the client may start again only
    /// the program started first, and attach to nothing.
    pub(crate) sandbox: bool,
}

impl Inferior {
    /// Launch or attach, and say so as gdbserver does.
    pub(crate) fn start(start: &Start) -> dbg_session::Result<Inferior> {
        let mut inferior = Inferior {
            session: None,
            program: None,
            aslr: false,
            extended: false,
            resume: Resume::default(),
            points: breakpoints::Points::default(),
            registers: BTreeMap::new(),
            libraries: String::new(),
            pinned: None,
            catching: dbg_session::SyscallCatch::None,
            catch_wanted: dbg_session::SyscallCatch::None,
            passed: BTreeSet::new(),
            unpassed: BTreeMap::new(),
            sandbox: false,
        };
        match start {
            Start::Launch { program, args } => {
                inferior.launch(program.clone(), args.clone())?;
                inferior.program = Some((program.clone(), args.clone()));
            }
            Start::Attach(pid) => inferior.attach(*pid)?,
        }
        Ok(inferior)
    }

    fn launch(&mut self, program: OsString, args: Vec<OsString>) -> dbg_session::Result<Pid> {
        let launch = Launch::new(program.clone()).args(args).aslr(self.aslr);
        let (session, _) = Session::launch(launch)?;
        let pid = session.pid();
        eprintln!(
            "Process {} created; pid = {pid}",
            std::path::Path::new(&program).display()
        );
        self.adopt(session);
        Ok(pid)
    }

    fn attach(&mut self, pid: Pid) -> dbg_session::Result<()> {
        let (session, _) = Session::attach(pid)?;
        eprintln!("Attached; pid = {pid}");
        self.adopt(session);
        Ok(())
    }

    /// Take `session` as the process served: every signal stops it and is reported (gdb
    /// decides what is passed, resume by resume) but those the client passes without a stop
    /// (which gdb does not send again for a new process), and nothing of the last process's
    /// points remains.
    fn adopt(&mut self, mut session: Session) {
        for signal in crate::signals::all() {
            session.set_policy(signal, Some(true), Some(true), Some(true));
        }
        self.unpassed.clear();
        for signal in &self.passed {
            self.unpassed.insert(*signal, session.policy(*signal));
            session.set_policy(*signal, Some(false), Some(false), Some(true));
        }
        self.points = breakpoints::Points::default();
        self.registers.clear();
        self.resume = Resume::default();
        self.catching = dbg_session::SyscallCatch::None;
        self.catch_wanted = dbg_session::SyscallCatch::None;
        self.session = Some(session);
        self.refresh_libraries();
    }

    /// Pass `wanted` (gdb's numbers; those Linux lacks are left out) to the program without
    /// a stop from the next resume on, as the client's `QPassSignals` says: a signal stop for
    /// one of them is decided by the session alone (delivered, the thread goes on), and a
    /// signal no longer passed gets its former policy back. An empty set restores them all
    /// (the next client starts clean).
    pub(crate) fn pass_signals(&mut self, wanted: &[GdbSignal]) {
        let wanted: BTreeSet<Signal> = wanted
            .iter()
            .filter_map(|signal| crate::signals::from_gdb(*signal))
            .collect();
        let session = self.session.as_mut().filter(|session| session.is_alive());
        let Some(session) = session else {
            self.unpassed.clear();
            self.passed = wanted;
            return;
        };
        for signal in self.passed.difference(&wanted) {
            if let Some(policy) = self.unpassed.remove(signal) {
                session.set_policy(
                    *signal,
                    Some(policy.stop),
                    Some(policy.print),
                    Some(policy.pass),
                );
            }
        }
        for signal in wanted.difference(&self.passed) {
            self.unpassed.insert(*signal, session.policy(*signal));
            session.set_policy(*signal, Some(false), Some(false), Some(true));
        }
        self.passed = wanted;
    }

    /// The live session, if there is a process.
    pub(crate) fn session(&mut self) -> Option<&mut Session> {
        self.session.as_mut().filter(|session| session.is_alive())
    }

    /// Whether a process is being debugged.
    pub(crate) fn has_process(&self) -> bool {
        self.session.as_ref().is_some_and(Session::is_alive)
    }

    /// End the process as gdbserver does when it exits: kill a launched one, detach from an
    /// attached one.
    pub(crate) fn end(&mut self) {
        self.pinned = None;
        if let Some(mut session) = self.session.take() {
            let pid = session.pid();
            if session.is_alive() {
                if session.launched() {
                    eprintln!("Killing process(es): {pid}");
                } else {
                    eprintln!("Detaching from process {pid}");
                }
            }
            session.end();
        }
    }

    /// Kill the process (the client's `kill`).
    pub(crate) fn kill(&mut self) {
        self.pinned = None;
        if let Some(mut session) = self.session.take() {
            if session.is_alive() {
                let _ = session.kill();
            }
        }
    }

    /// Detach; the process runs on untouched (the client's `detach`).
    pub(crate) fn detach(&mut self) {
        self.pinned = None;
        if let Some(mut session) = self.session.take() {
            if session.is_alive() {
                eprintln!("Detaching from process {}", session.pid());
                if let Err(error) = session.detach() {
                    eprintln!("dbg-gdbserver: cannot detach: {error}");
                }
            }
        }
    }

    /// Forget an ended process (it exited or was killed).
    pub(crate) fn forget_ended(&mut self) {
        if !self.has_process() {
            self.pinned = None;
            self.session = None;
        }
    }

    /// Registers of `tid` as gdb numbers them, read once per stop.
    fn values(&mut self, tid: Tid) -> TargetResult<&SessionValues, Self> {
        let pid = pid_of(tid);
        if !self.registers.contains_key(&pid) {
            let session = self.session().ok_or(TargetError::NonFatal)?;
            let values = session
                .thread_registers(pid, sources())
                .map_err(|_| TargetError::NonFatal)?;
            self.registers.insert(pid, SessionValues(values));
        }
        self.registers.get(&pid).ok_or(TargetError::NonFatal)
    }

    /// Write session registers of `tid`; the cached values are read again next time.
    fn write_values(&mut self, tid: Tid, writes: Vec<(Reg, RegValue)>) -> TargetResult<(), Self> {
        let pid = pid_of(tid);
        self.registers.remove(&pid);
        let session = self.session().ok_or(TargetError::NonFatal)?;
        for (reg, value) in writes {
            session
                .write_thread_register(pid, reg, value)
                .map_err(|_| TargetError::NonFatal)?;
        }
        Ok(())
    }

    /// The tracee's threads, leader first.
    fn threads(&mut self) -> Vec<Pid> {
        let Some(session) = self.session() else {
            return Vec::new();
        };
        let leader = session.pid();
        let mut tids: Vec<Pid> = session
            .threads()
            .map(|threads| threads.into_iter().map(|t| t.tid).collect())
            .unwrap_or_default();
        tids.sort_by_key(|tid| (*tid != leader, *tid));
        tids
    }

    /// Events of a resume that ended the process (`Exited`, `Killed`) leave no session.
    pub(crate) fn note_events(&mut self, events: &[Event]) {
        self.registers.clear();
        if events.iter().any(|event| {
            matches!(
                event,
                Event::LibraryLoaded { .. } | Event::LibraryUnloaded { .. }
            )
        }) {
            self.refresh_libraries();
        }
        if events
            .iter()
            .any(|event| matches!(event, Event::Exited { .. } | Event::Killed { .. }))
        {
            self.forget_ended();
        }
    }
}

/// gdbstub's thread id for a thread.
pub(crate) fn tid_of(pid: Pid) -> Option<Tid> {
    usize::try_from(pid.as_raw())
        .ok()
        .and_then(NonZeroUsize::new)
}

/// The thread for gdbstub's thread id.
pub(crate) fn pid_of(tid: Tid) -> Pid {
    Pid::from_raw(i32::try_from(tid.get()).unwrap_or(i32::MAX))
}

impl gdbstub::target::Target for Inferior {
    type Arch = X86_64Linux;
    type Error = crate::Error;

    #[inline(always)]
    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    #[inline(always)]
    fn support_breakpoints(
        &mut self,
    ) -> Option<gdbstub::target::ext::breakpoints::BreakpointsOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_extended_mode(
        &mut self,
    ) -> Option<gdbstub::target::ext::extended_mode::ExtendedModeOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_catch_syscalls(
        &mut self,
    ) -> Option<gdbstub::target::ext::catch_syscalls::CatchSyscallsOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_exec_file(
        &mut self,
    ) -> Option<gdbstub::target::ext::exec_file::ExecFileOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_monitor_cmd(
        &mut self,
    ) -> Option<gdbstub::target::ext::monitor_cmd::MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_libraries_svr4(
        &mut self,
    ) -> Option<gdbstub::target::ext::libraries::LibrariesSvr4Ops<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for Inferior {
    fn read_registers(&mut self, regs: &mut Registers, tid: Tid) -> TargetResult<(), Self> {
        *regs = Registers::from_values(self.values(tid)?);
        if regs.bytes.is_empty() {
            return Err(TargetError::NonFatal);
        }
        Ok(())
    }

    fn write_registers(&mut self, regs: &Registers, tid: Tid) -> TargetResult<(), Self> {
        let current = Registers::from_values(self.values(tid)?);
        let values = self.values(tid)?.clone();
        let mut writes = Vec::new();
        for index in 0..layout().len() {
            let (Some(new), Some(old)) = (regs.register(index), current.register(index)) else {
                return Err(TargetError::NonFatal);
            };
            if new != old {
                writes.push(values.writes_for(index, new).ok_or(TargetError::NonFatal)?);
            }
        }
        self.write_values(tid, writes)
    }

    #[inline(always)]
    fn support_single_register_access(
        &mut self,
    ) -> Option<
        gdbstub::target::ext::base::single_register_access::SingleRegisterAccessOps<'_, Tid, Self>,
    > {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], _tid: Tid) -> TargetResult<usize, Self> {
        let session = self.session().ok_or(TargetError::NonFatal)?;
        let len = data.len().min(dbg_session::MAX_MEMORY_READ);
        let read = session
            .read_memory(VirtAddr::new(start), len)
            .map_err(|_| TargetError::Errno(14))?;
        let n = read.bytes.len().min(data.len());
        if let (Some(to), Some(from)) = (data.get_mut(..n), read.bytes.get(..n)) {
            to.copy_from_slice(from);
        }
        Ok(n)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], _tid: Tid) -> TargetResult<(), Self> {
        let session = self.session().ok_or(TargetError::NonFatal)?;
        session
            .write_memory(VirtAddr::new(start), data)
            .map_err(|_| TargetError::Errno(14))
    }

    fn list_active_threads(
        &mut self,
        thread_is_active: &mut dyn FnMut(Tid),
    ) -> Result<(), Self::Error> {
        for tid in self.threads().into_iter().filter_map(tid_of) {
            thread_is_active(tid);
        }
        Ok(())
    }

    #[inline(always)]
    fn support_resume(
        &mut self,
    ) -> Option<gdbstub::target::ext::base::multithread::MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_thread_extra_info(
        &mut self,
    ) -> Option<gdbstub::target::ext::thread_extra_info::ThreadExtraInfoOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for Inferior {
    fn read_register(
        &mut self,
        tid: Tid,
        reg: RegNumber,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let bytes = self
            .values(tid)?
            .gdb_bytes(reg.0)
            .ok_or(TargetError::NonFatal)?;
        let n = bytes.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), bytes.get(..n)) {
            to.copy_from_slice(from);
        }
        Ok(n)
    }

    fn write_register(&mut self, tid: Tid, reg: RegNumber, val: &[u8]) -> TargetResult<(), Self> {
        let write = self
            .values(tid)?
            .writes_for(reg.0, val)
            .ok_or(TargetError::NonFatal)?;
        self.write_values(tid, vec![write])
    }
}

impl gdbstub::target::ext::thread_extra_info::ThreadExtraInfo for Inferior {
    fn thread_extra_info(&self, tid: Tid, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let name = self
            .session
            .as_ref()
            .and_then(|session| session.thread_name(pid_of(tid)))
            .unwrap_or_default();
        let n = name.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), name.as_bytes().get(..n)) {
            to.copy_from_slice(from);
        }
        Ok(n)
    }
}
