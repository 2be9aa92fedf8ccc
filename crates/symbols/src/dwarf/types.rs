//! The type of a value, as far as a debugger shows values without a full type system: a
//! function's return type, read from its `DW_TAG_subprogram`.

use super::{Debug, Reader};
use crate::error::{Error, Result};

/// The type of a value, as far as a debugger shows values without a full type system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// No value (`void`).
    Void,
    /// A signed integer of `size` bytes.
    Signed {
        /// Its name (`int`, `long`).
        name: String,
        /// Bytes.
        size: u8,
    },
    /// An unsigned integer of `size` bytes.
    Unsigned {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
    },
    /// A floating-point number of `size` bytes (4, 8, or 16 for x87 long double).
    Float {
        /// Its name.
        name: String,
        /// Bytes.
        size: u8,
    },
    /// A boolean.
    Bool {
        /// Its name.
        name: String,
    },
    /// A character type.
    Char {
        /// Its name.
        name: String,
        /// Signed or not.
        signed: bool,
    },
    /// A pointer (or reference).
    Pointer {
        /// The type, as `T *`.
        name: String,
    },
    /// Anything else (structures, unions, arrays).
    Other {
        /// Its name, if it has one.
        name: String,
    },
}

impl<'a> Debug<'a> {
    /// The return type of the function whose code starts at `low`, from its
    /// `DW_TAG_subprogram`. `None` when DWARF does not describe the function.
    pub(crate) fn return_type(&self, low: u64) -> Result<Option<ValueType>> {
        let bad = |e: gimli::Error| Error::dwarf(".debug_info", e);
        for unit_index in self.units_at(low).collect::<Vec<_>>() {
            let Some(offset) = self.units.get(unit_index) else {
                continue;
            };
            let header = self
                .dwarf
                .debug_info
                .header_from_offset(*offset)
                .map_err(bad)?;
            let unit = self.dwarf.unit(header).map_err(bad)?;
            let mut entries = unit.entries();
            while let Some(entry) = entries.next_dfs().map_err(bad)? {
                if entry.tag() != gimli::DW_TAG_subprogram {
                    continue;
                }
                let starts_here = match entry.attr_value(gimli::DW_AT_low_pc) {
                    Some(value) => {
                        self.dwarf.attr_address(&unit, value).ok().flatten() == Some(low)
                    }
                    None => false,
                };
                if !starts_here {
                    continue;
                }
                return Ok(Some(match entry.attr_value(gimli::DW_AT_type) {
                    Some(gimli::AttributeValue::UnitRef(offset)) => {
                        self.value_type(&unit, offset, 0)
                    }
                    Some(_) => ValueType::Other { name: "?".into() },
                    None => ValueType::Void,
                }));
            }
        }
        Ok(None)
    }

    fn value_type(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
        depth: u32,
    ) -> ValueType {
        let unknown = || ValueType::Other { name: "?".into() };
        if depth > 16 {
            return unknown();
        }
        let Ok(entry) = unit.entry(offset) else {
            return unknown();
        };
        let name = entry
            .attr_value(gimli::DW_AT_name)
            .and_then(|v| self.dwarf.attr_string(unit, v).ok())
            .map(|n| n.to_string_lossy().into_owned());
        let size = entry
            .attr_value(gimli::DW_AT_byte_size)
            .and_then(|v| v.udata_value())
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0);
        let inner = || match entry.attr_value(gimli::DW_AT_type) {
            Some(gimli::AttributeValue::UnitRef(next)) => {
                Some(self.value_type(unit, next, depth + 1))
            }
            _ => None,
        };
        match entry.tag() {
            gimli::DW_TAG_typedef | gimli::DW_TAG_const_type | gimli::DW_TAG_volatile_type => {
                match inner() {
                    // A typedef keeps its own name (`size_t`, `uint32_t`).
                    Some(resolved) => rename(
                        resolved,
                        name.filter(|_| entry.tag() == gimli::DW_TAG_typedef),
                    ),
                    None => ValueType::Void,
                }
            }
            gimli::DW_TAG_pointer_type
            | gimli::DW_TAG_reference_type
            | gimli::DW_TAG_rvalue_reference_type => {
                let target = inner().map_or_else(|| "void".to_string(), |t| type_name(&t));
                ValueType::Pointer {
                    name: name.unwrap_or_else(|| format!("{target} *")),
                }
            }
            gimli::DW_TAG_base_type => {
                let name = name.unwrap_or_else(|| "?".into());
                let encoding = entry.attr_value(gimli::DW_AT_encoding);
                match encoding {
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_float)) => {
                        ValueType::Float { name, size }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_boolean)) => {
                        ValueType::Bool { name }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_signed_char)) => {
                        ValueType::Char { name, signed: true }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_unsigned_char)) => {
                        ValueType::Char {
                            name,
                            signed: false,
                        }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_signed)) => {
                        ValueType::Signed { name, size }
                    }
                    Some(gimli::AttributeValue::Encoding(gimli::DW_ATE_unsigned)) => {
                        ValueType::Unsigned { name, size }
                    }
                    _ => ValueType::Other { name },
                }
            }
            gimli::DW_TAG_enumeration_type => ValueType::Signed {
                name: name.unwrap_or_else(|| "enum".into()),
                size: size.max(4),
            },
            _ => ValueType::Other {
                name: name.unwrap_or_else(|| "?".into()),
            },
        }
    }
}

fn type_name(value: &ValueType) -> String {
    match value {
        ValueType::Void => "void".into(),
        ValueType::Signed { name, .. }
        | ValueType::Unsigned { name, .. }
        | ValueType::Float { name, .. }
        | ValueType::Bool { name }
        | ValueType::Char { name, .. }
        | ValueType::Pointer { name }
        | ValueType::Other { name } => name.clone(),
    }
}

fn rename(value: ValueType, name: Option<String>) -> ValueType {
    let Some(name) = name else {
        return value;
    };
    match value {
        ValueType::Signed { size, .. } => ValueType::Signed { name, size },
        ValueType::Unsigned { size, .. } => ValueType::Unsigned { name, size },
        ValueType::Float { size, .. } => ValueType::Float { name, size },
        ValueType::Bool { .. } => ValueType::Bool { name },
        ValueType::Char { signed, .. } => ValueType::Char { name, signed },
        ValueType::Pointer { .. } => ValueType::Pointer { name },
        ValueType::Other { .. } => ValueType::Other { name },
        ValueType::Void => ValueType::Void,
    }
}

impl ValueType {
    /// The type's name as C writes it.
    pub fn name(&self) -> String {
        type_name(self)
    }
}
