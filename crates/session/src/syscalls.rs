//! System-call catchpoints: which calls to stop at, and what a stop at one shows. Names and
//! numbers come from the `syscalls` crate's x86-64 table.

use std::collections::BTreeSet;

/// The name of x86-64 system call `number` (`write` for 1), if it has one.
pub fn syscall_name(number: u64) -> Option<&'static str> {
    usize::try_from(number)
        .ok()
        .and_then(syscalls::Sysno::new)
        .map(|sysno| sysno.name())
}

/// The system calls a session stops at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SyscallCatch {
    /// None: the tracee runs with `PTRACE_CONT`, at full speed.
    #[default]
    None,
    /// Every one.
    All,
    /// These numbers.
    Only(BTreeSet<u64>),
}

impl SyscallCatch {
    /// Whether nothing is caught.
    pub fn is_empty(&self) -> bool {
        match self {
            SyscallCatch::None => true,
            SyscallCatch::All => false,
            SyscallCatch::Only(set) => set.is_empty(),
        }
    }

    /// Whether system call `number` is caught.
    pub fn catches(&self, number: u64) -> bool {
        match self {
            SyscallCatch::None => false,
            SyscallCatch::All => true,
            SyscallCatch::Only(set) => set.contains(&number),
        }
    }

    /// Parse a comma-separated list of names (`write`) or numbers (`1`).
    pub fn parse_list(text: &str) -> Result<SyscallCatch, String> {
        let mut set = BTreeSet::new();
        for item in text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let number = match item.parse::<usize>() {
                Ok(number) => syscalls::Sysno::new(number)
                    .map(|sysno| sysno.id() as u64)
                    .ok_or_else(|| format!("no system call number {number}"))?,
                Err(_) => item
                    .parse::<syscalls::Sysno>()
                    .map(|sysno| sysno.id() as u64)
                    .map_err(|_| format!("unknown system call `{item}`"))?,
            };
            set.insert(number);
        }
        if set.is_empty() {
            return Err("no system call named".into());
        }
        Ok(SyscallCatch::Only(set))
    }
}

impl SyscallCatch {
    /// Whether every call `other` catches is caught here too.
    pub fn covers(&self, other: &SyscallCatch) -> bool {
        match (self, other) {
            (_, SyscallCatch::None) | (SyscallCatch::All, _) => true,
            (SyscallCatch::None, _) | (SyscallCatch::Only(_), SyscallCatch::All) => false,
            (SyscallCatch::Only(mine), SyscallCatch::Only(theirs)) => theirs.is_subset(mine),
        }
    }

    /// The calls caught here or by `other`.
    pub fn union(&self, other: &SyscallCatch) -> SyscallCatch {
        match (self, other) {
            (SyscallCatch::All, _) | (_, SyscallCatch::All) => SyscallCatch::All,
            (SyscallCatch::None, other) | (other, SyscallCatch::None) => other.clone(),
            (SyscallCatch::Only(a), SyscallCatch::Only(b)) => {
                SyscallCatch::Only(a.union(b).copied().collect())
            }
        }
    }
}

/// The kernel-side filter of a session's process: whether it has one and what it stops at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyscallFilter {
    /// Not tried yet: installed when something is first caught.
    Untried,
    /// Our filters (stacked: a call stops when any says so) stop at these calls.
    Covers(SyscallCatch),
    /// None can be had for this process (attached, refused by the kernel, ...), or ours is
    /// outranked by one the program installed after it: system calls are caught with
    /// `PTRACE_SYSCALL`, a stop at every entry and exit.
    Unavailable,
}

/// A stop at a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyscallInfo {
    /// Its name (`unknown` for a number the table lacks).
    pub name: &'static str,
    /// Its number.
    pub number: u64,
    /// At entry: the six argument registers (rdi, rsi, rdx, r10, r8, r9).
    pub args: Option<[u64; 6]>,
    /// At exit: the result (negative: an errno).
    pub ret: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_of_names_and_numbers() {
        let catch = SyscallCatch::parse_list("write, 0,exit_group").unwrap_or_default();
        assert!(catch.catches(1) && catch.catches(0) && catch.catches(231));
        assert!(!catch.catches(2));
        assert_eq!(
            SyscallCatch::parse_list("frob"),
            Err("unknown system call `frob`".into())
        );
        assert_eq!(
            SyscallCatch::parse_list("100000"),
            Err("no system call number 100000".into())
        );
        assert!(SyscallCatch::None.is_empty() && !SyscallCatch::All.is_empty());
    }
}
