//! The debugger's expression language: C, C++ and Rust expressions as a debugger user types
//! them (`p->next->value`, `arr[i] * 2`, `(long)x`, `v.len`, `s.0 as u8`), evaluated over a
//! [`Context`] the caller implements (the session, over a stopped process), and values
//! printed as gdb prints them (Rust values as Rust's `{:?}` shows them).
#![forbid(unsafe_code)]

pub mod ast;
mod children;
mod context;
mod cpp;
mod error;
mod eval;
mod format;
pub mod parse;
mod ptype;
mod rust;
mod sandbox;
pub mod types;
mod value;

pub use children::{children, Child};
pub use context::Context;
pub use cpp::{abbreviate, Access, CppClass, CppEnum, CppMethod, StaticField};
pub use error::{EvalError, Result};
pub use eval::{builtin_type, evaluate, is_true, resolve_type_name};
pub use format::{print_value, show_value, Format, PrintOptions, PRINT_MAX, REPEAT_THRESHOLD};
pub use parse::{parse, parse_type, ParseError};
pub use ptype::{ptype, whatis};
pub use sandbox::{try_everything, Sandbox};
pub use types::{EnumType, Field, StructKind, StructType, Type, TypeRc, Variant, Variants};
pub use value::{resolved, stripped, Place, Value, MAX_FETCH};
