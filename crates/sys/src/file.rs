//! Read-only memory maps of whole files: how the debugger reads binaries and their debug
//! information without copying them (pages are read from disk only when touched).

use std::fs::File;
use std::path::Path;

/// A read-only, private memory map of a whole file (empty files are not mapped).
#[derive(Debug)]
pub struct MappedFile {
    map: Option<memmap2::Mmap>,
}

impl MappedFile {
    /// Map the file at `path`.
    pub fn open(path: &Path) -> std::io::Result<MappedFile> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(MappedFile { map: None });
        }
        // SAFETY: the map is read-only and private, and the bytes are only ever read as
        // plain `u8`s. Rust's aliasing rules assume nothing else changes them: a program
        // rewriting or truncating its own binary while it is being debugged would break that
        // (a truncation turns reads into SIGBUS), as it does for every debugger that maps
        // binaries; binaries are replaced, not rewritten in place, by compilers and package
        // managers.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(MappedFile { map: Some(map) })
    }
}

impl MappedFile {
    /// Give back the pages of `range` (byte offsets in the file) that a scan read and will
    /// not need soon: they leave this process's resident memory, and come back from the
    /// page cache if touched again. The range is narrowed to whole pages.
    pub fn release(&self, range: std::ops::Range<usize>) {
        let Some(map) = &self.map else {
            return;
        };
        let page = 4096;
        let start = range.start.next_multiple_of(page);
        let end = range.end.min(map.len()) / page * page;
        if start >= end {
            return;
        }
        // SAFETY: the map is of a file, shared and read-only: after MADV_DONTNEED the pages
        // read back the same bytes from the file (the assumption the mapping itself rests
        // on, see `open`), so no `&[u8]` lent out of the map sees its contents change.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
    }
}

impl AsRef<[u8]> for MappedFile {
    fn as_ref(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}
