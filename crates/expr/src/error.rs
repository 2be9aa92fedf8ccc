//! Why an expression could not be evaluated or a value printed: one line each, in the words
//! a debugger user knows from gdb.

use thiserror::Error;

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvalError {
    /// No variable, function or enumerator has the name.
    #[error("no symbol \"{0}\" in current context")]
    UnknownName(String),
    /// No type has the name.
    #[error("no type named \"{0}\"")]
    UnknownType(String),
    /// No register has the name.
    #[error("no register named ${0}")]
    UnknownRegister(String),
    /// The frame's value of the register is not known (unwinding did not recover it).
    #[error("the value of ${0} is not known in this frame")]
    RegisterUnavailable(String),
    /// Memory the value needs cannot be read.
    #[error("cannot access memory at address {address:#x}")]
    Memory {
        /// The first address that could not be read.
        address: u64,
    },
    /// Memory the assignment writes cannot be written.
    #[error("cannot write memory at address {address:#x}")]
    WriteMemory {
        /// Where.
        address: u64,
    },
    /// A register the assignment writes cannot be written.
    #[error("cannot write register {0}")]
    WriteRegister(u16),
    /// The compiler did not keep the value.
    #[error("value has been optimized out")]
    OptimizedOut,
    /// Assignment to something that has no place.
    #[error("left operand of assignment is not an lvalue")]
    NotLvalue,
    /// `&x` of a value that is not in memory.
    #[error("attempt to take address of value not located in memory")]
    NotInMemory,
    /// `*p` of a `void *`.
    #[error("attempt to dereference a generic pointer")]
    GenericPointer,
    /// `*x` of something that is not a pointer.
    #[error("attempt to take contents of a non-pointer value")]
    NotPointer,
    /// `.f` or `->f` of something that is not a struct or union.
    #[error("attempt to extract a component of a value that is not a structure{}", if *.0 { " pointer" } else { "" })]
    NotStruct(bool),
    /// `.f` names no member.
    #[error("there is no member named {field} in {ty}")]
    NoField {
        /// The member asked for.
        field: String,
        /// The struct's type name.
        ty: String,
    },
    /// `a[i]` of something that cannot be indexed.
    #[error("cannot subscript something of type `{0}`")]
    NotIndexable(String),
    /// A Rust index past the end of an array, slice or `Vec` (Rust checks its bounds, and
    /// so does the debugger in a Rust frame).
    #[error("index out of bounds: the len is {len} but the index is {index}")]
    IndexOutOfBounds {
        /// The index asked for.
        index: i128,
        /// The number of elements.
        len: u64,
    },
    /// Integer division or remainder by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// An operator applied to operands it does not take.
    #[error("invalid operands to {op}: `{left}` and `{right}`")]
    BadOperands {
        /// The operator.
        op: &'static str,
        /// The left operand's type.
        left: String,
        /// The right operand's type.
        right: String,
    },
    /// A unary operator applied to an operand it does not take.
    #[error("invalid operand to {op}: `{ty}`")]
    BadOperand {
        /// The operator.
        op: &'static str,
        /// The operand's type.
        ty: String,
    },
    /// Rust: operands of different types.
    #[error("mismatched types: expected `{expected}`, found `{found}`")]
    MismatchedTypes {
        /// The left operand's type.
        expected: String,
        /// The right operand's type.
        found: String,
    },
    /// A cast between types that do not convert.
    #[error("invalid cast from `{from}` to `{to}`")]
    BadCast {
        /// The value's type.
        from: String,
        /// The type asked for.
        to: String,
    },
    /// A value of a type whose size is not known (`void`, an incomplete struct).
    #[error("`{0}` has no known size")]
    NoSize(String),
    /// A value too large to fetch whole.
    #[error("value of {0} bytes is too large to read whole")]
    TooLarge(u64),
    /// The expression nests deeper than the evaluator goes.
    #[error("expression nests too deeply")]
    TooDeep,
    /// No value history entry with that number.
    #[error("history has no value {0}")]
    NoHistory(String),
    /// There is no frame to evaluate in (no process, or it is running).
    #[error("no frame selected")]
    NoFrame,
    /// A feature of the language this evaluator does not have.
    #[error("{0} is not supported")]
    Unsupported(&'static str),
}

/// The result type of this crate.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;
