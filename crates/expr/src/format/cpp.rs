//! libstdc++'s `std::string` and `std::vector` printed by their contents, as gdb shows them
//! with libstdc++'s pretty printers (`"text"`, `std::vector of length 3, capacity 4 = {1, 2,
//! 3}`). The layout is read from the members DWARF names (`_M_dataplus._M_p`,
//! `_M_string_length`, `_M_impl._M_start`...), never from fixed offsets, so that a library
//! built differently either prints right or falls back to the plain struct.

use std::fmt::Write as _;
use std::sync::Arc;

use super::{string_text, Printer, PRINT_MAX};
use crate::error::Result;
use crate::types::{StructType, Type, TypeRc};
use crate::value::{stripped, Value};

/// Members are looked for this deep in base classes and anonymous members.
const MAX_MEMBER_DEPTH: u32 = 8;

impl Printer<'_> {
    /// Print a standard library value by its contents; `false` (nothing printed) when
    /// `s` is not one, or its layout is not the one expected.
    pub(super) fn std_value(&mut self, value: &Value, s: &StructType, depth: u32) -> bool {
        if s.cpp.is_none() || self.options.format.is_some() {
            return false;
        }
        let Some(name) = s.name.as_deref() else {
            return false;
        };
        let printed = if name == "std::string"
            || name.starts_with("std::basic_string<")
            || name.starts_with("std::__cxx11::basic_string<")
        {
            self.std_string(value, s)
        } else if name.starts_with("std::vector<") {
            self.std_vector(value, s, depth)
        } else {
            Ok(None)
        };
        match printed {
            Ok(Some(())) => true,
            Ok(None) => false,
            Err(e) => {
                self.error(&e);
                true
            }
        }
    }

    fn std_string(&mut self, value: &Value, s: &StructType) -> Result<Option<()>> {
        let (Some(data), Some(length)) = (
            self.member(value, s, &["_M_dataplus", "_M_p"])?,
            self.member(value, s, &["_M_string_length"])?,
        ) else {
            return Ok(None);
        };
        let Some((address, element)) = self.pointer_parts(&data)? else {
            return Ok(None);
        };
        if element.size() != Some(1) {
            return Ok(None);
        }
        let length = u64::try_from(length.to_i128(self.ctx)?).unwrap_or(0);
        let shown = length.min(PRINT_MAX);
        let bytes = if shown == 0 {
            Vec::new()
        } else {
            self.ctx.read_memory(address, shown as usize)?
        };
        let chars: Vec<u32> = bytes.iter().map(|b| u32::from(*b)).collect();
        let mut text = String::new();
        string_text(&mut text, &chars, length > shown);
        self.out.push_str(&text);
        Ok(Some(()))
    }

    fn std_vector(&mut self, value: &Value, s: &StructType, depth: u32) -> Result<Option<()>> {
        let (Some(start), Some(finish), Some(end)) = (
            self.member(value, s, &["_M_impl", "_M_start"])?,
            self.member(value, s, &["_M_impl", "_M_finish"])?,
            self.member(value, s, &["_M_impl", "_M_end_of_storage"])?,
        ) else {
            return Ok(None);
        };
        let (Some((start, element)), Some((finish, _)), Some((end, _))) = (
            self.pointer_parts(&start)?,
            self.pointer_parts(&finish)?,
            self.pointer_parts(&end)?,
        ) else {
            return Ok(None);
        };
        let Some(size) = element.size().filter(|size| *size > 0) else {
            return Ok(None);
        };
        let length = finish.wrapping_sub(start) / size;
        let capacity = end.wrapping_sub(start) / size;
        let _ = write!(
            self.out,
            "std::vector of length {length}, capacity {capacity}"
        );
        if length > 0 {
            self.out.push_str(" = {");
            for i in 0..length.min(PRINT_MAX) {
                if i > 0 {
                    self.out.push_str(", ");
                }
                let item = Value::at(element.clone(), start.wrapping_add(i * size));
                self.value(&item, depth + 1);
            }
            if length > PRINT_MAX {
                self.out.push_str("...");
            }
            self.out.push('}');
        }
        Ok(Some(()))
    }

    /// A pointer's address and its target type (lazy handles resolved); `None` for
    /// anything but a pointer.
    fn pointer_parts(&mut self, pointer: &Value) -> Result<Option<(u64, TypeRc)>> {
        let ty = stripped(self.ctx, &pointer.ty)?;
        let Type::Pointer(target) = ty.as_ref() else {
            return Ok(None);
        };
        let target = stripped(self.ctx, target)?;
        let address = pointer.to_i128(self.ctx)? as u64;
        Ok(Some((address, target)))
    }

    /// The member at `path` (each name looked for in base classes and anonymous members
    /// too); `None` when the layout has no such member.
    fn member(&mut self, value: &Value, s: &StructType, path: &[&str]) -> Result<Option<Value>> {
        let mut current = value.clone();
        let mut aggregate = Arc::new(s.clone());
        for (i, name) in path.iter().enumerate() {
            let Some(found) = self.find_member(&current, &aggregate, name, 0)? else {
                return Ok(None);
            };
            current = found;
            if i + 1 < path.len() {
                let ty = stripped(self.ctx, &current.ty)?;
                let Type::Struct(next) = ty.as_ref() else {
                    return Ok(None);
                };
                aggregate = next.clone();
            }
        }
        Ok(Some(current))
    }

    fn find_member(
        &mut self,
        value: &Value,
        s: &StructType,
        name: &str,
        depth: u32,
    ) -> Result<Option<Value>> {
        if depth > MAX_MEMBER_DEPTH {
            return Ok(None);
        }
        if let Some(field) = s
            .fields
            .iter()
            .find(|f| !f.base && f.bits.is_none() && f.name.as_deref() == Some(name))
        {
            return Ok(Some(value.part(field.ty.clone(), field.offset)));
        }
        for field in s.fields.iter().filter(|f| f.base || f.name.is_none()) {
            let ty = stripped(self.ctx, &field.ty)?;
            if let Type::Struct(inner) = ty.as_ref() {
                let part = value.part(field.ty.clone(), field.offset);
                if let Some(found) = self.find_member(&part, inner, name, depth + 1)? {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }
}
