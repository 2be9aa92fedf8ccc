//! The debugger's expression language: C, C++ and Rust expressions as a debugger user types
//! them (`p->next->value`, `arr[i] * 2`, `(long)x`, `v.len`, `s.0 as u8`).
#![forbid(unsafe_code)]

pub mod ast;
pub mod parse;

pub use parse::{parse, parse_type, ParseError};
