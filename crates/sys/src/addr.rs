//! Runtime addresses: where something is in the tracee's address space, as ptrace, `/proc`
//! and the registers see it. The binaries' own (link-time) addresses are a different type,
//! `dbg_symbols::FileAddr`; only the session's load bias converts between the two.

use std::fmt;

/// An address in the tracee's (virtual) address space.
///
/// There is deliberately no `From<u64>`: a raw number becomes an address where the code says
/// so ([`VirtAddr::new`]), so a file address or a length cannot slip in unnoticed.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct VirtAddr(u64);

impl VirtAddr {
    /// The address `raw`.
    pub const fn new(raw: u64) -> VirtAddr {
        VirtAddr(raw)
    }

    /// The address as a number (for a system call, a register or arithmetic on words).
    pub const fn get(self) -> u64 {
        self.0
    }

    /// `bytes` further on, wrapping at the end of the address space.
    #[must_use]
    pub const fn wrapping_add(self, bytes: u64) -> VirtAddr {
        VirtAddr(self.0.wrapping_add(bytes))
    }

    /// `bytes` further back, wrapping at zero.
    #[must_use]
    pub const fn wrapping_sub(self, bytes: u64) -> VirtAddr {
        VirtAddr(self.0.wrapping_sub(bytes))
    }

    /// `bytes` further on, or `None` past the end of the address space.
    pub const fn checked_add(self, bytes: u64) -> Option<VirtAddr> {
        match self.0.checked_add(bytes) {
            Some(raw) => Some(VirtAddr(raw)),
            None => None,
        }
    }

    /// How many bytes `self` is past `base`, or `None` when it is before it.
    pub const fn offset_from(self, base: VirtAddr) -> Option<u64> {
        self.0.checked_sub(base.0)
    }

    /// The address rounded down to a multiple of `align` (a power of two).
    #[must_use]
    pub const fn align_down(self, align: u64) -> VirtAddr {
        VirtAddr(self.0 & !(align.wrapping_sub(1)))
    }
}

/// `address + bytes`, wrapping at the end of the address space (as the CPU's address
/// arithmetic does; a debugger must not panic on a wild pointer).
impl std::ops::Add<u64> for VirtAddr {
    type Output = VirtAddr;
    fn add(self, bytes: u64) -> VirtAddr {
        self.wrapping_add(bytes)
    }
}

/// `address - bytes`, wrapping at zero.
impl std::ops::Sub<u64> for VirtAddr {
    type Output = VirtAddr;
    fn sub(self, bytes: u64) -> VirtAddr {
        self.wrapping_sub(bytes)
    }
}

impl fmt::Debug for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VirtAddr({:#x})", self.0)
    }
}

/// `0x` and lowercase hexadecimal, as debuggers show addresses.
impl fmt::Display for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::LowerHex for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::VirtAddr;

    #[test]
    fn arithmetic_and_formatting() {
        let a = VirtAddr::new(0x1000);
        assert_eq!(a.wrapping_add(0x10).get(), 0x1010);
        assert_eq!(VirtAddr::new(0).wrapping_sub(1).get(), u64::MAX);
        assert_eq!((a + 0x10 - 0x20).get(), 0xff0);
        assert_eq!((VirtAddr::new(u64::MAX) + 2).get(), 1);
        assert_eq!(VirtAddr::new(u64::MAX).checked_add(1), None);
        assert_eq!(a.wrapping_add(8).offset_from(a), Some(8));
        assert_eq!(a.offset_from(a.wrapping_add(8)), None);
        assert_eq!(VirtAddr::new(0x1fff).align_down(0x1000), a);
        assert_eq!(a.to_string(), "0x1000");
        assert_eq!(format!("{a:#x} {a:x} {a:08x}"), "0x1000 1000 00001000");
        assert_eq!(format!("{a:?}"), "VirtAddr(0x1000)");
    }
}
