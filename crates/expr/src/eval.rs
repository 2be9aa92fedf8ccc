//! Evaluation of a syntax tree over a [`Context`]: names become values with places, and
//! operators follow C's rules (integer promotion, the usual arithmetic conversions, pointer
//! arithmetic scaled by the pointed-to size), with Rust's and C++'s `bool` results where
//! the frame's language has them. Assignment writes through the context; nothing else does.

use std::sync::Arc;

use crate::ast::{BinaryOp, Expr, IntKind, Language, Literal, TypeName, TypeOp, UnaryOp};
use crate::context::Context;
use crate::error::{EvalError, Result};
use crate::types::{StructType, Type, TypeRc};
use crate::value::{le_u128, resolved, stripped, Place, Value};

/// How deep the evaluator recurses (the parser limits nesting too; this guards trees built
/// by other means).
const MAX_DEPTH: u32 = 512;

/// The value of `expr` in the context's selected frame.
pub fn evaluate(ctx: &mut dyn Context, expr: &Expr) -> Result<Value> {
    let language = ctx.language();
    Evaluator { ctx, language }.eval(expr, 0)
}

/// Whether a value is true as a condition: a non-zero number or a non-null pointer.
pub fn is_true(ctx: &mut dyn Context, value: &Value) -> Result<bool> {
    let language = ctx.language();
    Evaluator { ctx, language }.truth(value)
}

/// The type named by a cast or `sizeof` type name.
pub fn resolve_type_name(ctx: &mut dyn Context, name: &TypeName) -> Result<TypeRc> {
    let language = ctx.language();
    Evaluator { ctx, language }.type_name(name)
}

/// A built-in type of the language by name (`int`, `unsigned long`, `u8`, `f64`).
pub fn builtin_type(name: &str, language: Language) -> Option<TypeRc> {
    let int = |size, signed| Some(Type::int(size, signed));
    let named_int = |name: &str, size, signed| {
        Some(Arc::new(Type::Int {
            name: name.into(),
            size,
            signed,
        }))
    };
    let float = |name: &str, size| {
        Some(Arc::new(Type::Float {
            name: name.into(),
            size,
        }))
    };
    let char_ = |name: &str, signed| {
        Some(Arc::new(Type::Char {
            name: name.into(),
            size: 1,
            signed,
        }))
    };
    if language == Language::Rust {
        return match name {
            "i8" => named_int("i8", 1, true),
            "i16" => named_int("i16", 2, true),
            "i32" => named_int("i32", 4, true),
            "i64" => named_int("i64", 8, true),
            "i128" => named_int("i128", 16, true),
            "isize" => named_int("isize", 8, true),
            "u8" => named_int("u8", 1, false),
            "u16" => named_int("u16", 2, false),
            "u32" => named_int("u32", 4, false),
            "u64" => named_int("u64", 8, false),
            "u128" => named_int("u128", 16, false),
            "usize" => named_int("usize", 8, false),
            "f32" => float("f32", 4),
            "f64" => float("f64", 8),
            "bool" => Some(Arc::new(Type::Bool {
                name: "bool".into(),
                size: 1,
            })),
            "char" => Some(Arc::new(Type::Char {
                name: "char".into(),
                size: 4,
                signed: false,
            })),
            "()" => Some(Arc::new(Type::Void)),
            _ => None,
        };
    }
    match name {
        "void" => Some(Arc::new(Type::Void)),
        "char" => char_("char", true),
        "signed char" => char_("signed char", true),
        "unsigned char" => char_("unsigned char", false),
        "short" => int(2, true),
        "unsigned short" => int(2, false),
        "int" => int(4, true),
        "unsigned int" => int(4, false),
        "long" => int(8, true),
        "unsigned long" => int(8, false),
        "long long" => named_int("long long", 8, true),
        "unsigned long long" => named_int("unsigned long long", 8, false),
        "__int128" => int(16, true),
        "unsigned __int128" => int(16, false),
        "float" => float("float", 4),
        "double" => float("double", 8),
        "long double" => float("long double", 16),
        "_Bool" | "bool" => Some(Arc::new(Type::Bool {
            name: name.into(),
            size: 1,
        })),
        _ => None,
    }
}

/// A scalar operand, after array-to-pointer and function-to-pointer decay.
#[derive(Debug, Clone)]
enum Num {
    Int(i128, TypeRc),
    Float(f64, TypeRc),
    Pointer(u64, TypeRc),
}

struct Evaluator<'c> {
    ctx: &'c mut dyn Context,
    language: Language,
}

impl Evaluator<'_> {
    fn eval(&mut self, expr: &Expr, depth: u32) -> Result<Value> {
        if depth > MAX_DEPTH {
            return Err(EvalError::TooDeep);
        }
        let next = depth + 1;
        match expr {
            Expr::Literal(literal) => self.literal(literal),
            Expr::Name(name) => self
                .ctx
                .lookup(name)?
                .ok_or_else(|| EvalError::UnknownName(name.clone())),
            Expr::Register(name) => self
                .ctx
                .register(name)?
                .ok_or_else(|| EvalError::UnknownRegister(name.clone())),
            Expr::History(which) => self.ctx.history(*which),
            Expr::Unary(op, operand) => {
                let value = self.eval(operand, next)?;
                self.unary(*op, value)
            }
            Expr::Binary(BinaryOp::And, left, right) => {
                let left = self.eval(left, next)?;
                let result = self.truth(&left)? && {
                    let right = self.eval(right, next)?;
                    self.truth(&right)?
                };
                Ok(self.boolean(result))
            }
            Expr::Binary(BinaryOp::Or, left, right) => {
                let left = self.eval(left, next)?;
                let result = self.truth(&left)? || {
                    let right = self.eval(right, next)?;
                    self.truth(&right)?
                };
                Ok(self.boolean(result))
            }
            Expr::Binary(op, left_expr, right_expr) => {
                let mut left = self.eval(left_expr, next)?;
                let mut right = self.eval(right_expr, next)?;
                if self.language == Language::Rust && !matches!(op, BinaryOp::Shl | BinaryOp::Shr) {
                    // Rust: an unsuffixed literal takes the other operand's type; otherwise
                    // both sides must have the same type, as rustc requires.
                    if is_unsuffixed(left_expr) {
                        left = self.cast(&left, &right.ty)?;
                    } else if is_unsuffixed(right_expr) {
                        right = self.cast(&right, &left.ty)?;
                    }
                    self.same_rust_types(&left, &right)?;
                }
                self.binary(*op, &left, &right)
            }
            Expr::Assign(target, op, source) => {
                let target = self.eval(target, next)?;
                let source = self.eval(source, next)?;
                let source = match op {
                    Some(op) => self.binary(*op, &target, &source)?,
                    None => source,
                };
                self.assign(&target, &source)
            }
            Expr::Conditional(condition, then, otherwise) => {
                let condition = self.eval(condition, next)?;
                if self.truth(&condition)? {
                    self.eval(then, next)
                } else {
                    self.eval(otherwise, next)
                }
            }
            Expr::Cast(name, operand) => {
                let ty = self.type_name(name)?;
                let value = self.eval(operand, next)?;
                self.cast(&value, &ty)
            }
            Expr::SizeOfType(name) => {
                let ty = self.type_name(name)?;
                self.size_of(&ty)
            }
            Expr::SizeOfExpr(operand) => {
                let value = self.eval(operand, next)?;
                let ty = value.ty.clone();
                self.size_of(&ty)
            }
            Expr::Index(base, index) => {
                let base = self.eval(base, next)?;
                let index = self.eval(index, next)?;
                self.index(&base, &index)
            }
            Expr::Field(base, field) => {
                let base = self.eval(base, next)?;
                self.field(&base, field, false)
            }
            Expr::Arrow(base, field) => {
                let base = self.eval(base, next)?;
                self.field(&base, field, true)
            }
        }
    }

    fn literal(&mut self, literal: &Literal) -> Result<Value> {
        Ok(match literal {
            Literal::Int { value, kind } => {
                let (size, signed) = self.literal_type(*value, *kind);
                let ty = match (self.language, kind) {
                    (Language::Rust, _) | (_, IntKind::Rust { .. }) => {
                        let name = format!("{}{}", if signed { 'i' } else { 'u' }, size * 8);
                        Arc::new(Type::Int { name, size, signed })
                    }
                    _ => Type::int(size, signed),
                };
                Value::int(ty, *value as i128)
            }
            Literal::Float { value, single } => {
                let ty = if *single {
                    Arc::new(Type::Float {
                        name: if self.language == Language::Rust {
                            "f32"
                        } else {
                            "float"
                        }
                        .into(),
                        size: 4,
                    })
                } else if self.language == Language::Rust {
                    Arc::new(Type::Float {
                        name: "f64".into(),
                        size: 8,
                    })
                } else {
                    Type::double()
                };
                Value::float(ty, *value)
            }
            Literal::Char(c) => {
                let ty = if self.language == Language::Rust {
                    builtin_type("char", Language::Rust).unwrap_or_else(Type::c_char)
                } else {
                    Type::c_char()
                };
                Value::int(ty, i128::from(*c))
            }
            Literal::Str(bytes) => {
                let mut bytes = bytes.clone();
                bytes.push(0);
                let ty = Arc::new(Type::Array {
                    element: Type::c_char(),
                    count: Some(bytes.len() as u64),
                });
                Value::bytes(ty, bytes)
            }
            Literal::Bool(b) => self.boolean(*b),
            Literal::Null => Value::int(Type::pointer_to(Arc::new(Type::Void)), 0),
        })
    }

    /// C's type for an integer literal: the first of int, long that holds it (unsigned long
    /// past that), or what the suffix says.
    fn literal_type(&self, value: u128, kind: IntKind) -> (u8, bool) {
        let fits_signed = |size: u8| value < (1u128 << (size * 8 - 1));
        match kind {
            IntKind::Rust { size, signed } => (size, signed),
            IntKind::Unsuffixed if self.language == Language::Rust => {
                if fits_signed(4) {
                    (4, true)
                } else {
                    (8, true)
                }
            }
            IntKind::Unsuffixed => {
                if fits_signed(4) {
                    (4, true)
                } else if fits_signed(8) {
                    (8, true)
                } else {
                    (8, false)
                }
            }
            IntKind::Unsigned => {
                if value <= u128::from(u32::MAX) {
                    (4, false)
                } else {
                    (8, false)
                }
            }
            IntKind::Long | IntKind::LongLong => {
                if fits_signed(8) {
                    (8, true)
                } else {
                    (8, false)
                }
            }
            IntKind::UnsignedLong | IntKind::UnsignedLongLong => (8, false),
        }
    }

    /// A comparison's result: `int` in C, `bool` in C++ and Rust.
    fn boolean(&self, value: bool) -> Value {
        let ty = match self.language {
            Language::C => Type::int(4, true),
            Language::Cpp | Language::Rust => Arc::new(Type::Bool {
                name: "bool".into(),
                size: 1,
            }),
        };
        Value::int(ty, i128::from(value))
    }

    fn truth(&mut self, value: &Value) -> Result<bool> {
        Ok(match self.num(value)? {
            Num::Int(n, _) => n != 0,
            Num::Float(f, _) => f != 0.0,
            Num::Pointer(p, _) => p != 0,
        })
    }

    /// The scalar a value is in arithmetic.
    fn num(&mut self, value: &Value) -> Result<Num> {
        let ty = stripped(self.ctx, &value.ty)?;
        Ok(match ty.as_ref() {
            Type::Int { .. } | Type::Char { .. } | Type::Bool { .. } | Type::Enum(_) => {
                Num::Int(value.to_i128(self.ctx)?, ty.clone())
            }
            Type::Float { .. } => Num::Float(value.to_f64(self.ctx)?, ty.clone()),
            Type::Pointer(_) => {
                let bytes = value.fetch(self.ctx)?;
                Num::Pointer(le_u128(&bytes) as u64, ty.clone())
            }
            Type::Reference { target, .. } => {
                let bytes = value.fetch(self.ctx)?;
                let referred = Value::at(target.clone(), le_u128(&bytes) as u64);
                return self.num(&referred);
            }
            Type::Array { element, .. } => {
                let address = value.address().ok_or(EvalError::NotInMemory)?;
                Num::Pointer(address, Type::pointer_to(element.clone()))
            }
            Type::Function { .. } => {
                let address = value.address().ok_or(EvalError::NotInMemory)?;
                Num::Pointer(address, Type::pointer_to(value.ty.clone()))
            }
            _ => {
                return Err(EvalError::BadOperand {
                    op: "arithmetic",
                    ty: value.ty.name(),
                })
            }
        })
    }

    fn unary(&mut self, op: UnaryOp, value: Value) -> Result<Value> {
        match op {
            UnaryOp::Deref => self.deref(&value),
            UnaryOp::AddrOf => {
                let ty = resolved(self.ctx, &value.ty)?;
                if let Type::Reference { .. } = ty.strip() {
                    // `&r` of a reference is the address it holds.
                    let bytes = value.fetch(self.ctx)?;
                    let target = match ty.strip() {
                        Type::Reference { target, .. } => target.clone(),
                        _ => ty.clone(),
                    };
                    return Ok(Value::bytes(Type::pointer_to(target), bytes));
                }
                if value.bits.is_some() {
                    return Err(EvalError::NotInMemory);
                }
                let address = value.address().ok_or(EvalError::NotInMemory)?;
                Ok(Value::int(
                    Type::pointer_to(value.ty.clone()),
                    i128::from(address),
                ))
            }
            UnaryOp::Neg | UnaryOp::Plus | UnaryOp::BitNot | UnaryOp::Not => {
                let num = self.num(&value)?;
                let name = match op {
                    UnaryOp::Neg => "unary -",
                    UnaryOp::Plus => "unary +",
                    UnaryOp::BitNot => "~",
                    _ => "!",
                };
                match (op, num) {
                    (UnaryOp::Not, Num::Int(n, ty))
                        if self.language == Language::Rust && !is_bool(&ty) =>
                    {
                        Ok(Value::int(ty, !n))
                    }
                    (UnaryOp::Not, num) => {
                        let truth = match num {
                            Num::Int(n, _) => n != 0,
                            Num::Float(f, _) => f != 0.0,
                            Num::Pointer(p, _) => p != 0,
                        };
                        Ok(self.boolean(!truth))
                    }
                    (UnaryOp::Neg, Num::Float(f, ty)) => Ok(Value::float(ty, -f)),
                    (UnaryOp::Plus, Num::Float(f, ty)) => Ok(Value::float(ty, f)),
                    (_, Num::Int(n, ty)) => {
                        let ty = self.promote(&ty);
                        let result = match op {
                            UnaryOp::Neg => n.wrapping_neg(),
                            UnaryOp::BitNot => !n,
                            _ => n,
                        };
                        Ok(Value::int(ty.clone(), normalise(result, &ty)))
                    }
                    (_, num) => Err(EvalError::BadOperand {
                        op: name,
                        ty: num_type(&num).name(),
                    }),
                }
            }
        }
    }

    fn deref(&mut self, value: &Value) -> Result<Value> {
        let ty = stripped(self.ctx, &value.ty)?;
        if self.language == Language::Rust && matches!(ty.as_ref(), Type::Struct(_)) {
            // `*rc`: the value an `Rc` or `Arc` shares (a `Box` is a pointer already).
            if let Some(inner) = crate::rust::shared_value(self.ctx, value)? {
                return Ok(inner);
            }
        }
        match ty.as_ref() {
            Type::Pointer(target) | Type::Reference { target, .. } => {
                let target_ty = stripped(self.ctx, target)?;
                if matches!(target_ty.as_ref(), Type::Void) {
                    return Err(EvalError::GenericPointer);
                }
                let bytes = value.fetch(self.ctx)?;
                let target = resolved(self.ctx, target)?;
                Ok(Value::at(target, le_u128(&bytes) as u64))
            }
            Type::Array { element, .. } => Ok(value.part(element.clone(), 0)),
            Type::Function { .. } => Ok(value.clone()),
            Type::Int { .. } | Type::Enum(_) | Type::Char { .. } => {
                // gdb reads `*0x1234` as a long at that address.
                let address = value.to_i128(self.ctx)? as u64;
                Ok(Value::at(Type::int(8, true), address))
            }
            _ => Err(EvalError::NotPointer),
        }
    }

    /// C's integer promotion: types smaller than `int` become `int`.
    fn promote(&self, ty: &TypeRc) -> TypeRc {
        if self.language == Language::Rust {
            return ty.clone();
        }
        let size = ty.size().unwrap_or(4);
        match ty.strip() {
            Type::Int { .. } if size >= 4 => ty.clone(),
            Type::Enum(e) if size >= 4 => Type::int(e.size, e.signed),
            _ if size > 4 => Type::int(size as u8, ty.is_signed()),
            _ => Type::int(4, true),
        }
    }

    /// In a Rust frame, two number operands must be of one type (`1u8 + 2i32` is refused,
    /// as rustc refuses it); pointers and the rest are left to the operators.
    fn same_rust_types(&mut self, left: &Value, right: &Value) -> Result<()> {
        let (l, r) = (
            stripped(self.ctx, &left.ty)?,
            stripped(self.ctx, &right.ty)?,
        );
        let number = |ty: &Type| {
            matches!(
                ty,
                Type::Int { .. } | Type::Float { .. } | Type::Char { .. } | Type::Bool { .. }
            )
        };
        if number(&l) && number(&r) && l.name() != r.name() {
            return Err(EvalError::MismatchedTypes {
                expected: l.name(),
                found: r.name(),
            });
        }
        Ok(())
    }

    /// The usual arithmetic conversions of two integer types.
    fn common_int(&self, left: &TypeRc, right: &TypeRc) -> TypeRc {
        if self.language == Language::Rust {
            return left.clone();
        }
        let (left, right) = (self.promote(left), self.promote(right));
        let (ls, rs) = (left.size().unwrap_or(4), right.size().unwrap_or(4));
        let (lsigned, rsigned) = (left.is_signed(), right.is_signed());
        if lsigned == rsigned {
            return if ls >= rs { left } else { right };
        }
        let (signed, unsigned) = if lsigned {
            (&left, &right)
        } else {
            (&right, &left)
        };
        if unsigned.size() >= signed.size() {
            unsigned.clone()
        } else {
            signed.clone()
        }
    }

    fn binary(&mut self, op: BinaryOp, left: &Value, right: &Value) -> Result<Value> {
        let (l, r) = (self.num(left)?, self.num(right)?);
        let op_name = op_text(op);
        let bad = |l: &Num, r: &Num| EvalError::BadOperands {
            op: op_name,
            left: num_type(l).name(),
            right: num_type(r).name(),
        };
        use BinaryOp::*;
        match (&l, &r) {
            (Num::Pointer(p, pty), Num::Int(n, _)) | (Num::Int(n, _), Num::Pointer(p, pty))
                if matches!(op, Add) || (matches!(op, Sub) && matches!(l, Num::Pointer(..))) =>
            {
                let scale = self.pointee_size(pty)?;
                let offset = n.wrapping_mul(i128::from(scale)) as i64;
                let address = if matches!(op, Add) {
                    p.wrapping_add_signed(offset)
                } else {
                    p.wrapping_add_signed(offset.wrapping_neg())
                };
                Ok(Value::int(pty.clone(), i128::from(address)))
            }
            (Num::Pointer(a, aty), Num::Pointer(b, _)) if matches!(op, Sub) => {
                let scale = self.pointee_size(aty)?.max(1);
                let difference = (*a as i64).wrapping_sub(*b as i64) / scale as i64;
                Ok(Value::int(Type::int(8, true), i128::from(difference)))
            }
            (Num::Pointer(a, _), Num::Pointer(..) | Num::Int(..)) => {
                let b = b_value(&r);
                compare(op, i128::from(*a), i128::from(b))
                    .map(|truth| self.boolean(truth))
                    .ok_or_else(|| bad(&l, &r))
            }
            (Num::Int(a, _), Num::Pointer(b, _)) => compare(op, *a, i128::from(*b))
                .map(|truth| self.boolean(truth))
                .ok_or_else(|| bad(&l, &r)),
            (Num::Float(..), _) | (_, Num::Float(..)) => {
                let (a, aty) = as_float(&l).ok_or_else(|| bad(&l, &r))?;
                let (b, bty) = as_float(&r).ok_or_else(|| bad(&l, &r))?;
                if let Some(truth) = compare(op, a, b) {
                    return Ok(self.boolean(truth));
                }
                let ty = wider_float(aty, bty);
                let result = match op {
                    Add => a + b,
                    Sub => a - b,
                    Mul => a * b,
                    Div => a / b,
                    _ => return Err(bad(&l, &r)),
                };
                Ok(Value::float(ty, result))
            }
            (Num::Int(a, aty), Num::Int(b, bty)) => {
                if let Some(truth) = compare(op, *a, *b) {
                    return Ok(self.boolean(truth));
                }
                let ty = match op {
                    Shl | Shr => self.promote(aty),
                    _ => self.common_int(aty, bty),
                };
                let (a, b) = (normalise(*a, &ty), normalise(*b, &ty));
                let result = match op {
                    Add => a.wrapping_add(b),
                    Sub => a.wrapping_sub(b),
                    Mul => a.wrapping_mul(b),
                    Div | Rem if b == 0 => return Err(EvalError::DivisionByZero),
                    Div => a.wrapping_div(b),
                    Rem => a.wrapping_rem(b),
                    Shl => a.wrapping_shl((b & 127) as u32),
                    Shr => a.wrapping_shr((b & 127) as u32),
                    BitAnd => a & b,
                    BitOr => a | b,
                    BitXor => a ^ b,
                    _ => return Err(bad(&l, &r)),
                };
                Ok(Value::int(ty.clone(), normalise(result, &ty)))
            }
        }
    }

    fn pointee_size(&mut self, pointer: &TypeRc) -> Result<u64> {
        match pointer.strip() {
            Type::Pointer(target) => {
                let target = stripped(self.ctx, target)?;
                Ok(match target.as_ref() {
                    Type::Void | Type::Function { .. } => 1,
                    _ => target
                        .size()
                        .ok_or_else(|| EvalError::NoSize(target.name()))?,
                })
            }
            _ => Ok(1),
        }
    }

    fn size_of(&mut self, ty: &TypeRc) -> Result<Value> {
        let ty = stripped(self.ctx, ty)?;
        let size = ty.size().ok_or_else(|| EvalError::NoSize(ty.name()))?;
        let result = if self.language == Language::Rust {
            builtin_type("usize", Language::Rust).unwrap_or_else(|| Type::int(8, false))
        } else {
            Type::int(4, true)
        };
        Ok(Value::int(result, i128::from(size)))
    }

    fn index(&mut self, base: &Value, index: &Value) -> Result<Value> {
        let Num::Int(i, _) = self.num(index)? else {
            return Err(EvalError::NotIndexable(index.ty.name()));
        };
        if self.language == Language::Rust {
            return self.rust_index(base, i);
        }
        let base_ty = stripped(self.ctx, &base.ty)?;
        match base_ty.as_ref() {
            Type::Array { element, .. } => {
                let element = resolved(self.ctx, element)?;
                let size = element.size().unwrap_or(0);
                let offset = (i as i64).wrapping_mul(size as i64) as u64;
                Ok(base.part(element, offset))
            }
            Type::Pointer(_) => {
                let sum = self.binary(BinaryOp::Add, base, index)?;
                self.deref(&sum)
            }
            _ => Err(EvalError::NotIndexable(base.ty.name())),
        }
    }

    /// Rust's `a[i]`: arrays, slices and `Vec`s (through references and boxes, as Rust
    /// auto-derefs), bounds-checked as Rust checks them; raw pointers as in C.
    fn rust_index(&mut self, base: &Value, i: i128) -> Result<Value> {
        let mut base = base.clone();
        for _ in 0..8 {
            if let Some(inner) = crate::rust::shared_value(self.ctx, &base)? {
                base = inner;
                continue;
            }
            let ty = stripped(self.ctx, &base.ty)?;
            let Type::Pointer(target) = ty.as_ref() else {
                break;
            };
            let target = stripped(self.ctx, target)?;
            if !matches!(target.as_ref(), Type::Struct(_) | Type::Array { .. }) {
                break;
            }
            base = self.deref(&base)?;
        }
        let in_bounds = |len: u64| u64::try_from(i).is_ok_and(|i| i < len);
        let base_ty = stripped(self.ctx, &base.ty)?;
        match base_ty.as_ref() {
            Type::Array {
                element,
                count: Some(count),
            } => {
                if !in_bounds(*count) {
                    return Err(EvalError::IndexOutOfBounds {
                        index: i,
                        len: *count,
                    });
                }
                let element = resolved(self.ctx, element)?;
                let size = element.size().unwrap_or(0);
                Ok(base.part(element, (i as u64).wrapping_mul(size)))
            }
            Type::Struct(_) => {
                let elements = crate::rust::sequence(self.ctx, &base)?
                    .ok_or_else(|| EvalError::NotIndexable(base.ty.name()))?;
                if !in_bounds(elements.len) {
                    return Err(EvalError::IndexOutOfBounds {
                        index: i,
                        len: elements.len,
                    });
                }
                Ok(elements.get(i as u64))
            }
            Type::Pointer(_) => {
                let index = Value::int(Type::int(8, true), i);
                let sum = self.binary(BinaryOp::Add, &base, &index)?;
                self.deref(&sum)
            }
            _ => Err(EvalError::NotIndexable(base.ty.name())),
        }
    }

    fn field(&mut self, base: &Value, name: &str, arrow: bool) -> Result<Value> {
        // Rust's tuple fields `t.0` are members `__0` in DWARF.
        let tuple_field;
        let name = if self.language == Language::Rust
            && !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_digit())
        {
            tuple_field = format!("__{name}");
            tuple_field.as_str()
        } else {
            name
        };
        let mut base = base.clone();
        let mut ty = stripped(self.ctx, &base.ty)?;
        // `p->f`, and gdb's leniency: `p.f` on a pointer, `s->f` is an error.
        if matches!(ty.as_ref(), Type::Pointer(_) | Type::Reference { .. }) {
            base = self.deref(&base)?;
            ty = stripped(self.ctx, &base.ty)?;
        } else if arrow {
            return Err(EvalError::NotStruct(true));
        }
        let Type::Struct(s) = ty.as_ref() else {
            return Err(EvalError::NotStruct(arrow));
        };
        if let Some(found) = self.find_field(&base, s, name, 0)? {
            return Ok(found);
        }
        // Rust auto-derefs `rc.field` through an `Rc` or `Arc` (one level).
        if self.language == Language::Rust {
            if let Some(inner) = crate::rust::shared_value(self.ctx, &base)? {
                let inner_ty = stripped(self.ctx, &inner.ty)?;
                if let Type::Struct(inner_struct) = inner_ty.as_ref() {
                    if let Some(found) = self.find_field(&inner, inner_struct, name, 0)? {
                        return Ok(found);
                    }
                }
            }
        }
        Err(EvalError::NoField {
            field: name.into(),
            ty: ty.name(),
        })
    }

    /// A member by name, looking into anonymous members and base classes.
    fn find_field(
        &mut self,
        base: &Value,
        s: &StructType,
        name: &str,
        depth: u32,
    ) -> Result<Option<Value>> {
        if depth > 16 {
            return Ok(None);
        }
        for field in &s.fields {
            if field.name.as_deref() == Some(name) && !field.base {
                let ty = resolved(self.ctx, &field.ty)?;
                return Ok(Some(match field.bits {
                    Some((bit, width)) => base.bitfield(ty, bit, width),
                    None => base.part(ty, field.offset),
                }));
            }
        }
        if let Some(cpp) = &s.cpp {
            if cpp.statics.iter().any(|member| member.name == name) {
                let class = s.name.as_deref().unwrap_or_default();
                return self.ctx.lookup(&format!("{class}::{name}"));
            }
        }
        for field in &s.fields {
            if field.name.is_none() || field.base {
                let inner_ty = stripped(self.ctx, &field.ty)?;
                if let Type::Struct(inner) = inner_ty.as_ref() {
                    let part = base.part(field.ty.clone(), field.offset);
                    if let Some(found) = self.find_field(&part, inner, name, depth + 1)? {
                        return Ok(Some(found));
                    }
                }
            }
        }
        Ok(None)
    }

    fn cast(&mut self, value: &Value, to: &TypeRc) -> Result<Value> {
        let target = stripped(self.ctx, to)?;
        let source = stripped(self.ctx, &value.ty)?;
        let bad = || EvalError::BadCast {
            from: value.ty.name(),
            to: to.name(),
        };
        match target.as_ref() {
            Type::Void => Ok(Value::bytes(to.clone(), Vec::new())),
            Type::Struct(_) | Type::Array { .. } => {
                // A reinterpretation of the bytes in place, as gdb allows for lvalues.
                match (value.address(), target.size(), source.size()) {
                    (Some(address), Some(_), _) => Ok(Value::at(to.clone(), address)),
                    (None, Some(a), Some(b)) if a == b => {
                        let bytes = value.fetch(self.ctx)?;
                        Ok(Value::bytes(to.clone(), bytes))
                    }
                    _ => Err(bad()),
                }
            }
            Type::Float { .. } => match self.num(value)? {
                Num::Int(n, ty) => Ok(Value::float(
                    to.clone(),
                    if ty.is_signed() {
                        n as f64
                    } else {
                        n as u128 as f64
                    },
                )),
                Num::Float(f, _) => Ok(Value::float(to.clone(), f)),
                Num::Pointer(..) => Err(bad()),
            },
            Type::Int { .. } | Type::Char { .. } | Type::Enum(_) | Type::Pointer(_) => {
                let n = match self.num(value)? {
                    Num::Int(n, _) => n,
                    Num::Float(f, _) => f as i128,
                    Num::Pointer(p, _) => i128::from(p),
                };
                Ok(Value::int(to.clone(), n))
            }
            Type::Bool { .. } => {
                let truth = self.truth(value)?;
                Ok(Value::int(to.clone(), i128::from(truth)))
            }
            _ => Err(bad()),
        }
    }

    fn assign(&mut self, target: &Value, source: &Value) -> Result<Value> {
        if !target.is_lvalue() {
            return Err(EvalError::NotLvalue);
        }
        let target_ty = stripped(self.ctx, &target.ty)?;
        let converted = match target_ty.as_ref() {
            Type::Struct(_) | Type::Array { .. } => {
                let source_ty = stripped(self.ctx, &source.ty)?;
                if source_ty.size() != target_ty.size() {
                    return Err(EvalError::BadCast {
                        from: source.ty.name(),
                        to: target.ty.name(),
                    });
                }
                source.fetch(self.ctx)?
            }
            _ => {
                let value = self.cast(source, &target.ty)?;
                value.fetch(self.ctx)?
            }
        };
        self.store(target, &converted)?;
        Ok(target.clone())
    }

    /// Write `bytes` (the target type's representation) into the target's place.
    fn store(&mut self, target: &Value, bytes: &[u8]) -> Result<()> {
        let bytes = match target.bits {
            Some((offset, width)) => {
                let mut covering = target.fetch(self.ctx)?;
                let new = le_u128(bytes);
                for bit in 0..width {
                    let at = offset + bit;
                    let Some(byte) = covering.get_mut((at / 8) as usize) else {
                        break;
                    };
                    let mask = 1u8 << (at % 8);
                    if bit < 128 && new >> bit & 1 == 1 {
                        *byte |= mask;
                    } else {
                        *byte &= !mask;
                    }
                }
                covering
            }
            None => bytes.to_vec(),
        };
        match &target.place {
            Place::Memory(address) => self.ctx.write_memory(*address, &bytes),
            Place::Register { number, offset } => {
                let mut whole = self.ctx.read_register(*number)?;
                let start = usize::from(*offset);
                let end = start + bytes.len();
                let slot = whole.get_mut(start..end).ok_or(EvalError::NotLvalue)?;
                slot.copy_from_slice(&bytes);
                self.ctx.write_register(*number, &whole)
            }
            _ => Err(EvalError::NotLvalue),
        }
    }

    fn type_name(&mut self, name: &TypeName) -> Result<TypeRc> {
        let mut ty = match builtin_type(&name.base, self.language) {
            Some(ty) => ty,
            None => self
                .ctx
                .lookup_type(&name.base)?
                .ok_or_else(|| EvalError::UnknownType(name.base.clone()))?,
        };
        for op in &name.ops {
            ty = match op {
                TypeOp::Pointer => Type::pointer_to(ty),
                TypeOp::Array(count) => Arc::new(Type::Array {
                    element: ty,
                    count: Some(*count),
                }),
            };
        }
        Ok(ty)
    }
}

/// An integer or float literal without a suffix (Rust gives it the other operand's type).
fn is_unsuffixed(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Literal(Literal::Int {
            kind: IntKind::Unsuffixed,
            ..
        }) | Expr::Literal(Literal::Float { single: false, .. })
    ) || matches!(expr, Expr::Unary(UnaryOp::Neg, inner) if is_unsuffixed(inner))
}

fn is_bool(ty: &TypeRc) -> bool {
    matches!(ty.strip(), Type::Bool { .. })
}

fn num_type(num: &Num) -> &TypeRc {
    match num {
        Num::Int(_, ty) | Num::Float(_, ty) | Num::Pointer(_, ty) => ty,
    }
}

fn b_value(num: &Num) -> u64 {
    match num {
        Num::Int(n, _) => *n as u64,
        Num::Pointer(p, _) => *p,
        Num::Float(f, _) => *f as u64,
    }
}

/// A number as a float, with the float type it has (an integer takes none: the other
/// operand's float type decides, as C's usual arithmetic conversions say).
fn as_float(num: &Num) -> Option<(f64, Option<TypeRc>)> {
    match num {
        Num::Float(f, ty) => Some((*f, Some(ty.clone()))),
        Num::Int(n, ty) => Some((
            if ty.is_signed() {
                *n as f64
            } else {
                *n as u128 as f64
            },
            None,
        )),
        Num::Pointer(..) => None,
    }
}

fn wider_float(a: Option<TypeRc>, b: Option<TypeRc>) -> TypeRc {
    let size = |t: &TypeRc| match t.strip() {
        Type::Float { size, .. } => *size,
        _ => 8,
    };
    match (a, b) {
        (Some(a), Some(b)) => {
            if size(&a) >= size(&b) {
                a
            } else {
                b
            }
        }
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => Type::double(),
    }
}

/// The integer as the type holds it: truncated to its size, sign-extended if signed.
fn normalise(value: i128, ty: &TypeRc) -> i128 {
    let size = ty.size().unwrap_or(8).min(16) as u32;
    if size >= 16 {
        return value;
    }
    let bits = size * 8;
    let mask = (1i128 << bits) - 1;
    let truncated = value & mask;
    if ty.is_signed() && truncated >> (bits - 1) & 1 == 1 {
        truncated - (1i128 << bits)
    } else {
        truncated
    }
}

/// A comparison operator applied to two numbers (integers or floats); `None` for any
/// other operator.
fn compare<T: PartialOrd>(op: BinaryOp, a: T, b: T) -> Option<bool> {
    Some(match op {
        BinaryOp::Eq => a == b,
        BinaryOp::Ne => a != b,
        BinaryOp::Lt => a < b,
        BinaryOp::Le => a <= b,
        BinaryOp::Gt => a > b,
        BinaryOp::Ge => a >= b,
        _ => return None,
    })
}

fn op_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        BinaryOp::Shl => "<<",
        BinaryOp::Shr => ">>",
        BinaryOp::BitAnd => "&",
        BinaryOp::BitOr => "|",
        BinaryOp::BitXor => "^",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::And => "&&",
        BinaryOp::Or => "||",
    }
}
