//! Separate debug files and compressed DWARF: a binary stripped with `objcopy` answers from
//! the debug file attached to it exactly as the unstripped binary does, and a compressed
//! section that claims an unbelievable size is refused with an error.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

use dbg_symbols::{Error, FileAddr, LineLookup, Module};

fn parse(path: &Path) -> Module {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Module::parse(Box::new(bytes)).expect("ELF")
}

fn objcopy(args: &[&str], files: &[&Path]) {
    let status = Command::new("objcopy")
        .args(args)
        .args(files)
        .status()
        .expect("objcopy (binutils) is installed");
    assert!(status.success(), "objcopy {args:?} {files:?}");
}

/// `fixture` split as distributions ship it: `stripped` (with `strip_flag`: `--strip-debug`
/// keeps `.symtab`, `--strip-all` keeps only `.dynsym`) with a `.gnu_debuglink` to `debug`,
/// made by `objcopy --only-keep-debug`.
fn split(fixture: &str, strip_flag: &str, dir: &Path) -> (PathBuf, PathBuf) {
    let original = fixtures::path(fixture);
    let stripped = dir.join(fixture);
    let debug = dir.join(format!("{fixture}.debug"));
    std::fs::copy(&original, &stripped).expect("copy");
    objcopy(&["--only-keep-debug"], &[&stripped, &debug]);
    objcopy(&[strip_flag], &[&stripped]);
    let link = format!("--add-gnu-debuglink={}", debug.display());
    objcopy(&[&link], &[&stripped]);
    (stripped, debug)
}

/// What a debugger asks of `nested`'s code: symbols, lines, frames, breakpoints by name
/// and by line, variables in scope and their types.
fn answers(module: &Module) -> Vec<String> {
    let mut found = Vec::new();
    for name in ["main", "leaf", "inner", "util_scale", "twice"] {
        found.push(format!("{name}: {:?}", module.breakpoint_addresses(name)));
        for symbol in module.symbols_named(name) {
            let at = symbol.address.wrapping_add(4);
            found.push(format!(
                "{at:#x}: {:?} {:?} {:?}",
                module.symbol_at(at),
                module.line_at(at),
                module.frames_at(at),
            ));
            let scopes = module.scopes_at(at).expect("scopes");
            for scope in &scopes {
                for variable in scope.blocks.iter().flatten() {
                    let ty = variable.ty.map(|ty| module.type_name(ty));
                    found.push(format!("  {} {ty:?}", variable.name));
                }
            }
        }
    }
    found.push(format!("{:?}", module.line_addresses("nested.c", 10)));
    found.push(format!("{:?}", module.source_files()));
    found
}

#[test]
fn a_stripped_binary_answers_from_its_debug_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = parse(&fixtures::path("nested"));
    for strip in ["--strip-debug", "--strip-all"] {
        let (stripped, debug) = split("nested", strip, dir.path());
        let alone = parse(&stripped);
        assert!(!alone.has_debug_info(), "{strip}");
        assert!(alone.debug_file().is_none());
        let (name, crc) = alone.debuglink().expect("a .gnu_debuglink");
        assert_eq!(name, "nested.debug");
        let debug_bytes = std::fs::read(&debug).expect("debug file");
        assert_eq!(crc, crc32(&debug_bytes), "the CRC objcopy recorded");
        // objcopy keeps the build-id note in both halves: that is how they are matched.
        let id = whole.build_id().expect("gcc links with a build-id");
        assert_eq!(alone.build_id().as_ref(), Some(&id));
        assert_eq!(parse(&debug).build_id().as_ref(), Some(&id));

        let attached = alone.with_debug_file(parse(&debug));
        assert!(attached.has_debug_info());
        assert!(
            attached.has_symtab(),
            "{strip}: symbols from the debug file"
        );
        assert_eq!(answers(&attached), answers(&whole), "{strip}");
        assert!(matches!(
            attached.line_addresses("nested.c", 10),
            Ok(LineLookup::Found { .. })
        ));
        assert!(attached.has_cfi());
    }
}

/// The reflected CRC-32 (`.gnu_debuglink`'s), bit by bit: an independent check of the CRC
/// the session computes with `crc32fast`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A compressed `.debug_info` whose header claims a terabyte is refused, typed, before any
/// allocation; the symbols still answer.
#[test]
fn a_compressed_section_claiming_too_much_is_refused() {
    use object::{Object, ObjectSection};
    let mut bytes = std::fs::read(fixtures::path("nested_gz")).expect("fixture");
    let offset = {
        let elf = object::File::parse(&*bytes).expect("ELF");
        let section = elf.section_by_name(".debug_info").expect(".debug_info");
        let range = section.compressed_file_range().expect("range");
        assert_eq!(range.format, object::CompressionFormat::Zlib);
        section.file_range().expect("in the file").0 as usize
    };
    // Elf64_Chdr: ch_type (4), ch_reserved (4), ch_size (8).
    bytes[offset + 8..offset + 16].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let module = Module::parse(Box::new(bytes)).expect("ELF");
    let error = module.unit_count().expect_err("refused");
    assert!(
        matches!(error, Error::CompressedTooLarge { section: ".debug_info", size, .. } if size == 1 << 40),
        "{error:?}"
    );
    assert!(!module.has_debug_info());
    assert!(!module.symbols_named("main").is_empty());
    assert_eq!(
        module.line_at(FileAddr::new(0)).map_err(|e| e.to_string()),
        Err(error.to_string())
    );
}
