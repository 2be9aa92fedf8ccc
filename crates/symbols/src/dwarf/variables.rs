//! Variables: those in scope at an address (the function, the functions inlined into it,
//! and their lexical blocks, read from the one unit covering the address), and global and
//! file-static variables by name.

use std::collections::HashSet;

use super::types::TypeRef;
use super::{flag_attr, string_attr, Debug, Die, DieRef, Reader, Unit};
use crate::error::{Error, Result};

/// The source language of a unit (`DW_AT_language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceLanguage {
    /// C, any standard.
    C,
    /// C++, any standard.
    Cpp,
    /// Rust.
    Rust,
    /// Anything else (assembly, Fortran, a unit without `DW_AT_language`).
    Other,
}

impl SourceLanguage {
    pub(crate) fn of(language: gimli::DwLang) -> SourceLanguage {
        match language {
            gimli::DW_LANG_C89 | gimli::DW_LANG_C | gimli::DW_LANG_C99 | gimli::DW_LANG_C11 => {
                SourceLanguage::C
            }
            gimli::DW_LANG_C_plus_plus
            | gimli::DW_LANG_C_plus_plus_03
            | gimli::DW_LANG_C_plus_plus_11
            | gimli::DW_LANG_C_plus_plus_14 => SourceLanguage::Cpp,
            gimli::DW_LANG_Rust => SourceLanguage::Rust,
            // DWARF 6 drafts' C17 (0x2c), C++17 (0x2a) and C++20 (0x2b).
            gimli::DwLang(0x2c) => SourceLanguage::C,
            gimli::DwLang(0x2a | 0x2b) => SourceLanguage::Cpp,
            _ => SourceLanguage::Other,
        }
    }
}

/// A DWARF location expression (an `exprloc`), to evaluate with
/// [`Module::locate`](crate::Module::locate).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocationExpr {
    /// The unit it belongs to (its encoding, its `.debug_addr` base).
    pub(crate) unit: usize,
    /// The expression's bytes.
    pub(crate) bytes: Vec<u8>,
}

impl LocationExpr {
    /// The expression's bytes (for diagnostics).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A DWARF location list (`.debug_loc` or `.debug_loclists`): one expression per address
/// range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocationList {
    /// The unit it belongs to.
    pub(crate) unit: usize,
    /// Its offset in `.debug_loc` / `.debug_loclists` (an index already resolved).
    pub(crate) offset: usize,
}

/// Where a variable's value is, before evaluating.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VarLocation {
    /// One expression for all of the variable's lifetime (`DW_AT_location` exprloc).
    Expr(LocationExpr),
    /// An expression per address range.
    List(LocationList),
    /// A constant (`DW_AT_const_value`): little-endian bytes of the type's size, or a
    /// string's bytes.
    Const(Vec<u8>),
    /// No location: the compiler did not keep the value.
    OptimizedOut,
}

/// A variable (or parameter).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variable {
    /// Its name (plain, as declared).
    pub name: String,
    /// Its type.
    pub ty: Option<TypeRef>,
    /// Where its value is.
    pub location: VarLocation,
    /// A function parameter.
    pub parameter: bool,
    /// The line it is declared on.
    pub decl_line: Option<u32>,
    /// Visible to other units (not `static`).
    pub external: bool,
}

/// A function at an address (a `DW_TAG_subprogram`, or one inlined into it) and the
/// variables visible there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionScope {
    /// The function's name, unqualified.
    pub name: Option<String>,
    /// Its unit's language.
    pub language: SourceLanguage,
    /// A `DW_TAG_inlined_subroutine`.
    pub inlined: bool,
    /// The expression giving the frame base `DW_OP_fbreg` counts from: the function's
    /// `DW_AT_frame_base` (an inlined function's is its caller's; one given by a location
    /// list is the list's entry for the address asked about).
    pub frame_base: Option<LocationExpr>,
    /// The variables visible, innermost lexical block first, each block's in declaration
    /// order; the last is the function's own block, parameters first.
    pub blocks: Vec<Vec<Variable>>,
}

/// How deep scopes nest before the rest is left out (malformed DWARF could nest forever).
const MAX_NESTING: usize = 256;
/// How many abstract-origin / specification links are followed.
const MAX_ORIGIN_CHAIN: usize = 8;

/// A DIE's attributes that may live on its abstract origin or its specification.
#[derive(Default)]
struct Inherited {
    name: Option<String>,
    ty: Option<TypeRef>,
    decl_line: Option<u32>,
    external: bool,
    declaration: bool,
    const_value: Option<Vec<u8>>,
}

impl<'a> Debug<'a> {
    /// The functions containing `pc`, innermost (inlined) first, with their variables.
    pub(crate) fn scopes_at(&self, pc: u64) -> Result<Vec<FunctionScope>> {
        for unit_index in self.units_at(pc).collect::<Vec<_>>() {
            let unit = self.unit(unit_index)?;
            if let Some(function) = self.function_containing(&unit, pc)? {
                return self.function_scopes(unit_index, &unit, function, pc);
            }
        }
        Ok(Vec::new())
    }

    /// The `DW_TAG_subprogram` whose code contains `pc`, in the unit's namespaces and types
    /// but not inside other functions.
    fn function_containing(&self, unit: &Unit<'a>, pc: u64) -> Result<Option<gimli::UnitOffset>> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let mut cursor = unit.entries();
        let mut skip = false;
        loop {
            let found = if skip {
                cursor.next_sibling().map_err(bad)?.is_some()
                    || cursor.next_dfs().map_err(bad)?.is_some()
            } else {
                cursor.next_dfs().map_err(bad)?.is_some()
            };
            if !found {
                return Ok(None);
            }
            let Some(entry) = cursor.current() else {
                continue;
            };
            let tag = entry.tag();
            if tag == gimli::DW_TAG_subprogram && self.contains(unit, entry, pc) {
                return Ok(Some(entry.offset()));
            }
            skip = entry.depth() > 0
                && !matches!(
                    tag,
                    gimli::DW_TAG_namespace
                        | gimli::DW_TAG_structure_type
                        | gimli::DW_TAG_class_type
                        | gimli::DW_TAG_union_type
                        | gimli::DW_TAG_module
                );
        }
    }

    /// Whether the code of `entry` (its `DW_AT_low_pc`/`high_pc` or `DW_AT_ranges`) contains
    /// `pc`.
    pub(crate) fn contains(&self, unit: &Unit<'a>, entry: &Die<'a>, pc: u64) -> bool {
        let Some(mut ranges) = super::die_ranges(&self.dwarf, unit, entry) else {
            return false;
        };
        while let Ok(Some(range)) = ranges.next() {
            if range.begin <= pc && pc < range.end {
                return true;
            }
        }
        false
    }

    fn function_scopes(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        function: gimli::UnitOffset,
        pc: u64,
    ) -> Result<Vec<FunctionScope>> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let language = self.language(unit_index);
        let entry = unit.entry(function).map_err(bad)?;
        let frame_base = self.frame_base(unit_index, unit, &entry, pc);
        let mut scopes = Vec::new();
        let mut current = FunctionScope {
            name: self.inherited(unit_index, unit, &entry).name,
            language,
            inlined: false,
            frame_base: frame_base.clone(),
            blocks: Vec::new(),
        };
        let mut block = function;
        for _ in 0..MAX_NESTING {
            let (variables, next) = self.block_contents(unit_index, unit, block, pc)?;
            current.blocks.push(variables);
            let Some((tag, offset)) = next else {
                break;
            };
            if tag == gimli::DW_TAG_inlined_subroutine {
                let entry = unit.entry(offset).map_err(bad)?;
                current.blocks.reverse();
                scopes.push(current);
                current = FunctionScope {
                    name: self.inherited(unit_index, unit, &entry).name,
                    language,
                    inlined: true,
                    frame_base: frame_base.clone(),
                    blocks: Vec::new(),
                };
            }
            block = offset;
        }
        current.blocks.reverse();
        scopes.push(current);
        scopes.reverse();
        Ok(scopes)
    }

    /// A function's `DW_AT_frame_base`: its expression, or the expression a location list
    /// gives for `pc`.
    fn frame_base(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        pc: u64,
    ) -> Option<LocationExpr> {
        match self.location_attr(unit_index, unit, entry.attr_value(gimli::DW_AT_frame_base))? {
            VarLocation::Expr(expr) => Some(expr),
            VarLocation::List(list) => self.list_entry(list, pc).ok().flatten(),
            _ => None,
        }
    }

    /// The variables declared directly in the function or block at `offset`, and the child
    /// block or inlined function containing `pc`, if any.
    #[allow(clippy::type_complexity)]
    fn block_contents(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        offset: gimli::UnitOffset,
        pc: u64,
    ) -> Result<(Vec<Variable>, Option<(gimli::DwTag, gimli::UnitOffset)>)> {
        let bad = |e| Error::dwarf(".debug_info", e);
        let entry = unit.entry(offset).map_err(bad)?;
        let mut concrete: Vec<(Option<DieRef>, Variable)> = Vec::new();
        let mut next = None;
        for child in self.children(unit, offset)? {
            let child = unit.entry(child).map_err(bad)?;
            match child.tag() {
                gimli::DW_TAG_formal_parameter | gimli::DW_TAG_variable => {
                    let origin =
                        self.reference(unit_index, child.attr_value(gimli::DW_AT_abstract_origin));
                    if let Some(variable) = self.variable(unit_index, unit, &child)? {
                        concrete.push((origin, variable));
                    }
                }
                gimli::DW_TAG_lexical_block | gimli::DW_TAG_inlined_subroutine
                    if next.is_none() && self.contains(unit, &child, pc) =>
                {
                    next = Some((child.tag(), child.offset()));
                }
                _ => {}
            }
        }
        // A concrete copy (inlined, or out of line) may leave out variables of its abstract
        // origin that the compiler optimized away: they are still in scope, without a value.
        let Some(origin) =
            self.reference(unit_index, entry.attr_value(gimli::DW_AT_abstract_origin))
        else {
            return Ok((concrete.into_iter().map(|(_, v)| v).collect(), next));
        };
        let origin_unit = self.unit(origin.unit)?;
        let mut used: HashSet<usize> = HashSet::new();
        let mut variables = Vec::new();
        for child in self.children(&origin_unit, origin.offset)? {
            let child_ref = DieRef {
                unit: origin.unit,
                offset: child,
            };
            let position = concrete.iter().position(|(o, _)| *o == Some(child_ref));
            match position {
                Some(position) => {
                    if used.insert(position) {
                        if let Some((_, variable)) = concrete.get(position) {
                            variables.push(variable.clone());
                        }
                    }
                }
                None => {
                    let child = origin_unit.entry(child).map_err(bad)?;
                    if !matches!(
                        child.tag(),
                        gimli::DW_TAG_formal_parameter | gimli::DW_TAG_variable
                    ) {
                        continue;
                    }
                    if let Some(mut variable) = self.variable(origin.unit, &origin_unit, &child)? {
                        if !matches!(variable.location, VarLocation::Const(_)) {
                            variable.location = VarLocation::OptimizedOut;
                        }
                        variables.push(variable);
                    }
                }
            }
        }
        for (position, (_, variable)) in concrete.into_iter().enumerate() {
            if !used.contains(&position) {
                variables.push(variable);
            }
        }
        Ok((variables, next))
    }

    /// The attributes of `entry` that may come from its abstract origin or specification,
    /// following those links.
    fn inherited(&self, unit_index: usize, unit: &Unit<'a>, entry: &Die<'a>) -> Inherited {
        let mut found = Inherited::default();
        self.inherit(unit_index, unit, entry, &mut found, 0);
        found
    }

    fn inherit(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
        found: &mut Inherited,
        depth: usize,
    ) {
        if found.name.is_none() {
            found.name = string_attr(&self.dwarf, unit, entry, gimli::DW_AT_name);
        }
        if found.ty.is_none() {
            found.ty = self.type_attr(unit_index, entry);
        }
        if found.decl_line.is_none() {
            found.decl_line = entry
                .attr_value(gimli::DW_AT_decl_line)
                .and_then(|v| v.udata_value())
                .and_then(|v| u32::try_from(v).ok());
        }
        found.external |= flag_attr(entry, gimli::DW_AT_external);
        if depth == 0 {
            found.declaration = flag_attr(entry, gimli::DW_AT_declaration);
        }
        if found.const_value.is_none() {
            if let Some(value) = entry.attr_value(gimli::DW_AT_const_value) {
                let size = found.ty.and_then(|t| self.type_size(t).ok().flatten());
                found.const_value = self.const_bytes(unit, value, size);
            }
        }
        if depth >= MAX_ORIGIN_CHAIN {
            return;
        }
        for link in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
            let Some(next) = self.reference(unit_index, entry.attr_value(link)) else {
                continue;
            };
            let Ok(next_unit) = self.unit(next.unit) else {
                continue;
            };
            let Ok(next_entry) = next_unit.entry(next.offset) else {
                continue;
            };
            self.inherit(next.unit, &next_unit, &next_entry, found, depth + 1);
        }
    }

    /// The variable a `DW_TAG_variable` or `DW_TAG_formal_parameter` describes; `None` for
    /// an unnamed one or a declaration without a location (`extern int x;` in a function).
    pub(crate) fn variable(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        entry: &Die<'a>,
    ) -> Result<Option<Variable>> {
        let inherited = self.inherited(unit_index, unit, entry);
        let Some(name) = inherited.name else {
            return Ok(None);
        };
        let location =
            self.location_attr(unit_index, unit, entry.attr_value(gimli::DW_AT_location));
        if inherited.declaration && location.is_none() && inherited.const_value.is_none() {
            return Ok(None);
        }
        let location = match (location, inherited.const_value) {
            (Some(location), _) => location,
            (None, Some(bytes)) => VarLocation::Const(bytes),
            (None, None) => VarLocation::OptimizedOut,
        };
        Ok(Some(Variable {
            name,
            ty: inherited.ty,
            location,
            parameter: entry.tag() == gimli::DW_TAG_formal_parameter,
            decl_line: inherited.decl_line,
            external: inherited.external,
        }))
    }

    /// A location attribute's value: an expression or a location list.
    fn location_attr(
        &self,
        unit_index: usize,
        unit: &Unit<'a>,
        value: Option<gimli::AttributeValue<Reader<'a>>>,
    ) -> Option<VarLocation> {
        match value? {
            gimli::AttributeValue::Exprloc(expression) => Some(VarLocation::Expr(LocationExpr {
                unit: unit_index,
                bytes: expression.0.slice().to_vec(),
            })),
            // DWARF 2 and 3 write expressions as blocks.
            gimli::AttributeValue::Block(bytes) => Some(VarLocation::Expr(LocationExpr {
                unit: unit_index,
                bytes: bytes.slice().to_vec(),
            })),
            value => {
                let offset = self.dwarf.attr_locations_offset(unit, value).ok()??;
                Some(VarLocation::List(LocationList {
                    unit: unit_index,
                    offset: offset.0,
                }))
            }
        }
    }

    /// The bytes of a `DW_AT_const_value`: little-endian, `size` bytes when the type says.
    fn const_bytes(
        &self,
        unit: &Unit<'a>,
        value: gimli::AttributeValue<Reader<'a>>,
        size: Option<u64>,
    ) -> Option<Vec<u8>> {
        use gimli::AttributeValue::*;
        let fit = |bytes: Vec<u8>, fill: u8| {
            let Some(size) = size.and_then(|s| usize::try_from(s).ok()) else {
                return bytes;
            };
            let mut bytes = bytes;
            bytes.resize(size.min(1 << 16), fill);
            bytes
        };
        match value {
            Block(bytes) => Some(bytes.slice().to_vec()),
            Sdata(v) => Some(fit(v.to_le_bytes().to_vec(), if v < 0 { 0xff } else { 0 })),
            Udata(v) => Some(fit(v.to_le_bytes().to_vec(), 0)),
            Data1(v) => Some(fit(vec![v], 0)),
            Data2(v) => Some(fit(v.to_le_bytes().to_vec(), 0)),
            Data4(v) => Some(fit(v.to_le_bytes().to_vec(), 0)),
            Data8(v) => Some(fit(v.to_le_bytes().to_vec(), 0)),
            Data16(v) => Some(fit(v.to_le_bytes().to_vec(), 0)),
            other => {
                let string = self.dwarf.attr_string(unit, other).ok()?;
                Some(string.slice().to_vec())
            }
        }
    }

    /// The global and file-static variables `name` names; with `pc`, those of the units
    /// covering it first.
    pub(crate) fn global_variables(&self, name: &str, pc: Option<u64>) -> Result<Vec<Variable>> {
        let mut dies = self.global_dies(name)?;
        if let Some(pc) = pc {
            let here: Vec<usize> = self.units_at(pc).collect();
            // Stable: within each group, the index's order (unit order).
            dies.sort_by_key(|die| !here.contains(&die.unit));
        }
        let mut variables = Vec::new();
        for die in dies {
            let unit = self.unit(die.unit)?;
            let entry = unit
                .entry(die.offset)
                .map_err(|e| Error::dwarf(".debug_info", e))?;
            if let Some(variable) = self.variable(die.unit, &unit, &entry)? {
                variables.push(variable);
            }
        }
        Ok(variables)
    }
}
