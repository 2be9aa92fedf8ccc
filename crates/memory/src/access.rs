//! Reading and writing tracee memory.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::OnceLock;

use dbg_process::Pid;
use dbg_sys::mem::{read_vectored, RemoteIoVec};
use dbg_sys::{Errno, VirtAddr};

use crate::error::{Error, Result};

/// The largest single read: a debugger command never needs more, and a typo must not make the
/// debugger allocate gigabytes.
pub const MAX_READ: usize = 1 << 30;

const PAGE: u64 = 4096;
/// Bytes per `process_vm_readv` call on the fast path.
const CHUNK: usize = 1 << 20;
/// Remote iovecs per call on the page-by-page path (the kernel's IOV_MAX).
const IOV_MAX: usize = 1024;

/// The memory of one process.
#[derive(Debug)]
pub struct Memory {
    pid: Pid,
    /// `/proc/PID/mem`, opened on first need.
    proc_mem: OnceLock<std::io::Result<File>>,
}

/// How much of a caller's buffer [`Memory::read_into`] filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filled {
    /// Bytes filled from the start of the buffer.
    pub len: usize,
    /// The first address that could not be read, if the read is short.
    pub stopped_at: Option<VirtAddr>,
}

/// The result of a read: the bytes that could be read from the start of the range, and where
/// reading stopped if it did not reach the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The bytes, from the requested address on.
    pub bytes: Vec<u8>,
    /// The first address that could not be read, if the read is short.
    pub stopped_at: Option<VirtAddr>,
}

impl Memory {
    /// Access the memory of `pid`.
    pub fn new(pid: Pid) -> Self {
        Memory {
            pid,
            proc_mem: OnceLock::new(),
        }
    }

    /// The process.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    fn proc_mem(&self) -> Result<&File> {
        self.proc_mem
            .get_or_init(|| {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(format!("/proc/{}/mem", self.pid))
            })
            .as_ref()
            .map_err(|e| Error::ProcMem {
                pid: self.pid.as_raw(),
                source: e.raw_os_error().map_or(Errno::EIO, Errno::from_raw),
            })
    }

    /// Read up to `len` bytes at `addr`. Short only where memory ends: [`Read::stopped_at`] then
    /// says where.
    pub fn read(&self, addr: VirtAddr, len: usize) -> Result<Read> {
        if len > MAX_READ {
            return Err(Error::TooLarge {
                len,
                limit: MAX_READ,
            });
        }
        let mut bytes = vec![0u8; len];
        let filled = self.read_into(addr, &mut bytes)?;
        bytes.truncate(filled.len);
        Ok(Read {
            bytes,
            stopped_at: filled.stopped_at,
        })
    }

    /// Fill `buffer` from `addr` — the allocation-free form of [`Memory::read`], for callers
    /// that read big ranges repeatedly. Says how much was filled and, if short, where memory
    /// ended.
    pub fn read_into(&self, addr: VirtAddr, buffer: &mut [u8]) -> Result<Filled> {
        let len = buffer.len();
        if addr.checked_add(len as u64).is_none() {
            return Err(Error::OutOfRange { addr, len });
        }
        let addr = addr.get();
        let mut done = 0usize;
        while done < len {
            let want = (len - done).min(CHUNK);
            let at = addr + done as u64;
            let Some(chunk) = buffer.get_mut(done..done + want) else {
                break;
            };
            // Fast path: the whole chunk in one call (one remote iovec: all or nothing).
            let remote = [RemoteIoVec {
                base: at as usize,
                len: want,
            }];
            if read_vectored(self.pid, chunk, &remote) == Ok(want) {
                done += want;
                continue;
            }
            // Something in the chunk is not readable: go page by page.
            let got = self.read_pages(at, chunk);
            done += got;
            if got < want {
                return Ok(Filled {
                    len: done,
                    stopped_at: Some(VirtAddr::new(addr + done as u64)),
                });
            }
        }
        Ok(Filled {
            len: done,
            stopped_at: None,
        })
    }

    /// Read `buffer.len()` bytes at `addr` with remote iovecs split at page boundaries, so a
    /// failure costs only the failing page, and read pages `process_vm_readv` refuses (present
    /// but not readable) through `/proc/PID/mem`. Returns how many bytes were read.
    fn read_pages(&self, addr: u64, buffer: &mut [u8]) -> usize {
        let len = buffer.len();
        let mut done = 0usize;
        while done < len {
            let at = addr + done as u64;
            let mut remote = Vec::with_capacity(IOV_MAX);
            let mut span = 0usize;
            while done + span < len && remote.len() < IOV_MAX {
                let start = at + span as u64;
                let page_left = (PAGE - start % PAGE) as usize;
                let piece = page_left.min(len - done - span);
                remote.push(RemoteIoVec {
                    base: start as usize,
                    len: piece,
                });
                span += piece;
            }
            let Some(target) = buffer.get_mut(done..done + span) else {
                break;
            };
            let n = read_vectored(self.pid, target, &remote).unwrap_or(0);
            done += n;
            if n == span {
                continue;
            }
            // The page at `done` failed: try it through /proc/PID/mem.
            let at = addr + done as u64;
            let page_left = ((PAGE - at % PAGE) as usize).min(len - done);
            let Some(target) = buffer.get_mut(done..done + page_left) else {
                break;
            };
            // Unreadable either way when /proc/PID/mem cannot be opened: the read is short.
            let n = match self.proc_mem() {
                Ok(file) => file.read_at(target, at).unwrap_or(0),
                Err(_) => 0,
            };
            done += n;
            if n < page_left {
                break;
            }
        }
        done
    }

    /// Read exactly `len` bytes at `addr`, or fail saying where memory ends.
    pub fn read_exact(&self, addr: VirtAddr, len: usize) -> Result<Vec<u8>> {
        let read = self.read(addr, len)?;
        match read.stopped_at {
            None => Ok(read.bytes),
            Some(at) => Err(Error::Unreadable { addr: at }),
        }
    }

    /// Write `data` at `addr` in one `pwrite` to `/proc/PID/mem`, without first checking the
    /// range: for bytes known to be mapped (a breakpoint site, the stack below `rsp`), where
    /// the check would double the cost.
    pub fn poke(&self, addr: VirtAddr, data: &[u8]) -> Result<()> {
        let file = self.proc_mem()?;
        match file.write_at(data, addr.get()) {
            Ok(n) if n == data.len() => Ok(()),
            Ok(n) => Err(Error::ShortWrite {
                addr: addr.wrapping_add(n as u64),
            }),
            Err(source) => Err(Error::Write { addr, source }),
        }
    }

    /// Write `data` at `addr` through `/proc/PID/mem` (read-only code included). All or
    /// nothing as far as the kernel allows: a write that would cross into an unwritable page is
    /// refused before anything is written.
    pub fn write(&self, addr: VirtAddr, data: &[u8]) -> Result<()> {
        if addr.checked_add(data.len() as u64).is_none() {
            return Err(Error::OutOfRange {
                addr,
                len: data.len(),
            });
        }
        // Check the whole range first so that a failure leaves memory unchanged.
        self.read_exact(addr, data.len())
            .map_err(|error| match error {
                Error::Unreadable { addr } => Error::Unwritable { addr },
                other => other,
            })?;
        let file = self.proc_mem()?;
        let mut done = 0usize;
        while done < data.len() {
            let at = addr.wrapping_add(done as u64);
            let rest = data.get(done..).unwrap_or(&[]);
            match file.write_at(rest, at.get()) {
                Ok(0) => return Err(Error::ShortWrite { addr: at }),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => return Err(Error::Write { addr: at, source }),
            }
        }
        Ok(())
    }
}
