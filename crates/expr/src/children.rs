//! The parts a front end expands a value into, one level at a time (JSON `children`, DAP
//! variables): a struct's members, an array's elements, a container's elements (Rust's
//! `Vec` and slices, C++'s `std::vector`), the active variant of a Rust enum, what a
//! pointer points to. Nothing below the level asked for is read.

use std::sync::Arc;

use crate::ast::Language;
use crate::context::Context;
use crate::error::Result;
use crate::format::PRINT_MAX;
use crate::rust;
use crate::types::{StructType, Type};
use crate::value::{resolved, stripped, Value};

/// How deep base classes and anonymous members are searched for a container's members.
const MAX_MEMBER_DEPTH: u32 = 8;

/// A named part of a value.
#[derive(Debug, Clone)]
pub struct Child {
    /// Its name: a member's name, `[3]` for an element, `<Base>` for a base class, `*` for
    /// what a pointer points to.
    pub name: String,
    /// The part.
    pub value: Value,
}

/// The parts of `value`, at most [`PRINT_MAX`] elements of a sequence. Strings (C character
/// arrays, `std::string`, Rust's `String` and `&str`) and scalars have none; a pointer has
/// one (`*`) only with `follow_pointers` (a front end that expands lazily asks for it; a
/// printed tree does not follow pointers).
pub fn children(ctx: &mut dyn Context, value: &Value, follow_pointers: bool) -> Result<Vec<Child>> {
    let ty = stripped(ctx, &value.ty)?;
    if let Type::Struct(s) = ty.as_ref() {
        if is_string(s) {
            return Ok(Vec::new());
        }
        if ctx.language() == Language::Rust || is_rust_std(s) {
            if let Some(elements) = rust::sequence(ctx, value)? {
                return Ok((0..elements.len.min(PRINT_MAX))
                    .map(|i| element(i, elements.get(i)))
                    .collect());
            }
            if let Some(inner) = rust::shared_value(ctx, value)? {
                return children(ctx, &inner, follow_pointers);
            }
            if let Some(variants) = &s.variants {
                if let Some(variant) = rust::chosen_variant(ctx, value, variants)? {
                    let part = value.part(variant.field.ty.clone(), variant.field.offset);
                    return children(ctx, &part, follow_pointers);
                }
            }
        }
        if let Some(elements) = std_vector(ctx, value, s)? {
            return Ok(elements);
        }
        return Ok(s
            .fields
            .iter()
            .map(|field| {
                let name = match (&field.name, field.base) {
                    (_, true) => format!("<{}>", field.ty.base_name()),
                    // Rust's tuple fields, which DWARF calls `__0`, are `0` to the user.
                    (Some(name), false) => match name.strip_prefix("__") {
                        Some(index) if index.bytes().all(|b| b.is_ascii_digit()) => index.into(),
                        _ => name.clone(),
                    },
                    (None, false) => "<anonymous>".into(),
                };
                let value = match field.bits {
                    Some((bit, width)) => value.bitfield(field.ty.clone(), bit, width),
                    None => value.part(field.ty.clone(), field.offset),
                };
                Child { name, value }
            })
            .collect());
    }
    match ty.as_ref() {
        Type::Array {
            element: element_ty,
            count: Some(count),
        } if !element_ty.is_byte_char() => {
            let element_ty = resolved(ctx, element_ty)?;
            let size = element_ty.size().unwrap_or(0);
            Ok((0..(*count).min(PRINT_MAX))
                .map(|i| element(i, value.part(element_ty.clone(), i * size)))
                .collect())
        }
        Type::Pointer(target) | Type::Reference { target, .. } if follow_pointers => {
            let target = resolved(ctx, target)?;
            let pointee = stripped(ctx, &target)?;
            if matches!(pointee.as_ref(), Type::Void | Type::Function { .. })
                || pointee.is_byte_char()
            {
                return Ok(Vec::new());
            }
            let address = crate::value::le_u128(&value.fetch(ctx)?) as u64;
            if address == 0 {
                return Ok(Vec::new());
            }
            Ok(vec![Child {
                name: "*".into(),
                value: Value::at(target, address),
            }])
        }
        _ => Ok(Vec::new()),
    }
}

fn element(i: u64, value: Value) -> Child {
    Child {
        name: format!("[{i}]"),
        value,
    }
}

/// A value printed as a string: no parts to expand.
fn is_string(s: &StructType) -> bool {
    let name = s.name.as_deref().unwrap_or("");
    name == "alloc::string::String"
        || name == "&str"
        || name == "&mut str"
        || name == "std::string"
        || name.starts_with("std::basic_string<")
        || name.starts_with("std::__cxx11::basic_string<")
}

fn is_rust_std(s: &StructType) -> bool {
    s.name
        .as_deref()
        .is_some_and(|name| name.starts_with("alloc::") || name.starts_with("core::"))
}

/// A C++ `std::vector`'s elements, from libstdc++'s `_M_impl._M_start` and `_M_finish`.
fn std_vector(ctx: &mut dyn Context, value: &Value, s: &StructType) -> Result<Option<Vec<Child>>> {
    if s.cpp.is_none()
        || !s
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("std::vector<"))
    {
        return Ok(None);
    }
    let (Some(start), Some(finish)) = (
        member_path(ctx, value, &["_M_impl", "_M_start"], 0)?,
        member_path(ctx, value, &["_M_impl", "_M_finish"], 0)?,
    ) else {
        return Ok(None);
    };
    let start_ty = stripped(ctx, &start.ty)?;
    let Type::Pointer(element_ty) = start_ty.as_ref() else {
        return Ok(None);
    };
    let element_ty = resolved(ctx, element_ty)?;
    let Some(size) = element_ty.size().filter(|size| *size > 0) else {
        return Ok(None);
    };
    let first = crate::value::le_u128(&start.fetch(ctx)?) as u64;
    let end = crate::value::le_u128(&finish.fetch(ctx)?) as u64;
    let length = end.wrapping_sub(first) / size;
    Ok(Some(
        (0..length.min(PRINT_MAX))
            .map(|i| {
                let at = first.wrapping_add(i * size);
                element(i, Value::at(element_ty.clone(), at))
            })
            .collect(),
    ))
}

/// The member at `path` (`_M_impl`, `_M_start`), looking through base classes and
/// anonymous members at each step.
fn member_path(
    ctx: &mut dyn Context,
    value: &Value,
    path: &[&str],
    depth: u32,
) -> Result<Option<Value>> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(Some(value.clone()));
    };
    if depth > MAX_MEMBER_DEPTH {
        return Ok(None);
    }
    let ty = stripped(ctx, &value.ty)?;
    let Type::Struct(s) = ty.as_ref() else {
        return Ok(None);
    };
    let s: Arc<StructType> = s.clone();
    for field in &s.fields {
        let part = value.part(field.ty.clone(), field.offset);
        if field.name.as_deref() == Some(*first) && !field.base {
            return member_path(ctx, &part, rest, depth + 1);
        }
    }
    for field in s.fields.iter().filter(|f| f.base || f.name.is_none()) {
        let part = value.part(field.ty.clone(), field.offset);
        if let Some(found) = member_path(ctx, &part, path, depth + 1)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Sandbox;

    fn names(expression: &str, follow: bool) -> Vec<String> {
        let mut sandbox = Sandbox::new(Language::C);
        let expr =
            crate::parse(expression, Language::C, &|_| false).unwrap_or_else(|e| panic!("{e}"));
        let value = crate::evaluate(&mut sandbox, &expr).unwrap_or_else(|e| panic!("{e}"));
        children(&mut sandbox, &value, follow)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn one_level_of_parts() {
        assert_eq!(names("pt", false), ["x", "y"]);
        assert_eq!(names("arr", false).len(), 8);
        assert_eq!(names("grid", false), ["[0]", "[1]"]);
        assert!(names("text", false).is_empty(), "a string is a leaf");
        assert!(names("p", false).is_empty());
        assert_eq!(names("p", true), ["*"]);
        assert!(names("null", true).is_empty());
        assert!(names("i", true).is_empty());
    }
}
