//! Executing the instruction under a breakpoint without single-stepping it.
//!
//! Resuming from a breakpoint means running the original instruction the `int3` replaced. The
//! general way is to lift the `int3`, single-step, and put it back: two stops of the tracee.
//! The instructions that usually sit at a function's entry — `push reg`, `endbr64`, `nop`,
//! `mov rbp, rsp` — touch no flags and at most one stack slot, so dbg carries out their effect
//! itself (registers through the process's register cache, the pushed word through
//! `/proc/PID/mem`) and the tracee never stops for them.

use dbg_process::{Process, Reg, RegValue};
use dbg_sys::VirtAddr;
use iced_x86::{Decoder, DecoderOptions, Mnemonic, OpKind, Register};

use crate::access::Memory;
use crate::error::Result;

/// An instruction whose effect dbg can carry out itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Displaced {
    /// `push reg` (64-bit general register), `len` bytes long.
    Push {
        /// The register pushed.
        reg: Reg,
        /// Instruction length.
        len: u8,
    },
    /// `mov dst, src` between 64-bit general registers.
    Move {
        /// Destination.
        dst: Reg,
        /// Source.
        src: Reg,
        /// Instruction length.
        len: u8,
    },
    /// An instruction with no architectural effect but advancing the pc (`nop`, `endbr64`).
    Skip {
        /// Instruction length.
        len: u8,
    },
}

/// What running the instruction at the start of `code` (at `address`) needs: `Some(_)` when
/// dbg can carry it out itself, `None` when it must be single-stepped; and whether
/// single-stepping may trust a SIGTRAP to be the step (false for `int3`, `int1`, `into` and
/// undecodable bytes).
pub fn plan(code: &[u8], address: VirtAddr) -> (Option<Displaced>, bool) {
    let mut decoder = Decoder::with_ip(64, code, address.get(), DecoderOptions::NONE);
    let instruction = decoder.decode();
    if instruction.is_invalid() {
        return (None, false);
    }
    let len = instruction.len() as u8;
    let traps = matches!(
        instruction.mnemonic(),
        Mnemonic::Int3 | Mnemonic::Int1 | Mnemonic::Into | Mnemonic::Int
    );
    let displaced = match instruction.mnemonic() {
        Mnemonic::Push if instruction.op0_kind() == OpKind::Register => {
            gpr64(instruction.op0_register()).map(|reg| Displaced::Push { reg, len })
        }
        Mnemonic::Mov
            if instruction.op0_kind() == OpKind::Register
                && instruction.op1_kind() == OpKind::Register =>
        {
            match (
                gpr64(instruction.op0_register()),
                gpr64(instruction.op1_register()),
            ) {
                (Some(dst), Some(src)) => Some(Displaced::Move { dst, src, len }),
                _ => None,
            }
        }
        Mnemonic::Nop | Mnemonic::Endbr64 => Some(Displaced::Skip { len }),
        _ => None,
    };
    (displaced, !traps)
}

/// Carry out `displaced`, located at `address`, on the current thread of `process`. Returns
/// false (and changes nothing) when it cannot, e.g. the stack slot is not writable; the caller
/// then single-steps.
pub fn emulate(
    displaced: Displaced,
    address: VirtAddr,
    process: &mut Process,
    memory: &Memory,
) -> Result<bool> {
    let read = |process: &mut Process, reg| process.read_register(reg).map(|v| v.as_u64());
    let write = |process: &mut Process, reg, value: u64| {
        process.write_register(reg, RegValue::from_u64(value))
    };
    let next = |len: u8| address.wrapping_add(u64::from(len)).get();
    let outcome: dbg_process::Result<bool> = (|| {
        match displaced {
            Displaced::Push { reg, len } => {
                let value = read(process, reg)?;
                let rsp = read(process, Reg::Rsp)?.wrapping_sub(8);
                if memory
                    .poke(VirtAddr::new(rsp), &value.to_le_bytes())
                    .is_err()
                {
                    return Ok(false);
                }
                write(process, Reg::Rsp, rsp)?;
                write(process, Reg::Rip, next(len))?;
            }
            Displaced::Move { dst, src, len } => {
                let value = read(process, src)?;
                write(process, dst, value)?;
                write(process, Reg::Rip, next(len))?;
            }
            Displaced::Skip { len } => write(process, Reg::Rip, next(len))?,
        }
        Ok(true)
    })();
    // A register that cannot be read or written means the thread is gone or broken: the
    // process error says which (`is_gone` still sees a vanished tracee).
    Ok(outcome?)
}

fn gpr64(register: Register) -> Option<Reg> {
    Some(match register {
        Register::RAX => Reg::Rax,
        Register::RBX => Reg::Rbx,
        Register::RCX => Reg::Rcx,
        Register::RDX => Reg::Rdx,
        Register::RSI => Reg::Rsi,
        Register::RDI => Reg::Rdi,
        Register::RBP => Reg::Rbp,
        Register::RSP => Reg::Rsp,
        Register::R8 => Reg::R8,
        Register::R9 => Reg::R9,
        Register::R10 => Reg::R10,
        Register::R11 => Reg::R11,
        Register::R12 => Reg::R12,
        Register::R13 => Reg::R13,
        Register::R14 => Reg::R14,
        Register::R15 => Reg::R15,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_for_prologue_instructions() {
        assert_eq!(
            plan(&[0x55], VirtAddr::new(0)),
            (
                Some(Displaced::Push {
                    reg: Reg::Rbp,
                    len: 1
                }),
                true
            )
        );
        assert_eq!(
            plan(&[0x41, 0x57], VirtAddr::new(0)),
            (
                Some(Displaced::Push {
                    reg: Reg::R15,
                    len: 2
                }),
                true
            )
        );
        assert_eq!(
            plan(&[0xf3, 0x0f, 0x1e, 0xfa], VirtAddr::new(0)),
            (Some(Displaced::Skip { len: 4 }), true)
        );
        assert_eq!(
            plan(&[0x48, 0x89, 0xe5], VirtAddr::new(0)),
            (
                Some(Displaced::Move {
                    dst: Reg::Rbp,
                    src: Reg::Rsp,
                    len: 3
                }),
                true
            )
        );
        // sub rsp, 0x10 changes flags: stepped, and trusted.
        assert_eq!(
            plan(&[0x48, 0x83, 0xec, 0x10], VirtAddr::new(0)),
            (None, true)
        );
        // push qword [rax]: memory operand, stepped.
        assert_eq!(plan(&[0xff, 0x30], VirtAddr::new(0)), (None, true));
        // int3 under a breakpoint: stepped, and its SIGTRAP must be classified.
        assert_eq!(plan(&[0xcc], VirtAddr::new(0)), (None, false));
        assert_eq!(plan(&[0x06], VirtAddr::new(0)), (None, false));
    }
}
