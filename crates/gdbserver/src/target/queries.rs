//! The client's queries about the process — the executable's path (`qXfer:exec-file`), the
//! auxiliary vector (`qXfer:auxv`, which is how gdb finds where a PIE program was loaded),
//! the shared libraries (`qXfer:libraries-svr4`, from the session's tracking of the dynamic
//! linker's list) — and system-call catching (`QCatchSyscalls`).

use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;

use dbg_session::SyscallCatch;
use gdbstub::common::Pid as GdbPid;
use gdbstub::target::ext::auxv::Auxv;
use gdbstub::target::ext::catch_syscalls::{CatchSyscalls, SyscallNumbers};
use gdbstub::target::ext::exec_file::ExecFile;
use gdbstub::target::ext::libraries::LibrariesSvr4;
use gdbstub::target::{TargetError, TargetResult};

use super::Inferior;

/// Copy the window `offset..offset + length` of `data` into `buf`; the bytes copied.
fn copy_window(data: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    let Some(rest) = data.get(start..) else {
        return 0;
    };
    let n = rest.len().min(length).min(buf.len());
    if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
        to.copy_from_slice(from);
    }
    n
}

impl ExecFile for Inferior {
    fn get_exec_file(
        &self,
        _pid: Option<GdbPid>,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let session = self.session.as_ref().ok_or(TargetError::NonFatal)?;
        let path = session.executable().map_err(|_| TargetError::NonFatal)?;
        Ok(copy_window(
            path.as_os_str().as_bytes(),
            offset,
            length,
            buf,
        ))
    }
}

impl Auxv for Inferior {
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let session = self.session.as_ref().ok_or(TargetError::NonFatal)?;
        let auxv = session.auxv().map_err(|_| TargetError::NonFatal)?;
        Ok(copy_window(&auxv, offset, length, buf))
    }
}

impl LibrariesSvr4 for Inferior {
    fn get_libraries_svr4(
        &self,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        Ok(copy_window(self.libraries.as_bytes(), offset, length, buf))
    }
}

impl Inferior {
    /// Make the `qXfer:libraries-svr4` document for the process as it is now: gdb's
    /// library-list-svr4 format, one `library` per entry of the dynamic linker's list (in
    /// every namespace), with the executable's `link_map` as `main-lm`.
    pub(crate) fn refresh_libraries(&mut self) {
        let Some(session) = self.session() else {
            self.libraries.clear();
            return;
        };
        let mut xml = String::from("<library-list-svr4 version=\"1.0\"");
        if let Some(main) = session.main_link_map() {
            xml.push_str(&format!(" main-lm=\"{main:#x}\""));
        }
        xml.push('>');
        for (path, base, entry) in session.link_map_entries() {
            xml.push_str(&format!(
                "<library name=\"{}\" lm=\"{:#x}\" l_addr=\"{base:#x}\" l_ld=\"{:#x}\" lmid=\"{:#x}\"/>",
                xml_escape(&path.to_string_lossy()),
                entry.link_map,
                entry.dynamic,
                entry.namespace,
            ));
        }
        xml.push_str("</library-list-svr4>");
        self.libraries = xml;
    }
}

/// `text` as an XML attribute value.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

impl CatchSyscalls for Inferior {
    fn enable_catch_syscalls(
        &mut self,
        filter: Option<SyscallNumbers<'_, u64>>,
    ) -> TargetResult<(), Self> {
        let catch = match filter {
            None => SyscallCatch::All,
            Some(numbers) => SyscallCatch::Only(numbers.collect::<BTreeSet<u64>>()),
        };
        self.catch_syscalls(catch)
    }

    fn disable_catch_syscalls(&mut self) -> TargetResult<(), Self> {
        self.catch_syscalls(SyscallCatch::None)
    }
}

impl Inferior {
    /// Catch these system calls from the next resume on. gdb turns catching off at every stop
    /// and on again before it resumes; only a change at the resume reaches the session,
    /// since setting the catch anew forgets the entries whose exits are due.
    fn catch_syscalls(&mut self, catch: SyscallCatch) -> TargetResult<(), Self> {
        if self.session().is_none() {
            return Err(TargetError::NonFatal);
        }
        self.catch_wanted = catch;
        Ok(())
    }

    /// Apply the catch the client asked for, if it changed.
    pub(crate) fn apply_catch(&mut self) {
        if self.catching == self.catch_wanted {
            return;
        }
        let wanted = self.catch_wanted.clone();
        if let Some(session) = self.session() {
            match session.catch_syscalls(wanted.clone()) {
                Ok(()) => self.catching = wanted,
                Err(error) => eprintln!("dbg-gdbserver: cannot catch system calls: {error}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_stop_at_the_end_of_the_data() {
        let mut buf = [0u8; 4];
        assert_eq!(copy_window(b"abcdef", 0, 4, &mut buf), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(copy_window(b"abcdef", 4, 4, &mut buf), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(copy_window(b"abcdef", 6, 4, &mut buf), 0);
        assert_eq!(copy_window(b"abcdef", u64::MAX, 4, &mut buf), 0);
    }
}
