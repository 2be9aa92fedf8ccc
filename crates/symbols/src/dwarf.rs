//! DWARF debug information through gimli: compile units and their address ranges, line tables
//! (owned, compact, built per unit on first use), and function frames (with inlined callers)
//! through addr2line. Everything is read on the first question that needs it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use gimli::{EndianSlice, RunTimeEndian};
use object::{Object, ObjectSection};

use crate::error::{Error, Result};

pub(crate) type Reader<'a> = EndianSlice<'a, RunTimeEndian>;

/// A source position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    /// The file as gdb names it: as the compiler recorded it, with its directory unless
    /// that is the compilation directory (`hello.c`, `src/util.c`, `/usr/include/stdio.h`).
    pub file: String,
    /// The file's full path (the compilation directory joined in), to read the source.
    pub path: String,
    /// The line, from 1.
    pub line: u32,
}

/// The type of a value, as far as a debugger shows values without a full type system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// No value (`void`).
    Void,
    /// A signed integer of `size` bytes.
    Signed {
        /// Its name (`int`, `long`).
        name: String,
        /// Bytes.
        size: u8,
    },
    /// An unsigned integer of `size` bytes.
    Unsigned {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
    },
    /// A floating-point number of `size` bytes (4, 8, or 16 for x87 long double).
    Float {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
    },
    /// A boolean.
    Bool {
        /// Its name.
        name: String,
    },
    /// A character type.
    Char {
        /// Its name.
        name: String,
        /// Signed or not.
        signed: bool,
    },
    /// A pointer (or reference).
    Pointer {
        /// The type, as `T *`.
        name: String,
    },
    /// Anything else (structures, unions, arrays).
    Other {
        /// Its name, if it has one.
        name: String,
    },
}

/// A file of a line table: how it is shown, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileName {
    pub(crate) display: String,
    pub(crate) full: String,
}

/// One function frame at an address: the function itself, or one inlined into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's name (demangled), when DWARF names it.
    pub function: Option<String>,
    /// Where in the source this frame is.
    pub location: Option<SourceLine>,
    /// An inlined copy (not the outermost function at that address).
    pub inlined: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub(crate) address: u64,
    pub(crate) file: u32,
    pub(crate) line: u32,
    pub(crate) is_stmt: bool,
    pub(crate) prologue_end: bool,
}

#[derive(Debug, Clone, Copy)]
struct Sequence {
    /// Rows `start..end` of the table; the end-of-sequence row is not kept.
    start: usize,
    end: usize,
    low: u64,
    high: u64,
}

/// The line table of one compile unit.
#[derive(Debug, Default)]
pub(crate) struct LineTable {
    pub(crate) files: Vec<FileName>,
    rows: Vec<Row>,
    /// Sorted by `low`.
    sequences: Vec<Sequence>,
}

impl LineTable {
    fn sequence_at(&self, address: u64) -> Option<&[Row]> {
        let index = self.sequences.partition_point(|s| s.low <= address);
        let sequence = self.sequences.get(index.checked_sub(1)?)?;
        if address >= sequence.high {
            return None;
        }
        self.rows.get(sequence.start..sequence.end)
    }

    fn sequences(&self) -> impl Iterator<Item = &[Row]> + '_ {
        self.sequences
            .iter()
            .filter_map(|s| self.rows.get(s.start..s.end))
    }

    fn source_line(&self, file: u32, line: u32) -> SourceLine {
        let (file, path) = match self.files.get(file as usize) {
            Some(name) => (name.display.clone(), name.full.clone()),
            None => ("??".to_string(), "??".to_string()),
        };
        SourceLine { file, path, line }
    }
}

#[derive(Debug, Clone, Copy)]
struct UnitRange {
    low: u64,
    high: u64,
    unit: usize,
}

/// The DWARF of one binary.
pub(crate) struct Debug<'a> {
    dwarf: gimli::Dwarf<Reader<'a>>,
    units: Vec<gimli::DebugInfoOffset>,
    /// Per unit: produced by an LLVM compiler (clang, rustc), whose line tables mark the end
    /// of a prologue with a line entry of its own.
    llvm: Vec<bool>,
    /// Sorted by `low`.
    ranges: Vec<UnitRange>,
    /// Per unit, its line table once read (or why it could not be: the bytes do not change,
    /// so neither would the answer). One cell per unit: threads reading different units'
    /// tables do not wait for each other, and lookups in read tables take no lock.
    lines: Box<[OnceLock<Result<Arc<LineTable>>>]>,
    /// addr2line's context is `Send` but not `Sync` (it fills its own caches through
    /// `&self`), so it sits behind a lock, held only while addr2line answers one address.
    frames: OnceLock<Option<Mutex<addr2line::Context<Reader<'a>>>>>,
    sections: Sections<'a>,
}

impl std::fmt::Debug for Debug<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Debug")
            .field("units", &self.units.len())
            .finish_non_exhaustive()
    }
}

/// The raw DWARF sections, kept to build addr2line's context from on demand.
#[derive(Clone, Default)]
struct Sections<'a>(Vec<(gimli::SectionId, &'a [u8])>);

impl<'a> Sections<'a> {
    fn get(&self, id: gimli::SectionId) -> &'a [u8] {
        self.0
            .iter()
            .find(|(i, _)| *i == id)
            .map_or(&[], |(_, data)| data)
    }

    fn dwarf(&self) -> gimli::Dwarf<Reader<'a>> {
        let load = |id: gimli::SectionId| -> std::result::Result<Reader<'a>, ()> {
            Ok(EndianSlice::new(self.get(id), RunTimeEndian::Little))
        };
        gimli::Dwarf::load(load).unwrap_or_default()
    }
}

/// Load the DWARF sections of `elf` (absent ones are empty). `None` when it has no
/// `.debug_info`; compressed sections count as absent.
pub(crate) fn load<'a>(elf: &object::read::elf::ElfFile64<'a>) -> Result<Option<Debug<'a>>> {
    use gimli::SectionId::*;
    let ids = [
        DebugAbbrev,
        DebugAddr,
        DebugAranges,
        DebugInfo,
        DebugLine,
        DebugLineStr,
        DebugLoc,
        DebugLocLists,
        DebugRanges,
        DebugRngLists,
        DebugStr,
        DebugStrOffsets,
        DebugTypes,
    ];
    let sections = Sections(
        ids.iter()
            .map(|id| (*id, section_data(elf, *id)))
            .filter(|(_, data)| !data.is_empty())
            .collect(),
    );
    if sections.get(DebugInfo).is_empty() {
        return Ok(None);
    }
    let dwarf = sections.dwarf();
    let mut units = Vec::new();
    let mut llvm = Vec::new();
    let mut ranges = Vec::new();
    let mut headers = dwarf.units();
    while let Some(header) = headers.next().map_err(|e| Error::dwarf(".debug_info", e))? {
        let Some(offset) = header.debug_info_offset() else {
            continue;
        };
        let unit = match dwarf.unit(header) {
            Ok(unit) => unit,
            // One bad unit does not hide the others.
            Err(_) => continue,
        };
        let index = units.len();
        units.push(offset);
        let producer = unit
            .entry(unit.header.root_offset())
            .ok()
            .and_then(|root| root.attr_value(gimli::DW_AT_producer))
            .and_then(|value| dwarf.attr_string(&unit, value).ok())
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        llvm.push(producer.contains("clang") || producer.contains("rustc"));
        if let Ok(mut iter) = dwarf.unit_ranges(&unit) {
            while let Ok(Some(range)) = iter.next() {
                if range.begin < range.end {
                    ranges.push(UnitRange {
                        low: range.begin,
                        high: range.end,
                        unit: index,
                    });
                }
            }
        }
    }
    ranges.sort_by_key(|r| (r.low, r.high));
    let lines = units.iter().map(|_| OnceLock::new()).collect();
    Ok(Some(Debug {
        dwarf,
        units,
        llvm,
        ranges,
        lines,
        frames: OnceLock::new(),
        sections,
    }))
}

/// The bytes of section `id` in `elf`, empty when it is absent or compressed.
pub(crate) fn section_data<'a>(
    elf: &object::read::elf::ElfFile64<'a>,
    id: gimli::SectionId,
) -> &'a [u8] {
    let Some(section) = elf.section_by_name(id.name()) else {
        return &[];
    };
    let compressed = section
        .compressed_file_range()
        .is_ok_and(|r| r.format != object::CompressionFormat::None);
    if compressed {
        return &[];
    }
    section.data().unwrap_or(&[])
}

impl<'a> Debug<'a> {
    /// How many compile units there are.
    pub(crate) fn unit_count(&self) -> usize {
        self.units.len()
    }

    fn units_at(&self, address: u64) -> impl Iterator<Item = usize> + '_ {
        let end = self.ranges.partition_point(|r| r.low <= address);
        self.ranges
            .get(..end)
            .unwrap_or_default()
            .iter()
            .rev()
            .filter(move |r| address < r.high)
            .map(|r| r.unit)
    }

    /// The line table of `unit`, read on first use (a unit that does not exist has an empty
    /// one).
    fn line_table(&self, unit: usize) -> Result<&LineTable> {
        match self.lines.get(unit) {
            Some(cell) => self.cached_line_table(unit, cell).map(|table| &**table),
            None => Ok(empty_line_table()),
        }
    }

    /// The line table of `unit` from its cell in `lines`, read into it on first use.
    fn cached_line_table<'s>(
        &'s self,
        unit: usize,
        cell: &'s OnceLock<Result<Arc<LineTable>>>,
    ) -> Result<&'s Arc<LineTable>> {
        match cell.get_or_init(|| self.read_line_table(unit).map(Arc::new)) {
            Ok(table) => Ok(table),
            Err(error) => Err(error.clone()),
        }
    }

    fn read_line_table(&self, unit: usize) -> Result<LineTable> {
        let bad = |e: gimli::Error| Error::dwarf(".debug_line", e);
        let Some(offset) = self.units.get(unit) else {
            return Ok(LineTable::default());
        };
        let header = self
            .dwarf
            .debug_info
            .header_from_offset(*offset)
            .map_err(|e| Error::dwarf(".debug_info", e))?;
        let unit = self
            .dwarf
            .unit(header)
            .map_err(|e| Error::dwarf(".debug_info", e))?;
        let Some(program) = unit.line_program.clone() else {
            return Ok(LineTable::default());
        };
        let mut table = LineTable::default();
        let mut file_index: HashMap<u64, u32> = HashMap::new();
        let mut rows = program.rows();
        let mut start = 0;
        while let Some((header, row)) = rows.next_row().map_err(bad)? {
            if row.end_sequence() {
                let low = table.rows.get(start).map(|r| r.address);
                if let Some(low) = low {
                    table.sequences.push(Sequence {
                        start,
                        end: table.rows.len(),
                        low,
                        high: row.address(),
                    });
                }
                start = table.rows.len();
                continue;
            }
            let index = row.file_index();
            let file = match file_index.get(&index) {
                Some(file) => *file,
                None => {
                    let path = header
                        .file(index)
                        .map(|entry| self.file_name(&unit, header, entry))
                        .unwrap_or_else(|| FileName {
                            display: "??".to_string(),
                            full: "??".to_string(),
                        });
                    let file = u32::try_from(table.files.len()).unwrap_or(u32::MAX);
                    table.files.push(path);
                    file_index.insert(index, file);
                    file
                }
            };
            table.rows.push(Row {
                address: row.address(),
                file,
                line: row
                    .line()
                    .map_or(0, |l| u32::try_from(l.get()).unwrap_or(u32::MAX)),
                is_stmt: row.is_stmt(),
                prologue_end: row.prologue_end(),
            });
        }
        // Rows after the last end_sequence belong to no sequence: drop them.
        table.rows.truncate(start);
        // Linkers leave sequences of discarded functions at address 0: they overlap real code
        // in a PIE, so they go.
        table.sequences.retain(|s| s.low != 0 || s.high > 0x1000);
        table.sequences.sort_by_key(|s| s.low);
        Ok(table)
    }

    fn file_name(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        header: &gimli::LineProgramHeader<Reader<'a>>,
        entry: &gimli::FileEntry<Reader<'a>>,
    ) -> FileName {
        let text = |value| {
            self.dwarf
                .attr_string(unit, value)
                .map(|s| s.to_string_lossy().into_owned())
                .ok()
        };
        let name = text(entry.path_name()).unwrap_or_else(|| "??".to_string());
        let comp_dir = unit
            .comp_dir
            .map(|dir| dir.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Directory 0 is the compilation directory (DWARF 5 names it, DWARF 4 implies it).
        let directory = match entry.directory_index() {
            0 => None,
            _ => entry.directory(header).and_then(text),
        };
        let join = |dir: &str, name: &str| {
            if name.starts_with('/') || dir.is_empty() {
                name.to_string()
            } else {
                format!("{}/{name}", dir.trim_end_matches('/'))
            }
        };
        let relative = match &directory {
            Some(dir) => join(dir, &name),
            None => name,
        };
        let full = join(&comp_dir, &relative);
        // gdb names the unit's own source file as the unit does (`DW_AT_name`: `hello.c`
        // when compiled as `cc hello.c`), any other file (an included one) by its full path.
        let unit_name = unit.name.map(|n| n.to_string_lossy().into_owned());
        let display = match unit_name {
            Some(unit_name) if join(&comp_dir, &unit_name) == full => unit_name,
            _ => full.clone(),
        };
        FileName { display, full }
    }

    /// The rows of the sequence containing `address`, in the unit that covers it.
    fn with_sequence<T>(
        &self,
        address: u64,
        f: impl FnOnce(&LineTable, &[Row]) -> T,
    ) -> Result<Option<T>> {
        for unit in self.units_at(address) {
            let table = self.line_table(unit)?;
            if let Some(rows) = table.sequence_at(address) {
                return Ok(Some(f(table, rows)));
            }
        }
        Ok(None)
    }

    /// The source line of `address`: the last row at or before it (line 0 rows skipped).
    pub(crate) fn line_at(&self, address: u64) -> Result<Option<SourceLine>> {
        Ok(self
            .with_sequence(address, |table, rows| {
                let end = rows.partition_point(|r| r.address <= address);
                rows.get(..end)?
                    .iter()
                    .rev()
                    .find(|r| r.line != 0)
                    .map(|r| table.source_line(r.file, r.line))
            })?
            .flatten())
    }

    /// Whether `address` starts a statement row with a line (where `step` and `next` stop).
    pub(crate) fn is_statement_start(&self, address: u64) -> Result<bool> {
        Ok(self
            .with_sequence(address, |_, rows| {
                let first = rows.partition_point(|r| r.address < address);
                rows.get(first..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|r| r.address == address)
                    .any(|r| r.is_stmt && r.line != 0)
            })?
            .unwrap_or(false))
    }

    /// The address a breakpoint on the function at `low..high` goes to, as gdb 13 chooses
    /// it: the first line entry marked `prologue_end` in the function; else, for LLVM
    /// compilers, the end of the function's first line entry (unless several entries share
    /// the entry address: then the entry); else (gcc) past `push rbp; mov rbp, rsp` when the
    /// code starts with them, moved on to the start of the next line entry when that leaves
    /// it mid-line. `code` is the function's first bytes. `None`: no line information.
    pub(crate) fn after_prologue(&self, low: u64, high: u64, code: &[u8]) -> Result<Option<u64>> {
        let Some(unit) = self.units_at(low).next() else {
            return Ok(None);
        };
        let llvm = self.llvm.get(unit).copied().unwrap_or(false);
        Ok(self
            .with_sequence(low, |_, rows| {
                let first = rows.partition_point(|r| r.address < low);
                let in_function = rows.get(first..)?;
                let in_function =
                    in_function.get(..in_function.partition_point(|r| r.address < high))?;
                if let Some(marked) = in_function.iter().find(|r| r.prologue_end) {
                    return Some(marked.address);
                }
                if llvm {
                    return after_first_line(rows, low, high);
                }
                let pc = match frame_setup_length(code) {
                    Some(length) => low.saturating_add(length),
                    None => return Some(low),
                };
                match line_entry(rows, pc) {
                    Some((start, end)) if start != pc && end < high => Some(end),
                    _ => Some(pc),
                }
            })?
            .flatten())
    }

    /// The return type of the function whose code starts at `low`, from its
    /// `DW_TAG_subprogram`. `None` when DWARF does not describe the function.
    pub(crate) fn return_type(&self, low: u64) -> Result<Option<ValueType>> {
        let bad = |e: gimli::Error| Error::dwarf(".debug_info", e);
        for unit_index in self.units_at(low).collect::<Vec<_>>() {
            let Some(offset) = self.units.get(unit_index) else {
                continue;
            };
            let header = self
                .dwarf
                .debug_info
                .header_from_offset(*offset)
                .map_err(bad)?;
            let unit = self.dwarf.unit(header).map_err(bad)?;
            let mut entries = unit.entries();
            while let Some(entry) = entries.next_dfs().map_err(bad)? {
                if entry.tag() != gimli::DW_TAG_subprogram {
                    continue;
                }
                let starts_here = match entry.attr_value(gimli::DW_AT_low_pc) {
                    Some(value) => {
                        self.dwarf.attr_address(&unit, value).ok().flatten() == Some(low)
                    }
                    None => false,
                };
                if !starts_here {
                    continue;
                }
                return Ok(Some(match entry.attr_value(gimli::DW_AT_type) {
                    Some(gimli::AttributeValue::UnitRef(offset)) => {
                        self.value_type(&unit, offset, 0)
                    }
                    Some(_) => ValueType::Other { name: "?".into() },
                    None => ValueType::Void,
                }));
            }
        }
        Ok(None)
    }

    fn value_type(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
        depth: u32,
    ) -> ValueType {
        let unknown = || ValueType::Other { name: "?".into() };
        if depth > 16 {
            return unknown();
        }
        let Ok(entry) = unit.entry(offset) else {
            return unknown();
        };
        let name = entry
            .attr_value(gimli::DW_AT_name)
            .and_then(|v| self.dwarf.attr_string(unit, v).ok())
            .map(|n| n.to_string_lossy().into_owned());
        let size = entry
            .attr_value(gimli::DW_AT_byte_size)
            .and_then(|v| v.udata_value())
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0);
        let inner = || match entry.attr_value(gimli::DW_AT_type) {
            Some(gimli::AttributeValue::UnitRef(next)) => {
                Some(self.value_type(unit, next, depth + 1))
            }
            _ => None,
        };
        match entry.tag() {
            gimli::DW_TAG_typedef | gimli::DW_TAG_const_type | gimli::DW_TAG_volatile_type => {
                match inner() {
                    // A typedef keeps its own name (`size_t`, `uint32_t`).
                    Some(resolved) => rename(
                        resolved,
                        name.filter(|_| entry.tag() == gimli::DW_TAG_typedef),
                    ),
                    None => ValueType::Void,
                }
            }
            gimli::DW_TAG_pointer_type
            | gimli::DW_TAG_reference_type
            | gimli::DW_TAG_rvalue_reference_type => {
                let target = inner().map_or_else(|| "void".to_string(), |t| type_name(&t));
                ValueType::Pointer {
                    name: name.unwrap_or_else(|| format!("{target} *")),
                }
            }
            gimli::DW_TAG_base_type => {
                let name = name.unwrap_or_else(|| "?".into());
                let encoding = entry.attr_value(gimli::DW_AT_encoding);
                match encoding {
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_float)) => {
                        ValueType::Float { name, size }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_boolean)) => {
                        ValueType::Bool { name }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_signed_char)) => {
                        ValueType::Char { name, signed: true }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_unsigned_char)) => {
                        ValueType::Char {
                            name,
                            signed: false,
                        }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_signed)) => {
                        ValueType::Signed { name, size }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_unsigned)) => {
                        ValueType::Unsigned { name, size }
                    }
                    _ => ValueType::Other { name },
                }
            }
            gimli::DW_TAG_enumeration_type => ValueType::Signed {
                name: name.unwrap_or_else(|| "enum".into()),
                size: size.max(4),
            },
            _ => ValueType::Other {
                name: name.unwrap_or_else(|| "?".into()),
            },
        }
    }

    /// The addresses of every inlined copy of a function `query` names (gdb puts a
    /// breakpoint location on each): the entry of each `DW_TAG_inlined_subroutine` whose
    /// abstract origin is so named (by its demangled linkage name, or its plain name).
    pub(crate) fn inlined_sites(&self, query: &str) -> Result<Vec<(String, u64)>> {
        let mut sites = Vec::new();
        for offset in &self.units {
            let Ok(header) = self.dwarf.debug_info.header_from_offset(*offset) else {
                continue;
            };
            let Ok(unit) = self.dwarf.unit(header) else {
                continue;
            };
            let mut origins: HashMap<gimli::UnitOffset, Option<String>> = HashMap::new();
            // Raw entries: every DIE but an inlined subroutine is skipped without decoding its
            // attributes (the scan walks all of .debug_info).
            // A unit that fails to parse is left out; the others still count.
            let Ok(mut entries) = unit.entries_raw(None) else {
                continue;
            };
            'entries: while !entries.is_empty() {
                let Ok(abbreviation) = entries.read_abbreviation() else {
                    break;
                };
                let Some(abbreviation) = abbreviation else {
                    continue;
                };
                if abbreviation.tag() != gimli::DW_TAG_inlined_subroutine {
                    if entries.skip_attributes(abbreviation.attributes()).is_err() {
                        break;
                    }
                    continue;
                }
                let (mut origin, mut entry_pc, mut low_pc, mut ranges) = (None, None, None, None);
                for spec in abbreviation.attributes() {
                    let Ok(attribute) = entries.read_attribute(*spec) else {
                        break 'entries;
                    };
                    match attribute.name() {
                        gimli::DW_AT_abstract_origin => origin = Some(attribute.value()),
                        gimli::DW_AT_entry_pc => entry_pc = Some(attribute.value()),
                        gimli::DW_AT_low_pc => low_pc = Some(attribute.value()),
                        gimli::DW_AT_ranges => ranges = Some(attribute.value()),
                        _ => {}
                    }
                }
                let Some(gimli::AttributeValue::UnitRef(origin)) = origin else {
                    continue;
                };
                let name = origins
                    .entry(origin)
                    .or_insert_with(|| self.function_name(&unit, origin, query, 0))
                    .clone();
                let Some(name) = name else { continue };
                let address = [entry_pc, low_pc]
                    .into_iter()
                    .flatten()
                    .find_map(|value| self.dwarf.attr_address(&unit, value).ok().flatten())
                    .or_else(|| {
                        let mut ranges = self.dwarf.attr_ranges(&unit, ranges?).ok()??;
                        let mut low: Option<u64> = None;
                        while let Ok(Some(range)) = ranges.next() {
                            low = Some(low.map_or(range.begin, |l| l.min(range.begin)));
                        }
                        low
                    });
                if let Some(address) = address.filter(|a| *a != 0) {
                    sites.push((name, address));
                }
            }
        }
        sites.sort_by_key(|(_, address)| *address);
        sites.dedup_by_key(|(_, address)| *address);
        Ok(sites)
    }

    /// The readable name of the function DIE at `offset` when `query` names it.
    fn function_name(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
        query: &str,
        depth: u32,
    ) -> Option<String> {
        let entry = unit.entry(offset).ok()?;
        let raw = |at| -> Option<&'a [u8]> {
            let value = entry.attr_value(at)?;
            Some(self.dwarf.attr_string(unit, value).ok()?.slice())
        };
        // The query's last component is in the name verbatim, mangled or not: most DIEs are
        // turned down without decoding or demangling their names.
        let needle = crate::demangle::last_component(query).as_bytes();
        let mentions = |bytes: &[u8]| memchr::memmem::find(bytes, needle).is_some();
        let linkage =
            raw(gimli::DW_AT_linkage_name).or_else(|| raw(gimli::DW_AT_MIPS_linkage_name));
        if let Some(linkage) = linkage {
            if !mentions(linkage) {
                return None;
            }
            let name = crate::demangle::demangle(&String::from_utf8_lossy(linkage)).into_owned();
            return crate::demangle::matches(&name, query).then_some(name);
        }
        if let Some(name) = raw(gimli::DW_AT_name) {
            if !mentions(name) {
                return None;
            }
            let name = String::from_utf8_lossy(name).into_owned();
            return crate::demangle::matches(&name, query).then_some(name);
        }
        // A C++ definition names its declaration.
        match entry.attr_value(gimli::DW_AT_specification) {
            Some(gimli::AttributeValue::UnitRef(next)) if depth < 4 => {
                self.function_name(unit, next, query, depth + 1)
            }
            _ => None,
        }
    }

    /// Every unit's line table, built now if needed (for questions by file and line).
    /// Shared, not borrowed: the caller keeps them past its borrow of the module's cell.
    pub(crate) fn all_line_tables(&self) -> Result<Vec<Arc<LineTable>>> {
        self.lines
            .iter()
            .enumerate()
            .map(|(unit, cell)| self.cached_line_table(unit, cell).map(Arc::clone))
            .collect()
    }

    /// How the line table of the unit at `address` names the file at `path`.
    fn display_name(&self, address: u64, path: &str) -> Option<String> {
        self.units_at(address).find_map(|unit| {
            let table = self.line_table(unit).ok()?;
            table
                .files
                .iter()
                .find(|name| name.full == path)
                .map(|name| name.display.clone())
        })
    }

    /// The frames at `address`, innermost (an inlined function) first.
    pub(crate) fn frames_at(&self, address: u64) -> Result<Vec<FrameInfo>> {
        let Some(context) = self.frames.get_or_init(|| {
            addr2line::Context::from_dwarf(self.sections.dwarf())
                .ok()
                .map(Mutex::new)
        }) else {
            return Ok(Vec::new());
        };
        // Copied out under the lock; names are demangled and looked up in line tables after
        // it is released, so the lock covers addr2line's work only and nothing here can
        // reach it again while held.
        let raw = {
            // addr2line fills its caches before it hands them out: one left by a panic
            // elsewhere is at worst missing an entry, which it reads again.
            let context = context.lock().unwrap_or_else(PoisonError::into_inner);
            raw_frames(&context, address)?
        };
        let mut frames = Vec::with_capacity(raw.len());
        for (name, location) in raw {
            let function = name.map(|name| crate::demangle::demangle(&name).into_owned());
            let location = location.map(|(path, line)| SourceLine {
                // Named as the line table names it (gdb's name), where it is there.
                file: self
                    .display_name(address, &path)
                    .unwrap_or_else(|| path.clone()),
                path,
                line,
            });
            frames.push(FrameInfo {
                function,
                location,
                inlined: false,
            });
        }
        let count = frames.len();
        for frame in frames.iter_mut().take(count.saturating_sub(1)) {
            frame.inlined = true;
        }
        Ok(frames)
    }
}

/// What addr2line knows of the frames at `address`: each function's raw name and its file
/// and line, innermost first.
type RawFrames = Vec<(Option<String>, Option<(String, u32)>)>;

fn raw_frames(context: &addr2line::Context<Reader<'_>>, address: u64) -> Result<RawFrames> {
    let bad = |e| Error::dwarf(".debug_info", e);
    let mut iter = context.find_frames(address).skip_all_loads().map_err(bad)?;
    let mut frames = Vec::new();
    while let Some(frame) = iter.next().map_err(bad)? {
        let name = frame
            .function
            .as_ref()
            .and_then(|f| f.raw_name().ok())
            .map(|name| name.into_owned());
        let location = frame
            .location
            .as_ref()
            .and_then(|l| Some((l.file?.to_string(), l.line?)));
        frames.push((name, location));
    }
    Ok(frames)
}

/// The line table of a unit that has none.
fn empty_line_table() -> &'static LineTable {
    static EMPTY: LineTable = LineTable {
        files: Vec::new(),
        rows: Vec::new(),
        sequences: Vec::new(),
    };
    &EMPTY
}

/// Addresses in `table` for line `line` of files whose path ends with `file`: each
/// statement row of that line, the lowest of each run. `None` when no file matches.
pub(crate) fn rows_for_line(table: &LineTable, file: &str, line: u32) -> Option<Vec<(u32, u64)>> {
    let matching: Vec<u32> = table
        .files
        .iter()
        .enumerate()
        .filter(|(_, name)| path_matches(&name.full, file) || path_matches(&name.display, file))
        .filter_map(|(i, _)| u32::try_from(i).ok())
        .collect();
    if matching.is_empty() {
        return None;
    }
    let mut found = Vec::new();
    for rows in table.sequences() {
        for row in rows {
            if row.is_stmt && row.line >= line && matching.contains(&row.file) {
                found.push((row.line, row.address));
            }
        }
    }
    Some(found)
}

/// Whether the recorded `path` is the file the user named: equal, or ending with it at a
/// `/` boundary (`hello.c` and `src/hello.c` match `/home/u/src/hello.c`).
pub(crate) fn path_matches(path: &str, file: &str) -> bool {
    path == file
        || path
            .strip_suffix(file)
            .is_some_and(|prefix| prefix.ends_with('/'))
}

/// The length of `[endbr64] push rbp; mov rbp, rsp` at the start of `code`, if it starts so
/// (gdb's amd64 prologue analysis: without that frame setup the function is "frameless" and
/// the breakpoint goes to its entry).
fn frame_setup_length(code: &[u8]) -> Option<u64> {
    let skip = if code.starts_with(&[0xf3, 0x0f, 0x1e, 0xfa]) {
        4
    } else {
        0
    };
    let rest = code.get(skip..)?;
    let framed = rest.first() == Some(&0x55)
        && matches!(
            rest.get(1..4),
            Some([0x48, 0x89, 0xe5] | [0x48, 0x8b, 0xec])
        );
    framed.then_some(skip as u64 + 4)
}

/// The line entry containing `pc` in a sequence: from the last row at or before it to the
/// next row that has another line or is a statement (gdb's `find_pc_line` range).
fn line_entry(rows: &[Row], pc: u64) -> Option<(u64, u64)> {
    let next = rows.partition_point(|r| r.address <= pc);
    let previous = rows.get(next.checked_sub(1)?)?;
    let end = rows
        .get(next..)?
        .iter()
        .find(|r| r.line != previous.line || r.is_stmt)
        .map(|r| r.address)?;
    Some((previous.address, end))
}

/// gdb's `skip_prologue_using_sal`: the end of the function's first line entry, extended
/// over following entries of earlier lines; the entry itself when two entries share it.
fn after_first_line(rows: &[Row], low: u64, high: u64) -> Option<u64> {
    let first = rows.partition_point(|r| r.address < low);
    let start = rows.get(first)?;
    if start.address != low || start.line == 0 {
        return None;
    }
    if rows
        .get(first + 1)
        .is_some_and(|r| r.line != 0 && r.address == low)
    {
        return Some(low);
    }
    let (_, mut end) = line_entry(rows, low)?;
    if end >= high {
        return None;
    }
    while end < high {
        let next = rows.partition_point(|r| r.address <= end);
        let Some(row) = rows.get(next.checked_sub(1)?) else {
            break;
        };
        if row.line == 0 || row.line >= start.line {
            break;
        }
        let (_, after) = line_entry(rows, end)?;
        end = after;
    }
    (end < high).then_some(end)
}

fn type_name(value: &ValueType) -> String {
    match value {
        ValueType::Void => "void".into(),
        ValueType::Signed { name, .. }
        | ValueType::Unsigned { name, .. }
        | ValueType::Float { name, .. }
        | ValueType::Bool { name }
        | ValueType::Char { name, .. }
        | ValueType::Pointer { name }
        | ValueType::Other { name } => name.clone(),
    }
}

fn rename(value: ValueType, name: Option<String>) -> ValueType {
    let Some(name) = name else {
        return value;
    };
    match value {
        ValueType::Signed { size, .. } => ValueType::Signed { name, size },
        ValueType::Unsigned { size, .. } => ValueType::Unsigned { name, size },
        ValueType::Float { size, .. } => ValueType::Float { name, size },
        ValueType::Bool { .. } => ValueType::Bool { name },
        ValueType::Char { signed, .. } => ValueType::Char { name, signed },
        ValueType::Pointer { .. } => ValueType::Pointer { name },
        ValueType::Other { .. } => ValueType::Other { name },
        ValueType::Void => ValueType::Void,
    }
}

impl ValueType {
    /// The type's name as C writes it.
    pub fn name(&self) -> String {
        type_name(self)
    }
}
