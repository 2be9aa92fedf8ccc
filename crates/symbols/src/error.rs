//! Errors of the symbol layer: each names what could not be read, never panics.

use thiserror::Error;

/// Why a question about a binary could not be answered.
#[derive(Debug, Clone, Error)]
pub enum Error {
    /// The bytes are not an ELF file this crate reads (x86-64, 64-bit).
    #[error("not a 64-bit ELF file: {0}")]
    NotElf(#[source] object::read::Error),
    /// A DWARF or call-frame section is malformed.
    #[error("malformed {section}: {source}")]
    Dwarf {
        /// The section (or table) that failed to parse.
        section: &'static str,
        /// What gimli said.
        #[source]
        source: gimli::Error,
    },
    /// Unwinding needs a register the frame does not have (DWARF number).
    #[error("call-frame information needs register {register}, which this frame does not have")]
    MissingRegister {
        /// The DWARF register number.
        register: u16,
    },
    /// A [`TypeRef`](crate::TypeRef) that names no type DIE of this module (it came from
    /// another module, or the DWARF is malformed).
    #[error("no type at .debug_info offset {offset:#x}")]
    BadTypeRef {
        /// The handle's `.debug_info` offset.
        offset: u64,
    },
    /// Unwinding (or a location expression) needs memory the caller could not read.
    #[error("call-frame information needs memory at {address:#x}, which cannot be read")]
    UnreadableMemory {
        /// Where.
        address: u64,
    },
    /// A compressed debug section could not be decompressed (malformed, or of a compression
    /// this crate does not read).
    #[error("cannot decompress {section}: {source}")]
    Decompress {
        /// The section.
        section: &'static str,
        /// What the decompression said.
        #[source]
        source: object::read::Error,
    },
    /// Compressed debug sections claim to decompress to more than the binary's size makes
    /// believable: refused rather than allocated.
    #[error("compressed {section} claims {size} bytes, beyond the limit of {limit} for this file")]
    CompressedTooLarge {
        /// The section whose size went over the limit.
        section: &'static str,
        /// Its claimed decompressed size.
        size: u64,
        /// The most all compressed sections of the file may decompress to.
        limit: u64,
    },
}

impl Error {
    pub(crate) fn dwarf(section: &'static str, source: gimli::Error) -> Error {
        Error::Dwarf { section, source }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
