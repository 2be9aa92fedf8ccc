//! Extended-remote mode (`target extended-remote`): the client starts programs (`run`),
//! attaches to processes, kills them, and the server outlives each process. The plain
//! `target remote` client gets the same answers; only `!` marks a client as extended.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use dbg_session::Pid;
use gdbstub::common::Pid as GdbPid;
use gdbstub::target::ext::extended_mode::{
    Args, AttachKind, ConfigureAslr, CurrentActivePid, ExtendedMode, ShouldTerminate,
};
use gdbstub::target::{TargetError, TargetResult};

use super::{pid_of, tid_of, Inferior};

impl Inferior {
    /// The process id the client sees (the last one served when none is left).
    fn active_pid(&self) -> Option<GdbPid> {
        self.session
            .as_ref()
            .and_then(|session| tid_of(session.pid()))
    }
}

impl ExtendedMode for Inferior {
    fn run(&mut self, filename: Option<&[u8]>, args: Args<'_, '_>) -> TargetResult<GdbPid, Self> {
        let given = filename
            .filter(|name| !name.is_empty())
            .map(|name| OsString::from_vec(name.to_vec()));
        let args: Vec<OsString> = args.map(|arg| OsString::from_vec(arg.to_vec())).collect();
        if self.sandbox
            && given.as_ref().is_some_and(|given| {
                self.program
                    .as_ref()
                    .is_none_or(|(first, _)| first != given)
            })
        {
            return Err(TargetError::Errno(1));
        }
        let (program, args) = match (given, &self.program) {
            (Some(program), _) => (program, args),
            (None, Some((program, first_args))) if args.is_empty() => {
                (program.clone(), first_args.clone())
            }
            (None, Some((program, _))) => (program.clone(), args),
            (None, None) => return Err(TargetError::Errno(2)),
        };
        // As gdbserver: one process at a time (gdb kills the last one before `run`).
        if self.has_process() {
            return Err(TargetError::Errno(1));
        }
        self.session = None;
        match self.launch(program.clone(), args.clone()) {
            Ok(pid) => {
                self.program = Some((program, args));
                tid_of(pid).ok_or(TargetError::NonFatal)
            }
            Err(error) => {
                eprintln!("dbg-gdbserver: {error}");
                Err(TargetError::Errno(2))
            }
        }
    }

    fn attach(&mut self, pid: GdbPid) -> TargetResult<(), Self> {
        if self.sandbox {
            return Err(TargetError::Errno(1));
        }
        if self.has_process() {
            eprintln!("Already debugging a process");
            return Err(TargetError::Errno(1));
        }
        self.session = None;
        Inferior::attach(self, pid_of(pid)).map_err(|error| {
            eprintln!("dbg-gdbserver: {error}");
            TargetError::Errno(1)
        })
    }

    fn query_if_attached(&mut self, _pid: GdbPid) -> TargetResult<AttachKind, Self> {
        Ok(match &self.session {
            Some(session) if !session.launched() => AttachKind::Attach,
            _ => AttachKind::Run,
        })
    }

    fn kill(&mut self, _pid: Option<GdbPid>) -> TargetResult<ShouldTerminate, Self> {
        Inferior::kill(self);
        Ok(if self.extended {
            ShouldTerminate::No
        } else {
            ShouldTerminate::Yes
        })
    }

    fn restart(&mut self) -> Result<(), Self::Error> {
        if let Some((program, args)) = self.program.clone() {
            self.kill();
            self.launch(program, args).map_err(crate::Error::Start)?;
        }
        Ok(())
    }

    fn on_start(&mut self) -> Result<(), Self::Error> {
        self.extended = true;
        Ok(())
    }

    #[inline(always)]
    fn support_configure_aslr(
        &mut self,
    ) -> Option<gdbstub::target::ext::extended_mode::ConfigureAslrOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_current_active_pid(
        &mut self,
    ) -> Option<gdbstub::target::ext::extended_mode::CurrentActivePidOps<'_, Self>> {
        Some(self)
    }
}

impl ConfigureAslr for Inferior {
    /// gdbstub 0.7 passes `QDisableRandomization`'s value as it is: `true` means
    /// *disable* randomisation (gdb's `set disable-randomization on`), whatever the
    /// parameter's name says.
    fn cfg_aslr(&mut self, disable: bool) -> TargetResult<(), Self> {
        self.aslr = !disable;
        Ok(())
    }
}

impl CurrentActivePid for Inferior {
    fn current_active_pid(&mut self) -> Result<GdbPid, Self::Error> {
        Ok(self
            .active_pid()
            .or_else(|| tid_of(Pid::this()))
            .unwrap_or(GdbPid::MIN))
    }
}
