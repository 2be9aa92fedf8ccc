//! A close-on-exec pipe channel.
//!
//! dbg uses it to launch tracees: the child of `fork` holds the write end across `execve`;
//! the kernel closes it when `execve` succeeds, so the parent reads end-of-file, and when the
//! child fails it writes a short error record before `_exit`. The same channel carries any
//! other one-way message between two processes that must not leak into the program being
//! executed.
//!
//! ```
//! let (reader, writer) = dbg_pipe::channel()?;
//! writer.send(b"ready")?;
//! drop(writer);
//! assert_eq!(reader.receive(16)?, b"ready");
//! # Ok::<(), dbg_pipe::Error>(())
//! ```
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::OFlag;

/// A failed pipe operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `pipe2` failed.
    #[error("cannot create pipe: {0}")]
    Create(#[source] Errno),
    /// Reading from or writing to the pipe failed.
    #[error("pipe {op} failed: {source}")]
    Io {
        /// `read` or `write`.
        op: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The read end of a channel.
#[derive(Debug)]
pub struct Reader(File);

/// The write end of a channel.
#[derive(Debug)]
pub struct Writer(File);

/// Create a channel whose two ends are closed on `execve`.
pub fn channel() -> Result<(Reader, Writer), Error> {
    let (read, write): (OwnedFd, OwnedFd) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(Error::Create)?;
    Ok((Reader(File::from(read)), Writer(File::from(write))))
}

impl Reader {
    /// Read until every writer has closed its end, keeping at most `limit` bytes (anything
    /// beyond is drained and dropped, so a misbehaving writer cannot exhaust memory).
    pub fn receive(mut self, limit: usize) -> Result<Vec<u8>, Error> {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 512];
        loop {
            match self.0.read(&mut chunk) {
                Ok(0) => return Ok(kept),
                Ok(n) => {
                    let room = limit.saturating_sub(kept.len());
                    kept.extend(chunk.iter().take(n.min(room)));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(Error::Io { op: "read", source }),
            }
        }
    }
}

impl Writer {
    /// Write all of `message`.
    pub fn send(&self, message: &[u8]) -> Result<(), Error> {
        (&self.0).write_all(message).map_err(|source| Error::Io {
            op: "write",
            source,
        })
    }
}

impl AsFd for Writer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl AsFd for Reader {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_file_once_the_writer_is_gone() {
        let (reader, writer) = channel().unwrap();
        drop(writer);
        assert!(reader.receive(8).unwrap().is_empty());
    }

    #[test]
    fn keeps_at_most_the_limit() {
        let (reader, writer) = channel().unwrap();
        writer.send(&[7u8; 100]).unwrap();
        drop(writer);
        assert_eq!(reader.receive(5).unwrap(), vec![7u8; 5]);
    }

    #[test]
    fn both_ends_are_close_on_exec() {
        let (reader, writer) = channel().unwrap();
        for fd in [reader.as_fd(), writer.as_fd()] {
            let flags = nix::fcntl::fcntl(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                nix::fcntl::FcntlArg::F_GETFD,
            )
            .unwrap();
            assert_ne!(flags & libc_fd_cloexec(), 0);
        }
    }

    fn libc_fd_cloexec() -> i32 {
        nix::fcntl::FdFlag::FD_CLOEXEC.bits()
    }
}
