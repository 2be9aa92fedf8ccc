//! The types values have, as the evaluator and the printer need them: C's types (with Rust's
//! and C++'s shapes expressed in the same terms), built by the caller from debug information
//! or by the evaluator itself (`&x` makes a pointer type no binary may describe).
//!
//! A type is a tree of `Arc`s, except where a type refers to itself through a pointer
//! (`struct node { struct node *next; }`): the caller may leave a pointer's target
//! [`Type::Lazy`], with the name to print, and resolve it through
//! [`Context::resolve_type`](crate::Context::resolve_type) only when a value is looked through.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::cpp::{CppClass, CppEnum};

/// A type shared between values.
pub type TypeRc = Arc<Type>;

/// A type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `void`.
    Void,
    /// A boolean (`_Bool`, `bool`).
    Bool {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
    },
    /// An integer that is not a character.
    Int {
        /// Its name.
        name: String,
        /// Bytes: 1, 2, 4, 8 or 16.
        size: u8,
        /// Signed or not.
        signed: bool,
    },
    /// A character type: C's `char`, `signed char`, `unsigned char` (printed as `65 'A'`),
    /// `wchar_t`/`char32_t` and Rust's `char` (size 4, printed as a Unicode character).
    Char {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
        /// Signed or not.
        signed: bool,
    },
    /// A floating-point number: 4, 8 or 16 bytes (x87 extended precision in the low 10).
    Float {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
    },
    /// A pointer.
    Pointer(TypeRc),
    /// A C++ reference or a Rust reference (`&T`, printed as the value it refers to).
    Reference {
        /// What it refers to.
        target: TypeRc,
        /// A C++ rvalue reference (`T &&`).
        rvalue: bool,
    },
    /// An array; `count` is `None` for a flexible or unknown bound (`char text[]`).
    Array {
        /// The element type.
        element: TypeRc,
        /// Elements.
        count: Option<u64>,
    },
    /// A struct, class or union.
    Struct(Arc<StructType>),
    /// An enumeration.
    Enum(Arc<EnumType>),
    /// A typedef: printed by its name, behaves as its target.
    Typedef {
        /// The typedef's name.
        name: String,
        /// What it names.
        target: TypeRc,
    },
    /// `const T`.
    Const(TypeRc),
    /// `volatile T`.
    Volatile(TypeRc),
    /// A function type (what a function's name has, and what a function pointer points to).
    Function {
        /// Its return type.
        ret: TypeRc,
        /// Its parameter types.
        params: Vec<TypeRc>,
        /// Takes `...`.
        varargs: bool,
    },
    /// A C++ pointer to member: `int Holder::*` (an offset; -1 is null) or
    /// `int (Holder::*)(const Holder * const)` (a function and a `this` adjustment).
    MemberPointer {
        /// The member's type (a function type for a pointer to member function).
        target: TypeRc,
        /// The class.
        class: TypeRc,
    },
    /// A type the caller resolves on demand ([`crate::Context::resolve_type`]).
    Lazy {
        /// The caller's handle.
        id: u64,
        /// The type's name as C writes it (`struct node`), for printing without resolving.
        name: String,
    },
    /// A type the debug information describes in a way this crate does not model.
    Unknown {
        /// Its name, if any.
        name: String,
        /// Bytes.
        size: u64,
    },
}

/// A struct, class or union.
#[derive(Debug, Clone, PartialEq)]
pub struct StructType {
    /// Which of the three.
    pub kind: StructKind,
    /// Its tag, `None` for an anonymous one.
    pub name: Option<String>,
    /// Bytes.
    pub size: u64,
    /// Its data members (base classes first, as `inheritance` members).
    pub fields: Vec<Field>,
    /// A Rust enum's variants (the struct has no plain fields then, or only the
    /// discriminant).
    pub variants: Option<Variants>,
    /// Only declared here (`struct opaque;`): the caller found no definition.
    pub incomplete: bool,
    /// A C++ class: named without its keyword, with static members.
    pub cpp: Option<Arc<CppClass>>,
    /// Generic type parameters by name (`T` of Rust's `Vec<T>`, `K` and `V` of a map): the
    /// element types of containers whose own members only hold untyped pointers.
    pub template_params: Vec<(String, TypeRc)>,
}

/// Which kind of aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructKind {
    /// `struct`.
    Struct,
    /// `class`.
    Class,
    /// `union`.
    Union,
}

/// One data member.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Its name; `None` for an anonymous struct or union member.
    pub name: Option<String>,
    /// Its type.
    pub ty: TypeRc,
    /// Bytes from the start of the aggregate.
    pub offset: u64,
    /// For a bitfield: its offset in bits from the start of the aggregate and its width.
    pub bits: Option<(u64, u64)>,
    /// A base class (C++), printed as `<Base> = {...}`.
    pub base: bool,
}

/// A Rust enum's variants: which one a value holds is decided by the discriminant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variants {
    /// Where the discriminant is (absent for a single-variant enum).
    pub discriminant: Option<Field>,
    /// The variants; each member's type is the variant's own struct.
    pub variants: Vec<Variant>,
}

/// One variant of a Rust enum.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The discriminant value that selects it; `None` for the default (niche) variant.
    pub value: Option<u64>,
    /// The variant as a field of the enum (name = the variant's name, type = its struct).
    pub field: Field,
}

/// An enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// Its tag, `None` when anonymous.
    pub name: Option<String>,
    /// Bytes.
    pub size: u8,
    /// Whether the underlying integer is signed.
    pub signed: bool,
    /// Enumerators in declaration order.
    pub values: Vec<(String, i128)>,
    /// A C++ enumeration: named without its keyword, perhaps scoped.
    pub cpp: Option<Arc<CppEnum>>,
}

impl Type {
    /// A signed or unsigned integer type of the usual C name for its size.
    pub fn int(size: u8, signed: bool) -> TypeRc {
        let name = match (size, signed) {
            (1, true) => "signed char",
            (1, false) => "unsigned char",
            (2, true) => "short",
            (2, false) => "unsigned short",
            (4, true) => "int",
            (4, false) => "unsigned int",
            (8, true) => "long",
            (8, false) => "unsigned long",
            (_, true) => "__int128",
            (_, false) => "unsigned __int128",
        };
        Arc::new(Type::Int {
            name: name.into(),
            size,
            signed,
        })
    }

    /// C's `char`.
    pub fn c_char() -> TypeRc {
        Arc::new(Type::Char {
            name: "char".into(),
            size: 1,
            signed: true,
        })
    }

    /// C's `double`.
    pub fn double() -> TypeRc {
        Arc::new(Type::Float {
            name: "double".into(),
            size: 8,
        })
    }

    /// A pointer to `self`.
    pub fn pointer_to(target: TypeRc) -> TypeRc {
        Arc::new(Type::Pointer(target))
    }

    /// The type with typedefs and qualifiers looked through (not lazy types: see
    /// [`crate::Context::resolve_type`]).
    pub fn strip(&self) -> &Type {
        let mut ty = self;
        for _ in 0..64 {
            match ty {
                Type::Typedef { target, .. } | Type::Const(target) | Type::Volatile(target) => {
                    ty = target;
                }
                _ => return ty,
            }
        }
        ty
    }

    /// Bytes a value of this type occupies; `None` for `void`, functions, unknown-bound
    /// arrays and lazy types.
    pub fn size(&self) -> Option<u64> {
        match self.strip() {
            Type::Void | Type::Function { .. } | Type::Lazy { .. } => None,
            Type::Bool { size, .. }
            | Type::Int { size, .. }
            | Type::Char { size, .. }
            | Type::Float { size, .. } => Some(u64::from(*size)),
            Type::Pointer(_) | Type::Reference { .. } => Some(8),
            Type::MemberPointer { target, .. } => Some(match target.as_ref() {
                Type::Function { .. } => 16,
                _ => 8,
            }),
            Type::Array { element, count } => element.size()?.checked_mul((*count)?),
            Type::Struct(s) => Some(s.size),
            Type::Enum(e) => Some(u64::from(e.size)),
            Type::Unknown { size, .. } => Some(*size),
            Type::Typedef { .. } | Type::Const(_) | Type::Volatile(_) => None,
        }
    }

    /// An integer, character, boolean or enum: a value C arithmetic works on as an integer.
    pub fn is_integral(&self) -> bool {
        matches!(
            self.strip(),
            Type::Int { .. } | Type::Char { .. } | Type::Bool { .. } | Type::Enum(_)
        )
    }

    /// Whether a value of this type is signed when read as an integer.
    pub fn is_signed(&self) -> bool {
        match self.strip() {
            Type::Int { signed, .. } | Type::Char { signed, .. } => *signed,
            Type::Enum(e) => e.signed,
            Type::Float { .. } => true,
            _ => false,
        }
    }

    /// A pointer (not a reference).
    pub fn is_pointer(&self) -> bool {
        matches!(self.strip(), Type::Pointer(_))
    }

    /// A scalar: what a condition can test (integers, floats, pointers).
    pub fn is_scalar(&self) -> bool {
        self.is_integral() || matches!(self.strip(), Type::Float { .. } | Type::Pointer(_))
    }

    /// A single-byte character type (C's `char`s, whose arrays print as strings).
    pub fn is_byte_char(&self) -> bool {
        matches!(self.strip(), Type::Char { size: 1, .. })
    }

    /// The type's name as C writes it: `int`, `struct point *`, `char [16]`,
    /// `int (*)(int, int)`, `const char *`.
    pub fn name(&self) -> String {
        self.declaration("")
    }

    /// A declaration of `name` with this type, as C writes it: `char name[12]`,
    /// `int (*callback)(int, int)`, `const char *label` (the name alone when empty).
    pub fn declaration(&self, name: &str) -> String {
        self.declaration_with_base(&self.base_name(), name)
    }

    /// [`Type::declaration`] with the base type written as `base` (ptype writes a struct's
    /// body there).
    pub fn declaration_with_base(&self, base: &str, name: &str) -> String {
        let mut prefix = String::new();
        let mut suffix = String::new();
        self.declarator(&mut prefix, &mut suffix, 0);
        // The declarator was built around the base name; put the one asked for in front.
        let rest = prefix.strip_prefix(&self.base_name()).unwrap_or(&prefix);
        let mut out = format!("{base}{rest}");
        let middle = format!("{name}{suffix}");
        if !middle.is_empty() {
            if !out.ends_with('*') && !out.ends_with('&') && !out.ends_with('(') {
                out.push(' ');
            }
            out.push_str(&middle);
        }
        out
    }

    /// The name of the base type without declarators: `struct point`, `int`, `point_t`.
    pub fn base_name(&self) -> String {
        match self {
            Type::Void => "void".into(),
            Type::Bool { name, .. }
            | Type::Int { name, .. }
            | Type::Char { name, .. }
            | Type::Float { name, .. }
            | Type::Typedef { name, .. }
            | Type::Lazy { name, .. }
            | Type::Unknown { name, .. } => name.clone(),
            Type::Struct(s) => {
                let keyword = s.kind.keyword();
                match &s.name {
                    Some(name) if is_rust_like(name) || s.cpp.is_some() => name.clone(),
                    Some(name) => format!("{keyword} {name}"),
                    None => format!("{keyword} {{...}}"),
                }
            }
            Type::Enum(e) => match &e.name {
                Some(name) if e.cpp.is_some() || is_rust_like(name) => name.clone(),
                Some(name) => format!("enum {name}"),
                None => "enum {...}".into(),
            },
            Type::Const(inner) | Type::Volatile(inner)
                if is_pointer_like(inner)
                    || matches!(inner.as_ref(), Type::Array { .. } | Type::Function { .. }) =>
            {
                inner.base_name()
            }
            Type::Const(inner) => format!("const {}", inner.base_name()),
            Type::Volatile(inner) => format!("volatile {}", inner.base_name()),
            Type::Pointer(inner) | Type::Reference { target: inner, .. } => inner.base_name(),
            Type::MemberPointer { target, .. } => target.base_name(),
            Type::Array { element, .. } => element.base_name(),
            Type::Function { ret, .. } => ret.base_name(),
        }
    }

    /// Build C's declarator around a base name: `prefix` grows to the left (base, `*`),
    /// `suffix` to the right (`[N]`, `(params)`), with parentheses where a pointer binds to
    /// an array or function.
    fn declarator(&self, prefix: &mut String, suffix: &mut String, depth: u32) {
        if depth > 32 {
            prefix.push_str("...");
            return;
        }
        match self {
            Type::Pointer(target) | Type::Reference { target, .. } => {
                let sigil = match self {
                    Type::Reference { rvalue: true, .. } => "&&",
                    Type::Reference { .. } => "&",
                    _ => "*",
                };
                let wraps = matches!(target.as_ref(), Type::Array { .. } | Type::Function { .. });
                let mut inner_suffix = String::new();
                target.declarator(prefix, &mut inner_suffix, depth + 1);
                if wraps {
                    prefix.push_str(" (");
                    prefix.push_str(sigil);
                    // The name goes between the sigil and `)`: `int (*f)(int)`.
                    let mut wrapped = String::from(")");
                    wrapped.push_str(suffix);
                    *suffix = wrapped;
                    suffix.push_str(&inner_suffix);
                } else {
                    if !prefix.ends_with('*') && !prefix.ends_with('&') {
                        prefix.push(' ');
                    }
                    prefix.push_str(sigil);
                    suffix.push_str(&inner_suffix);
                }
            }
            Type::MemberPointer { target, class } => {
                let sigil = format!("{}::*", class.base_name());
                let mut inner_suffix = String::new();
                target.declarator(prefix, &mut inner_suffix, depth + 1);
                if matches!(target.as_ref(), Type::Function { .. }) {
                    prefix.push_str(" (");
                    prefix.push_str(&sigil);
                    let mut wrapped = String::from(")");
                    wrapped.push_str(suffix);
                    *suffix = wrapped;
                } else {
                    prefix.push(' ');
                    prefix.push_str(&sigil);
                }
                suffix.push_str(&inner_suffix);
            }
            Type::Const(target) if is_pointer_like(target) => {
                target.declarator(prefix, suffix, depth + 1);
                prefix.push_str(" const");
            }
            Type::Volatile(target) if is_pointer_like(target) => {
                target.declarator(prefix, suffix, depth + 1);
                prefix.push_str(" volatile");
            }
            Type::Array { element, count } => {
                let mut inner_suffix = String::new();
                element.declarator(prefix, &mut inner_suffix, depth + 1);
                match count {
                    Some(n) => {
                        let _ = write!(suffix, "[{n}]");
                    }
                    None => suffix.push_str("[]"),
                }
                suffix.push_str(&inner_suffix);
            }
            Type::Function {
                ret,
                params,
                varargs,
            } => {
                let mut inner_suffix = String::new();
                ret.declarator(prefix, &mut inner_suffix, depth + 1);
                suffix.push('(');
                let mut names: Vec<String> = params.iter().map(|p| p.name()).collect();
                // No parameters but `...`: C's unprototyped `()`. No parameters and no
                // `...`: `(void)`.
                if *varargs && !names.is_empty() {
                    names.push("...".into());
                }
                if names.is_empty() && !*varargs {
                    names.push("void".into());
                }
                suffix.push_str(&names.join(", "));
                suffix.push(')');
                suffix.push_str(&inner_suffix);
            }
            _ => prefix.push_str(&self.base_name()),
        }
    }
}

impl StructKind {
    /// The C keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            StructKind::Struct => "struct",
            StructKind::Class => "class",
            StructKind::Union => "union",
        }
    }
}

/// A pointer (or a qualified pointer), whose qualifiers C writes after the `*`.
fn is_pointer_like(ty: &Type) -> bool {
    matches!(ty, Type::Pointer(_) | Type::Reference { .. })
}

/// A name already qualified or generic (`alloc::string::String`, `Vec<i32>`), or one of
/// Rust's structural names (`&str`, `&[u8]`, `(i32, &str)`): names that take no `struct`
/// keyword.
fn is_rust_like(name: &str) -> bool {
    name.contains("::") || name.contains('<') || name.starts_with(['&', '(', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named_struct(name: &str) -> TypeRc {
        Arc::new(Type::Struct(Arc::new(StructType {
            kind: StructKind::Struct,
            name: Some(name.into()),
            size: 8,
            fields: Vec::new(),
            variants: None,
            incomplete: false,
            cpp: None,
            template_params: Vec::new(),
        })))
    }

    #[test]
    fn names_read_as_c_declarations() {
        let int = Type::int(4, true);
        let char_ = Type::c_char();
        let check = |ty: TypeRc, expected: &str| assert_eq!(ty.name(), expected);
        check(int.clone(), "int");
        check(Type::pointer_to(int.clone()), "int *");
        check(Type::pointer_to(Type::pointer_to(char_.clone())), "char **");
        check(
            Type::pointer_to(Arc::new(Type::Const(char_.clone()))),
            "const char *",
        );
        check(
            Arc::new(Type::Array {
                element: char_.clone(),
                count: Some(16),
            }),
            "char [16]",
        );
        let grid = Arc::new(Type::Array {
            element: Arc::new(Type::Array {
                element: int.clone(),
                count: Some(3),
            }),
            count: Some(2),
        });
        check(grid.clone(), "int [2][3]");
        check(Type::pointer_to(grid), "int (*)[2][3]");
        let function = Arc::new(Type::Function {
            ret: int.clone(),
            params: vec![int.clone(), int.clone()],
            varargs: false,
        });
        check(function.clone(), "int (int, int)");
        check(Type::pointer_to(function), "int (*)(int, int)");
        check(Type::pointer_to(named_struct("point")), "struct point *");
        check(Arc::new(Type::Const(Type::pointer_to(int))), "int * const");
        let array_of_pointers = Arc::new(Type::Array {
            element: Type::pointer_to(char_),
            count: Some(4),
        });
        check(array_of_pointers, "char *[4]");
    }
}
