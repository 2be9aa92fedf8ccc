//! Symbols and debug information of ELF binaries, for a debugger: ELF symbols (demangled Rust
//! and C++ names), DWARF line tables and functions (through gimli and addr2line), and
//! call-frame information for unwinding.
//!
//! The crate is pure: it never touches a process. It is given a binary's bytes (a memory map,
//! typically) and answers in the binary's own addresses; the caller adds the load bias. It is
//! lazy: [`Module::parse`] reads the ELF header and section table only, and each table is read
//! the first time a question needs it, so a large debug binary opens in microseconds.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bytes = std::fs::read("/bin/true")?;
//! let module = dbg_symbols::Module::parse(Box::new(bytes))?;
//! for symbol in module.symbols_named("main") {
//!     println!("{} at {:#x}", symbol.name, symbol.address);
//! }
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod addr;
mod cfi;
mod demangle;
mod dwarf;
mod error;
mod module;
mod symtab;

pub use addr::FileAddr;
pub use cfi::{UnwindRegs, Unwound, RBP, RIP, RSP, UNWIND_REGISTERS};
pub use demangle::{demangle, matches as name_matches};
pub use dwarf::{
    Aggregate, AggregateKind, BaseEncoding, FrameInfo, FunctionScope, LocationContext,
    LocationExpr, LocationList, Member, Piece, Place, SourceLanguage, SourceLine, TypeDesc,
    TypeRef, ValueType, VarLocation, Variable, Variant, VariantPart,
};
pub use error::{Error, Result};
pub use module::{Bytes, Function, Kind, LineLookup, Module};
pub use symtab::Symbol;

/// Every question this crate answers, asked of arbitrary bytes: what the fuzz target and the
/// corrupt-input tests run (errors are fine, panics are bugs).
#[doc(hidden)]
pub fn ask_everything(bytes: &[u8]) {
    let Ok(module) = Module::parse(Box::new(bytes.to_vec())) else {
        return;
    };
    let entry = module.entry();
    let _ = module.kind();
    let _ = module.base_address();
    let _ = module.symbols_named("main");
    let _ = module.symbol_at(entry);
    let _ = module.similar_names("mian", 3);
    let _ = module.breakpoint_addresses("main");
    let _ = module.breakpoint_addresses("leaf");
    let _ = module.line_at(entry);
    let _ = module.is_statement_start(entry);
    let _ = module.frames_at(entry);
    let _ = module.line_addresses("nested.c", 20);
    let _ = module.source_files();
    let _ = module.return_type(entry);
    let _ = module.unit_count();
    let _ = module.section_at(entry);
    let mut regs = UnwindRegs::default();
    regs.set(RIP, Some(entry.get()));
    regs.set(RSP, Some(0x7fff_0000));
    for caller in [false, true] {
        let _ = module.unwind(&regs, entry, caller, &mut |address| Some(address ^ 0x5555));
    }
}

#[cfg(test)]
mod tests {
    /// Compiles only while a module can be handed to and shared between threads.
    #[test]
    fn module_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Module>();
        assert_send_sync::<crate::Bytes>();
    }
}
