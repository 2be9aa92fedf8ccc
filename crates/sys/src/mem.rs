//! Bulk access to another process's memory: `process_vm_readv`/`process_vm_writev`.

use std::io::{IoSlice, IoSliceMut};

use nix::sys::uio::{process_vm_readv, process_vm_writev};
use nix::unistd::Pid;

use crate::error::{Context, Error};

pub use nix::sys::uio::RemoteIoVec;

/// Read the remote ranges `remote` of process `pid` into `local`, in order
/// (`process_vm_readv`). Returns the number of bytes read; a transfer stops at the first remote
/// range that cannot be read in full (the kernel never splits one range).
pub fn read_vectored(pid: Pid, local: &mut [u8], remote: &[RemoteIoVec]) -> Result<usize, Error> {
    let mut slices = [IoSliceMut::new(local)];
    process_vm_readv(pid, &mut slices, remote).ctx("process_vm_readv", pid)
}

/// Write `local` to the remote ranges `remote` of process `pid` (`process_vm_writev`). Like
/// a store by the process itself, it fails on pages the process cannot write (e.g. its code).
pub fn write_vectored(pid: Pid, local: &[u8], remote: &[RemoteIoVec]) -> Result<usize, Error> {
    let slices = [IoSlice::new(local)];
    process_vm_writev(pid, &slices, remote).ctx("process_vm_writev", pid)
}
