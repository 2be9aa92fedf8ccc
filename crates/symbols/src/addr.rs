//! Link-time addresses: where something is in a binary as its ELF headers, symbols, DWARF and
//! CFI say, before the binary is loaded. In the running process it sits at this address plus
//! the binary's load bias (a runtime address is `dbg_sys::VirtAddr`; this crate knows no
//! process, so converting is the session's job, in one place).

use std::fmt;

/// An address in a binary's own (link-time) address space.
///
/// No `From<u64>` and no conversion to a runtime address: that takes the load bias.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct FileAddr(u64);

impl FileAddr {
    /// The address `raw`, as the binary records it.
    pub const fn new(raw: u64) -> FileAddr {
        FileAddr(raw)
    }

    /// The address as a number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// `bytes` further on, wrapping at the end of the address space.
    #[must_use]
    pub const fn wrapping_add(self, bytes: u64) -> FileAddr {
        FileAddr(self.0.wrapping_add(bytes))
    }

    /// How many bytes `self` is past `base`, or `None` when it is before it.
    pub const fn offset_from(self, base: FileAddr) -> Option<u64> {
        self.0.checked_sub(base.0)
    }
}

impl fmt::Debug for FileAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileAddr({:#x})", self.0)
    }
}

/// `0x` and lowercase hexadecimal.
impl fmt::Display for FileAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::LowerHex for FileAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}
