//! Line tables: each unit's read once into an owned, compact table of rows and sequences;
//! the source line at an address, statement starts, and the addresses of a file's line.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::{Debug, Reader};
use crate::error::{Error, Result};

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

/// A file of a line table: how it is shown, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileName {
    pub(crate) display: String,
    pub(crate) full: String,
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

    /// The end (first address past) of the sequence containing `address`.
    fn sequence_end(&self, address: u64) -> Option<u64> {
        let index = self.sequences.partition_point(|s| s.low <= address);
        let sequence = self.sequences.get(index.checked_sub(1)?)?;
        (address < sequence.high).then_some(sequence.high)
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

impl<'a> Debug<'a> {
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

    pub(super) fn file_name(
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
    pub(super) fn with_sequence<T>(
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

    /// The source line of `address`: the last row at or before it (line 0 rows skipped) —
    /// but, as gdb reads a table, the last statement row among the rows at that row's
    /// address when there is one (optimised code puts several lines at one address, the
    /// statement ones first: `{`, the first statement, then a non-statement view of `{`).
    pub(crate) fn line_at(&self, address: u64) -> Result<Option<SourceLine>> {
        Ok(self
            .with_sequence(address, |table, rows| {
                let end = rows.partition_point(|r| r.address <= address);
                let before = rows.get(..end)?;
                let last = before.iter().rev().find(|r| r.line != 0)?;
                let chosen = before
                    .iter()
                    .rev()
                    .skip_while(|r| r.address != last.address)
                    .take_while(|r| r.address == last.address)
                    .find(|r| r.is_stmt && r.line != 0)
                    .unwrap_or(last);
                Some(table.source_line(chosen.file, chosen.line))
            })?
            .flatten())
    }

    /// The addresses where rows start around `address` in its sequence, ascending and
    /// distinct: at most `reach` before the row containing it (that row's included) and
    /// `reach` after, then the sequence's end when it is within reach. Between two of them
    /// the source line and statement start of every address are those of the first.
    pub(crate) fn row_starts(&self, address: u64, reach: usize) -> Result<Option<Vec<u64>>> {
        for unit in self.units_at(address) {
            let table = self.line_table(unit)?;
            let (Some(rows), Some(end)) = (table.sequence_at(address), table.sequence_end(address))
            else {
                continue;
            };
            let mut starts: Vec<u64> = rows.iter().map(|r| r.address).collect();
            starts.dedup();
            let at = starts.partition_point(|a| *a <= address).saturating_sub(1);
            let from = at.saturating_sub(reach);
            let to = at.saturating_add(reach + 1);
            let mut window = starts
                .get(from..to.min(starts.len()))
                .unwrap_or_default()
                .to_vec();
            if to >= starts.len() {
                window.push(end);
            }
            return Ok(Some(window));
        }
        Ok(None)
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

    /// Every unit's line table, built now if needed (for questions by file and line).
    /// Shared, not borrowed: the caller keeps them past its borrow of the module's cell.
    pub(crate) fn all_line_tables(&self) -> Result<Vec<Arc<LineTable>>> {
        // Reported only when some are still to read (the second question is quick).
        let mut reading = self
            .lines
            .iter()
            .any(|cell| cell.get().is_none())
            .then(|| self.reporter.part(crate::Part::LineTables));
        let total = self.lines.len();
        self.lines
            .iter()
            .enumerate()
            .map(|(unit, cell)| {
                if let Some(reading) = &mut reading {
                    reading.progress(unit, total);
                }
                self.cached_line_table(unit, cell).map(Arc::clone)
            })
            .collect()
    }
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
