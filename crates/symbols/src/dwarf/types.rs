//! The types of values: any type DIE one level at a time as a [`TypeDesc`], with its name as
//! C (or Rust) writes it, and a function's type from its `DW_TAG_subprogram`.

use super::{flag_attr, string_attr, udata_attr, Debug, Die, DieRef, Reader, Unit};
use crate::dwarf::variables::SourceLanguage;
use crate::error::{Error, Result};

impl<'a> Debug<'a> {
    /// The type of the function whose code starts at `low`, as a
    /// [`TypeDesc::Function`]: return type, parameter types, and whether it takes `...`
    /// (an unprototyped C function says so too). `None` when DWARF does not describe it.
    pub(crate) fn function_type(&self, low: u64) -> Result<Option<TypeDesc>> {
        let bad = |e: gimli::Error| Error::dwarf(".debug_info", e);
        for unit_index in self.units_at(low).collect::<Vec<_>>() {
            let Ok(unit) = self.unit(unit_index) else {
                continue;
            };
            let mut entries = unit.entries();
            while let Some(entry) = entries.next_dfs().map_err(bad)? {
                if entry.tag() != gimli::DW_TAG_subprogram {
                    continue;
                }
                let starts_here = entry
                    .attr_value(gimli::DW_AT_low_pc)
                    .and_then(|value| self.dwarf.attr_address(&unit, value).ok().flatten())
                    == Some(low);
                if !starts_here {
                    continue;
                }
                // An out-of-line copy of an inlined function keeps its signature at the
                // origin.
                let mut die = entry.offset();
                if let Some(gimli::AttributeValue::UnitRef(origin)) = entry
                    .attr_value(gimli::DW_AT_abstract_origin)
                    .or_else(|| entry.attr_value(gimli::DW_AT_specification))
                {
                    die = origin;
                }
                let head = unit.entry(die).map_err(bad)?;
                let ret = self.type_attr(unit_index, &head);
                let mut params = Vec::new();
                let mut varargs = !flag_attr(&head, gimli::DW_AT_prototyped);
                for child in self.children(&unit, die)? {
                    let child = unit.entry(child).map_err(bad)?;
                    match child.tag() {
                        gimli::DW_TAG_formal_parameter => {
                            if let Some(ty) = self.type_attr(unit_index, &child) {
                                params.push(ty);
                            }
                        }
                        gimli::DW_TAG_unspecified_parameters => varargs = true,
                        _ => {}
                    }
                }
                if !params.is_empty() && !flag_attr(&head, gimli::DW_AT_prototyped) {
                    // An unprototyped definition with parameters (K&R C, or a language that
                    // does not say): its parameters are what it takes.
                    varargs = false;
                }
                return Ok(Some(TypeDesc::Function {
                    ret,
                    params,
                    varargs,
                }));
            }
        }
        Ok(None)
    }
}

/// A type of this module: an opaque handle to its DWARF type DIE (its `.debug_info` offset),
/// to ask [`Module::type_desc`](crate::Module::type_desc) about. Valid for the module it came
/// from only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeRef(pub(crate) u64);

impl TypeRef {
    /// The DIE's offset in `.debug_info` (for diagnostics: `readelf --debug-dump=info`).
    pub fn offset(self) -> u64 {
        self.0
    }
}

/// How a base type's bits are read (`DW_AT_encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseEncoding {
    /// A signed integer.
    Signed,
    /// An unsigned integer.
    Unsigned,
    /// `char` where it is signed, `signed char`.
    SignedChar,
    /// `unsigned char` (and `char` where it is unsigned, C++ `char8_t`).
    UnsignedChar,
    /// A binary floating-point number.
    Float,
    /// A boolean.
    Bool,
    /// A Unicode character (`char32_t`, `char16_t`, Rust `char`).
    Utf,
    /// Any other encoding (its `DW_ATE_*` number): complex, decimal float, fixed point.
    Other(u8),
}

/// What kind of aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateKind {
    /// `struct` (also Rust structs, tuples and enums).
    Struct,
    /// C++ `class`.
    Class,
    /// `union`.
    Union,
}

/// One level of a type: children are [`TypeRef`]s, so recursive types are fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDesc {
    /// `void` (a `DW_TAG_unspecified_type` named so; a missing type is `None` instead).
    Void,
    /// A base type.
    Base {
        /// As the compiler names it (`int`, `long unsigned int`, `u32`).
        name: String,
        /// How its bits are read.
        encoding: BaseEncoding,
        /// Bytes.
        size: u64,
    },
    /// A pointer.
    Pointer {
        /// What it points to; `None` for `void *`.
        target: Option<TypeRef>,
        /// Bytes (8 unless DWARF says otherwise).
        size: u64,
        /// Rust names its pointers (`&str`, `*const u8`); C does not.
        name: Option<String>,
    },
    /// A C++ reference (`T &` or `T &&`).
    Reference {
        /// What it refers to.
        target: Option<TypeRef>,
        /// `&&`.
        rvalue: bool,
        /// Bytes.
        size: u64,
    },
    /// An array.
    Array {
        /// The element type.
        element: Option<TypeRef>,
        /// The count of each dimension, outermost first; `None` for a flexible array member
        /// or an unknown (variable) length.
        dims: Vec<Option<u64>>,
        /// Rust names its arrays (`[i32; 4]`); C does not.
        name: Option<String>,
    },
    /// A struct, class or union.
    Aggregate(Aggregate),
    /// An enumeration.
    Enum {
        /// Its tag (`color` for `enum color`); `None` when anonymous.
        name: Option<String>,
        /// Bytes.
        size: u64,
        /// Whether its values are read as signed.
        signed: bool,
        /// Names and values, in declaration order.
        enumerators: Vec<(String, i128)>,
        /// A C++ `enum class` (`DW_AT_enum_class`): its enumerators are named through it.
        scoped: bool,
        /// The underlying integer type, when DWARF names one.
        underlying: Option<TypeRef>,
    },
    /// A typedef.
    Typedef {
        /// The new name (`point_t`).
        name: String,
        /// What it names; `None` for `void`.
        target: Option<TypeRef>,
    },
    /// `const T` (`None`: `const void`).
    Const(Option<TypeRef>),
    /// `volatile T`.
    Volatile(Option<TypeRef>),
    /// `T restrict` (C99).
    Restrict(Option<TypeRef>),
    /// `_Atomic T` (C11).
    Atomic(Option<TypeRef>),
    /// A function type (`DW_TAG_subroutine_type`), as pointed to by a function pointer.
    Function {
        /// The return type; `None` for `void`.
        ret: Option<TypeRef>,
        /// The parameters' types, in order.
        params: Vec<TypeRef>,
        /// Whether it takes `...`.
        varargs: bool,
    },
    /// A C++ pointer to member (`int C::*`).
    MemberPointer {
        /// The member's type.
        target: Option<TypeRef>,
        /// The class.
        containing: Option<TypeRef>,
        /// Bytes (8, or 16 for a pointer to member function).
        size: u64,
    },
    /// A DIE this crate does not describe (its tag, `DW_TAG_...`).
    Unknown {
        /// The DWARF tag's name.
        tag: String,
    },
}

/// A struct, class or union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// struct, class or union.
    pub kind: AggregateKind,
    /// Its tag or (C++, Rust) its name, unqualified; `None` when anonymous.
    pub name: Option<String>,
    /// Bytes.
    pub size: u64,
    /// Only declared here (`struct foo;`): see
    /// [`Module::complete_type`](crate::Module::complete_type).
    pub declaration: bool,
    /// Data members and base classes in declaration order; static members and member
    /// functions are left out.
    pub members: Vec<Member>,
    /// A Rust enum's variants (`DW_TAG_variant_part`).
    pub variant_part: Option<VariantPart>,
    /// Template type parameters (C++ `T = int`, Rust generics), in order.
    pub template_params: Vec<(String, TypeRef)>,
    /// C++ static data members, which gdb prints among the data members (`static count =
    /// 3`): their storage is a global variable of the qualified name.
    pub static_members: Vec<StaticMember>,
    /// C++ member functions (declarations in the class), in declaration order.
    pub methods: Vec<Method>,
}

/// Who may use a C++ member (`DW_AT_accessibility`, else the default of the kind: private
/// in a `class`, public in a `struct` or `union`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `public`.
    Public,
    /// `protected`.
    Protected,
    /// `private`.
    Private,
}

/// A C++ member function, as declared in its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// Its name (`get`, `Circle` for a constructor, `~Circle`, `operator==`).
    pub name: String,
    /// Its return type; `None` for `void` (and constructors).
    pub ret: Option<TypeRef>,
    /// Its parameters' types, without `this`.
    pub params: Vec<TypeRef>,
    /// Takes `...`.
    pub varargs: bool,
    /// A `const` member function (`this` points to const).
    pub is_const: bool,
    /// `virtual`.
    pub is_virtual: bool,
    /// `static` (no `this`).
    pub is_static: bool,
    /// Made up by the compiler (an implicit constructor): not shown.
    pub artificial: bool,
    /// Who may call it.
    pub access: Access,
}

/// A C++ static data member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticMember {
    /// Its name (unqualified).
    pub name: String,
    /// Its type.
    pub ty: Option<TypeRef>,
    /// How many of [`Aggregate::members`] are declared before it.
    pub position: usize,
    /// Who may use it.
    pub access: Access,
}

/// A data member or a base class of an aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// `None` for an anonymous struct or union member and for a base class (whose name is
    /// its type's).
    pub name: Option<String>,
    /// Its type.
    pub ty: Option<TypeRef>,
    /// Bytes from the aggregate's start (for a bitfield, the byte its first bit is in). A
    /// virtual base class, whose offset is computed at run time, has 0.
    pub offset: u64,
    /// A bitfield's width in bits.
    pub bit_size: Option<u64>,
    /// A bitfield's first bit, counted from bit 0 of the aggregate's first byte
    /// (little-endian), whichever form (`DW_AT_data_bit_offset`, or the old `DW_AT_bit_offset`
    /// counted from the storage unit's most significant bit) DWARF gives it in.
    pub bit_offset: Option<u64>,
    /// A base class (`DW_TAG_inheritance`).
    pub inheritance: bool,
    /// Made up by the compiler (a vtable pointer, a Rust enum's discriminant).
    pub artificial: bool,
    /// Who may use it (C++).
    pub access: Access,
}

/// The variants of a Rust enum: a discriminant and one member per variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantPart {
    /// The member holding the discriminant; `None` when there is one variant only (or a
    /// niche-less layout DWARF does not describe).
    pub discriminant: Option<Member>,
    /// The variants, in order.
    pub variants: Vec<Variant>,
}

/// One variant of a Rust enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The discriminant's value for this variant; `None` for the default variant.
    pub discr_value: Option<u64>,
    /// The variant's data (a member whose type is the variant's struct).
    pub member: Member,
}

/// How deep type names and sizes follow chains of types (cycles in malformed DWARF end here).
const MAX_TYPE_DEPTH: u32 = 32;
/// How many children of one DIE are read (malformed DWARF may claim millions).
const MAX_CHILDREN: usize = 1 << 16;

impl<'a> Debug<'a> {
    /// The type a DIE's `DW_AT_type` names.
    pub(crate) fn type_attr(&self, unit: usize, entry: &Die<'a>) -> Option<TypeRef> {
        self.reference(unit, entry.attr_value(gimli::DW_AT_type))
            .map(|die| TypeRef(self.absolute(die)))
    }

    /// The unit and DIE of `ty`.
    pub(crate) fn type_die(&self, ty: TypeRef) -> Result<(DieRef, std::sync::Arc<Unit<'a>>)> {
        let bad = || Error::BadTypeRef { offset: ty.0 };
        let die = self.die_at(ty.0).ok_or_else(bad)?;
        let unit = self.unit(die.unit).map_err(|_| bad())?;
        Ok((die, unit))
    }

    /// The offsets of the children of the DIE at `offset`, in order.
    pub(crate) fn children(
        &self,
        unit: &Unit<'a>,
        offset: gimli::UnitOffset,
    ) -> Result<Vec<gimli::UnitOffset>> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let mut tree = unit.entries_tree(Some(offset)).map_err(bad)?;
        let root = tree.root().map_err(bad)?;
        let mut children = root.children();
        let mut offsets = Vec::new();
        while let Some(child) = children.next().map_err(bad)? {
            offsets.push(child.entry().offset());
            if offsets.len() >= MAX_CHILDREN {
                break;
            }
        }
        Ok(offsets)
    }

    /// One level of type `ty`.
    pub(crate) fn type_desc(&self, ty: TypeRef) -> Result<TypeDesc> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let (die, unit) = self.type_die(ty)?;
        let entry = unit
            .entry(die.offset)
            .map_err(|_| Error::BadTypeRef { offset: ty.0 })?;
        let name = string_attr(&self.dwarf, &unit, &entry, gimli::DW_AT_name);
        let size = udata_attr(&entry, gimli::DW_AT_byte_size);
        let target = self.type_attr(die.unit, &entry);
        Ok(match entry.tag() {
            gimli::DW_TAG_base_type => TypeDesc::Base {
                name: name.unwrap_or_default(),
                encoding: match entry.attr_value(gimli::DW_AT_encoding) {
                    Some(gimli::AttributeValue::Encoding(encoding)) => base_encoding(encoding),
                    _ => BaseEncoding::Other(0),
                },
                size: size.unwrap_or(0),
            },
            // Unnamed: what an assembler gives an assembly function's return (gdb: void).
            gimli::DW_TAG_unspecified_type if matches!(name.as_deref(), None | Some("void")) => {
                TypeDesc::Void
            }
            gimli::DW_TAG_pointer_type => TypeDesc::Pointer {
                target,
                size: size.unwrap_or(8),
                name,
            },
            gimli::DW_TAG_reference_type | gimli::DW_TAG_rvalue_reference_type => {
                TypeDesc::Reference {
                    target,
                    rvalue: entry.tag() == gimli::DW_TAG_rvalue_reference_type,
                    size: size.unwrap_or(8),
                }
            }
            gimli::DW_TAG_array_type => {
                let mut dims = Vec::new();
                for child in self.children(&unit, die.offset)? {
                    let child = unit.entry(child).map_err(bad)?;
                    if matches!(
                        child.tag(),
                        gimli::DW_TAG_subrange_type | gimli::DW_TAG_enumeration_type
                    ) {
                        dims.push(subrange_count(&child));
                    }
                }
                TypeDesc::Array {
                    element: target,
                    dims,
                    name,
                }
            }
            gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type | gimli::DW_TAG_union_type => {
                TypeDesc::Aggregate(self.aggregate(die, &unit, &entry, name)?)
            }
            gimli::DW_TAG_enumeration_type => self.enumeration(die, &unit, &entry, name, target)?,
            gimli::DW_TAG_typedef => TypeDesc::Typedef {
                name: name.unwrap_or_default(),
                target,
            },
            gimli::DW_TAG_const_type => TypeDesc::Const(target),
            gimli::DW_TAG_volatile_type => TypeDesc::Volatile(target),
            gimli::DW_TAG_restrict_type => TypeDesc::Restrict(target),
            gimli::DW_TAG_atomic_type => TypeDesc::Atomic(target),
            gimli::DW_TAG_subroutine_type => {
                let mut params = Vec::new();
                let mut varargs = false;
                for child in self.children(&unit, die.offset)? {
                    let child = unit.entry(child).map_err(bad)?;
                    match child.tag() {
                        gimli::DW_TAG_formal_parameter => {
                            if let Some(ty) = self.type_attr(die.unit, &child) {
                                params.push(ty);
                            }
                        }
                        gimli::DW_TAG_unspecified_parameters => varargs = true,
                        _ => {}
                    }
                }
                TypeDesc::Function {
                    ret: target,
                    params,
                    varargs,
                }
            }
            gimli::DW_TAG_ptr_to_member_type => {
                let containing = self
                    .reference(die.unit, entry.attr_value(gimli::DW_AT_containing_type))
                    .map(|d| TypeRef(self.absolute(d)));
                let function = match target {
                    Some(t) => matches!(
                        self.type_desc_shallow_tag(t),
                        Some(gimli::DW_TAG_subroutine_type)
                    ),
                    None => false,
                };
                TypeDesc::MemberPointer {
                    target,
                    containing,
                    size: size.unwrap_or(if function { 16 } else { 8 }),
                }
            }
            tag => TypeDesc::Unknown {
                tag: tag
                    .static_string()
                    .map_or_else(|| format!("DW_TAG_{:#x}", tag.0), str::to_string),
            },
        })
    }

    /// The tag of `ty`'s DIE.
    fn type_desc_shallow_tag(&self, ty: TypeRef) -> Option<gimli::DwTag> {
        let (die, unit) = self.type_die(ty).ok()?;
        Some(unit.entry(die.offset).ok()?.tag())
    }

    fn aggregate(
        &self,
        die: DieRef,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        name: Option<String>,
    ) -> Result<Aggregate> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let kind = match entry.tag() {
            gimli::DW_TAG_class_type => AggregateKind::Class,
            gimli::DW_TAG_union_type => AggregateKind::Union,
            _ => AggregateKind::Struct,
        };
        let mut aggregate = Aggregate {
            kind,
            name,
            size: udata_attr(entry, gimli::DW_AT_byte_size).unwrap_or(0),
            declaration: flag_attr(entry, gimli::DW_AT_declaration),
            members: Vec::new(),
            variant_part: None,
            template_params: Vec::new(),
            static_members: Vec::new(),
            methods: Vec::new(),
        };
        let default_access = if kind == AggregateKind::Class {
            Access::Private
        } else {
            Access::Public
        };
        for child in self.children(unit, die.offset)? {
            let child_entry = unit.entry(child).map_err(bad)?;
            match child_entry.tag() {
                gimli::DW_TAG_member => {
                    // A static data member (DWARF 4 and earlier) is declared as a member.
                    let is_static = flag_attr(&child_entry, gimli::DW_AT_external)
                        || flag_attr(&child_entry, gimli::DW_AT_declaration);
                    if is_static {
                        self.static_member(die.unit, unit, &child_entry, &mut aggregate);
                    } else {
                        let mut member = self.member(die.unit, unit, &child_entry);
                        member.access = access(&child_entry, default_access);
                        aggregate.members.push(member);
                    }
                }
                // DWARF 5 declares a static data member as a variable in the class.
                gimli::DW_TAG_variable => {
                    self.static_member(die.unit, unit, &child_entry, &mut aggregate);
                }
                gimli::DW_TAG_inheritance => {
                    let mut member = self.member(die.unit, unit, &child_entry);
                    member.inheritance = true;
                    member.name = None;
                    member.access = access(&child_entry, default_access);
                    aggregate.members.push(member);
                }
                gimli::DW_TAG_subprogram => {
                    if let Some(method) =
                        self.method(die.unit, unit, &child_entry, default_access)?
                    {
                        aggregate.methods.push(method);
                    }
                }
                gimli::DW_TAG_variant_part => {
                    aggregate.variant_part =
                        Some(self.variant_part(die.unit, unit, &child_entry)?);
                }
                gimli::DW_TAG_template_type_parameter => {
                    let name = string_attr(&self.dwarf, unit, &child_entry, gimli::DW_AT_name);
                    if let (Some(name), Some(ty)) = (name, self.type_attr(die.unit, &child_entry)) {
                        aggregate.template_params.push((name, ty));
                    }
                }
                _ => {}
            }
        }
        Ok(aggregate)
    }

    fn static_member(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        aggregate: &mut Aggregate,
    ) {
        if let Some(name) = string_attr(&self.dwarf, unit, entry, gimli::DW_AT_name) {
            let default_access = if aggregate.kind == AggregateKind::Class {
                Access::Private
            } else {
                Access::Public
            };
            aggregate.static_members.push(StaticMember {
                name,
                ty: self.type_attr(unit_index, entry),
                position: aggregate.members.len(),
                access: access(entry, default_access),
            });
        }
    }

    /// A member function declared in a class.
    fn method(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        default_access: Access,
    ) -> Result<Option<Method>> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let Some(name) = string_attr(&self.dwarf, unit, entry, gimli::DW_AT_name) else {
            return Ok(None);
        };
        let mut params = Vec::new();
        let mut varargs = false;
        let mut this = None;
        for child in self.children(unit, entry.offset())? {
            let child = unit.entry(child).map_err(bad)?;
            match child.tag() {
                gimli::DW_TAG_formal_parameter if flag_attr(&child, gimli::DW_AT_artificial) => {
                    this = self.type_attr(unit_index, &child);
                }
                gimli::DW_TAG_formal_parameter => {
                    if let Some(ty) = self.type_attr(unit_index, &child) {
                        params.push(ty);
                    }
                }
                gimli::DW_TAG_unspecified_parameters => varargs = true,
                _ => {}
            }
        }
        // `this` is `const T *` in a const member function.
        // (Only the tag of the target is read: describing the class itself would describe
        // its methods again.)
        let is_const = this.is_some_and(|this| {
            matches!(self.type_desc(this), Ok(TypeDesc::Pointer { target: Some(target), .. })
                if self.type_desc_shallow_tag(target) == Some(gimli::DW_TAG_const_type))
        });
        // Virtual as gdb judges it: a slot in the vtable (a virtual destructor has none in
        // gcc's DWARF, and gdb does not call it virtual).
        let is_virtual = entry
            .attr_value(gimli::DW_AT_vtable_elem_location)
            .is_some();
        Ok(Some(Method {
            name,
            ret: self.type_attr(unit_index, entry),
            params,
            varargs,
            is_const,
            is_virtual,
            is_static: this.is_none(),
            artificial: flag_attr(entry, gimli::DW_AT_artificial),
            access: access(entry, default_access),
        }))
    }

    fn member(&self, unit_index: usize, unit: &Unit<'a>, entry: &Die<'a>) -> Member {
        let ty = self.type_attr(unit_index, entry);
        let byte_offset = entry
            .attr_value(gimli::DW_AT_data_member_location)
            .and_then(|value| member_offset(value, unit.encoding()));
        let bit_size = udata_attr(entry, gimli::DW_AT_bit_size);
        let bit_offset = match (
            udata_attr(entry, gimli::DW_AT_data_bit_offset),
            entry.attr_value(gimli::DW_AT_bit_offset),
            bit_size,
        ) {
            (Some(bits), _, _) => Some(bits),
            (None, Some(old), Some(width)) => {
                // DWARF 2/3: the storage unit (of the member's byte size) is at the member
                // location, and the offset counts from its most significant bit.
                let old = match old {
                    gimli::AttributeValue::Sdata(v) => v,
                    other => other.udata_value().map_or(0, |v| v as i64),
                };
                let storage = udata_attr(entry, gimli::DW_AT_byte_size)
                    .or_else(|| ty.and_then(|t| self.type_size(t).ok().flatten()))
                    .unwrap_or(0);
                let within = (storage.saturating_mul(8) as i64)
                    .saturating_sub(old)
                    .saturating_sub(width as i64);
                Some(
                    byte_offset
                        .unwrap_or(0)
                        .saturating_mul(8)
                        .saturating_add_signed(within),
                )
            }
            (None, _, Some(_)) => Some(byte_offset.unwrap_or(0).saturating_mul(8)),
            _ => None,
        };
        Member {
            name: string_attr(&self.dwarf, unit, entry, gimli::DW_AT_name),
            ty,
            offset: byte_offset.unwrap_or_else(|| bit_offset.map_or(0, |b| b / 8)),
            bit_size,
            bit_offset,
            inheritance: false,
            artificial: flag_attr(entry, gimli::DW_AT_artificial),
            access: Access::Public,
        }
    }

    fn variant_part(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
    ) -> Result<VariantPart> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let discr = match entry.attr_value(gimli::DW_AT_discr) {
            Some(gimli::AttributeValue::UnitRef(offset)) => Some(offset),
            _ => None,
        };
        let mut part = VariantPart {
            discriminant: None,
            variants: Vec::new(),
        };
        for child in self.children(unit, entry.offset())? {
            let child_entry = unit.entry(child).map_err(bad)?;
            match child_entry.tag() {
                gimli::DW_TAG_member if Some(child) == discr => {
                    part.discriminant = Some(self.member(unit_index, unit, &child_entry));
                }
                gimli::DW_TAG_variant => {
                    let discr_value = match child_entry.attr_value(gimli::DW_AT_discr_value) {
                        Some(gimli::AttributeValue::Sdata(v)) => Some(v as u64),
                        Some(value) => value.udata_value(),
                        None => None,
                    };
                    for grandchild in self.children(unit, child)? {
                        let member = unit.entry(grandchild).map_err(bad)?;
                        if member.tag() == gimli::DW_TAG_member {
                            part.variants.push(Variant {
                                discr_value,
                                member: self.member(unit_index, unit, &member),
                            });
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(part)
    }

    fn enumeration(
        &self,
        die: DieRef,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        name: Option<String>,
        underlying: Option<TypeRef>,
    ) -> Result<TypeDesc> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let size = udata_attr(entry, gimli::DW_AT_byte_size).unwrap_or(4);
        // The underlying type says how values are read; without one, a negative value does.
        let mut signed = match underlying.map(|t| self.resolved_base(t)) {
            Some(Some(encoding)) => {
                matches!(encoding, BaseEncoding::Signed | BaseEncoding::SignedChar)
            }
            _ => false,
        };
        let mut raw = Vec::new();
        for child in self.children(unit, die.offset)? {
            let child = unit.entry(child).map_err(bad)?;
            if child.tag() != gimli::DW_TAG_enumerator {
                continue;
            }
            let name =
                string_attr(&self.dwarf, unit, &child, gimli::DW_AT_name).unwrap_or_default();
            let value = child.attr_value(gimli::DW_AT_const_value);
            if matches!(value, Some(gimli::AttributeValue::Sdata(v)) if v < 0) {
                signed = true;
            }
            raw.push((name, value));
        }
        let enumerators = raw
            .into_iter()
            .map(|(name, value)| (name, enumerator_value(value, signed)))
            .collect();
        Ok(TypeDesc::Enum {
            name,
            size,
            signed,
            enumerators,
            scoped: flag_attr(entry, gimli::DW_AT_enum_class),
            underlying,
        })
    }

    /// The base encoding `ty` resolves to through typedefs and qualifiers.
    fn resolved_base(&self, ty: TypeRef) -> Option<BaseEncoding> {
        let mut ty = ty;
        for _ in 0..MAX_TYPE_DEPTH {
            match self.type_desc(ty).ok()? {
                TypeDesc::Base { encoding, .. } => return Some(encoding),
                TypeDesc::Typedef { target, .. }
                | TypeDesc::Const(target)
                | TypeDesc::Volatile(target)
                | TypeDesc::Atomic(target) => ty = target?,
                _ => return None,
            }
        }
        None
    }

    /// The size in bytes of a value of type `ty`, through typedefs and qualifiers; `None`
    /// when DWARF does not say (`void`, a flexible array, a function).
    pub(crate) fn type_size(&self, ty: TypeRef) -> Result<Option<u64>> {
        self.type_size_at(ty, 0)
    }

    fn type_size_at(&self, ty: TypeRef, depth: u32) -> Result<Option<u64>> {
        if depth > MAX_TYPE_DEPTH {
            return Ok(None);
        }
        let (die, unit) = self.type_die(ty)?;
        let entry = unit
            .entry(die.offset)
            .map_err(|_| Error::BadTypeRef { offset: ty.0 })?;
        if let Some(size) = udata_attr(&entry, gimli::DW_AT_byte_size) {
            return Ok(Some(size));
        }
        let next = |s: &Self| match s.type_attr(die.unit, &entry) {
            Some(target) => s.type_size_at(target, depth + 1),
            None => Ok(None),
        };
        match entry.tag() {
            gimli::DW_TAG_pointer_type
            | gimli::DW_TAG_reference_type
            | gimli::DW_TAG_rvalue_reference_type => Ok(Some(8)),
            gimli::DW_TAG_typedef
            | gimli::DW_TAG_const_type
            | gimli::DW_TAG_volatile_type
            | gimli::DW_TAG_restrict_type
            | gimli::DW_TAG_atomic_type => next(self),
            gimli::DW_TAG_array_type => {
                let TypeDesc::Array { dims, .. } = self.type_desc(ty)? else {
                    return Ok(None);
                };
                let Some(element) = next(self)? else {
                    return Ok(None);
                };
                Ok(dims
                    .into_iter()
                    .try_fold(element, |size, dim| size.checked_mul(dim?)))
            }
            _ => Ok(None),
        }
    }

    /// The language of the unit `die` is in.
    fn die_language(&self, die: DieRef) -> SourceLanguage {
        self.language(die.unit)
    }

    /// `ty`'s name as C writes it (`struct point *`, `int (*)(int, int)`, `char [16]`), or,
    /// in a Rust unit, as rustc names it.
    pub(crate) fn type_name(&self, ty: TypeRef) -> Result<String> {
        // Check the handle first: a bad one is an error, not a `?` in the name.
        self.type_die(ty)?;
        Ok(self.declarator(Some(ty), String::new(), 0))
    }

    /// The C declaration of `ty` around declarator `inner` (`*`, `(*)[3]`, a name).
    fn declarator(&self, ty: Option<TypeRef>, inner: String, depth: u32) -> String {
        let join = |base: &str, inner: &str| {
            if inner.is_empty() {
                base.to_string()
            } else {
                format!("{base} {inner}")
            }
        };
        let Some(ty) = ty else {
            return join("void", &inner);
        };
        if depth > MAX_TYPE_DEPTH {
            return join("?", &inner);
        }
        let Ok(desc) = self.type_desc(ty) else {
            return join("?", &inner);
        };
        let rust = self.die_at(ty.0).map(|d| self.die_language(d)) == Some(SourceLanguage::Rust);
        let qualified = |name: &str| self.qualified_name(ty, name);
        // Wrap a pointer declarator before a suffix binds tighter than it: `(*)[3]`.
        let wrap = |inner: String| {
            if inner.starts_with('*') || inner.starts_with('&') {
                format!("({inner})")
            } else {
                inner
            }
        };
        match desc {
            TypeDesc::Void => join("void", &inner),
            // gdb's spelling of C integer types: `unsigned long`, not `long unsigned int`.
            TypeDesc::Base { name, .. } if !rust => {
                join(&super::index::gdb_base_name(&name), &inner)
            }
            TypeDesc::Base { name, .. } => join(&name, &inner),
            TypeDesc::Typedef { name, .. } => join(&qualified(&name), &inner),
            TypeDesc::Pointer {
                name: Some(name), ..
            } if rust => join(&name, &inner),
            TypeDesc::Pointer { target, .. } => {
                self.declarator(target, format!("*{inner}"), depth + 1)
            }
            TypeDesc::Reference { target, rvalue, .. } => {
                let sigil = if rvalue { "&&" } else { "&" };
                self.declarator(target, format!("{sigil}{inner}"), depth + 1)
            }
            TypeDesc::Array {
                name: Some(name), ..
            } if rust => join(&name, &inner),
            TypeDesc::Array { element, dims, .. } => {
                let suffix: String = dims
                    .iter()
                    .map(|d| d.map_or_else(|| "[]".to_string(), |n| format!("[{n}]")))
                    .collect();
                self.declarator(element, format!("{}{suffix}", wrap(inner)), depth + 1)
            }
            TypeDesc::Aggregate(aggregate) => {
                let keyword = match aggregate.kind {
                    AggregateKind::Struct => "struct",
                    AggregateKind::Class => "class",
                    AggregateKind::Union => "union",
                };
                join(&self.tagged(ty, keyword, aggregate.name.as_deref()), &inner)
            }
            TypeDesc::Enum { name, .. } => join(&self.tagged(ty, "enum", name.as_deref()), &inner),
            TypeDesc::Const(target)
            | TypeDesc::Volatile(target)
            | TypeDesc::Restrict(target)
            | TypeDesc::Atomic(target) => {
                let word = match self.type_desc(ty) {
                    Ok(TypeDesc::Const(_)) => "const",
                    Ok(TypeDesc::Volatile(_)) => "volatile",
                    Ok(TypeDesc::Restrict(_)) => "restrict",
                    _ => "_Atomic",
                };
                // A qualified pointer is `char * const`; a qualified anything else reads
                // `const char`.
                let pointer = matches!(
                    target.map(|t| self.type_desc(t)),
                    Some(Ok(TypeDesc::Pointer { .. } | TypeDesc::Reference { .. }))
                );
                if pointer {
                    self.declarator(target, join(&format!(" {word}"), &inner), depth + 1)
                } else {
                    format!("{word} {}", self.declarator(target, inner, depth + 1))
                }
            }
            TypeDesc::Function {
                ret,
                params,
                varargs,
            } => {
                let mut list: Vec<String> = params
                    .iter()
                    .map(|p| self.declarator(Some(*p), String::new(), depth + 1))
                    .collect();
                if varargs {
                    list.push("...".to_string());
                }
                if list.is_empty() {
                    list.push("void".to_string());
                }
                let suffix = format!("({})", list.join(", "));
                self.declarator(ret, format!("{}{suffix}", wrap(inner)), depth + 1)
            }
            TypeDesc::MemberPointer {
                target, containing, ..
            } => {
                let class = self.declarator(containing, String::new(), depth + 1);
                self.declarator(target, format!("{class}::*{inner}"), depth + 1)
            }
            TypeDesc::Unknown { .. } => {
                let name = self.type_die(ty).ok().and_then(|(die, unit)| {
                    let entry = unit.entry(die.offset).ok()?;
                    string_attr(&self.dwarf, &unit, &entry, gimli::DW_AT_name)
                });
                join(name.as_deref().unwrap_or("?"), &inner)
            }
        }
    }

    /// A struct, union or enum named as its unit's language writes it: `struct point` in
    /// C, `ns::point` in C++ and Rust, `struct {...}` when anonymous.
    fn tagged(&self, ty: TypeRef, keyword: &str, name: Option<&str>) -> String {
        let Some(name) = name else {
            return format!("{keyword} {{...}}");
        };
        match self.die_at(ty.0).map(|d| self.die_language(d)) {
            Some(SourceLanguage::C) | None => format!("{keyword} {name}"),
            _ => self.qualified_name(ty, name),
        }
    }

    /// `name` with the namespaces and types around `ty`'s DIE (`ns::Outer::name`).
    fn qualified_name(&self, ty: TypeRef, name: &str) -> String {
        match self.die_at(ty.0) {
            Some(die) if self.die_language(die) != SourceLanguage::C => {
                match self.scope_path(die) {
                    Some(path) => format!("{path}::{name}"),
                    None => name.to_string(),
                }
            }
            _ => name.to_string(),
        }
    }
}

fn base_encoding(encoding: gimli::DwAte) -> BaseEncoding {
    match encoding {
        gimli::DW_ATE_signed => BaseEncoding::Signed,
        gimli::DW_ATE_unsigned => BaseEncoding::Unsigned,
        gimli::DW_ATE_signed_char => BaseEncoding::SignedChar,
        gimli::DW_ATE_unsigned_char => BaseEncoding::UnsignedChar,
        gimli::DW_ATE_float => BaseEncoding::Float,
        gimli::DW_ATE_boolean => BaseEncoding::Bool,
        gimli::DW_ATE_UTF => BaseEncoding::Utf,
        other => BaseEncoding::Other(other.0),
    }
}

/// The element count of a `DW_TAG_subrange_type`: `DW_AT_count`, or the bounds; `None` when
/// neither is a constant (a flexible or variable-length array).
fn subrange_count(entry: &Die<'_>) -> Option<u64> {
    let signed = |value: gimli::AttributeValue<Reader<'_>>| -> Option<i64> {
        match value {
            gimli::AttributeValue::Sdata(v) => Some(v),
            gimli::AttributeValue::Udata(v) => i64::try_from(v).ok(),
            gimli::AttributeValue::Data1(v) => Some(i64::from(v as i8)),
            gimli::AttributeValue::Data2(v) => Some(i64::from(v as i16)),
            gimli::AttributeValue::Data4(v) => Some(i64::from(v as i32)),
            gimli::AttributeValue::Data8(v) => Some(v as i64),
            _ => None,
        }
    };
    if let Some(count) = entry.attr_value(gimli::DW_AT_count) {
        return signed(count).and_then(|c| u64::try_from(c).ok());
    }
    let upper = signed(entry.attr_value(gimli::DW_AT_upper_bound)?)?;
    let lower = entry
        .attr_value(gimli::DW_AT_lower_bound)
        .and_then(signed)
        .unwrap_or(0);
    let count = upper.checked_sub(lower)?.checked_add(1)?;
    // `int a[0]` is written as an upper bound of -1.
    Some(u64::try_from(count).unwrap_or(0))
}

/// A member's byte offset: a constant, or (DWARF 2) an expression `DW_OP_plus_uconst N`.
fn member_offset(
    value: gimli::AttributeValue<Reader<'_>>,
    encoding: gimli::Encoding,
) -> Option<u64> {
    match value {
        gimli::AttributeValue::Exprloc(expression) => {
            let mut ops = expression.operations(encoding);
            let mut offset = None;
            while let Ok(Some(op)) = ops.next() {
                offset = match op {
                    gimli::Operation::PlusConstant { value }
                    | gimli::Operation::UnsignedConstant { value } => {
                        Some(offset.unwrap_or(0u64).wrapping_add(value))
                    }
                    // A virtual base: where it is depends on the object.
                    _ => return None,
                };
            }
            offset
        }
        gimli::AttributeValue::Sdata(v) => u64::try_from(v).ok(),
        other => other.udata_value(),
    }
}

/// An enumerator's value, read as the enum's signedness says.
fn enumerator_value(value: Option<gimli::AttributeValue<Reader<'_>>>, signed: bool) -> i128 {
    use gimli::AttributeValue::*;
    match value {
        Some(Sdata(v)) => i128::from(v),
        Some(Udata(v)) => i128::from(v),
        Some(Data1(v)) if signed => i128::from(v as i8),
        Some(Data2(v)) if signed => i128::from(v as i16),
        Some(Data4(v)) if signed => i128::from(v as i32),
        Some(Data8(v)) if signed => i128::from(v as i64),
        Some(other) => other.udata_value().map_or(0, i128::from),
        None => 0,
    }
}

/// A member's `DW_AT_accessibility`, or `default` (the kind's) when DWARF leaves it out.
fn access(entry: &Die<'_>, default: Access) -> Access {
    match entry.attr_value(gimli::DW_AT_accessibility) {
        Some(gimli::AttributeValue::Accessibility(gimli::DW_ACCESS_public)) => Access::Public,
        Some(gimli::AttributeValue::Accessibility(gimli::DW_ACCESS_protected)) => Access::Protected,
        Some(gimli::AttributeValue::Accessibility(gimli::DW_ACCESS_private)) => Access::Private,
        _ => default,
    }
}
