//! Errors of the symbol layer: each names what could not be read, never panics.

use thiserror::Error;

/// Why a question about a binary could not be answered.
#[derive(Debug, Error)]
pub enum Error {
    /// The bytes are not an ELF file this crate reads (x86-64, 64-bit).
    #[error("not a 64-bit ELF file: {0}")]
    NotElf(String),
    /// A section is malformed.
    #[error("malformed {section}: {reason}")]
    Malformed {
        /// The section (or table) that failed to parse.
        section: &'static str,
        /// What the parser said.
        reason: String,
    },
}

impl Error {
    pub(crate) fn dwarf(section: &'static str, error: impl std::fmt::Display) -> Error {
        Error::Malformed {
            section,
            reason: error.to_string(),
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
