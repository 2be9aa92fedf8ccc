//! The frames at an address: the function whose code it is and the functions inlined into
//! it there, innermost first.
//!
//! Each unit's functions are indexed the first time an address in it is asked about: one
//! walk of its DIEs records every `DW_TAG_subprogram` and `DW_TAG_inlined_subroutine` with
//! code, its enclosing function and its address ranges. Only the units a backtrace or a step
//! touches are walked — a separate debug file like the C library's has thousands of units,
//! and parsing every one up front (abbreviations, line program headers) would cost tens of
//! megabytes for the two or three a backtrace passes through.

use std::sync::Arc;

use super::lines::SourceLine;
use super::{Debug, Die, Unit};
use crate::error::{Error, Result};

/// One function frame at an address: the function itself, or one inlined into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's name (demangled), when DWARF names it.
    pub function: Option<String>,
    /// Where in the source this frame is: for the innermost frame, the line of the address;
    /// for an outer one, the call of the function inlined into it.
    pub location: Option<SourceLine>,
    /// An inlined copy (not the outermost function at that address).
    pub inlined: bool,
}

/// How many links (abstract origin, specification) are followed to name a function.
const MAX_NAME_CHAIN: usize = 16;
/// How many inlined functions deep a frame chain goes before the rest is left out
/// (malformed DWARF could make a cycle).
const MAX_INLINE_DEPTH: usize = 256;

/// A function DIE of a unit: a subprogram, or an inlined copy of one.
#[derive(Debug, Clone, Copy)]
struct FunctionDie {
    offset: gimli::UnitOffset,
    /// The function it is inlined into (an index into [`FunctionIndex::functions`]);
    /// `None` for a subprogram.
    parent: Option<u32>,
}

/// A range of code of a function.
#[derive(Debug, Clone, Copy)]
struct CodeRange {
    low: u64,
    high: u64,
    /// How deep the function is nested in the unit's DIE tree: a range inside another
    /// starting at the same address sorts after it.
    depth: u32,
    function: u32,
}

/// The functions of one unit that have code, and their ranges sorted by start.
#[derive(Debug, Default)]
pub(crate) struct FunctionIndex {
    functions: Vec<FunctionDie>,
    ranges: Vec<CodeRange>,
}

impl FunctionIndex {
    /// The innermost function whose code contains `address`. Nested ranges start at or after
    /// their parent's, so the containing range that starts last (the deepest among equal
    /// starts) is the innermost.
    fn innermost(&self, address: u64) -> Option<u32> {
        let end = self.ranges.partition_point(|r| r.low <= address);
        self.ranges
            .get(..end)?
            .iter()
            .rev()
            .find(|r| address < r.high)
            .map(|r| r.function)
    }

    /// `function` and the functions it is inlined into, innermost first.
    fn chain(&self, function: u32) -> Vec<FunctionDie> {
        let mut chain = Vec::new();
        let mut next = Some(function);
        while let Some(index) = next {
            let Some(die) = self.functions.get(index as usize) else {
                break;
            };
            chain.push(*die);
            if chain.len() >= MAX_INLINE_DEPTH {
                break;
            }
            next = die.parent;
        }
        chain
    }
}

impl<'a> Debug<'a> {
    /// The frames at `address`, innermost (an inlined function) first; empty when no
    /// function's code contains it.
    pub(crate) fn frames_at(&self, address: u64) -> Result<Vec<FrameInfo>> {
        for unit_index in self.units_at(address).collect::<Vec<_>>() {
            let index = self.function_index(unit_index)?;
            let Some(innermost) = index.innermost(address) else {
                continue;
            };
            let unit = self.unit(unit_index)?;
            let chain = index.chain(innermost);
            let mut frames = Vec::with_capacity(chain.len());
            let mut location = self.line_at(address)?;
            let last = chain.len().saturating_sub(1);
            for (position, function) in chain.iter().enumerate() {
                let entry = unit
                    .entry(function.offset)
                    .map_err(|e| Error::dwarf(".debug_info", e))?;
                let name = self.raw_name(unit_index, &unit, &entry, 0);
                frames.push(FrameInfo {
                    function: name.map(|name| crate::demangle::demangle(&name).into_owned()),
                    location: location.take(),
                    inlined: position < last,
                });
                // The frame outside an inlined copy is at the copy's call.
                location = self.call_site(&unit, &entry);
            }
            return Ok(frames);
        }
        Ok(Vec::new())
    }

    /// Unit `unit_index`'s function index, built on first use.
    fn function_index(&self, unit_index: usize) -> Result<&FunctionIndex> {
        let cell = self.functions.get(unit_index).ok_or(Error::Dwarf {
            section: ".debug_info",
            source: gimli::Error::NoEntryAtGivenOffset(unit_index as u64),
        })?;
        if let Some(index) = cell.get() {
            return Ok(index);
        }
        let unit = self.unit(unit_index)?;
        let built = {
            let _reading = self.reporter.part(crate::Part::Frames);
            self.index_functions(&unit)
        };
        Ok(cell.get_or_init(|| built))
    }

    /// One walk of `unit`'s DIEs: its functions with code and their ranges. A DIE that fails
    /// to parse ends the walk; what was read before it is kept.
    fn index_functions(&self, unit: &Arc<Unit<'a>>) -> FunctionIndex {
        let mut index = FunctionIndex::default();
        // The function DIEs enclosing the current one: (depth, index in `functions`).
        let mut enclosing: Vec<(isize, u32)> = Vec::new();
        let mut cursor = unit.entries();
        while let Ok(Some(entry)) = cursor.next_dfs() {
            let depth = entry.depth();
            while enclosing.last().is_some_and(|(d, _)| *d >= depth) {
                enclosing.pop();
            }
            let tag = entry.tag();
            let inlined = tag == gimli::DW_TAG_inlined_subroutine;
            if !inlined && tag != gimli::DW_TAG_subprogram {
                continue;
            }
            let Ok(function) = u32::try_from(index.functions.len()) else {
                break;
            };
            // A subprogram nested in another (a GNU C nested function) is a function of its
            // own, not inlined into the one around it.
            let parent = if inlined {
                enclosing.last().map(|(_, f)| *f)
            } else {
                None
            };
            index.functions.push(FunctionDie {
                offset: entry.offset(),
                parent,
            });
            enclosing.push((depth, function));
            let Some(mut ranges) = super::die_ranges(&self.dwarf, unit, entry) else {
                continue;
            };
            let nesting = u32::try_from(enclosing.len()).unwrap_or(u32::MAX);
            while let Ok(Some(range)) = ranges.next() {
                // Linkers leave functions they discarded at address 0.
                if range.begin < range.end && range.begin != 0 {
                    index.ranges.push(CodeRange {
                        low: range.begin,
                        high: range.end,
                        depth: nesting,
                        function,
                    });
                }
            }
        }
        index.ranges.sort_by_key(|r| (r.low, r.depth));
        index
    }

    /// A function DIE's name as stored (mangled where there is a linkage name): its own, or
    /// its abstract origin's or specification's.
    fn raw_name(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        depth: usize,
    ) -> Option<String> {
        let text = |value| {
            self.dwarf
                .attr_string(unit, value)
                .ok()
                .map(|s| s.to_string_lossy().into_owned())
        };
        for attribute in [
            gimli::DW_AT_linkage_name,
            gimli::DW_AT_MIPS_linkage_name,
            gimli::DW_AT_name,
        ] {
            if let Some(name) = entry.attr_value(attribute).and_then(text) {
                return Some(name);
            }
        }
        if depth >= MAX_NAME_CHAIN {
            return None;
        }
        [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification]
            .into_iter()
            .find_map(|link| {
                let next = self.reference(unit_index, entry.attr_value(link))?;
                let next_unit = self.unit(next.unit).ok()?;
                let next_entry = next_unit.entry(next.offset).ok()?;
                self.raw_name(next.unit, &next_unit, &next_entry, depth + 1)
            })
    }

    /// Where the inlined copy `entry` is called from (`DW_AT_call_file`, `DW_AT_call_line`).
    fn call_site(&self, unit: &Unit<'a>, entry: &Die<'a>) -> Option<SourceLine> {
        let line = entry
            .attr_value(gimli::DW_AT_call_line)?
            .udata_value()
            .and_then(|line| u32::try_from(line).ok())
            .filter(|line| *line != 0)?;
        let file = match entry.attr_value(gimli::DW_AT_call_file)? {
            gimli::AttributeValue::FileIndex(file) => file,
            value => value.udata_value()?,
        };
        let program = unit.line_program.as_ref()?;
        let header = program.header();
        let name = self.file_name(unit, header, header.file(file)?);
        Some(SourceLine {
            file: name.display,
            path: name.full,
            line,
        })
    }
}
