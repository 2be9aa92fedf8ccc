//! The ELF symbol table (`.symtab`, or `.dynsym` when the binary is stripped), sorted by
//! address once, on the first question that needs it.

use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind, SymbolSection};

use crate::addr::FileAddr;
use crate::demangle::{demangle, last_component, matches};

/// One ELF symbol: a function or a data object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The readable name (demangled).
    pub name: String,
    /// The name as stored in the binary.
    pub raw_name: String,
    /// Its address in the binary (before the load bias).
    pub address: FileAddr,
    /// Its size in bytes (0 when the binary does not say).
    pub size: u64,
    /// Whether it is code.
    pub is_function: bool,
}

#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    address: u64,
    size: u64,
    name: &'a str,
    is_function: bool,
    /// Which name gdb prefers among several at one address: 0 global, 1 weak, 2 local.
    binding: u8,
}

impl Entry<'_> {
    fn to_symbol(self) -> Symbol {
        Symbol {
            name: demangle(self.name).into_owned(),
            raw_name: self.name.to_string(),
            address: FileAddr::new(self.address),
            size: self.size,
            is_function: self.is_function,
        }
    }
}

/// Symbols sorted by address.
#[derive(Debug)]
pub(crate) struct SymbolTable<'a> {
    entries: Vec<Entry<'a>>,
    /// Read from `.dynsym`: the binary has no `.symtab`.
    pub(crate) dynamic_only: bool,
}

impl<'a> SymbolTable<'a> {
    pub(crate) fn read(elf: &impl Object<'a>) -> SymbolTable<'a> {
        let mut entries = collect(elf, elf.symbols());
        let dynamic_only = entries.is_empty();
        if dynamic_only {
            entries = collect(elf, elf.dynamic_symbols());
        }
        // Functions before data at one address, then sized before unsized, then global before
        // weak before local (gdb names `raise`, not its weak alias `gsignal`), then by name, so
        // that lookups are deterministic; exact duplicates (a name in both tables) go.
        entries.sort_by(|a, b| {
            (a.address, !a.is_function, a.size == 0, a.binding, a.name).cmp(&(
                b.address,
                !b.is_function,
                b.size == 0,
                b.binding,
                b.name,
            ))
        });
        entries.dedup_by(|a, b| a.address == b.address && a.name == b.name);
        SymbolTable {
            entries,
            dynamic_only,
        }
    }

    /// How many symbols there are.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The symbol `address` belongs to: the closest one at or below it that either contains
    /// it (by its size) or has no size. Functions are preferred over data at one address.
    pub(crate) fn containing(&self, address: u64) -> Option<Symbol> {
        let end = self.entries.partition_point(|e| e.address <= address);
        let candidates = self.entries.get(..end)?;
        let top = candidates.last()?.address;
        // Every symbol at the closest address, best first (see the sort in `read`).
        let first = candidates.partition_point(|e| e.address < top);
        let at_top = candidates.get(first..)?;
        at_top
            .iter()
            .find(|e| e.size == 0 || address < e.address.saturating_add(e.size))
            .map(|e| e.to_symbol())
    }

    /// Every symbol `query` names: the raw name exactly (`main`, `_start`,
    /// `_ZN6bigbin4main17h…E`), or the demangled one by gdb's wild matching.
    pub(crate) fn named(&self, query: &str) -> Vec<Symbol> {
        let needle = last_component(query);
        let mut found: Vec<Symbol> = Vec::new();
        for entry in &self.entries {
            let hit = entry.name == query
                || (is_mangled(entry.name)
                    && entry.name.contains(needle)
                    && matches(&demangle(entry.name), query));
            if hit && !found.iter().any(|s| s.address.get() == entry.address) {
                found.push(entry.to_symbol());
            }
        }
        found
    }

    /// Up to `limit` readable names of functions that start with `prefix`, sorted, each once.
    pub(crate) fn functions_starting_with(&self, prefix: &str, limit: usize) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.is_function)
            .map(|e| demangle(e.name))
            .filter(|name| name.starts_with(prefix))
            .map(|name| name.into_owned())
            .collect();
        names.sort();
        names.dedup();
        names.truncate(limit);
        names
    }

    /// Up to `limit` names close to `query` (sharing its last component, case-insensitively),
    /// for "did you mean" suggestions.
    pub(crate) fn similar(&self, query: &str, limit: usize) -> Vec<String> {
        let needle = last_component(query).to_ascii_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let mut names: Vec<String> = Vec::new();
        for entry in self.entries.iter().filter(|e| e.is_function) {
            if names.len() >= limit {
                break;
            }
            let name = demangle(entry.name);
            let base = last_component(&name).to_ascii_lowercase();
            let close =
                base.contains(&needle) || (needle.len() >= 3 && edit_distance(&base, &needle) <= 2);
            if close && !names.iter().any(|n| *n == name) {
                names.push(name.into_owned());
            }
        }
        names
    }
}

fn collect<'a>(
    elf: &impl Object<'a>,
    symbols: impl Iterator<Item = impl ObjectSymbol<'a>>,
) -> Vec<Entry<'a>> {
    // A label without a type (`STT_NOTYPE`, e.g. one written in assembly) in a code section
    // is code, as gdb counts it: `break label` stops there.
    let in_code = |s: &dyn Fn() -> SymbolSection| match s() {
        SymbolSection::Section(index) => elf
            .section_by_index(index)
            .is_ok_and(|section| section.kind() == SectionKind::Text),
        _ => false,
    };
    symbols
        .filter(|s| s.is_definition() && s.address() != 0)
        .filter_map(|s| {
            let is_function = match s.kind() {
                SymbolKind::Text => true,
                SymbolKind::Data => false,
                SymbolKind::Unknown if in_code(&|| s.section()) => true,
                _ => return None,
            };
            let name = s.name().ok().filter(|n| !n.is_empty())?;
            Some(Entry {
                address: s.address(),
                size: s.size(),
                name,
                is_function,
                binding: if s.is_weak() {
                    1
                } else if s.is_global() {
                    0
                } else {
                    2
                },
            })
        })
        .collect()
}

fn is_mangled(name: &str) -> bool {
    name.starts_with("_Z") || name.starts_with("_R")
}

/// Levenshtein distance, for suggestions only (short strings).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let delete = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = current.get(j).copied().unwrap_or(0) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("main", "mian"), 2);
        assert_eq!(edit_distance("main", "main"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
