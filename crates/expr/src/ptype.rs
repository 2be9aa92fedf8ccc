//! Types as `ptype` and `whatis` print them: `whatis` names the type, `ptype` expands the
//! struct, union or enum under typedefs, pointers and arrays one level, with anonymous
//! members expanded in place, as gdb does.

use std::fmt::Write as _;

use crate::ast::Language;
use crate::context::Context;
use crate::cpp::{Access, CppClass, CppMethod};
use crate::error::Result;
use crate::types::{Field, StructKind, StructType, Type, TypeRc};
use crate::value::{resolved, stripped};

/// Nesting of anonymous members deeper than this prints as `...`.
const MAX_DEPTH: usize = 16;

/// `whatis`: the type's name.
pub fn whatis(ty: &TypeRc) -> String {
    ty.name()
}

/// `ptype`: the type with its innermost struct, union or enum written out.
pub fn ptype(ctx: &mut dyn Context, ty: &TypeRc) -> Result<String> {
    if ctx.language() == Language::Rust {
        return rust_ptype(ctx, ty);
    }
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
            Type::Pointer(target) | Type::Reference { target, .. } => target.clone(),
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
    let access = |i: usize| {
        s.cpp
            .as_ref()
            .and_then(|cpp| cpp.field_access.get(i).copied())
            .unwrap_or_default()
    };
    let bases: Vec<String> = s
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.base)
        .map(|(i, f)| format!("{} {}", access(i).keyword(), f.ty.base_name()))
        .collect();
    if !bases.is_empty() {
        // C++ writes bases after the name: `class D : public B {`.
        let head_end = out.len() - " {\n".len();
        out.insert_str(head_end, &format!(" : {}", bases.join(", ")));
    }
    if let Some(cpp) = &s.cpp {
        cpp_members(ctx, &mut out, s, cpp, depth)?;
        indent(&mut out, depth);
        out.push('}');
        return Ok(out);
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

/// A C++ class's members as gdb's `ptype` writes them: data members (statics among them,
/// the vtable pointer left out) with an access label wherever the access changes when the
/// class has members of more than its default access, then the member functions the
/// compiler did not make up, after a blank line when labels were written.
fn cpp_members(
    ctx: &mut dyn Context,
    out: &mut String,
    s: &StructType,
    cpp: &CppClass,
    depth: usize,
) -> Result<()> {
    let default = if s.kind == StructKind::Class {
        Access::Private
    } else {
        Access::Public
    };
    let field_access = |i: usize| cpp.field_access.get(i).copied().unwrap_or(default);
    let fields: Vec<(usize, &Field)> = s
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.base && !f.name.as_deref().is_some_and(|n| n.starts_with("_vptr")))
        .collect();
    let methods: Vec<&CppMethod> = cpp.methods.iter().filter(|m| !m.artificial).collect();
    let accesses = fields
        .iter()
        .map(|(i, _)| field_access(*i))
        .chain(cpp.statics.iter().map(|st| st.access))
        .chain(methods.iter().map(|m| m.access));
    let labelled = accesses.clone().any(|a| a != default) || s.kind == StructKind::Class;
    let mut section: Option<Access> = None;
    let label = |out: &mut String, access: Access, section: &mut Option<Access>| {
        if *section != Some(access) {
            indent(out, depth);
            let _ = writeln!(out, "  {}:", access.keyword());
            *section = Some(access);
        }
    };
    // Data members in declaration order, the statics at their positions.
    let mut statics = cpp.statics.iter().peekable();
    for (i, field) in &fields {
        while let Some(st) = statics.next_if(|st| st.position <= *i) {
            if labelled {
                label(out, st.access, &mut section);
            }
            indent(out, depth + 1);
            let _ = writeln!(out, "static {};", st.ty.declaration(&st.name));
        }
        if labelled {
            label(out, field_access(*i), &mut section);
        }
        indent(out, depth + 1);
        let name = field.name.as_deref().unwrap_or("");
        let field_ty = resolved(ctx, &field.ty)?;
        match field_ty.as_ref() {
            Type::Struct(inner) if inner.name.is_none() => {
                out.push_str(&struct_body(ctx, inner, depth + 1)?);
                if !name.is_empty() {
                    out.push(' ');
                    out.push_str(name);
                }
            }
            _ => out.push_str(&field.ty.declaration(name)),
        }
        if let Some((_, width)) = field.bits {
            let _ = write!(out, " : {width}");
        }
        out.push_str(";\n");
    }
    for st in statics {
        if labelled {
            label(out, st.access, &mut section);
        }
        indent(out, depth + 1);
        let _ = writeln!(out, "static {};", st.ty.declaration(&st.name));
    }
    if !methods.is_empty() && section.is_some() {
        out.push('\n');
    }
    let short = s
        .name
        .as_deref()
        .map(|name| name.split('<').next().unwrap_or(name))
        .and_then(|name| name.rsplit("::").next())
        .unwrap_or("");
    for method in methods {
        label(out, method.access, &mut section);
        indent(out, depth + 1);
        let mut params: Vec<String> = method.params.iter().map(|p| p.name()).collect();
        if method.varargs {
            params.push("...".into());
        }
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        let constructor = method.name == short || method.name.strip_prefix('~') == Some(short);
        if method.is_virtual {
            out.push_str("virtual ");
        }
        if method.is_static {
            out.push_str("static ");
        }
        // gdb writes the return type, a space, then the name (`const char * name(void)`).
        if constructor {
            let _ = write!(out, "{}({params})", method.name);
        } else {
            let _ = write!(out, "{} {}({params})", method.ret.name(), method.name);
        }
        if method.is_const {
            out.push_str(" const");
        }
        out.push_str(";\n");
    }
    Ok(())
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

/// `ptype` in a Rust frame: a struct or enum written out as Rust declares it
/// (`struct values::Point {\n    x: i32,\n    y: i32,\n}`), anything else by its name.
fn rust_ptype(ctx: &mut dyn Context, ty: &TypeRc) -> Result<String> {
    let top = stripped(ctx, ty)?;
    let mut out = String::new();
    match top.as_ref() {
        Type::Struct(s) => {
            let name = s.name.as_deref().unwrap_or("{...}");
            match &s.variants {
                Some(variants) => {
                    let _ = writeln!(out, "enum {name} {{");
                    for variant in &variants.variants {
                        indent(&mut out, 1);
                        out.push_str(variant.field.name.as_deref().unwrap_or("?"));
                        let body = stripped(ctx, &variant.field.ty)?;
                        if let Type::Struct(fields) = body.as_ref() {
                            rust_fields(&mut out, fields, true);
                        }
                        out.push_str(",\n");
                    }
                    out.push('}');
                }
                None if name.starts_with('(') => out.push_str(name),
                None => {
                    let _ = write!(out, "struct {name}");
                    rust_fields(&mut out, s, false);
                }
            }
        }
        Type::Enum(e) => {
            let _ = writeln!(out, "enum {} {{", e.name.as_deref().unwrap_or("{...}"));
            for (name, _) in &e.values {
                indent(&mut out, 1);
                let _ = writeln!(out, "{name},");
            }
            out.push('}');
        }
        _ => out.push_str(&ty.name()),
    }
    Ok(out)
}

/// A Rust struct's or variant's fields: `(i32, f64)` for a tuple's, `{x: i32, y: i32}`
/// inline in a variant, one per line in a struct.
fn rust_fields(out: &mut String, s: &StructType, inline: bool) {
    if s.fields.is_empty() {
        return;
    }
    let tuple = s.fields.iter().all(|f| {
        f.name
            .as_deref()
            .is_some_and(|n| n.starts_with("__") && n.len() > 2)
    });
    if tuple {
        let names: Vec<String> = s.fields.iter().map(|f| f.ty.name()).collect();
        let _ = write!(out, "({})", names.join(", "));
        return;
    }
    if inline {
        let fields: Vec<String> = s
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.name.as_deref().unwrap_or("_"), f.ty.name()))
            .collect();
        let _ = write!(out, "{{{}}}", fields.join(", "));
        return;
    }
    out.push_str(" {\n");
    for field in &s.fields {
        indent(out, 1);
        let name = field.name.as_deref().unwrap_or("_");
        let _ = writeln!(out, "{name}: {},", field.ty.name());
    }
    out.push('}');
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}
