//! Inlined functions: the inlined copies of a function a breakpoint names.

use std::collections::HashMap;

use super::{Debug, Reader};
use crate::error::Result;

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
}
