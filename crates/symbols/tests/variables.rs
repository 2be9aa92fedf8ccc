//! dbg-symbols' variables, types and locations against the C fixtures: `values` (every
//! kind of C type, -O0) and `nested_o2` (inlining and location lists).
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use dbg_symbols::{
    AggregateKind, BaseEncoding, FileAddr, FunctionScope, LineLookup, LocationContext, Module,
    Place, SourceLanguage, TypeDesc, TypeRef, VarLocation, Variable,
};

fn module(fixture: &str) -> Module {
    let bytes = std::fs::read(fixtures::path(fixture)).expect("fixture readable");
    Module::parse(Box::new(bytes)).expect("fixture is ELF")
}

/// The first line of a fixture source containing `text`.
fn line_of(source: &str, text: &str) -> u32 {
    let path = fixtures::source_dir().join(source);
    let source = std::fs::read_to_string(path).expect("source");
    let index = source
        .lines()
        .position(|line| line.contains(text))
        .unwrap_or_else(|| panic!("no line with {text}"));
    u32::try_from(index + 1).expect("small file")
}

/// A frame with made-up registers (register n holds `0x10_0000 * (n + 1)`), a CFA, a load
/// bias and a thread-local block; it records what it was asked.
#[derive(Default)]
struct Frame {
    tls_offsets: Vec<u64>,
    no_registers: bool,
}

const BIAS: u64 = 0x5555_0000_0000;
const CFA: u64 = 0x7fff_0000;
const TLS: u64 = 0x7f00_0000_0000;

impl LocationContext for Frame {
    fn register(&mut self, number: u16) -> Option<u64> {
        (!self.no_registers).then(|| 0x10_0000 * (u64::from(number) + 1))
    }
    fn read_memory(&mut self, address: u64, _size: u8) -> Option<u64> {
        Some(address)
    }
    fn cfa(&mut self) -> Option<u64> {
        Some(CFA)
    }
    fn relocate(&mut self, address: FileAddr) -> u64 {
        address.get() + BIAS
    }
    fn tls_address(&mut self, offset: u64) -> Option<u64> {
        self.tls_offsets.push(offset);
        Some(TLS + offset)
    }
}

fn names(block: &[Variable]) -> Vec<&str> {
    block.iter().map(|v| v.name.as_str()).collect()
}

fn breakpoint(module: &Module, function: &str) -> FileAddr {
    module.breakpoint_addresses(function).expect("lookup")[0].1
}

fn variable<'s>(scope: &'s FunctionScope, name: &str) -> &'s Variable {
    scope
        .blocks
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no variable {name}"))
}

/// The scopes in `show_values` at its call to `checkpoint`, in the inner block.
fn show_values_scopes(module: &Module) -> (FileAddr, Vec<FunctionScope>) {
    let line = line_of("values.c", "sum = checkpoint(");
    let LineLookup::Found { addresses, .. } =
        module.line_addresses("values.c", line).expect("lookup")
    else {
        panic!("no code for line {line}");
    };
    let pc = addresses[0];
    (pc, module.scopes_at(pc).expect("scopes"))
}

#[test]
fn checkpoint_has_its_parameters_in_order_and_its_static() {
    let module = module("values");
    let pc = breakpoint(&module, "checkpoint");
    let scopes = module.scopes_at(pc).expect("scopes");
    assert_eq!(scopes.len(), 1);
    let scope = &scopes[0];
    assert_eq!(scope.name.as_deref(), Some("checkpoint"));
    assert_eq!(scope.language, SourceLanguage::C);
    assert!(!scope.inlined);
    assert!(scope.frame_base.is_some());
    let block = scope.blocks.last().expect("function block");
    assert_eq!(names(block), ["count", "label", "where", "ratio", "calls"]);
    assert!(block[..4].iter().all(|v| v.parameter));
    assert!(!block[4].parameter);
    // The function-local static lives at a fixed address: its ELF symbol's (gcc names it
    // `calls.0`), plus the bias.
    let calls = module
        .locate(&block[4], Some(scope), pc, &mut Frame::default())
        .expect("locate");
    let Place::Memory(address) = calls else {
        panic!("calls at {calls:?}");
    };
    let (symbol, offset) = module
        .symbol_at(FileAddr::new(address - BIAS))
        .expect("a symbol");
    assert!(symbol.name.starts_with("calls"), "{symbol:?}");
    assert_eq!(offset, 0);
    // A parameter is at a fixed offset from gcc's frame base, the CFA.
    match module
        .locate(&block[0], Some(scope), pc, &mut Frame::default())
        .expect("locate")
    {
        Place::Memory(address) => assert!(address < CFA && address > CFA - 0x100),
        other => panic!("count at {other:?}"),
    }
}

#[test]
fn show_values_sees_the_inner_block_first() {
    let module = module("values");
    let (pc, scopes) = show_values_scopes(&module);
    assert_eq!(scopes.len(), 1);
    let scope = &scopes[0];
    assert_eq!(scope.name.as_deref(), Some("show_values"));
    assert_eq!(scope.blocks.len(), 2, "{:?}", scope.blocks);
    assert_eq!(names(&scope.blocks[0]), ["inner", "i"]);
    let outer = names(&scope.blocks[1]);
    assert_eq!(outer[..5], ["count", "label", "c", "sc", "uc"]);
    assert!(outer.contains(&"i") && outer.contains(&"sum"));
    assert_eq!(
        scope.blocks[1][0].decl_line,
        Some(line_of("values.c", "int show_values("))
    );
    // The shadowing `i` and the outer one are in different places.
    let mut frame = Frame::default();
    let inner_i = module.locate(&scope.blocks[0][1], Some(scope), pc, &mut frame);
    let outer_i = scope.blocks[1]
        .iter()
        .find(|v| v.name == "i")
        .expect("outer i");
    let outer_i = module.locate(outer_i, Some(scope), pc, &mut frame);
    assert!(matches!(inner_i, Ok(Place::Memory(_))), "{inner_i:?}");
    assert!(matches!(outer_i, Ok(Place::Memory(_))), "{outer_i:?}");
    assert_ne!(inner_i.ok(), outer_i.ok());
    // Without a scope there is no frame base: not available, not an error.
    assert_eq!(
        module
            .locate(&scope.blocks[0][0], None, pc, &mut frame)
            .expect("locate"),
        Place::OptimizedOut
    );
}

#[test]
fn type_names_are_written_as_gdb_writes_them() {
    let module = module("values");
    let (_, scopes) = show_values_scopes(&module);
    let scope = &scopes[0];
    let name = |var: &str| {
        module
            .type_name(variable(scope, var).ty.expect("typed"))
            .expect("name")
    };
    for (var, expected) in [
        ("fn", "int (*)(int, int)"),
        ("str", "const char *"),
        ("typed_pt", "point_t"),
        ("ppt", "struct point *"),
        ("buf", "char [16]"),
        ("grid", "int [2][3]"),
        ("pts", "struct point [3]"),
        ("l", "long"),
        ("ul", "unsigned long"),
        ("us", "unsigned short"),
        ("ll", "long long"),
        ("vl", "volatile long"),
        ("ci", "const int"),
        ("vp", "void *"),
        ("col", "enum color"),
        ("num", "union number"),
        ("typed_u", "u32"),
        ("yes", "_Bool"),
    ] {
        assert_eq!(name(var), expected, "whatis {var}");
    }
    let shape = module
        .type_named("struct shape")
        .expect("lookup")
        .expect("shape");
    let TypeDesc::Aggregate(shape) = module.type_desc(shape).expect("desc") else {
        panic!("shape is not an aggregate");
    };
    let overlay = shape.members.last().expect("overlay").ty.expect("typed");
    assert_eq!(module.type_name(overlay).expect("name"), "union {...}");
}

#[test]
fn struct_members_have_names_and_offsets() {
    let module = module("values");
    let shape = module
        .type_named("struct shape")
        .expect("lookup")
        .expect("shape");
    let TypeDesc::Aggregate(shape) = module.type_desc(shape).expect("desc") else {
        panic!("shape is not an aggregate");
    };
    assert_eq!(shape.kind, AggregateKind::Struct);
    assert_eq!(shape.name.as_deref(), Some("shape"));
    assert!(!shape.declaration);
    let members: Vec<(Option<&str>, u64)> = shape
        .members
        .iter()
        .map(|m| (m.name.as_deref(), m.offset))
        .collect();
    assert_eq!(
        members,
        [
            (Some("name"), 0),
            (Some("corners"), 12),
            (Some("color"), 28),
            (Some("area"), 32),
            (Some("scale"), 40),
            (Some("label"), 48),
            (None, 56),
            (Some("overlay"), 64),
        ]
    );
    // The anonymous member is a struct of its own, without a name.
    let anonymous = shape.members[6].ty.expect("typed");
    let TypeDesc::Aggregate(inner) = module.type_desc(anonymous).expect("desc") else {
        panic!("anonymous member is not a struct");
    };
    assert_eq!(inner.name, None);
    assert_eq!(module.type_name(anonymous).expect("name"), "struct {...}");
    let inner: Vec<_> = inner.members.iter().map(|m| m.name.as_deref()).collect();
    assert_eq!(inner, [Some("inner_a"), Some("inner_b")]);
}

#[test]
fn bitfields_have_bit_sizes_and_offsets() {
    let module = module("values");
    let bits = module
        .type_named("struct packed_bits")
        .expect("lookup")
        .expect("type");
    let TypeDesc::Aggregate(bits) = module.type_desc(bits).expect("desc") else {
        panic!("not an aggregate");
    };
    let fields: Vec<_> = bits
        .members
        .iter()
        .map(|m| (m.name.as_deref().expect("named"), m.bit_size, m.bit_offset))
        .collect();
    assert_eq!(
        fields[..3],
        [
            ("low", Some(3), Some(0)),
            ("mid", Some(5), Some(3)),
            ("negative", Some(4), Some(8)),
        ]
    );
    assert_eq!(fields[3].0, "flag");
    assert_eq!(fields[4], ("wide", Some(20), Some(32)));
}

#[test]
fn enums_arrays_typedefs_and_recursive_structs() {
    let module = module("values");
    let color = module
        .type_named("enum color")
        .expect("lookup")
        .expect("color");
    let TypeDesc::Enum {
        name,
        enumerators,
        size,
        ..
    } = module.type_desc(color).expect("desc")
    else {
        panic!("not an enum");
    };
    assert_eq!(name.as_deref(), Some("color"));
    assert_eq!(size, 4);
    assert_eq!(
        enumerators,
        [
            ("RED".to_string(), 0),
            ("GREEN".to_string(), 5),
            ("BLUE".to_string(), 6)
        ]
    );

    let (_, scopes) = show_values_scopes(&module);
    let grid = variable(&scopes[0], "grid").ty.expect("typed");
    let TypeDesc::Array { element, dims, .. } = module.type_desc(grid).expect("desc") else {
        panic!("grid is not an array");
    };
    assert_eq!(dims, [Some(2), Some(3)]);
    assert_eq!(
        module.type_name(element.expect("element")).expect("name"),
        "int"
    );
    assert_eq!(module.type_size(grid).expect("size"), Some(24));

    let message = module
        .type_named("struct message")
        .expect("lookup")
        .expect("type");
    let TypeDesc::Aggregate(message) = module.type_desc(message).expect("desc") else {
        panic!("not an aggregate");
    };
    let text = message.members[1].ty.expect("typed");
    assert!(matches!(
        module.type_desc(text).expect("desc"),
        TypeDesc::Array { dims, .. } if dims == [None]
    ));
    assert_eq!(module.type_name(text).expect("name"), "char []");

    let point_t = module
        .type_named("point_t")
        .expect("lookup")
        .expect("point_t");
    let point = module.type_named("struct point").expect("lookup");
    assert_eq!(
        module.type_desc(point_t).expect("desc"),
        TypeDesc::Typedef {
            name: "point_t".into(),
            target: point
        }
    );
    // A C struct tag is found by its bare name too.
    assert_eq!(module.type_named("point").expect("lookup"), point);
    assert_eq!(
        module
            .complete_type(point.expect("point"))
            .expect("complete"),
        point
    );

    // `struct node { struct node *next; }`: one level at a time.
    let node = module
        .type_named("struct node")
        .expect("lookup")
        .expect("node");
    let TypeDesc::Aggregate(desc) = module.type_desc(node).expect("desc") else {
        panic!("not an aggregate");
    };
    let next = desc.members[1].ty.expect("typed");
    assert!(matches!(
        module.type_desc(next).expect("desc"),
        TypeDesc::Pointer { target: Some(t), size: 8, name: None } if t == node
    ));
}

#[test]
fn types_are_found_by_name_for_casts() {
    let module = module("values");
    let base = |name: &str| {
        let ty = module.type_named(name).expect("lookup").expect(name);
        match module.type_desc(ty).expect("desc") {
            TypeDesc::Base { encoding, size, .. } => (encoding, size),
            other => panic!("{name} is {other:?}"),
        }
    };
    assert_eq!(base("int"), (BaseEncoding::Signed, 4));
    assert_eq!(base("unsigned long"), (BaseEncoding::Unsigned, 8));
    assert_eq!(base("long unsigned int"), (BaseEncoding::Unsigned, 8));
    assert_eq!(base("unsigned   char"), (BaseEncoding::UnsignedChar, 1));
    assert_eq!(base("double"), (BaseEncoding::Float, 8));
    assert_eq!(base("_Bool"), (BaseEncoding::Bool, 1));
    let union = module
        .type_named("union number")
        .expect("lookup")
        .expect("union");
    assert!(matches!(
        module.type_desc(union).expect("desc"),
        TypeDesc::Aggregate(a) if a.kind == AggregateKind::Union && a.members.len() == 3
    ));
    let pointer = module.type_named("int *").expect("lookup").expect("int *");
    assert_eq!(module.type_name(pointer).expect("name"), "int *");
    assert_eq!(
        module.type_named("struct no_such_thing").expect("lookup"),
        None
    );
    assert_eq!(module.type_named("enum point").expect("lookup"), None);
    assert!(module.type_desc(TypeRef::clone(&pointer)).is_ok());
}

#[test]
fn globals_are_found_by_name_and_located() {
    let module = module("values");
    let found = module
        .global_variables("global_counter", None)
        .expect("lookup");
    assert_eq!(found.len(), 1);
    let counter = &found[0];
    assert!(counter.external && !counter.parameter);
    assert_eq!(
        module.type_name(counter.ty.expect("typed")).expect("name"),
        "int"
    );
    let pc = breakpoint(&module, "main");
    let place = module
        .locate(counter, None, pc, &mut Frame::default())
        .expect("locate");
    let symbol = fixtures::symbol("values", "global_counter");
    assert_eq!(place, Place::Memory(symbol + BIAS));

    let ratio = module
        .global_variables("global_ratio", Some(pc))
        .expect("lookup");
    assert_eq!(ratio.len(), 1);
    assert!(!ratio[0].external, "a file static");

    let callback = &module
        .global_variables("global_callback", None)
        .expect("lookup")[0];
    assert_eq!(
        module.type_name(callback.ty.expect("typed")).expect("name"),
        "int (*)(int, int)"
    );
    assert!(module
        .global_variables("nothing_like_this", None)
        .expect("lookup")
        .is_empty());
    // A function's local is not a global.
    assert!(module
        .global_variables("sum", None)
        .expect("lookup")
        .is_empty());
}

#[test]
fn thread_locals_ask_for_the_thread_block() {
    let module = module("values");
    let found = module
        .global_variables("thread_value", None)
        .expect("lookup");
    assert_eq!(found.len(), 1);
    let mut frame = Frame::default();
    let pc = breakpoint(&module, "main");
    let place = module
        .locate(&found[0], None, pc, &mut frame)
        .expect("locate");
    // The offset in the module's TLS block is the symbol's value.
    let offset = fixtures::symbol("values", "thread_value");
    assert_eq!(frame.tls_offsets, [offset]);
    assert_eq!(place, Place::Memory(TLS + offset));
}

#[test]
fn inlined_functions_are_scopes_of_their_own() {
    let module = module("nested_o2");
    // `twice` is inlined into `leaf`: its scope comes first.
    let pc = breakpoint(&module, "twice");
    let scopes = module.scopes_at(pc).expect("scopes");
    let names: Vec<_> = scopes
        .iter()
        .map(|s| (s.name.as_deref(), s.inlined))
        .collect();
    assert_eq!(names, [(Some("twice"), true), (Some("leaf"), false)]);
    // An inlined function's variables come from its abstract origin; its frame base is its
    // caller's.
    assert_eq!(
        scopes[0].blocks.last().map(|b| names_of(b)),
        Some(vec!["x"])
    );
    assert!(scopes[0].blocks.last().expect("block")[0].parameter);
    assert_eq!(scopes[0].frame_base, scopes[1].frame_base);
    assert_eq!(
        scopes[1].blocks.last().map(|b| names_of(b)),
        Some(vec!["x", "y"])
    );
}

fn names_of(block: &[Variable]) -> Vec<&str> {
    names(block)
}

#[test]
fn location_lists_pick_the_entry_covering_pc() {
    let module = module("nested_o2");
    let pc = breakpoint(&module, "outer");
    let scopes = module.scopes_at(pc).expect("scopes");
    let scope = scopes.last().expect("outer");
    assert_eq!(scope.name.as_deref(), Some("outer"));
    let x = variable(scope, "x");
    assert!(
        matches!(x.location, VarLocation::List(_)),
        "{:?}",
        x.location
    );
    // At the entry, the first argument is in rdi (DWARF register 5).
    let place = module
        .locate(x, Some(scope), pc, &mut Frame::default())
        .expect("locate");
    assert_eq!(place, Place::Register(5));
    // Outside every entry (the list does not cover address 0) it is not available.
    let nowhere = module
        .locate(x, Some(scope), FileAddr::new(0), &mut Frame::default())
        .expect("locate");
    assert_eq!(nowhere, Place::OptimizedOut);

    // A register the frame does not know: not available, not an error.
    let leaf_pc = breakpoint(&module, "leaf");
    let leaf = module.scopes_at(leaf_pc).expect("scopes");
    let leaf_scope = leaf.last().expect("leaf");
    let y = variable(leaf_scope, "y");
    let mut blind = Frame {
        no_registers: true,
        ..Frame::default()
    };
    let place = module
        .locate(y, Some(leaf_scope), leaf_pc, &mut blind)
        .expect("locate");
    assert!(
        matches!(place, Place::OptimizedOut),
        "y without registers: {place:?}"
    );
}

#[test]
fn scopes_outside_any_function_are_empty() {
    let module = module("values");
    assert!(module
        .scopes_at(FileAddr::new(0))
        .expect("scopes")
        .is_empty());
    assert!(module
        .scopes_at(FileAddr::new(u64::MAX))
        .expect("scopes")
        .is_empty());
}

/// Truncated and bit-flipped copies of the values fixture: the variable and type questions
/// give errors, never panics.
#[test]
fn corrupt_values_give_errors_not_panics() {
    let bytes = std::fs::read(fixtures::path("values")).expect("fixture");
    dbg_symbols::ask_everything(&bytes);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..40 {
        let mut copy = bytes.clone();
        if round % 4 == 0 {
            copy.truncate(copy.len() / 2 + round * 97);
        }
        for _ in 0..256 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state as usize) % copy.len();
            copy[at] ^= (state >> 32) as u8 | 1;
        }
        dbg_symbols::ask_everything(&copy);
    }
}
