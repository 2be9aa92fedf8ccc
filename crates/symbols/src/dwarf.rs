//! DWARF debug information through gimli: compile units and their address ranges, loaded
//! on first use; the questions asked of them live in the submodules.
//!
//! Where things live: loading and the units covering an address here; `lines` (line tables,
//! owned and compact, built per unit on first use, and lookups by address or by file and
//! line); `prologue` (where a breakpoint on a function goes); `types` (the types of values
//! as [`TypeDesc`]s, one level at a time, and functions' types);
//! `frames` (the frames at an address: a function and those inlined into it, from a
//! per-unit index of functions built on first use); `inline` (the inlined copies of a
//! function); `variables` (the variables in scope at an address, and global variables);
//! `location` (where a variable's value is, by evaluating its DWARF location); `index` (the
//! names of types and global variables, indexed on first use).

mod frames;
mod index;
mod inline;
mod lines;
mod location;
mod prologue;
mod types;
mod variables;

use std::sync::{Arc, OnceLock};

use gimli::{EndianSlice, RunTimeEndian};
use object::{Object, ObjectSection};

use crate::error::{Error, Result};
use crate::reading::Reporter;

pub use frames::FrameInfo;
use lines::LineTable;
pub use lines::SourceLine;
pub(crate) use lines::{path_matches, rows_for_line};
pub use location::{LocationContext, Piece, Place};
pub use types::{
    Access, Aggregate, AggregateKind, BaseEncoding, Member, Method, StaticMember, TypeDesc,
    TypeRef, Variant, VariantPart,
};
pub use variables::{
    FunctionScope, LocationExpr, LocationList, SourceLanguage, VarLocation, Variable,
};

pub(crate) type Reader<'a> = EndianSlice<'a, RunTimeEndian>;
pub(crate) type Unit<'a> = gimli::Unit<Reader<'a>>;
pub(crate) type Die<'a> = gimli::DebuggingInformationEntry<Reader<'a>>;

/// A DIE of this binary: its unit (an index into `Debug::units`) and its offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct DieRef {
    pub(crate) unit: usize,
    pub(crate) offset: gimli::UnitOffset,
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
    /// Per unit, its functions with code and their ranges, indexed on first use (for the
    /// frames at an address).
    functions: Box<[OnceLock<frames::FunctionIndex>]>,
    /// Per unit, the unit once parsed (its abbreviations): types, scopes and locations go
    /// back to the same few units again and again. `None` when it fails to parse.
    parsed: Box<[OnceLock<Option<Arc<Unit<'a>>>>]>,
    /// Per unit, the qualified path (`ns::Class`) of each DIE whose parent is a namespace
    /// or a type, for naming C++ and Rust types; read on first use, one unit at a time.
    paths: Box<[OnceLock<index::ScopePaths>]>,
    /// The names of types and global variables, indexed in one walk of all units the first
    /// time a name is looked up.
    names: OnceLock<index::NameIndex>,
    sections: Sections<'a>,
    /// Where the reading of the parts read on first use (line tables, names, frames) and
    /// of scans of all units is reported.
    reporter: &'a Reporter,
}

impl std::fmt::Debug for Debug<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Debug")
            .field("units", &self.units.len())
            .finish_non_exhaustive()
    }
}

/// The raw DWARF sections gimli reads.
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

/// The DWARF sections a binary stored compressed (SHF_COMPRESSED with zlib or zstd, or GNU
/// `.zdebug_*`), decompressed once, the first time its DWARF is needed. They are owned by
/// the [`Module`](crate::Module) beside its bytes, so that the parsed DWARF can borrow from
/// them as it borrows from the bytes, for the module's lifetime.
pub(crate) type Inflated = OnceLock<Result<Vec<(gimli::SectionId, Box<[u8]>)>>>;

/// The most a binary's compressed DWARF may claim to decompress to, in total, as a multiple
/// of the file's size: real DWARF compresses 3 to 10 times; a hostile header can claim
/// terabytes, which are refused before anything is allocated.
const INFLATE_RATIO: u64 = 16;

/// The most a binary's compressed DWARF may decompress to, whatever the file's size.
const INFLATE_MAX: u64 = 4 << 30;

/// The DWARF sections read (the others gimli can name are not used).
const SECTION_IDS: [gimli::SectionId; 13] = {
    use gimli::SectionId::*;
    [
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
    ]
};

/// Load the DWARF sections of `elf` (absent ones are empty), decompressing compressed ones
/// into `inflated`. `None` when it has no `.debug_info`.
pub(crate) fn load<'a>(
    elf: &object::read::elf::ElfFile64<'a>,
    inflated: &'a Inflated,
    reporter: &'a Reporter,
) -> Result<Option<Debug<'a>>> {
    use gimli::SectionId::*;
    // A binary without DWARF (a stripped one, whose DWARF is in a separate file) is told
    // apart before anything is decompressed.
    if elf
        .section_by_name(DebugInfo.name())
        .is_none_or(|s| s.size() == 0)
    {
        return Ok(None);
    }
    let inflated = match inflated.get_or_init(|| inflate(elf)) {
        Ok(inflated) => inflated,
        Err(error) => return Err(error.clone()),
    };
    let sections = Sections(
        SECTION_IDS
            .iter()
            .map(|id| {
                let data = match inflated.iter().find(|(i, _)| i == id) {
                    Some((_, data)) => &**data,
                    None => section_data(elf, *id),
                };
                (*id, data)
            })
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
        let root = unit.entry(unit.header.root_offset()).ok();
        if let Some(mut iter) = root.and_then(|root| die_ranges(&dwarf, &unit, &root)) {
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
    let parsed = units.iter().map(|_| OnceLock::new()).collect();
    let paths = units.iter().map(|_| OnceLock::new()).collect();
    let functions = units.iter().map(|_| OnceLock::new()).collect();
    Ok(Some(Debug {
        dwarf,
        units,
        llvm,
        ranges,
        lines,
        functions,
        parsed,
        paths,
        names: OnceLock::new(),
        sections,
        reporter,
    }))
}

/// Every compressed DWARF section of `elf`, decompressed; refused (before allocating) when
/// together they claim more than the file's size allows.
fn inflate(elf: &object::read::elf::ElfFile64<'_>) -> Result<Vec<(gimli::SectionId, Box<[u8]>)>> {
    let limit = (elf.data().len() as u64)
        .saturating_mul(INFLATE_RATIO)
        .min(INFLATE_MAX);
    let mut total: u64 = 0;
    let mut inflated = Vec::new();
    for id in SECTION_IDS {
        let Some(section) = elf.section_by_name(id.name()) else {
            continue;
        };
        let compressed = section
            .compressed_data()
            .map_err(|source| Error::Decompress {
                section: id.name(),
                source,
            })?;
        if compressed.format == object::CompressionFormat::None {
            continue;
        }
        total = total.saturating_add(compressed.uncompressed_size);
        if total > limit {
            return Err(Error::CompressedTooLarge {
                section: id.name(),
                size: compressed.uncompressed_size,
                limit,
            });
        }
        let data = compressed
            .decompress()
            .map_err(|source| Error::Decompress {
                section: id.name(),
                source,
            })?;
        inflated.push((id, data.into_owned().into_boxed_slice()));
    }
    Ok(inflated)
}

/// The bytes of section `id` in `elf` as stored: empty when it is absent or compressed
/// (see [`inflate`]).
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
}

impl<'a> Debug<'a> {
    /// Unit `index`, parsed on first use.
    pub(crate) fn unit(&self, index: usize) -> Result<Arc<Unit<'a>>> {
        let cell = self.parsed.get(index).ok_or(Error::Dwarf {
            section: ".debug_info",
            source: gimli::Error::NoEntryAtGivenOffset(index as u64),
        })?;
        let parsed = cell.get_or_init(|| {
            let offset = self.units.get(index)?;
            let header = self.dwarf.debug_info.header_from_offset(*offset).ok()?;
            self.dwarf.unit(header).ok().map(Arc::new)
        });
        parsed.clone().ok_or(Error::Dwarf {
            section: ".debug_info",
            source: gimli::Error::NoEntryAtGivenOffset(index as u64),
        })
    }

    /// Where unit `index` starts in `.debug_info`.
    pub(crate) fn unit_start(&self, index: usize) -> u64 {
        self.units.get(index).map_or(0, |o| o.0 as u64)
    }

    /// The DIE at `.debug_info` offset `absolute`: the unit it falls in and its offset there.
    pub(crate) fn die_at(&self, absolute: u64) -> Option<DieRef> {
        let index = self
            .units
            .partition_point(|o| (o.0 as u64) <= absolute)
            .checked_sub(1)?;
        let start = self.unit_start(index);
        let offset = usize::try_from(absolute.checked_sub(start)?).ok()?;
        Some(DieRef {
            unit: index,
            offset: gimli::UnitOffset(offset),
        })
    }

    /// The `.debug_info` offset of `die`.
    pub(crate) fn absolute(&self, die: DieRef) -> u64 {
        self.unit_start(die.unit)
            .saturating_add(die.offset.0 as u64)
    }

    /// The DIE a reference attribute of a DIE in unit `unit` names: in the same unit, or
    /// (`DW_FORM_ref_addr`) anywhere in `.debug_info`.
    pub(crate) fn reference(
        &self,
        unit: usize,
        value: Option<gimli::AttributeValue<Reader<'a>>>,
    ) -> Option<DieRef> {
        match value? {
            gimli::AttributeValue::UnitRef(offset) => Some(DieRef { unit, offset }),
            gimli::AttributeValue::DebugInfoRef(offset) => self.die_at(offset.0 as u64),
            _ => None,
        }
    }
}

/// The code ranges of `entry` (`DW_AT_low_pc` and `DW_AT_high_pc`, or `DW_AT_ranges`) as
/// gimli's `die_ranges` reads them, except that a `DW_AT_high_pc` offset that would end past
/// the address space gives none: gimli adds it to `DW_AT_low_pc` unchecked, which panics
/// where overflow is checked (a corrupt file found by the fuzz target).
pub(crate) fn die_ranges<'a>(
    dwarf: &gimli::Dwarf<Reader<'a>>,
    unit: &Unit<'a>,
    entry: &Die<'a>,
) -> Option<gimli::RangeIter<Reader<'a>>> {
    if let (Some(low), Some(gimli::AttributeValue::Udata(size))) = (
        entry.attr_value(gimli::DW_AT_low_pc),
        entry.attr_value(gimli::DW_AT_high_pc),
    ) {
        if let Ok(Some(low)) = dwarf.attr_address(unit, low) {
            low.checked_add(size)?;
        }
    }
    dwarf.die_ranges(unit, entry).ok()
}

/// A string attribute of `entry`, decoded lossily.
pub(crate) fn string_attr<'a>(
    dwarf: &gimli::Dwarf<Reader<'a>>,
    unit: &Unit<'a>,
    entry: &Die<'a>,
    name: gimli::DwAt,
) -> Option<String> {
    let value = entry.attr_value(name)?;
    let bytes = dwarf.attr_string(unit, value).ok()?;
    Some(bytes.to_string_lossy().into_owned())
}

/// An unsigned constant attribute of `entry`.
pub(crate) fn udata_attr(entry: &Die<'_>, name: gimli::DwAt) -> Option<u64> {
    entry.attr_value(name)?.udata_value()
}

/// Whether flag attribute `name` of `entry` is present and set.
pub(crate) fn flag_attr(entry: &Die<'_>, name: gimli::DwAt) -> bool {
    matches!(
        entry.attr_value(name),
        Some(gimli::AttributeValue::Flag(true))
    )
}
