//! Names, indexed on first use: the types and global variables of all units by name (one
//! walk of every unit, the first time a name is looked up), and per unit the namespaces and
//! types around each DIE (for qualified C++ and Rust names).

use std::collections::HashMap;

use super::types::TypeRef;
use super::variables::SourceLanguage;
use super::{flag_attr, string_attr, Debug, Die, DieRef, Unit};
use crate::error::{Error, Result};

/// Per unit: the qualified path (`ns::Outer`) of the scope around each named DIE that is
/// inside a namespace or a type.
pub(crate) type ScopePaths = HashMap<gimli::UnitOffset, String>;

/// A type found under a name.
#[derive(Debug, Clone, Copy)]
struct IndexedType {
    ty: TypeRef,
    tag: gimli::DwTag,
    /// Only declared (`struct foo;`).
    declaration: bool,
    /// Found by a C tag's bare name (`point` for `struct point`), which only a name that is
    /// not a typedef or a base type should find.
    lenient: bool,
}

/// The names of the types and global variables of every unit.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    /// By name as written (`int`, `struct point`, `point`, `ns::Type`, `enum color`); C base
    /// types also under a canonical spelling (see [`canonical_base`]).
    types: HashMap<String, Vec<IndexedType>>,
    /// Global and file-static variables, by plain and by qualified name.
    globals: HashMap<String, Vec<DieRef>>,
    /// Declaration-only aggregates: the key their definition is under.
    declarations: HashMap<TypeRef, String>,
    /// A pointer type to each type that has one.
    pointers: HashMap<TypeRef, TypeRef>,
    /// The enumeration types declaring each enumerator name.
    enumerators: HashMap<String, Vec<TypeRef>>,
    /// Why some unit could not be read (the others are indexed).
    error: Option<Error>,
}

/// The DIEs a walk descends into: where types and variables with qualified names live.
fn is_scope(tag: gimli::DwTag) -> bool {
    matches!(
        tag,
        gimli::DW_TAG_namespace
            | gimli::DW_TAG_structure_type
            | gimli::DW_TAG_class_type
            | gimli::DW_TAG_union_type
            | gimli::DW_TAG_enumeration_type
            | gimli::DW_TAG_module
    )
}

fn is_type(tag: gimli::DwTag) -> bool {
    matches!(
        tag,
        gimli::DW_TAG_base_type
            | gimli::DW_TAG_typedef
            | gimli::DW_TAG_structure_type
            | gimli::DW_TAG_class_type
            | gimli::DW_TAG_union_type
            | gimli::DW_TAG_enumeration_type
            | gimli::DW_TAG_pointer_type
            | gimli::DW_TAG_array_type
            | gimli::DW_TAG_unspecified_type
            | gimli::DW_TAG_subroutine_type
    )
}

/// The C keyword of an aggregate or enum tag.
fn keyword(tag: gimli::DwTag) -> Option<&'static str> {
    match tag {
        gimli::DW_TAG_structure_type => Some("struct"),
        gimli::DW_TAG_class_type => Some("class"),
        gimli::DW_TAG_union_type => Some("union"),
        gimli::DW_TAG_enumeration_type => Some("enum"),
        _ => None,
    }
}

/// The scope a walk is in.
struct Scope {
    depth: isize,
    name: String,
    is_type: bool,
}

/// Visit the DIEs of `unit` outside function bodies (at unit level, in namespaces and, but
/// for C, in types), with the qualified path of the scope each is in and whether that scope
/// is a type. Function bodies are skipped (with `DW_AT_sibling` where the compiler gives it),
/// so the walk reads little more than the unit's declarations.
fn walk_unit<'a>(
    debug: &Debug<'a>,
    unit: &Unit<'a>,
    language: SourceLanguage,
    mut visit: impl FnMut(&Die<'a>, &str, bool),
) -> Result<()> {
    let bad = |e| Error::dwarf(".debug_info", e);
    let mut cursor = unit.entries();
    let mut stack: Vec<Scope> = Vec::new();
    let mut skip = false;
    loop {
        let found = if skip {
            cursor.next_sibling().map_err(bad)?.is_some()
                || cursor.next_dfs().map_err(bad)?.is_some()
        } else {
            cursor.next_dfs().map_err(bad)?.is_some()
        };
        if !found {
            return Ok(());
        }
        let Some(entry) = cursor.current() else {
            continue;
        };
        let depth = entry.depth();
        while stack.last().is_some_and(|s| s.depth >= depth) {
            stack.pop();
        }
        let path = stack
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join("::");
        let in_type = stack.last().is_some_and(|s| s.is_type);
        let tag = entry.tag();
        if depth > 0 {
            visit(entry, &path, in_type);
        }
        let descend = depth == 0
            || (is_scope(tag)
                && entry.has_children()
                && (tag == gimli::DW_TAG_namespace || language != SourceLanguage::C)
                && tag != gimli::DW_TAG_enumeration_type);
        if descend && depth > 0 {
            let name = string_attr(&debug.dwarf, unit, entry, gimli::DW_AT_name)
                .unwrap_or_else(|| "(anonymous namespace)".to_string());
            stack.push(Scope {
                depth,
                name,
                is_type: tag != gimli::DW_TAG_namespace && tag != gimli::DW_TAG_module,
            });
        }
        skip = !descend;
    }
}

/// `path::name`, or `name` at the top level.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}::{name}")
    }
}

/// A C integer type's name in one spelling: `unsigned long`, `long unsigned int` and
/// `unsigned long int` are one type. Other names are returned as they are.
pub(crate) fn canonical_base(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let known = ["signed", "unsigned", "short", "long", "int", "char"];
    if words.is_empty() || !words.iter().all(|w| known.contains(w)) {
        return words.join(" ");
    }
    let has = |w: &str| words.contains(&w);
    if has("char") {
        return match (has("signed"), has("unsigned")) {
            (true, _) => "signed char".into(),
            (_, true) => "unsigned char".into(),
            _ => "char".into(),
        };
    }
    let longs = words.iter().filter(|w| **w == "long").count();
    let mut parts = Vec::new();
    if has("unsigned") {
        parts.push("unsigned");
    }
    if has("short") {
        parts.push("short");
    }
    parts.extend(std::iter::repeat_n("long", longs.min(2)));
    parts.push("int");
    parts.join(" ")
}

/// A C integer type's name as gdb prints it: `int` is left out after `short` and `long`
/// (`unsigned long`, `short`, `long long`).
pub(crate) fn gdb_base_name(name: &str) -> String {
    let canonical = canonical_base(name);
    match canonical.strip_suffix(" int") {
        Some(rest) if rest.contains("long") || rest.contains("short") => rest.to_string(),
        _ => canonical,
    }
}

/// A query's spelling as the index keys it: single spaces, no leading `::`.
fn normalize(query: &str) -> String {
    let query = query.trim();
    let query = query.strip_prefix("::").unwrap_or(query);
    query.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<'a> Debug<'a> {
    /// The language of unit `index` (`DW_AT_language` of its root).
    pub(crate) fn language(&self, index: usize) -> SourceLanguage {
        let Ok(unit) = self.unit(index) else {
            return SourceLanguage::Other;
        };
        let Ok(root) = unit.entry(unit.header.root_offset()) else {
            return SourceLanguage::Other;
        };
        match root.attr_value(gimli::DW_AT_language) {
            Some(gimli::AttributeValue::Language(language)) => SourceLanguage::of(language),
            _ => SourceLanguage::Other,
        }
    }

    /// The qualified path of the scope `die` is in (`ns::Outer`), `None` at unit level.
    pub(crate) fn scope_path(&self, die: DieRef) -> Option<String> {
        let cell = self.paths.get(die.unit)?;
        let paths = cell.get_or_init(|| {
            let mut paths = ScopePaths::new();
            let Ok(unit) = self.unit(die.unit) else {
                return paths;
            };
            let language = self.language(die.unit);
            let _ = walk_unit(self, &unit, language, |entry, path, _| {
                if !path.is_empty() {
                    paths.insert(entry.offset(), path.to_string());
                }
            });
            paths
        });
        paths.get(&die.offset).cloned()
    }

    /// The name index, built on first use.
    fn names(&self) -> Result<&NameIndex> {
        let index = self.names.get_or_init(|| self.build_names());
        match (
            &index.error,
            index.types.is_empty() && index.globals.is_empty() && index.enumerators.is_empty(),
        ) {
            // Nothing could be read: say why rather than finding nothing.
            (Some(error), true) => Err(error.clone()),
            _ => Ok(index),
        }
    }

    fn build_names(&self) -> NameIndex {
        let mut index = NameIndex::default();
        let total = self.units.len();
        let mut reading = self.reporter.part(crate::Part::Names);
        for unit_index in 0..total {
            reading.progress(unit_index, total);
            // Parsed here, not through the per-unit cache: the index touches every unit once,
            // and keeping them all parsed would hold every unit's abbreviations.
            let Some(offset) = self.units.get(unit_index) else {
                continue;
            };
            let unit = match self
                .dwarf
                .debug_info
                .header_from_offset(*offset)
                .and_then(|header| self.dwarf.unit(header))
            {
                Ok(unit) => unit,
                Err(error) => {
                    index.error = Some(Error::dwarf(".debug_info", error));
                    continue;
                }
            };
            if let Err(error) = self.index_unit(&mut index, unit_index, &unit) {
                index.error = Some(error);
            }
        }
        for entries in index.types.values_mut() {
            // Definitions before declarations, real names before C tags' bare names.
            entries.sort_by_key(|e| (e.lenient, e.declaration));
        }
        index
    }

    fn index_unit(&self, index: &mut NameIndex, unit_index: usize, unit: &Unit<'a>) -> Result<()> {
        let root_language = unit
            .entry(unit.header.root_offset())
            .ok()
            .and_then(|root| match root.attr_value(gimli::DW_AT_language) {
                Some(gimli::AttributeValue::Language(language)) => {
                    Some(SourceLanguage::of(language))
                }
                _ => None,
            })
            .unwrap_or(SourceLanguage::Other);
        let c = root_language == SourceLanguage::C;
        // Declarations of variables (static members, `extern`s), by offset: the qualified
        // name a definition with `DW_AT_specification` takes.
        let mut declared: HashMap<gimli::UnitOffset, String> = HashMap::new();
        let mut definitions: Vec<(gimli::UnitOffset, DieRef)> = Vec::new();
        let start = self.unit_start(unit_index);
        let type_ref = |offset: gimli::UnitOffset| TypeRef(start.saturating_add(offset.0 as u64));
        walk_unit(self, unit, root_language, |entry, path, in_type| {
            let tag = entry.tag();
            let name = string_attr(&self.dwarf, unit, entry, gimli::DW_AT_name);
            let die = DieRef {
                unit: unit_index,
                offset: entry.offset(),
            };
            let declaration = flag_attr(entry, gimli::DW_AT_declaration);
            match tag {
                gimli::DW_TAG_variable | gimli::DW_TAG_member => {
                    if in_type || declaration {
                        if let Some(name) = name {
                            declared.insert(entry.offset(), join(path, &name));
                        }
                        return;
                    }
                    if tag != gimli::DW_TAG_variable {
                        return;
                    }
                    if let Some(name) = name {
                        let qualified = join(path, &name);
                        if qualified != name {
                            index.globals.entry(qualified).or_default().push(die);
                        }
                        index.globals.entry(name).or_default().push(die);
                    } else if let Some(gimli::AttributeValue::UnitRef(spec)) =
                        entry.attr_value(gimli::DW_AT_specification)
                    {
                        definitions.push((spec, die));
                    }
                }
                gimli::DW_TAG_pointer_type => {
                    if let Some(target) = self.type_attr(unit_index, entry) {
                        index
                            .pointers
                            .entry(target)
                            .or_insert(type_ref(entry.offset()));
                    }
                    if let Some(name) = name {
                        index.types.entry(name).or_default().push(IndexedType {
                            ty: type_ref(entry.offset()),
                            tag,
                            declaration,
                            lenient: false,
                        });
                    }
                }
                _ if is_type(tag) => {
                    if tag == gimli::DW_TAG_enumeration_type && !declaration {
                        for child in self.children(unit, entry.offset()).unwrap_or_default() {
                            let Ok(child) = unit.entry(child) else {
                                continue;
                            };
                            if child.tag() != gimli::DW_TAG_enumerator {
                                continue;
                            }
                            if let Some(enumerator) =
                                string_attr(&self.dwarf, unit, &child, gimli::DW_AT_name)
                            {
                                let owner = type_ref(entry.offset());
                                index
                                    .enumerators
                                    .entry(join(path, &enumerator))
                                    .or_default()
                                    .push(owner);
                            }
                        }
                    }
                    let Some(name) = name else {
                        return;
                    };
                    let ty = type_ref(entry.offset());
                    let qualified = join(path, &name);
                    let mut add = |key: String, lenient: bool| {
                        index.types.entry(key).or_default().push(IndexedType {
                            ty,
                            tag,
                            declaration,
                            lenient,
                        });
                    };
                    match keyword(tag) {
                        Some(word) => {
                            let tagged = format!("{word} {qualified}");
                            if declaration {
                                index.declarations.insert(ty, tagged.clone());
                            }
                            add(tagged, false);
                            add(qualified.clone(), c);
                            if qualified != name {
                                add(name, c);
                            }
                        }
                        None => {
                            if tag == gimli::DW_TAG_base_type {
                                let canonical = canonical_base(&name);
                                if canonical != name {
                                    add(canonical, false);
                                }
                            }
                            if qualified != name {
                                add(qualified, false);
                            }
                            add(name, false);
                        }
                    }
                }
                _ => {}
            }
        })?;
        for (spec, die) in definitions {
            if let Some(qualified) = declared.get(&spec) {
                let plain = qualified
                    .rsplit("::")
                    .next()
                    .unwrap_or(qualified)
                    .to_string();
                if plain != *qualified {
                    index.globals.entry(plain).or_default().push(die);
                }
                index
                    .globals
                    .entry(qualified.clone())
                    .or_default()
                    .push(die);
            }
        }
        Ok(())
    }

    /// The type `name` names (see [`Module::type_named`](crate::Module::type_named)).
    pub(crate) fn type_named(&self, name: &str) -> Result<Option<TypeRef>> {
        let query = normalize(name);
        if let Some(target) = query.strip_suffix('*') {
            // `int *`: a pointer type the program has to the named type.
            let Some(target) = self.type_named(target)? else {
                return Ok(None);
            };
            return self.pointer_to(target);
        }
        let index = self.names()?;
        let mut keys = vec![query.clone(), canonical_base(&query)];
        // C++ does not mind `struct` for a class or `class` for a struct.
        if let Some(rest) = query.strip_prefix("struct ") {
            keys.push(format!("class {rest}"));
        } else if let Some(rest) = query.strip_prefix("class ") {
            keys.push(format!("struct {rest}"));
        }
        Ok(keys
            .iter()
            .filter_map(|key| index.types.get(key)?.first())
            .min_by_key(|e| (e.lenient, e.declaration))
            .map(|e| e.ty))
    }

    /// A pointer type to `ty`, where the program has one.
    pub(crate) fn pointer_to(&self, ty: TypeRef) -> Result<Option<TypeRef>> {
        Ok(self.names()?.pointers.get(&ty).copied())
    }

    /// The definition of the declared-only aggregate `ty` (`ty` itself when it is one).
    pub(crate) fn complete_type(&self, ty: TypeRef) -> Result<Option<TypeRef>> {
        let (die, unit) = self.type_die(ty)?;
        let entry = unit
            .entry(die.offset)
            .map_err(|_| Error::BadTypeRef { offset: ty.0 })?;
        if !flag_attr(&entry, gimli::DW_AT_declaration) {
            return Ok(Some(ty));
        }
        let index = self.names()?;
        let Some(key) = index.declarations.get(&ty) else {
            return Ok(None);
        };
        Ok(index.types.get(key).and_then(|entries| {
            entries
                .iter()
                .find(|e| !e.declaration && e.tag == entry.tag())
                .map(|e| e.ty)
        }))
    }

    /// The enumeration types that declare an enumerator `name`.
    pub(crate) fn enumerator_types(&self, name: &str) -> Result<Vec<TypeRef>> {
        let index = self.names()?;
        Ok(index
            .enumerators
            .get(&normalize(name))
            .cloned()
            .unwrap_or_default())
    }

    /// The global variables `name` names, by plain or qualified name.
    pub(crate) fn global_dies(&self, name: &str) -> Result<Vec<DieRef>> {
        let index = self.names()?;
        let mut found = index
            .globals
            .get(&normalize(name))
            .cloned()
            .unwrap_or_default();
        found.dedup();
        Ok(found)
    }
}
