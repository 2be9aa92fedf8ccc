//! One ELF binary (an executable or a shared library): its bytes, and everything read from
//! them on demand.

use std::sync::OnceLock;

use object::read::elf::ElfFile64;
use object::{Object, ObjectKind, ObjectSection, ObjectSegment};

use crate::addr::FileAddr;
use crate::cfi::{Cfi, UnwindRegs, Unwound};
use crate::dwarf::{
    self, Debug, FrameInfo, FunctionScope, LocationContext, Place, SourceLanguage, SourceLine,
    TypeDesc, TypeRef, Variable,
};
use crate::error::{Error, Result};
use crate::reading::{Part, Progress, Reporter};
use crate::symtab::{Symbol, SymbolTable};

/// The bytes of a binary: a memory map, a `Vec<u8>`, anything that can lend them to
/// several threads at once (so that a [`Module`] can be shared between threads).
pub type Bytes = Box<dyn AsRef<[u8]> + Send + Sync>;

/// Each part is read once, by the first thread that needs it; a thread asking meanwhile
/// waits for that read rather than repeating it.
struct Parsed<'a> {
    elf: ElfFile64<'a>,
    /// The compressed DWARF sections, decompressed (in the owner, so that the DWARF can
    /// borrow them for as long as it borrows the bytes).
    inflated: &'a dwarf::Inflated,
    /// Where the reading of each part is reported.
    reporter: &'a Reporter,
    symbols: OnceLock<SymbolTable<'a>>,
    debug: OnceLock<Result<Option<Debug<'a>>>>,
    cfi: OnceLock<Cfi<'a>>,
}

/// What the parsed parts borrow from: the binary's bytes, and the decompressed copies of
/// its compressed sections, made on first need. The progress hook lives here too, beside
/// what it reports on, so that the DWARF (which borrows from the owner) can reach it.
struct Owner {
    bytes: Bytes,
    inflated: dwarf::Inflated,
    reporter: Reporter,
}

self_cell::self_cell!(
    struct Cell {
        owner: Owner,
        #[not_covariant]
        dependent: Parsed,
    }
);

/// An ELF binary, read lazily: opening one checks its header and section table only; the
/// symbol table, the DWARF units and line tables, and the CFI are each read the first time a
/// question needs them, and kept. All addresses are the binary's own (before the load bias).
///
/// A `Module` is `Send + Sync`, so that a big binary can be indexed on a worker thread while
/// the tracing thread runs, and then shared (in an `Arc`) by both. The lazily read parts are
/// in `OnceLock`s, each unit's line table in one of its own, so lookups in what is read take
/// no lock. One cache is mutated through `&self` by gimli, behind a `Mutex`: the unwinder's
/// scratch space (a thread that finds it busy uses its own, so unwinds never wait). No
/// caller code runs under that lock, so it cannot deadlock.
pub struct Module {
    cell: Cell,
    /// Gives back pages of the bytes (file offsets) after a scan of all the DWARF (a
    /// memory map's `madvise`); see [`Module::with_release`].
    release: Option<Release>,
    /// The separate debug file (`.gnu_debuglink` or build-id) attached with
    /// [`Module::with_debug_file`]: it answers the DWARF questions when the binary has no
    /// DWARF of its own, and the symbol questions when the binary has no `.symtab`.
    debug_file: Option<Box<Module>>,
}

/// How a [`Module`] gives back pages of its bytes it read once and will not need soon.
pub type Release = Box<dyn Fn(std::ops::Range<usize>) + Send + Sync>;

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("bytes", &self.bytes().len())
            .field("debug_file", &self.debug_file)
            .finish_non_exhaustive()
    }
}

/// How the binary is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A position-dependent executable: loaded at its own addresses.
    Executable,
    /// A position-independent executable or a shared library: loaded anywhere.
    Dynamic,
}

/// Where a function's code is, and how it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Readable (demangled) name.
    pub name: String,
    /// First address.
    pub low: FileAddr,
    /// One past the last address (equal to `low` when the size is unknown).
    pub high: FileAddr,
}

/// The result of looking up a source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineLookup {
    /// Code for the line (or the next line with code, `line`): one address per function.
    Found {
        /// The line the addresses belong to (≥ the one asked for).
        line: u32,
        /// The files that matched (full paths as recorded).
        files: Vec<String>,
        /// One address per function the line has code in, lowest first.
        addresses: Vec<FileAddr>,
    },
    /// A file matched, but it has no code at or after that line.
    NoCode {
        /// The matching files.
        files: Vec<String>,
    },
    /// No source file of the binary ends with that name.
    NoFile,
}

impl Function {
    /// The function an ELF function symbol describes.
    fn of(symbol: Symbol) -> Function {
        Function {
            high: FileAddr::new(symbol.address.get().saturating_add(symbol.size)),
            low: symbol.address,
            name: symbol.name,
        }
    }
}

impl Module {
    /// Read `bytes` as an ELF binary. Only the header and section table are parsed now.
    pub fn parse(bytes: Bytes) -> Result<Module> {
        let owner = Owner {
            bytes,
            inflated: OnceLock::new(),
            reporter: Reporter::default(),
        };
        let cell = Cell::try_new(owner, |owner| {
            let data: &[u8] = (*owner.bytes).as_ref();
            let elf = ElfFile64::parse(data).map_err(Error::NotElf)?;
            Ok::<_, Error>(Parsed {
                elf,
                inflated: &owner.inflated,
                reporter: &owner.reporter,
                symbols: OnceLock::new(),
                debug: OnceLock::new(),
                cfi: OnceLock::new(),
            })
        })?;
        Ok(Module {
            cell,
            release: None,
            debug_file: None,
        })
    }

    /// Attach the binary's separate debug file (what `objcopy --only-keep-debug` made of
    /// it, found by its build-id or `.gnu_debuglink`): from then on the DWARF questions
    /// (lines, frames, types, variables, scopes, inlined copies) are answered from the debug
    /// file's DWARF when the binary has none of its own, and the symbols come from its
    /// `.symtab` when the binary has only `.dynsym`. Both files have the same (link-time)
    /// addresses. Nothing of the debug file is read until a question needs it.
    #[must_use]
    pub fn with_debug_file(mut self, debug: Module) -> Module {
        self.debug_file = Some(Box::new(debug));
        self
    }

    /// The separate debug file attached with [`Module::with_debug_file`].
    pub fn debug_file(&self) -> Option<&Module> {
        self.debug_file.as_deref()
    }

    /// The binary's build-id (the `NT_GNU_BUILD_ID` note), which names its separate debug
    /// file in `/usr/lib/debug/.build-id/`.
    pub fn build_id(&self) -> Option<Vec<u8>> {
        self.with(|p| p.elf.build_id().ok().flatten().map(<[u8]>::to_vec))
    }

    /// The binary's `.gnu_debuglink`: the file name of its separate debug file, and the
    /// CRC-32 of that file's contents.
    pub fn debuglink(&self) -> Option<(String, u32)> {
        self.with(|p| {
            let (name, crc) = p.elf.gnu_debuglink().ok().flatten()?;
            let name = std::str::from_utf8(name).ok()?;
            Some((name.to_string(), crc))
        })
    }

    /// Where this module reports its reading.
    fn reporter(&self) -> &Reporter {
        &self.cell.borrow_owner().reporter
    }

    /// The bytes the module was parsed from.
    fn bytes(&self) -> &[u8] {
        (*self.cell.borrow_owner().bytes).as_ref()
    }

    /// Whether the binary has DWARF of its own (not from a debug file).
    fn has_own_dwarf(&self) -> bool {
        self.with(|p| matches!(debug(p), Ok(Some(_))))
    }

    /// The module whose DWARF answers: the binary's own, else its debug file's.
    fn dwarf_module(&self) -> &Module {
        match &self.debug_file {
            Some(file) if !self.has_own_dwarf() => file,
            _ => self,
        }
    }

    /// Whether the binary has a `.symtab` section (is not stripped).
    fn has_symtab_section(&self) -> bool {
        self.with(|p| p.elf.section_by_name(".symtab").is_some())
    }

    /// The module whose ELF symbols answer: the binary's own, else (a stripped binary with
    /// only `.dynsym`) its debug file's full `.symtab`.
    fn symbol_module(&self) -> &Module {
        match &self.debug_file {
            Some(file) if !self.has_symtab_section() && file.has_symtab_section() => file,
            _ => self,
        }
    }

    /// The module whose call-frame information unwinds: the binary's `.eh_frame` (loaded
    /// with it), else a `.debug_frame` the debug file has.
    fn cfi_module(&self) -> &Module {
        match &self.debug_file {
            Some(file) if !self.with(|p| !cfi(p).is_empty()) => file,
            _ => self,
        }
    }

    /// Let the module give back the pages of its bytes that a scan of all the DWARF read
    /// (searching every unit for a function's inlined copies): `release` gets byte ranges
    /// of the bytes, which a memory map can drop from memory (they are read again if
    /// needed). Keeps the debugger's memory down on large binaries.
    #[must_use]
    pub fn with_release(mut self, release: Release) -> Module {
        self.release = Some(release);
        self
    }

    /// Report the reading of each part to `progress` as it happens: when a part that is
    /// read once (the symbol table, the DWARF units, the line tables, the name index, the
    /// CFI) or a scan of all the DWARF starts and ends, and how far a scan of all units has
    /// got. Parts read already are not reported. The hook runs on the thread that reads;
    /// a caller times it there (a debugger says "Reading symbols from ..." only when
    /// reading is slow). A debug file attached with [`Module::with_debug_file`] reports to
    /// its own hook.
    #[must_use]
    pub fn with_progress(self, progress: Progress) -> Module {
        // The hook is set once, when the module is made; a second one is not installed.
        let _ = self.reporter().install(progress);
        self
    }

    fn with<T>(&self, f: impl for<'a> FnOnce(&Parsed<'a>) -> T) -> T {
        self.cell.with_dependent(|_, parsed| f(parsed))
    }

    /// Whether the binary is loaded at its own addresses or anywhere.
    pub fn kind(&self) -> Kind {
        self.with(|p| match p.elf.kind() {
            ObjectKind::Executable => Kind::Executable,
            _ => Kind::Dynamic,
        })
    }

    /// The entry point (`e_entry`).
    pub fn entry(&self) -> FileAddr {
        FileAddr::new(self.with(|p| p.elf.entry()))
    }

    /// The lowest address of a loadable segment (what a load bias is measured from).
    pub fn base_address(&self) -> FileAddr {
        FileAddr::new(self.with(|p| p.elf.segments().map(|s| s.address()).min().unwrap_or(0)))
    }

    /// The thread-local storage template (`PT_TLS`): its size in memory and alignment.
    /// `None` when the binary has no thread-local variables.
    pub fn tls_template(&self) -> Option<(u64, u64)> {
        use object::read::elf::ProgramHeader as _;
        self.with(|p| {
            let endian = p.elf.endian();
            p.elf
                .elf_program_headers()
                .iter()
                .find(|header| header.p_type(endian) == object::elf::PT_TLS)
                .map(|header| (header.p_memsz(endian), header.p_align(endian).max(1)))
        })
    }

    /// The dynamic section (`PT_DYNAMIC`): its address and size in memory. `None` for a
    /// static binary.
    pub fn dynamic_section(&self) -> Option<(FileAddr, u64)> {
        use object::read::elf::ProgramHeader as _;
        self.with(|p| {
            let endian = p.elf.endian();
            p.elf
                .elf_program_headers()
                .iter()
                .find(|header| header.p_type(endian) == object::elf::PT_DYNAMIC)
                .map(|header| {
                    (
                        FileAddr::new(header.p_vaddr(endian)),
                        header.p_memsz(endian),
                    )
                })
        })
    }

    /// Whether `address` is in a procedure linkage table (`.plt`, `.plt.sec`, `.plt.got`):
    /// a stub that jumps through the GOT to a function of another binary.
    pub fn in_plt(&self, address: FileAddr) -> bool {
        self.with(|p| {
            p.elf.sections().any(|section| {
                matches!(section.name(), Ok(".plt" | ".plt.sec" | ".plt.got"))
                    && address.get() >= section.address()
                    && address.get() - section.address() < section.size()
            })
        })
    }

    /// The function a PLT stub calls, by the GOT slot it jumps through (`slot`): the symbol
    /// of that slot's `R_X86_64_JUMP_SLOT` (or `GLOB_DAT`) relocation, to be found in the
    /// binary that defines it.
    pub fn got_slot_symbol(&self, slot: FileAddr) -> Option<String> {
        use object::{ObjectSymbol, ObjectSymbolTable, RelocationFlags, RelocationTarget};
        self.with(|p| {
            let (_, relocation) = p.elf.dynamic_relocations()?.find(|(offset, relocation)| {
                *offset == slot.get()
                    && matches!(
                        relocation.flags(),
                        RelocationFlags::Elf {
                            r_type: object::elf::R_X86_64_JUMP_SLOT
                                | object::elf::R_X86_64_GLOB_DAT
                        }
                    )
            })?;
            let RelocationTarget::Symbol(index) = relocation.target() else {
                return None;
            };
            let symbol = p.elf.dynamic_symbol_table()?.symbol_by_index(index).ok()?;
            symbol.name().ok().map(str::to_string)
        })
    }

    /// Whether the binary has a `.symtab` (not stripped).
    pub fn has_symtab(&self) -> bool {
        self.symbol_module().with(|p| !symbols(p).dynamic_only)
    }

    /// How many ELF symbols were read (from `.symtab`, or `.dynsym` when stripped).
    pub fn symbol_count(&self) -> usize {
        self.symbol_module().with(|p| symbols(p).len())
    }

    /// Whether the binary has DWARF line information.
    pub fn has_debug_info(&self) -> bool {
        self.dwarf_module().has_own_dwarf()
    }

    /// The symbol `address` is in, with the offset from its start.
    pub fn symbol_at(&self, address: FileAddr) -> Option<(Symbol, u64)> {
        self.symbol_module().with(|p| {
            let symbol = symbols(p).containing(address.get())?;
            let offset = address.offset_from(symbol.address)?;
            Some((symbol, offset))
        })
    }

    /// The symbols `name` names: exactly, or demangled with gdb's wild matching.
    pub fn symbols_named(&self, name: &str) -> Vec<Symbol> {
        self.symbol_module().with(|p| symbols(p).named(name))
    }

    /// The address of the symbol the binary exports as `name` (exactly, in its `.dynsym`),
    /// found without reading its symbol table or its debug file's: what a debugger asks
    /// the dynamic linker for (`_r_debug`, `_dl_debug_state`) before anything else.
    pub fn exported_symbol(&self, name: &str) -> Option<FileAddr> {
        use object::{ObjectSymbol, SymbolSection};
        self.with(|p| {
            p.elf
                .dynamic_symbols()
                .find(|symbol| {
                    symbol.name_bytes().is_ok_and(|n| n == name.as_bytes())
                        && !matches!(symbol.section(), SymbolSection::Undefined)
                })
                .map(|symbol| FileAddr::new(symbol.address()))
        })
    }

    /// Up to `limit` function names (readable, sorted) that start with `prefix`: for
    /// completion.
    pub fn functions_starting_with(&self, prefix: &str, limit: usize) -> Vec<String> {
        self.symbol_module()
            .with(|p| symbols(p).functions_starting_with(prefix, limit))
    }

    /// Function names close to `name`, for suggestions.
    pub fn similar_names(&self, name: &str, limit: usize) -> Vec<String> {
        self.symbol_module()
            .with(|p| symbols(p).similar(name, limit))
    }

    /// The function `address` is in, by the symbol table.
    pub fn function_at(&self, address: FileAddr) -> Option<Function> {
        let (symbol, _) = self.symbol_at(address)?;
        symbol.is_function.then(|| Function::of(symbol))
    }

    /// Functions named `name`, with the address a breakpoint on each goes to: after the
    /// prologue where line information says where that ends (as gdb chooses), else the
    /// entry; and every inlined copy, at its entry.
    pub fn breakpoint_addresses(&self, name: &str) -> Result<Vec<(Function, FileAddr)>> {
        self.function_addresses(name, true)
    }

    /// Where a breakpoint on `name` goes among the functions the symbol table names (past
    /// each prologue), and with `inlined` also at each inlined copy DWARF knows — which
    /// reads all of the DWARF once.
    pub fn function_addresses(
        &self,
        name: &str,
        inlined: bool,
    ) -> Result<Vec<(Function, FileAddr)>> {
        let _reading = self.reporter().part(Part::FunctionSearch);
        let mut found = Vec::new();
        for symbol in self.symbols_named(name) {
            if !symbol.is_function {
                continue;
            }
            let function = Function::of(symbol);
            // Broken line information for it still leaves the symbol: its entry.
            let address = self
                .after_prologue(function.low, function.high)
                .ok()
                .flatten()
                .unwrap_or(function.low);
            found.push((function, address));
        }
        if !inlined {
            return Ok(found);
        }
        // Inlined copies have no symbol of their own: DWARF knows them. DWARF too broken to
        // read (its units are skipped one by one) does not hide the symbols found.
        let source = self.dwarf_module();
        let bytes = source.bytes();
        let (base, size) = (bytes.as_ptr() as usize, bytes.len());
        let done = |read: &[u8]| {
            // Only pages of the file are given back (not a decompressed section's).
            let start = (read.as_ptr() as usize).wrapping_sub(base);
            let in_file = start <= size && read.len() <= size - start;
            if let (Some(release), true) = (&source.release, in_file) {
                release(start..start.saturating_add(read.len()));
            }
        };
        let inlined = source.with(|p| match debug(p) {
            Ok(Some(debug)) => debug.inlined_sites(name, &done),
            _ => Ok(Vec::new()),
        });
        let inlined = match inlined {
            Ok(inlined) => inlined,
            Err(error) if found.is_empty() => return Err(error),
            Err(_) => Vec::new(),
        };
        for (name, address) in inlined {
            let address = FileAddr::new(address);
            if found.iter().all(|(_, at)| *at != address) {
                let function = Function {
                    name,
                    low: address,
                    high: address,
                };
                found.push((function, address));
            }
        }
        Ok(found)
    }

    /// The first address after the prologue of the function at `low..high`, from the line
    /// table; `None` without line information for it.
    pub fn after_prologue(&self, low: FileAddr, high: FileAddr) -> Result<Option<FileAddr>> {
        let (low, high) = (low.get(), high.get());
        // The code is the binary's (a debug file's `.text` is empty), the DWARF perhaps
        // the debug file's.
        let code = self.with(|p| code_at(&p.elf, low, 16).to_vec());
        let body = self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => debug.after_prologue(low, high, &code),
            None => Ok(None),
        })?;
        Ok(body.map(FileAddr::new))
    }

    /// The source line of `address`.
    pub fn line_at(&self, address: FileAddr) -> Result<Option<SourceLine>> {
        self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => debug.line_at(address.get()),
            None => Ok(None),
        })
    }

    /// The addresses where line-table rows start around `address` (at most `reach` rows
    /// either side of the one containing it, and the end of its sequence when within reach),
    /// ascending: stepping computes a line's address range from them once.
    pub fn row_starts(&self, address: FileAddr, reach: usize) -> Result<Option<Vec<FileAddr>>> {
        self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => Ok(debug
                .row_starts(address.get(), reach)?
                .map(|starts| starts.into_iter().map(FileAddr::new).collect())),
            None => Ok(None),
        })
    }

    /// Whether `address` is where a source statement starts (a line-table row with
    /// `is_stmt`).
    pub fn is_statement_start(&self, address: FileAddr) -> Result<bool> {
        self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => debug.is_statement_start(address.get()),
            None => Ok(false),
        })
    }

    /// The function frames at `address`: inlined functions first, then the function that
    /// contains them, each with its source position.
    pub fn frames_at(&self, address: FileAddr) -> Result<Vec<FrameInfo>> {
        self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => debug.frames_at(address.get()),
            None => Ok(Vec::new()),
        })
    }

    /// One level of type `ty`: its kind, size and name, and its parts as more [`TypeRef`]s.
    pub fn type_desc(&self, ty: TypeRef) -> Result<TypeDesc> {
        self.with_debug(
            |debug| debug.type_desc(ty),
            || Err(Error::BadTypeRef { offset: ty.0 }),
        )
    }

    /// The language of the unit `ty` is described in.
    pub fn type_language(&self, ty: TypeRef) -> SourceLanguage {
        self.with_debug(
            |debug| {
                Ok(debug
                    .die_at(ty.0)
                    .map_or(SourceLanguage::Other, |die| debug.language(die.unit)))
            },
            || Ok(SourceLanguage::Other),
        )
        .unwrap_or(SourceLanguage::Other)
    }

    /// `ty`'s name as C writes it (what gdb prints after `type = ` for `whatis`):
    /// `struct point`, `int *`, `char [16]`, `int (*)(int, int)`, `const char *`,
    /// `point_t`, `struct {...}`; qualified in C++ (`ns::Type`); in Rust units, as rustc
    /// names it (`&str`, `alloc::vec::Vec<i32, alloc::alloc::Global>`).
    pub fn type_name(&self, ty: TypeRef) -> Result<String> {
        self.with_debug(
            |debug| debug.type_name(ty),
            || Err(Error::BadTypeRef { offset: ty.0 }),
        )
    }

    /// The size in bytes of a value of type `ty` (through typedefs and qualifiers; an
    /// array's is its elements'); `None` when DWARF does not say.
    pub fn type_size(&self, ty: TypeRef) -> Result<Option<u64>> {
        self.with_debug(
            |debug| debug.type_size(ty),
            || Err(Error::BadTypeRef { offset: ty.0 }),
        )
    }

    /// The type a cast names: `int`, `unsigned long` (any spelling of a C integer type),
    /// `point_t`, `struct point` or `point`, `enum color`, `union number`, `u32`,
    /// `ns::Type`, `T *` (when the program has such a pointer type). Definitions win over
    /// declarations. The first call indexes the names of all units.
    pub fn type_named(&self, name: &str) -> Result<Option<TypeRef>> {
        self.with_debug(|debug| debug.type_named(name), || Ok(None))
    }

    /// The type of the function whose code starts at `low` ([`TypeDesc::Function`]), from
    /// its `DW_TAG_subprogram`; `None` without DWARF for it.
    pub fn function_type(&self, low: FileAddr) -> Result<Option<TypeDesc>> {
        self.with_debug(|debug| debug.function_type(low.get()), || Ok(None))
    }

    /// An enumerator by name (`RED`, `ns::RED`): its enumeration type and value. The first
    /// call indexes the names of all units.
    pub fn enumerator_named(&self, name: &str) -> Result<Option<(TypeRef, i128)>> {
        self.with_debug(
            |debug| {
                for ty in debug.enumerator_types(name)? {
                    if let TypeDesc::Enum { enumerators, .. } = debug.type_desc(ty)? {
                        let plain = name.rsplit("::").next().unwrap_or(name);
                        if let Some((_, value)) = enumerators.iter().find(|(n, _)| n == plain) {
                            return Ok(Some((ty, *value)));
                        }
                    }
                }
                Ok(None)
            },
            || Ok(None),
        )
    }

    /// A pointer type to `ty`, where the program has one (in `ty`'s unit or another).
    pub fn pointer_to(&self, ty: TypeRef) -> Result<Option<TypeRef>> {
        self.with_debug(|debug| debug.pointer_to(ty), || Ok(None))
    }

    /// The definition of `ty` when it is a declaration only (`struct foo;` in this unit,
    /// defined in another): found by name. `ty` itself when it is not a declaration; `None`
    /// when no unit defines it.
    pub fn complete_type(&self, ty: TypeRef) -> Result<Option<TypeRef>> {
        self.with_debug(
            |debug| debug.complete_type(ty),
            || Err(Error::BadTypeRef { offset: ty.0 }),
        )
    }

    /// The functions whose code contains `pc`, innermost first (inlined functions, then the
    /// function they are inlined into), each with the variables visible at `pc`. Reads only
    /// the unit covering `pc`. Empty without DWARF for `pc`.
    pub fn scopes_at(&self, pc: FileAddr) -> Result<Vec<FunctionScope>> {
        self.with_debug(|debug| debug.scopes_at(pc.get()), || Ok(Vec::new()))
    }

    /// The global and file-static variables named `name` (plain, or qualified: `ns::x`,
    /// `crate::module::X`). With `pc`, those of the unit containing `pc` come first (a
    /// file-static of the current file wins, as in gdb). The first call indexes the names of
    /// all units.
    pub fn global_variables(&self, name: &str, pc: Option<FileAddr>) -> Result<Vec<Variable>> {
        self.with_debug(
            |debug| debug.global_variables(name, pc.map(FileAddr::get)),
            || Ok(Vec::new()),
        )
    }

    /// Where `variable`'s value is when the frame `ctx` describes is at `pc` (link-time):
    /// evaluates its location (the location-list entry covering `pc`), with `scope`'s frame
    /// base for `DW_OP_fbreg`. A value the compiler did not keep at `pc`, or that needs
    /// something `ctx` does not know, is [`Place::OptimizedOut`]; malformed DWARF is an
    /// error.
    pub fn locate(
        &self,
        variable: &Variable,
        scope: Option<&FunctionScope>,
        pc: FileAddr,
        ctx: &mut dyn LocationContext,
    ) -> Result<Place> {
        self.with_debug(
            |debug| debug.locate(variable, scope, pc.get(), ctx),
            || match &variable.location {
                dwarf::VarLocation::Const(bytes) => Ok(Place::Value(bytes.clone())),
                _ => Ok(Place::OptimizedOut),
            },
        )
    }

    /// `f` of the DWARF, or `none` without any.
    fn with_debug<T>(
        &self,
        f: impl for<'a> FnOnce(&Debug<'a>) -> Result<T>,
        none: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => f(debug),
            None => none(),
        })
    }

    /// How many DWARF compile units the binary has (reads their headers).
    pub fn unit_count(&self) -> Result<usize> {
        self.dwarf_module()
            .with(|p| Ok(debug(p)?.map_or(0, |d| d.unit_count())))
    }

    /// The addresses of source line `line` in files ending with `file` (a path suffix at a
    /// `/` boundary). A line without code moves to the next line that has some, as in gdb;
    /// a line with code in several functions (or inlined copies) gives one address each,
    /// and an address at a function's entry moves past its prologue.
    pub fn line_addresses(&self, file: &str, line: u32) -> Result<LineLookup> {
        let _reading = self.reporter().part(Part::LineSearch);
        let tables = self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => debug.all_line_tables(),
            None => Ok(Vec::new()),
        })?;
        let mut files: Vec<String> = Vec::new();
        let mut rows: Vec<(u32, u64)> = Vec::new();
        for table in &tables {
            if let Some(found) = dwarf::rows_for_line(table, file, line) {
                for name in &table.files {
                    let matched = dwarf::path_matches(&name.full, file)
                        || dwarf::path_matches(&name.display, file);
                    if matched && !files.contains(&name.full) {
                        files.push(name.full.clone());
                    }
                }
                rows.extend(found);
            }
        }
        if files.is_empty() {
            return Ok(LineLookup::NoFile);
        }
        let Some(best) = rows.iter().map(|(l, _)| *l).min() else {
            return Ok(LineLookup::NoCode { files });
        };
        let mut addresses: Vec<FileAddr> = rows
            .iter()
            .filter(|(l, _)| *l == best)
            .map(|(_, a)| FileAddr::new(*a))
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        // One location per function: the lowest address of the line in it, past the
        // prologue when it is the function's entry.
        let mut chosen: Vec<FileAddr> = Vec::new();
        let mut seen: Vec<FileAddr> = Vec::new();
        for address in addresses {
            let function = self.function_at(address);
            let key = function.as_ref().map_or(address, |f| f.low);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let address = match function {
                Some(f) if f.low == address => {
                    self.after_prologue(f.low, f.high)?.unwrap_or(address)
                }
                _ => address,
            };
            chosen.push(address);
        }
        Ok(LineLookup::Found {
            line: best,
            files,
            addresses: chosen,
        })
    }

    /// Every source file named in the line tables (reads them all).
    pub fn source_files(&self) -> Result<Vec<String>> {
        let tables = self.dwarf_module().with(|p| match debug(p)? {
            Some(debug) => debug.all_line_tables(),
            None => Ok(Vec::new()),
        })?;
        let mut files: Vec<String> = tables
            .iter()
            .flat_map(|t| t.files.iter().map(|f| f.full.clone()))
            .collect();
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// Whether the binary has call-frame information.
    pub fn has_cfi(&self) -> bool {
        self.cfi_module().with(|p| !cfi(p).is_empty())
    }

    /// Unwind one frame with the binary's CFI: `regs` are the frame's registers (their
    /// runtime values), `pc` the frame's pc as an address of this binary (its runtime pc less
    /// the load bias), `caller_frame` whether `regs` belong to a caller (pc is a return
    /// address), `memory` reads a word of the tracee at a runtime address. `Ok(None)` when no
    /// CFI covers the pc.
    pub fn unwind(
        &self,
        regs: &UnwindRegs,
        pc: FileAddr,
        caller_frame: bool,
        memory: &mut dyn FnMut(u64) -> Option<u64>,
    ) -> Result<Option<Unwound>> {
        self.cfi_module()
            .with(|p| cfi(p).unwind(regs, pc.get(), caller_frame, memory))
    }

    /// The name of the section containing `address`, if any.
    pub fn section_at(&self, address: FileAddr) -> Option<String> {
        let address = address.get();
        self.with(|p| {
            p.elf
                .sections()
                .find(|s| s.address() <= address && address < s.address().saturating_add(s.size()))
                .and_then(|s| s.name().ok().map(str::to_string))
        })
    }
}

/// Up to `length` bytes of the section data at `address`.
fn code_at<'a>(elf: &ElfFile64<'a>, address: u64, length: u64) -> &'a [u8] {
    elf.sections()
        .find(|s| s.address() <= address && address < s.address().saturating_add(s.size()))
        .and_then(|s| {
            let data = s.data().ok()?;
            let start = usize::try_from(address - s.address()).ok()?;
            let end = start.saturating_add(usize::try_from(length).ok()?);
            data.get(start..end.min(data.len()))
        })
        .unwrap_or(&[])
}

fn symbols<'p, 'a>(p: &'p Parsed<'a>) -> &'p SymbolTable<'a> {
    p.symbols.get_or_init(|| {
        let _reading = p.reporter.part(Part::Symbols);
        SymbolTable::read(&p.elf)
    })
}

fn debug<'p, 'a>(p: &'p Parsed<'a>) -> Result<Option<&'p Debug<'a>>> {
    let load = || {
        let _reading = p.reporter.part(Part::Units);
        dwarf::load(&p.elf, p.inflated, p.reporter)
    };
    match p.debug.get_or_init(load) {
        Ok(debug) => Ok(debug.as_ref()),
        Err(error) => Err(error.clone()),
    }
}

fn cfi<'p, 'a>(p: &'p Parsed<'a>) -> &'p Cfi<'a> {
    p.cfi.get_or_init(|| {
        let _reading = p.reporter.part(Part::Cfi);
        Cfi::read(&p.elf)
    })
}

/// Where an ELF binary loads, from its first bytes alone (the file header and the program
/// headers, which follow it in every binary a linker makes): its entry point and the lowest
/// address of its loadable segments (what a load bias is measured from, as
/// [`Module::base_address`]). `None` when the bytes are not a 64-bit ELF header or do not
/// hold all its program headers (read more, or parse the whole file).
pub fn load_layout(bytes: &[u8]) -> Option<(FileAddr, FileAddr)> {
    use object::elf::{FileHeader64, PT_LOAD};
    use object::read::elf::{FileHeader, ProgramHeader};
    let header = FileHeader64::<object::Endianness>::parse(bytes).ok()?;
    let endian = header.endian().ok()?;
    let segments = header.program_headers(endian, bytes).ok()?;
    let base = segments
        .iter()
        .filter(|segment| segment.p_type(endian) == PT_LOAD)
        .map(|segment| segment.p_vaddr(endian))
        .min()
        .unwrap_or(0);
    Some((FileAddr::new(header.e_entry(endian)), FileAddr::new(base)))
}
