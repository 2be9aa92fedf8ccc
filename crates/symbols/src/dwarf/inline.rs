//! Inlined functions: the frames at an address (a function and those inlined into it,
//! through addr2line), and the inlined copies of a function a breakpoint names.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::lines::SourceLine;
use super::{Debug, Reader};
use crate::error::{Error, Result};

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

/// How much of `.debug_info` a full scan reads before giving the pages behind it back.
const RELEASE_EVERY: usize = 4 << 20;

impl<'a> Debug<'a> {
    /// The addresses of every inlined copy of a function `query` names (gdb puts a
    /// breakpoint location on each): the entry of each `DW_TAG_inlined_subroutine` whose
    /// abstract origin is so named (by its demangled linkage name, or its plain name).
    ///
    /// The scan reads all of `.debug_info`: every few megabytes the part behind it is handed
    /// to `done` (so that a memory map can give those pages back), and `.debug_str` at the
    /// end.
    pub(crate) fn inlined_sites(
        &self,
        query: &str,
        done: &dyn Fn(&[u8]),
    ) -> Result<Vec<(String, u64)>> {
        let mut sites = Vec::new();
        let info = self.sections.get(gimli::SectionId::DebugInfo);
        let mut released = 0usize;
        let total = self.units.len();
        let mut reading = self.reporter.part(crate::Part::InlinedCopies);
        for (scanned, offset) in self.units.iter().enumerate() {
            reading.progress(scanned, total);
            if offset.0 >= released + RELEASE_EVERY {
                done(info.get(released..offset.0).unwrap_or_default());
                released = offset.0;
            }
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
        done(info.get(released..).unwrap_or_default());
        done(self.sections.get(gimli::SectionId::DebugStr));
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

    /// The frames at `address`, innermost (an inlined function) first.
    pub(crate) fn frames_at(&self, address: u64) -> Result<Vec<FrameInfo>> {
        let Some(context) = self.frames.get_or_init(|| {
            let _reading = self.reporter.part(crate::Part::Frames);
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
