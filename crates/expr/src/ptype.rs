//! Types as `ptype` and `whatis` print them: `whatis` names the type, `ptype` expands the
//! struct, union or enum under typedefs, pointers and arrays one level, with anonymous
//! members expanded in place, as gdb does.

use std::fmt::Write as _;

use crate::context::Context;
use crate::error::Result;
use crate::types::{StructType, Type, TypeRc};
use crate::value::{resolved, stripped};

/// Nesting of anonymous members deeper than this prints as `...`.
const MAX_DEPTH: usize = 16;

/// `whatis`: the type's name.
pub fn whatis(ty: &TypeRc) -> String {
    ty.name()
}

/// `ptype`: the type with its innermost struct, union or enum written out.
pub fn ptype(ctx: &mut dyn Context, ty: &TypeRc) -> Result<String> {
    let top = stripped(ctx, ty)?;
    let base = innermost(ctx, &top)?;
    let body = match base.as_ref() {
        Type::Struct(s) => struct_body(ctx, s, 0)?,
        Type::Enum(_) => enum_body(&base),
        _ => return Ok(top.name()),
    };
    Ok(top.declaration_with_base(&body, ""))
}

/// The type under pointers, arrays and functions' return types, typedefs looked through.
fn innermost(ctx: &mut dyn Context, ty: &TypeRc) -> Result<TypeRc> {
    let mut current = stripped(ctx, ty)?;
    for _ in 0..32 {
        let next = match current.as_ref() {
            Type::Pointer(target) | Type::Reference(target) => target.clone(),
            Type::Array { element, .. } => element.clone(),
            Type::Function { ret, .. } => ret.clone(),
            _ => return Ok(current),
        };
        // A typedef under a pointer keeps its name in ptype (`point_t *`): only lazy
        // handles are followed.
        current = resolved(ctx, &next)?;
        if matches!(current.as_ref(), Type::Typedef { .. }) {
            return Ok(current);
        }
    }
    Ok(current)
}

fn struct_body(ctx: &mut dyn Context, s: &StructType, depth: usize) -> Result<String> {
    let mut out = String::new();
    out.push_str(s.kind.keyword());
    if let Some(name) = &s.name {
        out.push(' ');
        out.push_str(name);
    }
    if s.incomplete {
        out.push_str(" {\n");
        indent(&mut out, depth + 1);
        out.push_str("<incomplete type>\n");
        indent(&mut out, depth);
        out.push('}');
        return Ok(out);
    }
    if depth > MAX_DEPTH {
        out.push_str(" {...}");
        return Ok(out);
    }
    out.push_str(" {\n");
    let bases: Vec<String> = s
        .fields
        .iter()
        .filter(|f| f.base)
        .map(|f| format!("public {}", f.ty.base_name()))
        .collect();
    if !bases.is_empty() {
        // C++ writes bases after the name: `class D : public B {`.
        let head_end = out.len() - " {\n".len();
        out.insert_str(head_end, &format!(" : {}", bases.join(", ")));
    }
    for field in s.fields.iter().filter(|f| !f.base) {
        indent(&mut out, depth + 1);
        let field_ty = resolved(ctx, &field.ty)?;
        let anonymous = match field_ty.as_ref() {
            Type::Struct(inner) if inner.name.is_none() => Some(inner.clone()),
            _ => None,
        };
        let name = field.name.as_deref().unwrap_or("");
        match anonymous {
            Some(inner) => {
                let body = struct_body(ctx, &inner, depth + 1)?;
                out.push_str(&body);
                if !name.is_empty() {
                    out.push(' ');
                    out.push_str(name);
                }
            }
            None => out.push_str(&field.ty.declaration(name)),
        }
        if let Some((_, width)) = field.bits {
            let _ = write!(out, " : {width}");
        }
        out.push_str(";\n");
    }
    indent(&mut out, depth);
    out.push('}');
    Ok(out)
}

fn enum_body(ty: &TypeRc) -> String {
    let Type::Enum(e) = ty.as_ref() else {
        return ty.name();
    };
    let mut out = String::from("enum ");
    if e.cpp.as_ref().is_some_and(|cpp| cpp.scoped) {
        out.push_str("class ");
    }
    if let Some(name) = &e.name {
        out.push_str(name);
        out.push(' ');
    }
    if let Some(underlying) = e.cpp.as_ref().and_then(|cpp| cpp.underlying.as_ref()) {
        let _ = write!(out, ": {underlying} ");
    }
    out.push('{');
    let mut expected = 0i128;
    for (i, (name, value)) in e.values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        if *value != expected {
            let _ = write!(out, " = {value}");
        }
        expected = value.wrapping_add(1);
    }
    out.push('}');
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}
