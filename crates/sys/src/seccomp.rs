//! System-call filters (seccomp-bpf) for syscall catchpoints, and the custodian that keeps a
//! process carrying one traced after the debugger lets it go.
//!
//! A filter that returns `SECCOMP_RET_TRACE` stops the caller at a `PTRACE_EVENT_SECCOMP` stop
//! when its tracer set `PTRACE_O_TRACESECCOMP`; with no such tracer the call fails with
//! `ENOSYS`. Filters cannot be removed and are inherited by children, so a process that carries
//! one must never run untraced: [`keep_traced`] hands stopped, detached threads to a small
//! process of its own (forked from the debugger, detached from its session) that traces them
//! silently until they are gone — every signal passed on, every seccomp stop resumed.
//!
//! The filter program ([`trace_filter`]) is built here as bytes in the kernel's
//! `struct sock_filter` layout; installing it is the caller's business (it is run inside the
//! tracee, which is what makes it that process's filter).
//!
//! Every filter of ours also traces the calls that install a filter ([`installs_filter`]):
//! seccomp runs every filter and the strictest answer wins, so a filter the program installs
//! after ours can refuse a call (`SECCOMP_RET_ERRNO`, `_TRAP`, `_KILL`) before our
//! `SECCOMP_RET_TRACE` is heard. Its tracer must learn of it to catch calls another way.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use nix::errno::Errno;
use nix::unistd::Pid;

use crate::error::Error;

/// `SECCOMP_RET_ALLOW`: run the call.
pub const RET_ALLOW: u32 = 0x7fff_0000;
/// `SECCOMP_RET_TRACE`: stop the caller at `PTRACE_EVENT_SECCOMP` (ENOSYS without a tracer).
pub const RET_TRACE: u32 = 0x7ff0_0000;
/// `AUDIT_ARCH_X86_64`: `seccomp_data.arch` of a 64-bit call.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// `SECCOMP_SET_MODE_FILTER` (the first argument of `seccomp(2)`).
pub const SET_MODE_FILTER: u64 = 1;
/// `SECCOMP_FILTER_FLAG_TSYNC`: install the filter on every thread of the process at once.
pub const FILTER_FLAG_TSYNC: u64 = 1;
/// x86-64 number of `seccomp(2)`.
pub const SYS_SECCOMP: u64 = 317;
/// x86-64 number of `prctl(2)`.
pub const SYS_PRCTL: u64 = 157;
/// `PR_SET_SECCOMP` (the first argument of `prctl(2)`).
pub const PR_SET_SECCOMP: u64 = 22;
/// `SECCOMP_MODE_FILTER` (the second argument of `prctl(PR_SET_SECCOMP)`).
pub const MODE_FILTER: u64 = 2;
/// Size of one `struct sock_filter` instruction.
pub const INSTRUCTION_SIZE: usize = 8;
/// The most system calls one filter lists: a conditional jump reaches at most 255
/// instructions ahead, and the "trace" return sits after every comparison.
pub const MAX_LISTED: usize = 250;

// Classic BPF opcodes (linux/bpf_common.h): BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K,
// BPF_RET|BPF_K.
const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const RET_K: u16 = 0x06;
/// Offsets in `struct seccomp_data`: `int nr; __u32 arch; __u64 instruction_pointer;
/// __u64 args[6]`; the low half of `args[0]` (little-endian).
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;
const DATA_ARG0_LOW: u32 = 16;
/// The calls that may install a filter, by number, and the value of their first argument
/// that does: `seccomp(SECCOMP_SET_MODE_FILTER, ...)`, `prctl(PR_SET_SECCOMP, ...)`. Both
/// arguments are C `int`s to the kernel, so only the low half of the register counts.
const INSTALLING: [(u64, u64); 2] = [(SYS_SECCOMP, SET_MODE_FILTER), (SYS_PRCTL, PR_SET_SECCOMP)];

fn instruction(code: u16, jt: u8, jf: u8, k: u32) -> [u8; INSTRUCTION_SIZE] {
    let [c0, c1] = code.to_le_bytes();
    let [k0, k1, k2, k3] = k.to_le_bytes();
    [c0, c1, jt, jf, k0, k1, k2, k3]
}

/// A filter program: `SECCOMP_RET_TRACE` for the 64-bit system calls `numbers` (every call
/// when `None`) and for the calls that install a filter ([`installs_filter`]),
/// `SECCOMP_RET_ALLOW` for the rest; `None` when the list is longer than [`MAX_LISTED`] or
/// names a number that is not a system call's.
///
/// Layout (classic BPF jumps only forward, at most 255 instructions): the architecture
/// check with its own allow return; per installing call not listed anyway, a test of its
/// number and first argument with its own trace return; the listed numbers, each jumping to
/// the final trace return; allow.
pub fn trace_filter(numbers: Option<&[u64]>) -> Option<Vec<u8>> {
    let Some(numbers) = numbers else {
        return Some(instruction(RET_K, 0, 0, RET_TRACE).to_vec());
    };
    if numbers.len() > MAX_LISTED {
        return None;
    }
    let count = numbers.len();
    let mut program = Vec::with_capacity((count + 16) * INSTRUCTION_SIZE);
    // Another architecture's calls (int 0x80) are not the ones listed: allowed.
    program.extend(instruction(LD_W_ABS, 0, 0, DATA_ARCH));
    program.extend(instruction(JEQ_K, 1, 0, AUDIT_ARCH_X86_64));
    program.extend(instruction(RET_K, 0, 0, RET_ALLOW));
    program.extend(instruction(LD_W_ABS, 0, 0, DATA_NR));
    for (number, first) in INSTALLING {
        if numbers.contains(&number) {
            // Traced whatever its arguments.
            continue;
        }
        // Not this call: on past the five instructions of its test.
        program.extend(instruction(JEQ_K, 0, 4, u32::try_from(number).ok()?));
        program.extend(instruction(LD_W_ABS, 0, 0, DATA_ARG0_LOW));
        program.extend(instruction(JEQ_K, 0, 1, u32::try_from(first).ok()?));
        program.extend(instruction(RET_K, 0, 0, RET_TRACE));
        // The number again, for the tests that follow.
        program.extend(instruction(LD_W_ABS, 0, 0, DATA_NR));
    }
    for (index, number) in numbers.iter().enumerate() {
        // From comparison `index`, the trace return is `count - index` instructions ahead
        // (past the remaining comparisons and the allow return).
        let to_trace = u8::try_from(count - index).ok()?;
        program.extend(instruction(
            JEQ_K,
            to_trace,
            0,
            u32::try_from(*number).ok()?,
        ));
    }
    program.extend(instruction(RET_K, 0, 0, RET_ALLOW));
    program.extend(instruction(RET_K, 0, 0, RET_TRACE));
    Some(program)
}

/// Whether a 64-bit system call `number` with argument registers `args` may install a
/// seccomp filter (`seccomp(SECCOMP_SET_MODE_FILTER, ...)`, `prctl(PR_SET_SECCOMP,
/// SECCOMP_MODE_FILTER, ...)`): the calls every filter of ours traces, so that its tracer
/// learns that a filter of the program's may now outrank ours. (`prctl` with another mode is
/// traced too, being one test cheaper, but installs nothing.)
pub fn installs_filter(number: u64, args: &[u64; 6]) -> bool {
    let [first, second, ..] = *args;
    let first = first & u64::from(u32::MAX);
    match number {
        SYS_SECCOMP => first == SET_MODE_FILTER,
        SYS_PRCTL => first == PR_SET_SECCOMP && second == MODE_FILTER,
        _ => false,
    }
}

/// Whether a process of ours may trace a process that is not its descendant (Yama's
/// `ptrace_scope` absent or 0): the condition for [`keep_traced`] to work.
pub fn custody_possible() -> bool {
    match std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope") {
        Ok(text) => text.trim() == "0",
        Err(error) => error.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Options of the custodian's tracees: seccomp stops, and every process and thread they
/// create followed (each carries the filter).
const CUSTODY_OPTIONS: libc::c_int = libc::PTRACE_O_TRACESECCOMP
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK;

/// Hand threads `tids` — each detached by us moments ago with a SIGSTOP of ours sent to it
/// first (so none has run a user instruction since) — to a custodian process that traces
/// them until they and everything they fork are gone. Returns once every thread is traced by
/// the custodian. The custodian takes the first SIGSTOP each thread reports (ours) and the
/// group-stop it caused, ends that stop with a SIGCONT whose delivery it takes too (so that
/// the parent's `wait` does not see the process stopped), and passes every other signal on.
pub fn keep_traced(tids: &[Pid]) -> Result<(), Error> {
    let raw: Vec<libc::pid_t> = tids.iter().map(|tid| tid.as_raw()).collect();
    // Per thread: its first SIGSTOP taken, its first group-stop ended. Prepared before the
    // fork so that the custodian allocates nothing.
    let mut flags: Vec<[bool; 2]> = vec![[false; 2]; raw.len()];
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    let ret = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    Errno::result(ret).map_err(|errno| Error::new("pipe2", Pid::from_raw(0), errno))?;
    let [read_fd, write_fd] = fds;
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (reader, writer) = unsafe {
        (
            OwnedFd::from_raw_fd(read_fd),
            OwnedFd::from_raw_fd(write_fd),
        )
    };
    // SAFETY: the child runs only `custodian_after_fork`, which makes raw system calls on
    // data prepared before the fork and never returns.
    let middle = unsafe { libc::fork() };
    match middle {
        -1 => return Err(Error::new("fork", Pid::from_raw(0), Errno::last())),
        0 => custodian_after_fork(&raw, &mut flags, writer.as_raw_fd()),
        _ => {}
    }
    drop(writer);
    // The middle process forks the custodian and exits at once: reap it so that it leaves no
    // zombie and the custodian belongs to no debugger thread.
    let _ = crate::wait::wait_tid(Pid::from_raw(middle));
    let mut report = [0u8; 5];
    let mut got = 0;
    while got < report.len() {
        let rest = report.get_mut(got..).unwrap_or_default();
        // SAFETY: reading into the unfilled tail of a local buffer.
        let n = unsafe { libc::read(reader.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len()) };
        match n {
            n if n > 0 => got += n as usize,
            0 => break,
            _ if Errno::last() == Errno::EINTR => continue,
            _ => return Err(Error::new("read", Pid::from_raw(0), Errno::last())),
        }
    }
    let [status, a, b, c, d] = report;
    match (got, status) {
        (5, 0) => Ok(()),
        (5, _) => Err(Error::new(
            "ptrace(PTRACE_SEIZE)",
            Pid::from_raw(i32::from(status)),
            Errno::from_raw(i32::from_le_bytes([a, b, c, d])),
        )),
        _ => Err(Error::new("fork", Pid::from_raw(0), Errno::EPIPE)),
    }
}

/// The middle process and the custodian. Only raw, async-signal-safe system calls.
fn custodian_after_fork(tids: &[libc::pid_t], flags: &mut [[bool; 2]], report: libc::c_int) -> ! {
    let tell = |status: u8, errno: i32| {
        let [a, b, c, d] = errno.to_le_bytes();
        let record = [status, a, b, c, d];
        // SAFETY: write reads the local record.
        unsafe { libc::write(report, record.as_ptr().cast(), record.len()) };
    };
    // SAFETY: setsid and fork take no pointers; a new session keeps the terminal's signals
    // (Ctrl-C in the debugger) from reaching the custodian.
    unsafe {
        libc::setsid();
        match libc::fork() {
            0 => {}
            -1 => {
                tell(1, *libc::__errno_location());
                libc::_exit(1)
            }
            _ => libc::_exit(0),
        }
    }
    // A thread that is gone meanwhile (killed from outside) is skipped; the others must not
    // be left stopped and untraced for it.
    let mut seized = None;
    let mut refusal = 0;
    for tid in tids {
        // SAFETY: PTRACE_SEIZE takes the options as an integer in `data`.
        let ret = unsafe {
            libc::ptrace(
                libc::PTRACE_SEIZE,
                *tid,
                std::ptr::null_mut::<libc::c_void>(),
                CUSTODY_OPTIONS as usize as *mut libc::c_void,
            )
        };
        if ret < 0 {
            // SAFETY: this thread's errno slot.
            refusal = unsafe { *libc::__errno_location() };
        } else {
            seized = seized.or(Some(*tid));
        }
    }
    let Some(first) = seized else {
        tell(2, refusal);
        // SAFETY: _exit takes an integer.
        unsafe { libc::_exit(1) }
    };
    // Our SIGSTOP made (or is making) the process stop as a group: a SIGCONT ends that stop
    // for its parent's `wait` too (a ptrace resume alone leaves it marked stopped). Its
    // delivery is taken below, so no handler of the program sees it.
    {
        // SAFETY: kill takes two integers.
        unsafe { libc::kill(first, libc::SIGCONT) };
    }
    let mut sigcont_taken = false;
    tell(0, 0);
    // SAFETY: closing every descriptor we inherited (the debugger's terminal and pipes, which
    // a reader of the debugger's output waits on): the custodian needs none.
    unsafe { libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) };
    let index = |pid: libc::pid_t| tids.iter().position(|tid| *tid == pid);
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: wait4 writes the status into the local integer.
        let pid = unsafe { libc::wait4(-1, &mut status, libc::__WALL, std::ptr::null_mut()) };
        if pid < 0 {
            // SAFETY: this thread's errno slot.
            if unsafe { *libc::__errno_location() } == libc::EINTR {
                continue;
            }
            // ECHILD: everything we traced is gone.
            // SAFETY: _exit takes an integer.
            unsafe { libc::_exit(0) }
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let signal = libc::WSTOPSIG(status);
        let event = (status >> 16) & 0xff;
        let stop_signal = matches!(
            signal,
            libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
        );
        let flag = |which: usize, flags: &mut [[bool; 2]]| {
            index(pid)
                .and_then(|i| flags.get_mut(i))
                .and_then(|f| f.get_mut(which))
                .is_some_and(|seen| !std::mem::replace(seen, true))
        };
        let (request, deliver) = match event {
            // A signal: ours (the hand-over's SIGSTOP) is taken, any other passed on.
            0 if signal == libc::SIGSTOP && flag(0, flags) => (libc::PTRACE_CONT, 0),
            0 if signal == libc::SIGCONT && !std::mem::replace(&mut sigcont_taken, true) => {
                (libc::PTRACE_CONT, 0)
            }
            0 => (libc::PTRACE_CONT, signal),
            // A group-stop: the hand-over's ends; a later one (the program stopped from
            // outside) is kept, as without a tracer, until SIGCONT.
            libc::PTRACE_EVENT_STOP if stop_signal && !flag(1, flags) => (libc::PTRACE_LISTEN, 0),
            // Seccomp, fork, clone, the first stop of a new tracee: go on.
            _ => (libc::PTRACE_CONT, 0),
        };
        // SAFETY: ptrace resume requests take the signal as an integer in `data`.
        unsafe {
            libc::ptrace(
                request,
                pid,
                std::ptr::null_mut::<libc::c_void>(),
                deliver as usize as *mut libc::c_void,
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_layout() {
        // Hand-assembled: arch check and its allow, load nr, the two installing calls' tests,
        // two comparisons, allow, trace.
        let program = trace_filter(Some(&[257, 2])).unwrap_or_default();
        let words: Vec<[u8; 8]> = program
            .chunks(8)
            .map(|c| c.try_into().unwrap_or_default())
            .collect();
        let load_nr = [0x20, 0, 0, 0, 0, 0, 0, 0];
        let load_arg0 = [0x20, 0, 0, 0, 16, 0, 0, 0];
        let allow = [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f];
        let trace = [0x06, 0, 0, 0, 0, 0, 0xf0, 0x7f];
        let expected: Vec<[u8; 8]> = vec![
            [0x20, 0, 0, 0, 4, 0, 0, 0],
            [0x15, 0, 1, 0, 0x3e, 0, 0, 0xc0],
            allow,
            load_nr,
            [0x15, 0, 0, 4, 0x3d, 0x01, 0, 0],
            load_arg0,
            [0x15, 0, 0, 1, 1, 0, 0, 0],
            trace,
            load_nr,
            [0x15, 0, 0, 4, 0x9d, 0, 0, 0],
            load_arg0,
            [0x15, 0, 0, 1, 22, 0, 0, 0],
            trace,
            load_nr,
            [0x15, 0, 2, 0, 1, 1, 0, 0],
            [0x15, 0, 1, 0, 2, 0, 0, 0],
            allow,
            trace,
        ];
        assert_eq!(words, expected);
        assert_eq!(trace_filter(None).map(|p| p.len()), Some(8));
        assert!(trace_filter(Some(&[0; MAX_LISTED + 1])).is_none());
    }

    /// Classic BPF as the kernel runs a seccomp filter, for the three instructions ours use:
    /// the verdict on a call (`nr`, `arch`, `args[0]`).
    fn verdict(program: &[u8], arch: u32, nr: u32, arg0: u64) -> Option<u32> {
        let mut data = [0u8; 64];
        data.get_mut(0..4)?.copy_from_slice(&nr.to_le_bytes());
        data.get_mut(4..8)?.copy_from_slice(&arch.to_le_bytes());
        data.get_mut(16..24)?.copy_from_slice(&arg0.to_le_bytes());
        let mut accumulator = 0u32;
        let mut pc = 0usize;
        loop {
            let insn = program.get(pc * INSTRUCTION_SIZE..(pc + 1) * INSTRUCTION_SIZE)?;
            let code = u16::from_le_bytes([*insn.first()?, *insn.get(1)?]);
            let (jt, jf) = (usize::from(*insn.get(2)?), usize::from(*insn.get(3)?));
            let k = u32::from_le_bytes(insn.get(4..8)?.try_into().ok()?);
            pc += 1;
            match code {
                LD_W_ABS => {
                    let at = usize::try_from(k).ok()?;
                    accumulator = u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?);
                }
                JEQ_K => pc += if accumulator == k { jt } else { jf },
                RET_K => return Some(k),
                _ => return None,
            }
        }
    }

    #[test]
    fn filters_trace_the_listed_calls_and_those_that_install_a_filter() {
        const X32_BIT: u32 = 0x4000_0000;
        const I386: u32 = 0x4000_0003;
        let x86 = AUDIT_ARCH_X86_64;
        // (listed, arch, nr, arg0) -> traced?
        let cases: &[(&[u64], u32, u32, u64, bool)] = &[
            (&[39], x86, 39, 0, true),
            (&[39], x86, 40, 0, false),
            (&[39], I386, 39, 0, false),
            // seccomp(SECCOMP_SET_MODE_FILTER) and prctl(PR_SET_SECCOMP) always...
            (&[39], x86, 317, 1, true),
            (&[39], x86, 317, 0xffff_ffff_0000_0001, true),
            (&[39], x86, 157, 22, true),
            (&[], x86, 317, 1, true),
            (&[], x86, 157, 22, true),
            // ...other seccomp operations and prctl options only when listed.
            (&[39], x86, 317, 2, false),
            (&[39], x86, 317, 0, false),
            (&[39], x86, 157, 38, false),
            (&[317], x86, 317, 2, true),
            (&[157], x86, 157, 38, true),
            (&[157, 317], x86, 317, 1, true),
            (&[39], x86, X32_BIT | 39, 0, false),
        ];
        for (listed, arch, nr, arg0, traced) in cases {
            let program = trace_filter(Some(listed)).unwrap_or_default();
            let expected = if *traced { RET_TRACE } else { RET_ALLOW };
            assert_eq!(
                verdict(&program, *arch, *nr, *arg0),
                Some(expected),
                "{listed:?} arch {arch:#x} nr {nr} arg0 {arg0:#x}"
            );
        }
        // The longest list still reaches its trace return from its first comparison.
        let many: Vec<u64> = (0..MAX_LISTED as u64).collect();
        let program = trace_filter(Some(&many)).unwrap_or_default();
        for nr in [0, 1, MAX_LISTED as u32 - 1] {
            assert_eq!(verdict(&program, x86, nr, 0), Some(RET_TRACE), "{nr}");
        }
        assert_eq!(verdict(&program, x86, 300, 0), Some(RET_ALLOW));
        assert_eq!(verdict(&program, x86, 317, 1), Some(RET_TRACE));
    }

    #[test]
    fn installing_calls() {
        assert!(installs_filter(317, &[1, 0, 0, 0, 0, 0]));
        assert!(installs_filter(317, &[0x1_0000_0001, 0, 0, 0, 0, 0]));
        assert!(!installs_filter(317, &[0, 0, 0, 0, 0, 0]));
        assert!(!installs_filter(317, &[2, 0, 0, 0, 0, 0]));
        assert!(installs_filter(157, &[22, 2, 0, 0, 0, 0]));
        assert!(!installs_filter(157, &[22, 1, 0, 0, 0, 0]));
        assert!(!installs_filter(157, &[38, 1, 0, 0, 0, 0]));
        assert!(!installs_filter(39, &[1, 2, 0, 0, 0, 0]));
    }
}
