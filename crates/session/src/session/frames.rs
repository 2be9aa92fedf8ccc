//! The call stack: frames unwound with the binaries' call-frame information (frame pointers
//! where a binary has none), inlined functions as frames of their own, and the selected
//! frame that `up`, `down`, `frame` and `register read` work on.

use dbg_process::{Process, Reg, RegClass, RegValue};
use dbg_symbols::{UnwindRegs, RIP, RSP};
use dbg_sys::VirtAddr;

use super::Session;
use crate::error::{Error, Result};
use crate::images::CodePlace;

/// The most frames a backtrace walks (a corrupt stack must not loop forever).
const MAX_FRAMES: usize = 1024;

/// The registers unwinding tracks, by DWARF number (rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5,
/// rbp 6, rsp 7, r8–r15 8–15, rip 16).
pub(crate) const DWARF_REGS: [Reg; 17] = [
    Reg::Rax,
    Reg::Rdx,
    Reg::Rcx,
    Reg::Rbx,
    Reg::Rsi,
    Reg::Rdi,
    Reg::Rbp,
    Reg::Rsp,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
    Reg::R12,
    Reg::R13,
    Reg::R14,
    Reg::R15,
    Reg::Rip,
];

/// One frame of the call stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Its number: 0 is the innermost.
    pub index: usize,
    /// Where it is: the pc (frame 0) or the address it returns to.
    pub pc: VirtAddr,
    /// Function and source position (for a caller, the line of the call).
    pub place: Option<CodePlace>,
    /// A function inlined into the frame above it (they share registers).
    pub inlined: bool,
    /// The canonical frame address (the stack pointer before the call into this frame),
    /// which identifies the frame while it lives.
    pub cfa: Option<VirtAddr>,
    /// The registers unwinding recovered for it (DWARF numbering).
    pub(crate) regs: UnwindRegs,
}

impl Frame {
    /// The frame's value of a general register or a view of one (`ebx`, `bl`), when
    /// unwinding recovered the 64-bit register it is part of.
    pub fn register(&self, reg: Reg) -> Option<u64> {
        let info = reg.info();
        if !matches!(info.class, RegClass::Gpr | RegClass::SubGpr) {
            return None;
        }
        let (n, parent) = DWARF_REGS.iter().enumerate().find(|(_, parent)| {
            let whole = parent.info();
            whole.offset <= info.offset && info.offset < whole.offset + 8
        })?;
        let value = self.regs.get(n)?;
        let shift = (info.offset - parent.info().offset) * 8;
        let mask = match info.size {
            8.. => u64::MAX,
            size => (1u64 << (size * 8)) - 1,
        };
        Some((value >> shift) & mask)
    }
}

impl Session {
    /// The call stack of the current thread, innermost first, ending at `main` (as gdb's
    /// does) or where unwinding can go no further.
    pub fn backtrace(&mut self) -> Result<Vec<Frame>> {
        self.ensure_stopped()?;
        if let Some(frames) = &self.frames {
            return Ok(frames.clone());
        }
        let mut regs = UnwindRegs::default();
        for (n, reg) in DWARF_REGS.iter().enumerate() {
            let value = self.guard(|process| process.read_register(*reg))?.as_u64();
            regs.set(n, Some(value));
        }
        let pid = self.pid();
        let mut frames: Vec<Frame> = Vec::new();
        let mut physical = 0usize;
        while frames.len() < MAX_FRAMES {
            let Some(pc) = regs.pc().map(VirtAddr::new) else {
                break;
            };
            let caller = physical > 0;
            let places = self.images.logical_frames(pid, pc, caller);
            let unwound = self.unwind_one(&regs, pc, caller);
            let cfa = unwound.map(|(cfa, _)| VirtAddr::new(cfa));
            let count = places.len().max(1);
            let mut reached_main = false;
            for index in 0..count {
                let place = places.get(index).cloned();
                reached_main |= index + 1 == count
                    && place.as_ref().and_then(|p| p.function.as_deref()) == Some("main");
                frames.push(Frame {
                    index: frames.len(),
                    pc,
                    place,
                    inlined: index + 1 < count,
                    cfa,
                    regs,
                });
            }
            if reached_main {
                break;
            }
            let Some((_, next)) = unwound else { break };
            // The stack grows down: a caller's frame is above ours, or the walk is lost.
            let progressed = matches!((next.sp(), regs.sp()), (Some(new), Some(old)) if new > old);
            if !progressed || next.pc().is_none_or(|pc| pc == 0) {
                break;
            }
            regs = next;
            physical += 1;
        }
        // At an inlined function's call site, its frames are not entered yet (as in gdb).
        let skip = self.inline_skip.min(frames.len().saturating_sub(1));
        let frames: Vec<Frame> = frames
            .into_iter()
            .skip(skip)
            .enumerate()
            .map(|(index, frame)| Frame { index, ..frame })
            .collect();
        self.frames = Some(frames.clone());
        Ok(frames)
    }

    /// The current thread's innermost frame, its CFA from one step of unwinding: all a
    /// value in it needs, without walking the stack (the unwound stack when it is known).
    pub(crate) fn innermost_frame(&mut self) -> Result<Frame> {
        self.ensure_stopped()?;
        if let Some(frame) = self.frames.as_ref().and_then(|frames| frames.first()) {
            if !frame.inlined {
                return Ok(frame.clone());
            }
        }
        let mut regs = UnwindRegs::default();
        for (n, reg) in DWARF_REGS.iter().enumerate() {
            let value = self.guard(|process| process.read_register(*reg))?.as_u64();
            regs.set(n, Some(value));
        }
        let pc = VirtAddr::new(regs.pc().unwrap_or(0));
        let cfa = self
            .unwind_one(&regs, pc, false)
            .map(|(cfa, _)| VirtAddr::new(cfa));
        Ok(Frame {
            index: 0,
            pc,
            place: None,
            inlined: false,
            cfa,
            regs,
        })
    }

    /// Unwind one physical frame at `pc` (a return address when `caller`): its CFA and its
    /// caller's registers. With CFI when the binary has it for the pc, else by the
    /// frame-pointer chain.
    fn unwind_one(
        &mut self,
        regs: &UnwindRegs,
        pc: VirtAddr,
        caller: bool,
    ) -> Option<(u64, UnwindRegs)> {
        let pid = self.pid();
        let memory = &self.memory;
        let mut read = |address: u64| -> Option<u64> {
            let bytes = memory.read(VirtAddr::new(address), 8).ok()?.bytes;
            Some(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?))
        };
        // A return address may be one past its function's end (a call to a function that
        // does not return): the call before it decides the binary.
        let lookup = pc.wrapping_sub(u64::from(caller));
        if let Some((image, module)) = self.images.module_at(pid, lookup) {
            let file_pc = image.bias.to_file(pc);
            if let Ok(Some(unwound)) = module.unwind(regs, file_pc, caller, &mut read) {
                return Some((unwound.cfa, unwound.caller));
            }
        }
        // No CFI: rbp points at the saved rbp, with the return address above it.
        let rbp = regs.get(dbg_symbols::RBP)?;
        let saved_rbp = read(rbp)?;
        let return_address = read(rbp.checked_add(8)?)?;
        let cfa = rbp.checked_add(16)?;
        let mut next = *regs;
        next.set(RIP, Some(return_address));
        next.set(RSP, Some(cfa));
        next.set(dbg_symbols::RBP, Some(saved_rbp));
        Some((cfa, next))
    }

    /// The frame `up`, `down`, `register read` and `finish` apply to.
    pub fn selected_frame(&mut self) -> Result<Frame> {
        let index = self.selected_frame;
        let frames = self.backtrace()?;
        frames
            .get(index)
            .or_else(|| frames.first())
            .cloned()
            .ok_or(Error::NoFrames)
    }

    /// Select frame `index` (0 is the innermost).
    pub fn select_frame(&mut self, index: usize) -> Result<Frame> {
        let frames = self.backtrace()?;
        let frame = frames.get(index).cloned().ok_or(Error::NoFrame {
            index,
            count: frames.len(),
        })?;
        self.selected_frame = index;
        Ok(frame)
    }

    /// Move the selection `count` frames towards the callers (`up`) or the callees.
    pub fn move_frame(&mut self, up: bool, count: u64) -> Result<Frame> {
        let frames = self.backtrace()?;
        let current = self.selected_frame;
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let target = if up {
            if current + 1 >= frames.len() {
                return Err(Error::OutermostFrame);
            }
            current.saturating_add(count).min(frames.len() - 1)
        } else {
            if current == 0 {
                return Err(Error::InnermostFrame);
            }
            current.saturating_sub(count)
        };
        self.select_frame(target)
    }

    /// Registers as the selected frame sees them: for an outer frame, the pc, stack pointer,
    /// frame pointer and callee-saved registers unwinding recovered (the rest as in the
    /// innermost frame, as gdb shows them).
    pub(crate) fn frame_register(&mut self, reg: Reg) -> Result<RegValue> {
        let value = self.guard(|process| process.read_register(reg))?;
        if self.selected_frame == 0 {
            return Ok(value);
        }
        let frame = self.selected_frame()?;
        match frame.register(reg) {
            Some(unwound) => {
                Ok(RegValue::from_u128(u128::from(unwound), reg.info().size).unwrap_or(value))
            }
            None => Ok(value),
        }
    }

    /// Forget the unwound stack (the thread ran, or another was selected).
    pub(crate) fn forget_frames(&mut self) {
        self.frames = None;
        self.selected_frame = 0;
    }

    /// The pc of the current thread.
    pub(crate) fn current_pc(&mut self) -> Result<VirtAddr> {
        self.guard(Process::pc)
    }
}
