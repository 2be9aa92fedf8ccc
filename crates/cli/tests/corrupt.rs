//! Binaries with corrupt parts (issue 17): copies of the `nested` fixture with seeded random
//! byte flips in `.debug_info`, `.debug_line`, `.debug_abbrev`, `.eh_frame`, the ELF header,
//! the program headers and the section headers, debugged with `dbg-cli --batch` (break, run,
//! bt, list, locals, symbol, disassemble, continue). Whatever the flips did, dbg must end in
//! time with the exit status SPEC §2 gives (0, 1, or 2 with one line saying why), never panic.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;
use common::{dbg, fixture, transcript};

/// A little-endian integer of `N` bytes at `at`.
fn read<const N: usize>(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word[..N].copy_from_slice(&bytes[at..at + N]);
    u64::from_le_bytes(word)
}

/// Where each named section's bytes are in the file: (name, offset, size).
fn sections(elf: &[u8]) -> Vec<(String, usize, usize)> {
    let shoff = read::<8>(elf, 0x28) as usize;
    let shentsize = read::<2>(elf, 0x3a) as usize;
    let shnum = read::<2>(elf, 0x3c) as usize;
    let shstrndx = read::<2>(elf, 0x3e) as usize;
    let header = |index: usize| shoff + index * shentsize;
    let names = read::<8>(elf, header(shstrndx) + 0x18) as usize;
    (0..shnum)
        .map(|index| {
            let at = header(index);
            let name_at = names + read::<4>(elf, at) as usize;
            let end = elf[name_at..].iter().position(|b| *b == 0).unwrap();
            let name = String::from_utf8_lossy(&elf[name_at..name_at + end]).into_owned();
            (
                name,
                read::<8>(elf, at + 0x18) as usize,
                read::<8>(elf, at + 0x20) as usize,
            )
        })
        .collect()
}

/// The regions to damage: (what, offset, length).
fn regions(elf: &[u8]) -> Vec<(String, usize, usize)> {
    let mut regions: Vec<(String, usize, usize)> = sections(elf)
        .into_iter()
        .filter(|(name, _, _)| {
            matches!(
                name.as_str(),
                ".debug_info" | ".debug_line" | ".debug_abbrev" | ".eh_frame"
            )
        })
        .collect();
    assert_eq!(regions.len(), 4, "the fixture's sections: {regions:?}");
    let phoff = read::<8>(elf, 0x20) as usize;
    let phnum = read::<2>(elf, 0x38) as usize;
    let shoff = read::<8>(elf, 0x28) as usize;
    let shnum = read::<2>(elf, 0x3c) as usize;
    regions.push(("ELF header".into(), 0, 64));
    regions.push(("program headers".into(), phoff, phnum * 56));
    regions.push(("section headers".into(), shoff, shnum * 64));
    regions
}

/// xorshift64: the same flips on every run.
struct Flips(u64);

impl Flips {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn binaries_with_corrupt_sections_and_headers_give_errors_not_panics_or_hangs() {
    let original = std::fs::read(fixture("nested")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut flips = Flips(0x5eed_f0d1_ceca_fe01);
    let commands = [
        "break inner",
        "run",
        "bt",
        "list",
        "locals",
        "symbol main",
        "disassemble -c 3",
        "continue",
    ];
    let mut args = vec!["--batch"];
    for command in &commands {
        args.extend(["-e", command]);
    }
    let mut statuses = std::collections::BTreeMap::new();
    for (what, offset, len) in regions(&original) {
        for (round, count) in [1, 4, 16, 64].into_iter().enumerate() {
            let mut copy = original.clone();
            for _ in 0..count {
                let random = flips.next();
                let at = offset + (random % len as u64) as usize;
                copy[at] ^= ((random >> 32) as u8) | 1;
            }
            let path = dir
                .path()
                .join(format!("nested-{}-{round}", what.replace(' ', "_")));
            std::fs::write(&path, &copy).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            let mut run_args = vec!["run"];
            run_args.extend(&args);
            let program = path.display().to_string();
            run_args.push(&program);
            // `dbg` puts a deadline around the run: a hang aborts the test.
            let output = dbg(&run_args);
            let text = transcript(&output);
            let reproduce = format!(
                "{what}, {count} flips (seed round {round}): dbg-cli {}\n{text}",
                run_args.join(" ")
            );
            let code = output.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "exit status not per SPEC: {reproduce}"
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("panicked"), "a panic: {reproduce}");
            if code == Some(2) {
                assert!(
                    stderr.starts_with("dbg-cli: ") && stderr.trim_end().lines().count() == 1,
                    "exit 2 without one line saying why: {reproduce}"
                );
            }
            *statuses.entry((what.clone(), code)).or_insert(0) += 1;
        }
    }
    eprintln!("exit statuses by region: {statuses:?}");
    // The damage to debug information and unwind tables leaves a runnable program: those
    // copies are debugged (status 0 or 1), not refused.
    for section in [".debug_info", ".debug_line", ".debug_abbrev", ".eh_frame"] {
        assert!(
            !statuses.contains_key(&(section.to_string(), Some(2))),
            "a copy with a corrupt {section} was refused: {statuses:?}"
        );
    }
}
