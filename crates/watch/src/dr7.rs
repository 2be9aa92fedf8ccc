//! The layout of DR7, the debug control register, and of DR6, the debug status register.
//!
//! ```text
//! DR7 bit  31-30 29-28 27-26 25-24 23-22 21-20 19-18 17-16  15-8   7  6  5  4  3  2  1  0
//!          LEN3  R/W3  LEN2  R/W2  LEN1  R/W1  LEN0  R/W0  (other) G3 L3 G2 L2 G1 L1 G0 L0
//! ```
//!
//! - `Ln` (bit 2n) enables slot n for the current task (Linux swaps it with the thread).
//! - `R/Wn` (bits 16 + 4n): `00` instruction execution, `01` data writes, `11` data reads and
//!   writes (there is no read-only mode; `10` is I/O, not available to user space).
//! - `LENn` (bits 18 + 4n): `00` 1 byte, `01` 2 bytes, `11` 4 bytes, `10` 8 bytes; the address
//!   in DRn must be aligned to it, and execution slots take `00`.
//!
//! DR6: bits 0–3 (`B0`–`B3`) say which slots' conditions were met by the last debug exception;
//! bit 14 (`BS`) says it was a single step. Linux (5.10 and later) resets the DR6 a debugger
//! reads at every debug exception, so its slot bits always describe the latest trap only.

/// Bits of DR7 that enable slot `slot` locally.
pub const fn local_enable(slot: usize) -> u64 {
    1 << (slot * 2)
}

/// Shift of slot `slot`'s R/W field.
pub const fn rw_shift(slot: usize) -> u32 {
    16 + 4 * slot as u32
}

/// Shift of slot `slot`'s LEN field.
pub const fn len_shift(slot: usize) -> u32 {
    18 + 4 * slot as u32
}

/// R/W: break on instruction execution.
pub const RW_EXECUTE: u64 = 0b00;
/// R/W: break on data writes.
pub const RW_WRITE: u64 = 0b01;
/// R/W: break on data reads or writes.
pub const RW_READ_WRITE: u64 = 0b11;

/// LEN: 1 byte (and every execution breakpoint).
pub const LEN_1: u64 = 0b00;
/// LEN: 2 bytes.
pub const LEN_2: u64 = 0b01;
/// LEN: 4 bytes.
pub const LEN_4: u64 = 0b11;
/// LEN: 8 bytes.
pub const LEN_8: u64 = 0b10;

/// DR6 bits B0–B3.
pub const DR6_SLOTS: u64 = 0b1111;
/// DR6 bit BS: the trap was a single step.
pub const DR6_SINGLE_STEP: u64 = 1 << 14;

/// The DR7 bits for slot `slot` enabled with the given R/W and LEN codes.
pub const fn encode(slot: usize, rw: u64, len: u64) -> u64 {
    local_enable(slot) | (rw << rw_shift(slot)) | (len << len_shift(slot))
}

/// Every DR7 bit that belongs to slot `slot` (enable, R/W, LEN).
pub const fn slot_mask(slot: usize) -> u64 {
    (0b11 << (slot * 2)) | (0b1111 << rw_shift(slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_matches_hand_computed_values() {
        // Slot 0, write, 8 bytes: L0 | RW0=01 (bit 16) | LEN0=10 (bit 19).
        assert_eq!(encode(0, RW_WRITE, LEN_8), 0x0009_0001);
        // Slot 1, read/write, 4 bytes: L1 (bit 2) | RW1=11 (bits 20-21) | LEN1=11 (22-23).
        assert_eq!(encode(1, RW_READ_WRITE, LEN_4), 0x00f0_0004);
        // Slot 3, execute, 1 byte: only L3 (bit 6).
        assert_eq!(encode(3, RW_EXECUTE, LEN_1), 0x0000_0040);
        // Slot 2, write, 2 bytes: L2 (bit 4) | RW2=01 (bit 24) | LEN2=01 (bit 26).
        assert_eq!(encode(2, RW_WRITE, LEN_2), 0x0500_0010);
        assert_eq!(slot_mask(3), 0xf000_00c0);
    }
}
