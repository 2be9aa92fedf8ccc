//! DWARF types (dbg-symbols' one-level descriptions) turned into the expression language's
//! types (dbg-expr's trees), once per type and binary. A pointer to a struct or union is
//! left lazy: its target is converted when a value is looked through it, so that recursive
//! types (`struct node { struct node *next; }`) and huge type graphs cost only what is used.

use std::collections::HashMap;
use std::sync::Arc;

use dbg_expr::{
    Access, CppClass, CppEnum, CppMethod, EnumType, EvalError, Field, StaticField, StructKind,
    StructType, Type, TypeRc, Variant, Variants,
};
use dbg_symbols::{AggregateKind, BaseEncoding, Member, Module, SourceLanguage, TypeDesc, TypeRef};

/// Type conversion deeper than this gives up (corrupt DWARF can make cycles of typedefs).
const MAX_DEPTH: u32 = 48;

/// Converted types, and the lazy handles given out, for the binaries of one process.
#[derive(Debug, Default)]
pub(crate) struct TypeTable {
    /// The binaries types came from (their index is part of every key).
    modules: Vec<Arc<Module>>,
    cache: HashMap<(usize, TypeRef), TypeRc>,
    /// Lazy handle `id` is `lazy[id]`.
    lazy: Vec<(usize, TypeRef)>,
    lazy_ids: HashMap<(usize, TypeRef), u64>,
}

impl TypeTable {
    /// Forget everything (the process exec'd or restarted: the binaries changed).
    pub(crate) fn clear(&mut self) {
        *self = TypeTable::default();
    }

    fn module_index(&mut self, module: &Arc<Module>) -> usize {
        match self.modules.iter().position(|m| Arc::ptr_eq(m, module)) {
            Some(index) => index,
            None => {
                self.modules.push(module.clone());
                self.modules.len() - 1
            }
        }
    }

    /// The expression type of `ty` in `module` (`void` for none).
    pub(crate) fn convert(&mut self, module: &Arc<Module>, ty: Option<TypeRef>) -> TypeRc {
        let index = self.module_index(module);
        match ty {
            Some(ty) => self.convert_at(index, ty, 0),
            None => Arc::new(Type::Void),
        }
    }

    /// The expression type of a description the binary gave directly (a function's
    /// signature).
    pub(crate) fn convert_desc_of(&mut self, module: &Arc<Module>, desc: TypeDesc) -> TypeRc {
        let index = self.module_index(module);
        self.convert_desc(index, module, None, desc, 0)
    }

    /// The type behind lazy handle `id`.
    pub(crate) fn resolve(&mut self, id: u64) -> Result<TypeRc, EvalError> {
        let (module, ty) = usize::try_from(id)
            .ok()
            .and_then(|i| self.lazy.get(i).copied())
            .ok_or(EvalError::UnknownType(format!("#{id}")))?;
        Ok(self.convert_at(module, ty, 0))
    }

    fn convert_at(&mut self, module: usize, ty: TypeRef, depth: u32) -> TypeRc {
        if let Some(known) = self.cache.get(&(module, ty)) {
            return known.clone();
        }
        let Some(binary) = self.modules.get(module).cloned() else {
            return unknown("?");
        };
        if depth > MAX_DEPTH {
            return unknown("<type nested too deeply>");
        }
        let desc = match binary.type_desc(ty) {
            Ok(desc) => desc,
            Err(_) => return unknown("<unreadable type>"),
        };
        let converted = self.convert_desc(module, &binary, Some(ty), desc, depth);
        self.cache.insert((module, ty), converted.clone());
        converted
    }

    fn optional(&mut self, module: usize, ty: Option<TypeRef>, depth: u32) -> TypeRc {
        match ty {
            Some(ty) => self.convert_at(module, ty, depth + 1),
            None => Arc::new(Type::Void),
        }
    }

    fn convert_desc(
        &mut self,
        module: usize,
        binary: &Arc<Module>,
        ty: Option<TypeRef>,
        desc: TypeDesc,
        depth: u32,
    ) -> TypeRc {
        Arc::new(match desc {
            TypeDesc::Void => Type::Void,
            TypeDesc::Base {
                name,
                encoding,
                size,
            } => {
                // gdb's spelling (`short`, `unsigned long`), not the compiler's
                // (`short int`, `long unsigned int`).
                let name = ty.and_then(|ty| binary.type_name(ty).ok()).unwrap_or(name);
                let size8 = u8::try_from(size).unwrap_or(0);
                match encoding {
                    BaseEncoding::Signed => Type::Int {
                        name,
                        size: size8,
                        signed: true,
                    },
                    BaseEncoding::Unsigned => Type::Int {
                        name,
                        size: size8,
                        signed: false,
                    },
                    BaseEncoding::SignedChar => Type::Char {
                        name,
                        size: size8,
                        signed: true,
                    },
                    BaseEncoding::UnsignedChar | BaseEncoding::Utf => Type::Char {
                        name,
                        size: size8,
                        signed: false,
                    },
                    BaseEncoding::Float => Type::Float { name, size: size8 },
                    BaseEncoding::Bool => Type::Bool { name, size: size8 },
                    _ => Type::Unknown { name, size },
                }
            }
            // Rust names its pointers: `&str`'s data aside, `&T`, `&mut T` and
            // `Box<T>` print as what they point to, `*const T` as an address, so the name
            // is kept (as a typedef, which everything else looks through).
            TypeDesc::Pointer {
                target,
                name: Some(name),
                ..
            } => Type::Typedef {
                name,
                target: Arc::new(Type::Pointer(
                    self.pointer_target(module, binary, target, depth),
                )),
            },
            TypeDesc::Pointer { target, .. } => {
                Type::Pointer(self.pointer_target(module, binary, target, depth))
            }
            TypeDesc::Reference { target, rvalue, .. } => Type::Reference {
                target: self.pointer_target(module, binary, target, depth),
                rvalue,
            },
            TypeDesc::Array {
                element,
                dims,
                name,
            } => {
                let original = ty;
                let mut ty = self.optional(module, element, depth);
                for count in dims.iter().rev() {
                    ty = Arc::new(Type::Array {
                        element: ty,
                        count: *count,
                    });
                }
                // Rust's `[i32; 4]` keeps its name, as a pointer does (rustc leaves
                // arrays unnamed: the name is Rust's spelling of the dimensions).
                let rust = ty_language(binary, original) == Some(SourceLanguage::Rust);
                let name = name.or_else(|| rust.then(|| rust_array_name(&ty)));
                return match name {
                    Some(name) => Arc::new(Type::Typedef { name, target: ty }),
                    None => ty,
                };
            }
            TypeDesc::Aggregate(aggregate) => {
                if let (true, Some(ty)) = (aggregate.declaration, ty) {
                    match binary.complete_type(ty) {
                        Ok(Some(full)) if full != ty => {
                            return self.convert_at(module, full, depth + 1);
                        }
                        _ => {}
                    }
                }
                let kind = match aggregate.kind {
                    AggregateKind::Struct => StructKind::Struct,
                    AggregateKind::Class => StructKind::Class,
                    AggregateKind::Union => StructKind::Union,
                };
                let fields = aggregate
                    .members
                    .iter()
                    .map(|member| self.field(module, member, depth))
                    .collect();
                let variants = aggregate.variant_part.as_ref().map(|part| Variants {
                    discriminant: part
                        .discriminant
                        .as_ref()
                        .map(|member| self.field(module, member, depth)),
                    variants: part
                        .variants
                        .iter()
                        .map(|variant| Variant {
                            value: variant.discr_value,
                            field: self.field(module, &variant.member, depth),
                        })
                        .collect(),
                });
                let cpp_name = cpp_name(binary, ty, aggregate.name.is_some());
                let cpp = cpp_name.is_some().then(|| {
                    let statics = aggregate
                        .static_members
                        .iter()
                        .map(|member| StaticField {
                            name: member.name.clone(),
                            // Lazy when a class: a class may hold a static of its own type.
                            ty: self.pointer_target(module, binary, member.ty, depth),
                            position: member.position,
                            access: access_of(member.access),
                        })
                        .collect();
                    let field_access = aggregate
                        .members
                        .iter()
                        .map(|member| access_of(member.access))
                        .collect();
                    let methods = aggregate
                        .methods
                        .iter()
                        .map(|method| CppMethod {
                            name: method.name.clone(),
                            // Classes in a signature stay lazy: a method may take its own
                            // class.
                            ret: self.pointer_target(module, binary, method.ret, depth),
                            params: method
                                .params
                                .iter()
                                .map(|p| self.pointer_target(module, binary, Some(*p), depth))
                                .collect(),
                            varargs: method.varargs,
                            is_const: method.is_const,
                            is_virtual: method.is_virtual,
                            is_static: method.is_static,
                            artificial: method.artificial,
                            access: access_of(method.access),
                        })
                        .collect();
                    Arc::new(CppClass {
                        statics,
                        field_access,
                        methods,
                    })
                });
                // A generic parameter that is an aggregate stays lazy, as a pointer's
                // target does: `Rc<Node>` inside `Node` must not recurse.
                let template_params = aggregate
                    .template_params
                    .iter()
                    .map(|(name, param)| {
                        let param = self.pointer_target(module, binary, Some(*param), depth);
                        (name.clone(), param)
                    })
                    .collect();
                Type::Struct(Arc::new(StructType {
                    kind,
                    name: cpp_name
                        .or_else(|| rust_name(binary, ty))
                        .or(aggregate.name),
                    size: aggregate.size,
                    fields,
                    variants,
                    incomplete: aggregate.declaration,
                    cpp,
                    template_params,
                }))
            }
            TypeDesc::Enum {
                name,
                size,
                signed,
                enumerators,
                scoped,
                underlying,
            } => {
                let cpp_name = cpp_name(binary, ty, name.is_some());
                let (name, values, cpp) = match cpp_name {
                    // gdb names C++ enumerators through their scope: the enum's for an
                    // `enum class`, else the enclosing namespace or class.
                    Some(qualified) => {
                        let scope = if scoped {
                            Some(qualified.as_str())
                        } else {
                            qualified.rsplit_once("::").map(|(scope, _)| scope)
                        };
                        let values = enumerators
                            .into_iter()
                            .map(|(enumerator, value)| match scope {
                                Some(scope) => (format!("{scope}::{enumerator}"), value),
                                None => (enumerator, value),
                            })
                            .collect();
                        let underlying = underlying.and_then(|t| binary.type_name(t).ok());
                        let cpp = CppEnum { scoped, underlying };
                        (Some(qualified), values, Some(Arc::new(cpp)))
                    }
                    None => (rust_name(binary, ty).or(name), enumerators, None),
                };
                Type::Enum(Arc::new(EnumType {
                    name,
                    size: u8::try_from(size).unwrap_or(4),
                    signed,
                    values,
                    cpp,
                }))
            }
            TypeDesc::Typedef { name, target } => Type::Typedef {
                name: cpp_name(binary, ty, true).unwrap_or(name),
                target: self.optional(module, target, depth),
            },
            TypeDesc::Const(target) => Type::Const(self.optional(module, target, depth)),
            // C's `restrict` and `_Atomic` change nothing a debugger shows.
            TypeDesc::Restrict(target) | TypeDesc::Atomic(target) => {
                return self.optional(module, target, depth);
            }
            TypeDesc::Volatile(target) => Type::Volatile(self.optional(module, target, depth)),
            TypeDesc::Function {
                ret,
                params,
                varargs,
            } => Type::Function {
                ret: self.optional(module, ret, depth),
                params: params
                    .iter()
                    .map(|p| self.convert_at(module, *p, depth + 1))
                    .collect(),
                varargs,
            },
            TypeDesc::MemberPointer {
                target, containing, ..
            } => Type::MemberPointer {
                target: this_const(self.optional(module, target, depth)),
                class: self.pointer_target(module, binary, containing, depth),
            },
            TypeDesc::Unknown { tag } => Type::Unknown { name: tag, size: 0 },
        })
    }

    fn field(&mut self, module: usize, member: &Member, depth: u32) -> Field {
        Field {
            name: member.name.clone(),
            ty: self.optional(module, member.ty, depth),
            offset: member.offset,
            bits: member.bit_size.map(|width| {
                (
                    member.bit_offset.unwrap_or(member.offset.saturating_mul(8)),
                    width,
                )
            }),
            base: member.inheritance,
        }
    }

    /// A pointer's target: lazy when it is (through typedefs and qualifiers) a struct,
    /// union or class, converted now otherwise (`char *` must know it points at chars).
    fn pointer_target(
        &mut self,
        module: usize,
        binary: &Arc<Module>,
        target: Option<TypeRef>,
        depth: u32,
    ) -> TypeRc {
        let Some(target) = target else {
            return Arc::new(Type::Void);
        };
        if let Some(known) = self.cache.get(&(module, target)) {
            return known.clone();
        }
        if !is_aggregate(binary, target) {
            return self.convert_at(module, target, depth + 1);
        }
        let name = binary
            .type_name(target)
            .unwrap_or_else(|_| "<unknown>".into());
        let name = match binary.type_language(target) {
            SourceLanguage::Cpp => dbg_expr::abbreviate(&name),
            _ => name,
        };
        let next = self.lazy.len() as u64;
        let id = *self.lazy_ids.entry((module, target)).or_insert(next);
        if id == next {
            self.lazy.push((module, target));
        }
        Arc::new(Type::Lazy { id, name })
    }
}

/// A named C++ type's name as gdb writes it: qualified, without a keyword, standard
/// containers without their default arguments (`std::vector<int>`); `None` for other
/// languages and anonymous types.
fn cpp_name(binary: &Module, ty: Option<TypeRef>, named: bool) -> Option<String> {
    let ty = ty.filter(|_| named)?;
    if binary.type_language(ty) != SourceLanguage::Cpp {
        return None;
    }
    let name = binary.type_name(ty).ok()?;
    Some(dbg_expr::abbreviate(&name))
}

fn access_of(access: dbg_symbols::Access) -> Access {
    match access {
        dbg_symbols::Access::Public => Access::Public,
        dbg_symbols::Access::Protected => Access::Protected,
        dbg_symbols::Access::Private => Access::Private,
    }
}

/// A member function's type with its `this` parameter const, as gdb writes it
/// (`int (Holder::*)(const Holder * const)`): `this` cannot be reassigned.
fn this_const(ty: TypeRc) -> TypeRc {
    match ty.as_ref() {
        Type::Function {
            ret,
            params,
            varargs,
        } if !params.is_empty() => {
            let mut params = params.clone();
            if let Some(this) = params.first_mut() {
                if !matches!(this.as_ref(), Type::Const(_)) {
                    *this = Arc::new(Type::Const(this.clone()));
                }
            }
            Arc::new(Type::Function {
                ret: ret.clone(),
                params,
                varargs: *varargs,
            })
        }
        _ => ty,
    }
}

/// Whether `ty` is, under typedefs and qualifiers, a struct, union or class.
fn is_aggregate(module: &Module, mut ty: TypeRef) -> bool {
    for _ in 0..16 {
        match module.type_desc(ty) {
            Ok(TypeDesc::Aggregate(_)) => return true,
            Ok(TypeDesc::Typedef {
                target: Some(next), ..
            })
            | Ok(TypeDesc::Const(Some(next)))
            | Ok(TypeDesc::Volatile(Some(next))) => ty = next,
            _ => return false,
        }
    }
    false
}

/// A Rust type's full path (`alloc::vec::Vec<i32, alloc::alloc::Global>`,
/// `values::Point`): what `whatis` shows and what the printer recognises the standard
/// library's types by. `None` for other languages, whose names stay as they were.
fn rust_name(module: &Module, ty: Option<TypeRef>) -> Option<String> {
    if ty_language(module, ty)? != SourceLanguage::Rust {
        return None;
    }
    module.type_name(ty?).ok()
}

fn ty_language(module: &Module, ty: Option<TypeRef>) -> Option<SourceLanguage> {
    Some(module.type_language(ty?))
}

/// `[i32; 4]`, `[[u8; 3]; 2]`: an array type as Rust writes it.
fn rust_array_name(ty: &Type) -> String {
    match ty {
        Type::Array {
            element,
            count: Some(count),
        } => format!("[{}; {count}]", rust_array_name(element)),
        Type::Array { element, .. } => format!("[{}]", rust_array_name(element)),
        other => other.name(),
    }
}

fn unknown(name: &str) -> TypeRc {
    Arc::new(Type::Unknown {
        name: name.into(),
        size: 0,
    })
}
