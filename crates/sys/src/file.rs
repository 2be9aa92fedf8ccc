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

impl AsRef<[u8]> for MappedFile {
    fn as_ref(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}
