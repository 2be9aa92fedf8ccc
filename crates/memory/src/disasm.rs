//! x86-64 disassembly in Intel syntax with iced-x86.

use dbg_sys::VirtAddr;
use iced_x86::{Decoder, DecoderOptions, FlowControl, Formatter, IntelFormatter, Mnemonic};

/// What an instruction does to the flow of control (what stepping over calls needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A call (`call`, whatever its prefixes).
    Call,
    /// A return (`ret`, `bnd ret`, ...).
    Return,
    /// Anything else.
    Other,
}

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Its address.
    pub address: VirtAddr,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Intel-syntax text, e.g. `push rbp`; `(bad)` for bytes that do not decode.
    pub text: String,
    /// Whether it calls, returns, or neither.
    pub flow: Flow,
    /// The address of its RIP-relative memory operand, if it has one (`jmp [rip+0x2fe2]`
    /// in a PLT stub: the GOT slot).
    pub memory_target: Option<VirtAddr>,
}

/// What the one instruction at the start of `code` (read at `address`) does to the flow of
/// control, and its length; decoded without formatting it (stepping asks at every
/// instruction). `None` when the bytes do not decode.
pub fn flow_of(code: &[u8], address: VirtAddr) -> Option<(Flow, usize)> {
    let mut decoder = Decoder::with_ip(64, code, address.get(), DecoderOptions::NONE);
    let instruction = decoder.decode();
    if instruction.is_invalid() {
        return None;
    }
    let flow = match instruction.flow_control() {
        FlowControl::Call | FlowControl::IndirectCall => Flow::Call,
        FlowControl::Return => Flow::Return,
        _ => Flow::Other,
    };
    Some((flow, instruction.len()))
}

/// How far straight-line code at the start of `code` (read at `address`) runs: the address
/// of the first instruction that may not fall through to the next one (a jump, call,
/// return, system call, interrupt, or bytes that do not decode), or else of the last
/// instruction that ends within `code`; and how many instructions come before it. A thread
/// at `address` that runs without a signal reaches that address, having executed exactly
/// those instructions: a source step can run there instead of stepping each one.
pub fn straight_run(code: &[u8], address: VirtAddr) -> (VirtAddr, usize) {
    let mut decoder = Decoder::with_ip(64, code, address.get(), DecoderOptions::NONE);
    let end = address.get().saturating_add(code.len() as u64);
    let mut before = 0;
    let mut at = address.get();
    while decoder.can_decode() {
        let instruction = decoder.decode();
        at = instruction.ip();
        let falls_through = !instruction.is_invalid()
            && instruction.flow_control() == FlowControl::Next
            && !matches!(
                instruction.mnemonic(),
                Mnemonic::Syscall | Mnemonic::Sysenter | Mnemonic::Hlt
            );
        if !falls_through || instruction.next_ip() >= end {
            break;
        }
        before += 1;
        at = instruction.next_ip();
    }
    (VirtAddr::new(at), before)
}

/// Whether the one instruction at the start of `code` (read at `address`) may raise a
/// SIGTRAP of its own or change how the next one traps: `int3`, `int1`, `int n`, `syscall`
/// and `sysenter` (a call may signal the thread), `popf` and `iret` (they may set the trap
/// flag), or bytes that do not decode. Any other instruction, single-stepped, ends in a
/// SIGTRAP that can only be the completed step.
pub fn may_trap(code: &[u8], address: VirtAddr) -> bool {
    let mut decoder = Decoder::with_ip(64, code, address.get(), DecoderOptions::NONE);
    let instruction = decoder.decode();
    instruction.is_invalid()
        || matches!(
            instruction.flow_control(),
            FlowControl::Interrupt | FlowControl::Exception
        )
        || matches!(
            instruction.mnemonic(),
            Mnemonic::Int3
                | Mnemonic::Int1
                | Mnemonic::Int
                | Mnemonic::Into
                | Mnemonic::Syscall
                | Mnemonic::Sysenter
                | Mnemonic::Popf
                | Mnemonic::Popfq
                | Mnemonic::Iret
                | Mnemonic::Iretd
                | Mnemonic::Iretq
        )
}

/// [`may_trap`] for each instruction decoded one after the other from the start of `code`
/// (read at `address`): its address and whether it may trap. An instruction cut off by the
/// end of `code` is left out.
pub fn trap_map(code: &[u8], address: VirtAddr) -> Vec<(VirtAddr, bool)> {
    let mut decoder = Decoder::with_ip(64, code, address.get(), DecoderOptions::NONE);
    let mut out = Vec::new();
    while decoder.can_decode() {
        let start = decoder.position();
        let instruction = decoder.decode();
        if instruction.is_invalid() && decoder.position() >= code.len() {
            break;
        }
        let bytes = code.get(start..decoder.position()).unwrap_or(&[]);
        out.push((
            VirtAddr::new(instruction.ip()),
            may_trap(bytes, VirtAddr::new(instruction.ip())),
        ));
    }
    out
}

/// Decode up to `count` instructions from `code`, which was read at `address`. Stops early
/// only when the bytes run out (an instruction cut off by the end of `code` is not returned).
pub fn disassemble(code: &[u8], address: VirtAddr, count: usize) -> Vec<Instruction> {
    let address = address.get();
    let mut decoder = Decoder::with_ip(64, code, address, DecoderOptions::NONE);
    let mut formatter = IntelFormatter::new();
    formatter.options_mut().set_first_operand_char_index(0);
    formatter
        .options_mut()
        .set_space_after_operand_separator(true);
    formatter.options_mut().set_hex_prefix("0x");
    formatter.options_mut().set_hex_suffix("");
    formatter.options_mut().set_uppercase_hex(false);
    formatter.options_mut().set_branch_leading_zeros(false);
    let mut out = Vec::with_capacity(count);
    while out.len() < count && decoder.can_decode() {
        let instruction = decoder.decode();
        let start = (instruction.ip() - address) as usize;
        let mut bytes = code
            .get(start..start + instruction.len())
            .unwrap_or(&[])
            .to_vec();
        let flow = match instruction.flow_control() {
            FlowControl::Call | FlowControl::IndirectCall => Flow::Call,
            FlowControl::Return => Flow::Return,
            _ => Flow::Other,
        };
        let text = if instruction.is_invalid() {
            if decoder.last_error() == iced_x86::DecoderError::NoMoreBytes {
                break;
            }
            // Resynchronise one byte on, as objdump and gdb do.
            let next = start + 1;
            if decoder.set_position(next).is_err() {
                break;
            }
            decoder.set_ip(address + next as u64);
            bytes = code.get(start..next).unwrap_or(&[]).to_vec();
            "(bad)".to_string()
        } else {
            let mut text = String::new();
            formatter.format(&instruction, &mut text);
            text
        };
        let memory_target = (!instruction.is_invalid() && instruction.is_ip_rel_memory_operand())
            .then(|| VirtAddr::new(instruction.ip_rel_memory_address()));
        out.push(Instruction {
            address: VirtAddr::new(instruction.ip()),
            bytes,
            text,
            flow,
            memory_target,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_that_may_trap_by_themselves() {
        let at = VirtAddr::new(0x1000);
        for code in [
            &[0xcc][..],
            &[0xcd, 0x03],
            &[0xcd, 0x80],
            &[0xf1],
            &[0x0f, 0x05],
            &[0x0f, 0x34],
            &[0x9d],
            &[0x48, 0xcf],
            &[0x0f, 0x0b],
            &[0x48, 0x89],
            &[],
        ] {
            assert!(may_trap(code, at), "{code:x?}");
        }
        for code in [
            &[0x90][..],
            &[0x48, 0x89, 0xd8],
            &[0xe8, 0, 0, 0, 0],
            &[0xc3],
            &[0x9c],
        ] {
            assert!(!may_trap(code, at), "{code:x?}");
        }
        // nop; syscall; mov rax, rbx; then a cut-off instruction, left out.
        let map = trap_map(&[0x90, 0x0f, 0x05, 0x48, 0x89, 0xd8, 0x48, 0x89], at);
        let offsets: Vec<(u64, bool)> = map.iter().map(|(a, t)| (a.get() - 0x1000, *t)).collect();
        assert_eq!(offsets, [(0, false), (1, true), (3, false)]);
    }

    #[test]
    fn straight_runs_end_at_the_first_instruction_that_may_not_fall_through() {
        let at = |offset: u64| VirtAddr::new(0x1000 + offset);
        let run = |code: &[u8]| straight_run(code, at(0));
        // mov rax, rbx; add rax, 1; call rel32; nop
        let code = [
            0x48, 0x89, 0xd8, 0x48, 0x83, 0xc0, 0x01, 0xe8, 0, 0, 0, 0, 0x90,
        ];
        assert_eq!(run(&code), (at(7), 2));
        // nop; nop; nop: the last one is where the code ends.
        assert_eq!(run(&[0x90, 0x90, 0x90]), (at(2), 2));
        // jmp $; a conditional jump; ret; syscall; int3; bytes that do not decode.
        assert_eq!(run(&[0xeb, 0xfe]), (at(0), 0));
        assert_eq!(run(&[0x90, 0x7c, 0x02, 0x90]), (at(1), 1));
        assert_eq!(run(&[0x90, 0x90, 0xc3]), (at(2), 2));
        assert_eq!(run(&[0x90, 0x0f, 0x05, 0x90]), (at(1), 1));
        assert_eq!(run(&[0x90, 0xcc, 0x90]), (at(1), 1));
        assert_eq!(run(&[0x90, 0x0f, 0xff, 0x90]), (at(1), 1));
        // An instruction cut off by the end of the code is not run over.
        assert_eq!(run(&[0x90, 0x48, 0x89]), (at(1), 1));
        assert_eq!(run(&[]), (at(0), 0));
    }

    #[test]
    fn decodes_a_prologue_in_intel_syntax() {
        let code = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc3];
        let texts: Vec<String> = disassemble(&code, VirtAddr::new(0x1000), 10)
            .into_iter()
            .map(|i| i.text)
            .collect();
        assert_eq!(texts, ["push rbp", "mov rbp, rsp", "sub rsp, 0x10", "ret"]);
        let first = &disassemble(&code, VirtAddr::new(0x1000), 1)[0];
        assert_eq!(
            (first.address, first.bytes.as_slice()),
            (VirtAddr::new(0x1000), &[0x55u8][..])
        );
    }

    #[test]
    fn bad_and_truncated_bytes() {
        let bad = disassemble(&[0x06, 0x90], VirtAddr::new(0), 5);
        assert_eq!(
            bad.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["(bad)", "nop"]
        );
        // A mov with its immediate cut off is not returned.
        assert!(disassemble(&[0xb8, 0x01], VirtAddr::new(0), 5).is_empty());
    }
}
