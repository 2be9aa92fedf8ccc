//! The client's queries about the process — the executable's path (`qXfer:exec-file`), the
//! auxiliary vector (`qXfer:auxv`, which is how gdb finds where a PIE program was loaded) —
//! and system-call catching (`QCatchSyscalls`).

use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;

use dbg_session::SyscallCatch;
use gdbstub::common::Pid as GdbPid;
use gdbstub::target::ext::auxv::Auxv;
use gdbstub::target::ext::catch_syscalls::{CatchSyscalls, SyscallNumbers};
use gdbstub::target::ext::exec_file::ExecFile;
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

impl CatchSyscalls for Inferior {
    fn enable_catch_syscalls(
        &mut self,
        filter: Option<SyscallNumbers<'_, u64>>,
    ) -> TargetResult<(), Self> {
        let catch = match filter {
            None => SyscallCatch::All,
            Some(numbers) => SyscallCatch::Only(numbers.collect::<BTreeSet<u64>>()),
        };
        let session = self.session().ok_or(TargetError::NonFatal)?;
        session
            .catch_syscalls(catch)
            .map_err(|_| TargetError::NonFatal)
    }

    fn disable_catch_syscalls(&mut self) -> TargetResult<(), Self> {
        let session = self.session().ok_or(TargetError::NonFatal)?;
        session
            .catch_syscalls(SyscallCatch::None)
            .map_err(|_| TargetError::NonFatal)
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
