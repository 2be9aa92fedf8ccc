//! Executing the instruction under a breakpoint without single-stepping it.
//!
//! Resuming from a breakpoint means running the original instruction the `int3` replaced. The
//! general way is to lift the `int3`, single-step, and put it back: two stops of the tracee,
//! with every other thread held. Two ways avoid that:
//!
//! - Emulation: the instructions that usually sit at a function's entry — `push reg`,
//!   `endbr64`, `nop`, `mov rbp, rsp` — touch no flags and at most one stack slot, and the
//!   direct control transfers (`jmp`, `jcc`, `call rel32`, `call [rip+x]`, `call reg`) and
//!   `ret` only move the pc (and push or pop a return address): dbg carries out their effect
//!   itself (registers through the process's register cache, a stack word through
//!   `/proc/PID/mem`) and the tracee never stops for them.
//! - Out-of-line execution (`crate::scratch`): most other instructions are copied, relocated,
//!   into a scratch area of the tracee followed by a jump back; the thread resumes at the
//!   copy. [`plan`] says whether an instruction may run there ([`Plan::relocatable`]): not when
//!   it reads its own address implicitly (a `call` pushes it, `syscall` saves it in `rcx` and
//!   is restarted at it, `loop`/`jrcxz` branch relative to it) or traps.
//!
//! [`Plan::relocatable`]: crate::Plan::relocatable

use dbg_process::{Process, Reg, RegValue};
use dbg_sys::VirtAddr;
use iced_x86::{
    Code, ConditionCode, Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind,
    Register,
};

use crate::access::Memory;
use crate::error::Result;
use crate::sites::Plan;

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
    /// `jmp rel8/rel32`: the pc moves to `target`.
    Jump {
        /// Where to.
        target: u64,
    },
    /// `jcc rel8/rel32`: to `target` when `condition` holds over `rflags`, else on.
    Branch {
        /// The condition.
        condition: ConditionCode,
        /// Where to when it holds.
        target: u64,
        /// Instruction length.
        len: u8,
    },
    /// `call rel32`: push the return address, jump to `target`.
    Call {
        /// The callee.
        target: u64,
        /// Instruction length.
        len: u8,
    },
    /// `call qword [rip+x]` (the address of the pointer is known), or `call reg`.
    CallIndirect {
        /// Where the callee's address comes from.
        callee: Callee,
        /// Instruction length.
        len: u8,
    },
    /// `ret` (near, 64-bit): the pc comes off the stack.
    Return,
}

/// Where an indirect call finds its callee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callee {
    /// The eight bytes at this address.
    Pointer(u64),
    /// This register's value.
    Register(Reg),
}

/// How an instruction can be run in place of the tracee, decided once per site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// Carried out by dbg (no stop at all).
    pub displaced: Option<Displaced>,
    /// Whether a SIGTRAP after single-stepping it is the step.
    pub trusted_step: bool,
    /// The decoded instruction, when it may run at another address (relocated).
    pub relocatable: Option<Instruction>,
}

/// What running the instruction at the start of `code` (at `address`) needs: whether dbg can
/// carry it out itself, whether single-stepping may trust a SIGTRAP to be the step (false for
/// `int3`, `int1`, `into` and undecodable bytes), and whether it may run out of line.
pub fn plan(code: &[u8], address: VirtAddr) -> Planned {
    let mut decoder = Decoder::with_ip(64, code, address.get(), DecoderOptions::NONE);
    let instruction = decoder.decode();
    if instruction.is_invalid() {
        return Planned {
            displaced: None,
            trusted_step: false,
            relocatable: None,
        };
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
        // An operand-size prefix makes it pop two bytes on AMD processors (Intel's ignore it).
        Mnemonic::Ret
            if instruction.code() == Code::Retnq
                && !code.iter().take(usize::from(len)).any(|b| *b == 0x66) =>
        {
            Some(Displaced::Return)
        }
        _ => control_transfer(&instruction, len),
    };
    Planned {
        displaced,
        trusted_step: !traps,
        relocatable: relocatable(&instruction).then_some(instruction),
    }
}

/// What [`plan`] says of the instruction at the start of `code`, decided from its bytes alone
/// for the few encodings that open most functions or end the dynamic linker's rendezvous
/// function (`push reg`, `mov rbp, rsp`, `nop`, `endbr64`, `ret`, `int3`); `None` for any
/// other. The first decoding builds the decoder's tables (several hundred KiB of heap and of
/// the binary's pages, a million instructions): a session whose sites are only such
/// instructions, as a gdb remote session's often are (gdb steps over its own breakpoints),
/// never pays for it. [`plan`] is the reference (see the tests).
pub fn quick_plan(code: &[u8]) -> Option<Plan> {
    let plain = |displaced| Plan {
        displaced: Some(displaced),
        trusted_step: true,
        relocatable: true,
    };
    // The registers `push` encodes in its low three bits, then the same with REX.B.
    const ENCODED: [Reg; 16] = [
        Reg::Rax,
        Reg::Rcx,
        Reg::Rdx,
        Reg::Rbx,
        Reg::Rsp,
        Reg::Rbp,
        Reg::Rsi,
        Reg::Rdi,
        Reg::R8,
        Reg::R9,
        Reg::R10,
        Reg::R11,
        Reg::R12,
        Reg::R13,
        Reg::R14,
        Reg::R15,
    ];
    let register =
        |rex_b: usize, opcode: u8| ENCODED.get(rex_b * 8 + usize::from(opcode & 7)).copied();
    Some(match code {
        [opcode @ 0x50..=0x57, ..] => plain(Displaced::Push {
            reg: register(0, *opcode)?,
            len: 1,
        }),
        [0x41, opcode @ 0x50..=0x57, ..] => plain(Displaced::Push {
            reg: register(1, *opcode)?,
            len: 2,
        }),
        [0x48, 0x89, 0xe5, ..] => plain(Displaced::Move {
            dst: Reg::Rbp,
            src: Reg::Rsp,
            len: 3,
        }),
        [0x90, ..] => plain(Displaced::Skip { len: 1 }),
        [0xf3, 0x0f, 0x1e, 0xfa, ..] => plain(Displaced::Skip { len: 4 }),
        [0xc3, ..] => plain(Displaced::Return),
        [0xcc, ..] => Plan {
            displaced: None,
            trusted_step: false,
            relocatable: false,
        },
        _ => return None,
    })
}

/// The direct control transfers dbg carries out itself.
fn control_transfer(instruction: &Instruction, len: u8) -> Option<Displaced> {
    let target = instruction.near_branch_target();
    if instruction.is_jmp_short_or_near() {
        Some(Displaced::Jump { target })
    } else if instruction.is_jcc_short_or_near() {
        Some(Displaced::Branch {
            condition: instruction.condition_code(),
            target,
            len,
        })
    } else if instruction.is_call_near() {
        Some(Displaced::Call { target, len })
    } else if instruction.is_call_near_indirect() {
        let callee = match instruction.op0_kind() {
            OpKind::Register => Callee::Register(gpr64(instruction.op0_register())?),
            OpKind::Memory if instruction.is_ip_rel_memory_operand() => {
                Callee::Pointer(instruction.ip_rel_memory_address())
            }
            _ => return None,
        };
        Some(Displaced::CallIndirect { callee, len })
    } else {
        None
    }
}

/// Whether `instruction` does the same at another address, once its RIP-relative operand (if
/// any) is re-targeted: it must not read its own address implicitly (a call pushes it,
/// `syscall` leaves it in `rcx` and is restarted at it, relative branches other than `jmp` and
/// `jcc` — `loop`, `jrcxz`, `xbegin` — have no re-encodable far form here) nor trap.
fn relocatable(instruction: &Instruction) -> bool {
    let plain = match instruction.flow_control() {
        FlowControl::Next => true,
        FlowControl::Return => instruction.mnemonic() == Mnemonic::Ret,
        FlowControl::IndirectBranch => instruction.mnemonic() == Mnemonic::Jmp,
        _ => false,
    };
    plain
        && !matches!(
            instruction.mnemonic(),
            Mnemonic::Syscall
                | Mnemonic::Sysenter
                | Mnemonic::Int
                | Mnemonic::Int1
                | Mnemonic::Int3
                | Mnemonic::Into
                | Mnemonic::Ud0
                | Mnemonic::Ud1
                | Mnemonic::Ud2
                | Mnemonic::Hlt
        )
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
            Displaced::Jump { target } => write(process, Reg::Rip, target)?,
            Displaced::Branch {
                condition,
                target,
                len,
            } => {
                let flags = read(process, Reg::Eflags)?;
                let to = if holds(condition, flags) {
                    target
                } else {
                    next(len)
                };
                write(process, Reg::Rip, to)?;
            }
            Displaced::Call { target, len } => {
                if !push_return(process, memory, next(len))? {
                    return Ok(false);
                }
                write(process, Reg::Rip, target)?;
            }
            Displaced::CallIndirect { callee, len } => {
                let target = match callee {
                    Callee::Register(reg) => read(process, reg)?,
                    Callee::Pointer(at) => match memory.read_exact(VirtAddr::new(at), 8) {
                        Ok(bytes) => {
                            let mut word = [0u8; 8];
                            word.copy_from_slice(bytes.get(..8).unwrap_or(&[0; 8]));
                            u64::from_le_bytes(word)
                        }
                        // The tracee would fault here: let it, stepping for real.
                        Err(_) => return Ok(false),
                    },
                };
                if !push_return(process, memory, next(len))? {
                    return Ok(false);
                }
                write(process, Reg::Rip, target)?;
            }
            Displaced::Return => {
                let rsp = read(process, Reg::Rsp)?;
                // The tracee would fault here: let it, stepping for real.
                let Ok(bytes) = memory.read_exact(VirtAddr::new(rsp), 8) else {
                    return Ok(false);
                };
                let mut word = [0u8; 8];
                word.copy_from_slice(bytes.get(..8).unwrap_or(&[0; 8]));
                write(process, Reg::Rsp, rsp.wrapping_add(8))?;
                write(process, Reg::Rip, u64::from_le_bytes(word))?;
            }
        }
        Ok(true)
    })();
    // A register that cannot be read or written means the thread is gone or broken: the
    // process error says which (`is_gone` still sees a vanished tracee).
    Ok(outcome?)
}

/// Push `value` on the current thread's stack as a `call` does; false (nothing changed) when
/// the slot is not writable.
fn push_return(process: &mut Process, memory: &Memory, value: u64) -> dbg_process::Result<bool> {
    let rsp = process.read_register(Reg::Rsp)?.as_u64().wrapping_sub(8);
    if memory
        .poke(VirtAddr::new(rsp), &value.to_le_bytes())
        .is_err()
    {
        return Ok(false);
    }
    process.write_register(Reg::Rsp, RegValue::from_u64(rsp))?;
    Ok(true)
}

/// Whether the condition of a `jcc` holds over `rflags`.
pub fn holds(condition: ConditionCode, rflags: u64) -> bool {
    let flag = |bit: u32| rflags & (1 << bit) != 0;
    let (cf, pf, zf, sf, of) = (flag(0), flag(2), flag(6), flag(7), flag(11));
    match condition {
        ConditionCode::None => true,
        ConditionCode::o => of,
        ConditionCode::no => !of,
        ConditionCode::b => cf,
        ConditionCode::ae => !cf,
        ConditionCode::e => zf,
        ConditionCode::ne => !zf,
        ConditionCode::be => cf || zf,
        ConditionCode::a => !cf && !zf,
        ConditionCode::s => sf,
        ConditionCode::ns => !sf,
        ConditionCode::p => pf,
        ConditionCode::np => !pf,
        ConditionCode::l => sf != of,
        ConditionCode::ge => sf == of,
        ConditionCode::le => zf || sf != of,
        ConditionCode::g => !zf && sf == of,
    }
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

    fn old(code: &[u8], address: VirtAddr) -> (Option<Displaced>, bool) {
        let planned = plan(code, address);
        (planned.displaced, planned.trusted_step)
    }

    #[test]
    fn plans_for_prologue_instructions() {
        assert_eq!(
            old(&[0x55], VirtAddr::new(0)),
            (
                Some(Displaced::Push {
                    reg: Reg::Rbp,
                    len: 1
                }),
                true
            )
        );
        assert_eq!(
            old(&[0x41, 0x57], VirtAddr::new(0)),
            (
                Some(Displaced::Push {
                    reg: Reg::R15,
                    len: 2
                }),
                true
            )
        );
        assert_eq!(
            old(&[0xf3, 0x0f, 0x1e, 0xfa], VirtAddr::new(0)),
            (Some(Displaced::Skip { len: 4 }), true)
        );
        assert_eq!(
            old(&[0x48, 0x89, 0xe5], VirtAddr::new(0)),
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
            old(&[0x48, 0x83, 0xec, 0x10], VirtAddr::new(0)),
            (None, true)
        );
        // push qword [rax]: memory operand, stepped.
        assert_eq!(old(&[0xff, 0x30], VirtAddr::new(0)), (None, true));
        // int3 under a breakpoint: stepped, and its SIGTRAP must be classified.
        assert_eq!(old(&[0xcc], VirtAddr::new(0)), (None, false));
        assert_eq!(old(&[0x06], VirtAddr::new(0)), (None, false));
    }

    #[test]
    fn plans_for_control_transfers() {
        let at = VirtAddr::new(0x1000);
        // jmp rel8 +0x10, je rel8 +0x10, call rel32 +0x100
        assert_eq!(
            old(&[0xeb, 0x10], at).0,
            Some(Displaced::Jump { target: 0x1012 })
        );
        assert_eq!(
            old(&[0x74, 0x10], at).0,
            Some(Displaced::Branch {
                condition: ConditionCode::e,
                target: 0x1012,
                len: 2
            })
        );
        assert_eq!(
            old(&[0xe8, 0x00, 0x01, 0x00, 0x00], at).0,
            Some(Displaced::Call {
                target: 0x1105,
                len: 5
            })
        );
        // call qword [rip+0x20]
        assert_eq!(
            old(&[0xff, 0x15, 0x20, 0x00, 0x00, 0x00], at).0,
            Some(Displaced::CallIndirect {
                callee: Callee::Pointer(0x1026),
                len: 6
            })
        );
        // call rax
        assert_eq!(
            old(&[0xff, 0xd0], at).0,
            Some(Displaced::CallIndirect {
                callee: Callee::Register(Reg::Rax),
                len: 2
            })
        );
        // call qword [rax+8]: neither emulated nor relocatable (it pushes its own address).
        let planned = plan(&[0xff, 0x50, 0x08], at);
        assert_eq!(planned.displaced, None);
        assert!(planned.relocatable.is_none());
    }

    #[test]
    fn relocatable_instructions() {
        let at = VirtAddr::new(0x1000);
        let relocatable = |code: &[u8]| plan(code, at).relocatable.is_some();
        // mov rax, [rip+0x10]; lea rdi, [rip+0x10]; ret; jmp [rip+0]; lock cmpxchg [rip+0], ecx
        assert!(relocatable(&[0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00]));
        assert!(relocatable(&[0x48, 0x8d, 0x3d, 0x10, 0x00, 0x00, 0x00]));
        assert!(relocatable(&[0xc3]));
        assert!(relocatable(&[0xff, 0x25, 0x00, 0x00, 0x00, 0x00]));
        assert!(relocatable(&[
            0xf0, 0x0f, 0xb1, 0x0d, 0x00, 0x00, 0x00, 0x00
        ]));
        // syscall, loop, int3, call rel32, ud2: not.
        assert!(!relocatable(&[0x0f, 0x05]));
        assert!(!relocatable(&[0xe2, 0xfe]));
        assert!(!relocatable(&[0xcc]));
        assert!(!relocatable(&[0xe8, 0, 0, 0, 0]));
        assert!(!relocatable(&[0x0f, 0x0b]));
    }

    #[test]
    fn ret_is_emulated_but_not_its_16_bit_or_immediate_forms() {
        let at = VirtAddr::new(0x1000);
        assert_eq!(old(&[0xc3], at).0, Some(Displaced::Return));
        // bnd ret, rep ret: the same return.
        assert_eq!(old(&[0xf2, 0xc3], at).0, Some(Displaced::Return));
        assert_eq!(old(&[0xf3, 0xc3], at).0, Some(Displaced::Return));
        // ret 8 pops more; o16 ret pops two bytes on AMD's processors.
        assert_eq!(old(&[0xc2, 0x08, 0x00], at).0, None);
        assert_eq!(old(&[0x66, 0xc3], at).0, None);
    }

    /// The quick plan is the decoder's, for every instruction it answers: each first byte
    /// (and the two-byte forms it knows) followed by several tails.
    #[test]
    fn the_quick_plan_agrees_with_the_decoder() {
        let at = VirtAddr::new(0x7f00_0000_1000);
        let tails: [&[u8]; 4] = [
            &[0; 14],
            &[0xff; 14],
            &[
                0x0f, 0x1e, 0xfa, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
            ],
            &[
                0x89, 0xe5, 0x48, 0x89, 0xe5, 0xc3, 0xcc, 0x55, 0x41, 0x57, 0x90, 0x90, 0x90, 0x90,
            ],
        ];
        let mut answered = 0;
        for first in 0..=u8::MAX {
            for second in [None, Some(0x50u8), Some(0x57), Some(0x89), Some(0x0f)] {
                for tail in tails {
                    let mut code = vec![first];
                    code.extend(second);
                    code.extend_from_slice(tail);
                    code.truncate(15);
                    let Some(quick) = quick_plan(&code) else {
                        continue;
                    };
                    answered += 1;
                    let full = plan(&code, at);
                    assert_eq!(
                        (quick.displaced, quick.trusted_step, quick.relocatable),
                        (
                            full.displaced,
                            full.trusted_step,
                            full.relocatable.is_some()
                        ),
                        "{code:02x?}"
                    );
                }
            }
        }
        // push ×16, mov rbp, rsp, nop, endbr64, ret, int3 (each over several tails).
        assert!(answered > 100, "only {answered} answered");
    }

    #[test]
    fn conditions_over_flags() {
        const CF: u64 = 1;
        const ZF: u64 = 1 << 6;
        const SF: u64 = 1 << 7;
        const OF: u64 = 1 << 11;
        assert!(holds(ConditionCode::e, ZF));
        assert!(!holds(ConditionCode::ne, ZF));
        assert!(holds(ConditionCode::be, CF));
        assert!(!holds(ConditionCode::a, CF));
        assert!(holds(ConditionCode::a, 0));
        assert!(holds(ConditionCode::l, SF));
        assert!(!holds(ConditionCode::l, SF | OF));
        assert!(holds(ConditionCode::ge, SF | OF));
        assert!(holds(ConditionCode::le, ZF | SF | OF));
        assert!(!holds(ConditionCode::g, ZF));
        assert!(holds(ConditionCode::g, OF | SF));
    }
}
