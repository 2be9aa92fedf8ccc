//! The value a function returned, found where the System V x86-64 ABI puts it: integers and
//! pointers in rax (rax:rdx for 16 bytes), floats in xmm0, `long double` in st0, a struct or
//! union of up to 16 bytes split into eightbytes classed INTEGER (rax, then rdx) or SSE
//! (xmm0, then xmm1), and anything larger in memory the caller provided, whose address
//! comes back in rax.

use std::sync::Arc;

use dbg_expr::{Place, Type, TypeRc, Value};
use dbg_process::Reg;

use super::Session;
use crate::error::Result;

/// How deep a struct's members are flattened to class its eightbytes.
const MAX_DEPTH: u32 = 8;

/// The ABI class of one eightbyte of a small aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Nothing in it (padding).
    None,
    /// Integers or pointers: a general register.
    Integer,
    /// Only floats and doubles: an SSE register.
    Sse,
    /// Something the registers cannot carry (long double): in memory.
    Memory,
}

impl Class {
    fn merge(self, other: Class) -> Class {
        match (self, other) {
            (Class::None, other) | (other, Class::None) => other,
            (Class::Memory, _) | (_, Class::Memory) => Class::Memory,
            (Class::Integer, _) | (_, Class::Integer) => Class::Integer,
            (Class::Sse, Class::Sse) => Class::Sse,
        }
    }
}

impl Session {
    /// The value of type `ty` the function that just returned left for its caller, read from
    /// the current thread's registers (and memory, for a large aggregate). `None` for `void`.
    pub(super) fn returned_value(&mut self, ty: &TypeRc) -> Result<Option<Value>> {
        let resolved = {
            let mut ctx = self.innermost_context()?;
            dbg_expr::stripped(&mut ctx, ty)?
        };
        let size = resolved.size().unwrap_or(0);
        let register = |session: &mut Session, reg: Reg| -> Result<Vec<u8>> {
            Ok(session
                .guard(|process| process.read_register(reg))?
                .bytes()
                .to_vec())
        };
        let bytes = match resolved.as_ref() {
            Type::Void => return Ok(None),
            Type::Float { size: 4 | 8, .. } => register(self, Reg::Xmm0)?,
            Type::Float { .. } => {
                let mut bytes = register(self, Reg::St0)?;
                bytes.resize(16, 0);
                bytes
            }
            Type::Struct(_) | Type::Array { .. } if size > 16 => {
                let rax = self
                    .guard(|process| process.read_register(Reg::Rax))?
                    .as_u64();
                return Ok(Some(Value::at(ty.clone(), rax)));
            }
            Type::Struct(_) => {
                let mut classes = [Class::None; 2];
                self.classify(&resolved, 0, &mut classes, 0)?;
                if classes.contains(&Class::Memory) {
                    let rax = self
                        .guard(|process| process.read_register(Reg::Rax))?
                        .as_u64();
                    return Ok(Some(Value::at(ty.clone(), rax)));
                }
                let (mut integers, mut sses) = (
                    [Reg::Rax, Reg::Rdx].into_iter(),
                    [Reg::Xmm0, Reg::Xmm1].into_iter(),
                );
                let mut bytes = Vec::with_capacity(16);
                for class in classes.iter().take(size.div_ceil(8) as usize) {
                    let reg = match class {
                        Class::Sse => sses.next(),
                        _ => integers.next(),
                    };
                    let mut word = match reg {
                        Some(reg) => register(self, reg)?,
                        None => Vec::new(),
                    };
                    word.resize(8, 0);
                    bytes.extend_from_slice(word.get(..8).unwrap_or_default());
                }
                bytes
            }
            _ if size > 8 => {
                let mut bytes = register(self, Reg::Rax)?;
                bytes.truncate(8);
                bytes.extend_from_slice(register(self, Reg::Rdx)?.get(..8).unwrap_or_default());
                bytes
            }
            _ => register(self, Reg::Rax)?,
        };
        let mut bytes = bytes;
        bytes.resize(size.max(1) as usize, 0);
        bytes.truncate(size as usize);
        Ok(Some(Value {
            ty: ty.clone(),
            place: Place::Bytes(Arc::from(bytes)),
            bits: None,
        }))
    }

    /// Class the eightbytes of `ty` at `offset` bytes into the returned aggregate.
    fn classify(
        &mut self,
        ty: &TypeRc,
        offset: u64,
        classes: &mut [Class; 2],
        depth: u32,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            classes.fill(Class::Memory);
            return Ok(());
        }
        let ty = {
            let mut ctx = self.innermost_context()?;
            dbg_expr::stripped(&mut ctx, ty)?
        };
        let mut mark = |at: u64, class: Class| {
            if let Some(slot) = classes.get_mut((at / 8) as usize) {
                *slot = slot.merge(class);
            }
        };
        match ty.as_ref() {
            Type::Struct(s) => {
                for field in &s.fields {
                    self.classify(&field.ty, offset + field.offset, classes, depth + 1)?;
                }
            }
            Type::Array { element, count } => {
                let size = element.size().unwrap_or(0).max(1);
                for i in 0..count.unwrap_or(0).min(16) {
                    self.classify(element, offset + i * size, classes, depth + 1)?;
                }
            }
            Type::Float { size: 4 | 8, .. } => mark(offset, Class::Sse),
            Type::Float { .. } => {
                mark(offset, Class::Memory);
            }
            _ => mark(offset, Class::Integer),
        }
        Ok(())
    }
}
