//! One read for a whole value: printing a struct or an array in memory reads each scalar as
//! it goes, so the value's bytes are read once first (when they are few and all readable)
//! and the printer's reads inside them are answered from that copy. Reads elsewhere (what a
//! pointer points to) go to the real context.

use crate::ast::{HistoryRef, Language};
use crate::context::Context;
use crate::error::Result;
use crate::types::TypeRc;
use crate::value::Value;

/// The most bytes read ahead for one value.
pub(super) const READ_AHEAD: u64 = 64 * 1024;

/// A context with one region of memory already read.
pub(super) struct Cached<'c> {
    inner: &'c mut dyn Context,
    start: u64,
    bytes: Vec<u8>,
}

impl<'c> Cached<'c> {
    /// `inner` with the bytes of `value` read ahead, when it is in memory, at most
    /// [`READ_AHEAD`] bytes, and readable whole (else nothing is cached: the printer's own
    /// reads then say which part is unreadable).
    pub(super) fn around(inner: &'c mut dyn Context, value: &Value) -> Cached<'c> {
        let region = value
            .address()
            .zip(value.ty.size())
            .filter(|(_, size)| *size > 8 && *size <= READ_AHEAD);
        let (start, bytes) = match region {
            Some((start, size)) => match inner.read_memory(start, size as usize) {
                Ok(bytes) => (start, bytes),
                Err(_) => (0, Vec::new()),
            },
            None => (0, Vec::new()),
        };
        Cached {
            inner,
            start,
            bytes,
        }
    }
}

impl Context for Cached<'_> {
    fn language(&self) -> Language {
        self.inner.language()
    }

    fn lookup(&mut self, name: &str) -> Result<Option<Value>> {
        self.inner.lookup(name)
    }

    fn lookup_type(&mut self, name: &str) -> Result<Option<TypeRc>> {
        self.inner.lookup_type(name)
    }

    fn resolve_type(&mut self, id: u64) -> Result<TypeRc> {
        self.inner.resolve_type(id)
    }

    fn register(&mut self, name: &str) -> Result<Option<Value>> {
        self.inner.register(name)
    }

    fn read_memory(&mut self, address: u64, len: usize) -> Result<Vec<u8>> {
        let cached = address
            .checked_sub(self.start)
            .and_then(|offset| usize::try_from(offset).ok())
            .and_then(|offset| self.bytes.get(offset..offset.checked_add(len)?));
        match cached {
            Some(bytes) => Ok(bytes.to_vec()),
            None => self.inner.read_memory(address, len),
        }
    }

    fn write_memory(&mut self, address: u64, bytes: &[u8]) -> Result<()> {
        self.bytes.clear();
        self.inner.write_memory(address, bytes)
    }

    fn read_register(&mut self, number: u16) -> Result<Vec<u8>> {
        self.inner.read_register(number)
    }

    fn write_register(&mut self, number: u16, bytes: &[u8]) -> Result<()> {
        self.inner.write_register(number, bytes)
    }

    fn symbolize(&mut self, address: u64) -> Option<(String, u64)> {
        self.inner.symbolize(address)
    }

    fn history(&mut self, which: HistoryRef) -> Result<Value> {
        self.inner.history(which)
    }
}
