//! What an editor's variables view needs beyond `value_children`: the length of a large
//! array and any window of its elements, so that a front end pages through an array of a
//! million elements (DAP's `indexedVariables`) without building them all.

use dbg_expr::{Type, Value};

use super::Session;
use crate::error::Result;
use crate::session::NamedValue;

impl Session {
    /// The number of elements of a fixed-size array value (not a character array, which is
    /// shown as a string); `None` for any other value.
    pub fn array_length(&mut self, value: &Value) -> Result<Option<u64>> {
        let mut ctx = self.frame_context()?;
        let ty = dbg_expr::stripped(&mut ctx, &value.ty)?;
        Ok(match ty.as_ref() {
            Type::Array {
                element,
                count: Some(count),
            } if !element.is_byte_char() => Some(*count),
            _ => None,
        })
    }

    /// Elements `start..start + count` of a fixed-size array value (fewer where the array
    /// ends), named `[i]` as [`Session::value_children`] names them; none for a value that
    /// is not such an array. Nothing is read: each element is read when it is shown.
    pub fn array_elements(
        &mut self,
        value: &Value,
        start: u64,
        count: u64,
    ) -> Result<Vec<NamedValue>> {
        let mut ctx = self.frame_context()?;
        let ty = dbg_expr::stripped(&mut ctx, &value.ty)?;
        let Type::Array {
            element,
            count: Some(length),
        } = ty.as_ref()
        else {
            return Ok(Vec::new());
        };
        let element = dbg_expr::resolved(&mut ctx, element)?;
        let size = element.size().unwrap_or(0);
        let end = start.saturating_add(count).min(*length);
        Ok((start..end)
            .map(|i| NamedValue {
                name: format!("[{i}]"),
                value: value.part(element.clone(), i.saturating_mul(size)),
            })
            .collect())
    }
}
