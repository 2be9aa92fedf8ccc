//! The one place where a binary's own addresses and the process's meet: a binary loaded at
//! a different address than it was linked for (a PIE executable, every shared library) is
//! shifted by its load bias.

use dbg_symbols::FileAddr;
use dbg_sys::VirtAddr;

/// How far a binary was moved when it was loaded: its runtime addresses minus its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadBias(u64);

impl LoadBias {
    /// The bias that puts `file` at `runtime`.
    pub fn between(runtime: VirtAddr, file: FileAddr) -> LoadBias {
        LoadBias(runtime.get().wrapping_sub(file.get()))
    }

    /// Where the binary's address `file` is in the process.
    pub fn to_virt(self, file: FileAddr) -> VirtAddr {
        VirtAddr::new(file.get().wrapping_add(self.0))
    }

    /// Which address of the binary the runtime address `runtime` is.
    pub fn to_file(self, runtime: VirtAddr) -> FileAddr {
        FileAddr::new(runtime.get().wrapping_sub(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_both_ways_and_wraps() {
        let bias = LoadBias::between(VirtAddr::new(0x5555_5555_5000), FileAddr::new(0x1000));
        assert_eq!(bias.to_virt(FileAddr::new(0x1139)).get(), 0x5555_5555_5139);
        assert_eq!(bias.to_file(VirtAddr::new(0x5555_5555_5139)).get(), 0x1139);
        // A binary linked above where it was loaded (a prelinked library) has a "negative"
        // bias: the arithmetic wraps rather than overflowing.
        let down = LoadBias::between(VirtAddr::new(0x1000), FileAddr::new(0x40_0000));
        assert_eq!(down.to_virt(FileAddr::new(0x40_0010)).get(), 0x1010);
        assert_eq!(down.to_file(VirtAddr::new(0x1010)).get(), 0x40_0010);
        assert_eq!(LoadBias::default().to_virt(FileAddr::new(7)).get(), 7);
    }
}
