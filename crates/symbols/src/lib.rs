//! Symbols and debug information of ELF binaries, for a debugger: ELF symbols (demangled Rust
//! and C++ names), DWARF line tables and functions (through gimli), and
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
mod reading;
mod symtab;

pub use addr::FileAddr;
pub use cfi::{UnwindRegs, Unwound, RBP, RIP, RSP, UNWIND_REGISTERS};
pub use demangle::{demangle, matches as name_matches};
pub use dwarf::{
    Access, Aggregate, AggregateKind, BaseEncoding, FrameInfo, FunctionScope, LocationContext,
    LocationExpr, LocationList, Member, Method, Piece, Place, SourceLanguage, SourceLine,
    StaticMember, TypeDesc, TypeRef, VarLocation, Variable, Variant, VariantPart,
};
pub use error::{Error, Result};
pub use module::{load_layout, Bytes, Function, Kind, LineLookup, Module, Release};
pub use reading::{Part, Progress, Reading};
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
    let _ = module.function_type(entry);
    let _ = module.unit_count();
    let _ = module.section_at(entry);
    let _ = module.build_id();
    let _ = module.debuglink();
    ask_about_values(&module, entry);
    let mut regs = UnwindRegs::default();
    regs.set(RIP, Some(entry.get()));
    regs.set(RSP, Some(0x7fff_0000));
    for caller in [false, true] {
        let _ = module.unwind(&regs, entry, caller, &mut |address| Some(address ^ 0x5555));
    }
}

/// A [`LocationContext`] that answers everything with made-up numbers.
struct AnyFrame;

impl LocationContext for AnyFrame {
    fn register(&mut self, number: u16) -> Option<u64> {
        (number < 17).then_some(0x7fff_0000 + u64::from(number))
    }
    fn read_memory(&mut self, address: u64, _size: u8) -> Option<u64> {
        Some(address ^ 0x5555)
    }
    fn cfa(&mut self) -> Option<u64> {
        Some(0x7fff_1000)
    }
    fn relocate(&mut self, address: FileAddr) -> u64 {
        address.get().wrapping_add(0x5555_0000)
    }
    fn tls_address(&mut self, offset: u64) -> Option<u64> {
        Some(offset.wrapping_add(0x7f00_0000))
    }
}

/// The variable and type questions of [`ask_everything`]: scopes at the entry and in
/// `main`, globals, type names, and each type found described and named.
fn ask_about_values(module: &Module, entry: FileAddr) {
    let mut pcs = vec![entry];
    pcs.extend(
        module
            .symbols_named("main")
            .iter()
            .map(|s| s.address.wrapping_add(8)),
    );
    pcs.extend(
        module
            .symbols_named("show_values")
            .iter()
            .map(|s| s.address.wrapping_add(40)),
    );
    let mut types = Vec::new();
    for pc in pcs {
        let Ok(scopes) = module.scopes_at(pc) else {
            continue;
        };
        for scope in &scopes {
            for variable in scope.blocks.iter().flatten() {
                let _ = module.locate(variable, Some(scope), pc, &mut AnyFrame);
                types.extend(variable.ty);
            }
        }
    }
    for name in ["global_counter", "thread_value", "ns::x", "finished"] {
        if let Ok(globals) = module.global_variables(name, Some(entry)) {
            for variable in &globals {
                let _ = module.locate(variable, None, entry, &mut AnyFrame);
                types.extend(variable.ty);
            }
        }
    }
    for name in [
        "int",
        "unsigned long",
        "struct point",
        "point_t",
        "enum color",
        "char *",
    ] {
        if let Ok(Some(ty)) = module.type_named(name) {
            types.push(ty);
        }
    }
    // One level down from each, and a handle that is no DIE.
    let mut seen = 0;
    types.push(TypeRef(u64::MAX));
    types.push(TypeRef(1));
    while let Some(ty) = types.pop() {
        seen += 1;
        if seen > 200 {
            break;
        }
        let _ = module.type_name(ty);
        let _ = module.type_size(ty);
        let _ = module.complete_type(ty);
        let _ = module.pointer_to(ty);
        if let Ok(TypeDesc::Aggregate(aggregate)) = module.type_desc(ty) {
            types.extend(aggregate.members.iter().filter_map(|m| m.ty));
        }
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
