//! Rust values as Rust's `{:?}` shows them: `Point { x: 1, y: 2 }`, `Some(5)`, `"text"`,
//! `[1, 2, 3]`, `{"a": 1}`. The standard library's types (`String`, `&str`, `Vec`, slices,
//! `Box`, `Rc`, `Arc`, `HashMap`, `HashSet`, `BTreeMap`, `BTreeSet`) print by their contents,
//! found by walking the members DWARF describes by name (`buf`, `inner`, `ptr`, `table`,
//! `ctrl`, `root`, `keys`, `edges`): no offset is assumed, so a different standard library
//! layout prints as a plain struct rather than as garbage.
//!
//! Everything read through a pointer is bounded: at most [`PRINT_MAX`] elements of a
//! container (then `...`), [`MAX_STRING`] bytes of a string, [`MAX_NODES`] nodes of a tree
//! (whose height also bounds its depth), so a corrupt length or pointer costs little.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::context::Context;
use crate::error::{EvalError, Result};
use crate::format::PRINT_MAX;
use crate::types::{StructType, Type, TypeRc, Variants};
use crate::value::{le_u128, resolved, stripped, Value, MAX_FETCH};

/// The most bytes of a string printed (then `...`).
const MAX_STRING: u64 = 4096;
/// The most nodes of a B-tree visited.
const MAX_NODES: u64 = 10_000;
/// A B-tree taller than this is corrupt (a real one of 2^64 elements is ~30 high).
const MAX_HEIGHT: u64 = 40;
/// Nesting deeper than this prints as `...`.
const MAX_DEPTH: u32 = 40;
/// How many wrapper members are walked to find a container's data pointer.
const MAX_WRAPPERS: usize = 8;

/// The value as Rust's `{:?}` shows it. Memory that cannot be read inside prints as
/// `<error: ...>` and the rest goes on.
pub(crate) fn debug_text(ctx: &mut dyn Context, value: &Value) -> String {
    let mut printer = Printer {
        ctx,
        out: String::new(),
    };
    printer.value(value, 0);
    printer.out
}

/// A pointer `$ty` names: how Rust's `Debug` treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PointerKind {
    /// `&T`, `&mut T`, `Box<T>`: prints as the value it points to.
    Transparent,
    /// `*const T`, `*mut T`, `fn(..)`, or a pointer no Rust name describes: an address.
    Address,
}

/// The type with lazy handles, qualifiers and typedefs looked through, and the innermost
/// typedef's name (Rust's name of a pointer or array type).
fn unwrap_type(ctx: &mut dyn Context, ty: &TypeRc) -> Result<(TypeRc, Option<String>)> {
    let mut current = ty.clone();
    let mut name = None;
    for _ in 0..64 {
        let next = match current.as_ref() {
            Type::Lazy { id, .. } => ctx.resolve_type(*id)?,
            Type::Typedef { name: n, target } => {
                name = Some(n.clone());
                target.clone()
            }
            Type::Const(target) | Type::Volatile(target) => target.clone(),
            _ => break,
        };
        current = next;
    }
    Ok((current, name))
}

fn pointer_kind(name: Option<&str>) -> PointerKind {
    match name {
        Some(name) if name.starts_with('&') || name.starts_with("alloc::boxed::Box<") => {
            PointerKind::Transparent
        }
        _ => PointerKind::Address,
    }
}

/// `alloc::vec::Vec<i32, alloc::alloc::Global>` → `Vec`; `values::Point` → `Point`: the name
/// `#[derive(Debug)]` prints (the type's own identifier, without path or generics).
fn short_name(name: &str) -> &str {
    let plain = name.split('<').next().unwrap_or(name);
    plain.rsplit("::").next().unwrap_or(plain)
}

/// Whether the members are a tuple's (`__0`, `__1`, ...).
fn is_tuple_like(s: &StructType) -> bool {
    !s.fields.is_empty()
        && s.fields.iter().all(|f| {
            f.name
                .as_deref()
                .and_then(|n| n.strip_prefix("__"))
                .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The struct a value is, if it is one.
fn struct_of(ctx: &mut dyn Context, value: &Value) -> Result<Option<Arc<StructType>>> {
    let ty = stripped(ctx, &value.ty)?;
    Ok(match ty.as_ref() {
        Type::Struct(s) => Some(s.clone()),
        _ => None,
    })
}

/// Member `name` of a struct value.
pub(crate) fn member(ctx: &mut dyn Context, value: &Value, name: &str) -> Result<Option<Value>> {
    let Some(s) = struct_of(ctx, value)? else {
        return Ok(None);
    };
    Ok(s.fields
        .iter()
        .find(|f| f.name.as_deref() == Some(name) && !f.base)
        .map(|f| match f.bits {
            Some((bit, width)) => value.bitfield(f.ty.clone(), bit, width),
            None => value.part(f.ty.clone(), f.offset),
        }))
}

fn template_param(s: &StructType, name: &str) -> Option<TypeRc> {
    s.template_params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, ty)| ty.clone())
}

/// An unsigned integer member, through single-member wrappers (`cap: UsizeNoHighBit(usize)`).
fn uint(ctx: &mut dyn Context, value: &Value) -> Result<u64> {
    let mut current = value.clone();
    for _ in 0..MAX_WRAPPERS {
        let ty = stripped(ctx, &current.ty)?;
        match ty.as_ref() {
            Type::Struct(s) if s.fields.len() == 1 => {
                let Some(field) = s.fields.first() else {
                    break;
                };
                current = current.part(field.ty.clone(), field.offset);
            }
            _ => return Ok(current.to_i128(ctx)? as u64),
        }
    }
    Err(EvalError::BadOperand {
        op: "length",
        ty: value.ty.name(),
    })
}

/// The address a smart pointer or container holds and the type it points to: the first
/// pointer found through the members that wrap it (`buf.inner.ptr.pointer.pointer` of a
/// `Vec`, `ptr.pointer` of an `Rc`).
fn held_pointer(ctx: &mut dyn Context, value: &Value) -> Result<(u64, TypeRc)> {
    let mut current = value.clone();
    for _ in 0..MAX_WRAPPERS {
        let ty = stripped(ctx, &current.ty)?;
        match ty.as_ref() {
            Type::Pointer(target) => {
                let address = le_u128(&current.fetch(ctx)?) as u64;
                return Ok((address, target.clone()));
            }
            Type::Struct(_) => {
                let mut next = None;
                for name in ["pointer", "ptr", "inner", "buf"] {
                    if let Some(found) = member(ctx, &current, name)? {
                        next = Some(found);
                        break;
                    }
                }
                match next {
                    Some(next) => current = next,
                    None => break,
                }
            }
            _ => break,
        }
    }
    Err(EvalError::NotPointer)
}

/// A sequence in memory: `len` elements of `element` from `address`.
#[derive(Debug, Clone)]
pub(crate) struct Elements {
    /// Where the first one is.
    pub address: u64,
    /// How many there are.
    pub len: u64,
    /// Their type.
    pub element: TypeRc,
}

impl Elements {
    /// Element `i` (not bounds-checked).
    pub(crate) fn get(&self, i: u64) -> Value {
        let size = self.element.size().unwrap_or(0);
        Value::at(
            self.element.clone(),
            self.address.wrapping_add(i.wrapping_mul(size)),
        )
    }
}

/// The elements of a `Vec<T>` or a slice (`&[T]`, `&str`, `Box<[T]>`): what Rust indexes.
/// `None` for other values.
pub(crate) fn sequence(ctx: &mut dyn Context, value: &Value) -> Result<Option<Elements>> {
    let Some(s) = struct_of(ctx, value)? else {
        return Ok(None);
    };
    let name = s.name.as_deref().unwrap_or("");
    if name.starts_with("alloc::vec::Vec<") {
        let (Some(len), Some(buf), Some(element)) = (
            member(ctx, value, "len")?,
            member(ctx, value, "buf")?,
            template_param(&s, "T"),
        ) else {
            return Ok(None);
        };
        let len = uint(ctx, &len)?;
        let (address, _) = held_pointer(ctx, &buf)?;
        let element = resolved(ctx, &element)?;
        return Ok(Some(Elements {
            address,
            len,
            element,
        }));
    }
    if let (Some(data), Some(length)) = (
        member(ctx, value, "data_ptr")?,
        member(ctx, value, "length")?,
    ) {
        let len = uint(ctx, &length)?;
        let (address, element) = held_pointer(ctx, &data)?;
        let element = resolved(ctx, &element)?;
        return Ok(Some(Elements {
            address,
            len,
            element,
        }));
    }
    Ok(None)
}

/// What `*x` of an `Rc<T>` or `Arc<T>` is: the `T` inside its allocation.
pub(crate) fn shared_value(ctx: &mut dyn Context, value: &Value) -> Result<Option<Value>> {
    let Some(s) = struct_of(ctx, value)? else {
        return Ok(None);
    };
    let name = s.name.as_deref().unwrap_or("");
    let inner_member = if name.starts_with("alloc::rc::Rc<") {
        "value"
    } else if name.starts_with("alloc::sync::Arc<") {
        "data"
    } else {
        return Ok(None);
    };
    let (address, target) = held_pointer(ctx, value)?;
    let target = resolved(ctx, &target)?;
    member(ctx, &Value::at(target, address), inner_member)
}

/// Which variant of a Rust enum a value holds: the one whose discriminant value matches,
/// else the default (niche) one.
pub(crate) fn chosen_variant<'v>(
    ctx: &mut dyn Context,
    value: &Value,
    variants: &'v Variants,
) -> Result<Option<&'v crate::types::Variant>> {
    let Some(discriminant) = &variants.discriminant else {
        return Ok(variants.variants.first());
    };
    let raw = value
        .part(discriminant.ty.clone(), discriminant.offset)
        .fetch(ctx)?;
    let bits = (raw.len().min(8) * 8) as u32;
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let actual = le_u128(&raw) as u64 & mask;
    let matching = variants
        .variants
        .iter()
        .find(|v| v.value.is_some_and(|expected| expected & mask == actual));
    Ok(matching.or_else(|| variants.variants.iter().find(|v| v.value.is_none())))
}

struct Printer<'c> {
    ctx: &'c mut dyn Context,
    out: String,
}

impl Printer<'_> {
    fn error(&mut self, error: &EvalError) {
        crate::format::error_text(&mut self.out, error);
    }

    fn value(&mut self, value: &Value, depth: u32) {
        if depth > MAX_DEPTH {
            self.out.push_str("...");
            return;
        }
        if let Err(e) = self.try_value(value, depth) {
            self.error(&e);
        }
    }

    fn try_value(&mut self, value: &Value, depth: u32) -> Result<()> {
        let (ty, name) = unwrap_type(self.ctx, &value.ty)?;
        match ty.as_ref() {
            Type::Struct(s) => self.aggregate(value, s, depth),
            Type::Pointer(target) => {
                let address = le_u128(&value.fetch(self.ctx)?) as u64;
                let target = resolved(self.ctx, target)?;
                let pointee = stripped(self.ctx, &target)?;
                let transparent = pointer_kind(name.as_deref()) == PointerKind::Transparent
                    && !matches!(pointee.as_ref(), Type::Void | Type::Function { .. });
                if transparent && address != 0 {
                    self.value(&Value::at(target, address), depth + 1);
                } else {
                    let _ = write!(self.out, "{address:#x}");
                }
                Ok(())
            }
            Type::Reference { target, .. } => {
                let address = le_u128(&value.fetch(self.ctx)?) as u64;
                self.value(&Value::at(target.clone(), address), depth + 1);
                Ok(())
            }
            Type::Array { element, count } => {
                let element = resolved(self.ctx, element)?;
                let size = element.size().unwrap_or(0);
                let count = count.unwrap_or(0);
                self.out.push('[');
                self.list(count, depth, |i| value.part(element.clone(), i * size));
                self.out.push(']');
                Ok(())
            }
            Type::Enum(e) => {
                let n = value.to_i128(self.ctx)?;
                match e.values.iter().find(|(_, v)| *v == n) {
                    Some((name, _)) => self.out.push_str(name),
                    None => {
                        let _ = write!(self.out, "{n}");
                    }
                }
                Ok(())
            }
            Type::Void => {
                self.out.push_str("()");
                Ok(())
            }
            Type::Function { .. } => {
                let _ = write!(self.out, "{:#x}", value.address().unwrap_or(0));
                Ok(())
            }
            _ => self.scalar(value, &ty),
        }
    }

    fn scalar(&mut self, value: &Value, ty: &TypeRc) -> Result<()> {
        match ty.as_ref() {
            Type::Int { size: 0, .. } | Type::Unknown { size: 0, .. } => {
                self.out.push_str("()");
            }
            Type::Int {
                size: 16,
                signed: false,
                ..
            } => {
                let _ = write!(self.out, "{}", le_u128(&value.fetch(self.ctx)?));
            }
            Type::Int { .. } => {
                let _ = write!(self.out, "{}", value.to_i128(self.ctx)?);
            }
            Type::Bool { .. } => {
                let n = value.to_i128(self.ctx)?;
                match n {
                    0 => self.out.push_str("false"),
                    1 => self.out.push_str("true"),
                    _ => {
                        let _ = write!(self.out, "{n}");
                    }
                }
            }
            Type::Char { size, .. } => {
                let n = value.to_i128(self.ctx)?;
                let code = n as u32 & if *size >= 4 { u32::MAX } else { 0xff };
                match char::from_u32(code) {
                    Some(c) => {
                        let _ = write!(self.out, "{c:?}");
                    }
                    None => {
                        let _ = write!(self.out, "'\\u{{{code:x}}}'");
                    }
                }
            }
            Type::Float { size: 4, .. } => {
                let bytes = value.fetch(self.ctx)?;
                let bits = le_u128(&bytes) as u32;
                let _ = write!(self.out, "{:?}", f32::from_bits(bits));
            }
            Type::Float { .. } => {
                let f = value.to_f64(self.ctx)?;
                let _ = write!(self.out, "{f:?}");
            }
            _ => {
                let bytes = value.fetch(self.ctx)?;
                let _ = write!(self.out, "{:#x}", le_u128(&bytes));
            }
        }
        Ok(())
    }

    /// `count` items, comma-separated, at most [`PRINT_MAX`] then `...`.
    fn list(&mut self, count: u64, depth: u32, mut item: impl FnMut(u64) -> Value) {
        for i in 0..count.min(PRINT_MAX) {
            if i > 0 {
                self.out.push_str(", ");
            }
            let value = item(i);
            self.value(&value, depth + 1);
        }
        if count > PRINT_MAX {
            self.out.push_str(", ...");
        }
    }

    fn aggregate(&mut self, value: &Value, s: &Arc<StructType>, depth: u32) -> Result<()> {
        if let Some(variants) = &s.variants {
            return self.enumeration(value, variants, depth);
        }
        let name = s.name.as_deref().unwrap_or("");
        if name == "alloc::string::String" {
            if let Some(vec) = member(self.ctx, value, "vec")? {
                if let Some(bytes) = sequence(self.ctx, &vec)? {
                    return self.string(&bytes);
                }
            }
        }
        if name.starts_with("alloc::vec::Vec<") || is_slice(s) {
            if let Some(elements) = sequence(self.ctx, value)? {
                if is_str(name) {
                    return self.string(&elements);
                }
                self.out.push('[');
                self.list(elements.len, depth, |i| elements.get(i));
                self.out.push(']');
                return Ok(());
            }
        }
        if let Some(inner) = shared_value(self.ctx, value)? {
            self.value(&inner, depth + 1);
            return Ok(());
        }
        if name.starts_with("core::ptr::non_null::NonNull<") {
            let (address, _) = held_pointer(self.ctx, value)?;
            let _ = write!(self.out, "{address:#x}");
            return Ok(());
        }
        if name.starts_with("std::collections::hash::map::HashMap<")
            || name.starts_with("std::collections::hash::set::HashSet<")
        {
            let set = name.starts_with("std::collections::hash::set::");
            if self.hash_table(value, set, depth)? {
                return Ok(());
            }
        }
        if name.starts_with("alloc::collections::btree::map::BTreeMap<")
            && self.btree(value, false, depth)?
        {
            return Ok(());
        }
        if name.starts_with("alloc::collections::btree::set::BTreeSet<") {
            if let Some(map) = member(self.ctx, value, "map")? {
                if self.btree(&map, true, depth)? {
                    return Ok(());
                }
            }
        }
        if name.starts_with('(') {
            // A tuple: `(1, "two")`, and a one-element tuple's trailing comma.
            self.out.push('(');
            self.fields(value, s, depth, false);
            if s.fields.len() == 1 {
                self.out.push(',');
            }
            self.out.push(')');
            return Ok(());
        }
        self.structure(short_name(name), value, s, depth);
        Ok(())
    }

    /// A struct as `#[derive(Debug)]` prints it: `Unit`, `Meters(2.5, 3)`,
    /// `Point { x: 1, y: 2 }`.
    fn structure(&mut self, name: &str, value: &Value, s: &StructType, depth: u32) {
        self.out.push_str(name);
        if s.fields.is_empty() {
            return;
        }
        if is_tuple_like(s) {
            self.out.push('(');
            self.fields(value, s, depth, false);
            self.out.push(')');
        } else {
            self.out.push_str(" { ");
            self.fields(value, s, depth, true);
            self.out.push_str(" }");
        }
    }

    fn fields(&mut self, value: &Value, s: &StructType, depth: u32, named: bool) {
        for (i, field) in s.fields.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            if named {
                let _ = write!(self.out, "{}: ", field.name.as_deref().unwrap_or("_"));
            }
            let part = match field.bits {
                Some((bit, width)) => value.bitfield(field.ty.clone(), bit, width),
                None => value.part(field.ty.clone(), field.offset),
            };
            self.value(&part, depth + 1);
        }
    }

    fn enumeration(&mut self, value: &Value, variants: &Variants, depth: u32) -> Result<()> {
        let Some(variant) = chosen_variant(self.ctx, value, variants)? else {
            self.out.push_str("<invalid enum value>");
            return Ok(());
        };
        let field = &variant.field;
        let name = field.name.as_deref().unwrap_or("?");
        let part = value.part(field.ty.clone(), field.offset);
        match stripped(self.ctx, &field.ty)?.as_ref() {
            Type::Struct(s) => self.structure(name, &part, s, depth),
            _ => self.out.push_str(name),
        }
        Ok(())
    }

    /// UTF-8 bytes as Rust's `Debug` of a `str` shows them, quoted and escaped.
    fn string(&mut self, bytes: &Elements) -> Result<()> {
        let shown = bytes.len.min(MAX_STRING);
        let data = if shown == 0 {
            Vec::new()
        } else {
            self.ctx.read_memory(bytes.address, shown as usize)?
        };
        let text = String::from_utf8_lossy(&data);
        let _ = write!(self.out, "{text:?}");
        if bytes.len > shown {
            self.out.push_str("...");
        }
        Ok(())
    }

    /// A `HashMap` (`{k: v, ...}`) or `HashSet` (`{k, ...}`) in its iteration order: the
    /// full buckets of hashbrown's table in index order. Buckets are stored just before
    /// the control bytes, bucket `i` at `ctrl - (i + 1) * size_of::<T>()`; a control byte
    /// with its top bit clear marks a full bucket. `false` when the layout is not the
    /// expected one.
    fn hash_table(&mut self, value: &Value, set: bool, depth: u32) -> Result<bool> {
        // std's map wraps hashbrown's (`base`), a set wraps a map (`map`), the map its
        // `RawTable<T>` (`table`), which holds a `RawTableInner` (`table`).
        let mut current = value.clone();
        for name in ["base", "map", "table"] {
            if let Some(next) = member(self.ctx, &current, name)? {
                current = next;
            }
        }
        let Some(raw) = struct_of(self.ctx, &current)? else {
            return Ok(false);
        };
        let (Some(bucket), Some(inner)) = (
            template_param(&raw, "T"),
            member(self.ctx, &current, "table")?,
        ) else {
            return Ok(false);
        };
        let (Some(ctrl), Some(mask), Some(items)) = (
            member(self.ctx, &inner, "ctrl")?,
            member(self.ctx, &inner, "bucket_mask")?,
            member(self.ctx, &inner, "items")?,
        ) else {
            return Ok(false);
        };
        let (ctrl, _) = held_pointer(self.ctx, &ctrl)?;
        let buckets = uint(self.ctx, &mask)?.saturating_add(1);
        let items = uint(self.ctx, &items)?;
        let bucket = resolved(self.ctx, &bucket)?;
        let size = bucket.size().unwrap_or(0);
        let Some(bucket_struct) = struct_of(self.ctx, &Value::at(bucket.clone(), 0))? else {
            return Ok(false);
        };
        self.out.push('{');
        let wanted = items.min(PRINT_MAX);
        let mut printed = 0u64;
        let mut index = 0u64;
        // Control bytes are read in chunks; a corrupt mask reads at most MAX_FETCH.
        let limit = buckets.min(MAX_FETCH);
        while index < limit && printed < wanted {
            let chunk = (limit - index).min(4096);
            let control = self
                .ctx
                .read_memory(ctrl.wrapping_add(index), chunk as usize)?;
            for (offset, byte) in control.iter().enumerate() {
                if printed >= wanted {
                    break;
                }
                if byte & 0x80 != 0 {
                    continue;
                }
                let i = index + offset as u64;
                let address = ctrl.wrapping_sub(i.wrapping_add(1).wrapping_mul(size));
                let entry = Value::at(bucket.clone(), address);
                if printed > 0 {
                    self.out.push_str(", ");
                }
                let mut parts = bucket_struct.fields.iter();
                if let Some(key) = parts.next() {
                    self.value(&entry.part(key.ty.clone(), key.offset), depth + 1);
                }
                if !set {
                    if let Some(val) = parts.next() {
                        self.out.push_str(": ");
                        self.value(&entry.part(val.ty.clone(), val.offset), depth + 1);
                    }
                }
                printed += 1;
            }
            index += chunk;
        }
        if items > printed {
            self.out.push_str(if printed > 0 { ", ..." } else { "..." });
        }
        self.out.push('}');
        Ok(true)
    }

    /// A `BTreeMap` (`{k: v, ...}`, or `{k, ...}` for a set) in key order: an in-order walk
    /// of its nodes. A leaf node has `len` keys and values (`keys`, `vals`); an internal
    /// node (the type of a leaf's `parent`) is a leaf (`data`) with `len + 1` `edges`.
    fn btree(&mut self, value: &Value, set: bool, depth: u32) -> Result<bool> {
        let Some(s) = struct_of(self.ctx, value)? else {
            return Ok(false);
        };
        let (Some(root), Some(length), Some(key_ty), Some(val_ty)) = (
            member(self.ctx, value, "root")?,
            member(self.ctx, value, "length")?,
            template_param(&s, "K"),
            template_param(&s, "V"),
        ) else {
            return Ok(false);
        };
        let length = uint(self.ctx, &length)?;
        let root_ty = stripped(self.ctx, &root.ty)?;
        let Type::Struct(option) = root_ty.as_ref() else {
            return Ok(false);
        };
        let Some(variants) = &option.variants else {
            return Ok(false);
        };
        self.out.push('{');
        let variant = chosen_variant(self.ctx, &root, variants)?;
        let node_ref = match variant {
            Some(v) if v.field.name.as_deref() == Some("Some") => {
                let some = root.part(v.field.ty.clone(), v.field.offset);
                member(self.ctx, &some, "__0")?
            }
            _ => None,
        };
        if let Some(node_ref) = node_ref {
            let (Some(height), Some(node)) = (
                member(self.ctx, &node_ref, "height")?,
                member(self.ctx, &node_ref, "node")?,
            ) else {
                return Ok(false);
            };
            let height = uint(self.ctx, &height)?;
            let (address, leaf_ty) = held_pointer(self.ctx, &node)?;
            let leaf_ty = resolved(self.ctx, &leaf_ty)?;
            let key_ty = resolved(self.ctx, &key_ty)?;
            let val_ty = resolved(self.ctx, &val_ty)?;
            let mut walk = TreeWalk {
                leaf_ty,
                internal_ty: None,
                key_ty,
                val_ty,
                set,
                wanted: length.min(PRINT_MAX),
                printed: 0,
                visited: 0,
                depth,
            };
            if height > MAX_HEIGHT {
                return Err(EvalError::TooDeep);
            }
            walk.node(self, address, height)?;
            if length > walk.printed {
                self.out
                    .push_str(if walk.printed > 0 { ", ..." } else { "..." });
            }
        }
        self.out.push('}');
        Ok(true)
    }
}

/// The state of an in-order walk of a B-tree.
struct TreeWalk {
    leaf_ty: TypeRc,
    internal_ty: Option<TypeRc>,
    key_ty: TypeRc,
    val_ty: TypeRc,
    set: bool,
    wanted: u64,
    printed: u64,
    visited: u64,
    depth: u32,
}

impl TreeWalk {
    fn node(&mut self, printer: &mut Printer<'_>, address: u64, height: u64) -> Result<()> {
        if self.printed >= self.wanted || self.visited >= MAX_NODES {
            return Ok(());
        }
        self.visited += 1;
        let ctx = &mut *printer.ctx;
        let leaf = Value::at(self.leaf_ty.clone(), address);
        let (Some(len), Some(keys), Some(vals)) = (
            member(ctx, &leaf, "len")?,
            member(ctx, &leaf, "keys")?,
            member(ctx, &leaf, "vals")?,
        ) else {
            return Err(EvalError::NoField {
                field: "keys".into(),
                ty: self.leaf_ty.name(),
            });
        };
        let len = uint(ctx, &len)?;
        let key_stride = element_size(ctx, &keys)?;
        let val_stride = element_size(ctx, &vals)?;
        let (keys_at, vals_at) = (keys.address(), vals.address());
        let edges = if height > 0 {
            Some(self.edges(ctx, address)?)
        } else {
            None
        };
        // A node holds at most 11 keys: a larger `len` is corrupt; print what fits.
        let len = len.min(64);
        for i in 0..=len {
            if let Some((edges_at, stride)) = edges {
                let edge = Value::at(Type::int(8, false), edges_at.wrapping_add(i * stride));
                let child = edge.to_i128(&mut *printer.ctx)? as u64;
                self.node(printer, child, height - 1)?;
            }
            if i == len || self.printed >= self.wanted {
                break;
            }
            if self.printed > 0 {
                printer.out.push_str(", ");
            }
            let key = Value::at(
                self.key_ty.clone(),
                keys_at.unwrap_or(0).wrapping_add(i * key_stride),
            );
            printer.value(&key, self.depth + 1);
            if !self.set {
                let val = Value::at(
                    self.val_ty.clone(),
                    vals_at.unwrap_or(0).wrapping_add(i * val_stride),
                );
                printer.out.push_str(": ");
                printer.value(&val, self.depth + 1);
            }
            self.printed += 1;
        }
        Ok(())
    }

    /// Where an internal node's `edges` are and their stride. The internal node's type is
    /// the target of a leaf's `parent: Option<NonNull<InternalNode<K, V>>>`.
    fn edges(&mut self, ctx: &mut dyn Context, address: u64) -> Result<(u64, u64)> {
        let internal_ty = match &self.internal_ty {
            Some(ty) => ty.clone(),
            None => {
                let ty = internal_node_type(ctx, &self.leaf_ty)?;
                self.internal_ty = Some(ty.clone());
                ty
            }
        };
        let internal = Value::at(internal_ty.clone(), address);
        let edges = member(ctx, &internal, "edges")?.ok_or_else(|| EvalError::NoField {
            field: "edges".into(),
            ty: internal_ty.name(),
        })?;
        let stride = element_size(ctx, &edges)?;
        Ok((edges.address().unwrap_or(0), stride))
    }
}

fn internal_node_type(ctx: &mut dyn Context, leaf_ty: &TypeRc) -> Result<TypeRc> {
    let missing = || EvalError::NoField {
        field: "parent".into(),
        ty: leaf_ty.name(),
    };
    let leaf = Value::at(leaf_ty.clone(), 0);
    let parent = member(ctx, &leaf, "parent")?.ok_or_else(missing)?;
    let option = stripped(ctx, &parent.ty)?;
    let Type::Struct(option) = option.as_ref() else {
        return Err(missing());
    };
    let some = option
        .variants
        .as_ref()
        .and_then(|v| {
            v.variants
                .iter()
                .find(|v| v.field.name.as_deref() == Some("Some"))
        })
        .ok_or_else(missing)?;
    let some = Value::at(some.field.ty.clone(), 0);
    let non_null = member(ctx, &some, "__0")?.ok_or_else(missing)?;
    let pointer = member(ctx, &non_null, "pointer")?.ok_or_else(missing)?;
    match stripped(ctx, &pointer.ty)?.as_ref() {
        Type::Pointer(target) => resolved(ctx, target),
        _ => Err(missing()),
    }
}

/// The size of one element of an array value.
fn element_size(ctx: &mut dyn Context, array: &Value) -> Result<u64> {
    match stripped(ctx, &array.ty)?.as_ref() {
        Type::Array { element, .. } => {
            let element = stripped(ctx, element)?;
            Ok(element.size().unwrap_or(0))
        }
        _ => Err(EvalError::NotIndexable(array.ty.name())),
    }
}

/// A fat pointer to a slice or `str`: `data_ptr` and `length` (`&[T]`, `&mut str`,
/// `Box<[T]>`).
fn is_slice(s: &StructType) -> bool {
    let has = |name: &str| s.fields.iter().any(|f| f.name.as_deref() == Some(name));
    s.fields.len() == 2 && has("data_ptr") && has("length")
}

/// A slice type of `str`: `&str`, `&mut str`, `Box<str>`, `Rc<str>`'s data.
fn is_str(name: &str) -> bool {
    let name = name
        .strip_prefix("&mut ")
        .or_else(|| name.strip_prefix('&'))
        .unwrap_or(name);
    name == "str" || name.contains("<str,") || name.contains("<str>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_debug_prints_the_bare_type_name() {
        assert_eq!(short_name("values::Point"), "Point");
        assert_eq!(
            short_name("alloc::vec::Vec<alloc::string::String, alloc::alloc::Global>"),
            "Vec"
        );
        assert_eq!(short_name("Unit"), "Unit");
    }

    #[test]
    fn str_slices_are_told_from_byte_slices() {
        assert!(is_str("&str"));
        assert!(is_str("&mut str"));
        assert!(is_str("alloc::boxed::Box<str, alloc::alloc::Global>"));
        assert!(!is_str("&[u8]"));
        assert!(!is_str("&[&str]"));
    }

    #[test]
    fn only_references_and_boxes_print_their_target() {
        assert_eq!(pointer_kind(Some("&i32")), PointerKind::Transparent);
        assert_eq!(pointer_kind(Some("&mut i32")), PointerKind::Transparent);
        assert_eq!(
            pointer_kind(Some("alloc::boxed::Box<i32, alloc::alloc::Global>")),
            PointerKind::Transparent
        );
        assert_eq!(pointer_kind(Some("*const u8")), PointerKind::Address);
        assert_eq!(pointer_kind(None), PointerKind::Address);
    }
}
