//! Typed ptrace requests. nix covers most of them; the floating-point register requests
//! (`PTRACE_GETFPREGS`/`PTRACE_SETFPREGS`) are made through libc here.

use std::ffi::c_void;

use nix::errno::Errno;
use nix::sys::ptrace as nptrace;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::addr::VirtAddr;
use crate::error::{Context, Error};
use crate::user::{FpRegs, Regs};

pub use nix::sys::ptrace::Options;

/// The signal information of a stopped thread (`PTRACE_GETSIGINFO`), reduced to the fields a
/// debugger reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigInfo {
    /// Signal number.
    pub signo: i32,
    /// `si_code`: why the signal was raised (`SI_KERNEL`, `TRAP_TRACE`, `SI_USER`, ...).
    pub code: i32,
    /// `si_addr`: the faulting address for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP.
    pub addr: VirtAddr,
    /// `si_pid`: the sender, for signals sent by `kill`/`tgkill`/`sigqueue`.
    pub sender_pid: i32,
}

/// `si_code` of a signal sent by `kill(2)`.
pub const SI_USER: i32 = 0;
/// `si_code` of a signal raised by the kernel (an `int3` trap is reported with it).
pub const SI_KERNEL: i32 = 0x80;
/// `si_code` of a signal sent by `sigqueue(3)`.
pub const SI_QUEUE: i32 = -1;
/// `si_code` of a signal sent by `tgkill(2)`.
pub const SI_TKILL: i32 = -6;
/// `si_code` of a software breakpoint trap where the kernel says so explicitly.
pub const TRAP_BRKPT: i32 = 1;
/// `si_code` of a single-step trap.
pub const TRAP_TRACE: i32 = 2;
/// `si_code` of a hardware breakpoint or watchpoint trap.
pub const TRAP_HWBKPT: i32 = 4;

// `PTRACE_TRACEME` has no wrapper here on purpose: only the child made by [`crate::spawn`]
// makes it, between fork and exec, with a raw system call.

/// Attach to thread `tid` (`PTRACE_ATTACH`); it stops with a SIGSTOP, to be waited for.
pub fn attach(tid: Pid) -> Result<(), Error> {
    nptrace::attach(tid).ctx("ptrace(PTRACE_ATTACH)", tid)
}

/// Detach from a stopped thread, optionally delivering `signal` to it.
pub fn detach(tid: Pid, signal: Option<Signal>) -> Result<(), Error> {
    nptrace::detach(tid, signal).ctx("ptrace(PTRACE_DETACH)", tid)
}

/// Resume a stopped thread (`PTRACE_CONT`).
pub fn cont(tid: Pid, signal: Option<Signal>) -> Result<(), Error> {
    nptrace::cont(tid, signal).ctx("ptrace(PTRACE_CONT)", tid)
}

/// Resume a stopped thread for one instruction (`PTRACE_SINGLESTEP`).
pub fn step(tid: Pid, signal: Option<Signal>) -> Result<(), Error> {
    nptrace::step(tid, signal).ctx("ptrace(PTRACE_SINGLESTEP)", tid)
}

/// Resume a stopped thread until the next system-call entry or exit (`PTRACE_SYSCALL`).
pub fn syscall(tid: Pid, signal: Option<Signal>) -> Result<(), Error> {
    nptrace::syscall(tid, signal).ctx("ptrace(PTRACE_SYSCALL)", tid)
}

/// Set the tracing options of a stopped thread.
pub fn set_options(tid: Pid, options: Options) -> Result<(), Error> {
    nptrace::setoptions(tid, options).ctx("ptrace(PTRACE_SETOPTIONS)", tid)
}

/// The message of the last ptrace event (`PTRACE_GETEVENTMSG`): the new tid of a clone, the
/// exit status of an exiting thread, ...
pub fn event_message(tid: Pid) -> Result<u64, Error> {
    nptrace::getevent(tid)
        .map(|v| v as u64)
        .ctx("ptrace(PTRACE_GETEVENTMSG)", tid)
}

/// The signal that stopped the thread (`PTRACE_GETSIGINFO`).
pub fn siginfo(tid: Pid) -> Result<SigInfo, Error> {
    let info = nptrace::getsiginfo(tid).ctx("ptrace(PTRACE_GETSIGINFO)", tid)?;
    let fault = matches!(
        info.si_signo,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP
    );
    // SAFETY: `si_addr` is the union member the kernel fills for fault signals, which is what
    // `fault` checks; `si_pid` is filled for signals sent by a process (SI_USER, SI_TKILL,
    // SI_QUEUE: non-positive codes). Reading the other members would be reading garbage, not
    // undefined behaviour (the union is plain integers), but we only read the meaningful one.
    let (addr, sender_pid) = unsafe {
        let addr = VirtAddr::new(if fault { info.si_addr() as u64 } else { 0 });
        let sender = if info.si_code <= 0 { info.si_pid() } else { 0 };
        (addr, sender)
    };
    Ok(SigInfo {
        signo: info.si_signo,
        code: info.si_code,
        addr,
        sender_pid,
    })
}

/// The general-purpose registers (`PTRACE_GETREGS`).
pub fn regs(tid: Pid) -> Result<Regs, Error> {
    nptrace::getregs(tid)
        .map(Regs)
        .ctx("ptrace(PTRACE_GETREGS)", tid)
}

/// Write the general-purpose registers (`PTRACE_SETREGS`).
pub fn set_regs(tid: Pid, regs: &Regs) -> Result<(), Error> {
    nptrace::setregs(tid, regs.0).ctx("ptrace(PTRACE_SETREGS)", tid)
}

/// The x87/SSE register area (`PTRACE_GETFPREGS`, the FXSAVE layout).
pub fn fp_regs(tid: Pid) -> Result<FpRegs, Error> {
    let mut area = FpRegs::zeroed();
    let pointer: *mut libc::user_fpregs_struct = &mut area.0;
    // SAFETY: PTRACE_GETFPREGS writes exactly one `user_fpregs_struct` (512 bytes, checked in
    // `user`) to the address in `data`, which points at a live, writable value of that type.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_GETFPREGS,
            tid.as_raw(),
            std::ptr::null_mut::<c_void>(),
            pointer.cast::<c_void>(),
        )
    };
    Errno::result(ret)
        .map(|_| area)
        .ctx("ptrace(PTRACE_GETFPREGS)", tid)
}

/// Write the x87/SSE register area (`PTRACE_SETFPREGS`).
pub fn set_fp_regs(tid: Pid, area: &FpRegs) -> Result<(), Error> {
    let pointer: *const libc::user_fpregs_struct = &area.0;
    // SAFETY: PTRACE_SETFPREGS reads exactly one `user_fpregs_struct` from `data`, which points
    // at a live value of that type for the duration of the call.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_SETFPREGS,
            tid.as_raw(),
            std::ptr::null_mut::<c_void>(),
            pointer.cast_mut().cast::<c_void>(),
        )
    };
    Errno::result(ret)
        .map(drop)
        .ctx("ptrace(PTRACE_SETFPREGS)", tid)
}

/// `NT_X86_XSTATE`: the register set of the whole XSAVE area (`PTRACE_GETREGSET`).
const NT_X86_XSTATE: usize = 0x202;

/// The most an XSAVE area takes (AMX tile data makes it about 11 KiB).
const XSTATE_MAX: usize = 16 * 1024;

/// The thread's XSAVE area in the standard (non-compacted) format the kernel gives ptrace:
/// the FXSAVE area, the XSAVE header at 512 and each state component at its standard
/// offset (see [`crate::user::xstate`]). As long as the kernel says it is.
pub fn xstate(tid: Pid) -> Result<Vec<u8>, Error> {
    let mut area = vec![0u8; XSTATE_MAX];
    let mut iov = libc::iovec {
        iov_base: area.as_mut_ptr().cast::<c_void>(),
        iov_len: area.len(),
    };
    // SAFETY: PTRACE_GETREGSET writes at most `iov_len` bytes to `iov_base`, which points at
    // `area`, live and writable for that length; the kernel sets `iov_len` to what it wrote.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid.as_raw(),
            NT_X86_XSTATE as *mut c_void,
            (&mut iov as *mut libc::iovec).cast::<c_void>(),
        )
    };
    Errno::result(ret).ctx("ptrace(PTRACE_GETREGSET, NT_X86_XSTATE)", tid)?;
    area.truncate(iov.iov_len.min(XSTATE_MAX));
    Ok(area)
}

/// Write the thread's XSAVE area (`PTRACE_SETREGSET`), in the format [`xstate`] reads.
pub fn set_xstate(tid: Pid, area: &[u8]) -> Result<(), Error> {
    let mut iov = libc::iovec {
        iov_base: area.as_ptr().cast_mut().cast::<c_void>(),
        iov_len: area.len(),
    };
    // SAFETY: PTRACE_SETREGSET reads at most `iov_len` bytes from `iov_base`, which points at
    // `area`, live for that length during the call; nothing is written through it.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            tid.as_raw(),
            NT_X86_XSTATE as *mut c_void,
            (&mut iov as *mut libc::iovec).cast::<c_void>(),
        )
    };
    Errno::result(ret)
        .map(drop)
        .ctx("ptrace(PTRACE_SETREGSET, NT_X86_XSTATE)", tid)
}

/// Read one word of the user area at `offset` (`PTRACE_PEEKUSER`); a word of `-1` is data.
pub fn peek_user(tid: Pid, offset: usize) -> Result<u64, Error> {
    nptrace::read_user(tid, offset as nptrace::AddressType)
        .map(|word| word as u64)
        .ctx("ptrace(PTRACE_PEEKUSER)", tid)
}

/// Write one word of the user area at `offset` (`PTRACE_POKEUSER`).
pub fn poke_user(tid: Pid, offset: usize, word: u64) -> Result<(), Error> {
    nptrace::write_user(tid, offset as nptrace::AddressType, word as libc::c_long)
        .ctx("ptrace(PTRACE_POKEUSER)", tid)
}

/// Read one word of the tracee's memory (`PTRACE_PEEKDATA`); a word of `-1` is data.
pub fn peek_data(tid: Pid, addr: VirtAddr) -> Result<u64, Error> {
    nptrace::read(tid, addr.get() as nptrace::AddressType)
        .map(|word| word as u64)
        .ctx("ptrace(PTRACE_PEEKDATA)", tid)
}

/// Write one word of the tracee's memory (`PTRACE_POKEDATA`).
pub fn poke_data(tid: Pid, addr: VirtAddr, word: u64) -> Result<(), Error> {
    nptrace::write(
        tid,
        addr.get() as nptrace::AddressType,
        word as libc::c_long,
    )
    .ctx("ptrace(PTRACE_POKEDATA)", tid)
}

/// What `PTRACE_GET_SYSCALL_INFO` says about a system-call stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyscallStop {
    /// The entry: the call's number and six arguments.
    Entry {
        /// System-call number.
        number: u64,
        /// rdi, rsi, rdx, r10, r8, r9.
        args: [u64; 6],
    },
    /// The exit: the result, negative for an errno.
    Exit {
        /// Return value.
        ret: i64,
    },
    /// A seccomp stop (`PTRACE_EVENT_SECCOMP`, a filter's `SECCOMP_RET_TRACE`): the call is
    /// entered but not run yet; the number and arguments as at an entry.
    Seccomp {
        /// System-call number.
        number: u64,
        /// rdi, rsi, rdx, r10, r8, r9.
        args: [u64; 6],
    },
    /// Not a system-call stop.
    Other,
}

/// The kernel's own account of a system-call stop (`PTRACE_GET_SYSCALL_INFO`, Linux 5.3+):
/// entry or exit, authoritative where a debugger's own bookkeeping could drift.
pub fn syscall_info(tid: Pid) -> Result<SyscallStop, Error> {
    let mut info = std::mem::MaybeUninit::<libc::ptrace_syscall_info>::zeroed();
    let size = std::mem::size_of::<libc::ptrace_syscall_info>();
    // SAFETY: the kernel writes at most `size` bytes (passed as `addr`) into `data`, which
    // points at a buffer of exactly that size that we own for the duration of the call.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_GET_SYSCALL_INFO,
            tid.as_raw(),
            size as *mut c_void,
            info.as_mut_ptr().cast::<c_void>(),
        )
    };
    Errno::result(ret).ctx("ptrace(PTRACE_GET_SYSCALL_INFO)", tid)?;
    // SAFETY: the buffer was zero-initialised, which is a valid value of this all-integer
    // struct, and the kernel only wrote integers into it.
    let info = unsafe { info.assume_init() };
    Ok(match info.op {
        libc::PTRACE_SYSCALL_INFO_ENTRY => {
            // SAFETY: op ENTRY means the kernel filled the `entry` member of the union.
            let entry = unsafe { info.u.entry };
            SyscallStop::Entry {
                number: entry.nr,
                args: entry.args,
            }
        }
        libc::PTRACE_SYSCALL_INFO_EXIT => {
            // SAFETY: op EXIT means the kernel filled the `exit` member of the union.
            let exit = unsafe { info.u.exit };
            SyscallStop::Exit { ret: exit.sval }
        }
        libc::PTRACE_SYSCALL_INFO_SECCOMP => {
            // SAFETY: op SECCOMP means the kernel filled the `seccomp` member of the union.
            let seccomp = unsafe { info.u.seccomp };
            SyscallStop::Seccomp {
                number: seccomp.nr,
                args: seccomp.args,
            }
        }
        _ => SyscallStop::Other,
    })
}
