//! The syntax tree of an expression, as the parser builds it and the evaluator walks it. One
//! tree for every language: C, C++ and Rust differ in how they are written (`(int)x` and
//! `x as i32`, `a::b`, `s.0`), not in what they mean to a debugger.

/// The language an expression is written in: the language of the selected frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// C (also assembly and unknown code).
    #[default]
    C,
    /// C++: C plus `::` scopes, `true`/`false`, `nullptr`, references.
    Cpp,
    /// Rust: `as` casts, `::` paths, tuple fields `s.0`, literal suffixes (`5u8`), `&mut`.
    Rust,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value.
    Literal(Literal),
    /// A variable, function or enumerator name; a path (`a::b`, `crate::x`) as written,
    /// joined with `::`.
    Name(String),
    /// A register, `$rax`, `$pc`, `$sp`, `$eflags` (the name without `$`).
    Register(String),
    /// A value from the value history: `$` (last), `$N`, `$$`, `$$N`.
    History(HistoryRef),
    /// A prefix operator applied to an operand.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operator (not assignment).
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `lhs = rhs`, or a compound assignment `lhs op= rhs` (`op` is `Some`).
    Assign(Box<Expr>, Option<BinaryOp>, Box<Expr>),
    /// `cond ? then : otherwise`.
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `(type) expr` in C and C++, `expr as type` in Rust.
    Cast(TypeName, Box<Expr>),
    /// `sizeof(type)`.
    SizeOfType(TypeName),
    /// `sizeof expr`.
    SizeOfExpr(Box<Expr>),
    /// `base[index]`.
    Index(Box<Expr>, Box<Expr>),
    /// `base.field` (a Rust tuple field `s.0` has the field name `"0"`).
    Field(Box<Expr>, String),
    /// `base->field`.
    Arrow(Box<Expr>, String),
}

/// A reference to a value already printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRef {
    /// `$N`: the value numbered N.
    Absolute(u64),
    /// `$` (0) and `$$` (1), `$$N` (N): counting back from the last value.
    Relative(u64),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer literal with its value and what its suffix or context says of its type.
    Int {
        /// The value, as written (without a sign: `-1` is a negation of `1`).
        value: u128,
        /// The type the literal has.
        kind: IntKind,
    },
    /// A floating-point literal.
    Float {
        /// The value.
        value: f64,
        /// `1.5f` in C, `1.5f32` in Rust.
        single: bool,
    },
    /// A character literal (`'a'`, `'\n'`, `b'a'` in Rust), as its code point.
    Char(u32),
    /// A string literal (`"text"`, `b"bytes"`), as its bytes without a terminating NUL.
    Str(Vec<u8>),
    /// `true` / `false`.
    Bool(bool),
    /// `nullptr` (C++), `NULL` is a name.
    Null,
}

/// The type of an integer literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
    /// No suffix: C's rules pick `int`, `long`, ... by value (and `unsigned` for hex/octal
    /// that does not fit the signed type); Rust's default is `i32`.
    Unsuffixed,
    /// `u` / `U`.
    Unsigned,
    /// `l` / `L`.
    Long,
    /// `ul` / `lu`.
    UnsignedLong,
    /// `ll`.
    LongLong,
    /// `ull`.
    UnsignedLongLong,
    /// A Rust suffix: `i8` .. `i128`, `u8` .. `u128`, `isize`, `usize` as (bytes, signed).
    Rust {
        /// Bytes: 1, 2, 4, 8 or 16.
        size: u8,
        /// Signed or not.
        signed: bool,
    },
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
    /// `!x` (logical not in C, bitwise not on Rust integers).
    Not,
    /// `~x`.
    BitNot,
    /// `*p`.
    Deref,
    /// `&x` (Rust `&mut x` too).
    AddrOf,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// A type as written in a cast or `sizeof`: a base name and the declarator operators
/// applied to it, innermost first (`char *[4]` is base `char`, ops `[Pointer, Array(4)]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// The base type as written, normalised to single spaces: `int`, `unsigned long`,
    /// `struct point`, `enum color`, `point_t`, `u32`, `std::string`, `()`. Qualifiers
    /// (`const`, `volatile`) are dropped.
    pub base: String,
    /// Pointer and array declarators, innermost (closest to the base) first.
    pub ops: Vec<TypeOp>,
}

/// A declarator applied to a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeOp {
    /// `T *` (C), `*const T` / `*mut T` / `&T` / `&mut T` (Rust).
    Pointer,
    /// `T [N]` (C), `[T; N]` (Rust).
    Array(u64),
}

impl Expr {
    /// Whether evaluating the expression would write the program (an assignment anywhere
    /// in it): `whatis` and `ptype` must not.
    pub fn assigns(&self) -> bool {
        let mut pending = vec![self];
        while let Some(expr) = pending.pop() {
            match expr {
                Expr::Assign(..) => return true,
                Expr::Literal(_) | Expr::Name(_) | Expr::Register(_) | Expr::History(_) => {}
                Expr::SizeOfType(_) => {}
                Expr::Unary(_, inner)
                | Expr::Cast(_, inner)
                | Expr::SizeOfExpr(inner)
                | Expr::Field(inner, _)
                | Expr::Arrow(inner, _) => pending.push(inner),
                Expr::Binary(_, left, right) | Expr::Index(left, right) => {
                    pending.push(left);
                    pending.push(right);
                }
                Expr::Conditional(a, b, c) => {
                    pending.push(a);
                    pending.push(b);
                    pending.push(c);
                }
            }
        }
        false
    }

    /// The names the expression refers to (variables, functions, enumerators), in order of
    /// appearance, each once.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        let mut pending = vec![self];
        while let Some(expr) = pending.pop() {
            match expr {
                Expr::Name(name) => {
                    if !names.contains(&name.as_str()) {
                        names.push(name);
                    }
                }
                Expr::Literal(_) | Expr::Register(_) | Expr::History(_) | Expr::SizeOfType(_) => {}
                Expr::Unary(_, inner)
                | Expr::Cast(_, inner)
                | Expr::SizeOfExpr(inner)
                | Expr::Field(inner, _)
                | Expr::Arrow(inner, _) => pending.push(inner),
                Expr::Binary(_, left, right)
                | Expr::Assign(left, _, right)
                | Expr::Index(left, right) => {
                    pending.push(right);
                    pending.push(left);
                }
                Expr::Conditional(condition, then, otherwise) => {
                    pending.push(otherwise);
                    pending.push(then);
                    pending.push(condition);
                }
            }
        }
        names
    }
}
