//! One validated watch request: an address, what to watch for, and how many bytes.

use dbg_process::VirtAddr;

use crate::dr7;
use crate::error::{Error, Result};

/// The end of the x86-64 user address space (Linux's `TASK_SIZE_MAX`).
pub const USER_SPACE_END: u64 = 0x7fff_ffff_f000;

/// What a slot watches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchKind {
    /// Executing the instruction at the address (a hardware breakpoint).
    Execute,
    /// Writes.
    Write,
    /// Reads and writes (x86 has no read-only mode).
    ReadWrite,
}

impl WatchKind {
    /// The name the command language uses.
    pub fn name(self) -> &'static str {
        match self {
            WatchKind::Execute => "execute",
            WatchKind::Write => "write",
            WatchKind::ReadWrite => "rw",
        }
    }

    /// Parse `write`, `rw` or `execute`; `read` is refused with the reason.
    pub fn parse(text: &str) -> Result<WatchKind, String> {
        match text {
            "write" | "w" => Ok(WatchKind::Write),
            "rw" | "readwrite" | "access" => Ok(WatchKind::ReadWrite),
            "execute" | "exec" | "x" => Ok(WatchKind::Execute),
            "read" | "r" => Err(Error::ReadOnly.to_string()),
            other => Err(format!(
                "unknown watchpoint kind `{other}`: expected write, rw or execute"
            )),
        }
    }

    fn rw_code(self) -> u64 {
        match self {
            WatchKind::Execute => dr7::RW_EXECUTE,
            WatchKind::Write => dr7::RW_WRITE,
            WatchKind::ReadWrite => dr7::RW_READ_WRITE,
        }
    }
}

/// How many bytes a slot watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchSize {
    /// 1 byte.
    One,
    /// 2 bytes.
    Two,
    /// 4 bytes.
    Four,
    /// 8 bytes.
    Eight,
}

impl WatchSize {
    /// The size for `bytes`, which must be 1, 2, 4 or 8.
    pub fn from_bytes(bytes: u64) -> Result<WatchSize> {
        match bytes {
            1 => Ok(WatchSize::One),
            2 => Ok(WatchSize::Two),
            4 => Ok(WatchSize::Four),
            8 => Ok(WatchSize::Eight),
            other => Err(Error::BadSize(other)),
        }
    }

    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        match self {
            WatchSize::One => 1,
            WatchSize::Two => 2,
            WatchSize::Four => 4,
            WatchSize::Eight => 8,
        }
    }

    fn len_code(self) -> u64 {
        match self {
            WatchSize::One => dr7::LEN_1,
            WatchSize::Two => dr7::LEN_2,
            WatchSize::Four => dr7::LEN_4,
            WatchSize::Eight => dr7::LEN_8,
        }
    }
}

/// A request for one debug-register slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Watch {
    /// The address watched.
    pub addr: VirtAddr,
    /// What for.
    pub kind: WatchKind,
    /// How many bytes.
    pub size: WatchSize,
}

impl Watch {
    /// Validate a request: aligned to its size, execution with size 1, in user space.
    pub fn new(addr: VirtAddr, kind: WatchKind, size: WatchSize) -> Result<Watch> {
        let bytes = size.bytes();
        if kind == WatchKind::Execute && bytes != 1 {
            return Err(Error::ExecuteSize(bytes));
        }
        if !addr.get().is_multiple_of(bytes) {
            return Err(Error::Unaligned { addr, size: bytes });
        }
        if addr
            .get()
            .checked_add(bytes)
            .is_none_or(|end| end > USER_SPACE_END)
        {
            return Err(Error::NotUserSpace(addr));
        }
        Ok(Watch { addr, kind, size })
    }

    /// A hardware execution breakpoint at `addr`.
    pub fn execute(addr: VirtAddr) -> Result<Watch> {
        Watch::new(addr, WatchKind::Execute, WatchSize::One)
    }

    /// Its DR7 bits in slot `slot`.
    pub fn control_bits(&self, slot: usize) -> u64 {
        dr7::encode(slot, self.kind.rw_code(), self.size.len_code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        let at = VirtAddr::new;
        assert!(Watch::new(at(0x1000), WatchKind::Write, WatchSize::Eight).is_ok());
        assert!(matches!(
            Watch::new(at(0x1004), WatchKind::Write, WatchSize::Eight),
            Err(Error::Unaligned { addr, size: 8 }) if addr == at(0x1004)
        ));
        assert!(matches!(
            Watch::new(at(0x1000), WatchKind::Execute, WatchSize::Four),
            Err(Error::ExecuteSize(4))
        ));
        assert!(matches!(
            Watch::execute(at(USER_SPACE_END)),
            Err(Error::NotUserSpace(_))
        ));
        assert!(matches!(
            Watch::new(at(u64::MAX - 7), WatchKind::Write, WatchSize::Eight),
            Err(Error::NotUserSpace(_))
        ));
        assert!(matches!(WatchSize::from_bytes(3), Err(Error::BadSize(3))));
        assert_eq!(
            WatchKind::parse("read"),
            Err("x86 has no read-only watchpoints: use rw (reads and writes)".into())
        );
        assert_eq!(WatchKind::parse("rw"), Ok(WatchKind::ReadWrite));
    }

    #[test]
    fn control_bits_per_slot() {
        let watch = Watch::new(VirtAddr::new(0x1000), WatchKind::Write, WatchSize::Eight)
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(watch.control_bits(0), 0x0009_0001);
        assert_eq!(watch.control_bits(2), 0x0900_0010);
    }
}
