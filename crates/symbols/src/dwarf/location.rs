//! Where a variable's value is: its DWARF location expression (or the location-list entry
//! covering the address) evaluated with gimli, asking the caller for registers, memory, the
//! CFA and thread-local storage through a [`LocationContext`].

use gimli::{EndianSlice, RunTimeEndian};

use super::variables::{FunctionScope, LocationExpr, LocationList, VarLocation, Variable};
use super::{Debug, Reader};
use crate::addr::FileAddr;
use crate::error::{Error, Result};

/// The most entries of one location list read (malformed DWARF may claim millions).
const MAX_LIST_ENTRIES: usize = 1 << 16;

/// What evaluating a location needs from the stopped program, for one frame.
pub trait LocationContext {
    /// Register `number` (DWARF numbering: rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5, rbp 6,
    /// rsp 7, r8-r15 8-15, rip 16; xmm0-15 17-32) of the frame, `None` if unknown.
    fn register(&mut self, number: u16) -> Option<u64>;
    /// `size` bytes (<= 8) of memory at a runtime address, as a little-endian integer.
    fn read_memory(&mut self, address: u64, size: u8) -> Option<u64>;
    /// The frame's canonical frame address (for `DW_OP_call_frame_cfa`).
    fn cfa(&mut self) -> Option<u64>;
    /// The runtime address of a link-time address of this module (adds the load bias).
    fn relocate(&mut self, address: FileAddr) -> u64;
    /// The runtime address of offset `offset` in this module's thread-local block for the
    /// frame's thread.
    fn tls_address(&mut self, offset: u64) -> Option<u64>;
}

/// Where a value is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    /// In memory, at this runtime address.
    Memory(u64),
    /// In this register (DWARF numbering), whole or its low bytes.
    Register(u16),
    /// Nowhere but here: the value itself, little-endian (`DW_OP_stack_value`,
    /// `DW_OP_implicit_value`, `DW_AT_const_value`). A computed value is cut to the size of
    /// the variable's type when DWARF gives one (else 8 bytes).
    Value(Vec<u8>),
    /// The compiler did not keep it here (or it is somewhere this crate cannot follow: an
    /// entry value, an implicit pointer, a register the context does not know).
    OptimizedOut,
    /// In several pieces (`DW_OP_piece`), in order from the value's first bit.
    Pieces(Vec<Piece>),
}

/// One piece of a value in several places. Pieces are consecutive: a piece starts where the
/// previous one ends (the first at bit 0 of the value).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Piece {
    /// Where this piece is (never [`Place::Pieces`]).
    pub place: Place,
    /// Its size in bits.
    pub bit_size: u64,
    /// Where in `place` it starts, in bits (`DW_OP_bit_piece`'s offset; 0 for `DW_OP_piece`):
    /// from the least significant bit of a register or value, from the address in memory.
    pub bit_offset: u64,
}

/// How many times an evaluation may stop to ask for something, and how many operations it
/// may run: a malformed expression can loop (`DW_OP_skip` backwards) forever.
const MAX_STEPS: u32 = 10_000;

/// Why an evaluation stopped without a place: the value is not available.
struct Unavailable;

impl<'a> Debug<'a> {
    /// Where `variable` is at `pc` (link-time), in the frame `ctx` describes.
    pub(crate) fn locate(
        &self,
        variable: &Variable,
        scope: Option<&FunctionScope>,
        pc: u64,
        ctx: &mut dyn LocationContext,
    ) -> Result<Place> {
        let size = match variable.ty {
            Some(ty) => self.type_size(ty).ok().flatten(),
            None => None,
        };
        let expr = match &variable.location {
            VarLocation::OptimizedOut => return Ok(Place::OptimizedOut),
            VarLocation::Const(bytes) => return Ok(Place::Value(bytes.clone())),
            VarLocation::Expr(expr) => expr.clone(),
            VarLocation::List(list) => match self.list_entry(*list, pc)? {
                Some(expr) => expr,
                None => return Ok(Place::OptimizedOut),
            },
        };
        let frame_base = scope.and_then(|s| s.frame_base.as_ref());
        match self.evaluate(&expr, frame_base, size, ctx, true) {
            Ok(Ok(place)) => Ok(place),
            Ok(Err(Unavailable)) => Ok(Place::OptimizedOut),
            Err(error) => Err(error),
        }
    }

    /// The expression of the entry of `list` covering `pc`. Read from the raw entries, not
    /// gimli's converted ones, because those leave out empty ranges: gcc's location views
    /// make an entry whose range is just the address where an inlined call begins, and gdb
    /// takes it there when no other entry covers the pc.
    pub(crate) fn list_entry(&self, list: LocationList, pc: u64) -> Result<Option<LocationExpr>> {
        let bad = |e| Error::dwarf(".debug_loclists", e);
        let unit = self.unit(list.unit)?;
        let mut entries = self
            .dwarf
            .raw_locations(&unit, gimli::LocationListsOffset(list.offset))
            .map_err(bad)?;
        let mut base = unit.low_pc;
        let mut at_view = None;
        let mut count = 0usize;
        while let Some(raw) = entries.next().map_err(bad)? {
            count += 1;
            if count > MAX_LIST_ENTRIES {
                break;
            }
            let address = |index| self.dwarf.address(&unit, index).map_err(bad);
            let (begin, end, data) = match raw {
                gimli::RawLocListEntry::BaseAddress { addr } => {
                    base = addr;
                    continue;
                }
                gimli::RawLocListEntry::BaseAddressx { addr } => {
                    base = address(addr)?;
                    continue;
                }
                gimli::RawLocListEntry::AddressOrOffsetPair { begin, end, data }
                | gimli::RawLocListEntry::OffsetPair { begin, end, data } => {
                    (base.wrapping_add(begin), base.wrapping_add(end), data)
                }
                gimli::RawLocListEntry::StartEnd { begin, end, data } => (begin, end, data),
                gimli::RawLocListEntry::StartLength {
                    begin,
                    length,
                    data,
                } => (begin, begin.wrapping_add(length), data),
                gimli::RawLocListEntry::StartxEndx { begin, end, data } => {
                    (address(begin)?, address(end)?, data)
                }
                gimli::RawLocListEntry::StartxLength {
                    begin,
                    length,
                    data,
                } => {
                    let begin = address(begin)?;
                    (begin, begin.wrapping_add(length), data)
                }
                gimli::RawLocListEntry::DefaultLocation { data } => (0, u64::MAX, data),
            };
            let expr = || LocationExpr {
                unit: list.unit,
                bytes: data.0.slice().to_vec(),
            };
            if begin <= pc && pc < end {
                return Ok(Some(expr()));
            }
            if begin == pc && end == pc && at_view.is_none() {
                at_view = Some(expr());
            }
        }
        Ok(at_view)
    }

    /// Evaluate `expr`. The outer `Result` is malformed DWARF; the inner one a value that is
    /// not available. `frame_base` is evaluated (without a frame base of its own) when the
    /// expression asks for it.
    fn evaluate(
        &self,
        expr: &LocationExpr,
        frame_base: Option<&LocationExpr>,
        size: Option<u64>,
        ctx: &mut dyn LocationContext,
        allow_frame_base: bool,
    ) -> Result<Result<Place, Unavailable>> {
        use gimli::EvaluationResult as R;
        let bad = |e| Error::dwarf("location expression", e);
        let unit = self.unit(expr.unit)?;
        let bytes: Reader<'_> = EndianSlice::new(&expr.bytes, RunTimeEndian::Little);
        let mut evaluation = gimli::Expression(bytes).evaluation(unit.encoding());
        evaluation.set_max_iterations(MAX_STEPS);
        let mut result = evaluation.evaluate().map_err(bad)?;
        let mut steps = 0;
        loop {
            steps += 1;
            if steps > MAX_STEPS {
                return Err(bad(gimli::Error::TooManyIterations));
            }
            result = match result {
                R::Complete => break,
                R::RequiresMemory { address, size, .. } => {
                    let Some(value) = ctx.read_memory(address, size) else {
                        return Err(Error::UnreadableMemory { address });
                    };
                    evaluation
                        .resume_with_memory(gimli::Value::Generic(value))
                        .map_err(bad)?
                }
                R::RequiresRegister { register, .. } => {
                    let Some(value) = ctx.register(register.0) else {
                        return Ok(Err(Unavailable));
                    };
                    evaluation
                        .resume_with_register(gimli::Value::Generic(value))
                        .map_err(bad)?
                }
                R::RequiresFrameBase => {
                    let Some(base) = frame_base.filter(|_| allow_frame_base) else {
                        return Ok(Err(Unavailable));
                    };
                    let value = match self.evaluate(base, None, Some(8), ctx, false)? {
                        Ok(Place::Memory(address)) => address,
                        // `DW_OP_reg6`: the frame base is the register's value.
                        Ok(Place::Register(number)) => match ctx.register(number) {
                            Some(value) => value,
                            None => return Ok(Err(Unavailable)),
                        },
                        Ok(Place::Value(bytes)) => le_u64(&bytes),
                        _ => return Ok(Err(Unavailable)),
                    };
                    evaluation.resume_with_frame_base(value).map_err(bad)?
                }
                R::RequiresTls(offset) => {
                    let Some(address) = ctx.tls_address(offset) else {
                        return Ok(Err(Unavailable));
                    };
                    evaluation.resume_with_tls(address).map_err(bad)?
                }
                R::RequiresCallFrameCfa => {
                    let Some(cfa) = ctx.cfa() else {
                        return Ok(Err(Unavailable));
                    };
                    evaluation.resume_with_call_frame_cfa(cfa).map_err(bad)?
                }
                R::RequiresRelocatedAddress(address) => {
                    let address = ctx.relocate(FileAddr::new(address));
                    evaluation
                        .resume_with_relocated_address(address)
                        .map_err(bad)?
                }
                R::RequiresIndexedAddress { index, relocate } => {
                    let address = self
                        .dwarf
                        .address(&unit, index)
                        .map_err(|e| Error::dwarf(".debug_addr", e))?;
                    let address = if relocate {
                        ctx.relocate(FileAddr::new(address))
                    } else {
                        address
                    };
                    evaluation
                        .resume_with_indexed_address(address)
                        .map_err(bad)?
                }
                R::RequiresBaseType(offset) => {
                    let Some(value_type) = self.base_value_type(&unit, offset) else {
                        return Ok(Err(Unavailable));
                    };
                    evaluation.resume_with_base_type(value_type).map_err(bad)?
                }
                // The value at function entry, a caller's parameter, another DIE's location,
                // WebAssembly: not something a stopped frame can answer.
                _ => return Ok(Err(Unavailable)),
            };
        }
        let pieces = evaluation.result();
        let mut places = Vec::with_capacity(pieces.len());
        for piece in &pieces {
            places.push(Piece {
                place: place_of(&piece.location, size),
                bit_size: piece
                    .size_in_bits
                    .or_else(|| size.map(|s| s.saturating_mul(8)))
                    .unwrap_or(0),
                bit_offset: piece.bit_offset.unwrap_or(0),
            });
        }
        let whole = pieces.len() == 1
            && pieces
                .first()
                .is_some_and(|p| p.size_in_bits.is_none() && p.bit_offset.is_none());
        Ok(Ok(match places.pop() {
            Some(piece) if whole => piece.place,
            None => Place::OptimizedOut,
            Some(last) => {
                places.push(last);
                if places.iter().all(|p| p.place == Place::OptimizedOut) {
                    Place::OptimizedOut
                } else {
                    Place::Pieces(places)
                }
            }
        }))
    }

    /// The gimli value type of the base type DIE at `offset` (typed DWARF 5 operations).
    fn base_value_type(
        &self,
        unit: &gimli::Unit<Reader<'a>>,
        offset: gimli::UnitOffset,
    ) -> Option<gimli::ValueType> {
        let entry = unit.entry(offset).ok()?;
        let encoding = match entry.attr_value(gimli::DW_AT_encoding)? {
            gimli::AttributeValue::Encoding(encoding) => encoding,
            _ => return None,
        };
        let size = entry.attr_value(gimli::DW_AT_byte_size)?.udata_value()?;
        gimli::ValueType::from_encoding(encoding, size)
    }
}

/// A piece's location as a [`Place`].
fn place_of(location: &gimli::Location<Reader<'_>>, size: Option<u64>) -> Place {
    match location {
        gimli::Location::Empty | gimli::Location::ImplicitPointer { .. } => Place::OptimizedOut,
        gimli::Location::Register { register } => Place::Register(register.0),
        gimli::Location::Address { address } => Place::Memory(*address),
        gimli::Location::Value { value } => {
            let mut bytes = value_bytes(*value);
            if let Some(size) = size.and_then(|s| usize::try_from(s).ok()) {
                if size < bytes.len() {
                    bytes.truncate(size);
                }
            }
            Place::Value(bytes)
        }
        gimli::Location::Bytes { value } => Place::Value(value.slice().to_vec()),
    }
}

/// A computed value's bytes, little-endian.
fn value_bytes(value: gimli::Value) -> Vec<u8> {
    use gimli::Value::*;
    match value {
        Generic(v) | U64(v) => v.to_le_bytes().to_vec(),
        I8(v) => v.to_le_bytes().to_vec(),
        U8(v) => v.to_le_bytes().to_vec(),
        I16(v) => v.to_le_bytes().to_vec(),
        U16(v) => v.to_le_bytes().to_vec(),
        I32(v) => v.to_le_bytes().to_vec(),
        U32(v) => v.to_le_bytes().to_vec(),
        I64(v) => v.to_le_bytes().to_vec(),
        F32(v) => v.to_le_bytes().to_vec(),
        F64(v) => v.to_le_bytes().to_vec(),
    }
}

/// Up to eight little-endian bytes as an integer.
fn le_u64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .rev()
        .fold(0, |value, byte| (value << 8) | u64::from(*byte))
}
