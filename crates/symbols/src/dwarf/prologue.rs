//! Prologue analysis: where a breakpoint on a function goes, as gdb chooses it, from the
//! line table and the function's first bytes.

use super::lines::Row;
use super::Debug;
use crate::error::Result;

impl<'a> Debug<'a> {
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
