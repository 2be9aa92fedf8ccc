//! Starting a program under the debugger: PATH lookup, arguments, environment, standard
//! stream redirection, address-space randomisation.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use dbg_sys::spawn::{spawn_traced, ExecFailure, ExecSpec, EXEC_FAILURE_LEN};
use dbg_sys::wait::{wait_tid, WaitStatus};
use dbg_sys::{Errno, Pid, Signal};

use crate::error::{Error, Result};
use crate::process::{Origin, Process};

/// Where a standard stream of the tracee goes.
#[derive(Debug)]
enum Redirect {
    /// A file: read for stdin, created or truncated for stdout and stderr.
    Path(PathBuf),
    /// An open descriptor of the debugger's (e.g. its stderr).
    Fd(OwnedFd),
}

impl Clone for Redirect {
    fn clone(&self) -> Self {
        match self {
            Redirect::Path(path) => Redirect::Path(path.clone()),
            // A descriptor that cannot be duplicated falls back to the tracee's own stream.
            Redirect::Fd(fd) => fd
                .try_clone()
                .map_or(Redirect::Path("/dev/null".into()), Redirect::Fd),
        }
    }
}

/// What to launch and how; [`Launch::spawn`] starts it stopped at its first instruction,
/// [`crate::Tracer::launch`] runs it under a non-stop tracer that follows its forks.
#[derive(Debug, Clone)]
pub struct Launch {
    program: OsString,
    args: Vec<OsString>,
    stdio: [Option<Redirect>; 3],
    aslr: bool,
    /// Changes to the debugger's environment for the program: a value, or `None` to unset.
    env: Vec<(OsString, Option<OsString>)>,
}

impl Launch {
    /// Launch `program` (looked up in `PATH` when it has no `/`, as a shell does).
    pub fn new(program: impl Into<OsString>) -> Self {
        Launch {
            program: program.into(),
            args: Vec::new(),
            stdio: [None, None, None],
            aslr: false,
            env: Vec::new(),
        }
    }

    /// Add one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Add arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The same launch with `args` instead of the arguments it had.
    pub fn with_args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// The arguments (after the program name).
    pub fn arguments(&self) -> &[OsString] {
        &self.args
    }

    /// Read the tracee's standard input from `path`.
    pub fn stdin(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdio[0] = Some(Redirect::Path(path.into()));
        self
    }

    /// Write the tracee's standard output to `path` (created or truncated).
    pub fn stdout(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdio[1] = Some(Redirect::Path(path.into()));
        self
    }

    /// Write the tracee's standard error to `path` (created or truncated).
    pub fn stderr(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdio[2] = Some(Redirect::Path(path.into()));
        self
    }

    /// Write the tracee's standard output to an open descriptor (JSON front ends send it to
    /// their stderr so that their stdout carries only JSON).
    pub fn stdout_fd(mut self, fd: OwnedFd) -> Self {
        self.stdio[1] = Some(Redirect::Fd(fd));
        self
    }

    /// Write the tracee's standard error to an open descriptor (a front end that forwards
    /// the program's output reads the other end of a pipe).
    pub fn stderr_fd(mut self, fd: OwnedFd) -> Self {
        self.stdio[2] = Some(Redirect::Fd(fd));
        self
    }

    /// Set `key` to `value` in the program's environment (`None`: remove it), which is
    /// otherwise the debugger's.
    pub fn env(mut self, key: impl Into<OsString>, value: Option<OsString>) -> Self {
        self.env.push((key.into(), value));
        self
    }

    /// Keep address-space layout randomisation on (off by default, as in gdb).
    pub fn aslr(mut self, on: bool) -> Self {
        self.aslr = on;
        self
    }

    /// The program as given.
    pub fn program(&self) -> &OsStr {
        &self.program
    }

    /// Start the program, traced, and wait until it stops at its first instruction after
    /// `execve` (in the dynamic loader for a dynamically linked program).
    ///
    /// The child is killed when the debugger dies (`PTRACE_O_EXITKILL`).
    pub fn spawn(&self) -> Result<Process> {
        let pid = self.start()?;
        Process::adopt(pid, Origin::Launched, vec![(pid, None)])
    }

    /// Fork and exec the program traced (`PTRACE_TRACEME`) and wait until it stops with the
    /// SIGTRAP that follows `execve`: its pid, stopped there, with no ptrace option set yet.
    /// An exec failure is reported with its errno and leaves no zombie.
    pub(crate) fn start(&self) -> Result<Pid> {
        let display = self.program.to_string_lossy().into_owned();
        let launch_error = |errno| Error::Launch {
            program: display.clone(),
            errno,
        };
        let path = resolve(&self.program).map_err(launch_error)?;
        if let Some(kind) = not_x86_64(&path) {
            return Err(Error::NotX86_64 {
                program: display,
                kind,
            });
        }
        let files = self.open_stdio()?;
        let cstring = |s: &OsStr| {
            CString::new(s.as_bytes())
                .map_err(|_| Error::NulInArgument(s.to_string_lossy().into_owned()))
        };
        let mut argv = vec![cstring(&self.program)?];
        for arg in &self.args {
            argv.push(cstring(arg)?);
        }
        let mut vars: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        for (key, value) in &self.env {
            vars.retain(|(k, _)| k != key);
            if let Some(value) = value {
                vars.push((key.clone(), value.clone()));
            }
        }
        let env = vars
            .into_iter()
            .map(|(key, value)| {
                let mut pair = key;
                pair.push("=");
                pair.push(value);
                cstring(&pair)
            })
            .collect::<Result<Vec<_>>>()?;
        let spec = ExecSpec::new(cstring(path.as_os_str())?, argv, env, !self.aslr);

        let (reader, writer) = dbg_pipe::channel()?;
        let stdio = [0, 1, 2].map(|i| files.get(i).and_then(Option::as_ref).map(|f| f.as_fd()));
        let pid = spawn_traced(&spec, stdio, writer.as_fd())?;
        drop(writer);
        let report = reader.receive(EXEC_FAILURE_LEN)?;
        if let Some(failure) = ExecFailure::decode(&report) {
            // The child reported and `_exit`ed: collect it so it leaves no zombie.
            let _ = wait_tid(pid);
            return Err(launch_error(failure.errno));
        }
        match wait_tid(pid)? {
            WaitStatus::Stopped(_, Signal::SIGTRAP) => Ok(pid),
            other => {
                let _ = dbg_sys::thread::kill(pid, Signal::SIGKILL);
                let _ = wait_tid(pid);
                Err(Error::Unexpected {
                    tid: pid.as_raw(),
                    during: "launch",
                    status: other,
                })
            }
        }
    }

    fn open_stdio(&self) -> Result<[Option<OwnedFd>; 3]> {
        let names = ["stdin", "stdout", "stderr"];
        let mut files: [Option<OwnedFd>; 3] = [None, None, None];
        for (index, (slot, redirect)) in files.iter_mut().zip(&self.stdio).enumerate() {
            let path = match redirect {
                None => continue,
                Some(Redirect::Fd(fd)) => {
                    *slot = Some(fd.try_clone().map_err(|source| Error::Redirect {
                        stream: names.get(index).copied().unwrap_or("stream"),
                        path: format!("descriptor {}", fd.as_raw_fd()),
                        source,
                    })?);
                    continue;
                }
                Some(Redirect::Path(path)) => path,
            };
            let file = if index == 0 {
                File::open(path)
            } else {
                File::create(path)
            };
            let file = file.map(OwnedFd::from);
            *slot = Some(file.map_err(|source| Error::Redirect {
                stream: names.get(index).copied().unwrap_or("stream"),
                path: path.display().to_string(),
                source,
            })?);
        }
        Ok(files)
    }
}

/// What `path` is when it is not an x86-64 ELF executable dbg can debug (SPEC §2: refused with
/// what it is); `None` for one it can (or one it cannot read: exec then says why).
fn not_x86_64(path: &std::path::Path) -> Option<ProgramKind> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.is_dir() {
        return Some(ProgramKind::Directory);
    }
    if !metadata.is_file() || metadata.permissions().mode() & 0o111 == 0 {
        // Not a regular executable file (a FIFO would block the read below): exec decides.
        return None;
    }
    let mut head = [0u8; 128];
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.read(&mut head).ok()?;
    let head = head.get(..len)?;
    if let Some(line) = head.strip_prefix(b"#!") {
        let line = line.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let interpreter = String::from_utf8_lossy(line).trim().to_string();
        return Some(ProgramKind::Script { interpreter });
    }
    if head.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Some(ProgramKind::NotElf);
    }
    // e_ident[EI_CLASS]: 1 is 32-bit, 2 is 64-bit; e_machine at offset 18 (little-endian).
    if head.get(4) == Some(&1) {
        return Some(ProgramKind::Elf32);
    }
    let machine = u16::from_le_bytes([*head.get(18)?, *head.get(19)?]);
    (machine != EM_X86_64).then_some(ProgramKind::OtherMachine(machine))
}

/// `e_machine` of x86-64.
const EM_X86_64: u16 = 62;

/// A program dbg refuses to launch, by what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramKind {
    /// A directory.
    Directory,
    /// A `#!` script, with its interpreter line.
    Script {
        /// What follows `#!`.
        interpreter: String,
    },
    /// A 32-bit ELF file.
    Elf32,
    /// An ELF file for another machine (`e_machine`).
    OtherMachine(u16),
    /// Not an ELF file.
    NotElf,
}

impl std::fmt::Display for ProgramKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProgramKind::Directory => write!(f, "it is a directory"),
            ProgramKind::Script { interpreter } => write!(
                f,
                "it is a script for `{interpreter}`: debug the interpreter instead (dbg-cli run {interpreter} SCRIPT)"
            ),
            ProgramKind::Elf32 => write!(f, "it is a 32-bit program; dbg debugs x86-64 programs"),
            ProgramKind::OtherMachine(machine) => write!(
                f,
                "it is a program for another machine (ELF e_machine {machine}); dbg debugs x86-64 programs"
            ),
            ProgramKind::NotElf => write!(f, "it is not an executable program (no ELF header)"),
        }
    }
}

/// Find `program` as `execvp` would: a name with a `/` is used as is; otherwise the first
/// executable regular file of that name in a `PATH` directory.
fn resolve(program: &OsStr) -> std::result::Result<PathBuf, Errno> {
    if program.is_empty() {
        return Err(Errno::ENOENT);
    }
    if program.as_bytes().contains(&b'/') {
        return Ok(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let mut denied = false;
    for dir in std::env::split_paths(&path) {
        let candidate = if dir.as_os_str().is_empty() {
            Path::new(".").join(program)
        } else {
            dir.join(program)
        };
        match std::fs::metadata(&candidate) {
            Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => {
                return Ok(candidate)
            }
            Ok(meta) if meta.is_file() => denied = true,
            _ => {}
        }
    }
    Err(if denied { Errno::EACCES } else { Errno::ENOENT })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_lookup() {
        assert!(resolve(OsStr::new("sh")).is_ok_and(|p| p.is_absolute()));
        assert_eq!(
            resolve(OsStr::new("no-such-program-dbg")),
            Err(Errno::ENOENT)
        );
        assert_eq!(
            resolve(OsStr::new("./relative")),
            Ok(PathBuf::from("./relative"))
        );
        assert_eq!(resolve(OsStr::new("")), Err(Errno::ENOENT));
    }
}
