//! What the evaluator asks of its caller: names, types, memory and registers of the selected
//! frame. The debugging session implements it over a stopped process; tests implement it
//! over plain bytes.

use crate::ast::{HistoryRef, Language};
use crate::error::{EvalError, Result};
use crate::types::TypeRc;
use crate::value::Value;

/// The source of everything an expression refers to.
pub trait Context {
    /// The language of the selected frame.
    fn language(&self) -> Language;

    /// A variable, function or enumerator visible from the selected frame (innermost scope
    /// first, then the file's statics, then globals). `Ok(None)` when nothing has the name.
    fn lookup(&mut self, name: &str) -> Result<Option<Value>>;

    /// A type by name: `int`, `struct point` (also `point` where the language allows), a
    /// typedef, a Rust path. `Ok(None)` when nothing has the name; the evaluator knows the
    /// built-in C and Rust types itself.
    fn lookup_type(&mut self, name: &str) -> Result<Option<TypeRc>>;

    /// The type behind a [`crate::Type::Lazy`] handle.
    fn resolve_type(&mut self, id: u64) -> Result<TypeRc>;

    /// A register of the selected frame as a value (`rax`, `pc`, `sp`, `eflags`, `xmm0`),
    /// with a [`crate::Place::Register`] place so that it can be assigned. `Ok(None)` when
    /// no register has the name.
    fn register(&mut self, name: &str) -> Result<Option<Value>>;

    /// `len` bytes of memory at `address`: all of them, or [`EvalError::Memory`].
    fn read_memory(&mut self, address: u64, len: usize) -> Result<Vec<u8>>;

    /// Write `bytes` at `address`, all or nothing.
    fn write_memory(&mut self, address: u64, bytes: &[u8]) -> Result<()>;

    /// The bytes of register `number` (DWARF numbering) in the selected frame,
    /// little-endian: 8 for general registers, 16 for `xmm`.
    fn read_register(&mut self, number: u16) -> Result<Vec<u8>>;

    /// Write register `number` of the selected frame.
    fn write_register(&mut self, number: u16, bytes: &[u8]) -> Result<()>;

    /// The symbol an address is in, and the offset into it, for `0x... <name+off>`.
    fn symbolize(&mut self, address: u64) -> Option<(String, u64)>;

    /// A value from the value history.
    fn history(&mut self, which: HistoryRef) -> Result<Value> {
        Err(EvalError::NoHistory(match which {
            HistoryRef::Absolute(n) => format!("${n}"),
            HistoryRef::Relative(n) => format!("$$${n}"),
        }))
    }
}
