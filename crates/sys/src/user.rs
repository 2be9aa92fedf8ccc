//! The layout of the x86-64 register area (`struct user` in `<sys/user.h>`), taken from the
//! libc definitions with `offset_of!` so that no offset is typed by hand.
//!
//! [`Regs`] and [`FpRegs`] wrap the structures that `PTRACE_GETREGS` and `PTRACE_GETFPREGS`
//! fill, and give a byte view of them so that the register model above can read and write any
//! sub-register (e.g. `ah` at byte 1 of `rax`) through one table of offsets.

use std::mem::{offset_of, size_of};

use libc::{user, user_fpregs_struct, user_regs_struct};

/// The general-purpose registers as `PTRACE_GETREGS` returns them.
#[derive(Clone, Copy)]
pub struct Regs(pub user_regs_struct);

/// The x87, MMX and SSE registers as `PTRACE_GETFPREGS` returns them (the FXSAVE area).
#[derive(Clone, Copy)]
pub struct FpRegs(pub user_fpregs_struct);

/// Size of [`Regs`]: 27 eight-byte registers, no padding.
pub const REGS_SIZE: usize = size_of::<user_regs_struct>();
/// Size of [`FpRegs`]: the 512-byte FXSAVE area, no padding.
pub const FP_REGS_SIZE: usize = size_of::<user_fpregs_struct>();

const _: () = assert!(REGS_SIZE == 27 * 8);
const _: () = assert!(FP_REGS_SIZE == 512);
const _: () = assert!(size_of::<[u64; 27]>() == REGS_SIZE);

impl Regs {
    /// The registers as bytes, in the kernel's order.
    pub fn as_bytes(&self) -> &[u8; REGS_SIZE] {
        // SAFETY: `user_regs_struct` is 27 `u64`s (asserted above), so it has no padding and
        // every byte is initialised; `[u8; N]` has alignment 1, and the borrow keeps `self` alive.
        unsafe { &*(&self.0 as *const user_regs_struct).cast::<[u8; REGS_SIZE]>() }
    }

    /// The registers as mutable bytes; any byte pattern is a valid value.
    pub fn as_bytes_mut(&mut self) -> &mut [u8; REGS_SIZE] {
        // SAFETY: as in `as_bytes`; in addition every bit pattern is a valid `u64`, so writes
        // through the byte view cannot create an invalid value.
        unsafe { &mut *(&mut self.0 as *mut user_regs_struct).cast::<[u8; REGS_SIZE]>() }
    }
}

impl FpRegs {
    /// An all-zero area.
    pub fn zeroed() -> Self {
        // SAFETY: `user_fpregs_struct` consists only of integers and integer arrays, for which
        // all-zero bytes are a valid value.
        FpRegs(unsafe { std::mem::zeroed() })
    }

    /// The area as bytes, in FXSAVE order.
    pub fn as_bytes(&self) -> &[u8; FP_REGS_SIZE] {
        // SAFETY: the struct is 512 bytes of integers laid out without padding (4 × u16, then
        // u64s and u32 arrays, all naturally aligned; size asserted above), so every byte is
        // initialised; `[u8; N]` has alignment 1.
        unsafe { &*(&self.0 as *const user_fpregs_struct).cast::<[u8; FP_REGS_SIZE]>() }
    }

    /// The area as mutable bytes; any byte pattern is a valid value.
    pub fn as_bytes_mut(&mut self) -> &mut [u8; FP_REGS_SIZE] {
        // SAFETY: as in `as_bytes`; every bit pattern is a valid integer.
        unsafe { &mut *(&mut self.0 as *mut user_fpregs_struct).cast::<[u8; FP_REGS_SIZE]>() }
    }
}

impl std::fmt::Debug for Regs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Regs")
            .field("rip", &self.0.rip)
            .field("rsp", &self.0.rsp)
            .finish()
    }
}

impl std::fmt::Debug for FpRegs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FpRegs")
            .field("cwd", &self.0.cwd)
            .field("mxcsr", &self.0.mxcsr)
            .finish()
    }
}

/// Offsets of the general-purpose registers inside [`Regs`].
pub mod gpr {
    use super::*;
    macro_rules! offsets {
        ($($name:ident => $field:ident),* $(,)?) => {
            $(
                #[doc = concat!("Offset of `", stringify!($field), "`.")]
                pub const $name: usize = offset_of!(user_regs_struct, $field);
            )*
        };
    }
    offsets! {
        R15 => r15, R14 => r14, R13 => r13, R12 => r12, RBP => rbp, RBX => rbx, R11 => r11,
        R10 => r10, R9 => r9, R8 => r8, RAX => rax, RCX => rcx, RDX => rdx, RSI => rsi,
        RDI => rdi, ORIG_RAX => orig_rax, RIP => rip, CS => cs, EFLAGS => eflags, RSP => rsp,
        SS => ss, FS_BASE => fs_base, GS_BASE => gs_base, DS => ds, ES => es, FS => fs, GS => gs,
    }
}

/// Offsets of the x87/SSE fields inside [`FpRegs`].
pub mod fpr {
    use super::*;
    /// x87 control word.
    pub const FCW: usize = offset_of!(user_fpregs_struct, cwd);
    /// x87 status word.
    pub const FSW: usize = offset_of!(user_fpregs_struct, swd);
    /// x87 tag word (abridged, as FXSAVE stores it).
    pub const FTW: usize = offset_of!(user_fpregs_struct, ftw);
    /// Last x87 opcode.
    pub const FOP: usize = offset_of!(user_fpregs_struct, fop);
    /// Last x87 instruction pointer.
    pub const FIP: usize = offset_of!(user_fpregs_struct, rip);
    /// Last x87 data pointer.
    pub const FDP: usize = offset_of!(user_fpregs_struct, rdp);
    /// SSE control and status.
    pub const MXCSR: usize = offset_of!(user_fpregs_struct, mxcsr);
    /// Which MXCSR bits the processor supports.
    pub const MXCSR_MASK: usize = offset_of!(user_fpregs_struct, mxcr_mask);
    /// `st0`..`st7` (and `mm0`..`mm7` in their low 8 bytes), 16 bytes apart.
    pub const ST_SPACE: usize = offset_of!(user_fpregs_struct, st_space);
    /// `xmm0`..`xmm15`, 16 bytes apart.
    pub const XMM_SPACE: usize = offset_of!(user_fpregs_struct, xmm_space);
}

/// The XSAVE area as `PTRACE_GETREGSET(NT_X86_XSTATE)` gives it (standard format).
pub mod xstate {
    /// Where the FXSAVE area's software-reserved bytes start (what the processor defines
    /// ends there).
    pub const SW_RESERVED: usize = 464;
    /// Which state components the area can hold: XCR0, which the kernel puts in the first
    /// word of the FXSAVE area's software-reserved bytes for ptrace
    /// (`USER_XSTATE_XCR0_WORD` of `struct user_xstateregs`).
    pub const XFEATURES: usize = SW_RESERVED;
    /// The XSAVE header's `XSTATE_BV`: which components hold other than their initial
    /// state.
    pub const XSTATE_BV: usize = 512;
    /// The AVX component (the upper halves of `ymm0`..`ymm15`), bit 2 of the masks.
    pub const AVX_BIT: u64 = 1 << 2;
    /// Where the upper halves of `ymm0`..`ymm15` are, 16 bytes apart (the standard format's
    /// fixed offset of the AVX component).
    pub const YMM_HIGH: usize = 576;
}

/// Offset of `u_debugreg` in `struct user`, the area `PTRACE_PEEKUSER`/`POKEUSER` address.
pub const DEBUG_REGS: usize = offset_of!(user, u_debugreg);

/// Offset in `struct user` of debug register `index` (0..=7).
pub const fn debug_reg(index: usize) -> usize {
    DEBUG_REGS + index * size_of::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_kernel_abi() {
        // The one place the literal offsets appear: a cross-check of offset_of! against the
        // x86-64 ABI as documented in <sys/user.h>.
        assert_eq!(DEBUG_REGS, 848);
        assert_eq!(debug_reg(7), 848 + 56);
        assert_eq!(gpr::RAX, 80);
        assert_eq!(gpr::RIP, 128);
        assert_eq!(gpr::FS_BASE, 168);
        assert_eq!(fpr::MXCSR, 24);
        assert_eq!(fpr::ST_SPACE, 32);
        assert_eq!(fpr::XMM_SPACE, 160);
    }

    #[test]
    fn byte_views_alias_the_fields() {
        let mut fp = FpRegs::zeroed();
        fp.0.mxcsr = 0x1f80;
        assert_eq!(
            fp.as_bytes()[fpr::MXCSR..fpr::MXCSR + 4],
            [0x80, 0x1f, 0, 0]
        );
        fp.as_bytes_mut()[fpr::FCW] = 0x7f;
        assert_eq!(fp.0.cwd, 0x7f);
    }
}
